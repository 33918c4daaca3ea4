/**
 * Fail closed: when a stage throws on a record (a bug), the line is written through the text path
 * with every value detector applied, never raw, and counted as an internal error. The faults are
 * injected into what the pipeline depends on (the compiled rules, its callbacks), never into the
 * pipeline itself.
 */
import { describe, expect, it } from 'vitest'
import { LineFramer } from '../src/framing.js'
import { Pipeline, type PipelineOptions } from '../src/pipeline.js'
import { compileRules, type CompiledRules } from '../src/rules/compile.js'
import { loadRuleSet } from '../src/rules/load.js'
import { SECRETS, expectAbsent } from './helpers.js'

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYXVsdC1pbmplY3Rpb24ifQ.c2lnbmF0dXJlLW9mLWEtZmFrZS1qd3Q'

/** A record that trips the fault on `trigger`, with secrets of several shapes around it. */
const FAULTY_LINE = JSON.stringify({
  level: 30,
  msg: `calling with Bearer ${SECRETS.LOWERBEARER}`,
  trigger: { api_key: SECRETS.OPQ0 },
  auth: { token: JWT },
  key: SECRETS.SK_PROJ,
  management: SECRETS.MT1,
  contact: 'ana.k+billing@mail-relay.example.co.uk',
  note: `password=${SECRETS.OPQ1}`,
})
const NEXT_LINE = JSON.stringify({ level: 30, msg: 'next', api_key: SECRETS.OPQ2, request_id: 'req_4f9Xq2Lm' })

class InjectedFault extends Error {
  constructor() {
    super('injected fault')
    this.name = 'InjectedFault'
  }
}

/** The default rules, with a key classifier that throws for one key, as a bug in it would. */
function rulesFailingOnKey(key: string): CompiledRules {
  const rules = compileRules(loadRuleSet())
  return {
    ...rules,
    keyClass: (name: string) => {
      if (name === key) throw new InjectedFault()
      return rules.keyClass(name)
    },
  }
}

/** The default rules, with a prefilter that throws on lines containing `marker`. */
function rulesFailingInPrefilter(marker: string): CompiledRules {
  const rules = compileRules(loadRuleSet())
  const prefilter = rules.prefilter
  const check = (text: string): void => {
    if (text.includes(marker)) throw new InjectedFault()
  }
  return {
    ...rules,
    prefilter: {
      get stateCount() {
        return prefilter.stateCount
      },
      get lineIsObject() {
        return prefilter.lineIsObject
      },
      bytesMatchText: prefilter.bytesMatchText,
      scan: (text: string) => {
        check(text)
        return prefilter.scan(text)
      },
      scanLine: (text: string) => {
        check(text)
        return prefilter.scanLine(text)
      },
      scanBytes: (bytes: Uint8Array, start: number, end: number) => {
        check(Buffer.from(bytes.subarray(start, end)).toString('utf8'))
        return prefilter.scanBytes(bytes, start, end)
      },
      scanLines: (lines: readonly Uint8Array[], eligible: Uint8Array, masks: Int32Array, objects: Uint8Array) => {
        for (const line of lines) check(Buffer.from(line).toString('utf8'))
        prefilter.scanLines(lines, eligible, masks, objects)
      },
    },
  }
}

interface Run {
  readonly lines: string[]
  readonly warnings: string[]
  readonly pipeline: Pipeline
}

/** Frames and filters `input` as the CLI does, with the given rules. */
function run(rules: CompiledRules, input: string, options: PipelineOptions = {}): Run {
  const warnings: string[] = []
  const pipeline = new Pipeline(rules, { ...options, onWarning: (message) => warnings.push(message) })
  const lines: string[] = []
  const framer = new LineFramer(1024 * 1024, (line, flags) => {
    const output = pipeline.processLine(line, flags)
    if (output !== null) lines.push(output)
  })
  framer.write(Buffer.from(input))
  framer.end()
  return { lines, warnings, pipeline }
}

