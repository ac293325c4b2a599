/**
 * Fast Leader Election (ZooKeeper: `quorum/FastLeaderElection.java`; ZAB paper: phase 0).
 * Pure: the peer feeds it notifications and ticks; it answers through {@link ElectionContext}.
 * Electing the member with the highest (currentEpoch, lastZxid) only needs to hold with high
 * probability; discovery re-checks it ("Follower is ahead of the leader").
 * @module
 */
import type { Notification, ServerState } from './messages.js'
import type { ZabLimits } from './limits.js'
import type { QuorumVerifier } from './quorum.js'

/** A vote: who should lead and why (ZooKeeper: `Vote`). */
export interface Vote {
  readonly leader: number
  /** The candidate's last logged zxid. */
  readonly zxid: number
  /** The candidate's currentEpoch (ZooKeeper: peerEpoch). */
  readonly peerEpoch: number
}

/** The vote of an observer, which proposes nobody and adopts the first real vote it sees. */
export const NO_VOTE: Vote = { leader: -1, zxid: -1, peerEpoch: -1 }

/**
 * Whether `candidate` beats `current` (ZooKeeper: `totalOrderPredicate`): higher peerEpoch, then
 * higher zxid, then higher server id. Only voters can be candidates, and of them only those whose
 * vote weighs something (ZooKeeper: a server of weight 0 is never elected).
 */
export function betterVote(candidate: Vote, current: Vote, quorum: QuorumVerifier): boolean {
  if (!quorum.isVoter(candidate.leader) || quorum.weight(candidate.leader) === 0) return false
  if (candidate.peerEpoch !== current.peerEpoch) return candidate.peerEpoch > current.peerEpoch
  if (candidate.zxid !== current.zxid) return candidate.zxid > current.zxid
  return candidate.leader > current.leader
}

function sameVote(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.zxid === b.zxid && a.peerEpoch === b.peerEpoch
}

/** What the election needs from its peer. */
export interface ElectionContext {
  readonly id: number
  readonly quorum: QuorumVerifier
  readonly limits: ZabLimits
  readonly now: number
  random(): number
  /** This member's own candidacy: (id, lastLoggedZxid, currentEpoch), or NO_VOTE for an observer. */
  selfVote(): Vote
  send(to: number, message: Notification): void
  /** The election is over: follow, observe or lead `vote.leader` (ZooKeeper: end of `lookForLeader`). */
  decide(vote: Vote, electionEpoch: number): void
}

interface DecidedVote {
  readonly vote: Vote
  readonly state: ServerState
}

/** One member's LOOKING state (ZooKeeper: `lookForLeader`). */
export class Election {
  /** The election round (ZooKeeper: `logicalclock`); kept across rounds, reset by a restart. */
  logicalclock = 0
  proposal: Vote = NO_VOTE
  // Votes of LOOKING voters in this round (ZooKeeper: recvset).
  readonly #recvset = new Map<number, Vote>()
  // Votes of members already FOLLOWING/LEADING, so late joiners find the leader (ZooKeeper: outofelection).
  readonly #outOfElection = new Map<number, DecidedVote>()
  #intervalTicks = 0
  #resendAt = 0
  #finalizeAt: number | undefined

  constructor(private readonly ctx: ElectionContext) {}

  /** Enter LOOKING: a new round voting for ourselves (ZooKeeper: `lookForLeader` start). */
  start(): void {
    this.logicalclock++
    this.#recvset.clear()
    this.#outOfElection.clear()
    this.#setProposal(this.ctx.selfVote())
    this.#intervalTicks = this.ctx.limits.electionTimeoutTicks
    this.#scheduleResend()
    this.#sendNotifications()
    this.#checkTermination()
  }

  /** A notification from a voter while we are LOOKING. */
  receive(from: number, notification: Notification): void {
    const vote: Vote = { leader: notification.leader, zxid: notification.zxid, peerEpoch: notification.peerEpoch }
    if (notification.state === 'LOOKING') this.#receiveLooking(from, notification.electionEpoch, vote)
    else this.#receiveDecided(from, notification, vote)
  }

