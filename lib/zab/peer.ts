/**
 * One ZAB member as a pure state machine (etcd raft: `RawNode`). The runtime feeds it inputs —
 * `step`, `tick`, `persisted`, `propose`, `forward`, `sync`, `snapshotTaken`, `disconnected` — and
 * carries out what `ready()` returns, then calls `advance()`. Nothing here touches a socket, a
 * timer, a disk, the clock or global randomness.
 * @module
 */
import { assert } from './assert.js'
import { ConfigState, isMemberOf, majorityOf, type MemberConfig, type VerifierFactory } from './config.js'
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
  /** Who votes and who observes at start-up, unless the restored state has a later configuration. */
  readonly quorum: QuorumVerifier
  /** The start-up configuration's version (ZooKeeper's dynamic config `version=`). @defaultValue 0 */
  readonly configVersion?: number
  /** The start-up configuration in the runtime's form (`server.N` lines), carried for the runtime. @defaultValue '' */
  readonly configText?: string
  /** The verifier of a configuration a reconfig makes active. @defaultValue a majority of its voters */
  readonly verifierOf?: VerifierFactory
  /** A seeded PRNG returning [0, 1); the only source of jitter. */
  readonly random: () => number
  /** Overrides of {@link ZabLimits}. */
  readonly limits?: Partial<ZabLimits>
  /**
   * Whether a member that does not lead answers a learner's FOLLOWERINFO or OBSERVERINFO with the
   * vote it acted on, and a learner told so by its leader looks again at once. Members that keep quorum
   * connections to every peer (Paddock's protocol) need it; where only a leader accepts learners
   * (ZooKeeper's quorum port), a learner of a member that does not lead finds no one to talk to
   * and looks again by itself. @defaultValue true
   */
  readonly answerLearnersWhenNotLeading?: boolean
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
  /** The active configuration, and the one a logged, uncommitted reconfig carries. */
  readonly config: { readonly active: MemberConfig; readonly pending: MemberConfig | undefined }
  /**
   * A reconfig removed this member: it left its role for good and takes part in nothing (as a
   * removed ZooKeeper server, it must be restarted with a configuration that names it to rejoin).
   */
  readonly removed: boolean
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
  #removed = false
  readonly #verifierOf: VerifierFactory
  /** Whether the start-up configuration makes this member a participant. */
  readonly #startupVoter: boolean
  // The outbox the next inputs go to once the current one is handed out (they take turns).
  #spare = new Outbox()
  /** See {@link ZabConfig.answerLearnersWhenNotLeading}. */
  readonly #answersLearners: boolean

  constructor(config: ZabConfig, restored: ZabRestoredState = emptyRestoredState) {
    this.#answersLearners = config.answerLearnersWhenNotLeading ?? true
    const limits = resolveLimits(config.limits)
    const startup: MemberConfig = {
      version: config.configVersion ?? 0, voters: [...config.quorum.voters].sort((a, b) => a - b),
      observers: [...config.quorum.observers].sort((a, b) => a - b), text: config.configText ?? '',
    }
    this.#verifierOf = config.verifierOf ?? majorityOf
    this.#startupVoter = config.quorum.isVoter(config.id)
    const configs = new ConfigState(startup, this.#verifierOf, config.quorum)
    this.#m = new PeerState(config.id, configs, limits, config.random, restored)
    const m = this.#m
    assert(isMemberOf(configs.active, m.id) || configs.pending !== undefined && isMemberOf(configs.pending, m.id), () => `server ${config.id} is neither voter nor observer`)
    this.#election = new Election({
      id: m.id,
      get quorum() { return m.quorum },
      limits: m.limits,
      get now() { return m.now },
      random: () => m.random(),
      selfVote: () => (m.isObserver ? { leader: -1, zxid: -1, peerEpoch: -1 } : { leader: m.id, zxid: m.log.lastZxid, peerEpoch: m.currentEpoch }),
      send: (to, message) => m.send(to, this.#withConfig(message)),
      decide: (vote, electionEpoch) => this.#decide(vote, electionEpoch),
    })
    this.#becomeLooking()
  }

  /** Delivers a message from server `from` (FIFO per sender, as over one TCP connection). */
  step(from: number, message: ZabMessage): void {
    if (this.#removed) return
    if (message.type === 'NOTIFICATION') return this.#onNotification(from, message)
    if (this.#leader !== undefined) this.#leader.receive(from, message)
    else if (message.type === 'FOLLOWERINFO' || message.type === 'OBSERVERINFO') this.#notLeading(from)
    else this.#learner?.receive(from, message)
    this.#afterConfigChange()
  }

  /** One unit of time (ZooKeeper: a fraction of tickTime). Drives every timeout and the PINGs. */
  tick(): void {
    this.#m.now++
    if (this.#removed) return
    if (this.#role === 'LOOKING') this.#election.tick()
    else if (this.#leader !== undefined) this.#leader.tick()
    else this.#learner?.tick()
    this.#afterConfigChange()
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
    this.#afterConfigChange()
  }

  /**
   * Leader only: orders `data` as the next transaction (ZAB paper phase 3, PROPOSE). With
   * `config`, `data` is a reconfig: the configuration becomes active when it commits, with the
   * entry's zxid as its version (refused with RECONFIG_IN_PROGRESS while another is pending).
   */
  propose(data: Uint8Array, config?: Omit<MemberConfig, 'version'>): ProposeResult {
    if (this.#leader === undefined) return { ok: false, reason: 'NOT_LEADER', leader: this.#learner?.leader }
    const result = this.#leader.propose(data, config)
    this.#afterConfigChange()
    if (typeof result === 'number') return { ok: true, zxid: result }
    return { ok: false, reason: result, leader: this.#m.id }
  }

  /**
   * Leader only: whether it and its followers in broadcast hold a quorum of a configuration with
   * these members (ZooKeeper: `Leader.isQuorumSynced`); false on any other member.
   */
  quorumSynced(voters: readonly number[], observers: readonly number[]): boolean {
    if (this.#leader === undefined) return false
    const config: MemberConfig = { version: 0, voters: [...voters], observers: [...observers], text: '' }
    return this.#leader.quorumSynced(this.#verifierOf(config))
  }

  /** The active configuration, and the pending one while a reconfig is logged but not committed. */
  get config(): { readonly active: MemberConfig; readonly pending: MemberConfig | undefined } {
    return { active: this.#m.configs.active, pending: this.#m.configs.pending }
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
      config: this.config, removed: this.#removed,
    }
  }

  /** The retained history after `afterZxid` (for the runtime's diagnostics and for tests). */
  entries(afterZxid = 0): LogEntry[] {
    return this.#m.log.slice(Math.max(afterZxid, this.#m.log.base))
  }

  // ZooKeeper QuorumPeer.processReconfig after COMMITANDACTIVATE: a member the new configuration
  // leaves out stops; a leader that no longer votes, a learner whose role changed, or one whose
  // leader no longer votes goes back to LOOKING (the next election hands leadership over).
  #afterConfigChange(): void {
    const change = this.#m.activated
    if (change === undefined) return
    this.#m.activated = undefined
    const { previous, next } = change
    const id = this.#m.id
    this.#leader?.configChanged()
    // While syncing, the configurations are the leader's history being replayed over a view that
    // may be the member's own start-up one (a joiner's names itself): NEWLEADER settles them.
    if (this.#learner !== undefined && this.#learner.phase !== 'broadcast') return
    if (!isMemberOf(next, id)) {
      if (isMemberOf(previous, id)) this.#becomeRemoved(next)
      return // still joining: it learns without a vote until a configuration names it
    }
    const voter = this.#m.quorum.isVoter(id)
    if (this.#leader !== undefined) {
      if (!voter) this.#exitToLooking(`configuration 0x${next.version.toString(16)} makes this leader an observer`)
      return
    }
    const learner = this.#learner
    if (learner === undefined) return
    if (voter === learner.observing) this.#exitToLooking(`configuration 0x${next.version.toString(16)} makes this member ${voter ? 'a voter' : 'an observer'}`)
    else if (!this.#m.quorum.isVoter(learner.leader)) this.#exitToLooking(`configuration 0x${next.version.toString(16)} leaves out leader ${learner.leader}`)
  }

  // A voter follows; so does a member the configuration does not name yet whose start-up view
  // makes it a participant (a server joining, to be added by reconfig): without a vote, but ready
  // to ACK once a configuration counts it. Everyone else observes.
  #followsAsVoter(): boolean {
    const id = this.#m.id
    return this.#m.quorum.isVoter(id) || (!isMemberOf(this.#m.configs.active, id) && this.#startupVoter)
  }

  #becomeRemoved(config: MemberConfig): void {
    this.#removed = true
    this.#leader = undefined
    this.#learner = undefined
    this.#setRole('LOOKING', undefined, 0, false, `removed by configuration 0x${config.version.toString(16)}`)
  }

  // Notifications carry the sender's configuration once a reconfig made one (version above 0), so
  // the messages of an ensemble that never reconfigures stay as they were.
  #withConfig(notification: Notification): Notification {
    const active = this.#m.configs.active
    return active.version === 0 ? notification : { ...notification, config: active }
  }

  // ZooKeeper's FLE WorkerReceiver: a LOOKING member takes up a newer configuration a notification
  // carries (one that committed elsewhere while it was down or cut off). A configuration that
  // leaves out a member of the previous one removes it, as a committed reconfig does.
  #learnConfig(config: MemberConfig | undefined): void {
    if (config === undefined || this.#role !== 'LOOKING') return
    const { active, pending } = this.#m.configs
    if (config.version <= active.version || (pending !== undefined && config.version < pending.version)) return
    const previous = active
    this.#m.adoptConfig(config)
    // Removed while it was away: it had been part of the ensemble (it synced an epoch) in a
    // configuration that named it. A fresh member (a joiner, or one whose disk was replaced) is not.
    const wasMember = isMemberOf(previous, this.#m.id) && this.#m.currentEpoch > 0
    if (!isMemberOf(config, this.#m.id) && wasMember) this.#becomeRemoved(config)
  }

  #onNotification(from: number, notification: Notification): void {
    this.#learnConfig(notification.config)
    if (this.#removed) return
    if (this.#role === 'LOOKING') {
      if (this.#m.quorum.isVoter(from)) return this.#election.receive(from, notification)
      // An observer's vote never counts; answer only when it is itself looking for the leader.
      if (notification.state === 'LOOKING') this.#m.send(from, this.#withConfig(this.#election.notification()))
      return
    }
    if (this.#leaderDoesNotLead(from, notification)) return this.#exitToLooking(`member ${from} ${notification.state.toLowerCase()} ${notification.leader}: it does not lead`)
    // A member that is not LOOKING answers LOOKING ones with the vote it acted on, so they can
    // join the leader (ZooKeeper: WorkerReceiver, "not looking, send back current vote").
    if (notification.state !== 'LOOKING') return
    this.#m.send(from, this.#withConfig({ type: 'NOTIFICATION', state: this.#role, ...this.#vote }))
  }

  /**
   * A learner asked us to lead: we do not. A member that decided (following or observing
   * another) answers with the vote it acted on, which tells the learner to look again; a looking
   * one says nothing, as it may be about to lead. In ZooKeeper such a learner finds the quorum
   * port of a member that does not lead closed, and looks again within a second; Paddock's
   * members keep their quorum connections, so without this answer the learner would wait
   * initLimit for a LEADERINFO that never comes.
   */
  #notLeading(from: number): void {
    if (this.#role === 'LOOKING' || !this.#answersLearners) return
    this.#m.send(from, this.#withConfig({ type: 'NOTIFICATION', state: this.#role, ...this.#vote }))
  }

  /**
   * Whether `notification` says that the leader this member follows is itself following or
   * observing, in our election round or a later one (an answer from an earlier round is stale:
   * it may have led since).
   */
  #leaderDoesNotLead(from: number, notification: Notification): boolean {
    if (!this.#answersLearners || this.#learner === undefined || this.#learner.leader !== from) return false
    if (notification.state !== 'FOLLOWING' && notification.state !== 'OBSERVING') return false
    return notification.electionEpoch >= this.#vote.electionEpoch
  }

  // ZooKeeper QuorumPeer main loop: the election's verdict becomes a role.
  #decide(vote: Vote, electionEpoch: number): void {
    this.#vote = { ...vote, electionEpoch }
    if (vote.leader === this.#m.id) {
      this.#setRole('LEADING', this.#m.id, 0, false)
      this.#leader = new Leader(this.#m, (reason) => this.#exitToLooking(reason), (epoch) => this.#advertiseEpoch(epoch))
      return
    }
    const role = this.#followsAsVoter() ? 'FOLLOWING' : 'OBSERVING'
    this.#setRole(role, vote.leader, 0, false)
    this.#learner = new Learner(
      this.#m,
      vote.leader,
      (reason) => this.#exitToLooking(reason),
      (epoch) => {
        this.#setRole(role, vote.leader, epoch, true)
        this.#advertiseEpoch(epoch)
      },
      role === 'OBSERVING',
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
