/**
 * Starting an ensemble member: from a config object (or a parsed zoo.cfg plus myid), with its
 * storage restored, its transport to the other members, the ZAB runtime, and a client port.
 * @module
 */
import { randomInt } from 'node:crypto'
import type { ServerSpec } from '../config/zoo-cfg.js'
import { MemoryHub } from '../peer/memory.js'
import { startTcpTransport, type PeerAddress } from '../peer/tcp.js'
import type { PeerTransport } from '../peer/transport.js'
import { zxidEpoch } from '../txn/zxid.js'
import { majorityQuorum, ZabPeer, type ZabLimits } from '../zab/index.js'
import { createLevelStorage, type Storage } from '../../storage/index.js'
import { storageLogger } from './durable.js'
import { startClientPort, type ClientPort } from '../wire/server.js'
import { EnsembleRuntime, type EnsembleLogger } from './ensemble.js'
import { Member } from './member.js'
import { restoreSnapshot } from './snapshot.js'
import { memberBackend, MemberFront, type Server, type ServerOptions } from './server.js'
import type { MemberClientPortBackend } from './wire-adapter.js'
import { startAdminServerIfEnabled, type AdminServer } from './admin.js'

/** Milliseconds per ZAB tick: fine enough for ZooKeeper's 200 ms election intervals. */
export const zabTickMsDefault = 50

/** Options of {@link startMember}: a {@link ServerOptions} plus the ensemble. */
export interface MemberStartOptions extends ServerOptions {
  /** This member's id (myid). */
  myid: number
  /** Every member, this one included (zoo.cfg's server.N lines). */
  servers: readonly ServerSpec[]
  /** Ticks of tickTime a follower may take to connect and sync (initLimit). @defaultValue 10 */
  initLimit?: number
  /** Ticks of tickTime a follower may lag (syncLimit). @defaultValue 5 */
  syncLimit?: number
  /**
   * Members of one process talk through this hub instead of TCP (in-process clusters).
   * @internal
   */
  hub?: MemoryHub
  /** Milliseconds per ZAB tick. @defaultValue 50 */
  zabTickMs?: number
  /** Seed of the ZAB core's election jitter. @defaultValue random */
  seed?: number
  /** Where the member reports role changes and failures. @defaultValue console with a `paddock[N]:` prefix */
  logger?: EnsembleLogger
}

/** What a member reports of its place in the ensemble (the ZAB core's view). */
export interface MemberStatus {
  /** This member's id. */
  readonly id: number
  /** LOOKING, FOLLOWING, LEADING or OBSERVING (ZooKeeper's ServerState). */
  readonly role: string
  /** The leader followed or led, if any. */
  readonly leader: number | undefined
  /** Whether the leader is established (the member may serve). */
  readonly established: boolean
  /** The last epoch accepted in discovery (ZooKeeper's acceptedEpoch file). */
  readonly acceptedEpoch: number
  /** The epoch of the last leader followed (ZooKeeper's currentEpoch file). */
  readonly currentEpoch: number
  /** The last zxid in the log. */
  readonly lastLoggedZxid: number
  /** The last zxid known committed. */
  readonly committedZxid: number
  /** The last zxid known durable here. */
  readonly persistedZxid: number
  /** The election round (ZooKeeper's logicalclock). */
  readonly electionEpoch: number
  /** On a leader: its learners; zeros elsewhere. */
  readonly learners: LearnerCounts
  /** The ZAB phase, as the `zabstate` admin command reports it (ZooKeeper's `QuorumPeer.ZabState`). */
  readonly zabState: 'election' | 'discovery' | 'synchronization' | 'broadcast'
}

/** A leader's learners, as mntr reports them. */
export interface LearnerCounts {
  /** Followers connected, in any phase. */
  readonly followers: number
  /** Followers in broadcast (UPTODATE sent). */
  readonly syncedFollowers: number
  /** Observers connected. */
  readonly observers: number
}

