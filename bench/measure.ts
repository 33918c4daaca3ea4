/**
 * Runs one row as a whole process: `cat corpus | command > output`, timed from the command's
 * spawn to its exit, with the command's peak resident set size.
 *
 * Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the kernel's ru_maxrss of the child) when
 * it is installed. Otherwise a Node command gets a preloaded module that writes
 * process.resourceUsage().maxRSS at exit (the same kernel figure), and other commands get none.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** A command to run: a Node script (run with this Node binary) or an executable. */
export type Command =
  | { readonly kind: 'node'; readonly script: string; readonly args: readonly string[]; readonly nodeFlags?: readonly string[] }
  | { readonly kind: 'exec'; readonly file: string; readonly args: readonly string[] }

export interface ProcessRun {
  readonly wallSeconds: number
  /** User plus system CPU seconds, when GNU time measured them. */
  readonly cpuSeconds: number | undefined
  readonly peakRssBytes: number | undefined
  readonly exitCode: number | null
  readonly signal: NodeJS.Signals | null
  /** Exit code of `cat`: not 0 when the command stopped reading its input early. */
  readonly feederExitCode: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunTarget {
  /** Files piped, one after the other, to the command's stdin; none gives it an empty stdin. */
  readonly stdinFiles?: readonly string[]
  /** File that receives stdout; none captures stdout in the result (for small outputs). */
  readonly stdoutFile?: string
  readonly env?: NodeJS.ProcessEnv
}

export type RssMethod = 'gnu-time' | 'node-preload' | 'none'

const GNU_TIME = '/usr/bin/time'
const RSS_PROBE = fileURLToPath(new URL('./processes/rss-probe.js', import.meta.url))

let rssMethodCache: RssMethod | undefined

/** GNU time when `/usr/bin/time -f %M -o FILE true` works, else the Node preload. */
export function rssMethod(): RssMethod {
  if (rssMethodCache !== undefined) return rssMethodCache
  const probe = existsSync(GNU_TIME) ? spawnSync(GNU_TIME, ['-f', '%M', '-o', '/dev/null', 'true']) : undefined
  rssMethodCache = probe !== undefined && probe.status === 0 ? 'gnu-time' : 'node-preload'
  return rssMethodCache
}

function commandLine(command: Command, probeFile: string | undefined): { file: string; args: string[] } {
  if (command.kind === 'exec') return { file: command.file, args: [...command.args] }
  const preload = probeFile === undefined ? [] : ['--import', pathToFileURL(RSS_PROBE).href]
  return { file: process.execPath, args: [...(command.nodeFlags ?? []), ...preload, command.script, ...command.args] }
}

async function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  if (stream === null) return ''
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

async function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode }
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
  return { code, signal }
}

/** Runs `command` once with `target`'s stdin and stdout, in `scratchDir`. */
export async function runProcess(command: Command, target: RunTarget, scratchDir: string): Promise<ProcessRun> {
  const method = rssMethod()
  const timeFile = join(scratchDir, `time-${process.pid}-${Date.now()}.txt`)
  const probeFile = method === 'node-preload' && command.kind === 'node' ? join(scratchDir, `rss-${process.pid}-${Date.now()}.txt`) : undefined
  const inner = commandLine(command, probeFile)
  const file = method === 'gnu-time' ? GNU_TIME : inner.file
  const args = method === 'gnu-time' ? ['-f', '%e %U %S %M', '-o', timeFile, inner.file, ...inner.args] : inner.args
  const env = { ...process.env, ...target.env, ...(probeFile === undefined ? {} : { BENCH_RSS_FILE: probeFile }) }

  const feeder = target.stdinFiles === undefined ? undefined : spawn('cat', [...target.stdinFiles], { stdio: ['ignore', 'pipe', 'inherit'] })
  const stdoutFd = target.stdoutFile === undefined ? undefined : openSync(target.stdoutFile, 'w')
  const started = performance.now()
  const child = spawn(file, args, {
    env,
    stdio: [feeder?.stdout ?? 'ignore', stdoutFd ?? 'pipe', 'pipe'],
  })
  // The child has its own copies of the pipe and the output file now.
  feeder?.stdout?.destroy()
  if (stdoutFd !== undefined) closeSync(stdoutFd)
  const stdoutText = collect(child.stdout)
  const stderrText = collect(child.stderr)
  const [exit, feederExit] = await Promise.all([exitOf(child), feeder === undefined ? Promise.resolve({ code: 0, signal: null }) : exitOf(feeder)])
  const wallSeconds = (performance.now() - started) / 1000
  const [stdout, stderr] = await Promise.all([stdoutText, stderrText])

  let cpuSeconds: number | undefined
  let peakRssBytes: number | undefined
  if (method === 'gnu-time' && existsSync(timeFile)) {
    // GNU time writes "Command exited with non-zero status N" before the figures on failure.
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n')
    const figures = (lines[lines.length - 1] ?? '').split(' ').map(Number)
    if (figures.length === 4 && figures.every(Number.isFinite)) {
      cpuSeconds = (figures[1] as number) + (figures[2] as number)
      peakRssBytes = (figures[3] as number) * 1024
    }
    rmSync(timeFile, { force: true })
  }
  if (probeFile !== undefined && existsSync(probeFile)) {
    peakRssBytes = Number(readFileSync(probeFile, 'utf8')) * 1024
    rmSync(probeFile, { force: true })
  }
  return {
    wallSeconds,
    cpuSeconds,
    peakRssBytes,
    exitCode: exit.code,
    signal: exit.signal,
    feederExitCode: feederExit.code,
    stdout,
    stderr,
  }
}

/** Describes why a run failed, or returns undefined when the command and its feeder exited 0. */
export function runFailure(run: ProcessRun): string | undefined {
  if (run.signal !== null) return `killed by ${run.signal}`
  if (run.exitCode !== 0) return `exited with code ${run.exitCode}: ${lastLines(run.stderr)}`
  if (run.feederExitCode !== 0) return 'stopped reading its input before the end (cat could not write all of it)'
  return undefined
}

/** Returns the last lines of a process's stderr, for a failure message. */
export function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join(' | ')
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}
