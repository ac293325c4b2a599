// Method: the performance aims Paddock holds itself to, each checked against the saved bench
// results that measure it: a row per aim with the target, the figure measured, whether the
// figure meets the target, the command that measures it and the run it came from (date and
// load average), rendered as the markdown table docs/performance.md keeps between two markers.
import type { BenchMeta, BenchResults, Section } from './results.js'
import type { Summary } from './report.js'

/** Whether a figure meets its aim; `figure` for the scale checks, which report a figure and set no bound. */
export type AimStatus = 'met' | 'missed' | 'not measured' | 'figure'

/** One aim as the saved results show it. */
export interface AimRow {
  /** What is measured. */
  aim: string
  /** The bound it is held to. */
  target: string
  /** The figure, with what it is compared with; why it is missing when it is. */
  measured: string
  status: AimStatus
  /** The bench section that measures it (`npm run bench -- --only SECTION`). */
  section: Section
  /** The run the figure came from: its date and 1-minute load average when it started. */
  run?: string
}

/** One saved results file (or the sections of one run). */
type Runs = readonly BenchResults[]

/** What one aim reads from the section that measures it. */
type Check = Omit<AimRow, 'aim' | 'target' | 'section' | 'run'>

const notMeasured: Check = { measured: 'not in the saved runs', status: 'not measured' }

function count(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(2)}M`
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : Math.round(n).toLocaleString('en-US')
}
function ms(n: number): string {
  if (n >= 1000) return `${(n / 1000).toFixed(n >= 10_000 ? 1 : 2)} s`
  return n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(n >= 10 ? 1 : 2)} ms`
}
const mib = (bytes: number): string => `${Math.round(bytes / 1_048_576).toLocaleString('en-US')} MiB`
const ratio = (n: number): string => `${n.toFixed(2)}x`
const range = (s: Summary, unit: (n: number) => string): string => (s.runs.length > 1 ? ` (${unit(s.min)}–${unit(s.max)})` : '')

/** A figure with a bound: met when `value` is on the right side of `bound`, not measured when it is NaN. */
function bounded(value: number, bound: number, atMost: boolean, measured: string): Check {
  if (!Number.isFinite(value)) return { measured: `${measured} (not measured: the run failed)`, status: 'not measured' }
  return { measured, status: (atMost ? value <= bound : value >= bound) ? 'met' : 'missed' }
}

/** The last saved run that has `section`, so that a later file given for one section replaces it. */
function runOf(runs: Runs, section: Section): BenchResults | undefined {
  for (let i = runs.length - 1; i >= 0; i--) if (runs[i]?.[section] !== undefined) return runs[i]
  return undefined
}

function runLabel(meta: BenchMeta): string {
  const load = meta.loadavgBefore[0]
  return `${meta.date.slice(0, 10)}, load ${load === undefined ? '?' : load.toFixed(1)}${meta.quick ? ', quick' : ''}`
}

function durableRatio(results: BenchResults, op: 'create' | 'setData'): Check {
  const row = results.durable?.rows.find((r) => r.op === op && r.inFlight === 100)
  if (row === undefined) return notMeasured
  const { paddock, apache } = row
  return bounded(row.opsRatio, 2.5, false,
    `${ratio(row.opsRatio)}: ${count(paddock.opsPerSec.median)}/s${range(paddock.opsPerSec, count)} vs ${count(apache.opsPerSec.median)}/s${range(apache.opsPerSec, count)}`)
}

function durableLatency(results: BenchResults, op: 'create' | 'setData'): Check {
  const durable = results.durable
  const row = durable?.rows.find((r) => r.op === op && r.inFlight === 1)
  if (durable === undefined || row === undefined) return notMeasured
  const fsyncMs = 1000 / durable.fsyncPerSec.median
  const p50 = row.paddock.p50Ms.median
  const measured = `p50 ${ms(p50)} vs Apache's ${ms(row.apache.p50Ms.median)}; ${(p50 / fsyncMs).toFixed(2)}x the disk's fsync (${ms(fsyncMs)})`
  const latency = bounded(row.p50Ratio, 1, true, measured)
  return latency.status === 'met' ? bounded(p50 / fsyncMs, 1.5, true, measured) : latency
}

