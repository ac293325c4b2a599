// A results object shaped as `npm run bench -- --json` writes it, every section filled with made-up
// but plausible numbers, so the report's charts and tables can be checked without running anything.
// With `apache: false` every Apache ZooKeeper number is missing, as when Apache cannot run.
import type { CuratorTestingResult } from '../../bench/curator-testing.js'
import type { EnsembleBenchResult, EnsembleRun, FailoverTrial } from '../../bench/ensemble.js'
import type { FollowerReadsBenchResult } from '../../bench/follower-reads.js'
import type { MemoryBenchResult } from '../../bench/memory.js'
import type { RecoveryBenchResult, RecoveryRun } from '../../bench/recovery.js'
import { ratio, summarize, type Summary } from '../../bench/report.js'
import type { BenchResults, DurableResult } from '../../bench/results.js'
import type { ServerKind } from '../../bench/servers.js'
import type { ScaleBenchResult } from '../../bench/scale.js'
import type { StartupBenchResult } from '../../bench/startup.js'
import type { TlsBenchResult } from '../../bench/tls.js'
import type { WireBenchOptions, WireBenchResult, WireOp, WireRow } from '../../bench/wire.js'

/** Paddock's create ops/s at 1 in flight on the wire: a number the tests look for in the tables. */
export const paddockCreateOps = 12_345
/** Apache's, likewise. */
export const apacheCreateOps = 1_234

const none = summarize([])
/** Three runs around `median`, ±10%. */
const runs3 = (median: number): Summary => summarize([median * 0.9, median, median * 1.1])
const both = (p: number, a: number, apache: boolean): { paddock: Summary; apache: Summary; ratio: number } => {
  const paddock = runs3(p)
  const other = apache ? runs3(a) : none
  return { paddock, apache: other, ratio: ratio(paddock.median, other.median) }
}

const wireOptions = (ops: WireOp[], durable: boolean): WireBenchOptions => ({ runs: 3, durationMs: 2_000, countMax: 20_000, warmupMs: 1_000, inFlights: [1, 100], ops, durable })

function wireRow(op: WireOp, inFlight: number, k: number, apache: boolean): WireRow {
  const side = (ops: number, p50: number, present: boolean): WireRow['paddock'] =>
    present ? { opsPerSec: runs3(ops), p50Ms: runs3(p50), p99Ms: runs3(p50 * 4), errors: 0 } : { opsPerSec: none, p50Ms: none, p99Ms: none, errors: 0 }
  const paddock = side(op === 'create' && inFlight === 1 ? paddockCreateOps : 10_000 * k * inFlight ** 0.5, 0.08 * k * inFlight ** 0.6, true)
  const other = side(op === 'create' && inFlight === 1 ? apacheCreateOps : 1_000 * k * inFlight ** 0.5, 0.9 * k * inFlight ** 0.6, apache)
  return {
    op, inFlight, paddock, apache: other,
    opsRatio: ratio(paddock.opsPerSec.median, other.opsPerSec.median),
    p50Ratio: ratio(paddock.p50Ms.median, other.p50Ms.median),
    p99Ratio: ratio(paddock.p99Ms.median, other.p99Ms.median),
  }
}

function wire(ops: WireOp[], durable: boolean, apache: boolean): WireBenchResult {
  const options = wireOptions(ops, durable)
  return {
    options,
    rows: options.inFlights.flatMap((f) => ops.map((op, i) => wireRow(op, f, i + 1, apache))),
    startupMs: both(180, 900, apache),
    rssBytes: both(80 * 1048576, 120 * 1048576, apache),
    peakRssBytes: both(95 * 1048576, 140 * 1048576, apache),
    raw: { paddock: [], apache: [] },
  }
}

function recoveryRun(kind: ServerKind, count: number): RecoveryRun {
  const slow = kind === 'apache' ? 1.5 : 1
  return {
    kind, count, created: count, loadOpsPerSec: 20_000 / slow,
    disk: { allocatedBytes: count * 180 * slow, apparentBytes: count * 200 * slow },
    recoveryMs: summarize([count / 200 * slow + 300, count / 190 * slow + 310, count / 210 * slow + 290]),
    rss: { rssBytes: (60 + count / 4_000) * 1048576 * slow, peakBytes: (70 + count / 3_500) * 1048576 * slow },
  }
}

