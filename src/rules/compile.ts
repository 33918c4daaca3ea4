/**
 * Compiles a validated rule set into the structures the per-line stages use: a key-name
 * classifier with a cache, path tries, the ordered value detectors, and the prefilter that
 * finds which rules can fire on a raw line. Everything here runs once at start-up.
 */
import { DETECTOR_DEFINITIONS, SEPARATORS, type Anchor, type DetectorContext, type DetectorDefinition } from '../detectors/index.js'
import type { TextKeyVerdict } from '../detectors/key-value.js'
import { buildPrefilter, type Fragment, type Prefilter } from '../scan/prefilter.js'
import { asciiLowerCase, compileKeyNamePattern, matchKeyNamePattern, normalizeKeyName, type KeyNamePattern } from './key-names.js'
import type { RuleSet } from './load.js'
import { parsePath, type PathSegment } from './paths.js'
import { IDENTIFIER_FIELDS, type Action, type HintSpec, type IdentifierField, type RuleSpec, type ValueType } from './schema.js'

/** Lower is stricter. When several rules match one value, the strictest wins, whatever their order. */
const STRICTNESS: Readonly<Record<Action, number>> = { drop_line: 0, drop: 1, redact: 2, hmac: 3, stub: 4, partial: 5 }

export type MatchKind = 'paths' | 'keys' | 'detector' | 'pattern' | 'empty_line'

export interface CompiledRule {
  readonly index: number
  readonly id: string
  readonly description: string
  readonly action: Action
  readonly kind: MatchKind
  readonly strictness: number
  readonly bit: number
  readonly stubKind: string
  readonly keepChars: number
  readonly cookie: boolean
  readonly types: ReadonlySet<ValueType> | undefined
  readonly unlessValueStartsWith: readonly string[] | undefined
  readonly keyPatterns: readonly KeyNamePattern[]
  readonly paths: readonly (readonly PathSegment[])[]
  readonly anywhere: boolean
  readonly detector: DetectorDefinition | undefined
  readonly pattern: RegExp | undefined
  /** Literals that every match of `pattern` contains (the rule's `contains`), for the prefilter. */
  readonly contains: readonly string[]
}

/** A node of a path trie. `rules` are the rules whose path ends here. */
export interface PathNode {
  readonly children: Map<string, PathNode>
  wildcard: PathNode | undefined
  readonly rules: CompiledRule[]
}

/** The rules that apply to one object key. */
export interface KeyClass {
  readonly normalized: string
  /** Key-name rules that match, strictest first; empty for protected keys. */
  readonly rules: readonly CompiledRule[]
  readonly identifier: IdentifierField | undefined
  /** Nodes of the any-depth path trie that this key enters. */
  readonly anywhere: readonly PathNode[]
}

export interface IdentifierFormat {
  readonly field: IdentifierField
  readonly format: RegExp
}

export interface NormalizeConfig {
  readonly enabled: boolean
  readonly key: string
  readonly hints: boolean
  readonly identifierKeys: ReadonlyMap<string, IdentifierField>
  readonly formats: Readonly<Record<IdentifierField, RegExp>>
  readonly jobIdPaths: readonly (readonly PathSegment[])[]
  readonly userIdPaths: readonly (readonly PathSegment[])[]
  readonly hintSpecs: readonly HintSpec[]
}

export interface CompiledRules {
  readonly censor: string
  readonly rules: readonly CompiledRule[]
  /** Detector and pattern rules, in rule order. */
  readonly valueRules: readonly CompiledRule[]
  readonly lineRules: readonly CompiledRule[]
  readonly rootPaths: PathNode | undefined
  readonly anywherePaths: PathNode | undefined
  readonly prefilter: Prefilter
  /** Bits of rules that no fragment can rule out; every line has them. */
  readonly alwaysBits: number
  /** Bits that make the walk classify every key (key-name rules, any-depth paths, normalization). */
  readonly classifyBits: number
  /** Bits of the detector and pattern rules: the walk scans strings when one is set. */
  readonly valueBits: number
  readonly normalizeBit: number
  readonly leakCheckBit: number
  readonly longNumberBit: number
  readonly normalize: NormalizeConfig
  readonly detectorContext: DetectorContext
  readonly hmacKey: Buffer | undefined
  keyClass(key: string): KeyClass
}

