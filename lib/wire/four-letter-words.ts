/**
 * Four-letter words: the text ZooKeeper answers to `ruok`, `srvr`, `stat`, `mntr`, … sent as the
 * first four bytes of a client-port connection. This module only formats; the client-port server
 * gathers the numbers (its own connection statistics, and the backend's tree, session and watch
 * figures) and writes the text back before closing the connection.
 *
 * Formats follow apache/zookeeper@release-3.9.5 `server/command/*Command.java`,
 * `ServerStats.toString`, `ServerCnxn.dumpConnectionInfo`, `ZooKeeperServer.dumpConf`,
 * `WatchManager.toString`/`dumpWatches`, `DataTree.dumpEphemerals`, `ExpiryQueue.dump` and
 * `MonitorCommand`, with Java's `println` ending a line in `\n`.
 * @module
 */

import { fourLetterWords, type FourLetterWord } from './frames.js'

/** ZooKeeper's default trace mask (`ZooTrace`: CLIENT_REQUEST | SERVER_PACKET | SESSION | WARNING). */
export const traceMaskDefault = 306n

/** The whitelist ZooKeeper 3.9 applies when `4lw.commands.whitelist` is not set: only `srvr`. */
export const fourLetterWordsWhitelistDefault = 'srvr'

/**
 * Parses a `4lw.commands.whitelist` value (`"stat, ruok"`, or `"*"` for every word) into the set
 * of enabled words. As ZooKeeper's `FourLetterCommands.isEnabled`, `srvr` is always enabled
 * (zkServer.sh needs it), and `isro` is too when read-only mode is on.
 */
export function parseFourLetterWhitelist(whitelist: string, readOnlyModeEnabled = false): ReadonlySet<string> {
  const enabled = new Set<string>()
  for (const part of whitelist.split(',')) {
    const word = part.trim()
    if (word === '*') {
      for (const w of fourLetterWords) enabled.add(w)
      break
    }
    if (word !== '') enabled.add(word)
  }
  if (readOnlyModeEnabled) enabled.add('isro')
  enabled.add('srvr')
  return enabled
}

/** Latency figures in ms, as ZooKeeper's `AvgMinMaxCounter` reports them. */
export interface LatencyStats {
  /** Smallest latency, ms (0 before the first request). */
  minMs: number
  /** Average latency, ms (0 before the first request). */
  avgMs: number
  /** Largest latency, ms (0 before the first request). */
  maxMs: number
}

/** One client connection, as `cons` and `stat` list it (`ServerCnxn.dumpConnectionInfo`). */
export interface ConnectionInfo {
  /** The client's address, for example `127.0.0.1`. */
  remoteAddress: string
  /** The client's port. */
  remotePort: number
  /** `SelectionKey` interest ops: 1 while reading, 0 while paused (backpressure), 5 with writes pending. */
  interestOps: number
  /** Requests received and not yet answered. */
  queued: number
  /** Bytes of replies and notifications waiting to be written to the client (not printed by `cons`). */
  queuedBytes?: number
  /** Packets received on this connection. */
  received: number
  /** Packets sent on this connection. */
  sent: number
  /** The session, once the handshake is done; 0n before. */
  sessionId: bigint
  /** ZooKeeper's four-letter code of the last operation (`GETD`, `SETD`, `PING`, … or `NA`). */
  lastOperation: string
  /** When the connection was established, ms since the epoch. */
  establishedMs: number
  /** Negotiated session timeout, ms. */
  sessionTimeoutMs: number
  /** The last cxid answered, or -1. */
  lastCxid: number
  /** The zxid of the last reply. */
  lastZxid: number
  /** When the last reply was sent, ms since the epoch. */
  lastResponseMs: number
  /** Latency of the last request, ms. */
  lastLatencyMs: number
  /** Latency figures of this connection. */
  latency: LatencyStats
  /** Accepted on the secureClientPort listener (TLS); the admin server lists it among `secure_connections`. */
  secure?: boolean
}

