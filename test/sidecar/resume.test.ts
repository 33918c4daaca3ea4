/**
 * Start planning for found files: each rotation case as a table row over real fingerprints.
 */
import { describe, expect, it } from 'vitest'
import { fingerprintOf } from '../../src/sidecar/fingerprint.js'
import { planFound, planStartup, startsAlike, type FoundFile, type TruncationLike } from '../../src/sidecar/resume.js'
import type { FileCheckpoint } from '../../src/sidecar/state-file.js'

function content(name: string, lines: number): Buffer {
  let text = ''
  for (let index = 0; index < lines; index++) text += JSON.stringify({ file: name, line: index, msg: 'a line long enough to fill a fingerprint' }) + '\n'
  return Buffer.from(text)
}

function found(identity: string, data: Buffer): FoundFile {
  return { identity, size: data.length, prefix: data.subarray(0, 1024) }
}

function checkpoint(identity: string, data: Buffer, offset: number): FileCheckpoint {
  return { path: `/logs/${identity}`, identity, fingerprint: fingerprintOf(data.subarray(0, 1024)), offset }
}

const original = content('original', 40)
const rewritten = content('rewritten', 40)

describe('planStartup', () => {
  it.each([
    { name: 'same inode and content resumes at the offset', files: [found('1:1', original)], checkpoints: [checkpoint('1:1', original, 500)], expected: { '1:1': { reason: 'resumed', offset: 500 } } },
    { name: 'same inode with new content starts over', files: [found('1:1', rewritten)], checkpoints: [checkpoint('1:1', original, 500)], expected: { '1:1': { reason: 'truncated', offset: 0 } } },
    { name: 'same inode shorter than the offset starts over', files: [found('1:1', original.subarray(0, 300))], checkpoints: [checkpoint('1:1', original, 500)], expected: { '1:1': { reason: 'truncated', offset: 0 } } },
    {
      name: 'copy of a file truncated while stopped goes on from the old offset',
      files: [found('1:1', rewritten), found('1:2', original)],
      checkpoints: [checkpoint('1:1', original, 500)],
      expected: { '1:1': { reason: 'truncated', offset: 0 }, '1:2': { reason: 'copy-of-truncated', offset: 500 } },
    },
    { name: 'file moved under a new inode goes on from its offset', files: [found('2:7', original)], checkpoints: [checkpoint('1:1', original, 500)], expected: { '2:7': { reason: 'moved', offset: 500 } } },
    {
      name: 'copy of a followed file is not read again',
      files: [found('1:1', original), found('1:2', original)],
      checkpoints: [checkpoint('1:1', original, 500)],
      expected: { '1:1': { reason: 'resumed', offset: 500 }, '1:2': { reason: 'copy-of-followed', offset: original.length } },
    },
    { name: 'unknown file is read from the start', files: [found('1:3', rewritten)], checkpoints: [checkpoint('1:1', original, 500)], expected: { '1:3': { reason: 'new', offset: 0 } } },
  ])('$name', ({ files, checkpoints, expected }) => {
    const plan = planStartup(files, checkpoints, [])
    for (const [identity, start] of Object.entries(expected)) {
      expect(plan.plans.get(identity), identity).toMatchObject(start)
    }
  })

  it('reports checkpoints whose file is gone', () => {
    const plan = planStartup([found('1:3', rewritten)], [checkpoint('1:1', original, 500)], [])
    expect(plan.missing.map((entry) => entry.identity)).toEqual(['1:1'])
  })

  it('keeps the truncation record until a copy claims it', () => {
    const unclaimed = planStartup([found('1:1', rewritten)], [checkpoint('1:1', original, 500)], [])
    expect(unclaimed.truncations).toHaveLength(1)
    expect(unclaimed.truncations[0]?.offset).toBe(500)
    const claimed = planStartup([found('1:1', rewritten), found('1:2', original)], [checkpoint('1:1', original, 500)], [])
    expect(claimed.truncations).toHaveLength(0)
  })

  it('uses truncation records from the state file', () => {
    const record: TruncationLike = { path: '/logs/app.log', fingerprint: fingerprintOf(original.subarray(0, 1024)), offset: 640 }
    const plan = planStartup([found('1:9', original)], [], [record])
    expect(plan.plans.get('1:9')).toMatchObject({ reason: 'copy-of-truncated', offset: 640 })
  })
})

describe('planFound', () => {
  it('claims a truncation record for a copy still being written', () => {
    const record: TruncationLike = { path: '/logs/app.log', fingerprint: fingerprintOf(original.subarray(0, 1024)), prefix: original.subarray(0, 1024), offset: 900 }
    const records = [record]
    // Only the first 100 bytes of the copy exist yet.
    const plan = planFound(found('1:5', original.subarray(0, 100)), records, [])
    expect(plan).toMatchObject({ reason: 'copy-of-truncated', offset: 900 })
    expect(records).toHaveLength(0)
  })

  it('treats a file sharing fewer than 64 leading bytes as new', () => {
    const other = Buffer.concat([original.subarray(0, 40), Buffer.from('x'.repeat(200))])
    const plan = planFound(found('1:6', other), [], [{ identity: '1:1', fingerprint: fingerprintOf(original), prefix: original.subarray(0, 1024) }])
    expect(plan).toEqual({ reason: 'new', offset: 0 })
  })
})

describe('startsAlike', () => {
  it.each([
    { name: 'equal prefixes', prefix: original.subarray(0, 200), known: original.subarray(0, 1024), expected: true },
    { name: 'shorter known prefix', prefix: original.subarray(0, 1024), known: original.subarray(0, 100), expected: true },
    { name: 'too short to compare', prefix: original.subarray(0, 63), known: original.subarray(0, 1024), expected: false },
    { name: 'different content', prefix: rewritten.subarray(0, 1024), known: original.subarray(0, 1024), expected: false },
  ])('$name', ({ prefix, known, expected }) => {
    expect(startsAlike(prefix, { fingerprint: fingerprintOf(known), prefix: known })).toBe(expected)
  })

  it('compares hashes when only the fingerprint is known', () => {
    const fingerprint = fingerprintOf(original.subarray(0, 1024))
    expect(startsAlike(original.subarray(0, 1024), { fingerprint })).toBe(true)
    expect(startsAlike(original.subarray(0, 500), { fingerprint })).toBe(false)
  })
})
