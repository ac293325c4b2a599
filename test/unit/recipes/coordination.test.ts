// Method: many in-process sessions use barriers, queues and a shared counter at once on a
// virtual clock; every wait is a promise that a watch or a state change settles.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VirtualClock } from '../../../lib/index.js'
import { Barrier, decodeCounter, DistributedPriorityQueue, DistributedQueue, DoubleBarrier, SharedCounter } from '../../../lib/recipes/index.js'
import { expire, flush, lossy, outcome, sessions, settled, shortSessionMs, startServer, type Server, type ZooKeeperClient } from './helpers.js'

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

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

describe('Barrier', () => {
  it('holds every waiter until the barrier is removed, and lets them through at once when down', async () => {
    const clients = await sessions(server, 5)
    await new Barrier(observer, '/barrier/b').set()
    const waiters = clients.map((zk) => new Barrier(zk, '/barrier/b').wait())
    expect(await settled(Promise.race(waiters))).toBe(false)
    await new Barrier(observer, '/barrier/b').remove()
    await Promise.all(waiters)
    await new Barrier(observer, '/barrier/b').wait()
  })

  it('rejects a wait with the abort reason', async () => {
    await new Barrier(observer, '/barrier/abort').set()
    const controller = new AbortController()
    const waiting = new Barrier(observer, '/barrier/abort').wait(controller.signal)
    controller.abort(new Error('stop'))
    await expect(waiting).rejects.toThrow('stop')
  })
})

describe('DoubleBarrier', () => {
  it('lets nobody in before 6 members entered, and nobody out before all 6 left', async () => {
    const clients = await sessions(server, 6)
    const barriers = clients.map((zk) => new DoubleBarrier(zk, '/barrier/double', 6))
    const entered = barriers.slice(0, 5).map((b) => b.enter())
    expect(await settled(Promise.race(entered))).toBe(false)
    await Promise.all([...entered, (barriers[5] as DoubleBarrier).enter()])
    const left = barriers.slice(0, 5).map((b) => b.leave())
    expect(await settled(Promise.race(left))).toBe(false)
    await Promise.all([...left, (barriers[5] as DoubleBarrier).leave()])
    expect(await observer.getChildren('/barrier/double')).toEqual([])
  })

  it('counts a member whose session expired as having left', async () => {
    const doomed = await server.connect({ sessionTimeoutMs: shortSessionMs })
    const a = new DoubleBarrier(observer, '/barrier/expiry', 2)
    const b = new DoubleBarrier(doomed, '/barrier/expiry', 2)
    await Promise.all([a.enter(), b.enter()])
    const leaving = a.leave()
    expect(await settled(leaving)).toBe(false)
    await expire(clock, doomed)
    await leaving
  })

  it('removes its member node when enter is aborted', async () => {
    const controller = new AbortController()
    const entering = outcome(new DoubleBarrier(observer, '/barrier/abort', 3).enter(controller.signal))
    await flush()
    controller.abort(new Error('bail'))
    expect(await entering).toMatchObject({ error: { message: 'bail' } })
    expect(await observer.getChildren('/barrier/abort')).toEqual([])
  })
})

describe('DistributedQueue', () => {
  it('delivers 100 items from 5 producers to 5 consumers, each exactly once, FIFO per producer', async () => {
    const clients = await sessions(server, 10)
    const producers = clients.slice(0, 5).map(async (zk, p) => {
      const queue = new DistributedQueue(zk, '/queues/work')
      for (let i = 0; i < 20; i++) await queue.put(`${p}:${i}`)
    })
    const got: string[] = []
    const done = new AbortController()
    const consumers = clients.slice(5).map(async (zk) => {
      const queue = new DistributedQueue(zk, '/queues/work')
      while (!done.signal.aborted) {
        const result = await outcome(queue.take(done.signal))
        if (!('value' in result)) return
        got.push(text(result.value))
        if (got.length === 100) done.abort() // the consumers still waiting give up
      }
    })
    await Promise.all([...producers, ...consumers])
    expect(got).toHaveLength(100)
    expect(new Set(got).size).toBe(100)
    for (let p = 0; p < 5; p++) {
      const mine = got.filter((item) => item.startsWith(`${p}:`)).map((item) => Number(item.split(':')[1]))
      expect(mine).toEqual([...mine].sort((a, b) => a - b))
    }
  })

  it('hands a waiting consumer the first item put after it started waiting', async () => {
    const queue = new DistributedQueue(observer, '/queues/wait')
    const taking = queue.take()
    expect(await settled(taking)).toBe(false)
    const [producer] = (await sessions(server, 1)) as [ZooKeeperClient]
    await new DistributedQueue(producer, '/queues/wait').put('first')
    expect(text(await taking)).toBe('first')
    expect(await queue.poll()).toBeUndefined()
  })

  it('rejects a put whose create reply is lost with CONNECTIONLOSS, never adding the item twice', async () => {
    await new DistributedQueue(observer, '/queues/lost').put('before')
    const spy = lossy(observer)
    spy.loseReply('create')
    await expect(new DistributedQueue(spy.client, '/queues/lost').put('only')).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
    expect(spy.calls.get('create')).toBe(1)
    expect(await new DistributedQueue(observer, '/queues/lost').size()).toBe(2)
  })
})

describe('DistributedPriorityQueue', () => {
  it('serves the lowest priority number first and FIFO within a priority', async () => {
    const queue = new DistributedPriorityQueue(observer, '/queues/prio')
    await queue.put('low-1', 10)
    await queue.put('urgent', -5)
    await queue.put('mid', 0)
    await queue.put('low-2', 10)
    const order: string[] = []
    for (let item = await queue.poll(); item !== undefined; item = await queue.poll()) order.push(text(item))
    expect(order).toEqual(['urgent', 'mid', 'low-1', 'low-2'])
  })
})

describe('SharedCounter', () => {
  it('adds atomically: 20 sessions x 5 increments make 100', async () => {
    const clients = await sessions(server, 20)
    await Promise.all(
      clients.map(async (zk) => {
        const counter = new SharedCounter(zk, '/counters/hits')
        for (let i = 0; i < 5; i++) await counter.increment()
      }),
    )
    expect(await new SharedCounter(observer, '/counters/hits').get()).toBe(100)
  })

  it('stores the value as Curator DistributedAtomicLong does: 8 bytes big-endian', async () => {
    await new SharedCounter(observer, '/counters/layout').add(258)
    const { data } = await observer.getData('/counters/layout')
    expect([...data]).toEqual([0, 0, 0, 0, 0, 0, 1, 2])
    expect(decodeCounter(data, '/counters/layout')).toBe(258)
  })

  it('trySet fails when another client changed the value after our read', async () => {
    const counter = new SharedCounter(observer, '/counters/cas')
    await counter.add(1)
    const seen = await counter.getVersioned()
    await counter.add(1)
    expect(await counter.trySet(100, seen)).toBe(false)
    expect(await counter.get()).toBe(2)
  })
})
