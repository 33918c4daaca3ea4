/**
 * The record walk: one depth-first pass that applies, at each node, the drop, normalize-collect
 * and redact stages in that order.
 *
 * One pass instead of one per stage because walking is most of a stage's cost. The order at each
 * node keeps the stage contract: a dropped key is deleted before anything inside it could be
 * collected for the normalized block, and collection reads identifiers before their value is
 * redacted. The walk never throws on data, except DepthExceeded, which sends the line to the
 * text path.
 */
import type { SpanList } from '../detectors/spans.js'
import type { CompiledRule, CompiledRules, PathNode } from '../rules/compile.js'
import type { ValueType } from '../rules/schema.js'
import { applyToValue, replaceSpans, setOwn, spanReplacement, stubString } from './actions.js'
import { DepthExceeded, type LineState, MAX_DEPTH } from './line-state.js'
import { isExactNumber, parseJsonText, serializeJson } from './parse.js'

/** Deepest nesting of JSON documents inside strings that the walk opens. */
const MAX_JSON_IN_STRING = 4

/** Marks a string that a drop rule matched: the walk deletes the key that contains it. */
const DROP = Symbol('drop')

function valueType(value: unknown): ValueType {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (isExactNumber(value)) return 'number'
  return typeof value as ValueType
}

function ruleApplies(rule: CompiledRule, value: unknown): boolean {
  if (rule.types !== undefined && !rule.types.has(valueType(value))) return false
  if (rule.unlessValueStartsWith !== undefined && typeof value === 'string') {
    for (const prefix of rule.unlessValueStartsWith) if (value.startsWith(prefix)) return false
  }
  return true
}

/** Returns the strictest applicable rule among path-trie terminals and key-name matches. */
function chooseRule(nodes: readonly PathNode[] | undefined, keyRules: readonly CompiledRule[] | undefined, value: unknown): CompiledRule | undefined {
  let chosen: CompiledRule | undefined
  if (nodes !== undefined) {
    for (const node of nodes) {
      for (const rule of node.rules) {
        if (!ruleApplies(rule, value)) continue
        if (chosen === undefined || rule.strictness < chosen.strictness || (rule.strictness === chosen.strictness && rule.index < chosen.index)) chosen = rule
        break
      }
    }
  }
  if (keyRules !== undefined) {
    for (const rule of keyRules) {
      if (!ruleApplies(rule, value)) continue
      if (chosen === undefined || rule.strictness < chosen.strictness || (rule.strictness === chosen.strictness && rule.index < chosen.index)) chosen = rule
      break
    }
  }
  return chosen
}

function childNodes(nodes: readonly PathNode[] | undefined, key: string): PathNode[] | undefined {
  if (nodes === undefined) return undefined
  let result: PathNode[] | undefined
  for (const node of nodes) {
    const child = node.children.get(key)
    if (child !== undefined) (result ??= []).push(child)
    if (node.wildcard !== undefined) (result ??= []).push(node.wildcard)
  }
  return result
}

export class RecordWalker {
  private readonly rules: CompiledRules
  private readonly line: LineState

  constructor(rules: CompiledRules, line: LineState) {
    this.rules = rules
    this.line = line
  }

  /** Walks a record from its root. */
  walkRecord(record: Record<string, unknown>): void {
    this.walkObject(record, this.rules.rootPaths ? [this.rules.rootPaths] : undefined, 1)
  }

  /** Walks the value stored under `key` of the root (the normalized block), with the paths that lead there. */
  walkRootChild(key: string, value: Record<string, unknown>): void {
    this.line.enter(1, key)
    const nodes = this.rules.rootPaths ? childNodes([this.rules.rootPaths], key) : undefined
    this.walkObject(value, nodes, 2)
  }

