/**
 * A mock of the TokenLab API for the demo app, the sample log and the end-to-end test. It responds
 * as the public documentation describes (docs.tokenlab.sh: chat completions, async video jobs,
 * task status and cancel, error bodies) and listens on 127.0.0.1 only.
 *
 * It is not a TokenLab emulator: it knows a few API keys, runs a task to completion after a fixed
 * number of polls, and fails a request only when the caller queued a fault for it. Every id it
 * issues is recorded in `issued`, so a test can check that each one reached the filtered log.
 *
 * One deliberate deviation: task status bodies carry a `metadata` object with a provider task id,
 * an upstream URL and a routing channel id. The public API does not document these, but they are
 * what the observability guide says never to store, so the demo app's logs need them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { IdGenerator, fakeSignature } from './ids.js'

/** Fake AWS credential parts of the signed result URLs; obviously fake, never valid anywhere. */
export const FAKE_AWS_ACCESS_KEY_ID = 'AKIAFAKEDEMO0EXAMPLE'
export const FAKE_AWS_SESSION_TOKEN = 'FwoGZXIvYXdzEFAKEDEMOsessionTOKEN0123456789abcdefXYZ'
export const RESULT_HOST = 'https://assets.tokenlab.sh'

/** A failure the next matching request gets instead of its normal response. */
export type MockFault =
  | { readonly kind: 'rate_limit'; readonly method: string; readonly path: string; readonly retryAfterSeconds?: number }
  | { readonly kind: 'all_channels_failed'; readonly method: string; readonly path: string; readonly retryAfterSeconds?: number }
  | { readonly kind: 'upstream_error'; readonly method: string; readonly path: string }
  /** The normal response, sent only after `delayMs`: long enough for a client timeout. */
  | { readonly kind: 'slow'; readonly method: string; readonly path: string; readonly delayMs: number }

/** Terminal state of the next created task. */
export type TaskOutcome = 'completed' | 'failed'

export interface IssuedResponse {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly requestId: string
  readonly taskId?: string
  readonly billingTransactionId?: string
  /** False when the client had gone (timed out) before the response was written. */
  readonly delivered: boolean
}

export interface IssuedTask {
  readonly taskId: string
  readonly providerTaskId: string
  readonly channelId: string
  readonly upstreamUrl: string
  /** Set once a status body carried the private metadata (provider task id, upstream URL, channel). */
  metadataSent?: boolean
  signature?: string
}

export interface MockTokenLabOptions {
  /** Seed of the id generator; the same seed and request sequence give the same ids. */
  readonly seed?: number
  /** API keys that authenticate. Any other key gets 401 invalid_api_key. */
  readonly validKeys: readonly string[]
  /** Valid keys whose balance is too low for a billable request (402 insufficient_balance). */
  readonly emptyBalanceKeys?: readonly string[]
  /** Polls after which a task reaches its terminal state (default 3: processing, processing, done). */
  readonly pollsUntilDone?: number
}

interface Task {
  readonly id: string
  readonly model: string
  readonly created: number
  readonly outcome: TaskOutcome
  readonly internal: IssuedTask
  polls: number
  updated: number
  cancelled: boolean
  billingTransactionId?: string
}

type JsonObject = Record<string, unknown>

interface Reply {
  readonly status: number
  readonly body: JsonObject
  readonly headers?: Record<string, string>
  readonly taskId?: string
  readonly billingTransactionId?: string
}

