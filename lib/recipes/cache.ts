/**
 * Local mirrors kept current by watches: TreeCache (a subtree, Curator's TreeCache) and
 * NodeCache (one node). Every node carries a data watch and, within `maxDepth`, a child watch;
 * a notification makes the cache re-read just that node. ZooKeeper delivers a watch event before
 * any read that sees the change, so the mirror converges on the server's state in zxid order.
 * @module
 */
import type { WatchedEvent, ZooKeeperClient } from '../client/index.js'
import { validatePath } from '../path.js'
import type { Stat } from '../protocol/data.js'
import { Listeners } from './internal/listeners.js'
import { join } from './internal/nodes.js'
import { hasCode, isTransient, sessionEnded } from './internal/session.js'

/** A cached node. */
export interface ChildData {
  /** The node's path. */
  path: string
  /** Its data. */
  data: Uint8Array
  /** Its Stat. */
  stat: Stat
}

/** A node entered, changed in, or left the cache. */
export interface TreeCacheNodeEvent {
  /** What happened to the node. */
  type: 'nodeAdded' | 'nodeUpdated' | 'nodeRemoved'
  /** The node (for nodeRemoved, as it was last seen). */
  node: ChildData
}

/** The first load after start() is complete. */
export interface TreeCacheInitializedEvent {
  /** The event's kind. */
  type: 'initialized'
}

/** A read failed for a reason other than a lost connection or session (which the cache rides out). */
export interface TreeCacheErrorEvent {
  /** The event's kind. */
  type: 'error'
  /** The failure. */
  error: unknown
}

/** A change the cache saw (Curator's TreeCacheEvent types, in camelCase). */
export type TreeCacheEvent = TreeCacheNodeEvent | TreeCacheInitializedEvent | TreeCacheErrorEvent

/** Options of {@link TreeCache}. */
export interface TreeCacheOptions {
  /** Depth below the root to mirror: 0 = the root only. @defaultValue Infinity */
  maxDepth?: number
}

/** A mirror of the subtree at `root`. */
export class TreeCache {
  private readonly nodes = new Map<string, ChildData>()
  private readonly childNames = new Map<string, Set<string>>()
  private readonly listeners = new Listeners<TreeCacheEvent>()
  private readonly maxDepth: number
  private unsubscribe: () => void = () => {}
  private closed = false
  // One stable callback: the client keeps one registration per (path, kind) for it, so repeated
  // reads of a node never pile up callbacks.
  private readonly watcher = (event: WatchedEvent): void => this.onWatch(event)

  /** A cache of `root` and its descendants down to `maxDepth`. */
  constructor(
    private readonly client: ZooKeeperClient,
    /** The subtree's root. */
    readonly root: string,
    options: TreeCacheOptions = {},
  ) {
    validatePath(root)
    this.maxDepth = options.maxDepth ?? Infinity
  }

  /** Loads the subtree and starts following it; resolves once the first load is complete. */
  async start(): Promise<void> {
    // After a reconnect the member may have lost our watches: read everything again.
    this.unsubscribe = this.client.onStateChange((event) => event.state === 'SyncConnected' && this.refresh(this.root))
    await this.load(this.root)
    this.listeners.emit({ type: 'initialized' })
  }

