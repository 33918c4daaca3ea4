/**
 * The line templates of the benchmark corpora: builders of pino records of an application that
 * serves HTTP and calls the TokenLab API. A template plants credentials, prompts, personal data,
 * banned fields and TokenLab identifiers only in the "mixed" variant and marks the line when it
 * does.
 */
import {
  AMZ_SIGNATURES,
  AWS_ACCESS_KEY_ID,
  AWS_SESSION_TOKEN,
  EMAILS,
  GOOG_SIGNATURE,
  GOOGLE_API_KEY,
  LOWERCASE_BEARER,
  MANAGEMENT_TOKENS,
  OPAQUE_VALUES,
  PROMPT_PERSON,
  SK_KEYS,
  type PlantedValue,
} from './fake-secrets.js'
import type { CorpusVariant, LineSize } from './corpus.js'
import { ALPHANUMERIC, HEX, LOWER_ALPHANUMERIC, SeededRandom } from './random.js'
export type Fields = Record<string, unknown>

/** Context of one line's template: the random source, the variant, and marks for what it planted. */
export class LineContext {
  readonly random: SeededRandom
  readonly mixed: boolean
  time: number
  planted = false
  identifiers = false

  constructor(random: SeededRandom, mixed: boolean, time: number) {
    this.random = random
    this.mixed = mixed
    this.time = time
  }

  /** Returns true with the given probability, in the mixed variant only, and then marks the line as planted. */
  plant(probability: number): boolean {
    if (!this.mixed || !this.random.chance(probability)) return false
    this.planted = true
    return true
  }

  /** Returns true in the mixed variant only, and then marks the line as carrying identifiers. */
  withIdentifiers(): boolean {
    if (this.mixed) this.identifiers = true
    return this.mixed
  }

  pickSecret(values: readonly PlantedValue[]): string {
    return this.random.pick(values).value
  }

  /** Builds a pino record: level, time, pid and hostname first, msg last, as pino writes them. */
  record(level: number, fields: Fields, msg: string): Fields {
    return { level, time: this.time, pid: PID, hostname: HOSTNAME, ...fields, msg }
  }
}

export const PID = 4123
export const HOSTNAME = 'api-7f9c6d-x2k4q'
export const START_TIME = 1718000000000

const API_KEYS: readonly PlantedValue[] = Object.values(SK_KEYS)
const BEARER_VALUES: readonly PlantedValue[] = [...API_KEYS, ...MANAGEMENT_TOKENS, OPAQUE_VALUES[6] as PlantedValue, LOWERCASE_BEARER]

const WORDS = (
  'the a of and to in is for on with as by at from that this be it an are was or which light ' +
  'river mountain city night morning garden window street portrait camera lens color shadow soft warm ' +
  'cold blue red green golden silver glass stone wooden old new small large quiet busy ancient modern ' +
  'painting photo style detailed cinematic wide close view scene sky cloud rain snow sun moon forest ' +
  'ocean beach harbor boat bridge tower market cafe table book letter music dance story character ' +
  'robot dragon cat dog horse bird flower tree leaf path road train station map summary explain write ' +
  'translate list compare improve draft email report plan review code function test error please ' +
  'short long simple clear friendly formal tone paragraph sentence bullet steps example answer question'
).split(' ')

