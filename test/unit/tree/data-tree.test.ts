// Method: apply hand-built transaction records to a DataTree and check the Stat arithmetic of
// apache/zookeeper DataTree/DataNode (copyStat) field by field.
import { describe, expect, it } from 'vitest'
import { DataTree, ZNode } from '../../../lib/tree/data-tree.js'
import { OPEN_ACL_UNSAFE } from '../../../lib/protocol/data.js'
import type { CreateTxn, TxnHeader } from '../../../lib/txn/types.js'

const header = (zxid: number, time = zxid * 10): TxnHeader => ({ sessionId: 1n, cxid: 0, zxid, time })
const create = (path: string, parentCVersion: number, extra: Partial<CreateTxn> = {}): CreateTxn => ({
  type: 'create',
  path,
  data: new Uint8Array([1, 2, 3]),
  acl: [...OPEN_ACL_UNSAFE],
  kind: 'persistent',
  ephemeralOwner: 0n,
  ttlMs: 0,
  parentCVersion,
  ...extra,
})

describe('DataTree', () => {
  it('starts with /, /zookeeper, /zookeeper/quota and /zookeeper/config as ZooKeeper does', () => {
    const tree = new DataTree()
    expect([...tree.paths()].sort()).toEqual(['/', '/zookeeper', '/zookeeper/config', '/zookeeper/quota'])
    // Root: stored cversion 0 and one child, so clients see cversion -1 (ZooKeeper shows the same).
    expect(tree.get('/')?.stat()).toMatchObject({ cversion: -1, numChildren: 1, czxid: 0, pzxid: 0 })
  })

  it('sets every Stat field of a new node from the txn header', () => {
    const tree = new DataTree()
    tree.apply(header(5, 1234), create('/a', 1))
    expect(tree.get('/a')?.stat()).toEqual({
      czxid: 5,
      mzxid: 5,
      ctime: 1234,
      mtime: 1234,
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 3,
      numChildren: 0,
      pzxid: 5,
    })
  })

  it('updates the parent pzxid and cversion on create, and only pzxid on delete', () => {
    const tree = new DataTree()
    tree.apply(header(1), create('/p', 1))
    tree.apply(header(2), create('/p/a', 1))
    tree.apply(header(3), create('/p/b', 2))
    expect(tree.get('/p')?.stat()).toMatchObject({ cversion: 2, numChildren: 2, pzxid: 3, mzxid: 1, version: 0 })
    tree.apply(header(4), { type: 'delete', path: '/p/a' })
    // Stored creates stay 2; one child left: 2 * 2 - 1 = 3 changes (two creates and a delete).
    expect(tree.get('/p')?.stat()).toMatchObject({ cversion: 3, numChildren: 1, pzxid: 4, mzxid: 1 })
  })

  it('bumps version, mzxid and mtime on setData and aversion on setACL without touching the rest', () => {
    const tree = new DataTree()
    tree.apply(header(1, 100), create('/a', 1))
    tree.apply(header(2, 200), { type: 'setData', path: '/a', data: new Uint8Array(7), version: 1 })
    expect(tree.get('/a')?.stat()).toMatchObject({ version: 1, mzxid: 2, mtime: 200, czxid: 1, ctime: 100, dataLength: 7, pzxid: 1 })
    tree.apply(header(3, 300), { type: 'setACL', path: '/a', acl: [], version: 1 })
    expect(tree.get('/a')?.stat()).toMatchObject({ aversion: 1, version: 1, mzxid: 2, mtime: 200 })
  })

  it('shows ephemeralOwner for ephemerals only, 0 for containers and TTL nodes', () => {
    const tree = new DataTree()
    tree.apply(header(1), create('/e', 1, { kind: 'ephemeral', ephemeralOwner: 77n }))
    tree.apply(header(2), create('/c', 2, { kind: 'container' }))
    tree.apply(header(3), create('/t', 3, { kind: 'ttl', ttlMs: 1000 }))
    expect(tree.get('/e')?.stat().ephemeralOwner).toBe(77n)
    expect(tree.get('/c')?.stat().ephemeralOwner).toBe(0n)
    expect(tree.get('/t')?.stat().ephemeralOwner).toBe(0n)
    expect(tree.ephemerals.get(77n)).toEqual(new Set(['/e']))
  })

  it('deletes a closed session’s ephemerals and reports the changes to the listener in order', () => {
    const tree = new DataTree()
    const seen: string[] = []
    tree.listener = (type, path, zxid) => seen.push(`${zxid} ${type} ${path}`)
    tree.apply(header(1), create('/e', 1, { kind: 'ephemeral', ephemeralOwner: 9n }))
    tree.apply(header(2), { type: 'closeSession', paths2Delete: ['/e'] })
    expect(tree.get('/e')).toBeUndefined()
    expect(tree.ephemerals.has(9n)).toBe(false)
    expect(seen).toEqual(['1 NodeCreated /e', '1 NodeChildrenChanged /', '2 NodeDeleted /e', '2 NodeChildrenChanged /'])
  })

  it('applies a replayed create idempotently: the parent counter never goes back', () => {
    const tree = new DataTree()
    tree.apply(header(1), create('/p', 1))
    tree.apply(header(2), create('/p/a', 5))
    expect(tree.apply(header(2), create('/p/a', 3))).toEqual({ type: 'error', err: -110 })
    expect(tree.get('/p')?.cversion).toBe(5)
  })

  it('finds empty used containers and childless TTL nodes past their TTL', () => {
    const tree = new DataTree()
    tree.apply(header(1, 0), create('/used', 1, { kind: 'container' }))
    tree.apply(header(2, 0), create('/fresh', 2, { kind: 'container' }))
    tree.apply(header(3, 0), create('/used/x', 1))
    tree.apply(header(4, 0), { type: 'delete', path: '/used/x' })
    tree.apply(header(5, 1000), create('/ttl', 3, { kind: 'ttl', ttlMs: 500 }))
    expect(tree.expiredContainers(1500)).toEqual(['/used'])
    expect(tree.expiredContainers(1501)).toEqual(['/used', '/ttl'])
  })

  it('counts all descendants', () => {
    const tree = new DataTree()
    tree.apply(header(1), create('/a', 1))
    tree.apply(header(2), create('/a/b', 1))
    tree.apply(header(3), create('/a/b/c', 1))
    expect(tree.descendantCount('/a')).toBe(2)
    expect(tree.descendantCount('/nope')).toBe(-1)
  })
})

