/**
 * The member's request pipeline (apache/zookeeper's processor chain, as plain functions on one
 * event loop): prep → propose/log → commit → apply and reply. A session's reads are answered in
 * order behind that session's own writes. Proposals go to the replication runtime (`replication.ts`), the same for
 * a standalone server (an ensemble of one) as for any member of a larger ensemble. The stages
 * stand in their own modules (`prep.ts`, `reads.ts`, `final.ts`, `sessions.ts`, `maintenance.ts`;
 * shared types in `pipeline-types.ts`); this class orchestrates them and keeps the hot path.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { systemClock, type Clock, type Timer } from '../clock.js'
import { ErrorCode, errorCodeName } from '../errors.js'
import { revalidationsPendingMax } from '../limits.js'
import { pathProblem } from '../path.js'
import { SUPER_ID, type Id } from '../protocol/data.js'
import { DataTree, type TxnResult } from '../tree/data-tree.js'
import { namespaceOf } from '../tree/quota.js'
import type { Txn, TxnEntry, TxnHeader } from '../txn/types.js'
import { SessionTracker, type Session } from '../session/session-tracker.js'
import { WatchManager } from '../watch/watch-manager.js'
import { toResponse } from './final.js'
import { randomHashSeed } from './hash-seed.js'
import * as maintenance from './maintenance.js'
import { MemberMetrics } from './metrics.js'
import type {
  Channel,
  ClientConnection,
  Committer,
  ConnectParams,
  Done,
  ForwardedWrite,
  Forwarder,
  MaintenanceHost,
  MemberOptions,
  MemberRole,
  Queued,
  QueuedWrite,
  ResolvedMemberOptions,
  ServerMode,
  SessionGrant,
} from './pipeline-types.js'
import { Prep } from './prep.js'
import type { ReconfigSupport } from './reconfig.js'
import * as reads from './reads.js'
import { readOnlyStartDelayMs, refusedReadOnly } from './read-only.js'
import { addId, needsGlobalSession, negotiateTimeout, resolveOptions, samePasswd, setAuth, whoAmI } from './sessions.js'
import { isWrite, type ReadRequest, type ReconfigRequest, type Request, type Response, type WriteRequest } from '../protocol/requests.js'


/** The committer before the replication runtime is attached: nothing can be proposed. */
const notReplicating: Committer = {
  nextZxid: () => 1,
  hasRoom: () => true,
  propose: () => false,
}

/**
 * A write in the member's FIFO of writes in flight, which commit in the order they were proposed
 * or forwarded. `make` is set while the write waits for the ensemble to take more proposals: its
 * transaction is prepared only when it is proposed, so it sees every change proposed before it.
 */
interface PendingWrite {
  sessionId: bigint
  cxid: number
  zxid: number | undefined
  /** Where the result goes: the asking session's queue, or a callback (forwarded and internal writes). */
  outcome: QueuedWrite | ((result: TxnResult, zxid: number) => void)
  make?: ((zxid: number, time: number) => Txn) | undefined
  /** Leader: the member whose client asked for it (see {@link TxnEntry.origin}); unset, this member. */
  origin?: number
}


/** Reads that need nothing but the tree: answered at once when nothing is queued ahead of them. */
function isPlainRead(request: Request): request is ReadRequest {
  const op = request.op
  return op === 'getData' || op === 'exists' || op === 'getChildren' || op === 'getACL'
}

/** What the leader's prep makes of a write whose session moved to another member. */
function sessionMovedTxn(): Txn {
  return { type: 'error', err: ErrorCode.SESSIONMOVED }
}

/** Where a connect's outcome goes. */
type GrantDone = (grant: SessionGrant | { err: number }) => void

/** The cxid of transactions the server makes itself (session expiry, container removal). */
const internalCxid = -1

/** One member's state (tree, watches, sessions) and its request pipeline. */
export class Pipeline {
  readonly tree = new DataTree({ hashSeeds: randomHashSeed })
  readonly watches = new WatchManager()
  readonly sessions: SessionTracker
  /**
   * Local sessions (ZooKeeper's LocalSessionTracker): sessions that live only on this member, with
   * no transaction; empty unless `localSessionsEnabled`. Their ids come from `sessions`, so they
   * never collide with global ones.
   */
  readonly localSessions: SessionTracker
  readonly clock: Clock
  readonly options: ResolvedMemberOptions
  private readonly prep: Prep
  private readonly channels = new Map<bigint, Channel>()
  /** Writes in flight, from every session and the member itself, in commit order. */
  private readonly writes: PendingWrite[] = []
  /** Writes (also in `writes`) waiting, in order, until a commit makes room for their proposal. */
  private readonly waiting: PendingWrite[] = []
  /** Syncs waiting for the leader, by token. */
  private readonly syncs = new Map<number, { channel: Channel; item: Queued & { kind: 'sync' } }>()
  /** Follower: resumed sessions waiting for the leader's answer to a sync (see `afterSync`), by token. */
  private readonly revalidations = new Map<number, (answered: boolean) => void>()
  private committer: Committer = notReplicating
  private forwarder: Forwarder | undefined
  private syncToken = 0
  /** Sessions used here since the last report to the leader (followers relay them like pings). */
  private readonly touched = new Set<bigint>()
  /** What the member is doing; only an established leader prepares writes. */
  role: MemberRole = 'looking'
  /** Whether the member is alone in its configuration (one voter, no observers): it reports `standalone`. */
  standalone = false
  /**
   * The password of a new session: 16 random bytes, or, in an ensemble with Apache ZooKeeper
   * members (`peerProtocol=zookeeper`), the one every ZooKeeper member derives from the session
   * id, so that the session resumes on any of them.
   */
  sessionPasswd: (sessionId: bigint) => Uint8Array = () => new Uint8Array(randomBytes(16))
  /** Request counts and latencies, for mntr, the admin server and /metrics. */
  readonly metrics = new MemberMetrics()
  private timers: Timer[] = []
  private closed = false
  /**
   * Serving read-only clients (ZooKeeper's ReadOnlyZooKeeperServer): the member has looked for a
   * leader for {@link readOnlyStartDelayMs} with `readOnlyModeEnabled` on. See ./read-only.ts.
   */
  readOnly = false
  private readonly readOnlyModeEnabled: boolean
  /** Read-only mode may no longer start (the member failed): it would serve a tree nobody updates. */
  private readOnlyDisabled = false
  private readOnlyTimer: Timer | undefined
  /** Sessions opened in read-only mode: on this member only, never replicated, dropped when it rejoins. */
  private readonly readOnlySessions = new Set<bigint>()
  /** The narrow view of this member the maintenance sweeps work on, made once. */
  private readonly maintenanceHost: MaintenanceHost

