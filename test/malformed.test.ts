/**
 * Malformed input: each item of fixtures/malformed/outcomes.json, plus generated ones too big to
 * keep in the repository (a 50 MiB line, 100,000 levels of nesting, a character split across
 * writes). None may crash or hang the CLI; each ends in its documented outcome and is counted,
 * and lines in always equal lines out plus lines dropped by a rule.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Summary } from '../src/summary.js'
import { CLI, SECRETS, expectAbsent, fixturePath, runCli, summaryFromStderr } from './helpers.js'

interface Outcome {
  readonly file: string
  readonly description: string
  readonly expected: Partial<Pick<Summary, 'unparsed' | 'lines_dropped'>>
}

const outcomes = JSON.parse(readFileSync(fixturePath('malformed', 'outcomes.json'), 'utf8')) as Outcome[]

function dropped(summary: Summary): number {
  return Object.values(summary.lines_dropped).reduce((sum, count) => sum + count, 0)
}

/** Checks the invariants every run must keep: valid JSON lines, and the line accounting. */
function expectAccounted(stdout: string, summary: Summary): void {
  const lines = stdout === '' ? [] : stdout.slice(0, -1).split('\n')
  if (stdout !== '') expect(stdout.endsWith('\n')).toBe(true)
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow()
  expect(lines).toHaveLength(summary.lines_out)
  expect(summary.lines_in).toBe(summary.lines_out + dropped(summary))
  expect(summary.internal_errors).toBe(0)
}

describe('malformed input', () => {
  it.each(outcomes)('$file ($description) ends in its documented outcome', async ({ file, expected }) => {
    const run = await runCli([], readFileSync(fixturePath('malformed', file)))
    expect(run.code).toBe(0)
    expect(run.stderr).not.toMatch(/\n\s+at /)
    const summary = summaryFromStderr(run.stderr)
    if (expected.unparsed !== undefined) expect(summary.unparsed).toEqual(expected.unparsed)
    if (expected.lines_dropped !== undefined) expect(summary.lines_dropped).toEqual(expected.lines_dropped)
    expectAccounted(run.stdout, summary)
  })

  it('accounts for every line of the whole corpus in one run', async () => {
    const corpus = Buffer.concat(outcomes.map(({ file }) => readFileSync(fixturePath('malformed', file))))
    const run = await runCli([], corpus)
    expect(run.code).toBe(0)
    const summary = summaryFromStderr(run.stderr)
    expect(summary.lines_in).toBe(corpus.toString('latin1').split('\n').length - 1)
    expectAccounted(run.stdout, summary)
    for (const secret of [SECRETS.SK_LEGACY, SECRETS.MT1, SECRETS.LOWERBEARER]) expectAbsent(run.stdout + run.stderr, secret)
  })

  it('keeps integers beyond 2^53 exact on a rewritten line', async () => {
    const run = await runCli(['--summary', 'off'], readFileSync(fixturePath('malformed', 'big-integers.ndjson')))
    expect(run.stdout).toBe('{"level":30,"id":12345678901234567890,"small":1.5,"neg":-98765432109876543210,"api_key":"[REDACTED]"}\n')
  })

  it('strips a byte-order mark and CR endings', async () => {
    const bom = await runCli(['--summary', 'off'], readFileSync(fixturePath('malformed', 'bom.ndjson')))
    expect(bom.stdout).toBe('{"level":30,"msg":"with bom"}\n')
    const crlf = await runCli(['--summary', 'off'], readFileSync(fixturePath('malformed', 'crlf.ndjson')))
    expect(crlf.stdout).toBe('{"level":30,"msg":"one"}\n{"level":30,"msg":"two"}\n')
  })

  it('cuts a 50 MiB line to the limit in bounded memory', async () => {
    const filler = 'x'.repeat(50 * 1024 * 1024)
    const line = `{"level":30,"auth":"Bearer ${SECRETS.LOWERBEARER}","msg":"${filler}","tail":"${SECRETS.SK_PROJ}"}\n{"level":30,"msg":"after"}\n`
    const child = spawn(process.execPath, [CLI], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let peak = 0
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()))
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()))
    const sampler = setInterval(() => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (match) peak = Math.max(peak, Number(match[1]) * 1024)
      } catch {
        // The process has exited.
      }
    }, 50)
    child.stdin.end(line)
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    clearInterval(sampler)
    expect(code).toBe(0)
    const [first, second] = stdout.trimEnd().split('\n')
    const record = JSON.parse(first!) as { msg: string; logfilter: Record<string, number | string> }
    expect(record.logfilter.unparsed).toBe('too_long')
    expect(record.logfilter.original_bytes).toBe(Buffer.byteLength(line.split('\n')[0]!))
    expect(record.logfilter.kept_bytes).toBeLessThanOrEqual(1024 * 1024)
    expect(second).toBe('{"level":30,"msg":"after"}')
    expectAbsent(stdout, SECRETS.LOWERBEARER)
    expectAbsent(stdout, SECRETS.SK_PROJ)
    expect(summaryFromStderr(stderr).unparsed).toEqual({ too_long: 1 })
    expect(peak).toBeGreaterThan(0)
    expect(peak).toBeLessThan(150 * 1024 * 1024)
  }, 60_000)

  it('passes 100,000 levels of clean nesting unchanged and wraps them when a rule must look inside', async () => {
    const depth = 100_000
    const clean = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    const withSecret = '{"a":'.repeat(depth) + `"${SECRETS.MT2}"` + '}'.repeat(depth)
    const run = await runCli([], `${clean}\n${withSecret}\n`)
    expect(run.code).toBe(0)
    const [first, second] = run.stdout.trimEnd().split('\n')
    expect(first).toBe(clean)
    expect(JSON.parse(second!).logfilter).toEqual({ unparsed: 'too_deep' })
    expectAbsent(second!, SECRETS.MT2)
    const summary = summaryFromStderr(run.stderr)
    expect(summary.unparsed).toEqual({ too_deep: 1 })
    expect(summary.lines_out).toBe(2)
  }, 30_000)

  it('joins a multi-byte character split across two writes', async () => {
    const bytes = Buffer.from('{"level":30,"msg":"caf\u00e9 \ud83d\ude00"}\n', 'utf8')
    const split = bytes.indexOf(0xc3) + 1
    const child = spawn(process.execPath, [CLI, '--summary', 'off'], { stdio: ['pipe', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()))
    child.stdin.write(bytes.subarray(0, split))
    await new Promise((resolve) => setTimeout(resolve, 100))
    child.stdin.end(bytes.subarray(split))
    await new Promise((resolve) => child.on('close', resolve))
    expect(stdout).toBe(bytes.toString('utf8'))
  })

  it('keeps a 900 KB string value whole', async () => {
    const value = 'ü'.repeat(450_000)
    const run = await runCli(['--summary', 'off'], JSON.stringify({ level: 30, msg: value }) + '\n')
    expect(JSON.parse(run.stdout).msg).toBe(value)
  })
})
