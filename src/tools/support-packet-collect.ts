/**
 * Collects the records of one support case from filtered normalized blocks, and merges them into
 * the fields of TokenLab's support packet template. Only fields of the normalized block (public
 * identifiers, endpoint, status, the public error body, the names of request fields) and the
 * record's timestamp are read, so nothing else in a log record can reach the packet.
 */
import type { NormalizedBlock } from '../normalized-schema.js'
import { IDENTIFIER_FIELDS, type IdentifierField } from '../rules/schema.js'

export type SelectorField = 'request_id' | 'task_id' | 'job_id'

export interface Selector {
  readonly field: SelectorField
  readonly value: string
}

export interface CollectedRecord {
  readonly source: string
  readonly line: number
  /** ISO 8601, when the record had a timestamp. */
  readonly timestamp: string | undefined
  readonly block: NormalizedBlock
}

/**
 * Decides which blocks belong to the case. A block matches the selector directly, or through a
 * request_id or task_id of a block that matched before it. So selecting a request also finds the
 * polls of the task it created, and selecting a job finds polls logged without the job id.
 * NOTE: logs are read once, so a record that comes before the record linking it to the case
 * (in log order) is not collected.
 */
export class CaseMatcher {
  private readonly selector: Selector
  private readonly requestIds = new Set<string>()
  private readonly taskIds = new Set<string>()

  constructor(selector: Selector) {
    this.selector = selector
    if (selector.field === 'request_id') this.requestIds.add(selector.value)
    if (selector.field === 'task_id') this.taskIds.add(selector.value)
  }

  matches(block: NormalizedBlock): boolean {
    const requestIds = identifierValues(block, 'request_id')
    const taskIds = identifierValues(block, 'task_id')
    const direct = this.selector.field === 'job_id' && block.job_id === this.selector.value
    const linked = requestIds.some((id) => this.requestIds.has(id)) || taskIds.some((id) => this.taskIds.has(id))
    if (!direct && !linked) return false
    for (const id of requestIds) this.requestIds.add(id)
    for (const id of taskIds) this.taskIds.add(id)
    return true
  }
}

/** Lists every value of an identifier in a block: the field and, when the record had several, the conflicts. */
function identifierValues(block: NormalizedBlock, field: IdentifierField): string[] {
  const values = block.conflicts?.[field] ?? []
  const value = block[field]
  return value === undefined || values.includes(value) ? [...values] : [value, ...values]
}

const TIME_KEYS = ['time', 'timestamp', '@timestamp', 'ts', 'date']
/** Below this, a numeric timestamp is taken as seconds rather than milliseconds (1e11 s is in the year 5138). */
const SECONDS_LIMIT = 1e11

/** Reads the timestamp of a filtered output line; see recordTimestamp. */
export function outputTimestamp(output: string): string | undefined {
  let record: unknown
  try {
    record = JSON.parse(output)
  } catch {
    return undefined
  }
  return recordTimestamp(record)
}

/** Reads the record's timestamp as ISO 8601: pino's `time` (epoch milliseconds) or a date string under a usual key. */
export function recordTimestamp(record: unknown): string | undefined {
  if (record === null || typeof record !== 'object') return undefined
  for (const key of TIME_KEYS) {
    if (!Object.hasOwn(record, key)) continue
    const value = (record as Record<string, unknown>)[key]
    let millis: number | undefined
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) millis = value < SECONDS_LIMIT ? value * 1000 : value
    else if (typeof value === 'string') millis = Date.parse(value)
    if (millis !== undefined && Number.isFinite(millis)) {
      const date = new Date(millis)
      if (!Number.isNaN(date.getTime())) return date.toISOString()
    }
  }
  return undefined
}

export interface PacketTimelineEntry {
  readonly timestamp?: string
  readonly method?: string
  readonly endpoint?: string
  readonly status_code?: number
  readonly task_status?: string
  readonly error_code?: string
  readonly request_id?: string
  readonly task_id?: string
  readonly billing_transaction_id?: string
  readonly retry_attempt?: number
}

