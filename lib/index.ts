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
export type { ConnectOptions, EnsembleLogger, HealthState, LearnerCounts, MemberConfigs, MemberConfigView, MemberServer, MemberStartOptions, MemberStatus, PeerProtocol, QuorumGroupSpec, Server, ServerAddress, ServerHealth, ServerOptions } from './host/types.js'
export type { MemberOptions } from './server/pipeline-types.js'
export type { DurabilityOptions } from './server/replication.js'
export type { ClientPortLogger } from './wire/types.js'
export { ConfigError, loadMyid, loadZooCfg, parseZooCfg } from './config/zoo-cfg.js'
export { clientPortAddressDefault, memberOptionsFor, metricsOptionsFor, serverOptionsFor, tlsOptionsFor } from './host/zoo-cfg-options.js'
export { TlsConfigError } from './host/tls-stores.js'
export type { ServerTlsOptions } from './host/tls.js'
export type { QuorumTlsOptions } from './host/quorum-tls.js'
export type { QuorumSaslOptions } from './host/quorum-sasl.js'
export type { AdminServerTlsOptions } from './host/types.js'
export type { TlsStoreOptions } from './host/tls-stores.js'
export { AuthConfigError } from './host/sasl.js'
export type { ClientSaslOptions, EnforceAuthOptions } from './host/sasl.js'
export { JaasError, parseJaas, jaasServerUsers, jaasClientCredentials, type JaasClientCredentials, type JaasConfig, type JaasLoginModule } from './config/jaas.js'
export type { ClientAuth } from './wire/server.js'
export type { ZooCfgServerOptions } from './host/zoo-cfg-options.js'
export type { EnvironmentOverride, ServerEndpoint, ServerSpec, ZooCfgAdminBackup, ZooCfgMetrics, ZooCfgParseOptions, ZooCfgQuorumGroup, ZooCfgQuorumGroups, ZooCfgQuorumTls, ZooCfgSasl, ZooCfgStore, ZooCfgTls, ZooConfig } from './config/zoo-cfg.js'
