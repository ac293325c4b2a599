// Method: drive an in-process server through the client API and assert ZooKeeper's results and
// error codes (PrepRequestProcessor's check order, FinalRequestProcessor's replies).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CreateMode, ZooKeeperError, type ZooKeeperClient } from '../../../lib/index.js'
import { startServer, type Server } from './helpers.js'

let server: Server
let zk: ZooKeeperClient
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

beforeEach(async () => {
  ;({ server } = await startServer())
  zk = await server.connect()
})
afterEach(async () => {
  await server.close()
})

describe('create', () => {
  it('returns the path and a Stat stamped with the zxid and the clock', async () => {
    const { path, stat } = await zk.createWithStat('/a', 'data')
    expect(path).toBe('/a')
    expect(stat).toMatchObject({ czxid: server.lastZxid, mzxid: server.lastZxid, ctime: 1_000_000, version: 0, dataLength: 4 })
    expect(text((await zk.getData('/a')).data)).toBe('data')
  })

  it('numbers sequential nodes with a 10-digit suffix from the parent’s create counter', async () => {
    await zk.create('/q')
    expect(await zk.create('/q/n-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe('/q/n-0000000000')
    await zk.create('/q/plain')
    expect(await zk.create('/q/n-', '', { mode: CreateMode.EPHEMERAL_SEQUENTIAL })).toBe('/q/n-0000000002')
    await zk.delete('/q/n-0000000000')
    // Deletes do not lower the counter: names never repeat.
    expect(await zk.create('/q/', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe('/q/0000000003')
  })

  it('rejects an existing node with NODEEXISTS and a missing parent with NONODE', async () => {
    await zk.create('/a')
    await expect(zk.create('/a')).rejects.toMatchObject({ code: 'NODEEXISTS', errno: -110, path: '/a', message: 'Node already exists: /a' })
    await expect(zk.create('/x/y')).rejects.toMatchObject({ code: 'NONODE', errno: -101, message: 'Node does not exist: /x/y' })
    await expect(zk.create('/')).rejects.toMatchObject({ code: 'NODEEXISTS' })
  })

  it('rejects a child of an ephemeral with NOCHILDRENFOREPHEMERALS', async () => {
    await zk.create('/e', '', { mode: CreateMode.EPHEMERAL })
    await expect(zk.create('/e/c')).rejects.toMatchObject({ code: 'NOCHILDRENFOREPHEMERALS', errno: -108 })
  })

  it.each(['a', '/a/', '//a', '/a/./b', '/a/../b', '/a\u0000', '/a\u0007', ''])('rejects the invalid path %j with BADARGUMENTS before sending', async (path) => {
    const before = server.lastZxid
    await expect(zk.create(path)).rejects.toMatchObject({ code: 'BADARGUMENTS', errno: -8 })
    expect(server.lastZxid).toBe(before)
  })

  it('refuses data over the 1 MiB limit with a message naming jute.maxbuffer, and accepts the limit itself', async () => {
    await expect(zk.create('/big', new Uint8Array(0xfffff + 1))).rejects.toThrow(/1048576 bytes, over jute.maxbuffer \(1048575\)/)
    await zk.create('/max', new Uint8Array(0xfffff))
    expect((await zk.exists('/max'))?.dataLength).toBe(0xfffff)
  })

  it('honours a configured data limit on the server side too', async () => {
    const { server: small } = await startServer({ maxDataBytes: 10 })
    const c = await small.connect()
    await expect(c.create('/a', new Uint8Array(11))).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await small.close()
  })

  it('rejects an empty ACL with INVALIDACL', async () => {
    await expect(zk.create('/a', '', { acl: [] })).rejects.toMatchObject({ code: 'INVALIDACL', errno: -114 })
  })

  it('needs a TTL in range for TTL modes, and none for other modes', async () => {
    await expect(zk.create('/t', '', { mode: CreateMode.PERSISTENT_WITH_TTL })).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await expect(zk.create('/t', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 0xff_ffff_ffff + 1 })).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await expect(zk.create('/t', '', { mode: CreateMode.PERSISTENT, ttlMs: 100 })).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    expect(await zk.create('/t', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttlMs: 100 })).toBe('/t0000000000')
  })

  it('answers UNIMPLEMENTED for TTL nodes when extended types are off, as ZooKeeper does by default', async () => {
    const { server: plain } = await startServer({ extendedTypesEnabled: false })
    const c = await plain.connect()
    await expect(c.create('/t', '', { mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 10 })).rejects.toMatchObject({ code: 'UNIMPLEMENTED', errno: -6 })
    await plain.close()
  })
})

describe('delete, setData, check', () => {
  it('deletes only at the right version', async () => {
    await zk.create('/a')
    await zk.setData('/a', 'x')
    await expect(zk.delete('/a', 0)).rejects.toMatchObject({ code: 'BADVERSION', errno: -103 })
    await zk.delete('/a', 1)
    expect(await zk.exists('/a')).toBeNull()
  })

  it('refuses to delete a node with children (NOTEMPTY) or a missing one (NONODE)', async () => {
    await zk.create('/a')
    await zk.create('/a/b')
    await expect(zk.delete('/a')).rejects.toMatchObject({ code: 'NOTEMPTY', errno: -111 })
    await expect(zk.delete('/nope')).rejects.toMatchObject({ code: 'NONODE' })
  })

  it('refuses to delete the root and the /zookeeper nodes', async () => {
    await expect(zk.delete('/')).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await expect(zk.delete('/zookeeper')).rejects.toMatchObject({ code: 'BADARGUMENTS' })
  })

  it('increments the version on each setData and checks the expected one', async () => {
    await zk.create('/a', 'v0')
    expect((await zk.setData('/a', 'v1', 0)).version).toBe(1)
    expect((await zk.setData('/a', 'v2')).version).toBe(2)
    await expect(zk.setData('/a', 'v3', 1)).rejects.toMatchObject({ code: 'BADVERSION' })
    await expect(zk.setData('/missing', 'x')).rejects.toMatchObject({ code: 'NONODE' })
    expect(text((await zk.getData('/a')).data)).toBe('v2')
  })

  it('returns copies: changing a buffer after a call does not change the node', async () => {
    const buffer = new Uint8Array([1, 2, 3])
    await zk.create('/a', buffer)
    buffer[0] = 9
    const { data } = await zk.getData('/a')
    data[1] = 9
    expect(Array.from((await zk.getData('/a')).data)).toEqual([1, 2, 3])
  })
})

describe('reads', () => {
  it('lists children sorted, with the parent Stat', async () => {
    await zk.create('/p')
    for (const c of ['b', 'c', 'a']) await zk.create(`/p/${c}`)
    expect(await zk.getChildren('/p')).toEqual(['a', 'b', 'c'])
    expect((await zk.getChildrenWithStat('/p')).stat).toMatchObject({ numChildren: 3, cversion: 3 })
    await expect(zk.getChildren('/nope')).rejects.toMatchObject({ code: 'NONODE' })
    expect(await zk.getChildren('/')).toEqual(['p', 'zookeeper'])
  })

  it('returns null from exists for a missing node', async () => {
    expect(await zk.exists('/nope')).toBeNull()
    await zk.create('/a')
    expect((await zk.exists('/a'))?.numChildren).toBe(0)
  })

  it('counts all descendants with getAllChildrenNumber', async () => {
    await zk.create('/a')
    await zk.create('/a/b')
    await zk.create('/a/b/c')
    await zk.create('/a/d')
    expect(await zk.getAllChildrenNumber('/a')).toBe(3)
    await expect(zk.getAllChildrenNumber('/nope')).rejects.toMatchObject({ code: 'NONODE' })
  })

  it('lists only this session’s ephemerals, filtered by prefix', async () => {
    const other = await server.connect()
    await zk.create('/e1', '', { mode: CreateMode.EPHEMERAL })
    await zk.create('/app')
    await zk.create('/app/e2', '', { mode: CreateMode.EPHEMERAL })
    await other.create('/o', '', { mode: CreateMode.EPHEMERAL })
    expect(await zk.getEphemerals()).toEqual(['/app/e2', '/e1'])
    expect(await zk.getEphemerals('/app')).toEqual(['/app/e2'])
    expect(await other.getEphemerals('/')).toEqual(['/o'])
  })

  it('answers each multiRead op on its own', async () => {
    await zk.create('/a', 'x')
    await zk.create('/a/b')
    const results = await zk.multiRead([
      { op: 'getData', path: '/a' },
      { op: 'getChildren', path: '/a' },
      { op: 'getData', path: '/nope' },
    ])
    expect(results[0]).toMatchObject({ op: 'getData', err: 0, stat: { dataLength: 1 } })
    expect(results[1]).toEqual({ op: 'getChildren', err: 0, children: ['b'] })
    expect(results[2]).toEqual({ op: 'error', err: -101 })
  })

  it('syncs and answers with the path', async () => {
    await expect(zk.sync('/')).resolves.toBeUndefined()
  })
})

describe('multi', () => {
  it('applies every op under one zxid and returns per-op results', async () => {
    await zk.create('/a', 'x')
    const before = server.lastZxid
    const results = await zk.multi([
      { op: 'create', path: '/b', data: 'y' },
      { op: 'setData', path: '/a', data: 'z', version: 0 },
      { op: 'check', path: '/b', version: 0 },
      { op: 'create', path: '/s-', mode: CreateMode.PERSISTENT_SEQUENTIAL },
      { op: 'delete', path: '/b' },
    ])
    expect(server.lastZxid).toBe(before + 1)
    expect(results.map((r) => r.op)).toEqual(['create', 'setData', 'check', 'create', 'delete'])
    expect(results[0]).toMatchObject({ path: '/b', stat: { czxid: before + 1 } })
    expect(results[3]).toMatchObject({ path: '/s-0000000002' })
    expect(await zk.exists('/b')).toBeNull()
  })

  it('is all or nothing and reports the failing op’s code', async () => {
    await zk.create('/a', 'x')
    const before = server.lastZxid
    const attempt = zk.multi([
      { op: 'create', path: '/new' },
      { op: 'setData', path: '/a', data: 'changed' },
      { op: 'check', path: '/a', version: 0 },
      { op: 'delete', path: '/a' },
    ])
    await expect(attempt).rejects.toMatchObject({ code: 'BADVERSION', path: '/a' })
    expect(await zk.exists('/new')).toBeNull()
    expect(text((await zk.getData('/a')).data)).toBe('x')
    // A failed multi is still one (error) transaction, as in ZooKeeper.
    expect(server.lastZxid).toBe(before + 1)
  })

  it('validates later ops against the changes of earlier ones in the same multi', async () => {
    await expect(zk.multi([{ op: 'create', path: '/p' }, { op: 'create', path: '/p/c' }, { op: 'delete', path: '/p/c' }])).resolves.toHaveLength(3)
    await expect(zk.multi([{ op: 'delete', path: '/p' }, { op: 'create', path: '/p/c' }])).rejects.toMatchObject({ code: 'NONODE' })
    expect(await zk.exists('/p')).not.toBeNull()
  })
})

describe('the client after close', () => {
  it('fails fast with a typed error', async () => {
    await zk.close()
    const error = await zk.getData('/').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ZooKeeperError)
    expect(error).toMatchObject({ code: 'SESSIONEXPIRED' })
  })
})
