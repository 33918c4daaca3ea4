/**
 * Normalize stage: builds the fixed TokenLab block from the identifier candidates the walk
 * collected and from the usual places of context fields (pino-http's req/res, response and
 * error bodies, HTTP client errors). The block is only built when the record carries a TokenLab
 * identifier or a TokenLab-shaped error body; other lines keep their bytes.
 *
 * It reads the record after the walk, so every context value it copies has already been
 * through drop and redact, and the pipeline walks the finished block once more.
 */
import type { CompiledRules, NormalizeConfig } from '../rules/compile.js'
import type { PathSegment } from '../rules/paths.js'
import { IDENTIFIER_FIELDS, type IdentifierField } from '../rules/schema.js'
import type { NormalizedBlock } from '../normalized-schema.js'
import type { IdentifierCandidate } from './line-state.js'

export interface NormalizeReport {
  /** Identifier values that failed their format and were not copied. */
  readonly invalid: Partial<Record<IdentifierField, number>>
  readonly conflicts: IdentifierField[]
}

type Json = Record<string, unknown>

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function own(target: unknown, key: string): unknown {
  if (target === null || typeof target !== 'object' || Array.isArray(target)) return undefined
  return Object.hasOwn(target, key) ? (target as Json)[key] : undefined
}

function ownPath(target: unknown, ...keys: string[]): unknown {
  let current = target
  for (const key of keys) current = own(current, key)
  return current
}

function getPath(target: unknown, segments: readonly PathSegment[]): unknown {
  let current = target
  for (const segment of segments) {
    if (segment.kind === 'wildcard') return undefined
    if (segment.kind === 'index') current = Array.isArray(current) ? current[segment.index] : own(current, String(segment.index))
    else current = own(current, segment.key)
  }
  return current
}

/** Keeps only the path of a poll URL: `https://host/v1/tasks/ldtask_x?wait=30` becomes `/v1/tasks/ldtask_x`. */
export function pollUrlPath(value: string): string {
  let path = value.trim()
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path)
  if (scheme) path = path.slice(scheme[0].length)
  const end = path.search(/[?#]/)
  if (end !== -1) path = path.slice(0, end)
  return path
}

const HTTP_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'])
const DOCUMENTED_TASK_STATUSES: ReadonlySet<string> = new Set(['pending', 'processing', 'completed', 'failed'])
const RESPONSE_FIELDS = ['id', 'object', 'usage', 'choices', 'created', 'data', 'status', 'error']
const ENDPOINT_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,255}$/

function firstString(containers: readonly unknown[], keys: readonly string[], maxLength: number): string | undefined {
  for (const container of containers) {
    for (const key of keys) {
      const value = own(container, key)
      if (typeof value === 'string' && value.length > 0 && value.length <= maxLength) return value
    }
  }
  return undefined
}

function firstNumber(containers: readonly unknown[], keys: readonly string[], accept: (value: number) => boolean): number | undefined {
  for (const container of containers) {
    for (const key of keys) {
      const value = own(container, key)
      if (typeof value === 'number' && accept(value)) return value
    }
  }
  return undefined
}

function endpointPath(value: string): string | undefined {
  const path = pollUrlPath(value)
  return ENDPOINT_PATH.test(path) ? path : undefined
}

/** Copies the public fields of an error body; anything else in it (balances, alternatives) stays out. */
function publicError(value: unknown): NormalizedBlock['error'] | undefined {
  if (typeof value === 'string') return value.length > 0 ? { message: value } : undefined
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
  const type = own(value, 'type')
  const code = own(value, 'code')
  const message = own(value, 'message')
  if (typeof type !== 'string' && typeof code !== 'string' && typeof message !== 'string') return undefined
  const error: NonNullable<NormalizedBlock['error']> = {}
  // pino's err serializer rewrites a nested object that has a `message` as an error: it sets
  // `type` to the class name ("Object") and adds `stack`. That `type` is not TokenLab's.
  const serializedByPino = typeof own(value, 'stack') === 'string'
  if (typeof type === 'string' && !serializedByPino) error.type = type
  if (typeof code === 'string') error.code = code
  else if (typeof code === 'number') error.code = String(code)
  if (typeof message === 'string') error.message = message
  const param = own(value, 'param')
  if (typeof param === 'string') error.param = param
  const retryable = own(value, 'retryable')
  if (typeof retryable === 'boolean') error.retryable = retryable
  const retryAfter = own(value, 'retry_after')
  if (typeof retryAfter === 'number' && retryAfter >= 0) error.retry_after = retryAfter
  return error
}

