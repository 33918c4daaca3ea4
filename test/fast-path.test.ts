/**
 * The CLI's byte fast path: a line that is one JSON object and in which the prefilter finds no
 * fragment is copied from input to output without being parsed or decoded. Some lines only look
 * like JSON objects: truncated, two objects, trailing garbage, bad escapes, control characters,
 * a BOM, CR-only endings, deep nesting, invalid UTF-8, sizes at the line limit. They must still
 * go to the text path. Secrets next to non-ASCII text or behind JSON escapes must still be found.
 * Every run is compared, record by record, with the pipeline running every rule on every line.
 * The byte path runs in this process on generated lines, and through the built CLI on crafted
 * lines, read from a file or fed in small writes.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { LineFramer } from '../src/framing.js'
import { Pipeline } from '../src/pipeline.js'
import { compileRules } from '../src/rules/compile.js'
import { loadRuleSet } from '../src/rules/load.js'
import type { Summary } from '../src/summary.js'
import { SECRETS, expectAbsent, splitAtFractions } from './helpers.js'
import { filterFile, startCli, type FilterRun } from './support/filter-run.js'
import { anyText, wellFormedText } from './support/json-texts.js'
import { LEAK_MAX_LINE_BYTES, generatedLine } from './support/leak-generators.js'

const rules = compileRules(loadRuleSet())
const MAX_LINE_BYTES = 2048
const folder = mkdtempSync(join(tmpdir(), 'logfilter-fast-path-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

interface Outputs {
  readonly lines: string[]
  readonly summary: Summary
}

/** Filters `input` as the CLI does (bytes mode, processByteLines), written in the given chunks. */
function filterBytes(chunks: readonly Buffer[], maxLineBytes: number): Outputs {
  const pipeline = new Pipeline(rules)
  const lines: string[] = []
  const emit = (output: Buffer | string): void => {
    lines.push(typeof output === 'string' ? output : output.toString('utf8'))
  }
  const framer = new LineFramer(maxLineBytes, (batch, flags) => pipeline.processByteLines(batch, flags, emit), 'bytes')
  for (const chunk of chunks) framer.write(chunk)
  framer.end()
  return { lines, summary: pipeline.summary }
}

/** Filters `input` with every rule on every line: the reference the fast path must match. */
function filterEveryRule(input: Buffer, maxLineBytes: number): Outputs {
  const pipeline = new Pipeline(rules, { disablePrefilter: true })
  const lines: string[] = []
  const framer = new LineFramer(maxLineBytes, (line, flags) => {
    const output = pipeline.processLine(line, flags)
    if (output !== null) lines.push(output)
  })
  framer.write(input)
  framer.end()
  return { lines, summary: pipeline.summary }
}

/**
 * Returns the record of a line, for comparison. A line written unchanged keeps its whitespace
 * and `-0`, which a rewritten line loses, so records are compared after a round trip through JSON.
 */
function recordText(line: string): string {
  try {
    return JSON.stringify(JSON.parse(line))
  } catch {
    return `not JSON: ${line}`
  }
}

function expectSameRecords(actual: readonly string[], expected: readonly string[]): void {
  expect(actual).toHaveLength(expected.length)
  for (const [index, line] of actual.entries()) {
    if (line === expected[index]) continue
    expect(recordText(line), `output line ${index + 1}`).toBe(recordText(expected[index] as string))
  }
}

function expectObjectLines(lines: readonly string[]): void {
  for (const [index, line] of lines.entries()) {
    let value: unknown
    expect(() => (value = JSON.parse(line)), `output line ${index + 1} is JSON`).not.toThrow()
    expect(typeof value, `output line ${index + 1} is an object`).toBe('object')
    expect(value, `output line ${index + 1} is not null`).not.toBeNull()
    expect(Array.isArray(value), `output line ${index + 1} is not an array`).toBe(false)
  }
}

function droppedLines(summary: Summary): number {
  return Object.values(summary.lines_dropped).reduce((sum, count) => sum + count, 0)
}

// ---- Crafted lines ----------------------------------------------------------------------------

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8')
const escapeAll = (text: string): string => [...text].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')
const nestedObject = (depth: number, inner: string): string => '{"a":'.repeat(depth) + inner + '}'.repeat(depth)
const { SK_LEGACY, SK_PROJ, MT1, LOWERBEARER, OPQ0, OPQ1, OPQ2 } = SECRETS
const BASIC = 'dXNlcjpwYXNzd29yZA=='