/** The support packet: the template's fields, then the records they came from. */
export interface SupportPacket {
  readonly generated_by: string
  readonly selected_by: SelectorField
  readonly request_id?: string
  readonly task_id?: string
  readonly poll_url?: string
  readonly billing_transaction_id?: string
  readonly endpoint?: string
  readonly method?: string
  readonly model?: string
  readonly timestamp?: string
  readonly status_code?: number
  readonly task_status?: string
  readonly request_fields?: readonly string[]
  readonly error?: NormalizedBlock['error']
  readonly hint?: NormalizedBlock['hint']
  readonly retry?: NormalizedBlock['retry']
  /** Identifiers that had more than one value across the records (a retry that created a new task, say). */
  readonly conflicts?: Partial<Record<IdentifierField, string[]>>
  readonly expected_result?: string
  readonly user_saw: string
  /** "operator" when given with --user-saw, "logs" when derived from the last status and error. */
  readonly user_saw_source: 'operator' | 'logs'
  readonly records: readonly PacketTimelineEntry[]
  /** Matching records left out of `records` by --max-records. */
  readonly records_omitted: number
}

export interface PacketText {
  readonly expected?: string
  readonly userSaw?: string
}

/**
 * Merges the records (in log order) into the packet. The request fields (endpoint, method, model,
 * request shape, timestamp) come from the first record that has them. The outcome (status, task
 * status, error, billing) comes from the last one.
 */
export function buildPacket(generatedBy: string, selector: Selector, records: readonly CollectedRecord[], maxRecords: number, text: PacketText): SupportPacket {
  const first = <Key extends keyof NormalizedBlock>(key: Key): NormalizedBlock[Key] | undefined => records.find((record) => record.block[key] !== undefined)?.block[key]
  const last = <Key extends keyof NormalizedBlock>(key: Key): NormalizedBlock[Key] | undefined => records.findLast((record) => record.block[key] !== undefined)?.block[key]

  const distinct = new Map<IdentifierField, string[]>()
  for (const field of IDENTIFIER_FIELDS) {
    const values: string[] = []
    for (const record of records) for (const value of identifierValues(record.block, field)) if (!values.includes(value)) values.push(value)
    distinct.set(field, values)
  }
  const pick = (field: IdentifierField, fromLast: boolean): string | undefined => {
    if (selector.field === field) return selector.value
    const values = distinct.get(field) ?? []
    return fromLast ? values[values.length - 1] : values[0]
  }
  const conflicts: Partial<Record<IdentifierField, string[]>> = {}
  for (const [field, values] of distinct) if (values.length > 1) conflicts[field] = values

  const status = last('status_code')
  const taskStatus = last('task_status')
  const error = last('error')
  const packet: SupportPacket = {
    generated_by: generatedBy,
    selected_by: selector.field,
    request_id: pick('request_id', false),
    task_id: pick('task_id', false),
    poll_url: pick('poll_url', false),
    // Settlement comes last, so the latest billing id is the one that counts.
    billing_transaction_id: pick('billing_transaction_id', true),
    endpoint: first('endpoint'),
    method: first('method'),
    model: first('model'),
    timestamp: records.find((record) => record.timestamp !== undefined)?.timestamp,
    status_code: status,
    task_status: taskStatus,
    request_fields: first('request_fields'),
    error,
    hint: last('hint'),
    retry: last('retry'),
    conflicts: Object.keys(conflicts).length > 0 ? conflicts : undefined,
    expected_result: text.expected,
    user_saw: text.userSaw ?? describeOutcome(status, taskStatus, error),
    user_saw_source: text.userSaw === undefined ? 'logs' : 'operator',
    records: records.slice(0, maxRecords).map(timelineEntry),
    records_omitted: Math.max(0, records.length - maxRecords),
  }
  return withoutUndefined(packet)
}

function timelineEntry(record: CollectedRecord): PacketTimelineEntry {
  const block = record.block
  return withoutUndefined({
    timestamp: record.timestamp,
    method: block.method,
    endpoint: block.endpoint,
    status_code: block.status_code,
    task_status: block.task_status,
    error_code: block.error?.code ?? block.error?.type,
    request_id: block.request_id,
    task_id: block.task_id,
    billing_transaction_id: block.billing_transaction_id,
    retry_attempt: block.retry?.attempt,
  })
}

/** Describes the outcome in one line, from the last status, task status and error of the records. */
function describeOutcome(status: number | undefined, taskStatus: string | undefined, error: NormalizedBlock['error']): string {
  const parts: string[] = []
  if (status !== undefined) parts.push(`HTTP ${status}`)
  if (taskStatus !== undefined) parts.push(`task ${taskStatus}`)
  const code = error?.code ?? error?.type
  if (code !== undefined) parts.push(code)
  const outcome = parts.length === 0 ? 'No status or error was logged' : parts.join(', ')
  return error?.message === undefined ? outcome : `${outcome}: ${error.message}`
}

function withoutUndefined<Value extends object>(value: Value): Value {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Value
}