export function buildNormalizedBlock(
  record: Json,
  candidates: readonly IdentifierCandidate[],
  rules: CompiledRules,
  report: NormalizeReport,
): NormalizedBlock | undefined {
  const config = rules.normalize
  const values = collectIdentifiers(candidates, config, report)

  const request = own(record, 'request')
  const response = own(record, 'response')
  const req = own(record, 'req')
  const res = own(record, 'res')
  const err = own(record, 'err')
  const errResponse = own(err, 'response')
  const bodies = [
    record,
    own(res, 'body'),
    own(response, 'body'),
    own(response, 'data'),
    response,
    own(record, 'body'),
    own(record, 'data'),
    own(record, 'result'),
    own(record, 'task'),
    own(errResponse, 'data'),
    own(errResponse, 'body'),
    own(err, 'error'),
    err,
    own(record, config.key),
  ]

  let error: NormalizedBlock['error'] | undefined
  for (const container of bodies) {
    const candidate = own(container, 'error')
    if (candidate === undefined) continue
    // A bare string is an error only in a task status body (status "failed"); elsewhere it is a message.
    if (typeof candidate === 'string' && own(container, 'status') !== 'failed') continue
    error = publicError(candidate)
    if (error !== undefined) break
  }

  const hasIdentifier = IDENTIFIER_FIELDS.some((field) => values[field] !== undefined)
  if (!hasIdentifier && error === undefined) return undefined

  const block: NormalizedBlock = {}
  for (const field of IDENTIFIER_FIELDS) {
    const list = values[field]
    if (list !== undefined) block[field] = list[0] as string
  }

  // pino-http's `req` is the request the application is serving, bound to every line logged
  // through req.log. It describes the call only when the record has no outgoing request of its
  // own (`request`, or an HTTP client error's config or request).
  const hasOutgoing = [request, own(err, 'config'), own(err, 'request')].some(isRecord)
  const incoming = hasOutgoing ? undefined : req

  // Root-level body, payload and params count as a request body only when they name a model
  // and carry none of the fields of a response body.
  const requestShaped = (value: unknown): unknown =>
    own(value, 'model') !== undefined && !RESPONSE_FIELDS.some((field) => own(value, field) !== undefined) ? value : undefined
  const requestBodies = [
    own(request, 'body'),
    ownPath(err, 'request', 'body'),
    own(incoming, 'body'),
    requestShaped(own(record, 'body')),
    requestShaped(own(record, 'payload')),
    requestShaped(own(record, 'params')),
  ]
  const model = firstString([...bodies, ...requestBodies], ['model'], 128)
  if (model !== undefined) block.model = model

  const httpContainers = [record, request, own(err, 'config'), own(err, 'request'), incoming]
  const endpointSource = firstString(httpContainers, ['endpoint', 'path', 'url'], 2048)
  const endpoint = endpointSource === undefined ? undefined : endpointPath(endpointSource)
  if (endpoint !== undefined) block.endpoint = endpoint

  const method = firstString(httpContainers, ['method'], 16)?.toUpperCase()
  if (method !== undefined && HTTP_METHODS.has(method)) block.method = method

  const statusCode = firstNumber([record, res, response, errResponse, err], ['status_code', 'statusCode', 'status', 'http_status'], (value) => Number.isInteger(value) && value >= 100 && value <= 599)
  if (statusCode !== undefined) block.status_code = statusCode

  const latency = firstNumber([record, res, response], ['latency_ms', 'latencyMs', 'duration_ms', 'durationMs', 'responseTime', 'response_time_ms', 'elapsed_ms', 'elapsedMs'], (value) => Number.isFinite(value) && value >= 0)
  if (latency !== undefined) block.latency_ms = latency

  const taskStatus = findTaskStatus(bodies)
  if (taskStatus !== undefined) block.task_status = taskStatus
  if (error !== undefined) block.error = error

  const requestFields = findRequestFields(requestBodies, err)
  if (requestFields !== undefined) block.request_fields = requestFields

  const retry = findRetry(record)
  if (retry !== undefined) block.retry = retry

  const jobId = firstConfigured(record, config.jobIdPaths)
  if (jobId !== undefined) block.job_id = jobId
  const userId = firstConfigured(record, config.userIdPaths)
  if (userId !== undefined) block.user_id = userId

  for (const field of IDENTIFIER_FIELDS) {
    const list = values[field]
    if (list !== undefined && list.length > 1) {
      block.conflicts ??= {}
      block.conflicts[field] = list
      report.conflicts.push(field)
    }
  }

  if (config.hints && (block.status_code !== undefined || block.error !== undefined || block.conflicts !== undefined)) {
    const hint = findHint(rules, block)
    if (hint !== undefined) block.hint = hint
  }
  return block
}

