/**
 * `tokenlab-logfilter reconcile`: joins the request_ids and billing_transaction_ids seen in the
 * logs with TokenLab usage records. The records come from a saved export (--usage) or from the
 * Management API (--key-id, with the token from TOKENLAB_MANAGEMENT_TOKEN). The report lists what
 * was logged but never billed, billed but never logged, and async tasks still unsettled.
 */
import { z } from 'zod'
import { LogfilterError, PROGRAM_NAME } from '../errors.js'
import { createFilter } from '../index.js'
import type { NormalizedBlock } from '../normalized-schema.js'
import { FILTER_OPTION_SPECS, filterOptionsFrom, parseCount, parseToolArgs, parseToolOptions } from './args.js'
import { logSources, readSources } from './log-input.js'
import { OperationIndex, reconcile, type Window } from './reconcile-join.js'
import { renderReconcileText } from './reconcile-render.js'
import { ReportOutput } from './report-output.js'
import { EXIT_FOUND, EXIT_OK, reportLeakCheckHits, runtimeFailure } from './shared.js'
import { outputTimestamp } from './support-packet-collect.js'
import { fetchUsage, MAX_RETRY_AFTER_SECONDS, PAGE_LIMIT } from './usage-api.js'
import { loadUsageExport, type UsageRecord } from './usage-records.js'

const COMMAND = 'reconcile'
export const MANAGEMENT_TOKEN_VARIABLE = 'TOKENLAB_MANAGEMENT_TOKEN'
const DEFAULT_BASE_URL = 'https://api.tokenlab.sh'
const DEFAULT_MAX_RETRIES = 4
const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_MAX_LISTED = 100
/** Scenes of the usage filter, from both revisions of the API reference. */
const SCENES = ['chat', 'image', 'audio', 'video', 'embedding', 'rerank', 'translation', 'music', '3d', 'realtime'] as const

export const RECONCILE_HELP = `Usage: ${PROGRAM_NAME} reconcile (--usage FILE | --key-id KEY_ID) [options] [FILE...]

Joins the request_ids and billing_transaction_ids in the logs with TokenLab usage records, and
reports records logged but never billed, billed but never logged, and async tasks still
unsettled, with totals and costs. Records that share a request_id, task_id or
billing_transaction_id count as one operation; a usage record joins by billing_transaction_id,
else by request_id. Errors and failed tasks without a billing id are not expected in usage and
are only counted. Logs are filtered on the way; reads stdin when no FILE is given.

Usage records come from a saved export (--usage: the JSON the usage endpoint returns, an array
of such pages or of records, or NDJSON), or from the Management API (--key-id):
GET /v1/management/api-keys/{keyId}/usage, ${PAGE_LIMIT} records a page. The management token is read
from ${MANAGEMENT_TOKEN_VARIABLE} only, never from a flag, and is never printed. A 429 waits for
Retry-After (at most ${MAX_RETRY_AFTER_SECONDS} s); a 5xx or a network failure is retried with
exponential backoff; 401 and 403 stop at once.

Without --start-date and --end-date, the window is the days (UTC) of the first and last log
timestamps, so usage from the rest of those days counts as billed but never logged.

Options:
  --usage FILE          saved usage export
  --key-id KEY_ID       fetch the usage of this API key id (key_..., not the key itself)
  --base-url URL        API base URL (default ${DEFAULT_BASE_URL}); http only for 127.0.0.1, localhost, ::1
  --start-date DATE     first day or instant: YYYY-MM-DD or RFC 3339 with a time zone
  --end-date DATE       last day or instant, inclusive
  --scene SCENE         only this scene: ${SCENES.join(', ')}
  --json                write the report as JSON
  --max-listed N        entries listed per section in text output (default ${DEFAULT_MAX_LISTED})
  --max-retries N       retries per page after a 429, a 5xx or a network failure (default ${DEFAULT_MAX_RETRIES})
  --timeout-ms N        time limit of one API request, in milliseconds (default ${DEFAULT_TIMEOUT_MS})
  --rules FILE          rule file, as for the filter
  --max-line-bytes N    longest line kept whole, in bytes (default 1048576)
  --help                print this help

Example (text):
  $ ${PROGRAM_NAME} reconcile --usage usage.json calls.ndjson
  Reconciled 4 logged operations with 3 usage records (2026-05-04 to 2026-05-04, all scenes).

  Logged but never billed (1):
    req_fake8003embed  btx_fake8003embed0000000  POST /v1/embeddings  text-embedding-3-small  HTTP 200  last seen 2026-05-04T10:00:10.000Z

  Billed but never logged (1):
    req_fake8999other  btx_fake8999other0000000  gpt-4o-mini  chat  $0.0123  2026-05-04T11:00:00Z

  Async tasks still unsettled (1):
    req_fake8002video  ldtask_fake0000fake0000fake0000fake0008  POST /v1/videos/generations  seedance-2.0  HTTP 202  task pending  last seen 2026-05-04T10:00:05.000Z

  Totals:
    logged operations 4: billed 1, never billed 1, unsettled tasks 1, errors and failed tasks (not billable) 1, outside --scene or dates 0
    usage records 3: matched 1, never logged 1, outside --scene or dates 1
    cost (USD): usage 0.0135, matched 0.0012, never logged 0.0123

With --json the report is one JSON object: window, scene, logged_not_billed, billed_not_logged,
unsettled_tasks (all entries, never capped) and totals (the counts and cost_usd above).

Exit codes: 0 everything reconciled (unsettled tasks may remain), 1 records logged but never
billed or billed but never logged, 2 configuration error, 3 read failure or API failure.
`

