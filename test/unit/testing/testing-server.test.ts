// Method: TestingServer on its default virtual clock (and on the real one where stated); the
// faults it injects are observed through ordinary in-process clients (TCP ones are covered in
// test/integration/client/sessions.test.ts).
import { describe, expect, it } from 'vitest'
import { CreateMode, VirtualClock, type WatchedEvent } from '../../../lib/index.js'
import { TestingServer } from '../../../lib/testing/index.js'

describe('TestingServer', () => {
  it('starts in memory on a virtual clock with no port, in milliseconds', async () => {
    const started = performance.now()
    await using zookeeper = await TestingServer.start()
    expect(performance.now() - started).toBeLessThan(500)
    expect(zookeeper.clock).toBeInstanceOf(VirtualClock)
    expect(zookeeper.clock.now()).toBe(1_700_000_000_000)
    expect(() => zookeeper.connectString).toThrow(/start it with \{ port: 0 \}/)
    const zk = await zookeeper.connect()
    expect(await zk.getChildren('/')).toEqual(['zookeeper'])
  })

  it('expires TTL nodes and containers when the clock is advanced', async () => {
    await using zookeeper = await TestingServer.start({ containerCheckIntervalMs: 1_000 })
    const zk = await zookeeper.connect()
    await zk.create('/ttl', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 5_000 })
    await zookeeper.advance(4_000)
    expect(await zk.exists('/ttl')).not.toBeNull()
    await zookeeper.advance(2_000)
    expect(await zk.exists('/ttl')).toBeNull()
  })

  it('expires one session on request: ephemerals go, watchers fire, the client sees expired', async () => {
    await using zookeeper = await TestingServer.start()
    const doomed = await zookeeper.connect()
    const observer = await zookeeper.connect()
    await doomed.create('/lock', '', { mode: CreateMode.EPHEMERAL })
    const events: WatchedEvent[] = []
    await observer.exists('/lock', { watch: (e) => events.push(e) })
    await zookeeper.expireSession(doomed)
    expect(doomed.state).toBe('Expired')
    expect(observer.state).toBe('SyncConnected')
    expect(await observer.exists('/lock')).toBeNull()
    expect(events).toMatchObject([{ type: 'NodeDeleted', path: '/lock' }])
  })

  it('refuses advance() on a real clock and dropConnection() on an in-process client', async () => {
    await using zookeeper = await TestingServer.start({ clock: 'real' })
    await expect(zookeeper.advance(1)).rejects.toThrow(/virtual clock/)
    await expect(zookeeper.dropConnection(await zookeeper.connect())).rejects.toThrow(/TCP client/)
  })

  it('keeps the data across restart() when durable, and starts empty when not', async () => {
    await using durable = await TestingServer.start({ durable: true })
    await (await durable.connect()).create('/kept', 'v')
    await durable.restart()
    expect((await (await durable.connect()).getString('/kept')).data).toBe('v')

    await using volatile = await TestingServer.start()
    await (await volatile.connect()).create('/lost')
    await volatile.restart()
    expect(await (await volatile.connect()).exists('/lost')).toBeNull()
  })
})
