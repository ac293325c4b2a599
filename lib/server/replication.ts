/**
 * The replication runtime, the one write path of every member: it drives the pure ZAB core
 * (lib/zab) with a clock, a transport to the other members (none for a standalone server, which
 * is an ensemble of one) and a Storage, and joins it to the member's request pipeline.
 *
 * Ready batches are carried out in the core's documented order: snapshot, truncate and epochs
 * durable before messages go out; entries appended, then `persisted`; committed entries applied.
 * A batch that needs nothing durable first (the steady state of broadcast) is carried out in the
 * same turn, so on a storage that keeps nothing a write commits before `propose` returns.
 * @module
 */
import type { Timer } from '../clock.js'
import { snapCountDefault, snapRetainCountMin } from '../limits.js'
import type { PeerChannel, PeerTransport } from '../peer/transport.js'
import { decodeTxnEntry, decodeValue, encodeTxnEntry, encodeValue, isRestoreEntry } from '../txn/codec.js'
import type { TxnEntry } from '../txn/types.js'
import { epochOf, formatZxid, makeZxid } from '../protocol/zxid.js'
import { zabMessageProblem, type LogEntry, type MemberConfig, type Ready, type RoleState, type SyncCompleted, type ZabMessage, type ZabPeer } from '../zab/index.js'
import { encodeMemberConfig } from './member-config.js'
import type { EnsembleState } from './reconfig.js'
import { nextSnapshotAfter } from '../../storage/snapshot-trigger.js'
import type { Storage } from '../../storage/types.js'
import type { Pipeline } from './pipeline.js'
import type { ForwardedWrite, MemberRole } from './pipeline-types.js'
import { planted } from '../planted-bugs.js'
import { restoreSnapshot, snapshotBytes, snapshotBytesChunks, snapshotChunks } from './snapshot.js'

/** A ZAB REQUEST: a learner's {@link LearnerRequest}, as bytes. */
type ZabRequest = Extract<ZabMessage, { type: 'REQUEST' }>

/**
 * What a learner sends its leader inside a ZAB REQUEST (opaque to the core). A transport that
 * speaks another protocol (lib/peer/zookeeper) reads it to write its own packets.
 */
export type LearnerRequest =
  | { kind: 'write'; write: ForwardedWrite }
  | { kind: 'touch'; sessions: bigint[] }
  | { kind: 'revalidate'; sessionId: bigint }

/** Where the runtime reports what it does. */
export interface ReplicationLogger {
  /** Role changes and other notable events. */
  info(line: string): void
  /** Failures: a snapshot that could not be written, or one that stops the member. */
  error(line: string): void
}

/** Settings of snapshots and purges, with ZooKeeper's names and defaults. */
export interface DurabilityOptions {
  /** Transactions between snapshots (ZooKeeper's snapCount; randomised into [snapCount/2+1, snapCount]). @defaultValue 100000 */
  snapCount?: number
  /** Snapshots kept by purge (autopurge.snapRetainCount; at least 3, as ZooKeeper enforces). @defaultValue 3 */
  snapRetainCount?: number
  /** Hours between purges, 0 = never (autopurge.purgeInterval); a purge also follows every snapshot. @defaultValue 0 */
  purgeIntervalHours?: number
}

/**
 * The newest snapshot a member holds (ZooKeeper's `SnapshotInfo`, which the admin server's
 * `last_snapshot` reports): the one it last wrote, or else the one it restored at start.
 */
export interface LastSnapshot {
  /** The zxid it was taken at. */
  readonly zxid: number
  /**
   * When it was written, ms since the epoch on the member's clock; undefined for a snapshot
   * restored at start, since Paddock's snapshots record no time.
   */
  readonly timeMs: number | undefined
}

/** Settings of {@link Replication}. */
export interface ReplicationOptions extends DurabilityOptions {
  /** Milliseconds per ZAB tick. */
  zabTickMs: number
  /** Where it reports. */
  logger: ReplicationLogger
  /** Report role changes (a member alone in its configuration has none worth reporting). @defaultValue true */
  announceRoles?: boolean
  /** Jitter of the snapshot interval; a seeded PRNG in simulations. @defaultValue Math.random */
  random?: () => number
}

const msPerHour = 3_600_000

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

