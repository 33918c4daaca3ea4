/**
 * Batches output lines into few large writes, and reports back-pressure so the caller can stop
 * reading input while the destination is full.
 */
import type { Writable } from 'node:stream'

const BATCH_CHARS = 64 * 1024

export class OutputBatcher {
  private readonly stream: Writable
  private pending = ''
  private waitingForDrain = false
  private closed = false
  private readonly drainWaiters: (() => void)[] = []

  constructor(stream: Writable) {
    this.stream = stream
    stream.on('drain', () => {
      this.waitingForDrain = false
      const waiters = this.drainWaiters.splice(0)
      for (const waiter of waiters) waiter()
    })
  }

  /** Queues one line; writes the batch once it is large. */
  push(line: string): void {
    this.pending += line + '\n'
    if (this.pending.length >= BATCH_CHARS) this.flush()
  }

  /** Writes what is queued. */
  flush(): void {
    if (this.pending.length === 0 || this.closed) return
    const text = this.pending
    this.pending = ''
    if (!this.stream.write(text)) this.waitingForDrain = true
  }

  /** True while the destination has more buffered than its high-water mark. */
  get saturated(): boolean {
    return this.waitingForDrain
  }

  /** Calls `callback` once the destination has drained (at once if it is not saturated). */
  whenDrained(callback: () => void): void {
    if (!this.waitingForDrain || this.closed) callback()
    else this.drainWaiters.push(callback)
  }

  /** Stops writing: the destination is gone (EPIPE). Queued lines are discarded. */
  close(): void {
    this.closed = true
    this.pending = ''
    const waiters = this.drainWaiters.splice(0)
    for (const waiter of waiters) waiter()
  }
}
