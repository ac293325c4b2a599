/**
 * `paddock server start|start-foreground|stop|restart|status|version|print-cmd [zoo.cfg]`:
 * zkServer.sh's verbs for a standalone server or an ensemble member, with errors that say what is
 * wrong. `PADDOCK_*` environment variables override the file's keys, and every verb says which.
 * The server is loaded only by the verb that runs one, and the four-letter-word client (with
 * node:tls) only by the verbs that ask a server, so each verb starts as soon as it can.
 * @module
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Server } from '../host/types.js'
import { serverStartProbeIntervalMs, serverStartProbeTimeoutMs, serverStartWaitMs, serverStopPollIntervalMs, serverStopWaitMs } from '../limits.js'
import { memberOptionsFor, serverOptionsFor } from '../host/zoo-cfg-options.js'
import { cliEntries, identifyProcess, inspectPidFile, processExists, serverArguments, type ExpectedServer, type PidFileState, type ServerStart } from './pid-file.js'
import { loadLaunch, type Launch } from './settings.js'
import { versionLine } from './version.js'

/** Where a command writes: stdout and stderr. */
export interface Output {
  /** Normal output. */
  out(line: string): void
  /** Errors. */
  err(line: string): void
}

const pidFile = (launch: Launch) => join(launch.dataDir, 'paddock.pid')
const logFile = (launch: Launch) => join(launch.dataDir, 'paddock.log')
/**
 * The CLI entry `start` runs the server with: this module's own `main.js`, or, when this module
 * runs from the bundled command (dist/lib/bin), the bundle's entry beside it.
 */
const cliMain = (): string => {
  const module = fileURLToPath(new URL(cliEntries.module.file, import.meta.url))
  return existsSync(module) ? module : fileURLToPath(new URL(cliEntries.bundled.file, import.meta.url))
}
const expectedServer = (launch: Launch): ExpectedServer => ({ configFile: launch.file, cwd: process.cwd() })

/** Asks the configured client port a four-letter word; over TLS when the file sets only secureClientPort. */
async function askServer(launch: Launch, word: string, timeoutMs?: number): Promise<string> {
  const tls = launch.probeTls === undefined ? undefined : await (await import('../host/tls.js')).selfProbeTls(launch.probeTls)
  const { askFourLetterWord } = await import('./four-letter.js')
  return askFourLetterWord(launch.localHost, launch.port, word, timeoutMs, tls)
}

/** zkServer.sh's verbs, as the usage line lists them. */
export const serverVerbs: readonly string[] = ['start', 'start-foreground', 'stop', 'restart', 'status', 'version', 'print-cmd']

/**
 * Runs a `paddock server` verb; returns the exit code. `env` is where `PADDOCK_*` settings come
 * from (`process.env`); `version` reads no configuration.
 */
