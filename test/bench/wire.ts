// Method: the same pipelined wire client drives Paddock and Apache ZooKeeper, each spawned fresh per
// run and runs alternating between them; each phase is bounded in count and time; medians of the runs.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ClientRequest } from '../../lib/protocol/jute-records.js'
import { ratio, summarize, type Summary } from './report.js'
import { apacheUnavailableReason, startServer, timeToFirstReply, type BenchTls, type Rss, type ServerKind } from './servers.js'
import { openAclUnsafe, runLoad, type LoadResult, type WireClient } from './wire-client.js'

/** The operations measured. */
export type WireOp = 'create' | 'setData' | 'getData' | 'exists'

/** Bounds of one measured phase and of the whole comparison. */
export interface WireBenchOptions {
  /** Fresh server processes per server kind; the report gives their medians. */
  runs: number
  /** Each phase sends requests for at most this long, in milliseconds. */
  durationMs: number
  /** Each phase sends at most this many requests. */
  countMax: number
  /** Warm-up (creates then reads at 100 in flight) before measuring, in milliseconds per part. */
  warmupMs: number
  /** Requests kept in flight, one phase each. */
  inFlights: readonly number[]
  /** Operations measured, in order (setData, getData and exists use the nodes the create phase made). */
  ops: readonly WireOp[]
  /** Run servers on a dataDir (Paddock on LevelDB; Apache always has one). */
  durable: boolean
}

/** One server process: its start-up, resident memory and every phase. */
export interface ServerRun {
  /** From spawn to the reply of the first successful create, in milliseconds. */
  startupMs: number
  /** Resident memory after the phases. */
  rss: Rss
  /** Phases by `${op}@${inFlight}`. */
  phases: Record<string, LoadResult>
}

/** One op at one in-flight level, both servers, over the runs. */
export interface WireRow {
  /** The op. */
  op: WireOp
  /** Requests in flight. */
  inFlight: number
  /** Paddock's ops/s, p50 and p99 (ms) over the runs. */
  paddock: { opsPerSec: Summary; p50Ms: Summary; p99Ms: Summary; errors: number }
  /** Apache ZooKeeper's, likewise. */
  apache: { opsPerSec: Summary; p50Ms: Summary; p99Ms: Summary; errors: number }
  /** Paddock / Apache of the median ops/s (above 1: Paddock is faster). */
  opsRatio: number
  /** Paddock / Apache of the median p50 latency (below 1: Paddock is quicker). */
  p50Ratio: number
  /** Paddock / Apache of the median p99 latency. */
  p99Ratio: number
}

/** What {@link benchWire} measured. */
export interface WireBenchResult {
  /** The options it ran with. */
  options: WireBenchOptions
  /** One row per op and in-flight level. */
  rows: WireRow[]
  /** Start-up (spawn to first create reply), ms, per server, and Paddock / Apache of the medians. */
  startupMs: { paddock: Summary; apache: Summary; ratio: number }
  /** VmRSS after the phases, bytes, per server, and Paddock / Apache of the medians. */
  rssBytes: { paddock: Summary; apache: Summary; ratio: number }
  /** Peak VmHWM, bytes, per server. */
  peakRssBytes: { paddock: Summary; apache: Summary; ratio: number }
  /** Every run as measured. */
  raw: { paddock: ServerRun[]; apache: ServerRun[] }
}

const valueBytes = 100
/** How long a server may take to serve its first create after spawn, in milliseconds. */
const startTimeoutMs = 60_000

function create(path: string, data: Uint8Array): ClientRequest {
  return { op: 'create', path, data, acl: openAclUnsafe, flags: 0 }
}

function requestFor(op: WireOp, path: string, data: Uint8Array): ClientRequest {
  switch (op) {
    case 'create': return create(path, data)
    case 'setData': return { op, path, data, version: -1 }
    case 'getData': case 'exists': return { op, path, watch: false }
  }
}

async function mustSucceed(client: WireClient, request: ClientRequest): Promise<void> {
  const { header } = await client.request(request)
  if (header.err !== 0) throw new Error(`${request.op} ${'path' in request ? request.path : ''} failed with err ${header.err}`)
}

async function warmUp(client: WireClient, options: WireBenchOptions, data: Uint8Array): Promise<void> {
  await mustSucceed(client, create('/warm', data))
  const bounds = { inFlight: 100, countMax: options.countMax, durationMs: options.warmupMs }
  const created = await runLoad(client, { ...bounds, request: (i) => create(`/warm/n${i}`, data) })
  const n = Math.max(1, created.ops)
  await runLoad(client, { ...bounds, request: (i) => requestFor(i % 2 === 0 ? 'getData' : 'setData', `/warm/n${i % n}`, data) })
}

/**
 * Spawns one server, times its start, warms it up, runs every phase, reads its RSS, and stops it.
 * With `tls` (Paddock only) the server speaks only TLS and the client connects with TLS.
 */
