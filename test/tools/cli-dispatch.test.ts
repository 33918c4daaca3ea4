import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { helpExample, ROOT, runCli } from './helpers.js'

describe('subcommand dispatch', () => {
  it('rejects an unknown command', async () => {
    const result = await runCli(['scna', 'app.ndjson'])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      'tokenlab-logfilter: command line: unknown command "scna"; the commands are scan, support-packet, reconcile; the filter itself takes no positional arguments\n',
    )
  })

  it('lists the commands in the main help', async () => {
    const result = await runCli(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('  scan              audit existing logs')
    expect(result.stdout).toContain('  support-packet    write the support packet')
    expect(result.stdout).toContain('  reconcile         join logged request and billing ids')
  })

  it.each(['scan', 'support-packet', 'reconcile'])('prints help for %s', async (command) => {
    const result = await runCli([command, '--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Usage: tokenlab-logfilter ${command} `)
    expect(result.stdout).toContain('Exit codes:')
  })

  it('still filters stdin without a command', async () => {
    const result = await runCli(['--summary', 'off'], { input: '{"msg":"x","api_key":"VvjnY6fINKRx28EfPRhEnsBl"}\n' })
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('{"msg":"x","api_key":"[REDACTED]"}\n')
  })
})

describe('docs/support-tools.md', () => {
  const docs = readFileSync(join(ROOT, 'docs', 'support-tools.md'), 'utf8')

  it.each([
    ['scan', 'Example (text):'],
    ['support-packet', 'Example (Markdown):'],
    ['reconcile', 'Example (text):'],
  ])('shows the %s help example', async (command, heading) => {
    const help = await runCli([command, '--help'])
    const example = helpExample(help.stdout, heading)
    const block = [`$ tokenlab-logfilter ${example.args.join(' ')}`, ...example.output].join('\n')
    expect(docs).toContain(block)
  })
})
