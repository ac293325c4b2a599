/**
 * The typed, promise-based client. One implementation over a {@link ClientTransport}: an
 * in-process transport calls straight into a member; a TCP transport speaks the wire protocol.
 * @module
 */
import { ErrorCode, ZooKeeperError } from '../errors.js'
import { juteMaxBufferBytes } from '../limits.js'
import { validatePath } from '../path.js'
import { OPEN_ACL_UNSAFE } from '../tree/acl.js'
import type { Stat } from '../tree/data-tree.js'
import type { ACL } from '../txn/types.js'
import type { AddWatchMode, WatcherType, WatchNotification } from '../watch/watch-manager.js'
import type {
  ClientInfo,
  CreateModeValue,
  MultiOp,
  MultiReadResult,
  MultiResult,
  Request,
  Response,
  ResponseBodies,
} from '../server/requests.js'
import { CreateMode } from '../server/requests.js'
import type { KeeperState, WatchCallback, WatchedEvent } from './events.js'
import { WatchRegistry, type WatchKind } from './watch-registry.js'

/** Data as bytes, or a string sent as UTF-8. */
export type Data = Uint8Array | string

/** How a client reaches a member. */
export interface ClientTransport {
  /** Sends one request; responses come back in request order (synchronously when already known). */
  send(request: Request): Response | Promise<Response>
  /** Closes the session (closeSession) and the connection. */
  close(): Promise<void>
}

/** Where a transport delivers what the server pushes. */
export interface TransportSink {
  /** A watch notification. */
  notification(event: WatchNotification): void
  /** The session ended on the server's side. */
  sessionEnded(reason: 'expired' | 'closed' | 'moved'): void
}

/** Options of {@link ZooKeeperClient.create}. */
export interface CreateOptions {
  /** A {@link CreateMode} number. @defaultValue CreateMode.PERSISTENT */
  mode?: CreateModeValue
  /** The node's ACL. @defaultValue OPEN_ACL_UNSAFE (world:anyone, all permissions) */
  acl?: readonly ACL[]
  /** Time to live in ms, for the TTL modes. */
  ttlMs?: number
}

/** Options of reads that can leave a watch. */
export interface WatchOptions {
  /** Called once when the node (or its children, for getChildren) next changes. */
  watch?: WatchCallback
}

/** A create inside {@link ZooKeeperClient.multi}. */
export interface CreateOp extends CreateOptions {
  /** The operation. */
  op: 'create'
  /** Path of the new node (the prefix, for sequential modes). */
  path: string
  /** Initial data. */
  data?: Data
}

/** A delete inside {@link ZooKeeperClient.multi}. */
export interface DeleteOp {
  /** The operation. */
  op: 'delete'
  /** Path of the node to delete. */
  path: string
  /** Expected version; -1 (the default) matches any. */
  version?: number
}

/** A setData inside {@link ZooKeeperClient.multi}. */
export interface SetDataOp {
  /** The operation. */
  op: 'setData'
  /** Path of the node. */
  path: string
  /** The new data. */
  data: Data
  /** Expected version; -1 (the default) matches any. */
  version?: number
}

/** A version check inside {@link ZooKeeperClient.multi}. */
export interface CheckOp {
  /** The operation. */
  op: 'check'
  /** Path of the node. */
  path: string
  /** The version the node must have (-1: it only has to exist). */
  version: number
}

/** One operation of {@link ZooKeeperClient.multi}, with data as bytes or a string. */
export type Op = CreateOp | DeleteOp | SetDataOp | CheckOp

/** A read inside {@link ZooKeeperClient.multiRead}. */
export interface ReadOp {
  /** The read. */
  op: 'getData' | 'getChildren'
  /** Path of the node. */
  path: string
}

/** A created node: its path and Stat. */
export interface CreatedNode {
  /** The created path (with the sequence suffix for sequential modes). */
  path: string
  /** The new node's Stat. */
  stat: Stat
}

/** A node's data and Stat. */
export interface NodeData {
  /** The data (a copy the caller owns). */
  data: Uint8Array
  /** The node's Stat. */
  stat: Stat
}

/** A node's children and Stat. */
export interface NodeChildren {
  /** The child names, sorted. */
  children: string[]
  /** The node's Stat. */
  stat: Stat
}

/** A node's ACL and Stat. */
export interface NodeACL {
  /** The ACL entries. */
  acl: ACL[]
  /** The node's Stat. */
  stat: Stat
}

