/**
 * What the actions do to a whole value (key-name and path rules) and to a span of text
 * (value detectors): redact, stub, hmac, partial. `drop` is handled by the walk, which owns the
 * containers.
 */
import { createHmac } from 'node:crypto'
import { addCookieSpans } from '../detectors/key-value.js'
import { countCodePoints, type Span, SpanList } from '../detectors/spans.js'
import type { CompiledRule, CompiledRules } from '../rules/compile.js'
import { MAX_DEPTH } from './line-state.js'
import { isExactNumber } from './parse.js'

/** Prefix of HMAC fingerprints: 32 hex characters (128 bits) of HMAC-SHA256 follow. */
export const HMAC_PREFIX = 'hmac:'

export function fingerprint(key: Buffer, text: string): string {
  return HMAC_PREFIX + createHmac('sha256', key).update(text).digest('hex').slice(0, 32)
}

/** Keys whose short enum-like values describe a stubbed structure rather than carry content. */
const SHAPE_KEYS: ReadonlySet<string> = new Set(['type', 'role', 'detail', 'media_type', 'mime_type', 'format', 'index', 'id', 'tool_call_id'])
const SHAPE_VALUE = /^[A-Za-z0-9_./+:-]{0,64}$/

/** Defines an own property even for the key "__proto__", which plain assignment would treat as the prototype. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

export interface Stub {
  redacted: string
  media_type?: string
  chars: number
  hmac?: string
}

export function stubString(text: string, kind: string, hmacKey: Buffer | undefined, mediaType?: string): Stub {
  const stub: Stub = { redacted: kind, chars: countCodePoints(text) }
  if (mediaType !== undefined) {
    // Insert media_type before chars so that the stub reads in a fixed order.
    return hmacKey
      ? { redacted: kind, media_type: mediaType, chars: stub.chars, hmac: fingerprint(hmacKey, text) }
      : { redacted: kind, media_type: mediaType, chars: stub.chars }
  }
  if (hmacKey) stub.hmac = fingerprint(hmacKey, text)
  return stub
}

function dataUrlMediaType(text: string): string | undefined {
  if (!text.startsWith('data:')) return undefined
  const end = text.search(/[;,]/)
  const type = end === -1 ? '' : text.slice(5, end).toLowerCase()
  return /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type) ? type : undefined
}

/** Replaces content by stubs while keeping the structure: strings become stubs, numbers and booleans stay. */
export function stubValue(value: unknown, kind: string, hmacKey: Buffer | undefined, depth = 0): unknown {
  if (typeof value === 'string') return stubString(value, kind, hmacKey, dataUrlMediaType(value))
  if (value === null || typeof value !== 'object' || isExactNumber(value)) return value
  if (depth > MAX_DEPTH) return kind
  if (Array.isArray(value)) return value.map((item) => stubValue(item, kind, hmacKey, depth + 1))
  const result: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key]
    const keep = SHAPE_KEYS.has(key) && (typeof child !== 'string' || SHAPE_VALUE.test(child))
    setOwn(result, key, keep && typeof child !== 'object' ? child : stubValue(child, kind, hmacKey, depth + 1))
  }
  return result
}

/** Applies a key-name or path rule to a whole value. Returns the replacement. */
export function applyToValue(rule: CompiledRule, value: unknown, rules: CompiledRules, spans: SpanList): unknown {
  const censor = rules.censor
  switch (rule.action) {
    case 'stub':
      return stubValue(value, rule.stubKind, rules.hmacKey)
    case 'hmac':
      if (!rules.hmacKey) return censor
      if (typeof value === 'string') return fingerprint(rules.hmacKey, value)
      if (typeof value === 'number' || typeof value === 'boolean') return fingerprint(rules.hmacKey, String(value))
      return censor
    case 'partial':
      if (typeof value !== 'string') return censor
      return value.slice(0, Math.min(rule.keepChars, Math.floor(value.length / 2))) + censor
    default:
      if (rule.cookie) return redactCookies(value, rule, censor, spans)
      return censor
  }
}

function redactCookies(value: unknown, rule: CompiledRule, censor: string, spans: SpanList): unknown {
  if (Array.isArray(value)) return value.map((item) => redactCookies(item, rule, censor, spans))
  if (typeof value !== 'string') return censor
  spans.clear()
  addCookieSpans(value, 0, value.length, rule.index, spans)
  if (spans.size === 0) return value.length === 0 ? value : censor
  return replaceSpans(value, spans.spans, () => censor)
}

/** Builds a string with each span replaced by `replacement(span)`. Spans must be sorted and disjoint. */
export function replaceSpans(text: string, spans: readonly Span[], replacement: (span: Span) => string): string {
  let result = ''
  let position = 0
  for (const span of spans) {
    result += text.slice(position, span.start) + replacement(span)
    position = span.end
  }
  return result + text.slice(position)
}

/** The text that replaces one detector span, by the span's rule action. */
export function spanReplacement(text: string, span: Span, rule: CompiledRule, rules: CompiledRules): string {
  const censor = rules.censor
  switch (rule.action) {
    case 'partial':
      return text.slice(span.start, span.start + span.keep) + censor
    case 'hmac':
      return rules.hmacKey ? fingerprint(rules.hmacKey, text.slice(span.start, span.end)) : censor
    case 'stub':
      // Inside a longer text a stub cannot be an object; keep the data: URL header when there is one.
      return span.keep > 0 ? text.slice(span.start, span.start + span.keep) + censor : censor
    default:
      return censor
  }
}