function recovery(apache: boolean): RecoveryBenchResult {
  const kinds: ServerKind[] = apache ? ['paddock', 'apache'] : ['paddock']
  const counts = [100_000, 1_000_000]
  return {
    options: { counts, restarts: 3, loadInFlight: 1_000, loadTimeMaxMs: 300_000, apacheHeapMb: 3_000, kinds },
    runs: counts.flatMap((count) => kinds.map((kind) => recoveryRun(kind, count))),
  }
}

function memory(): MemoryBenchResult {
  const at = (znodes: number, elapsedMs: number) => ({ znodes, heapUsedBytes: 8e6 + znodes * 420, externalBytes: 2e6 + znodes * 110, rssBytes: 6e7 + znodes * 900, elapsedMs })
  return { options: { counts: [10_000, 100_000, 1_000_000], timeMaxMs: 180_000, heapMb: 4_096 }, baseline: at(0, 0), samples: [at(10_000, 90), at(100_000, 800), at(1_000_000, 9_000)] }
}

function ensembleRun(kind: ServerKind, run: number): EnsembleRun {
  const slow = kind === 'apache' ? 3 : 1
  const trial = (t: number): FailoverTrial => ({ ms: (400 + 37 * run + 11 * t) * slow, leader: 1 + t, writerMember: 2, okMember: 2, reconnects: 1, failedWrites: 2, rejoinMs: 1_500 + 50 * t })
  const spread = (ops: number, p50: number) => ({ ops: ops * 2, errors: 0, firstErr: 0, opsPerSec: ops, p50Ms: p50, p99Ms: p50 * 5 })
  return {
    kind, run, startupMs: 1_200 * slow + run, load1: 1.5,
    phases: { create: spread(9_000 / slow, 8 * slow), setData: spread(10_000 / slow, 7 * slow), getData: spread(60_000 / slow, 1.2 * slow) },
    failovers: [0, 1, 2].map(trial),
    catchUp: { ms: 2_000 * slow, znodes: 100_000 },
  }
}

function ensemble(apache: boolean): EnsembleBenchResult {
  const kinds: ServerKind[] = apache ? ['paddock', 'apache'] : ['paddock']
  const raw = [0, 1, 2, 3, 4].flatMap((run) => kinds.map((kind) => ensembleRun(kind, run)))
  const of = (kind: ServerKind, f: (r: EnsembleRun) => number[]): Summary => summarize(raw.filter((r) => r.kind === kind).flatMap(f))
  const compared = (f: (r: EnsembleRun) => number[]) => {
    const paddock = of('paddock', f)
    const other = of('apache', f)
    return { paddock, apache: other, ratio: ratio(paddock.median, other.median) }
  }
  return {
    options: {
      runs: 5, failoversPerRun: 3, durationMs: 2_000, countMax: 100_000, warmupMs: 1_000, inFlight: 100,
      tickTimeMs: 2_000, initLimit: 10, syncLimit: 5, apacheHeapMb: 512, kinds, budgetMs: 270_000, catchUpZnodes: 100_000,
    },
    rows: (['create', 'setData', 'getData'] as const).map((op) => ({
      op,
      opsPerSec: compared((r) => [r.phases[op]?.opsPerSec ?? Number.NaN]),
      p50Ms: compared((r) => [r.phases[op]?.p50Ms ?? Number.NaN]),
      p99Ms: compared((r) => [r.phases[op]?.p99Ms ?? Number.NaN]),
      errors: { paddock: 0, apache: 0 },
    })),
    failoverMs: compared((r) => r.failovers.map((f) => f.ms)),
    startupMs: compared((r) => [r.startupMs]),
    catchUpMs: compared((r) => [r.catchUp?.ms ?? Number.NaN]),
    notes: apache ? [] : ['Apache ZooKeeper skipped: /usr/bin/java is missing'],
    raw,
  }
}

function followerReads(): FollowerReadsBenchResult {
  const reader = { reads: 4_000, readsPerSec: 2_000, p50Ms: 0.4, p99Ms: 1.1, maxMs: 3 }
  return {
    options: { runs: 5, durationMs: 2_000, readsMax: 100_000, warmupMs: 1_000, writesInFlight: 100, writesMax: 200_000, writeNodes: 4, tickTimeMs: 2_000, initLimit: 10, syncLimit: 5, apacheHeapMb: 512, budgetMs: 120_000 },
    idle: { p50Ms: runs3(0.4), p99Ms: runs3(1.1), maxMs: runs3(3), readsPerSec: runs3(2_000) },
    loaded: { p50Ms: runs3(0.6), p99Ms: runs3(2.5), maxMs: runs3(9), readsPerSec: runs3(1_500), writesPerSec: runs3(8_000), writeP50Ms: runs3(11), writeErrors: 0 },
    notes: [],
    raw: [0, 1, 2, 3, 4].map((run) => ({ run, follower: 2, leader: 1, loadedFirst: run % 2 === 1, idle: reader, loaded: { ...reader, writer: { writes: 16_000, errors: 0, writesPerSec: 8_000, p50Ms: 11 } }, load1: 1.2 })),
  }
}

