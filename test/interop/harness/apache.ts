/**
 * Apache ZooKeeper from the Debian `zookeeper` package, started standalone on a free loopback port
 * with a throwaway zoo.cfg and dataDir.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fourLetterWord } from './four-letter.js'
import { freePort } from './ports.js'
import { pollUntil, withTimeout } from './wait.js'
import type { RunningServer, ServerSettings } from './types.js'

/** Where the Debian package puts things. */
export const zookeeperJar = '/usr/share/java/zookeeper.jar'
export const zookeeperConfDir = '/etc/zookeeper/conf'
export const zkCliPath = '/usr/share/zookeeper/bin/zkCli.sh'
export const javaPath = '/usr/bin/java'
/**
 * Netty's codec and resolver classes, which NettyServerCnxnFactory (the codec) and
 * ClientCnxnSocketNetty (both) need and which the Debian zookeeper.jar's Class-Path leaves out:
 * without them neither serves nor connects over TLS (libnetty-java installs the jars).
 */
export const nettyTlsJars: readonly string[] = ['/usr/share/java/netty-codec.jar', '/usr/share/java/netty-resolver.jar']

/** How long a JVM gets to answer `ruok` and serve sessions after it is spawned. */
const startTimeoutMs = 30_000
/** How long `stop()` waits for the JVM to exit once told to. */
const stopTimeoutMs = 10_000
/** How much of the JVM's output is kept for error messages. */
const outputTailBytes = 8_192

/** Why Apache ZooKeeper cannot be started here, or undefined when it can. */
export function apacheUnavailableReason(): string | undefined {
  if (!existsSync(javaPath)) return `${javaPath} is missing (apt-get install default-jre-headless)`
  if (!existsSync(zookeeperJar)) return `${zookeeperJar} is missing (run .ci/install-interop.sh as root)`
  return undefined
}

/** Options of {@link startApacheZooKeeper}: the shared settings plus Apache-only switches. */
export interface ApacheOptions extends ServerSettings {
  /** zookeeper.extendedTypesEnabled (TTL nodes). @defaultValue true */
  extendedTypesEnabled?: boolean
  /** 4lw.commands.whitelist. @defaultValue '*' */
  fourLetterWords?: string
  /** More zoo.cfg lines (secureClientPort and the ssl.* keys, say). */
  extraConfig?: readonly string[]
  /** More jars on the JVM's class path (Netty's codec, for TLS). */
  extraClasspath?: readonly string[]
  /** More JVM flags (`-Djava.security.auth.login.config=…` for SASL, say). */
  extraJvmFlags?: readonly string[]
}

const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** How many times a JVM that exits at once (its free port taken meanwhile) is started again. */
const startAttemptsMax = 3

class JvmExitedError extends Error {}

/** Starts a standalone Apache ZooKeeper on 127.0.0.1 and resolves once it answers `ruok` with `imok` and serves sessions. */
export async function startApacheZooKeeper(options: ApacheOptions): Promise<RunningServer> {
  const reason = apacheUnavailableReason()
  if (reason !== undefined) throw new Error(`cannot start Apache ZooKeeper: ${reason}`)
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, await freePort())
    } catch (error) {
      // Another process may bind the port between freePort() and the JVM: try a new one.
      if (!(error instanceof JvmExitedError) || attempt >= startAttemptsMax) throw error
    }
  }
}

async function startOnce(options: ApacheOptions, port: number): Promise<RunningServer> {
  const dir = await mkdtemp(join(tmpdir(), 'paddock-interop-zk-'))
  const configPath = join(dir, 'zoo.cfg')
  await writeFile(configPath, zooCfg(options, port, join(dir, 'data')))
  const child = spawnJvm(options, configPath, dir)
  const { output: tail, stop } = superviseJvm(child, dir, outputTailBytes)
  try {
    const outcome = await pollUntil(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) return { exited: child.exitCode ?? child.signalCode }
        if ((await fourLetterWord('127.0.0.1', port, 'ruok', 1_000)) !== 'imok') return undefined
        // ruok answers as soon as the port is open; sessions are refused (closed: ConnectionLoss)
        // until the ZooKeeperServer runs, which srvr shows by printing its Mode.
        return (await fourLetterWord('127.0.0.1', port, 'srvr', 1_000)).includes('Mode: ') ? { exited: undefined } : undefined
      },
      { timeoutMs: startTimeoutMs, intervalMs: 100, what: `Apache ZooKeeper on 127.0.0.1:${port} to answer ruok and serve (srvr)` },
    )
    if (outcome.exited !== undefined) {
      await stop().catch(() => undefined)
      throw new JvmExitedError(`the Apache ZooKeeper JVM exited (${outcome.exited}) before answering ruok\n--- JVM output ---\n${tail()}`)
    }
  } catch (error) {
    if (error instanceof JvmExitedError) throw error
    await stop().catch(() => undefined)
    throw new Error(`${(error as Error).message}\n--- JVM output ---\n${tail()}`)
  }
  return { name: 'apache', host: '127.0.0.1', port, connectString: `127.0.0.1:${port}`, stop }
}

