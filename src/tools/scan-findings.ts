/**
 * Findings of `scan`: one per rule hit, with the key path in rule-file syntax and a masked
 * preview. The preview is taken from the filter's own output for that line (the value after
 * redaction), never from the input, so it shows what the filter writes in place of the secret.
 */
import type { RuleHit } from '../pipeline.js'
import type { Action } from '../rules/schema.js'
import type { HitTarget, KeyPathSegment } from '../stages/line-state.js'
import { isExactNumber } from '../stages/parse.js'
import { LOGFILTER_KEY } from '../stages/text-path.js'

export interface Finding {
  readonly file: string
  readonly line: number
  /** Key path in rule-file syntax (`req.headers["x-api-key"]`), `(text)` for a line that is not JSON, `(line)` for a whole line. */
  readonly path: string
  readonly rule: string
  readonly action: Action
  readonly target: HitTarget
  /** Output text in place of the match, with up to PREVIEW_CONTEXT characters of context on each side. */
  readonly preview: string
  /** Length of the matched text in UTF-16 code units; absent when it was not a string. */
  readonly chars?: number
}

/** Characters of context kept on each side of a redaction in a preview. */
export const PREVIEW_CONTEXT = 32
/** Longest preview of a whole value, in characters. */
const PREVIEW_MAX = 96
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

/** Formats a key path the way rule files write paths: dots for identifiers, brackets otherwise. */
export function formatKeyPath(path: readonly KeyPathSegment[], target: HitTarget): string {
  if (path.length === 0) return target === 'line' ? '(line)' : '(text)'
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (IDENTIFIER.test(segment)) text += text === '' ? segment : `.${segment}`
    else text += `[${JSON.stringify(segment)}]`
  }
  return text
}

/**
 * Builds previews for the hits of one line. `output` is the filter's output line (null when a
 * rule dropped the line). Several span hits on one string each get the window around their own
 * redaction, in order.
 */
export class PreviewBuilder {
  private readonly markers: RegExp

  constructor(censor: string) {
    const escaped = censor.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    // The replacements a span can get: the censor (redact, partial, stub inside text) or an HMAC fingerprint.
    this.markers = new RegExp(`${escaped}|hmac:[0-9a-f]{32}`, 'g')
  }

  previews(hits: readonly RuleHit[], output: string | null): string[] {
    let record: unknown
    let parsed = false
    const spanCounts = new Map<string, number>()
    let lineCount = 0
    return hits.map((hit) => {
      if (hit.target === 'line') {
        if (!hit.ruleId.startsWith('leak-check/') || output === null) return '(line dropped)'
        return this.window(output, lineCount++) ?? truncate(output)
      }
      if (hit.action === 'drop') return '(dropped)'
      if (output === null) return '(line dropped)'
      if (!parsed) {
        record = parseOutput(output)
        parsed = true
      }
      if (hit.target === 'key') return `key ${JSON.stringify(hit.path[hit.path.length - 1] ?? '')}`
      const value = valueAt(record, hit.path)
      if (value === undefined) return '(not in the output)'
      if (typeof value !== 'string') return truncate(serialize(value))
      if (hit.target === 'value') return truncate(value)
      const key = JSON.stringify(hit.path)
      const ordinal = spanCounts.get(key) ?? 0
      spanCounts.set(key, ordinal + 1)
      return this.window(value, ordinal) ?? truncate(value)
    })
  }

  /**
   * Returns the text around the `ordinal`-th redaction in `text`, or undefined when it has none.
   * NOTE: a censor string that was already in the input (a line filtered before) counts as a
   * redaction too, so the window can then show a neighbouring one; it is still filtered output.
   */
  private window(text: string, ordinal: number): string | undefined {
    const markers = this.markers
    markers.lastIndex = 0
    let match: RegExpExecArray | null
    let found: RegExpExecArray | undefined
    let index = 0
    while ((match = markers.exec(text)) !== null) {
      found = match
      if (index++ === ordinal) break
    }
    if (found === undefined) return undefined
    const start = Math.max(0, found.index - PREVIEW_CONTEXT)
    const end = Math.min(text.length, found.index + found[0].length + PREVIEW_CONTEXT)
    return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`
  }
}

function parseOutput(output: string): unknown {
  try {
    return JSON.parse(output) as unknown
  } catch {
    return undefined
  }
}

/** Follows `path` in the output record, opening a string met on the way when it contains JSON. */
function valueAt(record: unknown, path: readonly KeyPathSegment[]): unknown {
  if (path.length === 0) {
    // A hit with an empty path comes from the text path, whose output wraps the text in `msg`.
    const wrapped = record as { msg?: unknown; [LOGFILTER_KEY]?: unknown } | undefined
    return wrapped?.[LOGFILTER_KEY] === undefined ? undefined : wrapped.msg
  }
  let current = record
  for (const segment of path) {
    if (typeof current === 'string') current = parseOutput(current)
    if (current === null || typeof current !== 'object') return undefined
    const key = String(segment)
    if (!Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

function serialize(value: unknown): string {
  return isExactNumber(value) ? value.toString() : (JSON.stringify(value) ?? String(value))
}

function truncate(text: string): string {
  return text.length <= PREVIEW_MAX ? text : `${text.slice(0, PREVIEW_MAX - 1)}…`
}
