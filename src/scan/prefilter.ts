/**
 * The raw-line prefilter: one pass over a line's characters that reports which rules could
 * possibly fire on it, as a bit mask. A line whose mask is 0 needs no rewrite; most production
 * lines are like that.
 *
 * It is a DFA over fragments (the multi-pattern matching of Aho-Corasick, built by subset
 * construction). A fragment is a literal, optionally preceded by a word boundary (a character
 * that is not an ASCII letter or digit) and optionally followed by one of a set of characters.
 * For example `token"` followed by `:` finds the JSON key `access_token` but neither
 * `max_tokens` nor the value "token". Letters are case-folded (ASCII only, like key-name
 * matching) and all digits are one character class.
 * A fragment may skip some characters after its first one: key-name words skip `_` and `-`,
 * because key-name matching ignores those separators ("apikey" is found in "api_key" and
 * "API-KEY"), and raw JSON keys skip the backslashes of any level of nesting in strings.
 *
 * Skipping separators multiplies the states (thousands for the default pack), so the DFA is
 * built lazily: a state's transition for a character class is computed the first time a line
 * needs it and cached. Start-up stays fast and real logs touch a small part of the automaton.
 *
 * Soundness is the contract: if a rule can fire on a line, the mask has that rule's bit. False
 * positives only cost time.
 */

import {
  CONTAINER_ARRAY,
  CONTAINER_OBJECT,
  JSON_AFTER_ARRAY_VALUE,
  JSON_AFTER_OBJECT_VALUE,
  JSON_ARRAY_FIRST,
  JSON_CLASS_OF,
  JSON_CLOSE,
  JSON_END,
  JSON_MAX_DEPTH,
  JSON_OBJECT_FIRST,
  JSON_OBJECT_TABLE,
  JSON_OPEN_ARRAY,
  JSON_OPEN_OBJECT,
  JSON_START,
  JSON_STATE_COUNT,
} from './json-object.js'

export interface Fragment {
  /** Lowercase literal. */
  readonly text: string
  /** Bits reported when the fragment is found. */
  readonly bits: number
  /**
   * Characters skipped anywhere after the fragment's first character: `_-` for key-name words
   * (matching ignores those separators), `\\` for keys inside JSON nested in strings.
   */
  readonly skip?: string
  /** The literal must not follow an ASCII letter or digit (or must start the text). */
  readonly wordStart?: boolean
  /** The literal must be followed by one of these characters (lowercase). */
  readonly followedBy?: string
}

export interface Prefilter {
  /** Bit mask of the fragments found in `text`. */
  scan(text: string): number
  /**
   * Like scan, and while the mask is 0 it also checks that the line is exactly one JSON object
   * (see json-object.ts); `lineIsObject` gives the result. A line with a mask of 0 that is an
   * object needs neither a parse nor a rewrite.
   */
  scanLine(text: string): number
  /**
   * scanLine over the UTF-8 bytes `start` to `end` of a line, so that a line that goes out
   * unchanged is never decoded. Only valid when `bytesMatchText` is true and the bytes are valid
   * UTF-8; gives the same mask as scanLine over the decoded text.
   */
  scanBytes(bytes: Uint8Array, start: number, end: number): number
  /** After scanLine or scanBytes returned 0: whether the line is one JSON object. */
  readonly lineIsObject: boolean
  /**
   * scanBytes over every line of a batch whose `eligible` entry is 1, writing each one's mask to
   * `masks` and 1 to `objects` when it is one JSON object. Two lines are scanned at a time, their
   * steps interleaved, which keeps more of the processor busy than one scan waiting on each
   * table load.
   */
  scanLines(lines: readonly Uint8Array[], eligible: Uint8Array, masks: Int32Array, objects: Uint8Array): void
  /**
   * Every fragment character is ASCII. Then every byte of a multi-byte UTF-8 character and every
   * code unit above 127 fall in class 0. Reading class 0 once or many times leaves the automaton
   * in the same state, so a byte scan and a text scan agree.
   */
  readonly bytesMatchText: boolean
  /** States built so far (for tests and diagnostics). */
  readonly stateCount: number
}

const UNKNOWN = -1
/**
 * Odd pair table entries, by their low three bits: SLOW always takes pairStep. The bracket entries
 * hold the next pair's row offset (opening) or the pair index (closing) above those bits.
 */
const SLOW = 1
const EMPTY = new Uint8Array(0)
const OPEN_OBJECT_ENTRY = 3
const OPEN_ARRAY_ENTRY = 5
const CLOSE_ENTRY = 7
/** Fragments longer than this are cut; a prefix of a fragment is still sound, only less selective. */
const MAX_FRAGMENT_LENGTH = 250

