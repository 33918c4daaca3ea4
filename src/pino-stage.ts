/**
 * Position of the transport in pino's worker: the last stage, which writes to its destination,
 * or a middle stage of a `pipeline`, which passes records on to the next stage.
 *
 * pino (10.x, lib/worker.js) builds every stage of `pipeline` (and of `targets` entries that hold
 * a `pipeline`) from the description it receives as workerData, and calls each stage's module with
 * that stage's `options` object itself, not a copy. So the stage whose `options` is the object
 * this transport was given is this transport. A stage without options receives `undefined`, and
 * then the stage is found by its module file instead.
 *
 * NOTE: this relies on pino's worker passing the options object itself, which pino does not
 * document. If a pino release copies it, a middle stage is taken for a last stage and writes to
 * stdout, and the pipeline tests in test/transport.test.ts fail.
 */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export type StagePosition = 'destination' | 'middle' | 'ambiguous'

interface PinoStage {
  readonly target?: unknown
  readonly options?: unknown
}

/**
 * Finds this transport's position. `threadData` is the worker's workerData as thread-stream sets
 * it, with pino's description under `workerData`. Outside a pino worker it is null.
 */
export function findStagePosition(options: unknown, threadData: unknown, moduleFile: string): StagePosition {
  const pipelines = pinoPipelines(threadData)
  const positions: ('last' | 'middle')[] = []
  for (const pipeline of pipelines) {
    pipeline.forEach((stage, index) => {
      const isThisStage = options !== undefined ? stage.options === options : stage.options === undefined && isSameFile(stage.target, moduleFile)
      if (isThisStage) positions.push(index < pipeline.length - 1 ? 'middle' : 'last')
    })
  }
  // No match means a single `target` or an entry of `targets`, and both are last stages.
  if (!positions.includes('middle')) return 'destination'
  if (!positions.includes('last')) return 'middle'
  return 'ambiguous'
}

function pinoPipelines(threadData: unknown): PinoStage[][] {
  if (threadData === null || typeof threadData !== 'object') return []
  const description = (threadData as { workerData?: unknown }).workerData
  if (description === null || typeof description !== 'object') return []
  const pipelines = (description as { pipelines?: unknown }).pipelines
  if (!Array.isArray(pipelines)) return []
  return pipelines.filter((pipeline): pipeline is PinoStage[] => Array.isArray(pipeline))
}

function isSameFile(target: unknown, moduleFile: string): boolean {
  if (typeof target !== 'string') return false
  const path = target.startsWith('file://') ? fileURLToPath(target) : target
  return realPath(path) === realPath(moduleFile)
}

function realPath(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}
