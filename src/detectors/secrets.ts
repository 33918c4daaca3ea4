/**
 * Detectors for credential shapes: bearer/basic credentials, `sk-` API keys, `mt-` management
 * tokens, JWTs, AWS access key ids, Google API keys and PEM private keys.
 *
 * Each one finds a literal anchor with indexOf and then walks character classes by hand, so
 * the cost is linear in the text length for every input (no backtracking).
 */
import { SpanList, isAlphanumeric, isAsciiLetter, isKeyChar, keyCharRunEnd } from './spans.js'

/** Minimum length of the random part of an `sk-`/`mt-` credential; shorter runs are prose ("sk-learning"). */
export const MIN_TOKEN_TAIL = 16

/**
 * Family prefixes kept by action `partial` on `sk-` keys, longest first. `sk-live`/`sk-test` are
 * TokenLab's display prefixes (its key_prefix field); the others are OpenAI, Anthropic and
 * OpenRouter key families.
 */
const SK_FAMILIES = ['sk-ant-admin01-', 'sk-ant-api03-', 'sk-svcacct-', 'sk-or-v1-', 'sk-admin-', 'sk-proj-', 'sk-live-', 'sk-test-', 'sk-']

function findPrefixedToken(text: string, prefix: string, rule: number, spans: SpanList, families?: readonly string[]): void {
  let position = text.indexOf(prefix)
  while (position !== -1) {
    // A letter right before the prefix means it is part of a word: "task-queue", "desk-top".
    const before = position === 0 ? 0 : text.charCodeAt(position - 1)
    const tailStart = position + prefix.length
    if (!isAsciiLetter(before)) {
      const end = keyCharRunEnd(text, tailStart)
      if (end - tailStart >= MIN_TOKEN_TAIL) {
        let keep = prefix.length
        if (families) {
          for (const family of families) {
            if (text.startsWith(family, position) && end - position > family.length + 8) {
              keep = family.length
              break
            }
          }
        }
        spans.add(position, end, rule, keep)
        position = text.indexOf(prefix, end)
        continue
      }
    }
    position = text.indexOf(prefix, tailStart)
  }
}

export function findSkKeys(text: string, rule: number, spans: SpanList): void {
  findPrefixedToken(text, 'sk-', rule, spans, SK_FAMILIES)
}

export function findMtTokens(text: string, rule: number, spans: SpanList): void {
  findPrefixedToken(text, 'mt-', rule, spans)
}

/** Characters of an RFC 6750 token68 credential. */
function isToken68Char(code: number): boolean {
  return isAlphanumeric(code) || code === 45 || code === 46 || code === 95 || code === 126 || code === 43 || code === 47
}

const SCHEME_PATTERN = /bearer|basic/gi

/**
 * `Bearer <credential>` and `Basic <credential>` in any case. The credential must look like one:
 * at least 16 characters, or at least 8 with a digit or punctuation, so that prose such as
 * "Bearer tokens" or "basic plan" stays.
 * NOTE: only a space, tab, `:`, `=`, `+` or `%20` may separate scheme and credential, so an opaque
 * token after a line break or a no-break space is not found.
 */
export function findBearerCredentials(text: string, rule: number, spans: SpanList): void {
  SCHEME_PATTERN.lastIndex = 0
  let match: RegExpExecArray | null
  while ((match = SCHEME_PATTERN.exec(text)) !== null) {
    const position = match.index
    const before = position === 0 ? 0 : text.charCodeAt(position - 1)
    let cursor = position + match[0].length
    if (isAlphanumeric(before)) continue
    const afterScheme = cursor
    cursor = credentialGapEnd(text, cursor)
    if (cursor === afterScheme) continue
    const start = cursor
    // Percent escapes count as credential characters: a header value sent in a query string or a
    // form body is percent-encoded, padding "=" becoming %3D.
    for (;;) {
      if (cursor < text.length && isToken68Char(text.charCodeAt(cursor))) cursor++
      else if (isPercentEscape(text, cursor)) cursor += 3
      else break
    }
    while (cursor < text.length && text.charCodeAt(cursor) === 61) cursor++
    if (looksLikeCredential(text, start, cursor)) spans.add(start, cursor, rule)
    SCHEME_PATTERN.lastIndex = Math.max(cursor, SCHEME_PATTERN.lastIndex)
  }
}

/** Skips what separates a scheme from its credential: blanks, ":" or "=", and "%20" or "+" where it is percent-encoded. */
function credentialGapEnd(text: string, from: number): number {
  let cursor = from
  for (;;) {
    const code = text.charCodeAt(cursor)
    if (code === 32 || code === 9 || code === 58 || code === 61 || code === 43) cursor++
    else if (code === 37 && text.charCodeAt(cursor + 1) === 50 && text.charCodeAt(cursor + 2) === 48) cursor += 3
    else return cursor
  }
}

function isPercentEscape(text: string, at: number): boolean {
  return text.charCodeAt(at) === 37 && isHexDigit(text.charCodeAt(at + 1)) && isHexDigit(text.charCodeAt(at + 2))
}

function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102)
}

