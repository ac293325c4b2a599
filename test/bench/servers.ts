// Method: Paddock and Apache ZooKeeper each spawned as a process of its own on a chosen loopback
// port, so start-up is timed from spawn and RSS read from /proc; every child is killed on exit.
// spawnWrapped runs ensemble members (Paddock or Apache) under the same kill-on-exit wrapper.
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { ConnectionOptions } from 'node:tls'
import type { ClientRequest } from '../../lib/protocol/jute-records.js'
import { freePort } from '../interop/harness/ports.js'
import { WireClient } from './wire-client.js'

const execFileAsync = promisify(execFile)

/** The Debian package's jar, config directory and JVM. */
export const zookeeperJar = '/usr/share/java/zookeeper.jar'
const zookeeperConfDir = '/etc/zookeeper/conf'
const javaPath = '/usr/bin/java'

/** How long a server may take to exit once told to, in milliseconds, before it is SIGKILLed. */
const stopTimeoutMs = 60_000
/** How much of a child's output is kept for error messages, in bytes. */
const outputTailBytes = 8_192
/** A new probe starts this often while a server is starting, in milliseconds. */
const probeIntervalMs = 20
/** Probes open at once while a server is starting. */
const probesMax = 50
/** How long one probe waits for its handshake, and then for its reply, in milliseconds. */
const probeTimeoutMs = 10_000

/** Which server a {@link BenchServer} runs. */
export type ServerKind = 'paddock' | 'apache'

/** Resident memory of a process, from /proc/<pid>/status. */
export interface Rss {
  /** VmRSS: resident now, in bytes. */
  rssBytes: number
  /** VmHWM: the peak resident set, in bytes. */
  peakBytes: number
}

/** A server process started by the bench. */
export interface BenchServer {
  /** Which server. */
  readonly kind: ServerKind
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number
  /** performance.now() just before the spawn. */
  readonly spawnedAt: number
  /** What clients connect with when the server speaks only TLS. */
  readonly clientTls?: ConnectionOptions | undefined
  /** The pid of the server itself (the JVM, not its wrapper shell). */
  pid(): Promise<number>
  /** Its resident memory now. */
  rss(): Promise<Rss>
  /** Stops it (cleanly if it can within {@link stopTimeoutMs}, else SIGKILL) and waits for the exit. */
  stop(): Promise<void>
  /** Whether its process (for Apache: the wrapper shell around the JVM) has exited. */
  exited(): boolean
  /** The tail of what it printed (stdout; stderr too for Paddock), for error messages and failure checks. */
  output(): string
}

/** Options of {@link startServer}. */
export interface StartOptions {
  /** Which server. */
  kind: ServerKind
  /** Durable data directory; without it Paddock runs in memory and Apache gets `<workDir>/data`. */
  dataDir?: string
  /** Scratch directory for zoo.cfg and JVM logs (Apache only). */
  workDir: string
  /** Apache: `-Xmx`, in MiB. @defaultValue 1000 (zkServer.sh's ZK_SERVER_HEAP) */
  heapMb?: number
  /**
   * Paddock only: serve TLS only (a secureClientPort) with these PEM files; the bench's clients
   * then connect with `BenchServer.clientTls`.
   */
  tls?: BenchTls
  /** Paddock only: connections allowed from one address, 0 = unlimited. @defaultValue the server's (60) */
  maxClientCnxns?: number
  /** Paddock only: transactions between snapshots (ZooKeeper's snapCount). @defaultValue the server's (100000) */
  snapCount?: number
  /** Paddock with a dataDir only: called as each snapshot write starts and ends (epoch ms; `endMs` undefined at the start). */
  onSnapshot?: (snapshot: SnapshotTrace) => void
  /** Paddock only: Node options before the script, e.g. `--max-old-space-size=6144` or `--cpu-prof`. @defaultValue none */
  nodeArgs?: readonly string[]
}

/** One snapshot write of a Paddock bench server, in epoch milliseconds. */
export interface SnapshotTrace {
  /** The zxid the snapshot is of. */
  zxid: number
  /** When the write began. */
  startMs: number
  /** When it ended; undefined while it runs. */
  endMs: number | undefined
}

/** A line of paddock-server.ts's --traceSnapshots output as a trace, or undefined. */
function snapshotTraceOf(line: string): SnapshotTrace | undefined {
  if (!line.startsWith('{"snapshot')) return undefined
  const parsed = JSON.parse(line) as { snapshot?: { zxid: number; startMs: number; endMs?: number }; snapshotStart?: { zxid: number; startMs: number } }
  if (parsed.snapshotStart !== undefined) return { ...parsed.snapshotStart, endMs: undefined }
  return parsed.snapshot === undefined ? undefined : { zxid: parsed.snapshot.zxid, startMs: parsed.snapshot.startMs, endMs: parsed.snapshot.endMs }
}

