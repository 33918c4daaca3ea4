/**
 * Sensitive `name: value` and `name=value` pairs inside free text: raw HTTP headers, Python or
 * shell config dumps, truncated JSON on the text path. The name is judged by the same key-name
 * rules as JSON keys, so `api_key='…'` in a message is caught by the rule that catches
 * `{"api_key": …}`.
 *
 * The scan is anchored on each `:` and `=` and looks back at most MAX_NAME characters for the
 * name, so it stays linear on any input.
 */
import type { ValueType } from '../rules/schema.js'
import { SpanList, isAlphanumeric } from './spans.js'

export interface TextKeyVerdict {
  /** The rule that matched the name. */
  readonly rule: number
  /** The value is a Cookie or Set-Cookie header: redact each cookie's value, keep names and attributes. */
  readonly cookie: boolean
  /** The value types the rule applies to (its `types`); undefined for all. Decides `{...}` and `[...]` values. */
  readonly types: ReadonlySet<ValueType> | undefined
}

export type TextKeyClassifier = (name: string) => TextKeyVerdict | undefined

const MAX_NAME = 64

function isNameChar(code: number): boolean {
  return isAlphanumeric(code) || code === 95 || code === 45 || code === 46
}

function isValueDelimiter(code: number): boolean {
  return (
    code <= 32 || code === 44 || code === 59 || code === 38 || code === 41 || code === 125 || code === 93 ||
    code === 34 || code === 39 || code === 60 || code === 62 || code === 92
  )
}

const AUTH_SCHEMES = ['bearer', 'basic', 'token', 'digest', 'apikey']

/** Finds the values of sensitive pairs; a value equal to `censor` was redacted before and is left alone. */
export function findKeyValuePairs(text: string, spans: SpanList, classify: TextKeyClassifier, censor: string): void {
  let colon = text.indexOf(':')
  let equals = text.indexOf('=')
  // A comma separates a quoted name from its quoted value in header lists written as text:
  // ["X-Api-Key","..."] (rawHeaders in JSON) or [ 'Authorization', '...' ] (util.inspect).
  let comma = text.indexOf(',')
  while (colon !== -1 || equals !== -1 || comma !== -1) {
    const position = earliest(earliest(colon, equals), comma)
    let resume = position + 1
    let valueStart = position + 1
    let name: string | undefined
    if (position === comma) {
      name = listNameBefore(text, position)
    } else {
      const next = text.charCodeAt(position + 1)
      // "=>" separates a pair in Ruby, Perl and PHP hash dumps: {"api_key"=>"..."}.
      if (position === equals && next === 62) valueStart = position + 2
      // "https://", "==" and "::" are not pairs.
      const isPair = !(next === 47 && text.charCodeAt(position + 2) === 47) && next !== 61 && next !== 58
      if (isPair) name = nameBefore(text, position)
      else resume = position + 2
    }
    if (name !== undefined) {
      const dot = name.lastIndexOf('.')
      const verdict = classify(dot === -1 ? name : name.slice(dot + 1))
      if (verdict !== undefined) resume = Math.max(resume, addValueSpans(text, valueStart, verdict, spans, censor))
    }
    if (colon !== -1 && colon < resume) colon = text.indexOf(':', resume)
    if (equals !== -1 && equals < resume) equals = text.indexOf('=', resume)
    if (comma !== -1 && comma < resume) comma = text.indexOf(',', resume)
  }
}

/** Returns the smaller of two indexes, where -1 means none. */
function earliest(first: number, second: number): number {
  if (first === -1) return second
  if (second === -1) return first
  return Math.min(first, second)
}

/**
 * Reads the name in `"name", "value"`: both quoted with the same quote character (escaped or
 * not), the name being the whole quoted string. Returns undefined for any other comma.
 */
