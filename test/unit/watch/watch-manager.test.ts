// Method: drive the pure WatchManager directly with recording watchers and stub READ checks; cost is checked structurally (how many map lookups an operation makes, what stays registered), never by timing.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ACL } from '../../../lib/protocol/data.js'
import type { WatchNotification } from '../../../lib/protocol/watch.js'
import { WatchManager, type ReadCheck, type Watcher } from '../../../lib/watch/watch-manager.js'

/** A watcher that records `TYPE path` for each notification. */
function recording(): Watcher & { events: string[] } {
  const events: string[] = []
  return { events, process: (e: WatchNotification) => void events.push(`${e.type} ${e.path}`) }
}

/** A READ check that denies every path under one of `denied` (the path itself included). */
function denying(...denied: string[]): ReadCheck {
  return (path) => !denied.some((d) => path === d || path.startsWith(`${d}/`))
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('WatchManager: events through persistent watches are filtered by READ (ZooKeeper 3.9.2, CVE-2024-23944)', () => {
  it('does not deliver a recursive watch event for a node the watcher cannot read, and does for readable ones', () => {
    const watches = new WatchManager()
    const w = recording()
    watches.addPersistentWatch('/', w, 'persistentRecursive', denying('/secret'))
    watches.trigger('NodeCreated', '/secret/x', 1)
    watches.trigger('NodeDataChanged', '/secret/x', 2)
    watches.trigger('NodeDeleted', '/secret/x', 3)
    watches.trigger('NodeCreated', '/public/y', 4)
    expect(w.events).toEqual(['NodeCreated /public/y'])
  })

  it('checks NodeChildrenChanged of a persistent watch against the watched node itself', () => {
    const watches = new WatchManager()
    const w = recording()
    watches.addPersistentWatch('/secret', w, 'persistent', denying('/secret'))
    watches.addPersistentWatch('/open', w, 'persistent', denying('/secret'))
    watches.trigger('NodeChildrenChanged', '/secret', 1)
    watches.trigger('NodeChildrenChanged', '/open', 2)
    expect(w.events).toEqual(['NodeChildrenChanged /open'])
  })

  it('passes the changed node\'s ACL from trigger to the check, for a node no longer in the tree', () => {
    const watches = new WatchManager()
    const seen: [string, readonly ACL[] | undefined][] = []
    const acl: readonly ACL[] = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }]
    watches.addPersistentWatch('/', recording(), 'persistentRecursive', (path, given) => (seen.push([path, given]), true))
    watches.trigger('NodeDeleted', '/gone', 7, acl)
    watches.trigger('NodeDataChanged', '/here', 8)
    expect(seen).toEqual([['/gone', acl], ['/here', undefined]])
  })

  it('checks each watcher with its own check, and counts only the watchers notified', () => {
    const watches = new WatchManager()
    const denied = recording()
    const allowed = recording()
    watches.addPersistentWatch('/', denied, 'persistentRecursive', denying('/secret'))
    watches.addPersistentWatch('/', allowed, 'persistentRecursive', () => true)
    expect(watches.trigger('NodeDataChanged', '/secret/x', 1)).toBe(1)
    expect(denied.events).toEqual([])
    expect(allowed.events).toEqual(['NodeDataChanged /secret/x'])
  })

  it('keeps one-shot watches unchecked (their read checked READ) and notifies a watcher once per event', () => {
    const watches = new WatchManager()
    const w = recording()
    watches.addPersistentWatch('/', w, 'persistentRecursive', denying('/secret'))
    watches.addDataWatch('/secret/x', w)
    watches.trigger('NodeDataChanged', '/secret/x', 1)
    watches.trigger('NodeDataChanged', '/secret/x', 2)
    expect(w.events).toEqual(['NodeDataChanged /secret/x'])
  })

  it('delivers unchecked when a persistent watch was registered without a check', () => {
    const watches = new WatchManager()
    const w = recording()
    watches.addPersistentWatch('/', w, 'persistentRecursive')
    watches.trigger('NodeCreated', '/secret/x', 1)
    expect(w.events).toEqual(['NodeCreated /secret/x'])
  })
})

describe('WatchManager: each watcher\'s own index', () => {
  it('removes a watcher with 3 watches in a few lookups, leaving another watcher\'s 100,000 watches untouched', () => {
    const watches = new WatchManager()
    const big = recording()
    const small = recording()
    for (let i = 0; i < 100_000; i++) watches.addDataWatch(`/n${i}`, big)
    watches.addDataWatch('/n1', small)
    watches.addChildWatch('/n2', small)
    watches.addPersistentWatch('/n3', small, 'persistentRecursive')
    expect(watches.size).toBe(100_003)

    const lookups = vi.spyOn(Map.prototype, 'get')
    const iterations = vi.spyOn(Map.prototype, 'keys')
    watches.removeWatcher(small)
    const made = lookups.mock.calls.length
    lookups.mockRestore()
    expect(made).toBeLessThanOrEqual(8)
    expect(iterations).not.toHaveBeenCalled()

    expect(watches.size).toBe(100_000)
    expect(watches.watcherCount).toBe(1)
    expect(watches.watchesOf(small)).toEqual({ data: [], child: [], persistent: [], recursive: [] })
    expect(watches.watchesOf(big).data).toHaveLength(100_000)
    watches.trigger('NodeDataChanged', '/n1', 1)
    expect(big.events).toEqual(['NodeDataChanged /n1'])
    expect(small.events).toEqual([])
  })

  it('forgets a watcher once its last watch fired or was removed', () => {
    const watches = new WatchManager()
    const w = recording()
    watches.addDataWatch('/a', w)
    watches.addPersistentWatch('/b', w, 'persistent')
    watches.trigger('NodeDataChanged', '/a', 1)
    expect(watches.watchesOf(w)).toEqual({ data: [], child: [], persistent: ['/b'], recursive: [] })
    expect(watches.remove('/b', w, 'persistent')).toEqual(['persistent'])
    expect(watches.watcherCount).toBe(0)
    expect(watches.size).toBe(0)
  })

  it('moves a persistent watch between modes on the same path in both indexes', () => {
    const watches = new WatchManager()
    const w = recording()
    watches.addPersistentWatch('/p', w, 'persistent')
    watches.addPersistentWatch('/p', w, 'persistentRecursive')
    expect(watches.watchesOf(w)).toEqual({ data: [], child: [], persistent: [], recursive: ['/p'] })
    expect(watches.remove('/p', w, 'persistent', true)).toEqual([])
    expect(watches.remove('/p', w, 'any', true)).toEqual(['persistentRecursive'])
    expect(watches.size).toBe(1)
  })

  it('lists by path what every watcher holds, for wchp', () => {
    const watches = new WatchManager()
    const a = recording()
    const b = recording()
    watches.addDataWatch('/x', a)
    watches.addChildWatch('/x', b)
    watches.addPersistentWatch('/y', b, 'persistent')
    expect([...watches.byPath()].map(([path, set]) => [path, set.size])).toEqual([['/x', 2], ['/y', 1]])
  })
})
