/**
 * Hostile records found by attacking the filter: each case once leaked a secret, hung on a
 * single line or miscounted. Records go through the real pipeline in this process. For lines that
 * were slow, the test timeout is the failure mode: the inputs are sized so that a quadratic scan
 * takes minutes and a linear one milliseconds.
 */
import { describe, expect, it } from 'vitest'
import { createFilter } from '../src/index.js'
import { SECRETS, expectAbsent, filterText } from './helpers.js'

function filterLine(line: string): string | null {
  return createFilter({}, 'test').pipeline.processLine(line)
}

describe('hostile records', () => {
  it('renames 30,000 colliding secret keys in linear time', () => {
    const count = 30_000
    const keys = Array.from({ length: count }, (_, index) => `"sk-proj-${String(index).padStart(8, '0')}AbCdEfGhIjKl":1`)
    const output = filterLine(`{${keys.join(',')}}`) as string
    const record = JSON.parse(output) as Record<string, number>
    expect(Object.keys(record)).toHaveLength(count)
    expect(record['sk-proj-[REDACTED]']).toBe(1)
    expect(record[`sk-proj-[REDACTED]#${count}`]).toBe(1)
    expect(output).not.toContain('AbCdEfGhIjKl')
  }, 5_000)

  it('drops every other element of a 400,000-element array in linear time', () => {
    const count = 400_000
    const items = Array.from({ length: count }, (_, index) => (index % 2 === 0 ? `"redis://cache-${index}:6379"` : `"keep-${index}"`))
    const run = createFilter({}, 'test')
    const output = run.pipeline.processLine(`{"level":30,"items":[${items.join(',')}]}`) as string
    const kept = (JSON.parse(output) as { items: string[] }).items
    expect(kept).toHaveLength(count / 2)
    expect(kept[0]).toBe('keep-1')
    expect(kept[kept.length - 1]).toBe(`keep-${count - 1}`)
    expect(output).not.toContain('redis://')
    expect(run.pipeline.summary.drops).toEqual({ 'drop-redis-urls': count / 2 })
  }, 10_000)

  it('collects 150,000 distinct request ids in linear time', () => {
    const count = 150_000
    const calls = Array.from({ length: count }, (_, index) => `{"request_id":"req_${String(index).padStart(8, '0')}"}`)
    const run = createFilter({}, 'test')
    const output = run.pipeline.processLine(`{"level":30,"calls":[${calls.join(',')}]}`) as string
    const block = (JSON.parse(output) as { tokenlab: { request_id: string; conflicts: { request_id: string[] } } }).tokenlab
    expect(block.request_id).toBe('req_00000000')
    expect(block.conflicts.request_id).toHaveLength(count)
    expect(run.pipeline.summary.identifier_conflicts).toEqual({ request_id: 1 })
  }, 5_000)

  it('reports the bytes kept from a cut line, not the limit', () => {
    // The cut backs off to the start of the euro sign that crosses the 1024-byte limit.
    const line = JSON.stringify({ level: 30, msg: 'a' + '\u20ac'.repeat(3000) })
    const run = filterText(line + '\n', { maxLineBytes: 1024 })
    expect(JSON.parse(run.lines[0] as string).logfilter).toEqual({ unparsed: 'too_long', original_bytes: 9022, kept_bytes: 1022 })
    expect(run.warnings).toEqual([
      'tokenlab-logfilter: line 1 (9022 bytes): longer than --max-line-bytes; cut to 1022 bytes at a character boundary and written as a wrapped text record',
    ])
  })

  it('gives the size of an unparsed line in bytes', () => {
    const run = filterText('caf\u00e9 cr\u00e8me \u{1f600}\n')
    expect(run.warnings).toEqual(['tokenlab-logfilter: line 1 (17 bytes): not a JSON object (not_json); written as a wrapped text record'])
  })

  it('redacts key-value pairs at any level of JSON-in-string escaping', () => {
    // Each level of nesting doubles the backslashes before a quote: \", \\\", \\\\\\\", ...
    const lines: string[] = []
    for (let levels = 1; levels <= 7; levels++) {
      let body = JSON.stringify({ api_key: SECRETS.OPQ0, note: 'he said "hi"', password: `${SECRETS.OPQ1}\\` })
      for (let level = 1; level < levels; level++) body = JSON.stringify({ inner: body })
      const line = JSON.stringify({ level: 30, body })
      lines.push(line, line.slice(0, -2))
    }
    const run = filterText(lines.join('\n') + '\n')
    expect(run.lines).toHaveLength(14)
    expect(run.summary.unparsed).toEqual({ truncated: 7 })
    const output = run.lines.join('\n')
    expectAbsent(output, SECRETS.OPQ0)
    expectAbsent(output, SECRETS.OPQ1)
    expect(output).toContain('he said')
  })

  it('redacts arrays and objects under sensitive names in unparsed lines', () => {
    const lines = [
      `{"level":30,"password":["${SECRETS.OPQ2}","${SECRETS.OPQ3}"],"b":`,
      `{"level":30,"credentials":{"user":"bob","pass":"${SECRETS.OPQ4}","nested":{"k":[1,"]"]}},"after":"kept","b":`,
      `{"level":30,"api_key":"[${SECRETS.OPQ5}]","b":`,
      `{"level":30,"body":"{\\"secret\\":{\\"v\\":\\"${SECRETS.OPQ6}\\"}}","b":`,
      '{"level":30,"user":{"plan":"pro"},"password":"[REDACTED]","b":',
    ]
    const run = filterText(lines.join('\n') + '\n')
    expect(run.summary.unparsed).toEqual({ truncated: 5 })
    const output = run.lines.join('\n')
    for (const secret of [SECRETS.OPQ2, SECRETS.OPQ3, SECRETS.OPQ4, SECRETS.OPQ5, SECRETS.OPQ6]) expectAbsent(output, secret)
    expect(JSON.parse(run.lines[1] as string).msg).toBe('{"level":30,"credentials":[REDACTED],"after":"kept","b":')
    // The rule for "user" applies to strings and numbers only; an already redacted value is not counted again.
    expect(JSON.parse(run.lines[4] as string).msg).toBe('{"level":30,"user":{"plan":"pro"},"password":"[REDACTED]","b":')
    expect(run.summary.redactions).toEqual({ 'redact-credential-keys': 4 })
  })

  it('redacts values in name-value header lists', () => {
    const lines = [
      { level: 30, res: { rawHeaders: ['Content-Type', 'application/json', 'X-Api-Key', SECRETS.OPQ0, 'Set-Cookie', `sid=${SECRETS.OPQ1}; Path=/`] } },
      { level: 30, headers: [['x-api-key', SECRETS.OPQ2], ['accept', 'text/plain'], ['upstream_url', 'https://provider.internal/v1']] },
      { level: 30, fields: ['password', 'email'], pairs: [['api_key', 'model']] },
    ].map((record) => JSON.stringify(record))
    const run = filterText(lines.join('\n') + '\n')
    const output = run.lines.join('\n')
    for (const secret of [SECRETS.OPQ0, SECRETS.OPQ1, SECRETS.OPQ2]) expectAbsent(output, secret)
    const [first, second, third] = run.lines.map((line) => JSON.parse(line))
    expect(first.res.rawHeaders).toEqual(['Content-Type', 'application/json', 'X-Api-Key', '[REDACTED]', 'Set-Cookie', 'sid=[REDACTED]; Path=/'])
    expect(second.headers).toEqual([['x-api-key', '[REDACTED]'], ['accept', 'text/plain'], []])
    // A list of names is not a pair list: only an array of two-element arrays or rawHeaders is.
    expect(third.fields).toEqual(['password', 'email'])
    expect(third.pairs).toEqual([['api_key', '[REDACTED]']])
  })

  it('redacts credentials in percent-encoded URLs inside values', () => {
    const next = encodeURIComponent(`https://app.example/cb?state=xyz&token=${SECRETS.OPQ7}`)
    const run = filterText(JSON.stringify({ level: 30, next }) + '\n')
    expectAbsent(run.lines.join('\n'), SECRETS.OPQ7)
    expect(JSON.parse(run.lines[0] as string).next).toBe('https%3A%2F%2Fapp.example%2Fcb%3F[REDACTED]')
  })

  it('decodes JSON escapes before scanning an unparsed line', () => {
    const lines = [
      `{"level":30,"key":"\\u0073k-proj-${SECRETS.OPQ0}","b":`,
      `{"level":30,"api\\u005fkey":"${SECRETS.OPQ1}","b":`,
      `{"level":30,"url":"https:\\/\\/bob:${SECRETS.OPQ2}@db.example\\/x","b":`,
      `{"level":30,"msg":"quote \\u0022 and backslash \\u005c stay escaped","b":`,
    ]
    const run = filterText(lines.join('\n') + '\n')
    expect(run.summary.unparsed).toEqual({ truncated: 4 })
    const output = run.lines.join('\n')
    for (const secret of [SECRETS.OPQ0, SECRETS.OPQ1, SECRETS.OPQ2]) expectAbsent(output, secret)
    expect(JSON.parse(run.lines[3] as string).msg).toBe('{"level":30,"msg":"quote \\u0022 and backslash \\u005c stay escaped","b":')
  })

  it('removes the cut last token of a truncated line', () => {
    // Truncated by the application or its shipper, not by --max-line-bytes: 12 characters of the
    // key survive the cut, too few for the sk- detector, which needs 16.
    const run = filterText(`{"level":30,"msg":"calling","key":"${SECRETS.SK_PROJ.slice(0, 20)}\n`)
    expect(run.summary.unparsed).toEqual({ truncated: 1 })
    expectAbsent(run.lines[0] as string, SECRETS.SK_PROJ.slice(0, 20))
    expect(JSON.parse(run.lines[0] as string).msg).toBe('{"level":30,"msg":"calling","key":"')
  })

  it('redacts header lists in unparsed lines', () => {
    const lines = [
      `{"level":30,"res":{"rawHeaders":["Content-Type","application/json","X-Api-Key","${SECRETS.OPQ3}"]},"b":`,
      `{"level":30,"body":"{\\"headers\\":[[\\"accept\\",\\"*/*\\"],[\\"authorization\\",\\"${SECRETS.OPQ4}\\"]]}","b":`,
      `request failed { rawHeaders: [ 'Host', 'api.example.test', 'Proxy-Authorization', '${SECRETS.OPQ5}' ] }`,
    ]
    const run = filterText(lines.join('\n') + '\n')
    const output = run.lines.join('\n')
    for (const secret of [SECRETS.OPQ3, SECRETS.OPQ4, SECRETS.OPQ5]) expectAbsent(output, secret)
    expect(JSON.parse(run.lines[2] as string).msg).toBe("request failed { rawHeaders: [ 'Host', 'api.example.test', 'Proxy-Authorization', '[REDACTED]' ] }")
  })
})

