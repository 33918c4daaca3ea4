/**
 * Rule files as a property. A generated rule file, however wrong (bad types, bad paths, bad or
 * catastrophic patterns, `__proto__` keys), either loads and filters lines without an internal
 * error, or stops with a LogfilterError, which the CLI reports with exit code 2. Any other
 * exception would reach the user as a stack trace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { LogfilterError } from '../src/errors.js'
import { Pipeline } from '../src/pipeline.js'
import { compileRules } from '../src/rules/compile.js'
import { loadRuleSet } from '../src/rules/load.js'

const folder = mkdtempSync(join(tmpdir(), 'logfilter-rules-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('*', '**', 'a.b', 'a[0]', 'a[*]', '["x"]', '[', ']', '.', '*.a', 'a..b', '_', '-', '__proto__', 'constructor', '', ' ', '\\', 'a["', "a['b']", 'a[-1]', 'a[1e3]'),
)
const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arbitrary, { nil: undefined })

const match = fc.record(
  {
    paths: fc.array(text, { maxLength: 3 }),
    keys: fc.array(text, { maxLength: 3 }),
    anywhere: fc.boolean(),
    detector: fc.constantFrom('sk_key', 'email', 'text_key_value', 'no_such_detector'),
    pattern: fc.constantFrom('a', '(', 'a*', '\\d+', '(?<x>a)\\k<x>', '^$', '[', '.*', 'x{2,3}', '^(a+)+$', '(a|a)*$'),
    types: fc.array(fc.constantFrom('string', 'number', 'object', 'array', 'null', 'boolean', 'date'), { maxLength: 2 }),
    unless_value_starts_with: fc.array(text, { maxLength: 2 }),
    empty_line: fc.constantFrom(true, false),
  },
  { requiredKeys: [] },
)

const rule = fc.record(
  {
    id: fc.constantFrom('a', 'b', 'c', 'redact-jwts', 'Bad Id'),
    description: fc.constantFrom('describes it', 'describes it', ''),
    match,
    action: fc.constantFrom('redact', 'drop', 'stub', 'hmac', 'partial', 'drop_line', 'erase'),
    keep_chars: fc.integer({ min: -1, max: 70 }),
    format: fc.constantFrom('cookie', 'csv'),
    stub: fc.constantFrom('prompt', 'Bad Kind'),
  },
  { requiredKeys: ['id', 'description', 'match', 'action'] },
)

const ruleFile = fc.record(
  {
    version: fc.constantFrom(1, 1, 1, 2),
    extends: optional(fc.constantFrom('default', 'other')),
    censor: optional(text),
    protected_keys: optional(fc.array(text, { maxLength: 2 })),
    disable: optional(fc.array(fc.constantFrom('redact-jwts', 'no-such-rule'), { maxLength: 2 })),
    rules: fc.array(fc.oneof(rule, fc.constantFrom(null, 1, 'rule')), { maxLength: 4 }),
    normalize: optional(
      fc.record(
        {
          key: text,
          job_id_paths: fc.array(text, { maxLength: 2 }),
          identifiers: fc.record({ request_id: fc.record({ keys: fc.array(text, { maxLength: 2 }), format: fc.constantFrom('^req_', '(', '^(a+)+$') }) }),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: ['version'] },
)

const LINES = [
  '{"a":{"b":"x"},"x":[1,{"y":"sk-proj-r3X5Xcgmliykcfrpfaor2kll"}],"api_key":"v","__proto__":{"a":1}}',
  '',
  'text a=b password=c',
  '{"request_id":"req_abcdef","rawHeaders":["X-Api-Key","v"]}',
]

describe('rule files', () => {
  it('either load and filter or stop with a configuration error', () => {
    let loaded = 0
    let rejected = 0
    fc.assert(
      fc.property(ruleFile, (file) => {
        const path = join(folder, 'rules.json')
        writeFileSync(path, JSON.stringify(file))
        let pipeline: Pipeline
        try {
          pipeline = new Pipeline(compileRules(loadRuleSet(path)))
        } catch (error) {
          if (!(error instanceof LogfilterError)) throw error
          rejected++
          return
        }
        for (const line of LINES) pipeline.processLine(line)
        expect(pipeline.summary.internal_errors).toBe(0)
        loaded++
      }),
      { numRuns: 1000, seed: 20241204 },
    )
    // Both outcomes occur, so the property is not vacuous (most generated files are invalid).
    expect(loaded).toBeGreaterThan(40)
    expect(rejected).toBeGreaterThan(40)
  }, 60_000)
})
