import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CheckFailure, checkFilterOutput, checkIdentical, checkPathRedaction, checkReserialized, checkTransportOutput } from '../../bench/checks.js'
import { jqProgram, parsePath, valuesAtPath } from '../../bench/equivalent-paths.js'
import { SK_KEYS } from '../../bench/fake-secrets.js'

const directory = mkdtempSync(join(tmpdir(), 'bench-checks-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

let fileCount = 0
function file(lines: readonly string[], trailingNewline = true): string {
  const path = join(directory, `file-${fileCount++}.ndjson`)
  writeFileSync(path, lines.join('\n') + (trailingNewline ? '\n' : ''))
  return path
}

const SUMMARY = (lines: number): string => `tokenlab-logfilter: summary: {"lines_in":${lines},"lines_out":${lines},"internal_errors":0,"leak_check_hits":{}}\n`
const input = file(['{"level":30,"req":{"headers":{"authorization":"Bearer x"}},"channel_id":"ch_1","msg":"a"}', 'not json', '{"level":30,"msg":"b"}'])

describe('output checks', () => {
  it('pass identical output', async () => {
    await expect(checkIdentical(input, input)).resolves.toContain('identical')
  })

  it('reject changed passthrough output', async () => {
    await expect(checkIdentical(input, file(['{}', 'not json', '{}']))).rejects.toThrow(CheckFailure)
  })

  it('reject a lost line', async () => {
    const output = file(['{"level":30,"req":{"headers":{"authorization":"Bearer x"}},"channel_id":"ch_1","msg":"a"}', 'not json'])
    await expect(checkReserialized(input, output)).rejects.toThrow(/lines were lost/)
  })

  it('reject a missing last newline', async () => {
    const output = file(['{"level":30,"req":{"headers":{"authorization":"Bearer x"}},"channel_id":"ch_1","msg":"a"}', 'not json', '{"level":30,"msg":"b"}'], false)
    await expect(checkReserialized(input, output)).rejects.toThrow(/newline/)
  })

  it('pass path redaction with censor and removal', async () => {
    const output = file(['{"level":30,"req":{"headers":{"authorization":"[REDACTED]"}},"msg":"a"}', 'not json', '{"level":30,"msg":"b"}'])
    await expect(checkPathRedaction(input, output)).resolves.toBe('3 lines, 1 values redacted, 1 banned fields removed')
  })

  it('reject a value left at a redact path', async () => {
    const output = file(['{"level":30,"req":{"headers":{"authorization":"Bearer x"}},"msg":"a"}', 'not json', '{"level":30,"msg":"b"}'])
    await expect(checkPathRedaction(input, output)).rejects.toThrow(/redact path/)
  })

  it('reject a banned field left', async () => {
    const output = file(['{"level":30,"req":{"headers":{"authorization":"[REDACTED]"}},"channel_id":"ch_1","msg":"a"}', 'not json', '{"level":30,"msg":"b"}'])
    await expect(checkPathRedaction(input, output)).rejects.toThrow(/banned field/)
  })

  it('pass clean filter output', async () => {
    const output = file(['{"level":30,"msg":"a"}', '{"msg":"not json"}', '{"level":30,"msg":"b"}'])
    await expect(checkFilterOutput(input, output, SUMMARY(3))).resolves.toContain('no planted value left')
  })

  it('reject a planted key in filter output', async () => {
    const output = file([`{"level":30,"msg":"key ${SK_KEYS.project.value}"}`, '{"msg":"x"}', '{"msg":"y"}'])
    await expect(checkFilterOutput(input, output, SUMMARY(3))).rejects.toThrow(/planted value/)
  })

  it('reject a key tail left after the censor', async () => {
    const output = file([`{"level":30,"msg":"sk-proj-[REDACTED]${SK_KEYS.project.value.slice(-8)}"}`, '{"msg":"x"}', '{"msg":"y"}'])
    await expect(checkFilterOutput(input, output, SUMMARY(3))).rejects.toThrow(/planted value/)
  })

  it('reject filter output that is not JSON', async () => {
    const output = file(['{"level":30,"msg":"a"}', 'not json', '{"level":30,"msg":"b"}'])
    await expect(checkFilterOutput(input, output, SUMMARY(3))).rejects.toThrow(/not a JSON object/)
  })

  it('reject a summary that miscounts', async () => {
    const output = file(['{"msg":"a"}', '{"msg":"b"}', '{"msg":"c"}'])
    await expect(checkFilterOutput(input, output, SUMMARY(4))).rejects.toThrow(/summary counts/)
  })

  it('reject a planted key on stderr', async () => {
    const output = file(['{"msg":"a"}', '{"msg":"b"}', '{"msg":"c"}'])
    await expect(checkFilterOutput(input, output, `warning ${SK_KEYS.legacy.value}\n${SUMMARY(3)}`)).rejects.toThrow(/stderr/)
  })

  it('reject a transport output with too few records', async () => {
    await expect(checkTransportOutput(file(['{"msg":"a"}']), 2, false)).rejects.toThrow(/2 records logged, 1 lines written/)
  })
})

describe('equivalent paths', () => {
  it.each([
    ['req.headers.authorization', { req: { headers: { authorization: 'x' } } }, ['x']],
    ['headers["x-api-key"]', { headers: { 'x-api-key': 'k' } }, ['k']],
    ['request.messages[*].content', { request: { messages: [{ content: 'a' }, { role: 'user' }, { content: 'b' }] } }, ['a', 'b']],
    ['output.urls[*]', { output: { urls: ['u1', 'u2'] } }, ['u1', 'u2']],
    ['req.headers.authorization', { req: 'a string' }, []],
    ['user.email', { user: { email: null } }, []],
  ])('find %s', (path, record, expected) => {
    expect(valuesAtPath(record, parsePath(path))).toEqual(expected)
  })

  it('reject a path segment it cannot follow', () => {
    expect(() => parsePath('a..b')).toThrow(/unsupported segment/)
  })

  it('build a jq program for every path', () => {
    expect(jqProgram()).toContain('.["headers"]? | .["x-api-key"]?')
    expect(jqProgram()).toContain('del(.["provider_task_id"]?')
  })
})