/** Lines that look like one JSON object but are not, some with a secret inside. */
const LOOK_ALIKES: readonly Buffer[] = [
  utf8('{"a":1'),
  utf8(`{"a":"${SK_LEGACY}"`),
  utf8('{"a":1}{"b":2}'),
  utf8(`{"msg":"x"}{"api_key":"${OPQ0}"}`),
  utf8(`{"a":1} Bearer ${LOWERBEARER}`),
  utf8('{"a":1} trailing'),
  utf8(`{"a":"\\q ${SK_LEGACY}"}`),
  utf8(`{"a":"\\u12 ${MT1}"}`),
  utf8(`{"a":"\t${SK_LEGACY}"}`),
  utf8('{"a":"\u0001"}'),
  utf8(`\ufeff{"api_key":"${OPQ1}"}`),
  utf8(`{"a":1}\r{"password":"${OPQ1}"}`),
  utf8(`{"a":1}\r`),
  utf8(nestedObject(600, '1')),
  utf8(nestedObject(600, `"${SK_LEGACY}"`)),
  utf8(nestedObject(520, `{"password":"${OPQ2}"}`)),
  ...['01', '1.', '-', '.5', '1e', 'tru', 'nulll', '1,', '[1,]', "'x'"].map((value) => utf8(`{"a":${value}}`)),
  utf8('{,}'),
  utf8('{"a":1}\u0000'),
  utf8('{"a":1}\u00a0'),
  utf8('{"a":1}\u2028'),
  utf8('[{"a":1}]'),
  utf8('"{}"'),
  Buffer.concat([utf8('{"a":"'), Buffer.from([0xff]), utf8(`${SK_LEGACY}"}`)]),
  Buffer.concat([utf8('{"a":"'), Buffer.from([0xc3]), utf8('"}')]),
  Buffer.concat([utf8('{"a":"'), Buffer.from([0xc0, 0xaf]), utf8('"}')]),
  Buffer.concat([utf8('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), utf8(` ${MT1}"}`)]),
  Buffer.concat([utf8('{"a":1}'), Buffer.from([0x80])]),
  // At the line limit: one byte under, at, and over it, the last with a secret where it is cut.
  utf8(`{"x":"${'y'.repeat(MAX_LINE_BYTES - 9)}"}`),
  utf8(`{"x":"${'y'.repeat(MAX_LINE_BYTES - 8)}"}`),
  utf8(`{"x":"${'y'.repeat(MAX_LINE_BYTES - 7)}"}`),
  utf8(`{"x":"${'y'.repeat(MAX_LINE_BYTES - 30)}","k":"${SK_LEGACY}"}`),
  utf8(`{"x":"${'\u20ac'.repeat(Math.floor((MAX_LINE_BYTES - 20) / 3))}${SK_LEGACY}"}`),
]

/** JSON objects with a secret placed where a scan of bytes, or of raw JSON text, could miss it. */
const HIDDEN_SECRETS: readonly Buffer[] = [
  utf8(`{"msg":"\u00e9 ${SK_PROJ}"}`),
  utf8(`{"msg":"\u00e9${SK_LEGACY}"}`),
  utf8(`{"msg":"\u20ac${MT1}\u20ac"}`),
  utf8(`{"msg":"\u{1f600}Bearer ${LOWERBEARER}"}`),
  utf8(`{"msg":"\u00a0Bearer ${LOWERBEARER}"}`),
  utf8(`{"msg":"\u2028Basic ${BASIC}"}`),
  utf8(`{"msg":"${escapeAll('s')}${SK_LEGACY.slice(1)}"}`),
  utf8(`{"msg":"sk\\u002d${SK_LEGACY.slice(3)}"}`),
  utf8(`{"msg":"${escapeAll(SK_LEGACY)}"}`),
  utf8(`{"${escapeAll('a')}pi_key":"${OPQ0}"}`),
  utf8(`{"msg":"Bearer\\u0020${LOWERBEARER}"}`),
  utf8(`{"msg":"line1\\nBearer ${LOWERBEARER}"}`),
  utf8(`{"msg":"line1\\r\\nBasic ${BASIC}"}`),
  utf8(`{"msg":"Bearer\\t${LOWERBEARER}"}`),
  utf8(`{"msg":"a\\napi_key=${OPQ2}"}`),
  utf8(`{"msg":"api_key\\t=${OPQ2}"}`),
  utf8(`{"\u00e9":{"api-key":"${OPQ0}"}}`),
  utf8(`{"msg":"{\\"api_key\\":\\"${OPQ1}\\"}"}`),
  utf8(`{"Authorization" : "Basic ${BASIC}"}`),
]

/** Benign objects, many per chunk, so that the batch scan pairs crafted lines with clean ones. */
const BENIGN: readonly Buffer[] = Array.from({ length: 200 }, (_, index) =>
  utf8(JSON.stringify({ level: 30, index, msg: 'caf\u00e9 \u20ac '.repeat(index % 5), list: [1, { b: null }], ok: index % 2 === 0 })),
)

const PLANTED_SECRETS = [SK_LEGACY, SK_PROJ, MT1, LOWERBEARER, OPQ0, OPQ1, OPQ2, BASIC]

/** Returns the crafted lines mixed with benign ones, each ended by LF or CRLF. */
function craftedInput(): Buffer {
  const crafted = [...LOOK_ALIKES, ...HIDDEN_SECRETS]
  const parts: Buffer[] = []
  for (const [index, line] of crafted.entries()) {
    parts.push(line, utf8(index % 4 === 0 ? '\r\n' : '\n'))
    for (const benign of BENIGN.slice(index * 3, index * 3 + 3)) parts.push(benign, utf8('\n'))
  }
  // The last line has no newline.
  parts.push(utf8('{"last":true}'))
  return Buffer.concat(parts)
}

/** Checks a CLI run against the reference: the same records, JSON objects only, no secret, and the line accounting. */
function expectSafeRun(run: FilterRun, input: Buffer): void {
  expect(run.exitCode).toBe(0)
  expect(run.stdout.endsWith('\n')).toBe(true)
  const lines = run.stdout.slice(0, -1).split('\n')
  const reference = filterEveryRule(input, MAX_LINE_BYTES)
  expectSameRecords(lines, reference.lines)
  expectObjectLines(lines)
  for (const secret of PLANTED_SECRETS) {
    expectAbsent(run.stdout, secret)
    expectAbsent(run.stderr, secret)
  }
  expect(run.summary.lines_in).toBe(run.summary.lines_out + droppedLines(run.summary))
  expect(run.summary.lines_out).toBe(lines.length)
  expect(run.summary.lines_in).toBe(reference.summary.lines_in)
  expect(run.summary.unparsed).toEqual(reference.summary.unparsed)
}

describe('byte fast path', () => {
  it('matches every rule on every line in any chunking', () => {
    const text = fc.oneof(
      generatedLine.map((line) => line.text),
      anyText,
      wellFormedText,
    )
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 8 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), fc.constantFrom('\n', '\r\n'), (texts, cuts, ending) => {
        const input = Buffer.from(texts.map((line) => line + ending).join(''))
        const fast = filterBytes(splitAtFractions(input, cuts), LEAK_MAX_LINE_BYTES)
        const reference = filterEveryRule(input, LEAK_MAX_LINE_BYTES)
        expectSameRecords(fast.lines, reference.lines)
        expect(fast.summary).toEqual(reference.summary)
      }),
      { numRuns: 1000, seed: 20261215 },
    )
  })

  it('writes every crafted line safely when reading a file', async () => {
    const input = craftedInput()
    const path = join(folder, 'crafted.ndjson')
    writeFileSync(path, input)
    expectSafeRun(await filterFile(path, ['--max-line-bytes', String(MAX_LINE_BYTES)]), input)
  })

  it('writes the same bytes when fed in small writes', async () => {
    const input = craftedInput()
    const path = join(folder, 'whole.ndjson')
    writeFileSync(path, input)
    const whole = await filterFile(path, ['--max-line-bytes', String(MAX_LINE_BYTES)])
    const { child, finished } = startCli(['--max-line-bytes', String(MAX_LINE_BYTES)])
    child.stdin.on('error', () => undefined)
    // Writes of 1 to 97 bytes with a pause after each, so that chunk boundaries fall inside
    // secrets, escapes and multi-byte characters.
    let position = 0
    for (let write = 0; position < input.length; write++) {
      const size = 1 + ((write * 37) % 97)
      child.stdin.write(input.subarray(position, position + size))
      position += size
      await sleep(1)
    }
    child.stdin.end()
    const run = await finished
    expectSafeRun(run, input)
    expect(run.stdout).toBe(whole.stdout)
  }, 20_000)
})
