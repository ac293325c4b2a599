// Method: many in-process sessions contend for one Lock on a virtual clock; faults are injected
// by expiring sessions, closing clients, losing create replies and dropping connections.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VirtualClock } from '../../../lib/index.js'
import { Lock, type Lease } from '../../../lib/recipes/index.js'
import { expire, flush, lossy, outcome, Reconnectable, sessions, settled, shortSessionMs, startServer, type Server, type ZooKeeperClient } from './helpers.js'

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

const sequence = (path: string): number => Number(path.slice(-10))

describe('Lock', () => {
  it('names its nodes as Curator InterProcessMutex does: _c_<uuid>-lock-<10-digit sequence>', async () => {
    const lease = await new Lock(observer, '/locks/a').acquire()
    expect(lease.path).toMatch(/^\/locks\/a\/_c_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-lock-\d{10}$/)
    expect((await observer.getData(lease.path)).stat.ephemeralOwner).toBe(observer.sessionId)
    await lease.release()
    expect(await observer.getChildren('/locks/a')).toEqual([])
  })

  it('names its nodes as kazoo does with layout kazoo: <uuid hex>__lock__<sequence>', async () => {
    const lease = await new Lock(observer, '/locks/k', { layout: 'kazoo', data: 'me' }).acquire()
    expect(lease.path).toMatch(/^\/locks\/k\/[0-9a-f]{32}__lock__\d{10}$/)
    expect(new TextDecoder().decode((await observer.getData(lease.path)).data)).toBe('me')
    await lease.release()
  })

  it('keeps 20 sessions mutually exclusive over an unsafe read-modify-write, 5 rounds each', async () => {
    const clients = await sessions(server, 20)
    await observer.create('/shared', '0')
    let inside = 0
    let maxInside = 0
    const worker = async (zk: ZooKeeperClient): Promise<void> => {
      const lock = new Lock(zk, '/locks/counter')
      for (let round = 0; round < 5; round++) {
        const lease = await lock.acquire()
        maxInside = Math.max(maxInside, ++inside)
        const value = Number(new TextDecoder().decode((await zk.getData('/shared')).data))
        await flush(1) // give every other session a chance to run inside the critical section
        await zk.setData('/shared', String(value + 1))
        inside--
        await lease.release()
      }
    }
    await Promise.all(clients.map(worker))
    expect(maxInside).toBe(1)
    expect(new TextDecoder().decode((await observer.getData('/shared')).data)).toBe('100')
  })

  it('serves waiters first come, first served (in the order of their sequence numbers)', async () => {
    const clients = await sessions(server, 12)
    const holder = await new Lock(observer, '/locks/fifo').acquire()
    const order: number[] = []
    const waiters = clients.map(async (zk, i) => {
      await flush(i % 3) // arrive in a scrambled order
      const lease = await new Lock(zk, '/locks/fifo').acquire()
      order.push(sequence(lease.path))
      await lease.release()
    })
    await flush()
    await holder.release()
    await Promise.all(waiters)
    expect(order).toHaveLength(12)
    expect(order).toEqual([...order].sort((a, b) => a - b))
  })

  it('wakes only the next waiter on release: one getChildren among ten waiters (no herd effect)', async () => {
    const holder = await new Lock(observer, '/locks/herd').acquire()
    const spies = (await sessions(server, 10)).map((zk) => lossy(zk))
    const leases = spies.map((spy) => new Lock(spy.client, '/locks/herd').acquire())
    await flush()
    const before = spies.map((spy) => spy.calls.get('getChildren') ?? 0)
    await holder.release()
    const first = await Promise.race(leases)
    await flush()
    const after = spies.map((spy) => spy.calls.get('getChildren') ?? 0)
    expect(after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0)).toBe(1)
    await first.release()
    for (const lease of leases) await (await lease).release()
  })

  it('tryAcquire takes a free lock and declines a held one, leaving no node behind', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const lease = await new Lock(observer, '/locks/try').tryAcquire()
    expect(lease?.held).toBe(true)
    expect(await new Lock(other, '/locks/try').tryAcquire()).toBeUndefined()
    expect(await observer.getChildren('/locks/try')).toHaveLength(1)
    await lease?.release()
  })

  it('rejects acquire with the abort reason and deletes its node when the signal aborts', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const holder = await new Lock(observer, '/locks/abort').acquire()
    const controller = new AbortController()
    const waiting = new Lock(other, '/locks/abort').acquire(controller.signal)
    await flush()
    expect(await observer.getChildren('/locks/abort')).toHaveLength(2)
    controller.abort(new Error('gave up'))
    await expect(waiting).rejects.toThrow('gave up')
    expect(await observer.getChildren('/locks/abort')).toEqual([holder.path.slice('/locks/abort/'.length)])
  })

  it('rejects at once with an already aborted signal and creates nothing', async () => {
    await expect(new Lock(observer, '/locks/pre').acquire(AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' })
    expect(await observer.exists('/locks/pre')).toBeNull()
  })

  it('hands the lock to the next waiter when the holder session expires, and aborts the holder lease', async () => {
    const doomed = await server.connect({ sessionTimeoutMs: shortSessionMs })
    const lease = await new Lock(doomed, '/locks/expiry').acquire()
    const waiting = new Lock(observer, '/locks/expiry').acquire()
    expect(await settled(waiting)).toBe(false)
    await expire(clock, doomed)
    expect(lease.signal.aborted).toBe(true)
    expect(lease.signal.reason).toMatchObject({ code: 'SESSIONEXPIRED' })
    expect(lease.held).toBe(false)
    const next = await waiting
    expect(next.held).toBe(true)
  })

  it('rejects a waiter with SESSIONEXPIRED when its own session expires', async () => {
    const holder = await new Lock(observer, '/locks/waiter-expiry').acquire()
    const doomed = await server.connect({ sessionTimeoutMs: shortSessionMs })
    const waiting = outcome(new Lock(doomed, '/locks/waiter-expiry').acquire())
    await flush()
    await expire(clock, doomed)
    expect(await waiting).toMatchObject({ error: { code: 'SESSIONEXPIRED' } })
    expect(holder.held).toBe(true)
  })

  it('hands the lock on when the holder client closes, and tells the holder', async () => {
    const [closing] = (await sessions(server, 1)) as [ZooKeeperClient]
    const lease = await new Lock(closing, '/locks/close').acquire()
    const waiting = new Lock(observer, '/locks/close').acquire()
    await closing.close()
    expect((await waiting).held).toBe(true)
    await flush()
    expect(lease.signal.aborted).toBe(true)
  })

  it('aborts every lease and rejects every waiter when the server the sessions talk to closes', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const lease = await new Lock(observer, '/locks/server-down').acquire()
    const waiting = outcome(new Lock(other, '/locks/server-down').acquire())
    await flush()
    await server.close()
    await flush()
    expect(lease.signal.aborted).toBe(true)
    expect(await waiting).toMatchObject({ error: { code: 'SESSIONEXPIRED' } })
  })

  it('aborts the lease when somebody deletes the lock node', async () => {
    const lease = await new Lock(observer, '/locks/deleted').acquire()
    const [admin] = (await sessions(server, 1)) as [ZooKeeperClient]
    await admin.delete(lease.path)
    await flush()
    expect(lease.signal.reason).toMatchObject({ code: 'NONODE' })
  })

  it('finds its own node after a lost create reply instead of creating a second one (protected mode)', async () => {
    const spy = lossy(observer)
    spy.loseReply('create')
    const lease = await new Lock(spy.client, '/locks/protected').acquire()
    expect(await observer.getChildren('/locks/protected')).toEqual([lease.path.slice('/locks/protected/'.length)])
    await lease.release()
    expect(await observer.getChildren('/locks/protected')).toEqual([])
  })

  it('keeps waiting through a dropped connection and acquires after reconnecting with its session', async () => {
    const holder = await new Lock(observer, '/locks/reconnect').acquire()
    const moving = await Reconnectable.open(server)
    const waiting = new Lock(moving.client, '/locks/reconnect').acquire()
    await flush()
    moving.drop()
    await holder.release() // the waiter's watch is lost with the connection
    expect(await settled(waiting)).toBe(false)
    await moving.reconnect()
    expect((await waiting).held).toBe(true)
  })

  it('keeps the lease through a reconnect, and loses it when the session expires before the reconnect', async () => {
    const moving = await Reconnectable.open(server, shortSessionMs)
    const lease = await new Lock(moving.client, '/locks/moving').acquire()
    moving.drop()
    await moving.reconnect()
    await flush()
    expect(lease.held).toBe(true)
    const waiting = new Lock(observer, '/locks/moving').acquire()
    moving.drop()
    clock.advance(shortSessionMs + 200)
    expect((await waiting).held).toBe(true)
    await moving.reconnect()
    await flush()
    expect(lease.signal.reason).toMatchObject({ code: 'SESSIONEXPIRED' })
  })

  it('lists participants in lock order', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const first = await new Lock(observer, '/locks/p').acquire()
    const second = new Lock(other, '/locks/p').acquire()
    await flush()
    const list = await new Lock(observer, '/locks/p').participants()
    expect(list[0]).toBe(first.path)
    expect(list).toHaveLength(2)
    await first.release()
    const leases: Lease[] = [await second]
    expect(await new Lock(observer, '/locks/p').participants()).toEqual([leases[0]?.path])
  })
})
