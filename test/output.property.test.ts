/**
 * OutputBatcher as a property: whatever mix of text lines and byte lines it is given, the bytes
 * that reach the stream are the lines joined with `\n`, each text line encoded as
 * Buffer.from(text) encodes it (a lone surrogate becomes U+FFFD). Lines longer than a batch,
 * batches written while the reader is slow, and byte lines that are views into a larger buffer
 * are included.
 */
import { mkdtempSync, readFileSync, rmSync, createWriteStream } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { once } from 'node:events'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { OutputBatcher } from '../src/output.js'

const folder = mkdtempSync(join(tmpdir(), 'logfilter-output-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

/** Slightly more than the batcher's 64 KiB batch, so that one line needs a batch of its own. */
const OVER_BATCH = 64 * 1024 + 5

const textLine = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 3, arbitrary: fc.array(fc.constantFrom('a', '{"k":"v"}', '\u00e9', '\u20ac', '\u{1f600}', '\u2028', '\ud800', '\udfff', '\ud83d', '\u0000'), { maxLength: 40 }).map((units) => units.join('')) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('x', '\u00e9', '\u20ac', '\ud800'), fc.integer({ min: 20_000, max: OVER_BATCH })).map(([unit, times]) => unit.repeat(times)) },
)

/** Byte lines, some of them views into a larger buffer (non-zero byteOffset), as the framer hands lines over. */
const byteLine = fc.tuple(fc.uint8Array({ maxLength: 80 }), fc.nat({ max: 7 }), fc.boolean(), fc.option(fc.integer({ min: 60_000, max: OVER_BATCH }), { nil: undefined })).map(([bytes, offset, asBuffer, size]) => {
  const body = size === undefined ? bytes : new Uint8Array(size).fill(0x62)
  const backing = new Uint8Array(offset + body.length + 3).fill(0x3f)
  backing.set(body, offset)
  const view = backing.subarray(offset, offset + body.length)
  return asBuffer ? Buffer.from(view.buffer, view.byteOffset, view.length) : view
})

const line = fc.oneof({ weight: 3, arbitrary: textLine }, { weight: 2, arbitrary: byteLine })

function expectedBytes(lines: readonly (string | Uint8Array)[]): Buffer {
  return Buffer.concat(lines.flatMap((entry) => [typeof entry === 'string' ? Buffer.from(entry) : Buffer.from(entry), Buffer.from('\n')]))
}

/** Pushes the lines, flushing after those that `flushes` marks, and returns what the stream received. */
async function written(lines: readonly (string | Uint8Array)[], flushes: readonly boolean[], highWaterMark: number): Promise<Buffer> {
  const stream = new PassThrough({ highWaterMark })
  const received: Buffer[] = []
  const batcher = new OutputBatcher(stream)
  for (const [index, entry] of lines.entries()) {
    batcher.push(entry)
    if (flushes[index % Math.max(1, flushes.length)] === true) batcher.flush()
  }
  batcher.flush()
  stream.end()
  // Read only now, so that earlier batches sat in the stream while later ones were filled.
  for await (const chunk of stream) received.push(chunk as Buffer)
  return Buffer.concat(received)
}

describe('OutputBatcher', () => {
  it('writes the lines joined with newlines as UTF-8', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 5 }), fc.constantFrom(16, 64 * 1024), async (lines, flushes, highWaterMark) => {
        const bytes = await written(lines, flushes, highWaterMark)
        expect(bytes.equals(expectedBytes(lines))).toBe(true)
      }),
      { numRuns: 300, seed: 20261213 },
    )
  })

  it('writes the same bytes to a file', async () => {
    const lines = fc.sample(line, { numRuns: 400, seed: 20261214 })
    const path = join(folder, 'batched.ndjson')
    const stream = createWriteStream(path)
    const batcher = new OutputBatcher(stream)
    for (const entry of lines) batcher.push(entry)
    batcher.flush()
    stream.end()
    await once(stream, 'finish')
    expect(readFileSync(path).equals(expectedBytes(lines))).toBe(true)
  })

  it('writes nothing after close', async () => {
    const stream = new PassThrough()
    const batcher = new OutputBatcher(stream)
    batcher.push('kept')
    batcher.flush()
    batcher.push(Buffer.from('queued'))
    batcher.close()
    batcher.push('late')
    batcher.flush()
    stream.end()
    const received: Buffer[] = []
    for await (const chunk of stream) received.push(chunk as Buffer)
    expect(Buffer.concat(received).toString()).toBe('kept\n')
  })
})
