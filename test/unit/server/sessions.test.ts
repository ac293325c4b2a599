// Method: move a virtual clock to expire sessions, TTL nodes and containers, and check what the
// other sessions see (ephemerals gone, watches fired) without any real waiting.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CreateMode, type VirtualClock, type WatchedEvent, type ZooKeeperClient } from '../../../lib/index.js'
import { flush, startServer, type Server } from './helpers.js'

let server: Server
let clock: VirtualClock
let observer: ZooKeeperClient

beforeEach(async () => {
  ;({ server, clock } = await startServer({ tickTimeMs: 100, containerCheckIntervalMs: 1000, maxSessionTimeoutMs: 600_000 }))
  observer = await server.connect({ sessionTimeoutMs: 60_000 })
})
afterEach(async () => {
  await server.close()
})

describe('sessions', () => {
  it('negotiates the timeout into [2, 20] x tickTime by default', async () => {
    const { server: plain } = await startServer({ tickTimeMs: 100 })
    expect((await plain.connect({ sessionTimeoutMs: 1 })).sessionTimeoutMs).toBe(200)
    expect((await plain.connect({ sessionTimeoutMs: 999_999 })).sessionTimeoutMs).toBe(2000)
    expect((await plain.connect({ sessionTimeoutMs: 1500 })).sessionTimeoutMs).toBe(1500)
    await plain.close()
  })

  it('expires an idle session within a tick of its timeout, removing its ephemerals and firing watches', async () => {
    const doomed = await server.connect({ sessionTimeoutMs: 1000 })
    const states: string[] = []
    doomed.onStateChange((e) => states.push(e.state))
    await doomed.create('/eph', '', { mode: CreateMode.EPHEMERAL })
    const events: string[] = []
    await observer.exists('/eph', { watch: (e) => events.push(`${e.type} ${e.path}`) })
    clock.advance(1000 - 1)
    expect(await observer.exists('/eph')).not.toBeNull()
    // Expiry is bucketed: at most one tick (100 ms) after the timeout.
    clock.advance(101)
    await flush()
    expect(await observer.exists('/eph')).toBeNull()
    expect(events).toEqual(['NodeDeleted /eph'])
    expect(states).toEqual(['Expired'])
    expect(doomed.state).toBe('Expired')
    await expect(doomed.getData('/')).rejects.toMatchObject({ code: 'SESSIONEXPIRED' })
  })

  it('keeps a session alive while it is used', async () => {
    const busy = await server.connect({ sessionTimeoutMs: 1000 })
    await busy.create('/eph', '', { mode: CreateMode.EPHEMERAL })
    for (let i = 0; i < 10; i++) {
      clock.advance(500)
      await busy.exists('/')
    }
    expect(await observer.exists('/eph')).not.toBeNull()
  })

  it('removes ephemerals at once on close', async () => {
    const client = await server.connect()
    await client.create('/e1', '', { mode: CreateMode.EPHEMERAL })
    await client.create('/e2', '', { mode: CreateMode.EPHEMERAL_SEQUENTIAL })
    const before = server.sessionCount
    await client.close()
    expect(await observer.getChildren('/')).toEqual(['zookeeper'])
    expect(server.sessionCount).toBe(before - 1)
    expect(client.state).toBe('Closed')
  })

  it('resumes a session with its id and password, keeping its ephemerals', async () => {
    const first = await server.connect()
    await first.create('/mine', '', { mode: CreateMode.EPHEMERAL })
    const again = await server.connect({ sessionId: first.sessionId, sessionPasswd: first.sessionPasswd })
    expect(again.sessionId).toBe(first.sessionId)
    expect(await again.getEphemerals()).toEqual(['/mine'])
    // The old connection lost the session to the new one.
    expect(first.state).toBe('Disconnected')
  })

  it('refuses a wrong password or an unknown session with SESSIONEXPIRED', async () => {
    const first = await server.connect()
    await expect(server.connect({ sessionId: first.sessionId, sessionPasswd: new Uint8Array(16) })).rejects.toMatchObject({ code: 'SESSIONEXPIRED' })
    await expect(server.connect({ sessionId: 12345n, sessionPasswd: new Uint8Array(16) })).rejects.toMatchObject({ code: 'SESSIONEXPIRED' })
  })

  it('gives each session a distinct id with the server id in the top byte', async () => {
    const { server: five } = await startServer({ myid: 5 })
    const a = await five.connect()
    const b = await five.connect()
    expect(a.sessionId).not.toBe(b.sessionId)
    expect(a.sessionId >> 56n).toBe(5n)
    await five.close()
  })
})

describe('containers and TTL nodes', () => {
  it('removes a container once its last child is gone, at the next check', async () => {
    await observer.create('/c', '', { mode: CreateMode.CONTAINER })
    await observer.create('/c/child')
    clock.advance(1000)
    expect(await observer.exists('/c')).not.toBeNull()
    await observer.delete('/c/child')
    clock.advance(1000)
    expect(await observer.exists('/c')).toBeNull()
  })

  it('keeps a container that never had a child', async () => {
    await observer.create('/fresh', '', { mode: CreateMode.CONTAINER })
    clock.advance(10_000)
    expect(await observer.exists('/fresh')).not.toBeNull()
  })

  it('removes a TTL node unmodified for its TTL and childless, and fires its watches', async () => {
    await observer.create('/t', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 1500 })
    const events: WatchedEvent[] = []
    await observer.exists('/t', { watch: (e) => events.push(e) })
    clock.advance(1000)
    expect(await observer.exists('/t')).not.toBeNull()
    await observer.setData('/t', 'touch')
    clock.advance(1000)
    expect(await observer.exists('/t', { watch: (e) => events.push(e) })).not.toBeNull()
    clock.advance(1000)
    await flush()
    expect(await observer.exists('/t')).toBeNull()
    expect(events.map((e) => e.type)).toEqual(['NodeDataChanged', 'NodeDeleted'])
  })

  it('keeps a TTL node that has children', async () => {
    await observer.create('/t', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 100 })
    await observer.create('/t/c')
    clock.advance(5000)
    expect(await observer.exists('/t')).not.toBeNull()
  })
})