/**
 * Known gaps: each test states the behaviour a complete filter would have and fails today, so
 * it.fails passes. When a fix makes one pass, vitest reports it, and it moves to the tests above.
 */
describe('known gaps', () => {
  it.fails('finds a key glued to the word before it', () => {
    // The sk- and mt- detectors skip a prefix that follows a letter, so that words such as
    // "risk-assessment-for-the-quarter" stay; a key pasted onto a word goes with them.
    const run = filterText(`{"level":30,"msg":"tokensk-proj-${SECRETS.OPQ0} Xmt-${SECRETS.OPQ1}"}\n`)
    expectAbsent(run.lines[0] as string, SECRETS.OPQ0)
    expectAbsent(run.lines[0] as string, SECRETS.OPQ1)
  })

  it.fails('finds sk- and mt- keys written in upper case', () => {
    const run = filterText(`{"level":30,"msg":"SK-PROJ-${SECRETS.OPQ2} MT-${SECRETS.OPQ3}"}\n`)
    expectAbsent(run.lines[0] as string, SECRETS.OPQ2)
    expectAbsent(run.lines[0] as string, SECRETS.OPQ3)
  })

  it.fails('stubs prompt content in an unparsed line', () => {
    // Path rules such as messages[*].content need the JSON structure, which a truncated or cut line has lost.
    const run = filterText('{"level":30,"body":{"messages":[{"role":"user","content":"Paint my neighbour Greta at 14 Elm Row"}]},"b":\n')
    expect(run.lines[0]).not.toContain('Greta')
  })

  it.fails('redacts the body of a PEM block printed over several lines', () => {
    // Each line is filtered on its own: after the BEGIN line, the base64 lines look like any text.
    const body = 'MIIEowIBAAKCAQEA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4Y'
    const run = filterText(`-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\n`)
    expectAbsent(run.lines.join('\n'), body)
  })
})
