// Method: hand-written FOLLOWERINFO/LEADERINFO/ACKEPOCH sequences stepped into one leader or one follower.
import { describe, expect, it } from 'vitest'
import type { ZabPeer } from '../../../lib/zab/index.js'
import { makeZxid } from '../../../lib/protocol/zxid.js'
import { drain, learnerOf1, makePeer, sent, sessionOf, vote } from './harness.js'

const z = makeZxid

function leaderWith(restored = {}): ZabPeer {
  const peer = makePeer(1, { restored })
  drain(peer)
  peer.step(2, vote('LOOKING', 1, peer.status().lastLoggedZxid, 1, peer.status().currentEpoch))
  expect(drain(peer).state).toMatchObject({ role: 'LEADING' })
  return peer
}

function followerWith(restored = {}): { peer: ZabPeer; session: number } {
  const peer = makePeer(2, { restored })
  drain(peer)
  peer.step(1, vote('LOOKING', 1, 0, 1, 99))
  const ready = drain(peer)
  expect(ready.state).toMatchObject({ role: 'FOLLOWING', leader: 1 })
  return { peer, session: sessionOf(ready, 1) }
}

describe('Discovery, leader side (ZAB paper phase 1; ZooKeeper Leader.getEpochToPropose, waitForEpochAck)', () => {
  it('waits for FOLLOWERINFO from a quorum, then proposes one epoch above every acceptedEpoch', () => {
    const leader = leaderWith({ acceptedEpoch: 2, currentEpoch: 2 })
    leader.step(2, { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 4 })
    const ready = drain(leader)
    expect(ready.hardState).toEqual({ acceptedEpoch: 5, currentEpoch: 2 })
    expect(sent(ready)).toEqual(['2: LEADERINFO newEpoch 5'])
  })

  it('gives a learner that arrives after the epoch is chosen the same epoch', () => {
    const leader = leaderWith()
    leader.step(2, { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 0 })
    drain(leader)
    leader.step(3, { type: 'FOLLOWERINFO', session: 8, acceptedEpoch: 0 })
    expect(sent(drain(leader))).toEqual(['3: LEADERINFO newEpoch 1'])
  })

  it('adopts the epoch as currentEpoch once a quorum acknowledged it, and starts syncing', () => {
    const leader = leaderWith()
    leader.step(2, { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 0 })
    drain(leader)
    leader.step(2, { type: 'ACKEPOCH', session: 7, epoch: 1, currentEpoch: 0, lastZxid: 0 })
    const ready = drain(leader)
    expect(ready.hardState).toEqual({ acceptedEpoch: 1, currentEpoch: 1 })
    expect(sent(ready)).toEqual(['2: DIFF 0x0', '2: NEWLEADER 0x100000000'])
  })

  it('abandons the leadership when a follower is ahead of it ("Follower is ahead of the leader")', () => {
    const leader = leaderWith({ acceptedEpoch: 1, currentEpoch: 1, entries: [{ zxid: z(1, 1), data: new Uint8Array() }] })
    leader.step(2, { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 1 })
    drain(leader)
    leader.step(2, { type: 'ACKEPOCH', session: 7, epoch: 2, currentEpoch: 1, lastZxid: z(1, 2) })
    expect(drain(leader).state).toMatchObject({ role: 'LOOKING', reason: 'follower 2 is ahead of the leader' })
  })

  it('steps down for a voter that promised a later epoch, so the next election can include it (a Paddock addition)', () => {
    const leader = leaderWith()
    leader.step(2, { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 0 })
    drain(leader)
    leader.step(3, { type: 'FOLLOWERINFO', session: 8, acceptedEpoch: 5 })
    expect(drain(leader).state).toMatchObject({ role: 'LOOKING', reason: 'follower 3 accepted epoch 5 above ours (1)' })
  })

  it('ignores an ACKEPOCH for another epoch, e.g. one meant for an earlier leadership of the same server', () => {
    const leader = leaderWith()
    leader.step(2, { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 0 })
    drain(leader)
    leader.step(2, { type: 'ACKEPOCH', session: 7, epoch: 0, currentEpoch: 0, lastZxid: 0 })
    const ready = drain(leader)
    expect([ready.hardState, sent(ready)]).toEqual([undefined, []])
  })

  it('ignores messages from a session it does not know', () => {
    const leader = leaderWith()
    leader.step(2, { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 0 })
    drain(leader)
    leader.step(2, { type: 'ACKEPOCH', session: 8, epoch: 1, currentEpoch: 0, lastZxid: 0 })
    expect(drain(leader).messages).toEqual([])
  })
})

