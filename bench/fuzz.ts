/**
 * The leak property at any size: generates records with the generators of the property test,
 * filters them and checks every guarantee the test checks. Nightly size:
 *
 *   npm run fuzz -- --records 1000000            # in this process; a failure is shrunk
 *   npm run fuzz -- --records 1000000 --cli      # through the built CLI, 10,000 lines per process
 *   npm run fuzz -- --records 200000 --seed 7    # another seed
 *
 * It prints progress and, at the end, the figures docs/RELIABILITY.md quotes: records, line
 * kinds, secret shapes, lines lost, leak-check hits. On the first failure it exits with code 1
 * and prints the seed to replay it (seed + round in process, seed + batch through the CLI) and
 * the input, shrunk when it ran in process.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import fc from 'fast-check'
import { compileRules } from '../src/rules/compile.js'
import { loadRuleSet, packageRoot } from '../src/rules/load.js'
import type { Summary } from '../src/summary.js'
import { LEAK_MAX_LINE_BYTES, generatedLine, type GeneratedLine } from '../test/support/leak-generators.js'
import { filterInProcess, findProblems, type FilterOutput } from '../test/support/leak-oracle.js'

const HMAC_KEY = 'fuzz-hmac-key-0123456789abcdef'
const CLI_BATCH = 10_000
const ROUND_RECORDS = 10_000
const SUMMARY_PREFIX = 'tokenlab-logfilter: summary: '

interface Totals {
  records: number
  linesLost: number
  readonly kinds: Map<string, number>
  readonly shapes: Map<string, number>
  readonly leakCheckHits: Map<string, number>
}

function count(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by)
}

function record(totals: Totals, lines: readonly GeneratedLine[], output: FilterOutput): void {
  totals.records += lines.length
  const dropped = Object.values(output.summary.lines_dropped).reduce((sum, value) => sum + value, 0)
  totals.linesLost += lines.length - output.summary.lines_out - dropped
  for (const line of lines) {
    count(totals.kinds, line.kind)
    for (const secret of line.secrets) count(totals.shapes, secret.shape)
  }
  for (const [shape, hits] of Object.entries(output.summary.leak_check_hits)) count(totals.leakCheckHits, shape, hits)
}

function progress(totals: Totals, target: number, started: number): void {
  const seconds = (performance.now() - started) / 1000
  process.stderr.write(`fuzz: ${totals.records} of ${target} records, ${Math.round(totals.records / seconds)} records/s\n`)
}

/**
 * Runs one record per property run in this process, with the rule set without or with an HMAC
 * key. The runs go in rounds of ROUND_RECORDS, each with its own seed (seed + round). The event
 * loop turns between rounds, because each run's framer ends a stream whose last callbacks wait for it.
 */
async function fuzzInProcess(records: number, seed: number, totals: Totals): Promise<void> {
  const ruleSet = loadRuleSet()
  const plain = compileRules(ruleSet)
  const keyed = compileRules(ruleSet, { hmacKey: Buffer.from(HMAC_KEY) })
  const started = performance.now()
  for (let round = 0; totals.records < records; round++) {
    const runs = Math.min(ROUND_RECORDS, records - totals.records)
    let counted = 0
    fc.assert(
      fc.property(generatedLine, fc.boolean(), (line, withHmacKey) => {
        const output = filterInProcess(withHmacKey ? keyed : plain, [line], LEAK_MAX_LINE_BYTES)
        const problems = findProblems([line], output, LEAK_MAX_LINE_BYTES)
        if (problems.length > 0) throw new Error(problems.join('\n'))
        // Shrinking runs the property again on smaller inputs; only the first pass is counted.
        if (counted++ < runs) record(totals, [line], output)
      }),
      { numRuns: runs, seed: seed + round },
    )
    if (round % 10 === 9) progress(totals, records, started)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

function runCli(input: string, env: NodeJS.ProcessEnv): Promise<CliRun> {
  const cli = join(packageRoot(), 'dist', 'src', 'cli.js')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, '--max-line-bytes', String(LEAK_MAX_LINE_BYTES)], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }))
    child.stdin.end(input)
  })
}

/** Batches of CLI_BATCH lines through the built CLI, those with an odd seed with an HMAC key. No shrinking: a failure names its seed. */
async function fuzzThroughCli(records: number, seed: number, totals: Totals): Promise<void> {
  const started = performance.now()
  for (let batch = 0; totals.records < records; batch++) {
    const batchSeed = seed + batch
    const lines = fc.sample(generatedLine, { numRuns: Math.min(CLI_BATCH, records - totals.records), seed: batchSeed })
    // The key depends on the batch's seed alone, so that --seed <batch seed> replays a batch exactly.
    const run = await runCli(lines.map((line) => `${line.text}\n`).join(''), batchSeed % 2 === 0 ? {} : { TOKENLAB_LOGFILTER_HMAC_KEY: HMAC_KEY })
    const summaryLine = run.stderr.split('\n').find((text) => text.startsWith(SUMMARY_PREFIX))
    if (run.code !== 0 || summaryLine === undefined) throw new Error(`batch seed ${batchSeed}: the CLI exited with ${run.code}:\n${run.stderr.slice(0, 2000)}`)
    const stdoutLines = run.stdout.split('\n')
    stdoutLines.pop()
    const output: FilterOutput = { stdoutLines, stderr: run.stderr, summary: JSON.parse(summaryLine.slice(SUMMARY_PREFIX.length)) as Summary }
    const problems = findProblems(lines, output, LEAK_MAX_LINE_BYTES)
    if (problems.length > 0) throw new Error(`batch seed ${batchSeed} (fc.sample(generatedLine, { numRuns: ${lines.length}, seed: ${batchSeed} })):\n${problems.slice(0, 20).join('\n')}`)
    record(totals, lines, output)
    progress(totals, records, started)
  }
}

function formatCounts(map: Map<string, number>): string {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).map(([key, value]) => `${key} ${value}`).join(', ') || 'none'
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '100000' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000_007) },
      cli: { type: 'boolean', default: false },
    },
  })
  const records = Number(values.records)
  const seed = Number(values.seed)
  if (!Number.isSafeInteger(records) || records < 1 || !Number.isSafeInteger(seed)) {
    throw new Error('fuzz: --records and --seed take whole numbers, for example --records 1000000 --seed 42')
  }
  const totals: Totals = { records: 0, linesLost: 0, kinds: new Map(), shapes: new Map(), leakCheckHits: new Map() }
  const started = performance.now()
  process.stderr.write(`fuzz: ${records} records, seed ${seed}, ${values.cli ? 'through the built CLI' : 'in process'}, --max-line-bytes ${LEAK_MAX_LINE_BYTES}\n`)
  try {
    if (values.cli) await fuzzThroughCli(records, seed, totals)
    else await fuzzInProcess(records, seed, totals)
  } catch (error) {
    process.stderr.write(`fuzz: FAILED (seed ${seed})\n${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
    return
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  process.stdout.write(
    [
      `fuzz: passed: ${totals.records} records in ${seconds} s, seed ${seed}, ${values.cli ? 'CLI' : 'in process'}`,
      `line kinds: ${formatCounts(totals.kinds)}`,
      `secrets planted: ${[...totals.shapes.values()].reduce((sum, value) => sum + value, 0)} (${formatCounts(totals.shapes)})`,
      `lines lost: ${totals.linesLost}`,
      `leak-check hits (rule gaps the last check caught): ${formatCounts(totals.leakCheckHits)}`,
    ].join('\n') + '\n',
  )
}

await main()
