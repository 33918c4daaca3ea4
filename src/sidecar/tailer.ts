/**
 * The file tailer: follows every file that matches the input patterns like `tail -F`, and keeps
 * the read offset of each one.
 *
 * chokidar reports new, changed and removed paths; a poll every --poll-ms stats each matched
 * path and each open file, because rotation is a fact about inodes and sizes that events do not
 * carry reliably (Fluent Bit and Vector stat their files too). On each poll:
 *   - a followed file whose inode is no longer at a matched path was renamed away or deleted:
 *     it is read to its end through the open handle and closed after --rotate-wait-ms of quiet;
 *   - a file that became shorter than the read offset, or whose first bytes changed, was
 *     truncated (copytruncate): it is read again from the start, and a truncation record keeps
 *     the old fingerprint and offset so that a copy of the old content can be read from there;
 *   - a new inode at a matched path is planned by resume.ts (new file, copy, or moved file).
 * Lines go to the LineSink in file order; offsets are committed only after the sink has written
 * the lines before them.
 */
import type { FSWatcher } from 'chokidar'
import { open, readdir, stat, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { LineFlags } from '../pipeline.js'
import { FINGERPRINT_MIN_MATCH_BYTES, fingerprintOf, identityOf, readPrefix, type FileIdentity } from './fingerprint.js'
import { FollowedFile, type CommitCursor } from './followed-file.js'
import { watchPatterns, type InputPattern } from './input-patterns.js'
import { sidecarMessages } from './messages.js'
import { planFound, planStartup, startsAlike, type FollowedStart, type FoundFile, type StartPlan, type TruncationLike } from './resume.js'
import type { FileCheckpoint, SidecarState } from './state-file.js'

const READ_CHUNK_BYTES = 64 * 1024

/** Destination of the lines the tailer reads. */
export interface LineSink {
  /** Filters and queues one line; synchronous. */
  line(text: string, flags: LineFlags | undefined): void
  /** Calls `callback` once every line queued so far has been written to the output. */
  afterWritten(callback: () => void): void
  /** True while the output cannot take more; reading pauses. */
  readonly saturated: boolean
  whenDrained(callback: () => void): void
}

export interface TailerOptions {
  readonly patterns: readonly InputPattern[]
  readonly follow: boolean
  readonly pollMs: number
  readonly rotateWaitMs: number
  readonly maxLineBytes: number
  readonly watchPolling: boolean
  readonly log: (message: string) => void
}

export interface TailerStats {
  bytesIn: number
  rotations: { rename: number; truncate: number; copy: number }
  /** Bytes that existed in a file but were gone (truncated) before they could be read. */
  skippedBytes: number
  errors: { read: number; watch: number }
}

interface OpenedFile extends FoundFile {
  readonly handle: FileHandle
  readonly path: string
}

interface TruncationRecord extends TruncationLike {
  readonly path: string
  readonly at: number
  /** Commit cursor of the old content; absent for records loaded from the state file. */
  readonly cursor?: CommitCursor
  /** Bytes of the old content that were not read; they count as skipped unless a copy claims the record. */
  readonly unread: number
}

export class FileTailer {
  readonly stats: TailerStats = { bytesIn: 0, rotations: { rename: 0, truncate: 0, copy: 0 }, skippedBytes: 0, errors: { read: 0, watch: 0 } }
  private readonly options: TailerOptions
  private readonly sink: LineSink
  private readonly files = new Map<FileIdentity, FollowedFile>()
  private readonly matchedPaths = new Set<string>()
  /** New files too short to distinguish from a copy still being written, with the time each was first seen. */
  private readonly deferredSince = new Map<string, number>()
  private truncations: TruncationRecord[] = []
  private watchers: FSWatcher[] = []
  private timer: NodeJS.Timeout | undefined
  private started = false
  private stopping = false
  private reconcileRunning: Promise<void> | undefined
  private reconcileRequested = false
  private readonly readQueued = new Set<FollowedFile>()
  private resolveStopRequested: () => void = () => undefined
  private readonly stopRequested = new Promise<void>((resolve) => {
    this.resolveStopRequested = resolve
  })

  constructor(options: TailerOptions, sink: LineSink) {
    this.options = options
    this.sink = sink
  }

  get fileCount(): number {
    return this.files.size
  }

  /** Bytes that the followed files hold beyond the read offsets (as of the last poll). */
  get unreadBytes(): number {
    let total = 0
    for (const file of this.files.values()) total += file.unreadBytes
    return total
  }

  /** Scans the patterns, matches the files against the state, and starts reading. */
  async start(state: SidecarState): Promise<void> {
    const now = Date.now()
    this.watchers = await watchPatterns(
      this.options.patterns,
      { persistent: this.options.follow, usePolling: this.options.watchPolling, pollMs: this.options.pollMs },
      {
        add: (path) => {
          this.matchedPaths.add(path)
          this.requestReconcile()
        },
        change: (path) => this.onChange(path),
        unlink: (path) => {
          this.matchedPaths.delete(path)
          this.requestReconcile()
        },
        error: (error) => {
          this.stats.errors.watch++
          this.options.log(sidecarMessages.watchFailed(error))
        },
      },
    )

    const opened = await this.openStartupFiles(state.files)
    const records = state.truncated.map((record): TruncationRecord => ({ ...record, at: now, unread: 0 }))
    const plan = planStartup(opened, state.files, records)
    for (const file of opened) this.track(file, plan.plans.get(file.identity) ?? { reason: 'new', offset: 0 }, now)
    // Records the planner added (files truncated while the sidecar was stopped) get a time now.
    this.truncations = plan.truncations.map((record): TruncationRecord => ({ at: now, unread: 0, ...record }))
    for (const checkpoint of plan.missing) this.options.log(sidecarMessages.missingAtStart(checkpoint.path, checkpoint.offset))

    this.started = true
    if (this.options.follow) {
      this.timer = setInterval(() => this.requestReconcile(), this.options.pollMs)
      for (const file of this.files.values()) this.scheduleRead(file)
    } else {
      await Promise.all(this.watchers.map((watcher) => watcher.close()))
      this.watchers = []
    }
  }

  /** Without --follow: reads every file to its current end and hands on its last line, even without a newline. */
  async readToEnd(): Promise<void> {
    const files = [...this.files.values()]
    for (const file of files) {
      if (file.status !== 'copy') continue
      const start = file.copyStartOffset !== undefined && file.size >= file.copyStartOffset ? file.copyStartOffset : file.size
      this.endCopyHold(file, start)
    }
    await Promise.all(
      files.map((file) =>
        file.enqueue(async () => {
          await this.readAvailable(file)
          this.handOnLastLine(file)
        }),
      ),
    )
  }

  /** Stops reading: the chunk being read is finished, nothing new is started. */
  async stop(): Promise<void> {
    this.stopping = true
    this.resolveStopRequested()
    if (this.timer !== undefined) clearInterval(this.timer)
    await Promise.all(this.watchers.map((watcher) => watcher.close()))
    this.watchers = []
    await this.reconcileRunning
    await Promise.all([...this.files.values()].map((file) => file.settled()))
  }

  /** Closes every file handle (after stop and the last checkpoint). */
  async close(): Promise<void> {
    await Promise.all([...this.files.values()].map((file) => file.handle.close().catch(() => undefined)))
    this.files.clear()
  }

  /** Returns the offsets the output has confirmed, and the open truncation records, for the state file. */
  snapshot(): SidecarState {
    const files: FileCheckpoint[] = []
    for (const file of this.files.values()) {
      if (!file.recordable) continue
      files.push({ path: file.path, identity: file.identity, fingerprint: file.fingerprint, offset: file.cursor.committed })
    }
    const truncated = this.truncations.map((record) => ({ path: record.path, fingerprint: record.fingerprint, offset: record.cursor?.committed ?? record.offset, at: record.at }))
    return { version: 1, files, truncated }
  }

  private async openStartupFiles(checkpoints: readonly FileCheckpoint[]): Promise<OpenedFile[]> {
    const opened: OpenedFile[] = []
    const seen = new Set<FileIdentity>()
    const keep = async (file: OpenedFile | undefined): Promise<void> => {
      if (file === undefined) return
      if (seen.has(file.identity)) {
        await file.handle.close()
        return
      }
      seen.add(file.identity)
      opened.push(file)
    }
    for (const path of this.matchedPaths) await keep(await this.openFound(path))
    // A file renamed while the sidecar was stopped (logrotate's app.log -> app.log.1) usually
    // stays in its directory: find it by inode so that its last lines are not lost.
    for (const checkpoint of checkpoints) {
      if (!seen.has(checkpoint.identity)) await keep(await this.findRenamed(checkpoint))
    }
    return opened
  }

  private async openFound(path: string): Promise<OpenedFile | undefined> {
    let handle
    try {
      handle = await open(path, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.readFailed(path, error)
      return undefined
    }
    try {
      const stats = await handle.stat({ bigint: true })
      if (!stats.isFile()) {
        await handle.close()
        return undefined
      }
      const prefix = await readPrefix(handle)
      return { handle, path, identity: identityOf(stats), size: Number(stats.size), prefix }
    } catch (error) {
      await handle.close().catch(() => undefined)
      this.readFailed(path, error)
      return undefined
    }
  }

  private async findRenamed(checkpoint: FileCheckpoint): Promise<OpenedFile | undefined> {
    const directory = dirname(checkpoint.path)
    let names: string[]
    try {
      names = await readdir(directory)
    } catch {
      return undefined
    }
    for (const name of names) {
      const path = join(directory, name)
      try {
        const stats = await stat(path, { bigint: true })
        if (identityOf(stats) !== checkpoint.identity) continue
      } catch {
        continue
      }
      const file = await this.openFound(path)
      if (file?.identity === checkpoint.identity) return file
      await file?.handle.close()
    }
    return undefined
  }

  private track(opened: OpenedFile, plan: StartPlan, now: number): FollowedFile {
    const file = new FollowedFile({
      identity: opened.identity,
      handle: opened.handle,
      path: opened.path,
      matched: this.matchedPaths.has(opened.path),
      size: opened.size,
      prefix: opened.prefix,
      offset: Math.min(plan.offset, opened.size),
      maxLineBytes: this.options.maxLineBytes,
      onLine: (line, flags) => this.sink.line(line, flags),
      now,
    })
    this.files.set(file.identity, file)
    const log = this.options.log
    switch (plan.reason) {
      case 'copy-of-followed':
        file.status = 'copy'
        file.copyOf = plan.copyOf
        break
      case 'copy-of-truncated':
        this.stats.rotations.copy++
        log(sidecarMessages.copyOfTruncated(file.path, plan.offset))
        if (plan.offset > opened.size) this.holdCopy(file, plan.offset)
        break
      case 'moved':
        log(sidecarMessages.moved(file.path, plan.offset))
        if (plan.offset > opened.size) this.holdCopy(file, plan.offset)
        break
      case 'truncated':
        this.stats.rotations.truncate++
        log(sidecarMessages.truncatedWhileStopped(file.path))
        break
      case 'resumed':
      case 'new':
        break
    }
    return file
  }

  /** Holds a copy that is still being written until it reaches `offset`. */
  private holdCopy(file: FollowedFile, offset: number): void {
    file.status = 'copy'
    file.copyStartOffset = offset
  }

  private endCopyHold(file: FollowedFile, offset: number): void {
    file.restartAt(offset)
    file.status = file.matched ? 'live' : 'rotated'
    file.copyOf = undefined
    file.copyStartOffset = undefined
  }

  private onChange(path: string): void {
    if (!this.started || this.stopping) return
    for (const file of this.files.values()) {
      if (file.path === path && file.matched) {
        this.scheduleRead(file)
        return
      }
    }
    this.requestReconcile()
  }

  private requestReconcile(): void {
    if (!this.started || this.stopping || !this.options.follow) return
    if (this.reconcileRunning !== undefined) {
      this.reconcileRequested = true
      return
    }
    this.reconcileRunning = (async () => {
      do {
        this.reconcileRequested = false
        await this.reconcile()
      } while (this.reconcileRequested && !this.stopping)
    })()
      .catch((error: unknown) => {
        this.stats.errors.watch++
        this.options.log(sidecarMessages.watchFailed(error))
      })
      .finally(() => {
        this.reconcileRunning = undefined
      })
  }

  private async reconcile(): Promise<void> {
    const now = Date.now()
    const atPaths = new Map<FileIdentity, string>()
    for (const path of [...this.matchedPaths]) {
      try {
        const stats = await stat(path, { bigint: true })
        const identity = identityOf(stats)
        if (stats.isFile() && !atPaths.has(identity)) atPaths.set(identity, path)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.matchedPaths.delete(path)
        else this.readFailed(path, error)
      }
    }

    const checks: Promise<void>[] = []
    for (const file of this.files.values()) {
      const path = atPaths.get(file.identity)
      atPaths.delete(file.identity)
      this.updatePath(file, path, now)
      checks.push(file.enqueue(() => this.checkFile(file, now)))
    }
    await Promise.all(checks)

    for (const path of atPaths.values()) {
      if (this.stopping) return
      await this.addFound(path, now)
    }
    for (const path of this.deferredSince.keys()) if (!this.matchedPaths.has(path)) this.deferredSince.delete(path)
    this.expireTruncations(now)
  }

  private updatePath(file: FollowedFile, path: string | undefined, now: number): void {
    if (path !== undefined) {
      if (path !== file.path && file.matched) {
        this.stats.rotations.rename++
        this.options.log(sidecarMessages.renamedTo(file.path, path))
      }
      file.path = path
      file.matched = true
      if (file.status === 'rotated') file.status = 'live'
      return
    }
    if (!file.matched) return
    file.matched = false
    if (file.status !== 'live') return
    file.status = 'rotated'
    file.lastChangeAt = now
    this.stats.rotations.rename++
    this.options.log(sidecarMessages.renamed(file.path))
  }

  /** Stats one file and acts on what changed: truncation, a copy's hold, a rotated file's end. */
  private async checkFile(file: FollowedFile, now: number): Promise<void> {
    if (this.stopping) return
    if (file.status === 'finished') {
      if (file.cursor.committed >= file.lineOffset) await this.closeFinished(file)
      return
    }
    let size: number
    let prefix: Buffer
    try {
      size = Number((await file.handle.stat({ bigint: true })).size)
      prefix = await readPrefix(file.handle)
    } catch (error) {
      this.readFailed(file.path, error)
      return
    }
    const previousSize = file.size
    if (size !== previousSize) {
      file.size = size
      file.lastChangeAt = now
    }

    if (file.status === 'copy') {
      this.checkCopyHold(file, prefix, now)
      if (file.status === 'copy') return
    }

    if (size < file.readOffset || !startsWithKnownPrefix(prefix, file.prefix)) {
      this.onTruncated(file, previousSize, prefix, now)
    } else if (prefix.length > file.prefix.length) {
      file.prefix = prefix
      file.fingerprint = fingerprintOf(prefix)
    }

    if (file.readOffset < file.size) this.scheduleRead(file)
    else if (file.status === 'rotated' && now - file.lastChangeAt >= this.options.rotateWaitMs) this.finishRotated(file)
  }

  private checkCopyHold(file: FollowedFile, prefix: Buffer, now: number): void {
    const start = file.copyStartOffset
    if (start !== undefined && file.size >= start) {
      this.endCopyHold(file, start)
      return
    }
    const original = file.copyOf === undefined ? undefined : this.files.get(file.copyOf)
    if (start === undefined && original !== undefined && !startsAlike(prefix, original)) {
      // It no longer starts like the original: a new file after all.
      this.endCopyHold(file, 0)
      return
    }
    // The original was read to its end and closed, so every byte of the copy has been read.
    if (start === undefined && original === undefined) {
      this.endCopyHold(file, file.size)
      return
    }
    if (now - file.lastChangeAt < this.options.rotateWaitMs) return
    // Quiet for the rotate wait: every byte of the copy was read from the original.
    this.endCopyHold(file, file.size)
  }

  private onTruncated(file: FollowedFile, previousSize: number, prefix: Buffer, now: number): void {
    this.stats.rotations.truncate++
    const record: TruncationRecord = {
      path: file.path,
      fingerprint: file.fingerprint,
      prefix: file.prefix,
      offset: file.lineOffset,
      at: now,
      cursor: file.cursor,
      unread: Math.max(0, previousSize - file.lineOffset),
    }
    const copy = [...this.files.values()].find((other) => other.status === 'copy' && other.copyOf === file.identity)
    if (copy !== undefined) {
      copy.copyStartOffset = record.offset
      this.stats.rotations.copy++
      this.options.log(sidecarMessages.copyOfTruncated(copy.path, record.offset))
      this.checkCopyHold(copy, copy.prefix, now)
      if (copy.status !== 'copy') this.scheduleRead(copy)
    } else if (record.offset > 0 || record.unread > 0) {
      this.truncations.push(record)
    }
    this.options.log(sidecarMessages.truncated(file.path))
    file.restartAt(0)
    file.prefix = prefix
    file.fingerprint = fingerprintOf(prefix)
  }

  private expireTruncations(now: number): void {
    this.truncations = this.truncations.filter((record) => {
      if (now - record.at < this.options.rotateWaitMs) return true
      if (record.unread > 0) {
        this.stats.skippedBytes += record.unread
        this.options.log(sidecarMessages.truncationLoss(record.path, record.unread))
      }
      return false
    })
  }

  private async addFound(path: string, now: number): Promise<void> {
    const opened = await this.openFound(path)
    if (opened === undefined) return
    if (this.files.has(opened.identity)) {
      await opened.handle.close()
      return
    }
    if (opened.size < FINGERPRINT_MIN_MATCH_BYTES) {
      // Too short to tell a new file from a copy that is still being written: wait for more
      // bytes, or for the rotate wait to pass.
      const since = this.deferredSince.get(path) ?? now
      this.deferredSince.set(path, since)
      if (now - since < this.options.rotateWaitMs) {
        await opened.handle.close()
        return
      }
    }
    this.deferredSince.delete(path)
    const followed: FollowedStart[] = []
    for (const file of this.files.values()) {
      if (file.status === 'live' || file.status === 'rotated') followed.push({ identity: file.identity, fingerprint: file.fingerprint, prefix: file.prefix })
    }
    const file = this.track(opened, planFound(opened, this.truncations, followed), now)
    if (file.status !== 'copy') this.scheduleRead(file)
  }

  private scheduleRead(file: FollowedFile): void {
    if (this.stopping || this.readQueued.has(file)) return
    this.readQueued.add(file)
    void file.enqueue(async () => {
      this.readQueued.delete(file)
      await this.readAvailable(file)
    })
  }

  // NOTE: truncation is checked between read loops (checkFile), not before every chunk. A file
  // truncated and then written past readOffset while a loop runs is caught one poll later by
  // its changed first bytes; lines of the new content may then be read twice.
  private async readAvailable(file: FollowedFile): Promise<void> {
    while (!this.stopping && (file.status === 'live' || file.status === 'rotated')) {
      if (this.sink.saturated) {
        // Wait for the output to drain, or for stop(): a stuck output must not hold up the shutdown.
        await Promise.race([new Promise<void>((resolve) => this.sink.whenDrained(resolve)), this.stopRequested])
        continue
      }
      const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES)
      let bytesRead: number
      try {
        bytesRead = (await file.handle.read(buffer, 0, READ_CHUNK_BYTES, file.readOffset)).bytesRead
      } catch (error) {
        this.readFailed(file.path, error)
        return
      }
      if (bytesRead === 0) return
      this.consume(file, buffer.subarray(0, bytesRead))
    }
  }

  private consume(file: FollowedFile, chunk: Buffer): void {
    const start = file.readOffset
    file.readOffset += chunk.length
    if (file.readOffset > file.size) file.size = file.readOffset
    this.stats.bytesIn += chunk.length
    const lastNewline = chunk.lastIndexOf(10)
    file.framer.write(chunk)
    if (lastNewline === -1) return
    file.lineOffset = start + lastNewline + 1
    this.commitWhenWritten(file)
  }

  /** Hands on a last line that has no newline (the file will not grow any more, or the run ends). */
  private handOnLastLine(file: FollowedFile): void {
    file.framer.end()
    file.lineOffset = file.readOffset
    this.commitWhenWritten(file)
  }

  private finishRotated(file: FollowedFile): void {
    this.handOnLastLine(file)
    file.status = 'finished'
    this.options.log(sidecarMessages.finished(file.path))
  }

  private async closeFinished(file: FollowedFile): Promise<void> {
    this.files.delete(file.identity)
    await file.handle.close().catch(() => undefined)
  }

  private commitWhenWritten(file: FollowedFile): void {
    const cursor = file.cursor
    const offset = file.lineOffset
    this.sink.afterWritten(() => {
      if (offset > cursor.committed) cursor.committed = offset
    })
  }

  private readFailed(path: string, error: unknown): void {
    this.stats.errors.read++
    this.options.log(sidecarMessages.readFailed(path, error))
  }
}

/** True when `prefix` still begins with the bytes the file began with before. */
function startsWithKnownPrefix(prefix: Buffer, known: Buffer): boolean {
  return prefix.length >= known.length && prefix.compare(known, 0, known.length, 0, known.length) === 0
}
