/**
 * The member's request pipeline (apache/zookeeper's processor chain, as plain functions on one
 * event loop): prep → propose/log → commit → apply and reply. Reads are answered in order behind
 * the writes before them. Standalone is a member whose proposals commit on their own.
 * @module
 */
import { randomBytes } from 'node:crypto'
import { systemClock, type Clock, type Timer } from '../clock.js'
import { ErrorCode } from '../errors.js'
import {
  containerCheckIntervalMsDefault,
  juteMaxBufferBytes,
  maxSessionTimeoutTicks,
  minSessionTimeoutTicks,
  tickTimeMsDefault,
} from '../limits.js'
import { pathProblem } from '../path.js'
import { digestId, SUPER_ID } from '../tree/acl.js'
import { DataTree, type TxnResult } from '../tree/data-tree.js'
import type { Id, Txn, TxnEntry, TxnHeader } from '../txn/types.js'
import { SessionTracker } from '../session/session-tracker.js'
import { WatchManager, type WatchNotification, type Watcher } from '../watch/watch-manager.js'
import { Prep } from './prep.js'
import * as reads from './reads.js'
import { isWrite, type MultiResult, type ReadRequest, type Request, type Response, type WriteRequest } from './requests.js'

/** Settings of a member; every one has ZooKeeper's default. */
export interface MemberOptions {
  /** ZooKeeper's tickTime, in ms. @defaultValue 2000 */
  tickTimeMs?: number
  /** Smallest session timeout granted, in ms. @defaultValue 2 x tickTimeMs */
  minSessionTimeoutMs?: number
  /** Largest session timeout granted, in ms. @defaultValue 20 x tickTimeMs */
  maxSessionTimeoutMs?: number
  /** Largest znode data, in bytes (ZooKeeper's jute.maxbuffer). @defaultValue 1048575 */
  maxDataBytes?: number
  /** `super:<base64 sha1>` digest of the super user (zookeeper.DigestAuthenticationProvider.superDigest). */
  superDigest?: string
  /** Skip every ACL check (ZooKeeper's skipACL). @defaultValue false */
  skipACL?: boolean
  /** Allow TTL nodes (ZooKeeper's zookeeper.extendedTypesEnabled, off there by default). @defaultValue true */
  extendedTypesEnabled?: boolean
  /** How often empty containers and expired TTL nodes are removed, in ms. @defaultValue 60000 */
  containerCheckIntervalMs?: number
  /** The member's id (myid); the top byte of its session ids. @defaultValue 0 */
  serverId?: number
  /** Where time comes from; a VirtualClock in tests. @defaultValue the system clock */
  clock?: Clock
}

/** The other end of a client connection, as the member sees it. */
export interface ClientConnection extends Watcher {
  /** The client's address, for `ip` ACLs. */
  readonly remoteAddress: string
  /** The member ended the connection's session: it expired, was closed, or moved to another connection. */
  sessionEnded(reason: 'expired' | 'closed' | 'moved'): void
}

/** A connection attached to a session: what every request of that connection carries. */
export interface Channel {
  readonly connection: ClientConnection
  readonly sessionId: bigint
  /** Identities the connection holds (ip at first, digest after addauth). */
  readonly authInfo: Id[]
  /** False once detached; requests then fail with SESSIONEXPIRED or CONNECTIONLOSS. */
  attached: boolean
}

/** How a session was granted. */
export interface SessionGrant {
  channel: Channel
  sessionId: bigint
  passwd: Uint8Array
  timeoutMs: number
}

/** Parameters of a connect: a new session (no id) or the resumption of one. */
export interface ConnectParams {
  timeoutMs: number
  sessionId?: bigint
  passwd?: Uint8Array
}

/** Called with a response and the zxid for its reply header. */
export type Done = (response: Response, zxid: number) => void

/** Receives proposals; the member is told of commits, in zxid order, through {@link Member.commit}. */
export interface Committer {
  /** Makes the entry durable/replicated, then calls member.commit(entry). */
  propose(entry: TxnEntry): void
}

type Pending =
  | { kind: 'write'; entry: TxnEntry; finish: (result: TxnResult, zxid: number) => void }
  | { kind: 'read'; run: () => void }

/** One member's state and request pipeline. */
export class Member {
  readonly tree = new DataTree()
  readonly watches = new WatchManager()
  readonly sessions: SessionTracker
  readonly clock: Clock
  readonly options: Required<Omit<MemberOptions, 'superDigest' | 'clock'>> & { superDigest: string | undefined }
  private readonly prep: Prep
  private readonly channels = new Map<bigint, Channel>()
  private readonly pending: Pending[] = []
  /** Sessions whose closeSession was proposed because they expired (not because the client closed). */
  private readonly expiring = new Set<bigint>()
  private lastProposedZxid = 0
  private committer: Committer
  private timers: Timer[] = []
  private closed = false

