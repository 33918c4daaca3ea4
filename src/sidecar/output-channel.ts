/**
 * The sidecar's output (stdout or an --output file, opened for appending). Unlike stdin mode's
 * OutputBatcher it reports when written lines have been taken by the destination, because the
 * state file may only record offsets of lines that have been written.
 *
 * Node calls write callbacks in write order, so a callback attached to the latest write runs
 * after every earlier line is written. Before the state file is saved, sync() runs fdatasync on
 * a file destination, so the recorded offsets never get ahead of what survives a power loss.
 */
import { createWriteStream, fdatasync, openSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { LogfilterError } from '../errors.js'

const BATCH_CHARS = 64 * 1024

export class OutputChannel {
  /** Bytes handed to the destination. */
  bytesOut = 0
  /** Name of the destination in messages: `stdout` or `--output PATH`. */
  readonly where: string
  private readonly stream: Writable
  private readonly fd: number
  private readonly ownsStream: boolean
  private pending = ''
  /** Callbacks waiting for the latest write in flight; undefined when nothing is in flight. */
  private latestWrite: (() => void)[] | undefined
  private inFlight = 0
  private waitingForDrain = false
  private failure: Error | undefined
  private readonly drainWaiters: (() => void)[] = []
  private readonly idleWaiters: (() => void)[] = []
  private onFailure: (error: Error) => void = () => undefined

  private constructor(stream: Writable, fd: number, where: string, ownsStream: boolean) {
    this.stream = stream
    this.fd = fd
    this.where = where
    this.ownsStream = ownsStream
    stream.on('drain', () => {
      this.waitingForDrain = false
      for (const waiter of this.drainWaiters.splice(0)) waiter()
    })
    stream.on('error', (error: Error) => this.fail(error))
  }

  /** Opens the destination: a file for appending, or stdout. Throws LogfilterError when the file cannot be opened. */
  static open(path: string | undefined): OutputChannel {
    if (path === undefined) return new OutputChannel(process.stdout, 1, 'stdout', false)
    let fd: number
    try {
      fd = openSync(path, 'a', 0o640)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
      throw new LogfilterError('OUTPUT_UNAVAILABLE', `command line: --output ${path}`, `cannot be opened for appending (${code})`, 'check that the directory exists and is writable, or leave out --output to write to stdout')
    }
    return new OutputChannel(createWriteStream(path, { fd, autoClose: true }), fd, `--output ${path}`, true)
  }

  /** Registers the handler for a failed write (the destination is gone or full). */
  onError(handler: (error: Error) => void): void {
    this.onFailure = handler
  }

  get failed(): boolean {
    return this.failure !== undefined
  }

  /** True while the destination has buffered more than its high-water mark. */
  get saturated(): boolean {
    return this.waitingForDrain
  }

  push(line: string): void {
    this.pending += line + '\n'
    if (this.pending.length >= BATCH_CHARS) this.flush()
  }

  /** Writes the queued lines and calls `callback` once they (and all before them) are written. */
  afterWritten(callback: () => void): void {
    this.flush()
    if (this.failure !== undefined) return
    if (this.latestWrite === undefined) callback()
    else this.latestWrite.push(callback)
  }

  flush(): void {
    if (this.pending.length === 0 || this.failure !== undefined) return
    const text = this.pending
    this.pending = ''
    const callbacks: (() => void)[] = []
    this.latestWrite = callbacks
    this.inFlight++
    this.bytesOut += Buffer.byteLength(text, 'utf8')
    const accepted = this.stream.write(text, (error) => {
      this.inFlight--
      if (this.latestWrite === callbacks) this.latestWrite = undefined
      if (error) {
        this.fail(error)
        return
      }
      // Offsets are committed only here, after the destination took the lines.
      for (const callback of callbacks) callback()
      if (this.inFlight === 0) for (const waiter of this.idleWaiters.splice(0)) waiter()
    })
    if (!accepted) this.waitingForDrain = true
  }

  whenDrained(callback: () => void): void {
    if (!this.waitingForDrain || this.failure !== undefined) callback()
    else this.drainWaiters.push(callback)
  }

  /** Resolves once every queued line has been written (or the destination failed). */
  whenIdle(): Promise<void> {
    this.flush()
    if (this.inFlight === 0 || this.failure !== undefined) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Flushes the destination to disk when it is a file; pipes and terminals need nothing. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      fdatasync(this.fd, (error) => {
        const code = error?.code
        if (error === null || code === 'EINVAL' || code === 'ENOTSUP' || code === 'EROFS' || code === 'EBADF') resolve()
        else reject(error)
      })
    })
  }

  /** Closes an --output file (stdout stays open for the summary). */
  async close(): Promise<void> {
    if (!this.ownsStream) return
    // A failed stream has already closed its descriptor (autoClose).
    if (this.failure !== undefined) return
    await new Promise<void>((resolve) => {
      this.stream.end(() => resolve())
      this.stream.once('error', () => resolve())
    })
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return
    this.failure = error
    this.pending = ''
    this.latestWrite = undefined
    for (const waiter of this.drainWaiters.splice(0)) waiter()
    for (const waiter of this.idleWaiters.splice(0)) waiter()
    this.onFailure(error)
  }
}
