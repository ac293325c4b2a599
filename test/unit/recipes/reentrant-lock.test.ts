// Method: in-process sessions on a virtual clock use re-entrant and revocable Locks, a
// SemaphoreMutex and a MultiLock; the znodes each leaves are read back with a plain client.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { attemptRevoke, curatorRevokeMessage, Lock, MultiLock, SemaphoreMutex } from '../../../lib/recipes/index.js'
import { flush, outcome, sessions, settled, startServer, type Server, type ZooKeeperClient } from './helpers.js'

let server: Server
let observer: ZooKeeperClient

beforeEach(async () => {
  ;({ server } = await startServer())
  ;[observer] = (await sessions(server, 1)) as [ZooKeeperClient]
})
afterEach(async () => {
  await server.close()
})

describe('Lock (reentrant)', () => {
  it('re-enters on the same node with a count, as InterProcessMutex, and deletes it only at count 0', async () => {
    const lock = new Lock(observer, '/locks/re', { reentrant: true })
    const outer = await lock.acquire()
    const inner = await lock.acquire()
    const third = await lock.tryAcquire()
    expect(inner.path).toBe(outer.path)
    expect(third?.path).toBe(outer.path)
    expect(lock.holdCount).toBe(3)
    expect(await observer.getChildren('/locks/re')).toHaveLength(1)
    await inner.release()
    await inner.release() // idempotent: counts once
    await third?.release()
    expect(lock.holdCount).toBe(1)
    expect(outer.held).toBe(true)
    expect(await observer.getChildren('/locks/re')).toHaveLength(1)
    await outer.release()
    expect(lock.holdCount).toBe(0)
    expect(await observer.getChildren('/locks/re')).toEqual([])
  })

  it('lets concurrent acquires of one holder share the first node instead of queueing behind it', async () => {
    const lock = new Lock(observer, '/locks/re-concurrent', { reentrant: true })
    const [a, b] = await Promise.all([lock.acquire(), lock.acquire()])
    expect(a.path).toBe(b.path)
    expect(lock.holdCount).toBe(2)
    await Promise.all([a.release(), b.release()])
    expect(await observer.getChildren('/locks/re-concurrent')).toEqual([])
  })

  it('still excludes another holder while re-entered, and lets it in after the last release', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const lock = new Lock(observer, '/locks/re-x', { reentrant: true })
    const first = await lock.acquire()
    const second = await lock.acquire()
    const waiting = new Lock(other, '/locks/re-x', { reentrant: true }).acquire()
    await first.release()
    expect(await settled(waiting)).toBe(false)
    await second.release()
    const theirs = await waiting
    expect(theirs.path).not.toBe(first.path)
    await theirs.release()
  })

  it('keeps two non-reentrant acquires on one Lock object separate contenders, as before', async () => {
    const lock = new Lock(observer, '/locks/not-re')
    const first = await lock.acquire()
    expect(await lock.tryAcquire()).toBeUndefined()
    const second = lock.acquire()
    expect(await settled(second)).toBe(false)
    await first.release()
    await (await second).release()
  })

  it('takes a new node after the held one is lost, instead of re-entering a lost hold', async () => {
    const lock = new Lock(observer, '/locks/re-lost', { reentrant: true })
    const first = await lock.acquire()
    await observer.delete(first.path)
    await flush()
    expect(first.held).toBe(false)
    const again = await lock.acquire()
    expect(again.path).not.toBe(first.path)
    expect(lock.holdCount).toBe(1)
    await again.release()
  })

  it('stops a waiting re-entrant acquire on abort while the holder\'s first acquire is pending', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const blocker = await new Lock(other, '/locks/re-abort').acquire()
    const lock = new Lock(observer, '/locks/re-abort', { reentrant: true })
    const first = outcome(lock.acquire())
    const controller = new AbortController()
    const second = outcome(lock.acquire(controller.signal))
    await flush()
    controller.abort(new Error('enough'))
    expect(await second).toMatchObject({ error: { message: 'enough' } })
    await blocker.release()
    const got = await first
    expect('value' in got && got.value.held).toBe(true)
    if ('value' in got) await got.value.release()
  })
})

