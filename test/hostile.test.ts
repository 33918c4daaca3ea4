/**
 * Hostile records found by attacking the filter: each case once leaked a secret, hung on a
 * single line or miscounted. Records go through the real pipeline in this process; lines that
 * were slow carry the test timeout as their failure mode, with inputs sized so that a quadratic
 * scan takes minutes and a linear one milliseconds.
 */
import { describe, expect, it } from 'vitest'
import { createFilter } from '../src/index.js'

function filterLine(line: string): string | null {
  return createFilter({}, 'test').pipeline.processLine(line)
}

describe('hostile records', () => {
  it('renames 30,000 colliding secret keys in linear time', () => {
    const count = 30_000
    const keys = Array.from({ length: count }, (_, index) => `"sk-proj-${String(index).padStart(8, '0')}AbCdEfGhIjKl":1`)
    const output = filterLine(`{${keys.join(',')}}`) as string
    const record = JSON.parse(output) as Record<string, number>
    expect(Object.keys(record)).toHaveLength(count)
    expect(record['sk-proj-[REDACTED]']).toBe(1)
    expect(record[`sk-proj-[REDACTED]#${count}`]).toBe(1)
    expect(output).not.toContain('AbCdEfGhIjKl')
  }, 5_000)
})