export interface CompileOptions {
  readonly hmacKey?: Buffer | undefined
}

const NORMALIZE_BIT = 1 << 30
/** Set when a raw line contains an anchor of a leak-check shape, whatever the rules contain. */
const LEAK_CHECK_BIT = 1 << 29
/** Set when a raw line has a run of 16 digits: a number JSON.parse might round. */
const LONG_NUMBER_BIT = 1 << 28
const RULE_BITS = 28
const KEY_CACHE_LIMIT = 50_000
const KEY_CACHE_MAX_KEY_LENGTH = 256


export function compileRules(ruleSet: RuleSet, options: CompileOptions = {}): CompiledRules {
  const rules = ruleSet.rules
    .filter((rule) => rule.enabled !== false)
    .map((rule, index) => compileRule(rule, index))

  const keyRules = rules.filter((rule) => rule.kind === 'keys')
  const valueRules = rules.filter((rule) => rule.kind === 'detector' || rule.kind === 'pattern')
  const lineRules = rules.filter((rule) => rule.action === 'drop_line')
  const protectedPatterns = ruleSet.protectedKeys.map(compileKeyNamePattern)

  const rootPaths = buildTrie(rules.filter((rule) => rule.kind === 'paths' && !rule.anywhere && rule.action !== 'drop_line'))
  const anywherePaths = buildTrie(rules.filter((rule) => rule.kind === 'paths' && rule.anywhere && rule.action !== 'drop_line'))

  const normalize = compileNormalize(ruleSet)
  const textKeyValueRule = valueRules.find((rule) => rule.detector?.name === 'text_key_value')

  const keyCache = new Map<string, KeyClass>()
  const classifyUncached = (key: string): KeyClass => {
    const normalized = normalizeKeyName(key)
    const isProtected = protectedPatterns.some((pattern) => matchKeyNamePattern(pattern, normalized))
    const matching = isProtected
      ? []
      : keyRules
          .filter((rule) => rule.keyPatterns.some((pattern) => matchKeyNamePattern(pattern, normalized)))
          .sort((a, b) => a.strictness - b.strictness || a.index - b.index)
    const anywhere: PathNode[] = []
    if (anywherePaths) {
      const child = anywherePaths.children.get(key)
      if (child) anywhere.push(child)
      if (anywherePaths.wildcard) anywhere.push(anywherePaths.wildcard)
    }
    return { normalized, rules: matching, identifier: normalize.identifierKeys.get(normalized), anywhere }
  }
  const keyClass = (key: string): KeyClass => {
    if (key.length > KEY_CACHE_MAX_KEY_LENGTH) return classifyUncached(key)
    let known = keyCache.get(key)
    if (known === undefined) {
      if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear()
      known = classifyUncached(key)
      keyCache.set(key, known)
    }
    return known
  }

  const textKeyCache = new Map<string, TextKeyVerdict | null>()
  const classifyTextKey = (name: string): TextKeyVerdict | undefined => {
    // A URL parameter name can be most of a line: long names are judged but not cached, so that
    // the cache's size stays bounded by its entry count times KEY_CACHE_MAX_KEY_LENGTH.
    const cacheable = name.length <= KEY_CACHE_MAX_KEY_LENGTH
    let verdict = cacheable ? textKeyCache.get(name) : undefined
    if (verdict === undefined) {
      // Rules with a value condition cannot be judged from a name alone, so they stay out of free text.
      const rule = keyClass(name).rules.find((candidate) => candidate.unlessValueStartsWith === undefined && candidate.action !== 'drop_line')
      verdict = rule === undefined ? null : { rule: rule.index, cookie: rule.cookie, types: rule.types }
      if (cacheable) {
        if (textKeyCache.size >= KEY_CACHE_LIMIT) textKeyCache.clear()
        textKeyCache.set(name, verdict)
      }
    }
    return verdict ?? undefined
  }
  const detectorContext: DetectorContext = {
    isSecretKey: (normalizedName) => classifyTextKey(normalizedName) !== undefined,
    classifyTextKey,
    censor: ruleSet.censor,
  }

  const { fragments, alwaysBits } = collectFragments(rules, keyRules, textKeyValueRule, normalize)
  const classifyBits = [...keyRules, ...rules.filter((rule) => rule.kind === 'paths' && rule.anywhere)].reduce(
    (bits, rule) => bits | rule.bit,
    normalize.enabled ? NORMALIZE_BIT : 0,
  )

  return {
    censor: ruleSet.censor,
    rules,
    valueRules,
    lineRules,
    rootPaths,
    anywherePaths,
    prefilter: buildPrefilter(fragments),
    alwaysBits,
    classifyBits,
    valueBits: valueRules.reduce((bits, rule) => bits | rule.bit, 0),
    normalizeBit: NORMALIZE_BIT,
    leakCheckBit: LEAK_CHECK_BIT,
    longNumberBit: LONG_NUMBER_BIT,
    normalize,
    detectorContext,
    hmacKey: options.hmacKey,
    keyClass,
  }
}

