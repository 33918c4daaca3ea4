/**
 * Rule files: extends, disable, overrides, custom actions, and the exact text of every
 * configuration error (the CLI exits 2 and writes only the message).
 */
import { describe, expect, it } from 'vitest'
import { createFilter } from '../src/index.js'
import { readFileSync } from 'node:fs'
import { defaultPackCachePath, defaultPackPath, hashRuleText, loadRuleSet, parseYamlRules, type DefaultPackCache } from '../src/rules/load.js'
import { filterText, fixturePath, readFixture, runCli } from './helpers.js'

describe('rule files', () => {
  it('has a build cache of the default pack that matches rules/default.yaml', () => {
    const text = readFileSync(defaultPackPath(), 'utf8')
    const cache = JSON.parse(readFileSync(defaultPackCachePath(), 'utf8')) as DefaultPackCache
    expect(cache.sha256).toBe(hashRuleText(text))
    expect(cache.data).toEqual(parseYamlRules(text))
  })

  it('extends the default pack, overrides by id, disables and adds rules', () => {
    const rules = fixturePath('rules', 'custom.yaml')
    const run = filterText(readFixture('rules', 'custom-input.ndjson'), { rules })
    expect(run.lines).toEqual([
      '{"level":30,"msg":"order ACME-*** for ***, call +1 415 555 0100","session_id":"s-1","note":{"redacted":"note","chars":15}}',
      '{"level":30,"msg":"api_key=***"}',
    ])
    expect(run.summary.lines_dropped).toEqual({ 'drop-health-checks': 1 })
    expect(run.summary.lines_in).toBe(3)
  })

  it('keeps the default rules in order and puts added rules last', () => {
    const set = loadRuleSet(fixturePath('rules', 'custom.yaml'))
    const ids = set.rules.map((rule) => rule.id)
    const defaults = loadRuleSet().rules.map((rule) => rule.id)
    expect(ids).not.toContain('fingerprint-phone-numbers')
    expect(ids.slice(-3)).toEqual(['acme-order-ids', 'drop-health-checks', 'stub-notes'])
    expect(ids.indexOf('fingerprint-emails')).toBe(defaults.indexOf('fingerprint-emails'))
    expect(set.origins.get('fingerprint-emails')).toBe(fixturePath('rules', 'custom.yaml'))
    expect(set.origins.get('redact-jwts')).toBe('default pack')
  })

  it('checks and prints the effective rules', async () => {
    const check = await runCli(['--check-rules', '--rules', fixturePath('rules', 'custom.yaml')])
    expect(check.code).toBe(0)
    expect(check.stdout).toMatch(/^tokenlab-logfilter: rules OK: \d+ rules from default pack \+ .*custom\.yaml\n$/)
    const print = await runCli(['--print-rules'])
    expect(print.code).toBe(0)
    expect(print.stdout).toContain('id: redact-api-keys')
    expect(print.stdout).toContain('origin: default pack')
  })

  it.each([
    [
      'unknown-action.yaml',
      'rules[0] (id "my-rule").action: Invalid option: expected one of "redact"|"drop"|"stub"|"hmac"|"partial"|"drop_line"; use one of "redact", "drop", "stub", "hmac", "partial", "drop_line"',
    ],
    ['disable-unknown-id.yaml', 'disable[0]: the default pack has no rule with id "no-such-rule"; run tokenlab-logfilter --print-rules to list the ids'],
    [
      'catastrophic-pattern.yaml',
      'rules[0] (id "evil").match.pattern "^(a+)+$": the pattern can backtrack catastrophically (exponential time on some inputs); remove nested or overlapping quantifiers such as (a+)+ or \\d+\\d+, or anchor the repeated parts with literals',
    ],
    [
      'two-match-kinds.yaml',
      'rules[0] (id "two").match: the rule has more than one match kind (paths, keys); give exactly one of paths, keys, detector, pattern or empty_line; split it into several rules if needed',
    ],
    ['misspelled-key.yaml', 'rules[0] (id "typo").match: Unrecognized key: "keyz"; remove "keyz" or check the spelling against the README\'s rule reference'],
    [
      'invalid-identifier-format.yaml',
      'normalize.identifiers.request_id.format "^(req_": not a valid regular expression (Invalid regular expression: /^(req_/g: Unterminated group); fix the pattern',
    ],
    [
      'catastrophic-identifier-format.yaml',
      'normalize.identifiers.request_id.format "^([a-z0-9]+)+$": the pattern can backtrack catastrophically (exponential time on some inputs); remove nested or overlapping quantifiers such as (a+)+ or \\d+\\d+, or anchor the repeated parts with literals',
    ],
    ['invalid-job-id-path.yaml', 'normalize.job_id_paths[0] "job..id": unexpected "." at character 5; remove the extra dot'],
  ])('rejects %s with a message naming the file, the rule and the fix', async (file, message) => {
    const path = fixturePath('rules', file)
    const run = await runCli(['--rules', path], '{"msg":"never read"}\n')
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(`tokenlab-logfilter: ${path}: ${message}\n`)
  })

  it('rejects a rule file that is not YAML', async () => {
    const path = fixturePath('rules', 'broken-yaml.yaml')
    const run = await runCli(['--rules', path])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(new RegExp(`^tokenlab-logfilter: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: the file is not valid YAML or JSON \\(.*line 3, column 1.*\\); fix the syntax at the position shown\\n$`))
  })

  it.each([
    [['--rules', '/nonexistent/rules.yaml'], 'tokenlab-logfilter: /nonexistent/rules.yaml: the rule file does not exist; check the path given to --rules'],
    [['--rules', fixturePath('rules')], `tokenlab-logfilter: ${fixturePath('rules')}: the path is a directory, not a rule file; give the path of a YAML or JSON rule file to --rules`],
    [['--max-line-bytes', '12'], 'tokenlab-logfilter: command line: --max-line-bytes: Too small: expected number to be >=1024; use at least 1024'],
    [['--max-line-bytes', 'lots'], 'tokenlab-logfilter: command line: --max-line-bytes: "lots" is not a whole number; give a number of bytes or milliseconds, for example 1048576'],
    [['--summary', 'verbose'], 'tokenlab-logfilter: command line: --summary: Invalid option: expected one of "off"|"counts"; use one of "off", "counts"'],
    [['--grace-ms', '3000000000'], 'tokenlab-logfilter: command line: --grace-ms: 3000000000 is longer than a timer can wait; give at most 2147483647 milliseconds (about 24 days)'],
  ])('rejects bad flags %j', async (args, message) => {
    const run = await runCli(args)
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(`${message}\n`)
  })

  it('rejects an HMAC key shorter than 16 bytes', async () => {
    const run = await runCli([], '', { TOKENLAB_LOGFILTER_HMAC_KEY: 'short' })
    expect(run.code).toBe(2)
    expect(run.stderr).toBe(
      'tokenlab-logfilter: TOKENLAB_LOGFILTER_HMAC_KEY: the key has 5 bytes, fewer than 16; set it to at least 16 random bytes, for example the output of: openssl rand -hex 32\n',
    )
  })

  it('rejects unknown options passed to the library', () => {
    expect(() => createFilter({ rules: undefined, colour: 'red' } as never, 'transport options')).toThrow(
      'tokenlab-logfilter: transport options: options: Unrecognized key: "colour"; remove it; the options are rules, maxLineBytes, summary',
    )
  })
})
