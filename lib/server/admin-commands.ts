/**
 * The admin server's commands: ZooKeeper's `server/admin/Commands.java` answers as JSON-ready
 * objects, built from the same figures the four-letter words print. Pure: no socket, no clock.
 *
 * Field names follow apache/zookeeper@release-3.9 (`Commands`, `ServerStats`,
 * `ServerCnxn.getConnectionInfo`, `ZooKeeperServerConf.toMap`, `WatchesSummary.toMap`), which
 * Jackson writes in snake_case. Every answer ends in `command` (the primary name) and `error`.
 * @module
 */
import type { ConnectionInfo, FourLetterContext } from '../wire/four-letter-words.js'
import type { LatencyHistogram, MemberMetrics } from './metrics.js'

/** What a command reads: the four-letter-word figures and the member's counters. */
export interface AdminContext extends FourLetterContext {
  /** The member's request, log sync and election counters. */
  metrics: MemberMetrics
}

/** One admin command. */
export interface AdminCommand {
  /** The primary name first, then ZooKeeper's aliases (its four-letter word among them). */
  readonly names: readonly string[]
  /** Whether the command needs a serving member (ZooKeeper's `isServerRequired`). */
  readonly serverRequired: boolean
  /** The command's fields, without `command` and `error`. */
  run(ctx: AdminContext): Record<string, unknown>
}

/** ZooKeeper's answer to a command that needs a serving server while there is none. */
export const notServingError = 'This ZooKeeper instance is not currently serving requests'

/**
 * A session id as ZooKeeper's JSON writes it: a signed 64-bit integer. It stays a bigint so the
 * admin server can print every digit (a JS number would round it).
 */
export function sessionIdValue(id: bigint): bigint {
  return BigInt.asIntN(64, id)
}

/** `ServerCnxn.getConnectionInfo(brief)`. */
function connectionInfo(c: ConnectionInfo, brief: boolean): Record<string, unknown> {
  const info: Record<string, unknown> = {
    remote_socket_address: `${c.remoteAddress}:${c.remotePort}`,
    interest_ops: c.interestOps,
    outstanding_requests: c.queued,
    packets_received: c.received,
    packets_sent: c.sent,
  }
  if (brief) return info
  return {
    ...info,
    session_id: sessionIdValue(c.sessionId),
    last_operation: c.lastOperation,
    established: c.establishedMs,
    session_timeout: c.sessionTimeoutMs,
    last_cxid: c.lastCxid,
    last_zxid: c.lastZxid,
    last_response_time: c.lastResponseMs,
    last_latency: c.lastLatencyMs,
    min_latency: c.latency.minMs,
    avg_latency: c.latency.avgMs,
    max_latency: c.latency.maxMs,
  }
}

/** `SrvrCommand`: version, read_only, the `ServerStats` bean, node_count. */
function serverStats({ server, port }: AdminContext): Record<string, unknown> {
  const clientResponse = { last_buffer_size: -1, min_buffer_size: -1, max_buffer_size: -1 }
  return {
    version: server.version,
    read_only: server.readOnly,
    server_stats: {
      packets_sent: port.packetsSent,
      packets_received: port.packetsReceived,
      fsync_threshold_exceed_count: 0,
      client_response_stats: clientResponse,
      provider_null: false,
      uptime: port.uptimeMs,
      server_state: server.mode,
      outstanding_requests: port.outstandingRequests,
      min_latency: port.latency.minMs,
      avg_latency: port.latency.avgMs,
      max_latency: port.latency.maxMs,
      data_dir_size: 0,
      log_dir_size: 0,
      last_processed_zxid: server.lastProcessedZxid,
      num_alive_client_connections: port.connections.length,
      auth_failed_count: 0,
      non_mtls_remote_conn_count: 0,
      non_mtls_local_conn_count: 0,
    },
    client_response: clientResponse,
    node_count: server.znodeCount,
  }
}

