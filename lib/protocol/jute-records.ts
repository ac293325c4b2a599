/**
 * The jute records that carry ZooKeeper's operations (apache/zookeeper `zookeeper.jute`, module
 * `org.apache.zookeeper.proto`), as TypeScript types: every request body a client sends after the
 * ConnectRequest ({@link ClientRequest}), every response body a server sends under a ReplyHeader
 * ({@link ClientResponse}), multi results, and the {@link WatcherEvent} of a notification. Fields
 * keep jute's names and order. Types only: lib/wire reads and writes them, ./jute-client.ts and
 * ./jute-server.ts map them to and from the requests of ./requests.ts.
 *
 * What each op answers follows `FinalRequestProcessor`: delete, ping, closeSession, auth,
 * setWatches(2), checkWatches and removeWatches send the header alone; addWatch sends
 * `ErrorResponse{0}`; check sends `SetDataResponse`; reconfig sends `GetDataResponse`.
 * @module
 */
import type { ACL, ClientInfo, Stat } from './data.js'

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

/** One result inside a `MultiResponse` (multi or multiRead). */
export type MultiResult =
  /** `CreateResponse` for a create op. */
  | { op: 'create'; path: string }
  /** `Create2Response` for create2, createContainer and createTTL ops (ZooKeeper reports them as create2). */
  | { op: 'create2'; path: string; stat: Stat }
  /** A delete or check op: no record. */
  | { op: 'delete' | 'check' }
  /** `SetDataResponse`. */
  | { op: 'setData'; stat: Stat }
  /** `GetChildrenResponse` (multiRead). */
  | { op: 'getChildren'; children: string[] }
  /** `GetDataResponse` (multiRead). */
  | { op: 'getData'; data: Uint8Array | null; stat: Stat }
  /** `ErrorResponse`: the op failed with `err`, or (multi) was rolled back (0 / RUNTIMEINCONSISTENCY). */
  | { op: 'error'; err: number }

/** Every response body a server sends under a `ReplyHeader` with err 0, by the op it answers. */
export type ClientResponse =
  /** `CreateResponse`. */
  | { op: 'create'; path: string }
  /** `Create2Response`. */
  | { op: 'create2' | 'createContainer' | 'createTTL'; path: string; stat: Stat }
  /** `ExistsResponse`, `SetDataResponse` (setData, check), `SetACLResponse`. */
  | { op: 'exists' | 'setData' | 'check' | 'setACL'; stat: Stat }
  /** `GetDataResponse` (getData, and reconfig with the new /zookeeper/config). */
  | { op: 'getData' | 'reconfig'; data: Uint8Array | null; stat: Stat }
  /** `GetACLResponse`. */
  | { op: 'getACL'; acl: ACL[]; stat: Stat }
  /** `GetChildrenResponse`. */
  | { op: 'getChildren'; children: string[] }
  /** `GetChildren2Response`. */
  | { op: 'getChildren2'; children: string[]; stat: Stat }
  /** `SyncResponse`. */
  | { op: 'sync'; path: string }
  /** `MultiResponse`. */
  | { op: 'multi' | 'multiRead'; results: MultiResult[] }
  /** `GetEphemeralsResponse`. */
  | { op: 'getEphemerals'; ephemerals: string[] }
  /** `GetAllChildrenNumberResponse`. */
  | { op: 'getAllChildrenNumber'; totalNumber: number }
  /** `WhoAmIResponse`. */
  | { op: 'whoAmI'; clientInfo: ClientInfo[] }
  /** `SetSASLResponse`. */
  | { op: 'sasl'; token: Uint8Array | null }
  /** `ErrorResponse{0}` (addWatch). */
  | { op: 'addWatch' }
  /** No record after the header. */
  | { op: 'delete' | 'deleteContainer' | 'ping' | 'closeSession' | 'auth' | 'setWatches' | 'setWatches2' | 'checkWatches' | 'removeWatches' }

/** `WatcherEvent`: the body of a notification (xid -1). */
export interface WatcherEvent {
  /** `EventType` number. */
  type: number
  /** `KeeperState` number (SyncConnected for node events). */
  state: number
  /** The znode the event is about; empty for session events. */
  path: string
}
