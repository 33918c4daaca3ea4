/**
 * Per-line working state, owned by the pipeline and reused for every line so that the stages
 * allocate as little as possible. Stages record what fired here (rule indexes and counts, never values).
 */
import type { IdentifierField } from '../rules/schema.js'
import { SpanList } from '../detectors/spans.js'

export interface IdentifierCandidate {
  readonly field: IdentifierField
  readonly value: string
  /** Found under a `req` or `request` object: the caller's side, such as a gateway's X-Request-ID. */
  readonly fromRequest: boolean
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
  /** Values or spans replaced per rule index during this line. */
  readonly ruleHits: Int32Array
  /** Keys deleted per rule index during this line. */
  readonly ruleDrops: Int32Array
  /** Rule indexes with a non-zero entry in ruleHits or ruleDrops, to reset them cheaply. */
  readonly touchedRules: number[] = []
  readonly candidates: IdentifierCandidate[] = []
  readonly spans = new SpanList()
  /** Nesting of JSON documents inside strings, to bound it. */
  jsonInStringDepth = 0
  /** How many `req`/`request` objects the walk is inside. */
  requestDepth = 0

  constructor(ruleCount: number) {
    this.ruleHits = new Int32Array(ruleCount)
    this.ruleDrops = new Int32Array(ruleCount)
  }

  reset(mask: number): void {
    this.mask = mask
    this.changed = false
    this.clearRuleCounts()
    this.candidates.length = 0
    this.jsonInStringDepth = 0
    this.requestDepth = 0
  }

  /** Records that a rule replaced a value or a span. */
  hit(ruleIndex: number): void {
    if (this.ruleHits[ruleIndex] === 0 && this.ruleDrops[ruleIndex] === 0) this.touchedRules.push(ruleIndex)
    this.ruleHits[ruleIndex] = (this.ruleHits[ruleIndex] as number) + 1
    this.changed = true
  }

  /** Records that a rule deleted a key or an array element. */
  dropped(ruleIndex: number): void {
    if (this.ruleHits[ruleIndex] === 0 && this.ruleDrops[ruleIndex] === 0) this.touchedRules.push(ruleIndex)
    this.ruleDrops[ruleIndex] = (this.ruleDrops[ruleIndex] as number) + 1
    this.changed = true
  }

  clearRuleCounts(): void {
    for (const index of this.touchedRules) {
      this.ruleHits[index] = 0
      this.ruleDrops[index] = 0
    }
    this.touchedRules.length = 0
  }
}
