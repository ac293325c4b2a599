/**
 * zoo.cfg and myid: ZooKeeper's configuration files (QuorumPeerConfig), parsed into Paddock's
 * settings with errors that name the file and line, and warnings where ZooKeeper warns.
 * @module
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import {
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
import { applyTlsKey, tlsDefaults, tlsProblem, type ZooCfgTls } from './zoo-cfg-tls.js'

export type { ZooCfgStore, ZooCfgTls } from './zoo-cfg-tls.js'

/** One `server.N` line: a member of the ensemble. */
export interface ServerSpec {
  /** The server id N (its myid). */
  id: number
  /** Host of the quorum and election ports. */
  host: string
  /** Port followers use to talk to the leader (ZooKeeper's 2888). */
  quorumPort: number
  /** Port of leader election (ZooKeeper's 3888). */
  electionPort: number
  /** A voting participant or a non-voting observer. */
  role: 'participant' | 'observer'
  /** Client address from the `;[address:]port` suffix, when given. */
  clientAddress: string | undefined
  /** Client port from the `;[address:]port` suffix, when given. */
  clientPort: number | undefined
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
  /** The ensemble; empty for a standalone server. */
  servers: ServerSpec[]
  /**
   * The file the `server.N` lines came from when zoo.cfg names one (dynamicConfigFile, ZooKeeper
   * 3.5's dynamic configuration), resolved against zoo.cfg's directory.
   */
  dynamicConfigFile: string | undefined
  /** The configuration version: the hex suffix of the dynamic file's name (`zoo.cfg.dynamic.100000000`), else 0. */
  configVersion: number
  /** Whether one participant alone runs standalone (standaloneEnabled, default true); false runs it as an ensemble of one. */
  standaloneEnabled: boolean
  /** reconfigEnabled: whether clients may change the ensemble (dynamic reconfiguration is not implemented yet: reconfig is refused). */
  reconfigEnabled: boolean
  /** Connections per client address, 0 = unlimited. */
  maxClientCnxns: number
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
  /** Port of the HTTP admin server, when enabled. */
  adminServerPort: number | undefined
  /** Address the admin server binds (admin.serverAddress). */
  adminServerAddress: string | undefined
  /** Whether the admin server also serves the web console under /console/ (admin.console.enabled; Paddock's own key). */
  adminConsoleEnabled: boolean
  /** Things ZooKeeper would warn about (even ensembles, unknown keys). */
  warnings: string[]
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
  /** The 1-based line number. */
  line: number
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

function integer(file: string, { key, value, line }: Line, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value)
  if (value === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(file, line, `${key} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`)
  }
  return n
}

function boolean(file: string, { key, value, line }: Line): boolean {
  if (/^(true|yes)$/i.test(value)) return true
  if (/^(false|no)$/i.test(value)) return false
  throw new ConfigError(file, line, `${key} must be true or false, got ${JSON.stringify(value)}`)
}

