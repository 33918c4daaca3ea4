/** Results of a benchmark run, as the report reads them. */
import type { CorpusStats } from './corpus.js'
import type { BenchOptions } from './options.js'
import type { ProfileSummary } from './profile.js'
import type { RssMethod } from './measure.js'
import type { Row } from './rows.js'
import type { TransportRow } from './transport-rows.js'

export type CaseId = 'mixed' | 'benign' | 'long-line'

export interface MachineInfo {
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGiB: number
  readonly node: string
  readonly os: string
  readonly date: string
  readonly commit: string | undefined
  readonly jq: string | undefined
  readonly rssMethod: RssMethod
  /** One-minute load average when the run started and when it ended (other work on the machine). */
  readonly loadAverage: { readonly start: number; end?: number }
}

/** One row on one case. Figures are absent when the row was skipped or failed. */
export interface RowResult {
  readonly row: Row
  skipped?: string
  failure?: string
  checkSummary?: string
  /** Median wall time of the timed runs. */
  wallSeconds?: number
  cpuSeconds?: number
  /** Largest peak RSS of the check run and the timed runs. */
  peakRssBytes?: number
  timedRuns: number
}

export interface CaseResult {
  readonly id: CaseId
  readonly title: string
  readonly stats: CorpusStats
  readonly rows: RowResult[]
}

/** The filter on the mixed corpus piped several times in a row: peak RSS only. */
export interface ScaleResult {
  readonly repeats: number
  readonly lines: number
  readonly bytes: number
  failure?: string
  peakRssBytes?: number
  wallSeconds?: number
}

export interface TransportResult {
  readonly row: TransportRow
  readonly records: number
  skipped?: string
  failure?: string
  checkSummary?: string
  appSeconds?: number
  drainSeconds?: number
  peakRssBytes?: number
  timedRuns: number
}

export interface BenchResults {
  readonly options: BenchOptions
  readonly machine: MachineInfo
  readonly cases: CaseResult[]
  readonly scale: ScaleResult | undefined
  readonly transport: TransportResult[]
  readonly profiles: { readonly caseId: CaseId; readonly summary: ProfileSummary }[]
  readonly failures: string[]
}
