import { describe, expect, it } from 'vitest'
import type { NormalizedBlock } from '../../src/normalized-schema.js'
import { OperationalSignals, statusClassOf } from '../../src/sidecar/operations.js'

/** Creates a clock that the test advances by hand, in milliseconds. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1000
  return { now: () => time, advance: (ms) => (time += ms) }
}

const TASK_A = 'ldtask_0odp8vefuo7jc9lav2i8bgb9if3yg9q7'
const TASK_B = 'ldtask_ux18pvkuai1yfb8k2twkrwsp2glfelbm'

describe('statusClassOf', () => {
  it.each([
    [101, '1xx'],
    [200, '2xx'],
    [204, '2xx'],
    [304, '3xx'],
    [400, '4xx_other'],
    [401, '401_403'],
    [403, '401_403'],
    [402, '402'],
    [404, '4xx_other'],
    [429, '429'],
    [500, '5xx'],
    [503, '5xx'],
    [600, undefined],
  ])('%i is %s', (code, expected) => {
    expect(statusClassOf(code)).toBe(expected)
  })
})

describe('OperationalSignals', () => {
  it('counts tasks past the SLA once and forgets terminal ones', () => {
    const clock = manualClock()
    const signals = new OperationalSignals({ taskSlaMs: 60_000, now: clock.now })
    signals.observe({ task_id: TASK_A, task_status: 'pending' })
    signals.observe({ task_id: TASK_B, task_status: 'processing' })
    clock.advance(30_000)
    expect(signals.tasksOverSla()).toBe(0)
    signals.observe({ task_id: TASK_A, task_status: 'processing' })
    clock.advance(30_000)
    expect(signals.tasksOverSla()).toBe(2)
    expect(signals.tasksOverSla()).toBe(2)
    expect(signals.counts.tasksOverSlaTotal).toBe(2)
    signals.observe({ task_id: TASK_B, task_status: 'completed' })
    expect(signals.tasksOverSla()).toBe(1)
    expect(signals.counts.tasksOverSlaTotal).toBe(2)
    expect(signals.tasksTracked).toBe(1)
  })

  it('counts a task that ended past the SLA before any sweep', () => {
    const clock = manualClock()
    const signals = new OperationalSignals({ taskSlaMs: 1000, now: clock.now })
    signals.observe({ task_id: TASK_A, task_status: 'pending' })
    clock.advance(5000)
    signals.observe({ task_id: TASK_A, task_status: 'failed' })
    expect(signals.counts.tasksOverSlaTotal).toBe(1)
    expect(signals.tasksOverSla()).toBe(0)
  })

  it('counts repeated create attempts per job id', () => {
    const signals = new OperationalSignals({ taskSlaMs: 1000 })
    const attempt: NormalizedBlock = { job_id: 'job-7', method: 'POST', endpoint: '/v1/videos/generations' }
    signals.observe(attempt)
    signals.observe({ ...attempt, task_id: TASK_A })
    signals.observe({ ...attempt, task_id: TASK_B })
    signals.observe({ job_id: 'job-7', method: 'GET', endpoint: `/v1/tasks/${TASK_B}` })
    signals.observe({ job_id: 'job-8', method: 'POST', endpoint: '/v1/management/api-keys' })
    expect(signals.counts.createAttempts).toBe(3)
    expect(signals.counts.duplicateCreateAttempts).toBe(2)
    expect(signals.counts.jobsWithSeveralTasks).toBe(1)
  })

  it('ignores identifiers that were redacted', () => {
    const signals = new OperationalSignals({ taskSlaMs: 1000, censor: '[REDACTED]' })
    signals.observe({ job_id: '[REDACTED]', method: 'POST' })
    signals.observe({ job_id: '[REDACTED]', method: 'POST' })
    expect(signals.counts.createAttempts).toBe(0)
  })

  it('evicts the oldest entries beyond its capacity', () => {
    const clock = manualClock()
    const signals = new OperationalSignals({ taskSlaMs: 1000, capacity: 3, now: clock.now })
    for (let index = 0; index < 5; index++) signals.observe({ task_id: `ldtask_${String(index).repeat(20)}`, task_status: 'pending' })
    expect(signals.tasksTracked).toBe(3)
    expect(signals.counts.evictions.tasks).toBe(2)
    for (let index = 0; index < 5; index++) signals.observe({ job_id: `job-${index}`, method: 'POST' })
    expect(signals.counts.evictions.jobs).toBe(2)
    // job-0 was evicted, so a new attempt for it is not a duplicate any more.
    signals.observe({ job_id: 'job-0', method: 'POST' })
    expect(signals.counts.duplicateCreateAttempts).toBe(0)
    signals.observe({ job_id: 'job-4', method: 'POST' })
    expect(signals.counts.duplicateCreateAttempts).toBe(1)
  })

  it('counts responses per status class', () => {
    const signals = new OperationalSignals({ taskSlaMs: 1000 })
    for (const status_code of [200, 401, 403, 402, 429, 429, 502]) signals.observe({ status_code })
    expect(signals.counts.responses).toMatchObject({ '2xx': 1, '401_403': 2, '402': 1, '429': 2, '5xx': 1, '4xx_other': 0 })
  })
})
