/**
 * Framing: bytes in, lines out, with a bound on line size and UTF-8 checking.
 *
 * split2 splits on `\n` (dropping a `\r` before it) and decodes UTF-8 across chunk boundaries.
 * In front of it, this module cuts any line longer than maxLineBytes at a character boundary.
 * It discards the rest of such a line while counting its bytes, so a 50 MiB line never sits in
 * memory. It also checks every line for bytes that are not UTF-8, which the decoder would
 * silently replace. Both facts reach the pipeline as LineFlags, matched to lines by counting
 * `\n` bytes.
 *
 * LineFramer is synchronous: write() returns after every complete line in the chunk has been
 * handed to onLine. The CLI, the sidecar and tests share it.
 */
import { isUtf8 } from 'node:buffer'
import split2 from 'split2'
import type { Transform } from 'node:stream'
import type { LineFlags } from './pipeline.js'

export type LineHandler = (line: string, flags: LineFlags | undefined) => void

const NEWLINE = 10

export class LineFramer {
  private readonly maxLineBytes: number
  private readonly splitter: Transform
  private readonly flags = new Map<number, LineFlags>()
  private onLine: LineHandler
  /** Index of the line the next input byte belongs to. */
  private inputLine = 0
  /** Index of the next line split2 will emit. */
  private outputLine = 0
  private lineBytes = 0
  private discarding = false
  private keptBytes = 0
  private discardedBytes = 0
  /** Bytes of a UTF-8 sequence cut by the chunk boundary, held back from the UTF-8 check. */
  private utf8Carry: Buffer = Buffer.alloc(0)
  private ended = false

  constructor(maxLineBytes: number, onLine: LineHandler) {
    this.maxLineBytes = maxLineBytes
    this.onLine = onLine
    this.splitter = split2((line: string) => {
      const index = this.outputLine++
      const flags = this.flags.get(index)
      if (flags !== undefined) this.flags.delete(index)
      this.onLine(line, flags)
      return undefined
    })
    // split2 pushes nothing (the mapper returns undefined), but a consumer keeps the stream flowing.
    this.splitter.resume()
  }

  setHandler(onLine: LineHandler): void {
    this.onLine = onLine
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
    this.splitter.end()
  }

  private frame(data: Buffer): void {
    this.checkUtf8(data)
    const framed = this.applyLineLimit(data)
    if (framed.length > 0) this.splitter.write(framed)
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
