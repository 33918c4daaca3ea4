/**
 * The line size limit for input that arrives as strings (the pino transport), with the same
 * outcome as LineFramer gives the CLI for bytes: a line longer than maxLineBytes is cut at a
 * character boundary, and the pipeline learns both sizes through LineFlags.
 */
import type { LineFlags } from './pipeline.js'

export interface LimitedLine {
  readonly line: string
  /** Set only when the line was cut. */
  readonly flags: LineFlags | undefined
}

/** Cuts `line` to at most `maxLineBytes` UTF-8 bytes, ending on a whole character. */
export function limitLineBytes(line: string, maxLineBytes: number): LimitedLine {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes, so most lines need no byte count.
  if (line.length * 3 <= maxLineBytes) return { line, flags: undefined }
  const originalBytes = Buffer.byteLength(line, 'utf8')
  if (originalBytes <= maxLineBytes) return { line, flags: undefined }

  const bytes = Buffer.from(line, 'utf8')
  let cut = maxLineBytes
  // Back off to the first byte of a UTF-8 sequence so that the kept part is whole characters.
  while (cut > 0 && ((bytes[cut] as number) & 0xc0) === 0x80) cut--
  return { line: bytes.toString('utf8', 0, cut), flags: { originalBytes, keptBytes: cut } }
}
