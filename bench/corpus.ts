/**
 * Seeded generator of benchmark corpora: pino log lines of an application that serves HTTP
 * requests and calls the TokenLab API.
 *
 * Of the lines, 1% are not JSON (start-up banners, stack-trace lines, shell commands). The JSON
 * lines are about 60% small (request logs and app events), 30% medium (TokenLab calls, async task
 * status, outbound HTTP calls) and 10% large (chat bodies with prompts, image requests, task
 * outputs with signed URLs, errors with stacks).
 *
 * The "mixed" variant plants invented credentials, prompts, personal data, banned routing fields
 * and TokenLab identifiers in a share of the lines. The "benign" variant has the same shapes with
 * none of that: no credentials, prompts, personal data, banned fields or TokenLab identifiers, so
 * that no rule of the default pack needs to change a line.
 */
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { OPAQUE_VALUES, SK_KEYS, type PlantedValue } from './fake-secrets.js'
import { HOSTNAME, LineContext, PID, START_TIME, TEMPLATES, appEvent, httpRequest, type Template } from './line-templates.js'
import { SeededRandom } from './random.js'

export const CORPUS_VARIANTS = ['mixed', 'benign'] as const
export type CorpusVariant = (typeof CORPUS_VARIANTS)[number]

export const LINE_SIZES = ['small', 'medium', 'large', 'text'] as const
export type LineSize = (typeof LINE_SIZES)[number]

/** Shares of the line sizes: `text` of all lines, the others of the JSON lines. */
export const SIZE_SHARES = { text: 0.01, small: 0.6, medium: 0.3, large: 0.1 } as const

export interface CorpusOptions {
  readonly lines: number
  readonly seed: number
  readonly variant: CorpusVariant
}

export interface CorpusLine {
  readonly size: LineSize
  readonly template: string
  /** The line without its newline. */
  readonly text: string
  /** The line carries a planted credential, prompt, personal datum or banned field. */
  readonly planted: boolean
  /** The line carries a TokenLab identifier (request, task or billing transaction id). */
  readonly identifiers: boolean
}

export interface CorpusStats {
  readonly variant: CorpusVariant
  readonly seed: number
  readonly lines: number
  readonly bytes: number
  readonly bySize: Record<LineSize, { lines: number; bytes: number }>
  readonly plantedLines: number
  readonly identifierLines: number
}


function pickTemplate(random: SeededRandom, templates: readonly Template[]): Template {
  let roll = random.next()
  for (const template of templates) {
    roll -= template.weight
    if (roll < 0) return template
  }
  return templates[templates.length - 1] as Template
}

function pickSize(random: SeededRandom): LineSize {
  if (random.chance(SIZE_SHARES.text)) return 'text'
  const roll = random.next()
  if (roll < SIZE_SHARES.small) return 'small'
  if (roll < SIZE_SHARES.small + SIZE_SHARES.medium) return 'medium'
  return 'large'
}

/** Yields the corpus lines; the same options yield the same lines. */
export function* generateCorpus(options: CorpusOptions): Generator<CorpusLine> {
  const random = new SeededRandom(options.seed)
  const mixed = options.variant === 'mixed'
  let time = START_TIME
  for (let index = 0; index < options.lines; index++) {
    time += random.int(0, 40)
    const size = pickSize(random)
    const template = pickTemplate(random, TEMPLATES[options.variant][size])
    const context = new LineContext(random, mixed, time)
    const built = template.build(context)
    const text = typeof built === 'string' ? built : JSON.stringify(built)
    yield { size, template: template.name, text, planted: context.planted, identifiers: context.identifiers }
  }
}

function emptyStats(options: CorpusOptions): { -readonly [K in keyof CorpusStats]: CorpusStats[K] } {
  const bySize = Object.fromEntries(LINE_SIZES.map((size) => [size, { lines: 0, bytes: 0 }])) as Record<LineSize, { lines: number; bytes: number }>
  return { variant: options.variant, seed: options.seed, lines: 0, bytes: 0, bySize, plantedLines: 0, identifierLines: 0 }
}

const WRITE_BATCH_CHARS = 1 << 20

/** Writes the corpus to `path` (one line per record, each ending in a newline) and returns its statistics. */
export async function writeCorpus(path: string, options: CorpusOptions): Promise<CorpusStats> {
  const stats = emptyStats(options)
  const output = createWriteStream(path)
  let batch = ''
  for (const line of generateCorpus(options)) {
    const bytes = Buffer.byteLength(line.text) + 1
    stats.lines++
    stats.bytes += bytes
    stats.bySize[line.size].lines++
    stats.bySize[line.size].bytes += bytes
    if (line.planted) stats.plantedLines++
    if (line.identifiers) stats.identifierLines++
    batch += line.text + '\n'
    if (batch.length >= WRITE_BATCH_CHARS) {
      if (!output.write(batch)) await once(output, 'drain')
      batch = ''
    }
  }
  output.end(batch)
  await once(output, 'finish')
  return stats
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * Writes the long-line case: a request log line, one line of `mebibytes` MiB (an image response
 * with its base64 bytes, a bearer key before them and an opaque API key after them), and an app
 * event line.
 */
export async function writeLongLineCorpus(path: string, mebibytes: number, seed: number): Promise<CorpusStats> {
  const random = new SeededRandom(seed)
  const stats = emptyStats({ variant: 'mixed', seed, lines: 3 })
  const output = createWriteStream(path)
  const write = async (text: string): Promise<void> => {
    if (!output.write(text)) await once(output, 'drain')
  }
  const count = (size: LineSize, bytes: number, planted: boolean): void => {
    stats.lines++
    stats.bytes += bytes
    stats.bySize[size].lines++
    stats.bySize[size].bytes += bytes
    if (planted) stats.plantedLines++
  }

  const first = JSON.stringify(httpRequest(new LineContext(random, false, START_TIME))) + '\n'
  await write(first)
  count('small', Buffer.byteLength(first), false)

  const head = JSON.stringify({ level: 30, time: START_TIME + 1, pid: PID, hostname: HOSTNAME, module: 'tokenlab-client', headers: { authorization: `Bearer ${SK_KEYS.legacy.value}` } })
  const prefix = `${head.slice(0, -1)},"response":{"data":[{"b64_json":"`
  const suffix = `"}]},"api_key":"${(OPAQUE_VALUES[0] as PlantedValue).value}","msg":"image generation response"}\n`
  const block = random.chars(BASE64, 1 << 16)
  const payloadBytes = mebibytes * (1 << 20) - prefix.length - suffix.length
  await write(prefix)
  for (let written = 0; written < payloadBytes; written += block.length) await write(block.slice(0, Math.min(block.length, payloadBytes - written)))
  await write(suffix)
  count('large', mebibytes * (1 << 20), true)

  const last = JSON.stringify(appEvent(new LineContext(random, false, START_TIME + 2))) + '\n'
  await write(last)
  count('small', Buffer.byteLength(last), false)

  output.end()
  await once(output, 'finish')
  return stats
}
