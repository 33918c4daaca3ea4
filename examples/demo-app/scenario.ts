/**
 * The scripted scenario: the demo app's customers send requests (with their TokenLab keys in
 * `Authorization: Bearer ...`), and before each call that should fail the scenario queues a fault
 * on the mock TokenLab server. It covers sync chat calls, async video jobs with polling,
 * 400/401/402/404/429/5xx errors, retries that create a new task or resume one, a cancelled and
 * a failed task, and a malformed request body.
 *
 * Steps run one after another, so the mock issues the same ids on every run with the same seed.
 */
import { FAKE_AWS_ACCESS_KEY_ID, FAKE_AWS_SESSION_TOKEN, MockTokenLab } from '../mock-tokenlab/server.js'
import { DEMO_CONFIG_SECRETS, DEMO_KEYS, DEMO_PEOPLE, PROMPT_CANARY, staticPlantedSecrets, type PlantedSecret } from './demo-data.js'

export const DEMO_MOCK_SEED = 20260115

/** A client timeout of the demo app, and a mock delay that exceeds it. */
export const DEMO_TIMEOUT_MS = 1000
const SLOW_RESPONSE_MS = 1600

export function createDemoMock(seed = DEMO_MOCK_SEED): MockTokenLab {
  return new MockTokenLab({
    seed,
    validKeys: [DEMO_KEYS.main, DEMO_KEYS.second, DEMO_KEYS.noBalance, DEMO_CONFIG_SECRETS.serverApiKey],
    emptyBalanceKeys: [DEMO_KEYS.noBalance],
  })
}

interface Customer {
  readonly key: string
  readonly userId: string
  /** The customer's requests pass an API gateway that sets X-Request-Id. */
  readonly behindGateway?: boolean
}

interface AppReply {
  readonly status: number
  readonly body: Record<string, unknown>
}

const GRETA: Customer = { key: DEMO_KEYS.main, userId: DEMO_PEOPLE.greta.userId }
const BO: Customer = { key: DEMO_KEYS.second, userId: DEMO_PEOPLE.bo.userId, behindGateway: true }

const CHAT_QUESTIONS = [
  'Summarize my notes from the Lisbon offsite in three bullet points',
  'Draft a polite reply declining the vendor meeting on Thursday',
  'What are good names for a lighthouse-themed cafe?',
  'Rewrite this paragraph for a ten-year-old reader',
  'List five safety checks before a night hike',
  'Explain what a billing transaction id is used for',
]

const VIDEO_PROMPTS = [
  'Waves folding over black sand, golden hour',
  'A paper lantern drifting over a river at night',
  'Close-up of rain on a tram window, city lights bokeh',
  'A fox walking through fresh snow, handheld camera',
]

class DemoClient {
  private gatewayCount = 0

  constructor(private readonly appUrl: string) {}

