#!/usr/bin/env node
/**
 * The command-line shell: flags in, stdin through the pipeline, records to stdout, warnings and
 * the summary to stderr, and an exit code (0 done, 1 runtime failure, 2 configuration error).
 */
import { EXIT_OK, EXIT_RUNTIME, exitOnConfigurationError } from './exit.js'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createRequire } from 'node:module'
import type { stringify as stringifyYamlValue } from 'yaml'
import { LogfilterError, PROGRAM_NAME, formatMessage } from './errors.js'
import { LineFramer } from './framing.js'
import { createFilter, type Filter } from './index.js'
import { normalizedBlockJsonSchema } from './normalized-schema.js'
import { OPTION_FLAGS, type FilterOptionsInput } from './options.js'
import { OutputBatcher } from './output.js'
import { loadRuleSet, packageRoot } from './rules/load.js'
import { isSidecarInvocation } from './sidecar/options.js'
import { SUBCOMMAND_HELP, runSubcommand } from './tools/index.js'

const DEFAULT_GRACE_MS = 5000
/** Maximum delay that setTimeout accepts; Node fires a longer one after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647

const HELP = `Usage: ${PROGRAM_NAME} [options] < app.log > clean.log
       node app.js | ${PROGRAM_NAME} [options]

Reads NDJSON (pino) logs on stdin and writes them to stdout with TokenLab secrets, prompts and
personal data redacted, private routing fields dropped and public TokenLab identifiers
normalized under "tokenlab". Lines that are not JSON objects are redacted as text and wrapped.

Options:
  ${OPTION_FLAGS.rules.padEnd(24)}rule file (YAML or JSON); "extends: default" merges it over the default pack
  ${OPTION_FLAGS.maxLineBytes.padEnd(24)}longest line kept whole, in bytes (default 1048576); longer lines are cut
  ${OPTION_FLAGS.summary.padEnd(24)}write the run summary to stderr at the end (default counts)
  --grace-ms N            on SIGTERM or SIGINT, time in milliseconds to flush before exiting (default ${DEFAULT_GRACE_MS})
  --input PATH            sidecar mode: read and follow log files instead of stdin (see --input x --help)
  --check-rules           load and compile the rules, report problems, and exit
  --print-rules           print the effective rule set (after extends, disable and overrides) as YAML
  --print-schema          print the JSON Schema of the normalized "tokenlab" block
  --version               print the version
  --help                  print this help

Environment:
  TOKENLAB_LOGFILTER_HMAC_KEY   key (at least 16 bytes) for HMAC-SHA256 fingerprints of personal
                                data and prompts; without it, personal data is redacted

Exit codes: 0 done (also when stdout is closed early), 1 runtime failure, 2 configuration error.

${SUBCOMMAND_HELP}`

interface CliFlags {
  readonly options: FilterOptionsInput
  readonly graceMs: number
  readonly mode: 'filter' | 'help' | 'version' | 'check-rules' | 'print-rules' | 'print-schema'
}

function parseFlags(argv: readonly string[]): CliFlags {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        rules: { type: 'string' },
        'max-line-bytes': { type: 'string' },
        summary: { type: 'string' },
        'grace-ms': { type: 'string' },
        'check-rules': { type: 'boolean' },
        'print-rules': { type: 'boolean' },
        'print-schema': { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'invalid arguments'
    throw new LogfilterError('INVALID_OPTION', 'command line', detail, `run ${PROGRAM_NAME} --help for the options`)
  }
  const values = parsed.values
  const options: { rules?: string; maxLineBytes?: number; summary?: string } = {}
  if (values.rules !== undefined) options.rules = values.rules
  if (values['max-line-bytes'] !== undefined) options.maxLineBytes = parseInteger(values['max-line-bytes'], '--max-line-bytes')
  if (values.summary !== undefined) options.summary = values.summary
  const graceMs = values['grace-ms'] === undefined ? DEFAULT_GRACE_MS : parseGraceMs(values['grace-ms'])
  const mode = values.help ? 'help'
    : values.version ? 'version'
      : values['check-rules'] ? 'check-rules'
        : values['print-rules'] ? 'print-rules'
          : values['print-schema'] ? 'print-schema'
            : 'filter'
  return { options: options as FilterOptionsInput, graceMs, mode }
}

function parseInteger(text: string, flag: string): number {
  if (!/^[0-9]{1,12}$/.test(text)) {
    throw new LogfilterError('INVALID_OPTION', `command line: ${flag}`, `${JSON.stringify(text)} is not a whole number`, 'give a number of bytes or milliseconds, for example 1048576')
  }
  return Number(text)
}

function parseGraceMs(text: string): number {
  const graceMs = parseInteger(text, '--grace-ms')
  if (graceMs > MAX_TIMER_MS) {
    throw new LogfilterError('INVALID_OPTION', 'command line: --grace-ms', `${graceMs} is longer than a timer can wait`, `give at most ${MAX_TIMER_MS} milliseconds (about 24 days)`)
  }
  return graceMs
}

function version(): string {
  const manifest = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }
  return manifest.version
}

function writeSummary(filter: Filter, note?: string): void {
  if (filter.options.summary === 'off') return
  const summary = note === undefined ? filter.pipeline.summary : { ...filter.pipeline.summary, note }
  process.stderr.write(`${PROGRAM_NAME}: summary: ${JSON.stringify(summary)}\n`)
}

function runFilter(filter: Filter, graceMs: number): void {
  const stdin = process.stdin
  const stdout = process.stdout
  const batcher = new OutputBatcher(stdout)
  const pipeline = filter.pipeline
  let finished = false

  const emit = (output: Buffer | string): void => batcher.push(output)
  const framer = new LineFramer(
    filter.options.maxLineBytes,
    (lines, flags) => pipeline.processByteLines(lines, flags, emit),
    'bytes',
  )

  const finish = (exitCode: number, note?: string): void => {
    if (finished) return
    finished = true
    stdin.pause()
    framer.end()
    batcher.flush()
    writeSummary(filter, note)
    // Leave once stdout has taken everything; the timer bounds the wait.
    const timer = setTimeout(() => {
      process.stderr.write(formatMessage('stdout', `did not drain within ${graceMs} ms`, 'the last records may be lost; raise --grace-ms') + '\n')
      process.exit(EXIT_RUNTIME)
    }, graceMs)
    timer.unref()
    batcher.whenDrained(() => {
      process.exitCode = exitCode
      stdin.destroy()
    })
  }

  stdout.on('error', (error: NodeJS.ErrnoException) => {
    batcher.close()
    if (error.code === 'EPIPE') {
      // The reader went away (`| head`): a normal end for a filter.
      finish(EXIT_OK, 'stdout closed by the reader')
      return
    }
    process.stderr.write(formatMessage('stdout', `write failed (${error.code ?? 'unknown error'})`, 'check the destination') + '\n')
    finish(EXIT_RUNTIME)
  })

  stdin.on('data', (chunk: Buffer) => {
    framer.write(chunk)
    batcher.flush()
    if (batcher.saturated) {
      stdin.pause()
      batcher.whenDrained(() => {
        if (!finished) stdin.resume()
      })
    }
  })
  stdin.on('end', () => finish(EXIT_OK))
  stdin.on('error', (error: NodeJS.ErrnoException) => {
    process.stderr.write(formatMessage('stdin', `read failed (${error.code ?? 'unknown error'})`, 'check the input') + '\n')
    finish(EXIT_RUNTIME)
  })

  const onSignal = (signal: NodeJS.Signals): void => finish(EXIT_OK, `stopped by ${signal}`)
  process.once('SIGTERM', onSignal)
  process.once('SIGINT', onSignal)
}

function main(argv: readonly string[]): void {
  // The filter takes no positional arguments, so a leading word is a subcommand (src/tools/).
  const command = argv[0]
  if (command !== undefined && !command.startsWith('-')) {
    void runSubcommand(command, argv.slice(1)).then((exitCode) => {
      process.exitCode = exitCode
    })
    return
  }
  let flags: CliFlags
  let filter: Filter
  try {
    flags = parseFlags(argv)
    if (flags.mode === 'help') {
      process.stdout.write(HELP)
      return
    }
    if (flags.mode === 'version') {
      process.stdout.write(`${version()}\n`)
      return
    }
    if (flags.mode === 'print-schema') {
      process.stdout.write(`${JSON.stringify(normalizedBlockJsonSchema(), null, 2)}\n`)
      return
    }
    filter = createFilter(flags.options, 'command line', {
      onWarning: (message) => process.stderr.write(message + '\n'),
    })
    if (flags.mode === 'check-rules') {
      const ruleSet = loadRuleSet(filter.options.rules)
      process.stdout.write(`${PROGRAM_NAME}: rules OK: ${filter.rules.rules.length} rules from ${ruleSet.files.join(' + ')}\n`)
      return
    }
    if (flags.mode === 'print-rules') {
      const ruleSet = loadRuleSet(filter.options.rules)
      const printable = {
        version: 1,
        censor: ruleSet.censor,
        protected_keys: ruleSet.protectedKeys,
        normalize: ruleSet.normalize,
        hints: ruleSet.hints,
        rules: ruleSet.rules.map((rule) => ({ ...rule, origin: ruleSet.origins.get(rule.id) })),
      }
      // Loaded here only: the yaml package costs start-up time that filtering does not need.
      const { stringify } = createRequire(import.meta.url)('yaml') as { stringify: typeof stringifyYamlValue }
      process.stdout.write(stringify(printable, { lineWidth: 0 }))
      return
    }
  } catch (error) {
    exitOnConfigurationError(error)
    return
  }
  runFilter(filter, flags.graceMs)
}

const argv = process.argv.slice(2)
// Sidecar modules (file watching, metrics) are loaded only in sidecar mode.
if (isSidecarInvocation(argv)) void import('./sidecar/run.js').then(({ runSidecar }) => runSidecar(argv))
else main(argv)