  /** Re-send our vote after a silent interval, backing off; decide once finalizeWait passed quietly. */
  tick(): void {
    if (this.#finalizeAt !== undefined && this.ctx.now >= this.#finalizeAt) {
      this.#finalizeAt = undefined
      if (this.#hasQuorumFor(this.proposal)) return this.ctx.decide(this.proposal, this.logicalclock)
    }
    if (this.ctx.now >= this.#resendAt) {
      this.#sendNotifications()
      this.#intervalTicks = Math.min(this.#intervalTicks * 2, this.ctx.limits.electionTimeoutMaxTicks)
      this.#scheduleResend()
    }
  }

  /** Our current vote as a LOOKING notification, e.g. to answer an observer or a stale round. */
  notification(): Notification {
    return { type: 'NOTIFICATION', state: 'LOOKING', ...this.proposal, electionEpoch: this.logicalclock }
  }

  #receiveLooking(from: number, electionEpoch: number, vote: Vote): void {
    if (electionEpoch < this.logicalclock) {
      // A voter in an older round learns the current round from our answer (ZooKeeper:
      // WorkerReceiver). Observers stay quiet: voters already answer them, and two answers would
      // bounce between the two forever.
      if (this.ctx.quorum.isVoter(this.ctx.id)) this.ctx.send(from, this.notification())
      return
    }
    if (electionEpoch > this.logicalclock) {
      this.logicalclock = electionEpoch
      this.#recvset.clear()
      const self = this.ctx.selfVote()
      this.#setProposal(betterVote(vote, self, this.ctx.quorum) ? vote : self)
      this.#sendNotifications()
    } else if (betterVote(vote, this.proposal, this.ctx.quorum)) {
      this.#setProposal(vote)
      this.#sendNotifications()
    }
    this.#recvset.set(from, vote)
    this.#checkTermination()
  }

  #receiveDecided(from: number, notification: Notification, vote: Vote): void {
    const { leader, electionEpoch } = notification
    if (electionEpoch === this.logicalclock) {
      this.#recvset.set(from, vote)
      if (this.#hasQuorumFor(vote, this.#recvset) && this.#leaderConfirmed(leader, electionEpoch)) {
        return this.ctx.decide(vote, electionEpoch)
      }
    }
    this.#outOfElection.set(from, { vote, state: notification.state })
    if (this.#outOfElectionQuorum(vote) && this.#leaderConfirmed(leader, electionEpoch)) {
      this.logicalclock = electionEpoch
      this.ctx.decide(vote, electionEpoch)
    }
  }

  // ZooKeeper checkLeader: never follow a leader we have not heard say LEADING, so that members do
  // not keep electing a crashed one.
  #leaderConfirmed(leader: number, electionEpoch: number): boolean {
    if (leader === this.ctx.id) return this.logicalclock === electionEpoch
    return this.#outOfElection.get(leader)?.state === 'LEADING'
  }

  // Members that joined a leader at different times report different zxids, so decided votes
  // agree when leader and peerEpoch agree (ZooKeeper: Vote.equals for non-LOOKING votes).
  #outOfElectionQuorum(vote: Vote): boolean {
    const supporters: number[] = []
    for (const [sid, decided] of this.#outOfElection) {
      if (decided.vote.leader === vote.leader && decided.vote.peerEpoch === vote.peerEpoch) supporters.push(sid)
    }
    return this.ctx.quorum.containsQuorum(supporters)
  }

  #hasQuorumFor(vote: Vote, votes: ReadonlyMap<number, Vote> = this.#recvset): boolean {
    const supporters: number[] = []
    for (const [sid, cast] of votes) if (sameVote(cast, vote)) supporters.push(sid)
    return this.ctx.quorum.containsQuorum(supporters)
  }

  #checkTermination(): void {
    // An observer decides only on members saying FOLLOWING or LEADING (#receiveDecided): voters
    // that are still looking answer it with their last election's vote, which may name a leader
    // that is gone, so a quorum of LOOKING votes proves nothing to it.
    if (!this.ctx.quorum.isVoter(this.ctx.id)) return
    if (!this.#hasQuorumFor(this.proposal)) {
      this.#finalizeAt = undefined
      return
    }
    // Every voter voted for the proposal: each switched only to better votes, so none can come.
    if (this.ctx.limits.finalizeWaitTicks === 0 || this.#unanimous()) return this.ctx.decide(this.proposal, this.logicalclock)
    this.#finalizeAt ??= this.ctx.now + this.ctx.limits.finalizeWaitTicks
  }

  #unanimous(): boolean {
    return this.ctx.quorum.voters.every((sid) => {
      const cast = this.#recvset.get(sid)
      return cast !== undefined && sameVote(cast, this.proposal)
    })
  }

  #setProposal(vote: Vote): void {
    this.proposal = vote
    this.#finalizeAt = undefined
    if (this.ctx.quorum.isVoter(this.ctx.id)) this.#recvset.set(this.ctx.id, vote)
  }

  // Notifications go to every other voter; observers only ask (ZooKeeper: sendNotifications).
  #sendNotifications(): void {
    for (const sid of this.ctx.quorum.voters) if (sid !== this.ctx.id) this.ctx.send(sid, this.notification())
  }

  // Jitter from the injected PRNG keeps members that lost the same message from re-sending in lockstep.
  #scheduleResend(): void {
    const jitter = Math.floor(this.ctx.random() * (this.#intervalTicks / 2 + 1))
    this.#resendAt = this.ctx.now + this.#intervalTicks + jitter
  }
}
