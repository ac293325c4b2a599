/**
 * The Prometheus text exposition format (version 0.0.4) of a member's figures, for the admin
 * server's `/metrics`. Pure: it formats a snapshot and reads no clock and no socket.
 * @module
 */
import type { ServerMode } from './pipeline-types.js'
import { latencyBucketsMs, type LatencyHistogram, type MemberMetrics } from './metrics.js'

/** The content type of the text exposition format. */
export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8'

/** Every state `paddock_server_state` reports, one series each (1 for the current one). */
export const serverStates: readonly ServerMode[] = ['standalone', 'leader', 'follower', 'observer', 'looking']

/** Every state `paddock_health` reports, one series each (1 for the current one): the server's health states. */
export const healthStates: readonly string[] = ['serving', 'throttled', 'looking', 'recovering', 'failed']

/** What `/metrics` exports: the member's counters and a few of its sizes, read at one moment. */
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
  /** The zxid of the last applied transaction. */
  lastZxid: number
}

/** Formats `snapshot` as Prometheus text exposition, one `# HELP`/`# TYPE` pair per family. */
export function formatPrometheus(snapshot: MetricsSnapshot): string {
  const { metrics } = snapshot
  const ops = [...metrics.requests.keys()].sort()
  const out: string[] = []
  family(out, 'paddock_requests_total', 'counter', 'Requests answered, by operation.')
  for (const op of ops) out.push(sample('paddock_requests_total', { op }, metrics.requests.get(op)?.count ?? 0))
  family(out, 'paddock_request_latency_ms', 'histogram', 'Time from receipt to answer of a request, ms, by operation.')
  for (const op of ops) {
    const histogram = metrics.requests.get(op)
    if (histogram !== undefined) histogramSamples(out, 'paddock_request_latency_ms', { op }, histogram)
  }
  gauge(out, 'paddock_outstanding_requests', 'Requests received and not yet answered.', metrics.outstanding)
  gauge(out, 'paddock_znode_count', 'Znodes in the tree, system nodes included.', snapshot.znodeCount)
  gauge(out, 'paddock_watch_count', 'Watches registered, of every kind.', snapshot.watchCount)
  gauge(out, 'paddock_sessions', 'Open sessions.', snapshot.sessionCount)
  family(out, 'paddock_log_sync_ms', 'histogram', 'Time from log append to durable (group commit fsync), ms.')
  histogramSamples(out, 'paddock_log_sync_ms', {}, metrics.logSync)
  gauge(out, 'paddock_quorum_size', 'Voting members of the ensemble (1 standalone).', metrics.quorumSize)
  family(out, 'paddock_leader_elections_total', 'counter', 'Leader elections this member took part in.')
  out.push(sample('paddock_leader_elections_total', {}, metrics.elections))
  family(out, 'paddock_server_state', 'gauge', 'The member\'s state: 1 for the current one, 0 for the others.')
  for (const state of serverStates) out.push(sample('paddock_server_state', { state }, state === snapshot.role ? 1 : 0))
  if (snapshot.health !== undefined) {
    family(out, 'paddock_health', 'gauge', 'The member\'s health: 1 for the current state, 0 for the others.')
    for (const state of healthStates) out.push(sample('paddock_health', { state }, state === snapshot.health ? 1 : 0))
  }
  gauge(out, 'paddock_last_zxid', 'The zxid of the last applied transaction.', snapshot.lastZxid)
  return `${out.join('\n')}\n`
}

function family(out: string[], name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
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
