/**
 * The server side of the jute mapping: a jute request record becomes the {@link Request} a member
 * serves, and the member's {@link Response} becomes the jute response record, as
 * apache/zookeeper@release-3.9.5 `PrepRequestProcessor`, `FinalRequestProcessor` and
 * `ZooKeeperServer.processPacket` answer them. Pure: lib/host/client-port.ts calls these and
 * does the rest (the member, sessions, replies). Its mirror for the client is ./jute-client.ts.
 *
 * Mapping rules checked in ZooKeeper's source:
 * - create → `CreateResponse{path}`; create2, createContainer, createTTL → `Create2Response{path, stat}`;
 *   inside multi the same split (`CreateResult` with or without a stat).
 * - The opcode, not the flags, decides the node type: createContainer always makes a container
 *   (`CreateContainerTxn`), create/create2 with the CONTAINER flag make a persistent node
 *   (`CreateTxn` carries only `ephemeral`), and a TTL flag without createTTL has ttl -1, so it is
 *   UNIMPLEMENTED (extended types off) or BADARGUMENTS. createTTL with a non-TTL flag is
 *   BADARGUMENTS (`EphemeralType.validateTTL`).
 * - An unknown WatcherType or AddWatch mode is MARSHALLINGERROR (the IllegalArgumentException of
 *   `WatcherType.fromInt` / `WatcherMode.fromZooDef`).
 * @module
 */
import { ErrorCode } from '../errors.js'
import type { ACL, ClientInfo, Stat } from './data.js'
import type * as jute from './jute-records.js'
import { CreateMode } from './create-mode.js'
import { EventType as EventTypeCode, KeeperState, addWatchModeOf, watcherTypeOf } from './opcodes.js'
import type { CreateRequest, MultiOp, MultiReadResult, MultiResult, Request, Response } from './requests.js'
import type { WatchNotification } from './watch.js'

/** A mode no create accepts: prep answers it with BADARGUMENTS at the op's place in the order. */
const invalidCreateMode = -1

/**
 * The request a jute request record asks for, or the error ZooKeeper answers it with. sasl has
 * no request here (the server answers it itself): it maps to UNIMPLEMENTED.
 */
export function fromJuteRequest(record: jute.ClientRequest): Request | { err: number } {
  switch (record.op) {
    case 'create': case 'create2': case 'createContainer': case 'createTTL':
      return fromJuteCreate(record)
    case 'delete':
      return { op: 'delete', path: record.path, version: record.version }
    case 'setData':
      return { op: 'setData', path: record.path, data: record.data, version: record.version }
    case 'deleteContainer':
      return { op: 'deleteContainer', path: record.path }
    case 'check':
      return { op: 'check', path: record.path, version: record.version }
    case 'setACL':
      return { op: 'setACL', path: record.path, acl: record.acl, version: record.version }
    case 'multi':
      return { op: 'multi', ops: record.ops.map(fromJuteMultiOp) }
    case 'exists': case 'getData':
      return { op: record.op, path: record.path, watch: record.watch }
    case 'getChildren': case 'getChildren2':
      return { op: 'getChildren', path: record.path, watch: record.watch }
    case 'multiRead':
      return { op: 'multiRead', ops: record.ops.map((op) => ({ op: op.op, path: op.path })) }
    case 'reconfig':
      return { op: 'reconfig', joiningServers: record.joiningServers, leavingServers: record.leavingServers, newMembers: record.newMembers, curConfigId: record.curConfigId }
    default:
      return fromJuteSessionRequest(record)
  }
}

function fromJuteSessionRequest(record: jute.ClientRequest): Request | { err: number } {
  switch (record.op) {
    case 'getACL': case 'sync': case 'getAllChildrenNumber':
      return { op: record.op, path: record.path }
    case 'getEphemerals': {
      const prefix = record.prefixPath.trim()
      return { op: 'getEphemerals', prefix: prefix === '' ? '/' : record.prefixPath }
    }
    case 'ping': case 'closeSession': case 'whoAmI':
      return { op: record.op }
    case 'auth':
      return { op: 'setAuth', scheme: record.scheme, auth: record.auth }
    case 'setWatches': case 'setWatches2':
      return {
        op: 'setWatches',
        relativeZxid: record.relativeZxid,
        dataWatches: record.dataWatches,
        existWatches: record.existWatches,
        childWatches: record.childWatches,
        persistentWatches: record.op === 'setWatches2' ? record.persistentWatches : [],
        persistentRecursiveWatches: record.op === 'setWatches2' ? record.persistentRecursiveWatches : [],
      }
    case 'addWatch': {
      const mode = addWatchModeOf(record.mode)
      return mode === undefined ? { err: ErrorCode.MARSHALLINGERROR } : { op: 'addWatch', path: record.path, mode }
    }
    case 'checkWatches': case 'removeWatches': {
      const type = watcherTypeOf(record.type)
      if (type === undefined) return { err: ErrorCode.MARSHALLINGERROR }
      return { op: 'removeWatches', path: record.path, type, dryRun: record.op === 'checkWatches' }
    }
    default:
      return { err: ErrorCode.UNIMPLEMENTED }
  }
}

