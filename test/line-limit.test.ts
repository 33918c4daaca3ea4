import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { limitLineBytes } from '../src/line-limit.js'

describe('limitLineBytes', () => {
  it.each([
    { name: 'keeps a short line', line: 'abc', max: 1024, kept: 'abc', flags: undefined },
    { name: 'keeps a line of exactly the limit', line: 'a'.repeat(1024), max: 1024, kept: 'a'.repeat(1024), flags: undefined },
    { name: 'keeps multibyte text within the limit', line: 'é'.repeat(512), max: 1024, kept: 'é'.repeat(512), flags: undefined },
    { name: 'cuts ASCII at the limit', line: 'a'.repeat(1030), max: 1024, kept: 'a'.repeat(1024), flags: { originalBytes: 1030, keptBytes: 1024 } },
    { name: 'backs off to a whole two-byte character', line: 'a' + 'é'.repeat(600), max: 1024, kept: 'a' + 'é'.repeat(511), flags: { originalBytes: 1201, keptBytes: 1023 } },
    { name: 'backs off to a whole four-byte character', line: 'ab' + '😀'.repeat(300), max: 1024, kept: 'ab' + '😀'.repeat(255), flags: { originalBytes: 1202, keptBytes: 1022 } },
  ])('$name', ({ line, max, kept, flags }) => {
    const result = limitLineBytes(line, max)
    expect(result.line).toBe(kept)
    expect(result.flags).toEqual(flags)
  })

  it('returns a prefix of whole characters within the limit', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.integer({ min: 1, max: 600 }), (line, max) => {
        const result = limitLineBytes(line, max)
        const bytes = Buffer.byteLength(line)
        expect(line.startsWith(result.line)).toBe(true)
        if (bytes <= max) {
          expect(result).toEqual({ line, flags: undefined })
          return
        }
        expect(result.flags).toEqual({ originalBytes: bytes, keptBytes: Buffer.byteLength(result.line) })
        expect(Buffer.byteLength(result.line)).toBeLessThanOrEqual(max)
        expect(max - Buffer.byteLength(result.line)).toBeLessThan(4)
      }),
    )
  })
})