/** A transport for a member with no peers: there is nobody to send to. */
const noPeers: PeerTransport = {
  send: () => {},
  connected: () => false,
  close: () => Promise.resolve(),
}

const noGenerations: ReadonlyMap<number, number> = new Map()

/** The bytes of a transaction nobody will read (see `Replication.bytesUnread`). */
const unread = new Uint8Array(0)

/** Joins a ZabPeer, a Pipeline (the request pipeline), a Storage and a PeerTransport. */
export class Replication {
  private transport: PeerTransport = noPeers
  private pumping = false
  private stopped = false
  private failure: Error | undefined
  /** The zxid of a restore entry logged here and not applied yet: nothing may be proposed after it. */
  private restoreZxid: number | undefined
  private appliedRestore: { readonly zxid: number; readonly backup: Uint8Array } | undefined
  private tickTimer: Timer | undefined
  private purgeTimer: Timer | undefined
  private readonly generation = new Map<number, number>()
  /** Members told of since their quorum connection came up: the identities their forwarded writes carry are dropped. */
  private readonly identitiesDropped = new Set<number>()
  /** This leader's proposals not committed yet, oldest first: committed, they are applied without decoding. */
  private readonly proposedHere: TxnEntry[] = []
  private sinceSnapshot = 0
  /** The last zxid reported durable on a storage that keeps nothing. */
  private reportedDurable = 0
  private snapshotAfter: number
  private snapshotting: Promise<void> | undefined
  private newestSnapshot: LastSnapshot | undefined
  private readonly servingWaiters: { resolve: () => void; reject: (error: Error) => void }[] = []
  private readonly random: () => number
  private readonly snapCount: number
  private readonly snapRetainCount: number
  /** Whether the storage keeps nothing (see `Storage.volatile`). */
  private readonly volatile: boolean
  /** The role as ZooKeeper names it, for srvr/stat: leader, follower, observer, or looking. */
  state: RoleState = { role: 'LOOKING', leader: undefined, epoch: 0, established: false }
  /** Called after the member's role changed or it failed (the host turns it into a health event). */
  onChange: () => void = () => {}
  /**
   * Called once the member's active configuration changed and is durable (a reconfig committed,
   * or the leader's configuration was adopted): the host reaches the members it names.
   */
  onConfig: (config: MemberConfig) => void = () => {}

  constructor(
    readonly zab: ZabPeer,
    readonly member: Pipeline,
    private readonly storage: Storage,
    private readonly options: ReplicationOptions,
  ) {
    this.volatile = storage.volatile === true
    this.random = options.random ?? Math.random
    this.snapCount = options.snapCount ?? snapCountDefault
    this.snapRetainCount = Math.max(snapRetainCountMin, options.snapRetainCount ?? snapRetainCountMin)
    this.snapshotAfter = nextSnapshotAfter(this.snapCount, this.random)
    member.onFault = (error) => this.fail(error)
    member.setCommitter({
      nextZxid: () => this.predictZxid(),
      hasRoom: () => this.zab.hasProposalRoom(),
      propose: (entry) => this.propose(entry),
    })
    member.setForwarder({
      forward: (write) => this.forward({ kind: 'write', write }),
      // Behind every write forwarded before it and ahead of every later one (one FIFO to the leader).
      revalidate: (sessionId) => this.forward({ kind: 'revalidate', sessionId }),
      sync: (token) => {
        if (planted.bug === 'stale-read-after-sync') {
          queueMicrotask(() => this.member.syncDone(token))
          return true
        }
        const ok = zab.sync(token)
        this.pump()
        return ok
      },
    })
  }

  /** The ensemble as a reconfig on this member sees it (answers only while it leads). */
  readonly ensembleState: EnsembleState = {
    config: () => this.zab.config,
    quorumSynced: (voters, observers) => this.zab.quorumSynced(voters, observers),
  }

  /** The snapshot last written (its own or the leader's SNAP), or the one restored at start. */
  get lastSnapshot(): LastSnapshot | undefined {
    return this.newestSnapshot
  }

  /** Why the member stopped serving for good, if it did. */
  get failed(): Error | undefined {
    return this.failure
  }

  /**
   * The restore entry this member applied, if it did: it stopped there, and the host installs the
   * backup (`installCommittedRestore`) and rebuilds the member from its storage.
   */
  get restoreApplied(): { readonly zxid: number; readonly backup: Uint8Array } | undefined {
    return this.appliedRestore
  }

