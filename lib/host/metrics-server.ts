/**
 * The Prometheus endpoint of ZooKeeper's PrometheusMetricsProvider: an HTTP server of its own
 * (`metricsPort`, zoo.cfg's `metricsProvider.httpPort`) that answers `GET /metrics` with the
 * member's figures under ZooKeeper's metric names (lib/server/prometheus.ts), and nothing else.
 *
 * It binds loopback unless told otherwise (ZooKeeper binds every address). Like ZooKeeper's, it
 * has no authentication and accepts any Host header: it changes nothing and tells only figures,
 * and a Prometheus reaches members under names of its own. Bounded as the admin server is
 * (connections, header bytes, request time).
 * @module
 */
import { readdir, readFile } from 'node:fs/promises'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { adminConnectionsMax, adminHeaderBytesMax, adminRequestTimeoutMs } from '../limits.js'
import { formatPrometheus, prometheusContentType, SummaryWindow, type MetricsSnapshot, type ProcessFigures } from '../server/prometheus.js'
import type { ServerMode } from '../server/pipeline-types.js'
import type { MemberMetrics } from '../server/metrics.js'
import type { ClientPortStats, ServerInfo } from '../wire/four-letter-words.js'

/** Address the Prometheus endpoint binds unless told otherwise. */
export const metricsHostDefault = '127.0.0.1'

/** The path it serves, as ZooKeeper's provider does. */
export const metricsPath = '/metrics'

/** What the endpoint reads at each scrape. */
export interface MetricsSources {
  /** The member: its counters, role and sizes. */
  readonly member: {
    readonly metrics: MemberMetrics
    readonly mode: ServerMode
    readonly lastProcessedZxid: number
    readonly tree: { readonly size: number }
    readonly watches: { readonly size: number }
    readonly sessions: { readonly size: number }
    readonly localSessions?: { readonly size: number }
  }
  /** The four-letter-word figures (ephemerals, data size, a leader's learners). */
  readonly backend: { serverInfo(): ServerInfo }
  /** The client port, for latency, packets, connections and uptime; absent without one. */
  readonly clientPort?: { stats(): ClientPortStats } | undefined
  /** The member's health, for `paddock_health`. */
  readonly health?: (() => { state: string }) | undefined
  /** An ensemble member's ZAB view, for the observers a leader counts among its `learners`; absent standalone. */
  readonly ensemble?: { status(): { readonly learners: { readonly observers: number } } } | undefined
}

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** Port to bind; 0 picks a free one. */
  port: number
  /** Address to bind. @defaultValue '127.0.0.1' */
  host?: string
}

/** A running Prometheus endpoint. */
export interface MetricsServer {
  /** The bound address. */
  readonly address: { host: string; port: number }
  /** Stops listening and ends every connection; resolves once closed. Safe to call twice. */
  close(): Promise<void>
}

/** Starts the endpoint over `sources`; resolves once it listens, rejects naming the setting when it cannot. */
export async function startMetricsServer(sources: MetricsSources, options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? metricsHostDefault
  const window = new SummaryWindow(Date.now())
  const server = createHttpServer({ maxHeaderSize: adminHeaderBytesMax }, (req, res) => {
    answer(sources, window, req, res).catch((error: unknown) => send(res, 500, 'text/plain; charset=utf-8', `internal error: ${String(error)}\n`))
  })
  server.maxConnections = adminConnectionsMax
  server.requestTimeout = adminRequestTimeoutMs
  server.headersTimeout = adminRequestTimeoutMs
  server.on('clientError', (_error, socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(new Error(`the /metrics endpoint cannot listen on ${host}:${options.port} (metricsProvider.httpPort): ${error.message}`, { cause: error }))
    server.once('error', failed)
    server.listen(options.port, host, () => {
      server.off('error', failed)
      resolve()
    })
  })
  let closing: Promise<void> | undefined
  return {
    get address() {
      return { host, port: (server.address() as AddressInfo).port }
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    },
  }
}

/** Answers one request: `GET` (or `HEAD`) `/metrics`; 405 for another method there, 404 elsewhere. */
async function answer(sources: MetricsSources, window: SummaryWindow, req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume()
  const path = (req.url ?? '').split('?')[0]
  if (path !== metricsPath) return send(res, 404, 'text/plain; charset=utf-8', `Not found: ${path ?? ''}; the figures are at ${metricsPath}\n`)
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD')
    return send(res, 405, 'text/plain; charset=utf-8', `Method ${req.method ?? ''} not allowed for ${metricsPath}; use GET\n`)
  }
  const figures = await processFigures()
  send(res, 200, prometheusContentType, formatPrometheus({ ...metricsSnapshot(sources, window, Date.now()), process: figures }), req.method === 'HEAD')
}

/** Every figure of the member at one moment, as `/metrics` exports it. */
export function metricsSnapshot(sources: MetricsSources, window: SummaryWindow | undefined, nowMs: number): MetricsSnapshot {
  const { member } = sources
  const info = sources.backend.serverInfo()
  const port = sources.clientPort?.stats()
  let ephemeralsCount = 0
  for (const paths of info.ephemerals.values()) ephemeralsCount += paths.length
  return {
    ...(sources.health === undefined ? {} : { health: sources.health().state }),
    metrics: member.metrics,
    role: member.mode,
    znodeCount: member.tree.size,
    watchCount: member.watches.size,
    sessionCount: member.sessions.size,
    localSessionCount: member.localSessions?.size ?? 0,
    lastZxid: member.lastProcessedZxid,
    ephemeralsCount,
    approximateDataSize: info.approximateDataSize,
    learners: learnersOf(sources, info),
    quota: info.quota,
    ...(port === undefined
      ? {}
      : { port: { latency: port.latency, packetsReceived: port.packetsReceived, packetsSent: port.packetsSent, connections: port.connections.length, uptimeMs: port.uptimeMs } }),
    ...(window === undefined ? {} : { window, nowMs }),
  }
}

/**
 * A leader's learners as ZooKeeper counts them: `learners` is every follower and observer
 * connected (Leader.getLearners), `synced_followers` the followers in broadcast.
 */
function learnersOf(sources: MetricsSources, info: ServerInfo): MetricsSnapshot['learners'] {
  if (info.learners === undefined) return undefined
  const observers = sources.ensemble?.status().learners.observers ?? 0
  return { connected: info.learners.followers + observers, syncedFollowers: info.learners.syncedFollowers }
}

/** CPU, memory and start time of this process, and its file descriptors where `/proc` tells them. */
export async function processFigures(): Promise<ProcessFigures> {
  const cpu = process.cpuUsage()
  return {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    residentBytes: process.memoryUsage.rss(),
    startTimeSeconds: Math.round(Date.now() / 1000 - process.uptime()),
    fileDescriptors: await fileDescriptors(),
  }
}

/** Open descriptors (`/proc/self/fd`) and the soft limit (`/proc/self/limits`); undefined off Linux. */
async function fileDescriptors(): Promise<{ open: number; max: number } | undefined> {
  try {
    const [entries, limits] = await Promise.all([readdir('/proc/self/fd'), readFile('/proc/self/limits', 'utf8')])
    const soft = /^Max open files\s+(\d+|unlimited)/m.exec(limits)?.[1]
    // The directory read holds one descriptor of its own while it lists.
    return { open: Math.max(0, entries.length - 1), max: soft === undefined || soft === 'unlimited' ? -1 : Number(soft) }
  } catch {
    return undefined
  }
}

function send(res: ServerResponse, status: number, contentType: string, text: string, headOnly = false): void {
  if (res.headersSent) return void res.end()
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' })
  res.end(headOnly ? undefined : text)
}
