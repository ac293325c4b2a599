// Method: the npm `zookeeper` package (Apache ZooKeeper's C client, built from its bundled sources) creates every node type, containers and TTL nodes included, and checks return codes and watches against each target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { digestId } from './harness/digest.js'
import { defaultSettings, hookTimeoutMs, targets, type RunningServer } from './harness/targets.js'
import { cFailure, connectC, constants, eventName, type CClient } from './harness/zkc.js'
import { TcpProxy } from './harness/proxy.js'
import { EventQueue } from './harness/wait.js'

const flag = (name: string): number => {
  const value = constants[name]
  if (value === undefined) throw new Error(`the zookeeper package has no ${name}`)
  return value
}
const PERSISTENT = 0
const EPHEMERAL = flag('ZOO_EPHEMERAL')
const SEQUENCE = flag('ZOO_SEQUENCE')
const CONTAINER = flag('ZOO_CONTAINER')
const PERSISTENT_WITH_TTL = flag('ZOO_PERSISTENT_WITH_TTL')
const PERSISTENT_SEQUENTIAL_WITH_TTL = flag('ZOO_PERSISTENT_SEQUENTIAL_WITH_TTL')

interface Event {
  type: string
  path: string
}

/** A C-client watch callback feeding a queue of `{ type, path }`. */
function watchInto(queue: EventQueue<Event>) {
  return (type: number, _state: number, path: string): void => queue.push({ type: eventName(type), path })
}

