/**
 * The client's public surface, and the only client module lib/recipes imports: the
 * {@link ZooKeeperClient} API and its types, `connect()` and its options, session and watch
 * events, transactions, watch streams, connect strings and retry. The vocabulary those types use
 * (Stat, ACL, CreateMode, watch types, multi results) comes from lib/protocol.
 * @module
 */
export type {
  AuthFailedEvent,
  ClientLogger,
  ClosedEvent,
  ConnectedEvent,
  ConnectedReadOnlyEvent,
  ConnectionState,
  DisconnectedEvent,
  ExpiredEvent,
  KeeperState,
  SessionEvent,
  SessionEventsByType,
  StateChangeEvent,
  WatchCallback,
  WatchedEvent,
} from './events.js'
export { connect } from './tcp.js'
export { parseConnectString } from './connect-string.js'
export type { ConnectString, HostAddress } from './connect-string.js'
export { isTransient, retry } from './retry.js'
export type { RetryOptions } from './retry.js'
export type {
  AuthCredentials,
  CheckOp,
  CreatedNode,
  CreateOp,
  CreateOptions,
  Data,
  DeleteOp,
  NodeACL,
  NodeChildren,
  NodeData,
  ReconfigChange,
  NodeString,
  Op,
  ReadOp,
  SessionEventsOptions,
  SetDataOp,
  TcpClientOptions,
  TcpTlsOptions,
  TcpSaslOptions,
  Transaction,
  WatchOptions,
  WatchStream,
  WatchStreamOptions,
  ZooKeeperClient,
} from './types.js'