  constructor(options: MemberOptions = {}) {
    this.clock = options.clock ?? systemClock
    this.options = resolveOptions(options)
    this.readOnlyModeEnabled = options.readOnlyModeEnabled ?? false
    this.sessions = new SessionTracker(this.options.tickTimeMs, this.options.myid, this.clock.now())
    this.localSessions = new SessionTracker(this.options.tickTimeMs, this.options.myid, this.clock.now())
    this.prep = new Prep(this.tree, { ...this.options, quotaRefused: (root) => this.countQuotaRefusal(root) })
    this.maintenanceHost = {
      sessions: this.sessions,
      tree: this.tree,
      writesWaiting: () => this.waiting.length > 0,
      ephemeralsOf: (sessionId) => this.prep.ephemeralsOf(sessionId),
      prepareInternal: (request) => this.prepare(0n, [SUPER_ID], request),
      proposeInternal: (sessionId, make, done) => this.propose(sessionId, internalCxid, make, done),
    }
    this.tree.listener = (type, path, zxid, acl) => this.watches.trigger(type, path, zxid, acl)
    this.every(this.options.tickTimeMs, () => {
      this.expireLocalSessions()
      this.expireSessions()
    })
    this.every(this.options.containerCheckIntervalMs, () => this.removeExpiredContainers())
  }

  /**
   * Where a fault in the pipeline's own timers goes (the replication runtime fail-stops the
   * member); until one is set it is rethrown to the caller of the timer.
   */
  onFault: (error: unknown) => void = (error) => {
    throw error
  }

  /**
   * Lets this member prepare reconfigs (an ensemble member; without it, reconfig is UNIMPLEMENTED
   * as on a standalone ZooKeeper server).
   */
  setReconfigSupport(support: ReconfigSupport): void {
    this.prep.reconfig = support
  }

  /**
   * Leader only: a reconfig the embedding process makes itself, with the super user's rights
   * (no client session). Answered as a client's reconfig; CONNECTIONLOSS on a member that does
   * not lead.
   */
  reconfigAsSuper(request: ReconfigRequest): Promise<Response> {
    return new Promise((resolve) => {
      if (!this.leads) return resolve({ err: ErrorCode.CONNECTIONLOSS })
      this.propose(0n, internalCxid, (zxid, time) => this.prepare(0n, [SUPER_ID], request, zxid, time), (result) => resolve(toResponse(result)))
    })
  }

