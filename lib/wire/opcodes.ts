/**
 * The numbers of the ZooKeeper client protocol: opcodes, special xids, watcher event types and
 * keeper states, watcher types, add-watch modes, create modes and permissions.
 *
 * Every value is checked against apache/zookeeper@release-3.9.5: `ZooDefs.java` (OpCode, Perms,
 * AddWatchModes), `Watcher.java` (Event.EventType, Event.KeeperState, WatcherType),
 * `CreateMode.java`, `ClientCnxn.java` (special xids).
 * @module
 */

/** Request and response types by name, exactly as `ZooDefs.OpCode`. */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const

/** The name of an opcode, for example `'getData'`. */
export type OpName = keyof typeof OpCode

const opNamesByCode = new Map<number, OpName>(
  Object.entries(OpCode).map(([name, code]) => [code, name as OpName]),
)

/** Returns the name of an opcode number, or undefined for a number ZooKeeper does not define. */
export function opName(code: number): OpName | undefined {
  return opNamesByCode.get(code)
}

/** The xids with a fixed meaning (`ClientCnxn`): notification -1, ping -2, auth -4, setWatches -8. */
export const Xid = {
  /** A watch notification from the server (`ReplyHeader.xid` of a `WatcherEvent`). */
  notification: -1,
  /** A ping and its reply. */
  ping: -2,
  /** An `AuthPacket` and its reply. */
  auth: -4,
  /** `SetWatches` / `SetWatches2` sent on reconnect, and its reply. */
  setWatches: -8,
} as const

/** `Watcher.Event.EventType`: the `type` of a `WatcherEvent`. */
export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const

/** The name of a watcher event type, for example `'NodeDataChanged'`. */
export type EventTypeName = keyof typeof EventType

/** `Watcher.Event.KeeperState`: the `state` of a `WatcherEvent`. Unknown and NoSyncConnected are deprecated. */
export const KeeperState = {
  Unknown: -1,
  Disconnected: 0,
  NoSyncConnected: 1,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Expired: -112,
  Closed: 7,
} as const

/** The name of a keeper state, for example `'SyncConnected'`. */
export type KeeperStateName = keyof typeof KeeperState

/** `Watcher.WatcherType`: the `type` of `CheckWatchesRequest` and `RemoveWatchesRequest`. */
export const WatcherType = {
  Children: 1,
  Data: 2,
  Any: 3,
  Persistent: 4,
  PersistentRecursive: 5,
} as const

/** `ZooDefs.AddWatchModes`: the `mode` of `AddWatchRequest`. */
export const AddWatchMode = {
  persistent: 0,
  persistentRecursive: 1,
} as const

/** `CreateMode` flags: the `flags` of `CreateRequest` and `CreateTTLRequest`. */
export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const

/** The name of a create mode, for example `'EPHEMERAL_SEQUENTIAL'`. */
export type CreateModeName = keyof typeof CreateMode

/** What a create mode flag means, as the booleans of `CreateMode`'s constructor. */
export interface CreateModeInfo {
  /** The mode's name. */
  name: CreateModeName
  /** The node goes when its session ends. */
  ephemeral: boolean
  /** A 10-digit sequence suffix is appended to the name. */
  sequential: boolean
  /** The node goes once its last child is removed. */
  container: boolean
  /** The node goes when unmodified and childless for its TTL. */
  ttl: boolean
}

const createModes: readonly CreateModeInfo[] = [
  { name: 'PERSISTENT', ephemeral: false, sequential: false, container: false, ttl: false },
  { name: 'EPHEMERAL', ephemeral: true, sequential: false, container: false, ttl: false },
  { name: 'PERSISTENT_SEQUENTIAL', ephemeral: false, sequential: true, container: false, ttl: false },
  { name: 'EPHEMERAL_SEQUENTIAL', ephemeral: true, sequential: true, container: false, ttl: false },
  { name: 'CONTAINER', ephemeral: false, sequential: false, container: true, ttl: false },
  { name: 'PERSISTENT_WITH_TTL', ephemeral: false, sequential: false, container: false, ttl: true },
  { name: 'PERSISTENT_SEQUENTIAL_WITH_TTL', ephemeral: false, sequential: true, container: false, ttl: true },
]

/** Describes a create mode flag, or returns undefined for a flag `CreateMode.fromFlag` rejects. */
export function createModeInfo(flags: number): CreateModeInfo | undefined {
  return Number.isInteger(flags) && flags >= 0 ? createModes[flags] : undefined
}

/** `ZooDefs.Perms`: ACL permission bits. */
export const Perms = {
  READ: 1,
  WRITE: 2,
  CREATE: 4,
  DELETE: 8,
  ADMIN: 16,
  ALL: 31,
} as const
