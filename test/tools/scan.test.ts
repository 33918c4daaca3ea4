import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Log } from 'sarif'
import { describe, expect, it } from 'vitest'
import { APP_LOG, CLI, EXAMPLE_FOLDER, expectNoCanaries, expectNoSecrets, FIXTURES, helpExample, runCli } from './helpers.js'

const SK = 'sk-proj-FAKEfakeFAKEfake0000NOTAREALKEY0000fake'

interface JsonReport {
  findings: { file: string; line: number; path: string; rule: string; action: string; target: string; preview: string; chars?: number }[]
  summary: { files: number; lines: number; lines_with_findings: number; findings: number; listed: number; by_rule: Record<string, number> }
}

const EXPECTED_FINDINGS = [
  '1 redact-credential-keys req.headers.authorization',
  '1 stub-chat-content req.body.messages[0].content',
  '1 fingerprint-end-user-ids req.body.user',
  '3 redact-credential-keys req.headers.authorization',
  '3 stub-prompts req.body.prompt',
  '3 stub-media req.body.image_url',
  '3 drop-provider-task-ids provider_task_id',
  '3 drop-upstream-urls upstream_url',
  '3 drop-routing-channels channel_id',
  '4 drop-cache-keys redis_key',
  '5 stub-media res.body.video_url',
  '6 redact-bearer-credentials (text)',
  '7 stub-prompts req.body.prompt',
  '8 stub-chat-content req.body.messages[0].content',
  '9 stub-prompts req.body.prompt',
  '11 redact-credential-keys req.headers.authorization',
]

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'scan-')), name)
  writeFileSync(path, text)
  return path
}

