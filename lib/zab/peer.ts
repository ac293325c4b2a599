/**
 * One ZAB member as a pure state machine (etcd raft: `RawNode`). The runtime feeds it inputs —
 * `step`, `tick`, `persisted`, `propose`, `forward`, `sync`, `snapshotTaken`, `disconnected` — and
 * carries out what `ready()` returns, then calls `advance()`. Nothing here touches a socket, a
 * timer, a disk, the clock or global randomness.
 * @module
 */
import { assert } from './assert.js'
import { Election, type Vote } from './election.js'
import { Leader, type ProposeRefusal } from './leader.js'
import { Learner } from './learner.js'
import { resolveLimits, type ZabLimits } from './limits.js'
import type { LogEntry } from './log.js'
import { PeerState, emptyRestoredState, type ZabRestoredState } from './peer-state.js'
import type { Notification, ServerState, ZabMessage } from './messages.js'
import type { QuorumVerifier } from './quorum.js'
import { Outbox, type Ready, type RoleState } from './ready.js'

/** Everything a member needs besides its restored state. */
export interface ZabConfig {
  /** This member's server id (ZooKeeper: myid). */
  readonly id: number
  /** Who votes and who observes. */
  readonly quorum: QuorumVerifier
  /** A seeded PRNG returning [0, 1); the only source of jitter. */
  readonly random: () => number
  /** Overrides of {@link ZabLimits}. */
  readonly limits?: Partial<ZabLimits>
}

/** What `propose` returns: the zxid assigned, or why the proposal was refused. */
export type ProposeResult =
  | { readonly ok: true; readonly zxid: number }
  | { readonly ok: false; readonly reason: ProposeRefusal; readonly leader: number | undefined }

/**
 * The ZAB phase a member is in (ZooKeeper: `QuorumPeer.ZabState`, lower-cased as its `zabstate`
 * admin command prints it): election while LOOKING, then discovery, synchronization, broadcast.
 */
export type ZabState = 'election' | 'discovery' | 'synchronization' | 'broadcast'

/** A read-only view of a member for the runtime's status reports and for tests. */
export interface ZabStatus {
  readonly id: number
  readonly role: ServerState
  readonly leader: number | undefined
  readonly established: boolean
  readonly acceptedEpoch: number
  readonly currentEpoch: number
  readonly lastLoggedZxid: number
  readonly committedZxid: number
  readonly persistedZxid: number
  /** The FLE round (ZooKeeper: logicalclock). */
  readonly electionEpoch: number
  /** On a leader: followers connected (any stage), followers in broadcast, observers; zeros otherwise. */
  readonly learners: { readonly followers: number; readonly syncedFollowers: number; readonly observers: number }
  /** The ZAB phase. */
  readonly zabState: ZabState
  /** On a leader: the observers in broadcast and the last zxid sent to each; empty otherwise. */
  readonly syncedObservers: readonly { readonly sid: number; readonly lastZxid: number }[]
}

/** A ZAB member: election, discovery, synchronization and broadcast behind one input/output surface. */
export class ZabPeer {
  readonly #m: PeerState
  readonly #election: Election
  #role: ServerState = 'LOOKING'
  #leader: Leader | undefined
  #learner: Learner | undefined
  // The vote we decided on, for answering LOOKING members (ZooKeeper: QuorumPeer.getCurrentVote).
  #vote: Vote & { electionEpoch: number } = { leader: -1, zxid: -1, peerEpoch: -1, electionEpoch: 0 }
  #handedOut = false
  // The outbox the next inputs go to once the current one is handed out (they take turns).
  #spare = new Outbox()

