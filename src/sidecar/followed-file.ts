/**
 * One file the sidecar reads: its open handle, its own LineFramer, and three offsets.
 *
 *   readOffset       next byte to read
 *   lineOffset       byte after the last complete line handed to the pipeline
 *   cursor.committed byte after the last line the output has taken (what the state file records)
 *
 * Reading the same handle after a rename is what lets the sidecar finish a rotated file. Every
 * operation on a file runs through its queue, so a read never overlaps a truncation check.
 */
import type { FileHandle } from 'node:fs/promises'
import { LineFramer, type LineHandler } from '../framing.js'
import { fingerprintOf, type FileIdentity, type Fingerprint } from './fingerprint.js'

/**
 *   live      at a path that matches an input pattern; read as it grows
 *   rotated   renamed away or deleted; read to its end, then closed once it has been quiet
 *             for the rotate wait
 *   copy      a copy of another file (copytruncate); held back until it is known which part,
 *             if any, still has to be read from it
 *   finished  its last line has been handed on; closed once the output has taken it
 */
export type FileStatus = 'live' | 'rotated' | 'copy' | 'finished'

/** Offsets confirmed by the output for one generation of a file's content. */
export interface CommitCursor {
  committed: number
}

export class FollowedFile {
  readonly identity: FileIdentity
  readonly handle: FileHandle
  path: string
  /** At a path that matches an input pattern. */
  matched: boolean
  status: FileStatus
  size: number
  prefix: Buffer
  fingerprint: Fingerprint
  readOffset: number
  lineOffset: number
  cursor: CommitCursor
  framer: LineFramer
  /** Last time the size or the status changed (ms since the epoch). */
  lastChangeAt: number
  /** For status 'copy': the original, and where reading starts if the original is truncated. */
  copyOf: FileIdentity | undefined
  copyStartOffset: number | undefined
  private queue: Promise<void> = Promise.resolve()
  private readonly maxLineBytes: number
  private readonly onLine: LineHandler

  constructor(init: {
    identity: FileIdentity
    handle: FileHandle
    path: string
    matched: boolean
    size: number
    prefix: Buffer
    offset: number
    maxLineBytes: number
    onLine: LineHandler
    now: number
  }) {
    this.identity = init.identity
    this.handle = init.handle
    this.path = init.path
    this.matched = init.matched
    this.status = init.matched ? 'live' : 'rotated'
    this.size = init.size
    this.prefix = init.prefix
    this.fingerprint = fingerprintOf(init.prefix)
    this.readOffset = init.offset
    this.lineOffset = init.offset
    this.cursor = { committed: init.offset }
    this.maxLineBytes = init.maxLineBytes
    this.onLine = init.onLine
    this.framer = new LineFramer(init.maxLineBytes, init.onLine)
    this.lastChangeAt = init.now
    this.copyOf = undefined
    this.copyStartOffset = undefined
  }

  /** Runs `task` after every task queued before it; a failing task does not block the queue. */
  enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task)
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Waits for every queued task. */
  settled(): Promise<void> {
    return this.queue
  }

  /** Starts reading at `offset` with an empty framer and a new commit cursor (new content generation). */
  restartAt(offset: number): void {
    this.readOffset = offset
    this.lineOffset = offset
    this.cursor = { committed: offset }
    this.framer = new LineFramer(this.maxLineBytes, this.onLine)
  }

  /** Bytes known to exist that have not been read yet. */
  get unreadBytes(): number {
    return this.status === 'live' || this.status === 'rotated' ? Math.max(0, this.size - this.readOffset) : 0
  }

  /** Whether the state file should record this file (a copy on hold has no offset to record yet). */
  get recordable(): boolean {
    return this.status !== 'copy'
  }
}
