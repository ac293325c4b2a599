/**
 * The client port's backend over a Member: maps the wire's {@link ClientRequest} records to the
 * member's {@link Request}s and the member's responses back to jute response records, as
 * apache/zookeeper@release-3.9.5 `PrepRequestProcessor`, `FinalRequestProcessor` and
 * `ZooKeeperServer.processPacket` answer them.
 *
 * Mapping rules checked in ZooKeeper's source:
 * - create → `CreateResponse{path}`; create2, createContainer, createTTL → `Create2Response{path, stat}`;
 *   inside multi the same split (`CreateResult` with or without a stat).
 * - The opcode, not the flags, decides the node type: createContainer always makes a container
 *   (`CreateContainerTxn`), create/create2 with the CONTAINER flag make a persistent node
 *   (`CreateTxn` carries only `ephemeral`), and a TTL flag without createTTL has ttl -1, so it is
 *   UNIMPLEMENTED (extended types off) or BADARGUMENTS. createTTL with a non-TTL flag is
 *   BADARGUMENTS (`EphemeralType.validateTTL`).
 * - check alone is refused by the connection (ZOOKEEPER-2623); auth answers with zxid 0 and
 *   AUTHFAILED closes the connection; `ip` auth succeeds as `IPAuthenticationProvider` does; sasl
 *   without a SASL server answers OK with a null token; reconfig is RECONFIGDISABLED (reconfig is
 *   off by default); an unknown WatcherType or AddWatch mode is MARSHALLINGERROR (the
 *   IllegalArgumentException of `WatcherType.fromInt` / `WatcherMode.fromZooDef`).
 * @module
 */
import { ErrorCode } from '../errors.js'
import { EventType, KeeperState } from '../wire/opcodes.js'
import type { ACL as WireACL, ClientInfo as WireClientInfo, ConnectRequest, Stat as WireStat } from '../wire/records.js'
import type { ClientRequest, MultiOp as WireMultiOp } from '../wire/requests.js'
import type { ClientResponse, MultiResult as WireMultiResult } from '../wire/responses.js'
import { traceMaskDefault, type DirectorySizes, type ServerInfo } from '../wire/four-letter-words.js'
import type {
  BackendReply,
  ClientPortBackend,
  ClientPortConnection,
  ClientPortSession,
  SessionEndReason,
} from '../wire/server.js'
import type { AddWatchMode, WatcherType, WatchNotification } from '../watch/watch-manager.js'
import type { Channel, ClientConnection, Member } from './member.js'
import type { CreateRequest, MultiOp, MultiResult, Request, Response } from './requests.js'
import { directoryBytes } from './admin-directories.js'

/** The version line four-letter words print. */
export const paddockVersionLine = '3.9.5-paddock-0.1.0, built on n/a'

/** A mode no create accepts: prep answers it with BADARGUMENTS at the op's place in the order. */
const invalidCreateMode = -1

/** Options of {@link MemberClientPortBackend}. */
export interface MemberBackendOptions {
  /** What srvr/stat/mntr print as the server state. @defaultValue 'standalone' */
  mode?: string | (() => string)
  /** On an ensemble leader, its follower counts for mntr. */
  learners?: () => { followers: number; syncedFollowers: number } | undefined
  /** Where snapshots live, for `conf`; `""` for an in-memory member. @defaultValue '' */
  dataDir?: string
  /** Where the transaction log lives, for `conf`. @defaultValue '' */
  dataLogDir?: string
  /**
   * The directory holding both the transaction log and the snapshots (the LevelDB database in
   * `dataDir/level`), whose bytes `dirs` and `conf` report as the data and the log directory's
   * size alike. Absent for a member that keeps no directory: both sizes are then 0.
   */
  storageDirectory?: string | undefined
}

/** The member's view of one wire connection: it forwards watch events and session ends to the socket. */
class MemberLink implements ClientConnection {
  sessionId = 0n

  constructor(readonly wire: ClientPortConnection) {}

  get remoteAddress(): string {
    return this.wire.remoteAddress
  }

  process(event: WatchNotification): void {
    this.wire.notify(event.zxid, { type: EventType[event.type], state: KeeperState.SyncConnected, path: event.path })
  }

  sessionEnded(reason: SessionEndReason): void {
    this.wire.sessionEnded(reason)
  }
}

