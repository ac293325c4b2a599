/**
 * The requests a member serves and the responses it gives, independent of how they arrived
 * (in-process call or ZooKeeper wire protocol). Names follow ZooKeeper's operations. The client
 * builds these, the server answers them, and ./jute-client.ts and ./jute-server.ts map them to
 * and from the jute records on the wire.
 * @module
 */
import type { ReconfigRequest as JuteReconfigRequest } from './jute-records.js'
import type { ACL, ClientInfo, Stat } from './data.js'
import type { AddWatchMode, WatcherType } from './watch.js'

/** Create a znode (create, create2, createContainer, createTTL). */
export interface CreateRequest {
  op: 'create'
  path: string
  data: Uint8Array
  acl: readonly ACL[]
  /** A `CreateMode` number (./create-mode.ts). */
  mode: number
  /** Time to live in ms; only for the TTL modes. */
  ttlMs?: number
}

/** Delete a znode if its version matches (-1 = any). */
export interface DeleteRequest {
  op: 'delete'
  path: string
  version: number
}

/** Replace a znode's data if its version matches (-1 = any). */
export interface SetDataRequest {
  op: 'setData'
  path: string
  data: Uint8Array
  version: number
}

/** Replace a znode's ACL if its aversion matches (-1 = any). */
export interface SetACLRequest {
  op: 'setACL'
  path: string
  acl: readonly ACL[]
  version: number
}

/** Check a znode's version (-1 = only that it exists). */
export interface CheckRequest {
  op: 'check'
  path: string
  version: number
}

/** An operation allowed inside multi. */
export type MultiOp = CreateRequest | DeleteRequest | SetDataRequest | CheckRequest

/** Apply several writes atomically. */
export interface MultiRequest {
  op: 'multi'
  ops: readonly MultiOp[]
}

/** Close the session: its ephemerals go at once. */
export interface CloseSessionRequest {
  op: 'closeSession'
}

/** Server-internal: remove an empty container or an expired TTL node (ZooKeeper deleteContainer). */
export interface DeleteContainerRequest {
  op: 'deleteContainer'
  path: string
}

/**
 * Change the ensemble's membership (ZooKeeper's reconfig, 3.5+): incremental with
 * `joiningServers` / `leavingServers`, or the whole new membership in `newMembers`, exactly as
 * the jute record carries it. Answered with the new configuration, as `/zookeeper/config` holds it.
 */
export type ReconfigRequest = JuteReconfigRequest

/** Every request that becomes a transaction. */
export type WriteRequest =
  | CreateRequest
  | DeleteRequest
  | SetDataRequest
  | SetACLRequest
  | CheckRequest
  | MultiRequest
  | CloseSessionRequest
  | DeleteContainerRequest
  | ReconfigRequest

/** Read a znode's data and Stat, optionally leaving a data watch. */
export interface GetDataRequest {
  op: 'getData'
  path: string
  watch: boolean
}

/** Read a znode's Stat, optionally leaving a watch even when it does not exist. */
export interface ExistsRequest {
  op: 'exists'
  path: string
  watch: boolean
}

/** List a znode's children (with its Stat), optionally leaving a child watch. */
export interface GetChildrenRequest {
  op: 'getChildren'
  path: string
  watch: boolean
}

/** Read a znode's ACL. */
export interface GetACLRequest {
  op: 'getACL'
  path: string
}

/** A read allowed inside multiRead. */
export type MultiReadOp = { op: 'getData'; path: string } | { op: 'getChildren'; path: string }

/** Several reads, each succeeding or failing on its own. */
export interface MultiReadRequest {
  op: 'multiRead'
  ops: readonly MultiReadOp[]
}

/** The session's ephemerals whose paths start with `prefix` (`/` = all). */
export interface GetEphemeralsRequest {
  op: 'getEphemerals'
  prefix: string
}

/** Number of all descendants of a znode. */
export interface GetAllChildrenNumberRequest {
  op: 'getAllChildrenNumber'
  path: string
}

/** Make the next read see every write committed before this request. */
export interface SyncRequest {
  op: 'sync'
  path: string
}

/** Add a persistent or persistent-recursive watch. */
export interface AddWatchRequest {
  op: 'addWatch'
  path: string
  mode: AddWatchMode
}

/** Remove (or, with `dryRun`, only check for) this connection's watches of a type on a path. */
export interface RemoveWatchesRequest {
  op: 'removeWatches'
  path: string
  type: WatcherType
  dryRun: boolean
}

