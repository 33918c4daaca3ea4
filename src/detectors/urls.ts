/**
 * Detectors for URLs: credential parameters in query strings and fragments (signed URLs, `?key=`),
 * passwords in the userinfo part, `redis://` URLs and `data:` URLs.
 */
import { normalizeKeyName } from '../rules/key-names.js'
import { SpanList, isAlphanumeric } from './spans.js'

/**
 * Query parameters that carry a credential, normalized (lowercase, no `_`/`-`): AWS SigV4 and
 * CloudFront signed URLs, Google signed URLs, Azure SAS (`sig`), OAuth tokens, Gemini's `key`.
 * Parameters such as X-Amz-Date or X-Amz-Expires stay, since they help debugging and hide nothing.
 */
export const CREDENTIAL_PARAMETERS: ReadonlySet<string> = new Set([
  'xamzsignature',
  'xamzcredential',
  'xamzsecuritytoken',
  'xgoogsignature',
  'xgoogcredential',
  'signature',
  'keypairid',
  'policy',
  'sig',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'key',
  'apikey',
  'code',
  'password',
  'secret',
  'clientsecret',
])

/** Ends a URL or a query string in free text. */
function isUrlTerminator(code: number): boolean {
  return code <= 32 || code === 34 || code === 39 || code === 60 || code === 62 || code === 96 || code === 92 || code === 0x7f
}

