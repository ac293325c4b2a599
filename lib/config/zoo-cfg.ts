/**
 * zoo.cfg and myid: ZooKeeper's configuration files (QuorumPeerConfig), parsed into Paddock's
 * settings with errors that name the file and line, and warnings where ZooKeeper warns.
 * @module
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import {
  electionPortBindRetryDefault,
  electionPortBindRetryMax,
  initLimitTicksDefault,
  juteMaxBufferBytes,
  maxClientCnxnsDefault,
  globalOutstandingLimitDefault,
  maxSessionTimeoutTicks,
  minSessionTimeoutTicks,
  snapCountDefault,
  snapRetainCountMin,
  syncLimitTicksDefault,
  zooCfgTickTimeMsDefault,
} from '../limits.js'
import { environmentLines, type EnvironmentOverride } from './zoo-cfg-env.js'
import { canonicalKey, isZooCfgKey, noEffectKeys } from './zoo-cfg-keys.js'
import { applyTlsKey, quorumTlsKey, quorumTlsProblem, tlsDefaults, tlsProblem, type ZooCfgTls } from './zoo-cfg-tls.js'
import { applySaslKey, quorumSaslProblem, saslDefaults, type ZooCfgSasl } from './zoo-cfg-sasl.js'
import { isQuorumGroupKey, quorumGroupsOf, type ZooCfgQuorumGroups } from './zoo-cfg-quorum.js'

export type { ZooCfgQuorumTls, ZooCfgStore, ZooCfgTls } from './zoo-cfg-tls.js'
export type { ZooCfgSasl } from './zoo-cfg-sasl.js'
export type { EnvironmentOverride } from './zoo-cfg-env.js'
export type { ZooCfgQuorumGroup, ZooCfgQuorumGroups } from './zoo-cfg-quorum.js'

/** The class name of ZooKeeper's Prometheus metrics provider (zoo.cfg's `metricsProvider.className`). */
export const prometheusMetricsProviderClass = 'org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider'

/** Metrics providers that export nothing over HTTP: ZooKeeper's default one and its null one. */
const quietMetricsProviders: ReadonlySet<string> = new Set([
  'org.apache.zookeeper.metrics.impl.DefaultMetricsProvider',
  'org.apache.zookeeper.metrics.impl.NullMetricsProvider',
])

/** ZooKeeper's PrometheusMetricsProvider port, when zoo.cfg names the class but no `metricsProvider.httpPort`. */
export const metricsProviderHttpPortDefault = 7000

/** The Prometheus endpoint a zoo.cfg asks for (`metricsProvider.*`). */
export interface ZooCfgMetrics {
  /** Whether `metricsProvider.className` is ZooKeeper's PrometheusMetricsProvider: then `/metrics` is served. */
  prometheus: boolean
  /** `metricsProvider.httpHost`; undefined: loopback (ZooKeeper binds every address). */
  host: string | undefined
  /** `metricsProvider.httpPort` (7000 unless set). */
  port: number
}

/** One address of a member: where its quorum and election ports listen. */
export interface ServerEndpoint {
  /** Host of the quorum and election ports. */
  host: string
  /** Port followers use to talk to the leader (ZooKeeper's 2888). */
  quorumPort: number
  /** Port of leader election (ZooKeeper's 3888). */
  electionPort: number
}

/** One `server.N` line: a member of the ensemble. */
export interface ServerSpec extends ServerEndpoint {
  /** The server id N (its myid). */
  id: number
  /**
   * Every address of the member, in order of preference, when its line gives more than one
   * (`a1:q1:e1|a2:q2:e2`, ZooKeeper 3.6's multiple addresses); `host`, `quorumPort` and
   * `electionPort` are the first. Members listen on all of them and dial them in turn.
   */
  addresses?: readonly ServerEndpoint[]
  /** A voting participant or a non-voting observer. */
  role: 'participant' | 'observer'
  /** Client address from the `;[address:]port` suffix, when given. */
  clientAddress: string | undefined
  /** Client port from the `;[address:]port` suffix, when given. */
  clientPort: number | undefined
}

/** The zoo.cfg keys of the admin `snapshot` and `restore` commands. */
export interface ZooCfgAdminBackup {
  /** admin.snapshot.enabled: serve `snapshot` (off unless set in Paddock). */
  snapshotEnabled: boolean
  /** admin.restore.enabled: serve `restore` (off unless set in Paddock). */
  restoreEnabled: boolean
  /** admin.snapshot.allowRemote (Paddock's own): serve both to clients not on loopback too. */
  allowRemote: boolean
  /** admin.rateLimiterIntervalInMS: least time between two runs of each, in ms; undefined: the default. */
  rateLimiterIntervalMs: number | undefined
}