/** What the client-port server knows: its connections and traffic. */
export interface ClientPortStats {
  /** Open client connections (four-letter-word connections excluded). */
  connections: readonly ConnectionInfo[]
  /** Packets received since the last `srst`. */
  packetsReceived: number
  /** Packets sent since the last `srst`. */
  packetsSent: number
  /** Requests received and not yet answered, over all connections. */
  outstandingRequests: number
  /** Request latency since the last `srst`. */
  latency: LatencyStats
  /** The port the server listens on in plain text (clientPort), or -1 when there is none. */
  clientPort: number
  /** The port the server listens on with TLS only (secureClientPort), or -1 when there is none. */
  secureClientPort?: number
  /** The per-address connection limit (0 = none). */
  maxClientCnxns: number
  /** How long the server has been up, ms (mntr's zk_uptime). */
  uptimeMs: number
  /** Name and value pairs of the process environment, for `envi`. */
  environment: readonly (readonly [string, string])[]
}

/** One session as `dump` lists it. */
export interface SessionInfo {
  /** The session id. */
  sessionId: bigint
  /** When the session expires unless touched, ms since the epoch (tick-aligned). */
  expiresAtMs: number
}

/** What the backend (the member behind the port) reports for four-letter words. */
export interface ServerInfo {
  /** The version line's text, for example `3.9.5-paddock-0.1.0, built on n/a`. */
  version: string
  /**
   * The member's health (`serving`, `throttled`, `looking`, `recovering`, `failed`) and why, when
   * the backend reports one: mntr prints it, and srvr and stat print it when it is not `serving`.
   */
  health?: { state: string; reason?: string | undefined } | undefined
  /** `standalone`, `leader`, `follower` or `observer`. */
  mode: string
  /** A read-only server answers `isro` with `ro`. */
  readOnly: boolean
  /** The zxid of the last applied transaction. */
  lastProcessedZxid: number
  /** Number of znodes, system nodes included. */
  znodeCount: number
  /** Bytes of data and paths, roughly (ZooKeeper's approximate_data_size). */
  approximateDataSize: number
  /** Open sessions. */
  sessions: readonly SessionInfo[]
  /** Open local sessions (`localSessionsEnabled`), which `sessions` does not list; 0 when absent. */
  localSessionCount?: number
  /** Ephemeral paths by owning session. */
  ephemerals: ReadonlyMap<bigint, readonly string[]>
  /** Watched paths by the session watching them (every kind of watch). */
  watchesBySession: ReadonlyMap<bigint, readonly string[]>
  /** ZooKeeper's tickTime, ms. */
  tickTimeMs: number
  /** Smallest session timeout granted, ms. */
  minSessionTimeoutMs: number
  /** Largest session timeout granted, ms. */
  maxSessionTimeoutMs: number
  /** The member's id (myid). */
  myid: number
  /**
   * An ensemble member's configuration as /zookeeper/config holds it (`server.N` lines, then
   * `version=`); empty for a standalone server. `conf` prints it after `membership: `.
   */
  membership?: string
  /** Where snapshots live; `""` for an in-memory server. */
  dataDir: string
  /** Where the transaction log lives; `""` for an in-memory server. */
  dataLogDir: string
  /** On an ensemble leader: its followers (all, and those in broadcast); undefined elsewhere. */
  learners?: { followers: number; syncedFollowers: number } | undefined
  /**
   * Request latency since the server started, reads (pings included) and writes apart, as mntr
   * prints ZooKeeper's `readlatency` and `updatelatency` counters; absent when the backend keeps none.
   */
  latency?: { read: LatencySummary; update: LatencySummary } | undefined
  /** The per-namespace quota figures; absent when the backend keeps none. */
  quota?: QuotaReport | undefined
  /**
   * The trace mask `gtmk` prints and the admin `set_trace_mask` sets (a 64-bit value, as
   * ZooKeeper's `ZooTrace`). Paddock writes no trace log, so the mask is kept and reported only.
   */
  traceMask: bigint
}

/** Quota limits, usage and refusals by top-level namespace (`/app/x` counts for `app`). */
export interface QuotaReport {
  /** Each namespace's limits (hard when set, else soft) and usage, summed over its quota roots. */
  byNamespace: ReadonlyMap<string, { countLimit: number; bytesLimit: number; countUsage: number; bytesUsage: number }>
  /** Writes refused for a hard quota, by namespace. */
  exceeded: ReadonlyMap<string, number>
}