function decodeParameterName(raw: string): string {
  if (raw.indexOf('%') === -1) return raw
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

/**
 * Finds credential parameters after every `?` and `#` and passwords in `scheme://user:pass@host`,
 * also in percent-encoded URLs inside the text.
 * `isSecretKey` lets the key-name rules extend the parameter list (so `?api_key=` is covered
 * by the same rule as a JSON key `api_key`).
 */
export function findUrlCredentials(
  text: string,
  rule: number,
  spans: SpanList,
  isSecretKey: (normalizedName: string) => boolean,
  encodingDepth = 0,
): void {
  // Each search runs again only once the scan has passed its last result. Searching again from
  // every `?` would scan to the end of the text for a `#` that is not there, which is quadratic.
  // A character that does not occur is at text.length.
  let question = -1
  let hash = -1
  for (let position = 0; position < text.length; ) {
    if (question < position) question = indexOrEnd(text, '?', position)
    if (hash < position) hash = indexOrEnd(text, '#', position)
    const start = Math.min(question, hash)
    if (start === text.length) break
    position = scanParameters(text, start + 1, rule, spans, isSecretKey)
  }
  findUserinfoPasswords(text, rule, spans)
  findEncodedQueries(text, rule, spans, isSecretKey, encodingDepth)
}

/** Levels of percent-encoding the detector decodes (a URL in a parameter of a URL in a parameter ...). */
const MAX_ENCODING_DEPTH = 4
const ENCODED_ASCII = /%([0-7][0-9A-Fa-f])/g

/**
 * `%3F` starts a percent-encoded query: a URL passed as a parameter value (`?next=https%3A%2F%2F...
 * %3Ftoken%3D...`). Decoded, it is scanned like any URL. When it contains a credential, the whole
 * encoded query is redacted.
 */
function findEncodedQueries(text: string, rule: number, spans: SpanList, isSecretKey: (normalizedName: string) => boolean, encodingDepth: number): void {
  if (encodingDepth >= MAX_ENCODING_DEPTH) return
  let percent = text.indexOf('%')
  while (percent !== -1) {
    if (text.charCodeAt(percent + 1) !== 51 || (text.charCodeAt(percent + 2) | 32) !== 102) {
      percent = text.indexOf('%', percent + 1)
      continue
    }
    const start = percent + 3
    let end = start
    while (end < text.length && !isUrlTerminator(text.charCodeAt(end)) && text.charCodeAt(end) !== 38 && text.charCodeAt(end) !== 35) end++
    if (end > start) {
      const decoded = '?' + text.slice(start, end).replace(ENCODED_ASCII, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
      const found = new SpanList()
      findUrlCredentials(decoded, rule, found, isSecretKey, encodingDepth + 1)
      if (found.size > 0) spans.add(start, end, rule)
    }
    percent = text.indexOf('%', end)
  }
}

function indexOrEnd(text: string, character: string, from: number): number {
  const index = text.indexOf(character, from)
  return index === -1 ? text.length : index
}

/** Scans `name=value&name=value` from `start`; returns where the parameter list ends. */
function scanParameters(
  text: string,
  start: number,
  rule: number,
  spans: SpanList,
  isSecretKey: (normalizedName: string) => boolean,
): number {
  let cursor = start
  while (cursor < text.length) {
    const nameStart = cursor
    while (cursor < text.length) {
      const code = text.charCodeAt(cursor)
      if (code === 61 || code === 38 || code === 35 || code === 59 || isUrlTerminator(code)) break
      cursor++
    }
    const nameEnd = cursor
    if (cursor >= text.length || text.charCodeAt(cursor) !== 61) {
      // No value: "?flag&x=1" or the end of the list.
      if (cursor < text.length && (text.charCodeAt(cursor) === 38 || text.charCodeAt(cursor) === 59)) {
        cursor++
        continue
      }
      return cursor
    }
    cursor++
    const valueStart = cursor
    while (cursor < text.length) {
      const code = text.charCodeAt(cursor)
      if (code === 38 || code === 35 || code === 59 || isUrlTerminator(code)) break
      cursor++
    }
    if (nameEnd > nameStart && cursor > valueStart) {
      const name = normalizeKeyName(decodeParameterName(text.slice(nameStart, nameEnd)))
      if (CREDENTIAL_PARAMETERS.has(name) || isSecretKey(name)) spans.add(valueStart, cursor, rule)
    }
    if (cursor < text.length && (text.charCodeAt(cursor) === 38 || text.charCodeAt(cursor) === 59)) {
      cursor++
      continue
    }
    return cursor
  }
  return cursor
}

/** `scheme://user:password@host`: the password is redacted; a user part without a password may be a token, so it is redacted too. */
function findUserinfoPasswords(text: string, rule: number, spans: SpanList): void {
  let position = text.indexOf('://')
  while (position !== -1) {
    const authorityStart = position + 3
    let cursor = authorityStart
    let at = -1
    while (cursor < text.length) {
      const code = text.charCodeAt(cursor)
      if (code === 47 || code === 63 || code === 35 || isUrlTerminator(code)) break
      if (code === 64) at = cursor
      cursor++
    }
    if (at !== -1) {
      const colon = text.indexOf(':', authorityStart)
      if (colon !== -1 && colon < at) spans.add(colon + 1, at, rule)
      else spans.add(authorityStart, at, rule)
    }
    position = text.indexOf('://', Math.max(cursor, authorityStart))
  }
}

const REDIS_SCHEMES = /rediss?:\/\//gi

/** `redis://` and `rediss://` URLs: routing internals that must not reach a log store. */
export function findRedisUrls(text: string, rule: number, spans: SpanList): void {
  REDIS_SCHEMES.lastIndex = 0
  let match: RegExpExecArray | null
  while ((match = REDIS_SCHEMES.exec(text)) !== null) {
    const before = match.index === 0 ? 0 : text.charCodeAt(match.index - 1)
    if (isAlphanumeric(before)) continue
    let end = match.index + match[0].length
    while (end < text.length && !isUrlTerminator(text.charCodeAt(end)) && text.charCodeAt(end) !== 44) end++
    spans.add(match.index, end, rule)
    REDIS_SCHEMES.lastIndex = end
  }
}

/** Characters of a media type such as `image/png` or `audio/x-wav`. */
function isMediaTypeChar(code: number): boolean {
  return isAlphanumeric(code) || code === 47 || code === 43 || code === 45 || code === 46
}

/** Characters of a data URL's parameters and payload (base64, base64url or percent-encoded). */
function isDataChar(code: number): boolean {
  return isAlphanumeric(code) || code === 43 || code === 47 || code === 61 || code === 37 || code === 45 || code === 95 || code === 46 || code === 59
}

/**
 * `data:<media type>[;base64],<payload>`: the span is the payload; `keep` covers the header, so
 * action partial keeps `data:image/png;base64,` and hides the bytes.
 */
export function findDataUrls(text: string, rule: number, spans: SpanList): void {
  let position = text.indexOf('data:')
  while (position !== -1) {
    const before = position === 0 ? 0 : text.charCodeAt(position - 1)
    let cursor = position + 5
    if (isAlphanumeric(before)) {
      position = text.indexOf('data:', cursor)
      continue
    }
    const typeStart = cursor
    while (cursor < text.length && isMediaTypeChar(text.charCodeAt(cursor))) cursor++
    const mediaType = text.slice(typeStart, cursor)
    while (cursor < text.length && text.charCodeAt(cursor) === 59) {
      cursor++
      while (cursor < text.length && (isAlphanumeric(text.charCodeAt(cursor)) || text.charCodeAt(cursor) === 61 || text.charCodeAt(cursor) === 45)) cursor++
    }
    if (text.charCodeAt(cursor) !== 44) {
      position = text.indexOf('data:', Math.max(cursor, position + 5))
      continue
    }
    cursor++
    const header = cursor - position
    while (cursor < text.length && isDataChar(text.charCodeAt(cursor))) cursor++
    if (mediaType.indexOf('/') !== -1 || cursor - position > header) {
      spans.add(position, cursor, rule, header, mediaType.indexOf('/') !== -1 ? mediaType.toLowerCase() : undefined)
    }
    position = text.indexOf('data:', Math.max(cursor, position + 5))
  }
}
