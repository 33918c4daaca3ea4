/**
 * A log-writing application for the sidecar tests, run as a child process. It appends
 * pino-style lines through one open descriptor, like a real logger, and rotates its file on
 * command. Commands arrive as JSON lines on stdin; each gets one JSON reply line on stdout.
 *
 *   {"cmd":"write","count":N}                  append N lines now
 *   {"cmd":"start","intervalMs":M}             append one line every M ms until "pause"
 *   {"cmd":"pause"}                            stop the timer
 *   {"cmd":"rename","to":P,"trailing":K}       rename the file to P, append K more lines to the
 *                                              old descriptor (a logger that reopens late), then
 *                                              create the file again and write there
 *   {"cmd":"copytruncate","to":P}              copy the file to P and truncate it, between two
 *                                              lines (as logrotate does, minus its race)
 *   {"cmd":"exit"}
 *
 * Every line carries `seq` (1, 2, 3, ... over the whole run) and `gen`, which changes whenever
 * a rotation starts new file content, so the tests can check order within each file.
 */
import { closeSync, copyFileSync, ftruncateSync, openSync, renameSync, writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { FAKE_API_KEY } from './helpers.js'

interface Command {
  readonly cmd: 'write' | 'start' | 'pause' | 'rename' | 'copytruncate' | 'exit'
  readonly count?: number
  readonly intervalMs?: number
  readonly to?: string
  readonly trailing?: number
}

const path = process.argv[2]
if (path === undefined) throw new Error('usage: log-writer.js FILE')

let fd = openSync(path, 'a')
let seq = 0
let gen = 0
let timer: NodeJS.Timeout | undefined

function writeLine(target: number = fd): void {
  seq++
  const record = { seq, gen, level: 30, time: Date.now(), msg: `line ${seq} of file generation ${gen}`, api_key: FAKE_API_KEY }
  writeSync(target, JSON.stringify(record) + '\n')
}

function reply(data: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ ok: true, seq, gen, ...data }) + '\n')
}

function handle(command: Command): void {
  switch (command.cmd) {
    case 'write':
      for (let index = 0; index < (command.count ?? 1); index++) writeLine()
      break
    case 'start':
      if (timer === undefined) timer = setInterval(() => writeLine(), command.intervalMs ?? 5)
      break
    case 'pause':
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      break
    case 'rename': {
      renameSync(path as string, command.to as string)
      for (let index = 0; index < (command.trailing ?? 0); index++) writeLine()
      closeSync(fd)
      gen++
      fd = openSync(path as string, 'a')
      break
    }
    case 'copytruncate':
      copyFileSync(path as string, command.to as string)
      ftruncateSync(fd, 0)
      gen++
      break
    case 'exit':
      if (timer !== undefined) clearInterval(timer)
      closeSync(fd)
      reply({})
      process.exit(0)
  }
  reply({})
}

createInterface({ input: process.stdin }).on('line', (text) => handle(JSON.parse(text) as Command))
