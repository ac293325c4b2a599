// Method: a DataTree wired to a WatchManager as the pipeline wires them, watches registered through reads.addWatch/setWatches for a connection with given identities, then transactions applied; the rows follow ZooKeeper 3.9.2's PersistentWatcherACLTest truth table (ZOOKEEPER-4799, CVE-2024-23944).
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import { OPEN_ACL_UNSAFE, Perms, SUPER_ID, type ACL, type Id } from '../../../lib/protocol/data.js'
import type { AddWatchMode, WatchNotification } from '../../../lib/protocol/watch.js'
import { addWatch, readCheck, setWatches, type ReadContext } from '../../../lib/server/reads.js'
import { DataTree } from '../../../lib/tree/data-tree.js'
import type { Txn } from '../../../lib/txn/types.js'
import { WatchManager } from '../../../lib/watch/watch-manager.js'

/** Every permission but READ, for anyone (the truth table's "denied"). */
const NO_READ: readonly ACL[] = [{ perms: Perms.ALL & ~Perms.READ, id: { scheme: 'world', id: 'anyone' } }]
/** READ for one digest user only. */
const ALICE_ONLY: readonly ACL[] = [{ perms: Perms.ALL, id: { scheme: 'digest', id: 'alice:hash' } }]

/**
 * A tree and its watch manager, wired as lib/server/pipeline.ts wires them; with `deletedAcl`
 * the trigger of NodeDeleted also gets the deleted node's ACL, as ZooKeeper's DataTree passes it
 * (the tree's listener does not carry it yet, so this harness captures it before the delete).
 */
function member({ deletedAcl = true } = {}) {
  const tree = new DataTree()
  const watches = new WatchManager()
  const aclBeforeDelete = new Map<string, readonly ACL[]>()
  tree.listener = (type, path, zxid) => watches.trigger(type, path, zxid, type === 'NodeDeleted' ? aclBeforeDelete.get(path) : undefined)
  let zxid = 0
  const apply = (txn: Txn) => {
    if (txn.type === 'delete' && deletedAcl) {
      const node = tree.get(txn.path)
      if (node !== undefined) aclBeforeDelete.set(txn.path, node.acl)
    }
    tree.apply({ sessionId: 1n, cxid: 0, zxid: ++zxid, time: zxid }, txn)
    aclBeforeDelete.clear()
  }
  return {
    tree,
    watches,
    create: (path: string, acl: readonly ACL[] = OPEN_ACL_UNSAFE) =>
      apply({ type: 'create', path, data: new Uint8Array(0), acl, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 0 }),
    setData: (path: string) => apply({ type: 'setData', path, data: new Uint8Array([1]), version: 1 }),
    remove: (path: string) => apply({ type: 'delete', path }),
  }
}

/** A connection with `authInfo`, recording `TYPE path` per notification. */
function connection(m: ReturnType<typeof member>, authInfo: Id[] = [{ scheme: 'ip', id: '127.0.0.1' }], skipACL = false) {
  const events: string[] = []
  const watcher = { process: (e: WatchNotification) => void events.push(`${e.type} ${e.path}`) }
  const ctx: ReadContext = { tree: m.tree, watches: m.watches, watcher, authInfo, skipACL }
  const watch = (path: string, mode: AddWatchMode) => addWatch(ctx, { op: 'addWatch', path, mode })
  return { ctx, events, authInfo, watch }
}

