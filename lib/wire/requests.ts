/**
 * Client requests: the jute request records of `zookeeper.jute` behind a `RequestHeader`, decoded
 * by opcode into one discriminated union, {@link ClientRequest}, and encoded back from it.
 *
 * Multi framing follows `MultiOperationRecord`: each op is a `MultiHeader{type, done=false, err=-1}`
 * and the op's request record, and the list ends with `MultiHeader{-1, true, -1}`. `multi` carries
 * only write ops and `multiRead` only getChildren/getData, as `MultiOperationRecord.add` insists.
 * @module
 */

import { JuteDecodeError, JuteReader, type JuteReadOptions, type JuteWriter } from './jute.js'
import { OpCode, opName, type OpName } from './opcodes.js'
import { readACLs, readMultiHeader, readRequestHeader, writeACLs, writeMultiHeader, type ACL, type RequestHeader } from './records.js'

/** `CreateRequest` (create, create2, createContainer). */
export interface CreateRequest {
  /** The op: create answers `CreateResponse`, create2 and createContainer `Create2Response`. */
  op: 'create' | 'create2' | 'createContainer'
  /** The znode to create (before any sequence suffix). */
  path: string
  /** The initial data (a null buffer reads as empty). */
  data: Uint8Array
  /** The node's ACL (a null vector reads as empty, which the server refuses as INVALIDACL). */
  acl: ACL[]
  /** `CreateMode` flag. */
  flags: number
}

/** `CreateTTLRequest`: a `CreateRequest` plus the TTL. */
export interface CreateTTLRequest {
  /** The op. */
  op: 'createTTL'
  /** The znode to create. */
  path: string
  /** The initial data. */
  data: Uint8Array
  /** The node's ACL. */
  acl: ACL[]
  /** `CreateMode` flag (5 or 6 are valid). */
  flags: number
  /** Time to live, ms (a safe integer; the server checks the range). */
  ttl: number
}

/** `DeleteRequest` (delete; deleteContainer is the server's own and never sent by clients). */
export interface DeleteRequest {
  /** The op. */
  op: 'delete' | 'deleteContainer'
  /** The znode. */
  path: string
  /** Expected data version; -1 matches any. */
  version: number
}

/** `ExistsRequest`, `GetDataRequest`, `GetChildrenRequest`, `GetChildren2Request`: a path and a watch flag. */
export interface WatchableReadRequest {
  /** The op. */
  op: 'exists' | 'getData' | 'getChildren' | 'getChildren2'
  /** The znode. */
  path: string
  /** Leave a watch (a data watch for exists/getData, a child watch for getChildren*). */
  watch: boolean
}

/** `SetDataRequest`. */
export interface SetDataRequest {
  /** The op. */
  op: 'setData'
  /** The znode. */
  path: string
  /** The new data. */
  data: Uint8Array
  /** Expected data version; -1 matches any. */
  version: number
}

/** `CheckVersionRequest` (check). */
export interface CheckVersionRequest {
  /** The op. */
  op: 'check'
  /** The znode. */
  path: string
  /** Expected data version; -1 matches any. */
  version: number
}

/** `GetACLRequest`, `SyncRequest`, `GetAllChildrenNumberRequest`: a path only. */
export interface PathRequest {
  /** The op. */
  op: 'getACL' | 'sync' | 'getAllChildrenNumber'
  /** The znode. */
  path: string
}

/** `SetACLRequest`. */
export interface SetACLRequest {
  /** The op. */
  op: 'setACL'
  /** The znode. */
  path: string
  /** The new ACL. */
  acl: ACL[]
  /** Expected ACL version (aversion); -1 matches any. */
  version: number
}

/** A write op inside a `multi`. */
export type MultiOp = CreateRequest | CreateTTLRequest | (DeleteRequest & { op: 'delete' }) | SetDataRequest | CheckVersionRequest

/** A read op inside a `multiRead`; ZooKeeper ignores its watch flag. */
export type MultiReadOp = WatchableReadRequest & { op: 'getData' | 'getChildren' }

