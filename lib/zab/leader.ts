/**
 * The leader side of discovery, synchronization and broadcast (ZooKeeper: `quorum/Leader.java` and
 * one `LearnerHandler` per learner; ZAB paper phases 1-3, leader side).
 * @module
 */
import { assert } from './assert.js'
import type { MemberConfig } from './config.js'
import type { LogEntry } from './log.js'
import type { PeerState } from './peer-state.js'
import type { SessionMessage } from './messages.js'
import { counterOf, epochOf, formatZxid, makeZxid } from '../protocol/zxid.js'

/** Where one learner is, seen from the leader (ZooKeeper: `LearnerHandler`). */
type HandlerStage =
  /** FOLLOWERINFO received; LEADERINFO goes out once the new epoch is known. */
  | 'info'
  /** LEADERINFO sent, waiting for ACKEPOCH. */
  | 'epoch-sent'
  /** ACKEPOCH received; sync starts once a quorum acknowledged the epoch (`waitForEpochAck`). */
  | 'epoch-acked'
  /** Needs SNAP; waiting for the runtime's snapshot. */
  | 'awaiting-snapshot'
  /** DIFF/TRUNC/SNAP, the history and NEWLEADER queued; live proposals follow. Waiting for its ACK. */
  | 'syncing'
  /** NEWLEADER acknowledged; UPTODATE goes out once the leader is established. */
  | 'synced'
  /** UPTODATE sent: in broadcast. */
  | 'uptodate'

interface Handler {
  readonly sid: number
  readonly session: number
  readonly observer: boolean
  stage: HandlerStage
  acceptedEpoch: number
  /** Its ACKEPOCH counts toward the epoch quorum (a fresh accept, not a -1 re-accept). */
  countsForEpoch: boolean
  /** The learner's last zxid from ACKEPOCH. */
  peerLastZxid: number
  /** Every entry at or below this has been sent (PROPOSAL or INFORM) in this session. */
  sentZxid: number
  commitSentZxid: number
  /** Cumulative: the learner has durably logged every entry at or below this. */
  ackedZxid: number
  newLeaderSentZxid: number
  lastHeard: number
}

interface PendingSync {
  /** Completes once everything up to this zxid is committed. */
  readonly zxid: number
  readonly token: number
  /** The learner that asked, or undefined for a local `sync`. */
  readonly sid: number | undefined
  readonly session: number
}

/** Why `propose` refused. */
export type ProposeRefusal = 'NOT_LEADER' | 'NOT_ESTABLISHED' | 'TOO_MANY_INFLIGHT' | 'RECONFIG_IN_PROGRESS'

/** One leadership: from LEADING until stepping down. */
export class Leader {
  /** paper: phase 1 until the epoch is acknowledged by a quorum, phase 2 until established, then phase 3. */
  newEpoch: number | undefined
  established = false
  readonly #handlers = new Map<number, Handler>()
  readonly #startedAt: number
  #epochAcked = false
  #initialHistoryEnd = 0
  #nextCounter = 1
  readonly #pendingSyncs: PendingSync[] = []
  /** Whether this leader's own vote is a quorum (a one-voter ensemble), so its durability alone commits. */
  #aloneIsQuorum: boolean

  constructor(
    private readonly m: PeerState,
    private readonly exit: (reason: string) => void,
    private readonly onEstablished: (epoch: number) => void,
  ) {
    this.#startedAt = m.now
    this.#aloneIsQuorum = m.quorum.containsQuorum([m.id])
    this.#maybeDecideEpoch()
  }

