// Method: restore format 3 snapshot chunks (written by ChunkWriter, read by readChunk, as a server's
// restore does) into a DataTree, then read, change, capture and write the restored leaves back,
// checking every field against the nodes the chunks were written from and that the leaves are
// kept as rows (lib/tree/rows.ts) exactly when they can be.
import { describe, expect, it } from 'vitest'
import { DataTree, ZNode } from '../../../lib/tree/data-tree.js'
import { TreeCapture } from '../../../lib/tree/capture.js'
import { ChunkWriter, readChunk } from '../../../lib/server/snapshot-chunk.js'
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, type ACL } from '../../../lib/protocol/data.js'
import type { TxnHeader } from '../../../lib/txn/types.js'

const header = (zxid: number): TxnHeader => ({ sessionId: 1n, cxid: 0, zxid, time: zxid * 10 })
const secret: readonly ACL[] = [{ perms: 1, id: { scheme: 'digest', id: 'u:x' } }]

/**
 * A leaf numbered `i`, its numbers above 2^32 where a long may be: pristine (never changed since
 * it was made: versions 0, mzxid and pzxid its czxid, mtime its ctime), or with every number
 * distinct. Values of 0 to 3 bytes, so that some are empty.
 */
function leaf(i: number, acl: readonly ACL[] = OPEN_ACL_UNSAFE, kind: 'persistent' | 'ephemeral' | 'container' = 'persistent', pristine = false): ZNode {
  const big = 2 ** 33 + i
  const data = new Uint8Array([i & 255, 7, i >> 8].slice(0, i % 4))
  const owner = kind === 'ephemeral' ? 77n : 0n
  if (pristine) return new ZNode(data, acl, big, big, big, 1.7e12 + i, 1.7e12 + i, 0, 0, 0, owner, kind, 0)
  return new ZNode(data, acl, big, big + 1, big + 2, 1.7e12 + i, 1.7e12 + i + 1, i + 1, 2 * i + 1, 3 * i, owner, kind, 0)
}

/** `nodes` at `paths` written as chunks of at most `per` nodes, then read back as a restore would. */
function restore(tree: DataTree, paths: readonly string[], nodes: readonly ZNode[], per = 1000): void {
  const writer = new ChunkWriter()
  const chunks: Uint8Array[] = []
  paths.forEach((path, i) => {
    writer.add(path, nodes[i]!)
    if (writer.count === per) chunks.push(writer.take())
  })
  if (writer.count > 0) chunks.push(writer.take())
  for (const chunk of chunks) {
    const read = readChunk(chunk)
    tree.restoreNodes(read.paths, read.nodes)
  }
}

/** /r and `count` leaves under it, as a tree restored from chunks. */
function restoredLeaves(count: number, pristine: boolean, aclOf: (i: number) => readonly ACL[] = () => OPEN_ACL_UNSAFE): { tree: DataTree; leaves: ZNode[] } {
  const tree = new DataTree()
  const leaves = Array.from({ length: count }, (_, i) => leaf(i, aclOf(i), 'persistent', pristine))
  restore(tree, ['/r', ...leaves.map((_, i) => `/r/n${i}`)], [leaf(100_000, OPEN_ACL_UNSAFE, 'persistent', pristine), ...leaves])
  return { tree, leaves }
}

function expectSame(tree: DataTree, path: string, expected: ZNode): void {
  const node = tree.get(path)
  expect(node, path).toBeDefined()
  expect(node!.stat(), path).toEqual(expected.stat())
  expect([...node!.data], path).toEqual([...expected.data])
  expect(node!.acl, path).toEqual(expected.acl)
  expect(node!.kind, path).toBe(expected.kind)
}

