/**
 * Client for `GET /v1/management/api-keys/{keyId}/usage`: fetches every page, with bounded
 * retries. A 429 waits for Retry-After; a 5xx or a network failure backs off exponentially; a
 * 401 or 403 fails at once. The management token goes only into the Authorization header: no
 * message, URL or error text built here contains it.
 */
import { formatMessage } from '../errors.js'
import { ToolFailure } from './shared.js'
import { toUsageRecord, usagePageSchema, type UsageRecord } from './usage-records.js'

export interface UsageQuery {
  readonly keyId: string
  readonly startDate?: string
  readonly endDate?: string
  readonly scene?: string
}

export interface UsageClientOptions {
  readonly baseUrl: string
  readonly token: string
  /** Retries per page after a 429, a 5xx or a network failure. */
  readonly maxRetries: number
  /** Time limit of one request, in milliseconds. */
  readonly timeoutMs: number
  /** Receives one line per retry (no secrets). */
  readonly onRetry: (message: string) => void
}

/** Records per page: the documented maximum of `limit`. */
export const PAGE_LIMIT = 100
/** Pages fetched at most (10 million records); a server that never stops paging is an error, not a loop. */
const MAX_PAGES = 100_000
const BACKOFF_BASE_MS = 500
const BACKOFF_MAX_MS = 8_000
/** Longest Retry-After honored, in seconds; a longer one fails the run with the time to wait. */
export const MAX_RETRY_AFTER_SECONDS = 120

