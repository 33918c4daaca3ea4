/**
 * Loading rule files: read YAML or JSON, validate with zod, apply `extends: default`, `disable`
 * and overrides by id. Every problem becomes one LogfilterError naming the file, the rule and
 * the key path; the CLI turns it into exit code 2.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { parse as parseYamlText } from 'yaml'
import type { z } from 'zod'
import { LogfilterError, formatKeyPath, formatMessage, quote, rulePosition } from '../errors.js'
import {
  ruleFileSchema,
  ruleSchema,
  type HintSpec,
  type NormalizeSpec,
  type RuleFile,
  type RuleSpec,
} from './schema.js'
import { checkNormalizeSemantics, checkRuleSemantics } from './check.js'

/** A validated, merged rule set, ready to compile. */
export interface RuleSet {
  /** Origin of each rule by id, for messages: the file path or "default pack". */
  readonly origins: ReadonlyMap<string, string>
  readonly censor: string
  readonly protectedKeys: readonly string[]
  readonly rules: readonly RuleSpec[]
  readonly normalize: NormalizeSpec
  readonly hints: readonly HintSpec[]
  readonly files: readonly string[]
}

export const DEFAULT_PACK_NAME = 'default pack'
export const DEFAULT_CENSOR = '[REDACTED]'

/** Finds the package root (the folder with rules/default.yaml) from this module's location, in src/ or dist/src/. */
export function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url))
  for (let depth = 0; depth < 6; depth++) {
    if (existsSync(join(folder, 'rules', 'default.yaml')) && existsSync(join(folder, 'package.json'))) return folder
    folder = dirname(folder)
  }
  throw new Error('tokenlab-logfilter: the default rule pack rules/default.yaml is missing from the installed package')
}

export function defaultPackPath(): string {
  return join(packageRoot(), 'rules', 'default.yaml')
}

/**
 * The default pack parsed to JSON by the build, with the SHA-256 of the YAML text it came from.
 * Loading it instead of the YAML saves the yaml package's import and parse (about 30 ms of
 * every start on the benchmark machine). A stale or missing file is ignored.
 */
export function defaultPackCachePath(): string {
  return join(packageRoot(), 'dist', 'default-pack.json')
}

export interface DefaultPackCache {
  readonly sha256: string
  readonly data: unknown
}

export function hashRuleText(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** The yaml package, loaded on the first YAML text to parse. */
let parseYaml: typeof parseYamlText | undefined

export function parseYamlRules(text: string): unknown {
  parseYaml ??= (createRequire(import.meta.url)('yaml') as { parse: typeof parseYamlText }).parse
  return parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 })
}

function readDefaultPack(): ParsedFile {
  const text = readRuleText(defaultPackPath(), DEFAULT_PACK_NAME)
  let cache: DefaultPackCache | undefined
  try {
    cache = JSON.parse(readFileSync(defaultPackCachePath(), 'utf8')) as DefaultPackCache
  } catch {
    cache = undefined
  }
  if (cache !== undefined && cache.sha256 === hashRuleText(text)) return parseRuleData(cache.data, DEFAULT_PACK_NAME)
  return parseRuleText(text, DEFAULT_PACK_NAME)
}

interface ParsedFile {
  readonly label: string
  readonly file: RuleFile
  readonly rules: RuleSpec[]
}

/** Reads and validates one rule file. `label` is how messages name it. */
export function readRuleFile(path: string, label = path): ParsedFile {
  return parseRuleText(readRuleText(path, label), label)
}

function readRuleText(path: string, label: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new LogfilterError('RULES_NOT_FOUND', label, 'the rule file does not exist', 'check the path given to --rules')
    }
    if (code === 'EISDIR') {
      throw new LogfilterError('RULES_UNREADABLE', label, 'the path is a directory, not a rule file', 'give the path of a YAML or JSON rule file to --rules')
    }
    throw new LogfilterError('RULES_UNREADABLE', label, `the rule file cannot be read (${code ?? 'unknown error'})`, 'check its permissions')
  }
}

export function parseRuleText(text: string, label: string): ParsedFile {
  let data: unknown
  try {
    data = parseYamlRules(text)
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : 'unknown error'
    throw new LogfilterError('INVALID_RULES', label, `the file is not valid YAML or JSON (${detail})`, 'fix the syntax at the position shown')
  }
  return parseRuleData(data, label)
}

/** Validates the parsed content of a rule file. */
function parseRuleData(data: unknown, label: string): ParsedFile {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new LogfilterError('INVALID_RULES', label, 'the file is not a mapping', 'start it with "version: 1" and list rules under "rules:"')
  }

  const fileResult = ruleFileSchema.safeParse(data)
  if (!fileResult.success) {
    throw zodError(fileResult.error, (path) => `${label}: ${describeFileKeyPath(path)}`)
  }
  const file = fileResult.data
  const rules: RuleSpec[] = []
  const seen = new Set<string>()
  for (const [index, raw] of (file.rules ?? []).entries()) {
    const id = typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string'
      ? (raw as { id: string }).id
      : undefined
    const result = ruleSchema.safeParse(raw)
    if (!result.success) {
      throw zodError(result.error, (path) => `${label}: ${rulePosition(index, id, path)}`)
    }
    const rule = result.data
    if (seen.has(rule.id)) {
      throw new LogfilterError(
        'INVALID_RULES',
        `${label}: ${rulePosition(index, rule.id, ['id'])}`,
        'the id is used by an earlier rule in this file',
        'give each rule its own id',
      )
    }
    seen.add(rule.id)
    checkRuleSemantics(rule, `${label}: ${rulePosition(index, rule.id, [])}`)
    rules.push(rule)
  }
  return { label, file, rules }
}

