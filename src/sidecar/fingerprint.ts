/**
 * File identity: device and inode number, plus a SHA-256 fingerprint of the file's first bytes.
 *
 * The inode says which file a path points to now; the fingerprint says whether its content is
 * still the content the offset was recorded for. Together they tell apart a file that grew, a
 * file that was truncated and written again (copytruncate), a reused inode number, and a copy
 * of a file under another name.
 */
import { createHash } from 'node:crypto'
import type { BigIntStats } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'

/** Bytes hashed at most; the fingerprint grows with the file up to this size. */
export const FINGERPRINT_MAX_BYTES = 1024

/**
 * Shortest fingerprint that may identify a file by content alone (a copy or a moved file).
 * Shorter prefixes, such as one short line, repeat too often across files.
 */
export const FINGERPRINT_MIN_MATCH_BYTES = 64

export interface Fingerprint {
  /** Number of leading bytes hashed. */
  readonly bytes: number
  /** Hex SHA-256 of those bytes. */
  readonly sha256: string
}

/** `dev:ino` as decimal strings (BigInt stats, because inode numbers can exceed 2^53). */
export type FileIdentity = string

export function identityOf(stats: BigIntStats): FileIdentity {
  return `${stats.dev}:${stats.ino}`
}

export function fingerprintOf(prefix: Buffer): Fingerprint {
  const bytes = Math.min(prefix.length, FINGERPRINT_MAX_BYTES)
  return { bytes, sha256: createHash('sha256').update(prefix.subarray(0, bytes)).digest('hex') }
}

/** True when `prefix` starts with the bytes the fingerprint was taken from. */
export function prefixMatches(prefix: Buffer, fingerprint: Fingerprint): boolean {
  if (prefix.length < fingerprint.bytes) return false
  return createHash('sha256').update(prefix.subarray(0, fingerprint.bytes)).digest('hex') === fingerprint.sha256
}

/** True when the fingerprint is long enough to identify a file by content alone. */
export function identifiesContent(fingerprint: Fingerprint): boolean {
  return fingerprint.bytes >= FINGERPRINT_MIN_MATCH_BYTES
}

/** Reads up to FINGERPRINT_MAX_BYTES from the start of an open file. */
export async function readPrefix(handle: FileHandle): Promise<Buffer> {
  const buffer = Buffer.alloc(FINGERPRINT_MAX_BYTES)
  let filled = 0
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled)
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return buffer.subarray(0, filled)
}