/** The files of a TLS bench server and what its clients connect with. */
export interface BenchTls {
  /** The server's PEM key store (key and certificate). */
  keyStore: string
  /** The CA's PEM certificate, trusted for client certificates. */
  trustStore: string
  /** What clients connect with: the CA, and a client key and certificate. */
  client: ConnectionOptions
}

const children = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

/** SIGKILLs every server the bench still runs (for error paths and signals). */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL')
}

/** Why Apache ZooKeeper cannot be started here, or undefined when it can. */
export function apacheUnavailableReason(): string | undefined {
  if (!existsSync(javaPath)) return `${javaPath} is missing`
  if (!existsSync(zookeeperJar)) return `${zookeeperJar} is missing (apt-get install zookeeper)`
  return undefined
}


/** Spawns a server on a free port; it is not yet serving (see {@link timeToFirstReply}). */
export async function startServer(options: StartOptions): Promise<BenchServer> {
  const port = await freePort()
  return options.kind === 'paddock' ? spawnPaddock(port, options) : spawnApache(port, options)
}

function track(child: ChildProcess, onLine?: (line: string) => void): { output: () => string; exited: Promise<void> } {
  children.add(child)
  let tail = ''
  let partial = ''
  const keep = (chunk: Buffer): void => {
    const text = chunk.toString('utf8')
    tail = (tail + text).slice(-outputTailBytes)
    if (onLine === undefined) return
    const lines = (partial + text).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) onLine(line)
  }
  // Both pipes are drained always: a full pipe would block the server.
  child.stdout?.on('data', keep)
  child.stderr?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-outputTailBytes)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    children.delete(child)
    resolve()
  }))
  return { output: () => tail, exited }
}

async function waitOrKill(exited: Promise<void>, kill: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), stopTimeoutMs)))
  const late = await Promise.race([exited.then(() => false), timedOut])
  clearTimeout(timer)
  if (late) {
    kill()
    await exited
  }
}

function spawnPaddock(port: number, options: StartOptions): BenchServer {
  const script = fileURLToPath(new URL('./paddock-server.js', import.meta.url))
  const args = [...(options.nodeArgs ?? []), script, '--port', String(port)]
  if (options.dataDir !== undefined) args.push('--dataDir', options.dataDir)
  if (options.maxClientCnxns !== undefined) args.push('--maxClientCnxns', String(options.maxClientCnxns))
  if (options.tls !== undefined) args.push('--tlsKeyStore', options.tls.keyStore, '--tlsTrustStore', options.tls.trustStore)
  if (options.snapCount !== undefined) args.push('--snapCount', String(options.snapCount))
  const onSnapshot = options.onSnapshot
  if (onSnapshot !== undefined) args.push('--traceSnapshots')
  const spawnedAt = performance.now()
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  const onLine = onSnapshot === undefined ? undefined : (line: string): void => {
    const trace = snapshotTraceOf(line)
    if (trace !== undefined) onSnapshot(trace)
  }
  const { exited, output } = track(child, onLine)
  const pid = child.pid
  return {
    kind: 'paddock',
    port,
    spawnedAt,
    clientTls: options.tls?.client,
    pid: () => (pid === undefined ? Promise.reject(new Error('paddock did not spawn')) : Promise.resolve(pid)),
    rss: async () => readRss(pid ?? -1),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      // The server script closes itself cleanly when its stdin ends.
      child.stdin?.end()
      await waitOrKill(exited, () => child.kill('SIGKILL'))
    },
  }
}

