/**
 * Input patterns: which paths the sidecar reads, and the chokidar watchers that report them.
 *
 * chokidar 4 dropped glob support, so each pattern is split (picomatch.scan) into a base
 * directory that chokidar watches, down to the depth the glob can reach, and a picomatch
 * matcher that decides which files count. A literal path watches its parent directory, so
 * that a file renamed away and created again is seen like any other new file.
 */
import { statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import picomatch from 'picomatch'
import { LogfilterError } from '../errors.js'

export interface InputPattern {
  /** The pattern as given on the command line. */
  readonly text: string
  /** Directory that is watched. */
  readonly base: string
  /** Directory levels below `base` that the pattern can reach; undefined for `**`. */
  readonly depth: number | undefined
  readonly matches: (path: string) => boolean
}

export function compileInputPattern(text: string, cwd: string = process.cwd()): InputPattern {
  const absolute = resolve(cwd, text)
  const scan = picomatch.scan(absolute)
  if (!scan.isGlob) {
    return { text, base: dirname(absolute), depth: 0, matches: (path) => path === absolute }
  }
  const depth = scan.isGlobstar || scan.glob.includes('**') ? undefined : scan.glob.split('/').length - 1
  const matcher = picomatch(absolute)
  return { text, base: scan.base, depth, matches: (path) => matcher(path) }
}

/** Compiles the patterns and checks at start-up that each base directory exists. */
export function compileInputPatterns(texts: readonly string[]): InputPattern[] {
  return texts.map((text) => {
    const pattern = compileInputPattern(text)
    let isDirectory = false
    try {
      isDirectory = statSync(pattern.base).isDirectory()
    } catch {
      isDirectory = false
    }
    if (!isDirectory) {
      throw new LogfilterError(
        'INVALID_OPTION',
        `command line: --input ${text}`,
        `the directory ${pattern.base} does not exist`,
        'create it or mount the shared log volume there before the sidecar starts',
      )
    }
    return pattern
  })
}

/** Rejects an output or state file that an input pattern would read back (a feedback loop). */
export function checkNotAnInput(patterns: readonly InputPattern[], path: string | undefined, flag: string): void {
  if (path === undefined) return
  const absolute = resolve(path)
  const pattern = patterns.find((candidate) => candidate.matches(absolute))
  if (pattern !== undefined) {
    throw new LogfilterError('INVALID_OPTION', `command line: ${flag} ${path}`, `matches --input ${pattern.text}, so the sidecar would read its own file`, `put it outside ${pattern.base} or narrow the pattern`)
  }
}

export interface WatchHandlers {
  /** A matching file appeared (also once per existing file during the initial scan). */
  readonly add: (path: string) => void
  readonly change: (path: string) => void
  readonly unlink: (path: string) => void
  readonly error: (error: unknown) => void
}

export interface WatchOptions {
  /** Keep watching after the initial scan (follow mode). */
  readonly persistent: boolean
  /** Poll with stat instead of inotify/FSEvents, for file systems that send no events. */
  readonly usePolling: boolean
  readonly pollMs: number
}

/** Starts one watcher per pattern; resolves once every initial scan is complete. */
export async function watchPatterns(patterns: readonly InputPattern[], options: WatchOptions, handlers: WatchHandlers): Promise<FSWatcher[]> {
  const matchesAny = (path: string): boolean => patterns.some((pattern) => pattern.matches(path))
  const watchers = patterns.map((pattern) => {
    const watcher = watch(pattern.base, {
      persistent: options.persistent,
      ignoreInitial: false,
      // Rotation must show as unlink + add, not as one change event.
      atomic: false,
      usePolling: options.usePolling,
      interval: options.pollMs,
      depth: pattern.depth,
      ignored: (path, stats) => stats?.isFile() === true && !pattern.matches(path),
    })
    watcher.on('add', (path) => {
      if (matchesAny(path)) handlers.add(path)
    })
    watcher.on('change', (path) => {
      if (matchesAny(path)) handlers.change(path)
    })
    watcher.on('unlink', (path) => {
      if (matchesAny(path)) handlers.unlink(path)
    })
    watcher.on('error', handlers.error)
    return watcher
  })
  await Promise.all(watchers.map((watcher) => new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()))))
  return watchers
}