  walkObject(target: Record<string, unknown>, nodes: readonly PathNode[] | undefined, depth: number): void {
    if (depth > MAX_DEPTH) throw new DepthExceeded()
    const rules = this.rules
    const line = this.line
    const scanValues = (line.mask & rules.valueBits) !== 0
    let renames: Map<string, string> | undefined

    // Only path rules can apply below here: visit the keys the path trie names, not every key.
    const keys = line.classifyKeys || scanValues ? Object.keys(target) : pathKeys(target, nodes)
    for (const key of keys) {
      const value = target[key]
      line.enter(depth, key)
      const keyClass = line.classifyKeys ? rules.keyClass(key) : undefined
      let next = childNodes(nodes, key)
      if (keyClass !== undefined && keyClass.anywhere.length > 0) next = next ? next.concat(keyClass.anywhere) : [...keyClass.anywhere]

      const rule = chooseRule(next, keyClass?.rules, value)
      if (rule !== undefined && rule.action === 'drop') {
        delete target[key]
        line.dropped(rule.index, 'value', textLength(value))
        continue
      }
      if (line.collect && keyClass !== undefined) this.collect(key, keyClass.identifier, value)

      if (rule !== undefined) {
        setOwn(target, key, applyToValue(rule, value, rules, line.spans))
        line.hit(rule.index, 'value', textLength(value))
      } else if (typeof value === 'string') {
        // Key-name and any-depth path rules can also fire inside a JSON document in the string.
        if (scanValues || line.classifyKeys) {
          const replaced = this.scanString(value, false, depth)
          if (replaced === DROP) {
            delete target[key]
            continue
          }
          if (replaced !== value) setOwn(target, key, replaced)
        }
      } else if (value !== null && typeof value === 'object') {
        const isRequest = key === 'req' || key === 'request'
        if (isRequest) line.requestDepth++
        if (Array.isArray(value)) this.walkArray(value, next, depth + 1, keyClass !== undefined && NAME_VALUE_LIST_KEYS.has(keyClass.normalized))
        else if (!isExactNumber(value)) this.walkObject(value as Record<string, unknown>, next, depth + 1)
        if (isRequest) line.requestDepth--
      }

      if (scanValues && key.length >= 8) {
        line.enter(depth, key)
        line.inKey = true
        const renamed = this.scanString(key, true, depth)
        line.inKey = false
        if (typeof renamed === 'string' && renamed !== key) (renames ??= new Map()).set(key, renamed)
      }
    }
    if (renames !== undefined) renameKeys(target, renames)
  }

  /**
   * Walks an array. With `nameValueList`, the array is `[name, value, name, value, ...]` (Node's
   * rawHeaders, or one `[name, value]` entry of a header list): each value takes the key-name rule
   * its name would take as an object key.
   */
  walkArray(target: unknown[], nodes: readonly PathNode[] | undefined, depth: number, nameValueList = false): void {
    if (depth > MAX_DEPTH) throw new DepthExceeded()
    const rules = this.rules
    const line = this.line
    const scanValues = (line.mask & rules.valueBits) !== 0
    // Nothing below can match: no path leads here and no key or value rule is in play.
    if (nodes === undefined && !line.classifyKeys && !scanValues) return
    const anywhere = rules.anywherePaths
    let dropped: number[] | undefined

    for (let index = 0; index < target.length; index++) {
      const value = target[index]
      line.enter(depth, index)
      let next: PathNode[] | undefined
      if (nodes !== undefined || anywhere !== undefined) {
        const key = String(index)
        next = childNodes(nodes, key)
        if (anywhere !== undefined && line.classifyKeys) {
          const fromAnywhere = childNodes([anywhere], key)
          if (fromAnywhere) next = next ? next.concat(fromAnywhere) : fromAnywhere
        }
      }
      const name = nameValueList && index % 2 === 1 && line.classifyKeys ? target[index - 1] : undefined
      const nameRules = typeof name === 'string' ? rules.keyClass(name).rules : undefined
      const rule = next !== undefined || nameRules !== undefined ? chooseRule(next, nameRules, value) : undefined
      if (rule !== undefined) {
        if (rule.action === 'drop') {
          line.dropped(rule.index, 'value', textLength(value))
          dropped ??= []
          // A dropped value takes its name with it, unless a value detector dropped the name already.
          if (nameRules !== undefined && dropped[dropped.length - 1] !== index - 1) dropped.push(index - 1)
          dropped.push(index)
        } else {
          line.hit(rule.index, 'value', textLength(value))
          target[index] = applyToValue(rule, value, rules, line.spans)
        }
        continue
      }
      if (typeof value === 'string') {
        if (!scanValues && !line.classifyKeys) continue
        const replaced = this.scanString(value, false, depth)
        if (replaced === DROP) (dropped ??= []).push(index)
        else if (replaced !== value) target[index] = replaced
      } else if (value !== null && typeof value === 'object') {
        if (Array.isArray(value)) this.walkArray(value, next, depth + 1, isNameValueEntry(value))
        else if (!isExactNumber(value)) this.walkObject(value as Record<string, unknown>, next, depth + 1)
      }
    }
    if (dropped !== undefined) removeIndexes(target, dropped)
  }