  constructor(options: MemberOptions = {}) {
    this.clock = options.clock ?? systemClock
    this.options = resolveOptions(options)
    this.sessions = new SessionTracker(this.options.tickTimeMs, this.options.serverId, this.clock.now())
    this.prep = new Prep(this.tree, this.options)
    this.tree.listener = (type, path, zxid) => this.watches.trigger(type, path, zxid)
    this.committer = { propose: (entry) => this.commit(entry) }
    this.every(this.options.tickTimeMs, () => this.expireSessions())
    this.every(this.options.containerCheckIntervalMs, () => this.removeExpiredContainers())
  }

  /** Replaces the committer (standalone durable or ensemble); by default proposals commit at once. */
  setCommitter(committer: Committer): void {
    this.committer = committer
  }

  /** The zxid of the last transaction applied. */
  get lastProcessedZxid(): number {
    return this.tree.lastProcessedZxid
  }

  /** Opens a new session or resumes one; a wrong password or an unknown session gets SESSIONEXPIRED. */
  connect(connection: ClientConnection, params: ConnectParams, done: (grant: SessionGrant | { err: number }) => void): void {
    if (this.closed) return done({ err: ErrorCode.CONNECTIONLOSS })
    const timeoutMs = this.negotiateTimeout(params.timeoutMs)
    if (params.sessionId !== undefined && params.sessionId !== 0n) return done(this.resume(connection, params))
    const sessionId = this.sessions.allocateId()
    const passwd = new Uint8Array(randomBytes(16))
    this.propose(sessionId, 0, { type: 'createSession', timeoutMs, passwd }, () => {
      const channel = this.attach(connection, sessionId)
      done({ channel, sessionId, passwd, timeoutMs })
    })
  }

  private resume(connection: ClientConnection, params: ConnectParams): SessionGrant | { err: number } {
    const session = this.sessions.get(params.sessionId ?? 0n)
    if (session === undefined || session.closing || !samePasswd(session.passwd, params.passwd)) {
      return { err: ErrorCode.SESSIONEXPIRED }
    }
    this.sessions.touch(session.id, this.clock.now())
    const channel = this.attach(connection, session.id)
    return { channel, sessionId: session.id, passwd: session.passwd, timeoutMs: session.timeoutMs }
  }

  private attach(connection: ClientConnection, sessionId: bigint): Channel {
    const previous = this.channels.get(sessionId)
    if (previous !== undefined) {
      this.detach(previous)
      previous.connection.sessionEnded('moved')
    }
    const channel: Channel = { connection, sessionId, authInfo: [{ scheme: 'ip', id: connection.remoteAddress }], attached: true }
    this.channels.set(sessionId, channel)
    return channel
  }

  /** The connection went away; the session lives on until it expires or the client resumes it. */
  detach(channel: Channel): void {
    if (!channel.attached) return
    channel.attached = false
    this.watches.removeWatcher(channel.connection)
    if (this.channels.get(channel.sessionId) === channel) this.channels.delete(channel.sessionId)
  }

  /** Serves one request of an attached channel; `done` gets the response in request order. */
  submit(channel: Channel, request: Request, cxid: number, done: Done): void {
    if (!channel.attached || this.closed) return done({ err: ErrorCode.CONNECTIONLOSS }, this.lastProcessedZxid)
    if (!this.sessions.touch(channel.sessionId, this.clock.now())) {
      return done({ err: ErrorCode.SESSIONEXPIRED }, this.lastProcessedZxid)
    }
    if (isWrite(request)) return this.submitWrite(channel, request, cxid, done)
    const run = () => done(this.read(channel, request), this.lastProcessedZxid)
    if (this.pending.length === 0) run()
    else this.pending.push({ kind: 'read', run })
  }

  private submitWrite(channel: Channel, request: WriteRequest, cxid: number, done: Done): void {
    if (request.op === 'closeSession') this.sessions.setClosing(channel.sessionId)
    const time = this.clock.now()
    const ctx = { sessionId: channel.sessionId, authInfo: channel.authInfo, zxid: this.lastProposedZxid + 1, time }
    const txn = this.prep.prepare(request, ctx)
    this.propose(channel.sessionId, cxid, txn, (result, zxid) => done(toResponse(result), zxid))
  }

