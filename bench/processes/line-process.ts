/**
 * The plumbing every Node comparison row shares: stdin through split2, one function per line,
 * output batched into large writes with back-pressure, like the filter's CLI does.
 */
import split2 from 'split2'

const BATCH_CHARS = 64 * 1024

/** Reads lines from stdin and writes `transform(line)` plus a newline for each to stdout. */
export function runLineProcess(transform: (line: string) => string): void {
  const splitter = process.stdin.pipe(split2())
  let pending = ''
  splitter.on('data', (line: string) => {
    pending += transform(line) + '\n'
    if (pending.length < BATCH_CHARS) return
    const accepted = process.stdout.write(pending)
    pending = ''
    if (!accepted) {
      splitter.pause()
      process.stdout.once('drain', () => splitter.resume())
    }
  })
  splitter.on('end', () => {
    if (pending.length > 0) process.stdout.write(pending)
  })
}
