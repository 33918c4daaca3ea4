/**
 * Generators of JSON texts for the fast path's tests: valid JSON with random whitespace and
 * escapes, the same texts mutated, exhaustive lists of edge cases and single-character edits,
 * and texts with planted prefilter fragments and non-ASCII characters.
 */
import fc from 'fast-check'

/** What the fast path must match: JSON.parse accepts the text and returns a plain object. */
export function parsesToObject(text: string): boolean {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return false
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Whitespace JSON allows between tokens, plus none. */
const JSON_WHITESPACE = ['', '', '', ' ', '  ', '\t', '\r', '\n', ' \r\n ']

/** Pieces that contain prefilter fragments or break a byte scan: secrets, key names, escapes, digit runs, non-ASCII. */
const PLANTED = [
  'sk-', 'sk-2HCjUU0K0muNZy1l5XF4NaX7', 'Bearer ', 'Bearer abc.def', '"authorization":', '"Authorization" :', 'authorization=', 'api_key', '"api-key":', 'ldtask_', 'ldtask_0odp8vefuo7jc9',
  '1234567890123456', '0000000000000000000', '\\u', '\\u0073k-', '\\\\u', 'mt-9sIQr3GsMfPled0lLQ', '"error":', 'password: ', '%5f', '%2D', 'AKIA', 'eyJhbGciOi',
  '\u00e9', '\u20ac', '\u{1f600}', '\u2028', '\u00e9sk-', 's\u00e9k-', '\u212aey', '\u00a0Bearer ',
  '\tBearer xasrpuycdwyllwebvyaxunpxwcnn', 'Bearer\txasrpuycdwyllwebvyaxunpxwcnn', '\nredis://:pw@10.0.0.1:6379', 'api_key\t=opaque123',
]

/**
 * String contents: ASCII, controls, non-ASCII, U+2028, a BOM, lone surrogates, and now and then a
 * planted piece, so that valid objects also carry fragments.
 */
const stringUnit = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '-', '_', ':', ',', '{', '}', '[', ']', '"', '\\', '/') },
  { weight: 2, arbitrary: fc.constantFrom('\u0000', '\u0008', '\t', '\n', '\r', '\u001f', '\u007f') },
  { weight: 2, arbitrary: fc.constantFrom('\u00e9', '\u20ac', '\u{1f600}', '\u2028', '\u2029', '\ufeff', '\u00a0', '\ud800', '\udfff') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) },
  { weight: 1, arbitrary: fc.constantFrom(...PLANTED) },
)

/** Writes `value` as a JSON string literal, each character raw or escaped in a way `styles` picks. */
function stringLiteral(value: string, styles: readonly number[]): string {
  let literal = '"'
  let index = 0
  for (const char of value) {
    const code = char.charCodeAt(0)
    const style = styles.length === 0 ? 0 : (styles[index++ % styles.length] as number)
    const mustEscape = code < 0x20 || char === '"' || char === '\\'
    if (style === 1 || (mustEscape && style === 0)) {
      const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '/': '\\/' }
      literal += short[char] ?? unicodeEscapes(char, false)
    } else if (style === 2 || mustEscape) {
      literal += unicodeEscapes(char, style === 3)
    } else {
      literal += char
    }
  }
  return literal + '"'
}

function unicodeEscapes(char: string, upper: boolean): string {
  let escaped = ''
  for (let index = 0; index < char.length; index++) {
    const hex = char.charCodeAt(index).toString(16).padStart(4, '0')
    escaped += '\\u' + (upper ? hex.toUpperCase() : hex)
  }
  return escaped
}

/** Number texts of the JSON grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. */
const numberText = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.tuple(fc.integer({ min: 1, max: 9 }), fc.stringMatching(/^[0-9]{0,20}$/)).map(([first, rest]) => `${first}${rest}`)),
    fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,4}$/)), { nil: undefined }),
  )
  .map(([negative, integer, fraction, exponent]) => `${negative ? '-' : ''}${integer}${fraction === undefined ? '' : '.' + fraction}${exponent === undefined ? '' : exponent.join('')}`)

/** A JSON text as pieces: scalars, arrays and objects, with random whitespace and escapes. */
interface Formatting {
  readonly spaces: readonly string[]
  readonly styles: readonly number[]
}

type Node =
  | { readonly kind: 'scalar'; readonly text: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'array'; readonly items: readonly Node[] }
  | { readonly kind: 'object'; readonly entries: readonly (readonly [string, Node])[] }