function compileRule(spec: RuleSpec, index: number): CompiledRule {
  const match = spec.match
  const kind: MatchKind =
    match.paths !== undefined ? 'paths'
      : match.keys !== undefined ? 'keys'
        : match.detector !== undefined ? 'detector'
          : match.pattern !== undefined ? 'pattern'
            : 'empty_line'
  return {
    index,
    id: spec.id,
    description: spec.description,
    action: spec.action,
    kind,
    strictness: STRICTNESS[spec.action],
    bit: 1 << (index % RULE_BITS),
    stubKind: spec.stub ?? 'prompt',
    keepChars: spec.keep_chars ?? 0,
    cookie: spec.format === 'cookie',
    types: match.types ? new Set(match.types) : undefined,
    unlessValueStartsWith: match.unless_value_starts_with,
    keyPatterns: (match.keys ?? []).map(compileKeyNamePattern),
    paths: (match.paths ?? []).map((path) => parsePath(path)),
    anywhere: match.anywhere === true,
    detector: match.detector ? DETECTOR_DEFINITIONS[match.detector] : undefined,
    pattern: match.pattern !== undefined ? new RegExp(match.pattern, `${match.flags ?? ''}g`) : undefined,
    contains: match.contains ?? [],
  }
}

function buildTrie(rules: readonly CompiledRule[]): PathNode | undefined {
  if (rules.length === 0) return undefined
  const root: PathNode = { children: new Map(), wildcard: undefined, rules: [] }
  for (const rule of rules) {
    for (const path of rule.paths) {
      let node = root
      for (const segment of path) {
        if (segment.kind === 'wildcard') {
          node.wildcard ??= { children: new Map(), wildcard: undefined, rules: [] }
          node = node.wildcard
          continue
        }
        const key = segment.kind === 'key' ? segment.key : String(segment.index)
        let child = node.children.get(key)
        if (!child) {
          child = { children: new Map(), wildcard: undefined, rules: [] }
          node.children.set(key, child)
        }
        node = child
      }
      if (!node.rules.includes(rule)) node.rules.push(rule)
    }
  }
  sortTrieRules(root)
  return root
}

function sortTrieRules(node: PathNode): void {
  node.rules.sort((a, b) => a.strictness - b.strictness || a.index - b.index)
  for (const child of node.children.values()) sortTrieRules(child)
  if (node.wildcard) sortTrieRules(node.wildcard)
}

function compileNormalize(ruleSet: RuleSet): NormalizeConfig {
  const spec = ruleSet.normalize
  const identifierKeys = new Map<string, IdentifierField>()
  const formats = {} as Record<IdentifierField, RegExp>
  for (const field of IDENTIFIER_FIELDS) {
    const source = spec.identifiers?.[field]
    formats[field] = new RegExp(source?.format ?? '^(?!)$')
    for (const key of source?.keys ?? []) identifierKeys.set(normalizeKeyName(key), field)
  }
  return {
    enabled: spec.enabled !== false,
    key: spec.key ?? 'tokenlab',
    hints: spec.hints !== false,
    identifierKeys,
    formats,
    jobIdPaths: (spec.job_id_paths ?? []).map((path) => parsePath(path)),
    userIdPaths: (spec.user_id_paths ?? []).map((path) => parsePath(path)),
    hintSpecs: ruleSet.hints,
  }
}

/** True for characters JSON may write as a two-character escape (quote, backslash, slash, controls). */
function isJsonShortEscaped(code: number): boolean {
  return code < 32 || code === 34 || code === 92 || code === 47
}

/**
 * The longest piece of a literal that contains no character JSON may escape, lowercased: raw
 * JSON text can spell `a/b` as `a\/b`, so only such pieces are sure to appear verbatim.
 */
