/**
 * From a parsed zoo.cfg to the options `createServer` and `startMember` take: the one mapping of
 * ZooKeeper's keys onto Paddock's, shared by `paddock server` and applications that embed a
 * member configured by zoo.cfg.
 * @module
 */
import { enforcedSchemes } from '../config/zoo-cfg-sasl.js'
import type { QuorumSaslOptions } from './quorum-sasl.js'
import type { QuorumTlsOptions } from './quorum-tls.js'
import { resolve } from 'node:path'
import { clientPortDefault } from '../client/connect-string.js'
import type { ZooCfgStore, ZooConfig } from '../config/zoo-cfg.js'
import type { ServerTlsOptions, TlsStoreOptions } from './tls.js'
import type { AdminServerTlsOptions, MemberStartOptions, ServerOptions } from './types.js'

/** {@link ServerOptions} from a zoo.cfg: where to listen and the data directory are always set. */
export interface ZooCfgServerOptions extends ServerOptions {
  /** Client port address: clientPortAddress, the member's `;address:port`, or every address. */
  host: string
  /**
   * Client port: clientPort, the member's `;port`, or 2181; undefined when the file sets only
   * secureClientPort (then no port speaks plain text, as in ZooKeeper).
   */
  port: number | undefined
  /** dataDir, absolute (`./data` resolved when unset). */
  dataDir: string
  /** The zoo.cfg text, for the admin server's `initial_configuration`. */
  initialConfiguration: string
}

/** Where a server configured by zoo.cfg binds its client port when the file names no address. */
export const clientPortAddressDefault = '0.0.0.0'

/**
 * The client port a zoo.cfg gives member `myid` (or a standalone server): clientPort, else the
 * member's `;port`, else 2181 — unless the file sets secureClientPort: then only what it names.
 */
function clientPortOf(config: ZooConfig, myid: number | undefined): number | undefined {
  const named = config.clientPort ?? config.servers.find((s) => s.id === myid)?.clientPort
  return named ?? (config.secureClientPort === undefined ? clientPortDefault : undefined)
}

function storeOptions(store: ZooCfgStore): TlsStoreOptions | undefined {
  if (store.location === undefined) return undefined
  return { location: resolve(store.location), password: store.password, passwordPath: store.passwordPath, type: store.type }
}

/**
 * The admin server's HTTPS as a zoo.cfg asks for it (admin.forceHttps): the ssl.quorum key store,
 * and with admin.needClientAuth the ssl.quorum trust store; the x509 super user is the client
 * port's.
 */
function adminTlsOptionsFor(config: ZooConfig): AdminServerTlsOptions {
  const { quorum, x509SuperUser } = config.tls
  return {
    keyStore: storeOptions(quorum.keyStore),
    ...(config.adminNeedClientAuth ? { needClientAuth: true, trustStore: storeOptions(quorum.trustStore) } : {}),
    ...(x509SuperUser === undefined ? {} : { x509SuperUser }),
  }
}

/**
 * The TLS options a zoo.cfg asks for: secureClientPort and its address, the `ssl.*` stores and
 * settings, port unification, certificate reload and the x509 superuser. Undefined when no port
 * speaks TLS.
 */
export function tlsOptionsFor(config: ZooConfig): ServerTlsOptions | undefined {
  const { tls } = config
  if (config.secureClientPort === undefined && !tls.portUnification) return undefined
  return {
    // ZooKeeper binds secureClientPort to secureClientPortAddress or every address: clientPortAddress does not apply.
    ...(config.secureClientPort === undefined ? {} : { port: config.secureClientPort, host: config.secureClientPortAddress ?? clientPortAddressDefault }),
    keyStore: storeOptions(tls.keyStore),
    trustStore: storeOptions(tls.trustStore),
    clientAuth: tls.clientAuth ?? 'need',
    protocol: tls.protocol,
    enabledProtocols: tls.enabledProtocols,
    ciphersuites: tls.ciphersuites,
    clientHostnameVerification: tls.hostnameVerification && tls.clientHostnameVerification,
    portUnification: tls.portUnification,
    certReload: tls.certReload,
    x509SuperUser: tls.x509SuperUser,
  }
}

/**
 * SASL and enforced authentication as a zoo.cfg asks: the JAAS file (made absolute) and its
 * section, the SASL superuser, and the schemes enforcement requires (sessionRequireClientSASLAuth
 * meaning `sasl`).
 */