/** The client API: ZooKeeper's operations as promises that reject with {@link ZooKeeperError}. */
export interface ZooKeeperClient {
  /** The 64-bit session id. */
  readonly sessionId: bigint
  /** The negotiated session timeout in ms. */
  readonly sessionTimeoutMs: number
  /** The session password, for resuming the session on another connection. */
  readonly sessionPasswd: Uint8Array
  /** The current session state. */
  readonly state: KeeperState
  /** Creates a znode and returns its path (with the sequence suffix for sequential modes). */
  create(path: string, data?: Data, options?: CreateOptions): Promise<string>
  /** Creates a znode and returns its path and Stat (ZooKeeper's create2). */
  createWithStat(path: string, data?: Data, options?: CreateOptions): Promise<CreatedNode>
  /** Deletes a znode if its version matches (-1, the default, matches any). */
  delete(path: string, version?: number): Promise<void>
  /** Reads a znode's data and Stat. */
  getData(path: string, options?: WatchOptions): Promise<NodeData>
  /** Replaces a znode's data if its version matches; returns the new Stat. */
  setData(path: string, data: Data, version?: number): Promise<Stat>
  /** The Stat of a znode, or null when it does not exist (a watch is left either way). */
  exists(path: string, options?: WatchOptions): Promise<Stat | null>
  /** The names of a znode's children, sorted. */
  getChildren(path: string, options?: WatchOptions): Promise<string[]>
  /** The children and the Stat of a znode (ZooKeeper's getChildren2). */
  getChildrenWithStat(path: string, options?: WatchOptions): Promise<NodeChildren>
  /** A znode's ACL and Stat. */
  getACL(path: string): Promise<NodeACL>
  /** Replaces a znode's ACL if its aversion matches; returns the new Stat. */
  setACL(path: string, acl: readonly ACL[], version?: number): Promise<Stat>
  /** Applies the operations atomically; rejects with the first failing op's error. */
  multi(ops: readonly Op[]): Promise<MultiResult[]>
  /** Several reads, each succeeding or failing on its own. */
  multiRead(ops: readonly ReadOp[]): Promise<MultiReadResult[]>
  /** Waits until this member has every write committed before the call. */
  sync(path: string): Promise<void>
  /** This session's ephemerals under a prefix (`/` = all). */
  getEphemerals(prefix?: string): Promise<string[]>
  /** Number of all descendants of a znode. */
  getAllChildrenNumber(path: string): Promise<number>
  /** Adds a persistent (or persistent-recursive) watch that fires on every change until removed. */
  addWatch(path: string, callback: WatchCallback, mode?: AddWatchMode): Promise<void>
  /** Removes watches of a type on a path (one callback, or all); NOWATCHER when there are none. */
  removeWatches(path: string, type: WatcherType, callback?: WatchCallback): Promise<void>
  /** Adds credentials to the connection, for example `addAuth('digest', 'user:password')`. */
  addAuth(scheme: string, auth: Data): Promise<void>
  /** The identities the connection holds. */
  whoAmI(): Promise<ClientInfo[]>
  /** Subscribes to session state changes; returns the unsubscribe function. */
  onStateChange(listener: (event: WatchedEvent) => void): () => void
  /** Closes the session: its ephemerals are removed at once. */
  close(): Promise<void>
  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

const encoder = new TextEncoder()

/** Copies data into bytes the caller can no longer change. */
export function toBytes(data: Data | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0)
  if (typeof data === 'string') return encoder.encode(data)
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array or a string')
  return data.slice()
}

function expect<K extends keyof ResponseBodies>(response: Response, path?: string): ResponseBodies[K] {
  if (response.err !== 0) throw ZooKeeperError.fromErrno(response.err, path)
  return response as unknown as ResponseBodies[K]
}

/** The client over any transport. */
export class ClientImpl implements ZooKeeperClient, TransportSink {
  private readonly watches = new WatchRegistry()
  private readonly stateListeners = new Set<(event: WatchedEvent) => void>()
  private readonly events: (() => void)[] = []
  private currentState: KeeperState = 'SyncConnected'
  private transport: ClientTransport | undefined

  constructor(
    readonly sessionId: bigint,
    readonly sessionTimeoutMs: number,
    readonly sessionPasswd: Uint8Array,
    private readonly maxDataBytes = juteMaxBufferBytes,
  ) {}

  /** Connects the client to its transport (done once, right after the session is granted). */
  bind(transport: ClientTransport): void {
    this.transport = transport
  }

  get state(): KeeperState {
    return this.currentState
  }

  private send(request: Request): Response | Promise<Response> {
    if (this.transport === undefined || this.currentState === 'Closed' || this.currentState === 'Expired') {
      const why = this.currentState === 'Expired' ? 'the session expired' : 'the client is closed'
      return Promise.reject(new ZooKeeperError('SESSIONEXPIRED', { message: `Session expired: ${why}` }))
    }
    return this.transport.send(request)
  }

  private checkData(data: Uint8Array, path: string): void {
    if (data.length > this.maxDataBytes) {
      throw new ZooKeeperError('BADARGUMENTS', {
        path,
        message: `data for ${path} is ${data.length} bytes, over jute.maxbuffer (${this.maxDataBytes})`,
      })
    }
  }

