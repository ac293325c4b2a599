// Method: the report's charts as Vega-Lite specifications built from the results: the data of each
// chart is the measured medians (and ranges over the runs) of one section; a server, an op or a
// count with no finite number is left out, so a run without Apache ZooKeeper charts Paddock alone.
import type { TopLevelSpec } from 'vega-lite'
import type { EnsembleBenchResult } from './ensemble.js'
import type { InProcessResult } from './in-process.js'
import type { MemoryBenchResult } from './memory.js'
import type { RecoveryBenchResult } from './recovery.js'
import type { Summary } from './report.js'
import type { BenchResults } from './results.js'
import type { ServerKind } from './servers.js'
import type { WireBenchResult } from './wire.js'

/** One chart of the report. */
export interface Chart {
  /** A file-name stem, unique in the report: `throughput-wire`, `recovery`, … */
  id: string
  /** What it shows, in a sentence; also the image's alternative text. */
  title: string
  /** How the numbers were measured, for the report's caption. */
  caption: string
  /** The Vega-Lite specification, data included. */
  spec: TopLevelSpec
}

/** The series names of the two servers. */
export const serverNames: Record<ServerKind, string> = { paddock: 'Paddock', apache: 'Apache ZooKeeper' }

/** Each server's colour in every chart. */
const serverColors: Record<string, string> = { Paddock: '#1f6fb2', 'Apache ZooKeeper': '#d95f02' }

