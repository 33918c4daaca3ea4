/**
 * The application side of the transport rows: logs a burst of records through pino as fast as
 * it can, then waits until the destination has written all of them.
 *
 *   node transport-app.js --destination pino-destination|pino-file|TARGET \
 *     --corpus FILE --records N --distinct N --out FILE
 *
 * `pino-destination` writes from the app's thread (pino.destination, asynchronous SonicBoom).
 * `pino-file` is pino's own worker-thread transport `pino/file`. Any other value is a transport
 * target path, given `{ destination: FILE }` as options like pino/file. The records are the first
 * `--distinct` JSON lines of the corpus, repeated, and pino sets their level, time, pid, hostname
 * and msg fields. Prints one JSON line: records, appSeconds (the logging calls) and drainSeconds
 * (from the first call until the destination has written everything).
 */
import { once } from 'node:events'
import { rmSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { EventEmitter } from 'node:events'
import { pino, type DestinationStream, type Logger } from 'pino'
import { readLines } from '../read-lines.js'

const PINO_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg'])
const LEVEL_NAMES: Record<number, 'debug' | 'info' | 'warn' | 'error'> = { 20: 'debug', 30: 'info', 40: 'warn', 50: 'error' }

interface SampleRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error'
  readonly fields: Record<string, unknown>
  readonly msg: string
}

const { values } = parseArgs({
  options: {
    destination: { type: 'string' },
    corpus: { type: 'string' },
    records: { type: 'string' },
    distinct: { type: 'string' },
    out: { type: 'string' },
  },
})
if (values.destination === undefined || values.corpus === undefined || values.records === undefined || values.distinct === undefined || values.out === undefined) {
  console.error('transport-app: --destination, --corpus, --records, --distinct and --out are required')
  process.exit(2)
}
const records = Number(values.records)
const distinct = Number(values.distinct)
const out = values.out

async function loadSample(corpus: string): Promise<SampleRecord[]> {
  const sample: SampleRecord[] = []
  for await (const line of readLines(corpus)) {
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      continue
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) continue
    const record = parsed as Record<string, unknown>
    const fields = Object.fromEntries(Object.entries(record).filter(([key]) => !PINO_FIELDS.has(key)))
    sample.push({ level: LEVEL_NAMES[record.level as number] ?? 'info', fields, msg: String(record.msg ?? '') })
    if (sample.length === distinct) break
  }
  return sample
}

type Destination = DestinationStream & EventEmitter & { end(): void }

function createDestination(kind: string): Destination {
  if (kind === 'pino-destination') return pino.destination(out) as unknown as Destination
  const target = kind === 'pino-file' ? 'pino/file' : kind
  return pino.transport({ target, options: { destination: out } }) as unknown as Destination
}

const sample = await loadSample(values.corpus)
if (sample.length === 0) {
  console.error(`transport-app: ${values.corpus} has no JSON records`)
  process.exit(2)
}
// pino/file appends, so a previous run's output must go first.
rmSync(out, { force: true })
const destination = createDestination(values.destination)
if (values.destination !== 'pino-destination') await once(destination, 'ready')
const logger: Logger = pino({ level: 'debug' }, destination)
// thread-stream emits 'finish' once its worker's destination has ended; SonicBoom emits it once
// everything is written. thread-stream's end() blocks until then, for at most 10 seconds.
const finished = once(destination, 'finish')

const started = performance.now()
for (let index = 0; index < records; index++) {
  const record = sample[index % sample.length] as SampleRecord
  logger[record.level](record.fields, record.msg)
}
const logged = performance.now()
destination.end()
await finished
const drained = performance.now()

process.stdout.write(JSON.stringify({ records, appSeconds: (logged - started) / 1000, drainSeconds: (drained - started) / 1000 }) + '\n')