  /**
   * Leader only: proposes replacing the ensemble's state with `backup` (a ZooKeeper snapshot
   * already decoded and checked by the caller). Resolves with the entry's zxid once it commits
   * here; rejects when it cannot be proposed (not leading, a restore already pending) or is not
   * committed before this member stops leading.
   */
  proposeRestore(backup: Uint8Array): Promise<number> {
    if (this.restoreZxid !== undefined) return Promise.reject(new Error(`a restore (entry ${formatZxid(this.restoreZxid)}) is already under way`))
    return this.member.proposeRestore(backup)
  }

  /** Records the snapshot the member was restored from (its time is unknown). */
  restoredFrom(zxid: number): void {
    this.newestSnapshot ??= { zxid, timeMs: undefined }
  }

  /** Starts ticking and processing; `transport` (none for a member alone) delivers to {@link Replication.receive}. */
  start(transport?: PeerTransport): void {
    if (transport !== undefined) this.transport = transport
    // A restore entry last in the recovered log: nothing may be proposed after it here either.
    const last = this.zab.lastLoggedZxid
    const tail = last > 0 ? this.zab.entries(last - 1) : []
    if (tail.length > 0 && isRestoreEntry((tail[tail.length - 1] as LogEntry).data)) this.restoreZxid = last
    this.scheduleTick()
    const purgeHours = this.options.purgeIntervalHours ?? 0
    if (purgeHours > 0 && !this.volatile) this.schedulePurge(purgeHours * msPerHour)
    this.pump()
  }

  /** Resolves once the member serves clients; rejects if it stops or fails first. */
  whenServing(): Promise<void> {
    if (this.member.serving) return Promise.resolve()
    if (this.stopped) return Promise.reject(this.failure ?? new Error('the member is stopped'))
    return new Promise((resolve, reject) => this.servingWaiters.push({ resolve, reject }))
  }

  /**
   * A message from another member. One that is not exactly a ZAB message (lib/zab/validate.ts), or
   * that came on the wrong channel, is refused: throwing makes the transport close that member's
   * connection and log why (lib/peer/transport.ts). Whatever the core itself throws while it
   * takes a valid message may have left it half-changed, so that fail-stops the member.
   * A REQUEST that is not `trusted` (its connection did not authenticate where this member asks
   * peers to) loses the client identities it carries (`withoutIdentities`).
   */
  receive(from: number, channel: PeerChannel, message: unknown, trusted = true): void {
    if (this.stopped) return
    const problem = zabMessageProblem(message)
    if (problem !== undefined) throw new TypeError(`refused a message from member ${from}: ${problem}`)
    const valid = message as ZabMessage
    if ((channel === 'election') !== (valid.type === 'NOTIFICATION')) {
      throw new TypeError(`refused a message from member ${from}: ${valid.type} on the ${channel} channel`)
    }
    const step = trusted || valid.type !== 'REQUEST' ? valid : this.withoutIdentities(from, valid)
    try {
      this.zab.step(from, step)
    } catch (error) {
      return this.fail(error)
    }
    this.pump()
  }

  /**
   * A REQUEST from a member whose connection did not authenticate: anyone who reaches the port
   * could have sent it, so a forwarded write keeps no identity of its client (no digest, x509,
   * sasl, ip or super id; it runs as `world`, and an ACL-protected write gets NOAUTH). Told once
   * per connection of that member. Anything else in it (a session, a touch) passes unchanged, as
   * do bytes that are no learner request: the leader drops those as it drops any.
   */
  private withoutIdentities(from: number, message: ZabRequest): ZabRequest {
    let request: LearnerRequest | null
    try {
      request = decodeValue(message.data) as LearnerRequest | null
    } catch {
      return message
    }
    if (typeof request !== 'object' || request === null || request.kind !== 'write') return message
    const { write } = request
    if (typeof write !== 'object' || write === null || (Array.isArray(write.authInfo) && write.authInfo.length === 0)) return message
    if (!this.identitiesDropped.has(from)) {
      this.identitiesDropped.add(from)
      this.options.logger.info(`member ${from}'s quorum connection is not authenticated: the writes it forwards run without their clients' identities (as world)`)
    }
    return { ...message, data: encodeValue({ ...request, write: { ...write, authInfo: [] } }) }
  }

