/**
 * Runs the mock TokenLab server on its own, with the demo app's keys, and prints its URL:
 *
 *   node dist/examples/mock-tokenlab/main.js
 */
import { createDemoMock } from '../demo-app/scenario.js'

const mock = createDemoMock()
const url = await mock.listen()
console.log(`mock TokenLab API listening on ${url}`)

process.once('SIGINT', () => void mock.close())
process.once('SIGTERM', () => void mock.close())
