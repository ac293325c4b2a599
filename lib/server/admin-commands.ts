/**
 * The admin server's commands: ZooKeeper's `server/admin/Commands.java` answers as JSON-ready
 * objects, built from the same figures the four-letter words print. Pure: no socket, no clock, no
 * file system. What a command changes (the stat resets, the trace mask) it returns as an
 * {@link AdminEffect} for the shell to carry out, as the four-letter words do.
 *
 * Field names follow apache/zookeeper@release-3.9 (`Commands`, `ServerStats`,
 * `ServerCnxn.getConnectionInfo`, `ZooKeeperServerConf.toMap`, `WatchesSummary.toMap`,
 * `LearnerHandler.getLearnerHandlerInfo`, `VotingViewCommand.QuorumServerView`), which Jackson
 * writes in snake_case. Every answer ends in `command` (the primary name) and `error`.
 * @module
 */
import type { ServerSpec } from '../config/zoo-cfg.js'
import { counterOf, epochOf } from '../protocol/zxid.js'
import { javaHex, measuredDirectories, quotaMetrics, type ConnectionInfo, type FourLetterContext } from '../wire/four-letter-words.js'
import type { ZabState } from '../zab/index.js'
import type { LastSnapshot } from './replication.js'
import type { LatencyHistogram, MemberMetrics } from './metrics.js'

/** What a quorum member knows of its ensemble: the configuration and the ZAB core's view. */
export interface AdminEnsemble {
  /** This member's id (myid). */
  readonly myid: number
  /** Every member of the configuration (zoo.cfg's server.N lines). */
  readonly servers: readonly ServerSpec[]
  /** The ZAB core's view now. */
  readonly status: {
    /** LOOKING, FOLLOWING, LEADING or OBSERVING (ZooKeeper's ServerState). */
    readonly role: string
    /** The leader followed or led, if any. */
    readonly leader: number | undefined
    /** The ZAB phase. */
    readonly zabState: ZabState
    /** On a leader: the observers in broadcast and the last zxid sent to each. */
    readonly syncedObservers: readonly { readonly sid: number; readonly lastZxid: number }[]
  }
}

/** What a command reads: the four-letter-word figures, the member's counters and what it knows of itself. */
export interface AdminContext extends FourLetterContext {
  /** The member's request, log sync and election counters. */
  metrics: MemberMetrics
  /** The ensemble, on a quorum member; undefined for a standalone server. */
  ensemble?: AdminEnsemble | undefined
  /** The newest snapshot written or restored; undefined when there is none (or no storage). */
  lastSnapshot?: LastSnapshot | undefined
  /** The text of the configuration file the server started from; undefined without one. */
  initialConfiguration?: string | undefined
  /** Where the client port listens; undefined for a server reachable only in-process. */
  clientAddress?: { host: string; port: number } | undefined
  /** The runtime's properties, name and value (ZooKeeper's Java system properties; see `sysp`). */
  systemProperties: readonly (readonly [string, string])[]
}

/** A change a command asks the shell to make. */
export type AdminEffect =
  /** Reset every client connection's statistics (as the four-letter word `crst`). */
  | { readonly type: 'resetConnectionStats' }
  /** Reset the server's latency and packet counts (as the four-letter word `srst`). */
  | { readonly type: 'resetServerStats' }
  /** Set the trace mask `gtmk` reports. */
  | { readonly type: 'setTraceMask'; readonly traceMask: bigint }

/** What running a command gives: its fields, and what it asks for or why it could not. */
export interface AdminOutcome {
  /** The command's fields, without `command` and `error`. */
  fields: Record<string, unknown>
  /** What the shell must change. */
  effect?: AdminEffect
  /** ZooKeeper's `error` text, when the command could not do what was asked. */
  error?: string
  /** HTTP status of the answer. @defaultValue 200 */
  status?: number
}

