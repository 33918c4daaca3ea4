/**
 * Runs the built CLI (dist/src/cli.js, from `npm run build`) as a child process and parses what
 * it wrote: the records on stdout and the summary line on stderr.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, openSync, closeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Summary } from '../../src/summary.js'

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const CLI_PATH = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js')

export interface FilterRun {
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
  /** One parsed record per stdout line. */
  readonly records: Record<string, unknown>[]
  readonly summary: Summary
}

const SUMMARY_PREFIX = 'tokenlab-logfilter: summary: '

export function assertCliBuilt(): void {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing; run npm run build before the tests`)
}

/** Starts the CLI with its stdin as a pipe; `finished` resolves once it exits. */
export function startCli(args: readonly string[] = []): { child: ChildProcessWithoutNullStreams; finished: Promise<FilterRun> } {
  assertCliBuilt()
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  return { child, finished: collect(child) }
}

/** Filters a file through the CLI, with the file as its stdin (`tokenlab-logfilter < file`). */
export async function filterFile(path: string, args: readonly string[] = []): Promise<FilterRun> {
  assertCliBuilt()
  const input = openSync(path, 'r')
  try {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: [input, 'pipe', 'pipe'] })
    return await collect(child)
  } finally {
    closeSync(input)
  }
}

function collect(child: ChildProcess): Promise<FilterRun> {
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
  // 'close' comes after the process exited and its stdout and stderr ended.
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (exitCode: number | null) => {
      const out = Buffer.concat(stdout).toString('utf8')
      const err = Buffer.concat(stderr).toString('utf8')
      try {
        resolve({ exitCode, stdout: out, stderr: err, records: parseRecords(out), summary: parseSummary(err) })
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    })
  })
}

function parseRecords(stdout: string): Record<string, unknown>[] {
  if (stdout === '') return []
  const lines = stdout.endsWith('\n') ? stdout.slice(0, -1).split('\n') : stdout.split('\n')
  return lines.map((line, index) => {
    try {
      return JSON.parse(line) as Record<string, unknown>
    } catch {
      throw new Error(`stdout line ${index + 1} is not JSON: ${line.slice(0, 120)}`)
    }
  })
}

function parseSummary(stderr: string): Summary {
  const line = stderr.split('\n').find((candidate) => candidate.startsWith(SUMMARY_PREFIX))
  if (line === undefined) throw new Error(`no summary line on stderr:\n${stderr.slice(0, 2000)}`)
  return JSON.parse(line.slice(SUMMARY_PREFIX.length)) as Summary
}
