// Method: hand-written PROPOSAL/ACK/COMMIT/INFORM/PING sequences stepped into an established leader or follower.
import { describe, expect, it } from 'vitest'
import { makeZxid } from '../../../lib/protocol/zxid.js'
import { bytes, drain, establishedFollower, establishedLeader, makePeer, sent, text } from './harness.js'

const z = makeZxid

describe('Broadcast, leader side (ZAB paper phase 3; ZooKeeper Leader.propose, processAck)', () => {
  it('refuses to propose unless it is an established leader', () => {
    expect(makePeer(1).propose(bytes('x'))).toEqual({ ok: false, reason: 'NOT_LEADER', leader: undefined })
    const { peer } = establishedFollower()
    expect(peer.propose(bytes('x'))).toEqual({ ok: false, reason: 'NOT_LEADER', leader: 1 })
  })

  it('numbers proposals epoch * 2^32 + 1, 2, 3 and sends them in order to every follower', () => {
    const leader = establishedLeader()
    expect(leader.propose(bytes('a'))).toEqual({ ok: true, zxid: z(1, 1) })
    expect(leader.propose(bytes('b'))).toEqual({ ok: true, zxid: z(1, 2) })
    const ready = drain(leader)
    expect(ready.entries.map((e) => e.zxid)).toEqual([z(1, 1), z(1, 2)])
    expect(sent(ready)).toEqual(['2: PROPOSAL 0x100000001 (1 bytes)', '2: PROPOSAL 0x100000002 (1 bytes)'])
  })

  it('commits only when a quorum, itself included, has the proposal durable', () => {
    const leader = establishedLeader()
    leader.propose(bytes('a'))
    drain(leader)
    leader.step(2, { type: 'ACK', session: 7, zxid: z(1, 1) })
    expect(drain(leader).committed).toEqual([])
    leader.persisted(z(1, 1))
    const ready = drain(leader)
    expect(ready.committed.map((e) => text(e.data))).toEqual(['a'])
    expect(sent(ready)).toEqual(['2: COMMIT 0x100000001'])
  })

  it('pipelines: one cumulative ACK commits every proposal up to it, in zxid order', () => {
    const leader = establishedLeader()
    for (const data of ['a', 'b', 'c']) leader.propose(bytes(data))
    leader.persisted(z(1, 3))
    drain(leader)
    leader.step(2, { type: 'ACK', session: 7, zxid: z(1, 3) })
    const ready = drain(leader)
    expect(ready.committed.map((e) => text(e.data))).toEqual(['a', 'b', 'c'])
    expect(sent(ready)).toEqual(['2: COMMIT 0x100000003'])
  })

  it('sends observers INFORM with the data on commit, never PROPOSAL, and never counts them', () => {
    const leader = establishedLeader({ observers: [4] })
    leader.step(4, { type: 'OBSERVERINFO', session: 11, acceptedEpoch: 0 })
    leader.step(4, { type: 'ACKEPOCH', session: 11, epoch: 1, currentEpoch: 0, lastZxid: 0 })
    leader.step(4, { type: 'ACK', session: 11, zxid: z(1, 0) })
    drain(leader)
    leader.propose(bytes('a'))
    expect(sent(drain(leader))).toEqual(['2: PROPOSAL 0x100000001 (1 bytes)'])
    leader.persisted(z(1, 1))
    leader.step(4, { type: 'ACK', session: 11, zxid: z(1, 1) })
    expect(drain(leader).committed).toEqual([])
    leader.step(2, { type: 'ACK', session: 7, zxid: z(1, 1) })
    expect(sent(drain(leader))).toEqual(['2: COMMIT 0x100000001', '4: INFORM 0x100000001 (1 bytes)'])
  })

  it('PINGs its learners every tick and steps down when it has not heard a quorum within syncLimit', () => {
    const leader = establishedLeader({ limits: { syncLimitTicks: 3 } })
    leader.tick()
    expect(sent(drain(leader))).toEqual(['2: PING'])
    for (let i = 0; i < 3; i++) leader.tick()
    expect(drain(leader).state).toMatchObject({ role: 'LOOKING', reason: 'not sufficient followers synced within syncLimit (3 ticks)' })
  })

  it('stays leader while a quorum keeps answering its PINGs', () => {
    const leader = establishedLeader({ limits: { syncLimitTicks: 3 } })
    for (let i = 0; i < 10; i++) {
      leader.tick()
      leader.step(2, { type: 'PING', session: 7 })
    }
    expect(leader.status()).toMatchObject({ role: 'LEADING', established: true })
  })

  it('completes a sync once everything proposed before it is committed', () => {
    const leader = establishedLeader()
    leader.propose(bytes('a'))
    expect(leader.sync(42)).toBe(true)
    expect(drain(leader).syncsCompleted).toEqual([])
    leader.persisted(z(1, 1))
    leader.step(2, { type: 'ACK', session: 7, zxid: z(1, 1) })
    // It waited for the commit of 1.1, the last proposal before it.
    expect(drain(leader).syncsCompleted).toEqual([{ token: 42, zxid: z(1, 1) }])
  })

  it('answers a SYNC between the COMMIT it waited for and a later one committed with it (found by the whole-system simulation)', () => {
    const leader = establishedLeader()
    leader.propose(bytes('a'))
    leader.step(2, { type: 'SYNC', session: 7, token: 5 })
    // The follower's session writes after its sync: proposed after the SYNC arrived.
    leader.propose(bytes('b'))
    leader.sync(6)
    leader.propose(bytes('c'))
    drain(leader)
    // One ACK commits all three: the SYNC goes after COMMIT 1.1 and before COMMIT 1.3.
    leader.persisted(z(1, 3))
    leader.step(2, { type: 'ACK', session: 7, zxid: z(1, 3) })
    const ready = drain(leader)
    expect(sent(ready)).toEqual(['2: COMMIT 0x100000001', '2: SYNC token 5', '2: COMMIT 0x100000002', '2: COMMIT 0x100000003'])
    // The local sync completes after 1.2, the last proposal before it, and before 1.3.
    expect(ready.syncsCompleted).toEqual([{ token: 6, zxid: z(1, 2) }])
    expect(ready.committed.map((e) => text(e.data))).toEqual(['a', 'b', 'c'])
  })

  it('answers a follower SYNC behind the COMMITs it waited for, and surfaces forwarded REQUESTs', () => {
    const leader = establishedLeader()
    leader.step(2, { type: 'REQUEST', session: 7, data: bytes('create /a') })
    leader.propose(bytes('a'))
    leader.step(2, { type: 'SYNC', session: 7, token: 5 })
    const first = drain(leader)
    expect(first.requests.map((r) => [r.from, text(r.data)])).toEqual([[2, 'create /a']])
    leader.persisted(z(1, 1))
    leader.step(2, { type: 'ACK', session: 7, zxid: z(1, 1) })
    expect(sent(drain(leader))).toEqual(['2: COMMIT 0x100000001', '2: SYNC token 5'])
  })
})

