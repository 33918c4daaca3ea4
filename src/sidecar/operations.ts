/**
 * The operational signals of TokenLab's observability guide, taken from normalized blocks.
 * Responses are counted per status class, with 401/403, 402, 429 and 5xx apart because they
 * have different owners. Async tasks still not terminal after the task SLA are tracked, and so
 * are repeated create attempts for the same job id.
 *
 * Identifiers never leave this module, and only their truncated SHA-256 is kept in memory: the
 * task and job tables are bounded (least recently used entries are evicted and counted).
 */
import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { NormalizedBlock } from '../normalized-schema.js'

export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '401_403', '402', '429', '4xx_other', '5xx'] as const
export type StatusClass = (typeof STATUS_CLASSES)[number]

export const RETRY_OUTCOME_LABELS = ['new_task', 'resumed_task'] as const

/** Tasks and jobs tracked at most, each; about 100 bytes per entry. */
export const DEFAULT_TRACKING_CAPACITY = 50_000

export function statusClassOf(code: number): StatusClass | undefined {
  if (code === 401 || code === 403) return '401_403'
  if (code === 402) return '402'
  if (code === 429) return '429'
  if (code >= 100 && code < 200) return '1xx'
  if (code >= 200 && code < 300) return '2xx'
  if (code >= 300 && code < 400) return '3xx'
  if (code >= 400 && code < 500) return '4xx_other'
  if (code >= 500 && code < 600) return '5xx'
  return undefined
}

const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled'])
const NON_TERMINAL_STATUSES: ReadonlySet<string> = new Set(['pending', 'processing'])

export interface OperationalCounts {
  readonly responses: Record<StatusClass, number>
  /** POST requests logged with a job id. */
  createAttempts: number
  /** Create attempts for a job id that had one before. */
  duplicateCreateAttempts: number
  /** Job ids seen with a second, different task id. */
  jobsWithSeveralTasks: number
  readonly retries: Record<(typeof RETRY_OUTCOME_LABELS)[number], number>
  /** Tasks that stayed non-terminal longer than the SLA (counted once each). */
  tasksOverSlaTotal: number
  readonly evictions: { tasks: number; jobs: number }
}

export interface OperationalOptions {
  readonly taskSlaMs: number
  readonly capacity?: number
  /** The censor string of the rules: an identifier containing it was redacted and is not tracked. */
  readonly censor?: string
  /** Monotonic clock in milliseconds. */
  readonly now?: () => number
}

interface JobEntry {
  attempts: number
  task: string | undefined
  severalTasks: boolean
}

export class OperationalSignals {
  readonly counts: OperationalCounts = {
    responses: Object.fromEntries(STATUS_CLASSES.map((name) => [name, 0])) as Record<StatusClass, number>,
    createAttempts: 0,
    duplicateCreateAttempts: 0,
    jobsWithSeveralTasks: 0,
    retries: { new_task: 0, resumed_task: 0 },
    tasksOverSlaTotal: 0,
    evictions: { tasks: 0, jobs: 0 },
  }
  private readonly taskSlaMs: number
  private readonly capacity: number
  private readonly censor: string | undefined
  private readonly now: () => number
  /** Non-terminal tasks within the SLA, oldest first: hash to first-seen time. */
  private readonly waiting = new Map<string, number>()
  /** Non-terminal tasks past the SLA. */
  private readonly overdue = new Set<string>()
  private readonly jobs = new Map<string, JobEntry>()

  constructor(options: OperationalOptions) {
    this.taskSlaMs = options.taskSlaMs
    this.capacity = options.capacity ?? DEFAULT_TRACKING_CAPACITY
    this.censor = options.censor
    this.now = options.now ?? (() => performance.now())
  }

  /** Non-terminal tasks tracked now. */
  get tasksTracked(): number {
    return this.waiting.size + this.overdue.size
  }

