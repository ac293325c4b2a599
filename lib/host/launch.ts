/**
 * Assembling a member, the one way for both entry points: a standalone server (`createServer`) is
 * an ensemble of one voter with no transport, an ensemble member (`startMember`) has its peers.
 * Either way: storage opened and recovered, the ZAB core and the replication runtime over the
 * request pipeline, then the client port and the admin server.
 * @module
 */
import { randomInt } from 'node:crypto'
import { join } from 'node:path'
import type { Clock } from '../clock.js'
import type { ZooKeeperClient } from '../client/types.js'
import type { ServerSpec } from '../config/zoo-cfg.js'
import { ZooKeeperError } from '../errors.js'
import {
  electionFinalizeWaitMs,
  electionNotificationIntervalMsMax,
  electionNotificationIntervalMsMin,
  initLimitTicksDefault,
  servingWaitMsDefault,
  syncLimitTicksDefault,
  zabTickMsDefault,
} from '../limits.js'
import type { PeerTransport } from '../peer/transport.js'
import { Pipeline } from '../server/pipeline.js'
import { recover } from '../server/recovery.js'
import { Replication, type ReplicationLogger } from '../server/replication.js'
import { startClientPort, type ClientPort, type ClientPortOptions } from '../wire/server.js'
import { majorityQuorum, ZabPeer, type ZabLimits } from '../zab/index.js'
import { createLevelStorage, createVolatileStorage, levelSubdirectory, type Storage } from '../../storage/index.js'
import { startAdminServerIfEnabled, type AdminServer } from './admin-server.js'
import { MemberClientPortBackend } from './client-port.js'
import { connectInProcess } from './in-process.js'
import type { ConnectOptions, MemberServer, MemberStatus, ServerAddress, ServerHealth, ServerOptions } from './types.js'

/** What {@link launch} assembles: one member and how it reaches the others. */
export interface LaunchSpec {
  /** The server's options. */
  readonly options: ServerOptions & { initLimit?: number; syncLimit?: number; zabTickMs?: number; seed?: number }
  /** This member's id. */
  readonly myid: number
  /** Every member of the configuration, this one included. */
  readonly servers: readonly ServerSpec[]
  /** Where the client port listens, if anywhere. */
  readonly clientPort: { port: number; host: string } | undefined
  /** Where the member reports. */
  readonly logger: ReplicationLogger
  /** Connects the member to its peers; absent for a member alone in its configuration. */
  readonly connectPeers?: (replication: Replication) => Promise<PeerTransport>
  /** Resolve only once the member serves (a standalone server); an ensemble member returns at once. */
  readonly waitUntilServing: boolean
}

/** The storage the options ask for: the one given, LevelDB in dataDir, or one that keeps nothing. */
function storageFor(options: ServerOptions): Storage {
  if (options.storage !== undefined) return options.storage
  if (options.dataDir !== undefined) return createLevelStorage({ dataDir: options.dataDir, logger: storageLogger })
  return createVolatileStorage()
}

/** The storage's log lines as a server prints them: no debug chatter, the rest prefixed. */
const storageLogger = {
  debug: () => {},
  info: (line: string) => console.info(`paddock: ${line}`),
  warn: (line: string) => console.warn(`paddock: ${line}`),
}

