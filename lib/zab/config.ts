/**
 * Member configurations and their changes (ZooKeeper 3.5+ dynamic reconfiguration: a
 * `QuorumVerifier` with its version, `lastSeenQuorumVerifier`, and the joint quorums of a change).
 *
 * A configuration says who votes and who observes. It changes only through a reconfig entry in
 * the history: the entry carries the new configuration, whose version is the entry's zxid. While
 * such an entry is logged but not committed, the member's quorum is *joint*: a set of members is a
 * quorum only when it holds a quorum of the old configuration and one of the new, for elections,
 * for establishing a leader and for every commit. The new configuration becomes active when the
 * entry commits. Pure: no I/O.
 * @module
 */
import { majorityQuorum, type QuorumVerifier } from './quorum.js'

/** One member configuration, as the core sees it and as it travels between members. */
export interface MemberConfig {
  /**
   * ZooKeeper's configuration version: the zxid of the reconfig entry that made it, or the
   * version the operator's configuration file declared (0 when it declares none).
   */
  readonly version: number
  /** Server ids that vote (ZooKeeper: participants), ascending. */
  readonly voters: readonly number[]
  /** Server ids that learn but never vote (ZooKeeper: observers), ascending. */
  readonly observers: readonly number[]
  /**
   * The configuration in the runtime's own form (ZooKeeper's dynamic configuration: `server.N`
   * lines with addresses). Opaque to the core, which only carries it.
   */
  readonly text: string
}

/** The quorum verifier a configuration defines. */
export type VerifierFactory = (config: MemberConfig) => QuorumVerifier

/** The default factory: a strict majority of the voters. */
export const majorityOf: VerifierFactory = (config) => majorityQuorum(config.voters, config.observers)

/** Whether `sid` votes or observes in `config`. */
export function isMemberOf(config: MemberConfig, sid: number): boolean {
  return config.voters.includes(sid) || config.observers.includes(sid)
}

/**
 * The quorum of a configuration change (ZooKeeper: a `SyncedLearnerTracker` with both verifiers):
 * a set is a quorum only when it is one in both. Voters of either configuration vote.
 */
export function jointQuorum(old: QuorumVerifier, next: QuorumVerifier): QuorumVerifier {
  const voters = [...new Set([...old.voters, ...next.voters])].sort((a, b) => a - b)
  const observers = [...new Set([...old.observers, ...next.observers])].filter((sid) => !voters.includes(sid)).sort((a, b) => a - b)
  return {
    voters,
    observers,
    isVoter: (sid) => old.isVoter(sid) || next.isVoter(sid),
    weight: (sid) => Math.max(old.weight(sid), next.weight(sid)),
    containsQuorum(sids) {
      const list = [...sids]
      return old.containsQuorum(list) && next.containsQuorum(list)
    },
  }
}

/**
 * The configurations of one member: the active one, and the one a logged but uncommitted reconfig
 * entry carries (ZooKeeper: `lastSeenQuorumVerifier`). At most one change is in flight.
 */
export class ConfigState {
  #active: MemberConfig
  #pending: MemberConfig | undefined
  #quorum: QuorumVerifier
  #activeQuorum: QuorumVerifier

  /** `quorum`, when given, is the active configuration's verifier (the start-up one). */
  constructor(active: MemberConfig, private readonly factory: VerifierFactory, quorum: QuorumVerifier = factory(active)) {
    this.#active = active
    this.#activeQuorum = quorum
    this.#quorum = quorum
  }

  /** The configuration in force. */
  get active(): MemberConfig {
    return this.#active
  }

  /** The configuration of the logged, uncommitted reconfig entry, if there is one. */
  get pending(): MemberConfig | undefined {
    return this.#pending
  }

  /** The quorum in force: the active configuration's, or the joint one during a change. */
  get quorum(): QuorumVerifier {
    return this.#quorum
  }

  /** The active configuration's own quorum (what a change must also satisfy). */
  get activeQuorum(): QuorumVerifier {
    return this.#activeQuorum
  }

  /**
   * A reconfig entry was logged: its configuration is pending until it commits or is cut off. One
   * at or below the active version (an entry the active configuration already includes) changes
   * nothing.
   */
  logged(config: MemberConfig): void {
    if (config.version <= this.#active.version) return
    this.#pending = config
    this.#quorum = jointQuorum(this.#activeQuorum, this.factory(config))
  }

  /** Everything up to `zxid` committed: the pending configuration activates if its entry is among them. */
  committed(zxid: number): MemberConfig | undefined {
    const pending = this.#pending
    if (pending === undefined || pending.version > zxid) return undefined
    this.#setActive(pending)
    return pending
  }

  /** The log was cut after `zxid` (TRUNC): a pending change whose entry is gone is forgotten. */
  truncated(zxid: number): void {
    if (this.#pending !== undefined && this.#pending.version > zxid) this.#setActive(this.#active)
  }

  /**
   * The leader's configuration, adopted with its history (NEWLEADER, SNAP). Returns whether the
   * active configuration changed.
   */
  adopt(config: MemberConfig): boolean {
    if (sameConfig(config, this.#active)) return false
    const pending = this.#pending
    this.#setActive(config)
    if (pending !== undefined) this.logged(pending)
    return true
  }

  #setActive(config: MemberConfig): void {
    if (config !== this.#active) {
      this.#active = config
      this.#activeQuorum = this.factory(config)
    }
    this.#pending = undefined
    this.#quorum = this.#activeQuorum
  }
}

/** Whether two configurations are the same: version, voters, observers and text. */
export function sameConfig(a: MemberConfig, b: MemberConfig): boolean {
  return a.version === b.version && a.text === b.text && sameIds(a.voters, b.voters) && sameIds(a.observers, b.observers)
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((sid, i) => sid === b[i])
}