describe.each([
  ['over a block of numbers', false],
  ['pristine', true],
])('restored leaves kept as rows %s', (_, pristine) => {
  it('keeps a chunk of plain leaves as rows and gives back every field of each', () => {
    const { tree, leaves } = restoredLeaves(50, pristine)
    // /r was a leaf too until its first child was linked to it.
    expect(tree.rowCount).toBe(50)
    leaves.forEach((node, i) => expectSame(tree, `/r/n${i}`, node))
    expect(tree.get('/r')!.stat()).toMatchObject({ numChildren: 50 })
    expect([...tree.entries()].filter(([path]) => path.startsWith('/r/')).map(([path]) => path)).toEqual(leaves.map((_, i) => `/r/n${i}`))
  })

  it('runs past 1,024 rows sharing one buffer into a second run', () => {
    const { tree, leaves } = restoredLeaves(1500, pristine, (i) => (i % 700 === 0 ? secret : OPEN_ACL_UNSAFE))
    expect(tree.rowCount).toBe(1500)
    for (const i of [0, 1, 700, 1023, 1024, 1025, 1400, 1499]) expectSame(tree, `/r/n${i}`, leaves[i]!)
  })

  it('changes a row only as a node of its own: its neighbours stay, and a view read before keeps the old node', () => {
    const { tree, leaves } = restoredLeaves(10, pristine)
    const before = tree.get('/r/n3')!
    tree.apply(header(2 ** 34), { type: 'setData', path: '/r/n3', data: new Uint8Array([9, 9]), version: 4 })
    expect(tree.rowCount).toBe(9)
    expect(tree.get('/r/n3')!.stat()).toMatchObject({ version: 4, mzxid: 2 ** 34, dataLength: 2, czxid: leaves[3]!.czxid })
    expect([...tree.get('/r/n3')!.data]).toEqual([9, 9])
    expect(before.stat()).toEqual(leaves[3]!.stat())
    expect([...before.data]).toEqual([...leaves[3]!.data])
    for (const i of [2, 4]) expectSame(tree, `/r/n${i}`, leaves[i]!)
    tree.apply(header(2 ** 34 + 1), { type: 'setACL', path: '/r/n4', acl: [...READ_ACL_UNSAFE], version: 1 })
    expect(tree.get('/r/n4')!.acl).toEqual(READ_ACL_UNSAFE)
    expect(tree.get('/r/n4')!.stat()).toMatchObject({ aversion: 1, mzxid: leaves[4]!.mzxid })
    expect(tree.rowCount).toBe(8)
  })

  it('makes a restored leaf a node of its own when a child is created under it, and lets rows go on delete', () => {
    const { tree, leaves } = restoredLeaves(4, pristine)
    const create = { type: 'create' as const, path: '/r/n1/c', data: new Uint8Array(1), acl: [...OPEN_ACL_UNSAFE], kind: 'persistent' as const, ephemeralOwner: 0n, ttlMs: 0 }
    tree.apply(header(2 ** 35), { ...create, parentCVersion: leaves[1]!.cversion + 1 })
    // The stored cversion is the count of creates; a client sees creates and deletes.
    expect(tree.get('/r/n1')!.stat()).toMatchObject({ numChildren: 1, pzxid: 2 ** 35, mzxid: leaves[1]!.mzxid, cversion: (leaves[1]!.cversion + 1) * 2 - 1 })
    expect(tree.rowCount).toBe(3)
    for (const i of [0, 2, 3]) tree.apply(header(2 ** 35 + i + 1), { type: 'delete', path: `/r/n${i}` })
    expect(tree.rowCount).toBe(0)
    expect(tree.get('/r')!.sortedChildren()).toEqual(['n1'])
    expect(tree.get('/r/n0')).toBeUndefined()
    expect(tree.get('/r')!.pzxid).toBe(2 ** 35 + 4)
  })

  it('leaves ephemerals, containers and nodes with buffers of their own as nodes', () => {
    const tree = new DataTree()
    const nodes = [100, 0, 1, 2, 3, 4, 5, 6].map((i) => leaf(i, OPEN_ACL_UNSAFE, i === 2 ? 'ephemeral' : i === 4 ? 'container' : 'persistent', pristine))
    const paths = ['/r', ...[0, 1, 2, 3, 4, 5, 6].map((i) => `/r/n${i}`)]
    restore(tree, paths, nodes)
    // n0 n1 | n2 ephemeral | n3 alone between two kinds | n4 container | n5 n6.
    expect(tree.rowCount).toBe(4)
    paths.slice(1).forEach((path, i) => expectSame(tree, path, nodes[i + 1]!))
    expect([...tree.ephemerals.get(77n)!]).toEqual(['/r/n2'])
    expect([...tree.containers]).toEqual(['/r/n4'])
    // Nodes made one at a time hold buffers of their own: none can share a run.
    const loose = new DataTree()
    loose.restoreNodes(paths, nodes)
    expect(loose.rowCount).toBe(0)
    paths.slice(1).forEach((path, i) => expectSame(loose, path, nodes[i + 1]!))
  })

  it('writes rows back into chunks that restore the same tree', () => {
    const { tree } = restoredLeaves(30, pristine, (i) => (i % 3 === 0 ? secret : OPEN_ACL_UNSAFE))
    tree.apply(header(2 ** 36), { type: 'setData', path: '/r/n7', data: new Uint8Array([1]), version: 2 })
    const entries = [...tree.entries()]
    const copy = new DataTree()
    restore(
      copy,
      entries.map(([path]) => path),
      entries.map(([, node]) => node),
      7,
    )
    expect(copy.size).toBe(tree.size)
    for (const [path, node] of entries) expectSame(copy, path, node)
  })

  it('lets a capture taken before a change to a row read the row as it was', () => {
    const { tree, leaves } = restoredLeaves(5, pristine)
    const capture = TreeCapture.take(tree)
    tree.apply(header(2 ** 37), { type: 'setData', path: '/r/n2', data: new Uint8Array([5]), version: 1 })
    tree.apply(header(2 ** 37 + 1), { type: 'delete', path: '/r/n3' })
    expect([...capture.read('/r/n2')!.data]).toEqual([...leaves[2]!.data])
    expect(capture.read('/r/n2')!.mzxid).toBe(leaves[2]!.mzxid)
    expect(capture.read('/r/n3')!.version).toBe(leaves[3]!.version)
    capture.release()
  })

  it('replaces a row restored again into a tree that changed, without counting it twice', () => {
    const tree = new DataTree()
    tree.apply(header(1), { type: 'create', path: '/x', data: new Uint8Array(0), acl: [...OPEN_ACL_UNSAFE], kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 1 })
    const first = [0, 1, 2].map((i) => leaf(i, OPEN_ACL_UNSAFE, 'persistent', pristine))
    const second = [10, 11, 12].map((i) => leaf(i, OPEN_ACL_UNSAFE, 'persistent', pristine))
    const paths = ['/x/a', '/x/b', '/x/c']
    restore(tree, paths, first)
    expect(tree.rowCount).toBe(3)
    const size = tree.approximateDataSize
    restore(tree, paths, second)
    expect(tree.rowCount).toBe(3)
    const bytes = (nodes: ZNode[]) => nodes.reduce((sum, node) => sum + node.dataLength, 0)
    expect(tree.approximateDataSize).toBe(size - bytes(first) + bytes(second))
    paths.forEach((path, i) => expectSame(tree, path, second[i]!))
    expect(tree.get('/x')!.numChildren).toBe(3)
  })
})