async function spawnApache(port: number, options: StartOptions): Promise<BenchServer> {
  const reason = apacheUnavailableReason()
  if (reason !== undefined) throw new Error(`cannot start Apache ZooKeeper: ${reason}`)
  const dataDir = options.dataDir ?? join(options.workDir, 'data')
  await mkdir(dataDir, { recursive: true })
  const configPath = join(options.workDir, 'zoo.cfg')
  await writeFile(configPath, zooCfg(port, dataDir))
  const javaArgs = apacheJavaArgs('org.apache.zookeeper.server.ZooKeeperServerMain', configPath, options.workDir, options.heapMb ?? 1000)
  // A wrapper shell prints the JVM's pid, then SIGKILLs the JVM when its stdin closes, so the JVM
  // dies with the bench however the bench ends (even SIGKILL, which runs no exit handler).
  const script = wrapperScript
  let resolvePid: (pid: number) => void = () => undefined
  const jvmPid = new Promise<number>((resolve) => (resolvePid = resolve))
  const spawnedAt = performance.now()
  const child = spawn('/bin/sh', ['-c', script, 'zk-wrapper', javaPath, ...javaArgs], { stdio: ['pipe', 'pipe', 'pipe'] })
  const { exited, output } = track(child, (line) => {
    const match = /^jvm-pid (\d+)$/.exec(line)
    if (match?.[1] !== undefined) resolvePid(Number(match[1]))
  })
  void exited.then(() => resolvePid(-1))
  return {
    kind: 'apache',
    port,
    spawnedAt,
    pid: () => jvmPid,
    rss: async () => readRss(await jvmPid),
    exited: () => child.exitCode !== null || child.signalCode !== null,
    output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const pid = await jvmPid
      // SIGTERM runs the JVM's shutdown hooks (zkServer.sh stop does the same).
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGTERM')
        } catch {
          // Already gone.
        }
      }
      await waitOrKill(exited, () => child.stdin?.end())
      child.stdin?.end()
    },
  }
}

/**
 * Runs "$@" in the background, prints `jvm-pid <pid>` (the name is historical: any command), and
 * SIGKILLs the command once the wrapper's stdin closes, i.e. when the bench closes it or dies.
 */
const wrapperScript = 'exec 3<&0; "$@" </dev/null 3<&- & pid=$!; echo "jvm-pid $pid"; (cat <&3 >/dev/null; kill -9 "$pid" 2>/dev/null) & wait "$pid"'

/** The JVM arguments that run Apache ZooKeeper's `mainClass` on `configPath`, logging to the console. */
export function apacheJavaArgs(mainClass: string, configPath: string, logDir: string, heapMb: number): string[] {
  return [
    `-Xmx${heapMb}m`,
    '-Dzookeeper.admin.enableServer=false',
    `-Dzookeeper.log.dir=${logDir}`,
    '-Dzookeeper.root.logger=INFO,CONSOLE',
    '-cp',
    `${zookeeperConfDir}:${zookeeperJar}`,
    mainClass,
    configPath,
  ]
}

/** The JVM the bench runs Apache ZooKeeper with. */
export const javaBinary = javaPath

/** A process started by {@link spawnWrapped}. */
export interface WrappedProcess {
  /** The pid of the command itself (not of its wrapper shell); -1 when it never started. */
  readonly pid: Promise<number>
  /** Resolves once the wrapper (and so the command) has exited. */
  readonly exited: Promise<void>
  /** Whether the wrapper still runs. */
  running(): boolean
  /** The tail of its output (stdout and stderr), for error messages. */
  output(): string
  /** SIGKILLs the command (not the wrapper) now; resolves with the time just before the signal, or undefined when it was gone. */
  kill(): Promise<number | undefined>
  /** SIGKILLs the command and waits until the wrapper has exited too. */
  stop(): Promise<void>
}

/**
 * Spawns `command args` under the wrapper shell, so it is SIGKILLed however the bench ends; every
 * one is tracked by {@link killAll}. Used for ensemble members, which the bench kills on purpose,
 * and for programs whose stdout the bench reads: `onLine` sees each line the command prints there.
 */
