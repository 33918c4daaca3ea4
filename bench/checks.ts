/**
 * Output checks, run once per row before it is timed. Each returns a short summary of what it
 * verified or throws CheckFailure, which fails the benchmark run.
 */
import { createHash } from 'node:crypto'
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs'
import { CENSOR, REDACT_PATHS, REMOVE_PATHS, parsePath, valuesAtPath } from './equivalent-paths.js'
import { PLANTED_NEEDLES } from './fake-secrets.js'
import { NEWLINE, readLines } from './read-lines.js'

export class CheckFailure extends Error {
  override readonly name = 'CheckFailure'
}

/** Yields pairs of input and output lines; throws when one file has more lines than the other. */
async function* zipLines(inputPath: string, outputPath: string): AsyncGenerator<{ index: number; input: string; output: string }> {
  const inputs = readLines(inputPath)
  const outputs = readLines(outputPath)
  for (let index = 0; ; index++) {
    const [input, output] = await Promise.all([inputs.next(), outputs.next()])
    if (input.done === true && output.done === true) return
    if (input.done === true) throw new CheckFailure(`output has more lines than the input's ${index}`)
    if (output.done === true) throw new CheckFailure(`output ends after ${index} lines but the input has more; lines were lost`)
    yield { index, input: input.value, output: output.value }
  }
}

function endsWithNewline(path: string): boolean {
  const size = statSync(path).size
  if (size === 0) return true
  const fd = openSync(path, 'r')
  try {
    const last = Buffer.alloc(1)
    readSync(fd, last, 0, 1, size - 1)
    return last[0] === NEWLINE
  } finally {
    closeSync(fd)
  }
}

