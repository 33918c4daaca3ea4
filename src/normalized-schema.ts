/**
 * The normalized TokenLab block: the fixed schema that every record carrying a TokenLab
 * identifier gets under one key (`tokenlab` by default). The README's JSON Schema is generated
 * from this definition (`tokenlab-logfilter --print-schema`), and tests validate output against
 * it. Building the block per line is plain code in stages/normalize.ts; zod never runs per line.
 */
import { z } from 'zod'

export const TASK_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const
export const RETRY_OUTCOMES = ['new_task', 'resumed_task'] as const

const identifierList = z.array(z.string()).min(2)

export const normalizedBlockSchema = z
  .object({
    request_id: z.string().describe('TokenLab request id (body request_id, error.request_id or the X-Request-ID header)'),
    task_id: z.string().describe('Public async task id, ldtask_ prefix (body id or task_id, X-Task-ID header, or taken from poll_url)'),
    poll_url: z.string().describe('Path of the task status URL; scheme, host and query string are removed'),
    billing_transaction_id: z.string().describe('Billing transaction id (body field or X-Billing-Transaction-ID header)'),
    model: z.string().describe('Model named in the request or response'),
    endpoint: z.string().describe('Path of the request URL, without query string'),
    method: z.string().describe('HTTP method, upper case'),
    status_code: z.number().int().min(100).max(599).describe('HTTP status code of the response'),
    latency_ms: z.number().min(0).describe('Request latency in milliseconds, as the application logged it'),
    task_status: z.enum(TASK_STATUSES).describe('Async task status; cancelled when the task reports cancelled: true'),
    error: z
      .object({
        type: z.string().optional(),
        code: z.string().optional(),
        message: z.string().optional(),
        param: z.string().optional(),
        retryable: z.boolean().optional(),
        retry_after: z.number().optional(),
      })
      .strict()
      .describe('The public error body fields'),
    request_fields: z.array(z.string()).describe("Names of the request body's top-level fields (the sanitized request shape)"),
    retry: z
      .object({
        attempt: z.number().int().min(0).optional(),
        outcome: z.enum(RETRY_OUTCOMES).optional(),
      })
      .strict()
      .describe('Client retry attempt and whether the retry created a new task or resumed one'),
    job_id: z.string().describe("The application's own job id, from the configured job_id paths"),
    user_id: z.string().describe("The application's own user id, from the configured user_id paths"),
    conflicts: z
      .object({
        request_id: identifierList.optional(),
        task_id: identifierList.optional(),
        poll_url: identifierList.optional(),
        billing_transaction_id: identifierList.optional(),
      })
      .strict()
      .describe('Every distinct value of an identifier that appeared with more than one value; the field itself holds the first'),
    hint: z
      .object({
        id: z.string(),
        first_check: z.string(),
        docs: z.string(),
      })
      .strict()
      .describe("The observability guide's first check for this error class, and its docs page"),
  })
  .partial()

export type NormalizedBlock = z.infer<typeof normalizedBlockSchema>

/** The JSON Schema of the block, for the README and --print-schema. */
export function normalizedBlockJsonSchema(): unknown {
  return z.toJSONSchema(normalizedBlockSchema, { target: 'draft-2020-12' })
}
