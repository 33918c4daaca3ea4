/**
 * Regenerates fixtures/sample/: runs the scenario against the demo app and the mock TokenLab
 * server and writes
 *   tokenlab-app.log          the app's stdout and stderr, unfiltered (`node main.js > log 2>&1`)
 *   planted-secrets.json      the canary list: values that must not survive the filter
 *   issued-identifiers.json   the ids the mock issued, which must reach the normalized blocks
 *
 * Run with `npm run sample:generate`. The mock's ids are seeded, so they stay the same between
 * runs; timestamps, ports, latencies, pino-http's request UUIDs and stack line numbers change.
 */
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot, startDemoAppProcess } from './launch.js'
import { createDemoMock, plantedSecrets, runScenario } from './scenario.js'

const folder = join(packageRoot(), 'fixtures', 'sample')
mkdirSync(folder, { recursive: true })
const logPath = join(folder, 'tokenlab-app.log')

const mock = createDemoMock()
await mock.listen()
const logFd = openSync(logPath, 'w')
const app = await startDemoAppProcess(mock.url, logFd)
try {
  await runScenario(app.url, mock)
} finally {
  const code = await app.stop()
  closeSync(logFd)
  await mock.close()
  if (code !== 0) process.exitCode = 1
}

writeFileSync(join(folder, 'planted-secrets.json'), `${JSON.stringify(plantedSecrets(mock), null, 2)}\n`)
writeFileSync(join(folder, 'issued-identifiers.json'), `${JSON.stringify(mock.issued, null, 2)}\n`)
console.log(`wrote ${logPath}`)
