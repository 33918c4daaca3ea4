/**
 * Row "JSON.parse + JSON.stringify": the floor for any filter that rewrites JSON. A line that is
 * not JSON is written unchanged.
 */
import { runLineProcess } from './line-process.js'

runLineProcess((line) => {
  let record: unknown
  try {
    record = JSON.parse(line)
  } catch {
    return line
  }
  return JSON.stringify(record)
})
