/**
 * Stdout for the subcommands. Every text a subcommand writes goes through the leak check first,
 * so a secret that slipped past the rules into a report is redacted and counted, never written.
 * Writes are batched, back-pressure is reported to the reader loop, and a reader that closes the
 * pipe early (`| head`) ends the output quietly.
 */
import type { Writable } from 'node:stream'
import { OutputBatcher } from '../output.js'
import { leakCheck } from '../stages/leak-check.js'
import { increment } from '../summary.js'

export class ReportOutput {
  /** Secrets the leak check redacted from the report, per shape. Normally empty. */
  readonly leakCheckHits: Record<string, number> = {}
  private readonly batcher: OutputBatcher
  private readonly censor: string
  private closedByReader = false
  private writeFailure: string | undefined

  constructor(censor: string, stream: Writable = process.stdout) {
    this.censor = censor
    this.batcher = new OutputBatcher(stream)
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.closedByReader = true
      else this.writeFailure = error.code ?? 'unknown error'
      this.batcher.close()
    })
  }

  /** True once the reader closed the pipe; the caller may stop producing output. */
  get closed(): boolean {
    return this.closedByReader || this.writeFailure !== undefined
  }

  /** The error code of a failed write (other than a closed pipe), if any. */
  get failure(): string | undefined {
    return this.writeFailure
  }

  /** Queues `text` plus a newline after the leak check. */
  writeLine(text: string): void {
    if (this.closed) return
    const checked = leakCheck(text, this.censor)
    for (const shape of checked.hits) increment(this.leakCheckHits, shape)
    this.batcher.push(checked.text)
  }

  /** Writes what is queued; returns a promise when the destination is full, to hold the reader. */
  afterChunk(): Promise<void> | undefined {
    this.batcher.flush()
    if (!this.batcher.saturated) return undefined
    return new Promise((resolve) => this.batcher.whenDrained(resolve))
  }

  /** Writes what is queued and waits until the destination has taken it. */
  finish(): Promise<void> {
    this.batcher.flush()
    return new Promise((resolve) => this.batcher.whenDrained(resolve))
  }
}
