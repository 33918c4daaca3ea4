/**
 * Writes a benchmark corpus to a file, for profiling or trying the filter by hand:
 *
 *   node dist/bench/generate.js --variant mixed --lines 200000 --out /tmp/mixed.ndjson
 *
 * The statistics (lines and bytes per line size) go to stderr.
 */
import { parseArgs } from 'node:util'
import { CORPUS_VARIANTS, writeCorpus, type CorpusVariant } from './corpus.js'
import { DEFAULT_LINES, DEFAULT_SEED, parseCount } from './options.js'

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'mixed' },
    lines: { type: 'string', default: String(DEFAULT_LINES) },
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    out: { type: 'string' },
  },
})

const variant = values.variant as CorpusVariant
if (!CORPUS_VARIANTS.includes(variant)) {
  console.error(`generate: --variant ${values.variant} is not a corpus variant; use one of ${CORPUS_VARIANTS.join(', ')}`)
  process.exit(2)
}
if (values.out === undefined) {
  console.error('generate: --out is missing; give the file to write the corpus to')
  process.exit(2)
}
const stats = await writeCorpus(values.out, {
  variant,
  lines: parseCount(values.lines, '--lines'),
  seed: parseCount(values.seed, '--seed'),
})
console.error(JSON.stringify(stats))
