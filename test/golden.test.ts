/**
 * Golden cases: fixtures/golden/<case>/input.ndjson must become expected.ndjson, through the
 * library and through the built CLI. A case folder may hold env.json (environment for the run,
 * such as an HMAC key) and rules.yaml. Every rule of the default pack has a case named after its
 * id. After a reviewed behaviour change, regenerate with UPDATE_GOLDEN=1.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadRuleSet } from '../src/rules/load.js'
import { filterText, fixturePath, runCli } from './helpers.js'

const GOLDEN = fixturePath('golden')
const cases = readdirSync(GOLDEN).sort()

function caseFiles(name: string): { input: string; expectedPath: string; env: Record<string, string>; rules: string | undefined } {
  const folder = join(GOLDEN, name)
  const envPath = join(folder, 'env.json')
  const rulesPath = join(folder, 'rules.yaml')
  return {
    input: readFileSync(join(folder, 'input.ndjson'), 'utf8'),
    expectedPath: join(folder, 'expected.ndjson'),
    env: existsSync(envPath) ? (JSON.parse(readFileSync(envPath, 'utf8')) as Record<string, string>) : {},
    rules: existsSync(rulesPath) ? rulesPath : undefined,
  }
}

function withEnvironment<T>(env: Record<string, string>, run: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]))
  Object.assign(process.env, env)
  try {
    return run()
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

describe('golden cases', () => {
  it('cover every rule of the default pack', () => {
    const ids = loadRuleSet().rules.map((rule) => rule.id)
    const missing = ids.filter((id) => !cases.includes(id))
    expect(missing).toEqual([])
  })

  it.each(cases)('%s matches expected.ndjson through the library and the CLI', async (name) => {
    const { input, expectedPath, env, rules } = caseFiles(name)
    const options = rules === undefined ? {} : { rules }
    const library = withEnvironment(env, () => filterText(input, options))
    const actual = library.lines.map((line) => line + '\n').join('')
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedPath, actual)
    const expected = readFileSync(expectedPath, 'utf8')
    expect(actual).toBe(expected)

    const cli = await runCli(['--summary', 'off', ...(rules === undefined ? [] : ['--rules', rules])], input, env)
    expect(cli.code).toBe(0)
    expect(cli.stdout).toBe(expected)
  })
})
