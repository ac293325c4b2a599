// Method: several sessions run a LeaderLatch or LeaderElection on one in-process server; faults
// (expiry on the virtual clock, a closed client, a deleted node) move leadership between them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VirtualClock } from '../../../lib/index.js'
import { LeaderElection, LeaderLatch, type LeadershipEvent } from '../../../lib/recipes/index.js'
import { expire, flush, outcome, Reconnectable, sessions, shortSessionMs, startServer, type Server, type ZooKeeperClient } from './helpers.js'

let server: Server
let clock: VirtualClock
let observer: ZooKeeperClient

beforeEach(async () => {
  ;({ server, clock } = await startServer())
  ;[observer] = (await sessions(server, 1)) as [ZooKeeperClient]
})
afterEach(async () => {
  await server.close()
})

describe('LeaderLatch', () => {
  it('names its nodes as Curator LeaderLatch does (_c_<uuid>-latch-<seq>) with the id as data', async () => {
    const latch = new LeaderLatch(observer, '/election/a', { id: 'node-1' })
    latch.start()
    const lease = await latch.await()
    expect(lease.path).toMatch(/^\/election\/a\/_c_[0-9a-f-]{36}-latch-\d{10}$/)
    expect(await latch.participants()).toEqual([{ id: 'node-1', isLeader: true, path: lease.path }])
    await latch.close()
  })

  it('elects exactly one of ten and passes leadership down the line as leaders close', async () => {
    const clients = await sessions(server, 10)
    const latches = clients.map((zk, i) => new LeaderLatch(zk, '/election/line', { id: `p${i}` }))
    for (const latch of latches) latch.start()
    const order: string[] = []
    for (let round = 0; round < 10; round++) {
      const leader = await Promise.race(latches.map(async (latch) => (await latch.await(), latch)))
      await flush()
      expect(latches.filter((latch) => latch.hasLeadership)).toEqual([leader])
      order.push(leader.id)
      latches.splice(latches.indexOf(leader), 1)
      await leader.close()
    }
    expect(order).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'])
  })

  it('emits notLeader with SESSIONEXPIRED when the leader session expires, and the next one leads', async () => {
    const doomed = await server.connect({ sessionTimeoutMs: shortSessionMs })
    const first = new LeaderLatch(doomed, '/election/expiry')
    const events: LeadershipEvent['type'][] = []
    const reasons: unknown[] = []
    first.on((event) => (events.push(event.type), event.type === 'notLeader' && reasons.push(event.reason)))
    first.start()
    await first.await()
    const second = new LeaderLatch(observer, '/election/expiry')
    second.start()
    const failed = outcome(first.await(AbortSignal.abort()))
    await expire(clock, doomed)
    await second.await()
    expect(events).toEqual(['isLeader', 'notLeader'])
    expect(reasons[0]).toMatchObject({ code: 'SESSIONEXPIRED' })
    expect(first.state).toBe('closed')
    expect(await failed).toHaveProperty('error')
    await expect(first.await()).rejects.toMatchObject({ code: 'SESSIONEXPIRED' })
  })

  it('rejoins the line when its node is deleted while the session lives', async () => {
    const latch = new LeaderLatch(observer, '/election/rejoin')
    const events: string[] = []
    latch.on((event) => events.push(event.type))
    latch.start()
    const first = await latch.await()
    await observer.delete(first.path)
    await flush()
    const second = await latch.await()
    expect(second.path).not.toBe(first.path)
    expect(events).toEqual(['isLeader', 'notLeader', 'isLeader'])
    await latch.close()
    expect(await observer.getChildren('/election/rejoin')).toEqual([])
  })

  it('steps down while disconnected and leads again after reconnecting with its node in place', async () => {
    const moving = await Reconnectable.open(server)
    const latch = new LeaderLatch(moving.client, '/election/suspend')
    const events: string[] = []
    latch.on((event) => events.push(event.type === 'notLeader' ? `notLeader ${(event.reason as { code: string }).code}` : event.type))
    latch.start()
    const first = await latch.await()
    moving.drop()
    await flush()
    expect(latch.hasLeadership).toBe(false)
    await moving.reconnect()
    const again = await latch.await()
    expect(again.path).toBe(first.path)
    expect(events).toEqual(['isLeader', 'notLeader CONNECTIONLOSS', 'isLeader'])
    await latch.close()
  })

  it('keeps leadership through a disconnect with suspendOnDisconnect false', async () => {
    const moving = await Reconnectable.open(server)
    const latch = new LeaderLatch(moving.client, '/election/keep', { suspendOnDisconnect: false })
    latch.start()
    await latch.await()
    moving.drop()
    await flush()
    expect(latch.hasLeadership).toBe(true)
    await moving.reconnect()
    await latch.close()
  })

  it('rejects await when its signal aborts and when the latch closes', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const leader = new LeaderLatch(observer, '/election/await')
    leader.start()
    await leader.await()
    const follower = new LeaderLatch(other, '/election/await')
    follower.start()
    const controller = new AbortController()
    const waiting = follower.await(controller.signal)
    controller.abort(new Error('enough'))
    await expect(waiting).rejects.toThrow('enough')
    const pending = follower.await()
    await follower.close()
    await expect(pending).rejects.toThrow('closed')
    expect(await observer.getChildren('/election/await')).toHaveLength(1)
  })
})