/** The look shared by every chart. */
const config = {
  font: 'Helvetica, Arial, sans-serif',
  title: { fontSize: 14, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#555' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e5e5e5', labelLimit: 300 },
  header: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', direction: 'horizontal', labelLimit: 400 },
  view: { stroke: '#ccc' },
} as const

/** One op of one server at one in-flight level: the numbers the throughput and latency charts draw. */
export interface OpPoint {
  /** The operation: create, setData, getData or exists. */
  op: string
  /** Requests kept in flight. */
  inFlight: number
  /** The series name: {@link serverNames}. */
  server: string
  /** Median, smallest and largest ops/s over the runs. */
  opsPerSec: number
  opsMin: number
  opsMax: number
  /** Median p50 and p99 latency over the runs, ms. */
  p50Ms: number
  p99Ms: number
}

/** The servers present in `points`, Paddock first. */
function serversIn(points: readonly { server: string }[]): string[] {
  return Object.values(serverNames).filter((name) => points.some((p) => p.server === name))
}

/** The colour channel: one colour per server, only the servers present in the legend. */
function serverColor(present: readonly string[]): Record<string, unknown> {
  return { field: 'server', type: 'nominal', title: null, sort: [...present], scale: { domain: [...present], range: present.map((s) => serverColors[s] ?? '#777') } }
}

/** "Paddock" or "Paddock vs Apache ZooKeeper", by who is present. */
function whoIn(present: readonly string[], paddock: string, apache: string): string {
  return present.includes(serverNames.apache) ? `${paddock} vs ${apache}` : paddock
}

/** The op rows of the wire or durable section, per server with a finite median. */
export function wirePoints(result: WireBenchResult): OpPoint[] {
  return result.rows.flatMap((row) => (['paddock', 'apache'] as const).flatMap((kind) => {
    const side = row[kind]
    return opPoint(row.op, row.inFlight, kind, side.opsPerSec, side.p50Ms, side.p99Ms)
  }))
}

/** The op rows of the ensemble section, per server with a finite median. */
export function ensemblePoints(result: EnsembleBenchResult): OpPoint[] {
  return result.rows.flatMap((row) => (['paddock', 'apache'] as const).flatMap((kind) =>
    opPoint(row.op, result.options.inFlight, kind, row.opsPerSec[kind], row.p50Ms[kind], row.p99Ms[kind])))
}

function opPoint(op: string, inFlight: number, kind: ServerKind, ops: Summary, p50: Summary, p99: Summary): OpPoint[] {
  if (!Number.isFinite(ops.median)) return []
  return [{ op, inFlight, server: serverNames[kind], opsPerSec: ops.median, opsMin: ops.min, opsMax: ops.max, p50Ms: p50.median, p99Ms: p99.median }]
}

/** Ops in the order first seen. */
const opsIn = (points: readonly { op: string }[]): string[] => [...new Set(points.map((p) => p.op))]

/** Bars of ops/s by op, a column per in-flight level, servers side by side; a rule spans the runs' range. */
export function throughputSpec(points: readonly OpPoint[], title: string, subtitle: string): TopLevelSpec {
  const present = serversIn(points)
  const x = { field: 'op', type: 'nominal', title: 'operation', sort: opsIn(points), axis: { labelAngle: 0 } }
  const xOffset = { field: 'server', type: 'nominal', sort: present }
  const y = { field: 'opsPerSec', type: 'quantitative', title: 'operations per second', axis: { format: '~s' } }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    data: { values: points.map((p) => ({ ...p })) },
    facet: { column: { field: 'inFlight', type: 'ordinal', title: 'requests in flight' } },
    spec: {
      width: 70 * opsIn(points).length,
      height: 220,
      layer: [
        { mark: { type: 'bar' }, encoding: { x, xOffset, y, color: serverColor(present) } },
        { mark: { type: 'rule', color: '#333' }, encoding: { x, xOffset, y: { field: 'opsMin', type: 'quantitative' }, y2: { field: 'opsMax' } } },
        { mark: { type: 'text', dy: -6, fontSize: 9, color: '#333' }, encoding: { x, xOffset, y: { field: 'opsMax', type: 'quantitative' }, text: { field: 'opsPerSec', format: '.2~s' } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config,
  } as TopLevelSpec
}

/** p50 and p99 per op and server on a log axis, a rule from one to the other, a column per in-flight level. */
export function latencySpec(points: readonly OpPoint[], title: string, subtitle: string): TopLevelSpec {
  const present = serversIn(points)
  const withLatency = points.filter((p) => p.p50Ms > 0 && p.p99Ms > 0)
  const y = { field: 'op', type: 'nominal', title: 'operation', sort: opsIn(points) }
  const yOffset = { field: 'server', type: 'nominal', sort: present }
  const x = { type: 'quantitative', title: 'latency, ms (log scale)', scale: { type: 'log' }, axis: { format: '~g' } }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle },
    data: { values: withLatency.map((p) => ({ ...p })) },
    facet: { column: { field: 'inFlight', type: 'ordinal', title: 'requests in flight' } },
    spec: {
      width: 260,
      height: { step: 34 },
      layer: [
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, yOffset, x: { ...x, field: 'p50Ms' }, x2: { field: 'p99Ms' }, color: serverColor(present) } },
        {
          transform: [{ fold: ['p50Ms', 'p99Ms'], as: ['key', 'ms'] }, { calculate: "datum.key === 'p50Ms' ? 'p50' : 'p99'", as: 'percentile' }],
          mark: { type: 'point', filled: true, size: 70, opacity: 1 },
          encoding: {
            y, yOffset, x: { ...x, field: 'ms' }, color: serverColor(present),
            shape: { field: 'percentile', type: 'nominal', title: 'percentile', scale: { domain: ['p50', 'p99'], range: ['circle', 'triangle-right'] } },
          },
        },
      ],
    },
    config,
  } as TopLevelSpec
}

