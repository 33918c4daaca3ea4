/**
 * Value detectors, one table each: what they must find (and what they keep) and the look-alikes
 * they must leave alone. Plus the ReDoS guarantees: every regular expression the filter runs is
 * proven linear by recheck, and every detector finishes on 100 KB inputs built to defeat
 * backtracking (the per-test timeout is the failure mode, not a speed target).
 */
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { DETECTOR_DEFINITIONS, type DetectorContext } from '../src/detectors/index.js'
import { SpanList } from '../src/detectors/spans.js'
import { loadRuleSet } from '../src/rules/load.js'
import { leakCheck } from '../src/stages/leak-check.js'
import type { DetectorName } from '../src/rules/schema.js'

const context: DetectorContext = {
  isSecretKey: (name) => name === 'apikey' || name === 'password',
  classifyTextKey: (name) => (/^(api_?key|password|authorization|cookie)$/i.test(name) ? { rule: 0, cookie: /cookie/i.test(name), types: undefined } : undefined),
  censor: '[REDACTED]',
}

/** Runs one detector and returns the matched substrings. */
function matches(detector: DetectorName, text: string): string[] {
  const spans = new SpanList()
  DETECTOR_DEFINITIONS[detector].find(text, 0, spans, context)
  return spans.merged(() => 0).map((span) => text.slice(span.start, span.end))
}

function kept(detector: DetectorName, text: string): string[] {
  const spans = new SpanList()
  DETECTOR_DEFINITIONS[detector].find(text, 0, spans, context)
  return spans.spans.map((span) => text.slice(span.start, span.start + span.keep))
}

