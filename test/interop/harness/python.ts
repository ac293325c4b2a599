/**
 * The kazoo scripts of test/interop/python, run with the Debian python (/usr/bin/python3, where
 * python3-kazoo lives), their last stdout line parsed as JSON.
 * @module
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

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