/** One per-namespace quota figure under ZooKeeper's metric name. */
export interface QuotaMetric {
  /** `quota_count_limit_per_namespace`, `quota_bytes_usage_per_namespace`, `quota_exceeded_error_per_namespace`, ... */
  name: string
  /** The namespace it is about. */
  namespace: string
  /** Its value. */
  value: number
}

/**
 * The per-namespace quota figures in the order ZooKeeper's metrics provider dumps them: the four
 * gauge sets (limits, then usage), then the refusal counter. mntr prints each as
 * `zk_<namespace>_<name>`; Prometheus as `<name>{key="<namespace>"}`.
 */
export function quotaMetrics(report: QuotaReport): QuotaMetric[] {
  const out: QuotaMetric[] = []
  const gauges = [['quota_count_limit_per_namespace', 'countLimit'], ['quota_bytes_limit_per_namespace', 'bytesLimit'], ['quota_count_usage_per_namespace', 'countUsage'], ['quota_bytes_usage_per_namespace', 'bytesUsage']] as const
  for (const [name, field] of gauges) for (const [namespace, figures] of report.byNamespace) out.push({ name, namespace, value: figures[field] })
  for (const [namespace, value] of report.exceeded) out.push({ name: 'quota_exceeded_error_per_namespace', namespace, value })
  return out
}

/** One of mntr's latency counters (ZooKeeper's AvgMinMaxPercentileCounter), ms. */
export interface LatencySummary {
  /** Requests counted. */
  count: number
  /** Sum of their latencies. */
  sumMs: number
  /** The smallest (0 with none). */
  minMs: number
  /** The largest (0 with none). */
  maxMs: number
  /** The 50th, 95th, 99th and 99.9th percentiles (0 with none). */
  p50: number
  p95: number
  p99: number
  p999: number
}

/**
 * Bytes under the member's directories, as `dirs` and `conf` print them (ZooKeeper's
 * `getDataDirSize`/`getLogDirSize`: every file below the directory, summed).
 */
export interface DirectorySizes {
  /** Bytes under the snapshot directory; 0 for a server that keeps no directory. */
  dataDirBytes: number
  /** Bytes under the transaction log directory; 0 for a server that keeps no directory. */
  dataLogDirBytes: number
}

/** Everything a four-letter word may print. */
export interface FourLetterContext {
  /** The backend's figures. */
  server: ServerInfo
  /** The client-port server's figures. */
  port: ClientPortStats
  /** Whether the server serves, when the backend can say so without `server` (ruok reads only this). */
  serving?: boolean | undefined
  /**
   * The directory sizes, measured (asynchronously) by the caller before formatting a word of
   * {@link fourLetterWordsReadingDirectories}; other words never read it.
   */
  directories?: DirectorySizes | undefined
}

/** The words whose answer prints directory sizes: their caller measures the directories first. */
export const fourLetterWordsReadingDirectories: ReadonlySet<string> = new Set(['conf', 'dirs'])

/**
 * The directory sizes of `ctx`. Printing them without having measured them is a programming
 * error, so it throws rather than print a 0 that would look like a measurement.
 */
export function measuredDirectories(ctx: FourLetterContext): DirectorySizes {
  if (ctx.directories === undefined) throw new TypeError('directory sizes were not measured before formatting a word that prints them')
  return ctx.directories
}

/** What answering a word does besides printing: `crst` and `srst` reset statistics. */
export type FourLetterEffect = 'none' | 'resetConnectionStats' | 'resetServerStats'

/** The answer to a four-letter word. */
export interface FourLetterAnswer {
  /** The text to write before closing the connection. */
  text: string
  /** The reset the server must perform (before or after printing makes no difference). */
  effect: FourLetterEffect
}

/**
 * Answers a four-letter word: ZooKeeper's "… is not executed because it is not in the whitelist."
 * when `enabled` does not hold it, its text otherwise.
 */
export function answerFourLetterWord(word: FourLetterWord, enabled: ReadonlySet<string>, ctx: FourLetterContext): FourLetterAnswer {
  if (!enabled.has(word)) return { text: notWhitelistedText(word), effect: 'none' }
  switch (word) {
    case 'crst':
      if (ctx.server.mode === 'looking') return { text: notServingText, effect: 'none' }
      return { text: 'Connection stats reset.\n', effect: 'resetConnectionStats' }
    case 'srst':
      if (ctx.server.mode === 'looking') return { text: notServingText, effect: 'none' }
      return { text: 'Server stats reset.\n', effect: 'resetServerStats' }
    default:
      return { text: fourLetterText(word, ctx), effect: 'none' }
  }
}

