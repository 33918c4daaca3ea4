/**
 * `tokenlab-logfilter scan`: audits logs that were already written, without changing them. Each
 * line goes through the real pipeline in report mode. Every rule hit becomes a finding with its
 * file, line, key path, rule id and a masked preview taken from the filtered output.
 */
import { z } from 'zod'
import { PROGRAM_NAME } from '../errors.js'
import { createFilter } from '../index.js'
import type { RuleHit } from '../pipeline.js'
import { increment } from '../summary.js'
import { FILTER_OPTION_SPECS, filterOptionsFrom, parseCount, parseToolArgs, parseToolOptions } from './args.js'
import { logSources, readSources } from './log-input.js'
import { ReadProgress, type ProgressMode } from './progress.js'
import { ReportOutput } from './report-output.js'
import { formatKeyPath, PreviewBuilder, type Finding } from './scan-findings.js'
import { buildSarifLog } from './scan-sarif.js'
import { EXIT_FOUND, EXIT_OK, packageVersion, reportLeakCheckHits, runtimeFailure } from './shared.js'

const COMMAND = 'scan'
const DEFAULT_MAX_FINDINGS = 1000

export const SCAN_HELP = `Usage: ${PROGRAM_NAME} scan [options] [FILE...]
       ${PROGRAM_NAME} scan [options] < app.ndjson

Audits logs that were already written, without changing them. Every line goes through the
filter's rules in report mode, and each rule hit is listed with its file, line, key path, rule id
and a masked preview: what the filter writes in place of the match, with some context, never the
match itself. Reads stdin when no FILE is given; "-" also means stdin. Blank lines are not findings.

Options:
  --format text|json|sarif  output format on stdout (default text); sarif is SARIF 2.1.0
  --rules FILE              rule file, as for the filter ("extends: default" merges it over the defaults)
  --max-line-bytes N        longest line kept whole, in bytes (default 1048576)
  --max-findings N          findings listed in full (default ${DEFAULT_MAX_FINDINGS}); later ones are only counted
  --progress                draw a progress bar on stderr even when stderr is not a terminal
  --no-progress             never draw the progress bar (default: only when stderr is a terminal
                            and stdout is not)
  --help                    print this help

Example (text):
  $ ${PROGRAM_NAME} scan app.ndjson
  app.ndjson:1: redact-credential-keys at req.headers.authorization: "[REDACTED]" (56 chars)
  app.ndjson:2: stub-chat-content at req.body.messages[0].content: "{\\"redacted\\":\\"prompt\\",\\"chars\\":32}" (32 chars)
  app.ndjson:3: drop-provider-task-ids at provider_task_id: "(dropped)" (29 chars)
  app.ndjson:4: redact-management-tokens at (text): "retrying with token mt-[REDACTED] after 401" (31 chars)
  ${PROGRAM_NAME}: scan: 4 findings on 4 of 5 lines in 1 file: drop-provider-task-ids 1, redact-credential-keys 1, redact-management-tokens 1, stub-chat-content 1

Example (json, shortened):
  {"findings":[{"file":"app.ndjson","line":1,"path":"req.headers.authorization",
    "rule":"redact-credential-keys","action":"redact","target":"value","preview":"[REDACTED]",
    "chars":56}, ...],"summary":{"files":1,"lines":5,"lines_with_findings":4,"findings":4,
    "listed":4,"by_rule":{"drop-provider-task-ids":1, ...}}}

Example (sarif, one result of runs[0].results):
  {"ruleId":"redact-credential-keys","ruleIndex":7,"level":"error","message":{"text":
    "redact-credential-keys (redact) matched req.headers.authorization. The filter writes: [REDACTED]"},
    "locations":[{"physicalLocation":{"artifactLocation":{"uri":"app.ndjson"},"region":{"startLine":1}},
    "logicalLocations":[{"fullyQualifiedName":"req.headers.authorization","kind":"member"}]}]}
  Credentials and banned fields are errors; prompts and personal data (stub, hmac) are warnings.

Exit codes: 0 nothing found, 1 findings (use it as a CI gate), 2 configuration error,
3 read or write failure.
`

const scanOptionsSchema = z
  .object({
    format: z.enum(['text', 'json', 'sarif'], { error: 'unknown output format' }).default('text'),
    maxFindings: z.number().int().min(0).default(DEFAULT_MAX_FINDINGS),
    progress: z.enum(['auto', 'on', 'off']).default('auto'),
  })
  .strict()

const FLAGS = { format: '--format', maxFindings: '--max-findings', progress: '--progress' }

interface ScanTotals {
  findings: number
  linesWithFindings: number
  readonly byRule: Record<string, number>
}

