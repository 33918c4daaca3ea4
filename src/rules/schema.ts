/**
 * The rule-file schema. zod checks every file once at start-up; nothing here runs per line.
 */
import { z } from 'zod'

export const ACTIONS = ['redact', 'drop', 'stub', 'hmac', 'partial', 'drop_line'] as const
export type Action = (typeof ACTIONS)[number]

export const DETECTORS = [
  'bearer_credential',
  'sk_key',
  'mt_token',
  'jwt',
  'aws_access_key',
  'google_api_key',
  'pem_private_key',
  'url_credentials',
  'redis_url',
  'data_url',
  'email',
  'phone',
  'text_key_value',
] as const
export type DetectorName = (typeof DETECTORS)[number]

export const VALUE_TYPES = ['string', 'number', 'boolean', 'object', 'array', 'null'] as const
export type ValueType = (typeof VALUE_TYPES)[number]

const ruleId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'an id is 1 to 64 characters of a-z, 0-9, "_" and "-", starting with a letter or digit')

const nonEmptyStrings = z.array(z.string().min(1, 'must not be empty')).min(1, 'must list at least one entry')

export const matchSchema = z
  .object({
    paths: nonEmptyStrings.optional(),
    anywhere: z.boolean().optional(),
    keys: nonEmptyStrings.optional(),
    types: z.array(z.enum(VALUE_TYPES)).min(1).optional(),
    unless_value_starts_with: nonEmptyStrings.optional(),
    detector: z.enum(DETECTORS).optional(),
    pattern: z.string().min(1).optional(),
    flags: z.string().regex(/^[imsu]*$/, 'only the flags i, m, s and u are allowed').optional(),
    contains: nonEmptyStrings.optional(),
    empty_line: z.literal(true).optional(),
  })
  .strict()

export const ruleSchema = z
  .object({
    id: ruleId,
    description: z.string().min(1, 'describe what the rule protects'),
    source: z.string().url('must be a URL').optional(),
    enabled: z.boolean().optional(),
    match: matchSchema,
    action: z.enum(ACTIONS),
    stub: z.string().regex(/^[a-z_]{1,32}$/, 'a stub kind is 1 to 32 characters of a-z and "_"').optional(),
    keep_chars: z.number().int().min(0).max(64).optional(),
    format: z.enum(['cookie']).optional(),
  })
  .strict()

export type RuleSpec = z.infer<typeof ruleSchema>
export type MatchSpec = z.infer<typeof matchSchema>

export const IDENTIFIER_FIELDS = ['request_id', 'task_id', 'poll_url', 'billing_transaction_id'] as const
export type IdentifierField = (typeof IDENTIFIER_FIELDS)[number]

const identifierSourceSchema = z
  .object({
    keys: nonEmptyStrings,
    format: z.string().min(1),
  })
  .strict()

export const hintSchema = z
  .object({
    id: ruleId,
    description: z.string().min(1),
    status: z.array(z.number().int().min(100).max(599)).min(1).optional(),
    error_types: nonEmptyStrings.optional(),
    error_codes: nonEmptyStrings.optional(),
    /** Matches a record that carried several values of one of these identifiers. */
    conflicts: z.array(z.enum(IDENTIFIER_FIELDS)).min(1).optional(),
    first_check: z.string().min(1),
    docs: z.string().url('must be a URL'),
  })
  .strict()
  .refine(
    (hint) => hint.status !== undefined || hint.error_types !== undefined || hint.error_codes !== undefined || hint.conflicts !== undefined,
    'a hint needs at least one condition (status, error_types, error_codes or conflicts), or it would match every error record',
  )

export type HintSpec = z.infer<typeof hintSchema>

export const normalizeSchema = z
  .object({
    enabled: z.boolean().optional(),
    key: z.string().min(1).max(64).optional(),
    job_id_paths: z.array(z.string().min(1)).optional(),
    user_id_paths: z.array(z.string().min(1)).optional(),
    identifiers: z
      .object({
        request_id: identifierSourceSchema.optional(),
        task_id: identifierSourceSchema.optional(),
        poll_url: identifierSourceSchema.optional(),
        billing_transaction_id: identifierSourceSchema.optional(),
      })
      .strict()
      .optional(),
    hints: z.boolean().optional(),
  })
  .strict()

export type NormalizeSpec = z.infer<typeof normalizeSchema>

export const ruleFileSchema = z
  .object({
    version: z.literal(1, 'the only rule-file version is 1'),
    extends: z.literal('default', 'the only pack a file can extend is "default"').optional(),
    description: z.string().optional(),
    censor: z.string().min(1).max(64).optional(),
    protected_keys: z.array(z.string().min(1)).optional(),
    disable: z.array(ruleId).optional(),
    normalize: normalizeSchema.optional(),
    hints: z.array(hintSchema).optional(),
    rules: z.array(z.unknown()).optional(),
  })
  .strict()

export type RuleFile = z.infer<typeof ruleFileSchema>
