#!/usr/bin/env node
/**
 * Runs the shell as its own program: `node lib/cli/shell/main.js [-server host:port] [cmd args...]`,
 * the same as `paddock shell ...`.
 * @module
 */
import { runShell } from './index.js'

const code = await runShell(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  isTTY: process.stdin.isTTY === true && process.stdout.isTTY === true,
})
process.exitCode = code
// Leftover sockets or timers must not keep a finished shell alive.
process.exit(code)