function anchorFragment(anchor: Anchor, bits: number): Fragment {
  return { ...anchor, bits }
}

function rawTextFragment(literal: string): string {
  const lower = asciiLowerCase(literal)
  let longest = ''
  let start = 0
  for (let index = 0; index <= lower.length; index++) {
    if (index < lower.length && !isJsonShortEscaped(lower.charCodeAt(index))) continue
    if (index - start > longest.length) longest = lower.slice(start, index)
    start = index + 1
  }
  return longest.slice(0, 255)
}

/**
 * Characters that can follow a name in free text before its value (`api_key='x'`, `token: x`,
 * `password = x`, `?key=x`). A name followed by a quote is covered by jsonKeyFragments.
 */
const TEXT_NAME_END = "'=: \t"

/**
 * Characters that can come between a key's closing quote and its value: the colon of JSON, or in
 * free text `=`, `=>` and the comma of a quoted pair (`"x-api-key", "value"` in header lists).
 */
const JSON_KEY_COLON = ': \t\r=,'

/**
 * Fragments for a key as it appears in raw JSON: the key, its closing quote (escaped in a JSON
 * document nested in a string) and then the colon or a blank. A string value equal to the key,
 * such as "finish_reason":"tool_calls", does not match.
 */
function jsonKeyFragments(key: string, bits: number, skip: string, wordStart = true): Fragment[] {
  // Backslashes are skipped so that `key\":` and `key\\\":` (keys of JSON nested once or twice
  // in strings) match like `key":`.
  return [{ text: `${key}"`, bits, skip: skip + '\\', wordStart, followedBy: JSON_KEY_COLON }]
}

/**
 * Fragments, one of which every spelling of a key-name pattern contains. An anchored end becomes
 * "the word, then the end of a name" (a JSON key's quote and colon, or `=`/`:` in free text), and
 * an anchored start "a word boundary, then the word", so that `*token` is not triggered by
 * `max_tokens` nor by a value "token".
 */
function keyPatternFragments(pattern: KeyNamePattern, bits: number): Fragment[] | undefined {
  const { parts, anchoredStart, anchoredEnd } = pattern
  if (parts.length === 0) return undefined
  // Candidates: the first word after a boundary, the last word at a name end, or the longest
  // word alone. The longest text wins ("provider*id" uses "provider", not "id").
  const candidates: { text: string; wordStart: boolean; atEnd: boolean }[] = []
  const single = parts.length === 1
  if (anchoredStart) candidates.push({ text: parts[0] as string, wordStart: true, atEnd: single && anchoredEnd })
  if (anchoredEnd) candidates.push({ text: parts[parts.length - 1] as string, wordStart: single && anchoredStart, atEnd: true })
  candidates.push({ text: parts.reduce((longest, part) => (part.length > longest.length ? part : longest), ''), wordStart: false, atEnd: false })
  const score = (candidate: (typeof candidates)[number]): number => candidate.text.length + (candidate.wordStart ? 1 : 0) + (candidate.atEnd ? 1 : 0)
  const best = candidates.reduce((winner, candidate) => (score(candidate) > score(winner) ? candidate : winner))
  const raw = rawTextFragment(best.text)
  // Key-name words have no JSON-escaped characters in practice; if one has, keep the plain piece.
  if (raw !== best.text) return raw === '' ? undefined : [{ text: raw, bits, skip: SEPARATORS }]
  if (!best.atEnd) return [{ text: best.text, bits, skip: SEPARATORS, wordStart: best.wordStart }]
  return [
    ...jsonKeyFragments(best.text, bits, SEPARATORS, best.wordStart),
    { text: best.text, bits, skip: SEPARATORS, wordStart: best.wordStart, followedBy: TEXT_NAME_END },
  ]
}