const stringValue = fc.array(stringUnit, { maxLength: 12 }).map((units) => units.join(''))
const nodeArbitrary: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(numberText, fc.constantFrom('true', 'false', 'null')).map((text): Node => ({ kind: 'scalar', text })),
    stringValue.map((value): Node => ({ kind: 'string', value })),
    fc.array(tie('node'), { maxLength: 4 }).map((items): Node => ({ kind: 'array', items })),
    fc.array(fc.tuple(stringValue, tie('node')), { maxLength: 4 }).map((entries): Node => ({ kind: 'object', entries })),
  ),
})).node
const objectNode = fc.array(fc.tuple(stringValue, nodeArbitrary), { maxLength: 5 }).map((entries): Node => ({ kind: 'object', entries }))
const formatting = fc.record({
  spaces: fc.array(fc.constantFrom(...JSON_WHITESPACE), { minLength: 1, maxLength: 8 }),
  // Style 0 writes a character raw where JSON allows it; 1 to 3 escape it.
  styles: fc.array(fc.constantFrom(0, 0, 0, 0, 1, 2, 3), { maxLength: 6 }),
})

function render(node: Node, format: Formatting): string {
  let position = 0
  const space = (): string => format.spaces[position++ % format.spaces.length] as string
  const write = (current: Node): string => {
    switch (current.kind) {
      case 'scalar':
        return current.text
      case 'string':
        return stringLiteral(current.value, format.styles)
      case 'array':
        return `[${space()}${current.items.map((item) => write(item)).join(`${space()},${space()}`)}${space()}]`
      case 'object':
        return `{${space()}${current.entries.map(([key, value]) => `${stringLiteral(key, format.styles)}${space()}:${space()}${write(value)}`).join(`${space()},${space()}`)}${space()}}`
    }
  }
  return `${space()}${write(node)}${space()}`
}

/** Valid JSON texts: mostly objects at the top, also arrays and scalars. */
export const validText = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(objectNode, formatting).map(([node, format]) => render(node, format)) },
  { weight: 1, arbitrary: fc.tuple(nodeArbitrary, formatting).map(([node, format]) => render(node, format)) },
)

/** Characters that matter to the JSON grammar, and some it rejects outside strings. */
const SIGNIFICANT = [...'{}[]",:\\-+.eE0123456789tfnulrsaxX/ \t\r\n', '\u0000', '\u001f', '\u007f', '\u00a0', '\u2028', '\ufeff', '\u00e9', '\ud800']

/**
 * One edit: at a fraction of the text, or next to an occurrence of an anchor character (a
 * comma before a `}`, a digit deleted from a `\u` escape), which random positions rarely hit.
 */
interface Mutation {
  readonly kind: 'delete' | 'insert' | 'replace' | 'truncate'
  readonly at: number
  readonly anchor: string | undefined
  readonly shift: number
  readonly text: string
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'insert', 'replace', 'truncate'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  anchor: fc.option(fc.constantFrom(...'{}[]",:\\.eE-0'), { nil: undefined }),
  shift: fc.integer({ min: -1, max: 5 }),
  text: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...SIGNIFICANT) }, { weight: 1, arbitrary: fc.constantFrom(...'{}[]",:') }),
})

function mutationIndex(text: string, change: Mutation): number {
  const fallback = Math.min(Math.floor(change.at * (text.length + 1)), text.length)
  if (change.anchor === undefined) return fallback
  const positions: number[] = []
  for (let index = text.indexOf(change.anchor); index !== -1; index = text.indexOf(change.anchor, index + 1)) positions.push(index)
  if (positions.length === 0) return fallback
  const position = positions[Math.min(Math.floor(change.at * positions.length), positions.length - 1)] as number
  return Math.max(0, Math.min(position + change.shift, text.length))
}

function mutate(text: string, change: Mutation): string {
  const at = mutationIndex(text, change)
  switch (change.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + 1)
    case 'insert':
      return text.slice(0, at) + change.text + text.slice(at)
    case 'replace':
      return text.slice(0, at) + change.text + text.slice(at + 1)
    case 'truncate':
      return text.slice(0, at)
  }
}

function insertAt(text: string, piece: string, at: number): string {
  const index = Math.min(Math.floor(at * (text.length + 1)), text.length)
  return text.slice(0, index) + piece + text.slice(index)
}

/** JSON tokens and near misses, for short token sequences inside braces: `{"k":1e,0}`, `{"k":[1,]}`. */
const TOKENS = ['"k"', '"\\u00e9"', '"\\u00e"', '"\\"', '"', ':', ',', ' ', '0', '1', '-', '01', '1.', '.5', '1e', '1e5', '-0', 'e', '+', 'true', 'tru', 'null', 'nulll', '[', ']', '{', '}']
const tokenText = fc.array(fc.constantFrom(...TOKENS), { maxLength: 7 }).map((tokens) => `{${tokens.join('')}}`)

export const mutatedText = fc.oneof(
  tokenText,
  fc.tuple(validText, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([text, changes]) => changes.reduce(mutate, text)),
  // Two values in one line: `{"a":1}{"b":2}`, `{"a":1} 2`, `{} []`.
  fc.tuple(validText, fc.constantFrom('', ' ', '\r', '\n'), validText).map(([first, between, second]) => first + between + second),
)

