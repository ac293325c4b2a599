/**
 * The requests a member serves and the responses it gives, independent of how they arrived
 * (in-process call or ZooKeeper wire protocol). Names follow ZooKeeper's operations.
 * @module
 */
import type { Stat } from '../tree/data-tree.js'
import type { ACL } from '../txn/types.js'
import type { AddWatchMode, WatcherType } from '../watch/watch-manager.js'

/** ZooKeeper's CreateMode flags, the numbers on the wire. */
export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const

/** One of the {@link CreateMode} numbers. */
export type CreateModeValue = (typeof CreateMode)[keyof typeof CreateMode]

/** Create a znode (create, create2, createContainer, createTTL). */
export interface CreateRequest {
  op: 'create'
  path: string
  data: Uint8Array
  acl: readonly ACL[]
  /** A {@link CreateMode} number. */
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

/** One identity of a connection, as whoAmI reports it (ZooKeeper ClientInfo). */
export interface ClientInfo {
  /** The auth scheme, for example `digest` or `ip`. */
  authScheme: string
  /** The user in that scheme, for example the digest user name or the address. */
  user: string
}

/** The result of one operation inside multi. */
export type MultiResult =
  | { op: 'create'; err: 0; path: string; stat: Stat }
  | { op: 'delete'; err: 0 }
  | { op: 'setData'; err: 0; stat: Stat }
  | { op: 'check'; err: 0 }
  | { op: 'error'; err: number }

/** The result of one read inside multiRead. */
export type MultiReadResult =
  | { op: 'getData'; err: 0; data: Uint8Array; stat: Stat }
  | { op: 'getChildren'; err: 0; children: string[] }
  | { op: 'error'; err: number }

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
      return true
    default:
      return false
  }
}