  // Every public method awaits exactly once, so replies settle in request order (ZooKeeper's FIFO
  // client order) whichever methods the application mixes.
  async create(path: string, data?: Data, options: CreateOptions = {}): Promise<string> {
    const request = this.createRequest({ op: 'create', path, data, ...options })
    return expect<'create'>(await this.send(request), path).path
  }

  async createWithStat(path: string, data?: Data, options: CreateOptions = {}): Promise<CreatedNode> {
    const request = this.createRequest({ op: 'create', path, data, ...options })
    return expect<'create'>(await this.send(request), path)
  }

  private createRequest(op: CreateOp): MultiOp {
    const mode = op.mode ?? CreateMode.PERSISTENT
    validatePath(op.path, mode === CreateMode.PERSISTENT_SEQUENTIAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL || mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL)
    const bytes = toBytes(op.data)
    this.checkData(bytes, op.path)
    const request: MultiOp = { op: 'create', path: op.path, data: bytes, acl: op.acl ?? OPEN_ACL_UNSAFE, mode }
    if (op.ttlMs !== undefined) request.ttlMs = op.ttlMs
    return request
  }

  async delete(path: string, version = -1): Promise<void> {
    validatePath(path)
    expect<'delete'>(await this.send({ op: 'delete', path, version }), path)
  }

  async getData(path: string, options: WatchOptions = {}): Promise<NodeData> {
    validatePath(path)
    const watch = options.watch
    const body = expect<'getData'>(await this.send({ op: 'getData', path, watch: watch !== undefined }), path)
    if (watch !== undefined) this.watches.add('data', path, watch)
    return { data: body.data.slice(), stat: body.stat }
  }

  async setData(path: string, data: Data, version = -1): Promise<Stat> {
    validatePath(path)
    const bytes = toBytes(data)
    this.checkData(bytes, path)
    return expect<'setData'>(await this.send({ op: 'setData', path, data: bytes, version }), path).stat
  }

  async exists(path: string, options: WatchOptions = {}): Promise<Stat | null> {
    validatePath(path)
    const watch = options.watch
    const response = await this.send({ op: 'exists', path, watch: watch !== undefined })
    if (response.err === ErrorCode.NONODE) {
      if (watch !== undefined) this.watches.add('exist', path, watch)
      return null
    }
    const body = expect<'exists'>(response, path)
    if (watch !== undefined) this.watches.add('data', path, watch)
    return body.stat
  }

  async getChildren(path: string, options: WatchOptions = {}): Promise<string[]> {
    validatePath(path)
    return this.childrenOf(path, options.watch, await this.send({ op: 'getChildren', path, watch: options.watch !== undefined })).children
  }

  async getChildrenWithStat(path: string, options: WatchOptions = {}): Promise<NodeChildren> {
    validatePath(path)
    return this.childrenOf(path, options.watch, await this.send({ op: 'getChildren', path, watch: options.watch !== undefined }))
  }

  private childrenOf(path: string, watch: WatchCallback | undefined, response: Response): NodeChildren {
    const body = expect<'getChildren'>(response, path)
    if (watch !== undefined) this.watches.add('child', path, watch)
    return { children: body.children, stat: body.stat }
  }

  async getACL(path: string): Promise<NodeACL> {
    validatePath(path)
    return expect<'getACL'>(await this.send({ op: 'getACL', path }), path)
  }

  async setACL(path: string, acl: readonly ACL[], version = -1): Promise<Stat> {
    validatePath(path)
    return expect<'setACL'>(await this.send({ op: 'setACL', path, acl, version }), path).stat
  }

  async multi(ops: readonly Op[]): Promise<MultiResult[]> {
    const requests = ops.map((op) => this.toMultiOp(op))
    const { results } = expect<'multi'>(await this.send({ op: 'multi', ops: requests }))
    const failed = results.findIndex((r) => r.err !== 0)
    if (failed >= 0) throw ZooKeeperError.fromErrno(results[failed]?.err ?? -1, ops[failed]?.path)
    return results
  }

  private toMultiOp(op: Op): MultiOp {
    switch (op.op) {
      case 'create':
        return this.createRequest(op)
      case 'delete':
        validatePath(op.path)
        return { op: 'delete', path: op.path, version: op.version ?? -1 }
      case 'setData': {
        validatePath(op.path)
        const data = toBytes(op.data)
        this.checkData(data, op.path)
        return { op: 'setData', path: op.path, data, version: op.version ?? -1 }
      }
      case 'check':
        validatePath(op.path)
        return { op: 'check', path: op.path, version: op.version }
      default:
        throw new TypeError(`unknown multi operation ${JSON.stringify((op as { op: unknown }).op)}`)
    }
  }

