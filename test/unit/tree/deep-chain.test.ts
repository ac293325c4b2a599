// Method: build a 10,000-deep chain of znodes by applying create txns to a bare DataTree (deeper
// than the ~6,000 levels that overflowed the recursive walks), then run every walk the tree has and
// check its answer against a count made from the flat list of paths.
import { describe, expect, it } from 'vitest'
import { DataTree } from '../../../lib/tree/data-tree.js'
import { OPEN_ACL_UNSAFE } from '../../../lib/protocol/data.js'
import type { CreateTxn, TxnHeader } from '../../../lib/txn/types.js'

const depth = 10_000
let zxid = 0
const header = (): TxnHeader => ({ sessionId: 1n, cxid: 0, zxid: ++zxid, time: zxid })
const encoder = new TextEncoder()

function createTxn(path: string, data = 'd'): CreateTxn {
  return { type: 'create', path, data: encoder.encode(data), acl: OPEN_ACL_UNSAFE, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 1 }
}

/** Creates `<top>/c/c/…` with `levels` nodes; returns the deepest path. */
function chain(tree: DataTree, top: string, levels: number): string {
  let path = top
  for (let i = 0; i < levels; i++, path += '/c') {
    if (tree.apply(header(), createTxn(path)).err !== 0) throw new Error(`create ${i} failed`)
  }
  return path.slice(0, -2)
}

/** Nodes at or below `top`, counted from the flat list of paths. */
function countUnder(tree: DataTree, top: string): { count: number; bytes: number } {
  let count = 0
  let bytes = 0
  for (const path of tree.paths()) {
    if (path !== top && !path.startsWith(`${top}/`)) continue
    count++
    bytes += tree.get(path)!.data.length
  }
  return { count, bytes }
}

const text = (data: Uint8Array | undefined): string => new TextDecoder().decode(data)

// Two chains, built once (a chain this deep takes about a second): one under /deep, one under
// /zookeeper/quota/q, whose bottom holds a quota's limit and stat nodes.
const tree = new DataTree()
chain(tree, '/deep', depth)
const quotaTree = new DataTree()
const bottom = chain(quotaTree, '/zookeeper/quota/q', depth)
quotaTree.apply(header(), createTxn(`${bottom}/zookeeper_limits`, 'count=-1,bytes=-1'))
quotaTree.apply(header(), createTxn(`${bottom}/zookeeper_stats`, 'count=0,bytes=0'))

describe('tree walks over a 10,000-deep chain', () => {
  it('descendantCount counts every level without overflowing the stack', () => {
    expect(tree.descendantCount('/deep')).toBe(depth - 1)
    expect(tree.descendantCount('/')).toBe(tree.size - 1)
    expect(tree.descendantCount('/missing')).toBe(-1)
  })

  it('forEachInSubtree visits each node once, parents before children', () => {
    const seen: string[] = []
    tree.forEachInSubtree('/deep', (path) => seen.push(path))
    expect(seen.length).toBe(depth)
    expect(seen.every((path, i) => i === 0 || path.length === seen[i - 1]!.length + 2)).toBe(true)
  })

  it('a stat node created over the chain counts the whole subtree (refreshUsage)', () => {
    tree.apply(header(), createTxn('/zookeeper/quota/deep', ''))
    tree.apply(header(), createTxn('/zookeeper/quota/deep/zookeeper_limits', 'count=-1,bytes=-1'))
    tree.apply(header(), createTxn('/zookeeper/quota/deep/zookeeper_stats', 'count=0,bytes=0'))
    const usage = countUnder(tree, '/deep')
    expect(usage.count).toBe(depth)
    expect(text(tree.get('/zookeeper/quota/deep/zookeeper_stats')?.data)).toBe(`count=${usage.count},bytes=${usage.bytes}`)
  })

  it('keeps the approximate data size (path plus data lengths) without walking, equal to a count over every node', () => {
    const deepest = `/deep${'/c'.repeat(depth - 1)}`
    tree.apply(header(), { type: 'setData', path: deepest, data: encoder.encode('longer data'), version: 1 })
    tree.apply(header(), { type: 'delete', path: deepest })
    tree.apply(header(), createTxn('/deep/more', 'xyz'))
    let expected = 0
    for (const path of tree.paths()) expected += path.length + tree.get(path)!.data.length
    expect(tree.approximateDataSize).toBe(expected)
  })

  it('a quota on /zookeeper counts the chain built under /zookeeper/quota itself', () => {
    quotaTree.apply(header(), createTxn('/zookeeper/quota/zookeeper', ''))
    quotaTree.apply(header(), createTxn('/zookeeper/quota/zookeeper/zookeeper_limits', 'count=-1,bytes=-1'))
    quotaTree.apply(header(), createTxn('/zookeeper/quota/zookeeper/zookeeper_stats', 'count=0,bytes=0'))
    const usage = countUnder(quotaTree, '/zookeeper')
    expect(usage.count).toBeGreaterThan(depth)
    // The stat node is inside the subtree it counts: its own bytes are those it held while counting.
    expect(text(quotaTree.get('/zookeeper/quota/zookeeper/zookeeper_stats')?.data)).toMatch(new RegExp(`^count=${usage.count},bytes=\\d+$`))
  })

  it('restoreQuotas finds the limit node at the bottom of the chain and recounts every quota', () => {
    quotaTree.apply(header(), { type: 'setData', path: '/zookeeper/quota/zookeeper/zookeeper_stats', data: encoder.encode('count=0,bytes=0'), version: 1 })
    quotaTree.restoreQuotas()
    const usage = countUnder(quotaTree, '/zookeeper')
    expect(text(quotaTree.get('/zookeeper/quota/zookeeper/zookeeper_stats')?.data)).toMatch(new RegExp(`^count=${usage.count},bytes=\\d+$`))
    // The bottom's quota path (/q/c/c/…, 10,000 levels) does not exist: 0 nodes, as ZooKeeper counts it.
    expect(text(quotaTree.get(`${bottom}/zookeeper_stats`)?.data)).toBe('count=0,bytes=0')
  })
})