function zooCfg(options: ApacheOptions, port: number, dataDir: string): string {
  return [
    `tickTime=${options.tickTimeMs}`,
    `dataDir=${dataDir}`,
    `clientPort=${port}`,
    'clientPortAddress=127.0.0.1',
    `minSessionTimeout=${options.minSessionTimeoutMs}`,
    `maxSessionTimeout=${options.maxSessionTimeoutMs}`,
    `4lw.commands.whitelist=${options.fourLetterWords ?? '*'}`,
    'admin.enableServer=false',
    'maxClientCnxns=0',
    // The suite is about semantics, not durability: skip fsync to keep the 2-core CI fast.
    'forceSync=no',
    ...(options.extraConfig ?? []),
    '',
  ].join('\n')
}

/**
 * Runs the JVM under a small shell that kills it when the shell's stdin closes, so the JVM dies
 * with the test process however that process ends (even by SIGKILL, which runs no exit handler).
 */
function spawnJvm(
  options: ApacheOptions,
  configPath: string,
  dir: string,
  mainClass = 'org.apache.zookeeper.server.ZooKeeperServerMain',
): ChildProcess {
  const javaArgs = [
    '-Xms64m',
    '-Xmx256m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    `-Dzookeeper.extendedTypesEnabled=${options.extendedTypesEnabled ?? true}`,
    `-Dznode.container.checkIntervalMs=${options.containerCheckIntervalMs}`,
    '-Dzookeeper.admin.enableServer=false',
    `-Dzookeeper.log.dir=${dir}`,
    ...(options.extraJvmFlags ?? []),
    '-cp',
    [zookeeperConfDir, zookeeperJar, ...(options.extraClasspath ?? [])].join(':'),
    mainClass,
    configPath,
  ]
  // A background job's stdin is /dev/null in a non-interactive shell, so the pipe is kept on fd 3.
  const script = 'exec 3<&0; "$@" </dev/null 3<&- & pid=$!; (cat <&3 >/dev/null; kill -9 "$pid" 2>/dev/null) & wait "$pid"'
  return spawn('/bin/sh', ['-c', script, 'zk-wrapper', javaPath, ...javaArgs], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
}

/**
 * An SLF4J 1.7 binding that Debian installs (Maven's simple logger and what it needs): the Debian
 * zookeeper.jar ships none, so without it an ensemble member logs nothing (SLF4J's NOP logger).
 */
const slf4jBinding: readonly string[] = ['/usr/share/java/maven3-slf4j-provider.jar', '/usr/share/java/maven-shared-utils.jar']
/** The simple logger at INFO with the time of day, to line the members' logs up with the test's. */
const slf4jSimpleLoggerFlags: readonly string[] = [
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
]

/** One `server.N=127.0.0.1:quorumPort:electionPort` line of an ensemble's zoo.cfg. */
export interface QuorumServerLine {
  /** The member's sid (its myid). */
  readonly id: number
  /** The port learners dial the leader on. */
  readonly quorumPort: number
  /** The port of leader election. */
  readonly electionPort: number
  /** `observer` for a non-voting member (`:observer` on its line, and `peerType=observer` in its own zoo.cfg). @defaultValue a participant */
  readonly role?: 'observer'
}

/** The `server.N=` line of `s` in every member's zoo.cfg. */
export function quorumServerLineText(s: QuorumServerLine): string {
  return `server.${s.id}=127.0.0.1:${s.quorumPort}:${s.electionPort}${s.role === 'observer' ? ':observer' : ''}`
}

/** Options of {@link startApacheQuorumPeer}. */
export interface ApacheQuorumPeerOptions extends ServerSettings {
  /** This member's sid, written to dataDir/myid. */
  readonly myid: number
  /** Every member of the ensemble, this one included. */
  readonly servers: readonly QuorumServerLine[]
  /** This member's client port. */
  readonly clientPort: number
  /** initLimit, in ticks: how long a learner may take to sync. */
  readonly initLimitTicks: number
  /** syncLimit, in ticks. */
  readonly syncLimitTicks: number
  /**
   * The directory of an earlier run of this member (its {@link RunningQuorumPeer.dir}, after
   * {@link RunningQuorumPeer.kill}): the member starts again on its dataDir. @defaultValue a new, empty one
   */
  readonly dir?: string
  /** More zoo.cfg lines (sslQuorum and the ssl.quorum.* keys, or the `quorum.auth.*` keys, say). @defaultValue none */
  readonly extraConfig?: readonly string[]
  /** More jars on the JVM's class path ({@link nettyTlsJars} for quorum TLS, say). @defaultValue none */
  readonly extraClasspath?: readonly string[]
  /** More JVM flags (`-Djava.security.auth.login.config=…` for quorum SASL, say). @defaultValue none */
  readonly extraJvmFlags?: readonly string[]
}

/** An ensemble member started by {@link startApacheQuorumPeer}. */
export interface RunningQuorumPeer {
  /** Its sid. */
  readonly myid: number
  /** Its directory: zoo.cfg, and its dataDir under `data`. */
  readonly dir: string
  /** The last MiB of its log (at INFO, through Maven's SLF4J simple logger when installed), for error messages. */
  output(): string
  /** SIGKILLs the JVM and keeps its directory, for a start again on the same dataDir; safe to call twice. */
  kill(): Promise<void>
  /**
   * Sends `signal` to the JVM itself (not its wrapper shell): SIGSTOP freezes the member with its
   * connections open, as a hung process looks to its peers; SIGCONT resumes it.
   */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): Promise<void>
  /** SIGKILLs the JVM and removes its directory; safe to call twice. */
  stop(): Promise<void>
}

