/**
 * Server-side watches (apache/zookeeper WatchManager): one-shot data and child watches, and
 * persistent and persistent-recursive ones (addWatch). A watcher is a connection; it gets one
 * notification per event however many of its watches the event triggers.
 * @module
 */
import { parentPath } from '../path.js'
import type { AddWatchMode, EventType, WatcherType, WatchNotification } from '../protocol/watch.js'


/** Whoever holds watches: in practice one client connection. */
export interface Watcher {
  /** Delivers one notification; must not throw and must not re-enter the server synchronously. */
  process(event: WatchNotification): void
}

type Table = Map<string, Set<Watcher>>

function add(table: Table, path: string, watcher: Watcher): void {
  let set = table.get(path)
  if (set === undefined) table.set(path, (set = new Set()))
  set.add(watcher)
}

function take(table: Table, path: string, into: Set<Watcher>): void {
  const set = table.get(path)
  if (set === undefined) return
  table.delete(path)
  for (const w of set) into.add(w)
}

function peek(table: Table, path: string, into: Set<Watcher>): void {
  const set = table.get(path)
  if (set !== undefined) for (const w of set) into.add(w)
}

function removeFrom(table: Table, path: string, watcher: Watcher): boolean {
  const set = table.get(path)
  if (set === undefined || !set.delete(watcher)) return false
  if (set.size === 0) table.delete(path)
  return true
}

/** All watches of one server. */
export class WatchManager {
  private readonly data: Table = new Map()
  private readonly child: Table = new Map()
  private readonly persistent: Table = new Map()
  private readonly recursive: Table = new Map()

  /** Registers a one-shot data watch (getData, and exists whether or not the node exists). */
  addDataWatch(path: string, watcher: Watcher): void {
    add(this.data, path, watcher)
  }

  /** Registers a one-shot child watch (getChildren). */
  addChildWatch(path: string, watcher: Watcher): void {
    add(this.child, path, watcher)
  }

  /** Registers a persistent watch (addWatch); it replaces a watch of the other mode on the same path. */
  addPersistentWatch(path: string, watcher: Watcher, mode: AddWatchMode): void {
    removeFrom(mode === 'persistent' ? this.recursive : this.persistent, path, watcher)
    add(mode === 'persistent' ? this.persistent : this.recursive, path, watcher)
  }

  /** Fires the watches a change triggers and returns how many watchers were notified. */
  trigger(type: EventType, path: string, zxid: number): number {
    if (!this.mayFire(type, path)) return 0
    const targets = new Set<Watcher>()
    if (type === 'NodeChildrenChanged') {
      take(this.child, path, targets)
    } else {
      take(this.data, path, targets)
      if (type === 'NodeDeleted') take(this.child, path, targets)
      this.collectRecursive(path, targets)
    }
    peek(this.persistent, path, targets)
    if (targets.size === 0) return 0
    const event: WatchNotification = { type, path, zxid }
    for (const watcher of targets) watcher.process(event)
    return targets.size
  }

  // Cheap pre-check so the common case (nobody watches) allocates nothing.
  private mayFire(type: EventType, path: string): boolean {
    if (this.recursive.size > 0 && type !== 'NodeChildrenChanged') return true
    if (this.persistent.has(path) || this.child.has(path)) return true
    return type !== 'NodeChildrenChanged' && this.data.has(path)
  }

  private collectRecursive(path: string, into: Set<Watcher>): void {
    if (this.recursive.size === 0) return
    for (let p = path; p !== ''; p = parentPath(p)) peek(this.recursive, p, into)
  }

  /**
   * Removes `watcher`'s watches of `type` on `path` (removeWatches / checkWatches) and returns
   * the removed kinds; an empty list means ZooKeeper's NOWATCHER. With `dryRun` only checks.
   */
  remove(path: string, watcher: Watcher, type: WatcherType, dryRun = false): WatcherType[] {
    const tables: [WatcherType, Table][] = [
      ['data', this.data],
      ['children', this.child],
      ['persistent', this.persistent],
      ['persistentRecursive', this.recursive],
    ]
    const removed: WatcherType[] = []
    for (const [kind, table] of tables) {
      if (!typeMatches(type, kind)) continue
      const present = table.get(path)?.has(watcher) === true
      if (present && !dryRun) removeFrom(table, path, watcher)
      if (present) removed.push(kind)
    }
    return removed
  }

  /** Removes every watch of a watcher (its session closed). */
  removeWatcher(watcher: Watcher): void {
    for (const table of [this.data, this.child, this.persistent, this.recursive]) {
      for (const path of [...table.keys()]) removeFrom(table, path, watcher)
    }
  }

  /** Paths watched by `watcher`, by kind (for setWatches on reconnect, and wchc). */
  watchesOf(watcher: Watcher): Record<'data' | 'child' | 'persistent' | 'recursive', string[]> {
    const pick = (table: Table) => [...table].filter(([, set]) => set.has(watcher)).map(([path]) => path)
    return { data: pick(this.data), child: pick(this.child), persistent: pick(this.persistent), recursive: pick(this.recursive) }
  }

  /** Watcher counts by path, for the wchp/wchs four-letter words. */
  byPath(): Map<string, Set<Watcher>> {
    const all = new Map<string, Set<Watcher>>()
    for (const table of [this.data, this.child, this.persistent, this.recursive]) {
      for (const [path, set] of table) for (const w of set) add(all, path, w)
    }
    return all
  }

  /** Total number of watches. */
  get size(): number {
    let n = 0
    for (const table of [this.data, this.child, this.persistent, this.recursive]) for (const set of table.values()) n += set.size
    return n
  }
}

function typeMatches(requested: WatcherType, kind: WatcherType): boolean {
  if (requested === 'any') return true
  return requested === kind
}