function requireTrailingNewline(path: string): void {
  if (!endsWithNewline(path)) throw new CheckFailure('the last output line does not end with a newline')
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Passthrough: the output is byte for byte the input. */
export async function checkIdentical(inputPath: string, outputPath: string): Promise<string> {
  const [input, output] = await Promise.all([sha256(inputPath), sha256(outputPath)])
  if (input !== output) throw new CheckFailure('output differs from the input (sha256)')
  return 'output identical to the input'
}

/** Parse + stringify: each JSON line comes out as JSON.stringify(JSON.parse(line)), other lines unchanged. */
export async function checkReserialized(inputPath: string, outputPath: string): Promise<string> {
  let lines = 0
  for await (const { index, input, output } of zipLines(inputPath, outputPath)) {
    lines++
    const parsed = tryParse(input)
    const expected = parsed.ok ? JSON.stringify(parsed.value) : input
    if (output !== expected) throw new CheckFailure(`line ${index + 1} is not the re-serialized input line`)
  }
  requireTrailingNewline(outputPath)
  return `${lines} lines, each the re-serialized input`
}

const REDACT_SEGMENTS = REDACT_PATHS.map(parsePath)
const REMOVE_SEGMENTS = REMOVE_PATHS.map(parsePath)

/**
 * Checks path redaction (pino engines, jq). Every value at a redact path is the censor, and there
 * are as many as the input had there. No banned path is left, and lines that are not JSON objects
 * are unchanged.
 */
export async function checkPathRedaction(inputPath: string, outputPath: string): Promise<string> {
  let lines = 0
  let redacted = 0
  let removed = 0
  for await (const { index, input, output } of zipLines(inputPath, outputPath)) {
    lines++
    const parsedInput = tryParse(input)
    if (!parsedInput.ok || !isObject(parsedInput.value)) {
      if (output !== input) throw new CheckFailure(`line ${index + 1} is not JSON and should be unchanged`)
      continue
    }
    const parsedOutput = tryParse(output)
    if (!parsedOutput.ok || !isObject(parsedOutput.value)) throw new CheckFailure(`line ${index + 1} is not a JSON object in the output`)
    for (const segments of REDACT_SEGMENTS) {
      const expected = valuesAtPath(parsedInput.value, segments).length
      const found = valuesAtPath(parsedOutput.value, segments)
      if (found.length !== expected || found.some((value) => value !== CENSOR)) {
        throw new CheckFailure(`line ${index + 1}: ${expected} values to redact at a redact path, found ${found.length} of which not all are ${CENSOR}`)
      }
      redacted += expected
    }
    for (const segments of REMOVE_SEGMENTS) {
      removed += valuesAtPath(parsedInput.value, segments).length
      if (valuesAtPath(parsedOutput.value, segments).length > 0) throw new CheckFailure(`line ${index + 1} still has a banned field`)
    }
  }
  requireTrailingNewline(outputPath)
  return `${lines} lines, ${redacted} values redacted, ${removed} banned fields removed`
}

export interface FilterSummary {
  readonly lines_in: number
  readonly lines_out: number
  readonly internal_errors: number
  readonly leak_check_hits: Record<string, number>
}

const SUMMARY_PREFIX = 'tokenlab-logfilter: summary: '

/** Reads the filter's summary line from its stderr. */
export function filterSummary(stderr: string): FilterSummary | undefined {
  const line = stderr.split('\n').find((candidate) => candidate.startsWith(SUMMARY_PREFIX))
  return line === undefined ? undefined : (JSON.parse(line.slice(SUMMARY_PREFIX.length)) as FilterSummary)
}

function findNeedle(text: string): string | undefined {
  for (const needle of PLANTED_NEEDLES) if (text.includes(needle)) return needle
  return undefined
}

/**
 * Checks the filter's output. There is one output line per input line, and each is a JSON object.
 * No planted secret, prompt canary or personal datum is left, and the summary counts every line
 * in and out.
 */
export async function checkFilterOutput(inputPath: string, outputPath: string, stderr: string | undefined): Promise<string> {
  let lines = 0
  for await (const { index, output } of zipLines(inputPath, outputPath)) {
    lines++
    const parsed = tryParse(output)
    if (!parsed.ok || !isObject(parsed.value)) throw new CheckFailure(`output line ${index + 1} is not a JSON object`)
    const needle = findNeedle(output)
    if (needle !== undefined) throw new CheckFailure(`output line ${index + 1} still contains the planted value ${needle}`)
  }
  requireTrailingNewline(outputPath)
  const notes: string[] = []
  if (stderr !== undefined) {
    const needle = findNeedle(stderr)
    if (needle !== undefined) throw new CheckFailure(`stderr contains the planted value ${needle}`)
    const summary = filterSummary(stderr)
    if (summary === undefined) throw new CheckFailure('stderr has no summary line')
    if (summary.lines_in !== lines || summary.lines_out !== lines) {
      throw new CheckFailure(`the summary counts ${summary.lines_in} lines in and ${summary.lines_out} out, the output has ${lines}`)
    }
    if (summary.internal_errors > 0) notes.push(`${summary.internal_errors} internal errors`)
    const leaks = Object.values(summary.leak_check_hits).reduce((sum, count) => sum + count, 0)
    if (leaks > 0) notes.push(`${leaks} leak-check hits`)
  }
  return `${lines} lines, all JSON objects, no planted value left${notes.length > 0 ? ` (summary: ${notes.join(', ')})` : ''}`
}

/** Checks a transport's output file: `records` JSON lines, and for the filter no planted value. */
export async function checkTransportOutput(outputPath: string, records: number, filtered: boolean): Promise<string> {
  let lines = 0
  for await (const line of readLines(outputPath)) {
    lines++
    const parsed = tryParse(line)
    if (!parsed.ok || !isObject(parsed.value)) throw new CheckFailure(`output line ${lines} is not a JSON object`)
    if (filtered) {
      const needle = findNeedle(line)
      if (needle !== undefined) throw new CheckFailure(`output line ${lines} still contains the planted value ${needle}`)
    }
  }
  if (lines !== records) throw new CheckFailure(`${records} records logged, ${lines} lines written`)
  requireTrailingNewline(outputPath)
  return `${lines} records written${filtered ? ', no planted value left' : ''}`
}
