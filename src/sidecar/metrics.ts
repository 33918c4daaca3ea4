/**
 * Prometheus metrics through prom-client, on its own registry, plus /healthz and /readyz.
 *
 * The filter's counters live in the pipeline's Summary. A scrape copies them into prom-client
 * counters, so the per-line path only increments plain numbers.
 * Label values are rule ids, identifier field names, unparsed reasons, leak shapes and status
 * classes: fixed by the rules and the code, never taken from log data.
 */
import { createServer, type Server } from 'node:http'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { CompiledRules } from '../rules/compile.js'
import type { Summary } from '../summary.js'
import { RETRY_OUTCOME_LABELS, STATUS_CLASSES, type OperationalSignals } from './operations.js'

const PREFIX = 'tokenlab_logfilter_'

/** Counters of the sidecar shell, besides the pipeline's. */
export interface SidecarCounts {
  readonly bytesIn: () => number
  readonly bytesOut: () => number
  readonly files: () => number
  readonly unreadBytes: () => number
  readonly rotations: () => Record<string, number>
  readonly skippedBytes: () => number
  readonly errors: () => Record<string, number>
  readonly stateWrites: () => number
}

export interface MetricsSources {
  readonly summary: Summary
  readonly rules: CompiledRules
  readonly signals: OperationalSignals
  readonly sidecar: SidecarCounts
}

export class SidecarMetrics {
  readonly registry = new Registry()
  private readonly latency: Histogram

  constructor(sources: MetricsSources) {
    const { summary, rules, signals, sidecar } = sources
    const registry = this.registry
    collectDefaultMetrics({ register: registry })

    const ruleIds = (test: (action: string) => boolean): string[] => rules.rules.filter((rule) => test(rule.action)).map((rule) => rule.id)
    counter(registry, 'lines_in_total', 'Lines read from the input files', () => summary.lines_in)
    counter(registry, 'lines_out_total', 'Lines written to the output', () => summary.lines_out)
    counter(registry, 'bytes_in_total', 'Bytes read from the input files', sidecar.bytesIn)
    counter(registry, 'bytes_out_total', 'Bytes written to the output', sidecar.bytesOut)
    labeledCounter(registry, 'lines_dropped_total', 'Lines removed by a drop_line rule, per rule id', 'rule', () => summary.lines_dropped, ruleIds((action) => action === 'drop_line'))
    labeledCounter(registry, 'drops_total', 'Keys deleted by drop rules, per rule id', 'rule', () => summary.drops, ruleIds((action) => action === 'drop'))
    labeledCounter(registry, 'redactions_total', 'Values or spans redacted, per rule id', 'rule', () => summary.redactions, ruleIds((action) => action !== 'drop' && action !== 'drop_line'))
    labeledCounter(registry, 'normalized_identifiers_total', 'Identifiers written to the normalized block, per field', 'field', () => summary.normalized, [])
    labeledCounter(registry, 'invalid_identifiers_total', 'Identifier values that failed their format and were not copied, per field', 'field', () => summary.invalid_identifiers, [])
    labeledCounter(registry, 'identifier_conflicts_total', 'Records in which one identifier had several values, per field', 'field', () => summary.identifier_conflicts, [])
    labeledCounter(registry, 'unparsed_lines_total', 'Lines written through the text path, per reason', 'reason', () => summary.unparsed, [])
    labeledCounter(registry, 'leak_check_hits_total', 'Secrets the leak check found after all rules ran (rule gaps), per shape', 'shape', () => summary.leak_check_hits, [])
    counter(registry, 'internal_errors_total', 'Lines on which a pipeline stage failed; they were written through the text path', () => summary.internal_errors)
    this.latency = new Histogram({
      name: `${PREFIX}line_processing_seconds`,
      help: 'Time the pipeline spent on one line',
      buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1],
      registers: [registry],
    })

