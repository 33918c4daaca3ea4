/**
 * The leak property's oracle. Given generated lines and what the filter wrote, it lists every
 * broken guarantee: a planted secret (or an 8-character piece of its random part, in any
 * escaping) in stdout or stderr, a public identifier of a whole line missing from stdout, a stdout
 * line that is not valid JSON, or a line lost. Shared by test/leak.property.test.ts and
 * bench/fuzz.ts, which also use it to run generated lines through the pipeline in this process.
 */
import { LineFramer } from '../../src/framing.js'
import { Pipeline } from '../../src/pipeline.js'
import type { CompiledRules } from '../../src/rules/compile.js'
import type { Summary } from '../../src/summary.js'
import type { GeneratedLine, PlantedSecret } from './leak-generators.js'
import { decodedForms, firstHit } from './planted-secrets.js'

/** What a run of the filter wrote. */
export interface FilterOutput {
  readonly stdoutLines: readonly string[]
  readonly stderr: string
  readonly summary: Summary
}

const WINDOW = 8
const SUMMARY_PREFIX = 'tokenlab-logfilter: summary: '

/** Frames and filters the lines in this process, as the CLI does; stderr is the warnings and the summary line. */
export function filterInProcess(rules: CompiledRules, lines: readonly GeneratedLine[], maxLineBytes: number): FilterOutput {
  const warnings: string[] = []
  const pipeline = new Pipeline(rules, { onWarning: (message) => warnings.push(message) })
  const stdoutLines: string[] = []
  const framer = new LineFramer(maxLineBytes, (line, flags) => {
    const output = pipeline.processLine(line, flags)
    if (output !== null) stdoutLines.push(output)
  })
  framer.write(Buffer.from(lines.map((line) => `${line.text}\n`).join(''), 'utf8'))
  framer.end()
  warnings.push(SUMMARY_PREFIX + JSON.stringify(pipeline.summary))
  return { stdoutLines, stderr: warnings.join('\n'), summary: pipeline.summary }
}

/** Returns the strings whose presence in the output means that `secret` leaked. */
export function leakNeedles(secret: PlantedSecret): string[] {
  const needles = new Set<string>([secret.text])
  for (const part of secret.randomParts) {
    for (let start = 0; start + WINDOW <= part.length; start++) needles.add(part.slice(start, start + WINDOW))
  }
  return [...needles]
}

/** Lists the broken guarantees, each with the line number, its kind and what was found; empty when all hold. */
export function findProblems(lines: readonly GeneratedLine[], output: FilterOutput, maxLineBytes: number): string[] {
  const problems: string[] = []
  const { stdoutLines, stderr, summary } = output

  if (stdoutLines.length !== lines.length) problems.push(`${lines.length} lines in, ${stdoutLines.length} lines out`)
  const dropped = Object.values(summary.lines_dropped).reduce((sum, count) => sum + count, 0)
  if (summary.lines_in !== lines.length || summary.lines_in !== summary.lines_out + dropped || summary.lines_out !== stdoutLines.length) {
    problems.push(`line accounting: ${lines.length} generated, summary lines_in ${summary.lines_in}, lines_out ${summary.lines_out}, dropped ${dropped}, written ${stdoutLines.length}`)
  }
  if (summary.internal_errors !== 0) problems.push(`${summary.internal_errors} internal errors`)
  for (const [index, line] of stdoutLines.entries()) {
    try {
      JSON.parse(line)
    } catch {
      problems.push(`output line ${index + 1} is not valid JSON: ${line.slice(0, 200)}`)
    }
  }
  if (/\n\s+at /.test(stderr)) problems.push('stderr holds a stack trace')

  // Each line's secrets are searched for in every escaping in its own output line and in stderr,
  // and as they are in the whole of stdout, in case one reached another line. Searching every
  // form of the whole output for every secret would be quadratic in the number of lines.
  const aligned = stdoutLines.length === lines.length
  const everywhere = aligned ? undefined : decodedForms(withoutFingerprints(`${stdoutLines.join('\n')}\n${stderr}`))
  for (const [index, line] of lines.entries()) {
    const forms = everywhere ?? decodedForms(withoutFingerprints(`${stdoutLines[index] as string}\n${stderr}`))
    for (const secret of line.secrets) {
      const found = firstHit(forms, leakNeedles(secret))
      if (found !== undefined) problems.push(`line ${index + 1} (${line.kind}): ${secret.shape} leaked: ${found}`)
    }
    // A line cut at the size limit loses its end, and with it any identifier there.
    if (Buffer.byteLength(line.text) > maxLineBytes) continue
    for (const identifier of line.identifiers) {
      const output = aligned ? (stdoutLines[index] as string) : stdoutLines.join('\n')
      if (!output.includes(identifier)) problems.push(`line ${index + 1} (${line.kind}): identifier ${identifier} is missing from its output line`)
    }
  }
  if (aligned) problems.push(...findMovedSecrets(lines, stdoutLines))
  return problems
}

/** Looks for the random parts of every line's secrets in the other output lines, as they are. */
function findMovedSecrets(lines: readonly GeneratedLine[], stdoutLines: readonly string[]): string[] {
  const owners = new Map<string, number>()
  for (const [index, line] of lines.entries()) {
    for (const secret of line.secrets) for (const needle of leakNeedles(secret)) if (needle.length === WINDOW) owners.set(needle, index)
  }
  const problems: string[] = []
  for (const [index, output] of stdoutLines.entries()) {
    const text = withoutFingerprints(output)
    for (let start = 0; start + WINDOW <= text.length; start++) {
      const window = text.slice(start, start + WINDOW)
      const owner = owners.get(window)
      // A piece that the line's own input contains is no evidence, because shrunk inputs such as "aaaa..." share pieces.
      if (owner !== undefined && owner !== index && !(lines[index] as GeneratedLine).text.includes(window)) {
        problems.push(`a piece of a secret of line ${owner + 1} is in output line ${index + 1}: ${text.slice(Math.max(0, start - 40), start + WINDOW + 40)}`)
        break
      }
    }
  }
  return problems
}

/**
 * Removes the hex digits of HMAC fingerprints, which hide a value and cannot contain it. Among
 * thousands of fingerprints, some 8-digit piece of a random phone number turns up by chance.
 */
function withoutFingerprints(text: string): string {
  return text.replace(/hmac:[0-9a-f]{32}/g, 'hmac:')
}
