/**
 * The prefilter's contract: it may only skip work that cannot change the output. Checked as a
 * property: for generated records, the pipeline with the prefilter gives the same output as the
 * pipeline that runs every rule on every line.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileRules } from '../src/rules/compile.js'
import { loadRuleSet } from '../src/rules/load.js'
import { Pipeline } from '../src/pipeline.js'
import { buildPrefilter } from '../src/scan/prefilter.js'

const rules = compileRules(loadRuleSet())

/** Inserts random `_`/`-` separators and flips letter case, as real key spellings do. */
function respell(word: string, separators: readonly number[], upper: readonly boolean[]): string {
  let result = ''
  for (let index = 0; index < word.length; index++) {
    const char = word[index] as string
    result += upper[index % upper.length] ? char.toUpperCase() : char
    const separator = separators[index % separators.length] as number
    if (index < word.length - 1 && separator === 1) result += '_'
    if (index < word.length - 1 && separator === 2) result += '-'
  }
  return result
}

const SENSITIVE_WORDS = ['apikey', 'authorization', 'password', 'clientsecret', 'accesstoken', 'prompt', 'email', 'providertaskid', 'channelid', 'rediskey', 'requestid', 'taskid', 'pollurl', 'billingtransactionid', 'cookie', 'messages', 'content', 'user', 'input', 'xauth', 'token', 'sessionid']
/** Near misses: words that contain a rule's word but are not its key. */
const PLAIN_WORDS = ['level', 'msg', 'time', 'region', 'count', 'name', 'status', 'detail', 'items', 'id', 'error', 'data', 'max_tokens', 'prompt_tokens', 'content-type', 'metadata', 'username', 'tokens', 'errors', 'user_agent', 'input_tokens', 'author', '1password', 'xpassword']
const VALUE_PIECES = [
  'plain words',
  'sk-2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf',
  'mt-9sIQr3GsMfPled0lLQfHLWkq6Z4JdnjX',
  'Bearer xasrpuycdwyllwebvyaxunpxwcnn',
  'ana@example.org',
  '+1 415 555 0100',
  'https://h.example/p?X-Amz-Signature=abc123&x=1',
  'ldtask_0odp8vefuo7jc9lav2i8bgb9if3yg9q7',
  'redis://:pw@10.0.0.1:6379',
  'data:image/png;base64,iVBORw0KGgo=',
  'api_key=opaque123',
  'AKIAIOSFODNN7EXAMPLE',
  'task-queue',
  'left-pad@1.3.0',
  'token: abc123',
  'the 1password=hunter2',
  "stripe.api_key='opaque'",
  '/v1/x?sig=abc&page=2',
  '/v1/x?Key-Pair-Id=K2J&x=1',
  '/v1/x?%6Bey=secret',
  'https://u:pw@db.example/x',
  'basic dXNlcjpwYXNzd29yZA==',
  'metadata: none',
  'Authorization=Bearer abcdefgh12345678',
  'error: boom',
  '{"nested":"{\\"api_key\\":\\"v\\"}"}',
  '{"model":"m","messages":[{"role":"user","content":"paint my house"}]}',
  '{"data":"{\\"contents\\":[{\\"parts\\":[{\\"text\\":\\"hi\\"}]}]}"}',
  '12345678901234567',
]

const keyArbitrary = fc.oneof(
  fc.tuple(fc.constantFrom(...SENSITIVE_WORDS), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 6 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 5 })).map(
    ([word, separators, upper]) => respell(word, separators, upper),
  ),
  fc.constantFrom(...PLAIN_WORDS),
)
const stringArbitrary = fc.array(fc.constantFrom(...VALUE_PIECES), { minLength: 1, maxLength: 3 }).map((pieces) => pieces.join(' '))
const valueArbitrary: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    stringArbitrary,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.dictionary(keyArbitrary, tie('value'), { maxKeys: 4 }),
    fc.array(tie('value'), { maxLength: 3 }),
  ),
})).value
const recordArbitrary = fc.dictionary(keyArbitrary, valueArbitrary, { minKeys: 1, maxKeys: 6 })

