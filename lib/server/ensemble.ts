/**
 * The ensemble member runtime: drives the pure ZAB core (lib/zab) with real time, a transport to
 * the other members (lib/peer) and a Storage, and joins it to the member's request pipeline.
 * Ready batches are carried out in the core's documented order: snapshot, truncate and epochs
 * durable before messages go out; entries appended, then `persisted`; committed entries applied.
 * @module
 */
import type { Timer } from '../clock.js'
import type { PeerChannel, PeerTransport } from '../peer/transport.js'
import { decodeTxnEntry, decodeValue, encodeTxnEntry, encodeValue } from '../txn/codec.js'
import { makeZxid, zxidEpoch } from '../txn/zxid.js'
import type { Ready, RoleState, ZabMessage, ZabPeer } from '../zab/index.js'
import type { Storage } from '../../storage/index.js'
import type { LastSnapshot } from './durable.js'
import type { ForwardedWrite, Member, MemberRole } from './member.js'
import { restoreSnapshot, snapshotBytes, snapshotBytesChunks, snapshotChunks } from './snapshot.js'

/** What a learner sends its leader inside a ZAB REQUEST (opaque to the core). */
type LearnerRequest = { kind: 'write'; write: ForwardedWrite } | { kind: 'touch'; sessions: bigint[] }

/** Where the runtime reports what it does. */
export interface EnsembleLogger {
  /** Role changes and other notable events. */
  info(line: string): void
  /** Failures that stop the member. */
  error(line: string): void
}

/** Settings of {@link EnsembleRuntime}. */
export interface EnsembleRuntimeOptions {
  /** Milliseconds per ZAB tick. */
  zabTickMs: number
  /** Transactions between fuzzy snapshots (ZooKeeper's snapCount). */
  snapCount: number
  /** Snapshots kept by purge after each snapshot. */
  snapRetainCount: number
  /** Where it reports. */
  logger: EnsembleLogger
}

function roleOf(state: RoleState): MemberRole {
  if (!state.established) return 'looking'
  switch (state.role) {
    case 'LEADING':
      return 'leader'
    case 'FOLLOWING':
      return 'follower'
    case 'OBSERVING':
      return 'observer'
    default:
      return 'looking'
  }
}

/** Joins a ZabPeer, a Member, a Storage and a PeerTransport. */
export class EnsembleRuntime {
  private transport: PeerTransport | undefined
  private pumping = false
  private stopped = false
  private failed = false
  private tickTimer: Timer | undefined
  private readonly generation = new Map<number, number>()
  private sinceSnapshot = 0
  private snapshotting: Promise<void> | undefined
  private newestSnapshot: LastSnapshot | undefined
  /** The role as ZooKeeper names it, for srvr/stat: leader, follower, observer, or looking. */
  state: RoleState = { role: 'LOOKING', leader: undefined, epoch: 0, established: false }

  constructor(
    readonly zab: ZabPeer,
    readonly member: Member,
    private readonly storage: Storage,
    private readonly options: EnsembleRuntimeOptions,
  ) {
    member.role = 'looking'
    member.setCommitter({
      nextZxid: () => this.predictZxid(),
      propose: (entry) => {
        const result = zab.propose(encodeTxnEntry(entry))
        this.pump()
        if (result.ok) return result.zxid
        return result.reason === 'TOO_MANY_INFLIGHT' ? 'busy' : false
      },
    })
    member.setForwarder({
      forward: (write) => this.forward({ kind: 'write', write }),
      sync: (token) => {
        const ok = zab.sync(token)
        this.pump()
        return ok
      },
    })
  }

  /** The snapshot last written (its own or the leader's SNAP), or the one restored at start. */
  get lastSnapshot(): LastSnapshot | undefined {
    return this.newestSnapshot
  }

  /** Records the snapshot the member was restored from (its time is unknown). */
  restoredFrom(zxid: number): void {
    this.newestSnapshot ??= { zxid, timeMs: undefined }
  }

  /** Starts ticking and processing; `transport` delivers to {@link EnsembleRuntime.receive}. */
  start(transport: PeerTransport): void {
    this.transport = transport
    this.scheduleTick()
    this.pump()
  }

  /** A message from another member. */
  receive(from: number, channel: PeerChannel, message: unknown): void {
    if (this.stopped || !isZabMessage(message)) return
    if ((channel === 'election') !== (message.type === 'NOTIFICATION')) return
    this.zab.step(from, message)
    this.pump()
  }

  /** The quorum connection to `peer` broke: its learner session ends (ZooKeeper: one LearnerHandler per socket). */
  disconnected(peer: number, channel: PeerChannel): void {
    if (this.stopped || channel !== 'quorum') return
    this.generation.set(peer, (this.generation.get(peer) ?? 0) + 1)
    this.zab.disconnected(peer)
    this.pump()
  }

  private predictZxid(): number {
    const status = this.zab.status()
    const epoch = status.currentEpoch
    return zxidEpoch(status.lastLoggedZxid) === epoch ? status.lastLoggedZxid + 1 : makeZxid(epoch, 1)
  }

  private forward(request: LearnerRequest): boolean {
    const ok = this.zab.forward(encodeValue(request))
    this.pump()
    return ok
  }

  private scheduleTick(): void {
    if (this.stopped) return
    this.tickTimer = this.member.clock.setTimer(this.options.zabTickMs, () => {
      this.zab.tick()
      if (this.member.role === 'follower' || this.member.role === 'observer') this.relayTouches()
      this.pump()
      this.scheduleTick()
    })
  }

  // Followers tell the leader which sessions are alive here, as ZooKeeper's learner PINGs do.
  private relayTouches(): void {
    const sessions = this.member.takeTouched()
    if (sessions.length > 0) this.forward({ kind: 'touch', sessions })
  }

