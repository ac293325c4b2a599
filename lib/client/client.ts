/**
 * The typed, promise-based client. One implementation over a {@link ClientTransport}: an
 * in-process transport calls straight into a member; a TCP transport speaks the wire protocol.
 * @module
 */
import { ErrorCode, ZooKeeperError } from '../errors.js'
import { eventsBufferedMaxDefault, juteMaxBufferBytes, multiOpsMax, readerSlabBytes } from '../limits.js'
import { validatePath } from '../path.js'
import { CreateMode, createModeInfo } from '../protocol/create-mode.js'
import { OPEN_ACL_UNSAFE, type ACL, type ClientInfo, type Stat, type StatRecord } from '../protocol/data.js'
import type { MultiOp, MultiReadResult, MultiResult, Request, Response, ResponseBodies } from '../protocol/requests.js'
import type { AddWatchMode, WatcherType, WatchNotification } from '../protocol/watch.js'
import { EventQueue } from './event-queue.js'
import {
  silentLogger,
  type ClientLogger,
  type ConnectionState,
  type KeeperState,
  type SessionEvent,
  type StateChangeEvent,
  type WatchCallback,
  type WatchedEvent,
} from './events.js'
import { TransactionImpl } from './transaction.js'
import type {
  ClientTransport,
  ConnectionSink,
  CreatedNode,
  CreateOptions,
  Data,
  NodeACL,
  NodeChildren,
  NodeData,
  ReconfigChange,
  NodeString,
  Op,
  ReadOp,
  SessionEventsOptions,
  SessionInfo,
  Transaction,
  WatchOptions,
  WatchStream,
  WatchStreamOptions,
  ZooKeeperClient,
} from './types.js'
import { openWatchStream } from './watch-stream.js'
import { WatchRegistry, type WatchKind } from './watch-registry.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A read's data and Stat, made by `new` for the reason {@link StatRecord} gives. */
class NodeDataRecord implements NodeData {
  constructor(
    public data: Uint8Array,
    public stat: Stat,
  ) {}
}

/**
 * Copies data into bytes the caller can no longer change. Small values are cut from a shared slab
 * (as Node's Buffer pool does): a fresh ArrayBuffer per write costs more than the rest of an in-process
 * setData.
 */
export function toBytes(data: Data | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0)
  if (typeof data === 'string') return encodeString(data)
  if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array or a string')
  // Not data.slice(): on a Buffer that is a view.
  return slabCopy(data)
}

// Copies of small values are carved from slabs of readerSlabBytes; values over half of it get
// their own buffer. Small, so that a value an application or the tree keeps pins at most 2 KiB.
let slab = new ArrayBuffer(readerSlabBytes)
let slabUsed = 0

function slabRoom(n: number): void {
  if (slabUsed + n <= readerSlabBytes) return
  slab = new ArrayBuffer(readerSlabBytes)
  slabUsed = 0
}

/**
 * A copy of `data` nobody else holds: of znode data read for the application, so it can never
 * modify the member's tree, and of data written, so the caller cannot change it afterwards. Small
 * values are views into a shared slab (as Node's Buffer pool does). A kept value keeps its slab
 * (2 KiB) alive.
 */
function slabCopy(data: Uint8Array): Uint8Array {
  const n = data.length
  // Not data.slice(): the member may hold a Buffer (decoded from the wire or a snapshot), whose
  // slice is a view of the stored bytes.
  if (n > readerSlabBytes / 2) return new Uint8Array(data)
  slabRoom(n)
  const copy = new Uint8Array(slab, slabUsed, n)
  copy.set(data)
  slabUsed += n
  return copy
}

/** UTF-8 bytes of `text`; short strings are encoded straight into the slab. */
function encodeString(text: string): Uint8Array {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes.
  const most = text.length * 3
  if (most > readerSlabBytes / 2) return encoder.encode(text)
  slabRoom(most)
  const { written } = encoder.encodeInto(text, new Uint8Array(slab, slabUsed, most))
  const bytes = new Uint8Array(slab, slabUsed, written)
  slabUsed += written
  return bytes
}

// ZooKeeper bounds a multi by its encoded size only; with no frame in process, the count is bounded
// here, at a number no jute.maxbuffer-sized frame can exceed (see multiOpsMax).
function checkOpCount(op: 'multi' | 'multiRead', count: number): void {
  if (count > multiOpsMax) {
    throw new ZooKeeperError('BADARGUMENTS', { message: `${op} has ${count} operations, over multiOpsMax (${multiOpsMax})` })
  }
}