const COMMAND = 'reconcile'

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Builds the URL of one page. `baseUrl` may carry a path prefix. */
export function usagePageUrl(baseUrl: string, query: UsageQuery, page: number): URL {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/v1/management/api-keys/${encodeURIComponent(query.keyId)}/usage`)
  url.searchParams.set('page', String(page))
  url.searchParams.set('limit', String(PAGE_LIMIT))
  if (query.scene !== undefined) url.searchParams.set('scene', query.scene)
  if (query.startDate !== undefined) url.searchParams.set('startDate', query.startDate)
  if (query.endDate !== undefined) url.searchParams.set('endDate', query.endDate)
  return url
}

export interface FetchedUsage {
  readonly records: UsageRecord[]
  readonly pages: number
  readonly retries: number
}

/** Fetches every page of usage records for the query. Throws ToolFailure when the API cannot be read. */
export async function fetchUsage(query: UsageQuery, options: UsageClientOptions): Promise<FetchedUsage> {
  const records: UsageRecord[] = []
  let retries = 0
  for (let page = 1; page <= MAX_PAGES; page++) {
    const result = await fetchPage(query, page, options)
    retries += result.retries
    for (const item of result.body.items) records.push(toUsageRecord(item))
    const totalPages = result.body.pagination?.totalPages
    const lastPage = totalPages !== undefined ? page >= totalPages : result.body.items.length < PAGE_LIMIT
    if (lastPage || result.body.items.length === 0) return { records, pages: page, retries }
  }
  throw new ToolFailure(formatMessage(`${COMMAND}: usage API`, `still paging after ${MAX_PAGES} pages`, 'narrow the query with --start-date, --end-date or --scene'))
}

async function fetchPage(query: UsageQuery, page: number, options: UsageClientOptions): Promise<{ body: ReturnType<typeof usagePageSchema.parse>; retries: number }> {
  const url = usagePageUrl(options.baseUrl, query, page)
  const where = `${COMMAND}: GET ${url.origin}${url.pathname} page ${page}`
  for (let attempt = 0; ; attempt++) {
    const outcome = await requestOnce(url, options)
    if (outcome.kind === 'ok') {
      const parsed = usagePageSchema.safeParse(outcome.body)
      if (!parsed.success) throw new ToolFailure(formatMessage(where, 'the response is not a usage page (items[] missing or malformed)', 'check --base-url; it must point at the TokenLab API'))
      return { body: parsed.data, retries: attempt }
    }
    if (outcome.kind === 'fatal') throw new ToolFailure(formatMessage(where, outcome.problem, outcome.fix))

    if (attempt >= options.maxRetries) {
      throw new ToolFailure(formatMessage(where, `${outcome.problem}, and ${options.maxRetries} ${options.maxRetries === 1 ? 'retry' : 'retries'} failed`, 'try again later, or raise --max-retries'))
    }
    let delayMs = backoffMs(attempt)
    if (outcome.retryAfterSeconds !== undefined) {
      if (outcome.retryAfterSeconds > MAX_RETRY_AFTER_SECONDS) {
        throw new ToolFailure(formatMessage(where, `${outcome.problem}; the server asks to wait ${outcome.retryAfterSeconds} s, longer than ${MAX_RETRY_AFTER_SECONDS} s`, 'run the command again later'))
      }
      delayMs = outcome.retryAfterSeconds * 1000
    }
    options.onRetry(`${where}: ${outcome.problem}; retrying in ${(delayMs / 1000).toFixed(1)} s (retry ${attempt + 1} of ${options.maxRetries})`)
    await sleep(delayMs)
  }
}

/** Exponential backoff with jitter: half the step is fixed, half random, so clients do not retry in step. */
function backoffMs(attempt: number): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt)
  return Math.round(step / 2 + Math.random() * (step / 2))
}

type Outcome =
  | { readonly kind: 'ok'; readonly body: unknown }
  | { readonly kind: 'retry'; readonly problem: string; readonly retryAfterSeconds?: number }
  | { readonly kind: 'fatal'; readonly problem: string; readonly fix: string }

async function requestOnce(url: URL, options: UsageClientOptions): Promise<Outcome> {
  let response: Response
  try {
    response = await fetch(url, {
      headers: { Authorization: `Bearer ${options.token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    })
  } catch (error) {
    // Only the error's class and code are shown: a fetch error message can quote request headers.
    return { kind: 'retry', problem: `request failed (${describeFetchError(error)})` }
  }

  const status = response.status
  let body: unknown
  try {
    body = await response.json()
  } catch {
    body = undefined
  }
  if (status === 200) {
    return body === undefined ? { kind: 'retry', problem: 'HTTP 200 with a body that is not JSON' } : { kind: 'ok', body }
  }

  const code = errorCode(body)
  const problem = `HTTP ${status}${code === undefined ? '' : ` ${code}`}`
  if (status === 401 || status === 403) {
    return { kind: 'fatal', problem: `${problem}: the management token was rejected`, fix: 'check TOKENLAB_MANAGEMENT_TOKEN: it must be a management token (mt-...) of the organization that owns the key' }
  }
  if (status === 404) return { kind: 'fatal', problem: `${problem}: the key was not found`, fix: 'check --key-id (the key id, such as key_abc123, not the key itself)' }
  if (status === 429) {
    const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'))
    return retryAfterSeconds === undefined ? { kind: 'retry', problem } : { kind: 'retry', problem, retryAfterSeconds }
  }
  if (status >= 500) return { kind: 'retry', problem }
  return { kind: 'fatal', problem, fix: 'check --start-date, --end-date and --scene against the usage API reference' }
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out'
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined
  if (cause !== undefined && typeof cause.code === 'string') return cause.code
  return error instanceof Error ? error.name : 'unknown error'
}

/** Reads the API's error code or type, when it is a short identifier (so it can be shown safely). */
function errorCode(body: unknown): string | undefined {
  const error = body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : undefined
  if (error === null || typeof error !== 'object') return undefined
  const value = (error as { code?: unknown; type?: unknown }).code ?? (error as { type?: unknown }).type
  return typeof value === 'string' && /^[a-z0-9_]{1,64}$/.test(value) ? value : undefined
}

/** Parses Retry-After: a number of seconds, or an HTTP date (RFC 9110, section 10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  if (/^[0-9]{1,9}$/.test(text)) return Number(text)
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, Math.ceil((date - now) / 1000))
}