export function buildPrefilter(fragments: readonly Fragment[]): Prefilter {
  return new LazyDfa(fragments.filter((fragment) => fragment.text.length > 0))
}

/** One position of a fragment: the character classes it accepts. */
type Atom = Uint8Array

class LazyDfa implements Prefilter {
  /** Character class of each UTF-16 code unit; 0 is every character with no class of its own. */
  private readonly classOf = new Uint16Array(65536)
  private readonly classCount: number
  private readonly fragmentAtoms: readonly (readonly Atom[])[]
  private readonly fragmentBits: readonly number[]
  /** Per fragment, the classes it skips after its first atom (or undefined). */
  private readonly fragmentSkips: readonly (Atom | undefined)[]
  /** For each class, the NFA states (fragment, 1) of fragments whose first atom accepts it. */
  private readonly startsByClass: readonly (readonly number[])[]

  private readonly stateIds = new Map<string, number>()
  private readonly stateSets: number[][] = []
  /** Row length of the transition table: one column per character class. */
  private readonly stride: number
  private table: Int32Array
  /** Output bits of each state. */
  private outputs = new Int32Array(64)

  constructor(fragments: readonly Fragment[]) {
    let classCount = 1
    const classFor = (code: number): number => {
      if (this.classOf[code] === 0) {
        this.classOf[code] = classCount
        if (code >= 97 && code <= 122) this.classOf[code - 32] = classCount
        // All digits share one class, so that "0000000000000000" finds any run of 16 digits.
        // Folding only widens what a fragment matches, which keeps the prefilter sound.
        if (code >= 48 && code <= 57) for (let digit = 48; digit <= 57; digit++) this.classOf[digit] = classCount
        classCount++
      }
      return this.classOf[code] as number
    }
    // Letters and digits get classes of their own, so that class 0 and the punctuation classes
    // are exactly the word-boundary characters.
    const wordClasses: number[] = [classFor(48)]
    for (let code = 97; code <= 122; code++) wordClasses.push(classFor(code))
    for (const fragment of fragments) {
      for (const char of fragment.text.slice(0, MAX_FRAGMENT_LENGTH)) classFor(char.charCodeAt(0))
      for (const char of fragment.followedBy ?? '') classFor(char.charCodeAt(0))
      for (const char of fragment.skip ?? '') classFor(char.charCodeAt(0))
    }
    this.classCount = classCount
    this.bytesMatchText = fragments.every((fragment) => isAscii(fragment.text + (fragment.followedBy ?? '') + (fragment.skip ?? '')))

    const wordBoundary = new Uint8Array(classCount).fill(1)
    for (const wordClass of wordClasses) wordBoundary[wordClass] = 0
    const single = (symbol: number): Atom => {
      const atom = new Uint8Array(classCount)
      atom[symbol] = 1
      return atom
    }
    this.fragmentAtoms = fragments.map((fragment) => {
      const atoms: Atom[] = []
      if (fragment.wordStart) atoms.push(wordBoundary)
      for (const char of fragment.text.slice(0, MAX_FRAGMENT_LENGTH)) atoms.push(single(this.classOf[char.charCodeAt(0)] as number))
      if (fragment.followedBy !== undefined && fragment.followedBy.length > 0) {
        const follow = new Uint8Array(classCount)
        for (const char of fragment.followedBy) follow[this.classOf[char.charCodeAt(0)] as number] = 1
        atoms.push(follow)
      }
      return atoms
    })
    this.fragmentBits = fragments.map((fragment) => fragment.bits)
    this.fragmentSkips = fragments.map((fragment) => {
      if (fragment.skip === undefined || fragment.skip === '') return undefined
      const skipped = new Uint8Array(classCount)
      for (const char of fragment.skip) skipped[this.classOf[char.charCodeAt(0)] as number] = 1
      return skipped
    })

    const starts: number[][] = Array.from({ length: classCount }, () => [])
    for (const [fragment, atoms] of this.fragmentAtoms.entries()) {
      const first = atoms[0] as Atom
      for (let symbol = 0; symbol < classCount; symbol++) if (first[symbol] === 1) (starts[symbol] as number[]).push(encode(fragment, 1))
    }
    this.startsByClass = starts
    this.stride = classCount
    this.table = new Int32Array(64 * this.stride).fill(UNKNOWN)
    this.intern([])
    // The start of the text counts as a word boundary: scanning starts as if after a character
    // of class 0, which every word-boundary atom accepts.
    this.startState = this.intern(this.advance([], 0))
    this.startMask = this.outputs[this.startState] as number

    const pairClassIds = new Int32Array(classCount * 256).fill(-1)
    let pairClassCount = 0
    for (let code = 0; code < 65536; code++) {
      const key = (this.classOf[code] as number) * 256 + (JSON_CLASS_OF[code < 128 ? code : 128] as number)
      if (pairClassIds[key] === -1) pairClassIds[key] = pairClassCount++
      this.pairClassOf[code] = pairClassIds[key] as number
    }
    // Even, so that every row offset is even and a plain entry is the next offset itself.
    this.pairStride = pairClassCount + (pairClassCount & 1)
    this.pairTable = new Int32Array(64 * this.pairStride).fill(UNKNOWN)
    this.pairStart = this.pairOffset(this.startState * this.stride, JSON_START)
  }

