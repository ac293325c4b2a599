/**
 * Client requests: the jute request records of `zookeeper.jute` behind a `RequestHeader`, decoded
 * by opcode into one discriminated union, `ClientRequest` (lib/protocol/jute-records.ts), and
 * encoded back from it.
 *
 * Multi framing follows `MultiOperationRecord`: each op is a `MultiHeader{type, done=false, err=-1}`
 * and the op's request record, and the list ends with `MultiHeader{-1, true, -1}`. `multi` carries
 * only write ops and `multiRead` only getChildren/getData, as `MultiOperationRecord.add` insists.
 * @module
 */

import { JuteDecodeError, JuteReader, type JuteReadOptions, type JuteWriter } from './jute.js'
import { OpCode, opName, type OpName } from '../protocol/opcodes.js'
import type {
  AuthRequest,
  CheckVersionRequest,
  ClientRequest,
  CreateRequest,
  CreateTTLRequest,
  DeleteRequest,
  EmptyRequest,
  MultiOp,
  MultiReadOp,
  MultiReadRequest,
  MultiRequest,
  PathRequest,
  ReconfigRequest,
  SetACLRequest,
  SetDataRequest,
  SetWatches2Request,
  SetWatchesRequest,
  WatchableReadRequest,
} from '../protocol/jute-records.js'
import { readACLs, readMultiHeader, readRequestHeader, writeACLs, writeMultiHeader, type RequestHeader } from './records.js'

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
