/**
 * Sidecar mode: the shell that wires the file tailer, the shared pipeline, the output, the
 * state file and the metrics server, and stops them in order on SIGTERM.
 *
 * Stop order: no new reads (the chunk in flight is finished), queued lines are written, the
 * output is synced, the offsets of written lines are saved, then the process exits 0. A timer
 * bounds the whole stop by --grace-ms.
 */
import { EXIT_OK, EXIT_RUNTIME, exitOnConfigurationError } from '../exit.js'
import { performance } from 'node:perf_hooks'
import { LogfilterError, PROGRAM_NAME } from '../errors.js'
import { createFilter, type Filter } from '../index.js'
import type { FilterOptionsInput } from '../options.js'
import { sidecarMessages } from './messages.js'
import { SidecarMetrics, startMetricsServer, type MetricsServer } from './metrics.js'
import { OperationalSignals } from './operations.js'
import { SIDECAR_DEFAULTS, parseSidecarFlags, type SidecarOptions } from './options.js'
import { OutputChannel } from './output-channel.js'
import { checkNotAnInput, compileInputPatterns, type InputPattern } from './input-patterns.js'
import { emptyState, loadState, saveState, type SidecarState } from './state-file.js'
import { FileTailer, type LineSink } from './tailer.js'


export const SIDECAR_HELP = `Usage: ${PROGRAM_NAME} --input PATH... [--follow] [--state-file PATH] [--output PATH] [options]

Sidecar mode: reads log files (globs allowed; quote them) through the same filter as stdin mode
and writes the records to stdout or --output. With --follow it follows the files like tail -F,
through rename and copytruncate rotation, and picks up new files that match.

Options:
  --input PATH            file or glob to read; repeat for more (required)
  --follow                keep reading as the files grow, until SIGTERM or SIGINT
  --state-file PATH       where read offsets are saved, so a restart neither skips nor repeats lines
  --output PATH           append records to this file (default stdout)
  --metrics-port N        serve Prometheus metrics, /healthz and /readyz on this port (0 picks one)
  --metrics-host HOST     address to bind the metrics server to (default ${SIDECAR_DEFAULTS.metricsHost})
  --task-sla SECONDS      async tasks still not terminal after this long count as over the SLA (default ${SIDECAR_DEFAULTS.taskSlaSeconds})
  --grace-ms N            on SIGTERM or SIGINT, time in milliseconds to save offsets and exit (default ${SIDECAR_DEFAULTS.graceMs})
  --poll-ms N             how often files are checked for rotation and truncation, in milliseconds (default ${SIDECAR_DEFAULTS.pollMs})
  --rotate-wait-ms N      how long a renamed or deleted file is still read after its last change (default ${SIDECAR_DEFAULTS.rotateWaitMs})
  --checkpoint-ms N       how often offsets are saved while running, in milliseconds (default ${SIDECAR_DEFAULTS.checkpointMs})
  --watch-polling         discover files by polling instead of file system events (network file systems)
  --rules FILE, --max-line-bytes N, --summary off|counts   as in stdin mode

See docs/sidecar.md for the deployment and what the sidecar guarantees.
`

/** Runs sidecar mode; sets process.exitCode (0 done, 1 runtime failure, 2 configuration error). */
export async function runSidecar(argv: readonly string[]): Promise<void> {
  let sidecar: Sidecar
  try {
    const flags = parseSidecarFlags(argv)
    if (flags.help) {
      process.stdout.write(SIDECAR_HELP)
      return
    }
    sidecar = await Sidecar.create(flags.sidecar, flags.filter)
  } catch (error) {
    exitOnConfigurationError(error)
    return
  }
  await sidecar.run()
}

class Sidecar {
  private readonly options: SidecarOptions
  private readonly filter: Filter
  private readonly state: SidecarState
  private readonly output: OutputChannel
  private readonly tailer: FileTailer
  private readonly metrics: SidecarMetrics | undefined
  private server: MetricsServer | undefined
  private ready = false
  private stopping = false
  private stateWrites = 0
  private stateErrors = 0
  private outputErrors = 0
  private lastSavedState = ''
  private saving: Promise<void> | undefined
  private checkpointTimer: NodeJS.Timeout | undefined

  private constructor(init: { options: SidecarOptions; filter: Filter; patterns: InputPattern[]; state: SidecarState; output: OutputChannel; signals: OperationalSignals | undefined }) {
    const { options, filter, patterns, output, signals } = init
    this.options = options
    this.filter = filter
    this.state = init.state
    this.output = output
    this.tailer = new FileTailer(
      {
        patterns,
        follow: options.follow,
        pollMs: options.pollMs,
        rotateWaitMs: options.rotateWaitMs,
        maxLineBytes: filter.options.maxLineBytes,
        watchPolling: options.watchPolling,
        log: (message) => process.stderr.write(message + '\n'),
      },
      this.lineSink(),
    )
    if (signals !== undefined) {
      const tailer = this.tailer
      this.metrics = new SidecarMetrics({
        summary: filter.pipeline.summary,
        rules: filter.rules,
        signals,
        sidecar: {
          bytesIn: () => tailer.stats.bytesIn,
          bytesOut: () => output.bytesOut,
          files: () => tailer.fileCount,
          unreadBytes: () => tailer.unreadBytes,
          rotations: () => tailer.stats.rotations,
          skippedBytes: () => tailer.stats.skippedBytes,
          errors: () => ({ read: tailer.stats.errors.read, watch: tailer.stats.errors.watch, state: this.stateErrors, output: this.outputErrors }),
          stateWrites: () => this.stateWrites,
        },
      })
    }
  }

