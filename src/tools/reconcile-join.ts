/**
 * The join of `reconcile`. Log records are grouped into operations: records that share a
 * request_id, task_id or billing_transaction_id belong to one operation (a create request, its
 * polls and its settlement). Usage records then join an operation by billing_transaction_id,
 * else by request_id.
 */
import type { NormalizedBlock } from '../normalized-schema.js'
import { sumDecimals, type UsageRecord } from './usage-records.js'

export interface Operation {
  readonly requestIds: Set<string>
  readonly taskIds: Set<string>
  readonly billingIds: Set<string>
  firstSeen: string | undefined
  lastSeen: string | undefined
  method: string | undefined
  endpoint: string | undefined
  model: string | undefined
  lastStatus: number | undefined
  lastTaskStatus: string | undefined
  records: number
  readonly usage: UsageRecord[]
}

type IdentifierKind = 'r' | 't' | 'b'

/** Groups normalized blocks into operations with a union-find over their identifiers. */
export class OperationIndex {
  private readonly parent = new Map<string, string>()
  private readonly operations = new Map<string, Operation>()

  /** Adds one record; blocks without a request, task or billing id cannot be joined and are skipped. */
  add(block: NormalizedBlock, timestamp: string | undefined): boolean {
    const keys = [
      ...idsOf(block.request_id, block.conflicts?.request_id).map((id) => key('r', id)),
      ...idsOf(block.task_id, block.conflicts?.task_id).map((id) => key('t', id)),
      ...idsOf(block.billing_transaction_id, block.conflicts?.billing_transaction_id).map((id) => key('b', id)),
    ]
    const first = keys[0]
    if (first === undefined) return false
    let root = this.find(first)
    for (const other of keys.slice(1)) root = this.union(root, this.find(other))
    const operation = this.operationAt(root)
    for (const id of keys) {
      const set = id.startsWith('r:') ? operation.requestIds : id.startsWith('t:') ? operation.taskIds : operation.billingIds
      set.add(id.slice(2))
    }
    operation.records++
    if (timestamp !== undefined) {
      if (operation.firstSeen === undefined || timestamp < operation.firstSeen) operation.firstSeen = timestamp
      if (operation.lastSeen === undefined || timestamp >= operation.lastSeen) operation.lastSeen = timestamp
    }
    operation.method ??= block.method
    operation.endpoint ??= block.endpoint
    operation.model ??= block.model
    if (block.status_code !== undefined) operation.lastStatus = block.status_code
    if (block.task_status !== undefined) operation.lastTaskStatus = block.task_status
    return true
  }

  /** Finds the operation a usage record belongs to, by billing_transaction_id, else by request_id. */
  operationFor(record: UsageRecord): Operation | undefined {
    for (const id of [record.billing_transaction_id === undefined ? undefined : key('b', record.billing_transaction_id), record.request_id === undefined ? undefined : key('r', record.request_id)]) {
      if (id === undefined || !this.parent.has(id)) continue
      return this.operations.get(this.find(id))
    }
    return undefined
  }

  all(): Operation[] {
    return [...this.operations.values()]
  }

  private find(id: string): string {
    let root = id
    for (;;) {
      const next = this.parent.get(root)
      if (next === undefined) {
        this.parent.set(root, root)
        break
      }
      if (next === root) break
      root = next
    }
    // Path compression: point every id on the way straight at the root.
    let current = id
    while (current !== root) {
      const next = this.parent.get(current) as string
      this.parent.set(current, root)
      current = next
    }
    return root
  }

  private union(left: string, right: string): string {
    if (left === right) return left
    this.parent.set(right, left)
    const merged = this.operations.get(right)
    if (merged !== undefined) {
      this.operations.delete(right)
      mergeInto(this.operationAt(left), merged)
    }
    return left
  }

  private operationAt(root: string): Operation {
    let operation = this.operations.get(root)
    if (operation === undefined) {
      operation = {
        requestIds: new Set(),
        taskIds: new Set(),
        billingIds: new Set(),
        firstSeen: undefined,
        lastSeen: undefined,
        method: undefined,
        endpoint: undefined,
        model: undefined,
        lastStatus: undefined,
        lastTaskStatus: undefined,
        records: 0,
        usage: [],
      }
      this.operations.set(root, operation)
    }
    return operation
  }
}

