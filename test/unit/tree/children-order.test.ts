// Method: structural checks of the ordered child list a znode keeps (no timing): the list is the
// same object on repeated reads, Array.prototype.sort is spied on to count sorts, and a seeded
// random mix of creates, deletes and reads is checked against sorting the children afresh.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DataTree, ZNode } from '../../../lib/tree/data-tree.js'
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
    expect(children).toEqual([...node.children!].map((path) => path.slice('/big/'.length)).sort())
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
      else expect(node.sortedChildren()).toEqual([...(node.children ?? [])].map((path) => path.slice('/p/'.length)).sort())
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
})
