/**
 * The kazoo scripts of test/interop/python, run with the Debian python (/usr/bin/python3, where
 * python3-kazoo lives), their last stdout line parsed as JSON.
 * @module
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { withTimeout } from './wait.js'

/** The interpreter with Debian's dist-packages; the `python3` first on PATH may not have kazoo. */
export const debianPython = '/usr/bin/python3'
/** How long one script may run; each script also has its own watchdog. */
const scriptTimeoutMs = 55_000

const pythonDir = fileURLToPath(new URL('../python/', import.meta.url))

/** Why kazoo cannot run here, or undefined when it can. */
export function kazooUnavailableReason(): string | undefined {
  if (!existsSync(debianPython)) return `${debianPython} is missing`
  if (!existsSync('/usr/lib/python3/dist-packages/kazoo')) return 'python3-kazoo is missing (run .ci/install-interop.sh as root)'
  return undefined
}

/** Runs `python/<script> ...args` and resolves with the JSON it printed last. */
export function runKazooScript<T>(script: string, ...args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(debianPython, [pythonDir + script, ...args], { timeout: scriptTimeoutMs }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${script} ${args.join(' ')} failed: ${error.message}\n${stderr}`))
      const last = stdout.trim().split('\n').pop() ?? ''
      try {
        resolve(JSON.parse(last) as T)
      } catch {
        reject(new Error(`${script} printed no JSON:\n${stdout}\n${stderr}`))
      }
    })
  })
}

/** A kazoo script running in the background, from {@link spawnKazooScript}. */
export interface BackgroundKazooScript<T> {
  /** Resolves once the script printed the line `line` (bounded by `timeoutMs`). */
  printed(line: string, timeoutMs: number): Promise<void>
  /** Closes the script's stdin (its signal to finish) and resolves with the JSON it printed last. */
  finish(timeoutMs: number): Promise<T>
  /** The lines the script printed so far. */
  lines(): string[]
  /** SIGKILLs the script (for a test's cleanup; nothing is printed then). */
  kill(): void
}

/** Starts `python/<script> ...args` in the background; {@link BackgroundKazooScript.finish} ends it. */
export function spawnKazooScript<T>(script: string, ...args: string[]): BackgroundKazooScript<T> {
  const child = spawn(debianPython, [pythonDir + script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-8_000)))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const failed = (what: string): Error => new Error(`${script} ${args.join(' ')}: ${what}\n${stdout.slice(-4_000)}\n${stderr}`)
  return {
    kill: () => child.kill('SIGKILL'),
    lines: () => stdout.split('\n').slice(0, -1),
    printed: (line, timeoutMs) =>
      withTimeout(
        new Promise<void>((resolve, reject) => {
          const check = (): void => {
            if (stdout.split('\n').includes(line)) resolve()
            else if (child.exitCode !== null) reject(failed(`exited (${child.exitCode}) before printing ${line}`))
            else setTimeout(check, 50)
          }
          check()
        }),
        timeoutMs,
        `${script} to print ${line}`,
      ).catch((error: unknown) => {
        child.kill('SIGKILL')
        throw error
      }),
    finish: async (timeoutMs) => {
      child.stdin.end('stop\n')
      const code = await withTimeout(exited, timeoutMs, `${script} to finish`).catch((error: unknown) => {
        child.kill('SIGKILL')
        throw failed((error as Error).message)
      })
      const last = stdout.trim().split('\n').pop() ?? ''
      try {
        if (code !== 0) throw new Error()
        return JSON.parse(last) as T
      } catch {
        throw failed(`exited (${code}) without JSON`)
      }
    },
  }
}