const MODELS = ['gpt-4o-mini', 'gpt-4.1', 'claude-sonnet-4', 'gemini-2.5-flash', 'deepseek-chat', 'qwen-max']
const MEDIA_MODELS = ['seedance-1-pro', 'kling-v2', 'flux-1.1-pro', 'gpt-image-1', 'veo-3', 'suno-v4']
const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36',
  'okhttp/4.12.0',
  'kube-probe/1.29',
  'python-requests/2.32.3',
]
const ROUTES = [
  { method: 'GET', url: '/healthz' },
  { method: 'GET', url: '/api/projects/{n}/generations?limit=20' },
  { method: 'POST', url: '/api/chat' },
  { method: 'POST', url: '/api/images' },
  { method: 'GET', url: '/api/jobs/{n}' },
  { method: 'GET', url: '/static/app.{n}.js' },
  { method: 'PUT', url: '/api/projects/{n}/settings' },
  { method: 'DELETE', url: '/api/sessions/{n}' },
]
const STATUS_CODES = [200, 200, 200, 200, 200, 201, 204, 304, 400, 401, 404, 429, 500]
const EVENT_MESSAGES = ['job queued', 'cache miss', 'cache hit', 'worker heartbeat', 'webhook delivered', 'db query finished', 'feature flag evaluated', 'session refreshed']
const STACK_FRAMES = [
  'at settle (/app/node_modules/axios/lib/core/settle.js:19:12)',
  'at IncomingMessage.handleStreamEnd (/app/node_modules/axios/lib/adapters/http.js:599:11)',
  'at IncomingMessage.emit (node:events:531:35)',
  'at endReadableNT (node:internal/streams/readable:1696:12)',
  'at process.processTicksAndRejections (node:internal/process/task_queues:82:21)',
  'at Axios.request (/app/node_modules/axios/lib/core/Axios.js:45:41)',
  'at async TokenlabClient.request (/app/dist/tokenlab/client.js:88:24)',
  'at async generateReply (/app/dist/routes/chat.js:41:18)',
  'at async Object.handler (/app/dist/routes/index.js:112:7)',
  'at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)',
  'at Parser.parseErrorMessage (/app/node_modules/pg-protocol/dist/parser.js:283:98)',
  'at Socket.<anonymous> (/app/node_modules/pg-protocol/dist/index.js:11:42)',
]
const BENIGN_TEXT_LINES = [
  'Server listening on http://0.0.0.0:8080',
  '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
  '(node:4123) [DEP0040] DeprecationWarning: The `punycode` module is deprecated. Please use a userland alternative instead.',
  '(Use `node --trace-deprecation ...` to show where the warning was created)',
  'npm warn config production Use `--omit=dev` instead.',
  'Prisma schema loaded from prisma/schema.prisma',
  'Error: connect ECONNREFUSED 10.0.4.12:5432',
  'Migrations applied: 0 pending',
]

function words(random: SeededRandom, count: number): string {
  const parts: string[] = []
  for (let index = 0; index < count; index++) parts.push(random.pick(WORDS))
  return parts.join(' ')
}

/** Prose of about `length` characters, in sentences. */
function prose(random: SeededRandom, length: number): string {
  let text = ''
  while (text.length < length) {
    const sentence = words(random, random.int(6, 18))
    text += (text.length > 0 ? ' ' : '') + sentence.charAt(0).toUpperCase() + sentence.slice(1) + '.'
  }
  return text
}

/** Returns prompt text. A quarter of the prompts name an invented person and address. */
function prompt(context: LineContext, length: number): string {
  const text = prose(context.random, length)
  if (!context.random.chance(0.25)) return text
  return `Paint ${PROMPT_PERSON.value} in watercolor. ${text}`
}

function uuid(random: SeededRandom): string {
  const hex = random.chars(HEX, 32)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`
}

const taskId = (random: SeededRandom): string => `ldtask_${random.chars(LOWER_ALPHANUMERIC, 32)}`
const billingId = (random: SeededRandom): string => `btx_${random.chars(LOWER_ALPHANUMERIC, 24)}`
const appJobId = (random: SeededRandom): string => `job_${random.chars(LOWER_ALPHANUMERIC, 16)}`

function routeUrl(random: SeededRandom, url: string): string {
  return url.replace('{n}', String(random.int(1, 99999)))
}

function signedS3Url(context: LineContext, extension: string): string {
  const random = context.random
  const signature = context.pickSecret(AMZ_SIGNATURES)
  return `https://tokenlab-outputs.s3.us-east-1.amazonaws.com/outputs/2024/06/10/${random.chars(HEX, 32)}.${extension}` +
    `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${AWS_ACCESS_KEY_ID.value}%2F20240610%2Fus-east-1%2Fs3%2Faws4_request` +
    `&X-Amz-Date=20240610T120000Z&X-Amz-Expires=3600&X-Amz-Security-Token=${AWS_SESSION_TOKEN.value}` +
    `&X-Amz-SignedHeaders=host&X-Amz-Signature=${signature}`
}

function signedGcsUrl(context: LineContext, extension: string): string {
  return `https://storage.googleapis.com/tokenlab-outputs/${context.random.chars(HEX, 32)}.${extension}` +
    '?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=renderer%40tokenlab-prod.iam.gserviceaccount.com%2F20240610%2Fauto%2Fstorage%2Fgoog4_request' +
    `&X-Goog-Date=20240610T120000Z&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature=${GOOG_SIGNATURE.value}`
}

function publicCdnUrl(random: SeededRandom, extension: string): string {
  return `https://cdn.example.test/renders/2024/06/10/${random.chars(HEX, 32)}.${extension}`
}

