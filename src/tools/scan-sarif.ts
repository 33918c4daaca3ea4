/**
 * SARIF 2.1.0 output of `scan`, the format code-scanning services (GitHub, GitLab, Azure DevOps)
 * read. Each finding is a result located by file and line, with the key path as a logical
 * location. Credentials and banned fields are errors; prompts and personal data are warnings.
 */
import { isAbsolute, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Log, ReportingDescriptor, Result } from 'sarif'
import type { CompiledRule } from '../rules/compile.js'
import type { Action } from '../rules/schema.js'
import { PROGRAM_NAME } from '../errors.js'
import { STDIN_LABEL } from './log-input.js'
import type { Finding } from './scan-findings.js'

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json'

type Level = 'error' | 'warning'

/** Level of a rule action: a secret or banned field left in a log is an error, content that should be stubbed is a warning. */
function levelOf(action: Action): Level {
  return action === 'stub' || action === 'hmac' ? 'warning' : 'error'
}

export interface SarifInput {
  readonly version: string
  readonly rules: readonly CompiledRule[]
  readonly findings: readonly Finding[]
  /** All findings, including those past --max-findings that were only counted. */
  readonly totalFindings: number
}

export function buildSarifLog(input: SarifInput): Log {
  const descriptors: ReportingDescriptor[] = input.rules.map((rule) => ({
    id: rule.id,
    shortDescription: { text: rule.description },
    defaultConfiguration: { level: levelOf(rule.action) },
    properties: { action: rule.action },
  }))
  const ruleIndexes = new Map(input.rules.map((rule, index) => [rule.id, index]))
  for (const finding of input.findings) {
    if (ruleIndexes.has(finding.rule)) continue
    // Leak-check shapes are not rules of the rule set, but SARIF needs a descriptor for each rule id.
    ruleIndexes.set(finding.rule, descriptors.length)
    descriptors.push({
      id: finding.rule,
      shortDescription: { text: 'A secret that no rule caught; the leak check found it in the output' },
      defaultConfiguration: { level: 'error' },
      properties: { action: finding.action },
    })
  }

  const results: Result[] = input.findings.map((finding) => ({
    ruleId: finding.rule,
    ruleIndex: ruleIndexes.get(finding.rule) as number,
    level: levelOf(finding.action),
    message: { text: `${finding.rule} (${finding.action}) matched ${finding.path}. The filter writes: ${finding.preview}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(finding.file) },
          region: { startLine: finding.line },
        },
        logicalLocations: [{ fullyQualifiedName: finding.path, kind: 'member' }],
      },
    ],
  }))

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: PROGRAM_NAME, version: input.version, rules: descriptors } },
        results,
        properties: { totalFindings: input.totalFindings, truncated: input.totalFindings > input.findings.length },
      },
    ],
  }
}

/** A URI for a path as given on the command line: a file: URL when absolute, else a relative reference. */
function artifactUri(file: string): string {
  if (file === STDIN_LABEL) return STDIN_LABEL
  if (isAbsolute(file)) return pathToFileURL(file).href
  return file.split(sep).map(encodeURIComponent).join('/')
}
