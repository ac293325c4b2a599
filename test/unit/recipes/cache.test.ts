// Method: one session changes a subtree while caches on other sessions follow it by watches; we
// compare each cache with a fresh read of the server after the events settle.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VirtualClock } from '../../../lib/index.js'
import { NodeCache, ServiceDiscovery, TreeCache, type TreeCacheEvent } from '../../../lib/recipes/index.js'
import { expire, flush, lossy, Reconnectable, sessions, shortSessionMs, startServer, type Server, type ZooKeeperClient } from './helpers.js'

let server: Server
let clock: VirtualClock
let writer: ZooKeeperClient
let reader: ZooKeeperClient

beforeEach(async () => {
  ;({ server, clock } = await startServer())
  ;[writer, reader] = (await sessions(server, 2)) as [ZooKeeperClient, ZooKeeperClient]
})
afterEach(async () => {
  await server.close()
})

const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes))

/** Reads the subtree from the server as path -> data text. */
async function serverTree(zk: ZooKeeperClient, path: string): Promise<Map<string, string>> {
  const found = new Map<string, string>([[path, text((await zk.getData(path)).data) ?? '']])
  for (const child of await zk.getChildren(path)) for (const [p, d] of await serverTree(zk, `${path}/${child}`)) found.set(p, d)
  return found
}

function cacheTree(cache: TreeCache): Map<string, string> {
  return new Map([...cache.snapshot()].map(([path, node]) => [path, text(node.data) ?? '']))
}

describe('TreeCache', () => {
  it('mirrors a subtree through 200 random creates, updates and deletes', async () => {
    await writer.create('/tree', 'root')
    const cache = new TreeCache(reader, '/tree')
    await cache.start()
    const live: string[] = ['/tree']
    let seed = 7
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n)
    for (let step = 0; step < 200; step++) {
      const at = live[random(live.length)] as string
      const choice = random(3)
      if (choice === 0 || live.length < 4) live.push(await writer.create(`${at}/n${step}`, `v${step}`))
      else if (choice === 1) await writer.setData(at, `u${step}`)
      else if (at !== '/tree' && (await writer.getChildren(at)).length === 0) {
        await writer.delete(at)
        live.splice(live.indexOf(at), 1)
      }
      if (step % 10 === 0) await flush()
    }
    await flush()
    expect(cacheTree(cache)).toEqual(await serverTree(writer, '/tree'))
    cache.close()
  })

  it('emits nodeAdded, nodeUpdated and nodeRemoved, after initialized', async () => {
    await writer.create('/events')
    await writer.create('/events/a', '1')
    const cache = new TreeCache(reader, '/events')
    const seen: string[] = []
    cache.on((e: TreeCacheEvent) => seen.push(e.type === 'initialized' || e.type === 'error' ? e.type : `${e.type} ${e.node.path}`))
    await cache.start()
    await writer.setData('/events/a', '2')
    await writer.create('/events/b')
    await flush()
    await writer.delete('/events/a')
    await flush()
    expect(seen).toEqual([
      'nodeAdded /events',
      'nodeAdded /events/a',
      'initialized',
      'nodeUpdated /events/a',
      'nodeAdded /events/b',
      'nodeRemoved /events/a',
    ])
  })

  it('follows its root being deleted and created again', async () => {
    const cache = new TreeCache(reader, '/phoenix')
    await cache.start()
    expect(cache.get('/phoenix')).toBeUndefined()
    await writer.create('/phoenix', 'one')
    await writer.create('/phoenix/child')
    await flush()
    expect(cache.children('/phoenix')).toEqual(['child'])
    await writer.delete('/phoenix/child')
    await writer.delete('/phoenix')
    await flush()
    expect(cache.snapshot().size).toBe(0)
    await writer.create('/phoenix', 'two')
    await flush()
    expect(text(cache.get('/phoenix')?.data)).toBe('two')
  })

  it('catches up after a dropped connection whose watches were lost', async () => {
    const moving = await Reconnectable.open(server)
    await writer.create('/moved', 'a')
    const cache = new TreeCache(moving.client, '/moved')
    await cache.start()
    moving.drop()
    await writer.setData('/moved', 'b')
    await writer.create('/moved/new', 'c')
    await flush()
    expect(text(cache.get('/moved')?.data)).toBe('a')
    await moving.reconnect()
    await flush()
    expect(cacheTree(cache)).toEqual(new Map([['/moved', 'b'], ['/moved/new', 'c']]))
  })

  it('stops at maxDepth', async () => {
    await writer.create('/deep')
    await writer.create('/deep/a')
    await writer.create('/deep/a/b')
    const cache = new TreeCache(reader, '/deep', { maxDepth: 1 })
    await cache.start()
    expect([...cache.snapshot().keys()].sort()).toEqual(['/deep', '/deep/a'])
  })
})

