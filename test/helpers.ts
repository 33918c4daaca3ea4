/**
 * Shared test helpers: run the filter in-process (library) or as the built CLI (child process),
 * and check that secrets are absent in every escaping.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { LineFramer } from '../src/framing.js'
import { createFilter, type FilterOptionsInput } from '../src/index.js'
import type { Summary } from '../src/summary.js'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const CLI = join(ROOT, 'dist', 'src', 'cli.js')

export function fixturePath(...parts: string[]): string {
  return join(ROOT, 'fixtures', ...parts)
}

export function readFixture(...parts: string[]): string {
  return readFileSync(fixturePath(...parts), 'utf8')
}

export interface FilterRun {
  /** Output lines without line endings. */
  readonly lines: string[]
  readonly summary: Summary
  readonly warnings: string[]
}

/** Splits `bytes` at the given fractions of its length. */
export function splitAtFractions(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const positions = [...new Set(cuts.map((cut) => Math.floor(cut * bytes.length)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let start = 0
  for (const position of positions) {
    chunks.push(bytes.subarray(start, position))
    start = position
  }
  chunks.push(bytes.subarray(start))
  return chunks
}

/** Runs bytes through the same framing and pipeline as the CLI, in this process. */
export function filterText(input: string | Buffer, options: FilterOptionsInput = {}): FilterRun {
  const warnings: string[] = []
  const filter = createFilter(options, 'test', { onWarning: (message) => warnings.push(message) })
  const lines: string[] = []
  const framer = new LineFramer(filter.options.maxLineBytes, (line, flags) => {
    const output = filter.pipeline.processLine(line, flags)
    if (output !== null) lines.push(output)
  })
  framer.write(typeof input === 'string' ? Buffer.from(input, 'utf8') : input)
  framer.end()
  return { lines, summary: filter.pipeline.summary, warnings }
}

export interface CliRun {
  readonly stdout: string
  readonly stderr: string
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** Runs the built CLI as a child process with `input` on stdin. */
export function runCli(args: readonly string[], input: string | Buffer = '', env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), code, signal })
    })
    child.stdin.on('error', () => undefined)
    child.stdin.end(input)
  })
}

/** Parses the `summary:` line the CLI writes to stderr. */
export function summaryFromStderr(stderr: string): Summary {
  const line = stderr.split('\n').find((text) => text.startsWith('tokenlab-logfilter: summary: '))
  if (line === undefined) throw new Error(`no summary line in stderr:\n${stderr}`)
  return JSON.parse(line.slice('tokenlab-logfilter: summary: '.length)) as Summary
}

export function parseLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>)
}

/** Every key and string value of a JSON value, decoded, plus percent-decoded forms. */
function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') {
    into.push(value)
    if (value.includes('%')) {
      try {
        into.push(decodeURIComponent(value))
      } catch {
        // Not percent-encoded text.
      }
    }
    return
  }
  if (value === null || typeof value !== 'object') return
  if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, into)
    return
  }
  for (const [key, child] of Object.entries(value)) {
    into.push(key)
    collectStrings(child, into)
  }
}

/** Prefixes that may stay in front of a redacted credential ("sk-proj-[REDACTED]"). */
const KEPT_PREFIXES = ['sk-ant-api03-', 'sk-svcacct-', 'sk-proj-', 'sk-', 'mt-', 'Bearer ', 'dl_']

/** The random part of a secret: what follows a well-known prefix. */
function randomPart(secret: string): string {
  for (const prefix of KEPT_PREFIXES) if (secret.startsWith(prefix)) return secret.slice(prefix.length)
  return secret
}

/**
 * Asserts that neither the secret nor any 8-character piece of its random part occurs in the
 * output, raw or after JSON and percent decoding.
 */
export function expectAbsent(output: string, secret: string, label = secret.slice(0, 6)): void {
  const haystacks = [output]
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue
    try {
      collectStrings(JSON.parse(line), haystacks)
    } catch {
      haystacks.push(line)
    }
  }
  const random = randomPart(secret)
  const pieces = new Set<string>([secret])
  for (let start = 0; start + 8 <= random.length; start++) pieces.add(random.slice(start, start + 8))
  for (const haystack of haystacks) {
    for (const piece of pieces) {
      if (haystack.includes(piece)) {
        expect.fail(`secret ${label}… leaked: found "${piece}" in output`)
      }
    }
  }
}

/** Fake secrets and identifiers of the fault-class fixtures (all invented). */
export const SECRETS = {
  SK_LEGACY: 'sk-2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf',
  SK_PROJ: 'sk-proj-r3X5X-cgM-liYkcFrPfA_oR2KllaDOZEVlA6AstF0Vh8KP3-',
  SK_PROJ2: 'sk-proj-LhaHBR9wF0Bk6EgY5MyXfXE_YpYHm_-FnuDMG26BJWjogMI6_',
  SK_SVC: 'sk-svcacct-O1wiGNLR-7k15w9Hi0U8_n-WgrIr70h1FNz4khG7Tav5',
  SK_ANT: 'sk-ant-api03-pB4FfFTxDzPJwFplkKa3N_n66q-xdHSODweNA73f-XeF488koAA',
  MT1: 'mt-9sIQr3GsMfPled0lLQfHLWkq6Z4JdnjX',
  MT2: 'mt-c3BfcOjESDTlgCpwcgjpmBnnjOazui9N',
  MT3: 'mt-CdDrLUwcDy8pxhoHNRbcZVFcLPjIhB5p',
  OPQ0: '1evK2fZdGI2oLWeAaTBRbupH',
  OPQ1: 'VvjnY6fINKRx28EfPRhEnsBl',
  OPQ2: 'SxAB0NqSIoBiahyLF8GiduN0',
  OPQ3: 'YQm3Y61L3fIiDlEy46dkiMVv',
  OPQ4: '5PVhyyFLePq8sf7HB3HBLTXb',
  OPQ5: 'zbpnnSEcya6EEBQBfFEJ1BX4',
  OPQ6: '78T5ivcniUsMGWzPvhdbNs8J',
  OPQ7: 'A02YZia819EypgwEY4kTPItD',
  LOWERBEARER: 'xasrpuycdwyllwebvyaxunpxwcnn',
  DL0: 'dl_31vr0h2hh0ddrmh8fltu',
  DL1: 'dl_7ekf28gn5dhe5rqi8pbu',
  DL2: 'dl_tfndda4qg43qbuhtyepd',
  PROV: 'prov_3jego6q6s5i69y9xombh7015',
} as const

export const IDS = {
  TASK: 'ldtask_0odp8vefuo7jc9lav2i8bgb9if3yg9q7',
  TASK2: 'ldtask_ux18pvkuai1yfb8k2twkrwsp2glfelbm',
  BTX: 'btx_czkgdc5px7hfhasl3ur2gd5b',
  UUID: '8d676000-8359-4123-a053-092ff904d1b6',
  UUID2: 'be87480a-2f11-46c6-9dd5-f508e2b20c1c',
} as const
