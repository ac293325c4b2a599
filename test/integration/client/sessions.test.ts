// Method: TCP clients reach Paddock directly or through a loopback proxy the test cuts or
// freezes, so disconnects, reconnects and expiry happen over real sockets; every wait is for an
// event (nextSessionEvent, a watch callback) with a bound, never a sleep standing in for one.
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { connect, CreateMode, retry, type SessionEvent, type WatchedEvent, type ZooKeeperClient } from '../../../lib/index.js'
import { nextSessionEvent, TestingServer } from '../../../lib/testing/index.js'
import { TcpProxy } from '../../interop/harness/proxy.js'

const cleanup: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function testingServer(options: Parameters<typeof TestingServer.start>[0] = {}): Promise<TestingServer> {
  const testing = await TestingServer.start({ port: 0, tickTimeMs: 100, maxSessionTimeoutMs: 60_000, ...options })
  cleanup.push(() => testing.close())
  return testing
}

async function proxyTo(testing: TestingServer): Promise<TcpProxy> {
  const proxy = await TcpProxy.start(Number(testing.connectString.split(':')[1]))
  cleanup.push(() => proxy.close())
  return proxy
}

async function tcpClient(connectString: string, options: Parameters<typeof connect>[1] = {}): Promise<ZooKeeperClient> {
  const zk = await connect(connectString, { reconnectDelayMs: 20, ...options })
  cleanup.push(() => zk.close())
  return zk
}

function recordSessionEvents(zk: ZooKeeperClient): SessionEvent['type'][] {
  const seen: SessionEvent['type'][] = []
  zk.onStateChange((e) => seen.push(e.session.type))
  return seen
}

function watchPromise(): { watch: (e: WatchedEvent) => void; event: Promise<WatchedEvent> } {
  let watch!: (e: WatchedEvent) => void
  const event = new Promise<WatchedEvent>((resolve) => {
    watch = resolve
  })
  return { watch, event }
}

describe('TCP client: reconnect', () => {
  it('resumes the same session on the same server after its socket is dropped, keeping ephemerals', async () => {
    const testing = await testingServer()
    const zk = await testing.connectTcp()
    const seen = recordSessionEvents(zk)
    const sessionId = zk.sessionId
    await zk.create('/mine', '', { mode: CreateMode.EPHEMERAL })
    const reconnected = nextSessionEvent(zk, 'connected')
    await testing.dropConnection(zk)
    expect(zk.state).toBe('Disconnected')
    expect(await reconnected).toMatchObject({ reconnected: true, sessionId })
    expect(zk.sessionId).toBe(sessionId)
    expect(await zk.getEphemerals()).toEqual(['/mine'])
    expect(seen).toEqual(['disconnected', 'connected'])
  })

  it('fails requests in flight with CONNECTIONLOSS, a transient error, when the connection drops', async () => {
    const testing = await testingServer()
    const proxy = await proxyTo(testing)
    const zk = await tcpClient(proxy.connectString, { connectTimeoutMs: 200 })
    // A frozen link holds the request, so it is in flight and never reaches the server.
    proxy.freeze()
    const inFlight = zk.create('/never')
    const disconnected = nextSessionEvent(zk, 'disconnected')
    proxy.cut()
    await expect(inFlight).rejects.toMatchObject({ code: 'CONNECTIONLOSS', transient: true })
    await disconnected
    const reconnected = nextSessionEvent(zk, 'connected')
    proxy.thaw()
    await reconnected
    expect(await zk.exists('/never')).toBeNull()
  })

  it('lets retry() carry a safe read across a reconnect', async () => {
    const testing = await testingServer()
    const proxy = await proxyTo(testing)
    const zk = await tcpClient(proxy.connectString, { connectTimeoutMs: 200 })
    const attempts: number[] = []
    const disconnected = nextSessionEvent(zk, 'disconnected')
    proxy.freeze()
    proxy.cut()
    await disconnected
    const read = retry(
      (attempt) => {
        attempts.push(attempt)
        if (attempt === 2) proxy.thaw()
        return zk.getChildren('/')
      },
      { retries: 20, backoffMs: 20, backoffMsMax: 100 },
    )
    expect(await read).toEqual(['zookeeper'])
    expect(attempts.length).toBeGreaterThanOrEqual(2)
  })

  it('re-registers watches with setWatches on reconnect and fires the events missed while away', async () => {
    const testing = await testingServer()
    const proxy = await proxyTo(testing)
    const observer = await testing.connect()
    await observer.create('/w-data', 'v0')
    await observer.create('/w-children')
    const zk = await tcpClient(proxy.connectString, { connectTimeoutMs: 200 })
    const data = watchPromise()
    const created = watchPromise()
    const children = watchPromise()
    await zk.getData('/w-data', { watch: data.watch })
    await zk.exists('/w-created', { watch: created.watch })
    await zk.getChildren('/w-children', { watch: children.watch })
    const persistent: WatchedEvent[] = []
    await zk.addWatch('/w-children', (e) => persistent.push(e), 'persistentRecursive')

    const disconnected = nextSessionEvent(zk, 'disconnected')
    proxy.freeze()
    proxy.cut()
    await disconnected
    await observer.setData('/w-data', 'v1')
    await observer.create('/w-created')
    await observer.create('/w-children/c')
    const reconnected = nextSessionEvent(zk, 'connected')
    proxy.thaw()
    await reconnected

    expect(await data.event).toMatchObject({ type: 'NodeDataChanged', path: '/w-data' })
    expect(await created.event).toMatchObject({ type: 'NodeCreated', path: '/w-created' })
    expect(await children.event).toMatchObject({ type: 'NodeChildrenChanged', path: '/w-children' })
    // The persistent watch is back on the server (setWatches2): later changes reach it.
    await observer.setData('/w-children/c', 'x')
    await zk.sync('/')
    expect(persistent).toContainEqual(expect.objectContaining({ type: 'NodeDataChanged', path: '/w-children/c' }))
  })

  it('replays addAuth credentials on the new connection', async () => {
    const testing = await testingServer()
    const zk = await testing.connectTcp()
    await zk.addAuth('digest', 'bob:pw')
    await zk.create('/bobs', '', { acl: [{ perms: 31, id: { scheme: 'auth', id: '' } }] })
    const reconnected = nextSessionEvent(zk, 'connected')
    await testing.dropConnection(zk)
    await reconnected
    expect(await zk.whoAmI()).toContainEqual({ authScheme: 'digest', user: 'bob' })
    expect((await zk.getString('/bobs')).data).toBe('')
  })

  it('detects a silent connection after readTimeout (2/3 of the session timeout) and reconnects', async () => {
    const testing = await testingServer({ clock: 'real', tickTimeMs: 50 })
    const proxy = await proxyTo(testing)
    const zk = await tcpClient(proxy.connectString, { sessionTimeoutMs: 900, connectTimeoutMs: 200 })
    const disconnected = nextSessionEvent(zk, 'disconnected', 5_000)
    const frozenAt = Date.now()
    proxy.freeze()
    const event = await disconnected
    expect(event.reason).toMatch(/readTimeout 600 ms/)
    expect(Date.now() - frozenAt).toBeLessThan(900)
    const reconnected = nextSessionEvent(zk, 'connected', 5_000)
    proxy.thaw()
    expect(await reconnected).toMatchObject({ reconnected: true })
  })

  it('keeps an idle session alive with pings at readTimeout/2 for several session timeouts', async () => {
    const testing = await testingServer({ clock: 'real', tickTimeMs: 50 })
    const zk = await testing.connectTcp({ sessionTimeoutMs: 300 })
    const seen = recordSessionEvents(zk)
    await zk.create('/idle', '', { mode: CreateMode.EPHEMERAL })
    // The measured quantity is idle time itself: five session timeouts without a request.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(seen).toEqual([])
    expect(await zk.exists('/idle')).not.toBeNull()
  })
})