function stack(random: SeededRandom, head: string): string {
  const frames: string[] = [head]
  const count = random.int(10, 24)
  for (let index = 0; index < count; index++) frames.push(`    ${random.pick(STACK_FRAMES)}`)
  return frames.join('\n')
}

// --- Small lines ---------------------------------------------------------------------------

/** Builds pino-http's "request completed" line, which logs request headers unless configured otherwise. */
export function httpRequest(context: LineContext): Fields {
  const random = context.random
  const route = random.pick(ROUTES)
  const headers: Fields = {
    host: 'app.example.test',
    'user-agent': random.pick(USER_AGENTS),
    accept: 'application/json, text/plain, */*',
    'accept-encoding': 'gzip, deflate, br',
    'accept-language': 'en-US,en;q=0.9',
    'x-forwarded-for': `10.0.${random.int(0, 255)}.${random.int(1, 254)}`,
    'x-forwarded-proto': 'https',
  }
  if (route.method !== 'GET') {
    headers['content-type'] = 'application/json'
    headers['content-length'] = String(random.int(20, 4000))
  }
  if (context.plant(0.3)) headers.authorization = `Bearer ${context.pickSecret(BEARER_VALUES)}`
  if (context.plant(0.08)) headers.cookie = `session=${context.pickSecret(OPAQUE_VALUES)}; theme=dark`
  const statusCode = random.pick(STATUS_CODES)
  return context.record(statusCode >= 500 ? 50 : 30, {
    req: {
      id: random.int(1, 999999),
      method: route.method,
      url: routeUrl(random, route.url),
      query: {},
      params: {},
      headers,
      remoteAddress: '::ffff:10.0.3.7',
      remotePort: random.int(30000, 65000),
    },
    res: {
      statusCode,
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(random.int(2, 20000)) },
    },
    responseTime: random.int(1, 2500),
  }, 'request completed')
}

export function appEvent(context: LineContext): Fields {
  const random = context.random
  const fields: Fields = {
    module: random.pick(['queue', 'cache', 'webhooks', 'db', 'flags']),
    job_id: appJobId(random),
    attempt: random.int(1, 3),
    duration_ms: random.int(0, 900),
  }
  let msg = random.pick(EVENT_MESSAGES)
  if (context.plant(0.1)) fields.user = { id: `u_${random.int(1000, 99999)}`, email: random.pick(EMAILS).value, plan: 'pro' }
  if (context.plant(0.03)) msg = `password reset requested for ${random.pick(EMAILS).value}`
  return context.record(30, fields, msg)
}

// --- Medium lines --------------------------------------------------------------------------

/** Builds a completed TokenLab chat call as an API client library logs it. */
function tokenlabCall(context: LineContext): Fields {
  const random = context.random
  const promptTokens = random.int(20, 6000)
  const completionTokens = random.int(1, 2000)
  const requestHeaders: Fields = {
    'content-type': 'application/json',
    accept: 'application/json',
    'x-client-version': 'tokenlab-node/2.3.1',
    'x-retry-count': String(random.int(0, 2)),
  }
  if (context.plant(0.4)) requestHeaders.authorization = `Bearer ${context.pickSecret(API_KEYS)}`
  const request: Fields = {
    method: 'POST',
    endpoint: '/v1/chat/completions',
    model: random.pick(MODELS),
    stream: false,
    temperature: random.pick([0, 0.2, 0.7, 1]),
    max_tokens: random.pick([256, 1024, 4096]),
    headers: requestHeaders,
  }
  if (context.plant(0.3)) request.user = `u_${random.int(1000, 99999)}`
  const responseHeaders: Fields = {
    'content-type': 'application/json',
    date: 'Mon, 10 Jun 2024 12:00:00 GMT',
    'x-routing-time-ms': String(random.int(1, 40)),
    'x-ratelimit-remaining-requests': String(random.int(0, 500)),
    'x-ratelimit-remaining-tokens': String(random.int(0, 200000)),
    'cache-control': 'no-store',
  }
  const response: Fields = {
    status: 200,
    headers: responseHeaders,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    finish_reason: random.pick(['stop', 'stop', 'length', 'tool_calls']),
  }
  if (context.withIdentifiers()) {
    const requestId = uuid(random)
    const billing = billingId(random)
    responseHeaders['x-request-id'] = requestId
    responseHeaders['x-billing-transaction-id'] = billing
    response.request_id = requestId
    response.billing_transaction_id = billing
  }
  return context.record(30, {
    module: 'tokenlab-client',
    request,
    response,
    latency_ms: random.int(150, 30000),
    job_id: appJobId(random),
  }, 'tokenlab request completed')
}