describe('pristine and changed leaves side by side', () => {
  it('breaks runs where a leaf changes kind of row, and keeps every field of both kinds', () => {
    const tree = new DataTree()
    // p p c c c p c p p p: runs of 2, 3, 3 (a lone p and a lone c between others stay nodes).
    const kinds = [true, true, false, false, false, true, false, true, true, true]
    const nodes = kinds.map((pristine, i) => leaf(i, i === 8 ? secret : OPEN_ACL_UNSAFE, 'persistent', pristine))
    const paths = nodes.map((_, i) => `/n${i}`)
    restore(tree, paths, nodes)
    expect(tree.rowCount).toBe(8)
    paths.forEach((path, i) => expectSame(tree, path, nodes[i]!))
    // A pristine row's view has numbers of its own: changing another node leaves it as it was.
    tree.apply(header(2 ** 38), { type: 'setData', path: '/n8', data: new Uint8Array([4]), version: 1 })
    expectSame(tree, '/n7', nodes[7]!)
    expectSame(tree, '/n9', nodes[9]!)
    expect(tree.get('/n8')!.stat()).toMatchObject({ version: 1, mzxid: 2 ** 38, czxid: nodes[8]!.czxid, ctime: nodes[8]!.ctime })
    expect(tree.get('/n8')!.acl).toEqual(secret)
  })
})

describe('pristine runs across an epoch and a time boundary', () => {
  it('starts a run where the high half of czxid or ctime changes, and gives back every field', () => {
    const tree = new DataTree()
    const span = 2 ** 32
    // Three of epoch 1, three of epoch 2, three of epoch 2 whose ctime passed into the next 2^32 ms.
    const numbers = [
      [span + 1, 400 * span - 3],
      [span + 2, 400 * span - 2],
      [span + 3, 400 * span - 1],
      [2 * span, 400 * span - 1],
      [2 * span + 1, 400 * span - 1],
      [2 * span + 2, 400 * span - 1],
      [2 * span + 3, 400 * span],
      [2 * span + 4, 400 * span + 5],
      [2 * span + 5, 401 * span - 1],
    ]
    const nodes = numbers.map(([zxid, time], i) => new ZNode(new Uint8Array([i]), OPEN_ACL_UNSAFE, zxid!, zxid!, zxid!, time!, time!, 0, 0, 0, 0n, 'persistent', 0))
    const paths = nodes.map((_, i) => `/t${i}`)
    restore(tree, paths, nodes)
    expect(tree.rowCount).toBe(9)
    paths.forEach((path, i) => expectSame(tree, path, nodes[i]!))
  })
})
