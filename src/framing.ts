/**
 * Framing: bytes in, lines out, with a bound on line size and UTF-8 checking.
 *
 * Lines end at `\n` (a `\r` before it is dropped, as split2 and pino-abstract-transport do).
 * This module cuts any line longer than maxLineBytes at a character boundary.
 * It discards the rest of such a line while counting its bytes, so a 50 MiB line never sits in
 * memory. It also checks every line for bytes that are not UTF-8, which the decoder would
 * silently replace. Both facts reach the pipeline as LineFlags, matched to lines by counting
 * `\n` bytes.
 *
 * LineFramer is synchronous: write() returns after every complete line in the chunk has been
 * handed to onLine. The CLI, the sidecar and tests share it.
 */
import { isUtf8 } from 'node:buffer'
import type { LineFlags } from './pipeline.js'

export type LineHandler = (line: string, flags: LineFlags | undefined) => void
/**
 * Receives the lines of a chunk as UTF-8 bytes, with their flags at the same index. The Buffers
 * may share memory with the input chunk; the arrays are the handler's to keep.
 */
export type ByteLinesHandler = (lines: Buffer[], flags: (LineFlags | undefined)[]) => void

const NEWLINE = 10
const CARRIAGE_RETURN = 13

export class LineFramer {
  private readonly maxLineBytes: number
  private readonly flags = new Map<number, LineFlags>()
  private readonly onText: LineHandler | undefined
  private readonly onBytes: ByteLinesHandler | undefined
  private batch: Buffer[] = []
  private batchFlags: (LineFlags | undefined)[] = []
  /** Bytes of the line that the next `\n` ends, copied out of earlier chunks. */
  private partial: Buffer[] = []
  /** Index of the line the next input byte belongs to. */
  private inputLine = 0
  /** Index of the next line to hand over. */
  private outputLine = 0
  private lineBytes = 0
  private discarding = false
  private keptBytes = 0
  private discardedBytes = 0
  /** Bytes of a UTF-8 sequence cut by the chunk boundary, held back from the UTF-8 check. */
  private utf8Carry: Buffer = Buffer.alloc(0)
  private ended = false

  /** Hands over each line decoded as text (invalid bytes become U+FFFD, and the line is flagged). */
  constructor(maxLineBytes: number, onLine: LineHandler)
  /**
   * Hands over the lines of each chunk as bytes, for a caller that writes an unchanged line
   * without decoding it.
   */
  constructor(maxLineBytes: number, onLines: ByteLinesHandler, lineType: 'bytes')
  constructor(maxLineBytes: number, handler: LineHandler | ByteLinesHandler, lineType: 'text' | 'bytes' = 'text') {
    this.maxLineBytes = maxLineBytes
    if (lineType === 'bytes') this.onBytes = handler as ByteLinesHandler
    else this.onText = handler as LineHandler
  }

  /** Bytes of the line currently being received (for diagnostics). */
  get pendingLineBytes(): number {
    return this.lineBytes
  }

