import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createFilter, type RuleHit } from '../src/index.js'

const SK_LEGACY = 'sk-2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf'
const MT1 = 'mt-9sIQr3GsMfPled0lLQfHLWkq6Z4JdnjX'
const OPQ1 = 'VvjnY6fINKRx28EfPRhEnsBl'

const collected: RuleHit[] = []
const reportingFilter = createFilter({}, 'test', { onRuleHit: (hit) => collected.push(hit) })
const plainFilter = createFilter({}, 'test')

function runWithHits(lines: readonly string[]): { outputs: (string | null)[]; hits: RuleHit[][] } {
  const filter = reportingFilter
  const outputs: (string | null)[] = []
  const hits: RuleHit[][] = []
  for (const line of lines) {
    outputs.push(filter.pipeline.processLine(line))
    hits.push(collected.splice(0))
  }
  return { outputs, hits }
}

function brief(hit: RuleHit): string {
  return `${hit.ruleId} ${hit.target} ${JSON.stringify(hit.path)}`
}

describe('pipeline report mode', () => {
  it.each([
    {
      name: 'nested key',
      line: JSON.stringify({ req: { headers: { Authorization: `Bearer ${SK_LEGACY}` } } }),
      expected: ['redact-credential-keys value ["req","headers","Authorization"]'],
    },
    {
      name: 'array element',
      line: JSON.stringify({ notes: ['fine', `token is ${MT1}`] }),
      expected: ['redact-management-tokens span ["notes",1]'],
    },
    {
      name: 'JSON document inside a string',
      line: JSON.stringify({ body: JSON.stringify({ model: 'm', api_key: OPQ1 }) }),
      expected: ['redact-credential-keys value ["body","api_key"]'],
    },
    {
      name: 'two spans in one string',
      line: JSON.stringify({ msg: `first ${SK_LEGACY} then ${MT1}` }),
      expected: ['redact-api-keys span ["msg"]', 'redact-management-tokens span ["msg"]'],
    },
    {
      name: 'dropped banned field',
      line: JSON.stringify({ provider_task_id: 'prov_3jego6q6s5i69y9xombh7015', msg: 'x' }),
      expected: ['drop-provider-task-ids value ["provider_task_id"]'],
    },
    {
      name: 'text path line',
      line: `retrying with Authorization: Bearer ${MT1}`,
      expected: ['redact-bearer-credentials span []'],
    },
    {
      name: 'blank line',
      line: '   ',
      expected: ['drop-empty-lines line []'],
    },
  ])('reports $name', ({ line, expected }) => {
    const { hits } = runWithHits([line])
    expect(hits[0]?.map(brief)).toEqual(expected)
  })

  it('redacts a secret object key in reported paths', () => {
    const line = JSON.stringify({ keys: { [SK_LEGACY]: { auth: 'Bearer abcdefghijklmnop1234' } } })
    const { hits } = runWithHits([line])
    const reported = JSON.stringify(hits)
    expect(reported).not.toContain(SK_LEGACY)
    expect(reported).not.toContain(SK_LEGACY.slice(-8))
    expect(hits[0]?.map(brief)).toEqual([
      'redact-credential-keys value ["keys","sk-[REDACTED]","auth"]',
      'redact-api-keys key ["keys","sk-[REDACTED]"]',
    ])
  })

  it('reports the length of the matched text, never the text', () => {
    const { hits } = runWithHits([JSON.stringify({ api_key: OPQ1, password: { old: 'x' } })])
    expect(hits[0]?.map((hit) => hit.chars)).toEqual([OPQ1.length, -1])
    expect(JSON.stringify(hits)).not.toContain(OPQ1)
  })

  it('reports nothing for a line no rule touches', () => {
    const { hits } = runWithHits([JSON.stringify({ level: 30, msg: 'all good' })])
    expect(hits[0]).toEqual([])
  })

  it('leaves every output line unchanged', () => {
    const secret = fc.constantFrom(SK_LEGACY, MT1, `Bearer ${OPQ1}`, 'ana@example.org', 'plain words')
    const key = fc.constantFrom('msg', 'api_key', 'note', 'prompt', 'headers', 'channel_id', SK_LEGACY)
    const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, secret, fc.integer(), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(key, tie('node'), { maxKeys: 3 })),
    })).node
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (record) => {
        const line = JSON.stringify(record)
        const plain = plainFilter.pipeline.processLine(line)
        const { outputs } = runWithHits([line])
        expect(outputs[0]).toBe(plain)
      }),
      { numRuns: 300 },
    )
  })
})

describe('Pipeline.redactText', () => {
  it('redacts credentials in free text', () => {
    const { pipeline } = plainFilter
    expect(pipeline.redactText(`key ${SK_LEGACY} and password=${OPQ1}`)).toBe('key sk-[REDACTED] and password=[REDACTED]')
  })

  it('counts nothing in the summary', () => {
    const { pipeline } = createFilter({}, 'test')
    pipeline.redactText(`key ${SK_LEGACY}`)
    expect(pipeline.summary.leak_check_hits).toEqual({})
    expect(pipeline.summary.redactions).toEqual({})
    expect(pipeline.summary.lines_in).toBe(0)
  })
})