function key(kind: IdentifierKind, id: string): string {
  return `${kind}:${id}`
}

function idsOf(value: string | undefined, conflicts: readonly string[] | undefined): string[] {
  const ids = conflicts === undefined ? [] : [...conflicts]
  if (value !== undefined && !ids.includes(value)) ids.unshift(value)
  return ids
}

function mergeInto(target: Operation, source: Operation): void {
  for (const id of source.requestIds) target.requestIds.add(id)
  for (const id of source.taskIds) target.taskIds.add(id)
  for (const id of source.billingIds) target.billingIds.add(id)
  if (source.firstSeen !== undefined && (target.firstSeen === undefined || source.firstSeen < target.firstSeen)) target.firstSeen = source.firstSeen
  // The later record's outcome wins, as it would have had the records arrived in one operation.
  if (source.lastSeen !== undefined && (target.lastSeen === undefined || source.lastSeen > target.lastSeen)) {
    target.lastSeen = source.lastSeen
    target.lastStatus = source.lastStatus ?? target.lastStatus
    target.lastTaskStatus = source.lastTaskStatus ?? target.lastTaskStatus
  }
  target.method ??= source.method
  target.endpoint ??= source.endpoint
  target.model ??= source.model
  target.records += source.records
  target.usage.push(...source.usage)
}

