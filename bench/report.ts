/**
 * Turns benchmark results into the console summary and the Markdown page (docs/BENCHMARKS.md).
 * Targets are judged here, always as ratios to the floor row of the same run.
 */
import { LINE_SIZES, type CorpusStats } from './corpus.js'
import { REDACT_PATHS, REMOVE_PATHS } from './equivalent-paths.js'
import { SCALE_REPEATS } from './options.js'
import type { ProfileSummary } from './profile.js'
import type { BenchResults, CaseId, CaseResult, RowResult, TransportResult } from './results.js'
import { FILTER_ROW_ID, FLOOR_ROW_ID, ROWS } from './rows.js'
import { DISTINCT_RECORDS, LOGFILTER_TRANSPORT_ROW_ID, PINO_FILE_ROW_ID, TRANSPORT_ROWS } from './transport-rows.js'

const MIB = 2 ** 20

export const TARGETS = {
  mixedThroughput: 0.9,
  benignThroughput: 1.5,
  peakRssMiB: 120,
  transportAppSideRatio: 1.3,
  transportDrainRecordsPerSecond: 50_000,
} as const

type Verdict = 'pass' | 'FAIL' | 'not measured' | 'reported'

interface TargetRow {
  readonly target: string
  readonly measured: string
  readonly verdict: Verdict
}

const integer = (value: number): string => Math.round(value).toLocaleString('en-US')
const mib = (bytes: number | undefined): string => (bytes === undefined ? 'n/a' : `${(bytes / MIB).toFixed(0)} MiB`)
const seconds = (value: number | undefined): string => (value === undefined ? 'n/a' : value.toFixed(2))
const ratio = (value: number | undefined): string => (value === undefined ? 'n/a' : `${value.toFixed(2)}x`)

function caseById(results: BenchResults, id: CaseId): CaseResult | undefined {
  return results.cases.find((candidate) => candidate.id === id)
}

function rowById(result: CaseResult | undefined, id: string): RowResult | undefined {
  return result?.rows.find((row) => row.row.id === id)
}

/** Throughput relative to the floor: floor time over row time, so 2x means twice the floor's lines per second. */
function ratioToFloor(result: CaseResult, row: RowResult): number | undefined {
  const floor = rowById(result, FLOOR_ROW_ID)?.wallSeconds
  return floor === undefined || row.wallSeconds === undefined ? undefined : floor / row.wallSeconds
}

/** Returns the ratio to the floor from CPU seconds (all threads), which other work on the machine disturbs less than wall time. */
function cpuRatioToFloor(result: CaseResult, row: RowResult): number | undefined {
  const floor = rowById(result, FLOOR_ROW_ID)?.cpuSeconds
  return floor === undefined || row.cpuSeconds === undefined ? undefined : floor / row.cpuSeconds
}

function transportById(results: BenchResults, id: string): TransportResult | undefined {
  return results.transport.find((row) => row.row.id === id)
}

function verdict(value: number | undefined, passes: (value: number) => boolean): Verdict {
  if (value === undefined) return 'not measured'
  return passes(value) ? 'pass' : 'FAIL'
}

function rowState(row: { skipped?: string; failure?: string }): string | undefined {
  if (row.skipped !== undefined) return `skipped: ${row.skipped}`
  if (row.failure !== undefined) return row.failure
  return undefined
}