  /**
   * Leader only: proposes a restore entry carrying `backup` (see RestoreTxn). Resolves with its
   * zxid once it commits here; rejects when this member does not lead, or when the entry cannot be
   * proposed or stops being this member's to commit (it lost the leadership first: the next leader
   * may still commit it, as with any write answered CONNECTIONLOSS).
   */
  proposeRestore(backup: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      if (!this.leads) return reject(new Error('this member does not lead the ensemble'))
      this.propose(0n, internalCxid, () => ({ type: 'restore', backup }), (result, zxid) => {
        if (result.err === ErrorCode.OK) resolve(zxid)
        else reject(new Error(`the restore entry was not committed here (${errorCodeName(result.err) ?? result.err}): the next leader commits it if it has it`))
      })
    })
  }

  /**
   * The member took up a configuration (a committed reconfig, or one learned from its leader or
   * restored from disk): /zookeeper/config shows it, and its watchers hear of a change.
   */
  showConfig(text: string, version: number): void {
    this.tree.setConfigNode(text, version, this.clock.now())
  }

  /** Sets where proposals go (the replication runtime); until then nothing can be proposed. */
  setCommitter(committer: Committer): void {
    this.committer = committer
  }

  /** Sets how a non-leading member reaches its leader. */
  setForwarder(forwarder: Forwarder): void {
    this.forwarder = forwarder
  }

  /** Whether this member decides writes itself (the established leader). */
  get leads(): boolean {
    return this.role === 'leader'
  }

  /** The role as srvr, mntr and the admin server report it. */
  get mode(): ServerMode {
    if (this.readOnly) return 'read-only'
    return this.standalone && this.role === 'leader' ? 'standalone' : this.role
  }

  /** Whether the member serves clients now (not while it looks for a leader). */
  get serving(): boolean {
    return this.role !== 'looking' && !this.closed
  }

  /** Whether the member answers its clients now: while it serves, or in read-only mode. */
  private get answering(): boolean {
    return this.serving || (this.readOnly && !this.closed)
  }

  /** The zxid of the last transaction applied. */
  get lastProcessedZxid(): number {
    return this.tree.lastProcessedZxid
  }

  /** Opens a new session or resumes one; a wrong password or an unknown session gets SESSIONEXPIRED. */
  connect(connection: ClientConnection, params: ConnectParams, done: (grant: SessionGrant | { err: number }) => void): void {
    if (this.readOnly && !this.closed) return done(this.connectReadOnly(connection, params))
    if (!this.serving) return done({ err: ErrorCode.CONNECTIONLOSS })
    const timeoutMs = negotiateTimeout(this.options, params.timeoutMs)
    if (params.sessionId !== undefined && params.sessionId !== 0n) return this.resume(connection, params, done)
    const sessionId = this.sessions.allocateId()
    const passwd = this.sessionPasswd(sessionId)
    if (this.localSessionsOn) {
      // ZooKeeper: a local createSession is neither forwarded nor logged.
      this.localSessions.add(sessionId, timeoutMs, passwd, this.clock.now())
      return done({ channel: this.attach(connection, sessionId), sessionId, passwd, timeoutMs })
    }
    const granted = (result: TxnResult) => {
      if (result.type === 'error') return done({ err: result.err })
      const channel = this.attach(connection, sessionId)
      // The password the session was created with: a ZooKeeper leader's createSession carries
      // none, and every member derives ZooKeeper's from the session id (lib/migrate/zk-format.ts).
      done({ channel, sessionId, passwd: this.sessions.get(sessionId)?.passwd ?? passwd, timeoutMs })
    }
    if (this.leads) return this.propose(sessionId, 0, () => ({ type: 'createSession', timeoutMs, passwd }), granted)
    this.forwardWrite({ sessionId, cxid: 0, authInfo: [], request: { op: 'createSession', timeoutMs, passwd } }, granted)
  }

  /**
   * A session on a read-only member: a new one lives here alone (not replicated); a global session
   * is refused with CONNECTIONLOSS (closed unanswered, ReadOnlyZooKeeperServer.validateSession).
   */
  private connectReadOnly(connection: ClientConnection, params: ConnectParams): SessionGrant | { err: number } {
    const resumed = params.sessionId ?? 0n
    if (resumed !== 0n) {
      if (!this.readOnlySessions.has(resumed)) return { err: this.sessions.get(resumed) !== undefined ? ErrorCode.CONNECTIONLOSS : ErrorCode.SESSIONEXPIRED }
      const session = this.sessions.get(resumed)
      if (session === undefined || session.closing || !samePasswd(session.passwd, params.passwd)) return { err: ErrorCode.SESSIONEXPIRED }
      this.sessions.touch(resumed, this.clock.now())
      return this.grant(connection, session)
    }
    const timeoutMs = negotiateTimeout(this.options, params.timeoutMs)
    const sessionId = this.sessions.allocateId()
    const passwd = new Uint8Array(randomBytes(16))
    this.sessions.add(sessionId, timeoutMs, passwd, this.clock.now())
    this.readOnlySessions.add(sessionId)
    return { channel: this.attach(connection, sessionId), sessionId, passwd, timeoutMs }
  }

  /** Whether new sessions start local here (never on a member alone in its configuration, as ZooKeeper's standalone). */
  get localSessionsOn(): boolean {
    return this.options.localSessionsEnabled && !this.standalone
  }

  // A local session resumes only on its own member: elsewhere it is unknown, so SESSIONEXPIRED,
  // as ZooKeeper's leader answers a learner's REVALIDATE of a session it holds no global entry for.
  private resume(connection: ClientConnection, params: ConnectParams, done: GrantDone, synced = false): void {
    const id = params.sessionId ?? 0n
    const local = this.localSessions.get(id)
    const session = local ?? this.sessions.get(id)
    // A follower may not have applied the session's createSession yet (ZooKeeper's follower asks
    // the leader): after a sync it knows every session the leader knew when it answered.
    if (session === undefined && !this.leads && !synced) {
      return this.afterSync(undefined, (answered) => (answered ? this.resume(connection, params, done, true) : done({ err: ErrorCode.CONNECTIONLOSS })))
    }
    if (session === undefined || session.closing || !samePasswd(session.passwd, params.passwd)) {
      return done({ err: ErrorCode.SESSIONEXPIRED })
    }
    if (local !== undefined) {
      this.localSessions.touch(id, this.clock.now())
      return done(this.grant(connection, session))
    }
    this.sessions.touch(id, this.clock.now())
    if (!this.leads) return this.afterSync(id, (answered) => this.revalidated(connection, id, answered, done))
    // The leader owns the session from now on: a write of the old connection, wherever it is
    // and not yet prepared, gets SESSIONMOVED (ZooKeeper: LeaderZooKeeperServer.revalidateSession).
    this.sessions.setOwner(id, this.options.myid)
    done(this.grant(connection, session))
  }

  private grant(connection: ClientConnection, session: Session): SessionGrant {
    const channel = this.attach(connection, session.id)
    return { channel, sessionId: session.id, passwd: session.passwd, timeoutMs: session.timeoutMs }
  }

  /**
   * A follower resumes a global session only once the leader made it the owner (ZooKeeper's
   * Learner.validateSession waits for the leader's REVALIDATE answer). The revalidate goes to the
   * leader followed by a sync, over one FIFO: when the sync is answered the leader has recorded
   * the new owner, so every write of the old connection it prepares from then on is SESSIONMOVED,
   * and every write it committed before, the old connection's too, has been applied here. Without
   * that wait such a commit, with the same session and cxid as a write of the new connection, could
   * be taken here for that write's answer. A session that closed meanwhile gets SESSIONEXPIRED.
   */
  private revalidated(connection: ClientConnection, sessionId: bigint, answered: boolean, done: GrantDone): void {
    if (!answered || !this.serving) return done({ err: ErrorCode.CONNECTIONLOSS })
    const session = this.sessions.get(sessionId)
    if (session === undefined || session.closing) return done({ err: ErrorCode.SESSIONEXPIRED })
    this.sessions.touch(sessionId, this.clock.now())
    this.touched.add(sessionId)
    done(this.grant(connection, session))
  }

  /**
   * Follower: tells the leader that session `revalidate` (if any) lives here now, then asks it for
   * a sync, and calls `then` once the sync is answered (true) or cannot be (false: no leader, or
   * too many waiting; the client tries again, as after a lost connection).
   */
  private afterSync(revalidate: bigint | undefined, then: (answered: boolean) => void): void {
    if (this.revalidations.size >= revalidationsPendingMax) return then(false)
    const token = ++this.syncToken
    this.revalidations.set(token, then)
    const told = revalidate === undefined || this.forwarder?.revalidate(revalidate) === true
    if (told && this.forwarder?.sync(token) === true) return
    this.revalidations.delete(token)
    then(false)
  }

  /**
   * Answers the revalidation waiting on sync `token`, if one is; true when one was. Syncs are
   * answered in the order they were sent, so one still waiting with an earlier token was dropped
   * by the leader (too many syncs pending there): it fails, and the client retries.
   */
  private answerRevalidation(token: number): boolean {
    for (const [waiting, answer] of this.revalidations) {
      if (waiting > token) break
      this.revalidations.delete(waiting)
      answer(waiting === token)
      if (waiting === token) return true
    }
    return false
  }

  /** Counts a write refused for the hard quota of `root`, under the root's namespace. */
  private countQuotaRefusal(root: string): void {
    const namespace = namespaceOf(root)
    if (namespace === undefined) return
    const counts = this.metrics.quotaExceeded
    counts.set(namespace, (counts.get(namespace) ?? 0) + 1)
  }

  /** Leader: a client resumed `sessionId` on member `from`, which owns the session from now on. */
  setOwner(sessionId: bigint, from: number): void {
    this.sessions.setOwner(sessionId, from)
  }

  private attach(connection: ClientConnection, sessionId: bigint): Channel {
    const previous = this.channels.get(sessionId)
    if (previous !== undefined) {
      this.detach(previous)
      previous.connection.sessionEnded('moved')
    }
    const authInfo: Id[] = [{ scheme: 'ip', id: connection.remoteAddress }]
    for (const id of connection.identities ?? []) addId(authInfo, id)
    const channel: Channel = { connection, sessionId, authInfo, attached: true, queue: [] }
    this.channels.set(sessionId, channel)
    return channel
  }

  /** The connection went away; the session lives on until it expires or the client resumes it. */
  detach(channel: Channel): void {
    if (!channel.attached) return
    channel.attached = false
    this.watches.removeWatcher(channel.connection)
    if (this.channels.get(channel.sessionId) === channel) this.channels.delete(channel.sessionId)
  }

  /** Serves one request of an attached channel; `done` gets the response in request order. */
  submit(channel: Channel, request: Request, cxid: number, done: Done): void {
    const answer = this.readNow(channel, request)
    if (answer !== undefined) return done(answer, this.lastProcessedZxid)
    const metrics = this.metrics
    metrics.outstanding++
    // A request answered before serve returns (any write on a standalone member that keeps
    // nothing) took microseconds and counts at 0 ms without reading the clock, as readNow's reads
    // do; one that waits is timed from then on, its few microseconds of preparation aside.
    let started: number | undefined
    let answered = false
    this.serve(channel, request, cxid, (response, zxid) => {
      answered = true
      metrics.outstanding--
      metrics.request(request.op, started === undefined ? 0 : performance.now() - started)
      done(response, zxid)
    })
    if (!answered) started = performance.now()
  }

  /**
   * Answers the common read at once, without a callback: a plain read of an attached channel with
   * nothing of its session queued ahead of it, on a member that answers. Undefined for anything
   * else, which {@link submit} serves (an in-process client tries this first).
   */
  readNow(channel: Channel, request: Request): Response | undefined {
    if (channel.queue.length !== 0 || !isPlainRead(request) || !channel.attached || !this.answering) return undefined
    if (this.checkSession(channel.sessionId, true) !== 0) return undefined
    const op = request.op
    // exists and getData take constant time here (a lookup and a Stat: under a microsecond), and
    // timing them took two of the three reads of the clock that made up a sixth of an in-process
    // read. They count as 0 ms, as ZooKeeper's whole-millisecond latencies count such reads.
    const timed = op !== 'exists' && op !== 'getData'
    const started = timed ? performance.now() : 0
    const response = this.read(channel, request)
    this.metrics.request(op, timed ? performance.now() - started : 0)
    return response
  }

  private serve(channel: Channel, request: Request, cxid: number, done: Done): void {
    if (!channel.attached || !this.answering) return done({ err: ErrorCode.CONNECTIONLOSS }, this.lastProcessedZxid)
    const write = isWrite(request)
    const err = this.checkSession(channel.sessionId, !write)
    if (err === ErrorCode.SESSIONMOVED) {
      this.sessionMoved(channel)
      return done({ err }, this.lastProcessedZxid)
    }
    if (err !== 0) return done({ err }, this.lastProcessedZxid)
    if (this.readOnly) return this.serveReadOnly(channel, request, done)
    if (write) return this.submitWrite(channel, request, cxid, done)
    const run = () => done(this.read(channel, request), this.lastProcessedZxid)
    if (request.op === 'sync' && this.forwarder !== undefined && pathProblem(request.path) === undefined) return this.submitSync(channel, run, done)
    if (channel.queue.length === 0) run()
    else this.enqueue(channel, { kind: 'read', run })
  }

  // ReadOnlyRequestProcessor: writes and sync are NOTREADONLY; closeSession ends the local session.
  // Nothing is ever queued on a read-only member (no write or sync is in flight), so reads run now.
  private serveReadOnly(channel: Channel, request: Request, done: Done): void {
    const zxid = this.lastProcessedZxid
    if (request.op === 'closeSession' && this.readOnlySessions.has(channel.sessionId)) {
      this.readOnlySessions.delete(channel.sessionId)
      this.endSession(channel.sessionId, false)
      return done({ err: 0 }, zxid)
    }
    if (refusedReadOnly(request) || isWrite(request)) return done({ err: ErrorCode.NOTREADONLY }, zxid)
    done(this.read(channel, request as ReadRequest), zxid)
  }

  /**
   * Touches the session a request comes from (ZooKeeper's touch, then its checkSession): 0, or
   * SESSIONEXPIRED when it is neither an open global nor an open local session here. On the
   * leader, with `checkOwner`, a global session owned by another member has moved: SESSIONMOVED
   * (ZooKeeper's leader checks every request in prep; a follower checks none, and writes are
   * checked when the leader prepares them).
   */
  private checkSession(sessionId: bigint, checkOwner: boolean): number {
    const now = this.activityTime()
    const found = this.sessions.touchOwned(sessionId, now, this.leads && checkOwner ? this.options.myid : undefined)
    if (found !== 'unknown') {
      if (!this.leads) this.touched.add(sessionId)
      return found === 'moved' ? ErrorCode.SESSIONMOVED : 0
    }
    return this.localSessions.size > 0 && this.localSessions.touch(sessionId, now) ? 0 : ErrorCode.SESSIONEXPIRED
  }

  /** The time a request marks its session active at: read once for many requests in one turn. */
  private activityTime(): number {
    return this.clock.turnNow?.() ?? this.clock.now()
  }

  /**
   * The session moved to another member: this connection ends without an answer to the request
   * that found out (ZooKeeper's FinalRequestProcessor closes the connection on SessionMovedException).
   */
  private sessionMoved(channel: Channel): void {
    if (!channel.attached) return
    this.detach(channel)
    channel.connection.sessionEnded('moved')
  }

  // A queued item always waits, directly or behind others, on a write in `writes` or a sync in
  // `syncs`: whatever ends those (commit, failure) drains the queue, so none is left behind.
  private enqueue(channel: Channel, item: Queued): void {
    channel.queue.push(item)
  }

  // A sync waits until everything the leader proposed before it has committed here.
  private submitSync(channel: Channel, run: () => void, done: Done): void {
    const token = ++this.syncToken
    const item = { kind: 'sync' as const, done: false, run }
    this.enqueue(channel, item)
    this.syncs.set(token, { channel, item })
    if (this.forwarder?.sync(token) === true) return
    // Refused (no leader, or too many syncs pending there): the client must retry, as it would
    // after a lost connection, rather than read state the sync did not bring up to date.
    this.syncs.delete(token)
    item.run = () => done({ err: ErrorCode.CONNECTIONLOSS }, this.lastProcessedZxid)
    item.done = true
    this.drain(channel)
  }

  /** The leader's answer to sync `token`: every write before it has been committed here. */
  syncDone(token: number): void {
    if (this.revalidations.size > 0 && this.answerRevalidation(token)) return
    const sync = this.syncs.get(token)
    if (sync === undefined) return
    this.syncs.delete(token)
    sync.item.done = true
    this.drain(sync.channel)
  }

  /** Answers a session's queued requests in order, up to the first write or sync not done yet. */
  private drain(channel: Channel): void {
    const queue = channel.queue
    for (let head = queue[0]; head !== undefined; head = queue[0]) {
      if (head.kind === 'write' && head.response === undefined) return
      if (head.kind === 'sync' && !head.done) return
      queue.shift()
      if (head.kind === 'write') head.done(head.response as Response, head.zxid)
      else head.run()
    }
  }

  private submitWrite(channel: Channel, request: WriteRequest, cxid: number, done: Done): void {
    const sessionId = channel.sessionId
    let local = this.localSessions.size > 0 && this.localSessions.get(sessionId) !== undefined
    if (local && request.op === 'closeSession') return this.closeLocalSession(channel, done)
    if (local && needsGlobalSession(request)) {
      if (!this.options.localSessionsUpgradingEnabled) return this.answerInOrder(channel, { err: ErrorCode.EPHEMERALONLOCALSESSION }, done)
      this.upgradeSession(sessionId)
      local = false
    }
    if (request.op === 'closeSession') this.sessions.setClosing(sessionId)
    const queued: QueuedWrite = { kind: 'write', channel, done, response: undefined, zxid: 0 }
    this.enqueue(channel, queued)
    if (!this.leads) return this.forwardWrite({ sessionId, cxid, authInfo: channel.authInfo, request, ...(local ? { localSession: true } : {}) }, queued)
    // Checked in prep, when the write is proposed: a move recorded while it waited counts.
    const make = (zxid: number, time: number): Txn =>
      !local && this.movedAway(sessionId, this.options.myid, request) ? sessionMovedTxn() : this.prepare(sessionId, channel.authInfo, request, zxid, time)
    this.propose(sessionId, cxid, make, queued)
  }

  /**
   * Leader prep's owner check of a write (ZooKeeper: checkSession in pRequest2Txn): whether the
   * session is owned by another member than `owner`, the one the write came through. closeSession
   * is not checked (ZooKeeper: expiry closes sessions it does not own).
   */
  private movedAway(sessionId: bigint, owner: number, request: WriteRequest): boolean {
    return request.op !== 'closeSession' && this.sessions.checkOwner(sessionId, owner) === 'moved'
  }

  /** Answers a request without a transaction, in its session's order (behind its earlier writes). */
  private answerInOrder(channel: Channel, response: Response, done: Done): void {
    const queued: QueuedWrite = { kind: 'write', channel, done, response, zxid: this.lastProcessedZxid }
    this.enqueue(channel, queued)
    this.drain(channel)
  }

  // A local session closes here, with no transaction (ZooKeeper: no txn for a local closeSession),
  // once the session's earlier requests are answered.
  private closeLocalSession(channel: Channel, done: Done): void {
    this.localSessions.setClosing(channel.sessionId)
    const run = () => {
      this.endLocalSession(channel.sessionId, 'closed')
      done({ err: 0 }, this.lastProcessedZxid)
    }
    if (channel.queue.length === 0) run()
    else this.enqueue(channel, { kind: 'read', run })
  }

  /**
   * Turns a local session into a global one before the request that needs it (ZooKeeper's
   * makeUpgradeRequest): it is global here at once, and a createSession with its id, timeout and
   * password goes to the leader ahead of that request, which the leader then prepares against it.
   */
  private upgradeSession(sessionId: bigint): void {
    const session = this.localSessions.get(sessionId)
    if (session === undefined) return
    const { timeoutMs, passwd } = session
    this.localSessions.remove(sessionId)
    this.sessions.add(sessionId, timeoutMs, passwd, this.clock.now())
    const make = (): Txn => ({ type: 'createSession', timeoutMs, passwd })
    if (this.leads) {
      this.sessions.setOwner(sessionId, this.options.myid)
      return this.propose(sessionId, 0, make, () => {})
    }
    this.forwardWrite({ sessionId, cxid: 0, authInfo: [], request: { op: 'createSession', timeoutMs, passwd, upgrade: true } }, () => {})
  }

  /** A write's result reached this member: answer the session (in its order) or call back. */
  private complete(item: PendingWrite, result: TxnResult, zxid: number): void {
    const outcome = item.outcome
    if (typeof outcome === 'function') return outcome(result, zxid)
    outcome.response = toResponse(result)
    outcome.zxid = zxid
    if (outcome.response.err === ErrorCode.SESSIONMOVED) this.sessionMoved(outcome.channel)
    this.drain(outcome.channel)
  }

  /** Prep for the proposal about to get `zxid` at `time` (by default the next zxid, now). */
  private prepare(sessionId: bigint, authInfo: readonly Id[], request: WriteRequest, zxid = this.committer.nextZxid(), time = this.clock.now()): Txn {
    const ctx = { sessionId, authInfo, zxid, time }
    return this.prep.prepare(request, ctx)
  }

  private forwardWrite(write: ForwardedWrite, outcome: PendingWrite['outcome']): void {
    const item: PendingWrite = { sessionId: write.sessionId, cxid: write.cxid, zxid: undefined, outcome }
    this.writes.push(item)
    if (this.forwarder?.forward(write) === true) return
    this.writes.pop()
    this.complete(item, { type: 'error', err: ErrorCode.CONNECTIONLOSS }, this.lastProcessedZxid)
  }

  /**
   * Leader: prepares and proposes a write a follower forwarded. The follower answers its client
   * when the transaction commits there; a session the leader no longer knows gets SESSIONEXPIRED.
   */
  proposeForwarded(write: ForwardedWrite, from: number): void {
    const { sessionId, cxid, request } = write
    if (request.op === 'createSession') {
      const { timeoutMs, passwd } = request
      // An upgrade: the session's next request follows at once, so prep must know it now
      // (ZooKeeper's prep tracks a createSession's session before it commits).
      if (request.upgrade === true) {
        this.sessions.add(sessionId, timeoutMs, passwd, this.clock.now())
        this.sessions.setOwner(sessionId, from)
      }
      this.propose(sessionId, 0, () => ({ type: 'createSession', timeoutMs, passwd }), () => {}, from)
      return
    }
    const local = write.localSession === true
    const alive = local || this.sessions.touch(sessionId, this.activityTime())
    if (alive && !local && request.op === 'closeSession') this.sessions.setClosing(sessionId)
    const make = (zxid: number, time: number): Txn => {
      if (!alive) return { type: 'error', err: ErrorCode.SESSIONEXPIRED }
      if (!local && this.movedAway(sessionId, from, request)) return sessionMovedTxn()
      return this.prepare(sessionId, write.authInfo, request, zxid, time)
    }
    this.propose(sessionId, cxid, make, () => {}, from)
  }

  /**
   * Queues a write and proposes it, or leaves it waiting behind earlier writes while the
   * ensemble has as many proposals outstanding as it takes (ZooKeeper likewise holds requests
   * rather than failing them). `make` prepares the transaction when it is proposed.
   */
  private propose(sessionId: bigint, cxid: number, make: (zxid: number, time: number) => Txn, outcome: PendingWrite['outcome'], origin = this.options.myid): void {
    const item: PendingWrite = { sessionId, cxid, zxid: undefined, outcome, make, origin }
    this.writes.push(item)
    if (this.waiting.length > 0 || !this.tryPropose(item)) this.waiting.push(item)
  }

  /** Proposes a queued write; false (the write keeps waiting) when the ensemble is busy. */
  private tryPropose(item: PendingWrite): boolean {
    // Prepared only when it can be proposed: a busy ensemble costs a waiting write nothing.
    if (!this.committer.hasRoom()) return false
    const header: TxnHeader = { sessionId: item.sessionId, cxid: item.cxid, zxid: this.committer.nextZxid(), time: this.clock.now() }
    const make = item.make as (zxid: number, time: number) => Txn
    const txn = make(header.zxid, header.time)
    // A member on a storage that keeps nothing commits inside propose: the item must look proposed by then.
    item.make = undefined
    item.zxid = header.zxid
    const zxid = this.committer.propose({ header, txn, origin: item.origin ?? this.options.myid })
    if (zxid === 'busy') {
      this.prep.forget(header.zxid)
      item.make = make
      item.zxid = undefined
      return false
    }
    if (zxid === false) {
      this.writes.splice(this.writes.indexOf(item), 1)
      this.prep.forget(header.zxid)
      this.complete(item, { type: 'error', err: ErrorCode.CONNECTIONLOSS }, this.lastProcessedZxid)
      return true
    }
    if (zxid !== header.zxid) this.prep.renumber(header.zxid, zxid)
    header.zxid = zxid
    item.zxid = zxid
    return true
  }

  /** After a commit: proposes the writes that were waiting for room, in order, while there is room. */
  private proposeWaiting(): void {
    while (this.waiting.length > 0 && this.tryPropose(this.waiting[0] as PendingWrite)) this.waiting.shift()
  }

  /** A proposal committed: apply it, then answer it (and its session's reads behind it) if it was asked here. */
  commit(entry: TxnEntry): void {
    const head = this.writes[0]
    const { sessionId, cxid, zxid } = entry.header
    const mine = head !== undefined && head.make === undefined && head.sessionId === sessionId && head.cxid === cxid && (head.zxid === undefined || head.zxid === zxid) &&
      (entry.origin === undefined || entry.origin === (head.origin ?? this.options.myid))
    if (mine) this.writes.shift()
    const result = this.apply(entry)
    if (mine) this.complete(head, result, zxid)
    if (this.waiting.length > 0 && this.leads) this.proposeWaiting()
  }

  /** Applies a committed transaction to the tree and the session table (also for replay). */
  apply(entry: TxnEntry): TxnResult {
    const { header, txn } = entry
    if (txn.type === 'createSession') {
      this.sessions.add(header.sessionId, txn.timeoutMs, txn.passwd, this.clock.now())
      // A session is global once its createSession commits, wherever it was local before.
      if (this.localSessions.size > 0) this.localSessions.remove(header.sessionId)
    }
    const result = this.tree.apply(header, txn)
    if (txn.type === 'closeSession') this.endSession(header.sessionId, txn.expired === true)
    this.prep.committed(header.zxid)
    return result
  }

  private endSession(sessionId: bigint, expired: boolean): void {
    this.sessions.remove(sessionId)
    this.touched.delete(sessionId)
    const channel = this.channels.get(sessionId)
    if (channel === undefined) return
    this.detach(channel)
    channel.connection.sessionEnded(expired ? 'expired' : 'closed')
  }

  private read(channel: Channel, request: ReadRequest): Response {
    // One context per channel: authInfo is the channel's own array, so addauth shows through.
    const ctx: reads.ReadContext = (channel.readContext ??= {
      tree: this.tree,
      watches: this.watches,
      watcher: channel.connection,
      authInfo: channel.authInfo,
      skipACL: this.options.skipACL,
      responseBytesMax: this.options.maxDataBytes,
    })
    switch (request.op) {
      case 'getData':
        return reads.getData(ctx, request)
      case 'exists':
        return reads.exists(ctx, request)
      case 'getChildren':
        return reads.getChildren(ctx, request)
      case 'getACL':
        return reads.getACL(ctx, request)
      case 'multiRead':
        return reads.multiRead(ctx, request)
      case 'getEphemerals':
        return reads.getEphemerals(ctx, channel.sessionId, request.prefix)
      case 'getAllChildrenNumber':
        return reads.getAllChildrenNumber(ctx, request.path)
      case 'setWatches':
        return reads.setWatches(ctx, request)
      case 'addWatch':
        return reads.addWatch(ctx, request)
      default:
        return this.sessionLocal(channel, request)
    }
  }

  private sessionLocal(channel: Channel, request: ReadRequest): Response {
    switch (request.op) {
      case 'sync':
        return pathProblem(request.path) === undefined ? { err: 0, path: request.path } : { err: ErrorCode.BADARGUMENTS }
      case 'removeWatches': {
        const removed = this.watches.remove(request.path, channel.connection, request.type, request.dryRun)
        return removed.length > 0 ? { err: 0 } : { err: ErrorCode.NOWATCHER }
      }
      case 'setAuth':
        return setAuth(channel.authInfo, this.options.superDigest, request.scheme, request.auth)
      case 'whoAmI':
        return whoAmI(channel.authInfo)
      default:
        return { err: 0 }
    }
  }

  // Re-arms itself every `intervalMs` until the member closes.
  private every(intervalMs: number, callback: () => void): void {
    if (this.closed) return
    const timer = this.clock.setTimer(intervalMs, () => {
      this.timers = this.timers.filter((t) => t !== timer)
      // A timer's callback runs outside any caller: a fault in it must reach the member's
      // runtime (which fail-stops the member and reports why), never the host process.
      try {
        callback()
      } catch (error) {
        this.onFault(error)
      }
      this.every(intervalMs, callback)
    })
    this.timers.push(timer)
  }

  /**
   * Ends every local session whose timeout passed, on whatever member serves it: no transaction,
   * since a local session owns no ephemerals (ZooKeeper's LocalSessionTracker expiry).
   */
  expireLocalSessions(): void {
    if (this.localSessions.size === 0) return
    for (const session of this.localSessions.expire(this.clock.now())) this.endLocalSession(session.id, 'expired')
  }

  private endLocalSession(sessionId: bigint, reason: 'expired' | 'closed'): void {
    this.localSessions.remove(sessionId)
    const channel = this.channels.get(sessionId)
    if (channel === undefined) return
    this.detach(channel)
    channel.connection.sessionEnded(reason)
  }

  /** Proposes closeSession for every session whose timeout passed (the leader's job). */
  expireSessions(): void {
    if (this.readOnly) return this.expireReadOnlySessions(this.clock.now())
    if (!this.leads) return
    maintenance.expireSessions(this.maintenanceHost, this.clock.now())
  }

  // Read-only sessions have no leader to expire them: their member does, as a local session's.
  private expireReadOnlySessions(now: number): void {
    for (const id of [...this.readOnlySessions]) {
      const session = this.sessions.get(id)
      if (session !== undefined && session.expiresAt > now) continue
      this.readOnlySessions.delete(id)
      this.endSession(id, true)
    }
  }

  /**
   * Expires one session now (tests' fault injection): `'expiring'` and `done` is called once the
   * closeSession is applied, or why not: this member does not lead, or the session is not open.
   */
  expireSession(sessionId: bigint, done: () => void): 'expiring' | 'not-leader' | 'no-session' {
    if (!this.leads) return 'not-leader'
    return maintenance.expireSession(this.maintenanceHost, sessionId, done)
  }

  /** Deletes empty containers and expired TTL nodes now (ZooKeeper's ContainerManager pass; leader only). */
  removeExpiredContainers(): void {
    if (!this.leads) return
    maintenance.removeExpiredContainers(this.maintenanceHost, this.clock.now())
  }

  /** Sessions used on this member since the last call (a follower relays them to the leader). */
  takeTouched(): bigint[] {
    const ids = [...this.touched]
    this.touched.clear()
    return ids
  }

  /** Leader: sessions used on a follower are alive. */
  touchSessions(ids: readonly bigint[]): void {
    const now = this.clock.now()
    for (const id of ids) this.sessions.touch(id, now)
  }

  /**
   * Changes the member's role. Leaving a serving role drops every client connection (they move to
   * a member that serves, as with ZooKeeper outside read-only mode) and fails requests in flight;
   * a new leader gives every session a full timeout, since it has not heard their pings before.
   */
  setRole(role: MemberRole, electing = role === 'looking'): void {
    if (electing) this.awaitReadOnly()
    else this.leaveReadOnly()
    if (role === this.role) return
    if (role === 'looking') this.metrics.elections++
    this.role = role
    this.prep.reset()
    if (role === 'looking') this.dropClients()
    // Local sessions die with the member's serving state, as ZooKeeper's learner server that held
    // them is replaced on every new leader.
    if (role === 'looking') this.localSessions.clear()
    if (role === 'leader') {
      this.sessions.touchAll(this.clock.now())
      this.sessions.forgetOwners()
    }
  }

  /** The member failed: it never serves read-only clients again (its tree is no longer kept up). */
  disableReadOnly(): void {
    this.readOnlyDisabled = true
    this.leaveReadOnly()
  }

  // QuorumPeer.run: a peer that is still electing max(2000, tickTime) ms after it began serves
  // read-only clients. Each election restarts the wait; a standalone server never does this.
  private awaitReadOnly(): void {
    if (!this.readOnlyModeEnabled || this.readOnlyDisabled || this.standalone || this.closed) return
    if (this.readOnly || this.readOnlyTimer !== undefined) return
    this.readOnlyTimer = this.clock.setTimer(readOnlyStartDelayMs(this.options.tickTimeMs), () => {
      this.readOnlyTimer = undefined
      if (this.role === 'looking' && !this.closed && !this.readOnlyDisabled) this.readOnly = true
    })
  }

  // ReadOnlyZooKeeperServer.shutdown: the election ended, so every read-only client's connection
  // closes (the client reconnects, to this member or another) and its local session is forgotten.
  private leaveReadOnly(): void {
    this.readOnlyTimer?.cancel()
    this.readOnlyTimer = undefined
    if (!this.readOnly) return
    this.readOnly = false
    for (const id of this.readOnlySessions) {
      const channel = this.channels.get(id)
      this.sessions.remove(id)
      this.touched.delete(id)
      if (channel === undefined) continue
      this.detach(channel)
      channel.connection.sessionEnded('moved')
    }
    this.readOnlySessions.clear()
  }

  private dropClients(): void {
    for (const channel of [...this.channels.values()]) {
      this.detach(channel)
      channel.connection.sessionEnded('moved')
    }
    this.failPending()
  }

  // Every write in flight fails; reads and syncs queued behind them are answered from the tree.
  private failPending(): void {
    this.waiting.length = 0
    for (const item of this.writes.splice(0)) this.complete(item, { type: 'error', err: ErrorCode.CONNECTIONLOSS }, this.lastProcessedZxid)
    const syncs = [...this.syncs.values()]
    this.syncs.clear()
    for (const { channel, item } of syncs) {
      item.done = true
      this.drain(channel)
    }
    const revalidations = [...this.revalidations.values()]
    this.revalidations.clear()
    for (const revalidation of revalidations) revalidation(false)
  }

  /** Replaces the whole state (a SNAP from the leader): tree, sessions and in-flight changes. */
  resetState(): void {
    this.failPending()
    this.prep.reset()
    this.tree.clear()
    this.sessions.clear()
  }

  /** Stops timers and ends every connection; sessions stay in the tree (they expire after a restart). */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.readOnlyTimer?.cancel()
    this.readOnlyTimer = undefined
    for (const timer of this.timers) timer.cancel()
    this.timers = []
    for (const channel of [...this.channels.values()]) {
      this.detach(channel)
      channel.connection.sessionEnded('closed')
    }
    // Requests still in the pipeline will never commit here: the client must retry elsewhere.
    this.failPending()
  }
}