describe('NodeCache', () => {
  it('tracks one node through create, change and delete', async () => {
    const cache = new NodeCache(reader, '/single')
    const seen: (string | undefined)[] = []
    cache.on((node) => seen.push(text(node?.data)))
    await cache.start()
    expect(cache.current).toBeUndefined()
    await writer.create('/single', 'x')
    await flush()
    await writer.setData('/single', 'y')
    await flush()
    await writer.delete('/single')
    await flush()
    expect(seen).toEqual(['x', 'y', undefined])
  })
})

describe('ServiceDiscovery', () => {
  it('registers instances as Curator x-discovery does: ephemeral JSON at <base>/<name>/<id>', async () => {
    const discovery = new ServiceDiscovery(writer, '/services', { now: () => 1234 })
    const registration = await discovery.register({ name: 'api', id: 'i1', address: '10.0.0.1', port: 8080, payload: { zone: 'a' } })
    expect(registration.path).toBe('/services/api/i1')
    const { data, stat } = await reader.getData('/services/api/i1')
    expect(stat.ephemeralOwner).toBe(writer.sessionId)
    expect(JSON.parse(text(data) ?? '')).toEqual({
      name: 'api', id: 'i1', address: '10.0.0.1', port: 8080, sslPort: null, payload: { zone: 'a' },
      registrationTimeUTC: 1234, serviceType: 'DYNAMIC', uriSpec: null, enabled: true,
    })
    expect(await new ServiceDiscovery(reader, '/services').queryForNames()).toEqual(['api'])
    await registration.release()
    expect(await new ServiceDiscovery(reader, '/services').queryForInstances('api')).toEqual([])
  })

  it('keeps a service cache of 10 instances current as they register, leave and expire', async () => {
    const clients = await sessions(server, 9)
    const doomed = await server.connect({ sessionTimeoutMs: shortSessionMs })
    const cache = new ServiceDiscovery(reader, '/services').serviceCache('worker')
    await cache.start()
    const registrations = await Promise.all([...clients, doomed].map((zk, i) => new ServiceDiscovery(zk, '/services').register({ name: 'worker', id: `w${i}` })))
    await flush()
    expect(cache.instances().map((i) => i.id)).toHaveLength(10)
    await registrations[0]?.release()
    await expire(clock, doomed)
    expect(registrations[9]?.signal.reason).toMatchObject({ code: 'SESSIONEXPIRED' })
    await flush()
    expect(cache.instances().map((i) => i.id)).toEqual(['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8'])
  })

  it('registers once when the create reply is lost, and refuses an id another session holds', async () => {
    const spy = lossy(writer)
    spy.loseReply('create')
    await new ServiceDiscovery(spy.client, '/services').register({ name: 'db', id: 'primary' })
    expect(await reader.getChildren('/services/db')).toEqual(['primary'])
    await expect(new ServiceDiscovery(reader, '/services').register({ name: 'db', id: 'primary' })).rejects.toMatchObject({ code: 'NODEEXISTS' })
  })
})