export async function runServerCommand(verb: string | undefined, file: string | undefined, io: Output, env?: Readonly<Record<string, string | undefined>>): Promise<number> {
  if (verb === 'version') {
    io.out(versionLine())
    return 0
  }
  if (verb === undefined || !serverVerbs.includes(verb)) {
    io.err(`paddock: unknown server command ${JSON.stringify(verb ?? '')}; use ${serverVerbs.join(', ')}`)
    return 2
  }
  let launch: Launch
  try {
    launch = await loadLaunch(file, env)
  } catch (error) {
    io.err(`paddock: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
  io.out(`Using config: ${launch.file ?? '(none: standalone on 127.0.0.1:2181, dataDir ./data)'}`)
  for (const line of environmentNotes(launch)) io.out(line)
  switch (verb) {
    case 'start-foreground':
      return startForeground(launch, io)
    case 'start':
      return startBackground(launch, io)
    case 'stop':
      return stop(launch, io)
    case 'restart':
      // As zkServer.sh: start whatever stop found (a stale pid file was cleared, and said so).
      await stop(launch, io)
      return startBackground(launch, io)
    case 'status':
      return status(launch, io)
    default:
      io.out(printCommand(launch))
      return 0
  }
}

/** One line per key a `PADDOCK_*` variable set: which variable, and what of the file it replaced (never the value). */
export function environmentNotes(launch: Launch): string[] {
  return launch.config.fromEnvironment.map(({ key, variable, overridesLine }) => {
    const replaced = overridesLine === undefined ? '' : launch.file === undefined ? ', over the default' : `, over ${launch.file}:${overridesLine}`
    return `paddock: ${key} from the environment (${variable}${replaced})`
  })
}

/** A word as a POSIX shell reads it back: as it is when it needs no quoting, else in double quotes. */
export function shellWord(word: string): string {
  return /^[\w./:=@%+,-]+$/.test(word) ? word : `"${word.replace(/["\\$`]/g, '\\$&')}"`
}

/**
 * zkServer.sh print-cmd: the command `start` runs, in the directory it runs it from, with its
 * output to the log file. Run as printed, it serves in the foreground without a pid file.
 */
export function printCommand(launch: Launch): string {
  const command = [process.execPath, ...serverArguments(cliMain(), launch.file)].map(shellWord).join(' ')
  return `cd ${shellWord(process.cwd())} && ${command} > ${shellWord(logFile(launch))} 2>&1 < /dev/null`
}

/** Starts in this process and runs until SIGINT/SIGTERM. */
async function startForeground(launch: Launch, io: Output): Promise<number> {
  for (const warning of launch.config.warnings) io.err(`paddock: warning: ${warning}`)
  await mkdir(launch.dataDir, { recursive: true })
  const { createServer, startMember } = await import('../host/server.js')
  let server: Server
  try {
    server = launch.myid === undefined
      ? await createServer(serverOptionsFor(launch.config))
      : await startMember(memberOptionsFor(launch.config, launch.myid))
  } catch (error) {
    io.err(`paddock: cannot start: ${startFailure(error, launch)}`)
    return 1
  }
  const who = launch.myid === undefined ? 'standalone' : `member ${launch.myid} of ${launch.config.servers.length}`
  const secure = server.secureAddress === undefined ? '' : `, TLS at ${server.secureAddress.host}:${server.secureAddress.port}`
  io.out(`paddock: ${who} serving ZooKeeper clients at ${server.connectString}${secure} (data in ${launch.dataDir})`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  io.out('paddock: stopping')
  await server.close()
  return 0
}

function startFailure(error: unknown, launch: Launch): string {
  const code = (error as { code?: string }).code
  if (code === 'EADDRINUSE') return `${launch.host}:${launch.port} (or a quorum/election port) is in use: another server runs with this config, or pick other ports`
  return error instanceof Error ? error.message : String(error)
}

/**
 * The pid file's process, identified: where /proc cannot tell (not Linux), a live process counts
 * as this configuration's server only if the configured client port answers `srvr`.
 */
async function pidFileState(launch: Launch): Promise<PidFileState> {
  const state = inspectPidFile(pidFile(launch), expectedServer(launch))
  if (state.kind !== 'unverified') return state
  const answers = await askServer(launch, 'srvr', serverStartProbeTimeoutMs).then(() => true, () => false)
  return answers ? { kind: 'server', pid: state.pid } : { kind: 'other', pid: state.pid, commandLine: '(unknown: no /proc, and nothing answers on the client port)' }
}

/** The pid of the Paddock server the pid file names (this configuration's or another's using the same dataDir). */
async function runningPid(launch: Launch): Promise<number | undefined> {
  const state = await pidFileState(launch)
  return state.kind === 'server' || state.kind === 'elsewhere' ? state.pid : undefined
}

function startedFrom(start: ServerStart): string {
  return start.configFile ?? `the defaults in ${start.cwd}`
}

/** Explains and removes a pid file whose process is another program's. */
async function removeStalePidFile(launch: Launch, state: Extract<PidFileState, { kind: 'other' }>, io: Output): Promise<void> {
  await rm(pidFile(launch), { force: true })
  io.err(`paddock: process ${state.pid} in ${pidFile(launch)} is not a Paddock server started from ${launch.file ?? 'the defaults'} (it runs: ${state.commandLine}); the pid file is stale: removed it, signalled nothing`)
}

/** Starts `start-foreground` detached, logging to dataDir/paddock.log; returns once it answers. */
async function startBackground(launch: Launch, io: Output): Promise<number> {
  const existing = await pidFileState(launch)
  if (existing.kind === 'server' || existing.kind === 'elsewhere') {
    const from = existing.kind === 'elsewhere' ? `, started from ${startedFrom(existing.started)}` : ''
    io.err(`paddock: already running as process ${existing.pid} (pid file ${pidFile(launch)}${from})`)
    return 1
  }
  if (existing.kind === 'other') await removeStalePidFile(launch, existing, io)
  await mkdir(launch.dataDir, { recursive: true })
  const log = openSync(logFile(launch), 'a')
  // The absolute config path, so `stop` from any directory can recognise this process.
  const child = spawn(process.execPath, serverArguments(cliMain(), launch.file), { detached: true, stdio: ['ignore', log, log] })
  closeSync(log)
  const pid = child.pid
  if (pid === undefined) return fail(io, 'could not spawn the server process')
  await writeFile(pidFile(launch), `${pid}\n`)
  let exited: number | null | undefined
  child.once('exit', (code) => (exited = code))
  child.unref()
  const deadline = Date.now() + serverStartWaitMs
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      await rm(pidFile(launch), { force: true })
      return fail(io, `the server exited (code ${exited}):\n${await logTail(launch)}`)
    }
    const answer = await askServer(launch, 'srvr', serverStartProbeTimeoutMs).catch(() => undefined)
    if (answer !== undefined) {
      io.out(`STARTED (pid ${pid}, log ${logFile(launch)}); ${modeLine(answer) ?? 'not serving yet: waiting for a quorum'}`)
      return 0
    }
    await new Promise((resolve) => setTimeout(resolve, serverStartProbeIntervalMs))
  }
  return fail(io, `no answer on ${launch.localHost}:${launch.port} after ${serverStartWaitMs} ms; see ${logFile(launch)}`)
}

async function logTail(launch: Launch): Promise<string> {
  const text = await readFile(logFile(launch), 'utf8').catch(() => '')
  return text.split('\n').slice(-10).join('\n')
}

function fail(io: Output, message: string): number {
  io.err(`paddock: ${message}`)
  return 1
}

/**
 * zkServer.sh stop: SIGTERM to this configuration's server, SIGKILL if it outlives
 * serverStopWaitMs. A pid file naming another program is removed, nothing is signalled, and the
 * exit code is 1 (zkServer.sh's "no zookeeper to stop").
 */
async function stop(launch: Launch, io: Output): Promise<number> {
  const state = await pidFileState(launch)
  if (state.kind === 'other') {
    await removeStalePidFile(launch, state, io)
    return 1
  }
  if (state.kind === 'elsewhere') {
    io.err(`paddock: process ${state.pid} in ${pidFile(launch)} is a Paddock server started from ${startedFrom(state.started)}, not from ${launch.file ?? 'the defaults'}: not signalled; stop it with that configuration`)
    return 1
  }
  if (state.kind !== 'server') {
    await rm(pidFile(launch), { force: true })
    io.out('paddock: no server to stop (no running process in the pid file)')
    return 0
  }
  const pid = state.pid
  process.kill(pid, 'SIGTERM')
  // Identified again before each look and before SIGKILL: once it is gone, its pid may be reused.
  const kind = () => identifyProcess(pid, expectedServer(launch)).kind
  const deadline = Date.now() + serverStopWaitMs
  while (processExists(pid) && kind() !== 'other' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, serverStopPollIntervalMs))
  if (kind() === 'server' || kind() === 'unverified') process.kill(pid, 'SIGKILL')
  await rm(pidFile(launch), { force: true })
  io.out('STOPPED')
  return 0
}