/** Bars of in-process ops/s by op (Paddock only: there is no in-process Apache ZooKeeper). */
export function inProcessSpec(rows: readonly InProcessResult[]): TopLevelSpec {
  const values = rows.filter((r) => Number.isFinite(r.opsPerSec)).map((r) => ({ op: r.op, opsPerSec: r.opsPerSec, server: serverNames.paddock }))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'In-process throughput', subtitle: 'Paddock\'s in-process client on an in-memory server, 1,000 requests pipelined' },
    data: { values },
    width: 70 * values.length,
    height: 220,
    layer: [
      { mark: { type: 'bar' }, encoding: { x: { field: 'op', type: 'nominal', title: 'operation', sort: values.map((v) => v.op), axis: { labelAngle: 0 } }, y: { field: 'opsPerSec', type: 'quantitative', title: 'operations per second', axis: { format: '~s' } }, color: serverColor([serverNames.paddock]) } },
      { mark: { type: 'text', dy: -6, fontSize: 10 }, encoding: { x: { field: 'op', type: 'nominal', sort: values.map((v) => v.op) }, y: { field: 'opsPerSec', type: 'quantitative' }, text: { field: 'opsPerSec', format: '.3~s' } } },
    ],
    config,
  } as TopLevelSpec
}

/** One segment of the failover timeline. */
export interface TimelineSegment {
  /** The row: server, run and kill. */
  trial: string
  /** The series name: {@link serverNames}. */
  server: string
  /** The write outage, or the killed member's rejoin. */
  phase: string
  /** Where the bar starts and ends, ms after the kill. */
  start: number
  end: number
  /** The text at the bar's end (the outage in ms; none for the rejoin). */
  label: string
}

const outagePhase = 'leader killed → first acknowledged write'
const rejoinPhase = 'killed member restarted → three serving again'

/** Every failover trial as two segments, the write outage and then the killed member's rejoin; Paddock's trials first. */
export function failoverSegments(result: EnsembleBenchResult): TimelineSegment[] {
  const runs = (['paddock', 'apache'] as const).flatMap((kind) => result.raw.filter((r) => r.kind === kind))
  return runs.flatMap((run) => run.failovers.flatMap((f, t) => {
    if (!Number.isFinite(f.ms)) return []
    const server = serverNames[run.kind]
    const trial = `${server}, run ${run.run + 1}, kill ${t + 1}`
    const outage = { trial, server, phase: outagePhase, start: 0, end: f.ms, label: `${Math.round(f.ms)} ms` }
    if (!Number.isFinite(f.rejoinMs)) return [outage]
    return [outage, { trial, server, phase: rejoinPhase, start: f.ms, end: f.ms + f.rejoinMs, label: '' }]
  }))
}

