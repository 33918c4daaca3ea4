/**
 * Detectors for personal data in free text: email addresses and international phone numbers.
 * Both expand by hand around a literal anchor (`@`, `+`), which keeps them linear on inputs
 * such as "a@a@a@..." that make the usual email regexes backtrack.
 */
import { SpanList, isAlphanumeric, isAsciiLetter } from './spans.js'

function isLocalPartChar(code: number): boolean {
  return isAlphanumeric(code) || code === 46 || code === 95 || code === 37 || code === 43 || code === 45
}

function isDomainChar(code: number): boolean {
  return isAlphanumeric(code) || code === 46 || code === 45
}

/**
 * `local@domain.tld` where the top-level domain is two or more letters, so that package specs
 * (`left-pad@1.3.0`) and image digests (`api@sha256:...`) are left alone. `keep` covers the local
 * part, so action partial keeps only `@domain`.
 */
export function findEmails(text: string, rule: number, spans: SpanList): void {
  let at = text.indexOf('@')
  let floor = 0
  while (at !== -1) {
    let start = at
    while (start > floor && isLocalPartChar(text.charCodeAt(start - 1))) start--
    while (start < at && text.charCodeAt(start) === 46) start++
    let end = at + 1
    while (end < text.length && isDomainChar(text.charCodeAt(end))) end++
    while (end > at + 1 && (text.charCodeAt(end - 1) === 46 || text.charCodeAt(end - 1) === 45)) end--
    if (start < at && isEmailDomain(text, at + 1, end) && !isUrlUserinfo(text, start)) {
      spans.add(start, end, rule)
      floor = end
      at = text.indexOf('@', end)
      continue
    }
    floor = at + 1
    at = text.indexOf('@', at + 1)
  }
}

/**
 * True when the text before `start` is `scheme://` or `scheme://user:` in the same token: then
 * `pass@host` is URL userinfo, which the URL detector redacts while keeping the host.
 */
function isUrlUserinfo(text: string, start: number): boolean {
  const limit = Math.max(0, start - 256)
  for (let index = start - 1; index >= limit; index--) {
    const code = text.charCodeAt(index)
    if (code <= 32 || code === 34 || code === 39 || code === 60 || code === 62) return false
    if (code === 47 && index > 0 && text.charCodeAt(index - 1) === 47) return index > 1 && text.charCodeAt(index - 2) === 58
  }
  return false
}

function isEmailDomain(text: string, start: number, end: number): boolean {
  // Search back only as far as the domain: lastIndexOf would scan to the start of the text for
  // every `@` of a domain without a dot, which is quadratic on "a@b a@b ...".
  let lastDot = end - 1
  while (lastDot > start && text.charCodeAt(lastDot) !== 46) lastDot--
  if (lastDot <= start || lastDot >= end - 2) return false
  for (let index = lastDot + 1; index < end; index++) {
    if (!isAsciiLetter(text.charCodeAt(index))) return false
  }
  return true
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

/**
 * International numbers written with a leading `+` (E.164 and its usual spacings):
 * `+1 415 555 0100`, `+44 (0)20 7946 0958`, `+4915112345678`. Between 8 and 15 digits.
 * Numbers without `+` are not matched: too many ids, dates and amounts look like them.
 */
export function findPhoneNumbers(text: string, rule: number, spans: SpanList): void {
  let plus = text.indexOf('+')
  while (plus !== -1) {
    const before = plus === 0 ? 0 : text.charCodeAt(plus - 1)
    let cursor = plus + 1
    if (isAlphanumeric(before) || before === 43 || !isDigit(text.charCodeAt(cursor)) || text.charCodeAt(cursor) === 48) {
      plus = text.indexOf('+', cursor)
      continue
    }
    let digits = 0
    let end = cursor
    while (cursor < text.length) {
      const code = text.charCodeAt(cursor)
      if (isDigit(code)) {
        digits++
        cursor++
        end = cursor
        continue
      }
      const next = text.charCodeAt(cursor + 1)
      if ((code === 32 || code === 45 || code === 46) && (isDigit(next) || next === 40) && isDigit(text.charCodeAt(cursor - 1))) {
        cursor++
        continue
      }
      if (code === 40) {
        let close = cursor + 1
        while (close < text.length && close - cursor <= 5 && isDigit(text.charCodeAt(close))) close++
        if (close > cursor + 1 && text.charCodeAt(close) === 41) {
          digits += close - cursor - 1
          cursor = close + 1
          if (text.charCodeAt(cursor) === 32 || text.charCodeAt(cursor) === 45) cursor++
          continue
        }
      }
      break
    }
    const after = end < text.length ? text.charCodeAt(end) : 0
    if (digits >= 8 && digits <= 15 && !isAlphanumeric(after)) spans.add(plus, end, rule)
    plus = text.indexOf('+', Math.max(end, plus + 1))
  }
}