export function authOptionsFor(config: ZooConfig): Pick<ServerOptions, 'sasl' | 'enforceAuth'> {
  const { sasl } = config
  const schemes = enforcedSchemes(sasl)
  return {
    // A JAAS file given for quorum SASL may have no client section: then clients get no SASL.
    ...(sasl.jaasFile === undefined
      ? {}
      : { sasl: { jaasFile: resolve(sasl.jaasFile), section: sasl.serverSection, superUser: sasl.superUser, ...(sasl.quorumEnableSasl ? { sectionOptional: true } : {}) } }),
    ...(schemes === undefined ? {} : { enforceAuth: { schemes } }),
  }
}

/**
 * Member-to-member TLS as a zoo.cfg asks (sslQuorum=true, or portUnification=true, with the
 * `ssl.quorum.*` stores), or undefined.
 */
export function quorumTlsOptionsFor(config: ZooConfig): QuorumTlsOptions | undefined {
  const quorum = config.tls.quorum
  const keyStore = storeOptions(quorum.keyStore)
  const trustStore = storeOptions(quorum.trustStore)
  if (!(quorum.enabled || quorum.portUnification) || keyStore === undefined || trustStore === undefined) return undefined
  return {
    dialTls: quorum.enabled,
    portUnification: quorum.portUnification,
    keyStore,
    trustStore,
    hostnameVerification: quorum.hostnameVerification,
    protocol: quorum.protocol,
    enabledProtocols: quorum.enabledProtocols,
    ciphersuites: quorum.ciphersuites,
    reloadCertFiles: quorum.reloadCertFiles,
  }
}

/**
 * Member-to-member SASL as a zoo.cfg asks (`quorum.auth.enableSasl=true`, the require switches, and
 * the JAAS file, made absolute, with its `quorum.auth.*.saslLoginContext` sections), or undefined.
 */
export function quorumSaslOptionsFor(config: ZooConfig): QuorumSaslOptions | undefined {
  const { sasl } = config
  if (!sasl.quorumEnableSasl || sasl.jaasFile === undefined) return undefined
  return {
    jaasFile: resolve(sasl.jaasFile),
    learnerSection: sasl.quorumLearnerSection,
    serverSection: sasl.quorumServerSection,
    learnerRequireSasl: sasl.quorumLearnerRequireSasl,
    serverRequireSasl: sasl.quorumServerRequireSasl,
  }
}

/**
 * The address a zoo.cfg gives the client port: clientPortAddress, else the member's
 * `;address:port`, else every address, as ZooKeeper binds it (clients on other hosts must reach it).
 */
function clientAddressOf(config: ZooConfig, myid: number | undefined): string {
  return config.clientPortAddress ?? config.servers.find((s) => s.id === myid)?.clientAddress ?? clientPortAddressDefault
}

/**
 * Where a zoo.cfg's Prometheus endpoint listens: `metricsProvider.httpPort` on
 * `metricsProvider.httpHost` when `metricsProvider.className` is ZooKeeper's
 * PrometheusMetricsProvider, else nowhere. Without `httpHost` it binds loopback (ZooKeeper binds
 * every address): set `metricsProvider.httpHost=0.0.0.0` for a Prometheus on another host.
 */
export function metricsOptionsFor(config: ZooConfig): Pick<ServerOptions, 'metricsPort' | 'metricsHost'> {
  if (!config.metrics.prometheus) return {}
  return { metricsPort: config.metrics.port, ...(config.metrics.host === undefined ? {} : { metricsHost: config.metrics.host }) }
}

/**
 * The {@link ServerOptions} a zoo.cfg stands for: client address and port, dataDir (made
 * absolute; `./data` when unset), tick time, session limits, jute.maxbuffer, maxClientCnxns,
 * maxCnxns, globalOutstandingLimit, the four-letter-word whitelist, snapshots and purge, TTL
 * nodes, quota enforcement, read-only mode, the container sweep's interval, super digest, the admin server, the Prometheus endpoint
 * ({@link metricsOptionsFor}), the file's text (for `initial_configuration`), and TLS on the
 * client port ({@link tlsOptionsFor}).
 * `myid` picks the member's `;address:port` from its server line when the file sets no clientPort.
 */
