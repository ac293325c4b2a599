/**
 * Curator 5's caches in Paddock's words: CuratorCache (a node and, by default, its whole
 * subtree, with created/changed/deleted events and an initialized event) and PathChildrenCache
 * (the children of one node). Both follow the tree through {@link TreeCache}'s watches; they
 * keep no znodes of their own, so they see what any client (Curator's included) writes.
 * @module
 */
import type { ZooKeeperClient } from '../client/index.js'
import { TreeCache, type ChildData } from './cache.js'
import { Listeners } from './internal/listeners.js'
import { join } from './internal/nodes.js'

/** A node entered the cache (Curator's CuratorCacheListener.Type.NODE_CREATED). */
export interface CuratorCacheCreatedEvent {
  /** The event's kind. */
  type: 'nodeCreated'
  /** The node as first seen. */
  node: ChildData
}

/** A cached node's data or Stat changed (NODE_CHANGED): the node before and after. */
export interface CuratorCacheChangedEvent {
  /** The event's kind. */
  type: 'nodeChanged'
  /** The node as last seen before the change. */
  oldNode: ChildData
  /** The node now. */
  node: ChildData
}

/** A node left the cache (NODE_DELETED). */
export interface CuratorCacheDeletedEvent {
  /** The event's kind. */
  type: 'nodeDeleted'
  /** The node as last seen. */
  oldNode: ChildData
}

/** The first load after start() is complete (CuratorCacheListener.initialized). */
export interface CuratorCacheInitializedEvent {
  /** The event's kind. */
  type: 'initialized'
}

/** What a {@link CuratorCache} reports. */
export type CuratorCacheEvent = CuratorCacheCreatedEvent | CuratorCacheChangedEvent | CuratorCacheDeletedEvent | CuratorCacheInitializedEvent

/** Options of {@link CuratorCache}. */
export interface CuratorCacheOptions {
  /** Cache only the node itself, not its subtree (Curator's SINGLE_NODE_CACHE). @defaultValue false */
  singleNode?: boolean
}

/**
 * A cache of a node and its subtree (Curator 5's CuratorCache). Node events come before
 * `initialized` for everything found by the first load, then one per change.
 */
export class CuratorCache {
  private readonly tree: TreeCache
  private readonly listeners = new Listeners<CuratorCacheEvent>()
  private readonly errors = new Listeners<unknown>()
  private readonly last = new Map<string, ChildData>()

  /** A cache rooted at `path` (which may not exist yet). */
  constructor(
    client: ZooKeeperClient,
    /** The cached root. */
    readonly path: string,
    options: CuratorCacheOptions = {},
  ) {
    this.tree = new TreeCache(client, path, { maxDepth: options.singleNode === true ? 0 : Infinity })
    this.tree.on((event) => {
      if (event.type === 'initialized') return this.listeners.emit({ type: 'initialized' })
      if (event.type === 'error') return this.errors.emit(event.error)
      const before = this.last.get(event.node.path)
      if (event.type === 'nodeRemoved') {
        this.last.delete(event.node.path)
        return this.listeners.emit({ type: 'nodeDeleted', oldNode: before ?? event.node })
      }
      this.last.set(event.node.path, event.node)
      this.listeners.emit(before === undefined ? { type: 'nodeCreated', node: event.node } : { type: 'nodeChanged', oldNode: before, node: event.node })
    })
  }

  /** Loads the tree and starts following it; resolves after the initialized event. */
  start(): Promise<void> {
    return this.tree.start()
  }

  /** Stops following changes. */
  close(): void {
    this.tree.close()
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: CuratorCacheEvent) => void): () => void {
    return this.listeners.on(listener)
  }

  /** Called when a read fails for a reason other than a lost connection or session. */
  onError(listener: (error: unknown) => void): () => void {
    return this.errors.on(listener)
  }

  /** The cached node at `path` (Curator's get). */
  get(path: string): ChildData | undefined {
    return this.tree.get(path)
  }

  /** Every cached node, by path (Curator's stream/entries). */
  entries(): Map<string, ChildData> {
    return this.tree.snapshot()
  }

  /** Number of cached nodes. */
  size(): number {
    return this.tree.snapshot().size
  }
}

/** A child entered, changed in or left the cache (Curator's PathChildrenCacheEvent CHILD_*). */
export interface PathChildrenCacheChildEvent {
  /** The event's kind. */
  type: 'childAdded' | 'childUpdated' | 'childRemoved'
  /** The child (for childRemoved, as last seen). */
  data: ChildData
}

/** The first load is complete (INITIALIZED), with the children it found. */
export interface PathChildrenCacheInitializedEvent {
  /** The event's kind. */
  type: 'initialized'
  /** The children at initialization, sorted by path. */
  initialData: ChildData[]
}

/** What a {@link PathChildrenCache} reports. */
export type PathChildrenCacheEvent = PathChildrenCacheChildEvent | PathChildrenCacheInitializedEvent

/**
 * A cache of the children of one node (Curator's PathChildrenCache, with data cached, started
 * as with StartMode.POST_INITIALIZED_EVENT: a childAdded per child found, then initialized).
 */
export class PathChildrenCache {
  private readonly tree: TreeCache
  private readonly listeners = new Listeners<PathChildrenCacheEvent>()

  /** A cache of the children of `path` (which may not exist yet). */
  constructor(
    /** The session the cache reads through. */
    readonly client: ZooKeeperClient,
    /** The parent whose children are cached. */
    readonly path: string,
  ) {
    this.tree = new TreeCache(client, path, { maxDepth: 1 })
    this.tree.on((event) => {
      if (event.type === 'initialized') return this.listeners.emit({ type: 'initialized', initialData: this.currentData() })
      if (event.type === 'error' || event.node.path === path) return
      const type = event.type === 'nodeAdded' ? 'childAdded' : event.type === 'nodeUpdated' ? 'childUpdated' : 'childRemoved'
      this.listeners.emit({ type, data: event.node })
    })
  }

  /** Loads the children and starts following them; resolves after the initialized event. */
  start(): Promise<void> {
    return this.tree.start()
  }

  /** Stops following changes. */
  close(): void {
    this.tree.close()
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (event: PathChildrenCacheEvent) => void): () => void {
    return this.listeners.on(listener)
  }

  /** The cached children, sorted by path (Curator's getCurrentData). */
  currentData(): ChildData[] {
    return this.tree
      .children(this.path)
      .map((name) => this.tree.get(join(this.path, name)))
      .filter((node): node is ChildData => node !== undefined)
  }

  /** One cached child by full path (Curator's getCurrentData(path)). */
  get(path: string): ChildData | undefined {
    return path === this.path ? undefined : this.tree.get(path)
  }
}
