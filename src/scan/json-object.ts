/**
 * A table-driven check that a text is exactly one JSON object (RFC 8259, what JSON.parse
 * accepts, with an object at the top). The prefilter runs it in the same pass as the fragment
 * scan, so that a line no rule can touch is written out without JSON.parse: on this project's
 * benchmark corpus, parsing cost about as much as the scan itself.
 *
 * The automaton reads one character per step from a table of `state x 256` entries: UTF-8 bytes,
 * or UTF-16 code units with every unit above 127 read as 128. The nesting of objects and arrays
 * is the only part that is not regular; the caller keeps it on a stack. To keep stack work to the
 * four bracket characters, every state inside a container exists twice, once for an object and
 * once for an array, so that a comma or a closing bracket needs no look at the stack.
 *
 * Entries are the next state's row offset (state * 256), or one of the negative events below.
 * A false "not an object" only sends a line to JSON.parse; a false "object" would let a line
 * that is not JSON out unchanged, so the table follows the grammar exactly, and a test compares
 * it with JSON.parse on generated and mutated texts.
 */

/** The text is not JSON (or not an object at the top). */
export const JSON_INVALID = -1
/** `{` where a value may start: push an object, continue in OBJECT_FIRST. */
export const JSON_OPEN_OBJECT = -2
/** `[` where a value may start: push an array, continue in ARRAY_FIRST. */
export const JSON_OPEN_ARRAY = -3
/** A closing bracket that matches the innermost container: pop, continue after a value. */
export const JSON_CLOSE = -4

/** Containers deeper than this make the check give up (the line then goes to JSON.parse). */
export const JSON_MAX_DEPTH = 512
export const CONTAINER_OBJECT = 0
export const CONTAINER_ARRAY = 1

const WHITESPACE = ' \t\n\r'
const DIGITS = '0123456789'
const HEX = '0123456789abcdefABCDEF'
const ESCAPES = '"\\/bfnrt'

let stateCount = 0
const newState = (): number => stateCount++

const START = newState()
const END = newState()
const OBJECT_FIRST = newState() // after `{`: a key or `}`
const OBJECT_KEY = newState() // after `,` in an object: a key
const KEY = newState()
const KEY_ESCAPE = newState()
const KEY_HEX = [newState(), newState(), newState(), newState()]
const COLON = newState()

/** The states of one value and what follows it, inside one kind of container. */
interface ValueStates {
  readonly value: number
  readonly after: number
  readonly string: number
  readonly escape: number
  readonly hex: readonly number[]
  readonly minus: number
  readonly zero: number
  readonly integer: number
  readonly dot: number
  readonly fraction: number
  readonly exponentMark: number
  readonly exponentSign: number
  readonly exponent: number
  /** One state per letter read of `true`, `false` and `null`, by literal. */
  readonly literals: ReadonlyMap<string, readonly number[]>
}

const LITERALS = ['true', 'false', 'null']

function valueStates(): ValueStates {
  return {
    value: newState(),
    after: newState(),
    string: newState(),
    escape: newState(),
    hex: [newState(), newState(), newState(), newState()],
    minus: newState(),
    zero: newState(),
    integer: newState(),
    dot: newState(),
    fraction: newState(),
    exponentMark: newState(),
    exponentSign: newState(),
    exponent: newState(),
    literals: new Map(LITERALS.map((literal) => [literal, Array.from({ length: literal.length - 1 }, newState)])),
  }
}

const IN_OBJECT = valueStates()
const IN_ARRAY = valueStates()
const ARRAY_FIRST = newState() // after `[`: a value or `]`

export const JSON_STATE_COUNT = stateCount
export const JSON_START = START * 256
export const JSON_END = END * 256
export const JSON_OBJECT_FIRST = OBJECT_FIRST * 256
export const JSON_ARRAY_FIRST = ARRAY_FIRST * 256
export const JSON_AFTER_OBJECT_VALUE = IN_OBJECT.after * 256
export const JSON_AFTER_ARRAY_VALUE = IN_ARRAY.after * 256

