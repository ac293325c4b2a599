/**
 * The Prometheus text exposition format (version 0.0.4) of a member's figures, under the metric
 * names and types ZooKeeper 3.9's PrometheusMetricsProvider exports (`znode_count`,
 * `outstanding_requests`, `readlatency` …; see `ServerMetrics.java` and
 * `ZooKeeperServer.registerMetrics`), and `paddock_*` names only for figures ZooKeeper has no
 * name for (requests by operation, the member's state and health, the last zxid). Served by the
 * admin server's `/metrics` and by the `metricsPort` endpoint.
 *
 * Pure: it formats a snapshot and reads no clock and no socket; a {@link SummaryWindow} is told
 * the time by its caller.
 * @module
 */
import { quotaMetrics, type QuotaReport } from '../wire/four-letter-words.js'
import type { ServerMode } from './pipeline-types.js'
import { latencyBucketsMs, type LatencyHistogram, type MemberMetrics } from './metrics.js'

/** The content type of the text exposition format. */
export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8'

/** Every state `paddock_server_state` reports, one series each (1 for the current one). */
export const serverStates: readonly ServerMode[] = ['standalone', 'leader', 'follower', 'observer', 'looking', 'read-only']

/** Every state `paddock_health` reports, one series each (1 for the current one): the server's health states. */
export const healthStates: readonly string[] = ['serving', 'throttled', 'looking', 'recovering', 'failed']

/**
 * The operations whose latency ZooKeeper records as `updatelatency` (requests with a transaction
 * header: `Request.isQuorum`); every other answered request, pings included, is `readlatency`.
 */
export const updateOps: ReadonlySet<string> = new Set(['create', 'delete', 'setData', 'setACL', 'check', 'multi', 'closeSession', 'createSession', 'deleteContainer', 'reconfig', 'error'])

/** The quantiles of ZooKeeper's ADVANCED summaries (`readlatency`, `updatelatency`). */
export const advancedQuantiles: readonly number[] = [0.5, 0.9, 0.99]

/** The quantile of ZooKeeper's BASIC summaries (`fsynctime`). */
export const basicQuantiles: readonly number[] = [0.5]

/** How far back a summary's quantiles look, ms: the Prometheus Java client's default (10 minutes), which ZooKeeper keeps. */
export const summaryWindowMs = 600_000

/** Scrapes a {@link SummaryWindow} remembers per summary; older ones are forgotten first. */
export const summaryWindowScrapesMax = 1024

/** The client port's figures, as `srvr` and `mntr` print them. */
export interface PortFigures {
  /** Request latency since the last `srst`, ms. */
  latency: { minMs: number; avgMs: number; maxMs: number }
  /** Packets received since the last `srst`. */
  packetsReceived: number
  /** Packets sent since the last `srst`. */
  packetsSent: number
  /** Open client connections. */
  connections: number
  /** How long the server has been up, ms. */
  uptimeMs: number
}

/** The process's own figures, under the Prometheus clients' standard `process_*` names. */
export interface ProcessFigures {
  /** CPU time used, user and system, seconds. */
  cpuSeconds: number
  /** Resident memory, bytes. */
  residentBytes: number
  /** When the process started, seconds since the epoch. */
  startTimeSeconds: number
  /** Open file descriptors and their limit, where the system tells them (Linux `/proc`). */
  fileDescriptors?: { open: number; max: number } | undefined
}

/** What `/metrics` exports: the member's counters and sizes, read at one moment. */
export interface MetricsSnapshot {
  /** The member's health state, when known (see {@link healthStates}). */
  health?: string
  /** Request, log sync and election counters. */
  metrics: MemberMetrics
  /** The member's role now. */
  role: ServerMode
  /** Znodes in the tree (the root counted once). */
  znodeCount: number
  /** Watches registered, of every kind. */
  watchCount: number
  /** Open sessions. */
  sessionCount: number
  /** Open local sessions (`localSessionsEnabled`); 0 when absent. */
  localSessionCount?: number
  /** The zxid of the last applied transaction. */
  lastZxid: number
  /** Ephemeral znodes; its gauge is left out when absent. */
  ephemeralsCount?: number
  /** Bytes of data and paths, roughly (ZooKeeper's approximate_data_size); left out when absent. */
  approximateDataSize?: number
  /** The client port's figures; their gauges are left out when absent. */
  port?: PortFigures
  /**
   * On a leader: its learners (`connected`: followers and observers connected, ZooKeeper's
   * `learners`; `syncedFollowers`: followers in broadcast); exported only then, as in ZooKeeper.
   */
  learners?: { connected: number; syncedFollowers: number } | undefined
  /** The per-namespace quota figures; their families are left out when absent. */
  quota?: QuotaReport | undefined
  /** The process's figures; the `process_*` families are left out when absent. */
  process?: ProcessFigures
  /** Where summary quantiles come from; without one they cover every observation since the start. */
  window?: SummaryWindow
  /** The time of the snapshot, ms, for {@link MetricsSnapshot.window}. */
  nowMs?: number
}