  /** A broken invariant the transport reported: stop the member and say why. */
  failStop(error: Error): void {
    this.fail(error)
  }

  /** The quorum connection to `peer` broke: its learner session ends (ZooKeeper: one LearnerHandler per socket). */
  disconnected(peer: number, channel: PeerChannel): void {
    if (this.stopped || channel !== 'quorum') return
    this.generation.set(peer, (this.generation.get(peer) ?? 0) + 1)
    this.identitiesDropped.delete(peer)
    try {
      this.zab.disconnected(peer)
    } catch (error) {
      return this.fail(error)
    }
    this.pump()
  }

  private predictZxid(): number {
    const epoch = this.zab.currentEpoch
    const last = this.zab.lastLoggedZxid
    return epochOf(last) === epoch ? last + 1 : makeZxid(epoch, 1)
  }

  /**
   * A member with no peers on a storage that keeps nothing never reads a transaction's bytes
   * again: nothing is stored or sent, and its own commits are applied from `proposedHere`.
   */
  private get bytesUnread(): boolean {
    return this.volatile && this.transport === noPeers
  }

  private propose(entry: TxnEntry): number | 'busy' | false {
    // Nothing follows a restore entry in its epoch: its members stop there (see RestoreTxn).
    if (this.stopped || this.restoreZxid !== undefined) return false
    const txn = entry.txn
    const config = txn.type === 'reconfig' ? { voters: txn.voters, observers: txn.observers, text: txn.text } : undefined
    const result = this.zab.propose(this.bytesUnread ? unread : encodeTxnEntry(entry), config)
    if (result.ok) {
      entry.header.zxid = result.zxid
      this.proposedHere.push(entry)
      if (txn.type === 'restore') this.restoreZxid = result.zxid
      // Nothing to sync: the entry is as durable now as it will ever be, so the commit it allows
      // rides in the same batch as the entry.
      if (this.volatile) this.reportDurable(result.zxid)
    }
    this.pump()
    if (result.ok) return result.zxid
    return result.reason === 'TOO_MANY_INFLIGHT' ? 'busy' : false
  }

  private forward(request: LearnerRequest): boolean {
    const ok = this.zab.forward(encodeValue(request))
    this.pump()
    return ok
  }

  private scheduleTick(): void {
    if (this.stopped) return
    this.tickTimer = this.member.clock.setTimer(this.options.zabTickMs, () => {
      if (this.stopped) return
      try {
        this.zab.tick()
        if (this.member.role === 'follower' || this.member.role === 'observer') this.relayTouches()
      } catch (error) {
        return this.fail(error)
      }
      this.pump()
      this.scheduleTick()
    })
  }

  // Followers tell the leader which sessions are alive here, as ZooKeeper's learner PINGs do.
  private relayTouches(): void {
    const sessions = this.member.takeTouched()
    if (sessions.length > 0) this.forward({ kind: 'touch', sessions })
  }

  /**
   * Carries out Ready batches until the core has nothing more. Batches that need nothing durable
   * first run in this turn; one that does waits for its storage writes and the loop resumes after.
   */
  pump(): void {
    if (this.pumping || this.stopped) return
    this.pumping = true
    this.run()
  }

  private run(): void {
    try {
      while (!this.stopped && this.zab.hasReady()) {
        const generations = this.generation.size === 0 ? noGenerations : new Map(this.generation)
        const ready = this.zab.ready()
        if (this.needsDurableFirst(ready)) {
          this.durableFirst(ready).then(
            () => this.resume(ready, generations),
            (error: unknown) => this.fail(error),
          )
          return
        }
        this.carryOut(ready, generations)
        this.zab.advance()
      }
      this.pumping = false
    } catch (error) {
      this.fail(error)
    }
  }

  private resume(ready: Ready, generations: ReadonlyMap<number, number>): void {
    if (this.stopped) return
    try {
      this.carryOut(ready, generations)
      this.zab.advance()
    } catch (error) {
      return this.fail(error)
    }
    this.run()
  }

  private needsDurableFirst(ready: Ready): boolean {
    if (ready.snapshot !== undefined) return true
    if (this.volatile) return false
    if (ready.config !== undefined) return true
    if (ready.truncate !== undefined) return true
    const hard = ready.hardState
    return hard !== undefined && (this.storage.acceptedEpoch !== hard.acceptedEpoch || this.storage.currentEpoch !== hard.currentEpoch)
  }