describe('detectors', () => {
  it.each<[DetectorName, string, string[]]>([
    ['sk_key', 'key sk-2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf.', ['sk-2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf']],
    ['sk_key', 'k=sk-proj-r3X5X-cgM-liYkcFrPfA_oR2KllaDOZEVlA6AstF0Vh8KP3- end', ['sk-proj-r3X5X-cgM-liYkcFrPfA_oR2KllaDOZEVlA6AstF0Vh8KP3-']],
    ['sk_key', 'Bearer%20sk-live-abcdefghijklmnop1234', ['sk-live-abcdefghijklmnop1234']],
    ['sk_key', 'sk-learning task-queue risk-score desk-top sk-your-api-key', []],
    ['mt_token', '"mt-9sIQr3GsMfPled0lLQfHLWkq6Z4JdnjX"', ['mt-9sIQr3GsMfPled0lLQfHLWkq6Z4JdnjX']],
    ['mt_token', 'smt-9sIQr3GsMfPled0lLQfHLWkq6Z4JdnjX mt-short', []],
    ['bearer_credential', 'Authorization: Bearer xasrpuycdwyllwebvyaxunpxwcnn', ['xasrpuycdwyllwebvyaxunpxwcnn']],
    ['bearer_credential', 'auth=basic dXNlcjpodW50ZXIy;', ['dXNlcjpodW50ZXIy']],
    ['bearer_credential', 'Bearer tokens expire; basic plan; Bearer authentication', []],
    ['bearer_credential', '?auth=Bearer%20xasrpuycdwyllwebvyaxunpxwcnn&x=1 h=Basic+dXNlcjpodW50ZXIy%3D%3D;', ['xasrpuycdwyllwebvyaxunpxwcnn', 'dXNlcjpodW50ZXIy%3D%3D']],
    ['bearer_credential', 'Bearer%20tokens basic+plan Bearer%2', []],
    ['jwt', 'x eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc-_def y', ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc-_def']],
    ['jwt', 'eyJustAWord and eyJabc.eyJ', []],
    ['aws_access_key', 'AKIAIOSFODNN7EXAMPLE,ASIAY34FZKBOKMUTVV7A', ['AKIAIOSFODNN7EXAMPLE', 'ASIAY34FZKBOKMUTVV7A']],
    ['aws_access_key', 'AKIAIOSFODNN7EXAMPLEX Asia/Tokyo AKIA123', []],
    ['google_api_key', '?key=AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q&x', ['AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q']],
    ['pem_private_key', 'k -----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY----- tail', ['-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----']],
    ['pem_private_key', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', []],
    ['url_credentials', 'https://h/p?X-Amz-Signature=abc&X-Amz-Date=1&sig=zz', ['abc', 'zz']],
    ['url_credentials', '/v1/models?api%5Fkey=secret1&page=2', ['secret1']],
    ['url_credentials', 'https://user:hunter2@db.example/x https://ghp_token@github.example/', ['hunter2', 'ghp_token']],
    ['url_credentials', 'https://example.com/search?q=cats&page=2 are you sure? yes', []],
    ['url_credentials', 'login?next=https%3A%2F%2Fapp.example%2Fcb%3Fstate%3Dab%26token%3Dsecret9 done', ['state%3Dab%26token%3Dsecret9']],
    ['url_credentials', '"redirect":"https%3A%2F%2Fa.example%2Fcb%3Fr%3Dhttps%253A%252F%252Fb%253Fsig%253Dsecret8"', ['r%3Dhttps%253A%252F%252Fb%253Fsig%253Dsecret8']],
    ['url_credentials', 'https%3A%2F%2Fapp.example%2Fsearch%3Fq%3Dcats%26page%3D2 100%3f %3F', []],
    ['redis_url', 'to redis://:pw@10.0.0.1:6379/0, then rediss://h', ['redis://:pw@10.0.0.1:6379/0', 'rediss://h']],
    ['data_url', 'img data:image/png;base64,iVBORw0KGgo= end', ['data:image/png;base64,iVBORw0KGgo=']],
    ['data_url', 'metadata: none; data:x', []],
    ['email', "to 'ana.k+billing@mail-relay.example.co.uk' by <bo_b@corp.example.org>", ['ana.k+billing@mail-relay.example.co.uk', 'bo_b@corp.example.org']],
    ['email', 'left-pad@1.3.0 node@20.11.1 ghcr.io/acme/api@sha256:4d3f0a @scope/pkg user@localhost', []],
    ['email', 'postgres://app:pw@db.internal:5432/x', []],
    ['phone', 'call +1 415 555 0100 or +44 (0)20 7946 0958 or +4915112345678', ['+1 415 555 0100', '+44 (0)20 7946 0958', '+4915112345678']],
    ['phone', '2024-06-10T07:19:17+02:00 3+4=7 +123 a+14155550100', []],
    ['text_key_value', "api_key='opaque-1' password: \"p w\" max_tokens=64 Authorization: Bearer abc123", ['opaque-1', 'p w', 'abc123']],
    ['text_key_value', 'Cookie: a=1; theme=dark\r\nHost: x', ['1', 'dark']],
    ['text_key_value', 'https://x.example/a?b=c region=eu key: value', []],
    ['text_key_value', '{"api_key"=>"opaque-2", :password => hunter2, region => eu}', ['opaque-2', 'hunter2']],
  ])('%s finds exactly the secrets in %j', (detector, text, expected) => {
    expect(matches(detector, text)).toEqual(expected)
  })

  it.each<[DetectorName, string, string[]]>([
    ['sk_key', 'sk-proj-r3X5X-cgM-liYkcFrPfA_oR2KllaDOZEVlA6AstF0Vh8KP3-', ['sk-proj-']],
    ['sk_key', 'sk-ant-api03-pB4FfFTxDzPJwFplkKa3N_n66q-xdHSODweNA73f-XeF488koAA', ['sk-ant-api03-']],
    ['sk_key', 'sk-2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf', ['sk-']],
    ['mt_token', 'mt-9sIQr3GsMfPled0lLQfHLWkq6Z4JdnjX', ['mt-']],
    ['data_url', 'data:image/png;base64,iVBORw0KGgo=', ['data:image/png;base64,']],
  ])('%s keeps the documented prefix of %j for action partial', (detector, text, prefixes) => {
    expect(kept(detector, text)).toEqual(prefixes)
  })
})

describe('ReDoS', () => {
  type CheckSync = (source: string, flags: string) => { status: string }
  const { checkSync } = createRequire(import.meta.url)('recheck') as { checkSync: CheckSync }

  /** Every regular expression that runs on log data, as source and flags. */
  const BUILT_IN_PATTERNS: [string, string][] = [
    ['bearer|basic', 'gi'],
    ['rediss?:\\/\\/', 'gi'],
    ['[A-Z]+', 'g'],
    ['[_-]', 'g'],
    ['[0-9]{16}', ''],
    ['[;,]', ''],
    ['^[a-z0-9.+-]+\\/[a-z0-9.+-]+$', ''],
    ['^[A-Za-z0-9_./+:-]{0,64}$', ''],
    ['^[a-z][a-z0-9+.-]*:\\/\\/[^/?#]*', 'i'],
    ['[?#]', ''],
    ['%([0-7][0-9A-Fa-f])', 'g'],
    ['\\\\u00([2-7][0-9A-Fa-f])|\\\\\\/', 'g'],
    ["^\\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,255}$", ''],
  ]

  it.each(BUILT_IN_PATTERNS)('built-in pattern /%s/%s is proven safe', (source, flags) => {
    expect(checkSync(source, flags).status).toBe('safe')
  })

  it('every identifier format of the default pack is proven safe', () => {
    const identifiers = loadRuleSet().normalize.identifiers ?? {}
    for (const source of Object.values(identifiers)) expect(checkSync(source.format, '').status).toBe('safe')
  })

  const SIZE = 100_000
  const repeat = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE)
  const ADVERSARIAL: [DetectorName, string][] = [
    ['sk_key', repeat('sk-')],
    ['sk_key', 'sk-' + repeat('a-')],
    ['mt_token', repeat('mt-a')],
    ['bearer_credential', repeat('Bearer ')],
    ['bearer_credential', 'bearer ' + repeat('a')],
    ['jwt', repeat('eyJa.')],
    ['jwt', repeat('eyJaaaaaaaaaaa.eyJaaaaaaaaaaa')],
    ['aws_access_key', repeat('AKIA')],
    ['google_api_key', repeat('AIza')],
    ['pem_private_key', repeat('-----BEGIN ')],
    ['pem_private_key', repeat('-----BEGIN RSA PRIVATE KEY-----')],
    ['url_credentials', repeat('?a=&')],
    ['url_credentials', repeat('://@')],
    ['url_credentials', repeat('?#')],
    ['redis_url', repeat('redis://')],
    ['data_url', repeat('data:a/b;')],
    ['email', repeat('a@')],
    ['email', repeat('a.') + '@' + repeat('b.')],
    ['phone', repeat('+1 ')],
    ['phone', repeat('+1(')],
    ['text_key_value', repeat(':')],
    ['text_key_value', repeat('api_key=')],
    ['text_key_value', repeat('a') + '=x'],
    ['text_key_value', repeat('password:"\\')],
    ['text_key_value', repeat('cookie: a=;')],
  ]

  // A search that restarts from each anchor and scans to the end of the text is quadratic: these
  // inputs repeat the anchor without what the search looks for. At 4 MiB, a quadratic scan takes
  // minutes and a linear one milliseconds.
  const FOUR_MIB = 4 * 1024 * 1024
  const repeatLarge = (unit: string): string => unit.repeat(Math.ceil(FOUR_MIB / unit.length)).slice(0, FOUR_MIB)
  const UNBOUNDED_SEARCHES: [DetectorName, string][] = [
    ['email', repeatLarge('a@')],
    ['email', repeatLarge('a@b ')],
    ['email', repeatLarge('a@b-')],
    ['url_credentials', repeatLarge('? ')],
    ['url_credentials', repeatLarge('# ')],
    ['url_credentials', repeatLarge('?a=b ')],
    ['url_credentials', repeatLarge('%3F ')],
    ['url_credentials', repeatLarge('%3Fa%3D%253F')],
  ]

  it.each([...ADVERSARIAL, ...UNBOUNDED_SEARCHES])('%s finishes on an adversarial input (case %#)', (detector, text) => {
    const spans = new SpanList()
    DETECTOR_DEFINITIONS[detector].find(text, 0, spans, context)
    expect(spans.size).toBeGreaterThanOrEqual(0)
  }, 5_000)

  it('leak check finishes on PEM headers in many JSON strings', () => {
    // Serialized JSON: each header ends at a quote, and no END line follows any of them.
    const text = repeatLarge('-----BEGIN RSA PRIVATE KEY-----","')
    expect(leakCheck(text, '[REDACTED]').hits.length).toBeGreaterThan(0)
  }, 5_000)
})
