/**
 * The benchmark harness (`npm run bench`). It generates the corpora, runs every row as a whole
 * process once and checks its output, then times the rows that passed, interleaved run by run so
 * that a drift in machine speed spreads over all rows, and reports medians. A failed check or a
 * failed run makes the exit code 1; speed never does.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CheckFailure, checkTransportOutput, filterSummary } from './checks.js'
import { writeCorpus, writeLongLineCorpus, type CorpusStats } from './corpus.js'
import { median, rssMethod, runFailure, runProcess, type Command } from './measure.js'
import { SCALE_REPEATS, USAGE, UsageError, parseBenchOptions, type BenchOptions } from './options.js'
import { summarizeProfile } from './profile.js'
import { formatConsoleReport, formatMarkdownReport } from './report.js'
import type { BenchResults, CaseId, CaseResult, MachineInfo, RowResult, ScaleResult, TransportResult } from './results.js'
import { FILTER_ROW_ID, LONG_LINE_ROW_IDS, ROWS, jqVersion, type Row, type RowEnvironment } from './rows.js'
import { TRANSPORT_ROWS, parseTransportFigures, transportCommand } from './transport-rows.js'

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)))

interface CorpusCase {
  readonly id: CaseId
  readonly title: string
  readonly path: string
  readonly stats: CorpusStats
  readonly rows: readonly Row[]
}

function log(message: string): void {
  console.log(message)
}

function machineInfo(): MachineInfo {
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' })
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' })
  const commit = git.status === 0 ? `${git.stdout.trim()}${dirty.stdout.trim().length > 0 ? ' (with uncommitted changes)' : ''}` : undefined
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${type()} ${release()}`,
    date: new Date().toISOString().slice(0, 10),
    commit,
    jq: jqVersion(),
    rssMethod: rssMethod(),
    loadAverage: { start: loadavg()[0] ?? 0 },
  }
}

function selectedRows<T extends { id: string }>(rows: readonly T[], options: BenchOptions): T[] {
  return options.rows === undefined ? [...rows] : rows.filter((row) => options.rows?.includes(row.id))
}

function validateRowIds(options: BenchOptions): void {
  if (options.rows === undefined) return
  const known = [...ROWS, ...TRANSPORT_ROWS].map((row) => row.id)
  const unknown = options.rows.filter((id) => !known.includes(id))
  if (unknown.length > 0) throw new UsageError(`--rows: ${unknown.join(', ')} is not a row id; use some of ${known.join(', ')}`)
}

async function prepareCases(options: BenchOptions, tmp: string): Promise<CorpusCase[]> {
  const rows = selectedRows(ROWS, options)
  const cases: CorpusCase[] = []
  for (const variant of ['mixed', 'benign'] as const) {
    const path = join(tmp, `${variant}-${options.lines}-${options.seed}.ndjson`)
    const stats = await writeCorpus(path, { variant, lines: options.lines, seed: options.seed })
    log(`corpus ${variant}: ${stats.lines} lines, ${(stats.bytes / 1e6).toFixed(1)} MB`)
    cases.push({ id: variant, title: `${variant === 'mixed' ? 'Mixed' : 'Benign'} corpus`, path, stats, rows })
  }
  const longPath = join(tmp, `long-line-${options.longLineMib}.ndjson`)
  const longStats = await writeLongLineCorpus(longPath, options.longLineMib, options.seed)
  log(`corpus long-line: one line of ${options.longLineMib} MiB between two short lines`)
  cases.push({ id: 'long-line', title: `A single ${options.longLineMib} MiB line`, path: longPath, stats: longStats, rows: rows.filter((row) => LONG_LINE_ROW_IDS.includes(row.id)) })
  return cases
}

function errorText(error: unknown): string {
  return error instanceof CheckFailure || error instanceof Error ? error.message : String(error)
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return Math.max(a, b)
}

/** Runs one row once with its output in a file and checks that output. */
async function checkRow(environment: RowEnvironment, corpus: CorpusCase, result: RowResult): Promise<void> {
  const row = result.row
  const outputPath = join(environment.tmp, `out-${corpus.id}-${row.id}.ndjson`)
  try {
    const run = await runProcess(row.command(environment), { stdinFiles: [corpus.path], stdoutFile: outputPath }, environment.tmp)
    const failure = runFailure(run)
    if (failure !== undefined) throw new CheckFailure(failure)
    result.checkSummary = await row.check(corpus.path, outputPath, run.stderr)
    result.peakRssBytes = run.peakRssBytes
  } catch (error) {
    result.failure = `check failed: ${errorText(error)}`
  } finally {
    rmSync(outputPath, { force: true })
  }
}

