import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateCorpus, writeCorpus, writeLongLineCorpus, type CorpusLine, type CorpusVariant } from '../../bench/corpus.js'
import { PLANTED_NEEDLES, PLANTED_VALUES } from '../../bench/fake-secrets.js'

const LINES = 20_000
const directory = mkdtempSync(join(tmpdir(), 'bench-corpus-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

function generate(variant: CorpusVariant, seed = 1, lines = LINES): CorpusLine[] {
  return [...generateCorpus({ variant, seed, lines })]
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

function share(lines: readonly CorpusLine[], predicate: (line: CorpusLine) => boolean): number {
  return lines.filter(predicate).length / lines.length
}

const TOKENLAB_IDENTIFIER_SHAPES = [/ldtask_/, /btx_/, /"request_id"/i, /x-request-id/i, /x-task-id/i, /billing_transaction_id/i, /poll_url/]

describe.each(['mixed', 'benign'] as const)('%s corpus', (variant) => {
  const lines = generate(variant)
  const jsonLines = lines.filter((line) => line.size !== 'text')

  it('repeats for the same seed', () => {
    expect(generate(variant, 1, 2000).map((line) => line.text)).toEqual(lines.slice(0, 2000).map((line) => line.text))
  })

  it('changes with the seed', () => {
    expect(generate(variant, 2, 200).map((line) => line.text)).not.toEqual(lines.slice(0, 200).map((line) => line.text))
  })

  it('has 1% lines that are not JSON', () => {
    expect(share(lines, (line) => line.size === 'text')).toBeCloseTo(0.01, 2)
    const parsable = lines.filter((line) => line.size === 'text' && isJson(line.text))
    expect(parsable).toEqual([])
  })

  it.each([['small', 0.6], ['medium', 0.3], ['large', 0.1]] as const)('has about the %s share of JSON lines', (size, expected) => {
    expect(Math.abs(share(jsonLines, (line) => line.size === size) - expected)).toBeLessThan(0.02)
  })

  it('writes pino records as JSON lines', () => {
    const notPino = jsonLines.filter((line) => {
      const record = JSON.parse(line.text) as Record<string, unknown>
      return Object.keys(record).slice(0, 4).join() !== 'level,time,pid,hostname' || typeof record.msg !== 'string'
    })
    expect(notPino).toEqual([])
  })

  it('orders sizes by mean length', () => {
    const meanLength = (size: string): number => {
      const sized = jsonLines.filter((line) => line.size === size)
      return sized.reduce((sum, line) => sum + line.text.length, 0) / sized.length
    }
    expect(meanLength('small')).toBeLessThan(meanLength('medium'))
    expect(meanLength('medium') * 2).toBeLessThan(meanLength('large'))
  })

  it('matches its statistics when written', async () => {
    const path = join(directory, `${variant}.ndjson`)
    const stats = await writeCorpus(path, { variant, seed: 1, lines: LINES })
    expect(readFileSync(path, 'utf8')).toBe(lines.map((line) => line.text + '\n').join(''))
    expect(stats.bytes).toBe(statSync(path).size)
    expect(stats.lines).toBe(LINES)
    expect(stats.plantedLines).toBe(lines.filter((line) => line.planted).length)
    expect(stats.identifierLines).toBe(lines.filter((line) => line.identifiers).length)
  })
})

describe('mixed corpus contents', () => {
  const lines = generate('mixed')
  const text = lines.map((line) => line.text).join('\n')

  it('plants every fake value', () => {
    for (const planted of PLANTED_VALUES) expect(text, planted.value).toContain(planted.value)
  })

  it('marks a share of lines as planted', () => {
    expect(share(lines, (line) => line.planted)).toBeGreaterThan(0.3)
    expect(share(lines, (line) => line.planted)).toBeLessThan(0.6)
  })

  it('carries TokenLab identifiers in marked lines', () => {
    expect(share(lines, (line) => line.identifiers)).toBeGreaterThan(0.2)
    const withoutShape = lines.filter((line) => line.identifiers && !TOKENLAB_IDENTIFIER_SHAPES.some((shape) => shape.test(line.text)))
    expect(withoutShape).toEqual([])
  })
})

describe('benign corpus contents', () => {
  const lines = generate('benign')

  it('has no planted value', () => {
    expect(lines.filter((line) => line.planted)).toEqual([])
    const found = lines.flatMap((line) => PLANTED_NEEDLES.filter((needle) => line.text.includes(needle)).map((needle) => `${needle} in ${line.text}`))
    expect(found).toEqual([])
  })

  it('has no TokenLab identifier', () => {
    expect(lines.filter((line) => line.identifiers)).toEqual([])
    const found = lines.flatMap((line) => TOKENLAB_IDENTIFIER_SHAPES.filter((shape) => shape.test(line.text)).map((shape) => `${shape} in ${line.text}`))
    expect(found).toEqual([])
  })
})

describe('long-line corpus', () => {
  it('has one line of the given size between two short ones', async () => {
    const path = join(directory, 'long.ndjson')
    const stats = await writeLongLineCorpus(path, 2, 1)
    const lines = readFileSync(path, 'utf8').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(3)
    expect(Buffer.byteLength((lines[1] as string) + '\n')).toBe(2 * 2 ** 20)
    for (const line of lines) expect(JSON.parse(line)).toBeTypeOf('object')
    expect(stats.bytes).toBe(statSync(path).size)
  })
})
