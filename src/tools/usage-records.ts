/**
 * Usage records of the TokenLab Management API (`GET /v1/management/api-keys/{keyId}/usage`):
 * the zod schema of a response page, and the loader of a saved export. Only the fields that
 * reconciliation needs are kept; zod drops the rest (tokens, prices, the api_key object).
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { LogfilterError } from '../errors.js'

const optionalText = z.string().nullish()

export const usageItemSchema = z.object({
  request_id: optionalText,
  billing_transaction_id: optionalText,
  model: optionalText,
  scene: optionalText,
  cost: z.number().nullish(),
  cost_decimal: optionalText,
  created_at: optionalText,
})

export const usagePageSchema = z.object({
  items: z.array(usageItemSchema),
  pagination: z
    .object({
      page: z.number().int().optional(),
      limit: z.number().int().optional(),
      total: z.number().int().optional(),
      totalPages: z.number().int().optional(),
    })
    .optional(),
})

export type UsageItemInput = z.infer<typeof usageItemSchema>
export type UsagePage = z.infer<typeof usagePageSchema>

/** One usage record, as reconciliation uses it. */
export interface UsageRecord {
  readonly request_id?: string
  readonly billing_transaction_id?: string
  readonly model?: string
  readonly scene?: string
  /** Cost in USD as an exact decimal string (cost_decimal, else cost). */
  readonly cost?: string
  readonly created_at?: string
}

export function toUsageRecord(item: UsageItemInput): UsageRecord {
  const record: { -readonly [Key in keyof UsageRecord]: UsageRecord[Key] } = {}
  if (item.request_id) record.request_id = item.request_id
  if (item.billing_transaction_id) record.billing_transaction_id = item.billing_transaction_id
  if (item.model) record.model = item.model
  if (item.scene) record.scene = item.scene
  const cost = item.cost_decimal ?? (typeof item.cost === 'number' ? decimalText(item.cost) : undefined)
  if (cost !== undefined && cost !== null && DECIMAL.test(cost)) record.cost = cost
  if (item.created_at) record.created_at = item.created_at
  return record
}

const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/
/** Fraction digits kept when a cost comes as a JSON number; beyond this a double is noise anyway. */
const NUMBER_FRACTION_DIGITS = 12

function decimalText(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined
  return value.toFixed(NUMBER_FRACTION_DIGITS).replace(/\.?0+$/, '')
}

/** Exact sum of decimal strings (costs in USD), without floating-point rounding. */
export function sumDecimals(values: readonly string[]): string {
  let scale = 0
  for (const value of values) scale = Math.max(scale, (value.split('.')[1] ?? '').length)
  let total = 0n
  for (const value of values) {
    const negative = value.startsWith('-')
    const [whole = '0', fraction = ''] = (negative ? value.slice(1) : value).split('.')
    const scaled = BigInt(whole + fraction.padEnd(scale, '0'))
    total += negative ? -scaled : scaled
  }
  const sign = total < 0n ? '-' : ''
  const digits = (total < 0n ? -total : total).toString().padStart(scale + 1, '0')
  if (scale === 0) return sign + digits
  const fraction = digits.slice(-scale).replace(/0+$/, '')
  return sign + digits.slice(0, -scale) + (fraction === '' ? '' : `.${fraction}`)
}

/**
 * Loads a saved export: one API response page, an array of pages, an array of usage items, or
 * NDJSON with one page or item per line. A problem is a configuration error that names the file
 * and the position, never a value.
 */
export function loadUsageExport(path: string, flag: string): UsageRecord[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    const problem = code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${code})`
    throw new LogfilterError('INVALID_OPTION', `command line: ${flag} ${path}`, problem, 'give the path of a saved usage export (JSON)')
  }
  const documents = parseDocuments(text, `${flag} ${path}`)
  const records: UsageRecord[] = []
  for (const [index, document] of documents.entries()) {
    const where = documents.length === 1 ? '' : `[${index}]`
    const entries = Array.isArray(document) ? document : [document]
    for (const [position, entry] of entries.entries()) {
      const at = Array.isArray(document) ? `${where}[${position}]` : where
      if (entry !== null && typeof entry === 'object' && Object.hasOwn(entry, 'items')) {
        const page = usagePageSchema.safeParse(entry)
        if (!page.success) throw invalidExport(`${flag} ${path}`, at, page.error)
        for (const item of page.data.items) records.push(toUsageRecord(item))
      } else {
        const item = usageItemSchema.safeParse(entry)
        if (!item.success) throw invalidExport(`${flag} ${path}`, at, item.error)
        records.push(toUsageRecord(item.data))
      }
    }
  }
  return records
}

function parseDocuments(text: string, where: string): unknown[] {
  try {
    return [JSON.parse(text) as unknown]
  } catch {
    // Not one JSON document: try NDJSON.
  }
  const documents: unknown[] = []
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    try {
      documents.push(JSON.parse(line) as unknown)
    } catch {
      throw new LogfilterError('INVALID_OPTION', `command line: ${where}`, `line ${index + 1} is not JSON`, 'give the JSON the usage endpoint returned, or NDJSON with one page or record per line')
    }
  }
  if (documents.length === 0) throw new LogfilterError('INVALID_OPTION', `command line: ${where}`, 'the file is empty', 'give the JSON the usage endpoint returned')
  return documents
}

function invalidExport(where: string, at: string, error: z.ZodError): LogfilterError {
  const issue = error.issues[0]
  const path = (issue?.path ?? []).map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('')
  const position = `${at}${path}`.replace(/^\./, '') || 'top level'
  return new LogfilterError('INVALID_OPTION', `command line: ${where}: ${position}`, issue?.message ?? 'invalid usage record', 'give usage records as the Management API returns them (items[] with request_id, billing_transaction_id, cost_decimal, created_at)')
}