/** Formats `snapshot` as Prometheus text exposition, one `# HELP`/`# TYPE` pair per family. */
export function formatPrometheus(snapshot: MetricsSnapshot): string {
  const out: string[] = []
  treeFamilies(out, snapshot)
  portFamilies(out, snapshot)
  ensembleFamilies(out, snapshot)
  summaryFamilies(out, snapshot)
  if (snapshot.quota !== undefined) quotaFamilies(out, snapshot.quota)
  paddockFamilies(out, snapshot)
  if (snapshot.process !== undefined) processFamilies(out, snapshot.process)
  return `${out.join('\n')}\n`
}

/** The data tree's and the sessions' gauges (ZooKeeperServer.registerMetrics). */
function treeFamilies(out: string[], snapshot: MetricsSnapshot): void {
  gauge(out, 'znode_count', 'Znodes in the tree, system nodes included.', snapshot.znodeCount)
  gauge(out, 'watch_count', 'Watches registered, of every kind.', snapshot.watchCount)
  if (snapshot.ephemeralsCount !== undefined) gauge(out, 'ephemerals_count', 'Ephemeral znodes.', snapshot.ephemeralsCount)
  if (snapshot.approximateDataSize !== undefined) gauge(out, 'approximate_data_size', 'Bytes of znode data and paths, roughly.', snapshot.approximateDataSize)
  gauge(out, 'global_sessions', 'Open sessions.', snapshot.sessionCount)
  gauge(out, 'local_sessions', 'Open local sessions (localSessionsEnabled).', snapshot.localSessionCount ?? 0)
  gauge(out, 'outstanding_requests', 'Requests received and not yet answered.', snapshot.metrics.outstanding)
}

/** The client port's gauges (ServerStats): latency, packets, connections, uptime. */
function portFamilies(out: string[], { port }: MetricsSnapshot): void {
  if (port === undefined) return
  gauge(out, 'avg_latency', 'Average request latency since the last srst, ms.', port.latency.avgMs)
  gauge(out, 'max_latency', 'Largest request latency since the last srst, ms.', port.latency.maxMs)
  gauge(out, 'min_latency', 'Smallest request latency since the last srst, ms.', port.latency.minMs)
  gauge(out, 'packets_received', 'Packets received since the last srst.', port.packetsReceived)
  gauge(out, 'packets_sent', 'Packets sent since the last srst.', port.packetsSent)
  gauge(out, 'num_alive_connections', 'Open client connections.', port.connections)
  gauge(out, 'uptime', 'Time since the server started, ms.', port.uptimeMs)
}

/** The ensemble's figures: quorum size, elections, and a leader's learners. */
function ensembleFamilies(out: string[], snapshot: MetricsSnapshot): void {
  const { metrics, learners } = snapshot
  gauge(out, 'quorum_size', 'Voting members of the ensemble (1 standalone).', metrics.quorumSize)
  family(out, 'looking_count', 'counter', 'Times this member went looking for a leader.')
  out.push(sample('looking_count', {}, metrics.elections))
  if (learners === undefined) return
  gauge(out, 'learners', 'Followers and observers connected to this leader.', learners.connected)
  gauge(out, 'synced_followers', 'Followers of this leader in broadcast.', learners.syncedFollowers)
}

/** ZooKeeper's latency summaries: `readlatency`, `updatelatency` (ADVANCED) and `fsynctime` (BASIC). */
function summaryFamilies(out: string[], snapshot: MetricsSnapshot): void {
  const requests = [...snapshot.metrics.requests]
  const reads = mergeHistograms(requests.filter(([op]) => !updateOps.has(op)).map(([, h]) => h))
  const updates = mergeHistograms(requests.filter(([op]) => updateOps.has(op)).map(([, h]) => h))
  summary(out, snapshot, 'readlatency', 'Latency of read requests (and pings), receipt to answer, ms.', reads, advancedQuantiles)
  summary(out, snapshot, 'updatelatency', 'Latency of write requests, receipt to answer, ms.', updates, advancedQuantiles)
  summary(out, snapshot, 'fsynctime', 'Time from log append to durable (group commit fsync), ms.', bucketsOf(snapshot.metrics.logSync), basicQuantiles)
}