/** Builds the status of an async media task, polled by a worker. */
function asyncTask(context: LineContext): Fields {
  const random = context.random
  const status = random.pick(['pending', 'processing', 'processing', 'completed', 'failed'])
  const task: Fields = {
    status,
    progress: status === 'completed' ? 100 : random.int(0, 99),
    model: random.pick(MEDIA_MODELS),
    created_at: '2024-06-10T12:00:00.000Z',
    updated_at: '2024-06-10T12:01:30.000Z',
    estimated_seconds: random.int(5, 600),
    params: { resolution: random.pick(['720p', '1080p']), duration: random.pick([5, 10]), aspect_ratio: random.pick(['16:9', '9:16', '1:1']), seed: random.int(0, 2 ** 31) },
  }
  const fields: Fields = { module: 'media-worker', job_id: appJobId(random), poll_attempt: random.int(1, 60) }
  if (context.withIdentifiers()) {
    const id = taskId(random)
    task.id = id
    task.task_id = id
    task.poll_url = `/v1/tasks/${id}`
    fields.res = { headers: { 'X-Task-ID': id, 'x-routing-time-ms': String(random.int(1, 40)) } }
  } else {
    task.id = appJobId(random)
  }
  fields.task = task
  if (context.plant(0.25)) fields.provider_task_id = `prov_${random.chars(LOWER_ALPHANUMERIC, 24)}`
  if (context.plant(0.2)) fields.channel_id = `ch_${random.int(100, 999)}`
  if (context.plant(0.1)) fields.upstream_url = `https://upstream-3.provider.internal/v2/generate?token=${context.pickSecret(MANAGEMENT_TOKENS)}`
  if (context.plant(0.05)) fields.redis_key = `tl:task:${random.chars(LOWER_ALPHANUMERIC, 12)}:state`
  return context.record(30, fields, 'task status polled')
}

/** Builds an outbound HTTP call to a storage or webhook service. */
function httpClient(context: LineContext): Fields {
  const random = context.random
  let url = `https://hooks.partner.example.test/v1/events/${random.chars(LOWER_ALPHANUMERIC, 20)}?attempt=${random.int(1, 5)}`
  if (context.plant(0.1)) url = `https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent?key=${GOOGLE_API_KEY.value}`
  const headers: Fields = {
    'content-type': 'application/json',
    'user-agent': 'undici/6.19.2',
    'x-webhook-id': random.chars(ALPHANUMERIC, 20),
    'x-webhook-timestamp': String(Math.floor(context.time / 1000)),
  }
  if (context.plant(0.35)) headers['x-api-key'] = context.pickSecret(OPAQUE_VALUES)
  return context.record(30, {
    module: 'http-client',
    method: 'POST',
    url,
    headers,
    status: random.pick([200, 200, 202, 404, 503]),
    duration_ms: random.int(5, 4000),
    bytes_sent: random.int(100, 50000),
    bytes_received: random.int(2, 5000),
    retry: { attempt: random.int(0, 3), max_attempts: 5, backoff_ms: random.int(100, 5000) },
  }, 'outbound request finished')
}

// --- Large lines ---------------------------------------------------------------------------

/** Builds a chat completion with its request and response bodies (prompts and replies). */
function chatBodies(context: LineContext): Fields {
  const random = context.random
  context.planted = true
  const messages: Fields[] = [{ role: 'system', content: prose(random, random.int(200, 800)) }]
  const turns = random.int(1, 3)
  for (let turn = 0; turn < turns; turn++) {
    messages.push({ role: 'user', content: prompt(context, random.int(200, 2500)) })
    if (turn < turns - 1) messages.push({ role: 'assistant', content: prose(random, random.int(200, 1500)) })
  }
  const request: Fields = { model: random.pick(MODELS), messages, temperature: 0.7, max_tokens: 1024, user: `u_${random.int(1000, 99999)}` }
  const response: Fields = {
    id: `chatcmpl-${random.chars(ALPHANUMERIC, 24)}`,
    object: 'chat.completion',
    created: Math.floor(context.time / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: prose(random, random.int(300, 3000)) }, finish_reason: 'stop' }],
    usage: { prompt_tokens: random.int(100, 4000), completion_tokens: random.int(50, 1500), total_tokens: random.int(200, 5000) },
  }
  context.identifiers = true
  response.request_id = `req_${random.chars(ALPHANUMERIC, 20)}`
  return context.record(20, { module: 'tokenlab-client', request, response }, 'chat completion body')
}