/** ZooKeeper's answer to a word that `4lw.commands.whitelist` does not enable (NIOServerCnxn.checkFourLetterWord). */
export function notWhitelistedText(word: string): string {
  return `${word} is not executed because it is not in the whitelist.\n`
}

/** What ZooKeeper answers the words that need a serving server while there is none (no quorum). */
export const notServingText = 'This ZooKeeper instance is not currently serving requests\n'

const needServing: ReadonlySet<string> = new Set(['srvr', 'stat', 'cons', 'conf', 'dirs', 'dump', 'mntr', 'wchs', 'wchc', 'wchp', 'crst', 'srst'])

function fourLetterText(word: FourLetterWord, ctx: FourLetterContext): string {
  // A member without an established leader is not serving (ZooKeeper's CommandBase check).
  if (needServing.has(word) && ctx.server.mode === 'looking') return notServingText + healthLine(ctx.server)
  switch (word) {
    // ZooKeeper answers ruok only while it serves: a monitor that hears nothing knows. A member
    // that has no leader, or that failed, is not serving.
    case 'ruok': return (ctx.serving ?? ctx.server.mode !== 'looking') ? 'imok' : ''
    case 'isro': return ctx.server.readOnly ? 'ro' : 'rw'
    case 'srvr': return formatStat(ctx, false)
    case 'stat': return formatStat(ctx, true)
    case 'cons': return formatCons(ctx.port.connections)
    case 'conf': return formatConf(ctx)
    case 'dump': return formatDump(ctx.server)
    case 'envi': return formatEnvironment(ctx.port.environment)
    case 'mntr': return formatMonitor(ctx)
    case 'wchs': return formatWatchSummary(ctx.server.watchesBySession)
    case 'wchc': return formatWatchesBySession(ctx.server.watchesBySession)
    case 'wchp': return formatWatchesByPath(ctx.server.watchesBySession)
    case 'dirs': return formatDirs(measuredDirectories(ctx))
    // stmk's 8-byte argument is not read here: the answer is the mask in force, unchanged (the
    // admin server's set_trace_mask sets it).
    case 'gtmk': case 'stmk': return String(ctx.server.traceMask)
    default: return '' // hash: Paddock keeps no tree digests, so its digest log is empty.
  }
}

/** Java's `Long.toHexString` of a session id or zxid (two's complement for a negative id). */
export function javaHex(value: bigint | number): string {
  return BigInt.asUintN(64, BigInt(value)).toString(16)
}

/** Java's `Double.toString` for the small, 4-decimal values ZooKeeper prints (`0.0`, `1.5`). */
export function javaDouble(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value)
}

/** `ServerStats.toString` then `Node count:` (srvr), with the client list before it (stat). */
function formatStat(ctx: FourLetterContext, withClients: boolean): string {
  const { server, port } = ctx
  let out = `Zookeeper version: ${server.version}\n`
  if (server.readOnly) out += 'READ-ONLY mode; serving only read-only clients\n'
  if (withClients) {
    out += 'Clients:\n'
    for (const c of port.connections) out += `${formatConnection(c, true)}\n`
    out += '\n'
  }
  const l = port.latency
  out += `Latency min/avg/max: ${l.minMs}/${javaDouble(l.avgMs)}/${l.maxMs}\n`
  out += `Received: ${port.packetsReceived}\n`
  out += `Sent: ${port.packetsSent}\n`
  out += `Connections: ${port.connections.length}\n`
  out += `Outstanding: ${port.outstandingRequests}\n`
  out += `Zxid: 0x${javaHex(server.lastProcessedZxid)}\n`
  out += `Mode: ${server.mode}\n`
  out += `Node count: ${server.znodeCount}\n`
  return out + healthLine(server)
}

/** `Health: <state> (<reason>)`, Paddock's own line, printed only when the member is not plainly serving. */
function healthLine(server: ServerInfo): string {
  const health = server.health
  if (health === undefined || health.state === 'serving') return ''
  return `Health: ${health.state}${health.reason === undefined ? '' : ` (${health.reason.replace(/\n/g, ' ')})`}\n`
}