/** A running ensemble member. */
export interface MemberServer extends Server {
  /** This member's id. */
  readonly myid: number
  /** `leader`, `follower`, `observer`, or `looking` while there is no established leader. */
  readonly mode: string
  /** The ZAB core's view: role, epochs, zxids. */
  status(): MemberStatus
  /** Resolves once the member serves clients (an established leader, follower or observer). */
  waitUntilServing(timeoutMs?: number): Promise<void>
}

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

function zabLimits(options: MemberStartOptions, tickTimeMs: number, zabTickMs: number): Partial<ZabLimits> {
  const ticks = (ms: number) => Math.max(1, Math.ceil(ms / zabTickMs))
  const syncLimitTicks = Math.max(2, ticks((options.syncLimit ?? 5) * tickTimeMs))
  return {
    electionTimeoutTicks: ticks(200),
    electionTimeoutMaxTicks: ticks(2000),
    finalizeWaitTicks: ticks(200),
    syncLimitTicks,
    initLimitTicks: Math.max(syncLimitTicks, ticks((options.initLimit ?? 10) * tickTimeMs)),
  }
}

async function restore(member: Member, storage: Storage) {
  if (storage.state !== 'open') await storage.open()
  const snapshot = await storage.latestSnapshot()
  const snapshotZxid = snapshot === undefined ? 0 : await restoreSnapshot(member, snapshot.chunks())
  const entries: { zxid: number; data: Uint8Array }[] = []
  for await (const entry of storage.readLog(snapshotZxid + 1)) entries.push({ zxid: entry.zxid, data: entry.data })
  // Without the epoch files ZooKeeper takes them from the last logged zxid.
  const lastEpoch = zxidEpoch(entries[entries.length - 1]?.zxid ?? snapshotZxid)
  return {
    acceptedEpoch: storage.acceptedEpoch ?? lastEpoch,
    currentEpoch: storage.currentEpoch ?? lastEpoch,
    snapshotZxid,
    fromSnapshot: snapshot !== undefined,
    entries,
    committedZxid: snapshotZxid,
  }
}

/** Starts one ensemble member; it elects or joins a leader on its own and serves once established. */
export async function startMember(options: MemberStartOptions): Promise<MemberServer> {
  const me = options.servers.find((s) => s.id === options.myid)
  if (me === undefined) throw new RangeError(`myid ${options.myid} is not among the servers`)
  const member = new Member({ ...options, serverId: options.myid })
  const storage = options.storage ?? (options.dataDir === undefined ? undefined : createLevelStorage({ dataDir: options.dataDir, logger: storageLogger }))
  if (storage === undefined) throw new TypeError('an ensemble member needs dataDir or storage')
  const logger = options.logger ?? consoleLogger(options.myid)
  try {
    const restored = await restore(member, storage)
    const voters = options.servers.filter((s) => s.role === 'participant').map((s) => s.id)
    const observers = options.servers.filter((s) => s.role === 'observer').map((s) => s.id)
    const zabTickMs = options.zabTickMs ?? zabTickMsDefault
    const zab = new ZabPeer(
      { id: options.myid, quorum: majorityQuorum(voters, observers), random: mulberry32(options.seed ?? randomInt(2 ** 31)), limits: zabLimits(options, member.options.tickTimeMs, zabTickMs) },
      restored,
    )
    member.metrics.quorumSize = voters.length
    const runtime = new EnsembleRuntime(zab, member, storage, {
      zabTickMs,
      snapCount: options.snapCount ?? 100_000,
      snapRetainCount: Math.max(3, options.snapRetainCount ?? 3),
      logger,
    })
    if (restored.fromSnapshot) runtime.restoredFrom(restored.snapshotZxid)
    const transport = await connectPeers(options, runtime, logger)
    runtime.start(transport)
    const port = options.port ?? me.clientPort
    // One backend for the client port and the admin server, so both see one trace mask.
    const backend = memberBackend(member, options, () => modeOf(member), () => (member.role === 'leader' ? zab.status().learners : undefined))
    const clientPort = port === undefined ? undefined : await startClientPort(backend, {
      port,
      host: options.host ?? me.clientAddress ?? '127.0.0.1',
      maxBufferBytes: member.options.maxDataBytes,
      ...(options.maxClientCnxns === undefined ? {} : { maxClientCnxns: options.maxClientCnxns }),
      ...(options.fourLetterWordsWhitelist === undefined ? {} : { fourLetterWordsWhitelist: options.fourLetterWordsWhitelist }),
      ...(options.clientPortLogger === undefined ? {} : { logger: options.clientPortLogger }),
    })
    const admin = await startAdmin(member, backend, runtime, options, clientPort, async () => {
      await clientPort?.close()
      await runtime.stop()
      await transport.close()
    })
    return new EnsembleMember(options.myid, member, runtime, storage, transport, clientPort, admin)
  } catch (error) {
    member.close()
    await storage.close()
    throw error
  }
}

