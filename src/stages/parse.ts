/**
 * Parse stage: a raw line becomes a record (a JSON object) or an "unparsed" reason that sends it
 * to the text path.
 *
 * JSON.parse is used when it is exact. A line with a run of 16 or more digits may contain an
 * integer beyond 2^53, or a float with more digits than a double keeps, which JSON.parse would
 * round. Such a line is parsed with lossless-json instead, whose LosslessNumber objects serialize
 * back to their exact text. Both parsers create `__proto__` as an own data key, never as the
 * record's prototype.
 */
import { LosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json'

export type UnparsedReason =
  | 'not_json'
  | 'truncated'
  | 'not_object'
  | 'invalid_utf8'
  | 'too_long'
  | 'too_deep'
  | 'internal_error'

export type ParseResult =
  | { readonly ok: true; readonly record: Record<string, unknown>; readonly exactNumbers: boolean }
  | { readonly ok: false; readonly reason: UnparsedReason }

const LONG_DIGIT_RUN = /[0-9]{16}/

function reviveNumber(text: string): number | LosslessNumber {
  const number = Number(text)
  return String(number) === text ? number : new LosslessNumber(text)
}

export function isExactNumber(value: unknown): value is LosslessNumber {
  return value instanceof LosslessNumber
}

/**
 * Parses any JSON text (a line, or a JSON document found inside a string). `mayHaveLongNumbers`
 * false lets a caller that has found no run of 16 digits in the text skip that search.
 */
export function parseJsonText(text: string, mayHaveLongNumbers = true): { value: unknown; exactNumbers: boolean } {
  if (mayHaveLongNumbers && LONG_DIGIT_RUN.test(text)) {
    try {
      return { value: parseLossless(text, null, reviveNumber), exactNumbers: true }
    } catch (error) {
      // lossless-json rejects duplicate keys and recurses on nesting; JSON.parse accepts both.
      if (!(error instanceof SyntaxError) && !(error instanceof RangeError)) throw error
    }
  }
  return { value: JSON.parse(text) as unknown, exactNumbers: false }
}

export function parseLine(line: string, mayHaveLongNumbers = true): ParseResult {
  let parsed: { value: unknown; exactNumbers: boolean }
  try {
    parsed = parseJsonText(line, mayHaveLongNumbers)
  } catch (error) {
    return { ok: false, reason: describeParseError(error, line) }
  }
  const value = parsed.value
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isExactNumber(value)) {
    return { ok: false, reason: 'not_object' }
  }
  return { ok: true, record: value as Record<string, unknown>, exactNumbers: parsed.exactNumbers }
}

function describeParseError(error: unknown, line: string): UnparsedReason {
  if (error instanceof RangeError) return 'too_deep'
  const message = error instanceof Error ? error.message : ''
  if (/end of JSON input|Unterminated string/.test(message)) return 'truncated'
  const position = /at position (\d+)/.exec(message)
  if (position && Number(position[1]) >= line.trimEnd().length) return 'truncated'
  return 'not_json'
}

export function serializeJson(value: unknown, exactNumbers: boolean): string {
  if (!exactNumbers) return JSON.stringify(value)
  return stringifyLossless(value) as string
}
