/**
 * Batches output lines into few large writes, and reports back-pressure so the caller can stop
 * reading input while the destination is full.
 */
import type { Writable } from 'node:stream'

const BATCH_BYTES = 64 * 1024
const NEWLINE = 10

export class OutputBatcher {
  private readonly stream: Writable
  /** The batch being filled; a new one after each write, because the stream keeps the old one. */
  private batch = Buffer.allocUnsafe(BATCH_BYTES)
  private used = 0
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

  /**
   * Queues one line, given as text or as UTF-8 bytes (a line that passed unchanged), and adds
   * the newline. Writes the batch once it is full.
   */
  push(line: string | Uint8Array): void {
    if (this.closed) return
    if (typeof line === 'string') {
      // A UTF-16 code unit takes at most 3 bytes of UTF-8; count exactly only when that could overflow.
      const room = this.batch.length - this.used
      if (line.length * 3 >= room) this.makeRoom(Buffer.byteLength(line) + 1)
      this.used += this.batch.write(line, this.used)
    } else {
      this.makeRoom(line.length + 1)
      this.batch.set(line, this.used)
      this.used += line.length
    }
    this.batch[this.used++] = NEWLINE
    if (this.used >= BATCH_BYTES) this.flush()
  }

  /** Writes what is queued. */
  flush(): void {
    if (this.used === 0 || this.closed) return
    const bytes = this.batch.subarray(0, this.used)
    this.batch = Buffer.allocUnsafe(BATCH_BYTES)
    this.used = 0
    if (!this.stream.write(bytes)) this.waitingForDrain = true
  }

  /** Ensures `bytes` fit after what is queued: writes the batch first if not, and sizes the next to fit. */
  private makeRoom(bytes: number): void {
    if (this.batch.length - this.used >= bytes) return
    this.flush()
    if (bytes > this.batch.length) this.batch = Buffer.allocUnsafe(bytes)
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
    this.used = 0
    const waiters = this.drainWaiters.splice(0)
    for (const waiter of waiters) waiter()
  }
}