  private collect(key: string, field: KeyClassIdentifier, value: unknown): void {
    const fromRequest = this.line.requestDepth > 0
    if (field !== undefined) {
      if (typeof value === 'string') this.line.candidates.push({ field, value, fromRequest })
      else if (typeof value === 'number') this.line.candidates.push({ field, value: String(value), fromRequest })
      else if (Array.isArray(value) && typeof value[0] === 'string') this.line.candidates.push({ field, value: value[0], fromRequest })
      return
    }
    // A response body's `id` is the task id when it has the public prefix.
    if (key === 'id' && typeof value === 'string' && value.startsWith('ldtask_')) this.line.candidates.push({ field: 'task_id', value, fromRequest })
  }

  /**
   * Runs the value detectors over a string. Returns the string unchanged, a replacement (a
   * string, or a stub object for a whole-value stub), or DROP. With `asText` (object keys and the
   * text path) the result is always a string: drop and stub spans become the censor.
   */
  scanString(text: string, asText: boolean, depth: number): unknown {
    const rules = this.rules
    const line = this.line
    if (!asText && line.jsonInStringDepth < MAX_JSON_IN_STRING && looksLikeJsonDocument(text)) {
      const nested = this.scanJsonDocument(text, depth)
      if (nested !== undefined) return nested
    }
    const spans = line.spans
    spans.clear()
    const mask = line.mask
    for (const rule of rules.valueRules) {
      if ((rule.bit & mask) === 0) continue
      if (rule.detector !== undefined) rule.detector.find(text, rule.index, spans, rules.detectorContext)
      else if (rule.pattern !== undefined) findPatternSpans(rule, text, spans)
    }
    if (spans.size === 0) return text

    const merged = spans.merged((index) => (rules.rules[index] as CompiledRule).strictness)
    if (!asText) {
      // A drop rule deletes the key only when its match is the whole value; inside longer text
      // the match is redacted like any other span.
      for (const span of merged) {
        const rule = rules.rules[span.rule] as CompiledRule
        if (rule.action === 'drop' && isWholeValue(text, span.start, span.end)) {
          line.dropped(rule.index, 'span', span.end - span.start)
          return DROP
        }
      }
      const only = merged.length === 1 ? merged[0] : undefined
      if (only !== undefined && only.start === 0 && only.end === text.length) {
        const rule = rules.rules[only.rule] as CompiledRule
        if (rule.action === 'stub') {
          line.hit(rule.index, 'span', text.length)
          return stubString(text, rule.stubKind, rules.hmacKey, only.mediaType)
        }
      }
    }
    for (const span of merged) line.hit(span.rule, 'span', span.end - span.start)
    return replaceSpans(text, merged, (span) => spanReplacement(text, span, rules.rules[span.rule] as CompiledRule, rules))
  }

  /** Walks the JSON object or array in a string and re-encodes it if anything changed. */
  private scanJsonDocument(text: string, depth: number): string | undefined {
    let parsed: { value: unknown; exactNumbers: boolean }
    try {
      parsed = parseJsonText(text)
    } catch {
      return undefined
    }
    const document = parsed.value
    if (document === null || typeof document !== 'object' || isExactNumber(document)) return undefined
    const line = this.line
    const changedBefore = line.changed
    line.changed = false
    line.jsonInStringDepth++
    try {
      if (Array.isArray(document)) this.walkArray(document, undefined, depth + 1)
      else this.walkObject(document as Record<string, unknown>, undefined, depth + 1)
    } finally {
      line.jsonInStringDepth--
    }
    const changedInside = line.changed
    line.changed = changedBefore || changedInside
    return changedInside ? serializeJson(document, parsed.exactNumbers) : text
  }
}

