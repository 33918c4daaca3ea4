/**
 * Sidecar flags: parsed with util.parseArgs and validated once, at start-up, by one zod schema.
 * The filter's own flags (--rules, --max-line-bytes, --summary) are passed through to
 * createFilter, which validates them with the same schema as stdin mode.
 */
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { LogfilterError, PROGRAM_NAME, formatMessage } from '../errors.js'
import type { FilterOptionsInput } from '../options.js'

const WHOLE_NUMBER = /^[0-9]{1,12}$/

export const sidecarOptionsSchema = z
  .object({
    inputs: z.array(z.string().min(1)).min(1),
    follow: z.boolean(),
    stateFile: z.string().min(1).optional(),
    output: z.string().min(1).optional(),
    metricsPort: z.number().int().min(0).max(65535).optional(),
    metricsHost: z.string().min(1).optional(),
    taskSlaSeconds: z.number().int().min(1).max(30 * 24 * 3600).optional(),
    graceMs: z.number().int().min(100).max(600_000),
    pollMs: z.number().int().min(50).max(60_000),
    rotateWaitMs: z.number().int().min(0).max(3_600_000),
    checkpointMs: z.number().int().min(100).max(600_000),
    watchPolling: z.boolean(),
  })
  .strict()

export type SidecarOptions = z.output<typeof sidecarOptionsSchema>

export interface SidecarFlags {
  readonly help: boolean
  readonly sidecar: SidecarOptions
  readonly filter: FilterOptionsInput
}

export const SIDECAR_DEFAULTS = {
  graceMs: 5000,
  pollMs: 500,
  rotateWaitMs: 5000,
  checkpointMs: 1000,
  metricsHost: '127.0.0.1',
  taskSlaSeconds: 600,
} as const

/** The flag of each sidecar option, for messages. */
const FLAG_OF: Readonly<Record<keyof SidecarOptions, string>> = {
  inputs: '--input',
  follow: '--follow',
  stateFile: '--state-file',
  output: '--output',
  metricsPort: '--metrics-port',
  metricsHost: '--metrics-host',
  taskSlaSeconds: '--task-sla',
  graceMs: '--grace-ms',
  pollMs: '--poll-ms',
  rotateWaitMs: '--rotate-wait-ms',
  checkpointMs: '--checkpoint-ms',
  watchPolling: '--watch-polling',
}

/** True when the arguments ask for sidecar mode (an --input flag is present). */
export function isSidecarInvocation(argv: readonly string[]): boolean {
  return argv.some((argument) => argument === '--input' || argument.startsWith('--input='))
}

/** Parses and validates the sidecar command line. Throws LogfilterError on any problem. */
export function parseSidecarFlags(argv: readonly string[]): SidecarFlags {
  let values
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        input: { type: 'string', multiple: true },
        follow: { type: 'boolean' },
        'state-file': { type: 'string' },
        output: { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        'task-sla': { type: 'string' },
        'grace-ms': { type: 'string' },
        'poll-ms': { type: 'string' },
        'rotate-wait-ms': { type: 'string' },
        'checkpoint-ms': { type: 'string' },
        'watch-polling': { type: 'boolean' },
        rules: { type: 'string' },
        'max-line-bytes': { type: 'string' },
        summary: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'invalid arguments'
    throw new LogfilterError('INVALID_OPTION', 'command line', detail, `run ${PROGRAM_NAME} --input x --help for the sidecar options`)
  }

  const filter: { rules?: string; maxLineBytes?: number; summary?: string } = {}
  if (values.rules !== undefined) filter.rules = values.rules
  if (values['max-line-bytes'] !== undefined) filter.maxLineBytes = wholeNumber(values['max-line-bytes'], '--max-line-bytes')
  if (values.summary !== undefined) filter.summary = values.summary

  const input = {
    inputs: values.input ?? [],
    follow: values.follow ?? false,
    stateFile: values['state-file'],
    output: values.output,
    metricsPort: optionalNumber(values['metrics-port'], '--metrics-port'),
    metricsHost: values['metrics-host'],
    taskSlaSeconds: optionalNumber(values['task-sla'], '--task-sla'),
    graceMs: optionalNumber(values['grace-ms'], '--grace-ms') ?? SIDECAR_DEFAULTS.graceMs,
    pollMs: optionalNumber(values['poll-ms'], '--poll-ms') ?? SIDECAR_DEFAULTS.pollMs,
    rotateWaitMs: optionalNumber(values['rotate-wait-ms'], '--rotate-wait-ms') ?? SIDECAR_DEFAULTS.rotateWaitMs,
    checkpointMs: optionalNumber(values['checkpoint-ms'], '--checkpoint-ms') ?? SIDECAR_DEFAULTS.checkpointMs,
    watchPolling: values['watch-polling'] ?? false,
  }
  const sidecar = validate(input)
  if (sidecar.metricsPort === undefined) {
    if (sidecar.metricsHost !== undefined) throw needsMetricsPort('--metrics-host')
    if (sidecar.taskSlaSeconds !== undefined) throw needsMetricsPort('--task-sla')
  }
  return { help: values.help ?? false, sidecar, filter: filter as FilterOptionsInput }
}

function validate(input: unknown): SidecarOptions {
  const result = sidecarOptionsSchema.safeParse(input)
  if (result.success) return result.data
  const messages = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? 'options') as keyof SidecarOptions
    return formatMessage(`command line: ${FLAG_OF[key] ?? key}`, problemOf(issue), fixFor(issue))
  })
  const error = new LogfilterError('INVALID_OPTION', 'command line', result.error.issues[0]?.message ?? 'invalid option', 'see --help')
  error.message = messages.join('\n')
  throw error
}

function problemOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small' && issue.path[0] === 'inputs') return 'is missing'
  if (issue.code === 'too_small') return `is below the minimum of ${String(issue.minimum)}`
  if (issue.code === 'too_big') return `is above the maximum of ${String(issue.maximum)}`
  return issue.message
}

function fixFor(issue: z.core.$ZodIssue): string {
  if (issue.path[0] === 'inputs') return 'give at least one --input PATH (a file or a glob such as /var/log/app/*.log)'
  if (issue.code === 'too_small' || issue.code === 'too_big') return 'choose a value within the range'
  return `run ${PROGRAM_NAME} --input x --help for the sidecar options`
}

function needsMetricsPort(flag: string): LogfilterError {
  return new LogfilterError('INVALID_OPTION', `command line: ${flag}`, 'has no effect without --metrics-port', 'add --metrics-port N (for example 9464) or remove the flag')
}

function optionalNumber(text: string | undefined, flag: string): number | undefined {
  return text === undefined ? undefined : wholeNumber(text, flag)
}

function wholeNumber(text: string, flag: string): number {
  if (!WHOLE_NUMBER.test(text)) {
    throw new LogfilterError('INVALID_OPTION', `command line: ${flag}`, `${JSON.stringify(text)} is not a whole number`, 'give a number without a unit, for example 5000')
  }
  return Number(text)
}
