/**
 * The one error class of the filter and every message it builds.
 *
 * Configuration problems (rule files, CLI flags, transport options) throw a LogfilterError at
 * start-up. The text has one format everywhere:
 *
 *   tokenlab-logfilter: <where>: <what is wrong>; <expected value or fix>
 *
 * `<where>` is as exact as the problem allows: a file, `rules[3] (id "my-rule")`, a key path.
 * Problems with log data are not thrown: each has a stated outcome and a counter instead (a
 * stage that throws anyway is a bug, and the pipeline writes that line through the text path).
 * No message ever contains a value taken from a log line, because that value could be a secret.
 */

export type LogfilterErrorCode =
  | 'INVALID_OPTION'
  | 'INVALID_RULES'
  | 'RULES_NOT_FOUND'
  | 'RULES_UNREADABLE'
  | 'UNSAFE_PATTERN'
  | 'INVALID_PATH'
  | 'INVALID_STATE_FILE'
  | 'OUTPUT_UNAVAILABLE'

export class LogfilterError extends Error {
  readonly code: LogfilterErrorCode
  readonly where: string

  constructor(code: LogfilterErrorCode, where: string, problem: string, fix: string) {
    super(formatMessage(where, problem, fix))
    this.name = 'LogfilterError'
    this.code = code
    this.where = where
  }
}

export const PROGRAM_NAME = 'tokenlab-logfilter'

export function formatMessage(where: string, problem: string, fix: string): string {
  return `${PROGRAM_NAME}: ${where}: ${problem}; ${fix}`
}

/** Quotes a configuration value for a message. Only configuration values go through here, never log data. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  const shown = text === undefined ? String(value) : text
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown)
}

/** Describes a position in a rule file: `rules[3] (id "x").match.paths[0]`. */
export function rulePosition(index: number, id: string | undefined, keyPath: readonly (string | number)[]): string {
  const head = id === undefined ? `rules[${index}]` : `rules[${index}] (id ${quote(id)})`
  return head + formatKeyPath(keyPath)
}

export function formatKeyPath(keyPath: readonly (string | number)[]): string {
  let text = ''
  for (const part of keyPath) {
    text += typeof part === 'number' ? `[${part}]` : `.${part}`
  }
  return text
}

/** Messages for data problems, written to stderr at a limited rate. They name the line and never its content. */
export const dataMessages = {
  unparsed: (lineNumber: number, bytes: number, reason: string) =>
    `${PROGRAM_NAME}: line ${lineNumber} (${bytes} bytes): not a JSON object (${reason}); written as a wrapped text record`,
  tooLong: (lineNumber: number, bytes: number, keptBytes: number) =>
    `${PROGRAM_NAME}: line ${lineNumber} (${bytes} bytes): longer than --max-line-bytes; cut to ${keptBytes} bytes at a character boundary and written as a wrapped text record`,
  internalError: (lineNumber: number, bytes: number, stage: string, errorName: string) =>
    `${PROGRAM_NAME}: line ${lineNumber} (${bytes} bytes): internal error in stage ${stage} (${errorName}); the line was written through the text path with every value detector applied`,
  leakCheckHit: (lineNumber: number, shape: string) =>
    `${PROGRAM_NAME}: line ${lineNumber}: the leak check found a ${shape} that no rule caught; redacted it and counted a rule gap`,
  suppressed: (kind: string) =>
    `${PROGRAM_NAME}: further ${kind} messages are suppressed; the summary at the end has the counts`,
}