/** A parsed zoo.cfg, with ZooKeeper's defaults filled in. */
export interface ZooConfig {
  /** The file it came from ('' for text parsed directly). */
  file: string
  /** The text parsed (the admin server's `initial_configuration` answers it). */
  text: string
  /** Base time unit in ms; 3000 when the file sets no tickTime, as in ZooKeeper (`zooCfgTickTimeMsDefault`). */
  tickTimeMs: number
  /** Ticks a follower may take to connect and sync to the leader. */
  initLimit: number
  /** Ticks a follower may lag behind the leader. */
  syncLimit: number
  /** Snapshot (and, without dataLogDir, log) directory. */
  dataDir: string | undefined
  /** Transaction log directory; Paddock keeps log and snapshots in one LevelDB under dataDir. */
  dataLogDir: string | undefined
  /** Client port. */
  clientPort: number | undefined
  /** Client port bind address. */
  clientPortAddress: string | undefined
  /** Port of the TLS-only client listener (secureClientPort). */
  secureClientPort: number | undefined
  /** Its bind address (secureClientPortAddress). */
  secureClientPortAddress: string | undefined
  /** The client port's TLS settings (`ssl.*`, `client.portUnification`, `client.certReload`, the x509 superuser). */
  tls: ZooCfgTls
  /** Client authentication: the JAAS file with the SASL users, the SASL superuser, enforced authentication. */
  sasl: ZooCfgSasl
  /** The ensemble; empty for a standalone server. */
  servers: ServerSpec[]
  /**
   * The file the `server.N` lines came from when zoo.cfg names one (dynamicConfigFile, ZooKeeper
   * 3.5's dynamic configuration), resolved against zoo.cfg's directory.
   */
  dynamicConfigFile: string | undefined
  /** The configuration version: the hex suffix of the dynamic file's name (`zoo.cfg.dynamic.100000000`), else 0. */
  configVersion: number
  /**
   * Hierarchical or weighted quorums (`group.G`, `weight.ID`), or undefined for a majority of
   * participants (ZooKeeper's default).
   */
  quorumGroups: ZooCfgQuorumGroups | undefined
  /** `multiAddress.enabled`: whether `server.N` lines may give several addresses (default false, as in ZooKeeper). */
  multiAddressEnabled: boolean
  /** `quorumListenOnAllIPs`: the quorum and election ports bind every address instead of the `server.N` host. */
  quorumListenOnAllIPs: boolean
  /** `electionPortBindRetry`: attempts at binding the election port, 1 s apart, before the member gives up (default 3). */
  electionPortBindRetry: number
  /** `leaderServes`: whether the leader accepts client connections (default true; `no` leaves clients to the followers). */
  leaderServes: boolean
  /**
   * `peerProtocol` (Paddock's own key): the protocol spoken on the `server.N` ports, `paddock`
   * (default) or `zookeeper` (Apache ZooKeeper 3.8's, to join an ensemble of Apache members).
   */
  peerProtocol: 'paddock' | 'zookeeper'
  /**
   * `peerType`: what this member says it is, `participant` or `observer`, if set. As in
   * ZooKeeper, its own `server.N` line decides (`:observer` makes an observer); {@link loadMyid}
   * warns when the two disagree.
   */
  peerType: 'participant' | 'observer' | undefined
  /** Whether one participant alone runs standalone (standaloneEnabled, default true); false runs it as an ensemble of one. */
  standaloneEnabled: boolean
  /** reconfigEnabled: whether clients may change the ensemble (dynamic reconfiguration is not implemented yet: reconfig is refused). */
  reconfigEnabled: boolean
  /** Connections per client address, 0 = unlimited. */
  maxClientCnxns: number
  /** Connections to the client port from every address together (`zookeeper.maxCnxns`, or `maxCnxns`), 0 = unlimited. */
  maxCnxns: number
  /** Requests in flight on the client port before it stops reading (ZooKeeper's `globalOutstandingLimit`), 0 = unlimited. */
  globalOutstandingLimit: number
  /** Smallest session timeout granted, ms. */
  minSessionTimeoutMs: number
  /** Largest session timeout granted, ms. */
  maxSessionTimeoutMs: number
  /** Snapshots kept by autopurge. */
  snapRetainCount: number
  /** Hours between autopurges, 0 = off. */
  purgeIntervalHours: number
  /** Transactions between snapshots. */
  snapCount: number
  /** Largest frame and znode data in bytes (jute.maxbuffer). */
  juteMaxBuffer: number
  /** Enabled four-letter words (4lw.commands.whitelist). */
  fourLetterWordsWhitelist: string
  /** The super user's digest, `super:<base64 sha1>`. */
  superDigest: string | undefined
  /** Whether TTL nodes are allowed (zookeeper.extendedTypesEnabled). */
  extendedTypesEnabled: boolean
  /** How often empty containers and expired TTL nodes are removed, ms (`znode.container.checkIntervalMs`); undefined: 60000. */
  containerCheckIntervalMs: number | undefined
  /** Whether hard quotas refuse writes and soft ones are logged (`zookeeper.enforceQuota`). */
  enforceQuota: boolean
  /** Whether a member without a quorum serves read-only clients (the `readonlymode.enabled` system property). */
  readOnlyModeEnabled: boolean
  /** Whether new sessions start local to their member (`localSessionsEnabled`). */
  localSessionsEnabled: boolean
  /** Whether a local session that creates an ephemeral becomes global (`localSessionsUpgradingEnabled`). */
  localSessionsUpgradingEnabled: boolean
  /** The Prometheus endpoint (`metricsProvider.className`, `.httpHost`, `.httpPort`). */
  metrics: ZooCfgMetrics
  /** Port of the HTTP admin server, when enabled. */
  adminServerPort: number | undefined
  /** Address the admin server binds (admin.serverAddress). */
  adminServerAddress: string | undefined
  /** Whether the admin server also serves the web console under /console/ (admin.console.enabled; Paddock's own key). */
  adminConsoleEnabled: boolean
  /** admin.forceHttps: the admin server serves HTTPS only, with the ssl.quorum key store, as ZooKeeper's does. */
  adminForceHttps: boolean
  /** admin.needClientAuth: with admin.forceHttps, a client certificate the ssl.quorum trust store vouches for is required. */
  adminNeedClientAuth: boolean
  /** The admin `snapshot` and `restore` commands' keys. */
  adminBackup: ZooCfgAdminBackup
  /** Keys set by `PADDOCK_*` environment variables (values left out: they may be secrets), in the order read. */
  fromEnvironment: EnvironmentOverride[]
  /** Things ZooKeeper would warn about (even ensembles, unknown keys), and keys that change nothing in Paddock. */
  warnings: string[]
}

