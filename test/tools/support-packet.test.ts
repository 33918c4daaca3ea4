import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { ReportOutput } from '../../src/tools/report-output.js'
import { recordTimestamp } from '../../src/tools/support-packet-collect.js'
import { removePrivateUrls } from '../../src/tools/support-packet.js'
import { APP_LOG, EXAMPLE_FOLDER, expectNoCanaries, helpExample, runCli } from './helpers.js'

const TASK = 'ldtask_fake0000fake0000fake0000fake0001'

interface PacketJson {
  selected_by: string
  request_id?: string
  task_id?: string
  poll_url?: string
  billing_transaction_id?: string
  endpoint?: string
  method?: string
  model?: string
  timestamp?: string
  status_code?: number
  task_status?: string
  request_fields?: string[]
  error?: Record<string, unknown>
  hint?: { id: string; first_check: string; docs: string }
  conflicts?: Record<string, string[]>
  expected_result?: string
  user_saw: string
  user_saw_source: string
  records: Record<string, unknown>[]
  records_omitted: number
}

function tempLog(lines: readonly unknown[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'packet-')), 'app.ndjson')
  writeFileSync(path, lines.map((line) => JSON.stringify(line)).join('\n') + '\n')
  return path
}

async function packetJson(args: readonly string[]): Promise<PacketJson> {
  const result = await runCli(['support-packet', '--json', ...args])
  expect(result.code).toBe(0)
  expectNoCanaries(result.stdout)
  expectNoCanaries(result.stderr)
  return JSON.parse(result.stdout) as PacketJson
}

