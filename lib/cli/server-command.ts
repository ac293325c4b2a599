/**
 * `paddock server start|start-foreground|stop|restart|status [zoo.cfg]`: zkServer.sh's verbs
 * for a standalone server or an ensemble member, with errors that say what is wrong.
 * @module
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer, startMember } from '../host/server.js'
import type { Server } from '../host/types.js'
import { serverStartProbeIntervalMs, serverStartProbeTimeoutMs, serverStartWaitMs, serverStopPollIntervalMs, serverStopWaitMs } from '../limits.js'
import { askFourLetterWord } from './four-letter.js'
import { memberOptionsFor, serverOptionsFor } from '../host/zoo-cfg-options.js'
import { loadLaunch, type Launch } from './settings.js'

/** Where a command writes: stdout and stderr. */
export interface Output {
  /** Normal output. */
  out(line: string): void
  /** Errors. */
  err(line: string): void
}

const pidFile = (launch: Launch) => join(launch.dataDir, 'paddock.pid')
const logFile = (launch: Launch) => join(launch.dataDir, 'paddock.log')

/** Runs a `paddock server` verb; returns the exit code. */
export async function runServerCommand(verb: string | undefined, file: string | undefined, io: Output): Promise<number> {
  let launch: Launch
  try {
    launch = await loadLaunch(file)
  } catch (error) {
    io.err(`paddock: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
  io.out(`Using config: ${launch.file ?? '(none: standalone on 127.0.0.1:2181, dataDir ./data)'}`)
  switch (verb) {
    case 'start-foreground':
      return startForeground(launch, io)
    case 'start':
      return startBackground(launch, file, io)
    case 'stop':
      return stop(launch, io)
    case 'restart':
      return (await stop(launch, io)) === 0 ? startBackground(launch, file, io) : 1
    case 'status':
      return status(launch, io)
    default:
      io.err(`paddock: unknown server command ${JSON.stringify(verb ?? '')}; use start, start-foreground, stop, restart or status`)
      return 2
  }
}

/** Starts in this process and runs until SIGINT/SIGTERM. */
async function startForeground(launch: Launch, io: Output): Promise<number> {
  for (const warning of launch.config.warnings) io.err(`paddock: warning: ${warning}`)
  await mkdir(launch.dataDir, { recursive: true })
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
  io.out(`paddock: ${who} serving ZooKeeper clients at ${server.connectString} (data in ${launch.dataDir})`)
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

function runningPid(launch: Launch): number | undefined {
  if (!existsSync(pidFile(launch))) return undefined
  const pid = Number(readFileSync(pidFile(launch), 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  try {
    process.kill(pid, 0)
    return pid
  } catch {
    return undefined
  }
}

/** Starts `start-foreground` detached, logging to dataDir/paddock.log; returns once it answers. */
async function startBackground(launch: Launch, file: string | undefined, io: Output): Promise<number> {
  const existing = runningPid(launch)
  if (existing !== undefined) {
    io.err(`paddock: already running as process ${existing} (pid file ${pidFile(launch)})`)
    return 1
  }
  await mkdir(launch.dataDir, { recursive: true })
  const log = openSync(logFile(launch), 'a')
  const main = fileURLToPath(new URL('./main.js', import.meta.url))
  const args = [main, 'server', 'start-foreground', ...(file === undefined ? [] : [file])]
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] })
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
    const answer = await askFourLetterWord(launch.localHost, launch.port, 'srvr', serverStartProbeTimeoutMs).catch(() => undefined)
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

async function stop(launch: Launch, io: Output): Promise<number> {
  const pid = runningPid(launch)
  if (pid === undefined) {
    await rm(pidFile(launch), { force: true })
    io.out('paddock: no server to stop (no running process in the pid file)')
    return 0
  }
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + serverStopWaitMs
  while (runningPid(launch) === pid && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, serverStopPollIntervalMs))
  if (runningPid(launch) === pid) process.kill(pid, 'SIGKILL')
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
    answer = await askFourLetterWord(launch.localHost, launch.port, 'srvr')
  } catch (error) {
    const code = (error as { code?: string }).code
    const pid = runningPid(launch)
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
  return 0
}
