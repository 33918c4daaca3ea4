/**
 * The demo app's TokenLab client: fetch, retries and logging the way application code commonly
 * does it, which is to say too much. It logs every outgoing request with its headers (the
 * `Authorization: Bearer sk-...` one included) and body (prompts included), every response with
 * its headers and body, and every failure as an `err` with its stack. That is the input the
 * filter exists for.
 */
import type { Logger } from 'pino'

/** An error response from TokenLab, shaped like the OpenAI SDK's APIError (status, headers, error, request_id). */
export class TokenLabApiError extends Error {
  override name = 'TokenLabApiError'
  readonly status: number
  readonly headers: Record<string, string>
  readonly request_id: string | undefined
  /** The body's `error` member: an object on protocol errors. */
  readonly error: unknown
  /** The raw response body, kept for the final error log. Not enumerable, so pino's err serializer skips it. */
  declare readonly responseText: string

  constructor(status: number, headers: Record<string, string>, body: unknown, responseText: string) {
    const bodyError = isObject(body) ? body.error : undefined
    const requestId = findRequestId(headers, body)
    const code = isObject(bodyError) && typeof bodyError.code === 'string' ? bodyError.code : 'unknown_error'
    const detail = isObject(bodyError) && typeof bodyError.message === 'string' ? bodyError.message : `HTTP ${status}`
    super(`TokenLab API error ${status} ${code}: ${detail}${requestId === undefined ? '' : ` (request ${requestId})`}`)
    this.status = status
    this.headers = headers
    this.request_id = requestId
    this.error = bodyError
    Object.defineProperty(this, 'responseText', { value: responseText, enumerable: false })
  }

  get retryable(): boolean {
    if (isObject(this.error) && typeof this.error.retryable === 'boolean') return this.error.retryable
    return this.status === 429 || this.status >= 500
  }

  /** Seconds to wait, from the body's retry_after or the Retry-After header. */
  get retryAfterSeconds(): number | undefined {
    if (isObject(this.error) && typeof this.error.retry_after === 'number') return this.error.retry_after
    const header = Number(this.headers['retry-after'])
    return Number.isFinite(header) ? header : undefined
  }
}

export interface CallContext {
  /** The TokenLab key to call with: the customer's own (BYOK) or the server's. */
  readonly apiKey: string
  readonly log: Logger
  readonly jobId?: string
  readonly userId?: string
}

export interface TokenLabResponse {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: Record<string, unknown>
}

export interface TokenLabClientOptions {
  readonly baseUrl: string
  readonly timeoutMs: number
  readonly maxAttempts: number
  /** Upper bound of a retry wait; the demo keeps it short so that a scenario runs in seconds. */
  readonly maxBackoffMs: number
}

type RetryOutcome = 'new_task' | 'resumed_task'

export class TokenLabClient {
  constructor(private readonly options: TokenLabClientOptions) {}

  /** Sends one HTTP request and logs it and its response; throws TokenLabApiError on an error status. */
  async send(context: CallContext, method: string, path: string, body: Record<string, unknown> | undefined, attempt: number): Promise<TokenLabResponse> {
    const url = `${this.options.baseUrl}${path}`
    const headers: Record<string, string> = { Authorization: `Bearer ${context.apiKey}`, Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const ids = { job_id: context.jobId, user_id: context.userId }
    context.log.debug({ ...ids, attempt, request: { method, url, headers, body } }, 'tokenlab request')

    const started = performance.now()
    const response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    })
    const responseHeaders = Object.fromEntries(response.headers)
    const text = await response.text()
    const latencyMs = Math.round(performance.now() - started)
    const parsed = parseJson(text)
    if (!response.ok) throw new TokenLabApiError(response.status, responseHeaders, parsed, text)

    context.log.info({ ...ids, attempt, request: { method, url }, response: { status: response.status, headers: responseHeaders, body: parsed }, latency_ms: latencyMs }, 'tokenlab response')
    return { status: response.status, headers: responseHeaders, body: isObject(parsed) ? parsed : {} }
  }

  async chat(context: CallContext, body: Record<string, unknown>): Promise<TokenLabResponse> {
    return this.withRetries(context, 'chat completion', undefined, (attempt) => this.send(context, 'POST', '/v1/chat/completions', body, attempt))
  }

  /** Creates a video task. A retry after a failed or timed-out create makes a new task. */
  async createVideo(context: CallContext, body: Record<string, unknown>): Promise<TokenLabResponse> {
    return this.withRetries(context, 'video create', 'new_task', (attempt) => this.send(context, 'POST', '/v1/videos/generations', body, attempt))
  }

  /** Polls a task. A retry polls the same task again, so it resumes it. */
  async pollTask(context: CallContext, pollUrl: string): Promise<TokenLabResponse> {
    return this.withRetries(context, 'task poll', 'resumed_task', (attempt) => this.send(context, 'GET', pollUrl, undefined, attempt))
  }

  async cancelTask(context: CallContext, taskId: string): Promise<TokenLabResponse> {
    return this.send(context, 'DELETE', `/v1/tasks/${taskId}`, undefined, 1)
  }

  private async withRetries(context: CallContext, operation: string, outcome: RetryOutcome | undefined, call: (attempt: number) => Promise<TokenLabResponse>): Promise<TokenLabResponse> {
    const ids = { job_id: context.jobId, user_id: context.userId }
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await call(attempt)
        if (attempt > 1) {
          const taskId = typeof response.body.id === 'string' && response.body.id.startsWith('ldtask_') ? response.body.id : undefined
          const retry = { attempt, ...(outcome === undefined ? {} : { outcome }) }
          context.log.info({ ...ids, request_id: response.headers['x-request-id'], task_id: taskId, retry }, `${operation} succeeded on attempt ${attempt}`)
        }
        return response
      } catch (error) {
        const retryable = error instanceof TokenLabApiError ? error.retryable : isTimeout(error)
        const last = attempt >= this.options.maxAttempts
        if (!retryable || last) {
          const responseText = error instanceof TokenLabApiError ? error.responseText : undefined
          context.log.error({ ...ids, err: error, attempt, max_attempts: this.options.maxAttempts, response_text: responseText }, `${operation} failed`)
          // A leftover debugging aid: util.inspect of the error, several plain-text lines on stderr.
          if (retryable) console.warn(`[tokenlab] ${operation} gave up after ${attempt} attempts:`, error)
          throw error
        }
        const waitSeconds = error instanceof TokenLabApiError ? error.retryAfterSeconds ?? 1 : 1
        const delayMs = Math.min(waitSeconds * 1000, this.options.maxBackoffMs)
        context.log.warn({ ...ids, err: error, attempt, next_attempt: attempt + 1, delay_ms: delayMs }, `${operation} failed, retrying`)
        await new Promise((resolve) => setTimeout(resolve, delayMs))
      }
    }
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
}

function findRequestId(headers: Record<string, string>, body: unknown): string | undefined {
  if (isObject(body)) {
    if (typeof body.request_id === 'string') return body.request_id
    if (isObject(body.error) && typeof body.error.request_id === 'string') return body.error.request_id
  }
  return headers['x-request-id']
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