/** `MultiOperationRecord` sent as `multi` (atomic writes). */
export interface MultiRequest {
  /** The op. */
  op: 'multi'
  /** The ops, in order. */
  ops: MultiOp[]
}

/** `MultiOperationRecord` sent as `multiRead` (independent reads). */
export interface MultiReadRequest {
  /** The op. */
  op: 'multiRead'
  /** The ops, in order. */
  ops: MultiReadOp[]
}

/** Requests with no body: ping (xid -2), closeSession, whoAmI. */
export interface EmptyRequest {
  /** The op. */
  op: 'ping' | 'closeSession' | 'whoAmI'
}

/** `AuthPacket` (auth, xid -4): `addauth scheme auth`. */
export interface AuthRequest {
  /** The op. */
  op: 'auth'
  /** Always 0 from real clients; ignored. */
  type: number
  /** The auth scheme, for example `digest`. */
  scheme: string
  /** The credentials, for example `user:password` as UTF-8. */
  auth: Uint8Array
}

/** `SetWatches` (setWatches, xid -8): the watches a reconnecting client still holds. */
export interface SetWatchesRequest {
  /** The op. */
  op: 'setWatches'
  /** The last zxid the client saw; changes after it fire at once. */
  relativeZxid: number
  /** Paths with data watches (getData). */
  dataWatches: string[]
  /** Paths with exist watches (exists on a missing node). */
  existWatches: string[]
  /** Paths with child watches. */
  childWatches: string[]
}

/** `SetWatches2` (setWatches2, xid -8): `SetWatches` plus persistent watches. */
export interface SetWatches2Request {
  /** The op. */
  op: 'setWatches2'
  /** The last zxid the client saw. */
  relativeZxid: number
  /** Paths with data watches. */
  dataWatches: string[]
  /** Paths with exist watches. */
  existWatches: string[]
  /** Paths with child watches. */
  childWatches: string[]
  /** Paths with persistent watches. */
  persistentWatches: string[]
  /** Paths with persistent recursive watches. */
  persistentRecursiveWatches: string[]
}

/** `AddWatchRequest`. */
export interface AddWatchRequest {
  /** The op. */
  op: 'addWatch'
  /** The znode. */
  path: string
  /** `AddWatchMode`: 0 persistent, 1 persistent recursive. */
  mode: number
}

/** `CheckWatchesRequest` and `RemoveWatchesRequest`. */
export interface WatchesRequest {
  /** The op. */
  op: 'checkWatches' | 'removeWatches'
  /** The znode. */
  path: string
  /** `WatcherType`. */
  type: number
}

/** `GetEphemeralsRequest`. */
export interface GetEphemeralsRequest {
  /** The op. */
  op: 'getEphemerals'
  /** Only ephemerals under this prefix; `""` or `"/"` means all of the session's. */
  prefixPath: string
}

/** `GetSASLRequest` (sasl). */
export interface SaslRequest {
  /** The op. */
  op: 'sasl'
  /** The SASL token. */
  token: Uint8Array
}

/** `ReconfigRequest`; null strings are kept, since null and empty differ for reconfig. */
export interface ReconfigRequest {
  /** The op. */
  op: 'reconfig'
  /** Servers to add (incremental reconfig), or null. */
  joiningServers: string | null
  /** Server ids to remove (incremental reconfig), or null. */
  leavingServers: string | null
  /** The whole new membership (non-incremental), or null. */
  newMembers: string | null
  /** Apply only if the current config version is this; -1 = unconditional. */
  curConfigId: number
}

/** Every request a client sends after the ConnectRequest, by op name (the `ZooDefs.OpCode` name). */
export type ClientRequest =
  | CreateRequest
  | CreateTTLRequest
  | DeleteRequest
  | WatchableReadRequest
  | SetDataRequest
  | CheckVersionRequest
  | PathRequest
  | SetACLRequest
  | MultiRequest
  | MultiReadRequest
  | EmptyRequest
  | AuthRequest
  | SetWatchesRequest
  | SetWatches2Request
  | AddWatchRequest
  | WatchesRequest
  | GetEphemeralsRequest
  | SaslRequest
  | ReconfigRequest

