/** Command-line options of the benchmark harness. */
import { parseArgs } from 'node:util'

export const DEFAULT_LINES = 200_000
export const DEFAULT_RUNS = 5
export const DEFAULT_SEED = 1
export const DEFAULT_LONG_LINE_MIB = 50
/** How many times the memory run pipes the mixed corpus into the filter. */
export const SCALE_REPEATS = 5

export const USAGE = `Usage: npm run bench -- [options]

Runs every row on the mixed and the benign corpus, the long-line case and the transport rows,
checks each row's output once, then times each row several times and prints the medians.

Options:
  --lines N          corpus lines (default ${DEFAULT_LINES}); also the transport burst size
  --runs N           timed runs per row (default ${DEFAULT_RUNS}); the median is reported
  --seed N           corpus seed (default ${DEFAULT_SEED})
  --check            only run each row's output check once (no timing); exit 1 if a check fails
  --write FILE       write the results as Markdown to FILE (for example docs/BENCHMARKS.md)
  --profile          also CPU-profile the filter on each corpus and list its top functions
  --rows LIST        comma-separated row ids to run (default: all)
  --long-line-mib N  size of the single long line in MiB (default ${DEFAULT_LONG_LINE_MIB})
  --tmp DIR          directory for corpora and outputs (default .bench-tmp in the package)
  --keep             keep the corpora and outputs in the tmp directory
  --help             print this help
`

export interface BenchOptions {
  readonly lines: number
  readonly runs: number
  readonly seed: number
  readonly check: boolean
  readonly write: string | undefined
  readonly profile: boolean
  readonly rows: readonly string[] | undefined
  readonly longLineMib: number
  readonly tmp: string | undefined
  readonly keep: boolean
  readonly help: boolean
}

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Parses a positive whole number given on the command line. */
export function parseCount(text: string, flag: string): number {
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) === 0) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not a positive whole number; give for example ${flag} 20000`)
  }
  return Number(text)
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        lines: { type: 'string' },
        runs: { type: 'string' },
        seed: { type: 'string' },
        check: { type: 'boolean' },
        write: { type: 'string' },
        profile: { type: 'boolean' },
        rows: { type: 'string' },
        'long-line-mib': { type: 'string' },
        tmp: { type: 'string' },
        keep: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : 'invalid arguments'}; run npm run bench -- --help for the options`)
  }
  const values = parsed.values
  return {
    lines: values.lines === undefined ? DEFAULT_LINES : parseCount(values.lines, '--lines'),
    runs: values.runs === undefined ? DEFAULT_RUNS : parseCount(values.runs, '--runs'),
    seed: values.seed === undefined ? DEFAULT_SEED : parseCount(values.seed, '--seed'),
    check: values.check === true,
    write: values.write,
    profile: values.profile === true,
    rows: values.rows === undefined ? undefined : values.rows.split(',').map((row) => row.trim()).filter((row) => row.length > 0),
    longLineMib: values['long-line-mib'] === undefined ? DEFAULT_LONG_LINE_MIB : parseCount(values['long-line-mib'], '--long-line-mib'),
    tmp: values.tmp,
    keep: values.keep === true,
    help: values.help === true,
  }
}
