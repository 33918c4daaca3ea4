/**
 * Spans found by value detectors, and the code that replaces them in a string.
 *
 * Detectors only report where a secret sits; one place turns spans into output. Overlapping
 * spans are merged, so one secret matched by two detectors is replaced once, and no detector
 * ever sees another one's censor text.
 */

export interface Span {
  start: number
  end: number
  /** Characters at the start of the span that an action `partial` keeps (a key family prefix, say). */
  keep: number
  /** Index of the rule that asked for this span, in CompiledRules.rules. */
  rule: number
  /** For `data:` URLs: the media type, shown in stubs. */
  mediaType?: string
}

/** Collects spans from several detectors for one string. Reused across strings to avoid allocation. */
export class SpanList {
  readonly spans: Span[] = []

  add(start: number, end: number, rule: number, keep = 0, mediaType?: string): void {
    if (end <= start) return
    const span: Span = { start, end, keep, rule }
    if (mediaType !== undefined) span.mediaType = mediaType
    this.spans.push(span)
  }

  get size(): number {
    return this.spans.length
  }

  clear(): void {
    this.spans.length = 0
  }

  /** Sorts by start and merges overlapping spans; a merged span keeps nothing and takes the strictest rule. */
  merged(strictness: (rule: number) => number): Span[] {
    const spans = this.spans
    if (spans.length <= 1) return spans
    spans.sort((a, b) => a.start - b.start || b.end - a.end)
    const result: Span[] = []
    let current = spans[0] as Span
    for (let index = 1; index < spans.length; index++) {
      const next = spans[index] as Span
      if (next.start < current.end) {
        const combined: Span = {
          start: current.start,
          end: Math.max(current.end, next.end),
          keep: 0,
          rule: strictness(next.rule) < strictness(current.rule) ? next.rule : current.rule,
        }
        current = combined
      } else {
        result.push(current)
        current = next
      }
    }
    result.push(current)
    return result
  }
}

/** True when `code` is an ASCII letter or digit. */
export function isAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
}

/** True for the characters of API keys and tokens: letters, digits, `_` and `-`. */
export function isKeyChar(code: number): boolean {
  return isAlphanumeric(code) || code === 95 || code === 45
}

export function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
}

/** Returns the end of the run of key characters that starts at `from`. */
export function keyCharRunEnd(text: string, from: number): number {
  let end = from
  while (end < text.length && isKeyChar(text.charCodeAt(end))) end++
  return end
}

/** Counts Unicode code points, which is what a stub's `chars` reports. */
export function countCodePoints(text: string): number {
  let count = text.length
  for (let index = 0; index < text.length - 1; index++) {
    const code = text.charCodeAt(index)
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--
        index++
      }
    }
  }
  return count
}