function ensembleThroughput(results: BenchResults, op: 'create' | 'setData'): Check {
  const row = results.ensemble?.rows.find((r) => r.op === op)
  if (row === undefined) return notMeasured
  const { opsPerSec, p99Ms } = row
  const measured = `${ratio(opsPerSec.ratio)}: ${count(opsPerSec.paddock.median)}/s vs ${count(opsPerSec.apache.median)}/s; ` +
    `p99 ${ms(p99Ms.paddock.median)} vs ${ms(p99Ms.apache.median)}`
  const throughput = bounded(opsPerSec.ratio, 2, false, measured)
  return throughput.status === 'met' ? bounded(p99Ms.ratio, 1, true, measured) : throughput
}

function failover(results: BenchResults, tickTimeMs: number): Check {
  const tick = results.failover?.ticks.find((t) => t.tickTimeMs === tickTimeMs)
  if (tick === undefined) return notMeasured
  const { paddock, apache, ratio: r } = tick.result.failoverMs
  return bounded(r, 0.5, true,
    `${ratio(r)}: ${ms(paddock.median)}${range(paddock, ms)} vs ${ms(apache.median)}${range(apache, ms)}, ${paddock.runs.length} and ${apache.runs.length} kills`)
}

function recovery(results: BenchResults): Check {
  const runs = results.recovery?.runs.filter((r) => r.count === 1_000_000)
  const paddock = runs?.find((r) => r.kind === 'paddock')?.recoveryMs
  const apache = runs?.find((r) => r.kind === 'apache')?.recoveryMs
  if (paddock === undefined || apache === undefined) return notMeasured
  const r = paddock.median / apache.median
  return bounded(r, 0.7, true, `${ratio(r)}: ${ms(paddock.median)}${range(paddock, ms)} vs ${ms(apache.median)}${range(apache, ms)}`)
}

function bigRecoveryTime(results: BenchResults): Check {
  const paddock = results.bigrecovery?.paddock
  if (paddock === undefined) return notMeasured
  return bounded(paddock.recoveryMs.median, 30_000, true, `${ms(paddock.recoveryMs.median)}${range(paddock.recoveryMs, ms)}`)
}

function bigRecoveryMemory(results: BenchResults): Check {
  const big = results.bigrecovery
  if (big?.paddock === undefined || big.apache === undefined) return notMeasured
  const heap = (server: typeof big.paddock): string => (server.heapMb === undefined ? 'default heap' : `${server.heapMb.toLocaleString('en-US')} MiB heap`)
  return bounded(big.ratios.rssBytes, 0.5, true,
    `${ratio(big.ratios.rssBytes)}: ${mib(big.paddock.rssBytes.median)} (${heap(big.paddock)}) vs ${mib(big.apache.rssBytes.median)} (${heap(big.apache)}, the smallest that recovered)`)
}

function snapshotStall(results: BenchResults): Check {
  const snapshot = results.snapshot
  if (snapshot === undefined || snapshot.runs.length === 0) return notMeasured
  const p99 = (pick: 'during' | 'steady'): string => snapshot.runs.map((r) => ms(r[pick].p99Ms)).join(', ')
  return bounded(snapshot.p99Ratio.median, 2, true,
    `${ratio(snapshot.p99Ratio.median)}${range(snapshot.p99Ratio, ratio)}: p99 ${p99('during')} during, ${p99('steady')} steady`)
}

