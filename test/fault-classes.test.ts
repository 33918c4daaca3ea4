/**
 * Known fault classes of log filters, one test (or table) per class, with the inputs in
 * fixtures/cases/. Each runs in-process and through the built CLI.
 */
import { describe, expect, it } from 'vitest'
import { IDS, SECRETS, expectAbsent, filterText, fixturePath, parseLines, readFixture, runCli, summaryFromStderr } from './helpers.js'

type Json = Record<string, any>

/** Runs a fixture through the library and the CLI, checks both agree, and returns the parsed lines. */
async function both(input: string | Buffer, rules?: string): Promise<{ lines: string[]; records: Json[]; stderr: string }> {
  const options = rules === undefined ? {} : { rules }
  const library = filterText(input, options)
  const cli = await runCli(rules === undefined ? [] : ['--rules', rules], input)
  expect(cli.code).toBe(0)
  const cliLines = cli.stdout.split('\n')
  expect(cliLines.pop()).toBe('')
  expect(cliLines).toEqual(library.lines)
  return { lines: library.lines, records: parseLines(library.lines), stderr: cli.stderr }
}

function all(lines: readonly string[]): string {
  return lines.join('\n') + '\n'
}

describe('fault classes', () => {
  it('redacts wildcard paths at every depth', async () => {
    const { lines, records } = await both(readFixture('cases', 'C01', 'input.ndjson'), fixturePath('cases', 'C01', 'rules.yaml'))
    expect(lines).toHaveLength(5)
    expect(records[0]!.vault_note).toBe('[REDACTED]')
    expect(records[1]!.a.vault_note).toBe('[REDACTED]')
    expect(records[2]!.a.b.vault_note).toBe('[REDACTED]')
    expect(records[3]!.a.b.c.vault_note).toBe('[REDACTED]')
    expect(records[4]!.a.b.c.d.vault_note).toBe('[REDACTED]')
    expect(all(lines)).not.toContain('blue-heron-')
    expect(records[3]!.a.b.c.country).toBe('IN')
    for (const [index, record] of records.entries()) {
      expect(record.level).toBe(30)
      expect(record.time).toBe(1718000000001 + index)
      expect(record.msg).toBe(`d${index}`)
    }
  })

  it('redacts wildcard paths through nested arrays and leaves other shapes alone', async () => {
    const input = readFixture('cases', 'C02', 'input.ndjson')
    const { lines, records } = await both(input, fixturePath('cases', 'C02', 'rules.yaml'))
    for (const secret of [SECRETS.DL0, SECRETS.DL1, SECRETS.DL2]) expectAbsent(all(lines), secret)
    const [first, second] = records as [Json, Json]
    expect(first.outputs[0].files.map((file: Json) => file.download_token)).toEqual(['[REDACTED]', '[REDACTED]'])
    expect(first.outputs[1].files[0].download_token).toBe('[REDACTED]')
    expect(first.outputs[0].files.map((file: Json) => file.name)).toEqual(['a.png', 'b.png'])
    expect(first.outputs.map((output: Json) => output.id)).toEqual([1, 2, 3])
    expect(first.outputs[2].files).toEqual([])
    expect(first.jobs[0].variants.map((variant: Json) => variant.price.value)).toEqual(['[REDACTED]', '[REDACTED]'])
    expect(first.jobs[0].variants.map((variant: Json) => variant.price.currency)).toEqual(['USD', 'EUR'])
    expect(lines[1]).toBe(input.split('\n')[1])
    expect(second).toEqual({ level: 30, time: 1718000000011, msg: 'no outputs', outputs: 'n/a', jobs: [{ variants: null }] })
  })

  it('accepts bracketed keys with hyphens, dots, quotes and the empty key', async () => {
    const { lines, records } = await both(readFixture('cases', 'C03', 'input.ndjson'), fixturePath('cases', 'C03', 'rules-a.yaml'))
    for (const secret of [SECRETS.OPQ2, SECRETS.OPQ3, SECRETS.OPQ4, SECRETS.OPQ5]) expectAbsent(all(lines), secret)
    const record = records[0]!
    expect(record.req.headers.host).toBe('api.example.test')
    expect(record.meta.a.b.c).toBe('keep-nested')
    expect(record['']['d']).toBe('keep-empty-key-sibling')
    expect(record.weird.kq).toBe('keep-kq')
  })

  it('rejects an invalid path at start-up and names it', async () => {
    const run = await runCli(['--rules', fixturePath('cases', 'C03', 'rules-b.yaml')], readFixture('cases', 'C03', 'input.ndjson'))
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('rules[0] (id "comma-path").match.paths[0] "req,headers.cookie"')
    expect(run.stderr).toContain('the key "req" is followed by ","')
  })

  it('rejects a hyphenated dot segment with a bracket hint', async () => {
    const run = await runCli(['--rules', fixturePath('cases', 'C03', 'rules-c.yaml')], readFixture('cases', 'C03', 'input.ndjson'))
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('req.headers["x-cust-ref"]')
  })

  it('redacts header names in any case, in objects and in text', async () => {
    const { lines, records } = await both(readFixture('cases', 'C04', 'input.ndjson'))
    expect(lines).toHaveLength(3)
    const output = all(lines)
    for (const secret of [SECRETS.SK_LEGACY, SECRETS.OPQ0, SECRETS.MT1, SECRETS.MT2, SECRETS.MT3, 'dXNlcjpodW50ZXIy', 'Z3JldGE6c2VjcmV0']) expectAbsent(output, secret)
    expect(Object.keys(records[0]!.req.headers)).toEqual(['Authorization', 'X-Api-Key', 'Proxy-Authorization', 'host'])
    expect(records[0]!.req.headers.host).toBe('api.example.test')
    expect(Object.keys(records[1]!.headers)).toEqual(['AUTHORIZATION', 'aUtHoRiZaTiOn', 'pRoXy-AuThOrIzAtIoN'])
    expect(records[2]!.msg).toContain('host=api.example.test')
  })

  it('redacts sensitive keys holding objects, arrays and numbers without dropping them', async () => {
    const { lines, records } = await both(readFixture('cases', 'C05', 'input.ndjson'))
    const output = all(lines)
    for (const secret of [SECRETS.MT1, SECRETS.MT2, SECRETS.OPQ1, SECRETS.OPQ2, SECRETS.OPQ3, SECRETS.OPQ4, SECRETS.OPQ5, '73519046628871']) expectAbsent(output, secret)
    const record = records[0]!
    for (const key of ['authorization', 'api_key', 'credentials', 'password']) expect(record[key]).toBe('[REDACTED]')
    expect(record.clusters[0].name).toBe('c1')
    expect(record.clusters[1].name).toBe('c2')
    expect(record.clusters[0].token).toBe('[REDACTED]')
  })

  it('removes banned fields instead of nulling them', async () => {
    const { lines, records } = await both(readFixture('cases', 'C07', 'input.ndjson'))
    const output = all(lines)
    for (const key of ['provider_task_id', 'channel_id', 'upstream_url', 'redis_key']) expect(output).not.toContain(`"${key}"`)
    for (const text of [SECRETS.PROV, 'ch_417', 'provider.internal', 'tl:task:']) expect(output).not.toContain(text)
    expectAbsent(output, SECRETS.MT1)
    expect(records[0]!.tokenlab.task_id).toBe(IDS.TASK)
    expect(records[0]!.err).toEqual({})
    expect(lines[1]).toBe('{"level":30,"msg":"only banned"}')
  })

  it('gives the same output whatever the order of overlapping rules', async () => {
    const input = readFixture('cases', 'C08', 'input-1.ndjson')
    const a = await both(input, fixturePath('cases', 'C08', 'rules-a.yaml'))
    const b = await both(input, fixturePath('cases', 'C08', 'rules-b.yaml'))
    expect(a.lines).toEqual(b.lines)
    expectAbsent(all(a.lines), SECRETS.OPQ0)
    expectAbsent(all(a.lines), SECRETS.OPQ1)
    expect(a.records[0]!.steps).toEqual(['[REDACTED]', '[REDACTED]'])
    expect(a.records[0]!.note).toBe('keep')
    expect(a.records[1]!.steps).toEqual(['[REDACTED]'])
    expect(a.records[1]!.note).toBe('keep2')
  })

  it('drops wildcard paths without swapping siblings or leaking across lines', async () => {
    const input = readFixture('cases', 'C08', 'input-2.ndjson')
    const { lines, records } = await both(input, fixturePath('cases', 'C08', 'rules-c.yaml'))
    expect(records[0]!.action).toEqual({ resource: 'event', target: 't1' })
    expect(records[0]!.compensate).toEqual({ resource: 'event', target: 't2' })
    expect(lines[1]).toBe(input.split('\n')[1])
  })

  it('matches spelling variants of sensitive key names', async () => {
    const { lines, records } = await both(readFixture('cases', 'C09', 'input.ndjson'))
    const output = all(lines)
    for (const secret of [SECRETS.OPQ0, SECRETS.OPQ1, SECRETS.OPQ2, SECRETS.OPQ3, SECRETS.OPQ4, SECRETS.OPQ5, SECRETS.OPQ6, SECRETS.OPQ7]) expectAbsent(output, secret)
    expect(Object.keys(records[0]!)).toEqual(['level', 'msg', 'apiKey', 'api_key', 'API_KEY', 'x-api-key', 'openaiApiKey', 'client_secret', 'access_token', 'userPassword', 'region'])
    expect(records[0]!.region).toBe('eu-west-1')
  })

  it('keeps token counts and usage numbers', async () => {
    const { lines, records } = await both(readFixture('cases', 'C10', 'input.ndjson'))
    const record = records[0]!
    expect(record.max_tokens).toBe(1024)
    expect(record.usage).toEqual({ prompt_tokens: 812, completion_tokens: 64, total_tokens: 876, cached_tokens: 0 })
    expect(record.token_count).toBe(3)
    expect(record.tokenizer).toBe('o200k_base')
    expect(record.stop_token).toBe('</s>')
    expect(record.model).toBe('gpt-4o-mini')
    expect(record.token).toBe('[REDACTED]')
    expectAbsent(all(lines), SECRETS.OPQ5)
  })

  it('wraps non-JSON lines and JSON scalars, in order, without dropping any', async () => {
    const input = readFixture('cases', 'C11', 'input.txt')
    const { lines, records, stderr } = await both(input)
    expect(lines).toHaveLength(8)
    const expected = ['Server listening on http://0.0.0.0:8080', '42', 'null', undefined, '[1,2,3]']
    for (const [index, text] of expected.entries()) {
      if (text === undefined) continue
      expect(records[index]).toEqual({ msg: text, logfilter: { unparsed: index === 0 ? 'not_json' : 'not_object' } })
    }
    expectAbsent(lines[3]!, SECRETS.MT1)
    expect(records[3]!.logfilter.unparsed).toBe('not_object')
    expect(records[5]!.logfilter.unparsed).toBe('not_json')
    expectAbsent(lines[5]!, SECRETS.SK_LEGACY)
    expect(records[6]!.msg).toBe(-1)
    expectAbsent(lines[6]!, SECRETS.OPQ3)
    expect(lines[7]).toBe('{"level":30,"msg":"still alive"}')
    expect(stderr).not.toMatch(/\n\s+at /)
    const summary = summaryFromStderr(stderr)
    expect(summary.lines_in).toBe(8)
    expect(summary.lines_out).toBe(8)
  })

  it('redacts truncated and interleaved fragments through the text path', async () => {
    const { lines, records } = await both(readFixture('cases', 'C12', 'input.txt'))
    expect(lines).toHaveLength(4)
    const output = all(lines)
    for (const secret of [SECRETS.SK_PROJ, SECRETS.SK_PROJ2, SECRETS.MT2]) expectAbsent(output, secret)
    expect(records[0]!.logfilter.unparsed).toBe('truncated')
    expect(output).not.toContain('Paint my neighbour')
    expect(output).not.toContain('ch_417')
    expect(lines[3]).toBe('{"level":30,"time":1718000000203,"msg":"clean"}')
  })

  it('redacts secrets inside JSON documents nested in strings, twice', async () => {
    const { lines, records } = await both(readFixture('cases', 'C13', 'input.ndjson'))
    for (const secret of [SECRETS.OPQ1, SECRETS.MT2, SECRETS.OPQ2]) expectAbsent(all(lines), secret)
    const record = records[0]!
    expect(typeof record.body).toBe('string')
    expect(JSON.parse(record.body).model).toBe('ld-image-v3')
    expect(JSON.parse(record.log).n).toBe(1)
    expect(() => JSON.parse(JSON.parse(record.double).inner)).not.toThrow()
  })

  it('catches every API-key family and leaves look-alike words', async () => {
    const input = readFixture('cases', 'C15', 'input.ndjson')
    const { lines, records } = await both(input)
    const output = all(lines.slice(0, 2))
    for (const secret of [SECRETS.SK_PROJ, SECRETS.SK_SVC, SECRETS.SK_ANT, SECRETS.SK_LEGACY, SECRETS.SK_PROJ2]) expectAbsent(output, secret)
    expect(output).not.toContain('0Vh8KP3-')
    expect(output).not.toContain('WjogMI6_')
    expect(records[0]!.msg).toMatch(/^user pasted keys: /)
    expect(records[0]!.note).toMatch(/ end$/)
    expect(records[1]!.keys.other).toBe(false)
    expect(Object.keys(records[1]!.keys)).toHaveLength(2)
    expect(lines[2]).toBe(input.split('\n')[2])
  })

  it('masks bearer and management tokens in free text', async () => {
    const { lines, records } = await both(readFixture('cases', 'C16', 'input.ndjson'))
    const output = all(lines)
    for (const secret of [SECRETS.MT1, SECRETS.LOWERBEARER, SECRETS.MT2, SECRETS.MT3, SECRETS.OPQ6, SECRETS.OPQ7, SECRETS.OPQ5]) expectAbsent(output, secret)
    expect(records[0]!.msg).toContain('401 Unauthorized')
    expect(records[2]!.msg).toBe('forwarding')
    expect(records[3]!.msg).toContain('(extra spaces)')
    expect(records[4]!.msg).toContain('max_tokens=64')
  })

  it('redacts emails in free text and keeps package specs', async () => {
    const input = readFixture('cases', 'C18', 'input.ndjson')
    const { lines, records } = await both(input)
    for (const local of ['ana.k+billing', 'bo_b', 'Hana.Sato', '+billing']) expect(lines[0]).not.toContain(local)
    expect(records[0]!.user.plan).toBe('pro')
    expect(records[0]!.msg).toMatch(/^invite sent to '.*' by </)
    expect(lines[1]).toBe(input.split('\n')[1])
  })

  it('stubs prompts on error and streaming shapes', async () => {
    const { lines, records } = await both(readFixture('cases', 'C19', 'input.ndjson'))
    expect(lines).toHaveLength(4)
    const output = all(lines)
    for (const text of ['Greta', 'Lindqvist', 'Elm Row', 'Paint my neighbour', 'You are a painter']) expect(output).not.toContain(text)
    expect(records[0]!.tokenlab.task_id).toBe(IDS.TASK)
    expect(records[1]!.err.message).toBe('400 bad request')
    expect(records[1]!.err.request.body.model).toBe('gpt-4o-mini')
    expect(records[1]!.err.request.body.messages.map((message: Json) => message.role)).toEqual(['system', 'user'])
    expect(records[2]!.choices[0].index).toBe(0)
    expect(records[3]!.choices[0].message.role).toBe('assistant')
    expect(records[3]!.usage.prompt_tokens).toBe(21)
  })

  it('keeps a long multibyte line whole and the next line separate', async () => {
    const big = 'é'.repeat(300000) + '😀'.repeat(50000)
    const input = JSON.stringify({ level: 30, msg: big, auth: `Bearer ${SECRETS.SK_PROJ2}` }) + '\n{"level":30,"msg":"short"}\n'
    expect(Buffer.byteLength(input.split('\n')[0]!)).toBe(800095)
    const { lines, records } = await both(input)
    expect(lines).toHaveLength(2)
    expect(records[0]!.msg).toBe(big)
    expect(records[0]!.msg).not.toContain('\ufffd')
    expectAbsent(lines[0]!, SECRETS.SK_PROJ2)
    expect(lines[1]).toBe('{"level":30,"msg":"short"}')
  })

  it('cuts a line over the configured limit into one marked record', async () => {
    const big = 'é'.repeat(300000) + '😀'.repeat(50000)
    const input = JSON.stringify({ level: 30, auth: `Bearer ${SECRETS.SK_PROJ2}`, msg: big }) + '\n{"level":30,"msg":"short"}\n'
    const run = await runCli(['--max-line-bytes', '65536'], input)
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    const first = JSON.parse(lines[0]!) as Json
    expect(first.logfilter).toEqual({ unparsed: 'too_long', original_bytes: 800095, kept_bytes: expect.any(Number) })
    expect(first.logfilter.kept_bytes).toBeLessThanOrEqual(65536)
    expectAbsent(run.stdout, SECRETS.SK_PROJ2)
    expect(first.msg).not.toContain('\ufffd')
    expect(lines[1]).toBe('{"level":30,"msg":"short"}')
    expect(run.stderr).toContain(`line 1 (800095 bytes): longer than --max-line-bytes; cut to ${first.logfilter.kept_bytes} bytes at a character boundary`)
  })

  it('escapes odd keys, control characters and lone surrogates', async () => {
    const input = readFixture('cases', 'C23', 'input.ndjson')
    const { lines, records } = await both(input)
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toContain('\n')
    expect(Buffer.from(lines[0]!, 'utf8').includes(Buffer.from([0xed, 0xa0, 0xbd]))).toBe(false)
    const record = records[0]!
    expect(record['some"prop']).toEqual({ details: true })
    expect(record['k\nnl']).toBe('v')
    expect(record.msg).toBe('a\u0000b\u001b[31mred\u007f')
    expect(record.pair).toBe('😀')
    expect(['\ud83d', '\ufffd']).toContain(record.cut)
    expectAbsent(lines[0]!, SECRETS.OPQ4)
  })

  it('splits only on newlines, never on U+2028, U+2029 or NEL, and strips CR', async () => {
    const input = Buffer.concat([
      Buffer.from('{"level":30,"msg":"para1\u2028para2\u2029end","api_key":"SxAB0NqSIoBiahyLF8GiduN0"}\n', 'utf8'),
      Buffer.from('{"level":30,"msg":"nel\u0085x"}\r\n{"level":30,"msg":"last"}\r\n', 'utf8'),
    ])
    const { lines, records, stderr } = await both(input)
    expect(lines).toHaveLength(3)
    expect(records[0]!.msg).toBe('para1\u2028para2\u2029end')
    expectAbsent(lines[0]!, SECRETS.OPQ2)
    expect(records[1]!.msg).toBe('nel\u0085x')
    expect(records[2]!.msg).toBe('last')
    for (const line of lines) expect(line.endsWith('\r')).toBe(false)
    expect(summaryFromStderr(stderr).unparsed).toEqual({})
  })

  it('keeps __proto__ as data and never changes a prototype', async () => {
    const { lines, records } = await both(readFixture('cases', 'C27', 'input.ndjson'))
    expect(lines).toHaveLength(3)
    expectAbsent(all(lines), SECRETS.OPQ1)
    expect(Object.keys(records[1]!)).toEqual(['level', 'msg'])
    expect(({} as Json).polluted).toBeUndefined()
    expect(({} as Json).isAdmin).toBeUndefined()
    expect(records[2]!.tokenlab.task_id).toBe(IDS.TASK)
    expect(all(lines)).not.toMatch(/"task_id":"ldtask_evil"\}\}$/)
  })

  it('redacts secrets in raw header strings, cookies and HTTP-client errors', async () => {
    const { lines, records } = await both(readFixture('cases', 'C32', 'input.ndjson'))
    const output = all(lines)
    for (const secret of [SECRETS.SK_LEGACY, SECRETS.OPQ2, SECRETS.OPQ3]) expectAbsent(output, secret)
    const err = records[0]!.err
    expect(typeof err.request._header).toBe('string')
    expect(err.request._header).toContain('Host: api.provider.test')
    expect(err.request._header).toContain('\r\n')
    expect(err.request._header).toContain('session=')
    expect(err.code).toBe('ERR_BAD_REQUEST')
    expect(err.response.status).toBe(403)
    expect(err.response.headers['set-cookie']).toBe('sid=[REDACTED]; Path=/; HttpOnly; SameSite=Lax')
  })

  it('normalizes identifiers from any header case without clobbering app fields', async () => {
    const input = readFixture('cases', 'C33', 'input.ndjson')
    const { lines, records } = await both(input)
    expectAbsent(all(lines), SECRETS.SK_LEGACY)
    const first = records[0]!
    expect(first.tokenlab.task_id).toBe(IDS.TASK)
    expect(first.tokenlab.billing_transaction_id).toBe(IDS.BTX)
    expect(first.tokenlab.request_id).toBe(IDS.UUID)
    expect(first.tokenlab.poll_url).toBe(`/v1/tasks/${IDS.TASK}`)
    expect(first.poll_url).toBe(`https://api.tokenlab.test/v1/tasks/${IDS.TASK}?wait=30`)
    expect(first.res.headers['X-Task-ID']).toBe(IDS.TASK)
    expect(first.req.headers['x-request-id']).toBe(IDS.UUID)
    expect(records[1]!.tokenlab.task_id).toBe(IDS.TASK2)
    expect(records[1]!.tokenlab.log_type).toBe('app')
  })
})
