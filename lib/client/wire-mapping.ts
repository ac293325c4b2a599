/**
 * The client side of the wire protocol's vocabulary: a member {@link Request} becomes the jute
 * request record ZooKeeper's Java client would send for it, and the jute response record becomes
 * the member {@link Response}. Pure: no socket here.
 *
 * Choices follow the Java client (apache/zookeeper ZooKeeper.java): create is sent as create2 (so
 * the Stat comes back), a container as createContainer, a TTL node as createTTL, getChildren as
 * getChildren2, removeWatches with dryRun as checkWatches, setWatches as setWatches2 only when
 * persistent watches exist (older servers do not know setWatches2).
 * @module
 */
import { ErrorCode } from '../errors.js'
import { AddWatchMode as WireAddWatchMode, CreateMode, WatcherType as WireWatcherType, type OpName } from '../wire/opcodes.js'
import type { ClientRequest, MultiOp as WireMultiOp } from '../wire/requests.js'
import type { ClientResponse, MultiResult as WireMultiResult } from '../wire/responses.js'
import type { MultiOp, MultiReadResult, MultiResult, Request, Response } from '../server/requests.js'
import type { WatcherType } from '../watch/watch-manager.js'
import type { Stat } from '../tree/data-tree.js'

const wireWatcherTypes: Record<WatcherType, number> = {
  children: WireWatcherType.Children,
  data: WireWatcherType.Data,
  any: WireWatcherType.Any,
  persistent: WireWatcherType.Persistent,
  persistentRecursive: WireWatcherType.PersistentRecursive,
}

function wireCreate(op: Extract<MultiOp, { op: 'create' }>): WireMultiOp {
  const base = { path: op.path, data: op.data, acl: [...op.acl], flags: op.mode }
  if (op.ttlMs !== undefined || op.mode === CreateMode.PERSISTENT_WITH_TTL || op.mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL) {
    return { op: 'createTTL', ...base, ttl: op.ttlMs ?? -1 }
  }
  if (op.mode === CreateMode.CONTAINER) return { op: 'createContainer', ...base }
  return { op: 'create2', ...base }
}

function wireMultiOp(op: MultiOp): WireMultiOp {
  switch (op.op) {
    case 'create':
      return wireCreate(op)
    case 'delete':
      return { op: 'delete', path: op.path, version: op.version }
    case 'setData':
      return { op: 'setData', path: op.path, data: op.data, version: op.version }
    case 'check':
      return { op: 'check', path: op.path, version: op.version }
  }
}

/** The jute request for a member request, or undefined for one a client never sends (deleteContainer). */
export function toWireRequest(request: Request): ClientRequest | undefined {
  switch (request.op) {
    case 'create':
    case 'delete':
    case 'setData':
    case 'check':
      return wireMultiOp(request)
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
      return { op: 'multi', ops: request.ops.map(wireMultiOp) }
    case 'multiRead':
      return { op: 'multiRead', ops: request.ops.map((op) => ({ op: op.op, path: op.path, watch: false })) }
    default:
      return toWireSessionRequest(request)
  }
}

function toWireSessionRequest(request: Request): ClientRequest | undefined {
  switch (request.op) {
    case 'getEphemerals':
      return { op: 'getEphemerals', prefixPath: request.prefix }
    case 'addWatch':
      return { op: 'addWatch', path: request.path, mode: WireAddWatchMode[request.mode] }
    case 'removeWatches':
      return { op: request.dryRun ? 'checkWatches' : 'removeWatches', path: request.path, type: wireWatcherTypes[request.type] }
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
    default:
      return undefined
  }
}

function memberMultiResult(result: WireMultiResult): MultiResult | MultiReadResult {
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

/** The member response for a jute response record (err 0). */
export function fromWireResponse(response: ClientResponse): Response {
  switch (response.op) {
    case 'create':
      return { err: 0, path: response.path, stat: emptyStat() }
    case 'create2':
    case 'createContainer':
    case 'createTTL':
      return { err: 0, path: response.path, stat: response.stat }
    case 'exists':
    case 'setData':
    case 'setACL':
    case 'check':
      return { err: 0, stat: response.stat }
    case 'getData':
      return { err: 0, data: response.data ?? new Uint8Array(0), stat: response.stat }
    case 'getChildren':
      return { err: 0, children: response.children, stat: emptyStat() }
    case 'getChildren2':
      return { err: 0, children: response.children, stat: response.stat }
    case 'getACL':
      return { err: 0, acl: response.acl, stat: response.stat }
    case 'sync':
      return { err: 0, path: response.path }
    case 'multi':
    case 'multiRead':
      return { err: 0, results: response.results.map(memberMultiResult) } as Response
    case 'getEphemerals':
      return { err: 0, paths: response.ephemerals }
    case 'getAllChildrenNumber':
      return { err: 0, count: response.totalNumber }
    case 'whoAmI':
      return { err: 0, clientInfo: response.clientInfo }
    default:
      return { err: 0 } as Response
  }
}

/** The op whose response record answers `request` (what the reader needs to decode the reply). */
export function responseOp(request: ClientRequest): OpName {
  return request.op
}

/** An error response. */
export function errorResponse(err: number): Response {
  return { err: err === 0 ? ErrorCode.SYSTEMERROR : err }
}

// A create answered without a Stat (old servers' CreateResponse) reports an all-zero Stat.
function emptyStat(): Stat {
  return { czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0, pzxid: 0 }
}