  /** Carries out Ready batches one at a time until the core has nothing more. */
  pump(): void {
    if (this.pumping || this.stopped) return
    this.pumping = true
    void this.drain()
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped && this.zab.hasReady()) {
        const generations = new Map(this.generation)
        const ready = this.zab.ready()
        await this.carryOut(ready, generations)
        this.zab.advance()
      }
    } catch (error) {
      this.fail(error)
    } finally {
      this.pumping = false
    }
    if (!this.stopped && this.zab.hasReady()) this.pump()
  }

  private async carryOut(ready: Ready, generations: Map<number, number>): Promise<void> {
    if (ready.snapshot !== undefined) await this.installSnapshot(ready.snapshot.zxid, ready.snapshot.data)
    if (ready.truncate !== undefined) await this.storage.truncateAfter(ready.truncate)
    if (ready.hardState !== undefined) await this.persistEpochs(ready.hardState.acceptedEpoch, ready.hardState.currentEpoch)
    this.appendEntries(ready)
    this.sendMessages(ready, generations)
    for (const entry of ready.committed) this.applyCommitted(entry.zxid, entry.data)
    if (ready.snapshotRequested) this.zab.snapshotTaken(this.member.lastProcessedZxid, snapshotBytes(this.member))
    for (const request of ready.requests) this.handleRequest(request.data)
    for (const token of ready.syncsCompleted) this.member.syncDone(token)
    if (ready.state !== undefined) this.changeState(ready.state)
  }

  private async installSnapshot(zxid: number, data: Uint8Array): Promise<void> {
    this.member.resetState()
    const chunks = snapshotBytesChunks(data)
    await restoreSnapshot(this.member, toAsync(chunks))
    await this.storage.truncateAfter(0)
    await this.storage.writeSnapshot(zxid, chunks)
    this.newestSnapshot = { zxid, timeMs: this.member.clock.now() }
    this.options.logger.info(`installed the leader's snapshot at 0x${zxid.toString(16)}`)
  }

  private async persistEpochs(acceptedEpoch: number, currentEpoch: number): Promise<void> {
    if (this.storage.acceptedEpoch !== acceptedEpoch) await this.storage.setAcceptedEpoch(acceptedEpoch)
    if (this.storage.currentEpoch !== currentEpoch) await this.storage.setCurrentEpoch(currentEpoch)
  }

  private appendEntries(ready: Ready): void {
    if (ready.entries.length === 0) return
    const last = ready.entries[ready.entries.length - 1]?.zxid ?? 0
    const started = performance.now()
    this.storage.append(ready.entries.map((e) => ({ zxid: e.zxid, data: e.data }))).then(
      () => {
        this.member.metrics.logSync.observe(performance.now() - started)
        if (this.stopped) return
        this.zab.persisted(last)
        this.pump()
      },
      (error: unknown) => this.fail(error),
    )
  }

  private sendMessages(ready: Ready, generations: Map<number, number>): void {
    for (const { to, message } of ready.messages) {
      // A session message prepared for a connection that broke meanwhile must not ride the next one.
      if (message.type !== 'NOTIFICATION' && (this.generation.get(to) ?? 0) !== (generations.get(to) ?? 0)) continue
      this.transport?.send(to, message.type === 'NOTIFICATION' ? 'election' : 'quorum', message)
    }
  }

  private applyCommitted(zxid: number, data: Uint8Array): void {
    const entry = decodeTxnEntry(data)
    entry.header.zxid = zxid
    this.member.commit(entry)
    if (++this.sinceSnapshot >= this.options.snapCount) void this.takeSnapshot()
  }

  /** Writes a fuzzy snapshot of the applied state and purges old ones. */
  takeSnapshot(): Promise<void> {
    if (this.snapshotting !== undefined) return this.snapshotting
    this.sinceSnapshot = 0
    const zxid = this.member.lastProcessedZxid
    this.snapshotting = this.storage
      .writeSnapshot(zxid, snapshotChunks(this.member))
      .then(() => {
        this.newestSnapshot = { zxid, timeMs: this.member.clock.now() }
        return this.storage.purge(this.options.snapRetainCount)
      })
      .then(() => undefined)
      .catch((error: unknown) => {
        if (!this.stopped) this.options.logger.error(`snapshot 0x${zxid.toString(16)} failed: ${String(error)}`)
      })
      .finally(() => {
        this.snapshotting = undefined
      })
    return this.snapshotting
  }

  private handleRequest(data: Uint8Array): void {
    if (!this.member.leads) return
    const request = decodeValue(data) as LearnerRequest
    if (request.kind === 'touch') this.member.touchSessions(request.sessions)
    else if (request.kind === 'write') this.member.proposeForwarded(request.write)
  }

  private changeState(state: RoleState): void {
    const before = this.member.role
    this.state = state
    const role = roleOf(state)
    this.member.setRole(role)
    if (role !== before) {
      const why = state.reason === undefined ? '' : ` (${state.reason})`
      this.options.logger.info(`${before} -> ${role}, epoch ${state.epoch}, leader ${state.leader ?? 'none'}${why}`)
    }
  }

  // A failed disk write leaves durability unknown: stop rather than acknowledge anything.
  private fail(error: unknown): void {
    if (this.failed || this.stopped) return
    this.failed = true
    this.options.logger.error(`stopping the member: ${error instanceof Error ? error.stack ?? error.message : String(error)}`)
    this.member.setRole('looking')
    void this.stop()
  }

  /** Stops ticking and processing; the caller closes the transport and storage. */
  async stop(): Promise<void> {
    this.stopped = true
    this.tickTimer?.cancel()
    await this.snapshotting
  }
}

async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item
}

function isZabMessage(value: unknown): value is ZabMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
}