  observe(block: NormalizedBlock): void {
    if (block.status_code !== undefined) {
      const statusClass = statusClassOf(block.status_code)
      if (statusClass !== undefined) this.counts.responses[statusClass]++
    }
    const outcome = block.retry?.outcome
    if (outcome !== undefined) this.counts.retries[outcome]++
    const taskKey = this.keyOf(block.task_id)
    if (taskKey !== undefined && block.task_status !== undefined) this.observeTask(taskKey, block.task_status)
    const jobKey = this.keyOf(block.job_id)
    if (jobKey !== undefined) this.observeJob(jobKey, block, taskKey)
  }

  /** Moves tasks that passed the SLA to the overdue set and returns how many are overdue now. */
  tasksOverSla(): number {
    const deadline = this.now() - this.taskSlaMs
    for (const [key, firstSeen] of this.waiting) {
      // The map is in first-seen order, so the first task within the SLA ends the scan.
      if (firstSeen > deadline) break
      this.waiting.delete(key)
      this.overdue.add(key)
      this.counts.tasksOverSlaTotal++
    }
    return this.overdue.size
  }

  private observeTask(key: string, status: string): void {
    if (TERMINAL_STATUSES.has(status)) {
      const firstSeen = this.waiting.get(key)
      if (firstSeen !== undefined) {
        // Terminal before a sweep noticed that it had passed the SLA: count it now.
        if (this.now() - firstSeen >= this.taskSlaMs) this.counts.tasksOverSlaTotal++
        this.waiting.delete(key)
      }
      this.overdue.delete(key)
      return
    }
    if (!NON_TERMINAL_STATUSES.has(status) || this.waiting.has(key) || this.overdue.has(key)) return
    this.waiting.set(key, this.now())
    if (this.tasksTracked > this.capacity) this.evictTask()
  }

  private evictTask(): void {
    this.counts.evictions.tasks++
    const oldestWaiting = this.waiting.keys().next()
    if (!oldestWaiting.done) {
      this.waiting.delete(oldestWaiting.value)
      return
    }
    const oldestOverdue = this.overdue.values().next()
    if (!oldestOverdue.done) this.overdue.delete(oldestOverdue.value)
  }

  private observeJob(key: string, block: NormalizedBlock, taskKey: string | undefined): void {
    let entry = this.jobs.get(key)
    if (entry === undefined) {
      entry = { attempts: 0, task: undefined, severalTasks: false }
    } else {
      // Re-insert so that the map stays in least-recently-used order.
      this.jobs.delete(key)
    }
    this.jobs.set(key, entry)

    if (isCreateAttempt(block)) {
      this.counts.createAttempts++
      if (entry.attempts > 0) this.counts.duplicateCreateAttempts++
      entry.attempts++
    }
    if (taskKey !== undefined) {
      if (entry.task === undefined) {
        entry.task = taskKey
      } else if (entry.task !== taskKey && !entry.severalTasks) {
        entry.severalTasks = true
        this.counts.jobsWithSeveralTasks++
      }
    }
    if (this.jobs.size > this.capacity) {
      const oldest = this.jobs.keys().next()
      if (!oldest.done) this.jobs.delete(oldest.value)
      this.counts.evictions.jobs++
    }
  }

  private keyOf(identifier: string | undefined): string | undefined {
    if (identifier === undefined || identifier === '') return undefined
    if (this.censor !== undefined && this.censor !== '' && identifier.includes(this.censor)) return undefined
    return createHash('sha256').update(identifier).digest('base64url').slice(0, 16)
  }
}

/**
 * Returns whether the block is a create attempt: a POST logged with a job id. Management API
 * calls and task status and cancel calls are not creates.
 */
function isCreateAttempt(block: NormalizedBlock): boolean {
  if (block.method !== 'POST') return false
  const endpoint = block.endpoint
  return endpoint === undefined || !(endpoint.startsWith('/v1/management/') || endpoint.startsWith('/v1/tasks/'))
}