import { reconfigRequestOf } from './reconfig.js'

/** The znode of the ensemble's configuration (ZooKeeper: `ZooDefs.CONFIG_NODE`). */
const configNode = '/zookeeper/config'

const sameResponse = (response: Response): Response => response

const nodeData = (body: ResponseBodies['getData']): NodeData => new NodeDataRecord(slabCopy(body.data), body.stat)
const nodeString = (body: ResponseBodies['getData']): NodeString => ({ data: decoder.decode(body.data), stat: body.stat })
const childNames = (body: ResponseBodies['getChildren']): string[] => body.children
const nodeChildren = (body: ResponseBodies['getChildren']): NodeChildren => ({ children: body.children, stat: body.stat })

/** `callback`, called the first time only. */
function onceOnly(callback: (response: Response) => void): (response: Response) => void {
  let replied = false
  return (response) => {
    if (replied) return
    replied = true
    callback(response)
  }
}

/** A request that failed, carried as a value so that its method counts its reply as arrived. */
class Failure {
  constructor(readonly error: unknown) {}
}

const failed = (error: unknown): Failure => new Failure(error)

/** A reply at once: a read's path left `unchecked` is checked if the read did not succeed (BADARGUMENTS before its error). */
function checkedAfter(response: Response, unchecked: string | undefined): Response {
  if (unchecked !== undefined && response.err !== 0) validatePath(unchecked)
  return response
}

function expect<K extends keyof ResponseBodies>(response: Response, path?: string): ResponseBodies[K] {
  if (response.err !== 0) throw ZooKeeperError.fromErrno(response.err, path)
  return response as unknown as ResponseBodies[K]
}

/** Options of {@link ClientImpl} beyond the session it starts with. */
export interface ClientImplOptions {
  /** Where state changes are logged. @defaultValue silent */
  logger?: ClientLogger
  /** The state the client starts in: `connected` for a granted session, `connecting` before one. @defaultValue 'connected' */
  connectionState?: ConnectionState
}

const keeperStates: Record<ConnectionState, KeeperState> = {
  connecting: 'Disconnected',
  connected: 'SyncConnected',
  connectedReadOnly: 'ConnectedReadOnly',
  disconnected: 'Disconnected',
  expired: 'Expired',
  authFailed: 'AuthFailed',
  closed: 'Closed',
}

function isFinal(state: ConnectionState): boolean {
  return state === 'expired' || state === 'closed' || state === 'authFailed'
}

/** The client over any transport. */
export class ClientImpl implements ZooKeeperClient, ConnectionSink {
  private readonly watches = new WatchRegistry()
  private readonly stateListeners = new Set<(event: StateChangeEvent) => void>()
  private readonly sessionQueues = new Set<EventQueue<SessionEvent>>()
  private readonly events: (() => void)[] = []
  private readonly logger: ClientLogger
  private currentState: ConnectionState
  private transport: ClientTransport | undefined
  private boundTransport: ClientTransport | undefined
  private session: { id: bigint; timeoutMs: number; passwd: Uint8Array }
  /** Requests sent, and those whose methods have their replies: equal when none is left to settle. */
  private sent = 0
  private answered = 0
  /** The promise the latest request answered through a promise reaches its method by. */
  private lastReply: Promise<Response | Failure> | undefined

  constructor(
    sessionId: bigint,
    sessionTimeoutMs: number,
    sessionPasswd: Uint8Array,
    private readonly maxDataBytes = juteMaxBufferBytes,
    options: ClientImplOptions = {},
  ) {
    this.session = { id: sessionId, timeoutMs: sessionTimeoutMs, passwd: sessionPasswd }
    this.logger = options.logger ?? silentLogger
    this.currentState = options.connectionState ?? 'connected'
  }

  /** Connects the client to its transport (done once, right after the session is granted). */
  bind(transport: ClientTransport): void {
    this.transport = transport
    this.boundTransport = transport
  }

  /** The transport the client was bound to, for the testing kit's fault injection. */
  get transportForTesting(): ClientTransport | undefined {
    return this.boundTransport
  }

  get sessionId(): bigint {
    return this.session.id
  }

  get sessionTimeoutMs(): number {
    return this.session.timeoutMs
  }

  get sessionPasswd(): Uint8Array {
    return this.session.passwd
  }

