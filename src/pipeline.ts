/**
 * The pipeline: the only module that orders the stages. It owns each record while stages change
 * it, and it owns the counters.
 *
 *   raw line ─► prefilter mask and JSON object check (one pass)
 *     ├─ mask 0, one JSON object ─────────────────────────────────────────────────────► raw bytes out
 *     └─► parse ─┬─ mask 0 ─────────────────────────────────────────────────────────────► raw bytes out
 *                ├─► drop_line ─► walk (drop, collect, redact) ─► normalize
 *                │     ─► walk the block ─► serialize ─► leak check ─► out
 *                └─ not a JSON object, too long, too deep, invalid UTF-8, stage failure
 *                     ─► text path (every detector over the text, wrapped) ─► leak check ─► out
 *
 * A line that no rule can touch is written byte for byte without being parsed (and, through
 * processBytes, without being decoded), and so is one whose only change is the
 * normalized block, which is appended to the raw bytes. Anything else is re-serialized.
 */
import { dataMessages } from './errors.js'
import type { CompiledRule, CompiledRules } from './rules/compile.js'
import type { PathSegment } from './rules/paths.js'
import { IDENTIFIER_FIELDS, type Action } from './rules/schema.js'
import type { NormalizedBlock } from './normalized-schema.js'
import { emptySummary, increment, type Summary } from './summary.js'
import { setOwn } from './stages/actions.js'
import { LEAK_CHECK_SHAPES, leakCheck } from './stages/leak-check.js'
import { DepthExceeded, LineState, type HitTarget, type KeyPathSegment } from './stages/line-state.js'
import { buildNormalizedBlock, type NormalizeReport } from './stages/normalize.js'
import { parseLine, serializeJson, type UnparsedReason } from './stages/parse.js'
import { CUT_MARKER, decodeAsciiEscapes, trimCutTail, wrapText, type UnparsedDetails } from './stages/text-path.js'
import { RecordWalker } from './stages/walk.js'

/** Facts the framing layer found about a line before the pipeline receives it. */
export interface LineFlags {
  /** The line held bytes that are not UTF-8; the decoder replaced them with U+FFFD. */
  readonly invalidUtf8?: boolean
  /** The line was longer than the limit and was cut; its size in bytes before the cut. */
  readonly originalBytes?: number
  readonly keptBytes?: number
  /**
   * The prefilter mask, when the caller has already scanned the line's bytes (processBytes).
   * Only set on lines that were scanned whole and decoded without change.
   */
  readonly prefilterMask?: number
}

/**
 * One rule hit, as report mode delivers it. It never carries the matched value: only where it
 * was and how long it was.
 */
export interface RuleHit {
  /** The rule id, or `leak-check/<shape>` for a secret the leak check found after every rule ran. */
  readonly ruleId: string
  readonly action: Action
  /**
   * Key path from the record root (numbers are array indexes). A JSON document inside a string
   * continues the path of the string's key. Empty for the text path and for whole-line hits.
   * Each key has been through redactText, so a key that is itself a secret appears redacted.
   */
  readonly path: readonly KeyPathSegment[]
  readonly target: HitTarget
  /** Length of the matched text in UTF-16 code units; -1 when it was not a string (an object, say). */
  readonly chars: number
}

export type WarningKind = 'unparsed' | 'too_long' | 'internal_error' | 'leak_check'

/** The stage a line is in, named by the warning when a stage throws. */
type Stage = 'prefilter' | 'parse' | 'walk' | 'normalize' | 'serialize' | 'leak_check' | 'text_path'

export interface PipelineOptions {
  /** Receives data warnings (already rate-limited); they never contain log content. */
  readonly onWarning?: (message: string) => void
  /** Warnings per kind before further ones are only counted. */
  readonly warningLimit?: number
  /**
   * Receives each normalized block after redaction (for metrics such as responses per status
   * class or tasks past their SLA). It must not keep or log identifier values as labels.
   */
  readonly onNormalized?: (block: NormalizedBlock) => void
  /**
   * Report mode: receives every rule hit of a line, in walk order, after processLine has finished
   * the line and before it returns. Without it the walk does not track key paths.
   */
  readonly onRuleHit?: (hit: RuleHit) => void
  /**
   * Skip the prefilter and run every rule on every line. The output must be the same; tests use
   * this to check that the prefilter never hides a line from a rule.
   */
  readonly disablePrefilter?: boolean
}

interface PendingHit {
  readonly ruleIndex: number
  readonly path: KeyPathSegment[]
  readonly target: HitTarget
  readonly chars: number
}

