import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseRetryAfter } from '../../src/tools/usage-api.js'
import { sumDecimals } from '../../src/tools/usage-records.js'
import { EXAMPLE_FOLDER, expectNoCanaries, helpExample, runCli, type CliResult } from './helpers.js'
import { startUsageApi, type MockOptions, type MockUsageApi, type MockUsageItem } from './usage-api-server.js'

const TOKEN = 'mt-FAKEmanagementTOKENfake0000000000'
const KEY_ID = 'key_fake000001'
const TASK2 = 'ldtask_fake0000fake0000fake0000fake0002'

const BILLED: MockUsageItem[] = [
  { request_id: 'req_fake7001chat', billing_transaction_id: 'btx_fake7001chat000000000', model: 'gpt-4o-mini', scene: 'chat', cost: 0.0012, cost_decimal: '0.0012', created_at: '2026-05-04T10:00:02Z' },
  { request_id: 'req_fake7002video', billing_transaction_id: 'btx_fake7002video0000000', model: 'seedance-2.0', scene: 'video', cost: 0.4, cost_decimal: '0.40', created_at: '2026-05-04T10:00:09Z' },
  // The stream was logged without a billing id; usage joins it by request_id.
  { request_id: 'req_fake7004stream', billing_transaction_id: 'btx_fake7004stream000000', model: 'gpt-4o-mini', scene: 'chat', cost: 0.0009, cost_decimal: '0.0009', created_at: '2026-05-04T10:00:12Z' },
  { request_id: 'req_fake9999other', billing_transaction_id: 'btx_fake9999other0000000', model: 'gpt-4o', scene: 'chat', cost: 0.0123, cost_decimal: '0.0123', created_at: '2026-05-04T11:00:00Z' },
  { request_id: 'req_fake9998before', billing_transaction_id: 'btx_fake9998before000000', model: 'gpt-4o', scene: 'chat', cost: 1, cost_decimal: '1', created_at: '2026-05-03T23:59:59Z' },
]

interface ReportJson {
  window: { start?: string; end?: string }
  scene?: string
  logged_not_billed: Record<string, unknown>[]
  billed_not_logged: Record<string, unknown>[]
  unsettled_tasks: Record<string, unknown>[]
  totals: Record<string, unknown> & { cost_usd: Record<string, string> }
}

const servers: MockUsageApi[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

async function startApi(overrides: Partial<MockOptions> = {}): Promise<MockUsageApi> {
  const server = await startUsageApi({ token: TOKEN, keyId: KEY_ID, items: BILLED, ...overrides })
  servers.push(server)
  return server
}

function runAgainst(api: MockUsageApi, args: readonly string[], token: string | undefined = TOKEN): Promise<CliResult> {
  const env = token === undefined ? {} : { TOKENLAB_MANAGEMENT_TOKEN: token }
  return runCli(['reconcile', '--key-id', KEY_ID, '--base-url', api.baseUrl, ...args, 'app.ndjson'], { env })
}

function expectClean(result: CliResult): void {
  expect(result.stdout).not.toContain(TOKEN)
  expect(result.stderr).not.toContain(TOKEN)
  expect(result.stderr).not.toContain(TOKEN.slice(-12))
  expectNoCanaries(result.stdout)
  expectNoCanaries(result.stderr)
}

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'reconcile-')), name)
  writeFileSync(path, text)
  return path
}