export function evaluateTargets(results: BenchResults): TargetRow[] {
  const targets: TargetRow[] = []
  for (const [id, minimum] of [['mixed', TARGETS.mixedThroughput], ['benign', TARGETS.benignThroughput]] as const) {
    const result = caseById(results, id)
    const filter = rowById(result, FILTER_ROW_ID)
    const value = result === undefined || filter === undefined ? undefined : ratioToFloor(result, filter)
    targets.push({ target: `Filter throughput on the ${id} corpus >= ${minimum}x the floor`, measured: ratio(value), verdict: verdict(value, (measured) => measured >= minimum) })
  }

  const rssCases: [string, number | undefined][] = [
    ['mixed corpus', rowById(caseById(results, 'mixed'), FILTER_ROW_ID)?.peakRssBytes],
    ['benign corpus', rowById(caseById(results, 'benign'), FILTER_ROW_ID)?.peakRssBytes],
    [`mixed corpus x${SCALE_REPEATS}`, results.scale?.peakRssBytes],
    [`single ${results.options.longLineMib} MiB line`, rowById(caseById(results, 'long-line'), FILTER_ROW_ID)?.peakRssBytes],
  ]
  for (const [label, bytes] of rssCases) {
    targets.push({ target: `Filter peak RSS <= ${TARGETS.peakRssMiB} MiB, ${label}`, measured: mib(bytes), verdict: verdict(bytes, (measured) => measured <= TARGETS.peakRssMiB * MIB) })
  }

  const transport = transportById(results, LOGFILTER_TRANSPORT_ROW_ID)
  const pinoFile = transportById(results, PINO_FILE_ROW_ID)
  const appRatio = transport?.appSeconds === undefined || pinoFile?.appSeconds === undefined ? undefined : transport.appSeconds / pinoFile.appSeconds
  targets.push({ target: `Transport app-side cost <= ${TARGETS.transportAppSideRatio}x pino/file`, measured: ratio(appRatio), verdict: verdict(appRatio, (measured) => measured <= TARGETS.transportAppSideRatio) })

  const drainRate = transport?.drainSeconds === undefined ? undefined : transport.records / transport.drainSeconds
  targets.push({
    target: `Transport drains a ${integer(transport?.records ?? results.options.lines)}-record burst at >= ${integer(TARGETS.transportDrainRecordsPerSecond)} records/s`,
    measured: drainRate === undefined ? 'n/a' : `${integer(drainRate)} records/s`,
    verdict: verdict(drainRate, (measured) => measured >= TARGETS.transportDrainRecordsPerSecond),
  })
  targets.push({
    target: "Transport backlog memory bounded (peak RSS of the app, worker included)",
    measured: transport?.peakRssBytes === undefined ? 'n/a' : `${mib(transport.peakRssBytes)} (pino/file: ${mib(pinoFile?.peakRssBytes)})`,
    verdict: transport?.peakRssBytes === undefined ? 'not measured' : 'reported',
  })
  return targets
}

// --- Console ---------------------------------------------------------------------------------

/** Formats a plain-text table. A row shorter than the header (a label and a note) does not widen the columns. */
function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (column === 0 || row.length === header.length ? (row[column] ?? '').length : 0))))
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd()
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')
}

function caseRows(result: CaseResult): string[][] {
  return result.rows.map((row) => {
    const state = rowState(row)
    if (state !== undefined) return [row.row.label, state]
    if (row.wallSeconds === undefined) return [row.row.label, `check passed (${row.checkSummary ?? ''}), peak RSS ${mib(row.peakRssBytes)}`]
    return [
      row.row.label,
      integer(result.stats.lines / row.wallSeconds),
      (result.stats.bytes / 1e6 / row.wallSeconds).toFixed(1),
      mib(row.peakRssBytes),
      seconds(row.wallSeconds),
      seconds(row.cpuSeconds),
      ratio(ratioToFloor(result, row)),
      ratio(cpuRatioToFloor(result, row)),
    ]
  })
}

const CASE_HEADER = ['Row', 'Lines/s', 'MB/s', 'Peak RSS', 'Wall s', 'CPU s', 'vs floor', 'CPU vs floor'] as const
const TRANSPORT_HEADER = ['Row', 'App-side s', 'us/record', 'vs pino/file', 'Drained s', 'Records/s', 'Peak RSS'] as const

function transportRows(results: BenchResults): string[][] {
  const pinoFile = transportById(results, PINO_FILE_ROW_ID)
  return results.transport.map((row) => {
    const state = rowState(row)
    if (state !== undefined) return [row.row.label, state]
    if (row.appSeconds === undefined || row.drainSeconds === undefined) return [row.row.label, `check passed (${row.checkSummary ?? ''}), peak RSS ${mib(row.peakRssBytes)}`]
    return [
      row.row.label,
      seconds(row.appSeconds),
      ((row.appSeconds / row.records) * 1e6).toFixed(2),
      ratio(pinoFile?.appSeconds === undefined ? undefined : row.appSeconds / pinoFile.appSeconds),
      seconds(row.drainSeconds),
      integer(row.records / row.drainSeconds),
      mib(row.peakRssBytes),
    ]
  })
}