/** Distinct keys whose redacted form report mode keeps, so a repeated key is redacted once. */
const KEY_CACHE_LIMIT = 10_000

const ALL_BITS = 0x7fffffff

export class Pipeline {
  readonly rules: CompiledRules
  readonly summary: Summary = emptySummary()
  private readonly line: LineState
  private readonly walker: RecordWalker
  private readonly emptyLineRule: CompiledRule | undefined
  private readonly lineMatchRules: readonly CompiledRule[]
  private readonly onWarning: ((message: string) => void) | undefined
  private readonly onNormalized: ((block: NormalizedBlock) => void) | undefined
  private readonly warningLimit: number
  private readonly warningCounts = new Map<WarningKind, number>()
  private readonly usePrefilter: boolean
  /** processBytes may scan bytes instead of text (see Prefilter.bytesMatchText). */
  private readonly scansBytes: boolean
  // Results of the batch scan in processByteLines, by line index.
  private batchMasks = new Int32Array(0)
  private batchObjects = new Uint8Array(0)
  private batchEligible = new Uint8Array(0)
  /**
   * Per leak-check shape, the bit of the enabled rule that uses the same detector, or 0. A shape
   * whose rule bit is not in a line's mask cannot occur in its output (output text comes from
   * the input, the censor, stubs and fingerprints), so the leak check skips it for that line.
   */
  private readonly leakShapeBits: readonly number[]
  private readonly leakSkips: boolean[]
  private readonly onRuleHit: ((hit: RuleHit) => void) | undefined
  private readonly pendingHits: PendingHit[] = []
  private readonly pendingLineHits: RuleHit[] = []
  private readonly redactedKeys = new Map<string, string>()
  private stage: Stage = 'prefilter'

  constructor(rules: CompiledRules, options: PipelineOptions = {}) {
    this.rules = rules
    this.line = new LineState(rules.rules.length)
    this.walker = new RecordWalker(rules, this.line)
    this.emptyLineRule = rules.lineRules.find((rule) => rule.kind === 'empty_line')
    this.lineMatchRules = rules.lineRules.filter((rule) => rule.kind !== 'empty_line')
    this.onWarning = options.onWarning
    this.onNormalized = options.onNormalized
    this.warningLimit = options.warningLimit ?? 20
    this.usePrefilter = options.disablePrefilter !== true
    this.scansBytes = this.usePrefilter && rules.prefilter.bytesMatchText
    const censorHasAnchor = /sk-|mt-|eyj|bearer|basic|aiza|akia|asia|-----begin/i.test(rules.censor)
    this.leakShapeBits = LEAK_CHECK_SHAPES.map((shape) => {
      const rule = rules.valueRules.find((candidate) => candidate.detector?.name === shape)
      return rule === undefined || censorHasAnchor ? 0 : rule.bit
    })
    this.leakSkips = LEAK_CHECK_SHAPES.map(() => false)
    this.onRuleHit = options.onRuleHit
    if (this.onRuleHit !== undefined) {
      const line = this.line
      const path: KeyPathSegment[] = []
      line.path = path
      line.onHit = (ruleIndex, target, chars) => this.pendingHits.push({ ruleIndex, path: path.slice(), target, chars })
    }
  }

  /**
   * Filters one line (without its line ending). Returns the output line without a line ending,
   * or null when a drop_line rule removed it. Never throws on data.
   */
  processLine(raw: string, flags?: LineFlags): string | null {
    const summary = this.summary
    summary.lines_in++
    let output: string | null
    try {
      output = this.processUnchecked(raw, flags)
    } catch (error) {
      output = this.failClosed(raw, error)
    }
    if (output !== null) summary.lines_out++
    if (this.onRuleHit !== undefined) this.deliverHits(this.onRuleHit)
    return output
  }

  /**
   * processLine for a line given as its UTF-8 bytes (without the line ending), as the CLI reads
   * it. A line no rule can touch that is one JSON object comes back as the same Buffer and is
   * never decoded. Any other line is decoded and goes through processLine, which reuses the mask
   * of the byte scan. The bytes must be valid UTF-8 unless `flags` marks them as invalid.
   */
  processBytes(bytes: Buffer, flags?: LineFlags): Buffer | string | null {
    if (flags !== undefined || !this.scansBytes) return this.processLine(bytes.toString('utf8'), flags)
    const prefilter = this.rules.prefilter
    let mask: number
    try {
      mask = prefilter.scanBytes(bytes, 0, bytes.length) | this.rules.alwaysBits
    } catch {
      // processLine scans the text again, and fails closed if that throws too.
      return this.processLine(bytes.toString('utf8'))
    }
    return this.afterByteScan(bytes, mask, prefilter.lineIsObject)
  }