describe('LeaderElection', () => {
  it('runs takeLeadership on one participant at a time, and every one in turn with autoRequeue off', async () => {
    const clients = await sessions(server, 8)
    let running = 0
    let maxRunning = 0
    const terms: string[] = []
    const elections = clients.map(
      (zk, i) =>
        new LeaderElection(zk, '/election/selector', async () => {
          maxRunning = Math.max(maxRunning, ++running)
          terms.push(`p${i}`)
          await flush(1)
          running--
        }, { id: `p${i}`, autoRequeue: false }),
    )
    for (const election of elections) election.start()
    for (let i = 0; i < 64 && terms.length < 8; i++) await flush()
    expect(terms).toHaveLength(8)
    expect(maxRunning).toBe(1)
    await Promise.all(elections.map((e) => e.close()))
  })

  it('aborts the leader signal when its session expires and elects the next participant', async () => {
    const doomed = await server.connect({ sessionTimeoutMs: shortSessionMs })
    let lostReason: unknown
    const first = new LeaderElection(doomed, '/election/abort', async (signal) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
      lostReason = signal.reason
    })
    let secondLed!: () => void
    const secondLeads = new Promise<void>((resolve) => (secondLed = resolve))
    const second = new LeaderElection(observer, '/election/abort', async (signal) => {
      secondLed()
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
    })
    first.start()
    await flush()
    expect(first.hasLeadership).toBe(true)
    second.start()
    await expire(clock, doomed)
    await secondLeads
    expect(lostReason).toMatchObject({ code: 'SESSIONEXPIRED' })
    await second.close()
    await first.close()
  })

  it('cancels the term when the connection drops, and leads again after the reconnect', async () => {
    const moving = await Reconnectable.open(server)
    const reasons: unknown[] = []
    let terms = 0
    let secondTerm!: () => void
    const second = new Promise<void>((resolve) => (secondTerm = resolve))
    const election = new LeaderElection(moving.client, '/election/cancel', async (signal) => {
      if (++terms === 2) return secondTerm()
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
      reasons.push(signal.reason)
    })
    election.start()
    await flush()
    expect(election.hasLeadership).toBe(true)
    moving.drop()
    await flush()
    expect(reasons).toMatchObject([{ code: 'CONNECTIONLOSS' }])
    await moving.reconnect()
    await second
    await election.close()
  })

  it('requeues after a term with autoRequeue, alternating leadership between two participants', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const terms: string[] = []
    const make = (zk: ZooKeeperClient, id: string) => new LeaderElection(zk, '/election/requeue', async () => void terms.push(id))
    const a = make(observer, 'a')
    const b = make(other, 'b')
    a.start()
    b.start()
    for (let i = 0; i < 64 && terms.length < 6; i++) await flush(1)
    await a.close()
    await b.close()
    expect(terms.slice(0, 6)).toEqual(['a', 'b', 'a', 'b', 'a', 'b'])
  })
})