  constructor(config: ZabConfig, restored: ZabRestoredState = emptyRestoredState) {
    const limits = resolveLimits(config.limits)
    const isMember = config.quorum.isVoter(config.id) || config.quorum.observers.includes(config.id)
    assert(isMember, () => `server ${config.id} is neither voter nor observer`)
    this.#m = new PeerState(config.id, config.quorum, limits, config.random, restored)
    const m = this.#m
    this.#election = new Election({
      id: m.id,
      quorum: m.quorum,
      limits: m.limits,
      get now() { return m.now },
      random: () => m.random(),
      selfVote: () => (m.isObserver ? { leader: -1, zxid: -1, peerEpoch: -1 } : { leader: m.id, zxid: m.log.lastZxid, peerEpoch: m.currentEpoch }),
      send: (to, message) => m.send(to, message),
      decide: (vote, electionEpoch) => this.#decide(vote, electionEpoch),
    })
    this.#becomeLooking()
  }

  /** Delivers a message from server `from` (FIFO per sender, as over one TCP connection). */
  step(from: number, message: ZabMessage): void {
    if (message.type === 'NOTIFICATION') return this.#onNotification(from, message)
    if (this.#leader !== undefined) this.#leader.receive(from, message)
    else this.#learner?.receive(from, message)
  }

  /** One unit of time (ZooKeeper: a fraction of tickTime). Drives every timeout and the PINGs. */
  tick(): void {
    this.#m.now++
    if (this.#role === 'LOOKING') this.#election.tick()
    else if (this.#leader !== undefined) this.#leader.tick()
    else this.#learner?.tick()
  }

  /**
   * Storage made every entry handed out in `Ready.entries` with zxid <= `upToZxid` durable. A
   * storage that keeps nothing may report an entry as soon as `propose` returned its zxid, before
   * the entry is handed out: there is no disk it could still be waiting for.
   */
  persisted(upToZxid: number): void {
    this.#m.notePersisted(upToZxid)
    if (this.#leader !== undefined) this.#leader.onPersisted()
    else this.#learner?.onPersisted()
  }

  /** Leader only: orders `data` as the next transaction (ZAB paper phase 3, PROPOSE). */
  propose(data: Uint8Array): ProposeResult {
    if (this.#leader === undefined) return { ok: false, reason: 'NOT_LEADER', leader: this.#learner?.leader }
    const result = this.#leader.propose(data)
    if (typeof result === 'number') return { ok: true, zxid: result }
    return { ok: false, reason: result, leader: this.#m.id }
  }

  /**
   * Leader only: whether `propose` would take a proposal now. A runtime holding writes asks this
   * before preparing one, so a busy leader does no work it would have to undo.
   */
  hasProposalRoom(): boolean {
    return this.#leader?.hasRoom ?? false
  }

  /** Learner only: sends a client request to the leader as REQUEST; false unless up to date. */
  forward(data: Uint8Array): boolean {
    return this.#learner?.forward(data) ?? false
  }

  /**
   * Starts a `sync` (ZooKeeper's sync op): `token` appears in `Ready.syncsCompleted` once every
   * write committed before this call has been emitted in `Ready.committed`. False when not serving.
   */
  sync(token: number): boolean {
    if (this.#leader !== undefined) return this.#leader.sync(token)
    return this.#learner?.sync(token) ?? false
  }

  /** Answers `Ready.snapshotRequested`: the state machine serialized as of applied zxid `zxid`. */
  snapshotTaken(zxid: number, data: Uint8Array): void {
    this.#leader?.snapshotTaken(zxid, data)
  }

  /**
   * The connection to `peer` broke (messages in flight either way may be lost). Ends the learner
   * session with it. Session messages to `peer` not yet handed out are dropped here; the runtime
   * must likewise drop those of an already handed-out Ready it has not sent yet, never send them
   * on a new connection (ZooKeeper: one LearnerHandler per socket).
   */
  disconnected(peer: number): void {
    this.#m.out.messages = this.#m.out.messages.filter((e) => e.to !== peer || e.message.type === 'NOTIFICATION')
    if (this.#leader !== undefined) this.#leader.disconnected(peer)
    else if (this.#learner?.leader === peer) this.#exitToLooking(`lost connection to leader ${peer}`)
  }

  /** The last zxid in the history (as in {@link ZabPeer.status}, without building the whole status). */
  get lastLoggedZxid(): number {
    return this.#m.log.lastZxid
  }

  /** The epoch of the last NEWLEADER accepted (as in {@link ZabPeer.status}). */
  get currentEpoch(): number {
    return this.#m.currentEpoch
  }

  /** Whether `ready()` has anything to hand out. */
  hasReady(): boolean {
    return !this.#handedOut && !this.#m.out.isEmpty
  }

  /** Hands out the work accumulated since the last `advance()`; inputs may continue meanwhile. */
  ready(): Ready {
    assert(!this.#handedOut, 'ready() called twice without advance()')
    this.#handedOut = true
    const ready = this.#m.out
    this.#m.out = this.#spare
    this.#spare = ready
    return ready.toReady()
  }

  /** The runtime carried out the last Ready (in its documented order). */
  advance(): void {
    assert(this.#handedOut, 'advance() without ready()')
    this.#handedOut = false
    this.#spare.clear()
  }

  status(): ZabStatus {
    const m = this.#m
    return {
      id: m.id, role: this.#role, leader: this.#currentLeader(), established: this.#isEstablished(),
      acceptedEpoch: m.acceptedEpoch, currentEpoch: m.currentEpoch, lastLoggedZxid: m.log.lastZxid,
      committedZxid: m.committedZxid, persistedZxid: m.persistedZxid, electionEpoch: this.#election.logicalclock,
      learners: this.#leader?.learners() ?? { followers: 0, syncedFollowers: 0, observers: 0 },
      zabState: this.#zabState(), syncedObservers: this.#leader?.syncedObservers() ?? [],
    }
  }

  /** The retained history after `afterZxid` (for the runtime's diagnostics and for tests). */
  entries(afterZxid = 0): LogEntry[] {
    return this.#m.log.slice(Math.max(afterZxid, this.#m.log.base))
  }

  #onNotification(from: number, notification: Notification): void {
    if (this.#role === 'LOOKING') {
      if (this.#m.quorum.isVoter(from)) return this.#election.receive(from, notification)
      // An observer's vote never counts; answer only when it is itself looking for the leader.
      if (notification.state === 'LOOKING') this.#m.send(from, this.#election.notification())
      return
    }
    // A member that is not LOOKING answers LOOKING ones with the vote it acted on, so they can
    // join the leader (ZooKeeper: WorkerReceiver, "not looking, send back current vote").
    if (notification.state !== 'LOOKING') return
    this.#m.send(from, { type: 'NOTIFICATION', state: this.#role, ...this.#vote })
  }

  // ZooKeeper QuorumPeer main loop: the election's verdict becomes a role.
  #decide(vote: Vote, electionEpoch: number): void {
    this.#vote = { ...vote, electionEpoch }
    if (vote.leader === this.#m.id) {
      this.#setRole('LEADING', this.#m.id, 0, false)
      this.#leader = new Leader(this.#m, (reason) => this.#exitToLooking(reason), (epoch) => this.#advertiseEpoch(epoch))
      return
    }
    const role = this.#m.isObserver ? 'OBSERVING' : 'FOLLOWING'
    this.#setRole(role, vote.leader, 0, false)
    this.#learner = new Learner(
      this.#m,
      vote.leader,
      (reason) => this.#exitToLooking(reason),
      (epoch) => {
        this.#setRole(role, vote.leader, epoch, true)
        this.#advertiseEpoch(epoch)
      },
    )
  }

  // ZooKeeper QuorumPeer.updateElectionVote: once established, every member of this leadership
  // advertises the same (leader, peerEpoch), so a late joiner sees a quorum agreeing however
  // long ago each member joined.
  #advertiseEpoch(epoch: number): void {
    this.#vote = { ...this.#vote, peerEpoch: epoch }
  }

  #exitToLooking(reason: string): void {
    this.#becomeLooking(reason)
  }

  // ZooKeeper: back to LOOKING; a new FLE round starts with our own vote.
  #becomeLooking(reason = 'started'): void {
    this.#leader = undefined
    this.#learner = undefined
    this.#setRole('LOOKING', undefined, 0, false, reason)
    this.#election.start()
  }

  #setRole(role: ServerState, leader: number | undefined, epoch: number, established: boolean, reason?: string): void {
    this.#role = role
    const state: RoleState = { role, leader, epoch, established, ...(reason === undefined ? {} : { reason }) }
    this.#m.setRole(state)
  }

  // ZooKeeper's Follower/Observer set SYNCHRONIZATION once registered with the leader (our
  // ACKEPOCH sent) and BROADCAST after UPTODATE.
  #zabState(): ZabState {
    if (this.#leader !== undefined) return this.#leader.phase
    const phase = this.#learner?.phase
    if (phase === undefined) return 'election'
    if (phase === 'discovery') return 'discovery'
    return phase === 'broadcast' ? 'broadcast' : 'synchronization'
  }

  #currentLeader(): number | undefined {
    if (this.#leader !== undefined) return this.#m.id
    return this.#learner?.leader
  }

  #isEstablished(): boolean {
    if (this.#leader !== undefined) return this.#leader.established
    return this.#learner?.phase === 'broadcast'
  }
}