/** `ServerCnxn.dumpConnectionInfo`: ` /addr:port[ops](queued=…,recved=…,sent=…[,sid=…])`. */
export function formatConnection(c: ConnectionInfo, brief: boolean): string {
  let out = ` /${c.remoteAddress}:${c.remotePort}[${c.interestOps === 0 ? '0' : c.interestOps.toString(16)}]`
  out += `(queued=${c.queued},recved=${c.received},sent=${c.sent}`
  if (!brief && c.sessionId !== 0n) {
    out += `,sid=0x${javaHex(c.sessionId)},lop=${c.lastOperation},est=${c.establishedMs},to=${c.sessionTimeoutMs}`
    if (c.lastCxid >= 0) out += `,lcxid=0x${javaHex(c.lastCxid)}`
    out += `,lzxid=0x${javaHex(c.lastZxid)},lresp=${c.lastResponseMs},llat=${c.lastLatencyMs}`
    out += `,minlat=${c.latency.minMs},avglat=${javaDouble(c.latency.avgMs)},maxlat=${c.latency.maxMs}`
  }
  return `${out})`
}

function formatCons(connections: readonly ConnectionInfo[]): string {
  let out = ''
  for (const c of connections) out += `${formatConnection(c, false)}\n`
  return `${out}\n`
}

/** `DirsCommand`. */
function formatDirs(directories: DirectorySizes): string {
  return `datadir_size: ${directories.dataDirBytes}\nlogdir_size: ${directories.dataLogDirBytes}\n`
}

/** `ZooKeeperServer.dumpConf`. */
function formatConf(ctx: FourLetterContext): string {
  const { server, port } = ctx
  const directories = measuredDirectories(ctx)
  const lines: [string, string | number][] = [
    ['clientPort', port.clientPort],
    ['secureClientPort', port.secureClientPort ?? -1],
    ['dataDir', server.dataDir],
    ['dataDirSize', directories.dataDirBytes],
    ['dataLogDir', server.dataLogDir],
    ['dataLogSize', directories.dataLogDirBytes],
    ['tickTime', server.tickTimeMs],
    ['maxClientCnxns', port.maxClientCnxns],
    ['minSessionTimeout', server.minSessionTimeoutMs],
    ['maxSessionTimeout', server.maxSessionTimeoutMs],
    ['clientPortListenBacklog', -1],
    ['serverId', server.myid],
  ]
  const conf = lines.map(([k, v]) => `${k}=${v}\n`).join('')
  // QuorumZooKeeperServer.dumpConf: an ensemble member adds its membership and its version.
  const membership = server.membership ?? ''
  return membership === '' ? conf : `${conf}membership: \n${membership}\n`
}

/** `DumpCommand`: the session expiry buckets, the ephemerals, the connections. */
function formatDump(server: ServerInfo): string {
  const buckets = new Map<number, bigint[]>()
  for (const s of server.sessions) {
    const bucket = buckets.get(s.expiresAtMs)
    if (bucket === undefined) buckets.set(s.expiresAtMs, [s.sessionId])
    else bucket.push(s.sessionId)
  }
  let out = 'SessionTracker dump:\n'
  out += `Session Sets (${buckets.size})/(${server.sessions.length}):\n`
  for (const at of [...buckets.keys()].sort((a, b) => a - b)) {
    const ids = buckets.get(at) ?? []
    out += `${ids.length} expire at ${new Date(at).toISOString()}:\n`
    for (const id of ids) out += `\t0x${javaHex(id)}\n`
  }
  out += 'ephemeral nodes dump:\n'
  out += `Sessions with Ephemerals (${server.ephemerals.size}):\n`
  for (const [id, paths] of server.ephemerals) {
    out += `0x${javaHex(id)}:\n`
    for (const p of paths) out += `\t${p}\n`
  }
  out += 'Connections dump:\n'
  return out
}

function formatEnvironment(env: readonly (readonly [string, string])[]): string {
  return `Environment:\n${env.map(([k, v]) => `${k}=${v}\n`).join('')}`
}

function watchCounts(bySession: ReadonlyMap<bigint, readonly string[]>): { connections: number; paths: number; total: number } {
  const paths = new Set<string>()
  let total = 0
  let connections = 0
  for (const list of bySession.values()) {
    if (list.length === 0) continue
    connections++
    total += list.length
    for (const p of list) paths.add(p)
  }
  return { connections, paths: paths.size, total }
}

