/**
 * Exit codes and stderr messages shared by the subcommands. Messages name files, options and
 * counts; they never contain a value read from a log or a usage record.
 */
import { readFileSync } from 'node:fs'
import { PROGRAM_NAME, formatMessage } from '../errors.js'
import { packageRoot } from '../rules/load.js'
import { InputReadError } from './log-input.js'

export const EXIT_OK = 0
/** scan: findings; reconcile: mismatches; support-packet: no matching record. */
export const EXIT_FOUND = 1
export const EXIT_CONFIG = 2
/** A read, write or network failure after start-up. */
export const EXIT_RUNTIME = 3

/** A failure after start-up that the subcommand reports itself; its message contains no log data. */
export class ToolFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ToolFailure'
  }
}

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }
  return manifest.version
}

/** Writes the message of a runtime failure to stderr and returns EXIT_RUNTIME. */
export function runtimeFailure(command: string, error: unknown): number {
  let message: string
  if (error instanceof InputReadError) message = formatMessage(`${command}: ${error.source}`, `read failed (${error.code})`, 'check the file and run the command again')
  else if (error instanceof ToolFailure) message = error.message
  else {
    // An unexpected error's message may quote the data it failed on, so only its class is shown.
    const name = error instanceof Error ? error.name : typeof error
    message = formatMessage(command, `internal error (${name})`, 'this is a bug; please report it with the command line you ran')
  }
  process.stderr.write(`${message}\n`)
  return EXIT_RUNTIME
}

/** Tells on stderr that the final leak check redacted secrets from a report, which means a rule gap. */
export function reportLeakCheckHits(command: string, hits: Readonly<Record<string, number>>): void {
  const entries = Object.entries(hits)
  if (entries.length === 0) return
  const shapes = entries.map(([shape, count]) => `${shape} ${count}`).join(', ')
  process.stderr.write(`${PROGRAM_NAME}: ${command}: the leak check redacted secrets from the output that no rule caught (${shapes}); the output is safe, but please report the rule gap\n`)
}