  get state(): KeeperState {
    return keeperStates[this.currentState]
  }

  get connectionState(): ConnectionState {
    return this.currentState
  }

  private finalError(): ZooKeeperError | undefined {
    if (this.currentState === 'authFailed') return new ZooKeeperError('AUTHFAILED', { message: 'Authentication failed: the client is closed' })
    if (this.transport !== undefined && !isFinal(this.currentState)) return undefined
    const why = this.currentState === 'expired' ? 'the session expired' : 'the client is closed'
    return new ZooKeeperError('SESSIONEXPIRED', { message: `Session expired: ${why}` })
  }

  // Replies settle in request order (ZooKeeper's FIFO client order) whichever methods the
  // application mixes, and however many steps of the event loop each reply took to come:
  // - a reply the transport has at once (an in-process read, or a write to an in-memory member)
  //   settles its method at once when every earlier request's method has settled: nothing is
  //   left to settle after it;
  // - any other reply reaches its method through a promise that resolves only after the promise
  //   the previous such request's method awaits, whose method therefore resumes first.
  // Each method reads its reply as `reply instanceof Promise ? this.arrived(await reply) : reply`.
  // A watch is registered in `onReply`, before any later event is handled (the transport calls
  // it at once when it can, else right after the reply).
  private exchange(request: Request, onReply?: (response: Response) => void): Response | Promise<Response | Failure> {
    const inTurn = this.answered === this.sent
    const refused = this.finalError()
    const once = onReply === undefined ? undefined : onceOnly(onReply)
    const result = refused === undefined ? this.transport!.send(request, once) : Promise.reject(refused)
    this.sent++
    if (!(result instanceof Promise)) {
      once?.(result)
      if (inTurn) {
        this.answered++
        return result
      }
      return this.inOrder(result, false)
    }
    // Failures become values at once, so that no rejection waits unhandled behind the chain.
    return this.inOrder(result.then(once === undefined ? sameResponse : (response) => (once(response), response), failed), inTurn)
  }

  /**
   * A reply as its method will await it: the transport's own when nothing sent before it is left
   * to settle (`inTurn`), else chained behind the previous request's, so that it cannot reach its
   * method first even where the transport settled it sooner (a refusal made at once, say).
   */
  private inOrder(reply: Response | Promise<Response | Failure>, inTurn: boolean): Promise<Response | Failure> {
    const previous = this.lastReply
    const ordered = inTurn && reply instanceof Promise ? reply : previous === undefined ? Promise.resolve(reply) : previous.then(() => reply)
    this.lastReply = ordered
    return ordered
  }

  /**
   * A reply that came through a promise, now that its method has it: counted, and thrown if it
   * failed. A read's path left `unchecked` (see {@link readPath}) is checked first if it failed.
   */
  private arrived(reply: Response | Failure, unchecked?: string): Response {
    this.answered++
    if (reply instanceof Failure) {
      if (unchecked !== undefined) validatePath(unchecked)
      throw reply.error
    }
    return checkedAfter(reply, unchecked)
  }

  /**
   * Checks a read's path now, or, when the transport's member runs in this process and the read
   * leaves no watch, returns it to be checked only if the read does not succeed: a path the tree
   * holds is a valid one, and a read that misses changes nothing (see ClientTransport.inProcess).
   */
  private readPath(path: string, watched: boolean): string | undefined {
    if (watched || this.transport?.inProcess !== true) {
      validatePath(path)
      return undefined
    }
    if (typeof path !== 'string') throw new TypeError('path must be a string')
    return path
  }

  private checkData(data: Uint8Array, path: string): void {
    if (data.length > this.maxDataBytes) {
      throw new ZooKeeperError('BADARGUMENTS', {
        path,
        message: `data for ${path} is ${data.length} bytes, over jute.maxbuffer (${this.maxDataBytes})`,
      })
    }
  }

  async create(path: string, data?: Data, options: CreateOptions = {}): Promise<string> {
    const request = this.createRequest(path, data, options)
    const reply = this.exchange(request)
    return expect<'create'>(reply instanceof Promise ? this.arrived(await reply) : reply, path).path
  }

  async createWithStat(path: string, data?: Data, options: CreateOptions = {}): Promise<CreatedNode> {
    const request = this.createRequest(path, data, options)
    const reply = this.exchange(request)
    const { path: created, stat } = expect<'create'>(reply instanceof Promise ? this.arrived(await reply) : reply, path)
    return { path: created, stat }
  }

