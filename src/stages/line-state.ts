/**
 * Per-line working state, owned by the pipeline and reused for every line so that the stages
 * allocate as little as possible. Stages record what fired here (rule indexes and counts, never values).
 */
import type { IdentifierField } from '../rules/schema.js'
import { SpanList } from '../detectors/spans.js'

export interface IdentifierCandidate {
  readonly field: IdentifierField
  readonly value: string
}

/** Thrown by the walk when a record nests deeper than MAX_DEPTH; the line takes the text path. */
export class DepthExceeded extends Error {
  constructor() {
    super('record nested too deeply')
    this.name = 'DepthExceeded'
  }
}

/** Deepest nesting of objects and arrays the walk follows (pino records rarely pass 20). */
export const MAX_DEPTH = 512

export class LineState {
  /** Prefilter mask of the raw line: which rules could fire. */
  mask = 0
  /** Classify object keys (key-name rules, paths, identifier sources). */
  classifyKeys = false
  /** Collect identifier candidates for normalization. */
  collect = false
  changed = false
  /** Hits per rule index during this line. */
  readonly ruleHits: Int32Array
  /** Rule indexes with a non-zero entry in ruleHits, to reset them cheaply. */
  readonly touchedRules: number[] = []
  readonly candidates: IdentifierCandidate[] = []
  readonly spans = new SpanList()
  /** Nesting of JSON documents inside strings, to bound it. */
  jsonInStringDepth = 0

  constructor(ruleCount: number) {
    this.ruleHits = new Int32Array(ruleCount)
  }

  reset(mask: number): void {
    this.mask = mask
    this.changed = false
    for (const index of this.touchedRules) this.ruleHits[index] = 0
    this.touchedRules.length = 0
    this.candidates.length = 0
    this.jsonInStringDepth = 0
  }

  hit(ruleIndex: number, count = 1): void {
    if (this.ruleHits[ruleIndex] === 0) this.touchedRules.push(ruleIndex)
    this.ruleHits[ruleIndex] = (this.ruleHits[ruleIndex] as number) + count
    this.changed = true
  }
}