function describeFileKeyPath(path: readonly PropertyKey[]): string {
  const parts = path.map((part) => (typeof part === 'number' ? part : String(part)))
  const text = formatKeyPath(parts)
  return text === '' ? 'top level' : text.slice(1)
}

function zodError(error: z.ZodError, where: (path: (string | number)[]) => string): LogfilterError {
  const lines: string[] = []
  for (const issue of error.issues.slice(0, 5)) {
    const path = issue.path.map((part) => (typeof part === 'number' ? part : String(part)))
    lines.push(formatMessage(where(path), issue.message, fixForIssue(issue)))
  }
  const first = error.issues[0]
  const firstPath = first ? first.path.map((part) => (typeof part === 'number' ? part : String(part))) : []
  const result = new LogfilterError('INVALID_RULES', where(firstPath), first?.message ?? 'invalid', fixForIssue(first))
  result.message = lines.join('\n')
  return result
}

function fixForIssue(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return 'check the rule file against the README'
  switch (issue.code) {
    case 'unrecognized_keys':
      return `remove ${issue.keys.map((key) => quote(key)).join(', ')} or check the spelling against the README's rule reference`
    case 'invalid_value':
      return `use one of ${issue.values.map((value) => quote(value)).join(', ')}`
    case 'invalid_type':
      return `write a value of type ${issue.expected}`
    case 'too_small':
      return 'add the missing entries or characters'
    case 'too_big':
      return 'shorten the value'
    default:
      return 'see the rule reference in the README'
  }
}

/** Loads the default pack, then the user file (if any), merged over it when it has `extends: default`. */
export function loadRuleSet(userFile?: string): RuleSet {
  const defaults = readDefaultPack()
  if (userFile === undefined) return buildRuleSet([defaults])

  const user = readRuleFile(userFile, userFile)
  // Only a user file's identifier formats are checked here, because the tests prove the default
  // pack's safe. So a start without a rule file never loads recheck.
  if (user.file.normalize !== undefined) checkNormalizeSemantics(user.file.normalize, `${user.label}: normalize`)
  if (user.file.extends !== 'default') return buildRuleSet([user])
  return mergeOverDefaults(defaults, user)
}

function mergeOverDefaults(defaults: ParsedFile, user: ParsedFile): RuleSet {
  const disabled = new Set(user.file.disable ?? [])
  const defaultIds = new Set(defaults.rules.map((rule) => rule.id))
  for (const [index, id] of (user.file.disable ?? []).entries()) {
    if (!defaultIds.has(id)) {
      throw new LogfilterError(
        'INVALID_RULES',
        `${user.label}: disable[${index}]`,
        `the default pack has no rule with id ${quote(id)}`,
        'run tokenlab-logfilter --print-rules to list the ids',
      )
    }
  }
  const overrides = new Map(user.rules.map((rule) => [rule.id, rule]))
  const origins = new Map<string, string>()
  const rules: RuleSpec[] = []
  for (const rule of defaults.rules) {
    if (disabled.has(rule.id)) continue
    const override = overrides.get(rule.id)
    if (override) {
      rules.push(override)
      origins.set(rule.id, user.label)
      overrides.delete(rule.id)
    } else {
      rules.push(rule)
      origins.set(rule.id, DEFAULT_PACK_NAME)
    }
  }
  for (const rule of overrides.values()) {
    rules.push(rule)
    origins.set(rule.id, user.label)
  }

  const hints = new Map<string, HintSpec>()
  for (const hint of defaults.file.hints ?? []) hints.set(hint.id, hint)
  for (const hint of user.file.hints ?? []) hints.set(hint.id, hint)

  const defaultNormalize = defaults.file.normalize ?? {}
  const userNormalize = user.file.normalize ?? {}
  return {
    origins,
    censor: user.file.censor ?? defaults.file.censor ?? DEFAULT_CENSOR,
    protectedKeys: [...(defaults.file.protected_keys ?? []), ...(user.file.protected_keys ?? [])],
    rules,
    normalize: {
      ...defaultNormalize,
      ...userNormalize,
      identifiers: { ...defaultNormalize.identifiers, ...userNormalize.identifiers },
    },
    hints: [...hints.values()],
    files: [DEFAULT_PACK_NAME, user.label],
  }
}

function buildRuleSet(files: ParsedFile[]): RuleSet {
  const [only] = files as [ParsedFile]
  const disabled = new Set(only.file.disable ?? [])
  const origins = new Map<string, string>()
  const rules = only.rules.filter((rule) => !disabled.has(rule.id))
  for (const rule of rules) origins.set(rule.id, only.label)
  return {
    origins,
    censor: only.file.censor ?? DEFAULT_CENSOR,
    protectedKeys: only.file.protected_keys ?? [],
    rules,
    normalize: only.file.normalize ?? {},
    hints: only.file.hints ?? [],
    files: [only.label],
  }
}
