/**
 * A strict check that a line is one JSON object (RFC 8259), without building it.
 *
 * A line the prefilter clears is written byte for byte, but only if it is a JSON object; this
 * check answers that for less than JSON.parse costs, because it allocates nothing and skips
 * string contents with indexOf. It never says yes to invalid JSON: when it returns false the
 * caller parses the line, and JSON.parse has the last word.
 */

const QUOTE = 34
const BACKSLASH = 92

/**
 * Raw control characters (tab and CR included) are invalid inside strings; a line that has any
 * is left to JSON.parse. Written as "anything not from U+0020 up" (UTF-16 code units).
 */
const CONTROL_CHARACTER = /[^\u0020-\uffff]/

const enum Expect {
  Value,
  KeyOrClose,
  Key,
  Colon,
  CommaOrClose,
  ValueOrClose,
}

function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102)
}

/**
 * Returns the index after the closing quote of the string that opens at `start`, or -1.
 * `backslash` is the position of the first backslash at or after `start` (or -1), which the
 * caller keeps between strings so that a line without escapes is searched for them once.
 */
function skipString(text: string, start: number, backslash: number): number {
  let position = start + 1
  let quote = text.indexOf('"', position)
  // Validate each escape before the candidate closing quote; that quote may itself be escaped.
  while (backslash !== -1 && quote !== -1 && backslash < quote) {
    const escaped = text.charCodeAt(backslash + 1)
    if (escaped === 117) {
      for (let digit = 2; digit <= 5; digit++) if (!isHexDigit(text.charCodeAt(backslash + digit))) return -1
      position = backslash + 6
    } else if (escaped === QUOTE || escaped === BACKSLASH || escaped === 47 || escaped === 98 || escaped === 102 || escaped === 110 || escaped === 114 || escaped === 116) {
      position = backslash + 2
    } else {
      return -1
    }
    if (quote < position) quote = text.indexOf('"', position)
    backslash = text.indexOf('\\', position)
  }
  return quote === -1 ? -1 : quote + 1
}

/** Returns the index after a JSON number that starts at `start`, or -1. */
function skipNumber(text: string, start: number): number {
  let position = start
  if (text.charCodeAt(position) === 45) position++
  const first = text.charCodeAt(position)
  if (first === 48) position++
  else if (first >= 49 && first <= 57) while (isDigit(text.charCodeAt(position))) position++
  else return -1
  if (text.charCodeAt(position) === 46) {
    position++
    if (!isDigit(text.charCodeAt(position))) return -1
    while (isDigit(text.charCodeAt(position))) position++
  }
  const exponent = text.charCodeAt(position)
  if (exponent === 101 || exponent === 69) {
    position++
    const sign = text.charCodeAt(position)
    if (sign === 43 || sign === 45) position++
    if (!isDigit(text.charCodeAt(position))) return -1
    while (isDigit(text.charCodeAt(position))) position++
  }
  return position
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

/** True only when `text` is exactly one JSON object, with optional surrounding whitespace. */
export function isJsonObjectText(text: string, maxDepth: number): boolean {
  if (CONTROL_CHARACTER.test(text)) return false
  // Container kinds, one per nesting level: true for objects, false for arrays.
  const stack: boolean[] = []
  let expect = Expect.Value
  let position = 0
  let started = false
  const length = text.length
  let backslash = text.indexOf('\\')
  const nextBackslash = (from: number): number => {
    if (backslash !== -1 && backslash < from) backslash = text.indexOf('\\', from)
    return backslash
  }
  while (position < length) {
    const code = text.charCodeAt(position)
    if (code === 32 || code === 10 || code === 13 || code === 9) {
      position++
      continue
    }
    if (started && stack.length === 0) return false
    switch (expect) {
      case Expect.Key:
      case Expect.KeyOrClose:
        if (code === 125 && expect === Expect.KeyOrClose) {
          stack.pop()
          expect = Expect.CommaOrClose
          position++
          continue
        }
        if (code !== QUOTE) return false
        position = skipString(text, position, nextBackslash(position))
        if (position === -1) return false
        expect = Expect.Colon
        continue
      case Expect.Colon:
        if (code !== 58) return false
        position++
        expect = Expect.Value
        continue
      case Expect.CommaOrClose: {
        const inObject = stack[stack.length - 1] as boolean
        if (code === 44) {
          expect = inObject ? Expect.Key : Expect.Value
          position++
          continue
        }
        if ((inObject && code === 125) || (!inObject && code === 93)) {
          stack.pop()
          position++
          continue
        }
        return false
      }
      case Expect.Value:
      case Expect.ValueOrClose: {
        if (!started) {
          if (code !== 123) return false
          started = true
        }
        if (code === 93 && expect === Expect.ValueOrClose) {
          stack.pop()
          expect = Expect.CommaOrClose
          position++
          continue
        }
        if (code === 123 || code === 91) {
          if (stack.length >= maxDepth) return false
          stack.push(code === 123)
          expect = code === 123 ? Expect.KeyOrClose : Expect.ValueOrClose
          position++
          continue
        }
        if (code === QUOTE) position = skipString(text, position, nextBackslash(position))
        else if (code === 116) position = text.startsWith('true', position) ? position + 4 : -1
        else if (code === 102) position = text.startsWith('false', position) ? position + 5 : -1
        else if (code === 110) position = text.startsWith('null', position) ? position + 4 : -1
        else position = skipNumber(text, position)
        if (position === -1) return false
        expect = Expect.CommaOrClose
        continue
      }
    }
  }
  return started && stack.length === 0
}