describe('scan', () => {
  it('lists every finding as text', async () => {
    const result = await runCli(['scan', 'app.ndjson'])
    expect(result.code).toBe(1)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(EXPECTED_FINDINGS.length)
    expect(lines[0]).toBe('app.ndjson:1: redact-credential-keys at req.headers.authorization: "[REDACTED]" (54 chars)')
    expect(lines[11]).toBe('app.ndjson:6: redact-bearer-credentials at (text): "…7003 with Authorization: Bearer [REDACTED]" (34 chars)')
    expect(lines[6]).toBe('app.ndjson:3: drop-provider-task-ids at provider_task_id: "(dropped)" (28 chars)')
    expect(result.stderr).toBe(
      'tokenlab-logfilter: scan: 16 findings on 9 of 13 lines in 1 file: drop-cache-keys 1, drop-provider-task-ids 1, drop-routing-channels 1, drop-upstream-urls 1, fingerprint-end-user-ids 1, redact-bearer-credentials 1, redact-credential-keys 3, stub-chat-content 2, stub-media 2, stub-prompts 3\n',
    )
    expectNoCanaries(result.stdout)
    expectNoCanaries(result.stderr)
  })

  it('lists every finding as JSON', async () => {
    const result = await runCli(['scan', '--format', 'json', 'app.ndjson'])
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as JsonReport
    expect(report.findings.map((finding) => `${finding.line} ${finding.rule} ${finding.path}`)).toEqual(EXPECTED_FINDINGS)
    expect(report.summary).toEqual({
      files: 1,
      lines: 13,
      lines_with_findings: 9,
      findings: 16,
      listed: 16,
      by_rule: {
        'drop-cache-keys': 1,
        'drop-provider-task-ids': 1,
        'drop-routing-channels': 1,
        'drop-upstream-urls': 1,
        'fingerprint-end-user-ids': 1,
        'redact-bearer-credentials': 1,
        'redact-credential-keys': 3,
        'stub-chat-content': 2,
        'stub-media': 2,
        'stub-prompts': 3,
      },
    })
    expect(report.findings[0]).toEqual({ file: 'app.ndjson', line: 1, path: 'req.headers.authorization', rule: 'redact-credential-keys', action: 'redact', target: 'value', preview: '[REDACTED]', chars: 54 })
    expect(report.findings[1]?.preview).toBe('{"redacted":"prompt","chars":70}')
    expectNoCanaries(result.stdout)
    expectNoCanaries(result.stderr)
  })

  it('writes a SARIF 2.1.0 log', async () => {
    const result = await runCli(['scan', '--format', 'sarif', 'app.ndjson'])
    expect(result.code).toBe(1)
    const log = JSON.parse(result.stdout) as Log
    expect(log.version).toBe('2.1.0')
    const run = log.runs[0]
    const rules = run?.tool.driver.rules ?? []
    const results = run?.results ?? []
    expect(run?.tool.driver.name).toBe('tokenlab-logfilter')
    expect(results).toHaveLength(EXPECTED_FINDINGS.length)
    for (const entry of results) {
      expect(rules[entry.ruleIndex as number]?.id).toBe(entry.ruleId)
      expect(entry.locations?.[0]?.physicalLocation?.artifactLocation?.uri).toBe('app.ndjson')
      expect(entry.locations?.[0]?.physicalLocation?.region?.startLine).toBeGreaterThan(0)
    }
    const levels = Object.fromEntries(results.map((entry) => [entry.ruleId, entry.level]))
    expect(levels['redact-credential-keys']).toBe('error')
    expect(levels['drop-provider-task-ids']).toBe('error')
    expect(levels['stub-prompts']).toBe('warning')
    expect(levels['fingerprint-end-user-ids']).toBe('warning')
    expect(results[0]?.locations?.[0]?.logicalLocations?.[0]?.fullyQualifiedName).toBe('req.headers.authorization')
    expect(rules.map((rule) => rule.id)).not.toContain('drop-empty-lines')
    expectNoCanaries(result.stdout)
  })

  it('exits 0 on a clean log', async () => {
    const path = tempFile('clean.log', '{"level":30,"msg":"worker idle"}\n\n{"level":30,"msg":"done","tokenlab":{"request_id":"req_fake0001"}}\n')
    const result = await runCli(['scan', path])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('tokenlab-logfilter: scan: no findings in 3 lines in 1 file\n')
  })

  it('reads stdin without a file', async () => {
    const result = await runCli(['scan', '--format', 'json'], { input: readFileSync(APP_LOG) })
    expect(result.code).toBe(1)
    const report = JSON.parse(result.stdout) as JsonReport
    expect(report.findings).toHaveLength(EXPECTED_FINDINGS.length)
    expect(new Set(report.findings.map((finding) => finding.file))).toEqual(new Set(['stdin']))
  })

  it('numbers lines per file', async () => {
    const second = tempFile('second.log', `{"msg":"a"}\n{"api_key":"VvjnY6fINKRx28EfPRhEnsBl"}\n`)
    const result = await runCli(['scan', '--format', 'json', 'app.ndjson', second])
    const report = JSON.parse(result.stdout) as JsonReport
    const last = report.findings[report.findings.length - 1]
    expect(last).toMatchObject({ file: second, line: 2, path: 'api_key', rule: 'redact-credential-keys', preview: '[REDACTED]', chars: 24 })
    expect(report.summary.files).toBe(2)
    expect(report.summary.lines).toBe(15)
    expect(result.stdout).not.toContain('VvjnY6fINKRx28EfPRhEnsBl')
  })

  it('redacts a secret object key in the path', async () => {
    const path = tempFile('keys.log', `${JSON.stringify({ msg: 'key map', keys: { [SK]: { note: 'x' } } })}\n`)
    const result = await runCli(['scan', '--format', 'json', path])
    const report = JSON.parse(result.stdout) as JsonReport
    expect(report.findings.map((finding) => [finding.path, finding.target, finding.preview])).toEqual([
      ['keys["sk-proj-[REDACTED]"]', 'key', 'key "sk-proj-[REDACTED]"'],
    ])
    expectNoSecrets(result.stdout)
    expectNoSecrets(result.stderr)
  })

  it('shows each span of a string in context', async () => {
    const path = tempFile('spans.log', `${JSON.stringify({ msg: `old key ${SK} was replaced by mt-FAKEfakeFAKEfake0000NOTREAL0000 yesterday` })}\n`)
    const result = await runCli(['scan', '--format', 'json', path])
    const report = JSON.parse(result.stdout) as JsonReport
    expect(report.findings.map((finding) => finding.preview)).toEqual([
      'old key sk-proj-[REDACTED] was replaced by mt-[REDACTED] y…',
      '…j-[REDACTED] was replaced by mt-[REDACTED] yesterday',
    ])
  })

  it('reports a leak-check hit as a finding', async () => {
    const rules = tempFile('rules.yaml', 'version: 1\nextends: default\ndisable: [redact-api-keys, redact-credential-keys, redact-text-key-values]\n')
    const path = tempFile('leak.log', `${JSON.stringify({ msg: 'config', note: `key=${SK}` })}\n`)
    const result = await runCli(['scan', '--format', 'json', '--rules', rules, path])
    const report = JSON.parse(result.stdout) as JsonReport
    expect(report.findings.map((finding) => `${finding.rule} ${finding.path} ${finding.preview}`)).toEqual([
      'leak-check/sk_key (line) {"msg":"config","note":"key=[REDACTED]"}',
    ])
    expectNoSecrets(result.stdout)
    expectNoSecrets(result.stderr)
  })

  it('reports a line dropped by a user rule', async () => {
    const rules = tempFile('rules.yaml', [
      'version: 1',
      'extends: default',
      'rules:',
      '  - id: drop-health-checks',
      '    description: Health checks carry nothing worth keeping.',
      '    match: { pattern: "GET /healthz", contains: ["/healthz"] }',
      '    action: drop_line',
      '',
    ].join('\n'))
    const path = tempFile('health.log', '{"msg":"GET /healthz 200"}\n{"msg":"fine"}\n')
    const result = await runCli(['scan', '--rules', rules, path])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe(`${path}:1: drop-health-checks at (line): "(line dropped)"\n`)
  })

  it('lists at most --max-findings', async () => {
    const result = await runCli(['scan', '--max-findings', '2', 'app.ndjson'])
    expect(result.code).toBe(1)
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(2)
    expect(result.stderr).toContain('16 findings on 9 of 13 lines in 1 file (14 not listed; raise --max-findings to see them)')
  })

  it('rejects a missing file', async () => {
    const result = await runCli(['scan', 'missing.log'])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe('tokenlab-logfilter: command line: scan: missing.log: the file does not exist; check the path, or give no file to read stdin\n')
  })

  it('rejects an unknown format', async () => {
    const result = await runCli(['scan', '--format', 'xml', 'app.ndjson'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe('tokenlab-logfilter: command line: scan --format: unknown output format; use one of "text", "json", "sarif"\n')
  })

  it('prints help with an example', async () => {
    const result = await runCli(['scan', '--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Usage: tokenlab-logfilter scan [options] [FILE...]')
    expect(result.stdout).toContain('Example (text):')
    expect(result.stdout).toContain('Example (json, shortened):')
  })

  it('help example matches real output', async () => {
    const help = await runCli(['scan', '--help'])
    const example = helpExample(help.stdout, 'Example (text):')
    const result = await runCli(example.args, { cwd: EXAMPLE_FOLDER })
    expect(result.code).toBe(1)
    expect((result.stdout + result.stderr).trimEnd().split('\n')).toEqual(example.output)
  })

  it('draws no progress bar on a pipe', async () => {
    const result = await runCli(['scan', 'app.ndjson'])
    expect(result.stderr).not.toContain('scan [')
  })

  it('draws the progress bar with --progress', async () => {
    const result = await runCli(['scan', '--progress', 'app.ndjson'])
    expect(result.stderr).toContain('scan [')
    expect(result.stderr).toContain('| app.ndjson')
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(EXPECTED_FINDINGS.length)
  })

  const hasScript = spawnSync('script', ['--version']).status === 0
  it.skipIf(!hasScript)('draws the progress bar on a terminal', () => {
    const folder = mkdtempSync(join(tmpdir(), 'scan-tty-'))
    const output = join(folder, 'findings.txt')
    // script(1) gives the command a pseudo-terminal; stdout goes to a file, so only stderr is on the terminal.
    const run = spawnSync('script', ['-q', '-e', '-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} scan app.ndjson > ${JSON.stringify(output)}`, '/dev/null'], { cwd: FIXTURES, encoding: 'utf8' })
    expect(run.status).toBe(1)
    expect(run.stdout).toContain('scan [')
    expect(readFileSync(output, 'utf8').trimEnd().split('\n')).toHaveLength(EXPECTED_FINDINGS.length)
    expectNoCanaries(run.stdout)
  })

  it.skipIf(!hasScript)('draws no bar over findings on a terminal', () => {
    const run = spawnSync('script', ['-q', '-e', '-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} scan app.ndjson`, '/dev/null'], { cwd: FIXTURES, encoding: 'utf8' })
    expect(run.status).toBe(1)
    expect(run.stdout).toContain('app.ndjson:1: redact-credential-keys at req.headers.authorization')
    expect(run.stdout).not.toContain('scan [')
  })

  it('streams a large file', async () => {
    const lines: string[] = []
    for (let index = 0; index < 60_000; index++) {
      const record = index % 1000 === 0 ? { level: 30, i: index, api_key: 'VvjnY6fINKRx28EfPRhEnsBl' } : { level: 30, i: index, msg: 'x'.repeat(200) }
      lines.push(JSON.stringify(record))
    }
    const path = tempFile('large.log', lines.join('\n') + '\n')
    const result = await runCli(['scan', '--format', 'json', path])
    const report = JSON.parse(result.stdout) as JsonReport
    expect(report.summary.lines).toBe(60_000)
    expect(report.summary.findings).toBe(60)
    expect(report.findings.map((finding) => finding.line).slice(0, 3)).toEqual([1, 1001, 2001])
  })

  it('stops when the reader closes stdout', async () => {
    const lines = Array.from({ length: 50_000 }, (_, index) => JSON.stringify({ i: index, api_key: 'VvjnY6fINKRx28EfPRhEnsBl' }))
    const path = tempFile('many.log', lines.join('\n') + '\n')
    const child = spawn(process.execPath, [CLI, 'scan', path], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.once('data', () => child.stdout.destroy())
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(1)
    expect(stderr).not.toContain('Error')
    expect(stderr).not.toContain('VvjnY6fINKRx28EfPRhEnsBl')
  })
})