/** Scenes of the usage API, from the documented endpoint paths. NOTE: /v1/tasks/ polls carry no scene; their create record does. */
const ENDPOINT_SCENES: readonly [RegExp, string][] = [
  [/^\/v1\/(chat\/completions|completions|responses|messages)(\/|$)/, 'chat'],
  [/^\/v1beta\/models\//, 'chat'],
  [/^\/v1\/images\//, 'image'],
  [/^\/v1\/videos\//, 'video'],
  [/^\/v1\/audio\//, 'audio'],
  [/^\/v1\/embeddings(\/|$)/, 'embedding'],
  [/^\/v1\/rerank(\/|$)/, 'rerank'],
  [/^\/v1\/music\//, 'music'],
  [/^\/v1\/3d\//, '3d'],
  [/^\/v1\/realtime(\/|$)/, 'realtime'],
]

export function sceneOfEndpoint(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined
  return ENDPOINT_SCENES.find(([pattern]) => pattern.test(endpoint))?.[1]
}

export interface Window {
  /** Inclusive bounds as RFC 3339 instants or YYYY-MM-DD dates (whole days in UTC). */
  readonly start?: string
  readonly end?: string
}

/** True when `timestamp` (ISO 8601) is inside the window; a missing timestamp is inside. */
export function inWindow(window: Window, timestamp: string | undefined): boolean {
  if (timestamp === undefined) return true
  const time = Date.parse(timestamp)
  if (Number.isNaN(time)) return true
  if (window.start !== undefined && time < windowBound(window.start, 'start')) return false
  if (window.end !== undefined && time > windowBound(window.end, 'end')) return false
  return true
}

function windowBound(bound: string, side: 'start' | 'end'): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(bound)) return Date.parse(`${bound}T${side === 'start' ? '00:00:00.000' : '23:59:59.999'}Z`)
  return Date.parse(bound)
}

export interface LoggedEntry {
  readonly request_id?: string
  readonly task_id?: string
  readonly billing_transaction_id?: string
  readonly method?: string
  readonly endpoint?: string
  readonly model?: string
  readonly status_code?: number
  readonly task_status?: string
  readonly first_seen?: string
  readonly last_seen?: string
}

export interface ReconcileReport {
  readonly window: Window
  readonly scene: string | undefined
  readonly logged_not_billed: LoggedEntry[]
  readonly billed_not_logged: UsageRecord[]
  readonly unsettled_tasks: LoggedEntry[]
  readonly totals: {
    readonly logged_operations: number
    readonly billed: number
    readonly logged_not_billed: number
    readonly unsettled_tasks: number
    /** Operations that ended in an error or a failed task and carry no billing id: nothing to bill. */
    readonly not_billable: number
    /** Operations left out by --scene or the date window. */
    readonly outside_filters: number
    readonly usage_records: number
    readonly usage_matched: number
    readonly billed_not_logged: number
    readonly usage_outside_window: number
    readonly cost_usd: { readonly usage: string; readonly matched: string; readonly billed_not_logged: string }
  }
}

/** Joins the operations with the usage records and sorts every operation into one category. */
export function reconcile(index: OperationIndex, usage: readonly UsageRecord[], window: Window, scene: string | undefined): ReconcileReport {
  const billedNotLogged: UsageRecord[] = []
  let usageOutsideWindow = 0
  const inScope: UsageRecord[] = []
  for (const record of usage) {
    if (!inWindow(window, record.created_at) || (scene !== undefined && record.scene !== undefined && record.scene !== scene)) {
      usageOutsideWindow++
      continue
    }
    inScope.push(record)
    const operation = index.operationFor(record)
    if (operation === undefined) billedNotLogged.push(record)
    else operation.usage.push(record)
  }

  const loggedNotBilled: LoggedEntry[] = []
  const unsettled: LoggedEntry[] = []
  let billed = 0
  let notBillable = 0
  let outsideFilters = 0
  const operations = index.all()
  for (const operation of operations) {
    const operationScene = sceneOfEndpoint(operation.endpoint)
    const sceneMismatch = scene !== undefined && operationScene !== undefined && operationScene !== scene
    if (operation.usage.length === 0 && (sceneMismatch || !inWindow(window, operation.firstSeen))) {
      outsideFilters++
      continue
    }
    if (operation.usage.length > 0) billed++
    else if (isUnsettledTask(operation)) unsettled.push(entryOf(operation))
    else if (isNotBillable(operation)) notBillable++
    else loggedNotBilled.push(entryOf(operation))
  }

  const unmatched = new Set(billedNotLogged)
  const matched = inScope.filter((record) => !unmatched.has(record))
  return {
    window,
    scene,
    logged_not_billed: loggedNotBilled,
    billed_not_logged: billedNotLogged,
    unsettled_tasks: unsettled,
    totals: {
      logged_operations: operations.length,
      billed,
      logged_not_billed: loggedNotBilled.length,
      unsettled_tasks: unsettled.length,
      not_billable: notBillable,
      outside_filters: outsideFilters,
      usage_records: usage.length,
      usage_matched: matched.length,
      billed_not_logged: billedNotLogged.length,
      usage_outside_window: usageOutsideWindow,
      cost_usd: {
        usage: costOf(inScope),
        matched: costOf(matched),
        billed_not_logged: costOf(billedNotLogged),
      },
    },
  }
}

/** Tells whether an async task has no settlement yet: no billing id logged, no usage record, and not failed. */
function isUnsettledTask(operation: Operation): boolean {
  if (operation.taskIds.size === 0 || operation.billingIds.size > 0) return false
  return operation.lastTaskStatus !== 'failed' && operation.lastTaskStatus !== 'cancelled'
}

/** Failed work is not charged: an error status, or a failed or cancelled task, without a billing id. */
function isNotBillable(operation: Operation): boolean {
  if (operation.billingIds.size > 0) return false
  if (operation.lastTaskStatus === 'failed' || operation.lastTaskStatus === 'cancelled') return true
  return operation.lastStatus !== undefined && operation.lastStatus >= 400
}

function costOf(records: readonly UsageRecord[]): string {
  return sumDecimals(records.flatMap((record) => (record.cost === undefined ? [] : [record.cost])))
}

function entryOf(operation: Operation): LoggedEntry {
  const entry: { -readonly [Key in keyof LoggedEntry]: LoggedEntry[Key] } = {}
  const first = <Value>(set: Set<Value>): Value | undefined => set.values().next().value
  entry.request_id = first(operation.requestIds)
  entry.task_id = first(operation.taskIds)
  entry.billing_transaction_id = first(operation.billingIds)
  entry.method = operation.method
  entry.endpoint = operation.endpoint
  entry.model = operation.model
  entry.status_code = operation.lastStatus
  entry.task_status = operation.lastTaskStatus
  entry.first_seen = operation.firstSeen
  entry.last_seen = operation.lastSeen
  return Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined)) as LoggedEntry
}
