/**
 * Client-side watch bookkeeping (apache/zookeeper ZKWatchManager): which callbacks wait on which
 * path, and which of them a notification wakes. The server keeps one watch per connection and
 * path; the client fans a notification out to every callback registered for it, once each.
 * @module
 */
import { parentPath } from '../path.js'
import type { EventType } from '../protocol/watch.js'
import type { WatchCallback } from './events.js'

type Table = Map<string, Set<WatchCallback>>

/** The kinds of watch a client registers. */
export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive'

function add(table: Table, path: string, callback: WatchCallback): void {
  let set = table.get(path)
  if (set === undefined) table.set(path, (set = new Set()))
  set.add(callback)
}

function take(table: Table, path: string, into: Set<WatchCallback>): void {
  const set = table.get(path)
  if (set === undefined) return
  table.delete(path)
  for (const cb of set) into.add(cb)
}

function peek(table: Table, path: string, into: Set<WatchCallback>): void {
  const set = table.get(path)
  if (set !== undefined) for (const cb of set) into.add(cb)
}

/** All watch callbacks of one client session. */
export class WatchRegistry {
  private readonly tables: Record<WatchKind, Table> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  }

  /** Registers `callback` as a watch of `kind` on `path`. */
  add(kind: WatchKind, path: string, callback: WatchCallback): void {
    add(this.tables[kind], path, callback)
  }

  /** Removes one callback (or all of a kind when none is given); returns whether any was there. */
  remove(kind: WatchKind, path: string, callback?: WatchCallback): boolean {
    const table = this.tables[kind]
    const set = table.get(path)
    if (set === undefined) return false
    if (callback === undefined) return table.delete(path)
    const removed = set.delete(callback)
    if (set.size === 0) table.delete(path)
    return removed
  }

  /** True when some callback of `kind` waits on `path`. */
  has(kind: WatchKind, path: string): boolean {
    return this.tables[kind].has(path)
  }

  /** The callbacks a notification wakes; one-shot ones are removed as ZooKeeper's client does. */
  materialize(type: EventType, path: string): Set<WatchCallback> {
    const out = new Set<WatchCallback>()
    const t = this.tables
    switch (type) {
      case 'NodeCreated':
      case 'NodeDataChanged':
        take(t.data, path, out)
        take(t.exist, path, out)
        break
      case 'NodeChildrenChanged':
        take(t.child, path, out)
        break
      case 'NodeDeleted':
        take(t.data, path, out)
        take(t.exist, path, out)
        take(t.child, path, out)
        break
      default:
        return out
    }
    peek(t.persistent, path, out)
    if (type !== 'NodeChildrenChanged') for (let p = path; p !== ''; p = parentPath(p)) peek(t.persistentRecursive, p, out)
    return out
  }

  /** Every callback of every kind (for session events such as Expired), clearing one-shot ones. */
  drainAll(): Set<WatchCallback> {
    const out = new Set<WatchCallback>()
    for (const table of Object.values(this.tables)) for (const set of table.values()) for (const cb of set) out.add(cb)
    for (const table of Object.values(this.tables)) table.clear()
    return out
  }

  /** Paths by kind, for setWatches after a reconnect. */
  paths(): Record<WatchKind, string[]> {
    const t = this.tables
    return {
      data: [...t.data.keys()],
      exist: [...t.exist.keys()],
      child: [...t.child.keys()],
      persistent: [...t.persistent.keys()],
      persistentRecursive: [...t.persistentRecursive.keys()],
    }
  }
}
