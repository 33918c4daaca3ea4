/**
 * The JSON object check of the fast path, as a property. A line that the check calls one JSON
 * object, and in which the prefilter finds no fragment, is written out without JSON.parse, so
 * a false "object" would let a line that is not JSON through unchanged. Checked here:
 * isJsonObjectText agrees with JSON.parse on generated JSON texts, on the same texts mutated,
 * and on hand-picked edge cases. The prefilter's scanLine, scanBytes and scanLines agree with
 * its plain fragment scan and with isJsonObjectText, for texts with planted fragments and
 * non-ASCII characters. Nesting deeper than the check's limit is "not an object", never a wrong
 * "object".
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileRules } from '../src/rules/compile.js'
import { loadRuleSet } from '../src/rules/load.js'
import { JSON_MAX_DEPTH, isJsonObjectText } from '../src/scan/json-object.js'
import { EDGE_TEXTS, SINGLE_EDIT_TEXTS, anyText, mutatedText, nested, parsesToObject, validText, wellFormedText } from './support/json-texts.js'

const prefilter = compileRules(loadRuleSet()).prefilter

describe('isJsonObjectText', () => {
  it('agrees with JSON.parse on generated JSON texts', () => {
    fc.assert(
      fc.property(validText, (text) => {
        expect(isJsonObjectText(text)).toBe(parsesToObject(text))
      }),
      { numRuns: 2000, seed: 20261205 },
    )
  })

  it('agrees with JSON.parse on mutated and concatenated texts', () => {
    fc.assert(
      fc.property(mutatedText, (text) => {
        expect(isJsonObjectText(text)).toBe(parsesToObject(text))
      }),
      { numRuns: 3000, seed: 20261206 },
    )
  })

  it('agrees with JSON.parse on every edge case and single edit', () => {
    const disagreements = [...EDGE_TEXTS, ...SINGLE_EDIT_TEXTS].filter((text) => isJsonObjectText(text) !== parsesToObject(text))
    expect(disagreements).toEqual([])
  })

  it('rejects texts that are not one JSON object', () => {
    const rejected = ['', ' ', '{', '}', '{}}', '{}{}', '{"a":1}{"b":2}', '{"a":1} x', '\ufeff{}', '{}\u00a0', '{"a":1}\r{"b":2}', '[{}]', '"{}"', 'null', '{"a":"\u0001"}', '{"a":"\\u12"}', '{"a":01}']
    for (const text of rejected) expect(isJsonObjectText(text), JSON.stringify(text)).toBe(false)
    const accepted = ['{}', ' {} ', '\t{\r\n}\n', '{"a":-0}', '{"\ud800":"\udfff"}', '{"a":"\u2028"}', '{"__proto__":{}}', '{"a":1,"a":2}']
    for (const text of accepted) expect(isJsonObjectText(text), JSON.stringify(text)).toBe(true)
  })

  it('rejects nesting deeper than its limit', () => {
    expect(isJsonObjectText(nested(JSON_MAX_DEPTH))).toBe(true)
    expect(parsesToObject(nested(JSON_MAX_DEPTH + 1))).toBe(true)
    expect(isJsonObjectText(nested(JSON_MAX_DEPTH + 1))).toBe(false)
    expect(isJsonObjectText(nested(JSON_MAX_DEPTH * 4))).toBe(false)
  })
})

describe('prefilter scans with the JSON object check', () => {
  it('scanLine matches scan and the reference check', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const mask = prefilter.scanLine(text)
        const isObject = prefilter.lineIsObject
        expect(mask).toBe(prefilter.scan(text))
        if (mask === 0) expect(isObject).toBe(isJsonObjectText(text))
        if (mask === 0 && isObject) expect(parsesToObject(text)).toBe(true)
      }),
      { numRuns: 3000, seed: 20261208 },
    )
  })

  it('finds planted fragments in the text', () => {
    // The planted pieces that contain a fragment of the default pack, alone in a JSON object.
    for (const piece of ['sk-2HCjUU0K0muNZy1l5XF4NaX7', 'Bearer abc.def', '\\u0073k-', 'ldtask_0odp8vefuo7jc9', '1234567890123456', '\u00e9sk-']) {
      const text = `{"msg":"x ${piece}"}`
      expect(prefilter.scanLine(text), piece).not.toBe(0)
      expect(prefilter.scanBytes(Buffer.from(text), 0, Buffer.byteLength(text)), piece).not.toBe(0)
    }
    const text = '{"Authorization" : "x"}'
    expect(prefilter.scanLine(text)).not.toBe(0)
  })

  it('scanBytes matches a scan of the decoded text', () => {
    fc.assert(
      fc.property(wellFormedText, fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), (text, before, after) => {
        // The line sits inside a larger buffer, as a line inside an input chunk does.
        const prefix = Buffer.from(before)
        const line = Buffer.from(text)
        const bytes = Buffer.concat([prefix, line, Buffer.from(after)])
        const mask = prefilter.scanBytes(bytes, prefix.length, prefix.length + line.length)
        const isObject = prefilter.lineIsObject
        expect(mask).toBe(prefilter.scan(text))
        if (mask === 0) expect(isObject).toBe(isJsonObjectText(text))
      }),
      { numRuns: 3000, seed: 20261209 },
    )
  })

  it('scanLines gives each line of a batch the result of scanBytes', () => {
    const line = fc.oneof({ weight: 5, arbitrary: wellFormedText }, { weight: 1, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }).map((depth) => nested(depth)) })
    fc.assert(
      fc.property(fc.array(fc.tuple(line, fc.boolean()), { maxLength: 12 }), fc.boolean(), (entries, shareBuffer) => {
        const texts = entries.map(([text]) => text)
        let lines: Buffer[] = texts.map((text) => Buffer.from(text))
        if (shareBuffer) {
          // Lines as views into one buffer, as the framer hands them over.
          const whole = Buffer.from(texts.join('\n'))
          let start = 0
          lines = lines.map((bytes) => {
            const view = whole.subarray(start, start + bytes.length)
            start += bytes.length + 1
            return view
          })
        }
        const eligible = Uint8Array.from(entries.map(([, flag]) => (flag ? 1 : 0)))
        const masks = new Int32Array(lines.length + 3).fill(-7)
        const objects = new Uint8Array(lines.length + 3).fill(9)
        prefilter.scanLines(lines, eligible, masks, objects)
        for (const [index, bytes] of lines.entries()) {
          if (eligible[index] !== 1) {
            expect(masks[index], `line ${index} is not eligible and keeps its mask slot`).toBe(-7)
            continue
          }
          const mask = prefilter.scanBytes(bytes, 0, bytes.length)
          expect(masks[index], `mask of line ${index}`).toBe(mask)
          const isObject = mask === 0 && prefilter.lineIsObject
          expect(objects[index], `object result of line ${index}`).toBe(isObject ? 1 : 0)
        }
      }),
      { numRuns: 1500, seed: 20261210 },
    )
  })

  it('agrees with the reference check on every edge case and single edit', () => {
    const texts = [...EDGE_TEXTS, ...SINGLE_EDIT_TEXTS].map((text) => text.replace(/[\ud800-\udfff]/gu, '\ufffd'))
    const lines = texts.map((text) => Buffer.from(text))
    const masks = new Int32Array(lines.length)
    const objects = new Uint8Array(lines.length)
    prefilter.scanLines(lines, new Uint8Array(lines.length).fill(1), masks, objects)
    const disagreements: string[] = []
    for (const [index, text] of texts.entries()) {
      const mask = prefilter.scan(text)
      const isObject = mask === 0 && isJsonObjectText(text)
      const lineMask = prefilter.scanLine(text)
      const lineObject = lineMask === 0 && prefilter.lineIsObject
      const bytes = lines[index] as Buffer
      const bytesMask = prefilter.scanBytes(bytes, 0, bytes.length)
      const bytesObject = bytesMask === 0 && prefilter.lineIsObject
      const results = [lineMask, bytesMask, masks[index], lineObject, bytesObject, objects[index] === 1]
      const expected = [mask, mask, mask, isObject, isObject, isObject]
      if (results.join() !== expected.join()) disagreements.push(`${JSON.stringify(text)}: scanLine, scanBytes, scanLines gave ${results.join()}, expected ${expected.join()}`)
    }
    expect(disagreements).toEqual([])
  })

  it('scans nesting deeper than the limit as no object', () => {
    for (const depth of [JSON_MAX_DEPTH, JSON_MAX_DEPTH + 1, JSON_MAX_DEPTH + 7]) {
      const text = nested(depth)
      const expected = depth <= JSON_MAX_DEPTH
      expect(prefilter.scanLine(text), `scanLine mask at depth ${depth}`).toBe(0)
      expect(prefilter.lineIsObject, `scanLine at depth ${depth}`).toBe(expected)
      const bytes = Buffer.from(text)
      expect(prefilter.scanBytes(bytes, 0, bytes.length), `scanBytes mask at depth ${depth}`).toBe(0)
      expect(prefilter.lineIsObject, `scanBytes at depth ${depth}`).toBe(expected)
      // In a batch, next to short lines that finish first, so that the deep line ends alone.
      const lines = [Buffer.from('{}'), bytes, Buffer.from('{"a":[1]}'), Buffer.from(nested(3)), bytes]
      const masks = new Int32Array(lines.length)
      const objects = new Uint8Array(lines.length)
      prefilter.scanLines(lines, new Uint8Array(lines.length).fill(1), masks, objects)
      expect([...objects], `scanLines at depth ${depth}`).toEqual([1, expected ? 1 : 0, 1, 1, expected ? 1 : 0])
    }
    // A deep array inside the object that closes again, then the object goes on: still not an object.
    const deepThenMore = `{"a":${'['.repeat(JSON_MAX_DEPTH)}${']'.repeat(JSON_MAX_DEPTH)},"b":1}`
    expect(parsesToObject(deepThenMore)).toBe(true)
    expect(prefilter.scanLine(deepThenMore)).toBe(0)
    expect(prefilter.lineIsObject).toBe(false)
  })
})