/** A row per leader kill: how long writes went unacknowledged, then how long the killed member took to rejoin. */
export function failoverSpec(segments: readonly TimelineSegment[]): TopLevelSpec {
  const present = serversIn(segments)
  const y = { field: 'trial', type: 'nominal', title: null, sort: [...new Set(segments.map((s) => s.trial))] }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `Ensemble failover: ${whoIn(present, 'Paddock', 'Apache ZooKeeper')}, 3 members`,
      subtitle: 'SIGKILL of the leader at 0; a client writes one setData at a time through a follower; the killed member restarts once a write is acknowledged',
    },
    data: { values: segments.map((s) => ({ ...s })) },
    width: 520,
    height: { step: 20 },
    layer: [
      {
        mark: { type: 'bar', height: 14 },
        encoding: {
          y, x: { field: 'start', type: 'quantitative', title: 'ms after the leader was killed' }, x2: { field: 'end' }, color: serverColor(present),
          opacity: { field: 'phase', type: 'nominal', title: null, sort: [outagePhase, rejoinPhase], scale: { domain: [outagePhase, rejoinPhase], range: [1, 0.3] }, legend: { direction: 'vertical' } },
        },
      },
      {
        transform: [{ filter: { field: 'phase', equal: outagePhase } }],
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#222' },
        encoding: { y, x: { field: 'end', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
    config,
  } as TopLevelSpec
}

/** A log scale for znode counts, ending at the counts measured. */
const logCounts = { type: 'log', nice: false, padding: 16 } as const

/** Recovery time against znodes, per server, with the range over the restarts. */
export function recoverySpec(result: RecoveryBenchResult): TopLevelSpec {
  const values = result.runs.filter((r) => Number.isFinite(r.recoveryMs.median) && r.created > 0)
    .map((r) => ({ znodes: r.created, server: serverNames[r.kind], ms: r.recoveryMs.median, min: r.recoveryMs.min, max: r.recoveryMs.max }))
  const present = serversIn(values)
  const x = { field: 'znodes', type: 'quantitative', title: 'znodes of 100 bytes (log scale)', scale: logCounts, axis: { format: '~s' } }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Recovery: ${whoIn(present, 'Paddock', 'Apache ZooKeeper')}`, subtitle: 'restart on a dataDir: spawn → first successful read of the last znode' },
    data: { values },
    width: 420,
    height: 240,
    layer: [
      { mark: { type: 'line', point: { filled: true, size: 60 } }, encoding: { x, y: { field: 'ms', type: 'quantitative', title: 'recovery time, ms' }, color: serverColor(present) } },
      { mark: { type: 'rule' }, encoding: { x, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' }, color: serverColor(present) } },
    ],
    config,
  } as TopLevelSpec
}

const heapMeasure = 'heap used + external, in-process tree'
const rssMeasure = 'RSS, in-process tree'
const serverRssMeasure = 'RSS of the server process after recovery'

/** The memory chart's points: the memory section's samples and the recovery section's RSS. */
export function memoryPoints(memory: MemoryBenchResult | undefined, recovery: RecoveryBenchResult | undefined): { znodes: number; server: string; measure: string; mib: number }[] {
  const mib = (bytes: number): number => bytes / 1048576
  const paddock = serverNames.paddock
  const probe = (memory?.samples ?? []).filter((s) => s.znodes > 0).flatMap((s) => [
    { znodes: s.znodes, server: paddock, measure: heapMeasure, mib: mib(s.heapUsedBytes + s.externalBytes) },
    { znodes: s.znodes, server: paddock, measure: rssMeasure, mib: mib(s.rssBytes) },
  ])
  const servers = (recovery?.runs ?? []).filter((r) => r.created > 0 && Number.isFinite(r.rss.rssBytes))
    .map((r) => ({ znodes: r.created, server: serverNames[r.kind], measure: serverRssMeasure, mib: mib(r.rss.rssBytes) }))
  return [...probe, ...servers].filter((p) => Number.isFinite(p.mib))
}

/** Memory against znodes: one colour per server, one line style per measure. */
export function memorySpec(points: ReturnType<typeof memoryPoints>): TopLevelSpec {
  const present = serversIn(points)
  const measures = [heapMeasure, rssMeasure, serverRssMeasure].filter((m) => points.some((p) => p.measure === m))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Memory: ${whoIn(present, 'Paddock', 'Apache ZooKeeper')}`, subtitle: 'znodes of 100 bytes; in-process tree after full GCs, server processes after recovery' },
    data: { values: points.map((p) => ({ ...p })) },
    width: 420,
    height: 240,
    mark: { type: 'line', point: { filled: true, size: 50 } },
    encoding: {
      x: { field: 'znodes', type: 'quantitative', title: 'znodes (log scale)', scale: logCounts, axis: { format: '~s' } },
      y: { field: 'mib', type: 'quantitative', title: 'MiB' },
      color: serverColor(present),
      strokeDash: {
        field: 'measure', type: 'nominal', title: null, sort: measures, scale: { domain: measures, range: [[1, 0], [6, 3], [2, 2]].slice(0, measures.length) },
        // A dash sample per measure, in grey: the colour legend names the servers.
        legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 400, symbolFillColor: 'transparent', direction: 'vertical', encode: { symbols: { update: { stroke: { value: '#444' } } } } },
      },
      detail: { field: 'measure', type: 'nominal' },
    },
    config,
  } as TopLevelSpec
}

/** A chart if it has points. */
function chartIf(points: readonly unknown[], chart: () => Chart): Chart[] {
  return points.length === 0 ? [] : [chart()]
}

