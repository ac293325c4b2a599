/**
 * The follower and observer side of discovery, synchronization and broadcast (ZooKeeper:
 * `quorum/Learner.java`, `Follower.java`, `Observer.java`; ZAB paper phases 1-3, follower side).
 * @module
 */
import type { PeerState } from './peer-state.js'
import type { SessionMessage } from './messages.js'
import { counterOf, formatZxid, isNextZxid, makeZxid } from '../protocol/zxid.js'

/** Where a learner is in its session with the leader. */
export type LearnerPhase =
  /** Sent FOLLOWERINFO/OBSERVERINFO, waiting for LEADERINFO (paper: phase 1, CEPOCH sent). */
  | 'discovery'
  /** Sent ACKEPOCH, waiting for DIFF, TRUNC or SNAP (paper: phase 1 done). */
  | 'awaiting-sync'
  /** Receiving the leader's history, waiting for NEWLEADER (paper: phase 2). */
  | 'syncing'
  /** Got NEWLEADER; once the synced history is durable, persists currentEpoch and ACKs (ZOOKEEPER-3911). */
  | 'persisting-newleader'
  /** ACKed NEWLEADER, waiting for UPTODATE (paper: ACK-LD sent). */
  | 'synced'
  /** UPTODATE received: serving (paper: phase 3, broadcast). */
  | 'broadcast'

/** Why a learner gives up on its leader; the member then goes back to LOOKING. */
export type LearnerExit = string

/** One session of a follower or observer with its leader. */
export class Learner {
  phase: LearnerPhase = 'discovery'
  readonly session: number
  #newEpoch = 0
  #lastHeard: number
  readonly #startedAt: number
  #newLeaderAckAt = 0
  #ackedZxid = 0
  /** Joined as an observer (OBSERVERINFO, never ACKs) rather than as a follower. */
  readonly observing: boolean

  constructor(
    private readonly m: PeerState,
    readonly leader: number,
    private readonly exit: (reason: LearnerExit) => void,
    private readonly established: (epoch: number) => void,
    observing: boolean = m.isObserver,
  ) {
    this.session = m.nextSession()
    this.observing = observing
    this.#lastHeard = m.now
    this.#startedAt = m.now
    this.#sendInfo()
  }

  get newEpoch(): number {
    return this.#newEpoch
  }

  receive(from: number, message: SessionMessage): void {
    if (from !== this.leader || message.session !== this.session) return
    this.#lastHeard = this.m.now
    switch (message.type) {
      case 'LEADERINFO': return this.#onLeaderInfo(message.newEpoch)
      case 'DIFF':
      case 'TRUNC':
      case 'SNAP': return this.#onSyncMode(message)
      case 'PROPOSAL':
      case 'INFORM': return this.#onEntry(message, message.type === 'INFORM')
      case 'COMMIT': return this.#onCommit(message.zxid)
      case 'NEWLEADER': return this.#onNewLeader(message)
      case 'UPTODATE': return this.#onUpToDate(message.zxid)
      case 'PING': return this.m.sendInSession(this.leader, this.session, { type: 'PING' })
      // FIFO behind the COMMITs it waited for: those are committed here by now, later ones not yet.
      case 'SYNC': return void this.m.out.addSyncCompleted(message.token, this.m.committedZxid)
      default: return // learner-to-leader types never come this way
    }
  }

  /** Leaves the leader when it falls silent: syncLimit once serving, initLimit before (ZooKeeper: Learner socket timeouts). */
  tick(): void {
    const serving = this.phase === 'broadcast'
    const silence = this.m.now - this.#lastHeard
    if (silence > (serving ? this.m.limits.syncLimitTicks : this.m.limits.initLimitTicks)) {
      return this.exit(`no message from leader ${this.leader} for ${silence} ticks`)
    }
    if (!serving && this.m.now - this.#startedAt > this.m.limits.initLimitTicks) {
      return this.exit(`not up to date after initLimit (${this.m.limits.initLimitTicks} ticks)`)
    }
    // The leader may still be finishing its election; ask again until LEADERINFO arrives.
    if (this.phase === 'discovery') this.#sendInfo()
  }