/** Parses `host:quorumPort:electionPort[:observer|:participant][;[clientAddress:]clientPort]`. */
export function parseServerLine(file: string, line: Line): ServerSpec {
  const id = integer(file, { ...line, key: line.key, value: line.key.slice('server.'.length) }, 1, 255)
  const [addressPart = '', clientPart] = line.value.split(';')
  const { host, rest } = splitHost(addressPart)
  const parts = rest.split(':')
  if (host === '' || parts.length < 2 || parts.length > 3) {
    throw new ConfigError(file, line.line, `${line.key} must be host:quorumPort:electionPort[:participant|:observer], got ${JSON.stringify(line.value)}`)
  }
  const port = (text: string | undefined) => integer(file, { ...line, value: text ?? '' }, 1, 65535)
  const role = parts[2] ?? 'participant'
  if (role !== 'participant' && role !== 'observer') {
    throw new ConfigError(file, line.line, `${line.key}: role must be participant or observer, got ${JSON.stringify(role)}`)
  }
  const client = clientPart === undefined ? undefined : parseClientAddress(file, line, clientPart)
  return { id, host, quorumPort: port(parts[0]), electionPort: port(parts[1]), role, clientAddress: client?.address, clientPort: client?.port }
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

const knownKeys = new Set([
  'tickTime', 'initLimit', 'syncLimit', 'dataDir', 'dataLogDir', 'clientPort', 'clientPortAddress', 'maxClientCnxns',
  'minSessionTimeout', 'maxSessionTimeout', 'autopurge.snapRetainCount', 'autopurge.purgeInterval', 'snapCount',
  'jute.maxbuffer', '4lw.commands.whitelist', 'superDigest', 'zookeeper.DigestAuthenticationProvider.superDigest',
  'extendedTypesEnabled', 'zookeeper.extendedTypesEnabled', 'admin.serverPort', 'admin.enableServer',
  'standaloneEnabled', 'reconfigEnabled', 'preAllocSize', 'forceSync', 'electionAlg', 'leaderServes', 'maxCnxns',
])

/** Parses zoo.cfg text (from `file`, for messages). Throws {@link ConfigError}; warnings are returned. */
export function parseZooCfg(text: string, file = ''): ZooConfig {
  const lines = propertyLines(text, file)
  const seen = new Map<string, number>()
  const config = defaults(file, text)
  const timeouts: { min?: number; max?: number } = {}
  for (const line of lines) {
    const previous = seen.get(line.key)
    if (previous !== undefined) throw new ConfigError(file, line.line, `${line.key} is set twice (first on line ${previous})`)
    seen.set(line.key, line.line)
    if (line.key.startsWith('server.')) config.servers.push(parseServerLine(file, line))
    else if (isQuorumGroupKey(line.key)) throw new ConfigError(file, line.line, `${line.key}: hierarchical and weighted quorums (group.N, weight.N) are not supported; remove it to use majority quorums`)
    else if (!applyTlsLine(config, file, line)) applyKey(config, timeouts, file, line)
  }
  const dynamicLine = seen.get('dynamicConfigFile')
  if (dynamicLine !== undefined) readDynamicConfig(config, seen, dynamicLine)
  config.minSessionTimeoutMs = timeouts.min ?? minSessionTimeoutTicks * config.tickTimeMs
  config.maxSessionTimeoutMs = timeouts.max ?? maxSessionTimeoutTicks * config.tickTimeMs
  if (config.minSessionTimeoutMs > config.maxSessionTimeoutMs) {
    throw new ConfigError(file, seen.get('minSessionTimeout'), `minSessionTimeout (${config.minSessionTimeoutMs}) is over maxSessionTimeout (${config.maxSessionTimeoutMs})`)
  }
  checkEnsemble(config, seen)
  const tlsWrong = tlsProblem(config.secureClientPort, config.tls, (message) => config.warnings.push(`${file === '' ? 'zoo.cfg' : file}: ${message}`))
  if (tlsWrong !== undefined) throw new ConfigError(file, seen.get('secureClientPort') ?? seen.get('client.portUnification'), tlsWrong)
  return config
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
  const where = `${file === '' ? 'zoo.cfg' : file}:${line.line}`
  return applyTlsKey(config.tls, line.key, line.value, line.line, (message) => new ConfigError(file, line.line, message), (message) => config.warnings.push(`${where}: ${message}`))
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
    servers: [],
    dynamicConfigFile: undefined,
    configVersion: 0,
    standaloneEnabled: true,
    reconfigEnabled: false,
    maxClientCnxns: maxClientCnxnsDefault,
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
    adminServerPort: undefined,
    adminServerAddress: undefined,
    adminConsoleEnabled: false,
    warnings: [],
  }
}

function applyKey(config: ZooConfig, timeouts: { min?: number; max?: number }, file: string, line: Line): void {
  const { key, value } = line
  switch (key) {
    case 'tickTime': config.tickTimeMs = integer(file, line, 1); break
    case 'initLimit': config.initLimit = integer(file, line, 1); break
    case 'syncLimit': config.syncLimit = integer(file, line, 1); break
    case 'dataDir': config.dataDir = value; break
    case 'dataLogDir': config.dataLogDir = value; break
    case 'clientPort': config.clientPort = integer(file, line, 0, 65535); break
    case 'clientPortAddress': config.clientPortAddress = value; break
    case 'maxClientCnxns': config.maxClientCnxns = integer(file, line, 0); break
    case 'globalOutstandingLimit':
    case 'zookeeper.globalOutstandingLimit': config.globalOutstandingLimit = integer(file, line, 0); break
    case 'minSessionTimeout': timeouts.min = integer(file, line, 1); break
    case 'maxSessionTimeout': timeouts.max = integer(file, line, 1); break
    case 'autopurge.snapRetainCount': config.snapRetainCount = Math.max(snapRetainCountMin, integer(file, line, 1)); break
    case 'autopurge.purgeInterval': config.purgeIntervalHours = integer(file, line, 0); break
    case 'snapCount': config.snapCount = integer(file, line, 2); break
    case 'jute.maxbuffer': config.juteMaxBuffer = integer(file, line, 1); break
    case '4lw.commands.whitelist': config.fourLetterWordsWhitelist = value; break
    case 'superDigest':
    case 'zookeeper.DigestAuthenticationProvider.superDigest': config.superDigest = value; break
    case 'extendedTypesEnabled':
    case 'zookeeper.extendedTypesEnabled': config.extendedTypesEnabled = boolean(file, line); break
    case 'admin.serverPort': config.adminServerPort = integer(file, line, 0, 65535); break
    case 'admin.serverAddress': config.adminServerAddress = value; break
    case 'admin.console.enabled': config.adminConsoleEnabled = boolean(file, line); break
    case 'dynamicConfigFile': config.dynamicConfigFile = value; break
    case 'standaloneEnabled': config.standaloneEnabled = boolean(file, line); break
    case 'reconfigEnabled': config.reconfigEnabled = boolean(file, line); break
    default:
      if (!knownKeys.has(key)) config.warnings.push(`${file === '' ? 'zoo.cfg' : file}:${line.line}: unknown key ${key} ignored`)
  }
}

