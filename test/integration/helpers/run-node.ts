// Runs a Node.js script as a child process to its end and keeps what it printed: the CLI tests'
// way of running the `paddock` command.
import { spawn } from 'node:child_process'

/** How a run ended and what it printed. */
export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Runs `node ...args` with `env` added to this process's environment, to its end: at most
 * `timeoutMs`, then SIGKILL and a failure naming the command and its output so far.
 */
export function runNode(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 40_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`node ${args.join(' ')} did not end within ${timeoutMs} ms:\n${stdout}\n${stderr}`))
    }, timeoutMs)
    // 'close', not 'exit': the output pipes are drained by then. A detached server started by
    // `server start` holds no end of these pipes (its output goes to paddock.log).
    proc.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