describe('Lock (revocable)', () => {
  it('calls the revocation listener when another client writes Curator\'s __REVOKE__ to the held node', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const requests: string[] = []
    const lock = new Lock(observer, '/locks/rev', { data: 'ignored', onRevocationRequested: (path) => requests.push(path) })
    const lease = await lock.acquire()
    expect((await observer.getData(lease.path)).data).toEqual(new Uint8Array()) // a revocable node starts empty, as Curator's
    await other.setData(lease.path, 'not a revoke')
    await flush()
    expect(requests).toEqual([])
    await attemptRevoke(other, lease.path)
    await flush()
    expect(requests).toEqual([lease.path])
    expect((await observer.getData(lease.path)).data).toEqual(curatorRevokeMessage)
    expect(lease.held).toBe(true) // revocation is cooperative
    await lease.release()
    await attemptRevoke(other, lease.path) // a released node is no error
  })

  it('hands the lock over when the listener releases on request', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    let held: { release(): Promise<void> } | undefined
    const lock = new Lock(observer, '/locks/rev-handover', { onRevocationRequested: () => void held?.release() })
    held = await lock.acquire()
    const theirs = new Lock(other, '/locks/rev-handover').acquire()
    expect(await settled(theirs)).toBe(false)
    const [holderNode] = await lock.participants()
    await attemptRevoke(other, holderNode as string)
    await (await theirs).release()
  })

  it('encodes the revoke message as Curator\'s LockInternals.REVOKE_MESSAGE: the ASCII bytes of __REVOKE__', () => {
    expect([...curatorRevokeMessage]).toEqual([95, 95, 82, 69, 86, 79, 75, 69, 95, 95])
  })
})

describe('SemaphoreMutex', () => {
  it('lays out InterProcessSemaphoreMutex: a lease under <path>/leases, the turn lock under <path>/locks', async () => {
    const lease = await new SemaphoreMutex(observer, '/smutex/a').acquire()
    expect(lease.path).toMatch(/^\/smutex\/a\/leases\/_c_[0-9a-f-]{36}-lease-\d{10}$/)
    expect(await observer.getChildren('/smutex/a/locks')).toEqual([])
    await lease.release()
  })

  it('is not re-entrant: a second acquire waits, and tryAcquire declines while held', async () => {
    const mutex = new SemaphoreMutex(observer, '/smutex/b')
    const first = await mutex.acquire()
    expect(await mutex.tryAcquire()).toBeUndefined()
    expect(await observer.getChildren('/smutex/b/leases')).toEqual([first.path.slice('/smutex/b/leases/'.length)])
    const second = mutex.acquire()
    expect(await settled(second)).toBe(false)
    await first.release()
    await (await second).release()
    expect(await observer.getChildren('/smutex/b/leases')).toEqual([])
  })

  it('keeps 8 sessions mutually exclusive, 3 rounds each', async () => {
    const clients = await sessions(server, 8)
    let inside = 0
    let maxInside = 0
    await Promise.all(
      clients.map(async (zk) => {
        const mutex = new SemaphoreMutex(zk, '/smutex/many')
        for (let round = 0; round < 3; round++) {
          const lease = await mutex.acquire()
          maxInside = Math.max(maxInside, ++inside)
          await flush(1)
          inside--
          await lease.release()
        }
      }),
    )
    expect(maxInside).toBe(1)
  })
})

describe('MultiLock', () => {
  it('holds every lock at once and releases them all', async () => {
    const multi = new MultiLock(observer, ['/multi/a', new SemaphoreMutex(observer, '/multi/b')])
    const lease = await multi.acquire()
    expect(await observer.getChildren('/multi/a')).toHaveLength(1)
    expect(await observer.getChildren('/multi/b/leases')).toHaveLength(1)
    expect(lease.held).toBe(true)
    await lease.release()
    expect(await observer.getChildren('/multi/a')).toEqual([])
    expect(await observer.getChildren('/multi/b/leases')).toEqual([])
  })

  it('takes none when one is busy: tryAcquire gives back what it took', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const busy = await new Lock(other, '/multi/busy').acquire()
    expect(await new MultiLock(observer, ['/multi/free', '/multi/busy']).tryAcquire()).toBeUndefined()
    expect(await observer.getChildren('/multi/free')).toEqual([])
    await busy.release()
  })

  it('releases the locks it took when acquire is aborted waiting for a later one', async () => {
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    const busy = await new Lock(other, '/multi/later').acquire()
    const controller = new AbortController()
    const taking = outcome(new MultiLock(observer, ['/multi/first', '/multi/later']).acquire(controller.signal))
    await flush()
    expect(await observer.getChildren('/multi/first')).toHaveLength(1)
    controller.abort(new Error('stop'))
    expect(await taking).toMatchObject({ error: { message: 'stop' } })
    expect(await observer.getChildren('/multi/first')).toEqual([])
    await busy.release()
  })

  it('aborts its signal when any part is lost', async () => {
    const lease = await new MultiLock(observer, ['/multi/x', '/multi/y']).acquire()
    const [node] = await observer.getChildren('/multi/y')
    await observer.delete(`/multi/y/${node}`)
    await flush()
    expect(lease.signal.aborted).toBe(true)
    expect(lease.held).toBe(false)
    await lease.release()
  })
})