/** Values at the edge of the grammar: numbers, literals, escapes, short containers. */
const EDGE_VALUES = [
  '-0', '0', '-', '01', '-01', '00', '1.', '.5', '-.5', '1.e5', '1e', '1e+', '1E-', '1e5', '1E+05', '0e0', '0.0e-0', '1.5e', '+1', '0x10', '1_000', 'Infinity', 'NaN', '-Infinity',
  'tru', 'true', 'truee', 'True', 'nul', 'null', 'nulll', 'fals', 'false', 'falsee', 'undefined', "'a'", '"a"', '"a', 'a"',
  '"\\u00e9"', '"\\u00E9"', '"\\u00g9"', '"\\u00"', '"\\u"', '"\\uD800"', '"\\udc00\\ud800"', '"\\x41"', '"\\a"', '"\\\'"', '"\\/"', '"\\"', '"\\\\"',
  '"\u2028"', '"\u2029"', '"\ud800"', '"\udfff"', '"\u{1f600}"', '"\u0000"', '"\u001f"', '"\u007f"', '"\t"', '"\n"',
  '[]', '[1,]', '[,1]', '[1 2]', '{}', '{,}', '{"a"}', '{"a":}', '{"a" 1}', '[[]]', '[}', '{]',
]
/** Valid values whose prefixes, one-character deletions and insertions of a grammar character are all tried. */
const EDIT_SEEDS = ['-0.5e+10', '10.25E-3', '0', 'true', 'false', 'null', '"\\u00e9x\\n"', '[1,[2]]', '{"a":{"b":1},"c":2}']
const EDIT_CHARACTERS = [...',.eE+-0 "\\:[]{}']

function edits(seed: string): string[] {
  const texts: string[] = []
  for (let index = 0; index <= seed.length; index++) {
    texts.push(seed.slice(0, index))
    texts.push(seed.slice(0, index) + seed.slice(index + 1))
    for (const char of EDIT_CHARACTERS) texts.push(seed.slice(0, index) + char + seed.slice(index))
  }
  return texts
}

/** Returns every string of up to three characters over a number's alphabet: `-.`, `0e`, `1.e`, `+1`, `01`. */
function shortNumberTexts(): string[] {
  let texts = ['']
  const all: string[] = []
  for (let length = 1; length <= 3; length++) {
    texts = texts.flatMap((text) => [...'-01.e+'].map((char) => text + char))
    all.push(...texts)
  }
  return all
}

/** Places for a value: in an object, in an array, before another member, as a key, at the top. */
const VALUE_TEMPLATES = ['{"k":%}', '{"k":[%]}', '{"k":[1,%]}', '{"k":%,"j":0}', '{"k":%0}', '{"k": % }', '%', '{"%":1}', '{%:1}', '[%]']
export const EDGE_TEXTS = [...new Set([...EDGE_VALUES, ...EDIT_SEEDS.flatMap(edits), ...shortNumberTexts()].flatMap((value) => VALUE_TEMPLATES.map((template) => template.replace('%', value))))]
const edgeText = fc.constantFrom(...EDGE_TEXTS)

/** Compact objects in which every character is replaced by, and preceded by, every ASCII character and some others. */
const SINGLE_EDIT_SEEDS = ['{"k":[1,{"j":true}],"m":"v\\n"}', '{"a":-1.5e+3,"b":[0,null,false]}', ' { "a" : {} } ']
export const SINGLE_EDIT_TEXTS = SINGLE_EDIT_SEEDS.flatMap((seed) => {
  const replacements = [...Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)), '\u00a0', '\u00e9', '\u2028', '\ufeff', '\ud800']
  const texts: string[] = []
  for (let index = 0; index <= seed.length; index++) {
    for (const char of replacements) {
      texts.push(seed.slice(0, index) + char + seed.slice(index))
      if (index < seed.length) texts.push(seed.slice(0, index) + char + seed.slice(index + 1))
    }
  }
  return texts
})

/** A text with one or more planted pieces at random positions. */
export const plantedText = fc.tuple(fc.oneof(validText, mutatedText), fc.array(fc.tuple(fc.constantFrom(...PLANTED), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 3 })).map(([text, pieces]) =>
  pieces.reduce((current, [piece, at]) => insertAt(current, piece, at), text),
)

export const anyText = fc.oneof(validText, mutatedText, edgeText, plantedText)

/** Texts whose UTF-16 is well formed, so that Buffer.from(text) decodes back to the same text. */
export const wellFormedText = anyText.map((text) => text.replace(/[\ud800-\udfff]/gu, '\ufffd'))

/** Object text nested `depth` containers deep (the top object counts), alternating objects and arrays. */
export function nested(depth: number): string {
  let open = '{"a":'
  let close = '}'
  for (let level = 2; level <= depth; level++) {
    const object = level % 2 === 1
    open += object ? '{"k":' : '['
    close = (object ? '}' : ']') + close
  }
  return `${open}1${close}`
}