describe('Broadcast, follower side (ZAB paper phase 3; ZooKeeper Follower.processPacket)', () => {
  it('ACKs a PROPOSAL only after the runtime reports it durable', () => {
    const { peer, session } = establishedFollower()
    peer.step(1, { type: 'PROPOSAL', session, zxid: z(1, 1), data: bytes('a') })
    const logged = drain(peer)
    expect(logged.entries.map((e) => e.zxid)).toEqual([z(1, 1)])
    expect(sent(logged)).toEqual([])
    peer.persisted(z(1, 1))
    expect(sent(drain(peer))).toEqual(['1: ACK 0x100000001'])
  })

  it('applies on COMMIT, and shrugs off a duplicated PROPOSAL or COMMIT', () => {
    const { peer, session } = establishedFollower()
    const proposal = { type: 'PROPOSAL', session, zxid: z(1, 1), data: bytes('a') } as const
    peer.step(1, proposal)
    peer.step(1, proposal)
    peer.step(1, { type: 'COMMIT', session, zxid: z(1, 1) })
    peer.step(1, { type: 'COMMIT', session, zxid: z(1, 1) })
    const ready = drain(peer)
    expect(ready.entries.map((e) => e.zxid)).toEqual([z(1, 1)])
    expect(ready.committed.map((e) => e.zxid)).toEqual([z(1, 1)])
  })

  it('answers PING with PING and goes back to LOOKING when the leader falls silent for syncLimit', () => {
    const { peer, session } = establishedFollower({ limits: { syncLimitTicks: 3 } })
    peer.step(1, { type: 'PING', session })
    expect(sent(drain(peer))).toEqual(['1: PING'])
    for (let i = 0; i < 4; i++) peer.tick()
    expect(drain(peer).state).toMatchObject({ role: 'LOOKING', reason: 'no message from leader 1 for 4 ticks' })
  })

  it('forwards client requests and syncs to the leader once up to date', () => {
    const { peer } = establishedFollower()
    expect(peer.forward(bytes('setData /a'))).toBe(true)
    expect(peer.sync(9)).toBe(true)
    expect(sent(drain(peer))).toEqual(['1: REQUEST (10 bytes)', '1: SYNC token 9'])
    expect(makePeer(3).forward(bytes('x'))).toBe(false)
  })

  it('refuses a COMMIT for a zxid it was never sent, leaving the leader', () => {
    const { peer, session } = establishedFollower()
    peer.step(1, { type: 'COMMIT', session, zxid: z(1, 5) })
    expect(drain(peer).state).toMatchObject({ role: 'LOOKING' })
  })
})
