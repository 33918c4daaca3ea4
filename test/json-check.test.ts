/**
 * The JSON object check that lets clean lines skip JSON.parse: it must never accept what
 * JSON.parse rejects, and it must accept what JSON.stringify writes.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isJsonObjectText } from '../src/scan/json-check.js'

function parsesToObject(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown
    return value !== null && typeof value === 'object' && !Array.isArray(value)
  } catch {
    return false
  }
}

/** Deletes, inserts or replaces one character, to produce near-JSON. */
const mutation = fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', 'e', '.', ' ', 'u', 'n', '\t'))

describe('JSON object check', () => {
  it('accepts what JSON.stringify writes for objects', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        expect(isJsonObjectText(JSON.stringify(value), 512)).toBe(true)
      }),
      { numRuns: 2000, seed: 1 },
    )
  })

  it('never accepts text that JSON.parse rejects or that is not an object', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(mutation, { maxLength: 3 }), (value, mutations) => {
        let text = JSON.stringify(value) ?? ''
        for (const [at, kind, char] of mutations) {
          const position = text.length === 0 ? 0 : at % text.length
          if (kind === 'delete') text = text.slice(0, position) + text.slice(position + 1)
          else if (kind === 'insert') text = text.slice(0, position) + char + text.slice(position)
          else text = text.slice(0, position) + char + text.slice(position + 1)
        }
        if (isJsonObjectText(text, 512)) expect(parsesToObject(text)).toBe(true)
      }),
      { numRuns: 20000, seed: 2 },
    )
  })

  it.each([
    ['{"a":1,}', false],
    ['{"a":01}', false],
    ['{"a":"\\x"}', false],
    ['{"a":"\t"}', false],
    ['{"a":1}{}', false],
    ['[1]', false],
    ['{"a":"\\\\"}', true],
    ['{"a":"b\\\\\\"c"}', true],
    [' {"a":-0.5e+10} ', true],
  ])('judges %j as %s', (text, expected) => {
    expect(isJsonObjectText(text, 512)).toBe(expected)
  })

  it('leaves nesting beyond the limit to the parser', () => {
    const deep = '{"a":'.repeat(600) + '1' + '}'.repeat(600)
    expect(isJsonObjectText(deep, 512)).toBe(false)
    expect(isJsonObjectText('{"a":'.repeat(10) + '1' + '}'.repeat(10), 512)).toBe(true)
  })
})
