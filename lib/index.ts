/**
 * Paddock: a ZooKeeper-compatible coordination store that Node.js applications embed.
 * @module paddock
 */
export { ErrorCode, ZooKeeperError, errorCodeName, zkError } from './errors.js'
export type { ErrorCodeName, ZooKeeperErrorOptions } from './errors.js'
export { validatePath } from './path.js'
export { systemClock, VirtualClock } from './clock.js'
export type { Clock, Timer } from './clock.js'
export { CREATOR_ALL_ACL, OPEN_ACL_UNSAFE, Perms, READ_ACL_UNSAFE } from './protocol/data.js'
export type { ACL, ClientInfo, Id, Stat } from './protocol/data.js'
export { digestId } from './digest.js'
export { CreateMode } from './protocol/create-mode.js'
export type { CreateModeValue } from './protocol/create-mode.js'
export type {
  MultiResult,
  MultiReadResult,
  MultiCreateResult,
  MultiEmptyResult,
  MultiSetDataResult,
  MultiGetDataResult,
  MultiGetChildrenResult,
  OpErrorResult,
} from './protocol/requests.js'
export type { AddWatchMode, EventType, WatcherType } from './protocol/watch.js'
// The client's public surface is lib/client/index.ts; one list, kept there.
export * from './client/index.js'
export { createServer, startMember } from './host/server.js'
export type { ConnectOptions, EnsembleLogger, HealthState, LearnerCounts, MemberServer, MemberStartOptions, MemberStatus, Server, ServerAddress, ServerHealth, ServerOptions } from './host/types.js'
export type { MemberOptions } from './server/pipeline-types.js'
export type { DurabilityOptions } from './server/replication.js'
export type { ClientPortLogger } from './wire/types.js'
export { ConfigError, loadMyid, loadZooCfg, parseZooCfg } from './config/zoo-cfg.js'
export { clientPortAddressDefault, memberOptionsFor, serverOptionsFor, tlsOptionsFor } from './host/zoo-cfg-options.js'
export { TlsConfigError } from './host/tls-stores.js'
export type { ServerTlsOptions } from './host/tls.js'
export type { TlsStoreOptions } from './host/tls-stores.js'
export type { ClientAuth } from './wire/server.js'
export type { ZooCfgServerOptions } from './host/zoo-cfg-options.js'
export type { ServerSpec, ZooCfgStore, ZooCfgTls, ZooConfig } from './config/zoo-cfg.js'
