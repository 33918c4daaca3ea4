/**
 * The pino transport `tokenlab-logfilter/transport`: the CLI's pipeline inside pino's worker
 * thread, built on pino-abstract-transport.
 *
 *   app thread: logger.info() ─► ThreadStream (shared buffer)
 *   worker:     split2 lines ─► pipeline.processLine ─┬─► sonic-boom ─► destination (path or fd)
 *                                                     └─► readable side ─► next stage of a pino pipeline
 *
 * Exit: pino's exit hook waits for the worker to read the shared buffer, ends this stream, and
 * blocks until it emits 'close'. The stream finishes only after sonic-boom has written every
 * record, and `close` waits until sonic-boom has closed the destination, so records logged right
 * before process.exit() reach it. `logger.flush(cb)` reaches the `flush` method of the returned
 * stream through thread-stream.
 */
import { fileURLToPath } from 'node:url'
import { workerData } from 'node:worker_threads'
import type { Transform } from 'node:stream'
import build from 'pino-abstract-transport'
import { LogfilterError, PROGRAM_NAME } from './errors.js'
import { createFilter, type Filter } from './index.js'
import { parseTransportOptions, type TransportOptions } from './options.js'
import { findStagePosition } from './pino-stage.js'
import {
  DestinationOutput,
  PipelineOutput,
  RecordFeeder,
  destinationFailureMessage,
  destinationLabel,
  openDestination,
  writeStderrLine,
} from './transport-streams.js'

/** Keys that pino and thread-stream add to the options object, which are not transport options. */
const PINO_ADDED_KEYS = ['pinoWillSendConfig', '$context', 'levels', 'dedupe']
const DESTINATION_KEYS = ['destination', 'mkdir', 'append']

/**
 * pino-abstract-transport calls `parseLine` on every line even with `parse: 'lines'`, and a line
 * whose parser throws leaves the stream as an 'unknown' event, out of order with the others.
 * Returning a constant object passes every line through in order, and the pipeline parses it
 * once: JSON objects on the record path, anything else on the text path.
 */
const LINE_ACCEPTED = Object.freeze({})
const acceptEveryLine = (): object => LINE_ACCEPTED

type LineSource = Transform & build.OnUnknown
type CloseCallback = (error?: Error | null) => void

export default async function tokenlabLogfilterTransport(input?: Record<string, unknown>): Promise<Transform> {
  const options = parseTransportOptions(withoutPinoKeys(input))
  const filter = createFilter({ rules: options.rules, maxLineBytes: options.maxLineBytes, summary: options.summary }, 'transport options', {
    onWarning: writeStderrLine,
  })

  const position = findStagePosition(input, workerData, fileURLToPath(import.meta.url))
  if (position === 'ambiguous') {
    throw new LogfilterError(
      'INVALID_OPTION',
      'transport options',
      'this transport appears more than once in a pino pipeline without options, so its position is unknown',
      'give each of its stages an options object, even an empty one',
    )
  }
  if (position === 'middle') return middleStage(filter, input)
  return lastStage(filter, options)
}

/** Writes filtered records to the destination. */
async function lastStage(filter: Filter, options: TransportOptions): Promise<Transform> {
  const sonic = await openDestination(options)
  const destination = new DestinationOutput(sonic, destinationLabel(options.destination), (error) => {
    const message = destinationFailureMessage(destination.label, error)
    writeStderrLine(message)
    // thread-stream passes the stream's error to the app thread, where the transport emits 'error'.
    source.destroy(new Error(message))
  })

  const source = build(
    (lines: LineSource) => {
      const feeder = new RecordFeeder(lines, filter.pipeline, destination, filter.options.maxLineBytes)
      // Not emitted while acceptEveryLine parses; a line it did reject would take the text path.
      lines.on('unknown', (line: string) => feeder.acceptLine(line))
      const whenAllWritten = (callback: (error?: Error) => void): void => feeder.whenIdle(() => destination.whenWritten(callback))
      // thread-stream calls `flush` for logger.flush(cb), after the worker has read every record.
      Object.assign(lines, { flush: whenAllWritten })
      // As the last stage of a pino pipeline, the stream counts as done at 'finish' (node's
      // stream.pipeline), and pino then lets the worker exit. Delaying the end of _flush, which
      // comes before 'finish', until every record is written keeps the last records.
      const splitFlush = lines._flush.bind(lines)
      lines._flush = (callback) => {
        splitFlush((error, data) => {
          if (error) {
            callback(error, data)
            return
          }
          whenAllWritten((writeError) => callback(writeError, data))
        })
      }
    },
    {
      parse: 'lines',
      parseLine: acceptEveryLine,
      metadata: false,
      close: (error, callback) => {
        destination.end((endError) => {
          writeSummary(filter)
          ;(callback as CloseCallback)(error ?? endError)
        })
      },
    },
  )
  return source
}

/** Passes filtered records on to the next stage of a pino pipeline. */
function middleStage(filter: Filter, input: Record<string, unknown> | undefined): Transform {
  const misplaced = DESTINATION_KEYS.find((key) => input !== undefined && Object.hasOwn(input, key))
  if (misplaced !== undefined) {
    throw new LogfilterError(
      'INVALID_OPTION',
      `transport options: ${misplaced}`,
      'is set, but this transport is a middle stage of a pino pipeline and passes its records to the next stage',
      `remove ${misplaced}, or make this transport the last stage`,
    )
  }
  const output = new PipelineOutput()
  let feeder: RecordFeeder | undefined
  return build(
    (lines: LineSource) => {
      feeder = new RecordFeeder(lines, filter.pipeline, output, filter.options.maxLineBytes)
      // Not emitted while acceptEveryLine parses; a line it did reject would take the text path.
      lines.on('unknown', (line: string) => feeder?.acceptLine(line))
      return output.readable as unknown as LineSource
    },
    {
      enablePipelining: true,
      parse: 'lines',
      parseLine: acceptEveryLine,
      metadata: false,
      close: (error, callback) => {
        if (!error) feeder?.writeBatch()
        output.end(error ?? undefined)
        writeSummary(filter)
        ;(callback as CloseCallback)(error)
      },
    },
  )
}

function withoutPinoKeys(input: Record<string, unknown> | undefined): Record<string, unknown> {
  const options: Record<string, unknown> = { ...input }
  for (const key of PINO_ADDED_KEYS) delete options[key]
  return options
}

function writeSummary(filter: Filter): void {
  if (filter.options.summary === 'off') return
  writeStderrLine(`${PROGRAM_NAME}: summary: ${JSON.stringify(filter.pipeline.summary)}`)
}
