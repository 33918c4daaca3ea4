/**
 * The raw-line prefilter: one pass over a line's characters that reports which rules could
 * possibly fire on it, as a bit mask. A line whose mask is 0 needs no parse and no
 * re-serialization; most production lines are like that.
 *
 * It is a DFA built at start-up from literal fragments (the multi-pattern matching of
 * Aho-Corasick, built by subset construction). Letters are case-folded. Fragments taken from
 * key-name rules also skip `_` and `-` between any two characters, because key-name matching
 * ignores those separators: the fragment "apikey" is found in "api_key", "API-KEY" and "apiKey".
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
  readonly stateCount: number
}

const UNDERSCORE = 95
const HYPHEN = 45

/** Builds the DFA. The number of states is bounded by `maxStates`; past it the build fails and the caller uses a fallback. */
export function buildPrefilter(fragments: readonly Fragment[], maxStates = 20_000): Prefilter {
  const usable = fragments.filter((fragment) => fragment.text.length > 0)

  // Character classes: every distinct character of the fragments, case-folded; class 0 is "other".
  const classOf = new Uint16Array(65536)
  let classCount = 1
  const classForCode = (code: number): number => {
    if (classOf[code] === 0) {
      classOf[code] = classCount
      // Fold ASCII letters only, like key-name matching does.
      if (code >= 97 && code <= 122) classOf[code - 32] = classCount
      classCount++
    }
    return classOf[code] as number
  }
  const fragmentClasses = usable.map((fragment) => Array.from(fragment.text, (char) => classForCode(char.charCodeAt(0))))
  const underscoreClass = classForCode(UNDERSCORE)
  const hyphenClass = classForCode(HYPHEN)

  // NFA state (fragment, matched length) is encoded as fragment * 256 + length; fragments are < 256 long.
  const encode = (fragment: number, length: number): number => fragment * 256 + length
  const stateIds = new Map<string, number>()
  const stateSets: number[][] = []
  const outputs: number[] = []
  const transitions: number[] = []

  const intern = (set: number[]): number => {
    const key = set.join(',')
    const known = stateIds.get(key)
    if (known !== undefined) return known
    const id = stateSets.length
    if (id >= maxStates) throw new Error(`prefilter DFA exceeds ${maxStates} states`)
    stateIds.set(key, id)
    stateSets.push(set)
    let output = 0
    for (const state of set) {
      const fragment = Math.floor(state / 256)
      const length = state % 256
      if (length === (fragmentClasses[fragment] as number[]).length) output |= (usable[fragment] as Fragment).bits
    }
    outputs.push(output)
    return id
  }

  intern([])
  for (let id = 0; id < stateSets.length; id++) {
    const set = stateSets[id] as number[]
    for (let symbol = 0; symbol < classCount; symbol++) {
      const next = new Set<number>()
      const advance = (fragment: number, length: number): void => {
        const classes = fragmentClasses[fragment] as number[]
        if (length < classes.length && classes[length] === symbol) next.add(encode(fragment, length + 1))
      }
      for (let fragment = 0; fragment < usable.length; fragment++) advance(fragment, 0)
      for (const state of set) {
        const fragment = Math.floor(state / 256)
        const length = state % 256
        const classes = fragmentClasses[fragment] as number[]
        if (length === classes.length) continue
        advance(fragment, length)
        const isSeparator = symbol === underscoreClass || symbol === hyphenClass
        if (isSeparator && length > 0 && (usable[fragment] as Fragment).skipSeparators) next.add(state)
      }
      transitions[id * classCount + symbol] = intern([...next].sort((a, b) => a - b))
    }
  }

  const table = Int32Array.from(transitions)
  const outputTable = Int32Array.from(outputs)
  const stride = classCount

  return {
    stateCount: stateSets.length,
    scan(text: string): number {
      let state = 0
      let mask = 0
      for (let index = 0; index < text.length; index++) {
        state = table[state * stride + (classOf[text.charCodeAt(index)] as number)] as number
        mask |= outputTable[state] as number
      }
      return mask
    },
  }
}