describe.each(targets)('$name: the C client (npm zookeeper)', (target) => {
  let server: RunningServer
  let client: CClient
  let other: CClient

  beforeAll(async () => {
    server = await target.start(defaultSettings)
    client = await connectC(server.connectString)
    other = await connectC(server.connectString)
  }, hookTimeoutMs)

  afterAll(async () => {
    client?.close()
    other?.close()
    await server?.stop()
  }, hookTimeoutMs)

  it('creates persistent, ephemeral and sequential nodes and reads them back', async () => {
    expect(await client.create('/c-node', 'data', PERSISTENT)).toBe('/c-node')
    const { stat, data } = await client.get('/c-node')
    expect(Buffer.from(data).toString()).toBe('data')
    expect(stat).toMatchObject({ version: 0, dataLength: 4, numChildren: 0 })
    expect(await client.create('/c-node/s-', '', SEQUENCE)).toBe('/c-node/s-0000000000')
    expect(await client.create('/c-node/e-', '', EPHEMERAL | SEQUENCE)).toBe('/c-node/e-0000000001')
    expect((await other.exists('/c-node/e-0000000001')).ephemeralOwner).toBe(client.sessionId)
    expect((await client.getChildren('/c-node')).sort()).toEqual(['e-0000000001', 's-0000000000'])
    expect((await client.set('/c-node', 'more', 0)).version).toBe(1)
    await client.sync('/c-node')
  })

  it('returns ZooKeeper error codes: NONODE, NODEEXISTS, NOTEMPTY, BADVERSION, NOCHILDRENFOREPHEMERALS', async () => {
    await client.create('/c-err', '')
    await client.create('/c-err/child', '')
    await client.create('/c-err/eph', '', EPHEMERAL)
    expect(await cFailure(client.get('/c-nowhere'))).toBe('NONODE')
    expect(await cFailure(client.exists('/c-nowhere'))).toBe('NONODE')
    expect(await cFailure(client.create('/c-err', ''))).toBe('NODEEXISTS')
    expect(await cFailure(client.delete('/c-err'))).toBe('NOTEMPTY')
    expect(await cFailure(client.set('/c-err', 'x', 5))).toBe('BADVERSION')
    expect(await cFailure(client.delete('/c-err/child', 5))).toBe('BADVERSION')
    expect(await cFailure(client.create('/c-err/eph/x', ''))).toBe('NOCHILDRENFOREPHEMERALS')
  })

  it('fires CHANGED, CHILD, CREATED and DELETED watches with their paths', async () => {
    await client.create('/c-watch', 'v0')
    const events = new EventQueue<Event>('a C-client watch event')
    await client.get('/c-watch', watchInto(events))
    await other.set('/c-watch', 'v1')
    expect(await events.next()).toEqual({ type: 'CHANGED', path: '/c-watch' })
    await client.getChildren('/c-watch', watchInto(events))
    await other.create('/c-watch/kid', '')
    expect(await events.next()).toEqual({ type: 'CHILD', path: '/c-watch' })
    expect(await cFailure(client.exists('/c-watch/later', watchInto(events)))).toBe('NONODE')
    await other.create('/c-watch/later', '')
    expect(await events.next()).toEqual({ type: 'CREATED', path: '/c-watch/later' })
    await client.exists('/c-watch/later', watchInto(events))
    await other.delete('/c-watch/later')
    expect(await events.next()).toEqual({ type: 'DELETED', path: '/c-watch/later' })
  })

  it('removes a container once its last child is deleted, and keeps a container that never had a child', async () => {
    expect(await client.create('/c-container', '', CONTAINER)).toBe('/c-container')
    await client.create('/c-container-unused', '', CONTAINER)
    await client.create('/c-container/child', '')
    const deleted = new EventQueue<Event>('the emptied container to be removed', 15_000)
    await other.exists('/c-container', watchInto(deleted))
    await client.delete('/c-container/child')
    expect(await deleted.next()).toEqual({ type: 'DELETED', path: '/c-container' })
    expect((await client.exists('/c-container-unused')).numChildren).toBe(0)
  })

  it('creates TTL nodes (plain and sequential) and removes a childless one once its TTL has passed', async () => {
    expect(await client.createTtl('/c-ttl', 'short-lived', PERSISTENT_WITH_TTL, 300)).toBe('/c-ttl')
    await client.create('/c-ttl-seq', '')
    expect(await client.createTtl('/c-ttl-seq/n-', '', PERSISTENT_SEQUENTIAL_WITH_TTL, 60_000)).toBe(
      '/c-ttl-seq/n-0000000000',
    )
    const deleted = new EventQueue<Event>('the TTL node to expire', 15_000)
    await other.exists('/c-ttl', watchInto(deleted))
    expect(await deleted.next()).toEqual({ type: 'DELETED', path: '/c-ttl' })
    expect((await client.exists('/c-ttl-seq/n-0000000000')).dataLength).toBe(0)
  })

  it('shows containers and TTL nodes to clients with the ephemeralOwner of a persistent node', async () => {
    await client.create('/c-owner-plain', '')
    await client.create('/c-owner-container', '', CONTAINER)
    await client.createTtl('/c-owner-ttl', '', PERSISTENT_WITH_TTL, 60_000)
    const plain = (await client.exists('/c-owner-plain')).ephemeralOwner
    expect((await client.exists('/c-owner-container')).ephemeralOwner).toBe(plain)
    expect((await client.exists('/c-owner-ttl')).ephemeralOwner).toBe(plain)
  })

  it('authenticates with digest and is refused with NOAUTH without it', async () => {
    const carol = await connectC(server.connectString)
    try {
      await carol.addAuth('digest', 'carol:pw')
      await carol.create('/c-private', 'p')
      await carol.setAcl('/c-private', [{ perms: 31, scheme: 'digest', auth: digestId('carol', 'pw') }], 0)
      expect(await cFailure(other.get('/c-private'))).toBe('NOAUTH')
      expect(Buffer.from((await carol.get('/c-private')).data).toString()).toBe('p')
      const acl = await carol.getAcl('/c-private')
      expect(acl.map((a) => [a.perms, a.scheme, a.auth])).toEqual([[31, 'digest', digestId('carol', 'pw')]])
    } finally {
      carol.close()
    }
  })

  it('answers addauth with an unknown scheme with AUTHFAILED', async () => {
    const dave = await connectC(server.connectString)
    try {
      expect(await cFailure(dave.addAuth('nosuchscheme', 'whatever'))).toBe('AUTHFAILED')
    } finally {
      dave.close()
    }
  })

  it('resumes its session by id and password from a second handle, ephemerals included', async () => {
    // The first handle goes through a proxy frozen before the second connects, so the two
    // handles do not take the session from each other in turn.
    const proxy = await TcpProxy.start(server.port)
    const first = await connectC(proxy.connectString, { sessionTimeoutMs: 4_000 })
    try {
      await first.create('/c-resume', '', EPHEMERAL)
      proxy.freeze()
      const second = await connectC(server.connectString, {
        sessionTimeoutMs: 4_000,
        clientId: first.sessionId,
        clientPassword: first.password,
      })
      try {
        expect(second.sessionId).toBe(first.sessionId)
        expect((await second.exists('/c-resume')).ephemeralOwner).toBe(first.sessionId)
      } finally {
        second.close()
      }
    } finally {
      first.close()
      await proxy.close()
    }
  })
})