  async send(method: string, path: string, customer: Customer | undefined, body?: unknown, rawBody?: string): Promise<AppReply> {
    const headers: Record<string, string> = {}
    if (customer !== undefined) {
      headers.Authorization = `Bearer ${customer.key}`
      headers['X-User-Id'] = customer.userId
      if (customer.behindGateway === true) {
        this.gatewayCount++
        headers['X-Request-Id'] = `edge-${String(this.gatewayCount).padStart(6, '0')}`
      }
    }
    let payload: string | undefined
    if (rawBody !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded'
      payload = rawBody
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json'
      payload = JSON.stringify(body)
    }
    const response = await fetch(`${this.appUrl}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) })
    const text = await response.text()
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = { text }
    }
    return { status: response.status, body: parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {} }
  }

  chat(customer: Customer, question: string, extra: Record<string, unknown> = {}): Promise<AppReply> {
    return this.send('POST', '/api/chat', customer, {
      messages: [
        { role: 'system', content: `${PROMPT_CANARY} You are a concise assistant for a video studio.` },
        { role: 'user', content: `${PROMPT_CANARY} ${question}` },
      ],
      ...extra,
    })
  }

  async createVideo(customer: Customer, prompt: string, extra: Record<string, unknown> = {}): Promise<string> {
    const reply = await this.send('POST', '/api/videos', customer, { prompt: `${PROMPT_CANARY} ${prompt}`, ...extra })
    const jobId = reply.body.job_id
    if (typeof jobId !== 'string') throw new Error(`video create returned ${reply.status} without a job_id`)
    return jobId
  }

  /** Polls a job until it is completed or failed, at most `maxPolls` times. */
  async pollUntilDone(customer: Customer, jobId: string, maxPolls = 6): Promise<string> {
    for (let poll = 0; poll < maxPolls; poll++) {
      const reply = await this.send('GET', `/api/videos/${jobId}`, customer)
      const status = reply.body.status
      if (status === 'completed' || status === 'failed') return status
    }
    return 'unfinished'
  }
}

/** Runs every step against the demo app at `appUrl`, queuing faults on `mock` before the steps that need them. */
export async function runScenario(appUrl: string, mock: MockTokenLab): Promise<void> {
  const client = new DemoClient(appUrl)
  await client.send('GET', '/healthz', undefined)

  // Sync chat calls from two customers; one with an image block and an end-user email.
  for (const [index, question] of CHAT_QUESTIONS.entries()) {
    await client.chat(index % 2 === 0 ? GRETA : BO, question)
  }
  await client.send('POST', '/api/chat', GRETA, {
    model: 'gpt-4.1',
    user_email: DEMO_PEOPLE.greta.email,
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: `${PROMPT_CANARY} Describe this storyboard frame` },
          { type: 'image_url', image_url: { url: 'https://media.example.com/private/storyboard-17.png' } },
        ],
      },
    ],
  })

  // 429, then success on the retry.
  mock.queueFault({ kind: 'rate_limit', method: 'POST', path: '/v1/chat/completions', retryAfterSeconds: 2 })
  await client.chat(BO, 'Translate the launch announcement into Swedish')

  // 503 all_channels_failed on every attempt: the app gives up after three.
  for (let attempt = 0; attempt < 3; attempt++) mock.queueFault({ kind: 'all_channels_failed', method: 'POST', path: '/v1/chat/completions' })
  await client.chat(GRETA, 'Write a haiku about rendering queues', { model: 'claude-sonnet-4-5' })

  // 502 upstream_error, then success.
  mock.queueFault({ kind: 'upstream_error', method: 'POST', path: '/v1/chat/completions' })
  await client.chat(GRETA, 'Suggest three thumbnails for the cooking series', { model: 'deepseek-chat' })

  // 401 with a revoked key, 402 with an empty balance, 400 with an unknown model.
  await client.chat({ key: DEMO_KEYS.revoked, userId: 'usr_3003' }, 'Hello?')
  await client.chat({ key: DEMO_KEYS.noBalance, userId: 'usr_4004' }, 'Outline a ten-episode podcast')
  await client.chat(BO, 'Which model should I use?', { model: 'gpt-5-turbo-preview' })

  // A client posts a form body with its key in it to a JSON endpoint.
  await client.send('POST', '/api/chat', undefined, undefined, `model=gpt-4o-mini&api_key=${DEMO_KEYS.main}&prompt=hello`)

  // Video job 1: created, polled to completion.
  const first = await client.createVideo(GRETA, 'A lighthouse at dusk, slow dolly-in, warm light', {
    image_url: 'https://media.example.com/private/lighthouse-ref.jpg',
    notify_phone: DEMO_PEOPLE.greta.phone,
  })
  await client.pollUntilDone(GRETA, first)

  // Video job 2: the first create fails with 503, the retry creates a new task.
  mock.queueFault({ kind: 'all_channels_failed', method: 'POST', path: '/v1/videos/generations', retryAfterSeconds: 1 })
  const second = await client.createVideo(BO, 'Paper boats racing down a rainy street', { model: 'kling-v2-1', notify_phone: DEMO_PEOPLE.bo.phone })
  await client.pollUntilDone(BO, second)

  // Video job 3: the create responds after the client timed out; the retry makes a second task.
  mock.queueFault({ kind: 'slow', method: 'POST', path: '/v1/videos/generations', delayMs: SLOW_RESPONSE_MS })
  const third = await client.createVideo(GRETA, 'Time-lapse of a city skyline from day to night', { negative_prompt: 'blurry, watermark' })
  await client.pollUntilDone(GRETA, third)

  // Video job 4: a poll fails with 503; the retry resumes the same task.
  const fourth = await client.createVideo(BO, 'A cat astronaut floating past Saturn', { model: 'veo-3' })
  await client.send('GET', `/api/videos/${fourth}`, BO)
  mock.queueFault({ kind: 'all_channels_failed', method: 'GET', path: '/v1/tasks/', retryAfterSeconds: 1 })
  await client.pollUntilDone(BO, fourth)

  // Video job 5: the task fails (content policy).
  mock.queueTaskOutcome('failed')
  const fifth = await client.createVideo(GRETA, 'A crowded stadium with recognizable celebrities')
  await client.pollUntilDone(GRETA, fifth)

  // Video job 6: cancelled while queued, then polled once more.
  const sixth = await client.createVideo(BO, 'Drone shot over a foggy pine forest', { model: 'seedance-2.0-fast' })
  await client.send('DELETE', `/api/videos/${sixth}`, BO)
  await client.send('GET', `/api/videos/${sixth}`, BO)

  // Video create with an empty balance (402), and a 429 on create that a retry gets past.
  await client.send('POST', '/api/videos', { key: DEMO_KEYS.noBalance, userId: 'usr_4004' }, { prompt: `${PROMPT_CANARY} A sunrise over dunes` })
  mock.queueFault({ kind: 'rate_limit', method: 'POST', path: '/v1/videos/generations', retryAfterSeconds: 1 })
  const seventh = await client.createVideo(GRETA, 'Macro shot of coffee being poured')
  await client.pollUntilDone(GRETA, seventh)

  // Support lookup of an expired task: 404 async_task_not_found.
  await client.send('GET', '/api/tasks/ldtask_0000expiredtask00000000000000000', undefined)

  // Ordinary traffic for the rest of the day: chats from both customers and a few more videos.
  for (const [index, prompt] of VIDEO_PROMPTS.entries()) {
    const customer = index % 2 === 0 ? BO : GRETA
    const jobId = await client.createVideo(customer, prompt, { model: index === 3 ? 'kling-v2-1' : 'seedance-2.0' })
    await client.chat(customer, CHAT_QUESTIONS[index] as string, { model: 'gpt-4.1' })
    await client.pollUntilDone(customer, jobId)
  }
  mock.queueFault({ kind: 'rate_limit', method: 'POST', path: '/v1/chat/completions', retryAfterSeconds: 1 })
  for (const [index, question] of CHAT_QUESTIONS.entries()) {
    await client.chat(index % 3 === 0 ? BO : GRETA, question, { model: index % 2 === 0 ? 'deepseek-chat' : 'gpt-4o-mini' })
  }
}

/** Every value the scenario plants that must not survive the filter: static ones plus what the mock issued. */
export function plantedSecrets(mock: MockTokenLab): PlantedSecret[] {
  const secrets = staticPlantedSecrets()
  secrets.push({ name: 'aws access key id in signed URLs', value: FAKE_AWS_ACCESS_KEY_ID, keep_prefix: 'AKIA' })
  secrets.push({ name: 'aws session token in signed URLs', value: FAKE_AWS_SESSION_TOKEN })
  for (const task of mock.tasks) {
    if (task.signature !== undefined) secrets.push({ name: `signed URL signature (${task.taskId})`, value: task.signature })
    if (task.metadataSent !== true) continue
    secrets.push({ name: `provider task id (${task.taskId})`, value: task.providerTaskId })
    secrets.push({ name: `upstream URL (${task.taskId})`, value: task.upstreamUrl })
    secrets.push({ name: `routing channel id (${task.taskId})`, value: task.channelId })
  }
  secrets.push({ name: 'redis key prefix', value: 'demo:jobs:' })
  secrets.push({ name: 'private media URL', value: 'media.example.com/private' })
  return secrets
}
