/**
 * The pid file `paddock server start` writes (`dataDir/paddock.pid`, the pid alone, as zkServer.sh
 * writes `zookeeper_server.pid`), and how `stop`, `start` and `status` tell whether the process it
 * names is still this configuration's server. A pid outlives its process: after a crash or a
 * reboot the number may belong to any other program, which `stop` must never signal.
 *
 * On Linux the process's command line (`/proc/PID/cmdline`) and working directory
 * (`/proc/PID/cwd`) identify it: the Paddock CLI entry running `server start-foreground` with the
 * same configuration file. Where /proc is not available the answer is `unverified`, and the
 * caller decides by asking the client port.
 * @module
 */
import { readFileSync, readlinkSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'

/** What a pid file says about a configuration's server. */
export type PidFileState =
  /** No pid file, or one that holds no pid. */
  | { readonly kind: 'none' }
  /** Its process has exited (or is exiting: a zombie not reaped yet has an empty command line). */
  | { readonly kind: 'gone'; readonly pid: number }
  /** A live process that is not this configuration's Paddock server (the pid was reused). */
  | { readonly kind: 'other'; readonly pid: number; readonly commandLine: string }
  /** This configuration's Paddock server. */
  | { readonly kind: 'server'; readonly pid: number }
  /** A Paddock server using this data directory but started from another configuration file (or directory). */
  | { readonly kind: 'elsewhere'; readonly pid: number; readonly started: ServerStart }
  /** A live process this platform cannot identify (no /proc). */
  | { readonly kind: 'unverified'; readonly pid: number }

/** How a Paddock server process was started: its configuration file and working directory. */
export interface ServerStart {
  /** The configuration file, absolute; undefined when started with the built-in defaults. */
  readonly configFile: string | undefined
  /** The process's working directory. */
  readonly cwd: string
}

/** The server a pid file should name. */
export interface ExpectedServer {
  /** The configuration file, absolute; undefined when started with the built-in defaults. */
  readonly configFile: string | undefined
  /** The working directory `start` ran in (the defaults' `./data` is relative to it). */
  readonly cwd: string
}

/** The arguments after the Node executable that `start` runs the server with. */
export function serverArguments(main: string, configFile: string | undefined): string[] {
  return [main, 'server', 'start-foreground', ...(configFile === undefined ? [] : [configFile])]
}

/** The pid in a pid file, or undefined without a file or a valid pid. */
export function readPidFile(file: string): number | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  const pid = Number(text.trim())
  return Number.isInteger(pid) && pid > 0 ? pid : undefined
}

/** Reads the pid file and identifies its process. */
export function inspectPidFile(file: string, expected: ExpectedServer): PidFileState {
  const pid = readPidFile(file)
  if (pid === undefined) return { kind: 'none' }
  return identifyProcess(pid, expected)
}

/** Whether `pid` is alive, and whether it is the expected server. */
export function identifyProcess(pid: number, expected: ExpectedServer): Exclude<PidFileState, { kind: 'none' }> {
  if (!processExists(pid)) return { kind: 'gone', pid }
  const args = commandLineOf(pid)
  if (args === undefined) return processExists(pid) ? { kind: 'unverified', pid } : { kind: 'gone', pid }
  if (args.length === 0) return { kind: 'gone', pid }
  const started = serverStartOf(args, workingDirectoryOf(pid) ?? expected.cwd)
  if (started === undefined) return { kind: 'other', pid, commandLine: args.join(' ') }
  return sameStart(started, expected) ? { kind: 'server', pid } : { kind: 'elsewhere', pid, started }
}

/** The CLI's entries, file in folder: its module, and the bundled command that package.json's bin names. */
export const cliEntries = { module: { folder: 'cli', file: 'main.js' }, bundled: { folder: 'bin', file: 'paddock.cjs' } } as const

/** Whether `arg` names one of the {@link cliEntries}. */
function isCliEntry(arg: string): boolean {
  const [file, folder] = [basename(arg), basename(dirname(arg))]
  return Object.values(cliEntries).some((entry) => entry.file === file && entry.folder === folder)
}

/**
 * How `args` (a process's argv, the executable first) started a Paddock server: the CLI entry
 * (`…/cli/main.js`, or the bundled `…/bin/paddock.cjs`) running `server start-foreground
 * [zoo.cfg]`, the file resolved against the process's working directory `cwd`. Undefined for any
 * other program.
 */
export function serverStartOf(args: readonly string[], cwd: string): ServerStart | undefined {
  const entry = args.findIndex(isCliEntry)
  if (entry < 0 || args[entry + 1] !== 'server' || args[entry + 2] !== 'start-foreground') return undefined
  const rest = args.slice(entry + 3)
  if (rest.length > 1) return undefined
  return { configFile: rest[0] === undefined ? undefined : resolve(cwd, rest[0]), cwd }
}

/** The same configuration file; with the defaults (no file), the same working directory. */
function sameStart(started: ServerStart, expected: ExpectedServer): boolean {
  if (expected.configFile === undefined) return started.configFile === undefined && started.cwd === expected.cwd
  return started.configFile === expected.configFile
}

/** Whether a process `pid` exists (running, or exited and not reaped yet). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as { code?: string }).code === 'EPERM'
  }
}

/** The process's argv from /proc, or undefined where it cannot be read. */
function commandLineOf(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    const args = raw.split('\0')
    if (args.at(-1) === '') args.pop()
    return args
  } catch {
    return undefined
  }
}

function workingDirectoryOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`)
  } catch {
    return undefined
  }
}
