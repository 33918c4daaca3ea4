/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`): self time per function and per source file,
 * as shares of all samples.
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

export interface ProfileEntry {
  readonly name: string
  readonly selfMilliseconds: number
  readonly selfShare: number
}

export interface ProfileSummary {
  readonly totalMilliseconds: number
  readonly functions: readonly ProfileEntry[]
  readonly files: readonly ProfileEntry[]
}

/** Returns a readable location: a path relative to the package, or a `node:` module as it is. */
function locationOf(url: string, root: string): string {
  if (url === '') return ''
  if (url.startsWith('file://')) {
    const path = relative(root, fileURLToPath(url))
    return path.startsWith('node_modules/') ? path.replace(/^node_modules\//, '') : path
  }
  return url
}

function ranked(totals: Map<string, number>, total: number, limit: number): ProfileEntry[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, micros]) => ({ name, selfMilliseconds: micros / 1000, selfShare: total === 0 ? 0 : micros / total }))
}

/** Reads a .cpuprofile and returns the `limit` functions and files with the most self time. */
export function summarizeProfile(path: string, root: string, limit = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const byFunction = new Map<string, number>()
  const byFile = new Map<string, number>()
  let total = 0
  // timeDeltas[i] is the time between sample i-1 and sample i; it is charged to sample i's function.
  for (let index = 0; index < profile.samples.length; index++) {
    const node = nodes.get(profile.samples[index] as number)
    const delta = Math.max(0, profile.timeDeltas[index] ?? 0)
    if (node === undefined) continue
    total += delta
    const frame = node.callFrame
    const location = locationOf(frame.url, root)
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName
    const functionKey = location === '' ? name : `${name} (${location}:${frame.lineNumber + 1})`
    // V8's own entries such as "(garbage collector)" keep their name; other code without a file is a built-in.
    let fileKey = location
    if (location === '') fileKey = name.startsWith('(') ? name : '(V8 built-ins and native code)'
    byFunction.set(functionKey, (byFunction.get(functionKey) ?? 0) + delta)
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + delta)
  }
  return { totalMilliseconds: total / 1000, functions: ranked(byFunction, total, limit), files: ranked(byFile, total, limit) }
}