function imageRequest(context: LineContext): Fields {
  const random = context.random
  context.planted = true
  const references: string[] = []
  const referenceCount = random.int(0, 3)
  for (let index = 0; index < referenceCount; index++) references.push(random.chance(0.5) ? signedS3Url(context, 'png') : publicCdnUrl(random, 'png'))
  const data: Fields[] = []
  const count = random.int(1, 4)
  for (let index = 0; index < count; index++) data.push({ url: signedGcsUrl(context, 'png'), revised_prompt: prompt(context, random.int(100, 600)) })
  context.identifiers = true
  return context.record(30, {
    module: 'tokenlab-client',
    request: { model: random.pick(MEDIA_MODELS), prompt: prompt(context, random.int(200, 1500)), size: '1024x1024', n: count, reference_image_urls: references },
    response: { created: Math.floor(context.time / 1000), data },
    request_id: `req_${random.chars(ALPHANUMERIC, 20)}`,
  }, 'image generation finished')
}

/** Builds a finished async task with its output URLs: signed in the mixed variant, public in the benign one. */
function taskOutput(context: LineContext): Fields {
  const random = context.random
  const urls: string[] = []
  const count = random.int(2, 8)
  const signed = context.plant(1)
  for (let index = 0; index < count; index++) {
    const extension = random.pick(['mp4', 'png', 'mp3'])
    if (!signed) urls.push(publicCdnUrl(random, extension))
    else if (random.chance(0.5)) urls.push(signedS3Url(context, extension))
    else urls.push(signedGcsUrl(context, extension))
  }
  const fields: Fields = {
    module: 'media-worker',
    job_id: appJobId(random),
    status: 'completed',
    model: random.pick(MEDIA_MODELS),
    output: { urls, expires_in: 3600, content_type: 'video/mp4' },
    timings: { queued_ms: random.int(0, 5000), running_ms: random.int(5000, 600000), upload_ms: random.int(100, 5000) },
  }
  if (context.withIdentifiers()) {
    const id = taskId(random)
    fields.task_id = id
    fields.poll_url = `/v1/tasks/${id}`
    fields.billing_transaction_id = billingId(random)
  }
  return context.record(30, fields, 'task output ready')
}

/** Builds a failed TokenLab call as an HTTP client's error object logs it, stack included. */
function clientError(context: LineContext): Fields {
  const random = context.random
  const status = random.pick([400, 401, 429, 500, 503])
  const config: Fields = {
    url: 'https://api.tokenlab.sh/v1/chat/completions',
    method: 'post',
    timeout: 60000,
    headers: { Accept: 'application/json, text/plain, */*', 'Content-Type': 'application/json', 'User-Agent': 'axios/1.7.2' },
  }
  if (context.plant(0.6)) (config.headers as Fields).Authorization = `Bearer ${context.pickSecret(API_KEYS)}`
  if (context.plant(0.5)) config.data = JSON.stringify({ model: random.pick(MODELS), messages: [{ role: 'user', content: prompt(context, random.int(100, 800)) }] })
  const error: Fields = { message: `Request failed with status code ${status}`, type: status === 429 ? 'rate_limit_error' : 'invalid_request_error', code: status === 429 ? 'rate_limited' : 'bad_request' }
  if (context.withIdentifiers()) error.request_id = `req_${random.chars(ALPHANUMERIC, 20)}`
  const err: Fields = {
    type: 'AxiosError',
    message: `Request failed with status code ${status}`,
    stack: stack(random, `AxiosError: Request failed with status code ${status}`),
    code: status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST',
    config,
    response: { status, statusText: 'Error', headers: { 'content-type': 'application/json', 'retry-after': '2' } },
  }
  if (context.mixed) (err.response as Fields).data = { error }
  return context.record(50, { module: 'tokenlab-client', err }, 'tokenlab request failed')
}

/** Builds a database error with its stack (benign in both variants). */
function databaseError(context: LineContext): Fields {
  const random = context.random
  const address = `10.0.4.${random.int(2, 250)}`
  return context.record(50, {
    module: 'db',
    err: {
      type: 'Error',
      message: `connect ECONNREFUSED ${address}:5432`,
      stack: stack(random, `Error: connect ECONNREFUSED ${address}:5432`),
      errno: -111,
      code: 'ECONNREFUSED',
      syscall: 'connect',
      address,
      port: 5432,
    },
    pool: { total: 20, idle: random.int(0, 20), waiting: random.int(0, 50) },
  }, 'database connection failed')
}