  async multiRead(ops: readonly ReadOp[]): Promise<MultiReadResult[]> {
    for (const op of ops) validatePath(op.path)
    return expect<'multiRead'>(await this.send({ op: 'multiRead', ops })).results
  }

  async sync(path: string): Promise<void> {
    validatePath(path)
    expect<'sync'>(await this.send({ op: 'sync', path }), path)
  }

  async getEphemerals(prefix = '/'): Promise<string[]> {
    return expect<'getEphemerals'>(await this.send({ op: 'getEphemerals', prefix })).paths
  }

  async getAllChildrenNumber(path: string): Promise<number> {
    validatePath(path)
    return expect<'getAllChildrenNumber'>(await this.send({ op: 'getAllChildrenNumber', path }), path).count
  }

  async addWatch(path: string, callback: WatchCallback, mode: AddWatchMode = 'persistent'): Promise<void> {
    validatePath(path)
    expect<'addWatch'>(await this.send({ op: 'addWatch', path, mode }), path)
    this.watches.add(mode, path, callback)
  }

  async removeWatches(path: string, type: WatcherType, callback?: WatchCallback): Promise<void> {
    validatePath(path)
    const kinds = kindsOf(type).filter((kind) => this.watches.has(kind, path))
    if (kinds.length === 0) throw new ZooKeeperError('NOWATCHER', { path, message: `No such watcher: ${path}` })
    const removed = kinds.filter((kind) => this.watches.remove(kind, path, callback))
    if (removed.length === 0) throw new ZooKeeperError('NOWATCHER', { path, message: `No such watcher: ${path}` })
    // The server keeps one watch per connection and path: drop it once no callback needs it.
    const orphaned = kindsOf(type).every((kind) => !this.watches.has(kind, path))
    if (orphaned) {
      const response = await this.send({ op: 'removeWatches', path, type, dryRun: false })
      if (response.err !== 0 && response.err !== ErrorCode.NOWATCHER) throw ZooKeeperError.fromErrno(response.err, path)
    }
  }

  async addAuth(scheme: string, auth: Data): Promise<void> {
    expect<'setAuth'>(await this.send({ op: 'setAuth', scheme, auth: toBytes(auth) }))
  }

  async whoAmI(): Promise<ClientInfo[]> {
    return expect<'whoAmI'>(await this.send({ op: 'whoAmI' })).clientInfo
  }

  onStateChange(listener: (event: WatchedEvent) => void): () => void {
    this.stateListeners.add(listener)
    return () => this.stateListeners.delete(listener)
  }

  async close(): Promise<void> {
    if (this.currentState === 'Closed' || this.currentState === 'Expired') return
    const transport = this.transport
    this.setState('Closed')
    await transport?.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** A watch notification from the server: wake the callbacks registered for it. */
  notification(event: WatchNotification): void {
    const callbacks = this.watches.materialize(event.type, event.path)
    if (callbacks.size === 0) return
    const watched: WatchedEvent = { type: event.type, state: this.currentState, path: event.path }
    for (const callback of callbacks) this.deliver(() => callback(watched))
  }

  /** The server ended the session. */
  sessionEnded(reason: 'expired' | 'closed' | 'moved'): void {
    if (reason === 'expired') this.setState('Expired')
    else if (reason === 'moved') this.setState('Disconnected')
    else this.setState('Closed')
  }

  private setState(state: KeeperState): void {
    if (state === this.currentState) return
    this.currentState = state
    const event: WatchedEvent = { type: 'None', state, path: undefined }
    if (state === 'Expired' || state === 'Closed') {
      this.transport = undefined
      // Like ZooKeeper's client, an ended session tells every outstanding watch once.
      if (state === 'Expired') for (const callback of this.watches.drainAll()) this.deliver(() => callback(event))
    }
    for (const listener of this.stateListeners) this.deliver(() => listener(event))
  }

  // Events run in a microtask, in order, never inside the server's apply: a watcher sees an
  // event before the response to any later read (ZooKeeper's ordering guarantee).
  private deliver(run: () => void): void {
    this.events.push(run)
    if (this.events.length === 1) queueMicrotask(() => this.drainEvents())
  }

  private drainEvents(): void {
    for (let i = 0; i < this.events.length; i++) {
      try {
        this.events[i]?.()
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
    this.events.length = 0
  }
}

function kindsOf(type: WatcherType): WatchKind[] {
  switch (type) {
    case 'data':
      return ['data', 'exist']
    case 'children':
      return ['child']
    case 'persistent':
      return ['persistent']
    case 'persistentRecursive':
      return ['persistentRecursive']
    case 'any':
      return ['data', 'exist', 'child', 'persistent', 'persistentRecursive']
  }
}
