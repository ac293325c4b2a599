/**
 * PersistentNode and PersistentTtlNode (Curator's recipes of the same names): a node this
 * process keeps in existence — recreated when deleted, after a reconnect, and, given a way to
 * open one, in a new session after the old one expired. With `protected` the name carries
 * Curator's protected prefix `_c_<uuid>-`, so a create whose reply was lost is found, not doubled.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { Data, WatchedEvent, ZooKeeperClient } from '../client/index.js'
import { validatePath } from '../path.js'
import { CreateMode, type CreateModeValue } from '../protocol/create-mode.js'
import { Listeners } from './internal/listeners.js'
import { curatorProtectedPrefix, ensurePath, join, nameOf, OwnNode } from './internal/nodes.js'
import { hasCode, isTransient, retrying, sessionEnded, sessionEndedError, waitForChange, wakeup } from './internal/session.js'

/** Options of {@link PersistentNode}. */
export interface PersistentNodeOptions {
  /** How the node is created. @defaultValue CreateMode.EPHEMERAL */
  mode?: CreateModeValue
  /** Name the node `_c_<uuid>-<name>` (Curator's useProtection). @defaultValue false */
  protected?: boolean
  /** Time to live, for the TTL create modes. */
  ttlMs?: number
  /**
   * Opens a new session once this one has ended (expired or closed by the server), so the node
   * is created again there, as Curator does after a new session. Sessions opened this way
   * belong to the recipe and are closed by close(). Without it, an ended session ends the recipe.
   */
  newSession?: () => Promise<ZooKeeperClient>
}

/** Parent and name of a path. */
function split(path: string): { parent: string; name: string } {
  return { parent: path.slice(0, path.lastIndexOf('/')) || '/', name: nameOf(path) }
}

/**
 * Keeps a node at `path` (or, protected, `_c_<uuid>-<name>` beside it) for as long as it is
 * started. Its data is the last given to the constructor or setData(). close() deletes it.
 */
export class PersistentNode {
  private client: ZooKeeperClient
  private readonly ownSessions: ZooKeeperClient[] = []
  private readonly created = new Listeners<string>()
  private readonly errors = new Listeners<unknown>()
  private readonly ended = new Listeners<unknown>()
  private readonly prefix: string
  private data: Data
  private path: string | undefined
  private state: 'latent' | 'started' | 'closed' = 'latent'
  private unsubscribe: () => void = () => {}
  private kick = wakeup()
  private loop: Promise<void> = Promise.resolve()

  /** A node at `basePath` holding `data`; nothing happens before start(). */
  constructor(
    client: ZooKeeperClient,
    /** The node's path (for protected or sequential modes, the path its name starts from). */
    readonly basePath: string,
    data: Data,
    private readonly options: PersistentNodeOptions = {},
  ) {
    validatePath(basePath)
    this.client = client
    this.data = data
    const { name } = split(basePath)
    this.prefix = options.protected === true ? `${curatorProtectedPrefix(randomUUID())}${name}` : name
  }

  /** The node's actual path while it exists (with the protected prefix or sequence suffix). */
  get actualPath(): string | undefined {
    return this.path
  }

  /** The session the node lives in now (a new one after an expiry, with `newSession`). */
  get session(): ZooKeeperClient {
    return this.client
  }

  /** Starts keeping the node; the first create runs in the background (see waitForInitialCreate). */
  start(): void {
    if (this.state !== 'latent') throw new Error('PersistentNode.start() may be called once')
    this.state = 'started'
    this.follow()
    this.loop = this.keep()
  }

  /** Resolves with the node's path once it exists; rejects when `signal` aborts. */
  async waitForInitialCreate(signal?: AbortSignal): Promise<string> {
    for (;;) {
      signal?.throwIfAborted()
      if (this.path !== undefined) return this.path
      let resolve!: () => void
      const next = new Promise<void>((r) => (resolve = r))
      const off = this.created.on(() => resolve())
      try {
        await waitForChange(next, this.client, signal)
      } finally {
        off()
      }
    }
  }

  /** Changes the node's data now and for every re-creation. */
  async setData(data: Data): Promise<void> {
    this.data = data
    const path = this.path
    if (path !== undefined) await retrying(this.client, () => this.client.setData(path, data))
  }

  /** Called with the path each time the node is (re)created; returns the unsubscribe function. */
  onCreated(listener: (path: string) => void): () => void {
    return this.created.on(listener)
  }

  /** Called when keeping the node fails for a reason other than a lost connection; it retries on the next change. */
  onError(listener: (error: unknown) => void): () => void {
    return this.errors.on(listener)
  }

  /** Called once when the session ended and there is no `newSession` to continue in: the node is gone for good. */
  onEnded(listener: (reason: unknown) => void): () => void {
    return this.ended.on(listener)
  }

  /** Stops keeping the node, deletes it, and closes the sessions it opened. */
  async close(): Promise<void> {
    if (this.state === 'closed') return
    const started = this.state === 'started'
    this.state = 'closed'
    this.unsubscribe()
    this.kick.trigger()
    await this.loop
    if (started) await this.deleteNode()
    await Promise.all(this.ownSessions.map((session) => session.close().catch(() => {})))
  }

  /** Deletes the node (a hook: PersistentTtlNode keeps its node for the TTL to remove). */
  protected async deleteNode(): Promise<void> {
    const path = this.path
    this.path = undefined
    if (path === undefined || sessionEnded(this.client.state)) return
    try {
      await retrying(this.client, () => this.client.delete(path))
    } catch (error) {
      if (!hasCode(error, 'NONODE') && !isTransient(error)) throw error
    }
  }

  private follow(): void {
    this.unsubscribe()
    this.unsubscribe = this.client.onStateChange(() => this.kick.trigger())
  }

