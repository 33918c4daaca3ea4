/**
 * Starts the built demo app (dist/examples/demo-app/main.js) as a child process whose stdout and
 * stderr both go to `output`, as `node main.js > out 2>&1` would, and waits until it listens.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { DEMO_TIMEOUT_MS } from './scenario.js'

export interface DemoAppProcess {
  readonly url: string
  readonly child: ChildProcess
  /** Sends SIGTERM and resolves with the exit code once the app has closed its server and exited. */
  stop(): Promise<number | null>
}

/** The repository root: the nearest folder above this file with a package.json. */
export function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder)
    if (parent === folder) throw new Error('package.json not found above examples/demo-app')
    folder = parent
  }
  return folder
}

export function demoAppMainPath(): string {
  return join(packageRoot(), 'dist', 'examples', 'demo-app', 'main.js')
}

/** `output` is a file descriptor or a stream backed by one (a pipe of another child, for instance). */
export async function startDemoAppProcess(tokenlabUrl: string, output: number | Writable): Promise<DemoAppProcess> {
  const main = demoAppMainPath()
  if (!existsSync(main)) throw new Error(`${main} is missing; run npm run build first`)
  const child = fork(main, [], {
    stdio: ['ignore', output, output, 'ipc'],
    env: {
      ...process.env,
      TOKENLAB_BASE_URL: tokenlabUrl,
      PORT: '0',
      LOG_LEVEL: 'debug',
      TOKENLAB_TIMEOUT_MS: String(DEMO_TIMEOUT_MS),
    },
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { type?: string; url?: string }) => {
      if (message.type === 'listening' && typeof message.url === 'string') resolve(message.url)
    })
    child.once('exit', (code) => reject(new Error(`demo app exited with code ${String(code)} before it listened`)))
    child.once('error', reject)
  })
  return {
    url,
    child,
    async stop() {
      child.kill('SIGTERM')
      return exited
    },
  }
}