describe('TCP client: hosts', () => {
  let silent: NetServer | undefined
  const held = new Set<Socket>()
  afterEach(async () => {
    for (const socket of held) socket.destroy()
    held.clear()
    const server = silent
    silent = undefined
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('skips an unreachable first host and connects to the next', async () => {
    const testing = await testingServer()
    // A port that accepted once and is closed now: connecting to it is refused.
    const closedPort = await new Promise<number>((resolve) => {
      const s = createNetServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port
        s.close(() => resolve(port))
      })
    })
    const zk = await tcpClient(`127.0.0.1:${closedPort},${testing.connectString}`, { shuffleHosts: false })
    expect(zk.state).toBe('SyncConnected')
    expect(await zk.exists('/')).not.toBeNull()
  })

  it('skips a host that accepts but never answers the handshake, after connectTimeoutMs', async () => {
    const testing = await testingServer()
    const server = createNetServer((socket) => void held.add(socket))
    silent = server
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    const silentPort = (server.address() as { port: number }).port
    const zk = await tcpClient(`127.0.0.1:${silentPort},${testing.connectString}`, { shuffleHosts: false, connectTimeoutMs: 200 })
    expect(zk.state).toBe('SyncConnected')
  })

  it('rejects connect() with CONNECTIONLOSS when no host grants a session in time', async () => {
    await expect(connect('127.0.0.1:1', { initialConnectTimeoutMs: 300, reconnectDelayMs: 20 })).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
  })
})

describe('TCP client: expiry', () => {
  it('sees expired when the server expires the session, fails requests with SESSIONEXPIRED, and a new client works', async () => {
    const testing = await testingServer()
    const observer = await testing.connect()
    const zk = await testing.connectTcp()
    const seen = recordSessionEvents(zk)
    await zk.create('/doomed', '', { mode: CreateMode.EPHEMERAL })
    const watchSaw = watchPromise()
    await zk.exists('/elsewhere', { watch: watchSaw.watch })
    await testing.expireSession(zk)
    expect(zk.state).toBe('Expired')
    expect(seen).toContain('expired')
    expect(await watchSaw.event).toMatchObject({ type: 'None', state: 'Expired' })
    await expect(zk.getData('/')).rejects.toMatchObject({ code: 'SESSIONEXPIRED', transient: false })
    expect(await observer.exists('/doomed')).toBeNull()
    const fresh = await testing.connectTcp()
    expect(fresh.sessionId).not.toBe(zk.sessionId)
    expect(await fresh.exists('/')).not.toBeNull()
  })

  it('rejects resuming a session that is gone with SESSIONEXPIRED', async () => {
    const testing = await testingServer()
    const zk = await testing.connectTcp()
    const { sessionId, sessionPasswd } = zk
    await zk.close()
    await expect(connect(testing.connectString, { sessionId, sessionPasswd })).rejects.toMatchObject({ code: 'SESSIONEXPIRED' })
  })

  it('resumes its session after a durable server restarts on the same port', async () => {
    const testing = await testingServer({ durable: true })
    const zk = await testing.connectTcp()
    await zk.create('/survives', 'yes')
    await zk.create('/eph', '', { mode: CreateMode.EPHEMERAL })
    const reconnected = nextSessionEvent(zk, 'connected')
    await testing.restart()
    expect(await reconnected).toMatchObject({ reconnected: true, sessionId: zk.sessionId })
    expect((await zk.getString('/survives')).data).toBe('yes')
    expect(await zk.getEphemerals()).toEqual(['/eph'])
  })
})