function modeLine(srvr: string): string | undefined {
  return srvr.split('\n').find((line) => line.startsWith('Mode: '))
}

/** zkServer.sh status, with the reason when it is not serving. */
async function status(launch: Launch, io: Output): Promise<number> {
  io.out(`Client port found: ${launch.port}. Client address: ${launch.localHost}.`)
  let answer: string
  try {
    answer = await askServer(launch, 'srvr')
  } catch (error) {
    const code = (error as { code?: string }).code
    const pid = await runningPid(launch)
    const why = code === 'ECONNREFUSED'
      ? pid === undefined
        ? `nothing listens on ${launch.localHost}:${launch.port} and no live server process is recorded in ${pidFile(launch)}: it is not running (start it with \`paddock server start\`)`
        : `process ${pid} is running but nothing listens on ${launch.localHost}:${launch.port}: check clientPort in the config and ${logFile(launch)}`
      : String(error)
    return fail(io, `Error contacting service. ${why}`)
  }
  const mode = modeLine(answer)
  if (mode === undefined) {
    const quorum = launch.myid === undefined ? '' : ` Member ${launch.myid} cannot reach a quorum: start a majority of the servers in the config and check their quorum/election ports.`
    return fail(io, `the server answers but is not serving requests.${quorum}`)
  }
  io.out(mode)
  const version = await configVersion(launch)
  if (version !== undefined) io.out(`Config version: ${version}`)
  return 0
}

/** An ensemble member's configuration version, from the membership `conf` prints; undefined for a standalone server. */
async function configVersion(launch: Launch): Promise<string | undefined> {
  const conf = await askServer(launch, 'conf').catch(() => '')
  const membership = conf.indexOf('membership: ')
  return membership < 0 ? undefined : /^version=([0-9a-f]+)$/m.exec(conf.slice(membership))?.[1]
}
