// Method: in-process sessions on a virtual clock; nodes are deleted behind the recipes' backs,
// sessions expire and connections drop, and the znodes left behind are read with a plain client.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { VirtualClock } from '../../../lib/index.js'
import { CreateMode } from '../../../lib/index.js'
import { CuratorCache, GroupMember, PathChildrenCache, PersistentNode, PersistentTtlNode, ServiceDiscovery, type CuratorCacheEvent, type PathChildrenCacheEvent } from '../../../lib/recipes/index.js'
import { expire, flush, Reconnectable, sessions, shortSessionMs, startServer, type Server, type ZooKeeperClient } from './helpers.js'

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

const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes))
const newSession = (): Promise<ZooKeeperClient> => server.connect({ sessionTimeoutMs: shortSessionMs })

describe('PersistentNode', () => {
  it('creates an ephemeral node (parents as containers) and recreates it when someone deletes it', async () => {
    const node = new PersistentNode(observer, '/pn/a/b', 'v1')
    node.start()
    expect(await node.waitForInitialCreate()).toBe('/pn/a/b')
    expect((await observer.exists('/pn/a/b'))?.ephemeralOwner).toBe(observer.sessionId)
    const [other] = (await sessions(server, 1)) as [ZooKeeperClient]
    await other.delete('/pn/a/b')
    await flush()
    expect(text((await other.getData('/pn/a/b')).data)).toBe('v1')
    await node.setData('v2')
    expect(text((await other.getData('/pn/a/b')).data)).toBe('v2')
    await node.close()
    expect(await other.exists('/pn/a/b')).toBeNull()
  })

  it('uses Curator\'s protected name _c_<uuid>-<name> with protected: true, keeping one uuid across re-creations', async () => {
    const node = new PersistentNode(observer, '/pn/prot/member', 'x', { protected: true })
    node.start()
    const first = await node.waitForInitialCreate()
    expect(first).toMatch(/^\/pn\/prot\/_c_[0-9a-f-]{36}-member$/)
    await observer.delete(first)
    await flush()
    expect(await observer.getChildren('/pn/prot')).toEqual([first.slice('/pn/prot/'.length)])
    await node.close()
  })

  it('is created again in a new session after its session expired, given newSession', async () => {
    const doomed = await server.connect({ sessionTimeoutMs: shortSessionMs })
    const node = new PersistentNode(doomed, '/pn/expiring', 'data', { newSession })
    const created: string[] = []
    node.onCreated((path) => created.push(path))
    node.start()
    await node.waitForInitialCreate()
    await expire(clock, doomed)
    await flush(20)
    expect(node.session).not.toBe(doomed)
    const stat = await observer.exists('/pn/expiring')
    expect(stat?.ephemeralOwner).toBe(node.session.sessionId)
    expect(created).toEqual(['/pn/expiring', '/pn/expiring'])
    await node.close()
    expect(node.session.state).toBe('Closed')
  })

  it('reports the end when the session expires without newSession', async () => {
    const doomed = await server.connect({ sessionTimeoutMs: shortSessionMs })
    const node = new PersistentNode(doomed, '/pn/ends', 'data')
    const ended: unknown[] = []
    node.onEnded((reason) => ended.push(reason))
    node.start()
    await node.waitForInitialCreate()
    await expire(clock, doomed)
    await flush(10)
    expect(ended).toEqual([expect.objectContaining({ code: 'SESSIONEXPIRED' })])
    await node.close()
  })

  it('checks its node again after a reconnect, recreating it if it went while disconnected', async () => {
    const moving = await Reconnectable.open(server)
    const node = new PersistentNode(moving.client, '/pn/moving', 'here', { mode: CreateMode.PERSISTENT })
    node.start()
    await node.waitForInitialCreate()
    moving.drop()
    await observer.delete('/pn/moving')
    await moving.reconnect()
    await flush(10)
    expect(text((await observer.getData('/pn/moving')).data)).toBe('here')
    await node.close()
  })
})

describe('PersistentTtlNode', () => {
  it('lays out Curator 5.4\'s TTL node: a container with the data and a TTL child "touch"; after close the TTL removes both', async () => {
    const node = new PersistentTtlNode(observer, '/ttl/svc', 1_000, 'payload')
    node.start()
    await node.waitForInitialCreate()
    await flush(10)
    expect(text((await observer.getData('/ttl/svc')).data)).toBe('payload')
    expect(await observer.getChildren('/ttl/svc')).toEqual(['touch'])
    await node.close()
    expect(await observer.exists('/ttl/svc')).not.toBeNull() // close leaves it to the TTL
    for (let i = 0; i < 6; i++) {
      clock.advance(1_000)
      await flush()
    }
    expect(await observer.exists('/ttl/svc')).toBeNull()
  })
})

