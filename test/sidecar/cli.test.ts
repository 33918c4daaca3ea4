/**
 * Sidecar mode through the built CLI: start-up errors (exit 2, one message each) and a run
 * without --follow that continues from the state file.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { killChildren, SidecarProcess, temporaryDirectory } from './helpers.js'

async function run(args: readonly string[]): Promise<SidecarProcess & { code: number | null }> {
  const sidecar = new SidecarProcess(args)
  const exit = await sidecar.exited
  return Object.assign(sidecar, { code: exit.code })
}

function logsDirectory(): { root: string; logs: string } {
  const root = temporaryDirectory()
  const logs = join(root, 'logs')
  mkdirSync(logs)
  return { root, logs }
}

afterEach(killChildren)

describe('sidecar start-up errors', () => {
  it.each([
    {
      name: 'metrics host without a port',
      args: (logs: string) => ['--input', join(logs, '*.log'), '--metrics-host', '0.0.0.0'],
      message: 'tokenlab-logfilter: command line: --metrics-host: has no effect without --metrics-port; add --metrics-port N (for example 9464) or remove the flag',
    },
    {
      name: 'port out of range',
      args: (logs: string) => ['--input', join(logs, '*.log'), '--metrics-port', '70000'],
      message: 'tokenlab-logfilter: command line: --metrics-port: is above the maximum of 65535; choose a value within the range',
    },
    {
      name: 'unit in a number',
      args: (logs: string) => ['--input', join(logs, '*.log'), '--grace-ms', '5s'],
      message: 'tokenlab-logfilter: command line: --grace-ms: "5s" is not a whole number; give a number without a unit, for example 5000',
    },
    {
      name: 'missing input directory',
      args: (logs: string) => ['--input', join(logs, 'nope', '*.log')],
      message: (logs: string) => `tokenlab-logfilter: command line: --input ${join(logs, 'nope', '*.log')}: the directory ${join(logs, 'nope')} does not exist; create it or mount the shared log volume there before the sidecar starts`,
    },
    {
      name: 'output read back by the input',
      args: (logs: string) => ['--input', join(logs, '*.log'), '--output', join(logs, 'clean.log')],
      message: (logs: string) => `tokenlab-logfilter: command line: --output ${join(logs, 'clean.log')}: matches --input ${join(logs, '*.log')}, so the sidecar would read its own file; put it outside ${logs} or narrow the pattern`,
    },
  ])('rejects $name with exit 2', async ({ args, message }) => {
    const { logs } = logsDirectory()
    const result = await run(args(logs))
    expect(result.code).toBe(2)
    const expected = typeof message === 'string' ? message : message(logs)
    expect(result.stderr).toBe(expected + '\n')
    expect(result.stdout).toBe('')
  })

  it('rejects a damaged state file with exit 2', async () => {
    const { root, logs } = logsDirectory()
    const state = join(root, 'state.json')
    writeFileSync(state, 'not json')
    const result = await run(['--input', join(logs, '*.log'), '--state-file', state])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`tokenlab-logfilter: --state-file ${state}: is not valid JSON; delete it`)
  })

  it('prints the sidecar help', async () => {
    const result = await run(['--input', 'x', '--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('--state-file PATH')
    expect(result.stdout).toContain('--metrics-host HOST')
  })
})

describe('sidecar without --follow', () => {
  it('reads each line once over two runs with a state file', async () => {
    const { root, logs } = logsDirectory()
    const log = join(logs, 'app.log')
    const state = join(root, 'state.json')
    const line = (index: number): string => JSON.stringify({ level: 30, seq: index, msg: `line ${index} of the batch run test`, authorization: 'Bearer mt-9sIQr3GsMfPled0lLQfHLWkq6Z4JdnjX' }) + '\n'
    appendFileSync(log, line(1) + line(2) + line(3))

    const first = await run(['--input', log, '--state-file', state])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout.trim().split('\n').map((text) => (JSON.parse(text) as { seq: number }).seq)).toEqual([1, 2, 3])

    appendFileSync(log, line(4) + line(5))
    const second = await run(['--input', log, '--state-file', state])
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout.trim().split('\n').map((text) => (JSON.parse(text) as { seq: number }).seq)).toEqual([4, 5])
    expect(first.stdout + second.stdout).not.toContain('9sIQr3GsMfPled0lLQfHLWkq6Z4JdnjX')
  })

  it('hands on a last line without a newline', async () => {
    const { logs } = logsDirectory()
    const log = join(logs, 'app.log')
    writeFileSync(log, '{"msg":"first"}\n{"msg":"last, no newline"}')
    const result = await run(['--input', log])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('{"msg":"first"}\n{"msg":"last, no newline"}\n')
  })
})
