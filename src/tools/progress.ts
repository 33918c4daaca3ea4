/**
 * Progress bar on stderr for long reads, drawn with cli-progress. By default it is on only when
 * stderr is a terminal and stdout is not, so logs and CI output never get bar lines, and the bar
 * never overwrites results printed on the same terminal. It never changes terminal
 * settings (cursor, line wrapping) and installs no signal handlers, so Ctrl-C still stops the
 * program at once and leaves the terminal as it was.
 */
import { SingleBar, type Options, type Params } from 'cli-progress'
import type { LogSource } from './log-input.js'

export type ProgressMode = 'auto' | 'on' | 'off'

const MIB = 1024 * 1024

export interface ProgressPayload {
  readonly source: string
}

function formatMib(bytes: number): string {
  return (bytes / MIB).toFixed(1)
}

/** Renders one bar line: a bar with a percentage when the total size is known, else the bytes read. */
export function renderProgress(label: string, done: number, total: number | undefined, source: string, barWidth = 30): string {
  if (total === undefined || total === 0) return `${label} ${formatMib(done)} MiB read | ${source}`
  const ratio = Math.min(1, done / total)
  const filled = Math.round(ratio * barWidth)
  const bar = '#'.repeat(filled) + '-'.repeat(barWidth - filled)
  return `${label} [${bar}] ${String(Math.floor(ratio * 100)).padStart(3)}% | ${formatMib(done)}/${formatMib(total)} MiB | ${source}`
}

export class ReadProgress {
  private readonly bar: SingleBar | undefined
  private readonly total: number | undefined
  /** Bytes of the sources finished before the current one. */
  private finishedBytes = 0
  private currentSource: LogSource | undefined
  private currentBytes = 0

  constructor(label: string, mode: ProgressMode, sources: readonly LogSource[], stream: NodeJS.WriteStream = process.stderr, results: NodeJS.WriteStream = process.stdout) {
    const enabled = mode === 'on' || (mode === 'auto' && stream.isTTY === true && results.isTTY !== true)
    let total: number | undefined = 0
    for (const source of sources) total = source.bytes === undefined || total === undefined ? undefined : total + source.bytes
    this.total = total
    if (!enabled) return
    const options: Options = {
      stream,
      format: (_options: Options, params: Params, payload: ProgressPayload) => renderProgress(label, params.value, this.total, payload.source),
      fps: 10,
      clearOnComplete: true,
      hideCursor: null,
      linewrap: null,
      gracefulExit: false,
      noTTYOutput: mode === 'on',
      notTTYSchedule: 1000,
    }
    this.bar = new SingleBar(options)
    this.bar.start(total ?? 0, 0, { source: sources[0]?.label ?? '' })
  }

  /** Records that `bytesRead` bytes of `source` have been read. */
  update(source: LogSource, bytesRead: number): void {
    if (this.bar === undefined) return
    if (source !== this.currentSource) {
      this.finishedBytes += this.currentBytes
      this.currentSource = source
    }
    this.currentBytes = bytesRead
    this.bar.update(this.finishedBytes + bytesRead, { source: source.label })
  }

  /** Removes the bar from the terminal. */
  stop(): void {
    this.bar?.stop()
  }
}
