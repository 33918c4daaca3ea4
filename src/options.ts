/**
 * Filter options: one zod schema for CLI flags and transport options, so both accept the same
 * values and fail with the same messages. The README's options table is generated from it.
 */
import { z } from 'zod'
import { LogfilterError, formatMessage } from './errors.js'

export const MIB = 1024 * 1024

export const filterOptionsSchema = z
  .object({
    rules: z.string().min(1).optional().describe('Rule file (YAML or JSON) to use; `extends: default` merges it over the default pack'),
    maxLineBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * MIB)
      .default(MIB)
      .describe('Longest line kept whole, in bytes; a longer line is cut to this size, wrapped as text and counted'),
    summary: z.enum(['off', 'counts']).default('counts').describe('Write the run summary to stderr at the end (counts only, never values)'),
  })
  .strict()

export type FilterOptionsInput = z.input<typeof filterOptionsSchema>
export type FilterOptions = z.output<typeof filterOptionsSchema>

/**
 * Options of the pino transport: the filter options plus where the records go. `destination`,
 * `mkdir` and `append` mean what they mean for pino's own `pino/file` transport.
 */
export const transportOptionsSchema = filterOptionsSchema
  .extend({
    destination: z
      .union([z.string().min(1), z.number().int().min(0)], { error: 'expected a file path or a file descriptor number' })
      .default(1)
      .describe('File path or file descriptor the transport writes records to; 1 is stdout, 2 is stderr'),
    mkdir: z.boolean().default(false).describe('Create the parent directory of a destination path if it is missing'),
    append: z.boolean().default(true).describe('Append to an existing destination file; false truncates it at start-up'),
  })
  .strict()

export type TransportOptionsInput = z.input<typeof transportOptionsSchema>
export type TransportOptions = z.output<typeof transportOptionsSchema>

/** CLI flag for each option. */
export const OPTION_FLAGS: Readonly<Record<keyof FilterOptions, string>> = {
  rules: '--rules FILE',
  maxLineBytes: '--max-line-bytes N',
  summary: '--summary off|counts',
}

/** Reference to the full option list per origin, for fixes that cannot be more exact. */
const REFERENCE_FOR_ORIGIN: Readonly<Record<string, string>> = {
  'command line': 'see --help',
  'transport options': 'see the transport options table in the README',
}

/** Validates options; `origin` names where they came from in messages ("transport options", "command line"). */
export function parseFilterOptions(input: unknown, origin: string): FilterOptions {
  return parseOptions(filterOptionsSchema, input, origin)
}

/** Validates the options pino passes to the transport, with the same messages as the CLI's flags. */
export function parseTransportOptions(input: unknown): TransportOptions {
  return parseOptions(transportOptionsSchema, input, 'transport options')
}

function parseOptions<Schema extends z.ZodObject>(schema: Schema, input: unknown, origin: string): z.output<Schema> {
  const result = schema.safeParse(input ?? {})
  if (result.success) return result.data
  const reference = REFERENCE_FOR_ORIGIN[origin] ?? 'see the options table in the README'
  const lines = result.error.issues.map((issue) => {
    const key = issue.path.map(String).join('.')
    const flag = OPTION_FLAGS[key as keyof FilterOptions]
    const where = flag === undefined || origin !== 'command line' ? `${origin}: ${key || 'options'}` : `${origin}: ${flag.split(' ')[0]}`
    return formatMessage(where, issue.message, fixForOptionIssue(issue, Object.keys(schema.shape), reference))
  })
  const first = result.error.issues[0]
  const error = new LogfilterError('INVALID_OPTION', origin, first?.message ?? 'invalid option', reference)
  error.message = lines.join('\n')
  throw error
}

/**
 * Returns the fix part of a message for a zod issue in option values. `optionNames` lists the
 * valid options, and `reference` is the fix when none more exact applies.
 */
export function fixForOptionIssue(issue: z.core.$ZodIssue, optionNames: readonly string[] = Object.keys(OPTION_FLAGS), reference = 'see --help'): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `remove it; the options are ${optionNames.join(', ')}`
    case 'invalid_value':
      return `use one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`
    case 'too_small':
      return `use at least ${String(issue.minimum)}`
    case 'too_big':
      return `use at most ${String(issue.maximum)}`
    case 'invalid_type':
      return `give a ${issue.expected}`
    default:
      return reference
  }
}

/** Environment variable holding the HMAC key for fingerprints. */
export const HMAC_KEY_VARIABLE = 'TOKENLAB_LOGFILTER_HMAC_KEY'
const MIN_HMAC_KEY_BYTES = 16

/** Reads the HMAC key from the environment; a key that is set but too short is a configuration error. */
export function hmacKeyFromEnvironment(environment: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const value = environment[HMAC_KEY_VARIABLE]
  if (value === undefined || value === '') return undefined
  const key = Buffer.from(value, 'utf8')
  if (key.length < MIN_HMAC_KEY_BYTES) {
    throw new LogfilterError(
      'INVALID_OPTION',
      HMAC_KEY_VARIABLE,
      `the key has ${key.length} bytes, fewer than ${MIN_HMAC_KEY_BYTES}`,
      'set it to at least 16 random bytes, for example the output of: openssl rand -hex 32',
    )
  }
  return key
}

/**
 * Builds the options table of the README (filter options) or of docs/transport.md (transport
 * options) from the schema. Options without a CLI flag are transport-only.
 */
export function optionsTableMarkdown(optionsSchema: typeof filterOptionsSchema | typeof transportOptionsSchema = filterOptionsSchema): string {
  const rows = ['| Option (transport) | CLI flag | Type | Default | Meaning |', '| --- | --- | --- | --- | --- |']
  for (const [name, schema] of Object.entries(optionsSchema.shape)) {
    const definition = schema._zod.def as { type: string; defaultValue?: unknown; innerType?: { _zod: { def: { type: string } } } }
    const inner = definition.innerType?._zod.def.type ?? definition.type
    let type = inner
    if (inner === 'enum') type = 'string'
    else if (inner === 'union') type = 'string or number'
    const fallback = definition.defaultValue === undefined ? 'none' : `\`${JSON.stringify(definition.defaultValue)}\``
    const flag = OPTION_FLAGS[name as keyof FilterOptions]
    const flagCell = flag === undefined ? 'none (transport only)' : `\`${flag}\``
    const cells = [`\`${name}\``, flagCell, type, fallback, schema.description ?? '']
    rows.push(`| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`)
  }
  return rows.join('\n')
}