function collectIdentifiers(
  candidates: readonly IdentifierCandidate[],
  config: NormalizeConfig,
  report: NormalizeReport,
): Partial<Record<IdentifierField, string[]>> {
  const values: Partial<Record<IdentifierField, string[]>> = {}
  // A set per field beside each list: with includes(), n distinct values would cost n^2 / 2 compares.
  const seen = new Map<IdentifierField, Set<string>>()
  const add = (field: IdentifierField, value: string): void => {
    const known = seen.get(field)
    if (known === undefined) {
      values[field] = [value]
      seen.set(field, new Set([value]))
    } else if (!known.has(value)) {
      known.add(value)
      ;(values[field] as string[]).push(value)
    }
  }
  // TokenLab's identifiers arrive on the response side. A value under `req`/`request` (a
  // gateway's X-Request-ID, a task id sent as input) comes first only when nothing else was found.
  const ordered = candidates.some((candidate) => candidate.fromRequest)
    ? [...candidates.filter((candidate) => !candidate.fromRequest), ...candidates.filter((candidate) => candidate.fromRequest)]
    : candidates
  for (const candidate of ordered) {
    const value = candidate.field === 'poll_url' ? pollUrlPath(candidate.value) : candidate.value.trim()
    if (!config.formats[candidate.field].test(value)) {
      report.invalid[candidate.field] = (report.invalid[candidate.field] ?? 0) + 1
      continue
    }
    add(candidate.field, value)
  }
  if (values.task_id === undefined && values.poll_url !== undefined) {
    const last = (values.poll_url[0] as string).split('/').pop() ?? ''
    if (config.formats.task_id.test(last)) add('task_id', last)
  }
  return values
}

function findTaskStatus(containers: readonly unknown[]): NormalizedBlock['task_status'] | undefined {
  for (const container of containers) {
    const status = own(container, 'status') ?? own(container, 'task_status')
    if (typeof status !== 'string' || !DOCUMENTED_TASK_STATUSES.has(status)) continue
    if (own(container, 'cancelled') === true || own(container, 'cancellation_status') === 'cancelled') return 'cancelled'
    return status as NormalizedBlock['task_status']
  }
  return undefined
}

function findRequestFields(requestBodies: readonly unknown[], err: unknown): string[] | undefined {
  for (const body of requestBodies) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) continue
    const keys = Object.keys(body)
    if (keys.length > 0 && keys.length <= 200) return keys
  }
  // Axios errors keep the request body as a JSON string in err.config.data.
  const data = ownPath(err, 'config', 'data')
  if (typeof data === 'string' && data.startsWith('{')) {
    try {
      const parsed = JSON.parse(data) as unknown
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return Object.keys(parsed).slice(0, 200)
    } catch {
      return undefined
    }
  }
  return undefined
}

function findRetry(record: Json): NormalizedBlock['retry'] | undefined {
  const retry = own(record, 'retry')
  const attempt = firstNumber([record, retry], ['attempt', 'retry_attempt', 'retryAttempt', 'retry_count', 'retryCount', 'retries', 'count'], (value) => Number.isInteger(value) && value >= 0 && value <= 1_000_000)
  let outcome: NonNullable<NormalizedBlock['retry']>['outcome']
  const stated = own(retry, 'outcome') ?? own(record, 'retry_outcome')
  if (stated === 'new_task' || stated === 'resumed_task') outcome = stated
  else if (stated === 'resumed') outcome = 'resumed_task'
  else if (own(record, 'new_task') === true || own(record, 'created_new_task') === true || own(retry, 'new_task') === true) outcome = 'new_task'
  else if (own(record, 'resumed') === true || own(record, 'resumed_task') === true || own(retry, 'resumed') === true) outcome = 'resumed_task'
  if (attempt === undefined && outcome === undefined) return undefined
  const result: NonNullable<NormalizedBlock['retry']> = {}
  if (attempt !== undefined) result.attempt = attempt
  if (outcome !== undefined) result.outcome = outcome
  return result
}

function firstConfigured(record: Json, paths: readonly (readonly PathSegment[])[]): string | undefined {
  for (const path of paths) {
    const value = getPath(record, path)
    if (typeof value === 'string' && value.length > 0 && value.length <= 256) return value
    if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  }
  return undefined
}

function findHint(rules: CompiledRules, block: NormalizedBlock): NormalizedBlock['hint'] | undefined {
  for (const hint of rules.normalize.hintSpecs) {
    if (hint.status !== undefined && (block.status_code === undefined || !hint.status.includes(block.status_code))) continue
    if (hint.error_types !== undefined && (block.error?.type === undefined || !hint.error_types.includes(block.error.type))) continue
    if (hint.error_codes !== undefined && (block.error?.code === undefined || !hint.error_codes.includes(block.error.code))) continue
    if (hint.conflicts !== undefined && !hint.conflicts.some((field) => block.conflicts?.[field] !== undefined)) continue
    return { id: hint.id, first_check: hint.first_check, docs: hint.docs }
  }
  return undefined
}