describe('a znode\'s value held as a span of a buffer', () => {
  const span = (): { node: ZNode; bytes: Uint8Array } => {
    const bytes = new TextEncoder().encode('..hello..')
    const node = new ZNode(new Uint8Array(0), OPEN_ACL_UNSAFE, 1, 1, 1, 0, 0, 0, 0, 0, 0n, 'persistent', 0)
    node.setDataSpan(bytes, 2, 5)
    return { node, bytes }
  }

  it('reads, measures and copies only its span', () => {
    const { node } = span()
    expect(new TextDecoder().decode(node.data)).toBe('hello')
    expect(node.dataLength).toBe(5)
    expect(node.stat().dataLength).toBe(5)
    const target = new Uint8Array(8)
    node.copyDataTo(target, 1)
    expect([...target]).toEqual([0, ...new TextEncoder().encode('hello'), 0, 0])
  })

  it('gives a set value back as the same array, replacing the span', () => {
    const { node } = span()
    const value = new Uint8Array([1, 2, 3])
    node.data = value
    expect(node.data).toBe(value)
    expect(node.dataLength).toBe(3)
  })

  it('refuses a span outside its buffer with a RangeError, keeping the value it had', () => {
    const { node, bytes } = span()
    expect(() => node.setDataSpan(bytes, 5, 5)).toThrow(RangeError)
    expect(() => node.setDataSpan(bytes, -1, 2)).toThrow(RangeError)
    expect(new TextDecoder().decode(node.data)).toBe('hello')
  })

  it('keeps its value through setData of the tree, which reads and replaces it', () => {
    const tree = new DataTree()
    tree.apply(header(2, 10), create('/s', 1))
    const node = tree.get('/s')!
    node.setDataSpan(new TextEncoder().encode('xxabcxx'), 2, 3)
    expect(tree.apply(header(3, 11), { type: 'setData', path: '/s', data: new Uint8Array([9]), version: 1 })).toMatchObject({ err: 0, stat: { dataLength: 1, version: 1 } })
    expect([...tree.get('/s')!.data]).toEqual([9])
  })
})