/** Options of {@link parseZooCfg} and {@link loadZooCfg}. */
export interface ZooCfgParseOptions {
  /**
   * Environment variables to read `PADDOCK_*` settings from (`process.env` in `paddock server`):
   * each overrides the zoo.cfg key it names (`PADDOCK_` and the key in upper case, every
   * character but a letter or digit made `_`). Without it the file
   * alone counts.
   */
  env?: Readonly<Record<string, string | undefined>>
}

/** A configuration that cannot be used, naming the file and, when known, the line. */
export class ConfigError extends Error {
  /** Stable code for programs: always 'CONFIG'. */
  readonly code = 'CONFIG'
  /** The file at fault. */
  readonly file: string
  /** The 1-based line at fault, when there is one. */
  readonly line: number | undefined

  /** Creates the error; the message is prefixed with `file:line`. */
  constructor(file: string, line: number | undefined, message: string) {
    super(`${file === '' ? 'zoo.cfg' : file}${line === undefined ? '' : `:${line}`}: ${message}`)
    this.name = 'ConfigError'
    this.file = file
    this.line = line
  }
}

/** One `key=value` line of a Java properties file, with its 1-based line number. */
export interface Line {
  /** The key, as written. */
  key: string
  /** The value, blanks around it trimmed. */
  value: string
  /** The 1-based line number (0 for a setting from the environment). */
  line: number
  /** The environment variable the setting came from, when it did not come from the file. */
  variable?: string
}

/** The error for `line` of `file`: it names the file and line, or the environment variable. */
export function lineError(file: string, line: Line | undefined, message: string): ConfigError {
  if (line?.variable !== undefined) return new ConfigError(`${line.variable} (environment)`, undefined, message)
  return new ConfigError(file, line?.line, message)
}

/** Where `line` is, for warnings: `file:line`, or the environment variable. */
function placeOf(file: string, line: Line): string {
  return line.variable !== undefined ? `${line.variable} (environment)` : `${file === '' ? 'zoo.cfg' : file}:${line.line}`
}

/**
 * Java-properties lines: `key=value` or `key: value`, `#`/`!` comments, surrounding blanks trimmed
 * (zoo.cfg, and the client configuration files `paddock shell -client-configuration` reads).
 * @throws ConfigError naming `file` and the line that is no property.
 */
export function propertyLines(text: string, file: string): Line[] {
  const lines: Line[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) return
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(trimmed)
    if (match === null) throw new ConfigError(file, i + 1, `expected key=value, got ${JSON.stringify(trimmed)}`)
    lines.push({ key: match[1] ?? '', value: (match[2] ?? '').trim(), line: i + 1 })
  })
  return lines
}

function integer(file: string, line: Line, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const { key, value } = line
  const n = Number(value)
  if (value === '' || !Number.isInteger(n) || n < min || n > max) {
    throw lineError(file, line, `${key} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`)
  }
  return n
}

function boolean(file: string, line: Line): boolean {
  const { key, value } = line
  if (/^(true|yes)$/i.test(value)) return true
  if (/^(false|no)$/i.test(value)) return false
  throw lineError(file, line, `${key} must be true or false, got ${JSON.stringify(value)}`)
}

/**
 * Parses `host:quorumPort:electionPort[:observer|:participant][;[clientAddress:]clientPort]`, where
 * the address part may list several addresses separated by `|` (ZooKeeper 3.6's multiple
 * addresses: `a1:q1:e1|a2:q2:e2`), each with the same role if it names one.
 */
export function parseServerLine(file: string, line: Line): ServerSpec {
  const id = integer(file, { ...line, key: line.key, value: line.key.slice('server.'.length) }, 1, 255)
  const sections = line.value.split(';')
  const [addressPart = '', clientPart] = sections
  if (sections.length > 2) throw lineError(file, line, `${line.key} must be host:quorumPort:electionPort[:participant|:observer][;[clientAddress:]clientPort], got ${JSON.stringify(line.value)}`)
  const parsed = addressPart.split('|').map((text) => parseServerAddress(file, line, text))
  const roles = new Set(parsed.map((a) => a.role).filter((role) => role !== undefined))
  if (roles.size > 1) throw lineError(file, line, `${line.key}: its addresses name different roles (${[...roles].join(', ')}); a member has one role`)
  const role = [...roles][0] ?? 'participant'
  const addresses = parsed.map(({ host, quorumPort, electionPort }) => ({ host, quorumPort, electionPort }))
  const first = addresses[0] as ServerEndpoint
  const client = clientPart === undefined ? undefined : parseClientAddress(file, line, clientPart)
  return { id, ...first, ...(addresses.length > 1 ? { addresses } : {}), role, clientAddress: client?.address, clientPort: client?.port }
}