  /**
   * processBytes for the lines of a batch, in order, passing each output that is not null to
   * `emit`. The lines without flags are scanned together first (Prefilter.scanLines).
   */
  processByteLines(lines: readonly Buffer[], flags: readonly (LineFlags | undefined)[], emit: (output: Buffer | string) => void): void {
    const count = lines.length
    if (!this.scansBytes || count < 2) {
      for (let index = 0; index < count; index++) {
        const output = this.processBytes(lines[index] as Buffer, flags[index])
        if (output !== null) emit(output)
      }
      return
    }
    if (this.batchMasks.length < count) {
      this.batchMasks = new Int32Array(count * 2)
      this.batchObjects = new Uint8Array(count * 2)
      this.batchEligible = new Uint8Array(count * 2)
    }
    const eligible = this.batchEligible
    for (let index = 0; index < count; index++) eligible[index] = flags[index] === undefined ? 1 : 0
    try {
      this.rules.prefilter.scanLines(lines, eligible.subarray(0, count), this.batchMasks, this.batchObjects)
    } catch {
      // processBytes scans each line again, and processLine fails closed if that throws too.
      eligible.fill(0, 0, count)
    }
    const alwaysBits = this.rules.alwaysBits
    for (let index = 0; index < count; index++) {
      const line = lines[index] as Buffer
      const output =
        eligible[index] === 1
          ? this.afterByteScan(line, (this.batchMasks[index] as number) | alwaysBits, this.batchObjects[index] === 1)
          : this.processBytes(line, flags[index])
      if (output !== null) emit(output)
    }
  }

  private afterByteScan(bytes: Buffer, mask: number, isObject: boolean): Buffer | string | null {
    if (mask === 0 && isObject && this.lineMatchRules.length === 0) {
      this.summary.lines_in++
      this.summary.lines_out++
      return bytes
    }
    return this.processLine(bytes.toString('utf8'), { prefilterMask: mask })
  }

  /**
   * Redacts free text with every value detector, as the text path does, then runs the leak check.
   * Nothing is counted. Call it between lines, never while processLine runs.
   */
  redactText(text: string): string {
    const line = this.line
    const onHit = line.onHit
    line.onHit = undefined
    try {
      line.reset(ALL_BITS)
      line.classifyKeys = true
      line.collect = false
      const redacted = this.walker.scanString(text, true, 0) as string
      return leakCheck(redacted, this.rules.censor, line.spans).text
    } finally {
      line.reset(0)
      line.onHit = onHit
    }
  }