  /** Snapshot, truncation and epochs: durable before any message of the batch goes out. */
  private async durableFirst(ready: Ready): Promise<void> {
    if (ready.snapshot !== undefined) await this.installSnapshot(ready.snapshot.zxid, ready.snapshot.data)
    if (ready.truncate !== undefined && planted.bug !== 'skip-truncate') await this.storage.truncateAfter(ready.truncate)
    if (ready.hardState !== undefined) await this.persistEpochs(ready.hardState.acceptedEpoch, ready.hardState.currentEpoch)
    if (ready.config !== undefined) await this.storage.setMemberConfig(encodeMemberConfig(ready.config))
  }

  private carryOut(ready: Ready, generations: ReadonlyMap<number, number>): void {
    if (ready.snapshot !== undefined) this.reportedDurable = ready.snapshot.zxid
    if (ready.truncate !== undefined) this.reportedDurable = Math.min(this.reportedDurable, ready.truncate)
    if (ready.snapshot !== undefined || (ready.truncate !== undefined && ready.truncate < (this.restoreZxid ?? 0))) this.restoreZxid = undefined
    if (this.volatile && ready.hardState !== undefined) this.persistEpochs(ready.hardState.acceptedEpoch, ready.hardState.currentEpoch).catch((error: unknown) => this.fail(error))
    if (this.volatile && ready.config !== undefined) this.storage.setMemberConfig(encodeMemberConfig(ready.config)).catch((error: unknown) => this.fail(error))
    this.appendEntries(ready)
    if (planted.bug === 'apply-before-commit' && this.member.role !== 'leader') this.applyEarly(ready)
    this.sendMessages(ready, generations)
    // A sync completes between the commits it waited for and the next one (ZooKeeper: the SYNC
    // answer travels FIFO behind those COMMITs), so a session's later writes cannot overtake it.
    const syncs = ready.syncsCompleted
    let sync = 0
    for (const entry of ready.committed) {
      for (; sync < syncs.length && (syncs[sync] as SyncCompleted).zxid < entry.zxid; sync++) this.member.syncDone((syncs[sync] as SyncCompleted).token)
      this.applyCommitted(entry.zxid, entry.data)
      if (this.stopped) return
    }
    for (; sync < syncs.length; sync++) this.member.syncDone((syncs[sync] as SyncCompleted).token)
    if (ready.config !== undefined) this.takeUpConfig(ready.config)
    if (ready.snapshotRequested) this.zab.snapshotTaken(this.member.lastProcessedZxid, snapshotBytes(this.member))
    for (const request of ready.requests) this.handleRequest(request.data, request.from)
    if (ready.state !== undefined) this.changeState(ready.state)
  }

  // After the committed entries, so a reconfig's own apply showed it first (with its zxid).
  private takeUpConfig(config: MemberConfig): void {
    this.member.showConfig(config.text, config.version)
    this.onConfig(config)
  }

  /**
   * SNAP: the leader's snapshot replaces this member's history. On disk the old history stays
   * until the new snapshot is durable, as ZooKeeper's learner keeps its old files until its
   * snapshot at NEWLEADER is written: a crash at any point restarts the member either from its old
   * history or from the leader's snapshot. Removing the old log first (or its snapshots first,
   * which a purged log needs) would leave, after a crash, nothing to start from, or a log whose
   * beginning only a removed snapshot held ("no usable snapshot").
   */
  private async installSnapshot(zxid: number, data: Uint8Array): Promise<void> {
    // A snapshot of the old tree still being written reads the tree as it goes: let it finish
    // before the tree is replaced (its purge then also runs before ours).
    if (this.snapshotting !== undefined) await this.snapshotting
    this.member.resetState()
    this.proposedHere.length = 0
    const chunks = snapshotBytesChunks(data)
    await restoreSnapshot(this.member, toAsync(chunks))
    if (this.volatile) {
      await this.storage.truncateAfter(0)
    } else {
      // Entries above the snapshot are not the leader's; cutting them (newest first) leaves a
      // prefix of the old history, which recovers as it is.
      await this.storage.truncateAfter(zxid)
      // From its completion marker on, recovery starts at the leader's snapshot.
      await this.storage.writeSnapshot(zxid, chunks)
      // The old snapshots and the log up to the new one belong to the history being replaced:
      // none may serve as a fallback under the entries that follow the new snapshot, and the log
      // alone may not either (purge(1) left the log when no older snapshot existed).
      await this.storage.discardHistoryThrough(zxid)
    }
    this.newestSnapshot = { zxid, timeMs: this.member.clock.now() }
    this.options.logger.info(`installed the leader's snapshot at 0x${zxid.toString(16)}`)
  }

