/**
 * The client side of the jute mapping: a {@link Request} becomes the jute request record
 * ZooKeeper's Java client would send for it, and the jute response record becomes the
 * {@link Response}. Pure: lib/client/tcp-connection.ts owns the socket and calls these. Its mirror
 * for the server is ./jute-server.ts; a request mapped here and back there is the same request.
 *
 * Choices follow the Java client (apache/zookeeper ZooKeeper.java): create is sent as create2 (so
 * the Stat comes back), a container as createContainer, a TTL node as createTTL, getChildren as
 * getChildren2, removeWatches with dryRun as checkWatches, setWatches as setWatches2 only when
 * persistent watches exist (older servers do not know setWatches2).
 * @module
 */
import { CreateMode } from './create-mode.js'
import type { Stat } from './data.js'
import type * as jute from './jute-records.js'
import { AddWatchMode as AddWatchModeCode, eventTypeOf, watcherTypeCodes } from './opcodes.js'
import type { MultiOp, MultiReadResult, MultiResult, Request, Response } from './requests.js'
import type { WatchNotification } from './watch.js'

function toJuteCreate(op: Extract<MultiOp, { op: 'create' }>): jute.MultiOp {
  const base = { path: op.path, data: op.data, acl: [...op.acl], flags: op.mode }
  if (op.ttlMs !== undefined || op.mode === CreateMode.PERSISTENT_WITH_TTL || op.mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL) {
    return { op: 'createTTL', ...base, ttl: op.ttlMs ?? -1 }
  }
  if (op.mode === CreateMode.CONTAINER) return { op: 'createContainer', ...base }
  return { op: 'create2', ...base }
}

function toJuteMultiOp(op: MultiOp): jute.MultiOp {
  switch (op.op) {
    case 'create':
      return toJuteCreate(op)
    case 'delete':
      return { op: 'delete', path: op.path, version: op.version }
    case 'setData':
      return { op: 'setData', path: op.path, data: op.data, version: op.version }
    case 'check':
      return { op: 'check', path: op.path, version: op.version }
  }
}

/** The jute request record for a request, or undefined for one a client never sends (deleteContainer). */
export function toJuteRequest(request: Request): jute.ClientRequest | undefined {
  switch (request.op) {
    case 'create':
    case 'delete':
    case 'setData':
    case 'check':
      return toJuteMultiOp(request)
    case 'setACL':
      return { op: 'setACL', path: request.path, acl: [...request.acl], version: request.version }
    case 'getData':
    case 'exists':
      return { op: request.op, path: request.path, watch: request.watch }
    case 'getChildren':
      return { op: 'getChildren2', path: request.path, watch: request.watch }
    case 'getACL':
    case 'sync':
    case 'getAllChildrenNumber':
      return { op: request.op, path: request.path }
    case 'multi':
      return { op: 'multi', ops: request.ops.map(toJuteMultiOp) }
    case 'multiRead':
      return { op: 'multiRead', ops: request.ops.map((op) => ({ op: op.op, path: op.path, watch: false })) }
    default:
      return toJuteSessionRequest(request)
  }
}

function toJuteSessionRequest(request: Request): jute.ClientRequest | undefined {
  switch (request.op) {
    case 'getEphemerals':
      return { op: 'getEphemerals', prefixPath: request.prefix }
    case 'addWatch':
      return { op: 'addWatch', path: request.path, mode: AddWatchModeCode[request.mode] }
    case 'removeWatches':
      return { op: request.dryRun ? 'checkWatches' : 'removeWatches', path: request.path, type: watcherTypeCodes[request.type] }
    case 'setWatches': {
      const { relativeZxid, dataWatches, existWatches, childWatches, persistentWatches, persistentRecursiveWatches } = request
      const lists = { dataWatches: [...dataWatches], existWatches: [...existWatches], childWatches: [...childWatches] }
      if (persistentWatches.length === 0 && persistentRecursiveWatches.length === 0) return { op: 'setWatches', relativeZxid, ...lists }
      return { op: 'setWatches2', relativeZxid, ...lists, persistentWatches: [...persistentWatches], persistentRecursiveWatches: [...persistentRecursiveWatches] }
    }
    case 'setAuth':
      return { op: 'auth', type: 0, scheme: request.scheme, auth: request.auth }
    case 'whoAmI':
    case 'ping':
    case 'closeSession':
      return { op: request.op }
    case 'reconfig':
      return { op: 'reconfig', joiningServers: request.joiningServers, leavingServers: request.leavingServers, newMembers: request.newMembers, curConfigId: request.curConfigId }
    default:
      return undefined
  }
}

function fromJuteMultiResult(result: jute.MultiResult): MultiResult | MultiReadResult {
  switch (result.op) {
    case 'create':
      return { op: 'create', err: 0, path: result.path, stat: emptyStat() }
    case 'create2':
      return { op: 'create', err: 0, path: result.path, stat: result.stat }
    case 'delete':
    case 'check':
      return { op: result.op, err: 0 }
    case 'setData':
      return { op: 'setData', err: 0, stat: result.stat }
    case 'getData':
      return { op: 'getData', err: 0, data: result.data ?? new Uint8Array(0), stat: result.stat }
    case 'getChildren':
      return { op: 'getChildren', err: 0, children: result.children }
    case 'error':
      return { op: 'error', err: result.err }
  }
}

/** The response for a jute response record that came with err 0 in its ReplyHeader. */
export function fromJuteResponse(record: jute.ClientResponse): Response {
  switch (record.op) {
    case 'create':
      return { err: 0, path: record.path, stat: emptyStat() }
    case 'create2':
    case 'createContainer':
    case 'createTTL':
      return { err: 0, path: record.path, stat: record.stat }
    case 'exists':
    case 'setData':
    case 'setACL':
    case 'check':
      return { err: 0, stat: record.stat }
    case 'getData':
    case 'reconfig':
      return { err: 0, data: record.data ?? new Uint8Array(0), stat: record.stat }
    case 'getChildren':
      return { err: 0, children: record.children, stat: emptyStat() }
    case 'getChildren2':
      return { err: 0, children: record.children, stat: record.stat }
    case 'getACL':
      return { err: 0, acl: record.acl, stat: record.stat }
    case 'sync':
      return { err: 0, path: record.path }
    case 'multi':
    case 'multiRead':
      return { err: 0, results: record.results.map(fromJuteMultiResult) } as Response
    case 'getEphemerals':
      return { err: 0, paths: record.ephemerals }
    case 'getAllChildrenNumber':
      return { err: 0, count: record.totalNumber }
    case 'whoAmI':
      return { err: 0, clientInfo: record.clientInfo }
    default:
      return { err: 0 } as Response
  }
}

/**
 * The watch notification a `WatcherEvent` record carries, with the zxid of its ReplyHeader; undefined
 * for an event type ZooKeeper does not define and for session events (type None), which servers
 * never send over the wire in practice.
 */
export function fromWatcherEvent(event: jute.WatcherEvent, zxid: number): WatchNotification | undefined {
  const type = eventTypeOf(event.type)
  if (type === undefined || type === 'None') return undefined
  return { type, path: event.path, zxid }
}

// A create answered without a Stat (old servers' CreateResponse) reports an all-zero Stat.
function emptyStat(): Stat {
  return { czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0, pzxid: 0 }
}
