/**
 * Leak check: the last line of defence. The serialized output line is scanned once more for the
 * high-confidence credential shapes (bearer credentials, sk- keys, mt- tokens, JWTs, AWS and
 * Google keys, PEM private keys), whatever the rule files say. A hit means a rule gap: the span
 * is redacted in the output text and counted by shape.
 */
import { DETECTOR_DEFINITIONS, type DetectorContext, type DetectorDefinition } from '../detectors/index.js'
import { findPemPrivateKeys } from '../detectors/secrets.js'
import type { DetectorName } from '../rules/schema.js'
import { SpanList } from '../detectors/spans.js'
import { replaceSpans } from './actions.js'

const LEAK_SHAPES: readonly DetectorDefinition[] = Object.values(DETECTOR_DEFINITIONS).filter((definition) => definition.highConfidence)

const NO_CONTEXT: DetectorContext = {
  isSecretKey: () => false,
  classifyTextKey: () => undefined,
  censor: '',
}

export interface LeakCheckResult {
  readonly text: string
  /** Shapes found, one entry per span. Empty when the text was clean. */
  readonly hits: readonly DetectorName[]
}

/** Shapes the leak check runs, in order; a caller may skip some of them by index. */
export const LEAK_CHECK_SHAPES: readonly DetectorName[] = LEAK_SHAPES.map((shape) => shape.name)

/**
 * Scans `text` (a serialized JSON line) and redacts what it finds. Spans never cross a JSON string
 * boundary: the shapes contain no quotes, and PEM blocks stop at the closing quote. `skip[i]`
 * true leaves out shape i, for a caller that knows the text cannot contain its anchor.
 */
export function leakCheck(text: string, censor: string, spans: SpanList = new SpanList(), skip?: readonly boolean[]): LeakCheckResult {
  spans.clear()
  for (let index = 0; index < LEAK_SHAPES.length; index++) {
    if (skip?.[index] === true) continue
    const shape = LEAK_SHAPES[index] as DetectorDefinition
    if (shape.name === 'pem_private_key') findPemPrivateKeys(text, index, spans, true)
    else shape.find(text, index, spans, NO_CONTEXT)
  }
  if (spans.size === 0) return { text, hits: [] }
  const merged = spans.merged((index) => index)
  const hits = merged.map((span) => (LEAK_SHAPES[span.rule] as DetectorDefinition).name)
  return { text: replaceSpans(text, merged, () => censor), hits }
}
