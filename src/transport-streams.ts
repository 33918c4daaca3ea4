/**
 * The streams of the pino transport. Lines from pino go through the pipeline into a destination
 * (sonic-boom, as pino's own `pino/file` uses) or into the next stage of a pino pipeline. Both
 * directions respect back-pressure, and a flush reports when the records have been written.
 */
import { fstatSync, writeSync } from 'node:fs'
import { Readable, type Transform } from 'node:stream'
import sonicBoomModule from 'sonic-boom'
import { LogfilterError, formatMessage, quote } from './errors.js'
import { limitLineBytes } from './line-limit.js'
import type { Pipeline } from './pipeline.js'

/** Characters of filtered records collected before one write to the output. */
const BATCH_CHARS = 64 * 1024
/** Characters the destination may have left to write before the transport stops reading. */
const DESTINATION_HIGH_WATER_CHARS = 1024 * 1024

// sonic-boom is CommonJS, and its types describe the module object, whose `SonicBoom` is the class.
const { SonicBoom } = sonicBoomModule
type SonicBoom = InstanceType<typeof SonicBoom>

/** Destination of filtered records: a file descriptor, or the next pipeline stage. */
export interface RecordOutput {
  /** Queues text. Returns false when the caller should stop until onceDrained calls back. */
  write(text: string): boolean
  onceDrained(callback: () => void): void
}

/** Writes one line to stderr synchronously, so that it is not lost when the process exits right after. */
export function writeStderrLine(message: string): void {
  try {
    writeSync(2, message + '\n')
  } catch {
    // stderr is closed or full: the summary counters still record what the message was about.
  }
}

export interface DestinationSpec {
  readonly destination: string | number
  readonly mkdir: boolean
  readonly append: boolean
}

/** Returns the name messages give the destination: `destination 1` or `destination "logs/app.ndjson"`. */
export function destinationLabel(destination: string | number): string {
  return typeof destination === 'number' ? `destination ${destination}` : `destination ${quote(destination)}`
}

/**
 * Opens the destination and waits until it is ready, so that a path that cannot be opened or a
 * closed file descriptor fails the transport at start-up.
 */
export async function openDestination(spec: DestinationSpec): Promise<SonicBoom> {
  const where = `transport options: ${destinationLabel(spec.destination)}`
  if (typeof spec.destination === 'number') {
    try {
      fstatSync(spec.destination)
    } catch (error) {
      throw new LogfilterError('INVALID_OPTION', where, `the file descriptor is not open (${errorCode(error)})`, 'give an open descriptor such as 1 (stdout) or 2 (stderr), or a file path')
    }
  }
  const sonic = new SonicBoom({ dest: spec.destination, sync: false, append: spec.append, mkdir: spec.mkdir })
  await new Promise<void>((resolve, reject) => {
    const onReady = (): void => {
      sonic.off('error', onError)
      resolve()
    }
    const onError = (error: unknown): void => {
      sonic.off('ready', onReady)
      reject(new LogfilterError('INVALID_OPTION', where, `cannot be opened (${errorCode(error)})`, openFix(error)))
    }
    sonic.once('ready', onReady)
    sonic.once('error', onError)
  })
  return sonic
}

function openFix(error: unknown): string {
  switch (errorCode(error)) {
    case 'ENOENT':
      return 'create the directory, or set mkdir: true'
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'give the process write permission, or choose another path'
    case 'EISDIR':
      return 'give a file path, not a directory'
    default:
      return 'check the path'
  }
}

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'unknown error'
}

/**
 * sonic-boom as a RecordOutput that tracks when everything written has reached the file
 * descriptor. In asynchronous mode sonic-boom emits 'drain' whenever its buffer has been
 * written out completely, so a 'drain' after a write means that write is done.
 */
export class DestinationOutput implements RecordOutput {
  readonly label: string
  private readonly sonic: SonicBoom
  /** Characters written since sonic-boom last had nothing left to write. */
  private unwrittenChars = 0
  private failure: Error | undefined
  private drainWaiters: (() => void)[] = []
  private writtenWaiters: ((error?: Error) => void)[] = []

  constructor(sonic: SonicBoom, label: string, onFailure: (error: Error) => void) {
    this.sonic = sonic
    this.label = label
    sonic.on('drain', () => {
      this.unwrittenChars = 0
      this.callWaiters(undefined)
    })
    sonic.on('error', (error: Error) => {
      if (this.failure !== undefined) return
      this.failure = error
      this.callWaiters(error)
      onFailure(error)
    })
  }

  write(text: string): boolean {
    // After a write error nothing more reaches the destination, and the transport is shutting down.
    if (this.failure !== undefined) return true
    this.unwrittenChars += text.length
    this.sonic.write(text)
    // sonic-boom asks callers to wait from 16 KiB on. A larger limit lets the filtering go on while it writes.
    return this.unwrittenChars < DESTINATION_HIGH_WATER_CHARS
  }