  private propose(sessionId: bigint, cxid: number, txn: Txn, finish: (result: TxnResult, zxid: number) => void): void {
    const header: TxnHeader = { sessionId, cxid, zxid: ++this.lastProposedZxid, time: this.clock.now() }
    const entry = { header, txn }
    this.pending.push({ kind: 'write', entry, finish })
    this.committer.propose(entry)
  }

  /** A proposal committed: apply it, answer it, then answer the reads queued behind it. */
  commit(entry: TxnEntry): void {
    const head = this.pending[0]
    const mine = head?.kind === 'write' && head.entry.header.zxid === entry.header.zxid
    if (mine) this.pending.shift()
    const result = this.apply(entry)
    if (mine) head.finish(result, entry.header.zxid)
    this.drainReads()
  }

  private drainReads(): void {
    while (this.pending.length > 0 && this.pending[0]?.kind === 'read') {
      const item = this.pending.shift()
      if (item?.kind === 'read') item.run()
    }
  }

  /** Applies a committed transaction to the tree and the session table (also for replay). */
  apply(entry: TxnEntry): TxnResult {
    const { header, txn } = entry
    if (txn.type === 'createSession') this.sessions.add(header.sessionId, txn.timeoutMs, txn.passwd, this.clock.now())
    const result = this.tree.apply(header, txn)
    if (txn.type === 'closeSession') this.endSession(header.sessionId)
    if (header.zxid > this.lastProposedZxid) this.lastProposedZxid = header.zxid
    this.prep.committed(header.zxid)
    return result
  }

  private endSession(sessionId: bigint): void {
    const expired = this.expiring.delete(sessionId)
    this.sessions.remove(sessionId)
    const channel = this.channels.get(sessionId)
    if (channel === undefined) return
    this.detach(channel)
    channel.connection.sessionEnded(expired ? 'expired' : 'closed')
  }

  private read(channel: Channel, request: ReadRequest): Response {
    const ctx: reads.ReadContext = {
      tree: this.tree,
      watches: this.watches,
      watcher: channel.connection,
      authInfo: channel.authInfo,
      skipACL: this.options.skipACL,
    }
    switch (request.op) {
      case 'getData':
        return reads.getData(ctx, request)
      case 'exists':
        return reads.exists(ctx, request)
      case 'getChildren':
        return reads.getChildren(ctx, request)
      case 'getACL':
        return reads.getACL(ctx, request)
      case 'multiRead':
        return reads.multiRead(ctx, request)
      case 'getEphemerals':
        return reads.getEphemerals(ctx, channel.sessionId, request.prefix)
      case 'getAllChildrenNumber':
        return reads.getAllChildrenNumber(ctx, request.path)
      case 'setWatches':
        return reads.setWatches(ctx, request)
      default:
        return this.sessionLocal(channel, request)
    }
  }

  private sessionLocal(channel: Channel, request: ReadRequest): Response {
    switch (request.op) {
      case 'sync':
        return pathProblem(request.path) === undefined ? { err: 0, path: request.path } : { err: ErrorCode.BADARGUMENTS }
      case 'addWatch':
        if (pathProblem(request.path) !== undefined) return { err: ErrorCode.BADARGUMENTS }
        this.watches.addPersistentWatch(request.path, channel.connection, request.mode)
        return { err: 0 }
      case 'removeWatches': {
        const removed = this.watches.remove(request.path, channel.connection, request.type, request.dryRun)
        return removed.length > 0 ? { err: 0 } : { err: ErrorCode.NOWATCHER }
      }
      case 'setAuth':
        return this.setAuth(channel, request.scheme, request.auth)
      case 'whoAmI':
        return { err: 0, clientInfo: channel.authInfo.map((id) => ({ authScheme: id.scheme, user: userOf(id) })) }
      default:
        return { err: 0 }
    }
  }

  private setAuth(channel: Channel, scheme: string, auth: Uint8Array): Response {
    if (scheme !== 'digest') return { err: ErrorCode.AUTHFAILED }
    const credential = new TextDecoder().decode(auth)
    if (!credential.includes(':')) return { err: ErrorCode.AUTHFAILED }
    const id = digestId(credential)
    addId(channel.authInfo, { scheme: 'digest', id })
    if (this.options.superDigest !== undefined && id === this.options.superDigest) addId(channel.authInfo, SUPER_ID)
    return { err: 0 }
  }

  private negotiateTimeout(requestedMs: number): number {
    const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = this.options
    return Math.min(Math.max(requestedMs, min), max)
  }

