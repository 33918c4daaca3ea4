/**
 * The state file: where each followed file was read up to, so that a restarted sidecar neither
 * skips nor repeats a line.
 *
 * An offset is recorded only once every line before it has been written to the output, so a
 * crash can repeat the lines of the last checkpoint interval but never skip one. The file is
 * replaced atomically: the new content goes to a temporary file in the same directory, which is
 * fsynced and renamed over the old one, and then the directory is fsynced so that the rename
 * itself survives a power loss.
 */
import { readFileSync, statSync } from 'node:fs'
import { open, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { z } from 'zod'
import { LogfilterError } from '../errors.js'
import { FINGERPRINT_MAX_BYTES } from './fingerprint.js'

const STATE_VERSION = 1

const fingerprintSchema = z
  .object({
    bytes: z.number().int().min(0).max(FINGERPRINT_MAX_BYTES),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict()

const fileCheckpointSchema = z
  .object({
    path: z.string().min(1),
    identity: z.string().regex(/^[0-9]+:[0-9]+$/),
    fingerprint: fingerprintSchema,
    offset: z.number().int().min(0),
  })
  .strict()

const truncationSchema = z
  .object({
    path: z.string().min(1),
    fingerprint: fingerprintSchema,
    offset: z.number().int().min(0),
    at: z.number().int().min(0),
  })
  .strict()

export const stateSchema = z
  .object({
    version: z.literal(STATE_VERSION),
    files: z.array(fileCheckpointSchema),
    truncated: z.array(truncationSchema),
  })
  .strict()

/** Where one file was read up to: the byte after the last line written to the output. */
export type FileCheckpoint = z.infer<typeof fileCheckpointSchema>

/**
 * A file that was truncated (copytruncate) before all of it was read: its old fingerprint and
 * the offset reached. A copy of the old content that matches an input pattern is read from
 * that offset on.
 */
export type TruncationCheckpoint = z.infer<typeof truncationSchema>

export type SidecarState = z.infer<typeof stateSchema>

export function emptyState(): SidecarState {
  return { version: STATE_VERSION, files: [], truncated: [] }
}

/** Loads the state file; a missing file is an empty state. Throws LogfilterError when the file is unusable. */
export function loadState(path: string): SidecarState {
  const where = `--state-file ${path}`
  checkDirectory(path, where)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return emptyState()
    throw new LogfilterError('INVALID_STATE_FILE', where, `cannot be read (${code ?? 'unknown error'})`, 'give the sidecar read and write access to the file and its directory')
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new LogfilterError('INVALID_STATE_FILE', where, 'is not valid JSON', resetAdvice())
  }
  const result = stateSchema.safeParse(data)
  if (!result.success) {
    const issue = result.error.issues[0]
    const at = issue === undefined ? '' : ` at ${issue.path.map(String).join('.') || 'the top level'}`
    throw new LogfilterError('INVALID_STATE_FILE', where, `is not a version ${STATE_VERSION} sidecar state file (${issue?.message ?? 'invalid'}${at})`, resetAdvice())
  }
  return result.data
}

function resetAdvice(): string {
  return 'delete it to read every file from the start again (lines already written will repeat), or point --state-file elsewhere'
}

function checkDirectory(path: string, where: string): void {
  const directory = dirname(path)
  let isDirectory = false
  try {
    isDirectory = statSync(directory).isDirectory()
  } catch {
    isDirectory = false
  }
  if (!isDirectory) {
    throw new LogfilterError('INVALID_STATE_FILE', where, `the directory ${directory} does not exist`, 'create it, or mount a volume that survives restarts of the sidecar there')
  }
}

/** Writes the state atomically (temporary file, fsync, rename, fsync of the directory). */
export async function saveState(path: string, state: SidecarState): Promise<void> {
  const temporary = `${path}.tmp`
  const handle = await open(temporary, 'w', 0o600)
  try {
    await handle.writeFile(JSON.stringify(state) + '\n', 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await rename(temporary, path)
  } catch (error) {
    await unlink(temporary).catch(() => undefined)
    throw error
  }
  await syncDirectory(dirname(path))
}

async function syncDirectory(directory: string): Promise<void> {
  let handle
  try {
    handle = await open(directory, 'r')
    await handle.sync()
  } catch (error) {
    // Some file systems cannot fsync a directory (EINVAL, EISDIR, EPERM); the rename is still atomic there.
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw error
  } finally {
    await handle?.close()
  }
}
