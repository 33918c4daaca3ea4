/**
 * Text rendering of a reconcile report: the three lists (each capped), then the totals.
 */
import type { LoggedEntry, ReconcileReport } from './reconcile-join.js'
import type { UsageRecord } from './usage-records.js'

export function renderReconcileText(report: ReconcileReport, maxListed: number): string {
  const totals = report.totals
  const lines: string[] = []
  const window = report.window.start === undefined && report.window.end === undefined
    ? 'all dates'
    : `${report.window.start ?? 'the beginning'} to ${report.window.end ?? 'now'}`
  lines.push(`Reconciled ${totals.logged_operations} logged operations with ${totals.usage_records} usage records (${window}, ${report.scene === undefined ? 'all scenes' : `scene ${report.scene}`}).`)

  section(lines, 'Logged but never billed', report.logged_not_billed, maxListed, describeLogged)
  section(lines, 'Billed but never logged', report.billed_not_logged, maxListed, describeUsage)
  section(lines, 'Async tasks still unsettled', report.unsettled_tasks, maxListed, describeLogged)

  lines.push('', 'Totals:')
  lines.push(`  logged operations ${totals.logged_operations}: billed ${totals.billed}, never billed ${totals.logged_not_billed}, unsettled tasks ${totals.unsettled_tasks}, errors and failed tasks (not billable) ${totals.not_billable}, outside --scene or dates ${totals.outside_filters}`)
  lines.push(`  usage records ${totals.usage_records}: matched ${totals.usage_matched}, never logged ${totals.billed_not_logged}, outside --scene or dates ${totals.usage_outside_window}`)
  lines.push(`  cost (USD): usage ${totals.cost_usd.usage}, matched ${totals.cost_usd.matched}, never logged ${totals.cost_usd.billed_not_logged}`)
  return lines.join('\n')
}

function section<Entry>(lines: string[], title: string, entries: readonly Entry[], maxListed: number, describe: (entry: Entry) => string): void {
  lines.push('', `${title} (${entries.length}):`)
  if (entries.length === 0) {
    lines.push('  none')
    return
  }
  for (const entry of entries.slice(0, maxListed)) lines.push(`  ${describe(entry)}`)
  if (entries.length > maxListed) lines.push(`  ... ${entries.length - maxListed} more (raise --max-listed, or use --json)`)
}

function describeLogged(entry: LoggedEntry): string {
  const parts = [
    entry.request_id ?? entry.task_id ?? entry.billing_transaction_id ?? '',
    entry.request_id !== undefined ? entry.task_id : undefined,
    entry.billing_transaction_id !== undefined && (entry.request_id !== undefined || entry.task_id !== undefined) ? entry.billing_transaction_id : undefined,
    entry.method === undefined && entry.endpoint === undefined ? undefined : `${entry.method ?? ''} ${entry.endpoint ?? ''}`.trim(),
    entry.model,
    entry.status_code === undefined ? undefined : `HTTP ${entry.status_code}`,
    entry.task_status === undefined ? undefined : `task ${entry.task_status}`,
    entry.last_seen === undefined ? undefined : `last seen ${entry.last_seen}`,
  ]
  return parts.filter((part) => part !== undefined && part !== '').join('  ')
}

function describeUsage(record: UsageRecord): string {
  const parts = [
    record.request_id ?? '(no request_id)',
    record.billing_transaction_id,
    record.model,
    record.scene,
    record.cost === undefined ? undefined : `$${record.cost}`,
    record.created_at,
  ]
  return parts.filter((part) => part !== undefined).join('  ')
}
