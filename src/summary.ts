/**
 * Run counters: what the summary on stderr, the metrics endpoint and tests read. Keys are rule
 * ids, identifier field names, unparsed reasons and shape names; never values from log lines.
 */

export interface Summary {
  lines_in: number
  lines_out: number
  /** Lines removed by a drop_line rule, per rule id. */
  lines_dropped: Record<string, number>
  /** Keys deleted by drop rules, per rule id. */
  drops: Record<string, number>
  /** Values or spans replaced by redact, stub, hmac and partial rules, per rule id. */
  redactions: Record<string, number>
  /** Identifiers written to the normalized block, per field. */
  normalized: Record<string, number>
  /** Identifier values that failed their format and were not copied, per field. */
  invalid_identifiers: Record<string, number>
  /** Records in which one identifier had several values, per field. */
  identifier_conflicts: Record<string, number>
  /** Lines that took the text path, per reason. */
  unparsed: Record<string, number>
  /** Secrets the leak check found after all rules ran (rule gaps), per shape. */
  leak_check_hits: Record<string, number>
  /** Lines on which a stage failed; they were written through the text path. */
  internal_errors: number
}

export function emptySummary(): Summary {
  return {
    lines_in: 0,
    lines_out: 0,
    lines_dropped: {},
    drops: {},
    redactions: {},
    normalized: {},
    invalid_identifiers: {},
    identifier_conflicts: {},
    unparsed: {},
    leak_check_hits: {},
    internal_errors: 0,
  }
}

export function increment(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by
}

export function totalOf(counts: Record<string, number>): number {
  let total = 0
  for (const value of Object.values(counts)) total += value
  return total
}
