/**
 * Preloaded with `node --import` when GNU time is not installed: at exit, writes the process's
 * peak resident set size in KiB (process.resourceUsage().maxRSS) to the file in BENCH_RSS_FILE.
 */
import { writeFileSync } from 'node:fs'

const target = process.env.BENCH_RSS_FILE
if (target !== undefined) {
  process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)))
}
