/** Row "split2 passthrough": the cost of moving lines through Node, with no work per line. */
import { runLineProcess } from './line-process.js'

runLineProcess((line) => line)
