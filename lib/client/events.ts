/**
 * The events a client application sees: watch notifications and session state changes,
 * named as ZooKeeper's Watcher.Event enums name them.
 * @module
 */
import type { EventType } from '../watch/watch-manager.js'

export type { EventType }

/** Session states a client can be in (Watcher.Event.KeeperState), as the application sees them. */
export type KeeperState = 'SyncConnected' | 'Disconnected' | 'Expired' | 'AuthFailed' | 'ConnectedReadOnly' | 'Closed'

/** A watch notification or a session event (type `None`, no path). */
export interface WatchedEvent {
  /** What happened; `None` for session state changes. */
  type: EventType
  /** The session state when the event was delivered. */
  state: KeeperState
  /** The znode the event is about; undefined for session events. */
  path: string | undefined
}

/** A watch callback: called at most once for a one-shot watch, every time for a persistent one. */
export type WatchCallback = (event: WatchedEvent) => void