function looksLikeCredential(text: string, start: number, end: number): boolean {
  const length = end - start
  if (length >= 16) return true
  if (length < 8) return false
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index)
    if (!isAsciiLetter(code)) return true
  }
  return false
}

/** JSON Web Tokens: three base64url segments, the first two starting with `eyJ` (`{"`). */
export function findJwts(text: string, rule: number, spans: SpanList): void {
  let position = text.indexOf('eyJ')
  while (position !== -1) {
    const before = position === 0 ? 0 : text.charCodeAt(position - 1)
    let next = position + 3
    if (!isKeyChar(before)) {
      const headerEnd = keyCharRunEnd(text, position)
      if (headerEnd - position >= 10 && text.charCodeAt(headerEnd) === 46) {
        const payloadEnd = keyCharRunEnd(text, headerEnd + 1)
        if (payloadEnd - headerEnd - 1 >= 10 && text.charCodeAt(payloadEnd) === 46) {
          const signatureEnd = keyCharRunEnd(text, payloadEnd + 1)
          spans.add(position, signatureEnd, rule)
          next = signatureEnd
        } else {
          next = payloadEnd
        }
      } else {
        next = Math.max(headerEnd, next)
      }
    }
    position = text.indexOf('eyJ', next)
  }
}

/** AWS access key id prefixes (IAM unique-id prefixes of key-bearing principals). */
export const AWS_KEY_PREFIXES = ['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'ABIA', 'ACCA']

function isUpperOrDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90)
}

const AWS_PREFIX_SET: ReadonlySet<string> = new Set(AWS_KEY_PREFIXES)

export function findAwsAccessKeys(text: string, rule: number, spans: SpanList): void {
  // Every prefix starts with "A": one pass over the A's instead of one search per prefix.
  let position = text.indexOf('A')
  while (position !== -1) {
    if (AWS_PREFIX_SET.has(text.slice(position, position + 4))) {
      const before = position === 0 ? 0 : text.charCodeAt(position - 1)
      let end = position + 4
      while (end < text.length && end - position < 21 && isUpperOrDigit(text.charCodeAt(end))) end++
      if (!isUpperOrDigit(before) && end - position === 20) {
        spans.add(position, end, rule, 4)
        position = text.indexOf('A', end)
        continue
      }
    }
    position = text.indexOf('A', position + 1)
  }
}

/** Google API keys (Gemini's `x-goog-api-key` and `?key=`): `AIza` and 35 more characters. */
export function findGoogleApiKeys(text: string, rule: number, spans: SpanList): void {
  let position = text.indexOf('AIza')
  while (position !== -1) {
    const before = position === 0 ? 0 : text.charCodeAt(position - 1)
    const end = keyCharRunEnd(text, position)
    if (!isKeyChar(before) && end - position >= 39) spans.add(position, end, rule, 4)
    position = text.indexOf('AIza', Math.max(end, position + 4))
  }
}

const PEM_BEGIN = '-----BEGIN '
const PEM_END = '-----END '
const PEM_TAIL = 'PRIVATE KEY-----'

/**
 * PEM private key blocks. Without an END line (a cut or truncated line), everything after BEGIN
 * is redacted. `stopAtQuote` keeps the span inside one JSON string when the text is serialized JSON.
 */
export function findPemPrivateKeys(text: string, rule: number, spans: SpanList, stopAtQuote = false): void {
  let position = text.indexOf(PEM_BEGIN)
  // The next END line, searched again only once a block has passed it: searching from every BEGIN
  // would scan to the end of the text each time when there is none, which is quadratic.
  let endMarker = -1
  while (position !== -1) {
    const labelEnd = text.indexOf('-----', position + PEM_BEGIN.length)
    const isPrivate = labelEnd !== -1 && labelEnd - position < 80 && text.startsWith(PEM_TAIL, labelEnd - PEM_TAIL.length + 5)
    if (!isPrivate) {
      position = text.indexOf(PEM_BEGIN, position + PEM_BEGIN.length)
      continue
    }
    let limit = text.length
    if (stopAtQuote) {
      const quote = findUnescapedQuote(text, labelEnd)
      if (quote !== -1) limit = quote
    }
    let end = limit
    if (endMarker !== text.length && endMarker < labelEnd) {
      endMarker = text.indexOf(PEM_END, labelEnd)
      if (endMarker === -1) endMarker = text.length
    }
    if (endMarker < limit) {
      const tail = text.indexOf('-----', endMarker + PEM_END.length)
      end = tail !== -1 && tail + 5 <= limit ? tail + 5 : limit
    }
    spans.add(position, end, rule)
    position = text.indexOf(PEM_BEGIN, end)
  }
}

/** Position of the next `"` that is not escaped by a backslash, or -1. */
export function findUnescapedQuote(text: string, from: number): number {
  let position = text.indexOf('"', from)
  while (position !== -1) {
    let backslashes = 0
    let cursor = position - 1
    while (cursor >= from && text.charCodeAt(cursor) === 92) {
      backslashes++
      cursor--
    }
    if (backslashes % 2 === 0) return position
    position = text.indexOf('"', position + 1)
  }
  return -1
}