/**
 * Starts one member of an Apache ZooKeeper ensemble (QuorumPeerMain) on 127.0.0.1 with its own
 * dataDir and myid, and returns at once: a member serves only once a quorum elects a leader, which
 * is for the caller to wait for.
 */
export async function startApacheQuorumPeer(options: ApacheQuorumPeerOptions): Promise<RunningQuorumPeer> {
  const reason = apacheUnavailableReason()
  if (reason !== undefined) throw new Error(`cannot start Apache ZooKeeper: ${reason}`)
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), `paddock-interop-zk${options.myid}-`)))
  const dataDir = join(dir, 'data')
  await mkdir(dataDir, { recursive: true })
  await writeFile(join(dataDir, 'myid'), `${options.myid}\n`)
  const configPath = join(dir, 'zoo.cfg')
  const servers = options.servers.map(quorumServerLineText)
  const observer = options.servers.some((s) => s.id === options.myid && s.role === 'observer')
  const extraConfig = [`initLimit=${options.initLimitTicks}`, `syncLimit=${options.syncLimitTicks}`, ...(observer ? ['peerType=observer'] : []), ...servers, ...(options.extraConfig ?? [])]
  await writeFile(configPath, zooCfg({ ...options, extraConfig }, options.clientPort, dataDir))
  const flags = ['-Dzookeeper.root.logger=INFO,CONSOLE', ...(slf4jBinding.every(existsSync) ? slf4jSimpleLoggerFlags : []), ...(options.extraJvmFlags ?? [])]
  const extraClasspath = [...slf4jBinding.filter(existsSync), ...(options.extraClasspath ?? [])]
  const child = spawnJvm({ ...options, extraJvmFlags: flags, extraClasspath }, configPath, dir, 'org.apache.zookeeper.server.quorum.QuorumPeerMain')
  return { myid: options.myid, dir, ...superviseJvm(child, dir, 128 * outputTailBytes), signal: (name) => signalJvm(child, name) }
}

/**
 * Sends `signal` to the JVM that spawnJvm's wrapper shell started: the wrapper's child whose
 * command line runs {@link javaPath} (read from /proc, Linux only).
 */
async function signalJvm(wrapper: ChildProcess, signal: 'SIGSTOP' | 'SIGCONT'): Promise<void> {
  const pid = wrapper.pid
  if (pid === undefined || wrapper.exitCode !== null || wrapper.signalCode !== null) throw new Error('the JVM wrapper is not running')
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter((c) => c !== '')
  for (const child of children) {
    const commandLine = await readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '')
    if (commandLine.split('\0')[0] === javaPath) return void process.kill(Number(child), signal)
  }
  throw new Error(`no ${javaPath} among the children (${children.join(', ')}) of the JVM wrapper ${pid}`)
}

/**
 * Keeps the last `tailBytes` of a spawned JVM's output, and gives the ways to end it: `kill`
 * closes the wrapper's stdin, on which the wrapper SIGKILLs the JVM (see spawnJvm; the wrapper
 * itself is SIGKILLed if it lingers); `stop` does that, then removes the JVM's directory.
 */
function superviseJvm(child: ChildProcess, dir: string, tailBytes: number): { output(): string; kill(): Promise<void>; stop(): Promise<void> } {
  running.add(child)
  let output = ''
  let partial = ''
  let skipping = false
  // Whole lines, without the warning (and its stack trace) logged for each client connection
  // refused while the member does not serve: clients retrying would push everything else out.
  const keep = (chunk: Buffer): void => {
    const lines = (partial + chunk.toString('utf8')).split('\n')
    partial = lines.pop() ?? ''
    const kept = lines.filter((line) => {
      if (/NIOServerCnxn - Close of session 0x0$/.test(line)) skipping = true
      else if (!(skipping && /^(java\.io\.IOException: ZooKeeperServer not running|\s+at )/.test(line))) skipping = false
      return !skipping
    })
    if (kept.length > 0) output = (output + kept.join('\n') + '\n').slice(-tailBytes)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  let killed: Promise<void> | undefined
  const kill = (): Promise<void> =>
    (killed ??= (async () => {
      child.stdin?.end()
      try {
        await withTimeout(exited, stopTimeoutMs, 'the Apache ZooKeeper JVM to exit')
      } catch {
        child.kill('SIGKILL')
      }
      running.delete(child)
    })())
  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => (stopped ??= kill().then(() => rm(dir, { recursive: true, force: true })))
  return { output: () => output, kill, stop }
}
