/**
 * The jute records of the ZooKeeper client protocol (apache/zookeeper `zookeeper.jute`, modules
 * `org.apache.zookeeper.data` and `org.apache.zookeeper.proto`): a `read…` and a `write…` function
 * each, and the types of the session-framing records (ConnectRequest/Response, RequestHeader,
 * ReplyHeader, MultiHeader). The shared records (Stat, ACL, WatcherEvent, the operation bodies)
 * are typed in lib/protocol. Fields keep jute's names and order.
 *
 * Numbers: session ids (and `ephemeralOwner`, which holds one) are bigint; zxids, times and TTLs
 * are JS numbers (safe integers, checked on read); ints are numbers.
 *
 * Nulls: where jute allows null (a `-1` length) in a field a request reads, the decoder reads it
 * as empty (`""`, an empty array), so the server's validation answers as ZooKeeper's does (a
 * null path fails path validation with BADARGUMENTS, a null ACL list is INVALIDACL). Response
 * `data` may be null and is then written as -1, as ZooKeeper does for a node created with null data.
 * @module
 */

import type { ACL, Id, Stat } from '../protocol/data.js'
import type { WatcherEvent } from '../protocol/jute-records.js'
import type { JuteReader, JuteWriter } from './jute.js'

/** Reads a `Stat`. */
export function readStat(r: JuteReader): Stat {
  return {
    czxid: r.readLongNumber('Stat.czxid'),
    mzxid: r.readLongNumber('Stat.mzxid'),
    ctime: r.readLongNumber('Stat.ctime'),
    mtime: r.readLongNumber('Stat.mtime'),
    version: r.readInt('Stat.version'),
    cversion: r.readInt('Stat.cversion'),
    aversion: r.readInt('Stat.aversion'),
    ephemeralOwner: r.readLong('Stat.ephemeralOwner'),
    dataLength: r.readInt('Stat.dataLength'),
    numChildren: r.readInt('Stat.numChildren'),
    pzxid: r.readLongNumber('Stat.pzxid'),
  }
}

/** Writes a `Stat` (68 bytes). */
export function writeStat(w: JuteWriter, s: Stat): void {
  w.writeLongNumber(s.czxid).writeLongNumber(s.mzxid).writeLongNumber(s.ctime).writeLongNumber(s.mtime)
  w.writeInt(s.version).writeInt(s.cversion).writeInt(s.aversion)
  w.writeLong(s.ephemeralOwner).writeInt(s.dataLength).writeInt(s.numChildren).writeLongNumber(s.pzxid)
}

/** Reads an `Id` (scheme, id); a null string reads as empty. */
export function readId(r: JuteReader): Id {
  const scheme = r.readUString('Id.scheme')
  return { scheme, id: r.readUString('Id.id') }
}

/** Writes an `Id`. */
export function writeId(w: JuteWriter, id: Id): void {
  w.writeUString(id.scheme).writeUString(id.id)
}

/** Reads a `vector<ACL>`; null reads as an empty list. */
export function readACLs(r: JuteReader): ACL[] {
  // Smallest ACL: int perms + two empty ustrings = 12 bytes.
  const n = r.readVectorCount('vector<ACL>', 12)
  const acl: ACL[] = []
  for (let i = 0; i < n; i++) {
    const perms = r.readInt('ACL.perms')
    acl.push({ perms, id: readId(r) })
  }
  return acl
}

/** Writes a `vector<ACL>`. */
export function writeACLs(w: JuteWriter, acl: readonly ACL[]): void {
  w.writeVectorCount(acl.length)
  for (const a of acl) writeId(w.writeInt(a.perms), a.id)
}

/**
 * `ConnectRequest`: the first frame a client sends, without a RequestHeader.
 * `readOnly` is absent from clients of ZooKeeper 3.3 and older (`compat.ProtocolManager`).
 */
export interface ConnectRequest {
  /** Always 0. */
  protocolVersion: number
  /** The last zxid the client has seen; a server behind it must refuse the client. */
  lastZxidSeen: number
  /** Requested session timeout, ms. */
  timeOut: number
  /** 0 for a new session, else the session to resume. */
  sessionId: bigint
  /** The session password (16 bytes; zeros for a new session). */
  passwd: Uint8Array
  /** The client accepts a read-only server; undefined when the client did not send the flag. */
  readOnly: boolean | undefined
}

/** Reads a `ConnectRequest`, accepting a missing trailing `readOnly` flag. */
export function readConnectRequest(r: JuteReader): ConnectRequest {
  const protocolVersion = r.readInt('ConnectRequest.protocolVersion')
  const lastZxidSeen = r.readLongNumber('ConnectRequest.lastZxidSeen')
  const timeOut = r.readInt('ConnectRequest.timeOut')
  const sessionId = r.readLong('ConnectRequest.sessionId')
  const passwd = r.readBuffer('ConnectRequest.passwd')
  const readOnly = r.remaining > 0 ? r.readBool('ConnectRequest.readOnly') : undefined
  return { protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly }
}

