/**
 * Server-side watches (apache/zookeeper WatchManager): one-shot data and child watches, and
 * persistent and persistent-recursive ones (addWatch). A watcher is a connection; it gets one
 * notification per event however many of its watches the event triggers.
 *
 * Two indexes, as ZooKeeper's `watchTable` and `watch2Paths`: watchers by path (what an event
 * triggers) and paths by watcher (what a closing connection removes), so removing a connection's
 * watches costs as much as that connection has, whatever the others hold.
 *
 * Since ZooKeeper 3.9.2 (CVE-2024-23944, ZOOKEEPER-4799) a watcher is not told of a change to a
 * node it may not READ. This module stays free of ACLs: whoever registers a persistent watch
 * passes the watcher's {@link ReadCheck}, and {@link WatchManager.trigger} asks it before
 * delivering an event that reaches the watcher through a persistent or recursive watch only.
 * @module
 */
import { parentPath } from '../path.js'
import type { ACL } from '../protocol/data.js'
import type { AddWatchMode, EventType, WatcherType, WatchNotification } from '../protocol/watch.js'


/** Whoever holds watches: in practice one client connection. */
export interface Watcher {
  /** Delivers one notification; must not throw and must not re-enter the server synchronously. */
  process(event: WatchNotification): void
}

/**
 * Whether a watcher may learn of a change to `path`: READ on the node for the watcher's
 * identities. `acl` is the changed node's ACL when the caller of `trigger` knows it (a deleted
 * node is no longer in the tree); otherwise the check looks the node up itself. Must not throw.
 */
export type ReadCheck = (path: string, acl: readonly ACL[] | undefined) => boolean

/** The four kinds of watch, one table each. */
type Kind = 'data' | 'child' | 'persistent' | 'recursive'
const kinds: readonly Kind[] = ['data', 'child', 'persistent', 'recursive']

type Table = Map<string, Set<Watcher>>

/** One watcher's own registrations: its paths by kind, and how to check its READ permission. */
interface Registrations {
  readonly paths: Record<Kind, Set<string>>
  canRead: ReadCheck | undefined
}