function connectPeers(options: MemberStartOptions, runtime: EnsembleRuntime, logger: EnsembleLogger): Promise<PeerTransport> {
  const handler = {
    message: runtime.receive.bind(runtime),
    disconnected: runtime.disconnected.bind(runtime),
  }
  if (options.hub !== undefined) return Promise.resolve(options.hub.join(options.myid, handler))
  const members = new Map<number, PeerAddress>(options.servers.map((s) => [s.id, { host: s.host, quorumPort: s.quorumPort, electionPort: s.electionPort }]))
  return startTcpTransport({ myid: options.myid, members, handler, log: (line) => logger.info(line) })
}

/** The admin server when `adminServerPort` is set; on failure `unwind` stops what already runs. */
async function startAdmin(
  member: Member,
  backend: MemberClientPortBackend,
  runtime: EnsembleRuntime,
  options: MemberStartOptions,
  clientPort: ClientPort | undefined,
  unwind: () => Promise<void>,
): Promise<AdminServer | undefined> {
  const ensemble = { myid: options.myid, servers: options.servers, status: () => runtime.zab.status() }
  try {
    return await startAdminServerIfEnabled({ member, backend, clientPort, ensemble, snapshots: runtime, initialConfiguration: options.initialConfiguration }, options)
  } catch (error) {
    await unwind()
    throw error
  }
}

function modeOf(member: Member): string {
  return member.role === 'looking' ? 'looking' : member.role
}

function consoleLogger(myid: number): EnsembleLogger {
  return {
    info: (line) => console.info(`paddock[${myid}]: ${line}`),
    error: (line) => console.error(`paddock[${myid}]: ${line}`),
  }
}

class EnsembleMember extends MemberFront implements MemberServer {
  constructor(
    readonly myid: number,
    member: Member,
    private readonly runtime: EnsembleRuntime,
    private readonly storage: Storage,
    private readonly transport: PeerTransport,
    clientPort: ClientPort | undefined,
    admin: AdminServer | undefined,
  ) {
    super(member, clientPort, admin)
  }

  get mode(): string {
    return modeOf(this.member)
  }

  status(): MemberStatus {
    return this.runtime.zab.status()
  }

  waitUntilServing(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.member.serving) return resolve()
        if (Date.now() > deadline) return reject(new Error(`member ${this.myid} is not serving after ${timeoutMs} ms (mode ${this.mode})`))
        setTimeout(check, 20).unref()
      }
      check()
    })
  }

  snapshot(): Promise<void> {
    return this.runtime.takeSnapshot()
  }

  expireSession(sessionId: bigint): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.member.expireSession(sessionId, () => resolve())) reject(new Error('only the leader expires sessions, and only open ones'))
    })
  }

  async close(): Promise<void> {
    await this.admin?.close()
    await this.clientPort?.close()
    await this.runtime.stop()
    this.member.close()
    await this.transport.close()
    await this.storage.close()
  }
}

