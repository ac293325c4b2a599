/**
 * Quorum verifiers (ZooKeeper: `quorum/flexible/QuorumVerifier`). Any two quorums must intersect;
 * observers never count. Two kinds, as in ZooKeeper: a plain majority of voters (`QuorumMaj`), and
 * hierarchical quorums of weighted voters in groups (`QuorumHierarchical`).
 * @module
 */
import { assert } from './assert.js'

/** Decides which sets of server ids form a quorum. */
export interface QuorumVerifier {
  /** Server ids that vote (ZooKeeper: participants). */
  readonly voters: readonly number[]
  /** Server ids that learn but never vote (ZooKeeper: observers). */
  readonly observers: readonly number[]
  /** Whether `sid` is a voter. */
  isVoter(sid: number): boolean
  /**
   * The weight of `sid`'s vote (ZooKeeper: `getWeight`): 1 for every voter of a majority quorum,
   * the configured weight under hierarchical quorums, 0 for observers and unknown ids. A voter of
   * weight 0 follows but never counts toward a quorum and is never elected.
   */
  weight(sid: number): number
  /** Whether the voters among `sids` form a quorum; non-voters in `sids` are ignored. */
  containsQuorum(sids: Iterable<number>): boolean
}

/** The default verifier: a strict majority of voters (ZooKeeper: `QuorumMaj`). */
export function majorityQuorum(voters: readonly number[], observers: readonly number[] = []): QuorumVerifier {
  const voterSet = checkedVoters(voters, observers)
  const needed = Math.floor(voterSet.size / 2) + 1
  return {
    voters: [...voters],
    observers: [...observers],
    isVoter: (sid) => voterSet.has(sid),
    weight: (sid) => (voterSet.has(sid) ? 1 : 0),
    containsQuorum(sids) {
      // Runs on every ACK: a plain loop, no generator or Set per call.
      let count = 0
      const seen: number[] = []
      for (const sid of sids) {
        if (!voterSet.has(sid) || seen.includes(sid)) continue
        seen.push(sid)
        count++
      }
      return count >= needed
    },
  }
}

/** One group of a hierarchical quorum: its id (zoo.cfg's `group.G`) and its voters. */
export interface QuorumGroup {
  /** The group id G. */
  readonly id: number
  /** Its voters' server ids. */
  readonly members: readonly number[]
}

/**
 * Hierarchical quorums (ZooKeeper: `QuorumHierarchical`): voters fall into disjoint groups and
 * each has a weight (1 unless `weights` says otherwise). A set is a quorum when, in more than half
 * of the groups, its voters hold more than half of the group's weight. Groups of weight 0 count in
 * neither half, as in ZooKeeper. One group with weights is a weighted majority.
 *
 * The caller validates the configuration (zoo.cfg's rules); this asserts what the math needs:
 * every voter in exactly one group, nothing else in a group, weights of at least 0, some group of
 * positive weight.
 */
export function hierarchicalQuorum(
  voters: readonly number[],
  observers: readonly number[],
  groups: readonly QuorumGroup[],
  weights: ReadonlyMap<number, number> = new Map(),
): QuorumVerifier {
  const voterSet = checkedVoters(voters, observers)
  const groupOf = groupsOf(voterSet, groups)
  const weightOf = (sid: number): number => (voterSet.has(sid) ? (weights.get(sid) ?? 1) : 0)
  const groupWeight = new Map<number, number>()
  for (const sid of voters) {
    const weight = weightOf(sid)
    assert(Number.isSafeInteger(weight) && weight >= 0, () => `weight of server ${sid} must be an integer of at least 0`)
    const gid = groupOf.get(sid) as number
    groupWeight.set(gid, (groupWeight.get(gid) ?? 0) + weight)
  }
  const countedGroups = [...groupWeight.values()].filter((w) => w > 0).length
  assert(countedGroups > 0, 'a hierarchical quorum needs a group of positive weight')
  return {
    voters: [...voters],
    observers: [...observers],
    isVoter: (sid) => voterSet.has(sid),
    weight: weightOf,
    containsQuorum(sids) {
      const held = new Map<number, number>()
      for (const sid of distinct(sids)) {
        const gid = groupOf.get(sid)
        if (gid !== undefined) held.set(gid, (held.get(gid) ?? 0) + weightOf(sid))
      }
      let majorities = 0
      for (const [gid, weight] of held) if (2 * weight > (groupWeight.get(gid) ?? 0) && weight > 0) majorities++
      return 2 * majorities > countedGroups
    },
  }
}

/** Each voter's group id; asserts the groups partition the voters. */
function groupsOf(voterSet: ReadonlySet<number>, groups: readonly QuorumGroup[]): Map<number, number> {
  const groupOf = new Map<number, number>()
  for (const group of groups) {
    for (const sid of group.members) {
      assert(voterSet.has(sid), () => `server ${sid} of group ${group.id} is no voter`)
      assert(!groupOf.has(sid), () => `server ${sid} is in more than one group`)
      groupOf.set(sid, group.id)
    }
  }
  for (const sid of voterSet) assert(groupOf.has(sid), () => `voter ${sid} is in no group`)
  return groupOf
}

function checkedVoters(voters: readonly number[], observers: readonly number[]): Set<number> {
  const voterSet = new Set(voters)
  assert(voterSet.size === voters.length, 'duplicate voter id')
  assert(voterSet.size > 0, 'an ensemble needs at least one voter')
  for (const sid of observers) assert(!voterSet.has(sid), () => `server ${sid} is both voter and observer`)
  return voterSet
}

/** The ids of `sids`, each once, in order. */
function* distinct(sids: Iterable<number>): Generator<number> {
  const seen = new Set<number>()
  for (const sid of sids) {
    if (seen.has(sid)) continue
    seen.add(sid)
    yield sid
  }
}