  /** Validates everything that can fail at start-up, so that problems exit 2 before any line is read. */
  static async create(options: SidecarOptions, filterOptions: FilterOptionsInput): Promise<Sidecar> {
    const patterns = compileInputPatterns(options.inputs)
    checkNotAnInput(patterns, options.output, '--output')
    checkNotAnInput(patterns, options.stateFile, '--state-file')
    let signals: OperationalSignals | undefined
    const filter = createFilter(filterOptions, 'command line', {
      onWarning: (message) => process.stderr.write(message + '\n'),
      onNormalized: (block) => signals?.observe(block),
    })
    if (options.metricsPort !== undefined) {
      const taskSlaSeconds = options.taskSlaSeconds ?? SIDECAR_DEFAULTS.taskSlaSeconds
      signals = new OperationalSignals({ taskSlaMs: taskSlaSeconds * 1000, censor: filter.rules.censor })
    }
    const state = options.stateFile === undefined ? emptyState() : loadState(options.stateFile)
    const output = OutputChannel.open(options.output)
    const sidecar = new Sidecar({ options, filter, patterns, state, output, signals })
    if (sidecar.metrics !== undefined && options.metricsPort !== undefined) {
      const host = options.metricsHost ?? SIDECAR_DEFAULTS.metricsHost
      try {
        sidecar.server = await startMetricsServer(sidecar.metrics.registry, host, options.metricsPort, () => sidecar.ready && !sidecar.stopping)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
        throw new LogfilterError('INVALID_OPTION', `command line: --metrics-port ${options.metricsPort}`, `cannot listen on ${host}:${options.metricsPort} (${code})`, 'choose a free port, or a --metrics-host address of this machine')
      }
    }
    return sidecar
  }

  async run(): Promise<void> {
    const options = this.options
    this.output.onError((error) => {
      this.outputErrors++
      process.stderr.write(sidecarMessages.outputFailed(this.output.where, error) + '\n')
      void this.stop(EXIT_RUNTIME, 'output failed')
    })
    process.once('SIGTERM', () => void this.stop(EXIT_OK, 'SIGTERM'))
    process.once('SIGINT', () => void this.stop(EXIT_OK, 'SIGINT'))

    await this.tailer.start(this.state)
    if (this.server !== undefined) process.stderr.write(sidecarMessages.metricsListening(this.server.url) + '\n')
    process.stderr.write(sidecarMessages.started(this.tailer.fileCount, options.inputs, options.follow, options.stateFile) + '\n')
    this.ready = true
    await this.checkpoint()

    if (!options.follow) {
      await this.tailer.readToEnd()
      await this.stop(EXIT_OK, 'all files read')
      return
    }
    this.checkpointTimer = setInterval(() => void this.checkpoint(), options.checkpointMs)
  }

  private lineSink(): LineSink {
    const output = this.output
    const pipeline = this.filter.pipeline
    return {
      line: (text, flags) => {
        const metrics = this.metrics
        if (metrics === undefined) {
          const result = pipeline.processLine(text, flags)
          if (result !== null) output.push(result)
          return
        }
        const started = performance.now()
        const result = pipeline.processLine(text, flags)
        metrics.observeLine((performance.now() - started) / 1000)
        if (result !== null) output.push(result)
      },
      afterWritten: (callback) => output.afterWritten(callback),
      get saturated() {
        return output.saturated
      },
      whenDrained: (callback) => output.whenDrained(callback),
    }
  }

  /** Saves the offsets of written lines, after syncing the output, when they changed. */
  private checkpoint(): Promise<void> {
    const path = this.options.stateFile
    if (path === undefined || this.output.failed) return Promise.resolve()
    const previous = this.saving ?? Promise.resolve()
    const next = previous.then(async () => {
      const state = this.tailer.snapshot()
      const text = JSON.stringify(state)
      if (text === this.lastSavedState) return
      try {
        await this.output.sync()
        await saveState(path, state)
        this.lastSavedState = text
        this.stateWrites++
      } catch (error) {
        this.stateErrors++
        process.stderr.write(sidecarMessages.stateWriteFailed(path, error) + '\n')
      }
    })
    this.saving = next
    return next
  }

  private async stop(exitCode: number, reason: string): Promise<void> {
    if (this.stopping) return
    this.stopping = true
    const graceTimer = setTimeout(() => {
      process.stderr.write(sidecarMessages.graceExceeded(this.options.graceMs) + '\n')
      process.exit(EXIT_RUNTIME)
    }, this.options.graceMs)
    graceTimer.unref()
    if (this.checkpointTimer !== undefined) clearInterval(this.checkpointTimer)

    await this.tailer.stop()
    await this.output.whenIdle()
    const errorsBefore = this.stateErrors
    await this.checkpoint()
    const saved = this.options.stateFile !== undefined && this.stateErrors === errorsBefore && !this.output.failed
    await this.tailer.close()
    await this.output.close()
    await this.server?.close()
    const finalCode = exitCode === EXIT_OK && this.stateErrors > errorsBefore ? EXIT_RUNTIME : exitCode
    process.stderr.write(sidecarMessages.stopped(reason, saved) + '\n')
    this.writeSummary(reason)
    clearTimeout(graceTimer)
    process.exit(finalCode)
  }

  private writeSummary(note: string): void {
    if (this.filter.options.summary === 'off') return
    const stats = this.tailer.stats
    const summary = {
      ...this.filter.pipeline.summary,
      sidecar: {
        bytes_in: stats.bytesIn,
        bytes_out: this.output.bytesOut,
        rotations: stats.rotations,
        skipped_bytes: stats.skippedBytes,
        errors: { ...stats.errors, state: this.stateErrors, output: this.outputErrors },
      },
      note,
    }
    process.stderr.write(`${PROGRAM_NAME}: summary: ${JSON.stringify(summary)}\n`)
  }
}