  private processUnchecked(input: string, flags: LineFlags | undefined): string | null {
    let raw = input
    const rules = this.rules
    this.stage = 'prefilter'
    const originalBytes = flags?.originalBytes
    if (originalBytes !== undefined) {
      this.warn('too_long', () => dataMessages.tooLong(this.summary.lines_in, originalBytes, flags?.keptBytes ?? raw.length))
      const kept = trimCutTail(raw)
      return this.textPath(kept + CUT_MARKER, { reason: 'too_long', originalBytes, keptBytes: flags?.keptBytes ?? kept.length })
    }
    if (flags?.invalidUtf8) return this.unparsed(raw, 'invalid_utf8')
    // A byte-order mark (files saved by some Windows tools) would make the line non-JSON.
    if (raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1)

    if (isBlank(raw)) {
      if (this.emptyLineRule !== undefined) {
        this.dropLine(this.emptyLineRule)
        return null
      }
      return this.textPath(raw, { reason: 'empty' })
    }

    let mask = ALL_BITS
    let checkedObject = false
    if (flags?.prefilterMask !== undefined) {
      mask = flags.prefilterMask
    } else if (this.usePrefilter) {
      mask = rules.prefilter.scanLine(raw) | rules.alwaysBits
      checkedObject = mask === 0 && rules.prefilter.lineIsObject
    }
    // No rule can fire and the line is a JSON object: it goes out as it came in, unparsed.
    if (checkedObject && this.lineMatchRules.length === 0) return raw
    for (const rule of this.lineMatchRules) {
      if (rule.kind !== 'pattern') continue
      const pattern = rule.pattern as RegExp
      pattern.lastIndex = 0
      if (pattern.test(raw)) {
        this.dropLine(rule)
        return null
      }
    }

    this.stage = 'parse'
    const parsed = parseLine(raw, (mask & rules.longNumberBit) !== 0)
    if (!parsed.ok) return this.unparsed(raw, parsed.reason)
    // No rule can fire: the line goes out as it came in.
    if (mask === 0 && this.lineMatchRules.length === 0) return raw

    const record = parsed.record
    for (const rule of this.lineMatchRules) {
      if (rule.kind === 'paths' && rule.paths.some((path) => pathExists(record, path))) {
        this.dropLine(rule)
        return null
      }
    }

    const line = this.line
    line.reset(mask)
    line.classifyKeys = (mask & rules.classifyBits) !== 0
    const normalize = rules.normalize
    line.collect = normalize.enabled && (mask & rules.normalizeBit) !== 0
    this.stage = 'walk'
    try {
      this.walker.walkRecord(record)
    } catch (error) {
      if (error instanceof DepthExceeded) return this.unparsed(raw, 'too_deep')
      throw error
    }
    const recordChanged = line.changed

    this.stage = 'normalize'
    const report: NormalizeReport = { invalid: {}, conflicts: [] }
    const block = line.collect ? buildNormalizedBlock(record, line.candidates, rules, report) : undefined
    if (block !== undefined) {
      line.collect = false
      this.walker.walkRootChild(normalize.key, block as Record<string, unknown>)
      this.onNormalized?.(block)
    }

    this.stage = 'serialize'
    let output: string
    const existing = Object.hasOwn(record, normalize.key) ? record[normalize.key] : undefined
    const rawIsSafe = !recordChanged && (mask & ~rules.normalizeBit) === 0
    const unchanged = rawIsSafe && block === undefined
    if (unchanged) {
      output = raw
    } else if (rawIsSafe && existing === undefined && block !== undefined) {
      output = appendToRawObject(raw, normalize.key, JSON.stringify(block), Object.keys(record).length > 0)
    } else {
      if (block !== undefined) mergeBlock(record, normalize.key, block as Record<string, unknown>)
      output = serializeJson(record, parsed.exactNumbers)
    }
    if (!unchanged && (mask & rules.leakCheckBit) !== 0) {
      this.stage = 'leak_check'
      output = this.checkLeaks(output)
    }
    // Counted once the output exists, so that a line that fails closed is not counted twice.
    this.countNormalize(block, report)
    this.countRuleHits()
    return output
  }

  /** Text path for a line that is not a JSON object. */
  private unparsed(raw: string, reason: UnparsedReason): string {
    this.warn('unparsed', () => dataMessages.unparsed(this.summary.lines_in, Buffer.byteLength(raw), reason))
    // Truncated JSON was cut somewhere upstream: like a line cut at the size limit, its last token
    // may be the start of a secret that no detector recognizes once cut.
    return this.textPath(reason === 'truncated' ? trimCutTail(raw) : raw, { reason })
  }

  private textPath(text: string, details: UnparsedDetails): string {
    this.stage = 'text_path'
    increment(this.summary.unparsed, details.reason)
    // Hits from a walk that gave up (too deep, a stage failure) would be reported twice.
    this.pendingHits.length = 0
    const line = this.line
    line.reset(ALL_BITS)
    line.classifyKeys = true
    line.collect = false
    const redacted = this.walker.scanString(decodeAsciiEscapes(text), true, 0) as string
    this.countRuleHits()
    return this.checkLeaks(wrapText(redacted, details))
  }

  /** Writes a line on which a stage threw (a bug) through the text path, never raw. */
  private failClosed(raw: string, error: unknown): string {
    this.summary.internal_errors++
    const stage = this.stage
    // Only the error's class: its message could quote the line.
    const errorName = error instanceof Error ? error.name : typeof error
    this.warn('internal_error', () => dataMessages.internalError(this.summary.lines_in, Buffer.byteLength(raw), stage, errorName))
    try {
      return this.textPath(raw, { reason: 'internal_error' })
    } catch {
      // The text path failed too, after counting the line as unparsed. The record written
      // instead states the reason and contains nothing of the line.
      this.pendingHits.length = 0
      return wrapText('', { reason: 'internal_error' })
    }
  }

  private checkLeaks(output: string): string {
    const mask = this.line.mask
    for (let index = 0; index < this.leakShapeBits.length; index++) {
      const bit = this.leakShapeBits[index] as number
      this.leakSkips[index] = bit !== 0 && (mask & bit) === 0
    }
    const result = leakCheck(output, this.rules.censor, this.line.spans, this.leakSkips)
    if (result.hits.length === 0) return output
    for (const shape of result.hits) {
      increment(this.summary.leak_check_hits, shape)
      this.warn('leak_check', () => dataMessages.leakCheckHit(this.summary.lines_in, shape))
      if (this.onRuleHit !== undefined) this.pendingLineHits.push({ ruleId: `leak-check/${shape}`, action: 'redact', path: [], target: 'line', chars: -1 })
    }
    return result.text
  }