/** The op names a client may send; the others (notification, createSession, error) are not requests. */
export type ClientRequestOp = ClientRequest['op']

type BodyReader = (r: JuteReader, op: OpName) => ClientRequest

function readCreate(r: JuteReader, op: OpName): CreateRequest {
  const path = r.readUString('CreateRequest.path')
  const data = r.readBuffer('CreateRequest.data')
  const acl = readACLs(r)
  return { op: op as CreateRequest['op'], path, data, acl, flags: r.readInt('CreateRequest.flags') }
}

function readCreateTTL(r: JuteReader): CreateTTLRequest {
  const path = r.readUString('CreateTTLRequest.path')
  const data = r.readBuffer('CreateTTLRequest.data')
  const acl = readACLs(r)
  const flags = r.readInt('CreateTTLRequest.flags')
  return { op: 'createTTL', path, data, acl, flags, ttl: r.readLongNumber('CreateTTLRequest.ttl') }
}

function readPathVersion(r: JuteReader, op: OpName): DeleteRequest | CheckVersionRequest {
  const path = r.readUString(`${op}.path`)
  return { op: op as DeleteRequest['op'], path, version: r.readInt(`${op}.version`) }
}

function readPathWatch(r: JuteReader, op: OpName): WatchableReadRequest {
  const path = r.readUString(`${op}.path`)
  return { op: op as WatchableReadRequest['op'], path, watch: r.readBool(`${op}.watch`) }
}

function readSetData(r: JuteReader): SetDataRequest {
  const path = r.readUString('SetDataRequest.path')
  const data = r.readBuffer('SetDataRequest.data')
  return { op: 'setData', path, data, version: r.readInt('SetDataRequest.version') }
}

function readSetACL(r: JuteReader): SetACLRequest {
  const path = r.readUString('SetACLRequest.path')
  const acl = readACLs(r)
  return { op: 'setACL', path, acl, version: r.readInt('SetACLRequest.version') }
}

function readSetWatches(r: JuteReader, op: OpName): SetWatchesRequest | SetWatches2Request {
  const relativeZxid = r.readLongNumber('SetWatches.relativeZxid')
  const dataWatches = r.readUStringVector('SetWatches.dataWatches')
  const existWatches = r.readUStringVector('SetWatches.existWatches')
  const childWatches = r.readUStringVector('SetWatches.childWatches')
  if (op === 'setWatches') return { op, relativeZxid, dataWatches, existWatches, childWatches }
  const persistentWatches = r.readUStringVector('SetWatches2.persistentWatches')
  const persistentRecursiveWatches = r.readUStringVector('SetWatches2.persistentRecursiveWatches')
  return { op: 'setWatches2', relativeZxid, dataWatches, existWatches, childWatches, persistentWatches, persistentRecursiveWatches }
}

function readAuth(r: JuteReader): AuthRequest {
  const type = r.readInt('AuthPacket.type')
  const scheme = r.readUString('AuthPacket.scheme')
  return { op: 'auth', type, scheme, auth: r.readBuffer('AuthPacket.auth') }
}

function readReconfig(r: JuteReader): ReconfigRequest {
  const joiningServers = r.readUStringOrNull('ReconfigRequest.joiningServers')
  const leavingServers = r.readUStringOrNull('ReconfigRequest.leavingServers')
  const newMembers = r.readUStringOrNull('ReconfigRequest.newMembers')
  return { op: 'reconfig', joiningServers, leavingServers, newMembers, curConfigId: r.readLongNumber('ReconfigRequest.curConfigId') }
}

const multiWriteOps: ReadonlySet<number> = new Set([
  OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTTL, OpCode.delete, OpCode.setData, OpCode.check,
])
const multiReadOps: ReadonlySet<number> = new Set([OpCode.getChildren, OpCode.getData])