/** `ZooKeeperServerConf.toMap`. */
function configuration({ server, port }: AdminContext): Record<string, unknown> {
  return {
    client_port: port.clientPort,
    data_dir: server.dataDir,
    data_dir_size: 0,
    data_log_dir: server.dataLogDir,
    data_log_size: 0,
    tick_time: server.tickTimeMs,
    max_client_cnxns: port.maxClientCnxns,
    min_session_timeout: server.minSessionTimeoutMs,
    max_session_timeout: server.maxSessionTimeoutMs,
    server_id: server.serverId,
    client_port_listen_backlog: -1,
  }
}

/** ZooKeeper's metrics provider dumps a summary as avg_, min_, max_, cnt_ and sum_ keys. */
function summary(name: string, h: LatencyHistogram): Record<string, number> {
  return {
    [`avg_${name}`]: h.count === 0 ? 0 : h.sumMs / h.count,
    [`min_${name}`]: h.minMs,
    [`max_${name}`]: h.maxMs,
    [`cnt_${name}`]: h.count,
    [`sum_${name}`]: h.sumMs,
  }
}

/** `MonitorCommand`: the `mntr` keys without their `zk_` prefix, numbers as numbers. */
function monitor(ctx: AdminContext): Record<string, unknown> {
  const { server, port, metrics } = ctx
  let ephemeralsCount = 0
  for (const paths of server.ephemerals.values()) ephemeralsCount += paths.length
  return {
    version: server.version,
    server_state: server.mode,
    avg_latency: port.latency.avgMs,
    max_latency: port.latency.maxMs,
    min_latency: port.latency.minMs,
    packets_received: port.packetsReceived,
    packets_sent: port.packetsSent,
    num_alive_connections: port.connections.length,
    outstanding_requests: port.outstandingRequests,
    uptime: port.uptimeMs,
    znode_count: server.znodeCount,
    watch_count: watchSummary(ctx).num_total_watches,
    ephemerals_count: ephemeralsCount,
    approximate_data_size: server.approximateDataSize,
    global_sessions: server.sessions.length,
    local_sessions: 0,
    last_processed_zxid: server.lastProcessedZxid,
    quorum_size: metrics.quorumSize,
    election_count: metrics.elections,
    ...summary('fsynctime', metrics.logSync),
  }
}

/** `DataTree.getWatchesSummary().toMap()`. */
function watchSummary({ server }: AdminContext): { num_connections: number; num_paths: number; num_total_watches: number } {
  const paths = new Set<string>()
  let total = 0
  let connections = 0
  for (const list of server.watchesBySession.values()) {
    if (list.length === 0) continue
    connections++
    total += list.length
    for (const p of list) paths.add(p)
  }
  return { num_connections: connections, num_paths: paths.size, num_total_watches: total }
}

/** `WatchCommand`: session id (a JSON object key, so a decimal string) to its watched paths. */
function watches({ server }: AdminContext): Record<string, unknown> {
  const bySession: Record<string, string[]> = {}
  for (const [id, paths] of server.watchesBySession) {
    if (paths.length > 0) bySession[String(sessionIdValue(id))] = [...new Set(paths)]
  }
  return { session_id_to_watched_paths: bySession }
}

/** `WatchesByPathCommand`: path to the sessions watching it. */
function watchesByPath({ server }: AdminContext): Record<string, unknown> {
  const byPath = new Map<string, bigint[]>()
  for (const [id, paths] of server.watchesBySession) {
    for (const p of paths) {
      const ids = byPath.get(p)
      if (ids === undefined) byPath.set(p, [sessionIdValue(id)])
      else if (!ids.includes(sessionIdValue(id))) ids.push(sessionIdValue(id))
    }
  }
  return { path_to_session_ids: Object.fromEntries(byPath) }
}

