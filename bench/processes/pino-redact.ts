/**
 * Rows "JSON.parse + fast-redact" and "JSON.parse + @pinojs/redact": pino's redaction engines
 * with the paths of equivalent-paths.ts, as pino would run them on each record. Banned fields are
 * removed by a censor function that returns undefined for them, which JSON.stringify omits.
 * A line that is not JSON is written unchanged.
 *
 * Usage: node pino-redact.js fast-redact|pinojs-redact
 */
import { createRequire } from 'node:module'
import pinojsRedact from '@pinojs/redact'
import { CENSOR, REDACT_PATHS, REMOVE_KEYS, REMOVE_PATHS } from '../equivalent-paths.js'
import { runLineProcess } from './line-process.js'

type Redactor = (record: object) => string
type RedactorFactory = (options: { paths: string[]; censor: (value: unknown, path: string[]) => unknown; serialize: (value: unknown) => string }) => Redactor

const require = createRequire(import.meta.url)
const engines: Record<string, () => RedactorFactory> = {
  'fast-redact': () => require('fast-redact') as RedactorFactory,
  'pinojs-redact': () => pinojsRedact as unknown as RedactorFactory,
}

const engine = process.argv[2] ?? ''
const factory = engines[engine]
if (factory === undefined) {
  console.error(`pino-redact: engine ${JSON.stringify(engine)} is unknown; use one of ${Object.keys(engines).join(', ')}`)
  process.exit(2)
}

const redact = factory()({
  paths: [...REDACT_PATHS, ...REMOVE_PATHS],
  censor: (_value, path) => (REMOVE_KEYS.has(path[path.length - 1] ?? '') ? undefined : CENSOR),
  serialize: JSON.stringify,
})

runLineProcess((line) => {
  let record: unknown
  try {
    record = JSON.parse(line)
  } catch {
    return line
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return line
  return redact(record)
})
