/**
 * Per-line working state, owned by the pipeline and reused for every line so that the stages
 * allocate as little as possible. Stages record what fired here (rule indexes and counts, never values).
 */
import type { IdentifierField } from '../rules/schema.js'
import { SpanList } from '../detectors/spans.js'

/** Target of a rule hit: a whole value, a span of a string, an object key, or the whole line. */
export type HitTarget = 'value' | 'span' | 'key' | 'line'

/** One segment of a key path: an object key or an array index. */
export type KeyPathSegment = string | number

/** Receives each rule hit in report mode: the rule index, what it touched and the length of the matched text. */
export type HitListener = (ruleIndex: number, target: HitTarget, chars: number) => void

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
  /**
   * Report mode only (undefined otherwise, so a normal run pays one check per hit and per key):
   * the key path of the node being walked, and the listener that hit() calls.
   */
  path: KeyPathSegment[] | undefined
  onHit: HitListener | undefined
  /** Set by the walk while it scans an object key, so that hits report target "key". */
  inKey = false

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
    this.inKey = false
    if (this.path !== undefined) this.path.length = 0
  }

  /**
   * Records that a rule replaced a value or a span. `chars` is the length of the matched text,
   * or -1 when it is not a string.
   */
  hit(ruleIndex: number, target: HitTarget = 'value', chars = -1): void {
    if (this.ruleHits[ruleIndex] === 0 && this.ruleDrops[ruleIndex] === 0) this.touchedRules.push(ruleIndex)
    this.ruleHits[ruleIndex] = (this.ruleHits[ruleIndex] as number) + 1
    this.changed = true
    if (this.onHit !== undefined) this.onHit(ruleIndex, this.inKey ? 'key' : target, chars)
  }

  /** Report mode: sets the path to the first `depth - 1` segments of the current one plus `segment`. */
  enter(depth: number, segment: KeyPathSegment): void {
    const path = this.path
    if (path === undefined) return
    path.length = depth - 1
    path.push(segment)
  }

  /** Records that a rule deleted a key or an array element (or a key holding a matched string). */
  dropped(ruleIndex: number, target: HitTarget = 'value', chars = -1): void {
    if (this.ruleHits[ruleIndex] === 0 && this.ruleDrops[ruleIndex] === 0) this.touchedRules.push(ruleIndex)
    this.ruleDrops[ruleIndex] = (this.ruleDrops[ruleIndex] as number) + 1
    this.changed = true
    if (this.onHit !== undefined) this.onHit(ruleIndex, this.inKey ? 'key' : target, chars)
  }

  clearRuleCounts(): void {
    for (const index of this.touchedRules) {
      this.ruleHits[index] = 0
      this.ruleDrops[index] = 0
    }
    this.touchedRules.length = 0
  }
}