const CHAT_MODELS = new Set(['gpt-4o-mini', 'gpt-4.1', 'claude-sonnet-4-5', 'deepseek-chat'])
const VIDEO_MODELS = new Set(['seedance-2.0', 'seedance-2.0-fast', 'kling-v2-1', 'veo-3'])
/** Only queued Seedance tasks can be cancelled, per TokenLab's cancel-task page. */
const CANCELLABLE_PREFIX = 'seedance-'
const TASK_PATH = /^\/v1\/tasks\/([^/?#]+)$/
/** 2026-01-15T09:00:00Z; the mock clock advances one second per request so bodies stay reproducible. */
const CLOCK_START = 1768467600

export class MockTokenLab {
  readonly issued: IssuedResponse[] = []
  readonly tasks: IssuedTask[] = []
  private readonly ids: IdGenerator
  private readonly validKeys: ReadonlySet<string>
  private readonly emptyBalanceKeys: ReadonlySet<string>
  private readonly pollsUntilDone: number
  private readonly faults: MockFault[] = []
  private readonly outcomes: TaskOutcome[] = []
  private readonly taskById = new Map<string, Task>()
  /** Requests still being answered, such as a slow answer whose client already timed out. */
  private readonly inFlight = new Set<Promise<void>>()
  private readonly server: Server
  private clock = CLOCK_START
  private chatCount = 0
  private baseUrl: string | undefined

  constructor(options: MockTokenLabOptions) {
    this.ids = new IdGenerator(options.seed ?? 20260115)
    this.validKeys = new Set(options.validKeys)
    this.emptyBalanceKeys = new Set(options.emptyBalanceKeys ?? [])
    this.pollsUntilDone = options.pollsUntilDone ?? 3
    this.server = createServer((request, response) => {
      const handled = this.handle(request, response).catch((error: unknown) => {
        response.statusCode = 500
        response.end(JSON.stringify({ error: { message: `mock failure: ${String(error)}`, type: 'internal_error' } }))
      })
      this.inFlight.add(handled)
      void handled.finally(() => this.inFlight.delete(handled))
    })
  }

  /** Starts listening on 127.0.0.1 on a free port and returns the base URL. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(0, '127.0.0.1', () => resolve())
    })
    const address = this.server.address() as AddressInfo
    this.baseUrl = `http://127.0.0.1:${address.port}`
    return this.baseUrl
  }

  /** Resolves once every request received so far has been answered and recorded in `issued`. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight])
  }

  async close(): Promise<void> {
    await this.idle()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  get url(): string {
    if (this.baseUrl === undefined) throw new Error('the mock TokenLab server is not listening; call listen() first')
    return this.baseUrl
  }

  /** Queues a fault for the next request with this method and path. Faults are used in order. */
  queueFault(fault: MockFault): void {
    this.faults.push(fault)
  }

  /** Sets how the next created video task ends (default: completed). */
  queueTaskOutcome(outcome: TaskOutcome): void {
    this.outcomes.push(outcome)
  }

  /** Signed result URLs issued so far: their signatures are secrets the filter must redact. */
  get signatures(): string[] {
    return this.tasks.flatMap((task) => (task.signature === undefined ? [] : [task.signature]))
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readJson(request)
    const method = request.method ?? 'GET'
    const path = (request.url ?? '/').split('?')[0] as string
    this.clock++
    const requestId = this.ids.requestId()
    const key = bearerKey(request.headers.authorization)
    const authenticated = key !== undefined && this.validKeys.has(key)
    // A fault is used up only by a request that authenticated, so a 401 never eats one.
    const fault = authenticated ? this.takeFault(method, path) : undefined
    const reply = !authenticated ? invalidApiKey(key, requestId)
      : fault !== undefined && fault.kind !== 'slow' ? faultReply(fault, requestId)
        : this.answer(method, path, key, body, requestId)
    if (fault?.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, fault.delayMs))

    const delivered = response.socket !== null && !response.socket.destroyed
    this.issued.push({
      method,
      path,
      status: reply.status,
      requestId,
      ...(reply.taskId === undefined ? {} : { taskId: reply.taskId }),
      ...(reply.billingTransactionId === undefined ? {} : { billingTransactionId: reply.billingTransactionId }),
      delivered,
    })
    if (!delivered) return
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-request-id': requestId,
      'x-routing-time-ms': String(3 + (this.clock % 17)),
      ...reply.headers,
    }
    response.writeHead(reply.status, headers)
    response.end(JSON.stringify(reply.body))
  }

  private answer(method: string, path: string, key: string, body: unknown, requestId: string): Reply {
    if (method === 'POST' && path === '/v1/chat/completions') return this.chatCompletion(key, asObject(body), requestId)
    if (method === 'POST' && path === '/v1/videos/generations') return this.createVideo(key, asObject(body), requestId)
    const taskMatch = TASK_PATH.exec(path)
    if (taskMatch !== null && method === 'GET') return this.taskStatus(taskMatch[1] as string)
    if (taskMatch !== null && method === 'DELETE') return this.cancelTask(taskMatch[1] as string, requestId)
    return {
      status: 404,
      body: { error: { message: `Unknown endpoint ${method} ${path}`, type: 'invalid_request_error', code: 'not_found', param: null } },
    }
  }

  private chatCompletion(key: string, body: JsonObject, requestId: string): Reply {
    const model = typeof body.model === 'string' ? body.model : ''
    if (!CHAT_MODELS.has(model)) return modelNotFound(model, requestId)
    if (this.emptyBalanceKeys.has(key)) return insufficientBalance(requestId, 0.42)

    this.chatCount++
    const promptChars = JSON.stringify(body.messages ?? []).length
    const promptTokens = Math.max(8, Math.round(promptChars / 4))
    const completionTokens = 24 + (this.chatCount % 5) * 11
    // Every third response is sent before billing settled, so it carries no transaction id.
    const settled = this.chatCount % 3 !== 0
    const billingStyle = this.chatCount % 2 === 0 ? 'billtxn' : 'cuid'
    const billingTransactionId = settled ? this.ids.billingTransactionId(billingStyle) : undefined
    const completion: JsonObject = {
      id: this.ids.chatCompletionId(),
      object: 'chat.completion',
      created: this.clock,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: `REPLY-CANARY ${this.chatCount}: a short answer that quotes the user's private question back.` },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    }
    if (billingTransactionId !== undefined) completion.billing_transaction_id = billingTransactionId
    return {
      status: 200,
      body: completion,
      headers: billingTransactionId === undefined ? {} : { 'x-billing-transaction-id': billingTransactionId },
      ...(billingTransactionId === undefined ? {} : { billingTransactionId }),
    }
  }

  private createVideo(key: string, body: JsonObject, requestId: string): Reply {
    const model = typeof body.model === 'string' ? body.model : ''
    if (!VIDEO_MODELS.has(model)) return modelNotFound(model, requestId)
    if (this.emptyBalanceKeys.has(key)) return insufficientBalance(requestId, 1.6)

    const id = this.ids.taskId()
    const providerTaskId = this.ids.providerTaskId()
    const internal: IssuedTask = {
      taskId: id,
      providerTaskId,
      channelId: this.ids.channelId(),
      upstreamUrl: `https://video-upstream.provider.example/v2/jobs/${providerTaskId}`,
    }
    this.tasks.push(internal)
    const task: Task = { id, model, created: this.clock, updated: this.clock, outcome: this.outcomes.shift() ?? 'completed', internal, polls: 0, cancelled: false }
    this.taskById.set(id, task)
    return {
      status: 200,
      body: { id, task_id: id, object: 'video.generation', status: 'pending', model, created: task.created, poll_url: `/v1/tasks/${id}` },
      headers: { 'x-task-id': id },
      taskId: id,
    }
  }

  private taskStatus(id: string): Reply {
    const task = this.taskById.get(id)
    if (task === undefined) return taskNotFound()
    if (!task.cancelled) {
      task.polls++
      task.updated = this.clock
    }
    return { status: 200, body: this.statusBody(task), headers: { 'x-task-id': id }, taskId: id, ...this.billingOf(task) }
  }

  private cancelTask(id: string, requestId: string): Reply {
    const task = this.taskById.get(id)
    if (task === undefined) return taskNotFound()
    if (task.polls > 0 || !task.model.startsWith(CANCELLABLE_PREFIX)) {
      return {
        status: 409,
        body: { error: { message: 'Task is no longer queued and cannot be cancelled', type: 'invalid_request_error', code: 'task_not_cancellable', param: null, request_id: requestId } },
        taskId: id,
      }
    }
    task.cancelled = true
    task.updated = this.clock
    return { status: 200, body: this.statusBody(task), headers: { 'x-task-id': id }, taskId: id }
  }

  private billingOf(task: Task): { billingTransactionId?: string } {
    return task.billingTransactionId === undefined ? {} : { billingTransactionId: task.billingTransactionId }
  }

  private statusBody(task: Task): JsonObject {
    const common: JsonObject = { id: task.id, task_id: task.id, object: 'video.generation', model: task.model, created: task.created, updated: task.updated, poll_url: `/v1/tasks/${task.id}` }
    if (task.cancelled) {
      return { ...common, status: 'failed', cancelled: true, cancellation_status: 'cancelled', error: 'Task cancelled before execution' }
    }
    const metadata = { provider_task_id: task.internal.providerTaskId, upstream_url: task.internal.upstreamUrl, channel_id: task.internal.channelId }
    task.internal.metadataSent = true
    if (task.polls < this.pollsUntilDone) {
      const status = task.polls === 0 ? 'pending' : 'processing'
      const progress = Math.min(95, Math.round((task.polls / this.pollsUntilDone) * 100))
      return { ...common, status, ...(status === 'processing' ? { progress } : {}), metadata }
    }
    if (task.outcome === 'failed') return { ...common, status: 'failed', error: 'Content policy violation', metadata }

    task.billingTransactionId ??= this.ids.billingTransactionId('cuid')
    const signature = fakeSignature(task.id)
    task.internal.signature = signature
    const videoUrl = signedResultUrl(task.id, signature)
    return {
      ...common,
      status: 'completed',
      progress: 100,
      video_url: videoUrl,
      video: { url: videoUrl, duration: 5, width: 1280, height: 720 },
      billing_transaction_id: task.billingTransactionId,
      metadata,
    }
  }

  private takeFault(method: string, path: string): MockFault | undefined {
    const index = this.faults.findIndex((fault) => fault.method === method && path.startsWith(fault.path))
    if (index === -1) return undefined
    return this.faults.splice(index, 1)[0]
  }
}