  /**
   * New entries became durable: ACK NEWLEADER and proposals now, never earlier. currentEpoch is
   * persisted only once the synced history is durable: a crash in between must not leave a member
   * whose new currentEpoch makes its shorter log win the next election (ZOOKEEPER-3911).
   */
  onPersisted(): void {
    if (this.phase === 'persisting-newleader' && this.m.persistedZxid >= this.#newLeaderAckAt) {
      this.m.setEpochs(this.m.acceptedEpoch, this.#newEpoch)
      this.m.sendInSession(this.leader, this.session, { type: 'ACK', zxid: makeZxid(this.#newEpoch, 0) })
      this.#ackedZxid = this.#newLeaderAckAt
      this.phase = 'synced'
    }
    this.#ackProposals()
  }

  /** Forwards a client request to the leader (ZooKeeper: `Learner.request`); false when not serving. */
  forward(data: Uint8Array): boolean {
    if (this.phase !== 'broadcast') return false
    this.m.sendInSession(this.leader, this.session, { type: 'REQUEST', data })
    return true
  }

  /** Asks the leader for a sync; the answer arrives FIFO behind the COMMITs it waits for. */
  sync(token: number): boolean {
    if (this.phase !== 'broadcast') return false
    this.m.sendInSession(this.leader, this.session, { type: 'SYNC', token })
    return true
  }

  #sendInfo(): void {
    const type = this.observing ? 'OBSERVERINFO' : 'FOLLOWERINFO'
    this.m.sendInSession(this.leader, this.session, { type, acceptedEpoch: this.m.acceptedEpoch })
  }

  // ZAB paper phase 1 (NEWEPOCH): accept only an epoch above any we promised; persist before ACKEPOCH.
  #onLeaderInfo(newEpoch: number): void {
    if (this.phase !== 'discovery') return
    if (newEpoch < this.m.acceptedEpoch && !this.#observerMayTake(newEpoch)) {
      return this.exit(`leader epoch ${newEpoch} below acceptedEpoch ${this.m.acceptedEpoch}`)
    }
    // An epoch already accepted (a reconnect to the same leader) is answered with -1: the leader
    // syncs us but does not count us toward its quorum, as ZooKeeper's Learner does.
    const fresh = newEpoch > this.m.acceptedEpoch
    if (fresh) this.m.setEpochs(newEpoch, this.m.currentEpoch)
    this.#newEpoch = newEpoch
    this.phase = 'awaiting-sync'
    this.m.sendInSession(this.leader, this.session, {
      type: 'ACKEPOCH',
      epoch: newEpoch,
      currentEpoch: fresh ? this.m.currentEpoch : -1,
      lastZxid: this.m.log.lastZxid,
    })
  }

  // An observer's acceptedEpoch promises nothing anyone counts on: it never ACKs and never votes,
  // and a leader's epoch is safe by its voters' promises alone. So an observer follows a leader
  // whose epoch is below it, keeping its acceptedEpoch as it is; refusing would strand it for good
  // whenever it accepted the epoch of a leader that then failed before a quorum durably accepted
  // it (the others, restarting from their promises, elect a leader of a lower epoch). ZooKeeper's
  // Learner refuses such a leader here even as an observer; this is a Paddock addition. The
  // leader's epoch must still not be below our currentEpoch (epochs never go back), and a learner
  // that a reconfig made a voter rejoins by election, presenting its acceptedEpoch as a follower.
  #observerMayTake(newEpoch: number): boolean {
    return this.observing && newEpoch >= this.m.currentEpoch
  }

  // ZAB paper phase 2: the leader says how our history relates to its own.
  #onSyncMode(message: Extract<SessionMessage, { type: 'DIFF' | 'TRUNC' | 'SNAP' }>): void {
    if (this.phase !== 'awaiting-sync') return
    if (message.type === 'DIFF' && message.zxid !== this.m.log.lastZxid) {
      return this.exit(`DIFF from ${message.zxid} but our last zxid is ${this.m.log.lastZxid}`)
    }
    if (message.type === 'TRUNC') {
      // Committed entries are never cut, except that a member which installed a restore (its
      // state then starts at a zxid with counter 0, which no entry has) may meet a leader that
      // holds the restore entry and has not installed it yet: wait for it rather than fail.
      if (message.zxid < this.m.committedZxid && counterOf(this.m.committedZxid) === 0) {
        return this.exit(`TRUNC to ${formatZxid(message.zxid)}, behind the restore this member installed at ${formatZxid(this.m.committedZxid)}: the leader has yet to install it`)
      }
      this.m.truncateAfter(message.zxid)
      if (this.m.log.lastZxid !== message.zxid) return this.exit(`TRUNC point ${message.zxid} not in our history`)
    }
    if (message.type === 'SNAP') this.m.installSnapshot(message.zxid, message.snapshot)
    this.phase = 'syncing'
  }

