// Method: hand-written DIFF/TRUNC/SNAP, NEWLEADER and UPTODATE sequences stepped into one leader or one follower.
import { describe, expect, it } from 'vitest'
import { makeZxid } from '../../../lib/protocol/zxid.js'
import { bytes, drain, establishedFollower, leaderOf3, learnerOf1, sent, text, vote } from './harness.js'

const z = makeZxid
const entries = (...zxids: number[]) => zxids.map((zxid) => ({ zxid, data: bytes(`t${zxid.toString(16)}`) }))

describe('Synchronization, leader side (ZAB paper phase 2; ZooKeeper LearnerHandler.syncFollower)', () => {
  const history = { acceptedEpoch: 2, currentEpoch: 2, entries: entries(z(1, 1), z(1, 2), z(2, 1)), committedZxid: z(1, 1) }

  function syncFollower(lastZxid: number, currentEpoch = 1, options = {}) {
    const leader = leaderOf3({ restored: history, ...options })
    leader.step(2, { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 2 })
    leader.step(2, { type: 'ACKEPOCH', session: 7, epoch: 3, currentEpoch, lastZxid })
    return { leader, ready: drain(leader) }
  }

  it('sends DIFF and the missing PROPOSALs, its commit point, then NEWLEADER', () => {
    expect(sent(syncFollower(z(1, 1)).ready)).toEqual([
      '2: LEADERINFO newEpoch 3', '2: DIFF 0x100000001', '2: PROPOSAL 0x100000002 (10 bytes)',
      '2: PROPOSAL 0x200000001 (10 bytes)', '2: COMMIT 0x100000001', '2: NEWLEADER 0x300000000',
    ])
  })

  it('sends TRUNC to the last zxid both share when the follower holds a tail the leader never had', () => {
    expect(sent(syncFollower(z(1, 3)).ready).slice(1, 3)).toEqual(['2: TRUNC 0x100000002', '2: PROPOSAL 0x200000001 (10 bytes)'])
  })

  it('asks the runtime for a snapshot and sends SNAP when the follower is older than the retained log', () => {
    const trimmed = { ...history, snapshotZxid: z(1, 2), entries: entries(z(2, 1)), committedZxid: z(1, 2) }
    const leader = leaderOf3({ restored: trimmed })
    leader.step(2, { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 0 })
    leader.step(2, { type: 'ACKEPOCH', session: 7, epoch: 3, currentEpoch: 0, lastZxid: 0 })
    expect(drain(leader).snapshotRequested).toBe(true)
    leader.snapshotTaken(z(1, 2), bytes('tree@0x100000002'))
    expect(sent(drain(leader))).toEqual([
      '2: SNAP 0x100000002 (16 bytes)', '2: PROPOSAL 0x200000001 (10 bytes)', '2: COMMIT 0x100000002', '2: NEWLEADER 0x300000000',
    ])
  })

  it('is established once a quorum ACKs NEWLEADER: it commits its whole initial history and sends UPTODATE', () => {
    const { leader } = syncFollower(z(1, 1))
    leader.step(2, { type: 'ACK', session: 7, zxid: z(3, 0) })
    const ready = drain(leader)
    expect(ready.committed.map((e) => e.zxid)).toEqual([z(1, 2), z(2, 1)])
    expect(ready.state).toMatchObject({ role: 'LEADING', epoch: 3, established: true })
    expect(sent(ready)).toEqual(['2: UPTODATE 0x200000001'])
  })

  it('adopts the new currentEpoch only once its own history is durable (ZOOKEEPER-3911, leader side)', () => {
    // Peer 2 logs a proposal as follower, loses its leader before persisting it, and is elected.
    const { peer, session } = establishedFollower()
    peer.step(1, { type: 'PROPOSAL', session, zxid: z(1, 1), data: bytes('a') })
    peer.disconnected(1)
    drain(peer)
    peer.step(3, vote('LOOKING', 2, z(1, 1), 2, 1))
    peer.step(3, { type: 'FOLLOWERINFO', session: 9, acceptedEpoch: 1 })
    peer.step(3, { type: 'ACKEPOCH', session: 9, epoch: 2, currentEpoch: 1, lastZxid: 0 })
    const before = drain(peer)
    expect(before.hardState).toEqual({ acceptedEpoch: 2, currentEpoch: 1 })
    expect(sent(before)).toEqual(['3: LEADERINFO newEpoch 2'])
    peer.persisted(z(1, 1))
    const after = drain(peer)
    expect(after.hardState).toEqual({ acceptedEpoch: 2, currentEpoch: 2 })
    expect(sent(after)).toEqual(['3: DIFF 0x0', '3: PROPOSAL 0x100000001 (1 bytes)', '3: NEWLEADER 0x200000000'])
  })

  it('sends UPTODATE right after the NEWLEADER ACK of a learner that joins an established leader', () => {
    const { leader } = syncFollower(z(1, 1))
    leader.step(2, { type: 'ACK', session: 7, zxid: z(3, 0) })
    drain(leader)
    leader.step(3, { type: 'FOLLOWERINFO', session: 9, acceptedEpoch: 2 })
    leader.step(3, { type: 'ACKEPOCH', session: 9, epoch: 3, currentEpoch: 2, lastZxid: z(2, 1) })
    leader.step(3, { type: 'ACK', session: 9, zxid: z(3, 0) })
    expect(sent(drain(leader)).slice(-1)).toEqual(['3: UPTODATE 0x200000001'])
  })
})