  private dropLine(rule: CompiledRule): void {
    increment(this.summary.lines_dropped, rule.id)
    if (this.onRuleHit !== undefined) this.pendingLineHits.push({ ruleId: rule.id, action: rule.action, path: [], target: 'line', chars: -1 })
  }

  /** Report mode: hands the line's hits to the listener, with every key in their paths redacted. */
  private deliverHits(listener: (hit: RuleHit) => void): void {
    const pending = this.pendingHits.splice(0)
    const lineHits = this.pendingLineHits.splice(0)
    for (const hit of pending) {
      const rule = this.rules.rules[hit.ruleIndex] as CompiledRule
      const path = hit.path.map((segment) => (typeof segment === 'string' ? this.redactKey(segment) : segment))
      listener({ ruleId: rule.id, action: rule.action, path, target: hit.target, chars: hit.chars })
    }
    for (const hit of lineHits) listener(hit)
  }

  private redactKey(key: string): string {
    let redacted = this.redactedKeys.get(key)
    if (redacted === undefined) {
      redacted = this.redactText(key)
      if (this.redactedKeys.size >= KEY_CACHE_LIMIT) this.redactedKeys.clear()
      this.redactedKeys.set(key, redacted)
    }
    return redacted
  }

  private countRuleHits(): void {
    const line = this.line
    const summary = this.summary
    for (const index of line.touchedRules) {
      const id = (this.rules.rules[index] as CompiledRule).id
      const hits = line.ruleHits[index] as number
      const drops = line.ruleDrops[index] as number
      if (hits > 0) increment(summary.redactions, id, hits)
      if (drops > 0) increment(summary.drops, id, drops)
    }
    line.clearRuleCounts()
  }

  private countNormalize(block: Record<string, unknown> | undefined, report: NormalizeReport): void {
    const summary = this.summary
    for (const [field, count] of Object.entries(report.invalid)) increment(summary.invalid_identifiers, field, count)
    for (const field of report.conflicts) increment(summary.identifier_conflicts, field)
    if (block === undefined) return
    for (const field of IDENTIFIER_FIELDS) if (block[field] !== undefined) increment(summary.normalized, field)
  }

  /** Passes a warning on unless its kind is over the limit; `message` is built only when it is passed on. */
  private warn(kind: WarningKind, message: () => string): void {
    if (this.onWarning === undefined) return
    const count = (this.warningCounts.get(kind) ?? 0) + 1
    this.warningCounts.set(kind, count)
    if (count <= this.warningLimit) this.onWarning(message())
    else if (count === this.warningLimit + 1) this.onWarning(dataMessages.suppressed(kind))
  }
}

function isBlank(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code !== 32 && code !== 9 && code !== 13 && code !== 0xfeff) return false
  }
  return true
}

function pathExists(record: Record<string, unknown>, path: readonly PathSegment[]): boolean {
  let current: unknown = record
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return false
    if (segment.kind === 'wildcard') return true
    const key = segment.kind === 'key' ? segment.key : String(segment.index)
    if (!Object.hasOwn(current, key)) return false
    current = (current as Record<string, unknown>)[key]
  }
  return true
}

/** Inserts `"key":value` before the closing brace of a raw JSON object line, keeping every other byte. */
function appendToRawObject(raw: string, key: string, serializedValue: string, hasKeys: boolean): string {
  const close = raw.lastIndexOf('}')
  return `${raw.slice(0, close)}${hasKeys ? ',' : ''}${JSON.stringify(key)}:${serializedValue}${raw.slice(close)}`
}

/**
 * Writes the block into the record. An object the application put under the same key keeps its
 * other fields; a non-object value there moves to `<key>_app` so that nothing is lost.
 */
function mergeBlock(record: Record<string, unknown>, key: string, block: Record<string, unknown>): void {
  const existing = Object.hasOwn(record, key) ? record[key] : undefined
  if (existing !== null && typeof existing === 'object' && !Array.isArray(existing)) {
    for (const field of Object.keys(block)) setOwn(existing as Record<string, unknown>, field, block[field])
    return
  }
  if (existing !== undefined) setOwn(record, `${key}_app`, existing)
  setOwn(record, key, block)
}