function tls(): TlsBenchResult {
  const options = wireOptions(['create', 'getData'], false)
  const side = (ops: number) => ({ opsPerSec: runs3(ops), p50Ms: runs3(0.1), p99Ms: runs3(0.4), errors: 0 })
  return {
    options,
    rows: options.inFlights.flatMap((inFlight) => options.ops.map((op) => ({ op, inFlight, plain: side(10_000), tls: side(8_000), opsRatio: 0.8, p50Ratio: 1.2 }))),
    startupMs: { plain: runs3(180), tls: runs3(230) },
    raw: { plain: [], tls: [] },
  }
}

/** Start-up: Paddock's quick start at 90 ms and `server start-foreground` at 110 ms beside Apache's 400 ms. */
function startup(apache: boolean): StartupBenchResult {
  const measure = (ms: number, cpuMs: number): StartupBenchResult['quick'] => ({ ms: summarize([ms * 0.95, ms, ms * 1.1]), cpuMs: summarize([cpuMs, cpuMs, cpuMs + 10]) })
  const apacheMeasure = apache ? measure(400, 900) : { ms: none, cpuMs: none }
  return {
    options: { runs: 3, apacheHeapMb: 1_000 },
    node: { ms: summarize([40, 42, 45]), cpuMs: summarize([Number.NaN, Number.NaN, Number.NaN]) },
    quick: measure(90, 80),
    foreground: measure(110, 100),
    apache: apacheMeasure,
    quickRatio: ratio(90, apacheMeasure.ms.median),
    foregroundRatio: ratio(110, apacheMeasure.ms.median),
    load1: [1.1, 1.2, 1.2],
    notes: apache ? [] : ['Apache ZooKeeper not measured: /usr/bin/java is missing'],
  }
}

/** Curator's TestingCluster beside Paddock's; without Apache ZooKeeper's JVM, skipped as where Java is missing. */
function curatorTesting(apache: boolean): CuratorTestingResult {
  const options = { jvms: 3, roundsPerJvm: 2 }
  if (!apache) {
    return { options, skipped: '/usr/bin/java is missing (apt-get install openjdk-17-jdk-headless)', spawnToWriteMs: [], coldStartToWriteMs: [], startToWriteMs: [], killToWriteMs: [], killMs: [], load1: [], errors: [] }
  }
  return {
    options, version: '5.4.0-3', javaVersion: 'openjdk version "17.0.15" 2025-04-15',
    spawnToWriteMs: [4_200, 4_300, 4_400], coldStartToWriteMs: [3_500, 3_600, 3_700], startToWriteMs: [1_000, 1_050, 1_100],
    killToWriteMs: [900, 1_000, 1_100], killMs: [20, 22, 24], load1: [1.1, 1.2, 1.2], errors: [],
  }
}

/** Every section, as a full run writes them; `apache: false` leaves out every Apache ZooKeeper number. */
/**
 * The scale checks at full size: 1M children whose reply the client port refuses, 1M watches
 * delivered at 125,000 events/s, 10,000 sessions using 200 ms of CPU per second in all (20 µs
 * each), and 1 MiB values at 50 MiB/s on a 500 MiB/s disk.
 */