describe('GroupMember', () => {
  it('joins with an ephemeral <path>/<id> holding the payload and sees the other members come and go', async () => {
    const [zkB] = (await sessions(server, 1)) as [ZooKeeperClient]
    const a = new GroupMember(observer, '/group/g', 'a', 'pa')
    await a.start()
    const b = new GroupMember(zkB, '/group/g', 'b', 'pb')
    await b.start()
    await flush()
    const view = (member: GroupMember): Record<string, string | undefined> => Object.fromEntries([...member.currentMembers()].map(([id, data]) => [id, text(data)]))
    expect(view(a)).toEqual({ a: 'pa', b: 'pb' })
    expect((await observer.exists('/group/g/b'))?.ephemeralOwner).toBe(zkB.sessionId)
    await b.setPayload('pb2')
    await flush()
    expect(view(a)).toEqual({ a: 'pa', b: 'pb2' })
    await b.close()
    await flush()
    expect(view(a)).toEqual({ a: 'pa' })
    await a.close()
  })
})

describe('CuratorCache', () => {
  it('reports created events then initialized for what exists, then created, changed and deleted, recursively', async () => {
    await observer.create('/cc')
    await observer.create('/cc/x', '1')
    const cache = new CuratorCache(observer, '/cc')
    const events: string[] = []
    cache.on((event: CuratorCacheEvent) => {
      if (event.type === 'initialized') events.push('initialized')
      else if (event.type === 'nodeChanged') events.push(`changed ${event.node.path} ${text(event.oldNode.data)}->${text(event.node.data)}`)
      else events.push(`${event.type === 'nodeCreated' ? 'created' : 'deleted'} ${event.type === 'nodeCreated' ? event.node.path : event.oldNode.path}`)
    })
    await cache.start()
    await observer.create('/cc/x/deep', 'd')
    await flush()
    await observer.setData('/cc/x', '2')
    await flush()
    await observer.delete('/cc/x/deep')
    await flush()
    expect(events).toEqual(['created /cc', 'created /cc/x', 'initialized', 'created /cc/x/deep', 'changed /cc/x 1->2', 'deleted /cc/x/deep'])
    expect(cache.size()).toBe(2)
    expect(text(cache.get('/cc/x')?.data)).toBe('2')
    cache.close()
  })

  it('caches the node alone with singleNode', async () => {
    await observer.create('/single', 's')
    await observer.create('/single/child')
    const cache = new CuratorCache(observer, '/single', { singleNode: true })
    await cache.start()
    expect([...cache.entries().keys()]).toEqual(['/single'])
    cache.close()
  })
})

describe('PathChildrenCache', () => {
  it('reports childAdded for each child found, initialized with them (POST_INITIALIZED_EVENT), then changes, never the parent', async () => {
    await observer.create('/pcc')
    await observer.create('/pcc/a', '1')
    const cache = new PathChildrenCache(observer, '/pcc')
    const events: string[] = []
    cache.on((event: PathChildrenCacheEvent) => events.push(event.type === 'initialized' ? `initialized ${event.initialData.map((d) => d.path).join(',')}` : `${event.type} ${event.data.path}`))
    await cache.start()
    await observer.create('/pcc/b')
    await flush()
    await observer.setData('/pcc/a', '2')
    await flush()
    await observer.delete('/pcc/b')
    await flush()
    await observer.setData('/pcc', 'parent data is not an event')
    await flush()
    expect(events).toEqual(['childAdded /pcc/a', 'initialized /pcc/a', 'childAdded /pcc/b', 'childUpdated /pcc/a', 'childRemoved /pcc/b'])
    expect(cache.currentData().map((d) => text(d.data))).toEqual(['2'])
    cache.close()
  })
})

describe('ServiceDiscovery (re-registration)', () => {
  it('registers again when its node is deleted, and in a new session after an expiry', async () => {
    const doomed = await server.connect({ sessionTimeoutMs: shortSessionMs })
    const discovery = new ServiceDiscovery(doomed, '/services', { newSession })
    const registration = await discovery.register({ name: 'api', id: 'i1', port: 80 })
    await observer.delete('/services/api/i1')
    await flush()
    expect(await observer.exists('/services/api/i1')).not.toBeNull()
    await expire(clock, doomed)
    await flush(20)
    const stat = await observer.exists('/services/api/i1')
    expect(stat?.ephemeralOwner).not.toBe(doomed.sessionId)
    expect(stat?.ephemeralOwner).not.toBe(0n)
    expect(registration.held).toBe(true)
    expect((await discovery.queryForInstances('api')).map((i) => i.id)).toEqual(['i1'])
    await registration.release()
    expect(await observer.exists('/services/api/i1')).toBeNull()
  })

  it('aborts the registration\'s signal when the session expires without newSession', async () => {
    const doomed = await server.connect({ sessionTimeoutMs: shortSessionMs })
    const registration = await new ServiceDiscovery(doomed, '/services').register({ name: 'api', id: 'gone' })
    await expire(clock, doomed)
    await flush(10)
    expect(registration.signal.reason).toMatchObject({ code: 'SESSIONEXPIRED' })
    expect(registration.held).toBe(false)
  })
})