describe('Discovery, follower side (ZAB paper phase 1; ZooKeeper Learner.registerWithLeader)', () => {
  it('announces itself with FOLLOWERINFO carrying its acceptedEpoch, again each tick until answered', () => {
    const { peer } = followerWith({ acceptedEpoch: 3, currentEpoch: 3 })
    peer.tick()
    expect(sent(drain(peer))).toEqual(['1: FOLLOWERINFO acceptedEpoch 3'])
  })

  it('persists a new epoch before its ACKEPOCH, which reports currentEpoch and last zxid', () => {
    const { peer, session } = followerWith({ acceptedEpoch: 1, currentEpoch: 1, entries: [{ zxid: z(1, 4), data: new Uint8Array() }] })
    peer.step(1, { type: 'LEADERINFO', session, newEpoch: 2 })
    const ready = drain(peer)
    expect(ready.hardState).toEqual({ acceptedEpoch: 2, currentEpoch: 1 })
    expect(sent(ready)).toEqual(['1: ACKEPOCH epoch 2 currentEpoch 1 last 0x100000004'])
  })

  it('answers an epoch it already accepted with currentEpoch -1 (not counted, still synced)', () => {
    const { peer, session } = followerWith({ acceptedEpoch: 2, currentEpoch: 1 })
    peer.step(1, { type: 'LEADERINFO', session, newEpoch: 2 })
    const ready = drain(peer)
    expect(ready.hardState).toBeUndefined()
    expect(sent(ready)).toEqual(['1: ACKEPOCH epoch 2 currentEpoch -1 last 0x0'])
  })

  it('goes back to LOOKING when offered an epoch below one it promised', () => {
    const { peer, session } = followerWith({ acceptedEpoch: 3, currentEpoch: 1 })
    peer.step(1, { type: 'LEADERINFO', session, newEpoch: 2 })
    expect(drain(peer).state).toMatchObject({ role: 'LOOKING', reason: 'leader epoch 2 below acceptedEpoch 3' })
  })

  // SIM_SEED=30918 and 32220 (whole-system simulation): observer 4 took epoch 4 from a leader
  // that never reached a quorum (one voter's disk was full, the other's was replaced), the voters
  // then elected a leader of epoch 3, and the observer refused it for ever.
  it('as an observer, follows a leader whose epoch is below its acceptedEpoch (its promise binds nobody)', () => {
    const { peer, session } = learnerOf1(4, { observers: [4], restored: { acceptedEpoch: 4, currentEpoch: 2, entries: [{ zxid: z(2, 1), data: new Uint8Array() }] } })
    expect(peer.status().role).toBe('OBSERVING')
    peer.step(1, { type: 'LEADERINFO', session, newEpoch: 3 })
    let ready = drain(peer)
    expect(ready.state).toBeUndefined()
    expect(ready.hardState).toBeUndefined()
    expect(sent(ready)).toEqual(['1: ACKEPOCH epoch 3 currentEpoch -1 last 0x200000001'])
    peer.step(1, { type: 'DIFF', session, zxid: z(2, 1) })
    peer.step(1, { type: 'INFORM', session, zxid: z(3, 1), data: new Uint8Array() })
    peer.step(1, { type: 'NEWLEADER', session, zxid: z(3, 0) })
    ready = drain(peer)
    peer.persisted(z(3, 1))
    ready = drain(peer)
    expect(ready.hardState).toEqual({ acceptedEpoch: 4, currentEpoch: 3 })
    peer.step(1, { type: 'UPTODATE', session, zxid: z(3, 1) })
    drain(peer)
    expect(peer.status()).toMatchObject({ role: 'OBSERVING', leader: 1, established: true, acceptedEpoch: 4, currentEpoch: 3, committedZxid: z(3, 1) })
  })

  it('as an observer, still refuses a leader whose epoch is below its currentEpoch', () => {
    const { peer, session } = learnerOf1(4, { observers: [4], restored: { acceptedEpoch: 4, currentEpoch: 4 } })
    peer.step(1, { type: 'LEADERINFO', session, newEpoch: 3 })
    expect(drain(peer).state).toMatchObject({ role: 'LOOKING', reason: 'leader epoch 3 below acceptedEpoch 4' })
  })

  it('ignores a LEADERINFO from another session', () => {
    const { peer, session } = followerWith()
    peer.step(1, { type: 'LEADERINFO', session: session + 1, newEpoch: 2 })
    expect(drain(peer).messages).toEqual([])
  })
})