export function scaleFixture(): ScaleBenchResult {
  const memory = (heap: number, rss: number) => ({ heapUsedBytes: heap, externalBytes: 1e6, rssBytes: rss })
  return {
    options: {
      children: 1_000_000, watchNodes: 100_000, watchSessions: 10, sessions: 10_000, idleMs: 20_000, pingIntervalMs: 10_000,
      bigValueCount: 1_000, bigValueInFlight: 100, diskBytes: 512 * 1048576, timeMaxMs: 60_000, heapMb: 4_096,
    },
    children: {
      children: 1_000_000, created: 1_000_000, createMs: 20_000, baseline: memory(10e6, 60e6), held: memory(410e6, 600e6),
      inProcessMs: summarize([40, 42, 45]), returned: 1_000_000, replyBytes: 12_888_910, replyBytesMax: 1_049_599, inProcessPeakRssBytes: 700e6,
      wire: { ms: 300, err: -8, outcome: 'err -8' }, tcpClient: { ms: 310, outcome: 'BADARGUMENTS: Bad arguments' }, wirePeakRssBytes: 720e6,
    },
    watches: {
      nodes: 100_000, sessions: 10, watches: 1_000_000, setMs: 10_000, baseline: memory(100e6, 300e6), held: memory(300e6, 600e6),
      writes: 100_000, writeMs: 7_000, events: 1_000_000, deliverMs: 8_000,
    },
    sessions: {
      sessions: 10_000, connected: 10_000, connectMs: 4_000, fdLimit: { soft: 20_000, hard: 20_000 }, rssBeforeBytes: 60e6, rssAfterBytes: 160e6,
      idleMs: 20_000, cpuIdleMs: 100, cpuMs: 4_100, pings: 20_000, failed: 0,
    },
    bigValues: {
      valueBytes: 1_048_551, refused: { bytes: 1_048_552, outcome: 'connection failed: connection closed by the server' }, inFlight: 100,
      ops: 1_000, errors: 0, seconds: 1_000 * 1_048_551 / 1048576 / 50, p50Ms: 2_000, p99Ms: 2_500, disk: { bytes: 512 * 1048576, seconds: 512 / 500, dir: '/tmp' },
    },
    load1: [4.1, 4.5, 5.0, 5.2],
    notes: [],
  }
}

export function fixtureResults({ apache = true }: { apache?: boolean } = {}): BenchResults {
  const durable: DurableResult = { ...wire(['create', 'setData'], true, apache), fsyncPerSec: summarize([1_877, 1_900, 1_850]), fsyncPreallocatedPerSec: summarize([2_630, 2_700, 2_600]), fsyncDir: '/tmp', fsyncMs: 2_000 }
  return {
    meta: {
      command: 'npm run bench -- --json results.json', date: '2026-12-01T22:36:11.578Z', node: 'v20.20.2', cpus: 2, cpuModel: 'Fixture CPU @ 3.0GHz',
      loadavgBefore: [1.11, 1.28, 1.6], loadavgAfter: [4.02, 2.35, 1.95], elapsedSec: 1_234, quick: false,
      sections: ['inprocess', 'wire', 'durable', 'recovery', 'memory', 'ensemble', 'recipes', 'followerreads', 'testing', 'tls', 'startup', 'scale'],
      apache: 'Debian zookeeper 3.8 (ZooKeeperServerMain, forceSync=yes default)', paddockVersion: '0.1.0 (commit abc1234)',
      ...(apache ? { apacheVersion: '3.8.0-11+deb12u2', javaVersion: 'openjdk version "17.0.15" 2025-04-15' } : {}), totalMemBytes: 24 * 1024 ** 3, platform: 'Linux 6.1.0 x64',
    },
    inprocess: [{ op: 'create', opsPerSec: 70_000 }, { op: 'setData', opsPerSec: 100_000 }, { op: 'getData', opsPerSec: 190_000 }, { op: 'exists', opsPerSec: 450_000 }],
    wire: wire(['create', 'setData', 'getData', 'exists'], false, apache),
    durable,
    recovery: recovery(apache),
    memory: memory(),
    ensemble: ensemble(apache),
    recipes: {
      rows: [
        { label: 'Paddock Lock, in-process in-memory server', result: { uncontendedPerSec: 9_000, handoffMedianMs: 0.2, handoffP99Ms: 0.9, contenders: 10 } },
        { label: 'kazoo Lock (python3-kazoo) → Apache ZooKeeper 3.8 standalone (forceSync=yes)', result: undefined, error: 'python3 is missing' },
      ],
      rounds: { inProcess: 5, tcp: 3 },
    },
    followerreads: followerReads(),
    testing: {
      rounds: 15, startToWriteMs: [40, 42, 44], crashToWriteMs: [30, 31, 35], killToWriteMs: [28, 29, 30], coldStartToWriteMs: 120, crashVirtualMs: [2_000, 2_100, 2_050],
      curator: curatorTesting(apache),
    },
    tls: tls(),
    startup: startup(apache),
    scale: scaleFixture(),
  }
}
