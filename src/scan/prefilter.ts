/**
 * The raw-line prefilter: one pass over a line's characters that reports which rules could
 * possibly fire on it, as a bit mask. A line whose mask is 0 needs no rewrite; most production
 * lines are like that.
 *
 * It is a DFA over literal fragments (the multi-pattern matching of Aho-Corasick, built by
 * subset construction). Letters are case-folded (ASCII only, like key-name matching) and all
 * digits are one character class. Fragments
 * taken from key-name rules also skip `_` and `-` between any two characters, because key-name
 * matching ignores those separators: the fragment "apikey" is found in "api_key", "API-KEY" and
 * "apiKey".
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
  /** Skip `_` and `-` inside the fragment (fragments of key-name rules). */
  readonly skipSeparators: boolean
}

export interface Prefilter {
  /** Bit mask of the fragments found in `text`. */
  scan(text: string): number
  /** States built so far (for tests and diagnostics). */
  readonly stateCount: number
}

const UNDERSCORE = 95
const HYPHEN = 45
const UNKNOWN = -1
/** Fragments longer than this are cut; a prefix of a fragment is still sound, only less selective. */
const MAX_FRAGMENT_LENGTH = 255

export function buildPrefilter(fragments: readonly Fragment[]): Prefilter {
  return new LazyDfa(fragments.filter((fragment) => fragment.text.length > 0))
}

class LazyDfa implements Prefilter {
  /** Character class of each UTF-16 code unit; 0 is "a character no fragment contains". */
  private readonly classOf = new Uint16Array(65536)
  private readonly classCount: number
  private readonly separatorClasses: ReadonlySet<number>
  private readonly fragmentClasses: readonly (readonly number[])[]
  private readonly fragmentBits: readonly number[]
  private readonly fragmentSkips: readonly boolean[]
  /** For each class, the NFA states (fragment, 1) of fragments that start with it. */
  private readonly startsByClass: readonly (readonly number[])[]

  private readonly stateIds = new Map<string, number>()
  private readonly stateSets: number[][] = []
  /** Row length of the transition table: one column per character class, then the output bits. */
  private readonly stride: number
  private table: Int32Array

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
    this.fragmentClasses = fragments.map((fragment) =>
      Array.from(fragment.text.slice(0, MAX_FRAGMENT_LENGTH), (char) => classFor(char.charCodeAt(0))),
    )
    this.separatorClasses = new Set([classFor(UNDERSCORE), classFor(HYPHEN)])
    this.classCount = classCount
    this.fragmentBits = fragments.map((fragment) => fragment.bits)
    this.fragmentSkips = fragments.map((fragment) => fragment.skipSeparators)

    const starts: number[][] = Array.from({ length: classCount }, () => [])
    for (const [fragment, classes] of this.fragmentClasses.entries()) {
      ;(starts[classes[0] as number] as number[]).push(encode(fragment, 1))
    }
    this.startsByClass = starts
    this.stride = classCount + 1
    this.table = new Int32Array(64 * this.stride).fill(UNKNOWN)
    this.intern([])
  }

  get stateCount(): number {
    return this.stateSets.length
  }

  scan(text: string): number {
    const classOf = this.classOf
    const outputColumn = this.classCount
    let table = this.table
    // `offset` is the row of the current state: state * stride. Rows hold the next state's row
    // per character class, then the state's output bits in the last column.
    let offset = 0
    let mask = 0
    for (let index = 0; index < text.length; index++) {
      const symbol = classOf[text.charCodeAt(index)] as number
      let next = table[offset + symbol] as number
      if (next === UNKNOWN) {
        next = this.buildTransition(offset / this.stride, symbol) * this.stride
        table = this.table
      }
      offset = next
      mask |= table[offset + outputColumn] as number
    }
    return mask
  }

  /** Computes, caches and returns the transition of `state` on `symbol`. */
  private buildTransition(state: number, symbol: number): number {
    const next = new Set<number>(this.startsByClass[symbol])
    const isSeparator = this.separatorClasses.has(symbol)
    for (const nfaState of this.stateSets[state] as number[]) {
      const fragment = nfaState >>> 8
      const length = nfaState & 0xff
      const classes = this.fragmentClasses[fragment] as readonly number[]
      if (length === classes.length) continue
      if (classes[length] === symbol) next.add(encode(fragment, length + 1))
      else if (isSeparator && this.fragmentSkips[fragment]) next.add(nfaState)
    }
    const target = this.intern([...next].sort((a, b) => a - b))
    this.table[state * this.stride + symbol] = target * this.stride
    return target
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
      if ((nfaState & 0xff) === (this.fragmentClasses[fragment] as readonly number[]).length) output |= this.fragmentBits[fragment] as number
    }
    this.table[id * this.stride + this.classCount] = output
    return id
  }

  private ensureCapacity(states: number): void {
    if (this.table.length >= states * this.stride) return
    const table = new Int32Array(Math.max(states, (this.table.length / this.stride) * 2) * this.stride).fill(UNKNOWN)
    table.set(this.table)
    this.table = table
  }
}

/** NFA state: (fragment, characters matched so far), packed into one integer. */
function encode(fragment: number, length: number): number {
  return (fragment << 8) | length
}