/** One `host:quorumPort:electionPort[:role]` of a server line. */
function parseServerAddress(file: string, line: Line, text: string): ServerEndpoint & { role: 'participant' | 'observer' | undefined } {
  const { host, rest } = splitHost(text.trim())
  const parts = rest.split(':')
  if (host === '' || parts.length < 2 || parts.length > 3) {
    throw lineError(file, line, `${line.key} must be host:quorumPort:electionPort[:participant|:observer], got ${JSON.stringify(line.value)}`)
  }
  const port = (value: string | undefined) => integer(file, { ...line, value: value ?? '' }, 1, 65535)
  const role = parts[2]
  if (role !== undefined && role !== 'participant' && role !== 'observer') {
    throw lineError(file, line, `${line.key}: role must be participant or observer, got ${JSON.stringify(role)}`)
  }
  return { host, quorumPort: port(parts[0]), electionPort: port(parts[1]), role }
}

function splitHost(text: string): { host: string; rest: string } {
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    return end < 0 ? { host: '', rest: '' } : { host: text.slice(1, end), rest: text.slice(end + 2) }
  }
  const colon = text.indexOf(':')
  return colon < 0 ? { host: text, rest: '' } : { host: text.slice(0, colon), rest: text.slice(colon + 1) }
}

function parseClientAddress(file: string, line: Line, text: string): { address: string | undefined; port: number } {
  const colon = text.lastIndexOf(':')
  const portText = colon < 0 ? text : text.slice(colon + 1)
  const address = colon < 0 ? undefined : text.slice(0, colon).replace(/^\[|\]$/g, '')
  return { address, port: integer(file, { ...line, value: portText }, 1, 65535) }
}

/** The settings seen so far, by canonical key: the line that set each. */
type Seen = Map<string, Line>

/**
 * Parses zoo.cfg text (from `file`, for messages). With `options.env`, `PADDOCK_*` variables
 * override the keys they name. Throws {@link ConfigError}; warnings are returned.
 */
export function parseZooCfg(text: string, file = '', options: ZooCfgParseOptions = {}): ZooConfig {
  const config = defaults(file, text)
  const lines = withEnvironment(config, propertyLines(text, file), options.env)
  const seen: Seen = new Map()
  const timeouts: { min?: number; max?: number } = {}
  const quorumLines: QuorumLine[] = []
  for (const line of lines) {
    const key = canonicalKey(line.key)
    const previous = seen.get(key)
    if (previous !== undefined) throw lineError(file, line, `${line.key} is set twice (first ${previous.variable === undefined ? `on line ${previous.line}` : `by ${previous.variable}`}${previous.key === line.key ? '' : ` as ${previous.key}`})`)
    seen.set(key, line)
    if (line.key.startsWith('server.')) config.servers.push(parseServerLine(file, line))
    else if (isQuorumGroupKey(line.key)) quorumLines.push({ ...line, file })
    else if (!applyTlsLine(config, file, line) && !applySaslKey(config.sasl, line.key, line.value, (message) => lineError(file, line, message))) applyKey(config, timeouts, file, line)
  }
  const dynamicLine = seen.get('dynamicConfigFile')
  if (dynamicLine !== undefined) readDynamicConfig(config, seen, dynamicLine, quorumLines)
  config.minSessionTimeoutMs = timeouts.min ?? minSessionTimeoutTicks * config.tickTimeMs
  config.maxSessionTimeoutMs = timeouts.max ?? maxSessionTimeoutTicks * config.tickTimeMs
  if (config.minSessionTimeoutMs > config.maxSessionTimeoutMs) {
    throw lineError(file, seen.get('minSessionTimeout'), `minSessionTimeout (${config.minSessionTimeoutMs}) is over maxSessionTimeout (${config.maxSessionTimeoutMs})`)
  }
  checkEnsemble(config, seen)
  checkMultipleAddresses(config, seen)
  config.quorumGroups = quorumGroupsOf(quorumLines, {
    roles: new Map(config.servers.map((s) => [s.id, s.role])),
    error: (line, message) => lineError(line.file, line, message),
    warn: (line, message) => config.warnings.push(`${placeOf(line.file, line)}: ${message}`),
  })
  if (config.quorumGroups === undefined) warnEvenEnsemble(config)
  checkMetrics(config, seen)
  const tlsWrong = tlsProblem(config.secureClientPort, config.tls, (message) => config.warnings.push(`${file === '' ? 'zoo.cfg' : file}: ${message}`))
  if (tlsWrong !== undefined) throw lineError(file, seen.get('secureClientPort') ?? seen.get('client.portUnification'), tlsWrong)
  if (config.adminForceHttps && config.tls.quorum.keyStore.location === undefined) {
    throw lineError(file, seen.get('admin.forceHttps'), "admin.forceHttps=true needs ssl.quorum.keyStore.location: ZooKeeper's admin server serves HTTPS with the quorum key store")
  }
  const needClientAuthWrong = adminClientAuthProblem(config)
  if (needClientAuthWrong !== undefined) throw lineError(file, seen.get('admin.needClientAuth'), needClientAuthWrong)
  const quorumWrong = quorumTlsProblem(config.tls.quorum, config.tls.lines, (message) => config.warnings.push(`${file === '' ? 'zoo.cfg' : file}: ${message}`))
  if (quorumWrong !== undefined) throw lineError(file, seen.get(quorumTlsKey(config.tls.quorum) ?? 'sslQuorum'), quorumWrong)
  const saslWrong = quorumSaslProblem(config.sasl)
  if (saslWrong !== undefined) throw lineError(file, seen.get(saslWrong.key), saslWrong.message)
  return config
}