  // Re-arms itself every `intervalMs` until the member closes.
  private every(intervalMs: number, callback: () => void): void {
    if (this.closed) return
    const timer = this.clock.setTimer(intervalMs, () => {
      this.timers = this.timers.filter((t) => t !== timer)
      callback()
      this.every(intervalMs, callback)
    })
    this.timers.push(timer)
  }

  /** Proposes closeSession for every session whose timeout passed (the leader's job in an ensemble). */
  expireSessions(): void {
    for (const session of this.sessions.expire(this.clock.now())) {
      this.expiring.add(session.id)
      this.propose(session.id, 0, { type: 'closeSession', paths2Delete: this.prep.ephemeralsOf(session.id) }, () => {})
    }
  }

  /** Deletes empty containers and expired TTL nodes now (ZooKeeper's ContainerManager pass). */
  removeExpiredContainers(): void {
    for (const path of this.tree.expiredContainers(this.clock.now())) {
      const txn = this.prep.prepare({ op: 'deleteContainer', path }, { sessionId: 0n, authInfo: [SUPER_ID], zxid: this.lastProposedZxid + 1, time: this.clock.now() })
      if (txn.type !== 'error') this.propose(0n, 0, txn, () => {})
    }
  }

  /** Stops timers and ends every connection; sessions stay in the tree (they expire after a restart). */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const timer of this.timers) timer.cancel()
    this.timers = []
    for (const channel of [...this.channels.values()]) {
      this.detach(channel)
      channel.connection.sessionEnded('closed')
    }
    // Requests still in the pipeline will never commit here: the client must retry elsewhere.
    for (const item of this.pending.splice(0)) {
      if (item.kind === 'write') item.finish({ type: 'error', err: ErrorCode.CONNECTIONLOSS }, this.lastProcessedZxid)
      else item.run()
    }
  }
}

function resolveOptions(options: MemberOptions): Member['options'] {
  const tickTimeMs = options.tickTimeMs ?? tickTimeMsDefault
  if (!(Number.isInteger(tickTimeMs) && tickTimeMs > 0)) throw new RangeError(`tickTimeMs must be a positive integer, got ${tickTimeMs}`)
  const minSessionTimeoutMs = options.minSessionTimeoutMs ?? minSessionTimeoutTicks * tickTimeMs
  const maxSessionTimeoutMs = options.maxSessionTimeoutMs ?? maxSessionTimeoutTicks * tickTimeMs
  if (minSessionTimeoutMs > maxSessionTimeoutMs) {
    throw new RangeError(`minSessionTimeoutMs (${minSessionTimeoutMs}) is over maxSessionTimeoutMs (${maxSessionTimeoutMs})`)
  }
  return {
    tickTimeMs,
    minSessionTimeoutMs,
    maxSessionTimeoutMs,
    maxDataBytes: options.maxDataBytes ?? juteMaxBufferBytes,
    superDigest: options.superDigest,
    skipACL: options.skipACL ?? false,
    extendedTypesEnabled: options.extendedTypesEnabled ?? true,
    containerCheckIntervalMs: options.containerCheckIntervalMs ?? containerCheckIntervalMsDefault,
    serverId: options.serverId ?? 0,
  }
}

function samePasswd(expected: Uint8Array, given: Uint8Array | undefined): boolean {
  if (given === undefined || given.length !== expected.length) return false
  return expected.every((b, i) => b === given[i])
}

function addId(list: Id[], id: Id): void {
  if (!list.some((x) => x.scheme === id.scheme && x.id === id.id)) list.push({ scheme: id.scheme, id: id.id })
}

function userOf(id: Id): string {
  return id.scheme === 'digest' ? (id.id.split(':')[0] ?? '') : id.id
}

/** Turns a transaction result into the response of the request that caused it. */
function toResponse(result: TxnResult): Response {
  if (result.type === 'error') return { err: result.err }
  switch (result.type) {
    case 'create':
      return { err: 0, path: result.path, stat: result.stat }
    case 'setData':
    case 'setACL':
      return { err: 0, stat: result.stat }
    case 'multi':
      return { err: 0, results: result.results.map(toMultiResult) }
    default:
      return { err: 0 }
  }
}

function toMultiResult(result: TxnResult): MultiResult {
  switch (result.type) {
    case 'create':
      return { op: 'create', err: 0, path: result.path, stat: result.stat }
    case 'delete':
      return { op: 'delete', err: 0 }
    case 'setData':
      return { op: 'setData', err: 0, stat: result.stat }
    case 'check':
      return { op: 'check', err: 0 }
    case 'error':
      return { op: 'error', err: result.err }
    default:
      return { op: 'error', err: ErrorCode.RUNTIMEINCONSISTENCY }
  }
}

export type { WatchNotification }