function inProcess(results: BenchResults, op: 'create' | 'getData' | 'exists', bound: number): Check {
  const row = results.inprocess?.find((r) => r.op === op)
  if (row === undefined) return notMeasured
  const floor = row.floorOpsPerSec === undefined ? '' : `; the bench's loop around a bare lookup${op === 'getData' ? ', copy' : ''} and Stat: ${count(row.floorOpsPerSec)}/s`
  return bounded(row.opsPerSec, bound, false, `${count(row.opsPerSec)}/s${floor}`)
}

function startup(results: BenchResults): Check {
  const s = results.startup
  if (s === undefined) return notMeasured
  return bounded(s.quick.ms.median, 100, true, `${ms(s.quick.ms.median)}${range(s.quick.ms, ms)}; \`node -e ''\` alone ${ms(s.node.ms.median)}`)
}

function children(results: BenchResults): Check {
  const c = results.scale?.children
  if (c === undefined) return notMeasured
  return {
    measured: `${count(c.created)} children: getChildren ${ms(c.inProcessMs.median)} in process, ${mib(c.held.rssBytes - c.baseline.rssBytes)} of RSS for them`,
    status: c.created >= c.children ? 'figure' : 'missed',
  }
}

function watches(results: BenchResults): Check {
  const w = results.scale?.watches
  if (w === undefined) return notMeasured
  const perSec = (w.events / w.deliverMs) * 1000
  return bounded(w.watches >= 1_000_000 ? perSec : Number.NaN, 100_000, false, `${count(w.watches)} watches, ${count(perSec)} events/s delivered`)
}

function sessions(results: BenchResults): Check {
  const s = results.scale?.sessions
  if (s === undefined) return notMeasured
  const perSession = ((s.cpuMs - s.cpuIdleMs) / s.idleMs) * 1000 / Math.max(1, s.connected)
  return {
    measured: `${count(s.connected)} sessions: ${(perSession * 1000).toFixed(1)} µs of CPU per session per second, ${mib(s.rssAfterBytes - s.rssBeforeBytes)} of RSS`,
    status: s.connected >= 10_000 ? 'figure' : 'missed',
  }
}

function bigValues(results: BenchResults): Check {
  const v = results.scale?.bigValues
  if (v === undefined) return notMeasured
  const mbps = (v.ops * v.valueBytes) / v.seconds / 1_000_000
  const disk = v.disk.bytes / v.disk.seconds / 1_000_000
  return { measured: `${mbps.toFixed(1)} MB/s at ${v.inFlight} in flight; the disk ${disk.toFixed(1)} MB/s (${(mbps / disk).toFixed(2)} of it)`, status: 'figure' }
}