function add(table: Table, path: string, watcher: Watcher): void {
  let set = table.get(path)
  if (set === undefined) table.set(path, (set = new Set()))
  set.add(watcher)
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
  private readonly tables: Record<Kind, Table> = { data: new Map(), child: new Map(), persistent: new Map(), recursive: new Map() }
  private readonly byWatcher = new Map<Watcher, Registrations>()

  /** Registers a one-shot data watch (getData, and exists whether or not the node exists). */
  addDataWatch(path: string, watcher: Watcher): void {
    this.register('data', path, watcher)
  }

  /** Registers a one-shot child watch (getChildren). */
  addChildWatch(path: string, watcher: Watcher): void {
    this.register('child', path, watcher)
  }

  /**
   * Registers a persistent watch (addWatch); it replaces a watch of the other mode on the same
   * path. `canRead` filters the events it delivers (ZooKeeper 3.9.2); it becomes the watcher's
   * check for all its persistent watches. Without one, events are delivered unchecked.
   */
  addPersistentWatch(path: string, watcher: Watcher, mode: AddWatchMode, canRead?: ReadCheck): void {
    const kind: Kind = mode === 'persistent' ? 'persistent' : 'recursive'
    this.unregister(kind === 'persistent' ? 'recursive' : 'persistent', path, watcher)
    this.register(kind, path, watcher)
    if (canRead !== undefined) this.registrationsOf(watcher).canRead = canRead
  }

  /**
   * Fires the watches a change triggers and returns how many watchers were notified. `acl` is
   * the changed node's ACL (before a delete), when the caller knows it, for the READ checks.
   */
  trigger(type: EventType, path: string, zxid: number, acl?: readonly ACL[]): number {
    if (!this.mayFire(type, path)) return 0
    const oneShot = new Set<Watcher>()
    const persistent = new Set<Watcher>()
    if (type === 'NodeChildrenChanged') {
      this.take('child', path, oneShot)
    } else {
      this.take('data', path, oneShot)
      if (type === 'NodeDeleted') this.take('child', path, oneShot)
      this.collectRecursive(path, persistent)
    }
    peek(this.tables.persistent, path, persistent)
    const event: WatchNotification = { type, path, zxid }
    let notified = 0
    for (const watcher of oneShot) {
      watcher.process(event)
      notified++
    }
    for (const watcher of persistent) {
      if (oneShot.has(watcher) || !this.mayRead(watcher, path, acl)) continue
      watcher.process(event)
      notified++
    }
    return notified
  }

  // One-shot watches were set by a read that checked READ (getData, getChildren, exists on a
  // node), so only deliveries through persistent watches, set on an ancestor or before the node
  // existed, are checked here.
  private mayRead(watcher: Watcher, path: string, acl: readonly ACL[] | undefined): boolean {
    const canRead = this.byWatcher.get(watcher)?.canRead
    return canRead === undefined || canRead(path, acl)
  }

  // Cheap pre-check so the common case (nobody watches) allocates nothing.
  private mayFire(type: EventType, path: string): boolean {
    const { data, child, persistent, recursive } = this.tables
    if (recursive.size > 0 && type !== 'NodeChildrenChanged') return true
    if (persistent.has(path) || child.has(path)) return true
    return type !== 'NodeChildrenChanged' && data.has(path)
  }

  private collectRecursive(path: string, into: Set<Watcher>): void {
    const recursive = this.tables.recursive
    if (recursive.size === 0) return
    for (let p = path; p !== ''; p = parentPath(p)) peek(recursive, p, into)
  }

  /** Removes every one-shot watch of `kind` on `path` (it fired), from both indexes. */
  private take(kind: Kind, path: string, into: Set<Watcher>): void {
    const table = this.tables[kind]
    const set = table.get(path)
    if (set === undefined) return
    table.delete(path)
    for (const watcher of set) {
      into.add(watcher)
      this.forget(kind, path, watcher)
    }
  }

  /**
   * Removes `watcher`'s watches of `type` on `path` (removeWatches / checkWatches) and returns
   * the removed kinds; an empty list means ZooKeeper's NOWATCHER. With `dryRun` only checks.
   */
  remove(path: string, watcher: Watcher, type: WatcherType, dryRun = false): WatcherType[] {
    const named: [WatcherType, Kind][] = [
      ['data', 'data'],
      ['children', 'child'],
      ['persistent', 'persistent'],
      ['persistentRecursive', 'recursive'],
    ]
    const removed: WatcherType[] = []
    for (const [name, kind] of named) {
      if (!typeMatches(type, name)) continue
      const present = this.tables[kind].get(path)?.has(watcher) === true
      if (present && !dryRun) this.unregister(kind, path, watcher)
      if (present) removed.push(name)
    }
    return removed
  }

  /** Removes every watch of a watcher (its connection closed), in time proportional to its own watches. */
  removeWatcher(watcher: Watcher): void {
    const registrations = this.byWatcher.get(watcher)
    if (registrations === undefined) return
    this.byWatcher.delete(watcher)
    for (const kind of kinds) {
      for (const path of registrations.paths[kind]) removeFrom(this.tables[kind], path, watcher)
    }
  }

  /** Paths watched by `watcher`, by kind (for setWatches on reconnect, and wchc). */
  watchesOf(watcher: Watcher): Record<Kind, string[]> {
    const paths = this.byWatcher.get(watcher)?.paths
    const list = (kind: Kind) => (paths === undefined ? [] : [...paths[kind]])
    return { data: list('data'), child: list('child'), persistent: list('persistent'), recursive: list('recursive') }
  }

  /** Watcher counts by path, for the wchp/wchs four-letter words. */
  byPath(): Map<string, Set<Watcher>> {
    const all = new Map<string, Set<Watcher>>()
    for (const kind of kinds) {
      for (const [path, set] of this.tables[kind]) for (const w of set) add(all, path, w)
    }
    return all
  }

  /** Number of watchers holding at least one watch. */
  get watcherCount(): number {
    return this.byWatcher.size
  }

  /** Total number of watches. */
  get size(): number {
    let n = 0
    for (const registrations of this.byWatcher.values()) for (const kind of kinds) n += registrations.paths[kind].size
    return n
  }

  private register(kind: Kind, path: string, watcher: Watcher): void {
    add(this.tables[kind], path, watcher)
    this.registrationsOf(watcher).paths[kind].add(path)
  }

  private unregister(kind: Kind, path: string, watcher: Watcher): void {
    if (removeFrom(this.tables[kind], path, watcher)) this.forget(kind, path, watcher)
  }

  /** Drops `path` from `watcher`'s own index, and the watcher once it holds no watch. */
  private forget(kind: Kind, path: string, watcher: Watcher): void {
    const registrations = this.byWatcher.get(watcher)
    if (registrations === undefined) return
    registrations.paths[kind].delete(path)
    if (kinds.every((k) => registrations.paths[k].size === 0)) this.byWatcher.delete(watcher)
  }

  private registrationsOf(watcher: Watcher): Registrations {
    let registrations = this.byWatcher.get(watcher)
    if (registrations === undefined) {
      registrations = { paths: { data: new Set(), child: new Set(), persistent: new Set(), recursive: new Set() }, canRead: undefined }
      this.byWatcher.set(watcher, registrations)
    }
    return registrations
  }
}

function typeMatches(requested: WatcherType, kind: WatcherType): boolean {
  if (requested === 'any') return true
  return requested === kind
}