function readMulti(r: JuteReader, op: OpName): MultiRequest | MultiReadRequest {
  const allowed = op === 'multi' ? multiWriteOps : multiReadOps
  const ops: ClientRequest[] = []
  // Each op costs at least a 9-byte MultiHeader, so the loop is bounded by the input's length.
  for (let h = readMultiHeader(r); !h.done; h = readMultiHeader(r)) {
    if (!allowed.has(h.type)) {
      throw new JuteDecodeError('invalid', `${op}: op type ${h.type} is not allowed in a ${op} (MultiOperationRecord)`)
    }
    ops.push(readBody(h.type, r))
  }
  return op === 'multi' ? { op, ops: ops as MultiOp[] } : { op: 'multiRead', ops: ops as MultiReadOp[] }
}

const bodyReaders = new Map<number, BodyReader>([
  [OpCode.create, readCreate],
  [OpCode.create2, readCreate],
  [OpCode.createContainer, readCreate],
  [OpCode.createTTL, readCreateTTL],
  [OpCode.delete, readPathVersion],
  [OpCode.deleteContainer, readPathVersion],
  [OpCode.check, readPathVersion],
  [OpCode.exists, readPathWatch],
  [OpCode.getData, readPathWatch],
  [OpCode.getChildren, readPathWatch],
  [OpCode.getChildren2, readPathWatch],
  [OpCode.setData, readSetData],
  [OpCode.getACL, (r) => ({ op: 'getACL', path: r.readUString('GetACLRequest.path') })],
  [OpCode.setACL, readSetACL],
  [OpCode.sync, (r) => ({ op: 'sync', path: r.readUString('SyncRequest.path') })],
  [OpCode.getAllChildrenNumber, (r) => ({ op: 'getAllChildrenNumber', path: r.readUString('GetAllChildrenNumberRequest.path') })],
  [OpCode.multi, readMulti],
  [OpCode.multiRead, readMulti],
  [OpCode.ping, () => ({ op: 'ping' })],
  [OpCode.closeSession, () => ({ op: 'closeSession' })],
  [OpCode.whoAmI, () => ({ op: 'whoAmI' })],
  [OpCode.auth, readAuth],
  [OpCode.setWatches, readSetWatches],
  [OpCode.setWatches2, readSetWatches],
  [OpCode.addWatch, (r) => ({ op: 'addWatch', path: r.readUString('AddWatchRequest.path'), mode: r.readInt('AddWatchRequest.mode') })],
  [OpCode.checkWatches, (r) => ({ op: 'checkWatches', path: r.readUString('CheckWatchesRequest.path'), type: r.readInt('CheckWatchesRequest.type') })],
  [OpCode.removeWatches, (r) => ({ op: 'removeWatches', path: r.readUString('RemoveWatchesRequest.path'), type: r.readInt('RemoveWatchesRequest.type') })],
  [OpCode.getEphemerals, (r) => ({ op: 'getEphemerals', prefixPath: r.readUString('GetEphemeralsRequest.prefixPath') })],
  [OpCode.sasl, (r) => ({ op: 'sasl', token: r.readBuffer('GetSASLRequest.token') })],
  [OpCode.reconfig, readReconfig],
])

function readBody(type: number, r: JuteReader): ClientRequest {
  const reader = bodyReaders.get(type)
  const op = opName(type)
  if (reader === undefined || op === undefined) {
    throw new JuteDecodeError('unknownOpCode', `unknown request opcode ${type}`)
  }
  return reader(r, op)
}

/**
 * Reads the request record for opcode `type` from `r` (positioned after the RequestHeader).
 * Bytes after the record are ignored, as ZooKeeper ignores them.
 * @throws {@link JuteDecodeError} `unknownOpCode` for an opcode that is not a client request, or any
 * other reason for a malformed body.
 */
export function readRequest(type: number, r: JuteReader): ClientRequest {
  return readBody(type, r)
}

/** Reads the `RequestHeader` at the start of a request frame's payload. */
export function decodeRequestHeader(frame: Uint8Array, options?: JuteReadOptions): RequestHeader {
  return readRequestHeader(new JuteReader(frame, options))
}