/** ZooKeeper's per-namespace quota gauge sets and refusal counter, the namespace in the `key` label. */
function quotaFamilies(out: string[], report: QuotaReport): void {
  let last: string | undefined
  for (const { name, namespace, value } of quotaMetrics(report)) {
    if (name !== last) {
      const counter = name === 'quota_exceeded_error_per_namespace'
      family(out, name, counter ? 'counter' : 'gauge', counter ? 'Writes refused for a hard quota, by namespace.' : `The ${name.replace(/_per_namespace$/, '').replace(/_/g, ' ')} of each namespace.`)
      last = name
    }
    out.push(sample(name, { key: namespace }, value))
  }
}

/** Paddock's own figures, which ZooKeeper has no name for. */
function paddockFamilies(out: string[], snapshot: MetricsSnapshot): void {
  const { metrics } = snapshot
  const ops = [...metrics.requests.keys()].sort()
  family(out, 'paddock_requests_total', 'counter', 'Requests answered, by operation.')
  for (const op of ops) out.push(sample('paddock_requests_total', { op }, metrics.requests.get(op)?.count ?? 0))
  family(out, 'paddock_request_latency_ms', 'histogram', 'Time from receipt to answer of a request, ms, by operation.')
  for (const op of ops) {
    const histogram = metrics.requests.get(op)
    if (histogram !== undefined) histogramSamples(out, 'paddock_request_latency_ms', { op }, histogram)
  }
  family(out, 'paddock_server_state', 'gauge', 'The member\'s state: 1 for the current one, 0 for the others.')
  for (const state of serverStates) out.push(sample('paddock_server_state', { state }, state === snapshot.role ? 1 : 0))
  if (snapshot.health !== undefined) {
    family(out, 'paddock_health', 'gauge', 'The member\'s health: 1 for the current state, 0 for the others.')
    for (const state of healthStates) out.push(sample('paddock_health', { state }, state === snapshot.health ? 1 : 0))
  }
  gauge(out, 'paddock_last_zxid', 'The zxid of the last applied transaction.', snapshot.lastZxid)
}

/** The process figures under the standard names every Prometheus client library exports. */
function processFamilies(out: string[], process: ProcessFigures): void {
  family(out, 'process_cpu_seconds_total', 'counter', 'User and system CPU time used, seconds.')
  out.push(sample('process_cpu_seconds_total', {}, process.cpuSeconds))
  gauge(out, 'process_resident_memory_bytes', 'Resident memory, bytes.', process.residentBytes)
  gauge(out, 'process_start_time_seconds', 'When the process started, seconds since the epoch.', process.startTimeSeconds)
  const fds = process.fileDescriptors
  if (fds === undefined) return
  gauge(out, 'process_open_fds', 'Open file descriptors.', fds.open)
  gauge(out, 'process_max_fds', 'The limit of open file descriptors.', fds.max)
  gauge(out, 'open_file_descriptor_count', 'Open file descriptors (ZooKeeper\'s name).', fds.open)
  gauge(out, 'max_file_descriptor_count', 'The limit of open file descriptors (ZooKeeper\'s name).', fds.max)
}

/** Observations in cumulative buckets (bounds {@link latencyBucketsMs}, then +Inf), with their count and sum. */
export interface BucketCounts {
  /** Observations at or below each bound of {@link latencyBucketsMs}. */
  cumulative: number[]
  /** Every observation (the +Inf bucket). */
  count: number
  /** Sum of the observations. */
  sum: number
}

function bucketsOf(histogram: LatencyHistogram): BucketCounts {
  return { cumulative: histogram.buckets, count: histogram.count, sum: histogram.sumMs }
}

/** Several histograms' observations as one (ZooKeeper keeps one summary for every read, one for every write). */
export function mergeHistograms(histograms: readonly LatencyHistogram[]): BucketCounts {
  const merged: BucketCounts = { cumulative: latencyBucketsMs.map(() => 0), count: 0, sum: 0 }
  for (const histogram of histograms) {
    const buckets = histogram.buckets
    merged.cumulative = merged.cumulative.map((n, i) => n + (buckets[i] ?? 0))
    merged.count += histogram.count
    merged.sum += histogram.sumMs
  }
  return merged
}

/**
 * The `q` quantile of observations in cumulative buckets, interpolated linearly inside the bucket
 * it falls in (as PromQL's `histogram_quantile`); NaN with no observations, as a summary with an
 * empty window reports; the highest bound when it falls past every bound.
 */