function buildTable(): Int16Array {
  const table = new Int16Array(stateCount * 256).fill(JSON_INVALID)
  const set = (state: number, chars: string, next: number): void => {
    for (const char of chars) table[state * 256 + char.charCodeAt(0)] = next < 0 ? next : next * 256
  }
  /** Any character of a string: printable ASCII except `"` and `\`, and every byte or unit above 127. */
  const setStringBody = (state: number): void => {
    for (let code = 0x20; code < 256; code++) if (code !== 0x22 && code !== 0x5c) table[state * 256 + code] = state * 256
  }
  const setString = (string: number, escape: number, hex: readonly number[], close: number): void => {
    setStringBody(string)
    set(string, '"', close)
    set(string, '\\', escape)
    set(escape, ESCAPES, string)
    set(escape, 'u', hex[0] as number)
    for (let index = 0; index < 4; index++) set(hex[index] as number, HEX, index === 3 ? string : (hex[index + 1] as number))
  }

  set(START, WHITESPACE, START)
  set(START, '{', JSON_OPEN_OBJECT)
  set(END, WHITESPACE, END)

  set(OBJECT_FIRST, WHITESPACE, OBJECT_FIRST)
  set(OBJECT_FIRST, '"', KEY)
  set(OBJECT_FIRST, '}', JSON_CLOSE)
  set(OBJECT_KEY, WHITESPACE, OBJECT_KEY)
  set(OBJECT_KEY, '"', KEY)
  setString(KEY, KEY_ESCAPE, KEY_HEX, COLON)
  set(COLON, WHITESPACE, COLON)
  set(COLON, ':', IN_OBJECT.value)

  const setValues = (states: ValueStates, valueStart: number, next: number, close: string): void => {
    set(valueStart, WHITESPACE, valueStart)
    set(valueStart, '"', states.string)
    set(valueStart, '{', JSON_OPEN_OBJECT)
    set(valueStart, '[', JSON_OPEN_ARRAY)
    set(valueStart, '-', states.minus)
    set(valueStart, '0', states.zero)
    set(valueStart, '123456789', states.integer)
    for (const [literal, letters] of states.literals) {
      set(valueStart, literal.charAt(0), letters[0] as number)
      for (let index = 0; index < letters.length; index++) {
        set(letters[index] as number, literal.charAt(index + 1), index === letters.length - 1 ? states.after : (letters[index + 1] as number))
      }
    }
    setString(states.string, states.escape, states.hex, states.after)
    set(states.minus, '0', states.zero)
    set(states.minus, '123456789', states.integer)
    set(states.integer, DIGITS, states.integer)
    for (const state of [states.zero, states.integer]) {
      set(state, '.', states.dot)
      set(state, 'eE', states.exponentMark)
    }
    set(states.dot, DIGITS, states.fraction)
    set(states.fraction, DIGITS, states.fraction)
    set(states.fraction, 'eE', states.exponentMark)
    set(states.exponentMark, '+-', states.exponentSign)
    set(states.exponentMark, DIGITS, states.exponent)
    set(states.exponentSign, DIGITS, states.exponent)
    set(states.exponent, DIGITS, states.exponent)
    // A value ends at whitespace, a comma or the container's closing bracket; a number ends only there.
    for (const state of [states.after, states.zero, states.integer, states.fraction, states.exponent]) {
      set(state, WHITESPACE, states.after)
      set(state, ',', next)
      set(state, close, JSON_CLOSE)
    }
  }
  setValues(IN_OBJECT, IN_OBJECT.value, OBJECT_KEY, '}')
  setValues(IN_ARRAY, IN_ARRAY.value, IN_ARRAY.value, ']')
  // After `[`: whatever may start a value in an array, or the `]` of an empty array.
  for (let code = 0; code < 256; code++) table[ARRAY_FIRST * 256 + code] = table[IN_ARRAY.value * 256 + code] as number
  set(ARRAY_FIRST, ']', JSON_CLOSE)
  set(ARRAY_FIRST, WHITESPACE, ARRAY_FIRST)
  return table
}

/** The transition table: entry `state + character` (state is a row offset, a multiple of 256). */
export const JSON_OBJECT_TABLE: Int16Array = buildTable()

/**
 * Reference use of the table, one character at a time (tests; the prefilter inlines the same
 * steps into its scan loop). True when `text` is exactly one JSON object.
 */
export function isJsonObjectText(text: string): boolean {
  const stack = new Uint8Array(JSON_MAX_DEPTH)
  let depth = 0
  let state = JSON_START
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    let next = JSON_OBJECT_TABLE[state + (code < 128 ? code : 128)] as number
    if (next < 0) {
      next = jsonEvent(next, stack, depth)
      if (next === JSON_INVALID) return false
      depth += next === JSON_OBJECT_FIRST || next === JSON_ARRAY_FIRST ? 1 : -1
    }
    state = next
  }
  return state === JSON_END
}

/**
 * Applies an event to the container stack (the caller changes its depth by +1 for an opening
 * bracket and -1 for a closing one) and returns the next state, or JSON_INVALID.
 */
export function jsonEvent(event: number, stack: Uint8Array, depth: number): number {
  if (event === JSON_OPEN_OBJECT || event === JSON_OPEN_ARRAY) {
    if (depth === JSON_MAX_DEPTH) return JSON_INVALID
    const object = event === JSON_OPEN_OBJECT
    stack[depth] = object ? CONTAINER_OBJECT : CONTAINER_ARRAY
    return object ? JSON_OBJECT_FIRST : JSON_ARRAY_FIRST
  }
  if (event === JSON_CLOSE) {
    if (depth === 1) return JSON_END
    return stack[depth - 2] === CONTAINER_OBJECT ? JSON_AFTER_OBJECT_VALUE : JSON_AFTER_ARRAY_VALUE
  }
  return JSON_INVALID
}

/**
 * Characters the table cannot tell apart (identical columns) share a class: 0 to 255 are bytes
 * or code units, and every unit above 127 reads as 128.
 */
export const JSON_CLASS_OF: Uint8Array = (() => {
  const classes = new Uint8Array(256)
  const ids = new Map<string, number>()
  for (let code = 0; code < 256; code++) {
    const column: number[] = []
    for (let state = 0; state < stateCount; state++) column.push(JSON_OBJECT_TABLE[state * 256 + code] as number)
    const key = column.join(',')
    let id = ids.get(key)
    if (id === undefined) {
      id = ids.size
      ids.set(key, id)
    }
    classes[code] = id
  }
  return classes
})()