  /** Stops following changes; the mirror stays as it was. */
  close(): void {
    this.closed = true
    this.unsubscribe()
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  on(listener: (event: TreeCacheEvent) => void): () => void {
    return this.listeners.on(listener)
  }

  /** The cached node at `path`, if any. */
  get(path: string): ChildData | undefined {
    return this.nodes.get(path)
  }

  /** The cached child names of `path`, sorted. */
  children(path: string): string[] {
    return [...(this.childNames.get(path) ?? [])].sort()
  }

  /** Every cached node by path. */
  snapshot(): Map<string, ChildData> {
    return new Map(this.nodes)
  }

  private depthOf(path: string): number {
    if (path === this.root) return 0
    const rest = this.root === '/' ? path.slice(1) : path.slice(this.root.length + 1)
    return rest.split('/').length
  }

  private refresh(path: string): void {
    void this.load(path).catch((error: unknown) => this.report(error))
  }

  private report(error: unknown): void {
    if (this.closed || sessionEnded(this.client.state) || isTransient(error)) return
    this.listeners.emit({ type: 'error', error })
  }

  private async load(path: string): Promise<void> {
    if (this.closed) return
    if (!(await this.loadData(path))) return
    if (this.depthOf(path) < this.maxDepth) await this.loadChildren(path)
  }

  /** Reads a node's data with a watch; false (and the node dropped) when it does not exist. */
  private async loadData(path: string): Promise<boolean> {
    try {
      const { data, stat } = await this.client.getData(path, { watch: this.watcher })
      this.put({ path, data, stat })
      return true
    } catch (error) {
      if (!hasCode(error, 'NONODE')) throw error
      this.remove(path)
      // The root may come back: exists() leaves a watch that reports its creation.
      if (path === this.root && (await this.client.exists(path, { watch: this.watcher })) !== null) return this.loadData(path)
      return false
    }
  }

  private async loadChildren(path: string): Promise<void> {
    let names: string[]
    try {
      names = await this.client.getChildren(path, { watch: this.watcher })
    } catch (error) {
      if (!hasCode(error, 'NONODE')) throw error
      return this.remove(path)
    }
    const known = this.childNames.get(path) ?? new Set<string>()
    for (const gone of [...known].filter((name) => !names.includes(name))) this.remove(join(path, gone))
    this.childNames.set(path, new Set(names))
    await Promise.all(names.filter((name) => !known.has(name)).map((name) => this.load(join(path, name))))
  }

  private put(node: ChildData): void {
    const before = this.nodes.get(node.path)
    if (before !== undefined && before.stat.mzxid === node.stat.mzxid) return
    this.nodes.set(node.path, node)
    this.listeners.emit({ type: before === undefined ? 'nodeAdded' : 'nodeUpdated', node })
  }

  private remove(path: string): void {
    for (const name of this.childNames.get(path) ?? []) this.remove(join(path, name))
    this.childNames.delete(path)
    const node = this.nodes.get(path)
    if (node === undefined) return
    this.nodes.delete(path)
    if (path !== this.root) this.childNames.get(path.slice(0, path.lastIndexOf('/')) || '/')?.delete(node.path.slice(node.path.lastIndexOf('/') + 1))
    this.listeners.emit({ type: 'nodeRemoved', node })
  }

  private onWatch(event: WatchedEvent): void {
    if (this.closed || event.path === undefined) return
    switch (event.type) {
      case 'NodeDeleted':
        this.remove(event.path)
        if (event.path === this.root) this.refresh(this.root)
        return
      case 'NodeChildrenChanged':
        return void this.loadChildren(event.path).catch((error: unknown) => this.report(error))
      case 'NodeCreated':
      case 'NodeDataChanged':
        return event.path === this.root && !this.nodes.has(this.root) ? this.refresh(this.root) : void this.loadData(event.path).catch((error: unknown) => this.report(error))
      default:
    }
  }
}

/** Curator's NodeCache: a mirror of one node. */
export class NodeCache {
  private readonly tree: TreeCache

  /** A cache of the node at `path` (which may not exist yet). */
  constructor(
    client: ZooKeeperClient,
    /** The cached node's path. */
    readonly path: string,
  ) {
    this.tree = new TreeCache(client, path, { maxDepth: 0 })
  }

  /** Loads the node and starts following it. */
  start(): Promise<void> {
    return this.tree.start()
  }

  /** The node as last seen, or undefined when it does not exist. */
  get current(): ChildData | undefined {
    return this.tree.get(this.path)
  }

  /** Called after every change of the node (created, changed, deleted); returns the unsubscribe function. */
  on(listener: (node: ChildData | undefined) => void): () => void {
    return this.tree.on((event) => {
      if (event.type === 'nodeAdded' || event.type === 'nodeUpdated' || event.type === 'nodeRemoved') listener(this.current)
    })
  }

  /** Stops following the node. */
  close(): void {
    this.tree.close()
  }
}
