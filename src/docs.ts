/**
 * README sections generated from the code, so the docs cannot drift from it: the options table
 * (from the zod options schema), the default rule pack (from rules/default.yaml) and the JSON
 * Schema of the normalized block. test/readme.test.ts checks that README.md holds exactly these.
 */
import { normalizedBlockJsonSchema } from './normalized-schema.js'
import { optionsTableMarkdown } from './options.js'
import { loadRuleSet } from './rules/load.js'

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function describeMatch(match: Record<string, unknown>): string {
  if (match.detector !== undefined) return `detector \`${String(match.detector)}\``
  if (match.empty_line !== undefined) return 'empty lines'
  if (Array.isArray(match.keys)) return `keys ${(match.keys as string[]).map((key) => `\`${key}\``).join(', ')}`
  if (Array.isArray(match.paths)) {
    const prefix = match.anywhere === true ? 'paths at any depth' : 'paths'
    return `${prefix} ${(match.paths as string[]).map((path) => `\`${path}\``).join(', ')}`
  }
  return `pattern \`${String(match.pattern)}\``
}

export function defaultRulesTableMarkdown(): string {
  const rows = ['| Rule id | Action | Matches | What it protects |', '| --- | --- | --- | --- |']
  for (const rule of loadRuleSet().rules) {
    const action = rule.action === 'stub' ? `stub (${rule.stub ?? 'prompt'})` : rule.action
    rows.push(`| \`${rule.id}\` | ${action} | ${escapeCell(describeMatch(rule.match))} | ${escapeCell(rule.description)} |`)
  }
  return rows.join('\n')
}

export function normalizedSchemaMarkdown(): string {
  return ['```json', JSON.stringify(normalizedBlockJsonSchema(), null, 2), '```'].join('\n')
}

export const GENERATED_SECTIONS: Readonly<Record<string, () => string>> = {
  'options-table': optionsTableMarkdown,
  'default-rules': defaultRulesTableMarkdown,
  'normalized-schema': normalizedSchemaMarkdown,
}
