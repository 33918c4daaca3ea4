/**
 * Load for a pino destination: an application logs a burst of records as fast as it can, then
 * waits until the destination has written all of them. One run measures one destination in a
 * fresh process, so that its peak RSS is its own.
 *
 *   node dist/bench/transport-load.js --target tokenlab|pino/file|pino.destination|MODULE
 *                                     [--records 200000] [--corpus FILE] [--out FILE] [--options JSON]
 *
 * `tokenlab` is this package's transport (`tokenlab-logfilter/transport`, default rule pack).
 * `pino/file` is pino's own worker-thread file transport. `pino.destination` writes from the
 * application thread through pino.destination(FILE), an asynchronous SonicBoom. Any other value
 * is a transport module, given `{ destination: FILE }` and the `--options` JSON. The records are
 * the JSON lines of `--corpus` (pino sets level, time, pid and hostname), or a built-in mix of
 * TokenLab API records with fake secrets.
 *
 * Prints one JSON line on stdout:
 *   app_records_per_s    records divided by the time of the logging calls alone
 *   drain_records_per_s  records divided by the time from the first call until the destination
 *                        has written and closed: the rate at which the whole burst reached the file
 *   worker_records_per_s records divided by the time from the end of the calls until the
 *                        destination closed. pino hands records to its worker only when the app
 *                        thread yields, and the burst loop never yields, so this is the worker's
 *                        own drain rate (for pino.destination, the time to write what was queued)
 *   rss_baseline_mib     RSS after start-up, before the burst
 *   rss_peak_mib         peak RSS of the process (app thread, worker and the backlog between them)
 *   output_lines, planted_keys_left  the output check: every record arrived, and for a filtering
 *                        target no planted key is left in it
 */
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { EventEmitter } from 'node:events'
import { pino, type DestinationStream } from 'pino'

const TOKENLAB_TARGET = 'tokenlab-logfilter/transport'
const FAKE_API_KEY = 'sk-proj-bEnChMaRkKeY0000000000000000000000000000000000'
const FAKE_MANAGEMENT_TOKEN = 'mt-bEnChMaRkMaNaGeMeNtToKeN00000'
const MIB = 1024 * 1024

type Level = 'debug' | 'info' | 'warn' | 'error'
interface SampleRecord {
  readonly level: Level
  readonly fields: Record<string, unknown>
  readonly msg: string
}

const { values } = parseArgs({
  options: {
    target: { type: 'string' },
    records: { type: 'string', default: '200000' },
    corpus: { type: 'string' },
    out: { type: 'string' },
    options: { type: 'string', default: '{}' },
  },
})
if (values.target === undefined || !/^[1-9][0-9]*$/.test(values.records)) {
  console.error('transport-load: --target is required and --records must be a positive whole number')
  process.exit(2)
}
const target = values.target
const records = Number(values.records)
const scratch = values.out === undefined ? mkdtempSync(join(tmpdir(), 'tokenlab-transport-load-')) : undefined
const out = values.out ?? join(scratch as string, 'out.ndjson')
const extraOptions = JSON.parse(values.options) as Record<string, unknown>

/** Builds a mix of records that an app calling the TokenLab API logs. Two in three carry a planted secret. */
function builtInSample(): SampleRecord[] {
  const sample: SampleRecord[] = []
  for (let index = 0; index < 300; index++) {
    const task = `ldtask_${index.toString(36).padStart(6, '0')}bench0000000000`
    switch (index % 3) {
      case 0:
        sample.push({
          level: 'info',
          msg: 'request completed',
          fields: { req: { method: 'POST', url: '/v1/images', headers: { authorization: `Bearer ${FAKE_API_KEY}`, 'x-request-id': `req-${index}` } }, res: { statusCode: 202 }, responseTime: 41 + index },
        })
        break
      case 1:
        sample.push({ level: 'info', msg: 'task accepted', fields: { task_id: task, poll_url: `/v1/tasks/${task}`, model: 'ld-image-v3', usage: { prompt_tokens: 812, total_tokens: 876 } } })
        break
      default:
        sample.push({ level: 'warn', msg: 'management call retried', fields: { attempt: 2, err: { message: `401 for token ${FAKE_MANAGEMENT_TOKEN}`, code: 'E_AUTH' } } })
    }
  }
  return sample
}

function corpusSample(path: string): SampleRecord[] {
  const levels: Record<number, Level> = { 20: 'debug', 30: 'info', 40: 'warn', 50: 'error' }
  const sample: SampleRecord[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      continue
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) continue
    const { level, time: _time, pid: _pid, hostname: _hostname, msg, ...fields } = parsed as Record<string, unknown>
    sample.push({ level: levels[level as number] ?? 'info', fields, msg: String(msg ?? '') })
  }
  return sample
}

type Destination = DestinationStream & EventEmitter & { end(): void }

function createDestination(): Destination {
  if (target === 'pino.destination') return pino.destination(out) as unknown as Destination
  const options = target === TOKENLAB_TARGET || target === 'tokenlab' ? { summary: 'off', ...extraOptions, destination: out } : { ...extraOptions, destination: out }
  return pino.transport({ target: target === 'tokenlab' ? TOKENLAB_TARGET : target, options }) as unknown as Destination
}

const sample = values.corpus === undefined ? builtInSample() : corpusSample(values.corpus)
if (sample.length === 0) {
  console.error(`transport-load: ${values.corpus} has no JSON records`)
  process.exit(2)
}
rmSync(out, { force: true })
const destination = createDestination()
if (target !== 'pino.destination') await once(destination, 'ready')
const logger = pino({ level: 'debug' }, destination)
// thread-stream emits 'finish' once the worker's stream has ended and closed; SonicBoom once
// everything is written. thread-stream's end() blocks the app thread until then.
const finished = once(destination, 'finish')
const rssBaseline = process.memoryUsage().rss

const started = performance.now()
for (let index = 0; index < records; index++) {
  const record = sample[index % sample.length] as SampleRecord
  logger[record.level](record.fields, record.msg)
}
const logged = performance.now()
destination.end()
await finished
const drained = performance.now()

const output = readFileSync(out, 'utf8')
const outputLines = output.length === 0 ? 0 : output.split('\n').length - 1
const plantedKeysLeft = output.split(FAKE_API_KEY).length - 1 + (output.split(FAKE_MANAGEMENT_TOKEN).length - 1)
if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })

const appSeconds = (logged - started) / 1000
const drainSeconds = (drained - started) / 1000
process.stdout.write(
  JSON.stringify({
    target,
    records,
    app_seconds: round(appSeconds),
    app_records_per_s: Math.round(records / appSeconds),
    drain_seconds: round(drainSeconds),
    drain_records_per_s: Math.round(records / drainSeconds),
    worker_records_per_s: Math.round(records / (drainSeconds - appSeconds)),
    rss_baseline_mib: round(rssBaseline / MIB),
    rss_peak_mib: round((process.resourceUsage().maxRSS * 1024) / MIB),
    output_lines: outputLines,
    planted_keys_left: plantedKeysLeft,
  }) + '\n',
)

function round(value: number): number {
  return Math.round(value * 1000) / 1000
}