    const counts = signals.counts
    labeledCounter(registry, 'responses_total', 'TokenLab responses logged, per status class (401_403, 402, 429 and 5xx apart)', 'status_class', () => counts.responses, STATUS_CLASSES)
    gauge(registry, 'tasks_over_sla', 'Async tasks seen non-terminal and still not terminal after --task-sla seconds', () => signals.tasksOverSla())
    counter(registry, 'tasks_over_sla_total', 'Async tasks that stayed non-terminal longer than --task-sla seconds', () => {
      signals.tasksOverSla()
      return counts.tasksOverSlaTotal
    })
    gauge(registry, 'tasks_tracked', 'Non-terminal async tasks being tracked for the SLA', () => signals.tasksTracked)
    counter(registry, 'create_attempts_total', 'POST requests logged with a job id', () => counts.createAttempts)
    counter(registry, 'duplicate_create_attempts_total', 'Create attempts for a job id that had a create attempt before', () => counts.duplicateCreateAttempts)
    counter(registry, 'jobs_with_several_tasks_total', 'Job ids seen with a second, different task id', () => counts.jobsWithSeveralTasks)
    labeledCounter(registry, 'retries_total', 'Client retries, per outcome (new task created or existing task resumed)', 'outcome', () => counts.retries, RETRY_OUTCOME_LABELS)
    labeledCounter(registry, 'tracking_evictions_total', 'Entries evicted from the bounded task and job tables', 'table', () => counts.evictions, ['tasks', 'jobs'])

    gauge(registry, 'sidecar_files', 'Files open for reading', sidecar.files)
    gauge(registry, 'sidecar_unread_bytes', 'Bytes in the followed files beyond the read offsets', sidecar.unreadBytes)
    labeledCounter(registry, 'sidecar_rotations_total', 'Rotations seen, per kind (rename, truncate, copy of a truncated file)', 'kind', sidecar.rotations, ['rename', 'truncate', 'copy'])
    counter(registry, 'sidecar_skipped_bytes_total', 'Bytes truncated away before they were read and found in no copy', sidecar.skippedBytes)
    labeledCounter(registry, 'sidecar_errors_total', 'Errors the sidecar handled, per operation', 'operation', sidecar.errors, ['read', 'watch', 'state', 'output'])
    counter(registry, 'sidecar_state_writes_total', 'State file writes', sidecar.stateWrites)
  }

  observeLine(seconds: number): void {
    this.latency.observe(seconds)
  }
}

function counter(registry: Registry, name: string, help: string, read: () => number): void {
  let reported = 0
  new Counter({
    name: PREFIX + name,
    help,
    registers: [registry],
    collect() {
      const value = read()
      if (value > reported) {
        this.inc(value - reported)
        reported = value
      }
    },
  })
}

function labeledCounter(registry: Registry, name: string, help: string, label: string, read: () => Record<string, number>, initial: readonly string[]): void {
  const reported = new Map<string, number>()
  const metric = new Counter({
    name: PREFIX + name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      for (const [key, value] of Object.entries(read())) {
        const previous = reported.get(key) ?? 0
        if (value > previous) {
          this.inc({ [label]: key }, value - previous)
          reported.set(key, value)
        }
      }
    },
  })
  // Series that exist from the start let alerts use increase() before the first event.
  for (const key of initial) metric.inc({ [label]: key }, 0)
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name: PREFIX + name,
    help,
    registers: [registry],
    collect() {
      this.set(read())
    },
  })
}

export interface MetricsServer {
  readonly url: string
  close(): Promise<void>
}

/** Serves /metrics, /healthz and /readyz. Rejects when the address cannot be bound. */
export function startMetricsServer(registry: Registry, host: string, port: number, isReady: () => boolean): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0]
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n'),
      )
      return
    }
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n')
      return
    }
    if (path === '/readyz') {
      const ready = isReady()
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n')
      return
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics, /healthz or /readyz\n')
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      const boundPort = typeof address === 'object' && address !== null ? address.port : port
      const shownHost = host.includes(':') ? `[${host}]` : host
      resolve({
        url: `http://${shownHost}:${boundPort}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}