function listNameBefore(text: string, comma: number): string | undefined {
  const valueQuote = text.charCodeAt(backslashRunEnd(text, skipBlanks(text, comma + 1)))
  if (valueQuote !== 34 && valueQuote !== 39) return undefined
  let end = comma - 1
  while (end >= 0 && (text.charCodeAt(end) === 32 || text.charCodeAt(end) === 9)) end--
  if (text.charCodeAt(end) !== valueQuote) return undefined
  end--
  while (end >= 0 && text.charCodeAt(end) === 92) end--
  let start = end
  while (start >= 0 && end - start < MAX_NAME && isNameChar(text.charCodeAt(start))) start--
  if (start === end || text.charCodeAt(start) !== valueQuote) return undefined
  return text.slice(start + 1, end + 1)
}

function skipBlanks(text: string, from: number): number {
  let cursor = from
  while (cursor < text.length && (text.charCodeAt(cursor) === 32 || text.charCodeAt(cursor) === 9)) cursor++
  return cursor
}

/** Reads the name that ends right before a separator, skipping blanks and one quote. */
function nameBefore(text: string, separator: number): string | undefined {
  let cursor = separator - 1
  while (cursor >= 0 && (text.charCodeAt(cursor) === 32 || text.charCodeAt(cursor) === 9)) cursor--
  const quote = text.charCodeAt(cursor)
  if (quote === 34 || quote === 39) {
    cursor--
    // The backslashes of a quote escaped once or more (JSON nested in JSON strings).
    while (cursor >= 0 && text.charCodeAt(cursor) === 92) cursor--
  }
  const end = cursor + 1
  const limit = Math.max(0, end - MAX_NAME)
  while (cursor >= limit && isNameChar(text.charCodeAt(cursor))) cursor--
  const start = cursor + 1
  // The name must not continue further left than we looked; a cut name would be judged wrongly.
  if (cursor >= 0 && cursor < limit && isNameChar(text.charCodeAt(cursor))) return undefined
  // The whole run is the name ("1password" is not "password"), as the prefilter assumes.
  return start < end ? text.slice(start, end) : undefined
}

/** Adds the span(s) of the value that starts at `from`; returns the index after the value. */
function addValueSpans(text: string, from: number, verdict: TextKeyVerdict, spans: SpanList, censor: string): number {
  let cursor = from
  while (cursor < text.length && (text.charCodeAt(cursor) === 32 || text.charCodeAt(cursor) === 9)) cursor++
  const backslashes = backslashRunEnd(text, cursor) - cursor
  const quote = text.charCodeAt(cursor + backslashes)

  if (quote === 34 || quote === 39) {
    const start = cursor + backslashes + 1
    const end = closingQuote(text, start, quote, backslashes)
    if (verdict.cookie) addCookieSpans(text, start, end, verdict.rule, spans)
    else if (end > start && !isCensor(text, start, end, censor)) spans.add(start, end, verdict.rule)
    return end
  }
  if (verdict.cookie) {
    let end = cursor
    while (end < text.length && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13 && text.charCodeAt(end) !== 34) end++
    addCookieSpans(text, cursor, end, verdict.rule, spans)
    return end
  }

  const opening = text.charCodeAt(cursor)
  if (opening === 91 || opening === 123) {
    // An array or object: JSON on the text path (a truncated or cut line) or code in a message.
    const end = containerEnd(text, cursor)
    const type = opening === 91 ? 'array' : 'object'
    if ((verdict.types === undefined || verdict.types.has(type)) && !isCensor(text, cursor, end, censor)) spans.add(cursor, end, verdict.rule)
    return end
  }

  cursor = skipAuthScheme(text, cursor)
  const start = cursor
  while (cursor < text.length && !isValueDelimiter(text.charCodeAt(cursor))) cursor++
  if (cursor > start && !isCensor(text, start, cursor, censor)) spans.add(start, cursor, verdict.rule)
  return cursor
}

function isCensor(text: string, start: number, end: number, censor: string): boolean {
  return end - start === censor.length && text.startsWith(censor, start)
}