describe('reconcile with the Management API', () => {
  it('reports all three categories with totals', async () => {
    const api = await startApi()
    const result = await runAgainst(api, ['--json'])
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as ReportJson
    expect(report.window).toEqual({ start: '2026-05-04', end: '2026-05-04' })
    expect(report.logged_not_billed).toEqual([
      { request_id: 'req_fake7008embed', billing_transaction_id: 'btx_fake7008embed0000000', method: 'POST', endpoint: '/v1/embeddings', status_code: 200, first_seen: '2026-05-04T10:00:19.500Z', last_seen: '2026-05-04T10:00:19.500Z' },
    ])
    expect(report.billed_not_logged).toEqual([
      { request_id: 'req_fake9999other', billing_transaction_id: 'btx_fake9999other0000000', model: 'gpt-4o', scene: 'chat', cost: '0.0123', created_at: '2026-05-04T11:00:00Z' },
    ])
    expect(report.unsettled_tasks).toEqual([
      { request_id: 'req_fake7005video', task_id: TASK2, method: 'POST', endpoint: '/v1/videos/generations', model: 'seedance-2.0', status_code: 200, task_status: 'processing', first_seen: '2026-05-04T10:00:12.000Z', last_seen: '2026-05-04T10:00:13.500Z' },
    ])
    expect(report.totals).toEqual({
      logged_operations: 7,
      billed: 3,
      logged_not_billed: 1,
      unsettled_tasks: 1,
      not_billable: 2,
      outside_filters: 0,
      usage_records: 4,
      usage_matched: 3,
      billed_not_logged: 1,
      usage_outside_window: 0,
      cost_usd: { usage: '0.4144', matched: '0.4021', billed_not_logged: '0.0123' },
    })
    expect(result.stderr).toBe('tokenlab-logfilter: reconcile: fetched 4 usage records in 1 page (0 retries)\n')
    expectClean(result)
  })

  it('sends the token only in the Authorization header', async () => {
    const api = await startApi()
    await runAgainst(api, [])
    expect(api.requests).toHaveLength(1)
    expect(api.requests[0]?.authorization).toBe(`Bearer ${TOKEN}`)
    expect(api.requests[0]?.path).toBe(`/v1/management/api-keys/${KEY_ID}/usage`)
    expect(api.requests[0]?.query).toEqual({ page: '1', limit: '100', startDate: '2026-05-04', endDate: '2026-05-04' })
  })

  it('fetches every page', async () => {
    const filler: MockUsageItem[] = Array.from({ length: 246 }, (_, index) => ({
      request_id: `req_fakefill${String(index).padStart(4, '0')}`,
      billing_transaction_id: null,
      model: 'gpt-4o-mini',
      scene: 'chat',
      cost: 0.001,
      cost_decimal: '0.001',
      created_at: '2026-05-04T12:00:00Z',
    }))
    const api = await startApi({ items: [...BILLED, ...filler] })
    const result = await runAgainst(api, ['--json'])
    const report = JSON.parse(result.stdout) as ReportJson
    expect(api.requests.map((request) => request.page)).toEqual([1, 2, 3])
    expect(report.totals.usage_records).toBe(250)
    expect(report.totals.billed_not_logged).toBe(247)
    expect(report.totals.cost_usd.billed_not_logged).toBe('0.2583')
    expect(result.stderr).toBe('tokenlab-logfilter: reconcile: fetched 250 usage records in 3 pages (0 retries)\n')
  })

  it('passes --scene and the dates to the API', async () => {
    const api = await startApi()
    const result = await runAgainst(api, ['--json', '--scene', 'video', '--start-date', '2026-05-01', '--end-date', '2026-05-31T23:59:59Z'])
    expect(api.requests[0]?.query).toEqual({ page: '1', limit: '100', scene: 'video', startDate: '2026-05-01', endDate: '2026-05-31T23:59:59Z' })
    const report = JSON.parse(result.stdout) as ReportJson
    expect(report.totals).toMatchObject({ usage_records: 1, usage_matched: 1, billed: 1, unsettled_tasks: 1, outside_filters: 4 })
    expect(report.logged_not_billed).toEqual([])
    expect(result.code).toBe(0)
  })

  it('stops at once on 401', async () => {
    const api = await startApi()
    const result = await runAgainst(api, [], 'mt-FAKEwrongTOKENfake00000000000000')
    expect(result.code).toBe(3)
    expect(api.requests).toHaveLength(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      `tokenlab-logfilter: reconcile: GET ${api.baseUrl}/v1/management/api-keys/${KEY_ID}/usage page 1: HTTP 401 invalid_api_key: the management token was rejected; check TOKENLAB_MANAGEMENT_TOKEN: it must be a management token (mt-...) of the organization that owns the key\n`,
    )
    expect(result.stderr).not.toContain('mt-FAKEwrong')
  })

  it('waits for Retry-After on 429', async () => {
    const api = await startApi({ faults: { 1: [{ status: 429, headers: { 'retry-after': '1' }, body: { error: { type: 'rate_limit_exceeded', code: 'rate_limit_exceeded', message: 'Slow down' } } }] } })
    const result = await runAgainst(api, [])
    expect(result.code).toBe(1)
    expect(api.requests).toHaveLength(2)
    const [first, second] = api.requests
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950)
    expect(result.stderr).toBe([
      `tokenlab-logfilter: reconcile: GET ${api.baseUrl}/v1/management/api-keys/${KEY_ID}/usage page 1: HTTP 429 rate_limit_exceeded; retrying in 1.0 s (retry 1 of 4)`,
      'tokenlab-logfilter: reconcile: fetched 4 usage records in 1 page (1 retry)',
      '',
    ].join('\n'))
    expectClean(result)
  })

  it('retries 5xx with backoff', async () => {
    const api = await startApi({ faults: { 1: [{ status: 503 }, { status: 502 }] } })
    const result = await runAgainst(api, ['--json'])
    expect(result.code).toBe(1)
    expect(api.requests).toHaveLength(3)
    expect(result.stderr).toMatch(/page 1: HTTP 503; retrying in \d\.\d s \(retry 1 of 4\)\n/)
    expect(result.stderr).toMatch(/page 1: HTTP 502; retrying in \d\.\d s \(retry 2 of 4\)\n/)
    expect((JSON.parse(result.stdout) as ReportJson).totals.usage_records).toBe(4)
  })

  it('gives up after --max-retries', async () => {
    const api = await startApi({ always: { status: 500, body: { error: { type: 'internal_error' } } } })
    const result = await runAgainst(api, ['--max-retries', '2'])
    expect(result.code).toBe(3)
    expect(api.requests).toHaveLength(3)
    expect(result.stdout).toBe('')
    expect(result.stderr.split('\n').at(-2)).toBe(
      `tokenlab-logfilter: reconcile: GET ${api.baseUrl}/v1/management/api-keys/${KEY_ID}/usage page 1: HTTP 500 internal_error, and 2 retries failed; try again later, or raise --max-retries`,
    )
  })

  it('rejects a Retry-After beyond the limit', async () => {
    const api = await startApi({ faults: { 1: [{ status: 429, headers: { 'retry-after': '600' } }] } })
    const result = await runAgainst(api, [])
    expect(result.code).toBe(3)
    expect(api.requests).toHaveLength(1)
    expect(result.stderr).toContain('page 1: HTTP 429; the server asks to wait 600 s, longer than 120 s; run the command again later')
  })

  it('reports an unknown key id', async () => {
    const api = await startApi({ keyId: 'key_other' })
    const result = await runAgainst(api, [])
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('HTTP 404 not_found: the key was not found; check --key-id')
  })

  it('reports a server that is not listening', async () => {
    const api = await startApi()
    await api.close()
    servers.length = 0
    const result = await runAgainst(api, ['--max-retries', '1'])
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('page 1: request failed (ECONNREFUSED); retrying in')
    expect(result.stderr).toContain('request failed (ECONNREFUSED), and 1 retry failed')
    expectClean(result)
  })
})

