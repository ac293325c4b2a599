// Method: Paddock serves the wire protocol on 127.0.0.1:0 (createServer({ port: 0 })); the TCP
// client talks to it over a real socket, and an in-process observer checks what the server holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createServer, CreateMode, type Server, type WatchedEvent, type ZooKeeperClient } from '../../../lib/index.js'

let server: Server
let observer: ZooKeeperClient
const opened: ZooKeeperClient[] = []

async function client(suffix = '', options: Parameters<typeof connect>[1] = {}): Promise<ZooKeeperClient> {
  const zk = await connect(server.connectString! + suffix, options)
  opened.push(zk)
  return zk
}

/** Resolves with the next event a callback receives. */
function nextEvent(): { watch: (e: WatchedEvent) => void; event: Promise<WatchedEvent> } {
  let watch!: (e: WatchedEvent) => void
  const event = new Promise<WatchedEvent>((resolve) => {
    watch = resolve
  })
  return { watch, event }
}

beforeAll(async () => {
  server = await createServer({ port: 0, tickTimeMs: 100, maxSessionTimeoutMs: 60_000 })
  observer = await server.connect()
})
afterAll(async () => {
  for (const zk of opened) await zk.close()
  await server.close()
})

describe('TCP client: operations', () => {
  it('negotiates the session timeout and reports connected with the session id', async () => {
    const zk = await client('', { sessionTimeoutMs: 999_999 })
    expect(zk.sessionTimeoutMs).toBe(60_000)
    expect(zk.state).toBe('SyncConnected')
    expect(zk.connectionState).toBe('connected')
    expect(zk.sessionPasswd).toHaveLength(16)
    expect(server.sessionCount).toBeGreaterThanOrEqual(2)
  })

  it('creates, reads, updates and deletes znodes with Stats as the server keeps them', async () => {
    const zk = await client()
    const created = await zk.createWithStat('/ops', 'v0')
    expect(created.path).toBe('/ops')
    expect((await observer.getData('/ops')).stat).toEqual(created.stat)
    expect((await zk.getString('/ops')).data).toBe('v0')
    const stat = await zk.setData('/ops', new Uint8Array([1, 2, 3]), 0)
    expect(stat.version).toBe(1)
    expect((await zk.getData('/ops')).data).toEqual(new Uint8Array([1, 2, 3]))
    await expect(zk.setData('/ops', 'x', 0)).rejects.toMatchObject({ code: 'BADVERSION', path: '/ops' })
    await zk.create('/ops/child', '', { mode: CreateMode.EPHEMERAL })
    expect(await zk.getChildrenWithStat('/ops')).toMatchObject({ children: ['child'], stat: { numChildren: 1 } })
    expect(await zk.getEphemerals()).toEqual(['/ops/child'])
    expect(await zk.getAllChildrenNumber('/ops')).toBe(1)
    await expect(zk.delete('/ops')).rejects.toMatchObject({ code: 'NOTEMPTY' })
    await zk.delete('/ops/child')
    await zk.delete('/ops', 1)
    expect(await zk.exists('/ops')).toBeNull()
  })

  it('creates sequential, container and TTL nodes through create2, createContainer and createTTL', async () => {
    const zk = await client()
    await zk.create('/modes')
    expect(await zk.create('/modes/q-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe('/modes/q-0000000000')
    expect(await zk.create('/modes/c', '', { mode: CreateMode.CONTAINER })).toBe('/modes/c')
    expect(await zk.create('/modes/t', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 60_000 })).toBe('/modes/t')
    expect((await observer.getChildren('/modes')).sort()).toEqual(['c', 'q-0000000000', 't'])
  })

  it('commits a transaction atomically and reports the failing operation when one fails', async () => {
    const zk = await client()
    const results = await zk.transaction().create('/tx').create('/tx/a', 'a').setData('/tx', 'root').check('/tx', 1).commit()
    expect(results.map((r) => r.op)).toEqual(['create', 'create', 'setData', 'check'])
    await expect(zk.transaction().delete('/tx/a').delete('/tx/missing').commit()).rejects.toMatchObject({ code: 'NONODE', path: '/tx/missing' })
    expect(await observer.exists('/tx/a')).not.toBeNull()
  })

  it('delivers a one-shot watch event before the reply to a later read', async () => {
    const zk = await client()
    await observer.create('/watched', 'v0')
    const { watch, event } = nextEvent()
    await zk.getData('/watched', { watch })
    await observer.setData('/watched', 'v1')
    const seen: string[] = []
    void event.then(() => seen.push('event'))
    await zk.getData('/watched').then(() => seen.push('read'))
    await event
    expect(seen).toEqual(['event', 'read'])
    expect(await event).toMatchObject({ type: 'NodeDataChanged', path: '/watched' })
  })

  it('streams persistent recursive watch events and removes the server watch when the loop ends', async () => {
    const zk = await client()
    await observer.create('/stream')
    const stream = zk.watch('/stream', { recursive: true })
    await stream.ready
    await observer.create('/stream/a')
    await observer.setData('/stream/a', 'x')
    const seen: string[] = []
    for await (const event of stream) {
      seen.push(`${event.type} ${event.path}`)
      if (seen.length === 2) break
    }
    await stream.closed
    expect(seen).toEqual(['NodeCreated /stream/a', 'NodeDataChanged /stream/a'])
    await expect(zk.removeWatches('/stream', 'persistentRecursive')).rejects.toMatchObject({ code: 'NOWATCHER' })
  })

  it('authenticates with addAuth and is refused by a digest ACL without it', async () => {
    const zk = await client()
    await zk.addAuth('digest', 'alice:secret')
    expect(await zk.whoAmI()).toContainEqual({ authScheme: 'digest', user: 'alice' })
    await zk.create('/private', 's', { acl: [{ perms: 31, id: { scheme: 'auth', id: '' } }] })
    await expect(observer.getData('/private')).rejects.toMatchObject({ code: 'NOAUTH' })
    expect((await zk.getString('/private')).data).toBe('s')
  })
})

describe('TCP client: chroot', () => {
  it('prefixes every path with the chroot and strips it from create results, ephemerals and watch events', async () => {
    await observer.create('/app')
    const zk = await client('/app')
    expect(await zk.create('/svc', 'x')).toBe('/svc')
    expect(await observer.getChildren('/app')).toEqual(['svc'])
    expect(await zk.create('/svc/n-', '', { mode: CreateMode.EPHEMERAL_SEQUENTIAL })).toBe('/svc/n-0000000000')
    expect(await zk.getEphemerals()).toEqual(['/svc/n-0000000000'])
    expect(await zk.getChildren('/')).toEqual(['svc'])
    const { watch, event } = nextEvent()
    await zk.exists('/svc/later', { watch })
    await observer.create('/app/svc/later')
    expect(await event).toMatchObject({ type: 'NodeCreated', path: '/svc/later' })
    const [created] = await zk.transaction().create('/svc/tx').commit()
    expect(created).toMatchObject({ op: 'create', path: '/svc/tx' })
  })

  it('maps recursive watch events under the chroot', async () => {
    await observer.create('/app2')
    const zk = await client('/app2')
    const stream = zk.watch('/', { recursive: true })
    await stream.ready
    await observer.create('/app2/x')
    const first = await stream.next()
    expect(first.value).toMatchObject({ type: 'NodeCreated', path: '/x' })
    await stream.return()
  })
})

describe('TCP client: bad input fails fast and sends nothing', () => {
  it('rejects an invalid path, data over jute.maxbuffer and a closed client with typed errors', async () => {
    const zk = await client('', { maxBufferBytes: 1024 })
    const before = server.lastZxid
    await expect(zk.create('no-slash')).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await expect(zk.setData('/', new Uint8Array(1025))).rejects.toMatchObject({
      code: 'BADARGUMENTS',
      message: 'data for / is 1025 bytes, over jute.maxbuffer (1024)',
    })
    await zk.close()
    expect(zk.state).toBe('Closed')
    await expect(zk.getData('/')).rejects.toMatchObject({ code: 'SESSIONEXPIRED' })
    // Only the closeSession transaction reached the server.
    expect(server.lastZxid).toBe(before + 1)
  })

  it('refuses a malformed connect string before opening a socket', async () => {
    await expect(connect('')).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await expect(connect('127.0.0.1:99999')).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await expect(connect('127.0.0.1:2181/bad/')).rejects.toMatchObject({ code: 'BADARGUMENTS' })
  })
})