describe('a znode\'s numbers, kept as 32-bit halves in a block shared with its neighbours', () => {
  const longs = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 7, 2 ** 53 - 1, -1, -(2 ** 31), -(2 ** 32), -(2 ** 32) - 1, -(2 ** 53 - 1)]

  it('gives back every zxid and time exactly, negative ones and those past 2^32 included', () => {
    const nodes = longs.map((n) => new ZNode(new Uint8Array(0), OPEN_ACL_UNSAFE, n, n, n, n, n, 0, 0, 0, 0n, 'persistent', 0))
    nodes.forEach((node, i) => {
      const n = longs[i]!
      expect([node.czxid, node.mzxid, node.pzxid, node.ctime, node.mtime]).toEqual([n, n, n, n, n])
      expect(node.stat()).toMatchObject({ czxid: n, mzxid: n, pzxid: n, ctime: n, mtime: n })
    })
  })

  it('changes one node\'s numbers without touching the nodes beside it in the block', () => {
    const nodes = Array.from({ length: 40 }, (_, i) => new ZNode(new Uint8Array(i), OPEN_ACL_UNSAFE, i, i + 1, i + 2, i + 3, i + 4, i, i + 5, i + 6, 0n, 'persistent', 0))
    for (const node of nodes.filter((_, i) => i % 3 === 0)) {
      node.mzxid = 2 ** 50 + 3
      node.mtime = -(2 ** 33)
      node.version = -1
      node.data = new Uint8Array(1_000)
    }
    nodes.forEach((node, i) => {
      const changed = i % 3 === 0
      expect(node.stat()).toMatchObject({
        czxid: i, mzxid: changed ? 2 ** 50 + 3 : i + 1, pzxid: i + 2, ctime: i + 3, mtime: changed ? -(2 ** 33) : i + 4,
        version: changed ? -1 : i, aversion: i + 6, dataLength: changed ? 1_000 : i,
      })
      expect(node.cversion).toBe(i + 5)
    })
  })

  it('keeps kind, owner and time to live, and shows a persistent node with neither', () => {
    const make = (owner: bigint, kind: 'persistent' | 'ephemeral' | 'container' | 'ttl', ttl: number): ZNode =>
      new ZNode(new Uint8Array(0), OPEN_ACL_UNSAFE, 1, 1, 1, 1, 1, 0, 0, 0, owner, kind, ttl)
    expect([make(0n, 'persistent', 0)].map((n) => [n.kind, n.ephemeralOwner, n.ttlMs])).toEqual([['persistent', 0n, 0]])
    expect([make(-5n, 'ephemeral', 0)].map((n) => [n.kind, n.ephemeralOwner, n.ttlMs, n.stat().ephemeralOwner])).toEqual([['ephemeral', -5n, 0, -5n]])
    expect([make(0n, 'container', 0)].map((n) => [n.kind, n.ephemeralOwner, n.ttlMs])).toEqual([['container', 0n, 0]])
    expect([make(0n, 'ttl', 2 ** 40)].map((n) => [n.kind, n.ephemeralOwner, n.ttlMs, n.stat().ephemeralOwner])).toEqual([['ttl', 0n, 2 ** 40, 0n]])
  })
})
