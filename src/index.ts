/**
 * Library API of tokenlab-logfilter. The CLI and the pino transport are thin shells over this.
 */
import { compileRules, type CompiledRules } from './rules/compile.js'
import { loadRuleSet } from './rules/load.js'
import { hmacKeyFromEnvironment, parseFilterOptions, type FilterOptions, type FilterOptionsInput } from './options.js'
import { Pipeline, type PipelineOptions } from './pipeline.js'

export interface Filter {
  readonly options: FilterOptions
  readonly pipeline: Pipeline
  readonly rules: CompiledRules
}

/**
 * Loads and compiles the rules and returns a pipeline. Throws LogfilterError on any
 * configuration problem, so that a caller fails at start-up, before it reads a line.
 */
export function createFilter(input: FilterOptionsInput = {}, origin = 'options', pipelineOptions: PipelineOptions = {}): Filter {
  const options = parseFilterOptions(input, origin)
  const rules = compileRules(loadRuleSet(options.rules), { hmacKey: hmacKeyFromEnvironment() })
  return { options, rules, pipeline: new Pipeline(rules, pipelineOptions) }
}

export { LogfilterError, formatMessage } from './errors.js'
export { filterOptionsSchema, parseFilterOptions, HMAC_KEY_VARIABLE, type FilterOptions, type FilterOptionsInput } from './options.js'
export { compileRules, type CompiledRules } from './rules/compile.js'
export { loadRuleSet, parseRuleText, defaultPackPath, type RuleSet } from './rules/load.js'
export { Pipeline, type LineFlags, type PipelineOptions, type RuleHit } from './pipeline.js'
export { normalizedBlockSchema, normalizedBlockJsonSchema, type NormalizedBlock } from './normalized-schema.js'
export { emptySummary, type Summary } from './summary.js'
