/**
 * Log input for the subcommands: the files named on the command line (or stdin), read as a
 * stream and cut into lines by the filter's own LineFramer, so a subcommand gets the same lines,
 * line numbers and line flags as the filter.
 */
import { createReadStream, statSync } from 'node:fs'
import type { Readable } from 'node:stream'
import { LogfilterError } from '../errors.js'
import { LineFramer } from '../framing.js'
import type { LineFlags } from '../pipeline.js'

export interface LogSource {
  /** Name of the source in reports: the path as given, or "stdin". */
  readonly label: string
  /** Undefined for stdin. */
  readonly path: string | undefined
  /** Size in bytes when known (regular files), for the progress bar. */
  readonly bytes: number | undefined
}

export const STDIN_LABEL = 'stdin'

/** A failure while reading a source after it was opened (a runtime error, not a configuration error). */
export class InputReadError extends Error {
  readonly source: string
  readonly code: string

  constructor(source: string, code: string) {
    super(`${source}: read failed (${code})`)
    this.name = 'InputReadError'
    this.source = source
    this.code = code
  }
}

/**
 * Turns positional arguments into sources: none means stdin, and "-" stands for stdin. Checks
 * that every file exists and is a regular file before anything is read.
 */
export function logSources(command: string, positionals: readonly string[]): LogSource[] {
  if (positionals.length === 0) return [{ label: STDIN_LABEL, path: undefined, bytes: undefined }]
  return positionals.map((path) => {
    if (path === '-') return { label: STDIN_LABEL, path: undefined, bytes: undefined }
    let stats
    try {
      stats = statSync(path)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
      const problem = code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${code})`
      throw new LogfilterError('INVALID_OPTION', `command line: ${command}: ${path}`, problem, 'check the path, or give no file to read stdin')
    }
    if (!stats.isFile()) {
      throw new LogfilterError('INVALID_OPTION', `command line: ${command}: ${path}`, 'not a regular file', 'give a log file, or "-" for stdin')
    }
    return { label: path, path, bytes: stats.size }
  })
}

export type SourceLineHandler = (line: string, flags: LineFlags | undefined, lineNumber: number) => void

export interface ReadHooks {
  /** Called after each chunk with the bytes read so far from the current source. */
  readonly onProgress?: (source: LogSource, bytesRead: number) => void
  /** Awaited after each chunk, so the caller can hold reading while its output drains. */
  readonly afterChunk?: () => Promise<void> | undefined
  /** Checked after each chunk: true ends the read early (the report's reader went away). */
  readonly shouldStop?: () => boolean
}

const CHUNK_BYTES = 1024 * 1024

/**
 * Reads every source in order and calls `onLine` for each line with its 1-based line number in
 * that source. Rejects with InputReadError when a source fails mid-read.
 */
export async function readSources(
  sources: readonly LogSource[],
  maxLineBytes: number,
  onLine: (source: LogSource, line: string, flags: LineFlags | undefined, lineNumber: number) => void,
  hooks: ReadHooks = {},
): Promise<void> {
  for (const source of sources) {
    let lineNumber = 0
    const framer = new LineFramer(maxLineBytes, (line, flags) => {
      lineNumber++
      onLine(source, line, flags, lineNumber)
    })
    const stream: Readable = source.path === undefined ? process.stdin : createReadStream(source.path, { highWaterMark: CHUNK_BYTES })
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>
    let bytesRead = 0
    try {
      for (;;) {
        let next: IteratorResult<Buffer>
        try {
          next = await chunks.next()
        } catch (error) {
          throw new InputReadError(source.label, (error as NodeJS.ErrnoException).code ?? 'unknown error')
        }
        if (next.done === true) break
        framer.write(next.value)
        bytesRead += next.value.length
        hooks.onProgress?.(source, bytesRead)
        const wait = hooks.afterChunk?.()
        if (wait !== undefined) await wait
        if (hooks.shouldStop?.() === true) return
      }
    } finally {
      if (source.path !== undefined) stream.destroy()
    }
    framer.end()
  }
}