function collectFragments(
  rules: readonly CompiledRule[],
  keyRules: readonly CompiledRule[],
  textKeyValueRule: CompiledRule | undefined,
  normalize: NormalizeConfig,
): { fragments: Fragment[]; alwaysBits: number } {
  const fragments: Fragment[] = []
  let alwaysBits = 0
  let allBits = NORMALIZE_BIT
  for (const rule of rules) allBits |= rule.bit
  // Key-name rules also judge names in free text and in URL query strings.
  const urlRule = rules.find((rule) => rule.detector?.name === 'url_credentials')
  const nameReaderBits = (textKeyValueRule?.bit ?? 0) | (urlRule?.bit ?? 0)
  let keyBits = nameReaderBits

  for (const rule of keyRules) {
    keyBits |= rule.bit
    for (const pattern of rule.keyPatterns) {
      const patternFragments = keyPatternFragments(pattern, rule.bit | nameReaderBits)
      if (patternFragments === undefined) alwaysBits |= rule.bit | nameReaderBits
      else fragments.push(...patternFragments)
    }
  }

  for (const rule of rules) {
    if (rule.kind === 'paths') {
      for (const path of rule.paths) {
        let longest = ''
        let whole = false
        for (const segment of path) {
          if (segment.kind !== 'key') continue
          const text = rawTextFragment(segment.key)
          if (text.length > longest.length) {
            longest = text
            whole = text === asciiLowerCase(segment.key)
          }
        }
        if (longest === '') alwaysBits |= rule.bit
        // A path names JSON keys, so a whole key can be searched in its raw key form.
        else if (whole) fragments.push(...jsonKeyFragments(longest, rule.bit, ''))
        else fragments.push({ text: longest, bits: rule.bit })
      }
    } else if (rule.kind === 'detector' && rule.detector) {
      for (const anchor of rule.detector.anchors) fragments.push(anchorFragment(anchor, rule.bit))
    } else if (rule.kind === 'pattern') {
      if (rule.contains.length === 0) alwaysBits |= rule.bit
      for (const literal of rule.contains) {
        const text = rawTextFragment(literal)
        if (text === '') alwaysBits |= rule.bit
        else fragments.push({ text, bits: rule.bit })
      }
    }
  }

  if (normalize.enabled) {
    for (const key of normalize.identifierKeys.keys()) fragments.push(...jsonKeyFragments(key, NORMALIZE_BIT, SEPARATORS))
    // A task body's `id` is collected when its value starts with ldtask_.
    fragments.push({ text: 'ldtask_', bits: NORMALIZE_BIT, wordStart: true })
    // Error bodies are found under a key named exactly `error`.
    fragments.push(...jsonKeyFragments('error', NORMALIZE_BIT, ''))
  }

  for (const definition of Object.values(DETECTOR_DEFINITIONS)) {
    if (!definition.highConfidence) continue
    for (const anchor of definition.anchors) fragments.push(anchorFragment(anchor, LEAK_CHECK_BIT))
  }

  fragments.push({ text: '0'.repeat(16), bits: LONG_NUMBER_BIT })

  // A \uXXXX escape can spell any character, so it defeats every literal: all bits.
  fragments.push({ text: '\\u', bits: allBits | LEAK_CHECK_BIT })
  // Percent-encoded "_" and "-" in parameter names ("api%5Fkey") can hide key-name words.
  fragments.push({ text: '%5f', bits: keyBits })
  fragments.push({ text: '%2d', bits: keyBits })
  return { fragments: withJsonEscapes(fragments), alwaysBits }
}

/** Characters that a JSON string writes as a backslash and a letter: `\b \f \n \r \t`. */
const LETTER_ESCAPES: Readonly<Record<string, string>> = { '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't' }

/**
 * Widens fragments for JSON escapes. The detectors read decoded strings, but the prefilter reads
 * the raw line, where a tab or a line break inside a string is a backslash and a letter. So the
 * word boundary in `line\nBearer x` is the letter `n`, and the tab in `Bearer\tx` starts with `\`.
 * A fragment that needs a word boundary therefore also matches right after each such escape, and
 * one that may be followed by such a character may also be followed by a backslash.
 */
function withJsonEscapes(fragments: readonly Fragment[]): Fragment[] {
  const widened: Fragment[] = []
  for (const fragment of fragments) {
    const followedBy = fragment.followedBy
    const escapedFollower = followedBy !== undefined && [...followedBy].some((char) => char in LETTER_ESCAPES)
    const base = escapedFollower ? { ...fragment, followedBy: `${followedBy}\\` } : fragment
    widened.push(base)
    if (!fragment.wordStart) continue
    for (const letter of Object.values(LETTER_ESCAPES)) widened.push({ ...base, text: `\\${letter}${fragment.text}`, wordStart: false })
  }
  return widened
}
