/**
 * A pino transport that wraps tokenlab-logfilter/transport and, when the stream closes, writes
 * to `probeFile` whether Object.prototype in the worker thread gained keys from the records.
 */
import { writeFileSync } from 'node:fs'
import { isMainThread } from 'node:worker_threads'
import tokenlabTransport from 'tokenlab-logfilter/transport'

export default async function prototypeProbeTransport({ probeFile, ...options }) {
  const stream = await tokenlabTransport(options)
  stream.on('close', () => {
    const empty = {}
    writeFileSync(probeFile, JSON.stringify({ inWorker: !isMainThread, polluted: empty.polluted ?? null, isAdmin: empty.isAdmin ?? null }))
  })
  return stream
}