/** A decoded request frame. */
export interface DecodedRequest {
  /** The frame's RequestHeader. */
  header: RequestHeader
  /** The request record. */
  request: ClientRequest
}

/**
 * Decodes a request frame's payload (without the 4-byte length): `RequestHeader` then the record
 * for its type. To answer a bad body with MARSHALLINGERROR under the request's xid, call
 * {@link decodeRequestHeader} first.
 * @throws {@link JuteDecodeError} for any malformed input.
 */
export function decodeRequestFrame(frame: Uint8Array, options?: JuteReadOptions): DecodedRequest {
  const r = new JuteReader(frame, options)
  const header = readRequestHeader(r)
  return { header, request: readBody(header.type, r) }
}

/** Writes the request record of `request` (no header); ping, closeSession and whoAmI have none. */
export function writeRequest(w: JuteWriter, request: ClientRequest): void {
  switch (request.op) {
    case 'create': case 'create2': case 'createContainer':
      w.writeUString(request.path).writeBuffer(request.data)
      writeACLs(w, request.acl)
      w.writeInt(request.flags)
      return
    case 'createTTL':
      w.writeUString(request.path).writeBuffer(request.data)
      writeACLs(w, request.acl)
      w.writeInt(request.flags).writeLongNumber(request.ttl)
      return
    case 'delete': case 'deleteContainer': case 'check':
      w.writeUString(request.path).writeInt(request.version)
      return
    case 'exists': case 'getData': case 'getChildren': case 'getChildren2':
      w.writeUString(request.path).writeBool(request.watch)
      return
    case 'setData':
      w.writeUString(request.path).writeBuffer(request.data).writeInt(request.version)
      return
    case 'getACL': case 'sync': case 'getAllChildrenNumber':
      w.writeUString(request.path)
      return
    case 'setACL':
      w.writeUString(request.path)
      writeACLs(w, request.acl)
      w.writeInt(request.version)
      return
    case 'multi': case 'multiRead':
      writeMultiOps(w, request.ops)
      return
    case 'ping': case 'closeSession': case 'whoAmI':
      return
    default:
      writeSessionRequest(w, request)
  }
}

function writeMultiOps(w: JuteWriter, ops: readonly (MultiOp | MultiReadOp)[]): void {
  for (const op of ops) {
    writeMultiHeader(w, { type: OpCode[op.op], done: false, err: -1 })
    writeRequest(w, op)
  }
  writeMultiHeader(w, { type: -1, done: true, err: -1 })
}

type SessionRequest = Exclude<ClientRequest,
  CreateRequest | CreateTTLRequest | DeleteRequest | CheckVersionRequest | WatchableReadRequest | SetDataRequest |
  PathRequest | SetACLRequest | MultiRequest | MultiReadRequest | EmptyRequest>

function writeSessionRequest(w: JuteWriter, request: SessionRequest): void {
  switch (request.op) {
    case 'auth':
      w.writeInt(request.type).writeUString(request.scheme).writeBuffer(request.auth)
      return
    case 'setWatches': case 'setWatches2':
      w.writeLongNumber(request.relativeZxid)
      w.writeUStringVector(request.dataWatches).writeUStringVector(request.existWatches).writeUStringVector(request.childWatches)
      if (request.op === 'setWatches2') {
        w.writeUStringVector(request.persistentWatches).writeUStringVector(request.persistentRecursiveWatches)
      }
      return
    case 'addWatch':
      w.writeUString(request.path).writeInt(request.mode)
      return
    case 'checkWatches': case 'removeWatches':
      w.writeUString(request.path).writeInt(request.type)
      return
    case 'getEphemerals':
      w.writeUString(request.prefixPath)
      return
    case 'sasl':
      w.writeBuffer(request.token)
      return
    case 'reconfig':
      w.writeUString(request.joiningServers).writeUString(request.leavingServers).writeUString(request.newMembers)
      w.writeLongNumber(request.curConfigId)
      return
  }
}