  // Takes the path and data apart from the options: a create need not copy its options into an op first.
  private createRequest(path: string, data: Data | undefined, options: CreateOptions): MultiOp {
    const mode = options.mode ?? CreateMode.PERSISTENT
    // CreateMode.fromFlag: a flag that names no mode is KeeperException.BadArgumentsException.
    if (createModeInfo(mode) === undefined) throw new ZooKeeperError('BADARGUMENTS', { path, message: `Received an invalid flag value: ${String(mode)} to convert to a CreateMode` })
    validatePath(path, mode === CreateMode.PERSISTENT_SEQUENTIAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL || mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL)
    const bytes = toBytes(data)
    this.checkData(bytes, path)
    const request: MultiOp = { op: 'create', path, data: bytes, acl: options.acl ?? OPEN_ACL_UNSAFE, mode }
    if (options.ttlMs !== undefined) request.ttlMs = options.ttlMs
    return request
  }

  async delete(path: string, version = -1): Promise<void> {
    validatePath(path)
    const reply = this.exchange({ op: 'delete', path, version })
    expect<'delete'>(reply instanceof Promise ? this.arrived(await reply) : reply, path)
  }

  getData(path: string, options: WatchOptions = {}): Promise<NodeData> {
    return this.readNode('getData', 'data', path, options, nodeData)
  }

  getString(path: string, options: WatchOptions = {}): Promise<NodeString> {
    return this.readNode('getData', 'data', path, options, nodeString)
  }

  async setData(path: string, data: Data, version = -1): Promise<Stat> {
    validatePath(path)
    const bytes = toBytes(data)
    this.checkData(bytes, path)
    const reply = this.exchange({ op: 'setData', path, data: bytes, version })
    return expect<'setData'>(reply instanceof Promise ? this.arrived(await reply) : reply, path).stat
  }

  async exists(path: string, options: WatchOptions = {}): Promise<Stat | null> {
    const watch = options.watch
    const unchecked = this.readPath(path, watch !== undefined)
    // ZooKeeper leaves an exist watch on a missing node and a data watch on an existing one.
    const register = watch === undefined ? undefined : (r: Response): void => {
      if (r.err === ErrorCode.NONODE) this.watches.add('exist', path, watch)
      else if (r.err === 0) this.watches.add('data', path, watch)
    }
    const reply = this.exchange({ op: 'exists', path, watch: watch !== undefined }, register)
    const response = reply instanceof Promise ? this.arrived(await reply, unchecked) : checkedAfter(reply, unchecked)
    if (response.err === ErrorCode.NONODE) return null
    return expect<'exists'>(response, path).stat
  }

  getChildren(path: string, options: WatchOptions = {}): Promise<string[]> {
    return this.readNode('getChildren', 'child', path, options, childNames)
  }

  getChildrenWithStat(path: string, options: WatchOptions = {}): Promise<NodeChildren> {
    return this.readNode('getChildren', 'child', path, options, nodeChildren)
  }

  // getData, getString, getChildren and getChildrenWithStat in one exchange each, so that none
  // settles a step behind the other requests' methods. The watch is left only on success.
  private async readNode<K extends 'getData' | 'getChildren', T>(
    op: K,
    kind: 'data' | 'child',
    path: string,
    options: WatchOptions,
    shape: (body: ResponseBodies[K]) => T,
  ): Promise<T> {
    const watch = options.watch
    const unchecked = this.readPath(path, watch !== undefined)
    const register = watch === undefined ? undefined : (r: Response) => r.err === 0 && this.watches.add(kind, path, watch)
    const reply = this.exchange({ op, path, watch: watch !== undefined } as Request, register)
    return shape(expect<K>(reply instanceof Promise ? this.arrived(await reply, unchecked) : checkedAfter(reply, unchecked), path))
  }

  async getACL(path: string): Promise<NodeACL> {
    const unchecked = this.readPath(path, false)
    const reply = this.exchange({ op: 'getACL', path })
    const { acl, stat } = expect<'getACL'>(reply instanceof Promise ? this.arrived(await reply, unchecked) : checkedAfter(reply, unchecked), path)
    return { acl, stat }
  }

  async setACL(path: string, acl: readonly ACL[], version = -1): Promise<Stat> {
    validatePath(path)
    const reply = this.exchange({ op: 'setACL', path, acl, version })
    return expect<'setACL'>(reply instanceof Promise ? this.arrived(await reply) : reply, path).stat
  }

