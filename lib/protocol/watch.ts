/**
 * The watch vocabulary shared by the server's watch manager, the wire mapping and the client:
 * event types (`Watcher.Event.EventType`), watcher types (`Watcher.WatcherType`), addWatch modes
 * (`ZooDefs.AddWatchModes`) and the notification a watch delivers. Their jute numbers are in
 * ./opcodes.ts.
 * @module
 */

/** Event types of a watch notification (Watcher.Event.EventType). */
export type EventType =
  | 'None'
  | 'NodeCreated'
  | 'NodeDeleted'
  | 'NodeDataChanged'
  | 'NodeChildrenChanged'
  | 'DataWatchRemoved'
  | 'ChildWatchRemoved'
  | 'PersistentWatchRemoved'

/** A watch notification as the server sends it: the type, the path, and the zxid that caused it. */
export interface WatchNotification {
  /** What happened. */
  type: EventType
  /** The znode it happened to. */
  path: string
  /** The zxid of the change (ReplyHeader.zxid of the notification). */
  zxid: number
}

/** Which kind of watch a request names (ZooKeeper WatcherType). */
export type WatcherType = 'children' | 'data' | 'any' | 'persistent' | 'persistentRecursive'

/** Mode of addWatch (ZooDefs.AddWatchModes). */
export type AddWatchMode = 'persistent' | 'persistentRecursive'
