/**
 * The rows of the benchmark: each a whole process that reads a corpus on stdin and writes
 * NDJSON to stdout, with the check its output must pass before it is timed.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkFilterOutput, checkIdentical, checkPathRedaction, checkReserialized } from './checks.js'
import { jqProgram } from './equivalent-paths.js'
import type { Command } from './measure.js'

export interface RowEnvironment {
  /** The package root (where dist/ is). */
  readonly root: string
  /** Directory for files a row needs (the jq program). */
  readonly tmp: string
}

export interface Row {
  readonly id: string
  readonly label: string
  /** Description of the row for the results page. */
  readonly description: string
  /** Returns the reason the row cannot run here, or undefined when it can. */
  unavailable(environment: RowEnvironment): string | undefined
  command(environment: RowEnvironment): Command
  /** Checks one run's output; returns a summary or throws CheckFailure. */
  check(inputPath: string, outputPath: string, stderr: string): Promise<string>
}

export const FLOOR_ROW_ID = 'parse-stringify'
export const FILTER_ROW_ID = 'filter'

const benchScript = (environment: RowEnvironment, name: string): string => join(environment.root, 'dist', 'bench', 'processes', name)

/** The jq version, or undefined when jq cannot be run. */
export function jqVersion(): string | undefined {
  const result = spawnSync('jq', ['--version'], { encoding: 'utf8' })
  return result.status === 0 ? result.stdout.trim() : undefined
}

export const ROWS: readonly Row[] = [
  {
    id: 'passthrough',
    label: 'split2 passthrough',
    description: 'stdin through split2 and back to stdout in 64 KiB batches, no work per line: the cost of moving lines through Node.',
    unavailable: () => undefined,
    command: (environment) => ({ kind: 'node', script: benchScript(environment, 'passthrough.js'), args: [] }),
    check: (input, output) => checkIdentical(input, output),
  },
  {
    id: FLOOR_ROW_ID,
    label: 'JSON.parse + JSON.stringify (floor)',
    description: 'the same plumbing with JSON.parse and JSON.stringify per line (other lines unchanged): the floor for any filter that rewrites JSON. Ratios are to this row.',
    unavailable: () => undefined,
    command: (environment) => ({ kind: 'node', script: benchScript(environment, 'parse-stringify.js'), args: [] }),
    check: (input, output) => checkReserialized(input, output),
  },
  {
    id: 'fast-redact',
    label: 'JSON.parse + fast-redact',
    description: "the floor's plumbing and parse, then fast-redact (pino's redaction engine from pino 5 until 2025) with the equivalent paths, serializing with JSON.stringify.",
    unavailable: () => undefined,
    command: (environment) => ({ kind: 'node', script: benchScript(environment, 'pino-redact.js'), args: ['fast-redact'] }),
    check: (input, output) => checkPathRedaction(input, output),
  },
  {
    id: 'pinojs-redact',
    label: 'JSON.parse + @pinojs/redact',
    description: 'the same with @pinojs/redact, the engine of pino 10 (and of 9.x releases since late 2025), which copies the redacted branches instead of changing the record.',
    unavailable: () => undefined,
    command: (environment) => ({ kind: 'node', script: benchScript(environment, 'pino-redact.js'), args: ['pinojs-redact'] }),
    check: (input, output) => checkPathRedaction(input, output),
  },
  {
    id: 'jq',
    label: 'jq (equivalent program)',
    description: '`jq -R -r` with a program that parses each line, applies the same redactions and deletions and writes compact JSON (other lines unchanged).',
    unavailable: () => (jqVersion() === undefined ? 'jq is not installed' : undefined),
    command: (environment) => {
      const programFile = join(environment.tmp, 'equivalent.jq')
      if (!existsSync(programFile)) writeFileSync(programFile, jqProgram())
      return { kind: 'exec', file: 'jq', args: ['-R', '-r', '-f', programFile] }
    },
    check: (input, output) => checkPathRedaction(input, output),
  },
  {
    id: FILTER_ROW_ID,
    label: 'tokenlab-logfilter (default pack)',
    description: '`node dist/src/cli.js` with no options: the default rule pack, counts summary on stderr.',
    unavailable: (environment) => (existsSync(join(environment.root, 'dist', 'src', 'cli.js')) ? undefined : 'dist/src/cli.js is missing; run npm run build'),
    command: (environment) => ({ kind: 'node', script: join(environment.root, 'dist', 'src', 'cli.js'), args: [] }),
    check: (input, output, stderr) => checkFilterOutput(input, output, stderr),
  },
]

/**
 * Rows run on the single long line: the filter only. The comparison rows read lines with split2
 * 4.2, which appends every chunk to the pending line and splits the whole pending string again.
 * One line of n bytes then costs time in proportion to n squared, and memory for the whole line.
 */
export const LONG_LINE_ROW_IDS: readonly string[] = [FILTER_ROW_ID]
