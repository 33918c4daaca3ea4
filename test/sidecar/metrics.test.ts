/**
 * End-to-end: the sidecar (the built CLI) follows a log file with --metrics-port, and the
 * metrics endpoint is scraped over loopback and checked against the run summary and against
 * the operational signals the fixture holds.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { killChildren, parsePrometheus, ROOT, SidecarProcess, sleep, temporaryDirectory, waitFor } from './helpers.js'

const FIXTURE = join(ROOT, 'fixtures', 'sidecar', 'operations.ndjson')
const FIXTURE_LINES = readFileSync(FIXTURE, 'utf8').trim().split('\n').length

/** Identifiers and secrets in the fixture that must never appear in the metrics. */
const NEVER_IN_METRICS = [
  'ldtask_0odp8vefuo7jc9lav2i8bgb9if3yg9q7',
  'ldtask_ux18pvkuai1yfb8k2twkrwsp2glfelbm',
  'ldtask_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6',
  'job-render-001',
  'job-render-003',
  '8d676000-8359-4123-a053-092ff904d1b6',
  'btx_czkgdc5px7hfhasl3ur2gd5b',
  'greta@example.org',
  '2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf',
]

async function scrape(url: string): Promise<{ text: string; samples: Map<string, number> }> {
  const response = await fetch(`${url}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toContain('text/plain')
  const text = await response.text()
  return { text, samples: parsePrometheus(text) }
}

afterEach(killChildren)

describe('sidecar metrics endpoint', () => {
  it('matches the summary and counts the operational signals', async () => {
    const root = temporaryDirectory()
    const logs = join(root, 'logs')
    mkdirSync(logs)
    copyFileSync(FIXTURE, join(logs, 'app.log'))
    const sidecar = new SidecarProcess(['--input', join(logs, 'app.log'), '--follow', '--metrics-port', '0', '--task-sla', '1', '--poll-ms', '100'])
    const url = await sidecar.metricsUrl()
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/)
    await waitFor(() => sidecar.stdout.split('\n').length > FIXTURE_LINES, `${FIXTURE_LINES} output lines`, () => sidecar.stderr)

    // Three tasks stay non-terminal (pending or processing); one completes.
    let scraped = await scrape(url)
    const deadline = Date.now() + 30_000
    while (scraped.samples.get('tokenlab_logfilter_tasks_over_sla') !== 3 && Date.now() < deadline) {
      await sleep(200)
      scraped = await scrape(url)
    }
    const { text, samples } = scraped

    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    expect((await fetch(`${url}/other`)).status).toBe(404)

    const exit = await sidecar.terminate()
    expect(exit.code, sidecar.stderr).toBe(0)
    const summary = sidecar.summary()

    expect(samples.get('tokenlab_logfilter_lines_in_total')).toBe(summary.lines_in)
    expect(summary.lines_in).toBe(FIXTURE_LINES)
    expect(samples.get('tokenlab_logfilter_lines_out_total')).toBe(summary.lines_out)
    expect(samples.get('tokenlab_logfilter_bytes_in_total')).toBe(summary.sidecar.bytes_in)
    expect(samples.get('tokenlab_logfilter_bytes_out_total')).toBe(summary.sidecar.bytes_out)
    expect(samples.get('tokenlab_logfilter_bytes_out_total')).toBe(Buffer.byteLength(sidecar.stdout))
    expect(samples.get('tokenlab_logfilter_internal_errors_total')).toBe(summary.internal_errors)
    for (const [rule, count] of Object.entries(summary.redactions)) expect(samples.get(`tokenlab_logfilter_redactions_total{rule="${rule}"}`), rule).toBe(count)
    for (const [rule, count] of Object.entries(summary.drops)) expect(samples.get(`tokenlab_logfilter_drops_total{rule="${rule}"}`), rule).toBe(count)
    for (const [field, count] of Object.entries(summary.normalized)) expect(samples.get(`tokenlab_logfilter_normalized_identifiers_total{field="${field}"}`), field).toBe(count)
    for (const [reason, count] of Object.entries(summary.unparsed)) expect(samples.get(`tokenlab_logfilter_unparsed_lines_total{reason="${reason}"}`), reason).toBe(count)
    expect(Object.keys(summary.redactions).length).toBeGreaterThan(0)
    expect(samples.get('tokenlab_logfilter_line_processing_seconds_count')).toBe(summary.lines_in)

    const responses = (statusClass: string): number | undefined => samples.get(`tokenlab_logfilter_responses_total{status_class="${statusClass}"}`)
    expect(responses('2xx')).toBe(6)
    expect(responses('401_403')).toBe(2)
    expect(responses('402')).toBe(1)
    expect(responses('429')).toBe(1)
    expect(responses('5xx')).toBe(1)
    expect(responses('4xx_other')).toBe(1)
    expect(responses('3xx')).toBe(0)
    expect(samples.get('tokenlab_logfilter_tasks_over_sla')).toBe(3)
    expect(samples.get('tokenlab_logfilter_tasks_over_sla_total')).toBe(3)
    expect(samples.get('tokenlab_logfilter_create_attempts_total')).toBe(5)
    expect(samples.get('tokenlab_logfilter_duplicate_create_attempts_total')).toBe(2)
    expect(samples.get('tokenlab_logfilter_jobs_with_several_tasks_total')).toBe(1)
    expect(samples.get('tokenlab_logfilter_retries_total{outcome="new_task"}')).toBe(2)
    expect(samples.get('tokenlab_logfilter_sidecar_files')).toBe(1)

    for (const value of NEVER_IN_METRICS) expect(text, value).not.toContain(value)
    expect(sidecar.stdout).not.toContain('2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf')
    expect(sidecar.stderr).not.toContain('2HCjUU0K0muNZy1l5XF4NaX7SwdZHC3VEKQDuVKLU38Lfrpf')
  }, 60_000)
})
