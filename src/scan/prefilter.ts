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
  /** States built so far (for tests and diagnostics). */
  readonly stateCount: number
}

const UNKNOWN = -1
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
  }

  /** The state a scan starts in. */
  private readonly startState: number

  get stateCount(): number {
    return this.stateSets.length
  }

  scan(text: string): number {
    const classOf = this.classOf
    let table = this.table
    // Table entries are (row offset of the next state) << 1, plus 1 when that state reports
    // output bits: one load and one rarely taken branch per character. UNKNOWN is odd too.
    let offset = this.startState * this.stride
    let mask = this.outputs[this.startState] as number
    for (let index = 0; index < text.length; index++) {
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
