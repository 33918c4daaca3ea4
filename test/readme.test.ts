/**
 * The README must say what the code does: its generated sections match the code, its example
 * output is what the CLI prints for its example input, and its first-screen commands run.
 * After a reviewed change, UPDATE_README=1 rewrites the generated sections and the example.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GENERATED_SECTIONS } from '../src/docs.js'
import { ROOT, fixturePath, runCli, summaryFromStderr } from './helpers.js'

const README = join(ROOT, 'README.md')

function section(text: string, name: string): string {
  const start = `<!-- ${name}:start -->\n`
  const end = `\n<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from === -1 || to === -1) throw new Error(`README.md has no ${name} section`)
  return text.slice(from + start.length, to)
}

function replaceSection(text: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->\n`
  const end = `\n<!-- ${name}:end -->`
  return text.slice(0, text.indexOf(start) + start.length) + content + text.slice(text.indexOf(end))
}

function codeBlock(markdown: string): string {
  return markdown.replace(/^```\w*\n/, '').replace(/\n```$/, '')
}

describe('README', () => {
  it('holds the generated options table, rule list and schema', () => {
    let text = readFileSync(README, 'utf8')
    if (process.env.UPDATE_README === '1') {
      for (const [name, generate] of Object.entries(GENERATED_SECTIONS)) text = replaceSection(text, name, generate())
      writeFileSync(README, text)
    }
    for (const [name, generate] of Object.entries(GENERATED_SECTIONS)) expect(section(text, name), name).toBe(generate())
  })

  it('shows the output the CLI prints for its example input', async () => {
    let text = readFileSync(README, 'utf8')
    const input = codeBlock(section(text, 'example-input'))
    const run = await runCli(['--summary', 'off'], input + '\n')
    expect(run.code).toBe(0)
    if (process.env.UPDATE_README === '1') {
      text = replaceSection(text, 'example-output', '```json\n' + run.stdout.trimEnd() + '\n```')
      writeFileSync(README, text)
    }
    expect(run.stdout.trimEnd()).toBe(codeBlock(section(text, 'example-output')))
  })

  it('starts with the two commands for a fresh clone, and the main one runs', async () => {
    const text = readFileSync(README, 'utf8')
    const firstScreen = text.split('\n').slice(0, 15).join('\n')
    expect(firstScreen).toContain('npm ci && npx tokenlab-logfilter < fixtures/sample/tokenlab-app.log')
    expect(firstScreen).toContain('npm ci && npm test')
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> }
    expect(manifest.bin['tokenlab-logfilter']).toBe('dist/src/cli.js')
    expect(manifest.scripts.test).toContain('vitest run')

    const run = await runCli([], readFileSync(fixturePath('sample', 'tokenlab-app.log')))
    expect(run.code).toBe(0)
    const summary = summaryFromStderr(run.stderr)
    expect(summary.lines_in).toBeGreaterThan(100)
    expect(summary.lines_in).toBe(summary.lines_out + Object.values(summary.lines_dropped).reduce((sum, count) => sum + count, 0))
  })
})