  /** The state a scan starts in. */
  private readonly startState: number
  readonly bytesMatchText: boolean
  /** Per lane, whether its last line was one JSON object. */
  private readonly laneObjects = [false, false]
  private readonly startMask: number

  // The pair automaton: a fragment state and a JSON check state advanced by one table load per
  // character instead of two (measured 3.0 against 4.7 ns per byte on the benign corpus).
  // An even entry of its table is the next pair's row offset; odd ones are UNKNOWN, SLOW and
  // the bracket entries.
  /** Pair class of each code unit: its fragment class and its JSON class together. */
  private readonly pairClassOf = new Uint16Array(65536)
  private readonly pairStride: number
  private pairTable: Int32Array
  /** Per pair: the fragment state's row offset and the JSON state's row offset. */
  private pairFragment: Int32Array = new Int32Array(64)
  private pairJson: Int32Array = new Int32Array(64)
  /** Per pair whose state can close a container: the next pair at the end, in an object, in an array. */
  private closeTargets: Int32Array = new Int32Array(64 * 3)
  /** Row offset of each pair by (fragment state * JSON_STATE_COUNT + JSON state), or -1. */
  private pairSlots: Int32Array = new Int32Array(0)
  private pairCount = 0
  private readonly pairStart: number
  // Per lane (0 for a single line, 0 and 1 for scanTwoLines): the JSON check's container stack
  // and its depth, and where the fragment scan goes on once the JSON check is over.
  private readonly stacks = [new Uint8Array(JSON_MAX_DEPTH), new Uint8Array(JSON_MAX_DEPTH)]
  private readonly depths = new Int32Array(2)
  private readonly stopFragments = new Int32Array(2)
  private readonly stopMasks = new Int32Array(2)

  get stateCount(): number {
    return this.stateSets.length
  }

  scan(text: string): number {
    return this.scanTextFrom(text, 0, this.startState * this.stride, this.outputs[this.startState] as number)
  }

  get lineIsObject(): boolean {
    return this.laneObjects[0] as boolean
  }