  // One loop owns every create and check, so two never race: it waits for a kick (a watch, a
  // state change, close) between rounds.
  private async keep(): Promise<void> {
    while (this.state === 'started') {
      this.kick = wakeup()
      try {
        await this.round()
      } catch (error) {
        if (this.state === 'started' && !isTransient(error) && !sessionEnded(this.client.state)) this.errors.emit(error)
      }
      if (this.state !== 'started') return
      await this.kick.promise
    }
  }

  private async round(): Promise<void> {
    if (sessionEnded(this.client.state)) return this.renewSession()
    if (this.client.state !== 'SyncConnected') return
    if (this.path !== undefined && (await this.client.exists(this.path, { watch: this.watcher })) !== null) return
    this.path = undefined
    const path = await this.create()
    this.path = path
    if ((await this.client.exists(path, { watch: this.watcher })) === null) return this.kick.trigger()
    this.created.emit(path)
  }

  private readonly watcher = (event: WatchedEvent): void => {
    if (event.type !== 'None') this.kick.trigger()
  }

  private async create(): Promise<string> {
    const { parent } = split(this.basePath)
    const mode = this.options.mode ?? CreateMode.EPHEMERAL
    const createOptions = this.options.ttlMs === undefined ? { mode } : { mode, ttlMs: this.options.ttlMs }
    if (this.options.protected === true) return new OwnNode(this.client, parent, this.prefix).create(this.data, mode)
    try {
      return await this.createAt(join(parent, this.prefix), createOptions)
    } catch (error) {
      if (!hasCode(error, 'NODEEXISTS')) throw error
      // Someone's node is there (ours, after a lost reply, or another session's): adopt it with
      // our data, as Curator's PersistentNode does, and recreate it if it goes.
      const path = join(parent, this.prefix)
      await this.client.setData(path, this.data)
      return path
    }
  }

  private async createAt(path: string, createOptions: { mode: CreateModeValue; ttlMs?: number }): Promise<string> {
    try {
      return await retrying(this.client, () => this.client.create(path, this.data, createOptions))
    } catch (error) {
      if (!hasCode(error, 'NONODE')) throw error
      await ensurePath(this.client, split(path).parent)
      return this.client.create(path, this.data, createOptions)
    }
  }

  private async renewSession(): Promise<void> {
    this.path = undefined
    if (this.options.newSession === undefined) {
      this.state = 'closed'
      this.unsubscribe()
      this.ended.emit(sessionEndedError(this.client, this.basePath))
      return
    }
    const session = await this.options.newSession()
    this.ownSessions.push(session)
    this.client = session
    this.follow()
    this.kick.trigger()
  }
}

/** Curator's PersistentTtlNode.DEFAULT_CHILD_NODE_NAME. */
export const ttlTouchNodeName = 'touch'

/** Options of {@link PersistentTtlNode}. */
export interface PersistentTtlNodeOptions {
  /** How many touches per TTL (Curator's touchScheduleFactor). @defaultValue 2 */
  touchesPerTtl?: number
  /** As {@link PersistentNodeOptions.newSession}. */
  newSession?: () => Promise<ZooKeeperClient>
}

/**
 * A node that outlives this process by at most about `ttlMs` (Curator 5.4's PersistentTtlNode):
 * the node is a container holding the data, with a TTL child `touch` that is touched every
 * `ttlMs / touchesPerTtl`. When the touching stops, the child's TTL runs out, the server deletes
 * it, and then the empty container. close() stops touching and leaves both to the server.
 */
export class PersistentTtlNode {
  private readonly node: PersistentNode
  private timer: ReturnType<typeof setInterval> | undefined
  private readonly touchPath: string

  /** A node at `path` holding `data`, kept for `ttlMs` after the last touch. */
  constructor(
    client: ZooKeeperClient,
    /** The node's path. */
    readonly path: string,
    /** Time to live of the touch child, in ms. */
    readonly ttlMs: number,
    data: Data,
    private readonly options: PersistentTtlNodeOptions = {},
  ) {
    if (!(Number.isSafeInteger(ttlMs) && ttlMs > 0)) throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`)
    this.node = new KeptNode(client, path, data, { mode: CreateMode.CONTAINER, ...(options.newSession === undefined ? {} : { newSession: options.newSession }) })
    this.touchPath = join(path, ttlTouchNodeName)
  }

  /** Starts keeping the node and touching its child. */
  start(): void {
    this.node.start()
    this.node.onCreated(() => void this.touch())
    const period = Math.max(1, Math.floor(this.ttlMs / (this.options.touchesPerTtl ?? 2)))
    this.timer = setInterval(() => void this.touch(), period)
  }

  /** Resolves with the path once the node exists. */
  waitForInitialCreate(signal?: AbortSignal): Promise<string> {
    return this.node.waitForInitialCreate(signal)
  }

  /** Changes the node's data. */
  setData(data: Data): Promise<void> {
    return this.node.setData(data)
  }

  /** Stops touching; the server removes the nodes once the TTL runs out. */
  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.node.close()
  }

  // Curator's touch(): setData on the child, or create it with the TTL when it is missing.
  private async touch(): Promise<void> {
    const zk = this.node.session
    try {
      await zk.setData(this.touchPath, new Uint8Array())
    } catch (error) {
      if (!hasCode(error, 'NONODE')) return
      try {
        await zk.create(this.touchPath, undefined, { mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: this.ttlMs })
      } catch {
        // The container is not there yet (the node loop creates it) or the connection is down:
        // the next touch tries again.
      }
    }
  }
}

/** The PersistentNode of a PersistentTtlNode: closing leaves the node to its TTL. */
class KeptNode extends PersistentNode {
  protected override async deleteNode(): Promise<void> {}
}