/**
 * The file's lines with the environment's settings in place: a variable's line replaces the
 * file's line for the same setting (under any of its names) and is otherwise added. Records what
 * came from the environment, and warns about `PADDOCK_*` variables that name no key.
 */
function withEnvironment(config: ZooConfig, fileLines: Line[], env: ZooCfgParseOptions['env']): Line[] {
  if (env === undefined) return fileLines
  const { lines: envLines, unknown } = environmentLines(env)
  for (const variable of unknown) config.warnings.push(`${variable} (environment): names no zoo.cfg key Paddock reads; ignored`)
  const byKey = new Map(envLines.map((line) => [canonicalKey(line.key), line]))
  const replaced = new Map<string, number>()
  const merged: Line[] = []
  for (const line of fileLines) {
    const override = byKey.get(canonicalKey(line.key))
    if (override === undefined) merged.push(line)
    else if (!replaced.has(override.variable)) replaced.set(override.variable, line.line)
  }
  for (const line of envLines) {
    config.fromEnvironment.push({ key: line.key, variable: line.variable, overridesLine: replaced.get(line.variable) })
    merged.push(line)
  }
  return merged
}

/** Applies a TLS line (secureClientPort, `ssl.*`, ...); false when the line is no TLS key. */
function applyTlsLine(config: ZooConfig, file: string, line: Line): boolean {
  if (line.key === 'secureClientPort') {
    config.secureClientPort = integer(file, line, 0, 65535)
    return true
  }
  if (line.key === 'secureClientPortAddress') {
    config.secureClientPortAddress = line.value
    return true
  }
  const where = placeOf(file, line)
  return applyTlsKey(config.tls, line.key, line.value, line.line, (message) => lineError(file, line, message), (message) => config.warnings.push(`${where}: ${message}`))
}

function defaults(file: string, text: string): ZooConfig {
  return {
    file,
    text,
    // ZooKeeper's QuorumPeerConfig keeps ZooKeeperServer.DEFAULT_TICK_TIME (3000) when the file
    // sets no tickTime; the 2000 of zoo_sample.cfg is a value the file sets.
    tickTimeMs: zooCfgTickTimeMsDefault,
    initLimit: initLimitTicksDefault,
    syncLimit: syncLimitTicksDefault,
    dataDir: undefined,
    dataLogDir: undefined,
    clientPort: undefined,
    clientPortAddress: undefined,
    secureClientPort: undefined,
    secureClientPortAddress: undefined,
    tls: tlsDefaults(),
    sasl: saslDefaults(),
    servers: [],
    quorumGroups: undefined,
    multiAddressEnabled: false,
    quorumListenOnAllIPs: false,
    electionPortBindRetry: electionPortBindRetryDefault,
    leaderServes: true,
    peerProtocol: 'paddock',
    peerType: undefined,
    dynamicConfigFile: undefined,
    configVersion: 0,
    standaloneEnabled: true,
    reconfigEnabled: false,
    maxClientCnxns: maxClientCnxnsDefault,
    maxCnxns: 0,
    globalOutstandingLimit: globalOutstandingLimitDefault,
    minSessionTimeoutMs: 0,
    maxSessionTimeoutMs: 0,
    snapRetainCount: snapRetainCountMin,
    purgeIntervalHours: 0,
    snapCount: snapCountDefault,
    juteMaxBuffer: juteMaxBufferBytes,
    fourLetterWordsWhitelist: 'srvr',
    superDigest: undefined,
    extendedTypesEnabled: true,
    containerCheckIntervalMs: undefined,
    enforceQuota: false,
    readOnlyModeEnabled: false,
    localSessionsEnabled: false,
    localSessionsUpgradingEnabled: false,
    metrics: { prometheus: false, host: undefined, port: metricsProviderHttpPortDefault },
    adminServerPort: undefined,
    adminServerAddress: undefined,
    adminConsoleEnabled: false,
    adminForceHttps: false,
    adminNeedClientAuth: false,
    adminBackup: { snapshotEnabled: false, restoreEnabled: false, allowRemote: false, rateLimiterIntervalMs: undefined },
    fromEnvironment: [],
    warnings: [],
  }
}

