/**
 * Command-line parsing shared by the subcommands: util.parseArgs in strict mode, and zod schemas
 * for the option values, checked once at start-up. Every problem becomes a LogfilterError in the
 * usual format, so the shell exits with code 2 before it reads any input.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { z } from 'zod'
import { LogfilterError, PROGRAM_NAME, formatMessage } from '../errors.js'
import { fixForOptionIssue, type FilterOptionsInput } from '../options.js'

export type ToolOptionSpecs = NonNullable<ParseArgsConfig['options']>

/** Options every subcommand that filters logs accepts, with the same meaning as in the main filter. */
export const FILTER_OPTION_SPECS = {
  rules: { type: 'string' },
  'max-line-bytes': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ToolOptionSpecs

export interface ParsedToolArgs {
  readonly values: Record<string, string | boolean | (string | boolean)[] | undefined>
  readonly positionals: readonly string[]
}

/** Parses `argv` (the arguments after the subcommand name) against `options`. */
export function parseToolArgs(command: string, argv: readonly string[], options: ToolOptionSpecs): ParsedToolArgs {
  try {
    const parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true })
    return { values: parsed.values, positionals: parsed.positionals }
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'invalid arguments'
    throw new LogfilterError('INVALID_OPTION', `command line: ${command}`, detail, `run ${PROGRAM_NAME} ${command} --help for the options`)
  }
}

/** Reads a whole number given to `flag`. */
export function parseCount(command: string, flag: string, text: string, example: string): number {
  if (!/^[0-9]{1,12}$/.test(text)) {
    throw new LogfilterError('INVALID_OPTION', `command line: ${command} ${flag}`, `${JSON.stringify(text)} is not a whole number`, `give a number, for example ${example}`)
  }
  return Number(text)
}

/** Builds the filter options (rule file, line limit) from a subcommand's flags. */
export function filterOptionsFrom(command: string, values: ParsedToolArgs['values']): FilterOptionsInput {
  const options: { rules?: string; maxLineBytes?: number; summary: 'off' } = { summary: 'off' }
  if (typeof values.rules === 'string') options.rules = values.rules
  const maxLineBytes = values['max-line-bytes']
  if (typeof maxLineBytes === 'string') options.maxLineBytes = parseCount(command, '--max-line-bytes', maxLineBytes, '1048576')
  return options
}

/**
 * Validates a subcommand's option values with `schema`. `flags` maps each option name to the flag
 * that sets it, so that a message names what the user typed.
 */
export function parseToolOptions<Schema extends z.ZodType>(command: string, schema: Schema, input: unknown, flags: Readonly<Record<string, string>>): z.output<Schema> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const lines = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.')
    const flag = flags[key] ?? key
    const where = flag === '' ? `command line: ${command}` : `command line: ${command} ${flag}`
    const fix = issue.code === 'custom' ? `run ${PROGRAM_NAME} ${command} --help` : fixForOptionIssue(issue)
    return formatMessage(where, issue.message, fix)
  })
  const first = result.error.issues[0]
  const error = new LogfilterError('INVALID_OPTION', `command line: ${command}`, first?.message ?? 'invalid option', `run ${PROGRAM_NAME} ${command} --help`)
  error.message = lines.join('\n')
  throw error
}
