// Method: many in-process sessions contend for a Semaphore and a ReadWriteLock; we count how
// many are inside at once, and inject expiry and aborts on the virtual clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VirtualClock } from '../../../lib/index.js'
import { ReadWriteLock, Semaphore } from '../../../lib/recipes/index.js'
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

describe('Semaphore', () => {
  it('lets at most 3 of 15 sessions hold a lease at once, and every one gets a turn', async () => {
    const clients = await sessions(server, 15)
    let inside = 0
    let maxInside = 0
    let turns = 0
    await Promise.all(
      clients.map(async (zk) => {
        const lease = await new Semaphore(zk, '/sem/three', 3).acquire()
        maxInside = Math.max(maxInside, ++inside)
        await flush(1)
        inside--
        turns++
        await lease.release()
      }),
    )
    expect(maxInside).toBe(3)
    expect(turns).toBe(15)
  })

  it('lays leases out as Curator InterProcessSemaphoreV2: <path>/leases/_c_<uuid>-lease-<seq>', async () => {
    const lease = await new Semaphore(observer, '/sem/layout', 2).acquire()
    expect(lease.path).toMatch(/^\/sem\/layout\/leases\/_c_[0-9a-f-]{36}-lease-\d{10}$/)
    expect(await new Semaphore(observer, '/sem/layout', 2).leases()).toEqual([lease.path])
    await lease.release()
  })

  it('gives a waiting lease to the next session when a holder session expires', async () => {
    const doomed = await server.connect({ sessionTimeoutMs: shortSessionMs })
    const held = await new Semaphore(doomed, '/sem/expiry', 1).acquire()
    const waiting = new Semaphore(observer, '/sem/expiry', 1).acquire()
    expect(await settled(waiting)).toBe(false)
    await expire(clock, doomed)
    expect(held.signal.aborted).toBe(true)
    expect((await waiting).held).toBe(true)
  })

  it('rejects an aborted acquire and leaves neither a lease node nor a mutex node', async () => {
    const held = await new Semaphore(observer, '/sem/abort', 1).acquire()
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const controller = new AbortController()
    const waiting = outcome(new Semaphore(other, '/sem/abort', 1).acquire(controller.signal))
    await flush()
    controller.abort(new Error('no'))
    expect(await waiting).toMatchObject({ error: { message: 'no' } })
    expect(await observer.getChildren('/sem/abort/leases')).toEqual([held.path.slice('/sem/abort/leases/'.length)])
    expect(await observer.getChildren('/sem/abort/locks')).toEqual([])
  })

  it('finds its lease after a lost create reply instead of taking two', async () => {
    const spy = lossy(observer)
    spy.loseReply('create')
    const lease = await new Semaphore(spy.client, '/sem/lost', 2).acquire()
    expect(await observer.getChildren('/sem/lost/leases')).toHaveLength(1)
    await lease.release()
  })
})

describe('ReadWriteLock', () => {
  it('names nodes as Curator InterProcessReadWriteLock: _c_<uuid>-__READ__<seq> and -__WRIT__<seq>', async () => {
    const rw = new ReadWriteLock(observer, '/rw/names')
    const read = await rw.readLock.acquire()
    expect(read.path).toMatch(/\/_c_[0-9a-f-]{36}-__READ__\d{10}$/)
    await read.release()
    const write = await rw.writeLock.acquire()
    expect(write.path).toMatch(/\/_c_[0-9a-f-]{36}-__WRIT__\d{10}$/)
    await write.release()
  })

  it('shares among readers, excludes writers, and keeps arrival order across 12 sessions', async () => {
    const clients = await sessions(server, 12)
    let readers = 0
    let writers = 0
    let maxReaders = 0
    let violations = 0
    await Promise.all(
      clients.map(async (zk, i) => {
        const rw = new ReadWriteLock(zk, '/rw/mixed')
        const write = i % 3 === 0
        const lease = await (write ? rw.writeLock : rw.readLock).acquire()
        if (write) writers++
        else readers++
        maxReaders = Math.max(maxReaders, readers)
        if (writers > 1 || (writers === 1 && readers > 0)) violations++
        await flush(1)
        if (write) writers--
        else readers--
        await lease.release()
      }),
    )
    expect(violations).toBe(0)
    expect(maxReaders).toBeGreaterThan(1)
  })

  it('makes a reader wait for a writer ahead of it, and a writer for readers ahead of it', async () => {
    const [a, b] = (await sessions(server, 2)) as [ZooKeeperClient, ZooKeeperClient]
    const write = await new ReadWriteLock(observer, '/rw/order').writeLock.acquire()
    const read = new ReadWriteLock(a, '/rw/order').readLock.acquire()
    expect(await settled(read)).toBe(false)
    expect(await new ReadWriteLock(b, '/rw/order').readLock.tryAcquire()).toBeUndefined()
    await write.release()
    const reading = await read
    const nextWrite = new ReadWriteLock(b, '/rw/order').writeLock.acquire()
    expect(await settled(nextWrite)).toBe(false)
    await reading.release()
    expect((await nextWrite).held).toBe(true)
  })
})