type JuteCreate = Extract<jute.ClientRequest, { op: 'create' | 'create2' | 'createContainer' | 'createTTL' }>

/** The create for a jute create, following the opcode-over-flags rules of PrepRequestProcessor. */
function fromJuteCreate(record: JuteCreate): CreateRequest {
  const base = { op: 'create' as const, path: record.path, data: record.data, acl: record.acl }
  const flags = record.flags
  const ttlFlag = flags === CreateMode.PERSISTENT_WITH_TTL || flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL
  switch (record.op) {
    case 'createTTL':
      return ttlFlag ? { ...base, mode: flags, ttlMs: record.ttl } : { ...base, mode: invalidCreateMode }
    case 'createContainer':
      // A container cannot be sequential in Paddock's tree; ZooKeeper would append a suffix here.
      if (flags === CreateMode.PERSISTENT || flags === CreateMode.EPHEMERAL || flags === CreateMode.CONTAINER) return { ...base, mode: CreateMode.CONTAINER }
      return { ...base, mode: ttlFlag ? flags : invalidCreateMode }
    default:
      return { ...base, mode: flags === CreateMode.CONTAINER ? CreateMode.PERSISTENT : flags }
  }
}

function fromJuteMultiOp(op: jute.MultiOp): MultiOp {
  switch (op.op) {
    case 'create': case 'create2': case 'createContainer': case 'createTTL':
      return fromJuteCreate(op)
    case 'delete':
      return { op: 'delete', path: op.path, version: op.version }
    case 'setData':
      return { op: 'setData', path: op.path, data: op.data, version: op.version }
    case 'check':
      return { op: 'check', path: op.path, version: op.version }
  }
}

// A success body, read field by field; which fields it has is known from the request's op.
type Body = Response & Record<string, unknown>

/**
 * The jute response record for a successful response (`err: 0`) to the request `record` asked
 * for, or undefined when ZooKeeper answers that op with the ReplyHeader alone and no record
 * type (auth, sasl, and check outside multi, which the connection refuses).
 */
export function toJuteResponse(record: jute.ClientRequest, response: Response): jute.ClientResponse | undefined {
  const r = response as Body
  switch (record.op) {
    case 'create':
      return { op: 'create', path: r.path as string }
    case 'create2': case 'createContainer': case 'createTTL':
      return { op: record.op, path: r.path as string, stat: r.stat as Stat }
    case 'exists': case 'setData': case 'setACL':
      return { op: record.op, stat: r.stat as Stat }
    case 'getData': case 'reconfig':
      return { op: record.op, data: r.data as Uint8Array, stat: r.stat as Stat }
    case 'getACL':
      return { op: 'getACL', acl: r.acl as ACL[], stat: r.stat as Stat }
    case 'getChildren':
      return { op: 'getChildren', children: r.children as string[] }
    case 'getChildren2':
      return { op: 'getChildren2', children: r.children as string[], stat: r.stat as Stat }
    case 'sync':
      return { op: 'sync', path: r.path as string }
    case 'multi':
      return { op: 'multi', results: (r.results as MultiResult[]).map((res, i) => toJuteMultiResult(res, record.ops[i])) }
    case 'multiRead':
      return { op: 'multiRead', results: (r.results as MultiReadResult[]).map(toJuteMultiReadResult) }
    default:
      return toJuteSessionResponse(record, r)
  }
}

function toJuteSessionResponse(record: jute.ClientRequest, r: Body): jute.ClientResponse | undefined {
  switch (record.op) {
    case 'getEphemerals':
      return { op: 'getEphemerals', ephemerals: r.paths as string[] }
    case 'getAllChildrenNumber':
      return { op: 'getAllChildrenNumber', totalNumber: r.count as number }
    case 'whoAmI':
      return { op: 'whoAmI', clientInfo: r.clientInfo as ClientInfo[] }
    case 'addWatch':
      return { op: 'addWatch' }
    case 'delete': case 'deleteContainer': case 'ping': case 'closeSession': case 'setWatches': case 'setWatches2':
    case 'checkWatches': case 'removeWatches':
      return { op: record.op }
    default:
      return undefined
  }
}

// FinalRequestProcessor multi: create → CreateResult(path); create2/TTL/container → CreateResult(path, stat).
function toJuteMultiResult(result: MultiResult, op: jute.MultiOp | undefined): jute.MultiResult {
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

function toJuteMultiReadResult(result: MultiReadResult): jute.MultiResult {
  switch (result.op) {
    case 'getData':
      return { op: 'getData', data: result.data, stat: result.stat }
    case 'getChildren':
      return { op: 'getChildren', children: result.children }
    case 'error':
      return { op: 'error', err: result.err }
  }
}

/** The `WatcherEvent` record of a watch notification (its zxid goes in the ReplyHeader). */
export function toWatcherEvent(notification: WatchNotification): jute.WatcherEvent {
  return { type: EventTypeCode[notification.type], state: KeeperState.SyncConnected, path: notification.path }
}