/** One admin command. */
export interface AdminCommand {
  /** The primary name first, then ZooKeeper's aliases (its four-letter word among them). */
  readonly names: readonly string[]
  /** Whether the command needs a serving member (ZooKeeper's `isServerRequired`). */
  readonly serverRequired: boolean
  /** Whether it prints directory sizes, which the shell must measure (asynchronously) first. */
  readonly readsDirectories: boolean
  /** Runs the command on `ctx` with the request's query parameters `args`. */
  run(ctx: AdminContext, args: ReadonlyMap<string, string>): AdminOutcome
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
function serverStats(ctx: AdminContext): Record<string, unknown> {
  const { server, port } = ctx
  const directories = measuredDirectories(ctx)
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
      data_dir_size: directories.dataDirBytes,
      log_dir_size: directories.dataLogDirBytes,
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

/**
 * `ZooKeeperServerConf.toMap`, plus `data_dir_size` and `data_log_size` as the four-letter word
 * `conf` prints them (`ZooKeeperServer.dumpConf`).
 */
function configuration(ctx: AdminContext): Record<string, unknown> {
  const { server, port } = ctx
  const directories = measuredDirectories(ctx)
  return {
    client_port: port.clientPort,
    // Not in ZooKeeperServerConf (its four-letter `conf` prints it): Paddock adds it here too.
    secure_client_port: port.secureClientPort ?? -1,
    data_dir: server.dataDir,
    data_dir_size: directories.dataDirBytes,
    data_log_dir: server.dataLogDir,
    data_log_size: directories.dataLogDirBytes,
    tick_time: server.tickTimeMs,
    max_client_cnxns: port.maxClientCnxns,
    min_session_timeout: server.minSessionTimeoutMs,
    max_session_timeout: server.maxSessionTimeoutMs,
    server_id: server.myid,
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
    local_sessions: server.localSessionCount ?? 0,
    last_processed_zxid: server.lastProcessedZxid,
    quorum_size: metrics.quorumSize,
    election_count: metrics.elections,
    ...summary('fsynctime', metrics.logSync),
    ...(server.quota === undefined ? {} : Object.fromEntries(quotaMetrics(server.quota).map((m) => [`${m.namespace}_${m.name}`, m.value]))),
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

/** ZooKeeper's answer to `lead` on a server that is not a quorum member (`LeaderCommand`). */
export const notQuorumError = 'server is not initialized'

/** `LastSnapshotCommand`: the zxid in hex and the time in seconds, -1 for both without a snapshot. */
function lastSnapshot({ lastSnapshot: snapshot }: AdminContext): Record<string, unknown> {
  if (snapshot === undefined) return { zxid: javaHex(-1n), timestamp: -1 }
  return { zxid: javaHex(snapshot.zxid), timestamp: snapshot.timeMs === undefined ? -1 : Math.floor(snapshot.timeMs / 1000) }
}

/** `host:port`, with an IPv6 host in brackets (ZooKeeper's `QuorumServer.delimitedHostString`). */
function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** `LeaderCommand`: whether this member leads, and who leads (-1 and "" while nobody does). */
function leader({ ensemble }: AdminContext): AdminOutcome {
  if (ensemble === undefined) return { fields: {}, error: notQuorumError }
  const leaderId = ensemble.status.leader
  const leaderSpec = ensemble.servers.find((s) => s.id === leaderId)
  return {
    fields: {
      is_leader: ensemble.status.role === 'LEADING',
      leader_id: leaderId ?? -1,
      leader_ip: leaderSpec?.host ?? '',
    },
  }
}

/** `SyncedObserverConsCommand`: the leader's observers in broadcast, each as the figures Paddock keeps. */
function observers({ ensemble }: AdminContext): Record<string, unknown> {
  const synced = ensemble?.status.role === 'LEADING' ? ensemble.status.syncedObservers : []
  return { synced_observers: synced.length, observers: synced.map((o) => ({ sid: o.sid, last_zxid: o.lastZxid })) }
}

/** `VotingViewCommand`: the voting members of the configuration, by server id. */
function votingView({ ensemble }: AdminContext): Record<string, unknown> {
  const view: Record<string, unknown> = {}
  for (const s of ensemble?.servers ?? []) {
    if (s.role !== 'participant') continue
    view[String(s.id)] = {
      server_addresses: [hostPort(s.host, s.quorumPort)],
      election_addresses: [hostPort(s.host, s.electionPort)],
      // ZooKeeper's InetSocketAddress(port) for a bare `;port` is the wildcard address.
      client_address: s.clientPort === undefined ? '' : hostPort(s.clientAddress ?? '0.0.0.0', s.clientPort),
      learner_type: 'participant',
    }
  }
  return { current_config: view }
}

/** `ZabStateCommand`: this member's addresses, whether it votes, its last zxid and ZAB phase. */
function zabState({ ensemble, server, clientAddress }: AdminContext): Record<string, unknown> {
  if (ensemble === undefined) return { voting: false, zabstate: '' }
  const me = ensemble.servers.find((s) => s.id === ensemble.myid)
  const zxid = server.lastProcessedZxid
  return {
    myid: ensemble.myid,
    is_leader: ensemble.status.role === 'LEADING',
    quorum_address: me === undefined ? null : hostPort(me.host, me.quorumPort),
    election_address: me === undefined ? null : hostPort(me.host, me.electionPort),
    client_address: clientAddress === undefined ? null : hostPort(clientAddress.host, clientAddress.port),
    voting: me?.role === 'participant',
    last_zxid: `0x${javaHex(zxid)}`,
    zab_epoch: epochOf(zxid),
    zab_counter: counterOf(zxid),
    zabstate: ensemble.status.zabState,
  }
}

/** ZooKeeper's `Long.parseLong` of the `traceMask` argument: a decimal in the signed 64-bit range. */
function setTraceMask(_ctx: AdminContext, args: ReadonlyMap<string, string>): AdminOutcome {
  const text = args.get('traceMask')
  if (text === undefined) return { fields: {}, error: 'setTraceMask requires long traceMask argument', status: 400 }
  const mask = /^[+-]?\d{1,19}$/.test(text) ? BigInt(text) : undefined
  if (mask === undefined || BigInt.asIntN(64, mask) !== mask) {
    return { fields: {}, error: `setTraceMask requires long traceMask argument, got ${text}`, status: 400 }
  }
  return { fields: { tracemask: mask }, effect: { type: 'setTraceMask', traceMask: mask } }
}

type Fields = (ctx: AdminContext) => Record<string, unknown>

/** A command that only reports. */
function report(names: readonly string[], serverRequired: boolean, fields: Fields, readsDirectories = false): AdminCommand {
  return { names, serverRequired, readsDirectories, run: (ctx) => ({ fields: fields(ctx) }) }
}

/** A command that asks the shell for `effect` and reports nothing else. */
function act(names: readonly string[], effect: AdminEffect): AdminCommand {
  return { names, serverRequired: true, readsDirectories: false, run: () => ({ fields: {}, effect }) }
}

/**
 * The commands, in ZooKeeper's registration order. Left out: `hash` (Paddock keeps no tree
 * digests) and `observer_connection_stat_reset` (it keeps no per-observer counters). The
 * commands that authenticate their callers are served by the shell: `snapshot` and `restore`
 * stream bytes rather than JSON (lib/host/admin-backup.ts), `shed_connections` reads a JSON body
 * and closes client connections (lib/host/admin-shed.ts).
 */
export const adminCommands: readonly AdminCommand[] = [
  act(['connection_stat_reset', 'crst'], { type: 'resetConnectionStats' }),
  report(['configuration', 'conf', 'config'], true, configuration, true),
  report(['connections', 'cons'], true, ({ port }) => ({
    connections: port.connections.filter((c) => c.secure !== true).map((c) => connectionInfo(c, false)),
    secure_connections: port.connections.filter((c) => c.secure === true).map((c) => connectionInfo(c, false)),
  })),
  report(['dirs'], true, (ctx) => {
    const directories = measuredDirectories(ctx)
    return { datadir_size: directories.dataDirBytes, logdir_size: directories.dataLogDirBytes }
  }, true),
  report(['dump'], true, dump),
  report(['environment', 'env', 'envi'], false, ({ port }) => Object.fromEntries(port.environment)),
  report(['get_trace_mask', 'gtmk'], false, ({ server }) => ({ tracemask: server.traceMask })),
  report(['initial_configuration', 'icfg'], true, ({ initialConfiguration }) => ({ initial_configuration: initialConfiguration ?? null })),
  report(['is_read_only', 'isro'], true, ({ server }) => ({ read_only: server.readOnly })),
  report(['last_snapshot', 'lsnp'], true, lastSnapshot),
  { names: ['leader', 'lead'], serverRequired: true, readsDirectories: false, run: leader },
  // ZooKeeper registers mntr as not needing a serving server: a looking member still reports.
  report(['monitor', 'mntr'], false, monitor),
  report(['ruok'], true, () => ({})),
  { names: ['set_trace_mask', 'stmk'], serverRequired: false, readsDirectories: false, run: setTraceMask },
  report(['server_stats', 'srvr'], true, serverStats, true),
  report(['stats', 'stat'], true, (ctx) => ({
    ...serverStats(ctx),
    connections: ctx.port.connections.filter((c) => c.secure !== true).map((c) => connectionInfo(c, true)),
    secure_connections: ctx.port.connections.filter((c) => c.secure === true).map((c) => connectionInfo(c, true)),
  }), true),
  act(['stat_reset', 'srst'], { type: 'resetServerStats' }),
  report(['observers', 'obsr'], true, observers),
  report(['system_properties', 'sysp'], false, ({ systemProperties }) => Object.fromEntries(systemProperties)),
  report(['voting_view'], true, votingView),
  report(['watches', 'wchc'], true, watches),
  report(['watches_by_path', 'wchp'], true, watchesByPath),
  report(['watch_summary', 'wchs'], true, watchSummary),
  report(['zabstate'], false, zabState),
]

const byName = new Map<string, AdminCommand>(adminCommands.flatMap((c) => c.names.map((n) => [n, c] as const)))

/** The command registered under `name` (primary or alias), if any. */
export function findAdminCommand(name: string): AdminCommand | undefined {
  return byName.get(name)
}

/** The outcome of running a command: its HTTP status, its JSON object and what the shell must change. */
export interface AdminAnswer {
  /**
   * 200; 400 for a bad argument; 404 for an unknown command; 503 for one that needs a serving
   * member while there is none.
   */
  status: number
  /** The response object, ending in `command` and `error` as ZooKeeper's `CommandResponse`. */
  body: Record<string, unknown>
  /** What the shell must change (a reset, the trace mask), once the answer is decided. */
  effect?: AdminEffect
}

/**
 * Runs the command named `name` (ZooKeeper's `Commands.runCommand`) with the query parameters
 * `args`. `serving` says whether the member has an established leader; `context` is read only
 * when the command runs.
 */
export function runAdminCommand(name: string, serving: boolean, context: () => AdminContext, args: ReadonlyMap<string, string> = new Map()): AdminAnswer {
  const command = findAdminCommand(name)
  if (command === undefined) return { status: 404, body: { command: name, error: `Unknown command: ${name}` } }
  const primary = command.names[0] ?? name
  if (command.serverRequired && !serving) return { status: 503, body: { command: primary, error: notServingError } }
  const outcome = command.run(context(), args)
  const answer: AdminAnswer = { status: outcome.status ?? 200, body: { ...outcome.fields, command: primary, error: outcome.error ?? null } }
  if (outcome.effect !== undefined) answer.effect = outcome.effect
  return answer
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
