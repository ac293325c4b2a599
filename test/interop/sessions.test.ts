// Method: node-zookeeper-client sessions go through a loopback TCP proxy the test cuts or freezes, so expiry and reconnection happen for real, against each target.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { defaultSettings, hookTimeoutMs, targets, type RunningServer } from './harness/targets.js'
import { connectNzk, zookeeper, type NzkClient, type WatchEvent } from './harness/nzk.js'
import { TcpProxy } from './harness/proxy.js'
import { EventQueue } from './harness/wait.js'

const { CreateMode } = zookeeper

describe.each(targets)('$name: sessions through node-zookeeper-client', (target) => {
  let server: RunningServer
  let observer: NzkClient
  const cleanup: Array<() => Promise<void> | void> = []

  beforeAll(async () => {
    server = await target.start(defaultSettings)
    observer = await connectNzk(server.connectString)
  }, hookTimeoutMs)

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
  })

  afterAll(async () => {
    await observer?.close()
    await server?.stop()
  }, hookTimeoutMs)

  async function proxied(sessionTimeoutMs: number): Promise<{ proxy: TcpProxy; client: NzkClient }> {
    const proxy = await TcpProxy.start(server.port)
    cleanup.push(() => proxy.close())
    const client = await connectNzk(proxy.connectString, { sessionTimeoutMs })
    cleanup.push(() => client.raw.close())
    return { proxy, client }
  }

  it('grants the requested session timeout clamped to [minSessionTimeout, maxSessionTimeout]', async () => {
    for (const [requested, granted] of [
      [100, defaultSettings.minSessionTimeoutMs],
      [3_000, 3_000],
      [60_000, defaultSettings.maxSessionTimeoutMs],
    ] as const) {
      const client = await connectNzk(server.connectString, { sessionTimeoutMs: requested })
      expect(client.sessionTimeoutMs).toBe(granted)
      await client.close()
    }
  })

  it('reconnects a dropped connection to the same session, keeping its ephemerals and its watches', async () => {
    const { proxy, client } = await proxied(4_000)
    const sessionId = client.sessionIdHex
    await client.create('/s-keep', '', CreateMode.EPHEMERAL)
    await observer.create('/s-watched', 'v0')
    const events = new EventQueue<WatchEvent>('the restored data watch')
    await client.getData('/s-watched', events.push)

    const reconnected = client.nextState('SYNC_CONNECTED')
    proxy.cut()
    await reconnected
    expect(client.states).toContain('DISCONNECTED')
    expect(client.sessionIdHex).toBe(sessionId)
    expect((await observer.exists('/s-keep'))?.ephemeralOwner.toString('hex')).toBe(sessionId)

    await observer.setData('/s-watched', 'v1')
    expect(await events.next()).toEqual({ type: 'NODE_DATA_CHANGED', path: '/s-watched' })
  })

  it('fires on reconnect a watch whose node changed while the client was cut off', async () => {
    const { proxy, client } = await proxied(4_000)
    await observer.create('/s-missed', 'v0')
    const events = new EventQueue<WatchEvent>('the missed data change')
    await client.getData('/s-missed', events.push)
    proxy.freeze()
    await observer.setData('/s-missed', 'v1')
    const reconnected = client.nextState('SYNC_CONNECTED')
    proxy.thaw()
    await reconnected
    expect(await events.next()).toEqual({ type: 'NODE_DATA_CHANGED', path: '/s-missed' })
  })

  it('lets another client resume a session with its id and password, ephemerals included', async () => {
    const { proxy, client } = await proxied(4_000)
    await client.create('/s-moved', 'e', CreateMode.EPHEMERAL)
    proxy.freeze()
    const resumed = await connectNzk(server.connectString, {
      sessionTimeoutMs: 4_000,
      sessionId: client.sessionId,
      sessionPassword: client.sessionPassword,
    })
    cleanup.push(() => resumed.raw.close())
    expect(resumed.sessionIdHex).toBe(client.sessionIdHex)
    expect((await resumed.getData('/s-moved')).stat.ephemeralOwner.toString('hex')).toBe(client.sessionIdHex)

    const deleted = new EventQueue<WatchEvent>('the ephemeral to go with its session')
    await observer.exists('/s-moved', deleted.push)
    await resumed.close()
    expect(await deleted.next()).toEqual({ type: 'NODE_DELETED', path: '/s-moved' })
  })

  it('answers a resume with the wrong password as an expired session and leaves the session alive', async () => {
    const owner = await connectNzk(server.connectString, { sessionTimeoutMs: 4_000 })
    cleanup.push(() => owner.close())
    await owner.create('/s-owned', '', CreateMode.EPHEMERAL)
    const wrongPassword = Buffer.from(owner.sessionPassword)
    wrongPassword[0] = (wrongPassword[0] ?? 0) ^ 0xff
    const intruder = await connectNzk(server.connectString, {
      sessionTimeoutMs: 4_000,
      sessionId: owner.sessionId,
      sessionPassword: wrongPassword,
      expectExpired: true,
    })
    cleanup.push(() => intruder.raw.close())
    expect(intruder.states).toContain('EXPIRED')
    // Apache ZooKeeper drops the owner's connection before it checks the password; the owner
    // reconnects, and its session and ephemerals live on either way.
    expect((await observer.exists('/s-owned'))?.ephemeralOwner.toString('hex')).toBe(owner.sessionIdHex)
  })

  it('expires a silent session: its ephemerals go, watchers see NODE_DELETED, and the client learns EXPIRED', async () => {
    const { proxy, client } = await proxied(1_000)
    expect(client.sessionTimeoutMs).toBe(1_000)
    await observer.create('/s-expiry-parent')
    await client.create('/s-expiring', '', CreateMode.EPHEMERAL)
    await client.create('/s-expiry-parent/eph', '', CreateMode.EPHEMERAL)
    const deleted = new EventQueue<WatchEvent>('the expired session’s ephemerals to go', 15_000)
    await observer.exists('/s-expiring', deleted.push)
    await observer.getChildren('/s-expiry-parent', deleted.push)
    const started = Date.now()
    proxy.freeze()
    const events = [await deleted.next(), await deleted.next()]
    expect(events).toContainEqual({ type: 'NODE_DELETED', path: '/s-expiring' })
    expect(events).toContainEqual({ type: 'NODE_CHILDREN_CHANGED', path: '/s-expiry-parent' })
    // ZooKeeper expires a session between its timeout and its timeout plus one tick bucket.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000 - defaultSettings.tickTimeMs)
    const expired = client.nextState('EXPIRED')
    proxy.thaw()
    await expired
  })
})