function applyKey(config: ZooConfig, timeouts: { min?: number; max?: number }, file: string, line: Line): void {
  const { value } = line
  const key = canonicalKey(line.key)
  switch (key) {
    case 'tickTime': config.tickTimeMs = integer(file, line, 1); break
    case 'initLimit': config.initLimit = integer(file, line, 1); break
    case 'syncLimit': config.syncLimit = integer(file, line, 1); break
    case 'dataDir': config.dataDir = value; break
    case 'dataLogDir': config.dataLogDir = value; break
    case 'clientPort': config.clientPort = integer(file, line, 0, 65535); break
    case 'clientPortAddress': config.clientPortAddress = value; break
    case 'maxClientCnxns': config.maxClientCnxns = integer(file, line, 0); break
    case 'zookeeper.maxCnxns': config.maxCnxns = integer(file, line, 0); break
    case 'zookeeper.globalOutstandingLimit': config.globalOutstandingLimit = integer(file, line, 0); break
    case 'minSessionTimeout': timeouts.min = integer(file, line, 1); break
    case 'maxSessionTimeout': timeouts.max = integer(file, line, 1); break
    case 'autopurge.snapRetainCount': config.snapRetainCount = Math.max(snapRetainCountMin, integer(file, line, 1)); break
    case 'autopurge.purgeInterval': config.purgeIntervalHours = integer(file, line, 0); break
    case 'snapCount': config.snapCount = integer(file, line, 2); break
    case 'jute.maxbuffer': config.juteMaxBuffer = integer(file, line, 1); break
    case '4lw.commands.whitelist': config.fourLetterWordsWhitelist = value; break
    case 'zookeeper.DigestAuthenticationProvider.superDigest': config.superDigest = value; break
    case 'zookeeper.extendedTypesEnabled': config.extendedTypesEnabled = boolean(file, line); break
    case 'zookeeper.enforceQuota': config.enforceQuota = boolean(file, line); break
    case 'readonlymode.enabled': config.readOnlyModeEnabled = boolean(file, line); break
    case 'localSessionsEnabled': config.localSessionsEnabled = boolean(file, line); break
    case 'localSessionsUpgradingEnabled': config.localSessionsUpgradingEnabled = boolean(file, line); break
    case 'znode.container.checkIntervalMs': config.containerCheckIntervalMs = integer(file, line, 1); break
    case 'admin.serverPort': config.adminServerPort = integer(file, line, 0, 65535); break
    case 'admin.serverAddress': config.adminServerAddress = value; break
    case 'admin.console.enabled': config.adminConsoleEnabled = boolean(file, line); break
    case 'admin.forceHttps': config.adminForceHttps = boolean(file, line); break
    case 'admin.snapshot.enabled': config.adminBackup.snapshotEnabled = boolean(file, line); break
    case 'admin.restore.enabled': config.adminBackup.restoreEnabled = boolean(file, line); break
    case 'admin.snapshot.allowRemote': config.adminBackup.allowRemote = boolean(file, line); break
    case 'admin.rateLimiterIntervalInMS': config.adminBackup.rateLimiterIntervalMs = integer(file, line, 0); break
    case 'admin.needClientAuth': config.adminNeedClientAuth = boolean(file, line); break
    case 'admin.portUnification':
      if (boolean(file, line)) throw lineError(file, line, 'admin.portUnification=true is not supported: the admin server speaks HTTPS (admin.forceHttps=true) or HTTP, not both')
      break
    case 'dynamicConfigFile': config.dynamicConfigFile = value; break
    case 'standaloneEnabled': config.standaloneEnabled = boolean(file, line); break
    case 'reconfigEnabled': config.reconfigEnabled = boolean(file, line); break
    case 'zookeeper.multiAddress.enabled': config.multiAddressEnabled = boolean(file, line); break
    case 'quorumListenOnAllIPs': config.quorumListenOnAllIPs = boolean(file, line); break
    case 'zookeeper.leaderServes': config.leaderServes = boolean(file, line); break
    case 'peerProtocol': config.peerProtocol = peerProtocol(file, line); break
    case 'peerType': config.peerType = peerType(file, line); break
    case 'zookeeper.electionPortBindRetry': config.electionPortBindRetry = electionPortBindRetry(config, file, line); break
    default:
      if (!applyMetricsKey(config, file, line) && !applyNoEffectKey(config, file, line) && !isZooCfgKey(line.key)) {
        config.warnings.push(`${placeOf(file, line)}: unknown key ${line.key} ignored`)
      }
  }
}

/**
 * `electionPortBindRetry`: attempts at binding the election port. ZooKeeper's 0 retries forever;
 * Paddock bounds every wait, so 0 means {@link electionPortBindRetryMax} attempts, with a warning.
 */
function electionPortBindRetry(config: ZooConfig, file: string, line: Line): number {
  const retries = integer(file, line, 0)
  if (retries !== 0 && retries <= electionPortBindRetryMax) return retries
  config.warnings.push(`${placeOf(file, line)}: ${line.key}=${line.value}: Paddock tries at most ${electionPortBindRetryMax} times (one attempt a second) instead of ${retries === 0 ? 'forever' : retries}`)
  return electionPortBindRetryMax
}

/** `peerProtocol`: `paddock` or `zookeeper`, nothing else. */
function peerProtocol(file: string, line: Line): 'paddock' | 'zookeeper' {
  const value = line.value.trim()
  if (value === 'paddock' || value === 'zookeeper') return value
  throw lineError(file, line, `peerProtocol=${line.value}: expected paddock (Paddock's own member-to-member protocol) or zookeeper (Apache ZooKeeper 3.8's, to join an Apache ensemble)`)
}

/** `peerType`: `participant` or `observer` (ZooKeeper's QuorumPeerConfig refuses anything else too). */
function peerType(file: string, line: Line): 'participant' | 'observer' {
  const value = line.value.trim().toLowerCase()
  if (value === 'participant' || value === 'observer') return value
  throw lineError(file, line, `peerType=${line.value}: expected participant or observer`)
}