  async multi(ops: readonly Op[]): Promise<MultiResult[]> {
    checkOpCount('multi', ops.length)
    const requests = ops.map((op) => this.toMultiOp(op))
    const reply = this.exchange({ op: 'multi', ops: requests })
    const { results } = expect<'multi'>(reply instanceof Promise ? this.arrived(await reply) : reply)
    const failed = results.findIndex((r) => r.err !== 0)
    if (failed >= 0) throw ZooKeeperError.fromErrno(results[failed]?.err ?? -1, ops[failed]?.path)
    return results
  }

  transaction(): Transaction {
    return new TransactionImpl(this)
  }

  private toMultiOp(op: Op): MultiOp {
    switch (op.op) {
      case 'create':
        return this.createRequest(op.path, op.data, op)
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
    checkOpCount('multiRead', ops.length)
    for (const op of ops) validatePath(op.path)
    const reply = this.exchange({ op: 'multiRead', ops })
    const { results } = expect<'multiRead'>(reply instanceof Promise ? this.arrived(await reply) : reply)
    return results.map((r) => (r.op === 'getData' ? { ...r, data: slabCopy(r.data) } : r))
  }

  async sync(path: string): Promise<void> {
    validatePath(path)
    const reply = this.exchange({ op: 'sync', path })
    expect<'sync'>(reply instanceof Promise ? this.arrived(await reply) : reply, path)
  }

  async getEphemerals(prefix = '/'): Promise<string[]> {
    const reply = this.exchange({ op: 'getEphemerals', prefix })
    return expect<'getEphemerals'>(reply instanceof Promise ? this.arrived(await reply) : reply).paths
  }

  async getAllChildrenNumber(path: string): Promise<number> {
    const unchecked = this.readPath(path, false)
    const reply = this.exchange({ op: 'getAllChildrenNumber', path })
    return expect<'getAllChildrenNumber'>(reply instanceof Promise ? this.arrived(await reply, unchecked) : checkedAfter(reply, unchecked), path).count
  }

  async addWatch(path: string, callback: WatchCallback, mode: AddWatchMode = 'persistent'): Promise<void> {
    validatePath(path)
    const register = (r: Response): void => {
      if (r.err === 0) this.watches.add(mode, path, callback)
    }
    const reply = this.exchange({ op: 'addWatch', path, mode }, register)
    expect<'addWatch'>(reply instanceof Promise ? this.arrived(await reply) : reply, path)
  }

  watch(path: string, options: WatchStreamOptions = {}): WatchStream {
    return openWatchStream(this, path, options)
  }

  async removeWatches(path: string, type: WatcherType, callback?: WatchCallback): Promise<void> {
    validatePath(path)
    const kinds = kindsOf(type).filter((kind) => this.watches.has(kind, path))
    if (kinds.length === 0) throw new ZooKeeperError('NOWATCHER', { path, message: `No such watcher: ${path}` })
    const removed = kinds.filter((kind) => this.watches.remove(kind, path, callback))
    if (removed.length === 0) throw new ZooKeeperError('NOWATCHER', { path, message: `No such watcher: ${path}` })
    // The server keeps one watch per connection and path: drop it once no callback needs it.
    const orphaned = kindsOf(type).every((kind) => !this.watches.has(kind, path))
    if (orphaned && this.finalError() === undefined) {
      const reply = this.exchange({ op: 'removeWatches', path, type, dryRun: false })
      const response = reply instanceof Promise ? this.arrived(await reply) : reply
      if (response.err !== 0 && response.err !== ErrorCode.NOWATCHER) throw ZooKeeperError.fromErrno(response.err, path)
    }
  }

  async addAuth(scheme: string, auth: Data): Promise<void> {
    const reply = this.exchange({ op: 'setAuth', scheme, auth: toBytes(auth) })
    expect<'setAuth'>(reply instanceof Promise ? this.arrived(await reply) : reply)
  }

  async whoAmI(): Promise<ClientInfo[]> {
    const reply = this.exchange({ op: 'whoAmI' })
    return expect<'whoAmI'>(reply instanceof Promise ? this.arrived(await reply) : reply).clientInfo
  }

  getConfig(options: WatchOptions = {}): Promise<NodeData> {
    return this.getData(configNode, options)
  }

  async reconfig(change: ReconfigChange): Promise<NodeData> {
    const reply = this.exchange(reconfigRequestOf(change))
    const body = expect<'reconfig'>(reply instanceof Promise ? this.arrived(await reply) : reply)
    return new NodeDataRecord(slabCopy(body.data), body.stat)
  }

  onStateChange(listener: (event: StateChangeEvent) => void): () => void {
    this.stateListeners.add(listener)
    return () => this.stateListeners.delete(listener)
  }

  sessionEvents(options: SessionEventsOptions = {}): AsyncIterableIterator<SessionEvent> {
    const { signal } = options
    const onAbort = (): void => queue.fail(signal?.reason)
    const queue: EventQueue<SessionEvent> = new EventQueue(
      options.eventsBufferedMax ?? eventsBufferedMaxDefault,
      () => new ZooKeeperError('SYSTEMERROR', { message: `session events fell behind: over eventsBufferedMax (${options.eventsBufferedMax ?? eventsBufferedMaxDefault}) unread` }),
      () => {
        this.sessionQueues.delete(queue)
        signal?.removeEventListener('abort', onAbort)
      },
    )
    if (signal?.aborted === true) {
      queue.fail(signal.reason)
      return queue
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    if (isFinal(this.currentState)) queue.end()
    else this.sessionQueues.add(queue)
    return queue
  }

  async close(): Promise<void> {
    if (isFinal(this.currentState)) return
    const transport = this.transport
    this.setState('closed', { type: 'closed', state: 'Closed' })
    this.transport = undefined
    await transport?.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** A watch notification from the server: wake the callbacks registered for it. */
  notification(event: WatchNotification): void {
    const callbacks = this.watches.materialize(event.type, event.path)
    if (callbacks.size === 0) return
    const watched: WatchedEvent = { type: event.type, state: this.state, path: event.path }
    for (const callback of callbacks) this.deliver(() => callback(watched))
  }

  /** The server ended the session. */
  sessionEnded(reason: 'expired' | 'closed' | 'moved'): void {
    if (reason === 'expired') this.setState('expired', { type: 'expired', state: 'Expired' })
    else if (reason === 'moved') this.setState('disconnected', { type: 'disconnected', state: 'Disconnected', reason: 'the session moved to another connection' })
    else this.setState('closed', { type: 'closed', state: 'Closed' })
  }

  /** A server granted or resumed the session (TCP transport). */
  connected(info: SessionInfo): void {
    this.session = { id: info.sessionId, timeoutMs: info.sessionTimeoutMs, passwd: info.sessionPasswd }
    const common = { sessionId: info.sessionId, sessionTimeoutMs: info.sessionTimeoutMs, reconnected: info.reconnected, server: info.server }
    if (info.readOnly) this.setState('connectedReadOnly', { type: 'connectedReadOnly', state: 'ConnectedReadOnly', ...common })
    else this.setState('connected', { type: 'connected', state: 'SyncConnected', ...common })
  }

  /** The connection was lost and the transport is reconnecting (TCP transport). */
  disconnected(reason: string): void {
    this.setState('disconnected', { type: 'disconnected', state: 'Disconnected', reason })
  }

  /** The server refused credentials (TCP transport). */
  authFailed(scheme: string): void {
    this.setState('authFailed', { type: 'authFailed', state: 'AuthFailed', scheme })
  }

  /** The watches to re-register on a new connection (setWatches). */
  watchesToRestore(): Record<WatchKind, string[]> {
    return this.watches.paths()
  }

  // The one place the state changes: logs it, tells listeners and iterators, in order.
  private setState(next: ConnectionState, session: SessionEvent): void {
    const previous = this.currentState
    if (next === previous && next !== 'connected' && next !== 'connectedReadOnly') return
    if (isFinal(previous)) return
    this.currentState = next
    this.logger.info(`state: ${previous} -> ${next}`)
    const event: StateChangeEvent = { type: 'None', state: keeperStates[next], path: undefined, session }
    if (isFinal(next)) {
      this.transport = undefined
      // Like ZooKeeper's client, an expired session tells every outstanding watch once.
      if (next === 'expired') for (const callback of this.watches.drainAll()) this.deliver(() => callback(event))
    }
    for (const listener of this.stateListeners) this.deliver(() => listener(event))
    for (const queue of this.sessionQueues) {
      queue.push(session)
      if (isFinal(next)) queue.end()
    }
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