/** Builds a presigned S3-style URL: what a result URL looks like when the asset store signs it. */
function signedResultUrl(taskId: string, signature: string): string {
  const query = [
    'X-Amz-Algorithm=AWS4-HMAC-SHA256',
    `X-Amz-Credential=${FAKE_AWS_ACCESS_KEY_ID}%2F20260115%2Fus-east-1%2Fs3%2Faws4_request`,
    'X-Amz-Date=20260115T090000Z',
    'X-Amz-Expires=3600',
    `X-Amz-Security-Token=${FAKE_AWS_SESSION_TOKEN}`,
    'X-Amz-SignedHeaders=host',
    `X-Amz-Signature=${signature}`,
  ]
  return `${RESULT_HOST}/videos/${taskId}.mp4?${query.join('&')}`
}

function bearerKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  return match?.[1]
}

/** Masks a key the way OpenAI-compatible APIs echo it in 401 messages: a few characters at each end. */
function maskKey(key: string): string {
  if (key.length <= 12) return '***'
  return `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`
}

function invalidApiKey(key: string | undefined, requestId: string): Reply {
  const message = key === undefined ? 'Missing API key' : `Incorrect API key provided: ${maskKey(key)}`
  return { status: 401, body: { error: { message, type: 'invalid_api_key', code: 'invalid_api_key', param: null }, request_id: requestId } }
}