describe('reconcile configuration', () => {
  it.each([
    {
      name: 'missing token',
      args: ['--key-id', KEY_ID],
      env: {},
      message: 'tokenlab-logfilter: TOKENLAB_MANAGEMENT_TOKEN: not set, and --key-id needs it; export TOKENLAB_MANAGEMENT_TOKEN=mt-... (it is never accepted as a flag)',
    },
    {
      name: 'API key as token',
      args: ['--key-id', KEY_ID],
      env: { TOKENLAB_MANAGEMENT_TOKEN: 'sk-proj-FAKEfakeFAKEfake0000NOTAREALKEY0000fake' },
      message: 'tokenlab-logfilter: TOKENLAB_MANAGEMENT_TOKEN: contains an API key (sk-...), which the Management API rejects; set it to a management token (mt-...)',
    },
    {
      name: 'token with a line break',
      args: ['--key-id', KEY_ID],
      env: { TOKENLAB_MANAGEMENT_TOKEN: 'mt-FAKEfake\nFAKEfake0000' },
      message: 'tokenlab-logfilter: TOKENLAB_MANAGEMENT_TOKEN: is not a token: it must be 8 to 512 visible ASCII characters without spaces; copy the management token again, without quotes or line breaks',
    },
    {
      name: 'secret as key id',
      args: ['--key-id', 'mt-FAKEmanagementTOKENfake0000000000'],
      env: { TOKENLAB_MANAGEMENT_TOKEN: TOKEN },
      message: 'tokenlab-logfilter: command line: reconcile --key-id: this is an API key or a management token, not a key id; give the id (key_...) that the Management API lists; run tokenlab-logfilter reconcile --help',
    },
    {
      name: 'plain http to a remote host',
      args: ['--key-id', KEY_ID, '--base-url', 'http://api.tokenlab.sh'],
      env: { TOKENLAB_MANAGEMENT_TOKEN: TOKEN },
      message: 'tokenlab-logfilter: command line: reconcile --base-url: plain http would send the management token unencrypted; use https (http is accepted only for 127.0.0.1, localhost and ::1); run tokenlab-logfilter reconcile --help',
    },
    {
      name: 'both sources',
      args: ['--key-id', KEY_ID, '--usage', 'usage.json'],
      env: { TOKENLAB_MANAGEMENT_TOKEN: TOKEN },
      message: 'tokenlab-logfilter: command line: reconcile: give exactly one of --usage and --key-id; run tokenlab-logfilter reconcile --help',
    },
    {
      name: 'invalid date',
      args: ['--usage', 'usage.json', '--start-date', '2026-13-45'],
      env: {},
      message: 'tokenlab-logfilter: command line: reconcile --start-date: not a valid date; run tokenlab-logfilter reconcile --help',
    },
    {
      name: 'unknown scene',
      args: ['--usage', 'usage.json', '--scene', 'movies'],
      env: {},
      message: 'tokenlab-logfilter: command line: reconcile --scene: unknown scene; use one of "chat", "image", "audio", "video", "embedding", "rerank", "translation", "music", "3d", "realtime"',
    },
  ])('rejects $name', async ({ args, env, message }) => {
    const result = await runCli(['reconcile', ...args, 'calls.ndjson'], { env, cwd: EXAMPLE_FOLDER })
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(`${message}\n`)
    expect(result.stderr).not.toContain('FAKEfake')
    expect(result.stderr).not.toContain('FAKEmanagementTOKEN')
  })
})