  scanLine(text: string): number {
    this.laneObjects[0] = false
    if (this.startMask !== 0) return this.scan(text)
    const pairClassOf = this.pairClassOf
    let table = this.pairTable
    let offset = this.pairStart
    this.depths[0] = 0
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index)
      const entry = table[offset + (pairClassOf[code] as number)] as number
      if ((entry & 1) === 0) {
        offset = entry
        continue
      }
      offset = entry !== UNKNOWN && (entry & 6) !== 0 ? this.bracketStep(entry, 0) : this.pairStep(offset, code, entry, 0)
      if (offset < 0) return this.scanTextFrom(text, index + 1, this.stopFragments[0] as number, this.stopMasks[0] as number)
      table = this.pairTable
    }
    this.laneObjects[0] = this.pairJson[offset / this.pairStride] === JSON_END
    return 0
  }

  scanBytes(bytes: Uint8Array, start: number, end: number): number {
    this.laneObjects[0] = false
    if (this.startMask !== 0) return this.scanBytesFrom(bytes, start, end, this.startState * this.stride, this.startMask)
    this.depths[0] = 0
    return this.resumeBytes(bytes, start, end, this.pairStart, 0)
  }

  scanLines(lines: readonly Uint8Array[], eligible: Uint8Array, masks: Int32Array, objects: Uint8Array): void {
    let nextLine = 0
    const take = (): number => {
      while (nextLine < lines.length && eligible[nextLine] !== 1) nextLine++
      return nextLine < lines.length ? nextLine++ : -1
    }
    if (this.startMask !== 0) {
      for (let line = take(); line >= 0; line = take()) {
        masks[line] = this.scanBytesFrom(lines[line] as Uint8Array, 0, (lines[line] as Uint8Array).length, this.startState * this.stride, this.startMask)
        objects[line] = 0
      }
      return
    }
    const pairClassOf = this.pairClassOf
    const start = this.pairStart
    let table = this.pairTable
    // Lane A is lane 0 and lane B lane 1 of the per-lane state; each scans one line at a time
    // and takes the next eligible line when it is done.
    let lineA = take()
    let bytesA = lineA >= 0 ? (lines[lineA] as Uint8Array) : EMPTY
    let indexA = 0
    let offsetA = start
    let lineB = take()
    let bytesB = lineB >= 0 ? (lines[lineB] as Uint8Array) : EMPTY
    let indexB = 0
    let offsetB = start
    this.depths[0] = 0
    this.depths[1] = 0
    while (lineA >= 0 && lineB >= 0) {
      const steps = Math.min(bytesA.length - indexA, bytesB.length - indexB)
      let step = 0
      while (step < steps) {
        const byteA = bytesA[indexA + step] as number
        const byteB = bytesB[indexB + step] as number
        const entryA = table[offsetA + (pairClassOf[byteA] as number)] as number
        const entryB = table[offsetB + (pairClassOf[byteB] as number)] as number
        step++
        if (((entryA | entryB) & 1) === 0) {
          offsetA = entryA
          offsetB = entryB
          continue
        }
        offsetA = (entryA & 1) === 0 ? entryA : this.slowStep(offsetA, byteA, entryA, 0)
        offsetB = (entryB & 1) === 0 ? entryB : this.slowStep(offsetB, byteB, entryB, 1)
        table = this.pairTable
        if (offsetA < 0 || offsetB < 0) break
      }
      indexA += step
      indexB += step
      if (offsetA < 0 || indexA === bytesA.length) {
        masks[lineA] = this.finishLane(bytesA, indexA, offsetA, 0)
        objects[lineA] = this.laneObjects[0] ? 1 : 0
        lineA = take()
        bytesA = lineA >= 0 ? (lines[lineA] as Uint8Array) : EMPTY
        indexA = 0
        offsetA = start
        this.depths[0] = 0
      }
      if (offsetB < 0 || indexB === bytesB.length) {
        masks[lineB] = this.finishLane(bytesB, indexB, offsetB, 1)
        objects[lineB] = this.laneObjects[1] ? 1 : 0
        lineB = take()
        bytesB = lineB >= 0 ? (lines[lineB] as Uint8Array) : EMPTY
        indexB = 0
        offsetB = start
        this.depths[1] = 0
      }
    }
    // At most one lane still has a line; it finishes alone.
    if (lineA >= 0) {
      masks[lineA] = this.finishLane(bytesA, indexA, offsetA, 0)
      objects[lineA] = this.laneObjects[0] ? 1 : 0
    }
    if (lineB >= 0) {
      masks[lineB] = this.finishLane(bytesB, indexB, offsetB, 1)
      objects[lineB] = this.laneObjects[1] ? 1 : 0
    }
  }

  /** Scans the rest of a line of scanLines alone, from where its lane is. */
  private finishLane(bytes: Uint8Array, index: number, offset: number, lane: number): number {
    if (offset >= 0) return this.resumeBytes(bytes, index, bytes.length, offset, lane)
    this.laneObjects[lane] = false
    return this.scanBytesFrom(bytes, index, bytes.length, this.stopFragments[lane] as number, this.stopMasks[lane] as number)
  }

  /** Runs the pair scan of one lane from `index` at pair row `offset`, and sets the lane's object result. */
  private resumeBytes(bytes: Uint8Array, index: number, end: number, offset: number, lane: number): number {
    const pairClassOf = this.pairClassOf
    let table = this.pairTable
    this.laneObjects[lane] = false
    for (; index < end; index++) {
      const byte = bytes[index] as number
      const entry = table[offset + (pairClassOf[byte] as number)] as number
      if ((entry & 1) === 0) {
        offset = entry
        continue
      }
      offset = entry !== UNKNOWN && (entry & 6) !== 0 ? this.bracketStep(entry, lane) : this.pairStep(offset, byte, entry, lane)
      if (offset < 0) return this.scanBytesFrom(bytes, index + 1, end, this.stopFragments[lane] as number, this.stopMasks[lane] as number)
      table = this.pairTable
    }
    this.laneObjects[lane] = this.pairJson[offset / this.pairStride] === JSON_END
    return 0
  }

  /** Takes the step for an odd pair table entry: a bracket, or pairStep. */
  private slowStep(offset: number, code: number, entry: number, lane: number): number {
    return entry !== UNKNOWN && (entry & 6) !== 0 ? this.bracketStep(entry, lane) : this.pairStep(offset, code, entry, lane)
  }

  /**
   * Applies a bracket of the JSON check from its pair table entry. An opening one pushes its
   * container and a closing one pops and continues in the pair for the parent container (or the end).
   */
  private bracketStep(entry: number, lane: number): number {
    const depth = this.depths[lane] as number
    const tag = entry & 7
    if (tag === CLOSE_ENTRY) {
      this.depths[lane] = depth - 1
      const parent = depth === 1 ? 0 : (this.stacks[lane] as Uint8Array)[depth - 2] === CONTAINER_OBJECT ? 1 : 2
      return this.closeTargets[(entry >> 3) * 3 + parent] as number
    }
    const next = entry >> 3
    if (depth === JSON_MAX_DEPTH) return this.stop(lane, this.pairFragment[next / this.pairStride] as number, 0)
    ;(this.stacks[lane] as Uint8Array)[depth] = tag === OPEN_OBJECT_ENTRY ? CONTAINER_OBJECT : CONTAINER_ARRAY
    this.depths[lane] = depth + 1
    return next
  }

  /**
   * Takes a step of the pair automaton that its table does not hold yet, or one that always
   * needs this: a fragment found, or a character that is not JSON there. Returns the next pair's row
   * offset, or -1 when the JSON check of the lane is over (see stop). A byte above 127 reads as
   * 128, like a code unit above 127.
   */
  private pairStep(offset: number, code: number, entry: number, lane: number): number {
    const pair = offset / this.pairStride
    const cell = offset + (this.pairClassOf[code] as number)
    const symbol = this.classOf[code] as number
    let fragmentEntry = this.table[(this.pairFragment[pair] as number) + symbol] as number
    if (fragmentEntry === UNKNOWN) fragmentEntry = this.buildTransition((this.pairFragment[pair] as number) / this.stride, symbol)
    const fragment = fragmentEntry >> 1
    const output = this.outputs[fragment / this.stride] as number
    const json = JSON_OBJECT_TABLE[(this.pairJson[pair] as number) + (code < 128 ? code : 128)] as number
    if (output === 0 && json >= 0) {
      const next = this.pairOffset(fragment, json)
      this.pairTable[cell] = next
      return next
    }
    if (output === 0 && (json === JSON_OPEN_OBJECT || json === JSON_OPEN_ARRAY)) {
      const object = json === JSON_OPEN_OBJECT
      const next = this.pairOffset(fragment, object ? JSON_OBJECT_FIRST : JSON_ARRAY_FIRST)
      this.pairTable[cell] = (next << 3) | (object ? OPEN_OBJECT_ENTRY : OPEN_ARRAY_ENTRY)
      return this.bracketStep(this.pairTable[cell] as number, lane)
    }
    if (output === 0 && json === JSON_CLOSE) {
      const targets = [JSON_END, JSON_AFTER_OBJECT_VALUE, JSON_AFTER_ARRAY_VALUE].map((state) => this.pairOffset(fragment, state))
      this.closeTargets.set(targets, pair * 3)
      this.pairTable[cell] = (pair << 3) | CLOSE_ENTRY
      return this.bracketStep(this.pairTable[cell] as number, lane)
    }
    if (entry === UNKNOWN) this.pairTable[cell] = SLOW
    return this.stop(lane, fragment, output)
  }

  /** Ends the JSON check of a lane; its fragment scan goes on from `fragment` with `mask`. Returns -1. */
  private stop(lane: number, fragment: number, mask: number): number {
    this.stopFragments[lane] = fragment
    this.stopMasks[lane] = mask
    return -1
  }

  /** Row offset of the pair (fragment row offset, JSON row offset), created on first use. */
  private pairOffset(fragment: number, json: number): number {
    const slot = (fragment / this.stride) * JSON_STATE_COUNT + json / 256
    if (slot >= this.pairSlots.length) this.pairSlots = resized(this.pairSlots, Math.max(slot + 1, this.pairSlots.length * 2), -1)
    const known = this.pairSlots[slot] as number
    if (known >= 0) return known
    const pair = this.pairCount++
    const offset = pair * this.pairStride
    this.pairSlots[slot] = offset
    if (this.pairFragment.length <= pair) {
      const grown = pair * 2
      this.pairFragment = resized(this.pairFragment, grown, 0)
      this.pairJson = resized(this.pairJson, grown, 0)
      this.pairTable = resized(this.pairTable, grown * this.pairStride, UNKNOWN)
      this.closeTargets = resized(this.closeTargets, grown * 3, 0)
    }
    this.pairFragment[pair] = fragment
    this.pairJson[pair] = json
    return offset
  }

  /** Runs the fragment scan from `index` on, starting at row `offset` with `mask` found so far. */
  private scanTextFrom(text: string, index: number, offset: number, mask: number): number {
    const classOf = this.classOf
    let table = this.table
    // Table entries are (row offset of the next state) << 1, plus 1 when that state reports
    // output bits: one load and one rarely taken branch per character. UNKNOWN is odd too.
    for (; index < text.length; index++) {
      const entry = table[offset + (classOf[text.charCodeAt(index)] as number)] as number
      if ((entry & 1) === 0) {
        offset = entry >> 1
        continue
      }
      let next = entry
      if (next === UNKNOWN) {
        next = this.buildTransition(offset / this.stride, classOf[text.charCodeAt(index)] as number)
        table = this.table
      }
      offset = next >> 1
      mask |= this.outputs[offset / this.stride] as number
    }
    return mask
  }

  private scanBytesFrom(bytes: Uint8Array, index: number, end: number, offset: number, mask: number): number {
    const classOf = this.classOf
    let table = this.table
    for (; index < end; index++) {
      const entry = table[offset + (classOf[bytes[index] as number] as number)] as number
      if ((entry & 1) === 0) {
        offset = entry >> 1
        continue
      }
      let next = entry
      if (next === UNKNOWN) {
        next = this.buildTransition(offset / this.stride, classOf[bytes[index] as number] as number)
        table = this.table
      }
      offset = next >> 1
      mask |= this.outputs[offset / this.stride] as number
    }
    return mask
  }

  /** Returns the NFA states reached from `set` on `symbol`. */
  private advance(set: readonly number[], symbol: number): number[] {
    const next = new Set<number>(this.startsByClass[symbol])
    for (const nfaState of set) {
      const fragment = nfaState >>> 8
      const length = nfaState & 0xff
      const atoms = this.fragmentAtoms[fragment] as readonly Atom[]
      if (length === atoms.length) continue
      if ((atoms[length] as Atom)[symbol] === 1) next.add(encode(fragment, length + 1))
      if (length > 0 && this.fragmentSkips[fragment]?.[symbol] === 1) next.add(nfaState)
    }
    return [...next].sort((a, b) => a - b)
  }

  /** Computes, caches and returns the table entry for the transition of `state` on `symbol`. */
  private buildTransition(state: number, symbol: number): number {
    const target = this.intern(this.advance(this.stateSets[state] as number[], symbol))
    const entry = ((target * this.stride) << 1) | ((this.outputs[target] as number) === 0 ? 0 : 1)
    this.table[state * this.stride + symbol] = entry
    return entry
  }

  private intern(set: number[]): number {
    const key = set.join(',')
    const known = this.stateIds.get(key)
    if (known !== undefined) return known
    const id = this.stateSets.length
    this.stateIds.set(key, id)
    this.stateSets.push(set)
    this.ensureCapacity(id + 1)
    let output = 0
    for (const nfaState of set) {
      const fragment = nfaState >>> 8
      if ((nfaState & 0xff) === (this.fragmentAtoms[fragment] as readonly Atom[]).length) output |= this.fragmentBits[fragment] as number
    }
    this.outputs[id] = output
    return id
  }

  private ensureCapacity(states: number): void {
    if (this.outputs.length < states) {
      const outputs = new Int32Array(Math.max(states, this.outputs.length * 2))
      outputs.set(this.outputs)
      this.outputs = outputs
    }
    if (this.table.length >= states * this.stride) return
    const table = new Int32Array(Math.max(states, (this.table.length / this.stride) * 2) * this.stride).fill(UNKNOWN)
    table.set(this.table)
    this.table = table
  }
}

/** NFA state: (fragment, atoms matched so far), packed into one integer. */
function encode(fragment: number, length: number): number {
  return (fragment << 8) | length
}

function resized(array: Int32Array, length: number, fill: number): Int32Array {
  const grown = new Int32Array(length).fill(fill)
  grown.set(array)
  return grown
}

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) > 127) return false
  return true
}
