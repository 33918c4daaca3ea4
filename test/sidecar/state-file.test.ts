import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LogfilterError } from '../../src/errors.js'
import { emptyState, loadState, saveState, type SidecarState } from '../../src/sidecar/state-file.js'
import { temporaryDirectory } from './helpers.js'

const STATE: SidecarState = {
  version: 1,
  files: [{ path: '/logs/app.log', identity: '2049:131077', fingerprint: { bytes: 1024, sha256: 'a'.repeat(64) }, offset: 4096 }],
  truncated: [{ path: '/logs/app.log', fingerprint: { bytes: 512, sha256: 'b'.repeat(64) }, offset: 300, at: 1718000000000 }],
}

function loadError(path: string): string {
  try {
    loadState(path)
  } catch (error) {
    expect(error).toBeInstanceOf(LogfilterError)
    return (error as Error).message
  }
  throw new Error('loadState did not throw')
}

describe('state file', () => {
  it('round-trips through save and load', async () => {
    const path = join(temporaryDirectory(), 'state.json')
    await saveState(path, STATE)
    expect(loadState(path)).toEqual(STATE)
  })

  it('replaces the file without leaving a temporary file', async () => {
    const directory = temporaryDirectory()
    const path = join(directory, 'state.json')
    await saveState(path, emptyState())
    await saveState(path, STATE)
    expect(readdirSync(directory)).toEqual(['state.json'])
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(STATE)
  })

  it('loads a missing file as an empty state', () => {
    expect(loadState(join(temporaryDirectory(), 'none.json'))).toEqual(emptyState())
  })

  it('rejects a file that is not JSON', () => {
    const path = join(temporaryDirectory(), 'state.json')
    writeFileSync(path, '{"version":1,')
    expect(loadError(path)).toBe(
      `tokenlab-logfilter: --state-file ${path}: is not valid JSON; delete it to read every file from the start again (lines already written will repeat), or point --state-file elsewhere`,
    )
  })

  it('rejects a file with the wrong shape', () => {
    const path = join(temporaryDirectory(), 'state.json')
    writeFileSync(path, JSON.stringify({ ...STATE, files: [{ ...STATE.files[0], offset: -1 }] }))
    expect(loadError(path)).toMatch(/^tokenlab-logfilter: --state-file .*: is not a version 1 sidecar state file \(.* at files\.0\.offset\); delete it/)
  })

  it('rejects a state file in a missing directory', () => {
    const directory = join(temporaryDirectory(), 'missing')
    expect(loadError(join(directory, 'state.json'))).toBe(
      `tokenlab-logfilter: --state-file ${join(directory, 'state.json')}: the directory ${directory} does not exist; create it, or mount a volume that survives restarts of the sidecar there`,
    )
  })

  it('saves into an existing directory only', async () => {
    const directory = temporaryDirectory()
    mkdirSync(join(directory, 'sub'))
    await expect(saveState(join(directory, 'sub', 'state.json'), STATE)).resolves.toBeUndefined()
    await expect(saveState(join(directory, 'gone', 'state.json'), STATE)).rejects.toThrow(/ENOENT/)
  })
})
