/**
 * Checks that zod's shape validation cannot express: one match kind per rule, options that fit
 * the action, path syntax, and user regular expressions (they must compile and must not
 * backtrack catastrophically).
 */
import { createRequire } from 'node:module'
import { LogfilterError, quote } from '../errors.js'
import { PathSyntaxError, parsePath } from './paths.js'
import { IDENTIFIER_FIELDS, type NormalizeSpec, type RuleSpec } from './schema.js'

const MATCH_KINDS = ['paths', 'keys', 'detector', 'pattern', 'empty_line'] as const

export function checkRuleSemantics(rule: RuleSpec, where: string): void {
  const match = rule.match
  const kinds = MATCH_KINDS.filter((kind) => match[kind] !== undefined)
  if (kinds.length !== 1) {
    throw new LogfilterError(
      'INVALID_RULES',
      `${where}.match`,
      kinds.length === 0 ? 'the rule matches nothing' : `the rule has more than one match kind (${kinds.join(', ')})`,
      'give exactly one of paths, keys, detector, pattern or empty_line; split it into several rules if needed',
    )
  }
  const kind = kinds[0] as (typeof MATCH_KINDS)[number]

  requireWith(match.anywhere !== undefined, kind === 'paths', `${where}.match.anywhere`, '"anywhere" applies to paths only')
  requireWith(match.types !== undefined, kind === 'paths' || kind === 'keys', `${where}.match.types`, '"types" applies to paths and keys only')
  requireWith(
    match.unless_value_starts_with !== undefined,
    kind === 'paths' || kind === 'keys',
    `${where}.match.unless_value_starts_with`,
    '"unless_value_starts_with" applies to paths and keys only',
  )
  requireWith(match.flags !== undefined, kind === 'pattern', `${where}.match.flags`, '"flags" applies to pattern only')
  requireWith(match.contains !== undefined, kind === 'pattern', `${where}.match.contains`, '"contains" applies to pattern only')
  requireWith(rule.stub !== undefined, rule.action === 'stub', `${where}.stub`, '"stub" applies to action stub only')
  requireWith(rule.keep_chars !== undefined, rule.action === 'partial', `${where}.keep_chars`, '"keep_chars" applies to action partial only')

  requireWith(rule.format !== undefined, kind === 'paths' || kind === 'keys', `${where}.format`, '"format" applies to paths and keys only')

  if (kind === 'empty_line' && rule.action !== 'drop_line') {
    throw new LogfilterError('INVALID_RULES', `${where}.action`, 'empty_line rules can only drop lines', 'set action: drop_line')
  }
  if (rule.action === 'drop_line' && kind !== 'empty_line' && kind !== 'paths' && kind !== 'pattern') {
    throw new LogfilterError(
      'INVALID_RULES',
      `${where}.action`,
      'drop_line works with paths (the path exists), pattern (the raw line matches) or empty_line',
      'use one of those match kinds, or action drop to delete a key',
    )
  }
  if (rule.action === 'partial' && kind !== 'detector' && rule.keep_chars === undefined) {
    throw new LogfilterError(
      'INVALID_RULES',
      `${where}.keep_chars`,
      'partial needs to know how many leading characters to keep',
      'add keep_chars: N (a detector keeps its own documented prefix instead)',
    )
  }

  for (const [index, path] of (match.paths ?? []).entries()) checkPath(path, `${where}.match.paths[${index}]`)
  if (match.pattern !== undefined) checkUserPattern(match.pattern, match.flags ?? '', `${where}.match.pattern`)
}

/** Checks the `normalize:` settings that zod cannot: path syntax, and identifier formats, which are user patterns like any rule's. */
export function checkNormalizeSemantics(normalize: NormalizeSpec, where: string): void {
  for (const [index, path] of (normalize.job_id_paths ?? []).entries()) checkPath(path, `${where}.job_id_paths[${index}]`)
  for (const [index, path] of (normalize.user_id_paths ?? []).entries()) checkPath(path, `${where}.user_id_paths[${index}]`)
  for (const field of IDENTIFIER_FIELDS) {
    const format = normalize.identifiers?.[field]?.format
    if (format !== undefined) checkUserPattern(format, '', `${where}.identifiers.${field}.format`)
  }
}

function checkPath(path: string, where: string): void {
  try {
    parsePath(path)
  } catch (error) {
    if (!(error instanceof PathSyntaxError)) throw error
    throw new LogfilterError('INVALID_PATH', `${where} ${quote(path)}`, error.message, error.fix)
  }
}

function requireWith(present: boolean, allowed: boolean, where: string, problem: string): void {
  if (present && !allowed) throw new LogfilterError('INVALID_RULES', where, problem, 'remove it or change the match kind')
}

interface RecheckResult {
  status: 'safe' | 'vulnerable' | 'unknown'
  complexity?: { type: string; summary?: string }
  error?: { kind: string }
}

type CheckSync = (source: string, flags: string, params?: Record<string, unknown>) => RecheckResult

let checkSync: CheckSync | undefined

/** Compiles a user pattern and rejects it when recheck finds it vulnerable to catastrophic backtracking. */
export function checkUserPattern(source: string, flags: string, where: string): void {
  try {
    new RegExp(source, flags + 'g')
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'invalid'
    throw new LogfilterError('INVALID_RULES', `${where} ${quote(source)}`, `not a valid regular expression (${detail})`, 'fix the pattern')
  }
  // recheck is large and starts a worker; load it only when a rule file has user patterns.
  checkSync ??= (createRequire(import.meta.url)('recheck') as { checkSync: CheckSync }).checkSync
  const result = checkSync(source, flags, { timeout: 10_000 })
  if (result.status === 'vulnerable') {
    throw new LogfilterError(
      'UNSAFE_PATTERN',
      `${where} ${quote(source)}`,
      `the pattern can backtrack catastrophically (${result.complexity?.type ?? 'super-linear'} time on some inputs)`,
      'remove nested or overlapping quantifiers such as (a+)+ or \\d+\\d+, or anchor the repeated parts with literals',
    )
  }
  if (result.status === 'unknown') {
    throw new LogfilterError(
      'UNSAFE_PATTERN',
      `${where} ${quote(source)}`,
      `the pattern could not be proven safe from catastrophic backtracking (${result.error?.kind ?? 'unknown'})`,
      'simplify the pattern: avoid back-references, look-arounds and nested quantifiers',
    )
  }
}