/** Writes a `ConnectRequest`; `readOnly` is left out when undefined (an old client). */
export function writeConnectRequest(w: JuteWriter, c: ConnectRequest): void {
  w.writeInt(c.protocolVersion).writeLongNumber(c.lastZxidSeen).writeInt(c.timeOut)
  w.writeLong(c.sessionId).writeBuffer(c.passwd)
  if (c.readOnly !== undefined) w.writeBool(c.readOnly)
}

/**
 * `ConnectResponse`: the first frame the server sends, without a ReplyHeader. `timeOut` 0 means
 * the session is expired or invalid. `readOnly` must be left out (undefined) when the client's
 * `ConnectRequest` had no `readOnly`, as ZooKeeper does for old clients.
 */
export interface ConnectResponse {
  /** Always 0. */
  protocolVersion: number
  /** Negotiated session timeout, ms; 0 = expired. */
  timeOut: number
  /** The session id; 0 when refused. */
  sessionId: bigint
  /** The session password (16 bytes). */
  passwd: Uint8Array
  /** The server is read-only; undefined to omit the flag. */
  readOnly: boolean | undefined
}

/** Reads a `ConnectResponse`, accepting a missing trailing `readOnly` flag. */
export function readConnectResponse(r: JuteReader): ConnectResponse {
  const protocolVersion = r.readInt('ConnectResponse.protocolVersion')
  const timeOut = r.readInt('ConnectResponse.timeOut')
  const sessionId = r.readLong('ConnectResponse.sessionId')
  const passwd = r.readBuffer('ConnectResponse.passwd')
  const readOnly = r.remaining > 0 ? r.readBool('ConnectResponse.readOnly') : undefined
  return { protocolVersion, timeOut, sessionId, passwd, readOnly }
}

/** Writes a `ConnectResponse`; `readOnly` is left out when undefined. */
export function writeConnectResponse(w: JuteWriter, c: ConnectResponse): void {
  w.writeInt(c.protocolVersion).writeInt(c.timeOut).writeLong(c.sessionId).writeBuffer(c.passwd)
  if (c.readOnly !== undefined) w.writeBool(c.readOnly)
}

/** `RequestHeader`: starts every client frame after the ConnectRequest. */
export interface RequestHeader {
  /** The client's request id; negative ones are special (see `Xid`). */
  xid: number
  /** The opcode (`OpCode`). */
  type: number
}

/** Reads a `RequestHeader` (8 bytes). */
export function readRequestHeader(r: JuteReader): RequestHeader {
  const xid = r.readInt('RequestHeader.xid')
  return { xid, type: r.readInt('RequestHeader.type') }
}

/** Writes a `RequestHeader`. */
export function writeRequestHeader(w: JuteWriter, h: RequestHeader): void {
  w.writeInt(h.xid).writeInt(h.type)
}

/** `ReplyHeader`: starts every server frame after the ConnectResponse. */
export interface ReplyHeader {
  /** The xid of the request answered, or -1 for a notification, -2 for a ping. */
  xid: number
  /** The server's last processed zxid (a notification: the zxid of the change). */
  zxid: number
  /** 0 or a ZooKeeper error number (`ErrorCode`); the body is absent when non-zero. */
  err: number
}

/** Reads a `ReplyHeader` (16 bytes). */
export function readReplyHeader(r: JuteReader): ReplyHeader {
  const xid = r.readInt('ReplyHeader.xid')
  const zxid = r.readLongNumber('ReplyHeader.zxid')
  return { xid, zxid, err: r.readInt('ReplyHeader.err') }
}

/** Writes a `ReplyHeader`. */
export function writeReplyHeader(w: JuteWriter, h: ReplyHeader): void {
  w.writeInt(h.xid).writeLongNumber(h.zxid).writeInt(h.err)
}

/** `MultiHeader`: precedes each op and result of a multi, and (with `done`) ends the list. */
export interface MultiHeader {
  /** The op's opcode; -1 in the terminator and for an error result. */
  type: number
  /** True only in the terminator. */
  done: boolean
  /** -1 in requests; in results 0 or the op's error number. */
  err: number
}

/** Reads a `MultiHeader` (9 bytes). */
export function readMultiHeader(r: JuteReader): MultiHeader {
  const type = r.readInt('MultiHeader.type')
  const done = r.readBool('MultiHeader.done')
  return { type, done, err: r.readInt('MultiHeader.err') }
}

/** Writes a `MultiHeader`. */
export function writeMultiHeader(w: JuteWriter, h: MultiHeader): void {
  w.writeInt(h.type).writeBool(h.done).writeInt(h.err)
}

/** Reads a `WatcherEvent`. */
export function readWatcherEvent(r: JuteReader): WatcherEvent {
  const type = r.readInt('WatcherEvent.type')
  const state = r.readInt('WatcherEvent.state')
  return { type, state, path: r.readUString('WatcherEvent.path') }
}

/** Writes a `WatcherEvent`. */
export function writeWatcherEvent(w: JuteWriter, e: WatcherEvent): void {
  w.writeInt(e.type).writeInt(e.state).writeUString(e.path)
}