/** Starts the member `spec` describes; on failure everything already started is stopped again. */
export async function launch(spec: LaunchSpec): Promise<RunningMember> {
  const { options, myid } = spec
  const voters = spec.servers.filter((s) => s.role === 'participant').map((s) => s.id)
  const observers = spec.servers.filter((s) => s.role === 'observer').map((s) => s.id)
  const member = new Pipeline({ ...options, myid })
  member.standalone = voters.length === 1 && observers.length === 0
  member.metrics.quorumSize = voters.length
  const storage = storageFor(options)
  const parts: Partial<Omit<Parts, 'member' | 'storage'>> = {}
  try {
    const recovered = await recover(member, storage, (line) => spec.logger.error(line))
    const zabTickMs = options.zabTickMs ?? (member.standalone ? member.options.tickTimeMs : zabTickMsDefault)
    const zab = new ZabPeer(
      { id: myid, quorum: majorityQuorum(voters, observers), random: mulberry32(options.seed ?? randomInt(2 ** 31)), limits: zabLimits(options, voters.length, member.options.tickTimeMs, zabTickMs) },
      recovered,
    )
    const replication = new Replication(zab, member, storage, { ...options, zabTickMs, logger: spec.logger, announceRoles: !member.standalone })
    parts.replication = replication
    if (recovered.fromSnapshot) replication.restoredFrom(recovered.snapshotZxid)
    if (spec.connectPeers !== undefined) parts.transport = await spec.connectPeers(replication)
    replication.start(parts.transport)
    if (spec.waitUntilServing) await replication.whenServing()
    const backend = clientPortBackend(member, options, () => (member.role === 'leader' ? zab.status().learners : undefined))
    parts.backend = backend
    if (spec.clientPort !== undefined) parts.clientPort = await startClientPort(backend, clientPortOptions(spec.clientPort, member, options))
    const ensemble = member.standalone ? undefined : { myid, servers: spec.servers, status: () => zab.status() }
    const sources = { member, backend, clientPort: parts.clientPort, ensemble, snapshots: replication, initialConfiguration: options.initialConfiguration }
    parts.admin = await startAdminServerIfEnabled(sources, options)
    return new RunningMember(myid, { member, storage, replication, backend, transport: parts.transport, clientPort: parts.clientPort, admin: parts.admin })
  } catch (error) {
    await stopAll({ member, storage, ...parts })
    throw error
  }
}

function clientPortOptions(address: { port: number; host: string }, member: Pipeline, options: ServerOptions): ClientPortOptions {
  return {
    port: address.port,
    host: address.host,
    maxBufferBytes: member.options.maxDataBytes,
    ...(options.maxClientCnxns === undefined ? {} : { maxClientCnxns: options.maxClientCnxns }),
    ...(options.fourLetterWordsWhitelist === undefined ? {} : { fourLetterWordsWhitelist: options.fourLetterWordsWhitelist }),
    ...(options.clientPortLogger === undefined ? {} : { logger: options.clientPortLogger }),
  }
}

/**
 * The client port's backend over `member`, which the admin server shares (so both see one trace
 * mask). The transaction log and the snapshots both live in the LevelDB database under
 * `dataDir/level`, so that one directory is the data and the log directory alike, and is measured
 * for `dirs` only when it is the server's own storage (not a `storage` passed in).
 */
function clientPortBackend(member: Pipeline, options: ServerOptions, learners: () => { followers: number; syncedFollowers: number } | undefined): MemberClientPortBackend {
  const dataDir = options.dataDir ?? ''
  const ownLevel = options.storage === undefined && options.dataDir !== undefined
  return new MemberClientPortBackend(member, {
    mode: () => member.mode,
    dataDir,
    dataLogDir: dataDir,
    storageDirectory: ownLevel ? join(dataDir, levelSubdirectory) : undefined,
    learners,
  })
}

function zabLimits(options: LaunchSpec['options'], voterCount: number, tickTimeMs: number, zabTickMs: number): Partial<ZabLimits> {
  const ticks = (ms: number) => Math.max(1, Math.ceil(ms / zabTickMs))
  const syncLimitTicks = Math.max(2, ticks((options.syncLimit ?? syncLimitTicksDefault) * tickTimeMs))
  return {
    electionTimeoutTicks: ticks(electionNotificationIntervalMsMin),
    electionTimeoutMaxTicks: ticks(electionNotificationIntervalMsMax),
    // A lone voter's own vote is the quorum: no later vote can change the outcome.
    finalizeWaitTicks: voterCount === 1 ? 0 : ticks(electionFinalizeWaitMs),
    syncLimitTicks,
    initLimitTicks: Math.max(syncLimitTicks, ticks((options.initLimit ?? initLimitTicksDefault) * tickTimeMs)),
  }
}

