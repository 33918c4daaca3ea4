/**
 * An application that logs through pino transports, for the transport tests. It runs as a child
 * process so that worker threads, exit hooks and signals behave as in a real application.
 *
 * argv[2] is a JSON scenario:
 *   transport   options for pino.transport() (target, targets or pipeline)
 *   records     how many records to log with logger.info (each carries a fake API key)
 *   rawFile     a file whose bytes are written to the transport stream in one write() call
 *   end         how the app stops: "natural" (the event loop empties), "exit" (process.exit(0)
 *               in the same tick as the last record), "flush" (print `flushing`, call
 *               logger.flush(cb), then print `{"flushed":N}` with the number of lines in
 *               countFile, or null without one), "uncaught" (an uncaughtException handler
 *               logs the error and exits), "sigterm" (wait for SIGTERM; the handler logs, flushes
 *               and exits), "sigterm-sync" (the same, calling flush() without a callback),
 *               "keep-logging" (log `records` more records every 20 ms, `rounds` times)
 *   lingerMs    for "natural": once the transport is ready, keep the app running this long
 *   countFile   the destination file that "flush" counts
 *   bare        log records without pid, hostname and time
 *   listenForErrors  false leaves transport errors unhandled, as in an app that never listens
 *
 * The app reports on stdout only when its destination is not stdout: `flushing` and
 * `{"flushed":N}` for "flush" and `ready` for the signal scenarios. Transport errors it
 * observes go to stderr as `app: transport error (N times): <message of the first>`.
 */
import { readFileSync } from 'node:fs'
import process from 'node:process'
import { clearInterval, setImmediate, setInterval, setTimeout } from 'node:timers'
import pino from 'pino'

const FAKE_KEY = 'sk-2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf'

const scenario = JSON.parse(process.argv[2])
const transport = pino.transport(scenario.transport)
// `bare` leaves out pid, hostname and time, so that records have a size that does not depend on the machine.
const logger = pino(scenario.bare ? { level: 'trace', base: null, timestamp: false } : { level: 'trace' }, transport)

let errorCount = 0
let firstError = ''
if (scenario.listenForErrors !== false) {
  transport.on('error', (error) => {
    errorCount++
    if (errorCount === 1) firstError = error.message
  })
}
process.on('exit', () => {
  if (errorCount > 0) process.stderr.write(`app: transport error (${errorCount} times): ${firstError}\n`)
})

function logRecords(count, from = 0) {
  for (let seq = from; seq < from + count; seq++) {
    logger.info({ seq, req: { headers: { authorization: `Bearer ${FAKE_KEY}` } } }, 'record')
  }
}

if (scenario.rawFile !== undefined) transport.write(readFileSync(scenario.rawFile))
logRecords(scenario.records ?? 0)

switch (scenario.end ?? 'natural') {
  case 'natural':
    if (scenario.lingerMs !== undefined) transport.once('ready', () => setTimeout(() => undefined, scenario.lingerMs))
    break
  case 'exit':
    process.exit(0)
    break
  case 'flush':
    process.stdout.write('flushing\n')
    logger.flush((error) => {
      const flushed = scenario.countFile === undefined ? null : readFileSync(scenario.countFile, 'utf8').split('\n').length - 1
      process.stdout.write(JSON.stringify({ flushed, error: error?.message ?? null }) + '\n')
    })
    break
  case 'uncaught':
    process.on('uncaughtException', (error) => {
      logger.fatal({ err: error }, 'uncaught exception')
      process.exit(1)
    })
    setImmediate(() => {
      throw new Error(`upstream rejected the key ${FAKE_KEY}`)
    })
    break
  case 'sigterm':
  case 'sigterm-sync': {
    const keepAlive = setInterval(() => undefined, 1000)
    process.on('SIGTERM', () => {
      clearInterval(keepAlive)
      logger.info({ seq: scenario.records }, 'stopping')
      if (scenario.end === 'sigterm') {
        logger.flush(() => process.exit(0))
      } else {
        logger.flush()
        process.exit(0)
      }
    })
    transport.once('ready', () => process.stdout.write('ready\n'))
    break
  }
  case 'keep-logging': {
    let round = 0
    const timer = setInterval(() => {
      round++
      logRecords(scenario.records, round * scenario.records)
      if (round >= scenario.rounds) clearInterval(timer)
    }, 20)
    break
  }
  default:
    throw new Error(`unknown end ${scenario.end}`)
}
