// Method: majority and hierarchical verifiers compared with dumb counting models over every subset of small ensembles.
import { describe, expect, it } from 'vitest'
import { hierarchicalQuorum, majorityQuorum } from '../../../lib/zab/index.js'
import { betterVote } from '../../../lib/zab/election.js'

function subsets(ids: readonly number[]): number[][] {
  return Array.from({ length: 2 ** ids.length }, (_, mask) => ids.filter((_, i) => mask & (1 << i)))
}

describe('majorityQuorum (ZooKeeper QuorumMaj)', () => {
  it.each([1, 2, 3, 4, 5, 7])('with %i voters, a set is a quorum iff it holds more than half of them', (n) => {
    const voters = Array.from({ length: n }, (_, i) => i + 1)
    const quorum = majorityQuorum(voters)
    for (const set of subsets(voters)) expect(quorum.containsQuorum(set)).toBe(set.length * 2 > n)
  })

  it('any two quorums of 5 voters intersect (ZAB paper, section 2)', () => {
    const quorum = majorityQuorum([1, 2, 3, 4, 5])
    const quorums = subsets([1, 2, 3, 4, 5]).filter((s) => quorum.containsQuorum(s))
    for (const a of quorums) for (const b of quorums) expect(a.some((sid) => b.includes(sid))).toBe(true)
  })

  it('never counts observers, nor the same voter twice', () => {
    const quorum = majorityQuorum([1, 2, 3], [4, 5])
    expect(quorum.containsQuorum([1, 4, 5])).toBe(false)
    expect(quorum.containsQuorum([1, 1, 1])).toBe(false)
    expect(quorum.isVoter(4)).toBe(false)
  })
})

/**
 * The dumb model of ZooKeeper's QuorumHierarchical.containsQuorum: per group, the weight the set
 * holds against the group's total; more than half of the groups of positive weight must each be
 * held by more than half of their weight.
 */
function modelHierarchical(groups: number[][], weights: Map<number, number>, set: number[]): boolean {
  const w = (sid: number) => weights.get(sid) ?? 1
  const counted = groups.filter((g) => g.reduce((sum, sid) => sum + w(sid), 0) > 0)
  const held = counted.filter((g) => {
    const total = g.reduce((sum, sid) => sum + w(sid), 0)
    const mine = g.filter((sid) => set.includes(sid)).reduce((sum, sid) => sum + w(sid), 0)
    return mine > Math.floor(total / 2)
  })
  return held.length > Math.floor(counted.length / 2)
}

/** A tiny seeded PRNG, so every generated configuration replays. */
function prng(seed: number): (n: number) => number {
  let a = seed
  return (n) => {
    a = (a * 1103515245 + 12345) % 2 ** 31
    return a % n
  }
}

describe('hierarchicalQuorum (ZooKeeper QuorumHierarchical)', () => {
  it("follows ZooKeeper's own example: three groups of three, a majority of groups each by a majority", () => {
    const groups = [{ id: 1, members: [1, 2, 3] }, { id: 2, members: [4, 5, 6] }, { id: 3, members: [7, 8, 9] }]
    const quorum = hierarchicalQuorum([1, 2, 3, 4, 5, 6, 7, 8, 9], [], groups)
    expect(quorum.containsQuorum([1, 2, 4, 5])).toBe(true)
    expect(quorum.containsQuorum([1, 2, 3, 4])).toBe(false)
    expect(quorum.containsQuorum([1, 4, 7, 2])).toBe(false)
    expect(quorum.containsQuorum([])).toBe(false)
  })

  it('agrees with the model on every subset of 120 generated configurations, and any two quorums intersect', () => {
    const random = prng(7)
    for (let round = 0; round < 120; round++) {
      const size = 1 + random(7)
      const voters = Array.from({ length: size }, (_, i) => i + 1)
      const groupCount = 1 + random(Math.min(size, 3))
      const groups: number[][] = Array.from({ length: groupCount }, () => [])
      voters.forEach((sid, i) => (i < groupCount ? groups[i] : groups[random(groupCount)])?.push(sid))
      const weights = new Map(voters.map((sid) => [sid, random(4)]))
      if (groups.every((g) => g.every((sid) => weights.get(sid) === 0))) weights.set(1, 1)
      const quorum = hierarchicalQuorum(voters, [size + 1], groups.map((members, i) => ({ id: i + 1, members })), weights)
      const sets = subsets(voters)
      for (const set of sets) expect(quorum.containsQuorum([...set, size + 1]), `round ${round}: ${set.join(',')}`).toBe(modelHierarchical(groups, weights, set))
      const quorums = sets.filter((s) => quorum.containsQuorum(s))
      for (const a of quorums) for (const b of quorums) expect(a.some((sid) => b.includes(sid)), `round ${round}`).toBe(true)
    }
  })

  it('weights decide within one group: weights 2,1,1 need the weight-2 voter or both others', () => {
    const quorum = hierarchicalQuorum([1, 2, 3], [], [{ id: 1, members: [1, 2, 3] }], new Map([[1, 2]]))
    expect(quorum.containsQuorum([1, 2])).toBe(true)
    expect(quorum.containsQuorum([1])).toBe(false)
    expect(quorum.containsQuorum([2, 3])).toBe(false)
    expect(quorum.containsQuorum([1, 3])).toBe(true)
    expect([1, 2, 3].map((sid) => quorum.weight(sid))).toEqual([2, 1, 1])
  })

  it('ignores groups of weight 0 and never counts a weight-0 voter, an observer or a voter twice', () => {
    const quorum = hierarchicalQuorum([1, 2, 3, 4], [5], [{ id: 1, members: [1, 2] }, { id: 2, members: [3, 4] }], new Map([[3, 0], [4, 0]]))
    expect(quorum.containsQuorum([1, 2])).toBe(true)
    expect(quorum.containsQuorum([1, 3, 4, 5])).toBe(false)
    expect(quorum.containsQuorum([1, 1, 1])).toBe(false)
    expect(quorum.isVoter(3)).toBe(true)
    expect(quorum.weight(3)).toBe(0)
    expect(quorum.weight(5)).toBe(0)
  })

  it('asserts the groups partition the voters and some group weighs something', () => {
    expect(() => hierarchicalQuorum([1, 2], [], [{ id: 1, members: [1] }])).toThrow(/voter 2 is in no group/)
    expect(() => hierarchicalQuorum([1, 2], [], [{ id: 1, members: [1, 2] }, { id: 2, members: [2] }])).toThrow(/more than one group/)
    expect(() => hierarchicalQuorum([1, 2], [3], [{ id: 1, members: [1, 2, 3] }])).toThrow(/server 3 of group 1 is no voter/)
    expect(() => hierarchicalQuorum([1], [], [{ id: 1, members: [1] }], new Map([[1, 0]]))).toThrow(/positive weight/)
  })
})

describe('election under weights (ZooKeeper FastLeaderElection.totalOrderPredicate)', () => {
  it('never prefers a candidate whose vote weighs 0, however far ahead it is', () => {
    const quorum = hierarchicalQuorum([1, 2, 3], [], [{ id: 1, members: [1, 2, 3] }], new Map([[3, 0]]))
    expect(betterVote({ leader: 3, zxid: 99, peerEpoch: 9 }, { leader: 1, zxid: 1, peerEpoch: 1 }, quorum)).toBe(false)
    expect(betterVote({ leader: 2, zxid: 2, peerEpoch: 1 }, { leader: 1, zxid: 1, peerEpoch: 1 }, quorum)).toBe(true)
  })
})