export function formatConsoleReport(results: BenchResults): string {
  const parts: string[] = []
  for (const result of results.cases.filter((candidate) => candidate.rows.length > 0)) {
    parts.push(`${result.title} (${integer(result.stats.lines)} lines, ${(result.stats.bytes / 1e6).toFixed(1)} MB)`)
    parts.push(textTable(CASE_HEADER, caseRows(result)), '')
  }
  if (results.scale !== undefined) {
    parts.push(`Filter on the mixed corpus x${results.scale.repeats}: ${results.scale.failure ?? `peak RSS ${mib(results.scale.peakRssBytes)}, ${seconds(results.scale.wallSeconds)} s`}`, '')
  }
  if (results.transport.length > 0) {
    parts.push(`Transport (burst of ${integer(results.transport[0]?.records ?? results.options.lines)} records)`)
    parts.push(textTable(TRANSPORT_HEADER, transportRows(results)), '')
  }
  if (!results.options.check) {
    parts.push(textTable(['Target', 'Measured', 'Result'], evaluateTargets(results).map((row) => [row.target, row.measured, row.verdict])), '')
  }
  for (const profile of results.profiles) {
    parts.push(`Filter CPU profile, ${profile.caseId} corpus (self time)`)
    parts.push(textTable(['Function', 'Share', 'ms'], profile.summary.functions.map((entry) => [entry.name, `${(entry.selfShare * 100).toFixed(1)}%`, entry.selfMilliseconds.toFixed(0)])), '')
  }
  return parts.join('\n')
}

// --- Markdown --------------------------------------------------------------------------------

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|')
  const width = header.length
  const lines = [`| ${header.map(escape).join(' | ')} |`, `|${header.map((_, column) => (column === 0 ? ' --- ' : ' ---: ')).join('|')}|`]
  for (const row of rows) {
    const cells = row.length === width ? row : [row[0] ?? '', row.slice(1).join(' '), ...Array<string>(width - 2).fill('')]
    lines.push(`| ${cells.map(escape).join(' | ')} |`)
  }
  return lines.join('\n')
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((part / whole) * 100).toFixed(1)}%`
}

function corpusTable(results: BenchResults): string {
  const header = ['Corpus', 'Lines', 'MB', 'Bytes/line', ...LINE_SIZES.map((size) => `${size} lines`), 'Lines with planted values', 'Lines with TokenLab ids']
  const rows = results.cases.filter((result) => result.id !== 'long-line').map((result) => {
    const stats: CorpusStats = result.stats
    return [
      result.title,
      integer(stats.lines),
      (stats.bytes / 1e6).toFixed(1),
      integer(stats.bytes / stats.lines),
      ...LINE_SIZES.map((size) => `${percent(stats.bySize[size].lines, stats.lines)} (${integer(stats.bySize[size].bytes / Math.max(1, stats.bySize[size].lines))} B)`),
      percent(stats.plantedLines, stats.lines),
      percent(stats.identifierLines, stats.lines),
    ]
  })
  return markdownTable(header, rows)
}

function profileSection(caseId: CaseId, summary: ProfileSummary): string {
  return [
    `### ${caseId === 'mixed' ? 'Mixed' : 'Benign'} corpus (${(summary.totalMilliseconds / 1000).toFixed(1)} s sampled)`,
    '',
    markdownTable(['Function (self time)', 'Share', 'ms'], summary.functions.map((entry) => [`\`${entry.name}\``, `${(entry.selfShare * 100).toFixed(1)}%`, entry.selfMilliseconds.toFixed(0)])),
    '',
    markdownTable(['Source file (self time)', 'Share'], summary.files.map((entry) => [`\`${entry.name}\``, `${(entry.selfShare * 100).toFixed(1)}%`])),
  ].join('\n')
}

