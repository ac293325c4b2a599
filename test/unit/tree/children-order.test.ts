// Method: structural checks of the ordered child list a znode keeps (no timing): the list is the
// same object on repeated reads, Array.prototype.sort is spied on to count sorts, and a seeded
// random mix of creates, deletes and reads is checked against sorting the children afresh.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DataTree, NotATreeError, ZNode } from '../../../lib/tree/data-tree.js'
import { OPEN_ACL_UNSAFE } from '../../../lib/protocol/data.js'
import type { Txn, TxnHeader } from '../../../lib/txn/types.js'
import { WatchManager } from '../../../lib/watch/watch-manager.js'
import { getChildren, type ReadContext } from '../../../lib/server/reads.js'

let zxid = 0
const header = (): TxnHeader => ({ sessionId: 1n, cxid: 0, zxid: ++zxid, time: zxid })
const create = (path: string): Txn => ({
  type: 'create', path, data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 1,
})
const remove = (path: string): Txn => ({ type: 'delete', path })

function readContext(tree: DataTree): ReadContext {
  return { tree, watches: new WatchManager(), watcher: { process: () => {} }, authInfo: [], skipACL: false }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the ordered children of a znode', () => {
  it('answers repeated getChildren of a 50,000-child node without sorting again', () => {
    const tree = new DataTree()
    tree.apply(header(), create('/big'))
    // Created in reverse order, so insertion order is not sorted order.
    for (let i = 50_000; i > 0; i--) tree.apply(header(), create(`/big/n${i}`))
    const ctx = readContext(tree)
    const first = getChildren(ctx, { op: 'getChildren', path: '/big', watch: false })
    const sort = vi.spyOn(Array.prototype, 'sort')
    const second = getChildren(ctx, { op: 'getChildren', path: '/big', watch: false })
    expect(sort).not.toHaveBeenCalled()
    expect('children' in second && second.children).toEqual('children' in first && first.children)
    expect(tree.get('/big')!.sortedChildren()).toBe(tree.get('/big')!.sortedChildren())
  })

  it('after a few creates and deletes sorts only the new names, not the whole list', () => {
    const tree = new DataTree()
    tree.apply(header(), create('/big'))
    for (let i = 0; i < 50_000; i++) tree.apply(header(), create(`/big/n${i}`))
    const node = tree.get('/big')!
    node.sortedChildren()
    tree.apply(header(), create('/big/a-new'))
    tree.apply(header(), create('/big/z-new'))
    tree.apply(header(), remove('/big/n7'))
    const sort = vi.spyOn(Array.prototype, 'sort')
    const children = node.sortedChildren()
    const sortedLengths = sort.mock.contexts.map((list) => (list as unknown[]).length)
    sort.mockRestore()
    expect(sortedLengths.every((n) => n <= 2)).toBe(true)
    expect(children).toEqual([...node.childPaths()].map((path) => path.slice('/big/'.length)).sort())
  })

  it('hands out a copy: changing a getChildren answer does not change the next one', () => {
    const tree = new DataTree()
    tree.apply(header(), create('/p'))
    for (const name of ['b', 'a', 'c']) tree.apply(header(), create(`/p/${name}`))
    const ctx = readContext(tree)
    const answer = getChildren(ctx, { op: 'getChildren', path: '/p', watch: false })
    if (!('children' in answer)) throw new Error('getChildren failed')
    answer.children.reverse().push('x')
    const again = getChildren(ctx, { op: 'getChildren', path: '/p', watch: false })
    expect('children' in again && again.children).toEqual(['a', 'b', 'c'])
  })

  it('matches a fresh sort after any seeded mix of creates, deletes, re-creates and reads', () => {
    let seed = 12345
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const tree = new DataTree()
    tree.apply(header(), create('/p'))
    const node = tree.get('/p')!
    for (let step = 0; step < 20_000; step++) {
      const name = `k${random(300)}`
      const roll = random(10)
      if (roll < 5) tree.apply(header(), create(`/p/${name}`))
      else if (roll < 8) tree.apply(header(), remove(`/p/${name}`))
      else expect(node.sortedChildren()).toEqual([...node.childPaths()].map((path) => path.slice('/p/'.length)).sort())
    }
  })

  it('orders the children a snapshot restore links, and those created after it', () => {
    const restored = new DataTree()
    const paths = ['/p', '/p/m', '/p/b', '/p/x']
    const nodes = paths.map(() => new ZNode(new Uint8Array(0), OPEN_ACL_UNSAFE, 1, 1, 1, 0, 0, 0, 0, 0, 0n, 'persistent', 0))
    restored.restoreNodes(paths, nodes)
    expect(restored.get('/p')!.sortedChildren()).toEqual(['b', 'm', 'x'])
    restored.apply(header(), create('/p/a'))
    expect(restored.get('/p')!.sortedChildren()).toEqual(['a', 'b', 'm', 'x'])
  })

  it('keeps restored children right through listings, deletes, re-creates and more listings', () => {
    const tree = new DataTree()
    const names = Array.from({ length: 500 }, (_, i) => `c${(i * 7919) % 500}`)
    const paths = ['/p', ...names.map((name) => `/p/${name}`)]
    tree.restoreNodes(paths, paths.map(() => plainNode()))
    const node = tree.get('/p')!
    const expected = new Set(names)
    const check = (): void => {
      expect(node.numChildren).toBe(expected.size)
      expect(node.sortedChildren()).toEqual([...expected].sort())
      expect([...node.childPaths()].sort()).toEqual([...expected].sort().map((name) => `/p/${name}`))
    }
    check()
    tree.apply(header(), create('/p/new'))
    expected.add('new')
    check()
    for (const name of ['c3', 'c250', 'new']) {
      tree.apply(header(), remove(`/p/${name}`))
      expected.delete(name)
    }
    check()
    tree.apply(header(), create('/p/c3'))
    expected.add('c3')
    check()
    expect(node.hasChild('/p/c3')).toBe(true)
    expect(node.hasChild('/p/c250')).toBe(false)
  })

  it('links a restored system node to its parent once, and a restored node over a created one keeps its children', () => {
    const fresh = new DataTree()
    fresh.restoreNodes(['/', '/zookeeper', '/a'], [plainNode(), plainNode(), plainNode()])
    expect(fresh.get('/')!.sortedChildren()).toEqual(['a', 'zookeeper'])
    expect(fresh.get('/zookeeper')!.sortedChildren()).toEqual(['config', 'quota'])

    const used = new DataTree()
    used.apply(header(), create('/a'))
    used.apply(header(), create('/a/b'))
    used.restoreNodes(['/a', '/c'], [plainNode(), plainNode()])
    expect(used.get('/a')!.sortedChildren()).toEqual(['b'])
    expect(used.get('/')!.sortedChildren()).toEqual(['a', 'c', 'zookeeper'])
  })

  it('refuses a snapshot that holds a path twice, naming it', () => {
    const tree = new DataTree()
    expect(() => tree.restoreNodes(['/p', '/p/a', '/p/a'], [plainNode(), plainNode(), plainNode()])).toThrow(new NotATreeError('the snapshot holds /p/a twice'))
  })

  it('refuses a snapshot that holds a node before its parent, or without one, naming it', () => {
    expect(() => new DataTree().restoreNodes(['/p/a', '/p'], [plainNode(), plainNode()])).toThrow(new NotATreeError('the snapshot holds /p/a without its parent before it'))
    expect(() => new DataTree().restoreNodes(['/p', '/q/a'], [plainNode(), plainNode()])).toThrow(new NotATreeError('the snapshot holds /q/a without its parent before it'))
    // A parent restored by an earlier call (an earlier chunk) counts.
    const tree = new DataTree()
    tree.restoreNodes(['/p'], [plainNode()])
    tree.restoreNodes(['/p/a'], [plainNode()])
    expect(tree.get('/p')!.sortedChildren()).toEqual(['a'])
  })
})

function plainNode(): ZNode {
  return new ZNode(new Uint8Array(0), OPEN_ACL_UNSAFE, 1, 1, 1, 0, 0, 0, 0, 0, 0n, 'persistent', 0)
}
