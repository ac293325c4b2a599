/**
 * Every zoo.cfg key Paddock reads, the names one setting goes by, and the rule that gives each key
 * its `PADDOCK_*` environment variable.
 *
 * ZooKeeper reads some settings only as Java system properties (`-Dzookeeper.maxCnxns=…`); a
 * zoo.cfg key it does not know becomes the system property `zookeeper.<key>`. Paddock has no JVM,
 * so zoo.cfg takes those settings under their system property name as well as under the name
 * ZooKeeper's zoo.cfg gives them (`zookeeper.maxCnxns` and `maxCnxns` are one setting).
 * @module
 */
import { quorumSaslKeys } from './zoo-cfg-sasl.js'

/** Where a setting that Paddock reads but that changes nothing is explained: the warning's text. */
export interface NoEffectKey {
  /** What its value must be: true or false, or an integer of at least 0. */
  readonly kind: 'flag' | 'count'
  /** Why the key changes nothing (the end of the warning). */
  readonly why: string
  /** The values that ask for nothing Paddock lacks: no warning for these. */
  readonly harmless?: (value: string) => boolean
}

/**
 * Settings ZooKeeper takes as system properties whose zoo.cfg name drops the `zookeeper.` prefix.
 * Each is read under either name; the system property name is the canonical one.
 */
const prefixedProperties: readonly string[] = [
  'zookeeper.globalOutstandingLimit',
  'zookeeper.extendedTypesEnabled',
  'zookeeper.maxCnxns',
  'zookeeper.enforceQuota',
  'zookeeper.snapshot.trust.empty',
  'zookeeper.request_throttle_max_requests',
  'zookeeper.request_throttle_stall_time',
  'zookeeper.request_throttle_drop_stale',
  'zookeeper.DigestAuthenticationProvider.superDigest',
  'zookeeper.X509AuthenticationProvider.superUser',
  'zookeeper.fips-mode',
  'zookeeper.sasl.serverconfig',
  'zookeeper.superUser',
  'zookeeper.enforce.auth.enabled',
  'zookeeper.enforce.auth.schemes',
  'zookeeper.sessionRequireClientSASLAuth',
  'zookeeper.leaderServes',
  'zookeeper.electionPortBindRetry',
  'zookeeper.multiAddress.enabled',
  'zookeeper.multiAddress.reachabilityCheckEnabled',
  'zookeeper.multiAddress.reachabilityCheckTimeoutMs',
]

/** Other names of a setting, to its canonical name. */
const aliases: ReadonlyMap<string, string> = new Map([
  ...prefixedProperties.map((name) => [name.slice('zookeeper.'.length), name] as const),
  ['superDigest', 'zookeeper.DigestAuthenticationProvider.superDigest'],
])

/** The canonical name of `key`: its system property name when it has one, else `key` itself. */
export function canonicalKey(key: string): string {
  return aliases.get(key) ?? key
}

/** The keys of ZooKeeper's QuorumPeerConfig and system properties that Paddock reads (canonical names). */
const coreKeys: readonly string[] = [
  'tickTime', 'initLimit', 'syncLimit', 'dataDir', 'dataLogDir', 'clientPort', 'clientPortAddress',
  'secureClientPort', 'secureClientPortAddress', 'maxClientCnxns', 'minSessionTimeout', 'maxSessionTimeout',
  'autopurge.snapRetainCount', 'autopurge.purgeInterval', 'snapCount', 'jute.maxbuffer', '4lw.commands.whitelist',
  'admin.serverPort', 'admin.serverAddress', 'admin.enableServer', 'admin.console.enabled', 'admin.forceHttps', 'admin.needClientAuth',
  'admin.snapshot.enabled', 'admin.restore.enabled', 'admin.snapshot.allowRemote', 'admin.rateLimiterIntervalInMS',
  'admin.portUnification', 'dynamicConfigFile',
  'standaloneEnabled', 'reconfigEnabled', 'localSessionsEnabled', 'localSessionsUpgradingEnabled', 'preAllocSize', 'forceSync', 'electionAlg', 'quorumListenOnAllIPs',
  'znode.container.checkIntervalMs', 'znode.container.maxPerMinute', 'znode.container.maxNeverUsedIntervalMs',
  'metricsProvider.className', 'metricsProvider.httpHost', 'metricsProvider.httpPort', 'metricsProvider.exportJvmInfo',
  'metricsProvider.numWorkerThreads', 'metricsProvider.maxQueueSize', 'metricsProvider.workerShutdownTimeoutMs',
  'readonlymode.enabled', 'peerProtocol',
  ...prefixedProperties,
]

/** The TLS keys, client port and member-to-member (lib/config/zoo-cfg-tls.ts reads them). */
const tlsKeys: readonly string[] = [
  ...['keyStore', 'trustStore'].flatMap((store) => ['location', 'password', 'passwordPath', 'type'].map((field) => `ssl.${store}.${field}`)),
  'ssl.clientAuth', 'ssl.protocol', 'ssl.enabledProtocols', 'ssl.ciphersuites', 'ssl.hostnameVerification',
  'ssl.clientHostnameVerification', 'client.portUnification', 'client.certReload', 'serverCnxnFactory', 'ssl.authProvider',
  'ssl.crl', 'ssl.ocsp', 'sslQuorum', 'ssl.context.supplier.class', 'ssl.handshakeDetectionTimeoutMillis', 'ssl.sslProvider',
  'ssl.allowReverseDnsLookup',
  ...['keyStore', 'trustStore'].flatMap((store) => ['location', 'password', 'passwordPath', 'type'].map((field) => `ssl.quorum.${store}.${field}`)),
  'ssl.quorum.hostnameVerification', 'ssl.quorum.protocol', 'ssl.quorum.enabledProtocols', 'ssl.quorum.ciphersuites',
  'ssl.quorum.clientAuth', 'ssl.quorum.crl', 'ssl.quorum.ocsp', 'ssl.quorum.handshakeDetectionTimeoutMillis', 'ssl.quorum.sslProvider',
  'ssl.quorum.context.supplier.class', 'portUnification', 'sslQuorumReloadCertFiles',
]

