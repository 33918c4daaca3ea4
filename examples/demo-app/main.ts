/**
 * Entry point of the demo app. Run it against the mock TokenLab server:
 *
 *   node dist/examples/mock-tokenlab/main.js          # prints the mock's URL
 *   TOKENLAB_BASE_URL=http://127.0.0.1:PORT node dist/examples/demo-app/main.js 2>&1 | npx tokenlab-logfilter
 *
 * Environment: TOKENLAB_BASE_URL (required), PORT (default 0, a free port), LOG_LEVEL (default
 * debug), TOKENLAB_TIMEOUT_MS (default 30000), TOKENLAB_MAX_BACKOFF_MS (default 50).
 * Started by a parent with an IPC channel, it sends `{ type: 'listening', url }` once it listens.
 */
import { pino } from 'pino'
import { createDemoApp } from './app.js'
import { DEMO_CONFIG_SECRETS, DEMO_PEOPLE } from './demo-data.js'
import { TokenLabClient } from './tokenlab-client.js'

const baseUrl = process.env.TOKENLAB_BASE_URL
if (baseUrl === undefined || baseUrl === '') {
  console.error('demo-app: TOKENLAB_BASE_URL is not set; start the mock (node dist/examples/mock-tokenlab/main.js) and pass its URL')
  process.exit(2)
}
const port = Number(process.env.PORT ?? 0)
const timeoutMs = Number(process.env.TOKENLAB_TIMEOUT_MS ?? 30000)
const maxBackoffMs = Number(process.env.TOKENLAB_MAX_BACKOFF_MS ?? 50)

// The startup banner: plain text on stdout, before the logger exists.
console.log('demo-app 0.1.0: video studio backend (TokenLab BYOK demo)')
console.log(`node ${process.version}, log level ${process.env.LOG_LEVEL ?? 'debug'}`)

const logger = pino({ level: process.env.LOG_LEVEL ?? 'debug', base: { service: 'demo-app' } })
const config = {
  port,
  tokenlab: {
    base_url: baseUrl,
    api_key: DEMO_CONFIG_SECRETS.serverApiKey,
    management_token: DEMO_CONFIG_SECRETS.managementToken,
    timeout_ms: timeoutMs,
    max_attempts: 3,
  },
  redis: { url: `redis://default:${DEMO_CONFIG_SECRETS.redisPassword}@127.0.0.1:6379/0` },
  notifications: { webhook_url: `https://hooks.example.com/services/demo/video-ready?token=${DEMO_CONFIG_SECRETS.webhookToken}` },
}
logger.info({ config }, 'configuration loaded')

const tokenlab = new TokenLabClient({ baseUrl, timeoutMs, maxAttempts: config.tokenlab.max_attempts, maxBackoffMs })
const customerEmails = Object.fromEntries(Object.values(DEMO_PEOPLE).map((person) => [person.userId, person.email]))
const server = createDemoApp({ logger, tokenlab, serverApiKey: DEMO_CONFIG_SECRETS.serverApiKey, customerEmails })

server.listen(port, '127.0.0.1', () => {
  const address = server.address()
  const url = typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : String(address)
  logger.info({ url }, 'listening')
  process.send?.({ type: 'listening', url })
})

process.once('SIGTERM', () => {
  logger.info('SIGTERM received, closing the server')
  server.close(() => {
    logger.info('server closed')
    process.disconnect?.()
  })
  server.closeIdleConnections()
})
