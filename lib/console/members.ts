/**
 * Members' figures for the Ensemble and Metrics views, from the one report every
 * ZooKeeper-compatible server gives: `mntr` (the four-letter word, or the admin server's `monitor`
 * command, which has the same keys without their `zk_` prefix); each member's lag behind the
 * leader, from the zxids they report; and the configuration in ZooKeeper's dynamic format. Pure:
 * the transport that fetches the reports is the caller's.
 * @module
 */
import type { ConfigurationJson, HistogramJson, MemberJson, PercentilesJson, ServerJson } from './api-types.js'

/** One member's report: its `mntr` keys (without `zk_`) and values, or why it could not be read. */
export interface MemberReport {
  /** The member's name as the page shows it (its id, or host:port). */
  name: string
  /** The `mntr` figures; absent when the member did not answer. */
  mntr?: Readonly<Record<string, unknown>>
  /** Why the member could not be read, or a note on a member that answered only in part. */
  error?: string
  /** Cumulative histograms of request latency and log fsync time, when the member gives them (its own console). */
  histograms?: { latency?: HistogramJson; fsync?: HistogramJson }
}

/**
 * Parses a `mntr` four-letter-word answer (`zk_key<TAB>value` lines) into the admin command's
 * shape: keys without `zk_`, numbers as numbers, anything else as text.
 */
export function parseMntr(text: string): Record<string, string | number> {
  const figures: Record<string, string | number> = {}
  for (const line of text.split('\n')) {
    const match = /^zk_(\S+)\s+(.*?)\s*$/.exec(line)
    if (match === null) continue
    const [, key = '', value = ''] = match
    const number = Number(value)
    figures[key] = value !== '' && Number.isFinite(number) ? number : value
  }
  return figures
}

/**
 * Adds what a `srvr` answer tells beyond `mntr` (Apache ZooKeeper's `mntr` has no last zxid):
 * `Zxid: 0x…` as `last_processed_zxid`, unless the report already has one.
 */
export function withSrvr(mntr: Record<string, string | number>, srvr: string): Record<string, string | number> {
  const hex = /^Zxid: 0x([0-9a-f]+)$/im.exec(srvr)?.[1]
  if (hex === undefined || mntr['last_processed_zxid'] !== undefined) return mntr
  return { ...mntr, last_processed_zxid: Number.parseInt(hex, 16) }
}

/** The figures copied as they are, by console name and `mntr` key. */
const copiedFigures: readonly (readonly [keyof MemberJson, string])[] = [
  ['connections', 'num_alive_connections'],
  ['outstandingRequests', 'outstanding_requests'],
  ['znodeCount', 'znode_count'],
  ['watchCount', 'watch_count'],
  ['sessionCount', 'global_sessions'],
  ['packetsReceived', 'packets_received'],
  ['avgLatencyMs', 'avg_latency'],
  ['maxLatencyMs', 'max_latency'],
  ['elections', 'election_count'],
  ['elections', 'looking_count'],
  ['electionAvgMs', 'avg_election_time'],
  ['electionMaxMs', 'max_election_time'],
  ['fsyncCount', 'cnt_fsynctime'],
  ['fsyncSumMs', 'sum_fsynctime'],
]

/** A member's figures as the page shows them. */
export function memberJson(report: MemberReport): MemberJson {
  const { mntr } = report
  if (mntr === undefined) return { name: report.name, role: 'unreachable', ...(report.error === undefined ? {} : { error: report.error }) }
  const member: MemberJson = { name: report.name, role: typeof mntr['server_state'] === 'string' ? mntr['server_state'] : 'unknown' }
  const zxid = figure(mntr, 'last_processed_zxid')
  if (zxid !== undefined) {
    member.zxid = hex(zxid)
    member.epoch = Math.floor(zxid / 2 ** 32)
  }
  for (const [field, key] of copiedFigures) {
    const value = figure(mntr, key)
    if (value !== undefined) (member as unknown as Record<string, number>)[field] = value
  }
  const percentiles = latencyPercentiles(mntr)
  if (percentiles !== undefined) member.latencyPercentilesMs = percentiles
  if (report.histograms?.latency !== undefined) member.latencyHistogram = report.histograms.latency
  if (report.histograms?.fsync !== undefined) member.fsyncHistogram = report.histograms.fsync
  if (report.error !== undefined) member.error = report.error
  return member
}

