/**
 * Paddock: a ZooKeeper-compatible coordination store that Node.js applications embed.
 * @module paddock
 */
export { ErrorCode, ZooKeeperError, errorCodeName, zkError } from './errors.js'
export type { ErrorCodeName, ZooKeeperErrorOptions } from './errors.js'
export { validatePath } from './path.js'
export { systemClock, VirtualClock } from './clock.js'
export type { Clock, Timer } from './clock.js'
export { Perms } from './txn/types.js'
export type { ACL, Id } from './txn/types.js'
export { OPEN_ACL_UNSAFE, CREATOR_ALL_ACL, READ_ACL_UNSAFE } from './tree/acl.js'
export { digestId } from './digest.js'
export type { Stat } from './tree/data-tree.js'
export { CreateMode } from './server/requests.js'
export type {
  CreateModeValue,
  ClientInfo,
  MultiResult,
  MultiReadResult,
  MultiCreateResult,
  MultiEmptyResult,
  MultiSetDataResult,
  MultiGetDataResult,
  MultiGetChildrenResult,
  OpErrorResult,
} from './server/requests.js'
export type { AddWatchMode, EventType, WatcherType } from './watch/watch-manager.js'
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
} from './client/events.js'
export { connect } from './client/tcp.js'
export type { AuthCredentials, TcpClientOptions } from './client/tcp.js'
export { parseConnectString } from './client/connect-string.js'
export type { ConnectString, HostAddress } from './client/connect-string.js'
export { retry, isTransient } from './client/retry.js'
export type { RetryOptions } from './client/retry.js'
export type { Transaction } from './client/transaction.js'
export type { WatchStream, WatchStreamOptions } from './client/watch-stream.js'
export type {
  CheckOp,
  CreatedNode,
  CreateOp,
  CreateOptions,
  Data,
  DeleteOp,
  NodeACL,
  NodeChildren,
  NodeData,
  NodeString,
  Op,
  ReadOp,
  SessionEventsOptions,
  SetDataOp,
  WatchOptions,
  ZooKeeperClient,
} from './client/client.js'
export { createServer, startMember } from './host/server.js'
export type { ConnectOptions, EnsembleLogger, LearnerCounts, MemberServer, MemberStartOptions, MemberStatus, Server, ServerAddress, ServerOptions } from './host/types.js'
export type { MemberOptions } from './server/member.js'
export type { DurabilityOptions } from './server/replication.js'
export type { ClientPortLogger } from './wire/server.js'
export { ConfigError, loadMyid, loadZooCfg, parseZooCfg } from './config/zoo-cfg.js'
export { clientPortAddressDefault, memberOptionsFor, serverOptionsFor } from './host/zoo-cfg-options.js'
export type { ZooCfgServerOptions } from './host/zoo-cfg-options.js'
export type { ServerSpec, ZooConfig } from './config/zoo-cfg.js'