export function spawnWrapped(command: string, args: readonly string[], onLine?: (line: string) => void): WrappedProcess {
  let resolvePid: (pid: number) => void = () => undefined
  const pid = new Promise<number>((resolve) => (resolvePid = resolve))
  const child = spawn('/bin/sh', ['-c', wrapperScript, 'bench-wrapper', command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let pidKnown = false
  const { exited, output } = track(child, (line) => {
    // The wrapper prints one line of its own; every other line is the command's.
    const match = pidKnown ? null : /^jvm-pid (\d+)$/.exec(line)
    if (match?.[1] === undefined) return onLine?.(line)
    pidKnown = true
    resolvePid(Number(match[1]))
  })
  // Once the command is gone, closing stdin ends the wrapper's watcher subshell too.
  void exited.then(() => {
    resolvePid(-1)
    child.stdin?.end()
  })
  const running = (): boolean => child.exitCode === null && child.signalCode === null
  const kill = async (): Promise<number | undefined> => {
    const target = await pid
    if (!running() || target <= 0) return undefined
    const at = performance.now()
    try {
      process.kill(target, 'SIGKILL')
    } catch {
      return undefined
    }
    return at
  }
  return {
    pid,
    exited,
    running,
    output,
    kill,
    stop: async () => {
      if (!running()) return
      await kill()
      // Closing stdin makes the watcher SIGKILL the command as well, should the pid not have come yet.
      child.stdin?.end()
      await waitOrKill(exited, () => child.kill('SIGKILL'))
    },
  }
}

/** The zoo.cfg every standalone bench server starts from: Apache ZooKeeper's, and `paddock server` in the startup section. */
export function zooCfg(port: number, dataDir: string): string {
  // Defaults otherwise: forceSync=yes, snapCount=100000, preAllocSize=64 MiB, no autopurge.
  return [
    'tickTime=2000',
    `dataDir=${dataDir}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    '4lw.commands.whitelist=*',
    'admin.enableServer=false',
    'maxClientCnxns=0',
    '',
  ].join('\n')
}

/** Reads VmRSS and VmHWM of `pid` from /proc (NaN when the process is gone). */
export async function readRss(pid: number): Promise<Rss> {
  let status: string
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8')
  } catch {
    return { rssBytes: Number.NaN, peakBytes: Number.NaN }
  }
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
    return match?.[1] === undefined ? Number.NaN : Number(match[1]) * 1024
  }
  return { rssBytes: kb('VmRSS'), peakBytes: kb('VmHWM') }
}

/** Bytes of disk allocated under `dir` (`du -s -B1`: blocks actually used, so sparse preallocation is not counted). */
export async function diskBytes(dir: string): Promise<{ allocatedBytes: number; apparentBytes: number }> {
  const allocated = await execFileAsync('du', ['-s', '-B1', dir])
  const apparent = await execFileAsync('du', ['-s', '-b', dir])
  return { allocatedBytes: Number(allocated.stdout.split('\t')[0]), apparentBytes: Number(apparent.stdout.split('\t')[0]) }
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, fixed at 100 for Linux user space). */
const userHz = 100

/** CPU time (user + system) `pid` has used so far, in milliseconds, from /proc (10 ms resolution; NaN when the process is gone). */
export async function readCpuMs(pid: number): Promise<number> {
  let stat: string
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return Number.NaN
  }
  // Fields after the command name (which may hold spaces) start at state, field 3; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / userHz
}

/**
 * Probes `server` until it answers `request` with an err in `okErrs`; returns that probe's client
 * and the milliseconds from spawn to its reply. A new probe (connect, handshake, request) starts
 * every `intervalMs` without waiting for the others, since a JVM that is still starting may
 * accept a connection and never answer it; at most {@link probesMax} are open at once.
 * @throws when `timeoutMs` passes first, or `signal` aborts (with its reason).
 */
export function timeToFirstReply(
  server: BenchServer,
  request: ClientRequest,
  okErrs: readonly number[],
  timeoutMs: number,
  intervalMs = probeIntervalMs,
  signal?: AbortSignal,
): Promise<{ client: WireClient; ms: number }> {
  return new Promise((resolve, reject) => {
    const open = new Set<WireClient>()
    let active = 0
    let settled = false
    let last: unknown
    const finish = (error: Error | undefined, client?: WireClient): void => {
      if (settled) {
        client?.destroy()
        return
      }
      settled = true
      clearInterval(ticker)
      for (const other of open) if (other !== client) other.destroy()
      if (error !== undefined) reject(error)
      else resolve({ client: client!, ms: performance.now() - server.spawnedAt })
    }
    const probe = async (): Promise<void> => {
      active++
      let client: WireClient | undefined
      try {
        client = await WireClient.connect('127.0.0.1', server.port, { handshakeTimeoutMs: probeTimeoutMs, tls: server.clientTls })
        open.add(client)
        if (settled) return
        const reply = client.request(request)
        let timer: NodeJS.Timeout | undefined
        const late = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`no reply within ${probeTimeoutMs} ms`)), probeTimeoutMs)))
        const { header } = await Promise.race([reply, late]).finally(() => clearTimeout(timer))
        if (okErrs.includes(header.err)) {
          open.delete(client)
          return finish(undefined, client)
        }
        last = new Error(`${request.op} answered err ${header.err}`)
      } catch (error) {
        last = error
      } finally {
        active--
      }
      if (client !== undefined) {
        open.delete(client)
        client.destroy()
      }
    }
    const deadline = performance.now() + timeoutMs
    const ticker = setInterval(() => {
      if (signal?.aborted === true) {
        finish(signal.reason instanceof Error ? signal.reason : new Error(`${server.kind} on port ${server.port}: ${String(signal.reason)}`, { cause: last }))
      } else if (performance.now() > deadline) {
        finish(new Error(`${server.kind} on port ${server.port} did not serve ${request.op} within ${timeoutMs} ms`, { cause: last }))
      } else if (active < probesMax) void probe()
    }, intervalMs)
    void probe()
  })
}