export function formatMarkdownReport(results: BenchResults): string {
  const machine = results.machine
  const options = results.options
  const rssSource = machine.rssMethod === 'gnu-time'
    ? 'GNU time (`/usr/bin/time -f %M`), the kernel\'s maximum resident set size of the process'
    : 'process.resourceUsage().maxRSS, read at exit by a preloaded module (Node rows only)'
  const sections: string[] = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench -- --write docs/BENCHMARKS.md\` on ${machine.date}; rerun that command to update this page rather than editing it.`,
    '',
    `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}`,
    `- Node ${machine.node}; ${machine.jq ?? 'jq not installed'}${machine.commit === undefined ? '' : `; commit ${machine.commit}`}`,
    `- Corpus: ${integer(options.lines)} lines per corpus, seed ${options.seed}; ${options.runs} timed runs per row after one check run`,
    `- One-minute load average ${machine.loadAverage.start.toFixed(2)} at the start and ${(machine.loadAverage.end ?? machine.loadAverage.start).toFixed(2)} at the end (other work on the machine slows every row)`,
    '',
    'Every row is a whole process that reads the corpus on stdin (`cat corpus | row > /dev/null`). ' +
      'Before it is timed, each row runs once with its output in a file, and that output is checked (see "The rows"); a failed check fails the benchmark. ' +
      'The timed runs of all rows are interleaved run by run. Times are the median wall time from spawning the process to its exit, start-up included. ' +
      `MB/s counts input bytes (1 MB = 10^6 bytes). Peak RSS is the largest over the check run and the timed runs, from ${rssSource}. ` +
      '"vs floor" is the floor row\'s time divided by the row\'s time: throughput relative to JSON.parse + JSON.stringify in the same run; the targets use it. ' +
      '"CPU vs floor" is the same ratio from user + system CPU seconds of all the process\'s threads (garbage collection included). ' +
      'Other work on the machine stretches wall time more than CPU time, so when the load average is above the core count and the two ratios disagree, the CPU ratio is the steadier one.',
    '',
    '## Targets',
    '',
    markdownTable(['Target', 'Measured', 'Result'], evaluateTargets(results).map((row) => [row.target, row.measured, row.verdict])),
    '',
  ]
  for (const result of results.cases.filter((candidate) => candidate.rows.length > 0)) {
    sections.push(`## ${result.title}`, '', `${integer(result.stats.lines)} lines, ${(result.stats.bytes / 1e6).toFixed(1)} MB.`, '', markdownTable(CASE_HEADER, caseRows(result)), '')
  }
  if (results.scale !== undefined) {
    const scale = results.scale
    sections.push(
      '## Memory over a longer input',
      '',
      `The filter alone, with the mixed corpus piped ${scale.repeats} times in a row (${integer(scale.lines)} lines, ${(scale.bytes / 1e6).toFixed(0)} MB), run once: ` +
        (scale.failure ?? `peak RSS ${mib(scale.peakRssBytes)} in ${seconds(scale.wallSeconds)} s.`) +
        ' Memory that grew with the input would show here as a larger peak than on the corpus alone.',
      '',
    )
  }
  if (results.transport.length > 0) {
    sections.push(
      '## Transport',
      '',
      `An application process logs a burst of ${integer(results.transport[0]?.records ?? options.lines)} records (the first ${integer(DISTINCT_RECORDS)} JSON records of the mixed corpus, repeated) through pino as fast as it can, ` +
        'then ends the destination and waits until it has written everything. App-side is the time of the logging calls; drained is the time from the first call until the destination finished; ' +
        'records/s is the burst divided by the drained time. Peak RSS is the whole process, worker thread and backlog included. Medians of the timed runs.',
      '',
      markdownTable(TRANSPORT_HEADER, transportRows(results)),
      '',
    )
  }
  if (results.profiles.length > 0) {
    sections.push(
      '## Where the filter spends its time',
      '',
      'Self time per function and per source file from `node --cpu-prof dist/src/cli.js < corpus > /dev/null`, one run per corpus (the profiler slows the run down). ' +
        'Paths are relative to the package; entries without a file are V8 built-ins, the garbage collector and code outside JavaScript. ' +
        'A function\'s self time includes the built-ins it calls (JSON.parse inside a parse function, for example) and the functions the optimizer inlined into it; ' +
        '`node --no-turbo-inlining --cpu-prof` separates the inlined ones at some cost in speed.',
      '',
    )
    for (const profile of results.profiles) sections.push(profileSection(profile.caseId, profile.summary), '')
  }
  sections.push(
    '## The corpora',
    '',
    'Generated by `bench/corpus.ts` from a seeded pseudo-random generator, so the same seed gives the same bytes. Lines are pino records (`level`, `time`, `pid`, `hostname`, ..., `msg`) of an application that serves HTTP and calls the TokenLab API. ' +
      '1% of the lines are not JSON (start-up banners, stack-trace lines, shell commands); of the JSON lines about 60% are small (pino-http request logs and app events), 30% medium (TokenLab calls, async task status, outbound HTTP calls) and 10% large. ' +
      'The share columns give the measured share of each size and its mean length.',
    '',
    corpusTable(results),
    '',
    '- **Mixed:** the lines with planted values carry invented credentials (`sk-` keys, `mt-` tokens, opaque API keys in headers, cookies, a Google API key in a URL), prompts in chat bodies and image requests, ' +
      'signed S3 and GCS URLs in task outputs, or Authorization headers in HTTP-client errors with stacks. ' +
      'Others carry personal data (emails, end-user ids, a named person in prompts) or banned routing fields (provider task ids, channel ids, upstream URLs, Redis keys). ' +
      'TokenLab calls, task status lines, chat bodies, task outputs and error bodies carry TokenLab identifiers (request, task and billing transaction ids, poll URLs), so the filter adds its normalized `tokenlab` block to those lines.',
    '- **Benign:** the same shapes with none of that: no credentials, prompts, personal data or banned fields, and no TokenLab identifiers either. Large lines are model catalogs, latency summaries, task outputs with public URLs and errors with stacks. ' +
      'This corpus stands for the lines no rule of the default pack needs to change; TokenLab identifiers would make the filter parse the line and add the normalized block, which the mixed corpus measures.',
    `- **Single long line:** a request log line, one line of ${options.longLineMib} MiB (an image response with base64 bytes, a bearer key before them and an API key after them) and an app event line. The filter cuts lines longer than --max-line-bytes (1 MiB by default). ` +
      'Only the filter runs on it, because the comparison rows read lines with split2 4.2. split2 appends each chunk to the pending line and splits the whole pending string again. ' +
      'A line of n bytes then costs time in proportion to n squared and holds the whole line in memory.',
    '',
    '## The rows',
    '',
    ...ROWS.map((row) => `- **${row.label}:** ${row.description}`),
    '',
    'The fast-redact, @pinojs/redact and jq rows apply the equivalent paths in `bench/equivalent-paths.ts`: every key path at which the mixed corpus puts a credential, prompt, personal datum or banned field. ' +
      `They redact ${REDACT_PATHS.map((path) => `\`${path}\``).join(', ')}. They remove ${REMOVE_PATHS.map((path) => `\`${path}\``).join(', ')}. ` +
      'Path redaction cannot look inside string values, so their output still has the secrets in free text, in URL parameters and in lines that are not JSON; the filter finds those too, and it normalizes identifiers.',
    '',
    'Output checks, run once per row before timing:',
    '',
    '- split2 passthrough: the output is byte for byte the input.',
    '- Floor: each JSON line comes out as `JSON.stringify(JSON.parse(line))`, other lines unchanged.',
    '- fast-redact, @pinojs/redact, jq: one output line per input line; at every redact path the output has the censor as often as the input had a value; no banned field is left; lines that are not JSON objects are unchanged.',
    '- tokenlab-logfilter: one output line per input line, each a JSON object. No planted value, prompt canary or email is left in stdout or stderr. ' +
      'A planted value counts as left when any of three 8-character pieces of the text after its kept prefix (such as `sk-proj-`) appears. The summary on stderr counts every line in and out.',
    '- Transport rows: the output file has one JSON line per record logged; for the filter\'s transport no planted value is left.',
    '',
    'Transport rows:',
    '',
    ...TRANSPORT_ROWS.map((row) => `- **${row.label}:** ${row.description}`),
    '',
    '## Reproduce',
    '',
    '```sh',
    'npm ci',
    'npm run bench                                   # all rows, 200,000 lines, 5 timed runs; prints the tables',
    'npm run bench -- --write docs/BENCHMARKS.md --profile   # this page',
    'npm run bench -- --lines 20000 --check          # output checks only, as CI runs them',
    'npm run bench -- --rows parse-stringify,filter  # a subset of rows',
    'node dist/bench/generate.js --variant mixed --lines 200000 --out /tmp/mixed.ndjson',
    'node --cpu-prof dist/src/cli.js < /tmp/mixed.ndjson > /dev/null   # writes a .cpuprofile to the current directory',
    '```',
    '',
    'Numbers depend on the machine; compare rows within one run rather than across machines. `npm run bench -- --help` lists the options.',
    '',
  )
  return sections.join('\n')
}