/** Re-register watches after a reconnect, firing those whose change was missed. */
export interface SetWatchesRequest {
  op: 'setWatches'
  relativeZxid: number
  dataWatches: readonly string[]
  existWatches: readonly string[]
  childWatches: readonly string[]
  persistentWatches: readonly string[]
  persistentRecursiveWatches: readonly string[]
}

/** Authenticate the connection (addauth). */
export interface SetAuthRequest {
  op: 'setAuth'
  scheme: string
  auth: Uint8Array
}

/** Ask which identities the connection holds. */
export interface WhoAmIRequest {
  op: 'whoAmI'
}

/** Keep the session alive. */
export interface PingRequest {
  op: 'ping'
}

/** Every request served from the member's own state. */
export type ReadRequest =
  | GetDataRequest
  | ExistsRequest
  | GetChildrenRequest
  | GetACLRequest
  | MultiReadRequest
  | GetEphemeralsRequest
  | GetAllChildrenNumberRequest
  | SyncRequest
  | AddWatchRequest
  | RemoveWatchesRequest
  | SetWatchesRequest
  | SetAuthRequest
  | WhoAmIRequest
  | PingRequest

/** Any request. */
export type Request = WriteRequest | ReadRequest

/** A successful create inside multi. */
export interface MultiCreateResult {
  /** The operation. */
  op: 'create'
  /** 0: success. */
  err: 0
  /** The created path (with its sequence suffix). */
  path: string
  /** The new node's Stat. */
  stat: Stat
}

/** A successful delete or check inside multi. */
export interface MultiEmptyResult {
  /** The operation. */
  op: 'delete' | 'check'
  /** 0: success. */
  err: 0
}

/** A successful setData inside multi. */
export interface MultiSetDataResult {
  /** The operation. */
  op: 'setData'
  /** 0: success. */
  err: 0
  /** The node's new Stat. */
  stat: Stat
}

/** An operation that failed (or, in a failed multi, did not run: 0 before the failure, RUNTIMEINCONSISTENCY after). */
export interface OpErrorResult {
  /** Always 'error'. */
  op: 'error'
  /** The ZooKeeper error number. */
  err: number
}

/** The result of one operation inside multi. */
export type MultiResult = MultiCreateResult | MultiEmptyResult | MultiSetDataResult | OpErrorResult

/** A successful getData inside multiRead. */
export interface MultiGetDataResult {
  /** The operation. */
  op: 'getData'
  /** 0: success. */
  err: 0
  /** The node's data. */
  data: Uint8Array
  /** The node's Stat. */
  stat: Stat
}

/** A successful getChildren inside multiRead. */
export interface MultiGetChildrenResult {
  /** The operation. */
  op: 'getChildren'
  /** 0: success. */
  err: 0
  /** The child names. */
  children: string[]
}

/** The result of one read inside multiRead. */
export type MultiReadResult = MultiGetDataResult | MultiGetChildrenResult | OpErrorResult

/** Successful response bodies by operation. */
export interface ResponseBodies {
  create: { path: string; stat: Stat }
  delete: Record<never, never>
  setData: { stat: Stat }
  setACL: { stat: Stat }
  check: Record<never, never>
  multi: { results: MultiResult[] }
  closeSession: Record<never, never>
  deleteContainer: Record<never, never>
  reconfig: { data: Uint8Array; stat: Stat }
  getData: { data: Uint8Array; stat: Stat }
  exists: { stat: Stat }
  getChildren: { children: string[]; stat: Stat }
  getACL: { acl: ACL[]; stat: Stat }
  multiRead: { results: MultiReadResult[] }
  getEphemerals: { paths: string[] }
  getAllChildrenNumber: { count: number }
  sync: { path: string }
  addWatch: Record<never, never>
  removeWatches: Record<never, never>
  setWatches: Record<never, never>
  setAuth: Record<never, never>
  whoAmI: { clientInfo: ClientInfo[] }
  ping: Record<never, never>
}

/** A failed request: the ZooKeeper error number (never 0). */
export interface ErrorResponse {
  err: number
}

/** The response to a request with operation `K`: its body with `err: 0`, or an error. */
export type ResponseFor<K extends Request['op']> = ({ err: 0 } & ResponseBodies[K]) | ErrorResponse

/** Any response. */
export type Response = ResponseFor<Request['op']>

/** True for requests that become transactions. */
export function isWrite(request: Request): request is WriteRequest {
  switch (request.op) {
    case 'create':
    case 'delete':
    case 'setData':
    case 'setACL':
    case 'check':
    case 'multi':
    case 'closeSession':
    case 'deleteContainer':
    case 'reconfig':
      return true
    default:
      return false
  }
}
