/**
 * The demo app: a small "video studio" backend that calls TokenLab for its customers. Customers
 * send their own TokenLab key (bring your own key) in `Authorization: Bearer sk-...` and their
 * user id in `X-User-Id`. It logs with pino and pino-http the way the pino-http README shows:
 * the body is parsed before pino-http runs, `req.log` carries the request (headers and body) on
 * every line, and genReqId reuses or sets `X-Request-Id`.
 *
 * Routes:
 *   GET    /healthz                 liveness
 *   POST   /api/chat                one chat completion
 *   POST   /api/videos              create a video job (a TokenLab async task)
 *   GET    /api/videos/:job_id      poll the job's task once
 *   DELETE /api/videos/:job_id      cancel the job's task
 *   GET    /api/tasks/:task_id      support lookup of any task, with the server's own key
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { pinoHttp } from 'pino-http'
import { TokenLabApiError, isObject, type CallContext, type TokenLabClient } from './tokenlab-client.js'

export interface DemoAppOptions {
  readonly logger: Logger
  readonly tokenlab: TokenLabClient
  /** The server's own TokenLab key, for support lookups. */
  readonly serverApiKey: string
  /** Email addresses of the customers, by user id: the app's user table. */
  readonly customerEmails: Readonly<Record<string, string>>
}

interface Job {
  readonly jobId: string
  readonly userId: string
  readonly apiKey: string
  readonly taskId: string
  readonly pollUrl: string
  status: string
}

type RequestWithBody = IncomingMessage & { body?: unknown }

const JOB_PATH = /^\/api\/videos\/(job_[0-9]+)$/
const TASK_LOOKUP_PATH = /^\/api\/tasks\/([A-Za-z0-9_]+)$/

