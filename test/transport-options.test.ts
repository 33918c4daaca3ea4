import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { filterOptionsSchema, optionsTableMarkdown, parseFilterOptions, parseTransportOptions, transportOptionsSchema } from '../src/options.js'
import { ROOT } from './helpers.js'

function messageOf(parse: () => unknown): string {
  try {
    parse()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected the options to be rejected')
}

describe('transport options', () => {
  it('apply the defaults of pino/file', () => {
    expect(parseTransportOptions(undefined)).toEqual({ maxLineBytes: 1024 * 1024, summary: 'counts', destination: 1, mkdir: false, append: true })
  })

  it('contain every filter option', () => {
    for (const name of Object.keys(filterOptionsSchema.shape)) expect(Object.keys(transportOptionsSchema.shape)).toContain(name)
  })

  it.each([{ maxLineBytes: 10 }, { maxLineBytes: 1.5 }, { summary: 'all' }, { rules: '' }])('reject %j as the filter options do', (input) => {
    expect(messageOf(() => parseTransportOptions(input))).toBe(messageOf(() => parseFilterOptions(input, 'transport options')))
  })

  it.each([
    [{ destination: '' }, 'tokenlab-logfilter: transport options: destination: Too small: expected string to have >=1 characters; use at least 1'],
    [{ destination: 1.5 }, 'tokenlab-logfilter: transport options: destination: expected a file path or a file descriptor number; see the transport options table in the README'],
    [{ append: 'no' }, 'tokenlab-logfilter: transport options: append: Invalid input: expected boolean, received string; give a boolean'],
  ])('reject %j', (input, message) => {
    expect(messageOf(() => parseTransportOptions(input))).toBe(message)
  })

  it('list transport-only options in their table', () => {
    const table = optionsTableMarkdown(transportOptionsSchema)
    expect(table).toContain('| `destination` | none (transport only) | string or number | `1` |')
    expect(table).toContain('| `summary` | `--summary off\\|counts` | string | `"counts"` |')
    expect(optionsTableMarkdown()).not.toContain('destination')
  })

  it('match the table in docs/transport.md', () => {
    const page = readFileSync(join(ROOT, 'docs', 'transport.md'), 'utf8')
    const start = '<!-- transport-options-table:start -->\n'
    const end = '\n<!-- transport-options-table:end -->'
    expect(page).toContain(start)
    expect(page.slice(page.indexOf(start) + start.length, page.indexOf(end))).toBe(optionsTableMarkdown(transportOptionsSchema))
  })
})
