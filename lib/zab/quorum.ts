/**
 * Quorum verifiers (ZooKeeper: `quorum/flexible/QuorumVerifier`). Any two quorums must intersect;
 * observers never count. Pluggable so hierarchical or weighted quorums can come later.
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
  /** Whether the voters among `sids` form a quorum; non-voters in `sids` are ignored. */
  containsQuorum(sids: Iterable<number>): boolean
}

/** The default verifier: a strict majority of voters (ZooKeeper: `QuorumMaj`). */
export function majorityQuorum(voters: readonly number[], observers: readonly number[] = []): QuorumVerifier {
  const voterSet = new Set(voters)
  assert(voterSet.size === voters.length, 'duplicate voter id')
  assert(voterSet.size > 0, 'an ensemble needs at least one voter')
  for (const sid of observers) assert(!voterSet.has(sid), () => `server ${sid} is both voter and observer`)
  const needed = Math.floor(voterSet.size / 2) + 1
  return {
    voters: [...voters],
    observers: [...observers],
    isVoter: (sid) => voterSet.has(sid),
    containsQuorum(sids) {
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
