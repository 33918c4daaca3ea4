/** Line reading for the output checks and the transport app. */
import { createReadStream } from 'node:fs'

export const NEWLINE = 10

/** Yields the lines of a file (without newlines), reading it in large chunks. */
export async function* readLines(path: string): AsyncGenerator<string> {
  let parts: Buffer[] = []
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0
    let newline = chunk.indexOf(NEWLINE, start)
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline)
      yield (parts.length === 0 ? piece : Buffer.concat([...parts, piece])).toString('utf8')
      parts = []
      start = newline + 1
      newline = chunk.indexOf(NEWLINE, start)
    }
    if (start < chunk.length) parts.push(chunk.subarray(start))
  }
  if (parts.length > 0) yield Buffer.concat(parts).toString('utf8')
}
