import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createFilter, LogfilterError, normalizedBlockSchema, type NormalizedBlock } from '../src/index.js'

const TASK = 'ldtask_0odp8vefuo7jc9lav2i8bgb9if3yg9q7'

function blockOf(output: string | null): NormalizedBlock | undefined {
  if (output === null) throw new Error('the line was dropped')
  const record = JSON.parse(output) as { tokenlab?: unknown }
  return record.tokenlab === undefined ? undefined : normalizedBlockSchema.parse(record.tokenlab)
}

function writeRules(text: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'hints-'))
  const path = join(folder, 'rules.yaml')
  writeFileSync(path, text)
  return path
}

const defaultFilter = createFilter({}, 'test')

const errorRecords = [
  {
    name: '401 invalid key',
    record: { msg: 'call failed', req: { method: 'POST', url: '/v1/chat/completions' }, res: { statusCode: 401 }, err: { error: { type: 'invalid_api_key', code: 'invalid_api_key', message: 'Invalid API key' } }, request_id: 'req_hint00001' },
    hint: 'auth-failed',
    docs: 'https://docs.tokenlab.sh/authentication',
  },
  {
    name: '403 model not allowed',
    record: { msg: 'call failed', err: { status: 403, error: { type: 'access_denied', code: 'model_not_allowed', message: 'Model not allowed for this key' } }, request_id: 'req_hint00002' },
    hint: 'auth-failed',
    docs: 'https://docs.tokenlab.sh/authentication',
  },
  {
    name: '402 insufficient balance',
    record: { msg: 'call failed', res: { statusCode: 402, body: { error: { type: 'insufficient_balance', code: 'insufficient_balance', message: 'Balance too low' } } }, request_id: 'req_hint00003' },
    hint: 'payment-required',
    docs: 'https://docs.tokenlab.sh/guides/billing',
  },
  {
    name: '429 rate limit',
    record: { msg: 'call failed', res: { statusCode: 429, body: { error: { type: 'rate_limit_exceeded', code: 'rate_limit_exceeded', message: 'Slow down', retry_after: 2 } } }, request_id: 'req_hint00004' },
    hint: 'rate-limited',
    docs: 'https://docs.tokenlab.sh/guides/rate-limits',
  },
  {
    name: '400 invalid_request_error',
    record: { msg: 'call failed', res: { statusCode: 400, body: { error: { type: 'invalid_request_error', code: 'model_not_found', param: 'model', message: 'Unknown model' } } }, request_id: 'req_hint00005' },
    hint: 'invalid-request',
    docs: 'https://docs.tokenlab.sh/guides/error-handling',
  },
  {
    name: '404 async task not found',
    record: { msg: 'poll failed', task_id: TASK, res: { statusCode: 404, body: { error: { type: 'invalid_request_error', code: 'async_task_not_found', message: 'Task not found' } } } },
    hint: 'async-task-not-found',
    docs: 'https://docs.tokenlab.sh/guides/async-jobs-polling',
  },
  {
    name: '403 task not owned',
    record: { msg: 'poll failed', task_id: TASK, res: { statusCode: 403, body: { error: { code: 'task_not_owned', message: 'Task not owned' } } } },
    hint: 'async-task-not-found',
    docs: 'https://docs.tokenlab.sh/guides/async-jobs-polling',
  },
  {
    name: 'two billing transaction ids',
    record: { msg: 'completion', request_id: 'req_hint00008', billing_transaction_id: 'btx_czkgdc5px7hfhasl3ur2gd5b', res: { statusCode: 200, headers: { 'x-billing-transaction-id': 'btx_0000000000000000other' } } },
    hint: 'cost-mismatch',
    docs: 'https://docs.tokenlab.sh/guides/billing',
  },
]

describe('troubleshooting hints', () => {
  it.each(errorRecords)('hint for $name', ({ record, hint, docs }) => {
    const block = blockOf(defaultFilter.pipeline.processLine(JSON.stringify(record)))
    expect(block?.hint?.id).toBe(hint)
    expect(block?.hint?.docs).toBe(docs)
    expect(block?.hint?.first_check.length).toBeGreaterThan(20)
  })

  it.each([
    { name: '200 response', record: { msg: 'ok', request_id: 'req_nohint001', res: { statusCode: 200 } } },
    { name: '500 error', record: { msg: 'failed', request_id: 'req_nohint002', res: { statusCode: 500, body: { error: { type: 'upstream_error', message: 'x' } } } } },
    { name: '413 invalid_request_error', record: { msg: 'failed', request_id: 'req_nohint003', res: { statusCode: 413, body: { error: { type: 'invalid_request_error', code: 'payload_too_large' } } } } },
  ])('no hint for $name', ({ record }) => {
    const block = blockOf(defaultFilter.pipeline.processLine(JSON.stringify(record)))
    expect(block).toBeDefined()
    expect(block?.hint).toBeUndefined()
  })

  it('omits hints when normalize.hints is false', () => {
    const rules = writeRules('version: 1\nextends: default\nnormalize:\n  hints: false\n')
    const filter = createFilter({ rules }, 'test')
    for (const { record } of errorRecords) {
      const block = blockOf(filter.pipeline.processLine(JSON.stringify(record)))
      expect(block?.status_code ?? block?.error).toBeDefined()
      expect(block?.hint).toBeUndefined()
    }
  })

  it('lets a user file override a hint by id', () => {
    const rules = writeRules([
      'version: 1',
      'extends: default',
      'hints:',
      '  - id: rate-limited',
      '    description: Our own runbook for 429.',
      '    status: [429]',
      '    first_check: Page the on-call owner of the rate limiter.',
      '    docs: https://runbooks.example.com/tokenlab-429',
      '',
    ].join('\n'))
    const filter = createFilter({ rules }, 'test')
    const record = errorRecords.find((entry) => entry.hint === 'rate-limited')?.record
    const block = blockOf(filter.pipeline.processLine(JSON.stringify(record)))
    expect(block?.hint).toEqual({ id: 'rate-limited', first_check: 'Page the on-call owner of the rate limiter.', docs: 'https://runbooks.example.com/tokenlab-429' })
  })

  it('rejects a hint without conditions', () => {
    const rules = writeRules([
      'version: 1',
      'extends: default',
      'hints:',
      '  - id: everything',
      '    description: Matches any error.',
      '    first_check: Look at it.',
      '    docs: https://runbooks.example.com/all',
      '',
    ].join('\n'))
    let caught: unknown
    try {
      createFilter({ rules }, 'test')
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(LogfilterError)
    expect((caught as LogfilterError).message).toBe(
      `tokenlab-logfilter: ${rules}: hints[0]: a hint needs at least one condition (status, error_types, error_codes or conflicts), or it would match every error record; see the rule reference in the README`,
    )
  })
})