async function runCase(environment: RowEnvironment, corpus: CorpusCase, options: BenchOptions, failures: string[]): Promise<CaseResult> {
  const results: RowResult[] = corpus.rows.map((row) => ({ row, timedRuns: 0 }))
  for (const result of results) {
    const skipped = result.row.unavailable(environment)
    if (skipped !== undefined) {
      result.skipped = skipped
      log(`${corpus.id} / ${result.row.id}: skipped (${skipped})`)
      continue
    }
    const started = performance.now()
    await checkRow(environment, corpus, result)
    if (result.failure !== undefined) failures.push(`${corpus.id} / ${result.row.id}: ${result.failure}`)
    const elapsed = ((performance.now() - started) / 1000).toFixed(1)
    log(`${corpus.id} / ${result.row.id}: ${result.failure ?? `check passed: ${result.checkSummary}`} (${elapsed} s)`)
  }
  if (options.check) return { id: corpus.id, title: corpus.title, stats: corpus.stats, rows: results }

  const timed = results.filter((result) => result.skipped === undefined && result.failure === undefined)
  const walls = new Map<RowResult, number[]>(timed.map((result) => [result, []]))
  const cpu = new Map<RowResult, number[]>(timed.map((result) => [result, []]))
  for (let runIndex = 0; runIndex < options.runs; runIndex++) {
    for (const result of timed) {
      if (result.failure !== undefined) continue
      const run = await runProcess(result.row.command(environment), { stdinFiles: [corpus.path], stdoutFile: '/dev/null' }, environment.tmp)
      const failure = runFailure(run)
      if (failure !== undefined) {
        result.failure = `timed run ${runIndex + 1} failed: ${failure}`
        failures.push(`${corpus.id} / ${result.row.id}: ${result.failure}`)
        continue
      }
      walls.get(result)?.push(run.wallSeconds)
      if (run.cpuSeconds !== undefined) cpu.get(result)?.push(run.cpuSeconds)
      result.peakRssBytes = maxDefined(result.peakRssBytes, run.peakRssBytes)
      result.timedRuns++
      log(`${corpus.id} / ${result.row.id}: run ${runIndex + 1}/${options.runs} ${run.wallSeconds.toFixed(2)} s`)
    }
  }
  for (const result of timed) {
    const wallRuns = walls.get(result) ?? []
    const cpuRuns = cpu.get(result) ?? []
    if (result.failure === undefined && wallRuns.length > 0) result.wallSeconds = median(wallRuns)
    if (result.failure === undefined && cpuRuns.length > 0) result.cpuSeconds = median(cpuRuns)
  }
  return { id: corpus.id, title: corpus.title, stats: corpus.stats, rows: results }
}