/** The authentication keys (lib/config/zoo-cfg-sasl.ts reads them), besides the `zookeeper.` ones above. */
const saslKeys: readonly string[] = ['jaasLoginConfig', 'java.security.auth.login.config', ...quorumSaslKeys]

/** Every named key Paddock reads, under each of its names (families like `server.N` aside). */
export const zooCfgKeys: readonly string[] = [...new Set([...coreKeys, ...tlsKeys, ...saslKeys, ...aliases.keys()])]

/** Key families with a number after the dot: the ensemble, quorum groups and weights, auth providers. */
const numberedFamilies: readonly string[] = ['server', 'group', 'weight', 'authProvider']

const requestThrottler = 'Paddock has no RequestThrottler; globalOutstandingLimit bounds the requests in flight on the client port instead'

/**
 * Keys Paddock accepts and reads but that change nothing, by canonical name, each with the
 * warning's reason; a value in `harmless` asks for what Paddock does anyway and is not warned about.
 */
export const noEffectKeys: ReadonlyMap<string, NoEffectKey> = new Map<string, NoEffectKey>([
  ['znode.container.maxPerMinute', { kind: 'count', why: 'Paddock deletes every empty container a sweep finds (one sweep every znode.container.checkIntervalMs)' }],
  ['znode.container.maxNeverUsedIntervalMs', { kind: 'count', why: 'Paddock never deletes a container that never had a child', harmless: (v) => v.trim() === '0' }],
  ['zookeeper.snapshot.trust.empty', { kind: 'flag', why: 'Paddock rebuilds a dataDir without snapshots from its log when the log reaches back to the first transaction, and refuses to start otherwise' }],
  ['zookeeper.request_throttle_max_requests', { kind: 'count', why: requestThrottler, harmless: (v) => v.trim() === '0' }],
  ['zookeeper.request_throttle_stall_time', { kind: 'count', why: requestThrottler }],
  ['zookeeper.request_throttle_drop_stale', { kind: 'flag', why: requestThrottler }],
  ['zookeeper.multiAddress.reachabilityCheckEnabled', { kind: 'flag', why: 'Paddock tries a member\'s addresses in turn by connecting to them, starting with the one that worked last', harmless: (v) => /^(true|yes)$/i.test(v.trim()) }],
  ['zookeeper.multiAddress.reachabilityCheckTimeoutMs', { kind: 'count', why: 'each connection attempt to one of a member\'s addresses is bounded by the peer connect timeout (5000 ms)' }],
  ['metricsProvider.exportJvmInfo', { kind: 'flag', why: 'Paddock runs no JVM; the process_* figures are always exported' }],
  ['metricsProvider.numWorkerThreads', { kind: 'count', why: 'Paddock computes the summaries when /metrics is scraped' }],
  ['metricsProvider.maxQueueSize', { kind: 'count', why: 'Paddock computes the summaries when /metrics is scraped' }],
  ['metricsProvider.workerShutdownTimeoutMs', { kind: 'count', why: 'Paddock computes the summaries when /metrics is scraped' }],
])

/** The prefix of every environment variable that sets a zoo.cfg key. */
export const envPrefix = 'PADDOCK_'

/**
 * Variables with the prefix that are Paddock's own and name no zoo.cfg key (`PADDOCK_PORT`: the
 * quick start's port; `PADDOCK_CODE_CACHE=off`: the `paddock` command keeps no V8 code cache).
 */
export const ownEnvVariables: ReadonlySet<string> = new Set(['PADDOCK_PORT', 'PADDOCK_CODE_CACHE'])

/**
 * The environment variable that sets `key`: `PADDOCK_`, then the key in upper case with every
 * character other than a letter or digit made `_` (`znode.container.checkIntervalMs` is
 * `PADDOCK_ZNODE_CONTAINER_CHECKINTERVALMS`, `server.1` is `PADDOCK_SERVER_1`).
 */
export function envVariableOf(key: string): string {
  return envPrefix + key.toUpperCase().replace(/[^A-Z0-9]/g, '_')
}

const namedByVariable: ReadonlyMap<string, string> = new Map(zooCfgKeys.map((key) => [envVariableOf(key), key]))

/** The zoo.cfg key `variable` sets, or undefined when it names none Paddock reads. */
export function keyOfEnvVariable(variable: string): string | undefined {
  const named = namedByVariable.get(variable)
  if (named !== undefined) return named
  for (const family of numberedFamilies) {
    const match = new RegExp(`^${envVariableOf(family)}_(\\d+)$`).exec(variable)
    if (match !== null) return `${family}.${match[1] ?? ''}`
  }
  return undefined
}

/** Whether `key` is one Paddock reads (under any of its names, or in a numbered family). */
export function isZooCfgKey(key: string): boolean {
  if (zooCfgKeys.includes(key)) return true
  return numberedFamilies.some((family) => new RegExp(`^${family}\\.\\d+$`).test(key))
}