function textLength(value: unknown): number {
  return typeof value === 'string' ? value.length : -1
}

const NO_KEYS: readonly string[] = []

/** Normalized keys whose array value is a flat name-value list (Node's IncomingMessage). */
const NAME_VALUE_LIST_KEYS: ReadonlySet<string> = new Set(['rawheaders', 'rawtrailers'])

/** Returns whether an array element is a `[name, value]` entry, as in Object.entries(headers) or a fetch header list. */
function isNameValueEntry(value: unknown[]): boolean {
  return value.length === 2 && typeof value[0] === 'string'
}

/** Keys of `target` that the path trie nodes can lead to; every key when a node has a wildcard. */
function pathKeys(target: Record<string, unknown>, nodes: readonly PathNode[] | undefined): readonly string[] {
  if (nodes === undefined) return NO_KEYS
  if (nodes.length === 1) {
    const node = nodes[0] as PathNode
    if (node.wildcard !== undefined) return Object.keys(target)
    const keys: string[] = []
    for (const key of node.children.keys()) if (Object.hasOwn(target, key)) keys.push(key)
    return keys
  }
  const keys = new Set<string>()
  for (const node of nodes) {
    if (node.wildcard !== undefined) return Object.keys(target)
    for (const key of node.children.keys()) if (Object.hasOwn(target, key)) keys.add(key)
  }
  return [...keys]
}

type KeyClassIdentifier = ReturnType<CompiledRules['keyClass']>['identifier']

/** True when [start, end) covers all of `text` but surrounding blanks. */
function isWholeValue(text: string, start: number, end: number): boolean {
  for (let index = 0; index < start; index++) if (text.charCodeAt(index) > 32) return false
  for (let index = end; index < text.length; index++) if (text.charCodeAt(index) > 32) return false
  return true
}

function looksLikeJsonDocument(text: string): boolean {
  if (text.length < 2) return false
  let start = 0
  while (start < text.length && text.charCodeAt(start) <= 32) start++
  let end = text.length - 1
  while (end > start && text.charCodeAt(end) <= 32) end--
  const first = text.charCodeAt(start)
  const last = text.charCodeAt(end)
  return (first === 123 && last === 125) || (first === 91 && last === 93)
}

function findPatternSpans(rule: CompiledRule, text: string, spans: SpanList): void {
  const pattern = rule.pattern as RegExp
  pattern.lastIndex = 0
  let match: RegExpExecArray | null
  while ((match = pattern.exec(text)) !== null) {
    const end = match.index + match[0].length
    if (end === match.index) {
      pattern.lastIndex++
      continue
    }
    spans.add(match.index, end, rule.index, Math.min(rule.keepChars, Math.floor(match[0].length / 2)))
  }
}

/** Removes the elements at `indexes` (ascending) in one pass; a splice per element would be quadratic. */
function removeIndexes(target: unknown[], indexes: readonly number[]): void {
  let write = indexes[0] as number
  let next = 0
  for (let read = write; read < target.length; read++) {
    if (read === indexes[next]) {
      next++
      continue
    }
    target[write++] = target[read]
  }
  target.length = write
}

/** Renames keys in place and keeps their order; a renamed key that collides with another gets a numeric suffix. */
function renameKeys(target: Record<string, unknown>, renames: ReadonlyMap<string, string>): void {
  const entries = Object.keys(target).map((key) => [key, target[key]] as const)
  for (const [key] of entries) delete target[key]
  const used = new Set<string>()
  // The next suffix to try per name, so that n keys renamed alike cost n lookups, not n^2 / 2.
  const nextSuffix = new Map<string, number>()
  for (const [key, value] of entries) {
    let name = renames.get(key) ?? key
    if (used.has(name)) {
      let suffix = nextSuffix.get(name) ?? 2
      while (used.has(`${name}#${suffix}`)) suffix++
      nextSuffix.set(name, suffix + 1)
      name = `${name}#${suffix}`
    }
    used.add(name)
    setOwn(target, name, value)
  }
}