/** A small seeded PRNG for the ZAB core's election jitter. */
function mulberry32(seed: number): () => number {
  let a = seed | 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** Everything a running member holds, in the order it is stopped. */
interface Parts {
  member: Pipeline
  storage: Storage
  replication: Replication
  backend: MemberClientPortBackend
  transport: PeerTransport | undefined
  clientPort: ClientPort | undefined
  admin: AdminServer | undefined
}

async function stopAll(parts: Partial<Parts> & { member: Pipeline; storage: Storage }): Promise<void> {
  await parts.admin?.close()
  await parts.clientPort?.close()
  await parts.replication?.stop()
  parts.member.close()
  await parts.transport?.close()
  await parts.storage.close()
}

/** A running member: what `createServer` and `startMember` return. */
export class RunningMember implements MemberServer {
  private closing: Promise<void> | undefined
  private readonly healthListeners = new Set<(health: ServerHealth) => void>()
  private lastHealth: ServerHealth

  constructor(
    readonly myid: number,
    private readonly parts: Parts,
  ) {
    this.lastHealth = this.health
    parts.replication.onChange = () => this.healthMayHaveChanged()
  }

  get health(): ServerHealth {
    const failure = this.parts.replication.failed
    if (failure !== undefined) return { state: 'failed', reason: failure.message }
    if (this.parts.member.serving) return { state: 'serving' }
    const reason = this.parts.replication.state.reason
    return { state: 'looking', reason: reason === undefined ? 'no established leader' : `no established leader: ${reason}` }
  }

  onHealthChange(listener: (health: ServerHealth) => void): () => void {
    this.healthListeners.add(listener)
    return () => this.healthListeners.delete(listener)
  }

  // A listener's fault is the embedder's; it must not stop the member or the other listeners.
  private healthMayHaveChanged(): void {
    const health = this.health
    if (health.state === this.lastHealth.state && health.reason === this.lastHealth.reason) return
    this.lastHealth = health
    for (const listener of this.healthListeners) {
      try {
        listener(health)
      } catch (error) {
        console.error(`paddock: a health listener threw: ${String(error)}`)
      }
    }
  }

  /** The request pipeline (for the testing kit and the CLI in this package). @internal */
  get member(): Pipeline {
    return this.parts.member
  }

  get address(): ServerAddress | undefined {
    return this.parts.clientPort?.address
  }

  get adminAddress(): ServerAddress | undefined {
    return this.parts.admin?.address
  }

  get connectString(): string | undefined {
    const address = this.parts.clientPort?.address
    return address === undefined ? undefined : `${address.host}:${address.port}`
  }

  get clock(): Clock {
    return this.parts.member.clock
  }

  get znodeCount(): number {
    return this.parts.member.tree.size
  }

  get sessionCount(): number {
    return this.parts.member.sessions.size
  }

  get lastZxid(): number {
    return this.parts.member.lastProcessedZxid
  }

  get mode(): string {
    return this.parts.member.mode
  }

  status(): MemberStatus {
    return this.parts.replication.zab.status()
  }

  connect(options: ConnectOptions = {}): Promise<ZooKeeperClient> {
    return connectInProcess(this.parts.member, options)
  }

  runMaintenance(): void {
    this.parts.member.expireSessions()
    this.parts.member.removeExpiredContainers()
  }

  waitUntilServing(timeoutMs = servingWaitMsDefault): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`member ${this.myid} is not serving after ${timeoutMs} ms (mode ${this.mode})`)), timeoutMs)
      timer.unref()
      this.parts.replication.whenServing().then(
        () => {
          clearTimeout(timer)
          resolve()
        },
        (error: unknown) => {
          clearTimeout(timer)
          reject(error)
        },
      )
    })
  }

  snapshot(): Promise<void> {
    return this.parts.replication.takeSnapshot()
  }

  expireSession(sessionId: bigint): Promise<void> {
    return new Promise((resolve, reject) => {
      const outcome = this.parts.member.expireSession(sessionId, () => resolve())
      const id = `0x${BigInt.asUintN(64, sessionId).toString(16)}`
      if (outcome === 'no-session') reject(new ZooKeeperError('SESSIONEXPIRED', { message: `no open session ${id}` }))
      else if (outcome === 'not-leader') reject(new ZooKeeperError('APIERROR', { message: `member ${this.myid} is ${this.mode}: only the leader expires sessions` }))
    })
  }

  close(): Promise<void> {
    this.closing ??= stopAll(this.parts)
    return this.closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
