// Method: Paddock's own TCP client (lib/client/tcp.ts) runs its main operations against each
// target (Apache ZooKeeper proves the expectations, then Paddock must meet them); a loopback proxy
// the test cuts and freezes makes reconnects and expiry real.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connect, CreateMode, type TcpClientOptions, type WatchedEvent, type ZooKeeperClient } from '../../lib/index.js'
import { nextSessionEvent } from '../../lib/testing/index.js'
import { defaultSettings, hookTimeoutMs, targets, type RunningServer } from './harness/targets.js'
import { TcpProxy } from './harness/proxy.js'

function watchPromise(): { watch: (e: WatchedEvent) => void; event: Promise<WatchedEvent> } {
  let watch!: (e: WatchedEvent) => void
  const event = new Promise<WatchedEvent>((resolve) => {
    watch = resolve
  })
  return { watch, event }
}

describe.each(targets)('$name: the Paddock TCP client', (target) => {
  let server: RunningServer
  let observer: ZooKeeperClient
  const cleanup: Array<() => Promise<unknown> | void> = []

  async function client(suffix = '', options: TcpClientOptions = {}, connectString = server.connectString): Promise<ZooKeeperClient> {
    const zk = await connect(connectString + suffix, { reconnectDelayMs: 50, ...options })
    cleanup.push(() => zk.close())
    return zk
  }

  beforeAll(async () => {
    server = await target.start(defaultSettings)
    observer = await connect(server.connectString)
  }, hookTimeoutMs)
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
  })
  afterAll(async () => {
    await observer?.close()
    await server?.stop()
  }, hookTimeoutMs)

  it('negotiates the session timeout into [minSessionTimeout, maxSessionTimeout]', async () => {
    expect((await client('', { sessionTimeoutMs: 100 })).sessionTimeoutMs).toBe(defaultSettings.minSessionTimeoutMs)
    expect((await client('', { sessionTimeoutMs: 3_000 })).sessionTimeoutMs).toBe(3_000)
    expect((await client('', { sessionTimeoutMs: 600_000 })).sessionTimeoutMs).toBe(defaultSettings.maxSessionTimeoutMs)
  })

  it('creates, reads, updates and deletes znodes, with the errors ZooKeeper gives', async () => {
    const zk = await client()
    const created = await zk.createWithStat('/pc-crud', 'v0')
    expect(created).toMatchObject({ path: '/pc-crud', stat: { version: 0, dataLength: 2 } })
    expect(await zk.getString('/pc-crud')).toMatchObject({ data: 'v0', stat: created.stat })
    expect(await zk.setData('/pc-crud', 'v1', 0)).toMatchObject({ version: 1 })
    await expect(zk.setData('/pc-crud', 'v2', 0)).rejects.toMatchObject({ code: 'BADVERSION' })
    await expect(zk.create('/pc-crud')).rejects.toMatchObject({ code: 'NODEEXISTS' })
    await expect(zk.getData('/pc-missing')).rejects.toMatchObject({ code: 'NONODE' })
    expect(await zk.exists('/pc-missing')).toBeNull()
    await zk.create('/pc-crud/a')
    expect(await zk.getChildrenWithStat('/pc-crud')).toMatchObject({ children: ['a'], stat: { numChildren: 1 } })
    expect(await zk.getAllChildrenNumber('/pc-crud')).toBe(1)
    await expect(zk.delete('/pc-crud')).rejects.toMatchObject({ code: 'NOTEMPTY' })
    await zk.transaction().delete('/pc-crud/a').delete('/pc-crud').commit()
    expect(await observer.exists('/pc-crud')).toBeNull()
  })

  it('creates ephemeral, sequential, container and TTL nodes', async () => {
    const zk = await client()
    await zk.create('/pc-modes')
    expect(await zk.create('/pc-modes/e', '', { mode: CreateMode.EPHEMERAL })).toBe('/pc-modes/e')
    expect(await zk.create('/pc-modes/s-', '', { mode: CreateMode.EPHEMERAL_SEQUENTIAL })).toMatch(/^\/pc-modes\/s-\d{10}$/)
    expect(await zk.create('/pc-modes/c', '', { mode: CreateMode.CONTAINER })).toBe('/pc-modes/c')
    expect(await zk.create('/pc-modes/t', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 60_000 })).toBe('/pc-modes/t')
    expect((await zk.getEphemerals('/pc-modes')).sort()).toEqual(['/pc-modes/e', expect.stringMatching(/^\/pc-modes\/s-/)])
    await zk.close()
    expect((await observer.getChildren('/pc-modes')).sort()).toEqual(['c', 't'])
  })

  it('applies a transaction atomically and names the failing operation', async () => {
    const zk = await client()
    const results = await zk.transaction().create('/pc-tx', 'x').setData('/pc-tx', 'y').check('/pc-tx', 1).commit()
    expect(results.map((r) => r.op)).toEqual(['create', 'setData', 'check'])
    await expect(zk.transaction().create('/pc-tx/child').check('/pc-tx', 7).commit()).rejects.toMatchObject({ code: 'BADVERSION', path: '/pc-tx' })
    expect(await observer.exists('/pc-tx/child')).toBeNull()
  })

  it('maps a chroot both ways, watch events included', async () => {
    await observer.create('/pc-root')
    const zk = await client('/pc-root')
    expect(await zk.create('/n-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toMatch(/^\/n-\d{10}$/)
    const { watch, event } = watchPromise()
    await zk.exists('/later', { watch })
    await observer.create('/pc-root/later')
    expect(await event).toMatchObject({ type: 'NodeCreated', path: '/later' })
    expect((await zk.getChildren('/')).sort()).toEqual(['later', expect.stringMatching(/^n-/)])
  })

  it('streams recursive watch events and removes the watch when the loop ends', async () => {
    const zk = await client()
    await observer.create('/pc-stream')
    const stream = zk.watch('/pc-stream', { recursive: true })
    await stream.ready
    await observer.create('/pc-stream/a')
    await observer.setData('/pc-stream/a', 'x')
    await observer.delete('/pc-stream/a')
    const seen: string[] = []
    for await (const event of stream) {
      seen.push(`${event.type} ${event.path}`)
      if (seen.length === 3) break
    }
    await stream.closed
    expect(seen).toEqual(['NodeCreated /pc-stream/a', 'NodeDataChanged /pc-stream/a', 'NodeDeleted /pc-stream/a'])
  })

  it('authenticates with digest credentials that an ACL then requires', async () => {
    const zk = await client()
    await zk.addAuth('digest', 'carol:pw')
    expect(await zk.whoAmI()).toContainEqual({ authScheme: 'digest', user: 'carol' })
    await zk.create('/pc-acl', 'secret', { acl: [{ perms: 31, id: { scheme: 'auth', id: '' } }] })
    await expect(observer.getData('/pc-acl')).rejects.toMatchObject({ code: 'NOAUTH' })
  })

  it('resumes its session after a cut connection, re-registering watches and firing the missed event', async () => {
    const proxy = await TcpProxy.start(server.port)
    cleanup.push(() => proxy.close())
    await observer.create('/pc-resume', 'v0')
    const zk = await client('', { sessionTimeoutMs: 4_000, connectTimeoutMs: 300 }, proxy.connectString)
    await zk.addAuth('digest', 'dave:pw')
    await zk.create('/pc-resume-eph', '', { mode: CreateMode.EPHEMERAL })
    const { watch, event } = watchPromise()
    await zk.getData('/pc-resume', { watch })
    const disconnected = nextSessionEvent(zk, 'disconnected')
    proxy.freeze()
    proxy.cut()
    await disconnected
    await observer.setData('/pc-resume', 'v1')
    const reconnected = nextSessionEvent(zk, 'connected')
    proxy.thaw()
    expect(await reconnected).toMatchObject({ reconnected: true, sessionId: zk.sessionId })
    expect(await event).toMatchObject({ type: 'NodeDataChanged', path: '/pc-resume' })
    expect(await zk.getEphemerals('/pc-resume')).toEqual(['/pc-resume-eph'])
    expect(await zk.whoAmI()).toContainEqual({ authScheme: 'digest', user: 'dave' })
  })

  it('sees expired once a frozen connection outlives the session, then a new client works', async () => {
    const proxy = await TcpProxy.start(server.port)
    cleanup.push(() => proxy.close())
    const zk = await client('', { sessionTimeoutMs: 1_000, connectTimeoutMs: 300 }, proxy.connectString)
    await zk.create('/pc-expire', '', { mode: CreateMode.EPHEMERAL })
    const expired = nextSessionEvent(zk, 'expired', 20_000)
    proxy.freeze()
    const gone = watchPromise()
    await observer.exists('/pc-expire', { watch: gone.watch })
    await gone.event
    proxy.thaw()
    await expired
    expect(zk.state).toBe('Expired')
    await expect(zk.exists('/')).rejects.toMatchObject({ code: 'SESSIONEXPIRED' })
    expect(await (await client()).exists('/pc-expire')).toBeNull()
  })
})