/** The aims, in the order docs/performance.md lists them. */
const aims: readonly { aim: string; target: string; section: Section; check: (results: BenchResults) => Check }[] = [
  { aim: 'Standalone durable create, 100 in flight', target: '≥ 2.5x Apache', section: 'durable', check: (r) => durableRatio(r, 'create') },
  { aim: 'Standalone durable setData, 100 in flight', target: '≥ 2.5x Apache', section: 'durable', check: (r) => durableRatio(r, 'setData') },
  { aim: 'Standalone durable create, 1 in flight', target: 'p50 ≤ Apache\'s and ≤ 1.5x an fsync', section: 'durable', check: (r) => durableLatency(r, 'create') },
  { aim: 'Standalone durable setData, 1 in flight', target: 'p50 ≤ Apache\'s and ≤ 1.5x an fsync', section: 'durable', check: (r) => durableLatency(r, 'setData') },
  { aim: '3-member ensemble create, 100 in flight', target: '≥ 2x Apache, p99 ≤ Apache\'s', section: 'ensemble', check: (r) => ensembleThroughput(r, 'create') },
  { aim: '3-member ensemble setData, 100 in flight', target: '≥ 2x Apache, p99 ≤ Apache\'s', section: 'ensemble', check: (r) => ensembleThroughput(r, 'setData') },
  { aim: 'Failover, leader SIGKILL → first write, tickTime 500', target: '≤ 0.5x Apache\'s median', section: 'failover', check: (r) => failover(r, 500) },
  { aim: 'Failover, leader SIGKILL → first write, tickTime 2000', target: '≤ 0.5x Apache\'s median', section: 'failover', check: (r) => failover(r, 2000) },
  { aim: 'Recovery of 1M znodes', target: '≤ 0.7x Apache\'s time', section: 'recovery', check: recovery },
  { aim: 'Recovery of 10M znodes', target: 'under 30 s', section: 'bigrecovery', check: bigRecoveryTime },
  { aim: 'Memory after recovering 10M znodes (RSS)', target: '≤ 0.5x Apache\'s at its smallest -Xmx', section: 'bigrecovery', check: bigRecoveryMemory },
  { aim: 'Snapshot under write load, 100 in flight', target: 'p99 ≤ 2x the steady p99', section: 'snapshot', check: snapshotStall },
  { aim: 'In-process getData', target: '≥ 1.5M/s', section: 'inprocess', check: (r) => inProcess(r, 'getData', 1_500_000) },
  { aim: 'In-process exists', target: '≥ 2M/s', section: 'inprocess', check: (r) => inProcess(r, 'exists', 2_000_000) },
  { aim: 'In-process create', target: '≥ 300k/s', section: 'inprocess', check: (r) => inProcess(r, 'create', 300_000) },
  { aim: '`paddock` spawn → first create', target: '≤ 100 ms', section: 'startup', check: startup },
  { aim: 'getChildren of a node with 1M children', target: 'a figure: time and memory', section: 'scale', check: children },
  { aim: '1M watches on one member', target: '≥ 100k events/s delivered', section: 'scale', check: watches },
  { aim: '10,000 idle TCP sessions pinging one member', target: 'a figure: CPU per idle session', section: 'scale', check: sessions },
  { aim: '~1 MiB values, 100 in flight', target: 'a figure: MB/s against the disk\'s', section: 'scale', check: bigValues },
]

/** Every aim, checked against the last of `runs` that has its section. */
export function aimRows(runs: Runs): AimRow[] {
  return aims.map(({ aim, target, section, check }) => {
    const results = runOf(runs, section)
    if (results === undefined) return { aim, target, section, ...notMeasured }
    return { aim, target, section, ...check(results), run: runLabel(results.meta) }
  })
}

const shownStatus: Record<AimStatus, string> = { met: 'met', missed: '**missed**', 'not measured': 'not measured', figure: 'figure' }

/** The rows as a markdown table, one line per aim, with the command that measures each. */
export function aimsMarkdown(rows: readonly AimRow[]): string {
  const lines = ['| aim | target | measured (Paddock vs Apache) | | run | command |', '|:--|:--|:--|:--|:--|:--|']
  for (const row of rows) {
    const cells = [row.aim, row.target, row.measured, shownStatus[row.status], row.run ?? '–', `\`npm run bench -- --only ${row.section}\``]
    lines.push(`| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`)
  }
  return `${lines.join('\n')}\n`
}

/** The markers around the table in a markdown file. */
export const aimsBegin = '<!-- aims: drawn by npm run bench -- --report-from … --aims FILE; do not edit by hand -->'
/** The end marker. */
export const aimsEnd = '<!-- /aims -->'

/**
 * `text` with the table between {@link aimsBegin} and {@link aimsEnd} replaced by `table`.
 * @throws RangeError when the markers are missing or out of order.
 */
export function withAimsTable(text: string, table: string): string {
  const begin = text.indexOf(aimsBegin)
  const end = text.indexOf(aimsEnd)
  if (begin < 0 || end < begin) throw new RangeError(`the file has no ${aimsBegin} … ${aimsEnd} block for the aims table`)
  return `${text.slice(0, begin + aimsBegin.length)}\n${table}${text.slice(end)}`
}