export function serverOptionsFor(config: ZooConfig, myid?: number): ZooCfgServerOptions {
  const host = clientAddressOf(config, myid)
  const tls = tlsOptionsFor(config)
  return {
    dataDir: resolve(config.dataDir ?? './data'),
    port: clientPortOf(config, myid),
    host,
    ...(tls === undefined ? {} : { tls }),
    ...authOptionsFor(config),
    tickTimeMs: config.tickTimeMs,
    minSessionTimeoutMs: config.minSessionTimeoutMs,
    maxSessionTimeoutMs: config.maxSessionTimeoutMs,
    maxDataBytes: config.juteMaxBuffer,
    maxClientCnxns: config.maxClientCnxns,
    maxCnxns: config.maxCnxns,
    globalOutstandingLimit: config.globalOutstandingLimit,
    fourLetterWordsWhitelist: config.fourLetterWordsWhitelist,
    snapCount: config.snapCount,
    snapRetainCount: config.snapRetainCount,
    purgeIntervalHours: config.purgeIntervalHours,
    extendedTypesEnabled: config.extendedTypesEnabled,
    enforceQuota: config.enforceQuota,
    ...(config.readOnlyModeEnabled ? { readOnlyModeEnabled: true } : {}),
    localSessionsEnabled: config.localSessionsEnabled,
    localSessionsUpgradingEnabled: config.localSessionsUpgradingEnabled,
    ...(config.containerCheckIntervalMs === undefined ? {} : { containerCheckIntervalMs: config.containerCheckIntervalMs }),
    initialConfiguration: config.text,
    ...metricsOptionsFor(config),
    ...(config.superDigest === undefined ? {} : { superDigest: config.superDigest }),
    ...(config.adminServerPort === undefined ? {} : { adminServerPort: config.adminServerPort }),
    ...(config.adminServerAddress === undefined ? {} : { adminServerHost: config.adminServerAddress }),
    ...(config.adminConsoleEnabled ? { adminConsoleEnabled: true } : {}),
    ...(config.adminBackup.snapshotEnabled ? { adminSnapshotEnabled: true } : {}),
    ...(config.adminBackup.restoreEnabled ? { adminRestoreEnabled: true } : {}),
    ...(config.adminBackup.allowRemote ? { adminSnapshotAllowRemote: true } : {}),
    ...(config.adminBackup.rateLimiterIntervalMs === undefined ? {} : { adminRateLimiterIntervalMs: config.adminBackup.rateLimiterIntervalMs }),
    ...(config.adminForceHttps ? { adminServerTls: adminTlsOptionsFor(config) } : {}),
  }
}

/**
 * The {@link MemberStartOptions} of ensemble member `myid` under a zoo.cfg: everything
 * {@link serverOptionsFor} maps, plus the server list, reconfigEnabled with the configuration's
 * version and the file (which a reconfig rewrites, as ZooKeeper does), initLimit and syncLimit, hierarchical
 * quorums (`group.G`, `weight.ID`), quorumListenOnAllIPs, electionPortBindRetry, leaderServes, peerProtocol,
 * member-to-member TLS (`quorumTlsOptionsFor`) and SASL (`quorumSaslOptionsFor`).
 *
 * ```ts
 * const config = await loadZooCfg('/etc/paddock/zoo.cfg')
 * const member = await startMember(memberOptionsFor(config, await loadMyid(config)))
 * ```
 */
export function memberOptionsFor(config: ZooConfig, myid: number): MemberStartOptions {
  const quorumTls = quorumTlsOptionsFor(config)
  const quorumSasl = quorumSaslOptionsFor(config)
  return {
    ...serverOptionsFor(config, myid),
    myid,
    servers: config.servers,
    initLimit: config.initLimit,
    syncLimit: config.syncLimit,
    standaloneEnabled: config.standaloneEnabled,
    reconfigEnabled: config.reconfigEnabled,
    configVersion: config.configVersion,
    ...(config.file === '' ? {} : { zooCfgPath: resolve(config.file) }),
    ...(config.quorumGroups === undefined ? {} : { quorumGroups: config.quorumGroups.groups, quorumWeights: config.quorumGroups.weights }),
    quorumListenOnAllIPs: config.quorumListenOnAllIPs,
    electionPortBindRetry: config.electionPortBindRetry,
    leaderServes: config.leaderServes,
    ...(config.peerProtocol === 'paddock' ? {} : { peerProtocol: config.peerProtocol }),
    ...(quorumTls === undefined ? {} : { quorumTls }),
    ...(quorumSasl === undefined ? {} : { quorumSasl }),
  }
}