export function bucketQuantile(counts: Pick<BucketCounts, 'cumulative' | 'count'>, q: number): number {
  if (counts.count <= 0) return NaN
  const rank = q * counts.count
  for (let i = 0; i < latencyBucketsMs.length; i++) {
    const below = counts.cumulative[i] ?? 0
    if (below < rank) continue
    const previous = i === 0 ? 0 : (counts.cumulative[i - 1] ?? 0)
    const lower = i === 0 ? 0 : (latencyBucketsMs[i - 1] ?? 0)
    const upper = latencyBucketsMs[i] ?? lower
    return below === previous ? upper : lower + ((upper - lower) * (rank - previous)) / (below - previous)
  }
  return latencyBucketsMs[latencyBucketsMs.length - 1] ?? NaN
}

/** One remembered scrape of a summary: when, and its cumulative buckets then. */
interface Scrape {
  atMs: number
  cumulative: number[]
  count: number
}

/**
 * Makes summary quantiles cover the last {@link summaryWindowMs} rather than every observation
 * since the start, as ZooKeeper's (the Prometheus Java client's) summaries do: each scrape
 * remembers the buckets, and the quantiles come from what was observed since the newest scrape
 * at least a window old (or since the window was made, at first).
 */
export class SummaryWindow {
  private readonly scrapes = new Map<string, Scrape[]>()

  /** A window of `windowMs`, starting (for every summary) at `startMs` with nothing observed. */
  constructor(
    private readonly startMs: number,
    private readonly windowMs = summaryWindowMs,
  ) {}

  /** The observations of summary `name` within the window ending at `nowMs`; remembers `counts` as seen then. */
  recent(name: string, counts: BucketCounts, nowMs: number): Pick<BucketCounts, 'cumulative' | 'count'> {
    let scrapes = this.scrapes.get(name)
    if (scrapes === undefined) this.scrapes.set(name, (scrapes = [{ atMs: this.startMs, cumulative: latencyBucketsMs.map(() => 0), count: 0 }]))
    while (scrapes.length > 1 && (scrapes[1]?.atMs ?? Infinity) <= nowMs - this.windowMs) scrapes.shift()
    const base = scrapes[0] ?? { atMs: this.startMs, cumulative: [], count: 0 }
    scrapes.push({ atMs: nowMs, cumulative: [...counts.cumulative], count: counts.count })
    if (scrapes.length > summaryWindowScrapesMax) scrapes.splice(1, 1)
    return { cumulative: counts.cumulative.map((n, i) => n - (base.cumulative[i] ?? 0)), count: counts.count - base.count }
  }
}

/** A summary as the Prometheus Java client writes it: one series per quantile, then `_count` and `_sum` (since the start). */
function summary(out: string[], snapshot: MetricsSnapshot, name: string, help: string, counts: BucketCounts, quantiles: readonly number[]): void {
  family(out, name, 'summary', help)
  const window = snapshot.window
  const recent = window === undefined ? counts : window.recent(name, counts, snapshot.nowMs ?? 0)
  for (const q of quantiles) out.push(sample(name, { quantile: String(q) }, bucketQuantile(recent, q)))
  out.push(sample(`${name}_count`, {}, counts.count))
  out.push(sample(`${name}_sum`, {}, counts.sum))
}

function family(out: string[], name: string, type: 'counter' | 'gauge' | 'histogram' | 'summary', help: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
}

function gauge(out: string[], name: string, help: string, value: number): void {
  family(out, name, 'gauge', help)
  out.push(sample(name, {}, value))
}

/** The cumulative `_bucket` series (ending in `le="+Inf"`), then `_sum` and `_count`. */
function histogramSamples(out: string[], name: string, labels: Record<string, string>, histogram: LatencyHistogram): void {
  for (let i = 0; i < latencyBucketsMs.length; i++) {
    out.push(sample(`${name}_bucket`, { ...labels, le: String(latencyBucketsMs[i]) }, histogram.buckets[i] ?? 0))
  }
  out.push(sample(`${name}_bucket`, { ...labels, le: '+Inf' }, histogram.count))
  out.push(sample(`${name}_sum`, labels, histogram.sumMs))
  out.push(sample(`${name}_count`, labels, histogram.count))
}

function sample(name: string, labels: Record<string, string>, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
  return `${name}${pairs.length === 0 ? '' : `{${pairs.join(',')}}`} ${formatValue(value)}`
}

/** The exposition format escapes backslash, double quote and line feed in label values. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}