describe('prefilter', () => {
  it('never changes the output compared with running every rule on every line', () => {
    const fast = new Pipeline(rules)
    const full = new Pipeline(rules, { disablePrefilter: true })
    fc.assert(
      fc.property(recordArbitrary, (record) => {
        const line = JSON.stringify(record)
        expect(fast.processLine(line)).toBe(full.processLine(line))
      }),
      { numRuns: 3000, seed: 20261204 },
    )
  })

  it('finds key-name fragments through any separators and case', () => {
    const prefilter = buildPrefilter([{ text: 'apikey', bits: 1, skip: '_-' }, { text: 'sk-', bits: 2 }])
    expect(prefilter.scan('{"A_p-I_k-E_y":1}')).toBe(1)
    expect(prefilter.scan('{"api key":1}')).toBe(0)
    expect(prefilter.scan('x sk-abc')).toBe(2)
    expect(prefilter.scan('x s_k-abc')).toBe(0)
    expect(prefilter.scan('apiKey sk-')).toBe(3)
  })

  it('folds ASCII case only, like key-name matching', () => {
    const prefilter = buildPrefilter([{ text: 'key', bits: 1, skip: '_-' }])
    expect(prefilter.scan('KEY')).toBe(1)
    // U+212A KELVIN SIGN lowercases to "k" in JavaScript but is not an ASCII K.
    expect(prefilter.scan('\u212aey')).toBe(0)
  })

  it('reports every bit for a \\u escape, which can spell any character', () => {
    const line = '{"\\u0061pi_key":"opaque-secret-value"}'
    expect(new Pipeline(rules).processLine(line)).toBe('{"api_key":"[REDACTED]"}')
  })

  it('finds words next to JSON letter escapes', () => {
    // The detectors read decoded strings, where `\n` or `\t` is a word boundary or a blank. The
    // prefilter reads the raw line, where it is a backslash and a letter.
    const lines = [
      '{"msg":"line1\\nBearer xasrpuycdwyllwebvyaxunpxwcnn"}',
      '{"msg":"a\\tBearer xasrpuycdwyllwebvyaxunpxwcnn"}',
      '{"msg":"a\\rbasic dXNlcjpwYXNzd29yZA=="}',
      '{"msg":"x\\bBearer xasrpuycdwyllwebvyaxunpxwcnn"}',
      '{"msg":"x\\fBearer xasrpuycdwyllwebvyaxunpxwcnn"}',
      '{"msg":"Bearer\\txasrpuycdwyllwebvyaxunpxwcnn"}',
      '{"msg":"basic\\t1evK2fZdGI2oLWeAaTBRbupH"}',
      '{"msg":"api_key\\t=1evK2fZdGI2oLWeAaTBRbupH"}',
      '{"msg":"x\\nAIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI"}',
      '{"msg":"x\\nredis://:pw@10.0.0.1:6379"}',
      '{"msg":"x\\ndata:image/png;base64,iVBORw0KGgoAAAA="}',
      '{"msg":"{\\"m\\":\\"a\\\\nBearer xasrpuycdwyllwebvyaxunpxwcnn\\"}"}',
    ]
    const fast = new Pipeline(rules)
    const full = new Pipeline(rules, { disablePrefilter: true })
    for (const line of lines) {
      const expected = full.processLine(line)
      expect(expected, `${line} is changed by some rule`).not.toBe(line)
      expect(fast.processLine(line), line).toBe(expected)
    }
  })

  it('finds secret shapes next to any character', () => {
    // Each shape a rule finds, between characters that are word boundaries, blanks, JSON escapes
    // or percent-encodings in the decoded text but may be letters or backslashes in the raw line.
    const token = 'xasrpuycdwyllwebvyaxunpxwcnn'
    const shapes = [
      'Bearer X', 'Basic X', 'bearer:X', 'Bearer=X', 'Bearer+X', 'Bearer%20X', 'Bearer\tX', 'BEARER  X', 'api_key=X', 'api-key: X', 'token: X',
      'password=X', 'pwd:X', 'sk-X', 'sk-proj-X', 'mt-X', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.X', 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI',
      'AKIAIOSFODNN7EXAMPLE', 'redis://:X@10.0.0.1:6379', 'data:image/png;base64,iVBORw0KGgoAAAA', 'https://u:X@h.example/x', 'https://h.example/x?sig=X',
      '/p?api%5Fkey=X', 'ana@example.org', '+1 415 555 0100', '-----BEGIN PRIVATE KEY-----\nMIIX\n-----END PRIVATE KEY-----', 'Authorization: Bearer X',
      '"api_key":"X"', "'token': 'X'", 'ldtask_0odp8vefuo7jc9lav2i8bgb9if3yg9q7', 'cookie: a=X',
    ]
    const around = ['', ' ', '\n', '\t', '\r', '\b', '\f', '%0A', '%09', '+', '\u00e9', '\u00a0', '\u2028', '\u0000', '"', "'", '\\', '/', '=', ':', '_', '-', '.', '&', '?', '0', 'x', '\u20ac', '\ufeff', ',', '\u{1f600}']
    const piece = fc.tuple(fc.constantFrom(...around), fc.constantFrom(...shapes), fc.constantFrom(...around)).map(([before, shape, after]) => before + shape.replaceAll('X', token) + after)
    const place = fc.constantFrom('value', 'key', 'nested', 'nested twice', 'array', 'text')
    const fast = new Pipeline(rules)
    const full = new Pipeline(rules, { disablePrefilter: true })
    const record = (output: string | Buffer | null): string => {
      const text = output === null ? 'null' : output.toString()
      try {
        return JSON.stringify(JSON.parse(text))
      } catch {
        return `not JSON: ${text}`
      }
    }
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 3 }), fc.constantFrom(' ', ''), place, (pieces, separator, where) => {
        const text = pieces.join(separator)
        const lines: Record<string, string> = {
          value: JSON.stringify({ msg: text, level: 30 }),
          key: JSON.stringify({ [text]: 1 }),
          nested: JSON.stringify({ msg: JSON.stringify({ m: text }) }),
          'nested twice': JSON.stringify({ msg: JSON.stringify({ m: JSON.stringify({ q: text }) }) }),
          array: JSON.stringify({ list: [1, text] }),
          text: `INFO ${text}`,
        }
        const line = lines[where] as string
        const expected = record(full.processLine(line))
        expect(record(fast.processLine(line)), line).toBe(expected)
        expect(record(fast.processBytes(Buffer.from(line))), line).toBe(expected)
      }),
      { numRuns: 2000, seed: 20261216 },
    )
  })
})