/** Builds the model catalog an app refreshes at start-up (benign large line). */
function modelCatalog(context: LineContext): Fields {
  const random = context.random
  const models: Fields[] = []
  const count = random.int(15, 45)
  for (let index = 0; index < count; index++) {
    models.push({
      id: `${random.pick(MODELS)}-${random.chars(LOWER_ALPHANUMERIC, 4)}`,
      object: 'model',
      owned_by: random.pick(['openai', 'anthropic', 'google', 'deepseek', 'alibaba']),
      context_length: random.pick([8192, 32768, 128000, 200000, 1000000]),
      pricing: { input_usd_per_mtok: random.int(1, 1500) / 100, output_usd_per_mtok: random.int(1, 6000) / 100 },
      modalities: random.chance(0.5) ? ['text'] : ['text', 'image'],
      supports_tools: random.chance(0.7),
    })
  }
  return context.record(30, { module: 'catalog', models, source: 'https://api.tokenlab.sh/v1/models' }, 'model catalog refreshed')
}

/** Builds per-route latency figures (benign large line). */
function latencySummary(context: LineContext): Fields {
  const random = context.random
  const routes: Fields[] = []
  const count = random.int(20, 50)
  for (let index = 0; index < count; index++) {
    const route = random.pick(ROUTES)
    routes.push({
      route: route.url,
      method: route.method,
      count: random.int(1, 50000),
      p50_ms: random.int(1, 200),
      p90_ms: random.int(200, 900),
      p99_ms: random.int(900, 9000),
      status: { '2xx': random.int(0, 50000), '4xx': random.int(0, 500), '5xx': random.int(0, 50) },
    })
  }
  return context.record(30, { module: 'metrics', window_s: 60, routes }, 'route latency summary')
}

// --- Lines that are not JSON ---------------------------------------------------------------

function textLine(context: LineContext): string {
  const random = context.random
  if (context.plant(0.3)) {
    const secretLines = [
      `retrying with Authorization: Bearer ${context.pickSecret(MANAGEMENT_TOKENS)}`,
      `curl -H 'Authorization: Bearer ${context.pickSecret(API_KEYS)}' https://api.tokenlab.sh/v1/models`,
      `export TOKENLAB_API_KEY=${context.pickSecret(API_KEYS)}`,
      `login failed for ${random.pick(EMAILS).value} from 10.0.3.7`,
    ]
    return random.pick(secretLines)
  }
  return random.pick(BENIGN_TEXT_LINES)
}

// --- The templates of each variant and size ------------------------------------------------

export interface Template {
  readonly name: string
  readonly weight: number
  readonly build: (context: LineContext) => Fields | string
}

/** Small, medium and text lines have the same templates in both variants; the templates plant only in "mixed". */
const SHARED_TEMPLATES = {
  small: [{ name: 'http-request', weight: 0.75, build: httpRequest }, { name: 'app-event', weight: 0.25, build: appEvent }],
  medium: [{ name: 'tokenlab-call', weight: 0.45, build: tokenlabCall }, { name: 'async-task', weight: 0.3, build: asyncTask }, { name: 'http-client', weight: 0.25, build: httpClient }],
  text: [{ name: 'text', weight: 1, build: textLine }],
} as const satisfies Record<Exclude<LineSize, 'large'>, readonly Template[]>

export const TEMPLATES: Record<CorpusVariant, Record<LineSize, readonly Template[]>> = {
  mixed: {
    ...SHARED_TEMPLATES,
    large: [
      { name: 'chat-bodies', weight: 0.35, build: chatBodies },
      { name: 'image-request', weight: 0.15, build: imageRequest },
      { name: 'task-output', weight: 0.25, build: taskOutput },
      { name: 'client-error', weight: 0.25, build: clientError },
    ],
  },
  benign: {
    ...SHARED_TEMPLATES,
    large: [
      { name: 'model-catalog', weight: 0.3, build: modelCatalog },
      { name: 'latency-summary', weight: 0.2, build: latencySummary },
      { name: 'task-output', weight: 0.25, build: taskOutput },
      { name: 'client-error', weight: 0.1, build: clientError },
      { name: 'database-error', weight: 0.15, build: databaseError },
    ],
  },
}
