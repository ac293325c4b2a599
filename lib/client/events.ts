/**
 * The events a client application sees: watch notifications and session state changes,
 * named as ZooKeeper's Watcher.Event enums name them, plus the session events as a
 * discriminated union ({@link SessionEvent}).
 * @module
 */
import type { EventType } from '../protocol/watch.js'

/** Session states a client can be in (Watcher.Event.KeeperState), as the application sees them. */
export type KeeperState = 'SyncConnected' | 'Disconnected' | 'Expired' | 'AuthFailed' | 'ConnectedReadOnly' | 'Closed'

/**
 * The connection state of a client, changed in exactly one place (`setState`), which logs every
 * change as `state: connecting -> connected`.
 * - `connecting`: no session yet, or looking for a server to resume the session on.
 * - `connected` / `connectedReadOnly`: a server holds the session and answers requests.
 * - `disconnected`: the connection was lost; the client is reconnecting within the session timeout.
 * - `expired`, `authFailed`, `closed`: final; every request fails (SESSIONEXPIRED or AUTHFAILED).
 */
export type ConnectionState = 'connecting' | 'connected' | 'connectedReadOnly' | 'disconnected' | 'expired' | 'authFailed' | 'closed'

/** The session is established (first connection or a reconnect), on a read-write server. */
export interface ConnectedEvent {
  /** The discriminant. */
  type: 'connected'
  /** The matching KeeperState. */
  state: 'SyncConnected'
  /** The 64-bit session id. */
  sessionId: bigint
  /** The negotiated session timeout, in ms. */
  sessionTimeoutMs: number
  /** True when an earlier connection of the same session was resumed. */
  reconnected: boolean
  /** The server, as `host:port` (`in-process` for the in-process transport). */
  server: string
}

/** The session is established on a read-only server (only reads are served). */
export interface ConnectedReadOnlyEvent {
  /** The discriminant. */
  type: 'connectedReadOnly'
  /** The matching KeeperState. */
  state: 'ConnectedReadOnly'
  /** The 64-bit session id (0 until a read-write server grants a real one). */
  sessionId: bigint
  /** The negotiated session timeout, in ms. */
  sessionTimeoutMs: number
  /** True when an earlier connection of the same session was resumed. */
  reconnected: boolean
  /** The server, as `host:port`. */
  server: string
}

/** The connection was lost; requests in flight failed with CONNECTIONLOSS and the client reconnects. */
export interface DisconnectedEvent {
  /** The discriminant. */
  type: 'disconnected'
  /** The matching KeeperState. */
  state: 'Disconnected'
  /** Why, in words (socket closed, read timeout, session moved, ...). */
  reason: string
}

/** The server expired the session: ephemerals and watches are gone; open a new client. */
export interface ExpiredEvent {
  /** The discriminant. */
  type: 'expired'
  /** The matching KeeperState. */
  state: 'Expired'
}

/** The server refused credentials given with addAuth; the connection is closed for good. */
export interface AuthFailedEvent {
  /** The discriminant. */
  type: 'authFailed'
  /** The matching KeeperState. */
  state: 'AuthFailed'
  /** The auth scheme that failed. */
  scheme: string
}

/** The application closed the client (or the in-process server shut down). */
export interface ClosedEvent {
  /** The discriminant. */
  type: 'closed'
  /** The matching KeeperState. */
  state: 'Closed'
}

/** Each {@link SessionEvent} by its `type`. */
export interface SessionEventsByType {
  /** See {@link ConnectedEvent}. */
  connected: ConnectedEvent
  /** See {@link ConnectedReadOnlyEvent}. */
  connectedReadOnly: ConnectedReadOnlyEvent
  /** See {@link DisconnectedEvent}. */
  disconnected: DisconnectedEvent
  /** See {@link ExpiredEvent}. */
  expired: ExpiredEvent
  /** See {@link AuthFailedEvent}. */
  authFailed: AuthFailedEvent
  /** See {@link ClosedEvent}. */
  closed: ClosedEvent
}

/** What happened to the session, as a discriminated union on `type`. */
export type SessionEvent = ConnectedEvent | ConnectedReadOnlyEvent | DisconnectedEvent | ExpiredEvent | AuthFailedEvent | ClosedEvent

/** A watch notification or a session event (type `None`, no path). */
export interface WatchedEvent {
  /** What happened; `None` for session state changes. */
  type: EventType
  /** The session state when the event was delivered. */
  state: KeeperState
  /** The znode the event is about; undefined for session events. */
  path: string | undefined
}

/** A session state change as `ZooKeeperClient.onStateChange` delivers it. */
export interface StateChangeEvent extends WatchedEvent {
  /** Always `None`: a session event, not a znode event. */
  type: 'None'
  /** No znode. */
  path: undefined
  /** The same change as a {@link SessionEvent}. */
  session: SessionEvent
}

/** A watch callback: called at most once for a one-shot watch, every time for a persistent one. */
export type WatchCallback = (event: WatchedEvent) => void

/** Where a client logs its state changes and connection trouble. */
export interface ClientLogger {
  /** State changes (`state: connecting -> connected`) and reconnects. */
  info(message: string): void
  /** Connection failures and protocol errors. */
  warn(message: string): void
}

/** A logger that drops everything: the default, since a library should not print. */
export const silentLogger: ClientLogger = { info: () => {}, warn: () => {} }