/** Serves the client port from a {@link Member}. */
export class MemberClientPortBackend implements ClientPortBackend {
  /** Paddock has no read-only mode yet. */
  readonly readOnly = false
  private readonly mode: () => string
  private readonly learners: () => { followers: number; syncedFollowers: number } | undefined
  private readonly dataDir: string
  private readonly dataLogDir: string
  private readonly storageDirectory: string | undefined
  private measuring: Promise<DirectorySizes> | undefined
  /** The trace mask gtmk reports (see {@link ServerInfo.traceMask}). */
  traceMask: bigint = traceMaskDefault

  constructor(
    private readonly member: Member,
    options: MemberBackendOptions = {},
  ) {
    const mode = options.mode ?? 'standalone'
    this.mode = typeof mode === 'string' ? () => mode : mode
    this.learners = options.learners ?? (() => undefined)
    this.dataDir = options.dataDir ?? ''
    this.dataLogDir = options.dataLogDir ?? ''
    this.storageDirectory = options.storageDirectory
  }

  /**
   * Bytes under the storage directory, for `dirs` and `conf` (0 and 0 without one). Requests that
   * arrive while a walk runs share it, so at most one walk is in flight however often they ask.
   */
  directorySizes(): Promise<DirectorySizes> {
    const directory = this.storageDirectory
    if (directory === undefined) return Promise.resolve({ dataDirBytes: 0, dataLogDirBytes: 0 })
    this.measuring ??= directoryBytes(directory)
      .then((bytes) => ({ dataDirBytes: bytes, dataLogDirBytes: bytes }))
      .finally(() => {
        this.measuring = undefined
      })
    return this.measuring
  }

  get lastProcessedZxid(): number {
    return this.member.lastProcessedZxid
  }

  connect(connection: ClientPortConnection, request: ConnectRequest, done: (result: ClientPortSession | { err: number }) => void): void {
    const link = new MemberLink(connection)
    const params = { timeoutMs: request.timeOut, sessionId: request.sessionId === 0n ? undefined : request.sessionId, passwd: request.passwd }
    this.member.connect(link, params, (grant) => {
      if (!('channel' in grant)) return done({ err: grant.err })
      link.sessionId = grant.sessionId
      done(new MemberSession(this.member, grant.channel, grant.passwd, grant.timeoutMs))
    })
  }

  serverInfo(): ServerInfo {
    const member = this.member
    const sessions = [...member.sessions.all()].map((s) => ({ sessionId: s.id, expiresAtMs: s.expiresAt }))
    const ephemerals = new Map<bigint, string[]>()
    for (const [id, paths] of member.tree.ephemerals) ephemerals.set(id, [...paths].sort())
    return {
      version: paddockVersionLine,
      mode: this.mode(),
      readOnly: this.readOnly,
      lastProcessedZxid: member.lastProcessedZxid,
      // ZooKeeper's DataTree holds the root under both '' and '/', and its count shows it.
      znodeCount: member.tree.size + 1,
      approximateDataSize: approximateDataSize(member),
      sessions,
      ephemerals,
      watchesBySession: watchesBySession(member),
      tickTimeMs: member.options.tickTimeMs,
      minSessionTimeoutMs: member.options.minSessionTimeoutMs,
      maxSessionTimeoutMs: member.options.maxSessionTimeoutMs,
      serverId: member.options.serverId,
      dataDir: this.dataDir,
      dataLogDir: this.dataLogDir,
      learners: this.learners(),
      traceMask: this.traceMask,
    }
  }
}

function watchesBySession(member: Member): Map<bigint, string[]> {
  const bySession = new Map<bigint, string[]>()
  for (const [path, watchers] of member.watches.byPath()) {
    for (const w of watchers) {
      const id = w instanceof MemberLink ? w.sessionId : 0n
      const paths = bySession.get(id)
      if (paths === undefined) bySession.set(id, [path])
      else paths.push(path)
    }
  }
  return bySession
}

// DataTree.approximateDataSize: path lengths plus data lengths.
function approximateDataSize(member: Member): number {
  let size = 0
  const visit = (path: string): void => {
    const node = member.tree.get(path)
    if (node === undefined) return
    size += path.length + node.data.length
    for (const child of node.children ?? []) visit(path === '/' ? `/${child}` : `${path}/${child}`)
  }
  visit('/')
  return size
}

/** One session attached to one wire connection. */
class MemberSession implements ClientPortSession {
  constructor(
    private readonly member: Member,
    private readonly channel: Channel,
    readonly passwd: Uint8Array,
    readonly timeoutMs: number,
  ) {}

  get sessionId(): bigint {
    return this.channel.sessionId
  }

