/**
 * The CLI as a process among others. It is stopped by SIGTERM or SIGINT mid-stream, and held up
 * past the grace period by a reader that never reads. It writes to a reader that stops reading,
 * to one that reads about 1 MB/s, and to one that goes away. Each test runs the built CLI as a
 * child process.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { CLI, SECRETS, expectAbsent, summaryFromStderr } from './helpers.js'

function startCli(args: readonly string[] = []): { child: ChildProcessWithoutNullStreams; stdout: () => string; stderr: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
  child.stdin.on('error', () => undefined)
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })))
  return { child, stdout: () => Buffer.concat(out).toString('utf8'), stderr: () => Buffer.concat(err).toString('utf8'), exit }
}

function countLines(text: string): number {
  let count = 0
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count++
  return count
}

/** Peak resident set size of a running process in bytes (VmHWM), or undefined once it has exited. */
function peakRss(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

/** CPU time (user + system) a running process has used, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

describe('CLI process', () => {
  it('writes every line it read and exits 0 on SIGTERM', async () => {
    const run = startCli()
    const line = (index: number): string => JSON.stringify({ level: 30, i: index, api_key: SECRETS.OPQ5 }) + '\n'
    let batch = ''
    for (let index = 0; index < 50_000; index++) batch += line(index)
    run.child.stdin.write(batch)
    // stdin stays open, as a FIFO whose writer sleeps; wait until the filter has caught up.
    for (let waited = 0; waited < 100 && countLines(run.stdout()) < 50_000; waited++) await sleep(100)
    run.child.kill('SIGTERM')
    const result = await run.exit
    expect(result.code).toBe(0)
    const output = run.stdout()
    expect(output.endsWith('\n')).toBe(true)
    const lines = output.trimEnd().split('\n')
    expect(lines).toHaveLength(50_000)
    for (const text of [lines[0]!, lines[24_999]!, lines[49_999]!]) expect(() => JSON.parse(text)).not.toThrow()
    expectAbsent(output, SECRETS.OPQ5)
    const summary = summaryFromStderr(run.stderr())
    expect(summary.lines_out).toBe(50_000)
    expect(run.stderr()).toContain('"note":"stopped by SIGTERM"')
  }, 20_000)

  it('stops reading while its reader is paused, stays small and idle, and loses nothing', async () => {
    const run = startCli(['--summary', 'off'])
    run.child.stdout.pause()
    const record = JSON.stringify({ level: 30, msg: 'x'.repeat(500), api_key: SECRETS.OPQ6 }) + '\n'
    const chunk = record.repeat(200)
    const totalChunks = 2000
    let written = 0
    let finished = false
    const producer = (async () => {
      while (written < totalChunks) {
        written++
        if (!run.child.stdin.write(chunk)) await new Promise((resolve) => run.child.stdin.once('drain', resolve))
      }
      run.child.stdin.end()
      finished = true
    })()

    await sleep(1500)
    const cpuBefore = cpuSeconds(run.child.pid!)
    const acceptedWhilePaused = written
    await sleep(1000)
    const cpuDuringPause = cpuSeconds(run.child.pid!) - cpuBefore
    // Bounded by pipe and stream buffers: a few chunks of 100 KB, not the 200 MB on offer.
    expect(acceptedWhilePaused).toBeLessThan(100)
    expect(written - acceptedWhilePaused).toBeLessThan(5)
    expect(cpuDuringPause).toBeLessThan(0.3)
    expect(finished).toBe(false)

    let lines = 0
    let rss = 0
    run.child.stdout.on('data', (data: Buffer) => {
      lines += countLines(data.toString('latin1'))
      rss = Math.max(rss, peakRss(run.child.pid!) ?? 0)
    })
    run.child.stdout.resume()
    await producer
    const result = await run.exit
    expect(result.code).toBe(0)
    expect(lines).toBe(totalChunks * 200)
    expect(rss).toBeLessThan(150 * 1024 * 1024)
  }, 60_000)

  it('finishes the lines in flight and exits 0 on SIGINT while input still arrives', async () => {
    const run = startCli()
    const record = JSON.stringify({ level: 30, msg: 'streaming', authorization: `Bearer ${SECRETS.LOWERBEARER}` }) + '\n'
    let stopped = false
    const producer = (async () => {
      // Chunks of 7,000 bytes do not end on a line boundary, so a line is usually half read when the signal comes.
      const chunk = record.repeat(100).slice(0, 7000)
      while (!stopped) {
        if (!run.child.stdin.write(chunk)) await Promise.race([new Promise((resolve) => run.child.stdin.once('drain', resolve)), run.exit])
        await sleep(1)
      }
    })()
    for (let waited = 0; waited < 100 && countLines(run.stdout()) < 2000; waited++) await sleep(50)
    run.child.kill('SIGINT')
    const result = await run.exit
    stopped = true
    await producer
    expect(result.code).toBe(0)

    const output = run.stdout()
    expect(output.endsWith('\n')).toBe(true)
    const lines = output.slice(0, -1).split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(2000)
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow()
    expectAbsent(output, SECRETS.LOWERBEARER)
    const summary = summaryFromStderr(run.stderr())
    expect(run.stderr()).toContain('"note":"stopped by SIGINT"')
    // Every line read was written: a line cut by the signal comes out as a wrapped text record.
    expect(summary.lines_in).toBe(lines.length)
    expect(summary.lines_out).toBe(lines.length)
  }, 30_000)

  it('gives up after the grace period when stdout cannot drain', async () => {
    const run = startCli(['--grace-ms', '500'])
    run.child.stdout.pause()
    const chunk = (JSON.stringify({ level: 30, msg: 'x'.repeat(900) }) + '\n').repeat(100)
    // Fill the pipe and the filter's buffers, since the test never reads stdout.
    for (let index = 0; index < 40; index++) run.child.stdin.write(chunk)
    // Output means the filter runs and has its signal handlers; then let it fill the pipe.
    for (let waited = 0; waited < 200 && run.child.stdout.readableLength === 0; waited++) await sleep(50)
    await sleep(500)
    const signalled = performance.now()
    run.child.kill('SIGTERM')
    const result = await run.exit
    expect(performance.now() - signalled).toBeGreaterThanOrEqual(450)
    expect(result.code).toBe(1)
    expect(run.stderr()).toContain('tokenlab-logfilter: stdout: did not drain within 500 ms; the last records may be lost; raise --grace-ms\n')
    expect(summaryFromStderr(run.stderr()).lines_in).toBeGreaterThan(0)
  }, 20_000)

  it('keeps memory bounded for a reader at about 1 MB/s and delivers everything at EOF', async () => {
    const run = startCli(['--summary', 'off'])
    run.child.stdout.pause()
    const totalLines = 100_000
    const record = JSON.stringify({ level: 30, msg: 'x'.repeat(400), api_key: SECRETS.OPQ4 }) + '\n'
    let offered = 0
    const producer = (async () => {
      const batch = record.repeat(100)
      for (let sent = 0; sent < totalLines; sent += 100) {
        offered += batch.length
        if (!run.child.stdin.write(batch)) await new Promise((resolve) => run.child.stdin.once('drain', resolve))
      }
      run.child.stdin.end()
    })()

    let lines = 0
    let received = 0
    let peak = 0
    const consume = (data: Buffer): void => {
      received += data.length
      lines += countLines(data.toString('latin1'))
      if (lines === 1 || lines % 1000 === 0) expectAbsent(data.toString('utf8'), SECRETS.OPQ4)
    }
    // Slow phase: 100 KB every 100 ms.
    const reader = setInterval(() => {
      let budget = 100 * 1024
      while (budget > 0 && run.child.stdout.readableLength > 0) {
        const data = run.child.stdout.read(Math.min(budget, run.child.stdout.readableLength)) as Buffer | null
        if (data === null) break
        budget -= data.length
        consume(data)
      }
      peak = Math.max(peak, peakRss(run.child.pid!) ?? 0)
    }, 100)
    await sleep(4000)
    clearInterval(reader)
    // The filter read about as much as the reader took, not the 46 MB on offer.
    expect(received).toBeGreaterThan(1024 * 1024)
    expect(offered).toBeLessThan(received * 2 + 8 * 1024 * 1024)
    expect(peak).toBeLessThan(150 * 1024 * 1024)

    run.child.stdout.on('data', consume)
    run.child.stdout.resume()
    await producer
    const result = await run.exit
    expect(result.code).toBe(0)
    expect(lines).toBe(totalLines)
  }, 60_000)

  it('keeps memory bounded when every line brings a new 900 KB query parameter name', async () => {
    const run = startCli(['--summary', 'off'])
    let lines = 0
    let peak = 0
    run.child.stdout.on('data', (data: Buffer) => {
      lines += countLines(data.toString('latin1'))
      peak = Math.max(peak, peakRss(run.child.pid!) ?? 0)
    })
    const filler = 'a'.repeat(900_000)
    for (let index = 0; index < 150; index++) {
      const line = `{"level":30,"url":"https://x.example/p?${String(index).padStart(6, '0')}${filler}=v"}\n`
      if (!run.child.stdin.write(line)) await new Promise((resolve) => run.child.stdin.once('drain', resolve))
    }
    run.child.stdin.end()
    const result = await run.exit
    expect(result.code).toBe(0)
    expect(lines).toBe(150)
    // Caching each name would keep 135 MB of them on top of the usual peak (about 120 MB here).
    expect(peak).toBeLessThan(200 * 1024 * 1024)
  }, 60_000)

  it('ends quietly with status 0 when its reader closes the pipe', async () => {
    const script = `yes '{"level":30,"msg":"x","api_key":"${SECRETS.OPQ7}"}' | head -n 200000 | "${process.execPath}" "${CLI}" | head -n 1; echo "status:\${PIPESTATUS[2]}"`
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()))
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()))
    await new Promise((resolve) => child.on('close', resolve))
    const [first, status] = stdout.trimEnd().split('\n')
    expect(JSON.parse(first!)).toEqual({ level: 30, msg: 'x', api_key: '[REDACTED]' })
    expectAbsent(first!, SECRETS.OPQ7)
    expect(status).toBe('status:0')
    expect(stderr).not.toMatch(/\n\s+at /)
    expect(stderr).not.toContain('EPIPE')
  }, 10_000)
})