/** `DumpCommand`: session expiry buckets and ephemerals by session. */
function dump({ server }: AdminContext): Record<string, unknown> {
  const expiry = new Map<number, bigint[]>()
  for (const s of [...server.sessions].sort((a, b) => a.expiresAtMs - b.expiresAtMs)) {
    const ids = expiry.get(s.expiresAtMs)
    if (ids === undefined) expiry.set(s.expiresAtMs, [sessionIdValue(s.sessionId)])
    else ids.push(sessionIdValue(s.sessionId))
  }
  const ephemerals: Record<string, readonly string[]> = {}
  for (const [id, paths] of server.ephemerals) ephemerals[String(sessionIdValue(id))] = paths
  return { expiry_time_to_session_ids: Object.fromEntries(expiry), session_id_to_ephemeral_paths: ephemerals }
}

/** The commands, in ZooKeeper's registration order where it has them. */
export const adminCommands: readonly AdminCommand[] = [
  { names: ['configuration', 'conf', 'config'], serverRequired: true, run: configuration },
  { names: ['connections', 'cons'], serverRequired: true, run: ({ port }) => ({ connections: port.connections.map((c) => connectionInfo(c, false)), secure_connections: [] }) },
  { names: ['dirs'], serverRequired: true, run: () => ({ datadir_size: 0, logdir_size: 0 }) },
  { names: ['dump'], serverRequired: true, run: dump },
  { names: ['environment', 'env', 'envi'], serverRequired: false, run: ({ port }) => Object.fromEntries(port.environment) },
  { names: ['is_read_only', 'isro'], serverRequired: true, run: ({ server }) => ({ read_only: server.readOnly }) },
  // ZooKeeper registers mntr as not needing a serving server: a looking member still reports.
  { names: ['monitor', 'mntr'], serverRequired: false, run: monitor },
  { names: ['ruok'], serverRequired: true, run: () => ({}) },
  { names: ['server_stats', 'srvr'], serverRequired: true, run: serverStats },
  { names: ['stats', 'stat'], serverRequired: true, run: (ctx) => ({ ...serverStats(ctx), connections: ctx.port.connections.map((c) => connectionInfo(c, true)) }) },
  { names: ['watches', 'wchc'], serverRequired: true, run: watches },
  { names: ['watches_by_path', 'wchp'], serverRequired: true, run: watchesByPath },
  { names: ['watch_summary', 'wchs'], serverRequired: true, run: watchSummary },
]

const byName = new Map<string, AdminCommand>(adminCommands.flatMap((c) => c.names.map((n) => [n, c] as const)))

/** The command registered under `name` (primary or alias), if any. */
export function findAdminCommand(name: string): AdminCommand | undefined {
  return byName.get(name)
}

/** The outcome of running a command: its HTTP status and its JSON object. */
export interface AdminAnswer {
  /** 200, 404 for an unknown command, 503 for one that needs a serving member while there is none. */
  status: number
  /** The response object, ending in `command` and `error` as ZooKeeper's `CommandResponse`. */
  body: Record<string, unknown>
}

/**
 * Runs the command named `name` (ZooKeeper's `Commands.runCommand`). `serving` says whether the
 * member has an established leader; `context` is read only when the command runs.
 */
export function runAdminCommand(name: string, serving: boolean, context: () => AdminContext): AdminAnswer {
  const command = findAdminCommand(name)
  if (command === undefined) return { status: 404, body: { command: name, error: `Unknown command: ${name}` } }
  const primary = command.names[0] ?? name
  if (command.serverRequired && !serving) return { status: 503, body: { command: primary, error: notServingError } }
  return { status: 200, body: { ...command.run(context()), command: primary, error: null } }
}

/**
 * JSON text of an admin answer, pretty-printed as ZooKeeper's Jackson outputter does. A bigint
 * (a session id) is written as an exact integer literal, as Java writes a long.
 */
export function adminJson(value: unknown): string {
  const marker = '\u0000bigint:'
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${marker}${v}` : v), 2)
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1')
}