function figure(mntr: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const value = mntr[key]
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

/**
 * Apache ZooKeeper's request latency percentiles (`p50_readlatency`, `p99_updatelatency`, …): of
 * reads and writes, the slower at each percentile. Undefined when the member reports none.
 */
export function latencyPercentiles(mntr: Readonly<Record<string, unknown>>): PercentilesJson | undefined {
  const percentiles: PercentilesJson = {}
  for (const p of ['p50', 'p95', 'p99'] as const) {
    const values = [figure(mntr, `${p}_readlatency`), figure(mntr, `${p}_updatelatency`)].filter((v) => v !== undefined)
    if (values.length > 0) percentiles[p] = Math.max(...values)
  }
  return Object.keys(percentiles).length === 0 ? undefined : percentiles
}

/**
 * Adds each member's lag behind the leader, in transactions: the leader's zxid minus the member's,
 * when both are of one epoch. The members are read a moment apart, so a follower can look a
 * transaction ahead; that counts as 0. Without the leader among the members read (a follower's
 * own console), there is no lag to give.
 */
export function withLag(members: readonly MemberJson[]): MemberJson[] {
  const leader = members.find((m) => m.role === 'leader' && m.zxid !== undefined)
  return members.map((m) => {
    if (m.zxid === undefined || m.role === 'standalone') return m
    if (leader?.zxid === undefined) return { ...m, lagNote: m.role === 'looking' ? 'no leader' : 'leader not read' }
    const lag = zxidLag(leader.zxid, m.zxid)
    if (lag !== undefined) return { ...m, lag }
    return { ...m, lagNote: BigInt(m.zxid) < BigInt(leader.zxid) ? 'older epoch' : 'newer epoch' }
  })
}

/**
 * Transactions between two zxids (hex) of the same epoch, `leader` minus `member`, at least 0;
 * undefined across epochs, where the zxids alone cannot tell how many transactions lie between.
 */
export function zxidLag(leader: string, member: string): number | undefined {
  const ahead = BigInt(leader)
  const behind = BigInt(member)
  if (ahead >> 32n !== behind >> 32n) return undefined
  return Math.max(0, Number((ahead & 0xffffffffn) - (behind & 0xffffffffn)))
}

/**
 * The configuration in ZooKeeper's dynamic configuration format, as `/zookeeper/config` holds it:
 * `server.N=host:port:port[:role][;[address:]port]` lines and a `version=` line. Undefined when
 * the text names no server (Paddock keeps that node empty).
 */
export function parseDynamicConfig(text: string, source: string): ConfigurationJson | undefined {
  const servers: ServerJson[] = []
  let version: string | undefined
  for (const line of text.split('\n').map((l) => l.trim())) {
    const server = /^server\.(\d+)=([^;]*?)(?::(participant|observer))?(?:;(.*))?$/.exec(line)
    if (server !== null) servers.push(serverJson(Number(server[1]), server[2] ?? '', server[3], server[4]))
    version = /^version=([0-9a-fA-F]+)$/.exec(line)?.[1] ?? version
  }
  if (servers.length === 0) return undefined
  return { source, ...(version === undefined ? {} : { version }), servers: servers.sort((a, b) => a.id - b.id) }
}

/** One server of a configuration; a bare client port listens on every address, as in ZooKeeper. */
function serverJson(id: number, address: string, role: string | undefined, client: string | undefined): ServerJson {
  const port = client?.trim() ?? ''
  return { id, address, role: role ?? 'participant', ...(port === '' ? {} : { client: port.includes(':') ? port : `0.0.0.0:${port}` }) }
}

/** A cumulative histogram as a member keeps one: observations at or below each bound, and in all. */
export interface CumulativeHistogram {
  /** Observations at or below each bound. */
  readonly buckets: readonly number[]
  /** Every observation. */
  readonly count: number
}

/** Histograms with the bucket bounds `boundsMs`, added together, as the page reads them. */
export function histogramJson(boundsMs: readonly number[], histograms: readonly CumulativeHistogram[]): HistogramJson {
  const counts = boundsMs.map((_, i) => histograms.reduce((sum, h) => sum + (h.buckets[i] ?? 0), 0))
  return { boundsMs: [...boundsMs], counts, count: histograms.reduce((sum, h) => sum + h.count, 0) }
}

/** A zxid or session id as zkCli.sh prints it: `0x` and lower-case hex. */
export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`
}