export async function measureServer(kind: ServerKind, options: WireBenchOptions, run: number, tls?: BenchTls): Promise<ServerRun> {
  const workDir = await mkdtemp(join(tmpdir(), `paddock-bench-${kind}-`))
  const dataDir = kind === 'apache' || options.durable ? join(workDir, 'data') : undefined
  const server = await startServer({ kind, workDir, ...(dataDir === undefined ? {} : { dataDir }), ...(tls === undefined ? {} : { tls }) })
  const data = new Uint8Array(valueBytes).fill(0x61 + (run % 26))
  try {
    const { client, ms: startupMs } = await timeToFirstReply(server, create('/startup', data), [0], startTimeoutMs)
    await warmUp(client, options, data)
    const phases: Record<string, LoadResult> = {}
    for (const inFlight of options.inFlights) {
      const base = `/b${inFlight}`
      await mustSucceed(client, create(base, data))
      let nodes = 0
      for (const op of options.ops) {
        // create makes the nodes the other ops then cycle over.
        const path = op === 'create' ? (i: number) => `${base}/n${i}` : (i: number) => `${base}/n${i % Math.max(1, nodes)}`
        const result = await runLoad(client, { inFlight, countMax: options.countMax, durationMs: options.durationMs, request: (i) => requestFor(op, path(i), data) })
        if (op === 'create') nodes = result.ops - result.errors
        phases[`${op}@${inFlight}`] = result
      }
    }
    const rss = await server.rss()
    await client.close()
    return { startupMs, rss, phases }
  } finally {
    await server.stop()
    await rm(workDir, { recursive: true, force: true })
  }
}

function both(values: { paddock: number[]; apache: number[] }): { paddock: Summary; apache: Summary; ratio: number } {
  const paddock = summarize(values.paddock)
  const apache = summarize(values.apache)
  return { paddock, apache, ratio: ratio(paddock.median, apache.median) }
}

function rowsOf(options: WireBenchOptions, raw: WireBenchResult['raw']): WireRow[] {
  const rows: WireRow[] = []
  for (const inFlight of options.inFlights) {
    for (const op of options.ops) {
      const key = `${op}@${inFlight}`
      const side = (runs: ServerRun[]): WireRow['paddock'] => {
        const phases = runs.map((r) => r.phases[key]).filter((p): p is LoadResult => p !== undefined)
        return {
          opsPerSec: summarize(phases.map((p) => p.opsPerSec)),
          p50Ms: summarize(phases.map((p) => p.p50Ms)),
          p99Ms: summarize(phases.map((p) => p.p99Ms)),
          errors: phases.reduce((sum, p) => sum + p.errors, 0),
        }
      }
      const paddock = side(raw.paddock)
      const apache = side(raw.apache)
      rows.push({
        op,
        inFlight,
        paddock,
        apache,
        opsRatio: ratio(paddock.opsPerSec.median, apache.opsPerSec.median),
        p50Ratio: ratio(paddock.p50Ms.median, apache.p50Ms.median),
        p99Ratio: ratio(paddock.p99Ms.median, apache.p99Ms.median),
      })
    }
  }
  return rows
}

/**
 * Runs the comparison: `options.runs` fresh processes of each server, alternating Paddock and
 * Apache so that background load hits both alike, and reduces them to medians. Where Apache
 * ZooKeeper cannot run, Paddock runs alone and Apache's numbers are NaN.
 */
export async function benchWire(options: WireBenchOptions, log: (line: string) => void = () => undefined): Promise<WireBenchResult> {
  const raw: WireBenchResult['raw'] = { paddock: [], apache: [] }
  const unavailable = apacheUnavailableReason()
  if (unavailable !== undefined) log(`  Apache ZooKeeper skipped: ${unavailable}`)
  const kinds = unavailable === undefined ? (['paddock', 'apache'] as const) : (['paddock'] as const)
  for (let run = 0; run < options.runs; run++) {
    for (const kind of kinds) {
      const result = await measureServer(kind, options, run)
      raw[kind].push(result)
      log(`  run ${run + 1}/${options.runs} ${kind}: start ${result.startupMs.toFixed(0)} ms, ` +
        options.inFlights.flatMap((f) => options.ops.map((op) => `${op}@${f} ${Math.round(result.phases[`${op}@${f}`]?.opsPerSec ?? Number.NaN)}/s`)).join(', '))
    }
  }
  return {
    options,
    rows: rowsOf(options, raw),
    startupMs: both({ paddock: raw.paddock.map((r) => r.startupMs), apache: raw.apache.map((r) => r.startupMs) }),
    rssBytes: both({ paddock: raw.paddock.map((r) => r.rss.rssBytes), apache: raw.apache.map((r) => r.rss.rssBytes) }),
    peakRssBytes: both({ paddock: raw.paddock.map((r) => r.rss.peakBytes), apache: raw.apache.map((r) => r.rss.peakBytes) }),
    raw,
  }
}
