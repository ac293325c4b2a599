// Method: a durable Paddock server (LevelDB) in a process of its own is loaded with N znodes, then
// a pipelined client sends setData over them with 100 in flight while the server writes the
// snapshots its snapCount asks for. The server prints when each snapshot write starts and ends;
// each reply is classed by whether its request was outstanding while a snapshot was being written,
// and the two classes' latency percentiles are compared.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { summarize, type Summary } from './report.js'
import { startServer, timeToFirstReply, type SnapshotTrace } from './servers.js'
import { openAclUnsafe, percentile, runLoad } from './wire-client.js'

/** Bounds of {@link benchSnapshotLoad}. */
export interface SnapshotLoadOptions {
  /** Znodes of 100 bytes loaded before measuring: the tree each snapshot writes. */
  znodes: number
  /** The server's snapCount (snapshots every snapCount/2+1 to snapCount transactions). */
  snapCount: number
  /** setData requests outstanding while measuring. */
  inFlight: number
  /** The measured phase sends for at most this long, in milliseconds. */
  durationMs: number
  /** The measured phase sends at most this many requests. */
  countMax: number
  /** Fresh servers measured (the report gives medians over them). */
  runs: number
}

/** Latency of one class of replies. */
export interface LatencyClass {
  /** Replies in the class. */
  count: number
  /** Median and 99th percentile latency, in milliseconds (NaN when the class is empty). */
  p50Ms: number
  p99Ms: number
  /** The largest latency, in milliseconds. */
  maxMs: number
}

/** One fresh server. */
export interface SnapshotLoadRun {
  /** Snapshot writes that overlapped the measured phase: their duration in milliseconds. */
  snapshotMs: number[]
  /** Replies whose request was outstanding at some moment a snapshot was being written. */
  during: LatencyClass
  /** Every other reply of the phase. */
  steady: LatencyClass
  /** Replies per second over the phase. */
  opsPerSec: number
  /** Replies with an error. */
  errors: number
}

/** What {@link benchSnapshotLoad} measured. */
export interface SnapshotLoadResult {
  /** The options it ran with. */
  options: SnapshotLoadOptions
  /** One per fresh server. */
  runs: SnapshotLoadRun[]
  /** p99 during a snapshot / steady p99, per run. */
  p99Ratio: Summary
  /** Why a run is missing, if one is. */
  notes: string[]
}

const valueBytes = 100
/** How long the server may take to write a snapshot the phase left running, ms. */
const snapshotEndTimeoutMs = 120_000

/** Milliseconds on this process's performance.now() as epoch milliseconds (the server's traces are epoch ms). */
const epochOf = (now: number): number => performance.timeOrigin + now

/** The latency percentiles of `latencies` (unsorted). */
export function latencyClass(latencies: number[]): LatencyClass {
  const sorted = Float64Array.from(latencies).sort()
  return { count: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] as number) }
}

/**
 * Classes replies (arrival and latency, epoch ms) by whether the request's time in flight,
 * [arrival − latency, arrival], meets one of `snapshots` ([start, end] epoch ms).
 */
export function classifyReplies(replies: readonly (readonly [number, number])[], snapshots: readonly (readonly [number, number])[]): { during: number[]; steady: number[] } {
  const during: number[] = []
  const steady: number[] = []
  for (const [arrival, latency] of replies) {
    const sent = arrival - latency
    const overlaps = snapshots.some(([start, end]) => sent <= end && arrival >= start)
    ;(overlaps ? during : steady).push(latency)
  }
  return { during, steady }
}