/** Applies a `metricsProvider.*` key that Paddock uses; false for any other key. */
function applyMetricsKey(config: ZooConfig, file: string, line: Line): boolean {
  switch (line.key) {
    case 'metricsProvider.className': config.metrics.prometheus = metricsProviderClass(file, line); return true
    case 'metricsProvider.httpHost': config.metrics.host = line.value; return true
    case 'metricsProvider.httpPort': config.metrics.port = integer(file, line, 0, 65535); return true
    default: return false
  }
}

/** Whether `metricsProvider.className` names the Prometheus provider (false: one that exports nothing over HTTP). */
function metricsProviderClass(file: string, line: Line): boolean {
  if (line.value === prometheusMetricsProviderClass) return true
  if (quietMetricsProviders.has(line.value)) return false
  throw lineError(file, line, `metricsProvider.className=${line.value}: Paddock cannot load Java classes; use ${prometheusMetricsProviderClass} (a Prometheus /metrics endpoint) or remove the key`)
}

/**
 * Reads a key that changes nothing in Paddock: its value is still checked (a typo is an error, as
 * in ZooKeeper), and a warning says why it has no effect unless the value asks for what Paddock
 * does anyway. False for any other key.
 */
function applyNoEffectKey(config: ZooConfig, file: string, line: Line): boolean {
  const key = canonicalKey(line.key)
  const entry = noEffectKeys.get(key)
  if (entry === undefined) return false
  if (entry.kind === 'count') integer(file, line, 0)
  else boolean(file, line)
  if (entry.harmless?.(line.value) !== true) config.warnings.push(`${placeOf(file, line)}: ${line.key}=${line.value} has no effect: ${entry.why}`)
  return true
}

/** The `metricsProvider.*` settings across keys: an endpoint configured without the Prometheus class is said to open nothing. */
/**
 * Why admin.needClientAuth=true cannot be served, or undefined: it asks the HTTPS handshake for a
 * client certificate (there is none without admin.forceHttps, which ZooKeeper would silently
 * ignore) and checks it against the ssl.quorum trust store, as ZooKeeper's admin server does.
 */
function adminClientAuthProblem(config: ZooConfig): string | undefined {
  if (!config.adminNeedClientAuth) return undefined
  if (!config.adminForceHttps) return 'admin.needClientAuth=true needs admin.forceHttps=true: only HTTPS carries client certificates'
  if (config.tls.quorum.trustStore.location === undefined) return "admin.needClientAuth=true needs ssl.quorum.trustStore.location: ZooKeeper's admin server checks client certificates against the quorum trust store"
  return undefined
}

function checkMetrics(config: ZooConfig, seen: Seen): void {
  if (config.metrics.prometheus) return
  const set = ['metricsProvider.httpHost', 'metricsProvider.httpPort'].filter((key) => seen.has(key))
  if (set.length > 0) config.warnings.push(`${config.file === '' ? 'zoo.cfg' : config.file}: ${set.join(', ')} set, but metricsProvider.className is not ${prometheusMetricsProviderClass}: no /metrics port is opened`)
}

/** A `group.G` or `weight.ID` line and the file it is in (zoo.cfg or the dynamic file). */
type QuorumLine = Line & { file: string }

/**
 * Reads the dynamic configuration file zoo.cfg names (ZooKeeper 3.5+): it holds the ensemble
 * (`server.N` lines) and nothing else, and its name's hex suffix is the configuration version.
 * zoo.cfg itself may then hold no `server.N` line, as in ZooKeeper.
 */
function readDynamicConfig(config: ZooConfig, seen: Seen, dynamicLine: Line, quorumLines: QuorumLine[]): void {
  const written = config.dynamicConfigFile ?? ''
  const first = config.servers[0]
  const at = dynamicLine.variable ?? `line ${dynamicLine.line}`
  if (first !== undefined) {
    throw lineError(config.file, seen.get(`server.${first.id}`), `server.${first.id} must be in the dynamic configuration file, since dynamicConfigFile is set (${at})`)
  }
  const misplaced = quorumLines[0]
  if (misplaced !== undefined) throw lineError(config.file, misplaced, `${misplaced.key} must be in the dynamic configuration file, since dynamicConfigFile is set (${at})`)
  const path = isAbsolute(written) || config.file === '' ? resolve(written) : resolve(dirname(config.file), written)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw lineError(config.file, dynamicLine, `cannot read dynamicConfigFile ${path}: ${(error as Error).message}`)
  }
  const dynamicSeen: Seen = new Map()
  for (const line of propertyLines(text, path)) {
    if (dynamicSeen.has(line.key)) throw new ConfigError(path, line.line, `${line.key} is set twice (first on line ${dynamicSeen.get(line.key)?.line})`)
    dynamicSeen.set(line.key, line)
    if (line.key === 'version') throw new ConfigError(path, line.line, 'a dynamic configuration file holds no version: it is the hex suffix of the file name')
    if (isQuorumGroupKey(line.key)) {
      quorumLines.push({ ...line, file: path })
      continue
    }
    if (!line.key.startsWith('server.')) throw new ConfigError(path, line.line, `${line.key} does not belong in a dynamic configuration file (only server.N, group.G and weight.ID lines do; put it in ${config.file || 'zoo.cfg'})`)
    config.servers.push(parseServerLine(path, line))
  }
  checkServers(path, config.servers, dynamicSeen)
  if (config.servers.length === 0) throw new ConfigError(path, undefined, 'the dynamic configuration file declares no server.N line')
  config.dynamicConfigFile = path
  config.configVersion = versionOfDynamicFile(path)
}