  receive(from: number, message: SessionMessage): void {
    if (message.type === 'FOLLOWERINFO' || message.type === 'OBSERVERINFO') return this.#onInfo(from, message)
    const handler = this.#handlers.get(from)
    if (handler === undefined || handler.session !== message.session) return
    handler.lastHeard = this.m.now
    switch (message.type) {
      case 'ACKEPOCH':
        if (message.epoch !== this.newEpoch) return // meant for an earlier leadership of ours
        return this.#onAckEpoch(handler, message.currentEpoch, message.lastZxid)
      case 'ACK': return this.#onAck(handler, message.zxid)
      case 'REQUEST':
        if (handler.stage === 'uptodate') this.m.out.addRequest({ from, data: message.data })
        return
      case 'SYNC': return this.#onSync(handler, message.token)
      default: return // PING only refreshes lastHeard; leader-to-learner types never come this way
    }
  }

  /** PING every learner; drop silent ones; step down without a quorum (ZooKeeper: `Leader.lead` loop). */
  tick(): void {
    if (!this.established && this.m.now - this.#startedAt > this.m.limits.initLimitTicks) {
      return this.exit(`no quorum synced within initLimit (${this.m.limits.initLimitTicks} ticks)`)
    }
    for (const handler of [...this.#handlers.values()]) {
      const limit = handler.stage === 'uptodate' ? this.m.limits.syncLimitTicks : this.m.limits.initLimitTicks
      if (this.m.now - handler.lastHeard > limit) this.#dropHandler(handler.sid)
      else this.m.sendInSession(handler.sid, handler.session, { type: 'PING' })
    }
    if (this.established && !this.m.quorum.containsQuorum(this.#syncedVoters())) {
      this.exit(`not sufficient followers synced within syncLimit (${this.m.limits.syncLimitTicks} ticks)`)
    }
  }

  /** The quorum changed (a reconfig entry logged, committed or cut off). */
  configChanged(): void {
    this.#aloneIsQuorum = this.m.quorum.containsQuorum([this.m.id])
    this.#maybeCommit()
  }

  /** Our own entries became durable: that is our own ACK. */
  onPersisted(): void {
    this.#maybeFinishEpochAck()
    this.#maybeEstablish()
    this.#maybeCommit()
  }

  /** The connection to `sid` broke: its session is over. */
  disconnected(sid: number): void {
    this.#dropHandler(sid)
  }

  /** Learners connected to this leader (ZooKeeper mntr: zk_followers, zk_synced_followers). */
  learners(): { followers: number; syncedFollowers: number; observers: number } {
    let followers = 0
    let syncedFollowers = 0
    let observers = 0
    for (const h of this.#handlers.values()) {
      if (h.observer) observers++
      else followers++
      if (!h.observer && h.stage === 'uptodate') syncedFollowers++
    }
    return { followers, syncedFollowers, observers }
  }

  /**
   * The leader's ZAB phase, as ZooKeeper's `Leader.lead` sets `QuorumPeer.ZabState`: discovery
   * until a quorum acknowledged the new epoch, synchronization until established, then broadcast.
   */
  get phase(): 'discovery' | 'synchronization' | 'broadcast' {
    if (this.established) return 'broadcast'
    return this.#epochAcked ? 'synchronization' : 'discovery'
  }

  /**
   * Observers in broadcast, with the last zxid sent to each (ZooKeeper: `Leader.getObservingLearners`,
   * whose `LearnerHandler.lastZxid` is likewise the last packet's zxid).
   */
  syncedObservers(): { sid: number; lastZxid: number }[] {
    const observers: { sid: number; lastZxid: number }[] = []
    for (const h of this.#handlers.values()) if (h.observer && h.stage === 'uptodate') observers.push({ sid: h.sid, lastZxid: h.sentZxid })
    return observers
  }

  /**
   * Assigns the next zxid and broadcasts PROPOSAL (ZAB paper phase 3). With `config`, the entry is
   * a reconfig: its configuration (version = the zxid) is pending from now, and this entry and
   * every later one commit only with a quorum of the old configuration and one of the new. One
   * change at a time, as ZooKeeper.
   */
  propose(data: Uint8Array, config?: Omit<MemberConfig, 'version'>): number | ProposeRefusal {
    if (!this.established || this.newEpoch === undefined) return 'NOT_ESTABLISHED'
    if (this.#inflight() >= this.m.limits.proposalsInflightMax) return 'TOO_MANY_INFLIGHT'
    if (config !== undefined && this.m.configs.pending !== undefined) return 'RECONFIG_IN_PROGRESS'
    const zxid = makeZxid(this.newEpoch, this.#nextCounter++)
    const entry: LogEntry = config === undefined ? { zxid, data } : { zxid, data, config: { ...config, version: zxid } }
    this.m.append(entry)
    for (const handler of this.#handlers.values()) {
      if (handler.observer || !isForwarding(handler)) continue
      // Built whole rather than through sendInSession's spread: this runs per transaction and follower.
      if (config === undefined) this.m.send(handler.sid, { type: 'PROPOSAL', zxid, data, session: handler.session })
      else this.m.sendInSession(handler.sid, handler.session, proposalOf(entry))
      handler.sentZxid = zxid
    }
    if (config !== undefined) this.configChanged()
    else this.#maybeCommit()
    return zxid
  }

  /**
   * Whether this leader and its followers in broadcast hold a quorum of `quorum` (ZooKeeper:
   * `Leader.isQuorumSynced`, asked before a reconfig is proposed).
   */
  quorumSynced(quorum: { containsQuorum(sids: Iterable<number>): boolean }): boolean {
    if (!this.established) return false
    const synced = [this.m.id]
    for (const h of this.#handlers.values()) if (!h.observer && h.stage === 'uptodate') synced.push(h.sid)
    return quorum.containsQuorum(synced)
  }

  /** Whether `propose` would take another proposal now (established, and room in flight). */
  get hasRoom(): boolean {
    return this.established && this.newEpoch !== undefined && this.#inflight() < this.m.limits.proposalsInflightMax
  }

  /** A local `sync`: completes once everything proposed so far is committed. */
  sync(token: number): boolean {
    if (!this.established || this.#pendingSyncs.length >= this.m.limits.syncsPendingMax) return false
    this.#pendingSyncs.push({ zxid: this.m.log.lastZxid, token, sid: undefined, session: 0 })
    this.#completeSyncs()
    return true
  }

  /** The runtime's snapshot for SNAP: state machine as of `zxid`, which it has applied. */
  snapshotTaken(zxid: number, data: Uint8Array): void {
    assert(zxid <= this.m.committedZxid, () => `snapshot at ${formatZxid(zxid)} beyond committed ${formatZxid(this.m.committedZxid)}`)
    // A snapshot older than the retained log cannot be continued with DIFF entries; ask again.
    if (zxid < this.m.log.base) return void (this.m.out.snapshotRequested = true)
    for (const handler of this.#handlers.values()) {
      if (handler.stage !== 'awaiting-snapshot') continue
      this.m.sendInSession(handler.sid, handler.session, { type: 'SNAP', zxid, snapshot: data })
      this.#sendHistory(handler, zxid)
    }
  }

  // ZooKeeper LearnerHandler start: FOLLOWERINFO/OBSERVERINFO opens (or reopens) a learner session.
  // Any member may learn, as in ZooKeeper: one joining the ensemble follows without a vote until
  // a reconfig names it, and ACKs count only from the voters of the configurations in force.
  #onInfo(from: number, message: Extract<SessionMessage, { type: 'FOLLOWERINFO' | 'OBSERVERINFO' }>): void {
    const observer = message.type === 'OBSERVERINFO'
    const existing = this.#handlers.get(from)
    if (existing?.session === message.session) return void (existing.lastHeard = this.m.now)
    this.#handlers.set(from, {
      sid: from, session: message.session, observer, stage: 'info', acceptedEpoch: message.acceptedEpoch, countsForEpoch: false,
      peerLastZxid: 0, sentZxid: 0, commitSentZxid: 0, ackedZxid: 0, newLeaderSentZxid: 0, lastHeard: this.m.now,
    })
    if (this.newEpoch === undefined) return this.#maybeDecideEpoch()
    // A voter that promised a later epoch can never follow ours (it would refuse LEADERINFO
    // forever, as in ZooKeeper). Stepping down is always safe, and the next election's epoch,
    // one above every acceptedEpoch it hears, lets that voter rejoin. A Paddock addition.
    if (!observer && this.m.quorum.isVoter(from) && message.acceptedEpoch > this.newEpoch) {
      return this.exit(`follower ${from} accepted epoch ${message.acceptedEpoch} above ours (${this.newEpoch})`)
    }
    this.#sendLeaderInfo(this.#handlers.get(from))
  }

  // ZooKeeper getEpochToPropose: once a quorum (with us) reported, the new epoch is one above
  // every acceptedEpoch heard, so no member has promised it to anyone else.
  #maybeDecideEpoch(): void {
    const reporters = [this.m.id, ...[...this.#handlers.values()].filter((h) => !h.observer).map((h) => h.sid)]
    if (!this.m.quorum.containsQuorum(reporters)) return
    let maxAccepted = this.m.acceptedEpoch
    for (const handler of this.#handlers.values()) maxAccepted = Math.max(maxAccepted, handler.acceptedEpoch)
    this.newEpoch = this.#standalone ? Math.max(maxAccepted, epochOf(this.m.log.lastZxid)) : maxAccepted + 1
    // Counters go on after the history already in this epoch: a zxid is never given twice.
    if (epochOf(this.m.log.lastZxid) === this.newEpoch) this.#nextCounter = counterOf(this.m.log.lastZxid) + 1
    this.m.setEpochs(this.newEpoch, this.m.currentEpoch)
    this.m.setRole({ role: 'LEADING', leader: this.m.id, epoch: this.newEpoch, established: false })
    for (const handler of this.#handlers.values()) this.#sendLeaderInfo(handler)
    this.#maybeFinishEpochAck()
  }

  #sendLeaderInfo(handler: Handler | undefined): void {
    if (handler === undefined || this.newEpoch === undefined) return
    this.m.sendInSession(handler.sid, handler.session, { type: 'LEADERINFO', newEpoch: this.newEpoch })
    handler.stage = 'epoch-sent'
  }

  // ZooKeeper waitForEpochAck: a quorum must acknowledge the epoch before any history moves, and a
  // learner with a more recent history than ours means FLE picked wrongly: abort the leadership.
  #onAckEpoch(handler: Handler, currentEpoch: number, lastZxid: number): void {
    if (handler.stage !== 'epoch-sent') return
    handler.peerLastZxid = lastZxid
    handler.stage = 'epoch-acked'
    if (this.#epochAcked) return this.#startSync(handler)
    if (currentEpoch !== -1 && !handler.observer && this.m.quorum.isVoter(handler.sid)) {
      const ahead = currentEpoch > this.m.currentEpoch ||
        (currentEpoch === this.m.currentEpoch && lastZxid > this.m.log.lastZxid)
      if (ahead) return this.exit(`follower ${handler.sid} is ahead of the leader`)
      handler.countsForEpoch = true
    }
    this.#maybeFinishEpochAck()
  }

  // The leader counts itself once its own history is durable, because adopting the new
  // currentEpoch over a log that a crash could still shorten would let that shorter log win a
  // later election (the ZOOKEEPER-3911 hazard, leader side).
  #maybeFinishEpochAck(): void {
    if (this.#epochAcked || this.newEpoch === undefined) return
    const ackers = this.m.persistedZxid >= this.m.log.lastZxid ? [this.m.id] : []
    for (const h of this.#handlers.values()) if (h.stage === 'epoch-acked' && h.countsForEpoch) ackers.push(h.sid)
    if (!this.m.quorum.containsQuorum(ackers)) return
    this.#epochAcked = true
    // The leader follows itself: it adopts the epoch as currentEpoch (paper: NEWLEADER to itself).
    this.m.setEpochs(this.m.acceptedEpoch, this.newEpoch)
    this.#initialHistoryEnd = this.m.log.lastZxid
    for (const handler of this.#handlers.values()) if (handler.stage === 'epoch-acked') this.#startSync(handler)
    this.#maybeEstablish()
  }

  // ZooKeeper LearnerHandler.syncFollower: DIFF when the learner's last zxid is in our history,
  // TRUNC to the last zxid we share when it holds a tail we never had, SNAP when it is older than
  // the retained log.
  #startSync(handler: Handler): void {
    const peerLast = handler.peerLastZxid
    if (peerLast < this.m.log.base) {
      handler.stage = 'awaiting-snapshot'
      this.m.out.snapshotRequested = true
      return
    }
    const shared = this.m.log.floor(peerLast)
    const type = shared === peerLast ? 'DIFF' : 'TRUNC'
    this.m.sendInSession(handler.sid, handler.session, { type, zxid: shared })
    this.#sendHistory(handler, shared)
  }

  // The missing history, the commit point, then NEWLEADER; live proposals queue behind them.
  #sendHistory(handler: Handler, after: number): void {
    assert(this.newEpoch !== undefined, 'sync before the new epoch is known')
    for (const entry of this.m.log.slice(after)) this.m.sendInSession(handler.sid, handler.session, proposalOf(entry))
    handler.sentZxid = this.m.log.lastZxid
    // The learner may have logged more than it knows committed, so state our commit point even
    // when it sent nothing new.
    if (this.m.committedZxid > 0) {
      this.m.sendInSession(handler.sid, handler.session, { type: 'COMMIT', zxid: this.m.committedZxid })
    }
    handler.commitSentZxid = this.m.committedZxid
    this.m.sendInSession(handler.sid, handler.session, { type: 'NEWLEADER', zxid: makeZxid(this.newEpoch, 0), config: this.m.configs.active })
    handler.newLeaderSentZxid = handler.sentZxid
    handler.stage = 'syncing'
  }

  #onAck(handler: Handler, zxid: number): void {
    if (counterOf(zxid) === 0) return this.#onNewLeaderAck(handler, zxid)
    if (handler.observer || (handler.stage !== 'synced' && handler.stage !== 'uptodate')) return
    handler.ackedZxid = Math.max(handler.ackedZxid, Math.min(zxid, handler.sentZxid))
    this.#maybeCommit()
  }

  // ZooKeeper waitForNewLeaderAck: the learner durably holds everything sent before NEWLEADER.
  #onNewLeaderAck(handler: Handler, zxid: number): void {
    if (handler.stage !== 'syncing' || this.newEpoch === undefined || epochOf(zxid) !== this.newEpoch) return
    handler.stage = 'synced'
    handler.ackedZxid = Math.max(handler.ackedZxid, handler.newLeaderSentZxid)
    if (!this.established) return this.#maybeEstablish()
    this.#sendUpToDate(handler)
    // Its ACK covers everything sent before NEWLEADER, which may complete a quorum for them.
    this.#maybeCommit()
  }

  // ZAB paper phase 2 end: a quorum (with us, once our own history is durable) acknowledged
  // NEWLEADER, so the initial history is committed and broadcast may begin.
  #maybeEstablish(): void {
    if (this.established || !this.#epochAcked || this.newEpoch === undefined) return
    const ackers = this.m.persistedZxid >= this.#initialHistoryEnd ? [this.m.id] : []
    for (const h of this.#handlers.values()) if (h.stage === 'synced' && !h.observer) ackers.push(h.sid)
    if (!this.m.quorum.containsQuorum(ackers)) return
    this.established = true
    this.m.commitTo(this.#initialHistoryEnd)
    this.m.setRole({ role: 'LEADING', leader: this.m.id, epoch: this.newEpoch, established: true })
    this.onEstablished(this.newEpoch)
    for (const handler of this.#handlers.values()) if (handler.stage === 'synced') this.#sendUpToDate(handler)
  }

  #sendUpToDate(handler: Handler): void {
    this.m.sendInSession(handler.sid, handler.session, { type: 'UPTODATE', zxid: this.m.committedZxid })
    handler.commitSentZxid = Math.max(handler.commitSentZxid, this.m.committedZxid)
    handler.stage = 'uptodate'
  }

  // ZAB paper phase 3: commit the longest prefix a quorum durably holds, in zxid order.
  #maybeCommit(): void {
    if (!this.established) return
    const point = this.#quorumHeldZxid()
    if (point === undefined || point <= this.m.committedZxid) return
    // ZooKeeper's Leader.processSync answers a sync right after the commit it waited for, before
    // later ones: a session's writes sent after its sync must not be committed ahead of the
    // answer. So commit in steps, stopping at each pending sync's zxid.
    while (this.#pendingSyncs.length > 0) {
      const next = (this.#pendingSyncs[0] as PendingSync).zxid
      if (next > point) break
      if (next > this.m.committedZxid) this.#commitStep(next)
      this.#completeSyncs()
    }
    if (point > this.m.committedZxid) this.#commitStep(point)
  }

  #commitStep(point: number): void {
    // Taken before commitTo, which may trim them from the retained log; observers still need them.
    const previousCommit = this.m.committedZxid
    if (this.#handlers.size === 0) this.m.commitTo(point)
    else this.#commitAndTell(previousCommit, point)
  }

  #commitAndTell(previousCommit: number, point: number): void {
    // Only observers need the entries themselves (INFORM); the copy is made only when one follows.
    let newlyCommitted: readonly LogEntry[] = []
    for (const handler of this.#handlers.values()) {
      if (handler.observer) {
        newlyCommitted = this.m.log.slice(previousCommit, point)
        break
      }
    }
    this.m.commitTo(point)
    for (const handler of this.#handlers.values()) {
      if (isForwarding(handler)) this.#sendCommit(handler, previousCommit, newlyCommitted)
    }
  }

  // The highest zxid a quorum of voters durably holds: holders ordered by what they hold, highest
  // first, and the first prefix of them that forms a quorum decides. It runs on every ACK, so it
  // fills arrays kept for it and orders them by insertion (an ensemble has a few members).
  readonly #holderSids: number[] = []
  readonly #holderZxids: number[] = []
  readonly #supporters: number[] = []
  #quorumHeldZxid(): number | undefined {
    if (this.#handlers.size === 0) return this.#aloneIsQuorum ? this.m.persistedZxid : undefined
    const sids = this.#holderSids
    const zxids = this.#holderZxids
    sids.length = 0
    zxids.length = 0
    this.#addHolder(this.m.id, this.m.persistedZxid)
    for (const h of this.#handlers.values()) {
      if (!h.observer && (h.stage === 'synced' || h.stage === 'uptodate')) this.#addHolder(h.sid, h.ackedZxid)
    }
    // The holders up to i hold at least zxids[i].
    const supporters = this.#supporters
    supporters.length = 0
    for (let i = 0; i < sids.length; i++) {
      supporters.push(sids[i] as number)
      if (this.m.quorum.containsQuorum(supporters)) return zxids[i]
    }
    return undefined
  }

  /** Inserts a holder into the two arrays, keeping them ordered by zxid, highest first. */
  #addHolder(sid: number, zxid: number): void {
    const sids = this.#holderSids
    const zxids = this.#holderZxids
    let i = sids.length
    while (i > 0 && (zxids[i - 1] as number) < zxid) {
      sids[i] = sids[i - 1] as number
      zxids[i] = zxids[i - 1] as number
      i--
    }
    sids[i] = sid
    zxids[i] = zxid
  }

  // Followers get COMMIT; observers get INFORM (zxid + data) for what they were never sent.
  #sendCommit(handler: Handler, previousCommit: number, newlyCommitted: readonly LogEntry[]): void {
    const committed = this.m.committedZxid
    if (committed <= handler.commitSentZxid) return
    if (!handler.observer || committed <= handler.sentZxid) {
      this.m.send(handler.sid, { type: 'COMMIT', zxid: committed, session: handler.session })
    } else {
      const previouslySent = handler.sentZxid
      if (previouslySent > handler.commitSentZxid) {
        this.m.sendInSession(handler.sid, handler.session, { type: 'COMMIT', zxid: previouslySent })
      }
      // A forwarding observer was sent everything up to the previous commit point, so the newly
      // committed entries cover all it lacks.
      assert(previouslySent >= previousCommit, () => `observer ${handler.sid} was never sent ${formatZxid(previouslySent)}..${formatZxid(previousCommit)}`)
      for (const entry of newlyCommitted) {
        if (entry.zxid <= previouslySent) continue
        this.m.sendInSession(handler.sid, handler.session, entry.config === undefined ? { type: 'INFORM', zxid: entry.zxid, data: entry.data } : { type: 'INFORM', zxid: entry.zxid, data: entry.data, config: entry.config })
      }
      handler.sentZxid = committed
    }
    handler.commitSentZxid = committed
  }

  // ZooKeeper Leader.processSync: the SYNC answer travels FIFO behind the COMMITs it waited for.
  #onSync(handler: Handler, token: number): void {
    if (handler.stage !== 'uptodate' || this.#pendingSyncs.length >= this.m.limits.syncsPendingMax) return
    this.#pendingSyncs.push({ zxid: this.m.log.lastZxid, token, sid: handler.sid, session: handler.session })
    this.#completeSyncs()
  }

  #completeSyncs(): void {
    while (this.#pendingSyncs.length > 0 && (this.#pendingSyncs[0]?.zxid ?? Infinity) <= this.m.committedZxid) {
      const done = this.#pendingSyncs.shift()
      if (done === undefined) break
      if (done.sid === undefined) this.m.out.addSyncCompleted(done.token, done.zxid)
      else if (this.#handlers.get(done.sid)?.session === done.session) {
        this.m.sendInSession(done.sid, done.session, { type: 'SYNC', token: done.token })
      }
    }
  }

  #syncedVoters(): number[] {
    const heard = [this.m.id]
    for (const h of this.#handlers.values()) {
      const fresh = this.m.now - h.lastHeard <= this.m.limits.syncLimitTicks
      if (!h.observer && fresh && (h.stage === 'synced' || h.stage === 'uptodate')) heard.push(h.sid)
    }
    return heard
  }

  // One voter and no observers, ZooKeeper's standalone mode: there is no other leader to fence
  // off, so the member keeps its epoch across restarts and its zxids run on as a standalone
  // ZooKeeper server's do (0x1, 0x2, ... from a fresh start).
  get #standalone(): boolean {
    return this.m.quorum.voters.length === 1 && this.m.quorum.observers.length === 0
  }

  #dropHandler(sid: number): void {
    this.#handlers.delete(sid)
  }

  #inflight(): number {
    const committedCounter = epochOf(this.m.committedZxid) === this.newEpoch ? counterOf(this.m.committedZxid) : 0
    return this.#nextCounter - 1 - committedCounter
  }
}

// A reconfig entry's PROPOSAL carries its configuration; the others have no config field at all.
function proposalOf(entry: LogEntry): { type: 'PROPOSAL'; zxid: number; data: Uint8Array; config?: MemberConfig } {
  return entry.config === undefined ? { type: 'PROPOSAL', zxid: entry.zxid, data: entry.data } : { type: 'PROPOSAL', zxid: entry.zxid, data: entry.data, config: entry.config }
}

function isForwarding(handler: Handler): boolean {
  return handler.stage === 'syncing' || handler.stage === 'synced' || handler.stage === 'uptodate'
}