const DATE = /^\d{4}-\d{2}-\d{2}$|^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/
const dateSchema = z.string().regex(DATE, 'not a date').refine((text) => !Number.isNaN(Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text)), 'not a valid date')

const reconcileOptionsSchema = z
  .object({
    usage: z.string().min(1).optional(),
    keyId: z
      .string()
      .refine((id) => !/^(sk|mt)-/.test(id), 'this is an API key or a management token, not a key id; give the id (key_...) that the Management API lists')
      .refine((id) => /^[A-Za-z0-9_.-]{1,128}$/.test(id), 'a key id is 1 to 128 letters, digits, "_", "-" or "."')
      .optional(),
    baseUrl: z.string().default(DEFAULT_BASE_URL).superRefine(checkBaseUrl),
    startDate: dateSchema.optional(),
    endDate: dateSchema.optional(),
    scene: z.enum(SCENES, { error: 'unknown scene' }).optional(),
    maxListed: z.number().int().min(0).default(DEFAULT_MAX_LISTED),
    maxRetries: z.number().int().min(0).max(20).default(DEFAULT_MAX_RETRIES),
    timeoutMs: z.number().int().min(100).default(DEFAULT_TIMEOUT_MS),
  })
  .strict()
  .refine((options) => (options.usage === undefined) !== (options.keyId === undefined), { message: 'give exactly one of --usage and --key-id' })

const FLAGS = {
  usage: '--usage',
  keyId: '--key-id',
  baseUrl: '--base-url',
  startDate: '--start-date',
  endDate: '--end-date',
  scene: '--scene',
  maxListed: '--max-listed',
  maxRetries: '--max-retries',
  timeoutMs: '--timeout-ms',
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

function checkBaseUrl(text: string, context: z.core.$RefinementCtx): void {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    context.addIssue({ code: 'custom', message: 'not a URL' })
    return
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') context.addIssue({ code: 'custom', message: 'the scheme must be https' })
  else if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname) && !url.hostname.startsWith('127.')) {
    context.addIssue({ code: 'custom', message: 'plain http would send the management token unencrypted; use https (http is accepted only for 127.0.0.1, localhost and ::1)' })
  }
  if (url.username !== '' || url.password !== '') context.addIssue({ code: 'custom', message: 'the URL must not contain credentials; the token comes from ' + MANAGEMENT_TOKEN_VARIABLE })
  if (url.search !== '' || url.hash !== '') context.addIssue({ code: 'custom', message: 'the URL must not have a query string or fragment' })
}

/** Reads the management token from the environment; its value never appears in a message. */
export function managementTokenFromEnvironment(environment: NodeJS.ProcessEnv = process.env): string {
  const token = environment[MANAGEMENT_TOKEN_VARIABLE]
  if (token === undefined || token === '') {
    throw new LogfilterError('INVALID_OPTION', MANAGEMENT_TOKEN_VARIABLE, 'not set, and --key-id needs it', `export ${MANAGEMENT_TOKEN_VARIABLE}=mt-... (it is never accepted as a flag)`)
  }
  if (token.startsWith('sk-')) {
    throw new LogfilterError('INVALID_OPTION', MANAGEMENT_TOKEN_VARIABLE, 'contains an API key (sk-...), which the Management API rejects', 'set it to a management token (mt-...)')
  }
  if (!/^[\x21-\x7e]{8,512}$/.test(token)) {
    throw new LogfilterError('INVALID_OPTION', MANAGEMENT_TOKEN_VARIABLE, 'is not a token: it must be 8 to 512 visible ASCII characters without spaces', 'copy the management token again, without quotes or line breaks')
  }
  return token
}