const isQuorumGroupKey = (key: string): boolean => key.startsWith('group.') || key.startsWith('weight.')

/**
 * Reads the dynamic configuration file zoo.cfg names (ZooKeeper 3.5+): it holds the ensemble
 * (`server.N` lines) and nothing else, and its name's hex suffix is the configuration version.
 * zoo.cfg itself may then hold no `server.N` line, as in ZooKeeper.
 */
function readDynamicConfig(config: ZooConfig, seen: Map<string, number>, dynamicLine: number): void {
  const written = config.dynamicConfigFile ?? ''
  if (config.servers.length > 0) {
    const first = Math.min(...config.servers.map((s) => seen.get(`server.${s.id}`) ?? Infinity))
    throw new ConfigError(config.file, first, `server.${config.servers[0]?.id} must be in the dynamic configuration file, since dynamicConfigFile is set (line ${dynamicLine})`)
  }
  const path = isAbsolute(written) || config.file === '' ? resolve(written) : resolve(dirname(config.file), written)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(config.file, dynamicLine, `cannot read dynamicConfigFile ${path}: ${(error as Error).message}`)
  }
  const dynamicSeen = new Map<string, number>()
  for (const line of propertyLines(text, path)) {
    if (dynamicSeen.has(line.key)) throw new ConfigError(path, line.line, `${line.key} is set twice (first on line ${dynamicSeen.get(line.key)})`)
    dynamicSeen.set(line.key, line.line)
    if (line.key === 'version') throw new ConfigError(path, line.line, 'a dynamic configuration file holds no version: it is the hex suffix of the file name')
    if (isQuorumGroupKey(line.key)) throw new ConfigError(path, line.line, `${line.key}: hierarchical and weighted quorums (group.N, weight.N) are not supported; remove it to use majority quorums`)
    if (!line.key.startsWith('server.')) throw new ConfigError(path, line.line, `${line.key} does not belong in a dynamic configuration file (only server.N lines do; put it in ${config.file || 'zoo.cfg'})`)
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

function checkServers(file: string, servers: readonly ServerSpec[], seen: Map<string, number>): void {
  const ids = new Set<number>()
  const endpoints = new Map<string, number>()
  for (const server of servers) {
    const line = seen.get(`server.${server.id}`)
    if (ids.has(server.id)) throw new ConfigError(file, line, `server.${server.id} is declared twice`)
    ids.add(server.id)
    for (const port of [server.quorumPort, server.electionPort]) {
      const endpoint = `${server.host}:${port}`
      const other = endpoints.get(endpoint)
      if (other !== undefined) throw new ConfigError(file, line, `${endpoint} is used by server.${other} and server.${server.id}`)
      endpoints.set(endpoint, server.id)
    }
  }
}

function checkEnsemble(config: ZooConfig, seen: Map<string, number>): void {
  const { file } = config
  if (config.dynamicConfigFile === undefined) checkServers(file, config.servers, seen)
  const voters = config.servers.filter((s) => s.role === 'participant').length
  const observers = config.servers.length - voters
  if (voters === 0 && observers > 0) throw new ConfigError(file, undefined, 'observers without participants: an ensemble needs at least one voting member')
  if (!config.standaloneEnabled && voters === 0) throw new ConfigError(file, seen.get('standaloneEnabled'), 'standaloneEnabled=false needs at least one participant among the server.N lines')
  if (config.standaloneEnabled && voters === 1 && observers > 0) throw new ConfigError(file, undefined, 'observers without a quorum: one participant runs standalone (set standaloneEnabled=false to run it as an ensemble of one)')
  if (voters > 1 && voters % 2 === 0) {
    config.warnings.push(
      `${file === '' ? 'zoo.cfg' : file}: ${voters} voting members: an even ensemble tolerates no more failures than ${voters - 1}; use an odd number`,
    )
  }
  if (config.servers.length > 0 && config.dataDir === undefined) throw new ConfigError(file, undefined, 'dataDir is required for an ensemble (it holds myid)')
}

/** Reads and parses a zoo.cfg file. */
export async function loadZooCfg(path: string): Promise<ZooConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigError(path, undefined, `cannot read the configuration: ${(error as Error).message}`)
  }
  return parseZooCfg(text, path)
}

/**
 * Reads `dataDir/myid` and checks it names one of the servers. Errors say which file is missing or
 * wrong and what the servers are.
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
  return id
}