/** The throughput and latency charts of a section with op rows. */
function opCharts(id: string, points: OpPoint[], what: string, paddock: string, caption: string): Chart[] {
  const present = serversIn(points)
  const subtitle = whoIn(present, paddock, 'Apache ZooKeeper 3.8 (forceSync=yes)')
  return chartIf(points, () => ({
    id: `throughput-${id}`, title: `${what}: throughput by operation and requests in flight`, caption, spec: throughputSpec(points, `${what}: throughput`, subtitle),
  })).concat(chartIf(points.filter((p) => p.p50Ms > 0 && p.p99Ms > 0), () => ({
    id: `latency-${id}`, title: `${what}: p50 and p99 latency by operation`, caption, spec: latencySpec(points, `${what}: latency percentiles`, subtitle),
  })))
}

/** Every chart the results have numbers for, in report order. */
export function chartsOf(results: BenchResults): Chart[] {
  const charts: Chart[] = []
  if (results.inprocess !== undefined) {
    charts.push(...chartIf(results.inprocess, () => ({
      id: 'throughput-inprocess', title: 'In-process throughput by operation', caption: 'Median of 5 rounds of 20,000 creates and setData, 100,000 getData and exists, 1,000 at a time.',
      spec: inProcessSpec(results.inprocess ?? []),
    })))
  }
  const wireCaption = (r: WireBenchResult, how: string): string =>
    `${how} One fresh server process per run, ${r.options.runs} run(s) per server alternating; each phase ≤ ${r.options.durationMs} ms or ≤ ${r.options.countMax.toLocaleString('en-US')} requests over one pipelined connection; medians, with the range over the runs.`
  if (results.wire !== undefined) {
    charts.push(...opCharts('wire', wirePoints(results.wire), 'Standalone server over TCP', 'Paddock in memory', wireCaption(results.wire, 'Paddock standalone in memory; Apache ZooKeeper standalone with forceSync=yes.')))
  }
  if (results.durable !== undefined) {
    charts.push(...opCharts('durable', wirePoints(results.durable), 'Durable standalone server over TCP', 'Paddock on LevelDB', wireCaption(results.durable, 'Paddock on a LevelDB dataDir; Apache ZooKeeper with forceSync=yes.')))
  }
  if (results.ensemble !== undefined) {
    const o = results.ensemble.options
    const caption = `Three members on this machine, tickTime=${o.tickTimeMs}; ${o.inFlight} requests in flight over one client per member; medians of ${o.runs} fresh ensemble(s) per server.`
    charts.push(...opCharts('ensemble', ensemblePoints(results.ensemble), '3-member ensemble', 'Paddock on LevelDB', caption))
    const segments = failoverSegments(results.ensemble)
    charts.push(...chartIf(segments, () => ({
      id: 'failover', title: 'Ensemble failover timeline: each leader kill, the write outage and the rejoin', spec: failoverSpec(segments),
      caption: 'Each row is one SIGKILL of the leader. The solid bar runs to the first write sent after the kill that was acknowledged (the client opens a new session on a surviving member when its connection drops or a write goes unanswered for 5 s); the pale bar is the killed member\'s restart until all three serve with one leader.',
    })))
  }
  if (results.recovery !== undefined) {
    const recovery = results.recovery
    charts.push(...chartIf(recovery.runs.filter((r) => Number.isFinite(r.recoveryMs.median)), () => ({
      id: 'recovery', title: 'Recovery time against znode count', spec: recoverySpec(recovery),
      caption: `Each server loaded with N znodes of 100 bytes over TCP, stopped cleanly, and restarted ${recovery.options.restarts} time(s) on the same dataDir; median and range of spawn → first successful read of the last znode.`,
    })))
  }
  const memory = memoryPoints(results.memory, results.recovery)
  charts.push(...chartIf(memory, () => ({
    id: 'memory', title: 'Memory against znode count', spec: memorySpec(memory),
    caption: 'In-process tree: heap used and RSS of a fresh Node process holding an in-memory server with N znodes, after two full GCs. Server processes: resident memory of each server right after it recovered N znodes (the recovery section).',
  })))
  return charts
}