describe('reconcile with a usage export', () => {
  it('help example matches real output', async () => {
    const help = await runCli(['reconcile', '--help'])
    const example = helpExample(help.stdout, 'Example (text):')
    const result = await runCli(example.args, { cwd: EXAMPLE_FOLDER })
    expect(result.code).toBe(1)
    expect(result.stdout.trimEnd().split('\n')).toEqual(example.output)
    expect(result.stderr).toBe('')
  })

  it('reads an array of usage records', async () => {
    const path = tempFile('items.json', JSON.stringify(BILLED))
    const result = await runCli(['reconcile', '--json', '--usage', path, 'app.ndjson'])
    const report = JSON.parse(result.stdout) as ReportJson
    expect(report.totals).toMatchObject({ usage_records: 5, usage_matched: 3, billed_not_logged: 1, usage_outside_window: 1 })
  })

  it('reads NDJSON pages', async () => {
    const pages = [{ items: BILLED.slice(0, 2) }, { items: BILLED.slice(2) }].map((page) => JSON.stringify(page)).join('\n')
    const path = tempFile('pages.ndjson', pages + '\n')
    const result = await runCli(['reconcile', '--json', '--usage', path, 'app.ndjson'])
    const report = JSON.parse(result.stdout) as ReportJson
    expect(report.totals).toMatchObject({ usage_records: 5, usage_matched: 3 })
  })

  it('names the bad record of an export', async () => {
    const path = tempFile('bad.json', JSON.stringify({ items: [BILLED[0], { ...BILLED[1], cost_decimal: 0.4 }] }))
    const result = await runCli(['reconcile', '--usage', path, 'app.ndjson'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(
      `tokenlab-logfilter: command line: --usage ${path}: items[1].cost_decimal: Invalid input: expected string, received number; give usage records as the Management API returns them (items[] with request_id, billing_transaction_id, cost_decimal, created_at)\n`,
    )
  })

  it('narrows usage to the date window', async () => {
    const result = await runCli(['reconcile', '--usage', 'usage.json', '--start-date', '2026-05-04T10:00:00Z', '--end-date', '2026-05-04T10:30:00Z', 'calls.ndjson'], { cwd: EXAMPLE_FOLDER })
    expect(result.code).toBe(1)
    expect(result.stdout).toContain('Billed but never logged (0):\n  none')
    expect(result.stdout).toContain('usage records 3: matched 1, never logged 0, outside --scene or dates 2')
  })

  it('exits 0 when everything reconciles', async () => {
    const logs = tempFile('calls.ndjson', [
      JSON.stringify({ time: Date.parse('2026-05-04T10:00:00Z'), res: { statusCode: 200, headers: { 'x-request-id': 'req_fake8001chat', 'x-billing-transaction-id': 'btx_fake8001chat00000000' } } }),
    ].join('\n') + '\n')
    const clean = await runCli(['reconcile', '--usage', join(EXAMPLE_FOLDER, 'usage.json'), '--end-date', '2026-05-04T10:30:00Z', logs])
    expect(clean.code).toBe(0)
    expect(clean.stdout).toContain('logged operations 1: billed 1, never billed 0')
  })
})

describe('sumDecimals', () => {
  it.each([
    [['0.1', '0.2'], '0.3'],
    [['0.0012', '0.40', '0.0009'], '0.4021'],
    [['1', '2.5', '-0.5'], '3'],
    [[], '0'],
    [['0.000000000001', '0.000000000002'], '0.000000000003'],
  ])('%j', (values, expected) => {
    expect(sumDecimals(values)).toBe(expected)
  })
})

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-05-04T10:00:00Z')
  it.each([
    ['5', 5],
    [' 0 ', 0],
    ['Mon, 04 May 2026 10:00:30 GMT', 30],
    ['Mon, 04 May 2026 09:00:00 GMT', 0],
    ['soon', undefined],
    [null, undefined],
  ])('%s', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected)
  })
})
