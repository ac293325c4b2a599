/**
 * The numbers of the ZooKeeper client protocol: opcodes, special xids, watcher event types and
 * keeper states, watcher types and add-watch modes, with the tables between the watch names of
 * ./watch.ts and their numbers. (Create modes are in ./create-mode.ts, permissions in ./data.ts.)
 *
 * Every value is checked against apache/zookeeper@release-3.9.5: `ZooDefs.java` (OpCode,
 * AddWatchModes), `Watcher.java` (Event.EventType, Event.KeeperState, WatcherType),
 * `ClientCnxn.java` (special xids).
 * @module
 */
import type { AddWatchMode as AddWatchModeName, EventType as EventTypeName, WatcherType as WatcherTypeName } from './watch.js'

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
} as const satisfies Record<EventTypeName, number>

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
} as const satisfies Record<AddWatchModeName, number>

/** The `WatcherType` number of each watcher type name. */
export const watcherTypeCodes: Readonly<Record<WatcherTypeName, number>> = {
  children: WatcherType.Children,
  data: WatcherType.Data,
  any: WatcherType.Any,
  persistent: WatcherType.Persistent,
  persistentRecursive: WatcherType.PersistentRecursive,
}

function reverse<Name extends string>(codes: Readonly<Record<Name, number>>): ReadonlyMap<number, Name> {
  return new Map(Object.entries(codes).map(([name, code]) => [code as number, name as Name]))
}

const watcherTypesByCode = reverse(watcherTypeCodes)
const addWatchModesByCode = reverse<AddWatchModeName>(AddWatchMode)
const eventTypesByCode = reverse<EventTypeName>(EventType)

/** The watcher type name of a `WatcherType` number, or undefined for a number ZooKeeper rejects. */
export function watcherTypeOf(code: number): WatcherTypeName | undefined {
  return watcherTypesByCode.get(code)
}

/** The addWatch mode name of an `AddWatchModes` number, or undefined for a number ZooKeeper rejects. */
export function addWatchModeOf(code: number): AddWatchModeName | undefined {
  return addWatchModesByCode.get(code)
}

/** The event type name of an `EventType` number, or undefined for a number ZooKeeper does not define. */
export function eventTypeOf(code: number): EventTypeName | undefined {
  return eventTypesByCode.get(code)
}