export async function runScan(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseToolArgs(COMMAND, argv, {
    ...FILTER_OPTION_SPECS,
    format: { type: 'string' },
    'max-findings': { type: 'string' },
    progress: { type: 'boolean' },
    'no-progress': { type: 'boolean' },
  })
  if (values.help === true) {
    process.stdout.write(SCAN_HELP)
    return EXIT_OK
  }
  let progressMode: ProgressMode = 'auto'
  if (values.progress === true) progressMode = 'on'
  if (values['no-progress'] === true) progressMode = 'off'
  const maxFindings = typeof values['max-findings'] === 'string' ? parseCount(COMMAND, '--max-findings', values['max-findings'], '100') : undefined
  const options = parseToolOptions(COMMAND, scanOptionsSchema, { format: values.format, maxFindings, progress: progressMode }, FLAGS)

  const hits: RuleHit[] = []
  const filter = createFilter(filterOptionsFrom(COMMAND, values), 'command line', { onRuleHit: (hit) => hits.push(hit) })
  const sources = logSources(COMMAND, positionals)
  const censor = filter.rules.censor
  const blankLineRules = new Set(filter.rules.lineRules.filter((rule) => rule.kind === 'empty_line').map((rule) => rule.id))
  const previews = new PreviewBuilder(censor)
  const output = new ReportOutput(censor)
  const listed: Finding[] = []
  let listedCount = 0
  const totals: ScanTotals = { findings: 0, linesWithFindings: 0, byRule: {} }

  const progress = new ReadProgress(COMMAND, options.progress, sources)
  try {
    await readSources(sources, filter.options.maxLineBytes, (source, line, flags, lineNumber) => {
      const result = filter.pipeline.processLine(line, flags)
      if (hits.length === 0) return
      const lineHits = hits.filter((hit) => !blankLineRules.has(hit.ruleId))
      hits.length = 0
      if (lineHits.length === 0) return
      totals.linesWithFindings++
      const linePreviews = previews.previews(lineHits, result)
      for (const [index, hit] of lineHits.entries()) {
        totals.findings++
        increment(totals.byRule, hit.ruleId)
        if (listedCount >= options.maxFindings) continue
        listedCount++
        const finding: Finding = {
          file: source.label,
          line: lineNumber,
          path: formatKeyPath(hit.path, hit.target),
          rule: hit.ruleId,
          action: hit.action,
          target: hit.target,
          preview: linePreviews[index] as string,
          ...(hit.chars >= 0 ? { chars: hit.chars } : {}),
        }
        // Text findings are written as they come; the other formats are one document at the end.
        if (options.format === 'text') output.writeLine(formatTextFinding(finding))
        else listed.push(finding)
      }
    }, {
      onProgress: (source, bytesRead) => progress.update(source, bytesRead),
      afterChunk: () => output.afterChunk(),
      shouldStop: () => output.closed,
    })
  } catch (error) {
    return runtimeFailure(COMMAND, error)
  } finally {
    progress.stop()
  }

  const summary = {
    files: sources.length,
    lines: filter.pipeline.summary.lines_in,
    lines_with_findings: totals.linesWithFindings,
    findings: totals.findings,
    listed: listedCount,
    by_rule: sortedCounts(totals.byRule),
  }
  if (options.format === 'json') output.writeLine(JSON.stringify({ findings: listed, summary }))
  if (options.format === 'sarif') {
    const rules = filter.rules.rules.filter((rule) => !blankLineRules.has(rule.id))
    const log = buildSarifLog({ version: packageVersion(), rules, findings: listed, totalFindings: totals.findings })
    output.writeLine(JSON.stringify(log, null, 2))
  }
  await output.finish()
  if (output.failure !== undefined) return runtimeFailure(COMMAND, new Error(`stdout write failed (${output.failure})`))

  process.stderr.write(`${PROGRAM_NAME}: scan: ${describeTotals(summary)}\n`)
  reportLeakCheckHits(COMMAND, output.leakCheckHits)
  return totals.findings > 0 ? EXIT_FOUND : EXIT_OK
}

export function formatTextFinding(finding: Finding): string {
  const chars = finding.chars === undefined ? '' : ` (${finding.chars} chars)`
  return `${finding.file}:${finding.line}: ${finding.rule} at ${finding.path}: ${JSON.stringify(finding.preview)}${chars}`
}

function describeTotals(summary: { files: number; lines: number; lines_with_findings: number; findings: number; listed: number; by_rule: Record<string, number> }): string {
  const files = `${summary.files} ${summary.files === 1 ? 'file' : 'files'}`
  if (summary.findings === 0) return `no findings in ${summary.lines} lines in ${files}`
  const rules = Object.entries(summary.by_rule).map(([rule, count]) => `${rule} ${count}`).join(', ')
  const unlisted = summary.findings - summary.listed
  const note = unlisted > 0 ? ` (${unlisted} not listed; raise --max-findings to see them)` : ''
  return `${summary.findings} ${summary.findings === 1 ? 'finding' : 'findings'} on ${summary.lines_with_findings} of ${summary.lines} lines in ${files}${note}: ${rules}`
}

function sortedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)))
}