  onceDrained(callback: () => void): void {
    if (this.failure !== undefined) callback()
    else this.drainWaiters.push(callback)
  }

  /** Calls back once everything written so far has been handed to the file descriptor. */
  whenWritten(callback: (error?: Error) => void): void {
    if (this.failure !== undefined) callback(this.failure)
    else if (this.unwrittenChars === 0) callback()
    else this.writtenWaiters.push(callback)
  }

  /** Writes what is buffered, closes the destination (never fd 1 or 2), and calls back. */
  end(callback: (error?: Error) => void): void {
    if (this.failure !== undefined) {
      // Nothing more can be written: release the descriptor without another write attempt.
      this.sonic.destroy()
      callback(this.failure)
      return
    }
    let called = false
    const finish = (error?: Error): void => {
      if (called) return
      called = true
      callback(error)
    }
    this.sonic.once('close', () => finish())
    this.sonic.once('error', (error: Error) => finish(error))
    this.sonic.end()
  }

  private callWaiters(error: Error | undefined): void {
    const drained = this.drainWaiters
    const written = this.writtenWaiters
    this.drainWaiters = []
    this.writtenWaiters = []
    for (const waiter of drained) waiter()
    for (const waiter of written) waiter(error)
  }
}

/** The readable side of a middle pipeline stage: the next stage reads filtered records from it. */
export class PipelineOutput implements RecordOutput {
  readonly readable: Readable
  private drainWaiters: (() => void)[] = []

  constructor() {
    this.readable = new Readable({
      read: () => {
        const waiters = this.drainWaiters
        this.drainWaiters = []
        for (const waiter of waiters) waiter()
      },
    })
  }

  write(text: string): boolean {
    return this.readable.push(text)
  }

  onceDrained(callback: () => void): void {
    this.drainWaiters.push(callback)
  }

  end(error?: Error): void {
    if (this.readable.destroyed || this.readable.readableEnded) return
    if (error !== undefined) this.readable.destroy(error)
    else this.readable.push(null)
  }
}

/**
 * Reads lines from pino-abstract-transport's stream, runs each through the pipeline and writes
 * the result. It pauses the source while the output is full, so the backlog stays in pino's
 * fixed-size shared buffer instead of growing in this thread.
 *
 * Records are written in batches: split2 hands over the lines of a chunk one 'data' event at a
 * time, and sonic-boom measures its whole pending buffer on every write, so one write per line
 * costs more than the filtering. A batch is written when it reaches BATCH_CHARS, and otherwise
 * on the next tick, after the lines of the current chunk.
 */
export class RecordFeeder {
  private readonly source: Transform
  private readonly pipeline: Pipeline
  private readonly output: RecordOutput
  private readonly maxLineBytes: number
  private waitingForDrain = false
  private batch = ''
  private batchScheduled = false
  private readonly writeBatchTask = (): void => {
    this.batchScheduled = false
    this.writeBatch()
  }

  constructor(source: Transform, pipeline: Pipeline, output: RecordOutput, maxLineBytes: number) {
    this.source = source
    this.pipeline = pipeline
    this.output = output
    this.maxLineBytes = maxLineBytes
    source.on('data', (line: string) => this.acceptLine(line))
  }

  acceptLine(raw: string): void {
    const { line, flags } = limitLineBytes(raw, this.maxLineBytes)
    const record = this.pipeline.processLine(line, flags)
    if (record === null) return
    this.batch += record + '\n'
    if (this.batch.length >= BATCH_CHARS) {
      this.writeBatch()
    } else if (!this.batchScheduled) {
      this.batchScheduled = true
      process.nextTick(this.writeBatchTask)
    }
  }

  /** Writes the current batch now (also before the output ends). */
  writeBatch(): void {
    if (this.batch === '') return
    const text = this.batch
    this.batch = ''
    if (this.output.write(text) || this.waitingForDrain) return
    this.waitingForDrain = true
    this.source.pause()
    this.output.onceDrained(() => {
      this.waitingForDrain = false
      this.source.resume()
    })
  }

  /** Calls back once every line that pino handed over so far has been through the pipeline and written to the output. */
  whenIdle(callback: () => void): void {
    this.writeBatch()
    if (this.waitingForDrain) {
      // Check again after the resume that this drain triggers.
      this.output.onceDrained(() => setImmediate(() => this.whenIdle(callback)))
      return
    }
    const source = this.source
    if (source.readableLength > 0 || source.writableLength > 0) {
      setImmediate(() => this.whenIdle(callback))
      return
    }
    callback()
  }
}

/** Message for a destination that failed while the transport was running. */
export function destinationFailureMessage(label: string, error: unknown): string {
  return formatMessage(
    `transport ${label}`,
    `write failed (${errorCode(error)}); records from now on are not written`,
    'check that the destination is writable and that its reader is still running',
  )
}