  submit(xid: number, request: ClientRequest, reply: (reply: BackendReply) => void): void {
    const local = answerLocally(request, this.member.lastProcessedZxid)
    if (local !== undefined) return reply(local)
    const mapped = toMemberRequest(request)
    if ('err' in mapped) return reply({ err: mapped.err, zxid: this.member.lastProcessedZxid })
    this.member.submit(this.channel, mapped, xid, (response, zxid) => reply(toWireReply(request, response, zxid)))
  }

  detach(): void {
    this.member.detach(this.channel)
  }
}

/** Requests the wire answers without the member: sasl, reconfig, and `ip` auth. */
function answerLocally(request: ClientRequest, zxid: number): BackendReply | undefined {
  switch (request.op) {
    // ZooKeeperServer.processSasl with no SASL server: the NPE is caught and OK goes back with a null token.
    case 'sasl':
      return { err: 0, zxid: 0, response: { op: 'sasl', token: null } }
    // PrepRequestProcessor: reconfig is refused first when reconfigEnabled is false (the default).
    case 'reconfig':
      return { err: ErrorCode.RECONFIGDISABLED, zxid }
    // IPAuthenticationProvider.handleAuthentication adds the connection's own address: always OK.
    case 'auth':
      return request.scheme === 'ip' ? { err: 0, zxid: 0 } : undefined
    default:
      return undefined
  }
}

const watcherTypes: Record<number, WatcherType> = { 1: 'children', 2: 'data', 3: 'any', 4: 'persistent', 5: 'persistentRecursive' }
const addWatchModes: Record<number, AddWatchMode> = { 0: 'persistent', 1: 'persistentRecursive' }

/** Maps a wire request to the member's, or to the error ZooKeeper answers it with. */
export function toMemberRequest(request: ClientRequest): Request | { err: number } {
  switch (request.op) {
    case 'create': case 'create2': case 'createContainer': case 'createTTL':
      return toMemberCreate(request)
    case 'delete': case 'setData':
      return request
    case 'deleteContainer':
      return { op: 'deleteContainer', path: request.path }
    case 'check':
      return { op: 'check', path: request.path, version: request.version }
    case 'setACL':
      return { op: 'setACL', path: request.path, acl: request.acl, version: request.version }
    case 'multi':
      return { op: 'multi', ops: request.ops.map(toMemberMultiOp) }
    case 'exists': case 'getData':
      return { op: request.op, path: request.path, watch: request.watch }
    case 'getChildren': case 'getChildren2':
      return { op: 'getChildren', path: request.path, watch: request.watch }
    case 'multiRead':
      return { op: 'multiRead', ops: request.ops.map((op) => ({ op: op.op, path: op.path })) }
    default:
      return toMemberSessionRequest(request)
  }
}

function toMemberSessionRequest(request: ClientRequest): Request | { err: number } {
  switch (request.op) {
    case 'getACL': case 'sync': case 'getAllChildrenNumber':
      return { op: request.op, path: request.path }
    case 'getEphemerals': {
      const prefix = request.prefixPath.trim()
      return { op: 'getEphemerals', prefix: prefix === '' ? '/' : request.prefixPath }
    }
    case 'ping': case 'closeSession': case 'whoAmI':
      return { op: request.op }
    case 'auth':
      return { op: 'setAuth', scheme: request.scheme, auth: request.auth }
    case 'setWatches': case 'setWatches2':
      return {
        op: 'setWatches',
        relativeZxid: request.relativeZxid,
        dataWatches: request.dataWatches,
        existWatches: request.existWatches,
        childWatches: request.childWatches,
        persistentWatches: request.op === 'setWatches2' ? request.persistentWatches : [],
        persistentRecursiveWatches: request.op === 'setWatches2' ? request.persistentRecursiveWatches : [],
      }
    case 'addWatch': {
      const mode = addWatchModes[request.mode]
      return mode === undefined ? { err: ErrorCode.MARSHALLINGERROR } : { op: 'addWatch', path: request.path, mode }
    }
    case 'checkWatches': case 'removeWatches': {
      const type = watcherTypes[request.type]
      if (type === undefined) return { err: ErrorCode.MARSHALLINGERROR }
      return { op: 'removeWatches', path: request.path, type, dryRun: request.op === 'checkWatches' }
    }
    default:
      // sasl and reconfig are answered before this; nothing else reaches here.
      return { err: ErrorCode.UNIMPLEMENTED }
  }
}

type WireCreate = Extract<ClientRequest, { op: 'create' | 'create2' | 'createContainer' | 'createTTL' }>