export async function runReconcile(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(COMMAND, argv, {
    ...FILTER_OPTION_SPECS,
    usage: { type: 'string' },
    'key-id': { type: 'string' },
    'base-url': { type: 'string' },
    'start-date': { type: 'string' },
    'end-date': { type: 'string' },
    scene: { type: 'string' },
    json: { type: 'boolean' },
    'max-listed': { type: 'string' },
    'max-retries': { type: 'string' },
    'timeout-ms': { type: 'string' },
  })
  if (values.help === true) {
    process.stdout.write(RECONCILE_HELP)
    return EXIT_OK
  }
  const count = (flag: string, example: string): number | undefined => {
    const text = values[flag.slice(2)]
    return typeof text === 'string' ? parseCount(COMMAND, flag, text, example) : undefined
  }
  const options = parseToolOptions(COMMAND, reconcileOptionsSchema, {
    usage: values.usage,
    keyId: values['key-id'],
    baseUrl: values['base-url'],
    startDate: values['start-date'],
    endDate: values['end-date'],
    scene: values.scene,
    maxListed: count('--max-listed', '100'),
    maxRetries: count('--max-retries', '4'),
    timeoutMs: count('--timeout-ms', '30000'),
  }, FLAGS)
  const token = options.keyId === undefined ? undefined : managementTokenFromEnvironment()
  const exported = options.usage === undefined ? undefined : loadUsageExport(options.usage, '--usage')

  let block: NormalizedBlock | undefined
  const filter = createFilter(filterOptionsFrom(COMMAND, values), 'command line', {
    onNormalized: (normalized) => {
      block = normalized
    },
  })
  const sources = logSources(COMMAND, positionals)
  const index = new OperationIndex()
  let firstTime: string | undefined
  let lastTime: string | undefined
  try {
    await readSources(sources, filter.options.maxLineBytes, (_source, line, flags) => {
      block = undefined
      const output = filter.pipeline.processLine(line, flags)
      if (block === undefined || output === null) return
      const timestamp = outputTimestamp(output)
      if (!index.add(block, timestamp) || timestamp === undefined) return
      if (firstTime === undefined || timestamp < firstTime) firstTime = timestamp
      if (lastTime === undefined || timestamp > lastTime) lastTime = timestamp
    })
  } catch (error) {
    return runtimeFailure(COMMAND, error)
  }

  const window = chooseWindow(options.startDate, options.endDate, firstTime, lastTime)
  let usage: UsageRecord[]
  if (exported !== undefined) usage = exported
  else {
    try {
      const fetched = await fetchUsage(
        { keyId: options.keyId as string, ...definedOnly({ startDate: window.start, endDate: window.end, scene: options.scene }) },
        {
          baseUrl: options.baseUrl,
          token: token as string,
          maxRetries: options.maxRetries,
          timeoutMs: options.timeoutMs,
          onRetry: (message) => process.stderr.write(`${PROGRAM_NAME}: ${message}\n`),
        },
      )
      usage = fetched.records
      process.stderr.write(`${PROGRAM_NAME}: ${COMMAND}: fetched ${usage.length} usage records in ${fetched.pages} ${fetched.pages === 1 ? 'page' : 'pages'} (${fetched.retries} ${fetched.retries === 1 ? 'retry' : 'retries'})\n`)
    } catch (error) {
      return runtimeFailure(COMMAND, error)
    }
  }

  const report = reconcile(index, usage, window, options.scene)
  const output = new ReportOutput(filter.rules.censor)
  output.writeLine(values.json === true ? JSON.stringify(report, null, 2) : renderReconcileText(report, options.maxListed))
  await output.finish()
  reportLeakCheckHits(COMMAND, output.leakCheckHits)
  if (output.failure !== undefined) return runtimeFailure(COMMAND, new Error(`stdout write failed (${output.failure})`))
  return report.totals.logged_not_billed > 0 || report.totals.billed_not_logged > 0 ? EXIT_FOUND : EXIT_OK
}

/** Chooses the window given by the flags, or else the UTC days of the first and last log timestamps. */
function chooseWindow(start: string | undefined, end: string | undefined, firstTime: string | undefined, lastTime: string | undefined): Window {
  if (start !== undefined || end !== undefined) return definedOnly({ start, end })
  return definedOnly({ start: firstTime?.slice(0, 10), end: lastTime?.slice(0, 10) })
}

function definedOnly<Value extends Record<string, string | undefined>>(value: Value): { [Key in keyof Value]?: string } {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as { [Key in keyof Value]?: string }
}
