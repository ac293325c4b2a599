// Method: one ZabPeer stepped by hand through election, discovery, synchronization and broadcast, reading status() after each message (ZooKeeper: QuorumPeer.ZabState as Leader.lead, Follower.followLeader and Observer.observeLeader set it).
import { describe, expect, it } from 'vitest'
import { makeZxid as z } from '../../../lib/zab/index.js'
import { drain, establishedLeader, leaderOf3, learnerOf1, makePeer } from './harness.js'

describe('ZabStatus.zabState', () => {
  it('is election while LOOKING', () => {
    const peer = makePeer(1)
    drain(peer)
    expect(peer.status().zabState).toBe('election')
  })

  it('on a leader: discovery until a quorum acknowledged the epoch, synchronization until established, then broadcast (Leader.lead)', () => {
    const leader = leaderOf3()
    expect(leader.status().zabState).toBe('discovery')
    leader.step(2, { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 0 })
    expect(leader.status().zabState).toBe('discovery')
    leader.step(2, { type: 'ACKEPOCH', session: 7, epoch: 1, currentEpoch: 0, lastZxid: 0 })
    expect(leader.status().zabState).toBe('synchronization')
    leader.step(2, { type: 'ACK', session: 7, zxid: z(1, 0) })
    expect(leader.status()).toMatchObject({ established: true, zabState: 'broadcast' })
  })

  it('on a follower: discovery until LEADERINFO is answered, synchronization until UPTODATE, then broadcast (Follower.followLeader)', () => {
    const { peer, session } = learnerOf1(2)
    expect(peer.status().zabState).toBe('discovery')
    peer.step(1, { type: 'LEADERINFO', session, newEpoch: 1 })
    expect(peer.status().zabState).toBe('synchronization')
    peer.step(1, { type: 'DIFF', session, zxid: 0 })
    peer.step(1, { type: 'NEWLEADER', session, zxid: z(1, 0) })
    expect(peer.status().zabState).toBe('synchronization')
    peer.step(1, { type: 'UPTODATE', session, zxid: 0 })
    expect(peer.status().zabState).toBe('broadcast')
  })
})

describe('ZabStatus.syncedObservers', () => {
  it('lists on the leader the observers in broadcast with the last zxid sent, and nothing elsewhere (Leader.getObservingLearners)', () => {
    const leader = establishedLeader({ observers: [4] })
    leader.step(4, { type: 'OBSERVERINFO', session: 11, acceptedEpoch: 0 })
    leader.step(4, { type: 'ACKEPOCH', session: 11, epoch: 1, currentEpoch: 0, lastZxid: 0 })
    expect(leader.status().syncedObservers).toEqual([])
    leader.step(4, { type: 'ACK', session: 11, zxid: z(1, 0) })
    expect(leader.status().syncedObservers).toEqual([{ sid: 4, lastZxid: 0 }])
    expect(leader.status().learners).toEqual({ followers: 1, syncedFollowers: 1, observers: 1 })
    expect(learnerOf1(2).peer.status().syncedObservers).toEqual([])
  })
})