  // PROPOSAL (and INFORM for observers): FIFO delivery means the next zxid must follow the last;
  // a hole means a message was lost, so the session is over.
  #onEntry(message: Extract<SessionMessage, { type: 'PROPOSAL' | 'INFORM' }>, commit: boolean): void {
    const { zxid, data, config } = message
    if (this.phase === 'discovery' || this.phase === 'awaiting-sync') return this.exit(`entry before sync mode`)
    if (zxid > this.m.log.lastZxid) {
      if (!isNextZxid(this.m.log.lastZxid, zxid)) return this.exit(`hole before ${zxid}`)
      if (config !== undefined && config.version !== zxid) return this.exit(`reconfig entry ${zxid} carries config version ${config.version}`)
      this.m.append(config === undefined ? { zxid, data } : { zxid, data, config })
    }
    if (commit) this.m.commitTo(zxid)
  }

  // COMMIT is cumulative because the leader commits in zxid order.
  #onCommit(zxid: number): void {
    if (this.phase === 'discovery' || this.phase === 'awaiting-sync') return this.exit('COMMIT before sync mode')
    if (zxid > this.m.log.lastZxid) return this.exit(`COMMIT of ${zxid} never proposed to us`)
    this.m.commitTo(zxid)
  }

  // ZAB paper phase 2 (NEWLEADER): once the history is durable, adopt the epoch and ACK.
  #onNewLeader(message: Extract<SessionMessage, { type: 'NEWLEADER' }>): void {
    if (this.phase !== 'syncing') return
    if (message.zxid !== makeZxid(this.#newEpoch, 0)) return this.exit(`NEWLEADER for another epoch`)
    if (message.config !== undefined) this.m.adoptConfig(message.config)
    this.#newLeaderAckAt = this.m.log.lastZxid
    this.phase = 'persisting-newleader'
    this.onPersisted()
  }

  // ZAB paper phase 2 (COMMIT-LD): a quorum holds the history; commit it and serve.
  #onUpToDate(zxid: number): void {
    if (this.phase !== 'synced') return
    if (zxid > this.m.log.lastZxid) return this.exit('UPTODATE beyond our history')
    this.m.commitTo(zxid)
    this.phase = 'broadcast'
    this.established(this.#newEpoch)
    this.#ackProposals()
  }

  // Observers never ACK; followers ACK cumulatively what is durable, once NEWLEADER is ACKed.
  #ackProposals(): void {
    if (this.observing) return
    if (this.phase !== 'synced' && this.phase !== 'broadcast') return
    if (this.m.persistedZxid <= this.#ackedZxid) return
    this.#ackedZxid = this.m.persistedZxid
    this.m.send(this.leader, { type: 'ACK', zxid: this.#ackedZxid, session: this.session })
  }
}