/**
 * Returns the index after the array or object that opens at `start`, or the text's end when it
 * is not closed. Brackets inside plain JSON strings do not count; inside strings nested in
 * strings (escaped quotes) they do, which can end the value early.
 */
function containerEnd(text: string, start: number): number {
  let depth = 0
  let cursor = start
  while (cursor < text.length) {
    const code = text.charCodeAt(cursor)
    if (code === 34) {
      cursor = closingQuote(text, cursor + 1, 34, 0) + 1
      continue
    }
    if (code === 92) cursor++
    else if (code === 91 || code === 123) depth++
    else if (code === 93 || code === 125) {
      depth--
      if (depth === 0) return cursor + 1
    }
    cursor++
  }
  return text.length
}

/**
 * Returns the end of a quoted value whose opening quote had `escapes` backslashes before it. A
 * string nested k times in JSON strings has 2^k - 1 backslashes before its own quotes and 2^(k+1) - 1
 * before a quote in its content, and each content backslash doubles too. So a quote after a run of
 * m backslashes closes the value when m % (2 * escapes + 2) === escapes: m even for a plain string,
 * m = 1, 5, 9, ... once nested, and so on. The run's own `escapes` backslashes stay outside the value.
 */
function closingQuote(text: string, start: number, quote: number, escapes: number): number {
  const period = 2 * escapes + 2
  let cursor = start
  while (cursor < text.length) {
    const code = text.charCodeAt(cursor)
    if (code === 10 || code === 13) return cursor
    if (code === 92) {
      const runEnd = backslashRunEnd(text, cursor)
      const run = runEnd - cursor
      if (text.charCodeAt(runEnd) === quote && run % period === escapes) return runEnd - escapes
      cursor = runEnd + 1
      continue
    }
    if (code === quote && escapes === 0) return cursor
    cursor++
  }
  return text.length
}

function backslashRunEnd(text: string, from: number): number {
  let end = from
  while (end < text.length && text.charCodeAt(end) === 92) end++
  return end
}

/** "Bearer abc…" after `Authorization:`: the scheme word stays, the credential is the value. */
function skipAuthScheme(text: string, from: number): number {
  for (const scheme of AUTH_SCHEMES) {
    if (text.length - from <= scheme.length) continue
    if (text.slice(from, from + scheme.length).toLowerCase() !== scheme) continue
    let cursor = from + scheme.length
    if (text.charCodeAt(cursor) !== 32 && text.charCodeAt(cursor) !== 9) continue
    while (cursor < text.length && (text.charCodeAt(cursor) === 32 || text.charCodeAt(cursor) === 9)) cursor++
    return cursor
  }
  return from
}

/** Set-Cookie attributes, kept with their values because they describe the cookie, not its secret. */
const COOKIE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'path', 'domain', 'expires', 'max-age', 'secure', 'httponly', 'samesite', 'partitioned', 'priority',
])

/** Redacts each cookie value in `name=value; name2=value2` (Cookie) or `name=value; Path=/; HttpOnly` (Set-Cookie). */
export function addCookieSpans(text: string, start: number, end: number, rule: number, spans: SpanList): void {
  let cursor = start
  while (cursor < end) {
    let pairEnd = text.indexOf(';', cursor)
    if (pairEnd === -1 || pairEnd > end) pairEnd = end
    const equals = text.indexOf('=', cursor)
    if (equals !== -1 && equals < pairEnd) {
      const name = text.slice(cursor, equals).trim().toLowerCase()
      let valueStart = equals + 1
      let valueEnd = pairEnd
      while (valueStart < valueEnd && text.charCodeAt(valueStart) === 32) valueStart++
      while (valueEnd > valueStart && text.charCodeAt(valueEnd - 1) === 32) valueEnd--
      if (!COOKIE_ATTRIBUTES.has(name) && valueEnd > valueStart) spans.add(valueStart, valueEnd, rule)
    }
    cursor = pairEnd + 1
  }
}