describe('persistent recursive watches see only what the watcher may READ (CVE-2024-23944)', () => {
  it('does not tell a session without READ on /secret of /secret/x changes, but does of readable nodes', () => {
    const m = member()
    m.create('/secret', NO_READ)
    m.create('/public')
    const c = connection(m)
    expect(c.watch('/', 'persistentRecursive')).toEqual({ err: 0 })
    m.create('/secret/x', NO_READ)
    m.setData('/secret/x')
    m.remove('/secret/x')
    m.create('/public/y')
    m.setData('/public/y')
    m.remove('/public/y')
    expect(c.events).toEqual(['NodeCreated /public/y', 'NodeDataChanged /public/y', 'NodeDeleted /public/y'])
  })

  it('accepts addWatch on a node the session cannot read, as ZooKeeper 3.9.2 does, and reports only readable descendants', () => {
    // Truth table row "a denies, see all b changes and b's children, nothing for c".
    const m = member()
    m.create('/a', NO_READ)
    const c = connection(m)
    expect(c.watch('/a', 'persistentRecursive')).toEqual({ err: 0 })
    m.setData('/a')
    m.create('/a/b')
    m.setData('/a/b')
    m.create('/a/b/c', NO_READ)
    m.setData('/a/b/c')
    m.remove('/a/b/c')
    m.remove('/a/b')
    expect(c.events).toEqual(['NodeCreated /a/b', 'NodeDataChanged /a/b', 'NodeDeleted /a/b'])
  })

  it('reports a readable node\'s own changes and child changes to a persistent watch, not a denied child\'s', () => {
    // Truth table row "a changes, incl children, are seen" (the child b denied).
    const m = member()
    const c = connection(m)
    c.watch('/a', 'persistent')
    m.create('/a')
    m.setData('/a')
    m.create('/a/b', NO_READ)
    m.setData('/a/b')
    m.remove('/a/b')
    m.remove('/a')
    expect(c.events).toEqual(['NodeCreated /a', 'NodeDataChanged /a', 'NodeChildrenChanged /a', 'NodeChildrenChanged /a', 'NodeDeleted /a'])
  })

  it('shows everything to a super session and to a server with skipACL', () => {
    const m = member()
    m.create('/secret', NO_READ)
    const superUser = connection(m, [{ scheme: 'ip', id: '127.0.0.1' }, { ...SUPER_ID }])
    const skipping = connection(m, [{ scheme: 'ip', id: '127.0.0.1' }], true)
    superUser.watch('/', 'persistentRecursive')
    skipping.watch('/', 'persistentRecursive')
    m.create('/secret/x', NO_READ)
    m.remove('/secret/x')
    for (const c of [superUser, skipping]) expect(c.events).toEqual(['NodeCreated /secret/x', 'NodeDeleted /secret/x'])
  })

  it('counts identities added by addauth after the watch was set', () => {
    const m = member()
    m.create('/private', ALICE_ONLY)
    const c = connection(m)
    c.watch('/private', 'persistent')
    m.setData('/private')
    c.authInfo.push({ scheme: 'digest', id: 'alice:hash' })
    m.setData('/private')
    expect(c.events).toEqual(['NodeDataChanged /private'])
  })

  it('filters the persistent watches setWatches re-registers after a reconnect', () => {
    const m = member()
    m.create('/secret', NO_READ)
    const c = connection(m)
    const request = { op: 'setWatches' as const, relativeZxid: m.tree.lastProcessedZxid, dataWatches: [], existWatches: [], childWatches: [], persistentWatches: ['/secret'], persistentRecursiveWatches: ['/'] }
    expect(setWatches(c.ctx, request)).toEqual({ err: 0 })
    m.create('/secret/x', NO_READ)
    m.setData('/secret')
    m.create('/seen')
    expect(c.events).toEqual(['NodeCreated /seen'])
  })

  it('answers BADARGUMENTS to addWatch on an invalid path and registers nothing', () => {
    const m = member()
    const c = connection(m)
    expect(c.watch('no-slash', 'persistent')).toEqual({ err: ErrorCode.BADARGUMENTS })
    expect(m.watches.size).toBe(0)
  })
})

describe('readCheck: the READ check for a node that may be gone', () => {
  it('uses the ACL the trigger passes for a deleted node, exactly as ZooKeeper\'s DataTree passes it', () => {
    const m = member()
    m.create('/open')
    const check = readCheck(connection(m).ctx)
    expect(check('/open/gone', NO_READ)).toBe(false)
    expect(check('/open/gone', OPEN_ACL_UNSAFE)).toBe(true)
  })

  it('without that ACL (the pipeline\'s wiring today) judges a deleted node by READ on its parent, which lists its name anyway', () => {
    const m = member({ deletedAcl: false })
    m.create('/open')
    m.create('/closed', NO_READ)
    m.create('/closed/readable')
    m.create('/open/hidden', NO_READ)
    const c = connection(m)
    c.watch('/', 'persistentRecursive')
    m.remove('/closed/readable')
    m.remove('/open/hidden')
    expect(c.events).toEqual(['NodeDeleted /open/hidden'])
  })

  it('judges a path by its parent only when the node is gone, and denies when both are', () => {
    const m = member()
    m.create('/open')
    m.create('/closed', NO_READ)
    const check = readCheck(connection(m).ctx)
    expect(check('/open/gone', undefined)).toBe(true)
    expect(check('/closed/gone', undefined)).toBe(false)
    expect(check('/nowhere/gone', undefined)).toBe(false)
  })
})
