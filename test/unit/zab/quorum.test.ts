// Method: majority verifier compared with a dumb counting model over every subset of small ensembles.
import { describe, expect, it } from 'vitest'
import { majorityQuorum } from '../../../lib/zab/index.js'

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
