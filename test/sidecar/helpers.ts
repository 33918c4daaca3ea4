/**
 * Helpers for the sidecar tests: the built CLI and the log writer as child processes, waiting
 * for conditions, and reading Prometheus text.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Summary } from '../../src/summary.js'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const CLI = join(ROOT, 'dist', 'src', 'cli.js')
export const WRITER = join(ROOT, 'dist', 'test', 'sidecar', 'log-writer.js')

/** An invented API key that the writer puts in every line; it must never reach the output. */
export const FAKE_API_KEY = 'sk-2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf'

/** Child processes still running, so that a failed test does not leave them behind. */
const running = new Set<ChildProcessWithoutNullStreams>()

function track(child: ChildProcessWithoutNullStreams): ChildProcessWithoutNullStreams {
  running.add(child)
  child.on('close', () => running.delete(child))
  return child
}

/** Kills every child process a test started and left running (use in afterEach). */
export function killChildren(): void {
  for (const child of running) child.kill('SIGKILL')
  running.clear()
}

export function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'logfilter-sidecar-'))
}

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** A running sidecar: the built CLI as a child process, with stderr collected. */
export class SidecarProcess {
  readonly child: ChildProcessWithoutNullStreams
  readonly exited: Promise<Exit>
  private stderrText = ''
  private stdoutText = ''

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.child = track(spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] }))
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString('utf8')
    })
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.stdoutText += chunk.toString('utf8')
    })
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })))
  }

  get stderr(): string {
    return this.stderrText
  }

  get stdout(): string {
    return this.stdoutText
  }

  /** Resolves with the metrics base URL once the sidecar has printed it. */
  async metricsUrl(): Promise<string> {
    await waitFor(() => /metrics on (http:\/\/\S+)\/metrics/.test(this.stderrText), 'the metrics address on stderr', () => this.stderrText)
    return (/metrics on (http:\/\/\S+)\/metrics/.exec(this.stderrText) as RegExpExecArray)[1] as string
  }

  /** Resolves once the sidecar has started reading. */
  started(): Promise<void> {
    return waitFor(() => this.stderrText.includes('sidecar: reading '), 'the start message on stderr', () => this.stderrText)
  }

  async terminate(): Promise<Exit> {
    this.child.kill('SIGTERM')
    return this.exited
  }

  summary(): Summary & { sidecar: Record<string, unknown> } {
    const line = this.stderrText.split('\n').find((text) => text.startsWith('tokenlab-logfilter: summary: '))
    if (line === undefined) throw new Error(`no summary line in stderr:\n${this.stderrText}`)
    return JSON.parse(line.slice('tokenlab-logfilter: summary: '.length)) as Summary & { sidecar: Record<string, unknown> }
  }
}

/** The log writer (test/sidecar/log-writer.ts, built) as a child process. */
export class LogWriter {
  private readonly child: ChildProcessWithoutNullStreams
  private readonly replies: ((reply: WriterReply) => void)[] = []

  constructor(path: string) {
    this.child = track(spawn(process.execPath, [WRITER, path], { stdio: ['pipe', 'pipe', 'pipe'] }))
    createInterface({ input: this.child.stdout }).on('line', (text) => this.replies.shift()?.(JSON.parse(text) as WriterReply))
  }

  send(command: Record<string, unknown>): Promise<WriterReply> {
    return new Promise((resolve) => {
      this.replies.push(resolve)
      this.child.stdin.write(JSON.stringify(command) + '\n')
    })
  }

  async exit(): Promise<void> {
    await this.send({ cmd: 'exit' })
  }
}

export interface WriterReply {
  readonly seq: number
  readonly gen: number
}

export async function waitFor(condition: () => boolean, what: string, detail: () => string = () => '', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${detail()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Complete lines of a file (none if it does not exist). */
export function readLines(path: string): string[] {
  if (!existsSync(path)) return []
  const text = readFileSync(path, 'utf8')
  const lines = text.split('\n')
  lines.pop()
  return lines
}

/** Parses Prometheus text into `name{labels}` -> value. */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    samples.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return samples
}