  write(chunk: Buffer): void {
    if (this.ended || chunk.length === 0) return
    // A character cut by the chunk's end waits for the next chunk, so that the UTF-8 check and the
    // cut at the size limit see it whole, however the input was chunked.
    const data = this.utf8Carry.length > 0 ? Buffer.concat([this.utf8Carry, chunk]) : chunk
    const complete = completeCharactersEnd(data)
    this.utf8Carry = complete === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(complete))
    if (complete > 0) this.frame(complete === data.length ? data : data.subarray(0, complete))
  }

  /** Flushes the last line (one without a trailing newline). */
  end(): void {
    if (this.ended) return
    this.ended = true
    if (this.utf8Carry.length > 0) {
      // The input ended in the middle of a multi-byte character.
      this.markInvalidUtf8(this.inputLine)
      this.frame(this.utf8Carry)
      this.utf8Carry = Buffer.alloc(0)
    }
    if (this.discarding) this.finishCutLine()
    // The last line, when the input does not end with a newline.
    if (this.partial.length > 0) {
      const line = Buffer.concat(this.partial)
      this.partial = []
      this.handOver(line)
      this.deliverBatch()
    }
  }

  private frame(data: Buffer): void {
    this.checkUtf8(data)
    const framed = this.applyLineLimit(data)
    if (framed.length > 0) this.split(framed)
  }

  private split(data: Buffer): void {
    let start = 0
    for (;;) {
      const newline = data.indexOf(NEWLINE, start)
      if (newline === -1) break
      let line = data.subarray(start, newline)
      if (this.partial.length > 0) {
        this.partial.push(line)
        line = Buffer.concat(this.partial)
        this.partial = []
      }
      if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, line.length - 1)
      this.handOver(line)
      start = newline + 1
    }
    // Copied, so that the caller may reuse its chunk once write() returns.
    if (start < data.length) this.partial.push(Buffer.from(data.subarray(start)))
    this.deliverBatch()
  }

  private handOver(line: Buffer): void {
    const index = this.outputLine++
    const flags = this.flags.get(index)
    if (flags !== undefined) this.flags.delete(index)
    if (this.onText !== undefined) {
      this.onText(line.toString('utf8'), flags)
    } else {
      this.batch.push(line)
      this.batchFlags.push(flags)
    }
  }

  private deliverBatch(): void {
    if (this.batch.length === 0 || this.onBytes === undefined) return
    const lines = this.batch
    const flags = this.batchFlags
    this.batch = []
    this.batchFlags = []
    this.onBytes(lines, flags)
  }

  private applyLineLimit(chunk: Buffer): Buffer {
    const max = this.maxLineBytes
    // Fast pass: find out whether any line in this chunk crosses the limit.
    let needsCut = this.discarding
    let lineBytes = this.lineBytes
    let start = 0
    let newlines = 0
    while (!needsCut) {
      const newline = chunk.indexOf(NEWLINE, start)
      const end = newline === -1 ? chunk.length : newline
      if (lineBytes + (end - start) > max) {
        needsCut = true
        break
      }
      if (newline === -1) {
        lineBytes += end - start
        break
      }
      newlines++
      lineBytes = 0
      start = newline + 1
    }
    if (!needsCut) {
      this.inputLine += newlines
      this.lineBytes = lineBytes
      return chunk
    }
    return this.cutLongLines(chunk)
  }

  private cutLongLines(chunk: Buffer): Buffer {
    const max = this.maxLineBytes
    const parts: Buffer[] = []
    let start = 0
    while (start <= chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start)
      const end = newline === -1 ? chunk.length : newline
      const length = end - start
      if (this.discarding) {
        this.discardedBytes += length
      } else if (this.lineBytes + length > max) {
        let cut = start + (max - this.lineBytes)
        // Back off to the first byte of a UTF-8 sequence so the kept part ends on a whole character.
        while (cut > start && ((chunk[cut] as number) & 0xc0) === 0x80) cut--
        parts.push(chunk.subarray(start, cut))
        this.keptBytes = this.lineBytes + (cut - start)
        this.discardedBytes = end - cut
        this.discarding = true
      } else {
        parts.push(chunk.subarray(start, end))
        this.lineBytes += length
      }
      if (newline === -1) break
      if (this.discarding) this.finishCutLine()
      parts.push(chunk.subarray(newline, newline + 1))
      this.inputLine++
      this.lineBytes = 0
      start = newline + 1
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts)
  }

  private finishCutLine(): void {
    const previous = this.flags.get(this.inputLine)
    this.flags.set(this.inputLine, {
      ...previous,
      originalBytes: this.keptBytes + this.discardedBytes,
      keptBytes: this.keptBytes,
    })
    this.discarding = false
    this.keptBytes = 0
    this.discardedBytes = 0
  }

  /** Checks the chunk's bytes (from the current input line on) and flags lines with invalid UTF-8. */
  private checkUtf8(body: Buffer): void {
    if (isUtf8(body)) return
    // Slow path, only for chunks with bad bytes: check line by line. `\n` never occurs inside a
    // multi-byte sequence, so line segments are whole characters.
    let line = this.inputLine
    let start = 0
    while (start <= body.length) {
      const newline = body.indexOf(NEWLINE, start)
      const end = newline === -1 ? body.length : newline
      if (!isUtf8(body.subarray(start, end))) this.markInvalidUtf8(line)
      if (newline === -1) break
      line++
      start = newline + 1
    }
  }

  private markInvalidUtf8(line: number): void {
    this.flags.set(line, { ...this.flags.get(line), invalidUtf8: true })
  }
}

/** Index after the last complete UTF-8 character, so that a sequence cut by the chunk end is held back. */
function completeCharactersEnd(data: Buffer): number {
  const length = data.length
  for (let back = 1; back <= 3 && back <= length; back++) {
    const byte = data[length - back] as number
    if ((byte & 0xc0) === 0x80) continue
    if (byte < 0x80) return length
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1
    return needed > back ? length - back : length
  }
  return length
}
