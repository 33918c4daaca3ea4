/**
 * Messages of the sidecar shell on stderr: starts, stops, rotations and every error it handles.
 * They name files (configuration) and byte counts, never log content.
 */
import { PROGRAM_NAME, formatMessage } from '../errors.js'

const PREFIX = `${PROGRAM_NAME}: sidecar:`

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (typeof code === 'string') return code
  return error instanceof Error ? error.name : 'unknown error'
}

export const sidecarMessages = {
  started: (files: number, patterns: readonly string[], follow: boolean, stateFile: string | undefined) =>
    `${PREFIX} reading ${files} file${files === 1 ? '' : 's'} matching ${patterns.join(', ')}${follow ? ' and following them' : ''}; ` +
    (stateFile === undefined ? 'no --state-file, so a restart reads every file from the start' : `offsets in ${stateFile}`),
  metricsListening: (url: string) => `${PREFIX} metrics on ${url}/metrics, health on ${url}/healthz and ${url}/readyz`,
  stopped: (reason: string, saved: boolean) => `${PREFIX} stopped (${reason})${saved ? '; offsets saved' : ''}`,
  renamedTo: (from: string, to: string) => `${PREFIX} ${from} was renamed to ${to} (rotation); still reading it`,
  renamed: (path: string) => `${PREFIX} ${path} was renamed or deleted (rotation); reading the old file to its end`,
  finished: (path: string) => `${PREFIX} finished the rotated file that was ${path}`,
  truncated: (path: string) => `${PREFIX} ${path} was truncated (copytruncate rotation); reading it again from the start`,
  truncatedWhileStopped: (path: string) => `${PREFIX} ${path} was truncated or replaced while the sidecar was stopped; reading it from the start`,
  copyOfTruncated: (path: string, offset: number) => `${PREFIX} ${path} is a copy of a truncated file; reading it from byte ${offset}, where reading the original stopped`,
  moved: (path: string, offset: number) => `${PREFIX} ${path} is a file moved while the sidecar was stopped; reading on from byte ${offset}`,
  truncationLoss: (path: string, bytes: number) =>
    formatMessage(path, `${bytes} bytes were truncated before the sidecar read them, and no copy of them matches --input`, 'let --input match the rotated copies (for example app.log*) or rotate by renaming instead of copytruncate'),
  missingAtStart: (path: string, offset: number) => `${PREFIX} ${path} from the state file was not found (read up to byte ${offset}); it was rotated away or deleted while the sidecar was stopped`,
  readFailed: (path: string, error: unknown) => formatMessage(path, `read failed (${errorCode(error)})`, 'the sidecar retries at the next poll; check permissions and the volume'),
  watchFailed: (error: unknown) => formatMessage('--input', `watching failed (${errorCode(error)})`, 'the sidecar keeps polling; if files are missed, try --watch-polling'),
  stateWriteFailed: (path: string, error: unknown) => formatMessage(`--state-file ${path}`, `write failed (${errorCode(error)})`, 'offsets are kept in memory and written again at the next checkpoint; check the volume'),
  outputFailed: (where: string, error: unknown) => formatMessage(where, `write failed (${errorCode(error)})`, 'stopping; offsets are saved only for lines that were written, so a restart goes on from there'),
  graceExceeded: (graceMs: number) => formatMessage('shutdown', `did not finish within ${graceMs} ms`, 'the state file keeps the last saved offsets, so lines after them are read again at the next start; raise --grace-ms'),
}