/** The version in a dynamic file's name: `zoo.cfg.dynamic.100000000` is 0x100000000; none is 0 (ZooKeeper's rule). */
function versionOfDynamicFile(path: string): number {
  const name = basename(path)
  const suffix = name.slice(name.lastIndexOf('.') + 1)
  return name.includes('.') && /^[0-9a-f]+$/i.test(suffix) ? Number.parseInt(suffix, 16) : 0
}

function checkServers(file: string, servers: readonly ServerSpec[], seen: Seen): void {
  const ids = new Set<number>()
  const endpoints = new Map<string, number>()
  for (const server of servers) {
    const line = seen.get(`server.${server.id}`)
    if (ids.has(server.id)) throw lineError(file, line, `server.${server.id} is declared twice`)
    ids.add(server.id)
    for (const address of server.addresses ?? [server]) {
      for (const port of [address.quorumPort, address.electionPort]) {
        const endpoint = `${address.host}:${port}`
        const other = endpoints.get(endpoint)
        if (other !== undefined) throw lineError(file, line, other === server.id ? `${endpoint} is given twice in server.${server.id}` : `${endpoint} is used by server.${other} and server.${server.id}`)
        endpoints.set(endpoint, server.id)
      }
    }
  }
}

function checkEnsemble(config: ZooConfig, seen: Seen): void {
  const { file } = config
  if (config.dynamicConfigFile === undefined) checkServers(file, config.servers, seen)
  const voters = config.servers.filter((s) => s.role === 'participant').length
  const observers = config.servers.length - voters
  if (voters === 0 && observers > 0) throw new ConfigError(file, undefined, 'observers without participants: an ensemble needs at least one voting member')
  if (!config.standaloneEnabled && voters === 0) throw lineError(file, seen.get('standaloneEnabled'), 'standaloneEnabled=false needs at least one participant among the server.N lines')
  if (config.standaloneEnabled && voters === 1 && observers > 0) throw new ConfigError(file, undefined, 'observers without a quorum: one participant runs standalone (set standaloneEnabled=false to run it as an ensemble of one)')
  if (config.servers.length > 0 && config.dataDir === undefined) throw new ConfigError(file, undefined, 'dataDir is required for an ensemble (it holds myid)')
}

/** ZooKeeper's warning for an even number of voters under majority quorums (weights change the arithmetic). */
function warnEvenEnsemble(config: ZooConfig): void {
  const voters = config.servers.filter((s) => s.role === 'participant').length
  if (voters > 1 && voters % 2 === 0) {
    const file = config.file === '' ? 'zoo.cfg' : config.file
    config.warnings.push(`${file}: ${voters} voting members: an even ensemble tolerates no more failures than ${voters - 1}; use an odd number`)
  }
}

/** Several addresses on a `server.N` line need `multiAddress.enabled=true`, as in ZooKeeper. */
function checkMultipleAddresses(config: ZooConfig, seen: Seen): void {
  if (config.multiAddressEnabled) return
  const multi = config.servers.find((s) => (s.addresses?.length ?? 1) > 1)
  if (multi === undefined) return
  const file = config.dynamicConfigFile ?? config.file
  const line = config.dynamicConfigFile === undefined ? seen.get(`server.${multi.id}`) : undefined
  throw lineError(file, line, `server.${multi.id} gives several addresses, but the multiple address feature is disabled: set multiAddress.enabled=true`)
}

/** Reads and parses a zoo.cfg file; `options.env` lets `PADDOCK_*` variables override its keys (see {@link parseZooCfg}). */
export async function loadZooCfg(path: string, options: ZooCfgParseOptions = {}): Promise<ZooConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError(path, undefined, `cannot read the configuration: ${(error as Error).message}`)
  }
  return parseZooCfg(text, path, options)
}

/**
 * Reads `dataDir/myid` and checks it names one of the servers. Errors say which file is missing or
 * wrong and what the servers are; a `peerType` its server line contradicts adds a warning.
 */
export async function loadMyid(config: ZooConfig): Promise<number> {
  if (config.dataDir === undefined) throw new ConfigError(config.file, undefined, 'dataDir is not set, so there is no myid file')
  const path = join(config.dataDir, 'myid')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError(path, undefined, `cannot read myid (write this member's id, e.g. "echo 1 > ${path}"): ${(error as Error).message}`)
  }
  const id = Number(text.trim())
  if (!Number.isInteger(id) || id < 1 || id > 255) throw new ConfigError(path, 1, `myid must hold an integer in [1, 255], got ${JSON.stringify(text.trim())}`)
  if (!config.servers.some((s) => s.id === id)) {
    const ids = config.servers.map((s) => `server.${s.id}`).join(', ')
    throw new ConfigError(path, 1, `myid ${id} is not among the servers of ${config.file || 'zoo.cfg'} (${ids})`)
  }
  const role = config.servers.find((s) => s.id === id)?.role
  if (config.peerType !== undefined && role !== config.peerType) {
    config.warnings.push(`${config.file || 'zoo.cfg'}: peerType=${config.peerType}, but server.${id} makes this member ${role === 'observer' ? 'an observer' : 'a participant'}: the server line decides, as in ZooKeeper`)
  }
  return id
}
