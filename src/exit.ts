/**
 * Exit codes of the filter and sidecar mode, and how their shells end on a configuration error.
 * (The support tools use 1 for "found something" and 3 for a runtime failure; see src/tools.)
 */
import { LogfilterError } from './errors.js'

export const EXIT_OK = 0
export const EXIT_RUNTIME = 1
export const EXIT_CONFIG = 2

/** Writes a configuration error's message to stderr and sets exit code 2; rethrows anything else. */
export function exitOnConfigurationError(error: unknown): void {
  if (!(error instanceof LogfilterError)) throw error
  process.stderr.write(error.message + '\n')
  process.exitCode = EXIT_CONFIG
}