export function createDemoApp(options: DemoAppOptions): Server {
  const { logger, tokenlab, serverApiKey } = options
  const emailOf = (userId: string): string => options.customerEmails[userId] ?? 'unknown@example.com'
  const jobs = new Map<string, Job>()
  let jobCount = 0

  const httpLogger = pinoHttp({
    logger,
    genReqId(req, res) {
      const existing = req.headers['x-request-id']
      const id = typeof existing === 'string' && existing.length > 0 ? existing : randomUUID()
      res.setHeader('X-Request-Id', id)
      return id
    },
    customProps(req) {
      const userId = req.headers['x-user-id']
      return typeof userId === 'string' ? { user_id: userId } : {}
    },
    // Logs the parsed body with the request, a common (and leaky) addition.
    serializers: {
      req(req: { raw?: RequestWithBody; body?: unknown }) {
        if (req.raw?.body !== undefined) req.body = req.raw.body
        return req
      },
    },
    customLogLevel(_req, res, error) {
      if (error !== undefined || res.statusCode >= 500) return 'error'
      if (res.statusCode >= 400) return 'warn'
      return 'info'
    },
  })

  async function handle(req: RequestWithBody, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req)
    if (rawBody.length > 0) {
      try {
        req.body = JSON.parse(rawBody) as unknown
      } catch (error) {
        // A debugging aid left in: it prints the raw body, whatever the client sent.
        console.error(`failed to parse JSON body of ${req.method ?? '?'} ${req.url ?? '?'}; raw body: ${rawBody}`)
        console.error(error)
        httpLogger(req, res)
        return reply(res, 400, { error: 'invalid_json' })
      }
    }
    httpLogger(req, res)

    const method = req.method ?? 'GET'
    const path = (req.url ?? '/').split('?')[0] as string
    if (method === 'GET' && path === '/healthz') return reply(res, 200, { ok: true })

    const apiKey = bearerToken(req.headers.authorization)
    const userIdHeader = req.headers['x-user-id']
    const userId = typeof userIdHeader === 'string' ? userIdHeader : 'anonymous'
    const body = isObject(req.body) ? req.body : {}

    if (method === 'GET' && TASK_LOOKUP_PATH.test(path)) {
      const taskId = (TASK_LOOKUP_PATH.exec(path) as RegExpExecArray)[1] as string
      return lookUpTask({ apiKey: serverApiKey, log: req.log, userId }, taskId, res)
    }
    if (apiKey === undefined) return reply(res, 401, { error: 'missing_api_key', message: 'send your TokenLab key as Authorization: Bearer sk-...' })

    if (method === 'POST' && path === '/api/chat') return chat({ apiKey, log: req.log, userId }, body, res)
    if (method === 'POST' && path === '/api/videos') {
      jobCount++
      const jobId = `job_${String(jobCount).padStart(4, '0')}`
      return createVideo({ apiKey, log: req.log, userId, jobId }, body, res)
    }
    const jobMatch = JOB_PATH.exec(path)
    const job = jobMatch === null ? undefined : jobs.get(jobMatch[1] as string)
    if (jobMatch !== null && job === undefined) return reply(res, 404, { error: 'job_not_found' })
    if (job !== undefined && method === 'GET') return pollVideo(job, { apiKey: job.apiKey, log: req.log, userId: job.userId, jobId: job.jobId }, res)
    if (job !== undefined && method === 'DELETE') return cancelVideo(job, { apiKey: job.apiKey, log: req.log, userId: job.userId, jobId: job.jobId }, res)
    return reply(res, 404, { error: 'not_found' })
  }

  async function chat(context: CallContext, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const request: Record<string, unknown> = { model: body.model ?? 'gpt-4o-mini', messages: body.messages, temperature: 0.7, max_tokens: 512 }
    if (typeof body.user_email === 'string') request.user = body.user_email
    try {
      const response = await tokenlab.chat(context, request)
      const choices = Array.isArray(response.body.choices) ? response.body.choices : []
      const first: unknown = choices[0]
      const message = isObject(first) && isObject(first.message) ? first.message.content : undefined
      reply(res, 200, { reply: message, request_id: response.headers['x-request-id'] })
    } catch (error) {
      replyWithError(res, error)
    }
  }

  async function createVideo(context: CallContext & { jobId: string }, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const request: Record<string, unknown> = {
      model: body.model ?? 'seedance-2.0',
      prompt: body.prompt,
      duration: body.duration ?? 5,
      resolution: '720p',
      user: context.userId,
    }
    if (body.negative_prompt !== undefined) request.negative_prompt = body.negative_prompt
    if (body.image_url !== undefined) request.image_url = body.image_url
    try {
      const response = await tokenlab.createVideo(context, request)
      const taskId = String(response.body.id)
      const pollUrl = String(response.body.poll_url)
      const job: Job = { jobId: context.jobId, userId: context.userId ?? 'anonymous', apiKey: context.apiKey, taskId, pollUrl, status: String(response.body.status) }
      jobs.set(job.jobId, job)
      context.log.debug({ job_id: job.jobId, redis_key: `demo:jobs:${job.jobId}`, ttl_s: 86400, task_id: taskId }, 'cached job state')
      if (typeof body.notify_phone === 'string') context.log.info({ job_id: job.jobId }, `will send an SMS to ${body.notify_phone} when the video is ready`)
      reply(res, 202, { job_id: job.jobId, task_id: taskId, status: job.status })
    } catch (error) {
      replyWithError(res, error)
    }
  }

  async function pollVideo(job: Job, context: CallContext, res: ServerResponse): Promise<void> {
    try {
      const response = await tokenlab.pollTask(context, job.pollUrl)
      const status = String(response.body.status)
      if (status !== job.status) {
        context.log.info({ job_id: job.jobId, task_id: job.taskId, from: job.status, to: status, progress: response.body.progress }, 'job status changed')
        job.status = status
      }
      if (status === 'completed') {
        context.log.info(
          { jobId: job.jobId, taskId: job.taskId, videoUrl: response.body.video_url, billingTransactionId: response.body.billing_transaction_id },
          'video ready',
        )
        context.log.info({ job_id: job.jobId, user: { id: job.userId, email: emailOf(job.userId) } }, `sent "video ready" email to ${emailOf(job.userId)}`)
      }
      if (status === 'failed') {
        context.log.warn({ job_id: job.jobId, task_id: job.taskId, task: response.body }, 'video job failed')
      }
      reply(res, 200, { job_id: job.jobId, status, video_url: response.body.video_url })
    } catch (error) {
      replyWithError(res, error)
    }
  }

  async function cancelVideo(job: Job, context: CallContext, res: ServerResponse): Promise<void> {
    try {
      const response = await tokenlab.cancelTask(context, job.taskId)
      job.status = String(response.body.status)
      context.log.info({ job_id: job.jobId, task_id: job.taskId, cancelled: response.body.cancelled }, 'video job cancelled by the user')
      reply(res, 200, { job_id: job.jobId, status: job.status })
    } catch (error) {
      context.log.error({ job_id: job.jobId, err: error }, 'cancel failed')
      replyWithError(res, error)
    }
  }

  async function lookUpTask(context: CallContext, taskId: string, res: ServerResponse): Promise<void> {
    try {
      const response = await tokenlab.send(context, 'GET', `/v1/tasks/${taskId}`, undefined, 1)
      reply(res, 200, response.body)
    } catch (error) {
      context.log.warn({ err: error, task_id: taskId }, 'support lookup failed')
      replyWithError(res, error)
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'unhandled error in request handler')
      if (!res.headersSent) reply(res, 500, { error: 'internal_error' })
    })
  })
  return server
}

function replyWithError(res: ServerResponse, error: unknown): void {
  if (error instanceof TokenLabApiError) {
    const status = error.status === 401 || error.status === 402 || error.status === 404 || error.status === 429 ? error.status : 502
    reply(res, status, { error: 'tokenlab_error', status: error.status, tokenlab_request_id: error.request_id })
    return
  }
  reply(res, 504, { error: 'tokenlab_unavailable' })
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header)
  return match?.[1]
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