const SECRETS_IN_FAULTY_LINE = [SECRETS.LOWERBEARER, SECRETS.OPQ0, SECRETS.OPQ1, SECRETS.SK_PROJ, SECRETS.MT1, JWT, 'ana.k+billing']

describe('fail closed', () => {
  it.each([
    ['walk', 'a key classifier that throws', () => rulesFailingOnKey('trigger')],
    ['prefilter', 'a prefilter that throws', () => rulesFailingInPrefilter('"trigger"')],
  ])('writes the line through the text path when the %s stage fails (%s)', (stage, _fault, rules) => {
    const result = run(rules(), `${FAULTY_LINE}\n${NEXT_LINE}\n`)
    expect(result.lines).toHaveLength(2)

    const [wrapped, next] = result.lines as [string, string]
    const record = JSON.parse(wrapped) as { msg: string; logfilter: unknown }
    expect(record.logfilter).toEqual({ unparsed: 'internal_error' })
    expect(wrapped).not.toBe(FAULTY_LINE)
    for (const secret of SECRETS_IN_FAULTY_LINE) expectAbsent(wrapped, secret)
    // Every value detector ran: each shape is redacted in place, and the text around it stays.
    expect(record.msg).toContain('calling with Bearer [REDACTED]')
    expect(record.msg).toContain('"key":"sk-proj-[REDACTED]"')
    expect(record.msg).toContain('"management":"mt-[REDACTED]"')
    expect(record.msg).toContain('"api_key":"[REDACTED]"')
    expect(record.msg).toContain('password=[REDACTED]')

    // The next line is filtered as usual: the failure left no state behind.
    expect(JSON.parse(next)).toEqual({ level: 30, msg: 'next', api_key: '[REDACTED]', request_id: 'req_4f9Xq2Lm', tokenlab: { request_id: 'req_4f9Xq2Lm' } })

    const summary = result.pipeline.summary
    expect(summary.internal_errors).toBe(1)
    expect(summary.unparsed).toEqual({ internal_error: 1 })
    expect(summary.lines_in).toBe(2)
    expect(summary.lines_out).toBe(2)
    expect(result.warnings).toEqual([
      `tokenlab-logfilter: line 1 (${Buffer.byteLength(FAULTY_LINE)} bytes): internal error in stage ${stage} (InjectedFault); the line was written through the text path with every value detector applied`,
    ])
  })

  it('fails closed when the normalized-block callback throws', () => {
    const rules = compileRules(loadRuleSet())
    const line = JSON.stringify({ level: 30, request_id: 'req_4f9Xq2Lm', authorization: `Bearer ${SECRETS.LOWERBEARER}` })
    const result = run(rules, `${line}\n`, {
      onNormalized: () => {
        throw new InjectedFault()
      },
    })
    const record = JSON.parse(result.lines[0] as string) as { msg: string; logfilter: unknown }
    expect(record.logfilter).toEqual({ unparsed: 'internal_error' })
    expectAbsent(result.lines[0] as string, SECRETS.LOWERBEARER)
    expect(record.msg).toContain('req_4f9Xq2Lm')
    expect(result.pipeline.summary.internal_errors).toBe(1)
    expect(result.warnings[0]).toContain('internal error in stage normalize (InjectedFault)')
  })

  it('writes an empty record when the text path fails too', () => {
    const rules = compileRules(loadRuleSet())
    const failingEmail = rules.valueRules.map((rule) =>
      rule.detector?.name === 'email'
        ? {
            ...rule,
            detector: {
              ...rule.detector,
              find: () => {
                throw new InjectedFault()
              },
            },
          }
        : rule,
    )
    const result = run({ ...rules, valueRules: failingEmail }, `${FAULTY_LINE}\n${JSON.stringify({ level: 30, msg: 'no at sign here' })}\n`)
    expect(result.lines).toEqual(['{"msg":"","logfilter":{"unparsed":"internal_error"}}', '{"level":30,"msg":"no at sign here"}'])
    const summary = result.pipeline.summary
    expect(summary.internal_errors).toBe(1)
    expect(summary.unparsed).toEqual({ internal_error: 1 })
    expect(summary.lines_out).toBe(2)
  })
})