/** `WatchManager.toString` then a newline. */
function formatWatchSummary(bySession: ReadonlyMap<bigint, readonly string[]>): string {
  const { connections, paths, total } = watchCounts(bySession)
  return `${connections} connections watching ${paths} paths\nTotal watches:${total}\n`
}

/** `WatchManager.dumpWatches(byPath=false)`: session then its paths. */
function formatWatchesBySession(bySession: ReadonlyMap<bigint, readonly string[]>): string {
  let out = ''
  for (const [id, paths] of bySession) {
    if (paths.length === 0) continue
    out += `0x${javaHex(id)}\n`
    for (const p of paths) out += `\t${p}\n`
  }
  return `${out}\n`
}

/** `WatchManager.dumpWatches(byPath=true)`: path then its sessions. */
function formatWatchesByPath(bySession: ReadonlyMap<bigint, readonly string[]>): string {
  const byPath = new Map<string, bigint[]>()
  for (const [id, paths] of bySession) {
    for (const p of paths) {
      const ids = byPath.get(p)
      if (ids === undefined) byPath.set(p, [id])
      else if (!ids.includes(id)) ids.push(id)
    }
  }
  let out = ''
  for (const [path, ids] of byPath) {
    out += `${path}\n`
    for (const id of ids) out += `\t0x${javaHex(id)}\n`
  }
  return `${out}\n`
}

/** A latency counter's mntr keys, as ZooKeeper's AvgMinMaxPercentileCounter names them: whole ms but the average. */
function latencyValues(name: string, l: LatencySummary): [string, string | number][] {
  const whole = (ms: number) => Math.round(ms)
  return [
    [`avg_${name}`, javaDouble(l.count === 0 ? 0 : l.sumMs / l.count)],
    [`min_${name}`, whole(l.minMs)],
    [`max_${name}`, whole(l.maxMs)],
    [`cnt_${name}`, l.count],
    [`sum_${name}`, whole(l.sumMs)],
    [`p50_${name}`, whole(l.p50)],
    [`p95_${name}`, whole(l.p95)],
    [`p99_${name}`, whole(l.p99)],
    [`p999_${name}`, whole(l.p999)],
  ]
}

/** `MonitorCommand`: `zk_<key>\t<value>` lines; integers as integers, doubles as Java prints them. */
function formatMonitor({ server, port }: FourLetterContext): string {
  const { total } = watchCounts(server.watchesBySession)
  let ephemeralsCount = 0
  for (const paths of server.ephemerals.values()) ephemeralsCount += paths.length
  const values: [string, string | number][] = [
    ['version', server.version],
    ['server_state', server.mode],
    ['avg_latency', javaDouble(port.latency.avgMs)],
    ['max_latency', port.latency.maxMs],
    ['min_latency', port.latency.minMs],
    ['packets_received', port.packetsReceived],
    ['packets_sent', port.packetsSent],
    ['num_alive_connections', port.connections.length],
    ['outstanding_requests', port.outstandingRequests],
    ['uptime', port.uptimeMs],
    ['znode_count', server.znodeCount],
    ['watch_count', total],
    ['ephemerals_count', ephemeralsCount],
    ['approximate_data_size', server.approximateDataSize],
    ['global_sessions', server.sessions.length],
    ['local_sessions', server.localSessionCount ?? 0],
  ]
  if (server.learners !== undefined) {
    values.push(['followers', server.learners.followers], ['synced_followers', server.learners.syncedFollowers])
  }
  const latency = server.latency
  if (latency !== undefined) values.push(...latencyValues('readlatency', latency.read), ...latencyValues('updatelatency', latency.update))
  if (server.quota !== undefined) for (const m of quotaMetrics(server.quota)) values.push([`${m.namespace}_${m.name}`, m.value])
  let out = values.map(([k, v]) => `zk_${k}\t${v}\n`).join('')
  // Paddock's own keys, after ZooKeeper's (a monitor that knows only zk_ keys skips them).
  const health = server.health
  if (health !== undefined) {
    out += `paddock_health\t${health.state}\n`
    if (health.reason !== undefined) out += `paddock_health_reason\t${health.reason.replace(/[\t\n]/g, ' ')}\n`
  }
  return out
}