async function measureRun(options: SnapshotLoadOptions, log: (line: string) => void): Promise<SnapshotLoadRun> {
  const workDir = await mkdtemp(join(tmpdir(), 'paddock-bench-snapshot-'))
  const snapshots = new Map<number, SnapshotTrace>()
  const server = await startServer({
    kind: 'paddock', workDir, dataDir: join(workDir, 'data'), snapCount: options.snapCount,
    onSnapshot: (trace) => snapshots.set(trace.startMs, trace),
  })
  const data = new Uint8Array(valueBytes).fill(0x73)
  try {
    const { client } = await timeToFirstReply(server, { op: 'create', path: '/s', data, acl: openAclUnsafe, flags: 0 }, [0], 60_000)
    try {
      const loaded = await runLoad(client, {
        inFlight: 1_000, countMax: options.znodes, durationMs: 600_000, stallMs: 60_000,
        request: (i) => ({ op: 'create', path: `/s/n${i}`, data, acl: openAclUnsafe, flags: 0 }),
      })
      const nodes = Math.max(1, loaded.ops - loaded.errors)
      const replies: [number, number][] = []
      const phaseStart = epochOf(performance.now())
      const phase = await runLoad(client, {
        inFlight: options.inFlight, countMax: options.countMax, durationMs: options.durationMs, stallMs: 60_000,
        request: (i) => ({ op: 'setData', path: `/s/n${i % nodes}`, data, version: -1 }),
        onReply: (at, latency) => replies.push([epochOf(at), latency]),
      })
      const phaseEnd = epochOf(performance.now())
      await snapshotsEnded(snapshots)
      const overlapping = [...snapshots.values()]
        .map((s) => [s.startMs, s.endMs ?? Number.POSITIVE_INFINITY] as const)
        .filter(([start, end]) => start <= phaseEnd && end >= phaseStart)
      const { during, steady } = classifyReplies(replies, overlapping)
      const run: SnapshotLoadRun = {
        snapshotMs: overlapping.map(([start, end]) => end - start),
        during: latencyClass(during), steady: latencyClass(steady), opsPerSec: phase.opsPerSec, errors: phase.errors,
      }
      log(`    ${fmt(nodes)} znodes, ${overlapping.length} snapshot(s) of ${run.snapshotMs.map((ms) => ms.toFixed(0)).join(', ')} ms in the phase; ` +
        `${Math.round(phase.opsPerSec)} setData/s; p99 steady ${run.steady.p99Ms.toFixed(1)} ms (${run.steady.count} replies), ` +
        `during snapshots ${run.during.p99Ms.toFixed(1)} ms (${run.during.count} replies, max ${run.during.maxMs.toFixed(1)} ms)`)
      return run
    } finally {
      client.destroy()
    }
  } finally {
    await server.stop()
    await rm(workDir, { recursive: true, force: true })
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US')

/** Waits (bounded) until every snapshot the server reported starting has reported its end. */
async function snapshotsEnded(snapshots: Map<number, SnapshotTrace>): Promise<void> {
  const deadline = performance.now() + snapshotEndTimeoutMs
  while ([...snapshots.values()].some((s) => s.endMs === undefined)) {
    if (performance.now() > deadline) throw new Error(`a snapshot did not finish within ${snapshotEndTimeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Measures request latency while snapshots are written against latency between them, on `options.runs` fresh servers. */
export async function benchSnapshotLoad(options: SnapshotLoadOptions, log: (line: string) => void = () => undefined): Promise<SnapshotLoadResult> {
  const runs: SnapshotLoadRun[] = []
  const notes: string[] = []
  for (let r = 0; r < options.runs; r++) {
    try {
      runs.push(await measureRun(options, log))
    } catch (error) {
      notes.push(`run ${r + 1}: ${(error as Error).message.split('\n')[0] ?? ''}`)
    }
  }
  const ratios = runs.filter((run) => run.during.count > 0 && run.steady.count > 0).map((run) => run.during.p99Ms / run.steady.p99Ms)
  notes.push(...runs.flatMap((run, i) => (run.during.count === 0 ? [`run ${i + 1}: no snapshot was written during the phase`] : [])))
  return { options, runs, p99Ratio: summarize(ratios), notes }
}
