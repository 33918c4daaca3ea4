/**
 * Framing as a property. A pipe delivers a byte stream in chunks of any size, splitting
 * characters; however it is split, the framer hands the pipeline the same lines with the same
 * flags, one per newline plus the unterminated last line. Invalid UTF-8 is flagged on exactly the
 * lines that contain it, and a line over the limit is cut at a character boundary with its sizes.
 * In bytes mode (the CLI's), the framer hands over the same lines as Buffers, with the same flags
 * in the same order.
 */
import { isUtf8 } from 'node:buffer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { LineFramer } from '../src/framing.js'
import type { LineFlags } from '../src/pipeline.js'
import { splitAtFractions } from './helpers.js'

const MAX_LINE_BYTES = 1024

interface Framed {
  readonly line: string
  readonly flags: LineFlags | undefined
}

function frame(chunks: readonly Buffer[]): Framed[] {
  const framed: Framed[] = []
  const framer = new LineFramer(MAX_LINE_BYTES, (line, flags) => framed.push({ line, flags }))
  for (const chunk of chunks) framer.write(chunk)
  framer.end()
  return framed
}

/**
 * Frames in bytes mode and decodes each line inside the handler, as the CLI uses it before the
 * next write. Each chunk is copied into one reused buffer first, like a reader that reuses its
 * memory, so a line that kept pointing into an earlier chunk would come out wrong.
 */
function frameBytes(chunks: readonly Buffer[]): Framed[] {
  const framed: Framed[] = []
  const framer = new LineFramer(
    MAX_LINE_BYTES,
    (lines, flags) => {
      expect(lines.length).toBeGreaterThan(0)
      expect(flags).toHaveLength(lines.length)
      for (const [index, line] of lines.entries()) framed.push({ line: line.toString('utf8'), flags: flags[index] })
    },
    'bytes',
  )
  const reused = Buffer.alloc(Math.max(1, ...chunks.map((chunk) => chunk.length)))
  for (const chunk of chunks) {
    chunk.copy(reused)
    framer.write(reused.subarray(0, chunk.length))
    reused.fill(0x2a)
  }
  framer.end()
  return framed
}

/** Pieces of a byte stream: text, multi-byte characters, bytes that are not UTF-8, line ends, long runs. */
const piece = fc.oneof(
  fc.constantFrom('{"level":30,"msg":"', 'plain text ', '"}', 'x', '\u0000', '\t'),
  fc.constantFrom('\u00e9', '\u20ac', '\u{1f600}', '\u2028', '\ufeff'),
  fc.constantFrom(Buffer.from([0xff]), Buffer.from([0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from([0xc3])),
  fc.constantFrom('\n', '\r\n', '\r', '\n\n'),
  fc.tuple(fc.constantFrom('a', '\u00e9', '\u20ac', '\u{1f600}'), fc.integer({ min: 100, max: 1500 })).map(([unit, times]) => unit.repeat(times)),
)

const stream = fc.array(piece, { minLength: 1, maxLength: 30 }).map((pieces) => Buffer.concat(pieces.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part))))

interface Segment {
  readonly bytes: Buffer
  /** Ended by a newline; a carriage return before it is not part of the line. */
  readonly terminated: boolean
}

/** The lines of `bytes` as the framer must see them: split on newline bytes, the last one only when not empty. */
function segments(bytes: Buffer): Segment[] {
  const result: Segment[] = []
  let start = 0
  for (let newline = bytes.indexOf(10); newline !== -1; newline = bytes.indexOf(10, start)) {
    result.push({ bytes: bytes.subarray(start, newline), terminated: true })
    start = newline + 1
  }
  if (start < bytes.length) result.push({ bytes: bytes.subarray(start), terminated: false })
  return result
}

describe('framing', () => {
  it('gives the same lines and flags however the input is chunked', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), (bytes, cuts) => {
        expect(frame(splitAtFractions(bytes, cuts))).toEqual(frame([bytes]))
      }),
      { numRuns: 2000, seed: 20241204 },
    )
  })

  it('gives the same lines and flags in bytes mode as in text mode', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), (bytes, cuts) => {
        const chunks = splitAtFractions(bytes, cuts)
        expect(frameBytes(chunks)).toEqual(frame(chunks))
      }),
      { numRuns: 2000, seed: 20261211 },
    )
  })

  it('hands over the bytes of each valid line unchanged in bytes mode', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), (bytes, cuts) => {
        const handed: Buffer[] = []
        const framer = new LineFramer(
          MAX_LINE_BYTES,
          (lines, flags) => {
            for (const [index, line] of lines.entries()) if (flags[index] === undefined) handed.push(Buffer.from(line))
          },
          'bytes',
        )
        for (const chunk of splitAtFractions(bytes, cuts)) framer.write(chunk)
        framer.end()
        const expected = segments(bytes)
          .filter(({ bytes: segment }) => isUtf8(segment) && segment.length <= MAX_LINE_BYTES)
          .map(({ bytes: segment, terminated }) => (terminated && segment[segment.length - 1] === 13 ? segment.subarray(0, -1) : segment))
        expect(handed).toEqual(expected)
      }),
      { numRuns: 1000, seed: 20261212 },
    )
  })

  it('emits one line per newline and flags exactly the invalid and long ones', () => {
    fc.assert(
      fc.property(stream, (bytes) => {
        const framed = frame([bytes])
        const expected = segments(bytes)
        expect(framed).toHaveLength(expected.length)
        for (const [index, { bytes: segment, terminated }] of expected.entries()) {
          const { line, flags } = framed[index] as Framed
          expect(flags?.invalidUtf8 === true, `line ${index + 1} invalid UTF-8 flag`).toBe(!isUtf8(segment))
          if (segment.length > MAX_LINE_BYTES) {
            expect(flags?.originalBytes).toBe(segment.length)
            expect(flags?.keptBytes).toBeLessThanOrEqual(MAX_LINE_BYTES)
            // Each byte that is not UTF-8 decodes to U+FFFD, three bytes long.
            expect(Buffer.byteLength(line)).toBeLessThanOrEqual(3 * MAX_LINE_BYTES)
          } else {
            expect(flags?.originalBytes).toBeUndefined()
            const text = segment.toString('utf8')
            expect(line).toBe(terminated && text.endsWith('\r') ? text.slice(0, -1) : text)
          }
        }
      }),
      { numRuns: 2000, seed: 20241205 },
    )
  })

  it('cuts at the same character boundary when a chunk ends inside the character at the limit', () => {
    // 1023 ASCII bytes, then a three-byte euro sign across the limit, split after its first byte.
    const bytes = Buffer.from('a'.repeat(1023) + '\u20ac'.repeat(10) + '\n', 'utf8')
    const whole = frame([bytes])
    expect(frame([bytes.subarray(0, 1024), bytes.subarray(1024)])).toEqual(whole)
    expect(whole).toEqual([{ line: 'a'.repeat(1023), flags: { originalBytes: 1053, keptBytes: 1023 } }])
  })
})
