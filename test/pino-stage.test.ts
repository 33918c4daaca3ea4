import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { findStagePosition } from '../src/pino-stage.js'
import { ROOT } from './helpers.js'

const MODULE = join(ROOT, 'dist', 'src', 'transport.js')
const OTHER = join(ROOT, 'node_modules', 'pino', 'file.js')

/** workerData as thread-stream sets it for pino's worker, with the given pipelines. */
function threadData(pipelines: unknown[][]): unknown {
  return { filename: 'file:///pino/lib/worker.js', workerData: { pipelines, pinoWillSendConfig: true } }
}

describe('findStagePosition', () => {
  const own = { summary: 'off' }
  const twin = { summary: 'off' }

  it.each([
    { name: 'outside a pino worker', options: own, data: null, expected: 'destination' },
    { name: 'as a single target', options: own, data: { workerData: { ...own, pinoWillSendConfig: true } }, expected: 'destination' },
    { name: 'as one of several targets', options: own, data: { workerData: { targets: [{ target: MODULE, options: own }] } }, expected: 'destination' },
    { name: 'as the first of two stages', options: own, data: threadData([[{ target: MODULE, options: own }, { target: OTHER, options: {} }]]), expected: 'middle' },
    { name: 'as the last of two stages', options: own, data: threadData([[{ target: OTHER, options: {} }, { target: MODULE, options: own }]]), expected: 'destination' },
    { name: 'when only an equal copy is a middle stage', options: own, data: threadData([[{ target: MODULE, options: twin }, { target: MODULE, options: own }]]), expected: 'destination' },
    { name: 'without options, by module path', options: undefined, data: threadData([[{ target: MODULE }, { target: OTHER }]]), expected: 'middle' },
    { name: 'without options, by file URL', options: undefined, data: threadData([[{ target: pathToFileURL(MODULE).href }, { target: OTHER }]]), expected: 'middle' },
    { name: 'without options, as the last stage', options: undefined, data: threadData([[{ target: OTHER }, { target: MODULE }]]), expected: 'destination' },
    { name: 'without options, in two positions', options: undefined, data: threadData([[{ target: MODULE }, { target: MODULE }]]), expected: 'ambiguous' },
  ])('returns $expected $name', ({ options, data, expected }) => {
    expect(findStagePosition(options, data, MODULE)).toBe(expected)
  })
})