  private async persistEpochs(acceptedEpoch: number, currentEpoch: number): Promise<void> {
    if (this.storage.acceptedEpoch !== acceptedEpoch) await this.storage.setAcceptedEpoch(acceptedEpoch)
    if (this.storage.currentEpoch !== currentEpoch) await this.storage.setCurrentEpoch(currentEpoch)
  }

  private appendEntries(ready: Ready): void {
    if (ready.entries.length === 0) return
    const lastEntry = ready.entries[ready.entries.length - 1] as LogEntry
    const last = lastEntry.zxid
    // A restore entry is always the last of its history (nothing is proposed after one).
    if (isRestoreEntry(lastEntry.data)) this.restoreZxid = last
    // Nothing to sync: the entries are as durable now as they will ever be.
    if (this.volatile) return this.reportDurable(last)
    if (planted.bug === 'ack-before-durable') this.zab.persisted(last)
    const started = performance.now()
    this.storage.append(ready.entries.map((e) => ({ zxid: e.zxid, data: e.data }))).then(
      () => this.durable(last, performance.now() - started),
      (error: unknown) => this.fail(error),
    )
  }

  // A storage callback: whatever it throws fail-stops the member instead of escaping as an
  // unhandled rejection into the host process.
  private durable(last: number, syncMs: number): void {
    if (this.stopped) return
    try {
      this.member.metrics.logSync.observe(syncMs)
      this.zab.persisted(last)
    } catch (error) {
      return this.fail(error)
    }
    this.pump()
  }

  // On a storage that keeps nothing; each zxid is reported once (a proposal's at propose).
  private reportDurable(zxid: number): void {
    if (zxid <= this.reportedDurable) return
    this.reportedDurable = zxid
    this.zab.persisted(zxid)
  }

  private sendMessages(ready: Ready, generations: ReadonlyMap<number, number>): void {
    for (const { to, message } of ready.messages) {
      // A session message prepared for a connection that broke meanwhile must not ride the next one.
      if (message.type !== 'NOTIFICATION' && (this.generation.get(to) ?? 0) !== (generations.get(to) ?? 0)) continue
      this.transport.send(to, message.type === 'NOTIFICATION' ? 'election' : 'quorum', message)
    }
  }

  // The planted bug 'apply-before-commit': a follower applies proposals as they arrive.
  private readonly appliedEarly = new Set<number>()
  private applyEarly(ready: Ready): void {
    for (const entry of ready.entries) {
      this.appliedEarly.add(entry.zxid)
      this.member.commit(this.committedEntry(entry.zxid, entry.data))
    }
  }

  private applyCommitted(zxid: number, data: Uint8Array): void {
    if (this.appliedEarly.delete(zxid)) return
    const entry = this.committedEntry(zxid, data)
    this.member.commit(entry)
    if (entry.txn.type === 'restore') return this.stopForRestore(zxid, entry.txn.backup)
    if (++this.sinceSnapshot >= this.snapshotAfter && this.snapshotting === undefined && !this.volatile) void this.takeSnapshot()
  }

  // One leader per epoch, so a zxid this member proposed names the entry it proposed.
  private committedEntry(zxid: number, data: Uint8Array): TxnEntry {
    while (this.proposedHere.length > 0 && (this.proposedHere[0] as TxnEntry).header.zxid < zxid) this.proposedHere.shift()
    const head = this.proposedHere[0]
    if (head !== undefined && head.header.zxid === zxid) {
      this.proposedHere.shift()
      return head
    }
    const entry = decodeTxnEntry(data)
    entry.header.zxid = zxid
    return entry
  }

