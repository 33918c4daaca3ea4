/**
 * Start planning for the files the sidecar finds: pure decisions over identities, fingerprints
 * and checkpoints, kept apart from the I/O so that every rotation case is a table test.
 *
 * A found file is matched, in this order, against
 *   1. the checkpoint with the same device and inode: the same file if its first bytes are
 *      unchanged and it is not shorter than the offset, else a file truncated and written
 *      again (copytruncate), read from the start;
 *   2. a truncation record that starts with the same bytes: a copy of a truncated file, read
 *      from where reading the original stopped;
 *   3. a checkpoint of a file no longer found that starts with the same bytes: the file was
 *      moved, so reading goes on at its offset;
 *   4. a followed file that starts with the same bytes: a copy of a file that is still being
 *      read, whose lines come from the original and are not read twice;
 *   5. nothing: a new file, read from the start.
 * Steps 2 to 4 compare at least FINGERPRINT_MIN_MATCH_BYTES bytes.
 */
import { FINGERPRINT_MIN_MATCH_BYTES, identifiesContent, prefixMatches, type FileIdentity, type Fingerprint } from './fingerprint.js'
import type { FileCheckpoint } from './state-file.js'

/** A file found at a path that matches an input pattern (or found again after a rename). */
export interface FoundFile {
  readonly identity: FileIdentity
  readonly size: number
  /** The file's first bytes (up to FINGERPRINT_MAX_BYTES). */
  readonly prefix: Buffer
}

/**
 * The known start of a file: its first bytes while the sidecar has it open, or only their hash
 * when it comes from the state file.
 */
export interface KnownStart {
  readonly fingerprint: Fingerprint
  readonly prefix?: Buffer
}

/** A truncated file whose old content may turn up as a copy. */
export interface TruncationLike extends KnownStart {
  readonly path: string
  /** Offset after the last line read from the old content. */
  readonly offset: number
}

/** A file the sidecar follows. */
export interface FollowedStart extends KnownStart {
  readonly identity: FileIdentity
}

export type StartReason = 'resumed' | 'moved' | 'truncated' | 'copy-of-truncated' | 'copy-of-followed' | 'new'

export interface StartPlan {
  readonly reason: StartReason
  /** First byte to read. For a copy the file may still be shorter than this while it is written. */
  readonly offset: number
  /** For 'copy-of-followed': the original. Reading starts only if the original is truncated soon. */
  readonly copyOf?: FileIdentity
  /** For 'truncated' and 'copy-of-truncated': the record involved. */
  readonly truncation?: TruncationLike
}

export interface StartupPlan<T extends TruncationLike> {
  readonly plans: ReadonlyMap<FileIdentity, StartPlan>
  /** Truncation records that no copy has claimed yet. */
  readonly truncations: (T | TruncationLike)[]
  /** Checkpoints whose file was not found: lines they had not reached are out of reach. */
  readonly missing: FileCheckpoint[]
}

/** True when `prefix` and the known start are the same bytes over at least FINGERPRINT_MIN_MATCH_BYTES. */
export function startsAlike(prefix: Buffer, known: KnownStart): boolean {
  if (known.prefix !== undefined) {
    const length = Math.min(prefix.length, known.prefix.length)
    return length >= FINGERPRINT_MIN_MATCH_BYTES && prefix.compare(known.prefix, 0, length, 0, length) === 0
  }
  return identifiesContent(known.fingerprint) && prefixMatches(prefix, known.fingerprint)
}

/** Plans every file found at start-up against the state file's checkpoints and truncation records. */
export function planStartup<T extends TruncationLike>(found: readonly FoundFile[], checkpoints: readonly FileCheckpoint[], truncations: readonly T[]): StartupPlan<T> {
  const plans = new Map<FileIdentity, StartPlan>()
  const records: (T | TruncationLike)[] = [...truncations]
  const byIdentity = new Map(checkpoints.map((checkpoint) => [checkpoint.identity, checkpoint]))
  const followed: FollowedStart[] = []

  // Step 1 runs for every file first, because it creates the truncation records that step 2 needs.
  for (const file of found) {
    const checkpoint = byIdentity.get(file.identity)
    if (checkpoint === undefined) continue
    byIdentity.delete(file.identity)
    if (prefixMatches(file.prefix, checkpoint.fingerprint) && file.size >= checkpoint.offset) {
      plans.set(file.identity, { reason: 'resumed', offset: checkpoint.offset })
      followed.push({ identity: file.identity, fingerprint: checkpoint.fingerprint, prefix: file.prefix })
      continue
    }
    const truncation: TruncationLike = { path: checkpoint.path, fingerprint: checkpoint.fingerprint, offset: checkpoint.offset }
    plans.set(file.identity, { reason: 'truncated', offset: 0, truncation })
    if (checkpoint.offset > 0) records.push(truncation)
  }

  const missing = [...byIdentity.values()]
  for (const file of found) {
    if (plans.has(file.identity)) continue
    const movedIndex = findTruncation(file, records) === undefined ? missing.findIndex((checkpoint) => startsAlike(file.prefix, checkpoint)) : -1
    if (movedIndex !== -1) {
      const checkpoint = missing.splice(movedIndex, 1)[0] as FileCheckpoint
      plans.set(file.identity, { reason: 'moved', offset: checkpoint.offset })
      continue
    }
    plans.set(file.identity, planFound(file, records, followed))
  }
  return { plans, truncations: records, missing }
}

/**
 * Plans a file found while following (steps 2, 4 and 5). Removes the truncation record it
 * claims from `truncations`.
 */
export function planFound<T extends TruncationLike>(file: FoundFile, truncations: T[], followed: readonly FollowedStart[]): StartPlan {
  const truncation = findTruncation(file, truncations)
  if (truncation !== undefined) {
    truncations.splice(truncations.indexOf(truncation), 1)
    return { reason: 'copy-of-truncated', offset: truncation.offset, truncation }
  }
  const original = followed.find((other) => other.identity !== file.identity && startsAlike(file.prefix, other))
  if (original !== undefined) return { reason: 'copy-of-followed', offset: file.size, copyOf: original.identity }
  return { reason: 'new', offset: 0 }
}

function findTruncation<T extends TruncationLike>(file: FoundFile, truncations: readonly T[]): T | undefined {
  return truncations.find((record) => startsAlike(file.prefix, record))
}