/** Runs the filter once over the mixed corpus piped SCALE_REPEATS times, to see whether its peak RSS grows with the input. */
async function runScale(environment: RowEnvironment, mixed: CorpusCase, failures: string[]): Promise<ScaleResult | undefined> {
  const filter = mixed.rows.find((row) => row.id === FILTER_ROW_ID)
  if (filter === undefined || filter.unavailable(environment) !== undefined) return undefined
  const lines = mixed.stats.lines * SCALE_REPEATS
  const result: ScaleResult = { repeats: SCALE_REPEATS, lines, bytes: mixed.stats.bytes * SCALE_REPEATS }
  const run = await runProcess(filter.command(environment), { stdinFiles: Array(SCALE_REPEATS).fill(mixed.path), stdoutFile: '/dev/null' }, environment.tmp)
  const failure = runFailure(run)
  const summary = failure === undefined ? filterSummary(run.stderr) : undefined
  if (failure !== undefined) result.failure = failure
  else if (summary === undefined || summary.lines_in !== lines || summary.lines_out !== lines) result.failure = `the summary does not count ${lines} lines in and out`
  if (result.failure !== undefined) {
    failures.push(`mixed x${SCALE_REPEATS} / filter: ${result.failure}`)
  } else {
    result.peakRssBytes = run.peakRssBytes
    result.wallSeconds = run.wallSeconds
  }
  log(`mixed x${SCALE_REPEATS} / filter: ${result.failure ?? `peak RSS ${((run.peakRssBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`}`)
  return result
}

async function runTransport(environment: RowEnvironment, mixed: CorpusCase, options: BenchOptions, failures: string[]): Promise<TransportResult[]> {
  const records = options.lines
  const results: TransportResult[] = []
  for (const row of selectedRows(TRANSPORT_ROWS, options)) {
    const result: TransportResult = { row, records, timedRuns: 0 }
    results.push(result)
    const destination = row.destination(environment)
    if ('skip' in destination) {
      result.skipped = destination.skip
      log(`transport / ${row.id}: skipped (${destination.skip})`)
      continue
    }
    const outputPath = join(environment.tmp, `transport-${row.id}.ndjson`)
    const command: Command = transportCommand(environment, destination.value, mixed.path, records, outputPath)
    const appRuns: number[] = []
    const drainRuns: number[] = []
    const attempts = options.check ? 1 : options.runs + 1
    for (let attempt = 0; attempt < attempts && result.failure === undefined; attempt++) {
      try {
        const run = await runProcess(command, {}, environment.tmp)
        const failure = runFailure(run)
        if (failure !== undefined) throw new CheckFailure(failure)
        const figures = parseTransportFigures(run.stdout)
        if (attempt === 0) {
          // The first run is the check run; its figures are not counted.
          result.checkSummary = await checkTransportOutput(outputPath, records, row.filtered)
          log(`transport / ${row.id}: check passed: ${result.checkSummary}`)
        } else {
          appRuns.push(figures.appSeconds)
          drainRuns.push(figures.drainSeconds)
          result.timedRuns++
          log(`transport / ${row.id}: run ${attempt}/${options.runs} app ${figures.appSeconds.toFixed(2)} s, drained ${figures.drainSeconds.toFixed(2)} s`)
        }
        result.peakRssBytes = maxDefined(result.peakRssBytes, run.peakRssBytes)
      } catch (error) {
        result.failure = `${attempt === 0 ? 'check' : `timed run ${attempt}`} failed: ${errorText(error)}`
        failures.push(`transport / ${row.id}: ${result.failure}`)
        log(`transport / ${row.id}: ${result.failure}`)
      } finally {
        rmSync(outputPath, { force: true })
      }
    }
    if (result.failure === undefined && appRuns.length > 0) {
      result.appSeconds = median(appRuns)
      result.drainSeconds = median(drainRuns)
    }
  }
  return results
}

function profileDirectory(environment: RowEnvironment, corpus: CorpusCase): string {
  return join(environment.tmp, `profile-${corpus.id}`)
}

async function profileFilter(environment: RowEnvironment, corpus: CorpusCase): Promise<ReturnType<typeof summarizeProfile> | undefined> {
  const filter = corpus.rows.find((row) => row.id === FILTER_ROW_ID)
  if (filter === undefined || filter.unavailable(environment) !== undefined) return undefined
  const directory = profileDirectory(environment, corpus)
  rmSync(directory, { recursive: true, force: true })
  mkdirSync(directory, { recursive: true })
  const base = filter.command(environment)
  if (base.kind !== 'node') return undefined
  const command: Command = { ...base, nodeFlags: ['--cpu-prof', '--cpu-prof-dir', directory] }
  const run = await runProcess(command, { stdinFiles: [corpus.path], stdoutFile: '/dev/null' }, environment.tmp)
  const failure = runFailure(run)
  if (failure !== undefined) throw new Error(`profiling the filter on ${corpus.id} failed: ${failure}`)
  const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'))
  if (file === undefined) throw new Error(`node --cpu-prof wrote no profile to ${directory}`)
  const summary = summarizeProfile(join(directory, file), ROOT)
  log(`profile ${corpus.id}: ${join(directory, file)}`)
  return summary
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseBenchOptions(argv)
  if (options.help) {
    process.stdout.write(USAGE)
    return 0
  }
  if (options.check && options.write !== undefined) throw new UsageError('--write needs timed runs; leave out --check')
  validateRowIds(options)
  const tmp = resolve(options.tmp ?? join(ROOT, '.bench-tmp'))
  mkdirSync(tmp, { recursive: true })
  const environment: RowEnvironment = { root: ROOT, tmp }
  const machine = machineInfo()
  log(`${options.check ? 'Checking' : 'Benchmarking'} on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; peak RSS by ${machine.rssMethod}`)

  const failures: string[] = []
  const corpora = await prepareCases(options, tmp)
  const cases: CaseResult[] = []
  for (const corpus of corpora) cases.push(await runCase(environment, corpus, options, failures))
  const mixed = corpora[0] as CorpusCase
  const scale = options.check ? undefined : await runScale(environment, mixed, failures)
  const transport = await runTransport(environment, mixed, options, failures)
  const profiles: BenchResults['profiles'] = []
  if (options.profile && !options.check) {
    for (const corpus of corpora.filter((candidate) => candidate.id !== 'long-line')) {
      const summary = await profileFilter(environment, corpus)
      if (summary !== undefined) profiles.push({ caseId: corpus.id, summary })
    }
  }

  machine.loadAverage.end = loadavg()[0] ?? 0
  const results: BenchResults = { options, machine, cases, scale, transport, profiles, failures }
  log('')
  log(formatConsoleReport(results))
  if (options.write !== undefined) {
    mkdirSync(dirname(resolve(options.write)), { recursive: true })
    writeFileSync(options.write, formatMarkdownReport(results))
    log(`wrote ${options.write}`)
  }
  if (!options.keep) {
    for (const corpus of corpora) rmSync(corpus.path, { force: true })
    for (const corpus of corpora) rmSync(profileDirectory(environment, corpus), { recursive: true, force: true })
    rmSync(join(tmp, 'equivalent.jq'), { force: true })
  }
  if (failures.length > 0) {
    log(`\n${failures.length} check(s) failed:\n${failures.map((failure) => `  ${failure}`).join('\n')}`)
    return 1
  }
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(`bench: ${errorText(error)}`)
    process.exitCode = error instanceof UsageError ? 2 : 1
  },
)