describe('support-packet', () => {
  it('collects a request and its task', async () => {
    const packet = await packetJson(['--request-id', 'req_fake7002video', 'app.ndjson'])
    expect(packet).toMatchObject({
      selected_by: 'request_id',
      request_id: 'req_fake7002video',
      task_id: TASK,
      poll_url: `/v1/tasks/${TASK}`,
      billing_transaction_id: 'btx_fake7002video0000000',
      endpoint: '/v1/videos/generations',
      method: 'POST',
      model: 'seedance-2.0',
      timestamp: '2026-05-04T10:00:04.500Z',
      status_code: 200,
      task_status: 'completed',
      request_fields: ['model', 'prompt', 'image_url', 'duration'],
      user_saw: 'HTTP 200, task completed',
      user_saw_source: 'logs',
      records_omitted: 0,
    })
    expect(packet.records.map((record) => record.task_status)).toEqual(['pending', 'processing', 'completed'])
    expect(packet.error).toBeUndefined()
  })

  it('selects by task id', async () => {
    const packet = await packetJson(['--task-id', TASK, 'app.ndjson'])
    expect(packet.request_id).toBe('req_fake7002video')
    expect(packet.records).toHaveLength(3)
  })

  it('selects by job id', async () => {
    const packet = await packetJson(['--job-id', 'job-7003', 'app.ndjson'])
    expect(packet).toMatchObject({
      selected_by: 'job_id',
      request_id: 'req_fake7003image',
      status_code: 402,
      error: { type: 'insufficient_balance', code: 'insufficient_balance', message: 'Insufficient balance for this request' },
      hint: { id: 'payment-required', docs: 'https://docs.tokenlab.sh/guides/billing' },
      user_saw: 'HTTP 402, insufficient_balance: Insufficient balance for this request',
    })
    expect(JSON.stringify(packet)).not.toContain('job-7003')
  })

  it('writes Markdown by default', async () => {
    const result = await runCli(['support-packet', '--request-id', 'req_fake7006mgmt', 'app.ndjson'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('# TokenLab support packet')
    expect(result.stdout).toContain('| request_id | `req_fake7006mgmt` |')
    expect(result.stdout).toContain('| Endpoint | `GET /v1/management/api-keys/key_fake000001/usage` |')
    expect(result.stdout).toContain('| Status code | 401 |')
    expect(result.stdout).toContain("First check, from TokenLab's troubleshooting matrix: Check the API key, the management token, organization access and the key's scope. See https://docs.tokenlab.sh/authentication.")
    expectNoCanaries(result.stdout)
    expectNoCanaries(result.stderr)
  })

  it('help example matches real output', async () => {
    const help = await runCli(['support-packet', '--help'])
    const example = helpExample(help.stdout, 'Example (Markdown):')
    const result = await runCli(example.args, { cwd: EXAMPLE_FOLDER })
    expect(result.code).toBe(0)
    expect(result.stdout.trimEnd().split('\n')).toEqual(example.output)
    expect(result.stdout).not.toContain('fake-fox')
    expect(result.stdout).not.toContain('provider.internal')
    expect(result.stdout).not.toContain('sk-FAKE')
  })

  it('redacts and strips operator text', async () => {
    const packet = await packetJson([
      '--job-id', 'job-7003',
      '--user-saw', 'Mail to fake.person@example.com said "payment failed", see https://private-media.example.com/fake-face.png',
      '--expected', 'An image, per https://docs.tokenlab.sh/guides/image-generation, paid with sk-proj-FAKEfakeFAKEfake0000NOTAREALKEY0000fake',
      'app.ndjson',
    ])
    expect(packet.user_saw).toBe('Mail to [REDACTED] said "payment failed", see [URL removed]')
    expect(packet.user_saw_source).toBe('operator')
    expect(packet.expected_result).toBe('An image, per https://docs.tokenlab.sh/guides/image-generation, paid with sk-proj-[REDACTED]')
  })

  it('lists identifiers with several values', async () => {
    const path = tempLog([
      { time: 1, msg: 'create', job_id: 'job-1', res: { statusCode: 202, headers: { 'x-request-id': 'req_fakeretry01' }, body: { id: 'ldtask_fakeretry0000000000000001', status: 'pending' } } },
      { time: 2, msg: 'retry create', job_id: 'job-1', retry: { attempt: 1, outcome: 'new_task' }, res: { statusCode: 202, headers: { 'x-request-id': 'req_fakeretry02' }, body: { id: 'ldtask_fakeretry0000000000000002', status: 'pending' } } },
    ])
    const packet = await packetJson(['--job-id', 'job-1', path])
    expect(packet.conflicts).toEqual({
      request_id: ['req_fakeretry01', 'req_fakeretry02'],
      task_id: ['ldtask_fakeretry0000000000000001', 'ldtask_fakeretry0000000000000002'],
    })
    expect(packet.request_id).toBe('req_fakeretry01')
  })

  it('keeps provider URLs out of error messages', async () => {
    const path = tempLog([
      { msg: 'failed', request_id: 'req_fakeupstream1', res: { statusCode: 502, body: { error: { type: 'upstream_error', message: 'upstream https://upstream-7.provider.internal/v2/generate?job=FAKE returned 500' } } } },
    ])
    const packet = await packetJson(['--request-id', 'req_fakeupstream1', path])
    expect(packet.error).toEqual({ type: 'upstream_error', message: 'upstream [URL removed] returned 500' })
    expect(packet.user_saw).toBe('HTTP 502, upstream_error: upstream [URL removed] returned 500')
  })

  it('lists at most --max-records', async () => {
    const packet = await packetJson(['--request-id', 'req_fake7002video', '--max-records', '1', 'app.ndjson'])
    expect(packet.records).toHaveLength(1)
    expect(packet.records_omitted).toBe(2)
    expect(packet.task_status).toBe('completed')
  })

  it('reads already filtered logs', async () => {
    const filtered = await runCli(['--summary', 'off'], { input: readFileSync(APP_LOG) })
    const path = join(mkdtempSync(join(tmpdir(), 'packet-')), 'filtered.log')
    writeFileSync(path, filtered.stdout)
    const fromRaw = await packetJson(['--request-id', 'req_fake7002video', 'app.ndjson'])
    const fromFiltered = await packetJson(['--request-id', 'req_fake7002video', path])
    expect(fromFiltered).toEqual(fromRaw)
  })

  it('exits 1 when nothing matches', async () => {
    const result = await runCli(['support-packet', '--request-id', 'req_unknown0001', 'app.ndjson'])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('tokenlab-logfilter: support-packet: no record matched request_id "req_unknown0001" in 13 lines; check the id and the files\n')
  })

  it('rejects two selectors', async () => {
    const result = await runCli(['support-packet', '--request-id', 'req_a1234', '--task-id', TASK, 'app.ndjson'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('tokenlab-logfilter: command line: support-packet: give exactly one of --request-id, --task-id and --job-id; run tokenlab-logfilter support-packet --help\n')
  })

  it('rejects a missing selector', async () => {
    const result = await runCli(['support-packet', 'app.ndjson'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('give exactly one of --request-id, --task-id and --job-id')
  })
})

describe('removePrivateUrls', () => {
  it.each([
    ['see https://docs.tokenlab.sh/guides/billing', 'see https://docs.tokenlab.sh/guides/billing'],
    ['poll https://api.tokenlab.sh/v1/tasks/x', 'poll https://api.tokenlab.sh/v1/tasks/x'],
    ['from https://upstream-3.provider.internal/v2 now', 'from [URL removed] now'],
    ['host https://tokenlab.sh.evil.example/x', 'host [URL removed]'],
    ['media s3://bucket/key.png here', 'media [URL removed] here'],
    ['no url here', 'no url here'],
  ])('%s', (input, expected) => {
    expect(removePrivateUrls(input)).toBe(expected)
  })
})

describe('recordTimestamp', () => {
  it.each([
    [{ time: 1777888800000 }, '2026-05-04T10:00:00.000Z'],
    [{ time: 1777888800 }, '2026-05-04T10:00:00.000Z'],
    [{ timestamp: '2026-05-04T12:00:00+02:00' }, '2026-05-04T10:00:00.000Z'],
    [{ '@timestamp': '2026-05-04T10:00:00Z' }, '2026-05-04T10:00:00.000Z'],
    [{ time: 'yesterday' }, undefined],
    [{ msg: 'no time' }, undefined],
  ])('%j', (record, expected) => {
    expect(recordTimestamp(record)).toBe(expected)
  })
})

describe('ReportOutput', () => {
  it('redacts a secret that reaches the report', async () => {
    const stream = new PassThrough()
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    const output = new ReportOutput('[REDACTED]', stream)
    output.writeLine('| billing_transaction_id | `sk-proj-FAKEfakeFAKEfake0000NOTAREALKEY0000fake` |')
    await output.finish()
    expect(Buffer.concat(chunks).toString()).toBe('| billing_transaction_id | `[REDACTED]` |\n')
    expect(output.leakCheckHits).toEqual({ sk_key: 1 })
  })
})
