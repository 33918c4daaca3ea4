/**
 * Key-name patterns: matching that ignores case and `_`/`-` separators, so that `api_key`,
 * `apiKey`, `API-KEY` and `x-api-key`'s tail all compare equal. camelCase needs no separate
 * handling because lowercasing removes the only difference.
 *
 * A pattern may contain `*`, which matches any run of characters (after normalization).
 * Matching is done by hand over literal parts instead of with a RegExp, so that its cost stays
 * linear in the key length whatever the pattern and the key (a hostile key can be megabytes long).
 */

/**
 * Lowercases ASCII letters only (not "K" U+212A KELVIN SIGN and the like), so that key-name
 * matching and the raw-line prefilter, which folds ASCII only, agree on every key.
 */
export function asciiLowerCase(text: string): string {
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) > 127) return text.replace(/[A-Z]+/g, (run) => run.toLowerCase())
  }
  return text.toLowerCase()
}

/** Lowercases a key (ASCII letters) and removes `_` and `-`. */
export function normalizeKeyName(key: string): string {
  let lower = asciiLowerCase(key)
  if (lower.indexOf('_') !== -1 || lower.indexOf('-') !== -1) {
    lower = lower.replace(/[_-]/g, '')
  }
  return lower
}

export interface KeyNamePattern {
  /** The pattern as written in the rule file. */
  readonly source: string
  /** Literal parts between `*`s, already normalized. */
  readonly parts: readonly string[]
  readonly anchoredStart: boolean
  readonly anchoredEnd: boolean
}

export function compileKeyNamePattern(source: string): KeyNamePattern {
  const normalized = normalizeKeyName(source)
  const parts = normalized.split('*')
  return {
    source,
    parts: parts.filter((part) => part.length > 0),
    anchoredStart: !normalized.startsWith('*'),
    anchoredEnd: !normalized.endsWith('*'),
  }
}

/** Tests a normalized key against a compiled pattern; `*` matches greedily left to right. */
export function matchKeyNamePattern(pattern: KeyNamePattern, normalizedKey: string): boolean {
  const { parts, anchoredStart, anchoredEnd } = pattern
  if (parts.length === 0) return !anchoredStart || normalizedKey.length === 0
  if (parts.length === 1 && anchoredStart && anchoredEnd) return normalizedKey === parts[0]

  let position = 0
  let first = 0
  let last = parts.length

  if (anchoredStart) {
    const head = parts[0] as string
    if (!normalizedKey.startsWith(head)) return false
    position = head.length
    first = 1
  }
  let end = normalizedKey.length
  if (anchoredEnd) {
    const tail = parts[parts.length - 1] as string
    if (end - tail.length < position || !normalizedKey.endsWith(tail)) return false
    end -= tail.length
    last = parts.length - 1
  }
  for (let index = first; index < last; index++) {
    const part = parts[index] as string
    const found = normalizedKey.indexOf(part, position)
    if (found === -1 || found + part.length > end) return false
    position = found + part.length
  }
  return true
}
