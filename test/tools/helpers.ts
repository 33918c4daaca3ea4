/**
 * Helpers for the subcommand tests: run the built CLI as a child process, and the canary values
 * planted in fixtures/tools that must never appear in any output.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const CLI = join(ROOT, 'dist', 'src', 'cli.js')
export const FIXTURES = join(ROOT, 'fixtures', 'tools')
export const APP_LOG = join(FIXTURES, 'app.ndjson')

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunOptions {
  readonly input?: string | Buffer
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
}

/** Runs `node dist/src/cli.js ...args` and collects its output. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? FIXTURES,
      env: { PATH: process.env.PATH, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }))
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.input ?? '')
  })
}

interface Canaries {
  readonly secrets: readonly string[]
  readonly prompts: readonly string[]
  readonly private: readonly string[]
}

export const CANARIES = JSON.parse(readFileSync(join(FIXTURES, 'canaries.json'), 'utf8')) as Canaries

/** Asserts that no secret (nor the last 12 characters of one) appears in `text`. */
export function expectNoSecrets(text: string): void {
  for (const secret of CANARIES.secrets) {
    expect(text).not.toContain(secret)
    expect(text).not.toContain(secret.slice(-12))
  }
}

/** Asserts that no secret, prompt, private routing value or internal id appears in `text`. */
export function expectNoCanaries(text: string): void {
  expectNoSecrets(text)
  for (const value of [...CANARIES.prompts, ...CANARIES.private]) expect(text).not.toContain(value)
}

export const EXAMPLE_FOLDER = join(FIXTURES, 'example')

/**
 * Reads the example under `heading` in a help text: the `$ tokenlab-logfilter ...` line and the
 * indented output lines after it (blank lines included), up to the next line that is not indented.
 */
export function helpExample(help: string, heading: string): { args: string[]; output: string[] } {
  const lines = help.split('\n')
  const start = lines.indexOf(heading)
  if (start === -1) throw new Error(`no ${heading} in the help text`)
  const command = (lines[start + 1] ?? '').trim()
  if (!command.startsWith('$ tokenlab-logfilter ')) throw new Error(`no command after ${heading}`)
  const output: string[] = []
  for (const line of lines.slice(start + 2)) {
    if (line !== '' && !line.startsWith('  ')) break
    output.push(line.slice(2))
  }
  while (output[output.length - 1] === '') output.pop()
  return { args: command.slice('$ tokenlab-logfilter '.length).split(' '), output }
}