/** The member's create for a wire create, following the opcode-over-flags rules of PrepRequestProcessor. */
function toMemberCreate(request: WireCreate): CreateRequest {
  const base = { op: 'create' as const, path: request.path, data: request.data, acl: request.acl }
  const flags = request.flags
  const ttlFlag = flags === 5 || flags === 6
  switch (request.op) {
    case 'createTTL':
      return ttlFlag ? { ...base, mode: flags, ttlMs: request.ttl } : { ...base, mode: invalidCreateMode }
    case 'createContainer':
      // A container cannot be sequential in Paddock's tree; ZooKeeper would append a suffix here.
      if (flags === 0 || flags === 1 || flags === 4) return { ...base, mode: 4 }
      return { ...base, mode: ttlFlag ? flags : invalidCreateMode }
    default:
      return { ...base, mode: flags === 4 ? 0 : flags }
  }
}

function toMemberMultiOp(op: WireMultiOp): MultiOp {
  switch (op.op) {
    case 'create': case 'create2': case 'createContainer': case 'createTTL':
      return toMemberCreate(op)
    case 'delete':
      return { op: 'delete', path: op.path, version: op.version }
    case 'setData':
      return { op: 'setData', path: op.path, data: op.data, version: op.version }
    case 'check':
      return { op: 'check', path: op.path, version: op.version }
  }
}

/** Turns the member's response into the reply for the wire request it answers. */
export function toWireReply(request: ClientRequest, response: Response, zxid: number): BackendReply {
  if (request.op === 'auth') {
    // ZooKeeperServer.processPacket: auth replies carry zxid 0, and AUTHFAILED closes the connection.
    return response.err === 0 ? { err: 0, zxid: 0 } : { err: ErrorCode.AUTHFAILED, zxid: 0, close: true }
  }
  if (response.err !== 0) return { err: response.err, zxid }
  return { err: 0, zxid, response: toWireResponse(request, response) }
}

// The member's success bodies, read field by field; each op's body is known from the request.
type Body = Response & Record<string, unknown>

function toWireResponse(request: ClientRequest, response: Response): ClientResponse | undefined {
  const r = response as Body
  switch (request.op) {
    case 'create':
      return { op: 'create', path: r.path as string }
    case 'create2': case 'createContainer': case 'createTTL':
      return { op: request.op, path: r.path as string, stat: r.stat as WireStat }
    case 'exists': case 'setData': case 'setACL':
      return { op: request.op, stat: r.stat as WireStat }
    case 'getData':
      return { op: 'getData', data: r.data as Uint8Array, stat: r.stat as WireStat }
    case 'getACL':
      return { op: 'getACL', acl: r.acl as WireACL[], stat: r.stat as WireStat }
    case 'getChildren':
      return { op: 'getChildren', children: r.children as string[] }
    case 'getChildren2':
      return { op: 'getChildren2', children: r.children as string[], stat: r.stat as WireStat }
    case 'sync':
      return { op: 'sync', path: r.path as string }
    case 'multi':
      return { op: 'multi', results: (r.results as MultiResult[]).map((res, i) => toWireMultiResult(res, request.ops[i])) }
    case 'multiRead':
      return { op: 'multiRead', results: r.results as WireMultiResult[] }
    default:
      return toWireSessionResponse(request, r)
  }
}

function toWireSessionResponse(request: ClientRequest, r: Body): ClientResponse | undefined {
  switch (request.op) {
    case 'getEphemerals':
      return { op: 'getEphemerals', ephemerals: r.paths as string[] }
    case 'getAllChildrenNumber':
      return { op: 'getAllChildrenNumber', totalNumber: r.count as number }
    case 'whoAmI':
      return { op: 'whoAmI', clientInfo: r.clientInfo as WireClientInfo[] }
    case 'addWatch':
      return { op: 'addWatch' }
    case 'delete': case 'deleteContainer': case 'ping': case 'closeSession': case 'setWatches': case 'setWatches2':
    case 'checkWatches': case 'removeWatches':
      return { op: request.op }
    default:
      return undefined
  }
}

// FinalRequestProcessor multi: create → CreateResult(path); create2/TTL/container → CreateResult(path, stat).
function toWireMultiResult(result: MultiResult, op: WireMultiOp | undefined): WireMultiResult {
  switch (result.op) {
    case 'create':
      return op?.op === 'create' ? { op: 'create', path: result.path } : { op: 'create2', path: result.path, stat: result.stat }
    case 'setData':
      return { op: 'setData', stat: result.stat }
    case 'delete': case 'check':
      return { op: result.op }
    case 'error':
      return { op: 'error', err: result.err }
  }
}