function insufficientBalance(requestId: string, estimatedCostUsd: number): Reply {
  return {
    status: 402,
    body: {
      error: {
        message: `Insufficient balance: this request needs about $${estimatedCostUsd.toFixed(2)}`,
        type: 'insufficient_balance',
        code: 'insufficient_balance',
        param: null,
        balance_usd: 0.05,
        estimated_cost_usd: estimatedCostUsd,
      },
      request_id: requestId,
    },
  }
}

function modelNotFound(model: string, requestId: string): Reply {
  return {
    status: 400,
    body: {
      error: {
        message: `Model '${model}' not found`,
        type: 'invalid_request_error',
        code: 'model_not_found',
        param: 'model',
        did_you_mean: 'gpt-4o-mini',
        request_id: requestId,
      },
    },
  }
}

function taskNotFound(): Reply {
  return { status: 404, body: { error: { message: 'Task not found or expired', type: 'invalid_request_error', code: 'async_task_not_found', param: 'id' } } }
}

function faultReply(fault: Exclude<MockFault, { kind: 'slow' }>, requestId: string): Reply {
  if (fault.kind === 'rate_limit') {
    const retryAfter = fault.retryAfterSeconds ?? 1
    return {
      status: 429,
      headers: { 'retry-after': String(retryAfter), 'x-ratelimit-limit': '1000' },
      body: { error: { message: 'Rate limit exceeded: 1000 requests per minute for this API key', type: 'rate_limit_exceeded', code: 'rate_limit_exceeded', param: null, retryable: true, retry_after: retryAfter, request_id: requestId } },
    }
  }
  if (fault.kind === 'all_channels_failed') {
    const retryAfter = fault.retryAfterSeconds ?? 2
    // TokenLab's own example of this error has no `type`.
    return {
      status: 503,
      headers: { 'retry-after': String(retryAfter) },
      body: {
        error: {
          message: 'All delivery channels failed for this model; try again or pick an alternative',
          code: 'all_channels_failed',
          retryable: true,
          retry_after: retryAfter,
          alternatives: [{ id: 'gpt-4.1', status: 'available', tags: ['fallback'] }],
          request_id: requestId,
        },
      },
    }
  }
  return {
    status: 502,
    body: { error: { message: 'Upstream provider returned an error', type: 'upstream_error', code: 'upstream_error', param: null, retryable: true }, request_id: requestId },
  }
}

function asObject(value: unknown): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {}
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  if (chunks.length === 0) return undefined
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  } catch {
    return undefined
  }
}