  /**
   * Writes a fuzzy snapshot of the applied state, then purges beyond snapRetainCount (one at a
   * time: a request while one runs joins it, as ZooKeeper's "too busy to snap"). Nothing is
   * written on a storage that keeps nothing.
   */
  takeSnapshot(): Promise<void> {
    if (this.snapshotting !== undefined) return this.snapshotting
    if (this.volatile || this.stopped) return Promise.resolve()
    this.sinceSnapshot = 0
    this.snapshotAfter = nextSnapshotAfter(this.snapCount, this.random)
    const zxid = this.member.lastProcessedZxid
    this.snapshotting = this.storage
      .writeSnapshot(zxid, snapshotChunks(this.member))
      .then((info) => {
        this.newestSnapshot = { zxid, timeMs: this.member.clock.now() }
        this.options.logger.info(`snapshot 0x${zxid.toString(16)} written: ${info.chunkCount} chunks, ${info.byteCount} bytes`)
        // Keep the log and snapshots bounded so start-up replays little (ZooKeeper rolls its log
        // per snapshot for the same reason).
        return this.storage.purge(this.snapRetainCount)
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

  /** Removes all but the newest snapRetainCount snapshots and the log they no longer need. */
  async purge(): Promise<void> {
    const result = await this.storage.purge(this.snapRetainCount)
    this.options.logger.info(`purge: ${result.snapshotsRemoved} snapshots and ${result.logEntriesRemoved} log entries removed`)
  }

  private schedulePurge(intervalMs: number): void {
    this.purgeTimer = this.member.clock.setTimer(intervalMs, () => {
      if (this.stopped) return
      this.purge().catch((error: unknown) => this.options.logger.error(`purge failed: ${String(error)}`))
      this.schedulePurge(intervalMs)
    })
  }

  // `from`, the member that forwarded the request, owns the sessions it speaks for.
  private handleRequest(data: Uint8Array, from: number): void {
    if (!this.member.leads) return
    // A learner's bytes: anything but a request this member understands is dropped, not thrown.
    let request: LearnerRequest | null
    try {
      request = decodeValue(data) as LearnerRequest | null
    } catch {
      return
    }
    if (typeof request !== 'object' || request === null) return
    if (request.kind === 'touch') this.member.touchSessions(request.sessions)
    else if (request.kind === 'write') this.member.proposeForwarded(request.write, from)
    else if (request.kind === 'revalidate' && typeof request.sessionId === 'bigint') this.member.setOwner(request.sessionId, from)
  }

  private changeState(state: RoleState): void {
    const before = this.member.role
    this.state = state
    const role = roleOf(state)
    this.transport.roleChanged?.(state.role)
    if (role !== 'leader') this.proposedHere.length = 0
    // Read-only mode lasts while the core is LOOKING, as ZooKeeper's runs during the election only.
    this.member.setRole(role, state.role === 'LOOKING')
    if (role !== before && this.options.announceRoles !== false) {
      const why = state.reason === undefined ? '' : ` (${state.reason})`
      this.options.logger.info(`${before} -> ${role}, epoch ${state.epoch}, leader ${state.leader ?? 'none'}${why}`)
    }
    if (this.member.serving) for (const waiter of this.servingWaiters.splice(0)) waiter.resolve()
    this.onChange()
  }

  /**
   * A restore entry committed and was applied (it changed nothing): the member stops serving and
   * processing here, and the host installs the backup and rebuilds it (see RestoreTxn).
   */
  private stopForRestore(zxid: number, backup: Uint8Array): void {
    this.appliedRestore = { zxid, backup }
    this.options.logger.info(`restore entry ${formatZxid(zxid)} committed: the member stops to install the backup`)
    this.member.setRole('looking')
    void this.stop()
    this.onChange()
  }

  // A failed disk write leaves durability unknown: stop rather than acknowledge anything.
  private fail(error: unknown): void {
    this.pumping = false
    if (this.failure !== undefined || this.stopped) return
    this.failure = error instanceof Error ? error : new Error(String(error))
    this.options.logger.error(`stopping the member: ${this.failure.stack ?? this.failure.message}`)
    this.member.disableReadOnly()
    this.member.setRole('looking')
    void this.stop()
    this.onChange()
  }

  /** Stops ticking and processing and waits for a running snapshot; the caller closes the transport and storage. */
  async stop(): Promise<void> {
    this.stopped = true
    this.tickTimer?.cancel()
    this.purgeTimer?.cancel()
    const error = this.failure ?? new Error('the member stopped before it served')
    for (const waiter of this.servingWaiters.splice(0)) waiter.reject(error)
    await this.snapshotting
  }
}

async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item
}

