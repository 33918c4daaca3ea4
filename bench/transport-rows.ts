/**
 * The transport rows: an application process (processes/transport-app.js) logs a burst of
 * records through pino to a file, once per destination. They measure the app-side cost of the
 * logging calls, the time until the destination has written the whole burst (its drain rate) and
 * the process's peak RSS, which includes a worker's backlog.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from './measure.js'
import type { RowEnvironment } from './rows.js'

export interface TransportRow {
  readonly id: string
  readonly label: string
  readonly description: string
  /** Returns the transport-app `--destination` value, or the reason the row cannot run here. */
  destination(environment: RowEnvironment): { value: string } | { skip: string }
  /** The output passes through the filter, so no planted value may be left in it. */
  readonly filtered: boolean
}

/** Distinct records the app takes from the corpus and repeats, so that their memory stays small. */
export const DISTINCT_RECORDS = 2000

export const PINO_FILE_ROW_ID = 'pino-file'
export const LOGFILTER_TRANSPORT_ROW_ID = 'logfilter-transport'

export const TRANSPORT_ROWS: readonly TransportRow[] = [
  {
    id: 'pino-destination',
    label: 'pino.destination (app thread)',
    description: 'pino writing to `pino.destination(file)` (asynchronous SonicBoom) on the application thread: no worker at all.',
    destination: () => ({ value: 'pino-destination' }),
    filtered: false,
  },
  {
    id: PINO_FILE_ROW_ID,
    label: 'pino/file transport (worker)',
    description: "pino's own `pino/file` transport in a worker thread: the reference for a transport's app-side cost.",
    destination: () => ({ value: 'pino-file' }),
    filtered: false,
  },
  {
    id: LOGFILTER_TRANSPORT_ROW_ID,
    label: 'tokenlab-logfilter/transport (worker)',
    description: 'the filter as a pino transport (`dist/src/transport.js`, default pack) writing to the same file.',
    destination: (environment) => {
      // NOTE: assumes the filter's transport takes pino/file's `destination` option. If it does
      // not, the row's output check fails and reports the missing records.
      const target = join(environment.root, 'dist', 'src', 'transport.js')
      return existsSync(target) ? { value: target } : { skip: 'dist/src/transport.js does not exist in this build' }
    },
    filtered: true,
  },
]

export function transportCommand(environment: RowEnvironment, destination: string, corpusPath: string, records: number, outputPath: string): Command {
  return {
    kind: 'node',
    script: join(environment.root, 'dist', 'bench', 'processes', 'transport-app.js'),
    args: ['--destination', destination, '--corpus', corpusPath, '--records', String(records), '--distinct', String(DISTINCT_RECORDS), '--out', outputPath],
  }
}

export interface TransportFigures {
  readonly records: number
  readonly appSeconds: number
  readonly drainSeconds: number
}

/** Reads the figures the transport app prints on stdout. */
export function parseTransportFigures(stdout: string): TransportFigures {
  const figures = JSON.parse(stdout.trim()) as TransportFigures
  if (!Number.isFinite(figures.appSeconds) || !Number.isFinite(figures.drainSeconds)) throw new Error(`transport app printed no figures: ${stdout.trim()}`)
  return figures
}