describe('Synchronization, follower side (ZAB paper phase 2; ZooKeeper Learner.syncWithLeader, ZOOKEEPER-3911)', () => {
  function syncing(restored = {}) {
    const { peer, session } = learnerOf1(2, { restored: { acceptedEpoch: 1, currentEpoch: 1, ...restored } })
    peer.step(1, { type: 'LEADERINFO', session, newEpoch: 2 })
    drain(peer)
    return { peer, session }
  }

  it('logs DIFF entries, applies COMMIT, and ACKs NEWLEADER only after persisting, with currentEpoch first', () => {
    const { peer, session } = syncing({ entries: entries(z(1, 1)) })
    peer.step(1, { type: 'DIFF', session, zxid: z(1, 1) })
    peer.step(1, { type: 'PROPOSAL', session, zxid: z(1, 2), data: bytes('b') })
    peer.step(1, { type: 'COMMIT', session, zxid: z(1, 2) })
    peer.step(1, { type: 'NEWLEADER', session, zxid: z(2, 0) })
    const before = drain(peer)
    expect(before.entries.map((e) => e.zxid)).toEqual([z(1, 2)])
    expect(before.committed.map((e) => text(e.data))).toEqual(['t100000001', 'b'])
    expect(before.hardState).toBeUndefined()
    expect(sent(before)).toEqual([])
    peer.persisted(z(1, 2))
    const after = drain(peer)
    expect(after.hardState).toEqual({ acceptedEpoch: 2, currentEpoch: 2 })
    expect(sent(after)).toEqual(['1: ACK 0x200000000'])
  })

  it('truncates its uncommitted tail on TRUNC', () => {
    const { peer, session } = syncing({ entries: entries(z(1, 1), z(1, 2), z(1, 3)), committedZxid: z(1, 1) })
    peer.step(1, { type: 'TRUNC', session, zxid: z(1, 1) })
    const ready = drain(peer)
    expect(ready.truncate).toBe(z(1, 1))
    expect(peer.status().lastLoggedZxid).toBe(z(1, 1))
  })

  it('never truncates a committed entry (assertion)', () => {
    const { peer, session } = syncing({ entries: entries(z(1, 1), z(1, 2)), committedZxid: z(1, 2) })
    expect(() => peer.step(1, { type: 'TRUNC', session, zxid: z(1, 1) })).toThrow('below committed')
  })

  it('leaves a leader that would cut below a restore it installed, rather than fail (the leader has yet to install it)', () => {
    // Restored: a snapshot at (5, 0), a zxid no entry has; the leader still holds the restore entry (4, 5).
    const { peer, session } = learnerOf1(2, { restored: { acceptedEpoch: 5, currentEpoch: 5, snapshotZxid: z(5, 0), entries: [], committedZxid: z(5, 0) } })
    peer.step(1, { type: 'LEADERINFO', session, newEpoch: 6 })
    expect(sent(drain(peer))).toEqual(['1: ACKEPOCH epoch 6 currentEpoch 5 last 0x500000000'])
    peer.step(1, { type: 'TRUNC', session, zxid: z(4, 5) })
    const ready = drain(peer)
    expect(ready.truncate).toBeUndefined()
    // Back to the election, its restored state untouched (the old code threw "TRUNC ... below committed").
    expect(peer.status()).toMatchObject({ role: 'LOOKING', zabState: 'election', lastLoggedZxid: z(5, 0), committedZxid: z(5, 0) })
  })

  it('installs a SNAP in place of its state and log', () => {
    const { peer, session } = syncing({ entries: entries(z(1, 1)) })
    peer.step(1, { type: 'SNAP', session, zxid: z(1, 9), snapshot: bytes('tree') })
    const ready = drain(peer)
    expect(ready.snapshot).toEqual({ zxid: z(1, 9), data: bytes('tree') })
    expect(peer.status()).toMatchObject({ lastLoggedZxid: z(1, 9), committedZxid: z(1, 9) })
  })

  it('commits up to the UPTODATE zxid and starts serving (ZAB paper: COMMIT-LD)', () => {
    const { peer, session } = syncing()
    peer.step(1, { type: 'DIFF', session, zxid: 0 })
    peer.step(1, { type: 'PROPOSAL', session, zxid: z(1, 1), data: bytes('a') })
    peer.step(1, { type: 'NEWLEADER', session, zxid: z(2, 0) })
    peer.persisted(z(1, 1))
    drain(peer)
    peer.step(1, { type: 'UPTODATE', session, zxid: z(1, 1) })
    const ready = drain(peer)
    expect(ready.committed.map((e) => e.zxid)).toEqual([z(1, 1)])
    expect(ready.state).toMatchObject({ role: 'FOLLOWING', leader: 1, epoch: 2, established: true })
  })

  it('leaves the leader when a PROPOSAL leaves a hole (a lost message)', () => {
    const { peer, session } = syncing()
    peer.step(1, { type: 'DIFF', session, zxid: 0 })
    peer.step(1, { type: 'PROPOSAL', session, zxid: z(1, 2), data: bytes('x') })
    expect(drain(peer).state).toMatchObject({ role: 'LOOKING' })
  })
})
