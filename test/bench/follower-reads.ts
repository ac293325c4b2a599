// Method: a fresh 3-member Paddock ensemble (LevelDB dataDirs, member processes on 127.0.0.1) per
// run; on one follower (srvr `Mode: follower`) a reader session issues getData of one 100-byte
// znode one at a time and times each reply with performance.now(), once with no other load and once
// while a writer session on the same follower keeps W setData of 100 bytes in flight over a few
// other znodes. Both sessions use Paddock's TCP client. The two phases alternate in order between
// runs, each after a warm-up; every phase is bounded in count and time; medians over the runs.
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { connect, type ZooKeeperClient } from '../../lib/index.js'
import { Ensemble, type EnsembleLayoutOptions } from './ensemble.js'
import { summarize, type Summary } from './report.js'
import { percentile } from './wire-client.js'

/** Bounds and settings of {@link benchFollowerReads}. */
export interface FollowerReadsBenchOptions extends EnsembleLayoutOptions {
  /** Fresh ensembles; every reported number is the median over these. */
  runs: number
  /** The reader's measured window in each phase, in milliseconds. */
  durationMs: number
  /** Reads the reader sends in one phase at most (warm-up and measured window each). */
  readsMax: number
  /** Reads and writes before measuring in each run, and the writer's lead before the loaded window, in milliseconds. */
  warmupMs: number
  /** setData requests the writer keeps outstanding during the loaded phase. */
  writesInFlight: number
  /** Writes the writer sends in one phase at most. */
  writesMax: number
  /** Znodes the writer cycles over. */
  writeNodes: number
  /** No new run starts once this much time has passed since the bench began, in milliseconds. */
  budgetMs: number
}

/** The reader's replies in one phase. */
export interface ReaderStats {
  /** Replies received in the measured window. */
  reads: number
  /** Replies per second over the window. */
  readsPerSec: number
  /** Median, 99th percentile and largest reply time, in milliseconds. */
  p50Ms: number
  p99Ms: number
  maxMs: number
}

/** The writer's replies during the reader's measured window. */
export interface WriterStats {
  /** Successful setData replies received within the reader's window. */
  writes: number
  /** Writes that failed or went unanswered within the window (each ends one of the writer's lanes). */
  errors: number
  /** Writes per second over the reader's window. */
  writesPerSec: number
  /** Median reply time of every write of the phase, in milliseconds. */
  p50Ms: number
}

/** One fresh ensemble. */
export interface FollowerReadsRun {
  run: number
  /** The follower both sessions used, and the leader, by myid. */
  follower: number
  leader: number
  /** Whether the loaded phase came first in this run. */
  loadedFirst: boolean
  /** The reader with no other session's writes. */
  idle: ReaderStats
  /** The reader while the writer kept `writesInFlight` writes outstanding, and the writer. */
  loaded: ReaderStats & { writer: WriterStats }
  /** 1-minute load average when the run began. */
  load1: number
}

/** What {@link benchFollowerReads} measured: medians over the runs. */
export interface FollowerReadsBenchResult {
  options: FollowerReadsBenchOptions
  idle: { p50Ms: Summary; p99Ms: Summary; maxMs: Summary; readsPerSec: Summary }
  loaded: { p50Ms: Summary; p99Ms: Summary; maxMs: Summary; readsPerSec: Summary; writesPerSec: Summary; writeP50Ms: Summary; writeErrors: number }
  /** Why runs were skipped, if they were. */
  notes: string[]
  raw: FollowerReadsRun[]
}

const valueBytes = 100
/** Spawn to all three members serving with one leader, at most, ms. */
const readyTimeoutMs = 90_000
/** One session's connect, at most, ms. */
const connectTimeoutMs = 30_000
/** A read or write unanswered this long stops the run, ms. */
const replyTimeoutMs = 30_000
/** close() of a session, at most, ms. */
const closeTimeoutMs = 5_000
const readPath = '/fr/read'
const writePath = (i: number): string => `/fr/w${i}`

/** `promise`, or a rejection naming `what` once `timeoutMs` has passed. */
function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no reply within ${timeoutMs} ms`)), timeoutMs)))
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** Closed loop: one getData at a time until `durationMs` has passed or `readsMax` were sent. */
async function readLoop(reader: ZooKeeperClient, durationMs: number, readsMax: number): Promise<ReaderStats> {
  const latencies = new Float64Array(readsMax)
  let reads = 0
  const start = performance.now()
  let now = start
  while (reads < readsMax && now - start < durationMs) {
    const sentAt = performance.now()
    await within(reader.getData(readPath), replyTimeoutMs, `getData ${readPath}`)
    now = performance.now()
    latencies[reads++] = now - sentAt
  }
  const sorted = latencies.subarray(0, reads).sort()
  return { reads, readsPerSec: reads / ((now - start) / 1000), p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted[reads - 1] ?? Number.NaN }
}

/** A write load: `writesInFlight` setData outstanding until stop(), `writesMax` or `timeMaxMs`. */
interface WriteLoad {
  /** Successful replies and failed writes so far. */
  replies(): { writes: number; errors: number }
  /** Stops sending, waits for the outstanding replies, and returns the median write latency, ms. */
  stop(): Promise<number>
}

function startWriteLoad(writer: ZooKeeperClient, options: FollowerReadsBenchOptions, data: Uint8Array, timeMaxMs: number): WriteLoad {
  const latencies = new Float64Array(options.writesMax)
  const deadline = performance.now() + timeMaxMs
  let issued = 0
  let writes = 0
  let errors = 0
  let stopped = false
  const lane = async (): Promise<void> => {
    while (!stopped && issued < options.writesMax && performance.now() < deadline) {
      const path = writePath(issued++ % options.writeNodes)
      const sentAt = performance.now()
      try {
        await within(writer.setData(path, data), replyTimeoutMs, `setData ${path}`)
      } catch {
        // No error is expected (version -1 on existing znodes); a lost connection would fail every
        // write at once, so an error ends this lane rather than let it spin.
        errors++
        return
      }
      latencies[writes++] = performance.now() - sentAt
    }
  }
  const lanes = Array.from({ length: options.writesInFlight }, lane)
  return {
    replies: () => ({ writes, errors }),
    stop: async () => {
      stopped = true
      await Promise.all(lanes)
      return percentile(latencies.subarray(0, writes).sort(), 0.5)
    },
  }
}

/** The reader's window while the writer keeps its writes in flight (started `warmupMs` before the window). */
async function loadedPhase(reader: ZooKeeperClient, writer: ZooKeeperClient, options: FollowerReadsBenchOptions, data: Uint8Array): Promise<FollowerReadsRun['loaded']> {
  const load = startWriteLoad(writer, options, data, options.warmupMs + options.durationMs + replyTimeoutMs)
  let stopped = false
  try {
    // The writer's lead lets its pipeline fill (and the reader warm up under load) before the window.
    await readLoop(reader, options.warmupMs, options.readsMax)
    const before = load.replies()
    const startedAt = performance.now()
    const stats = await readLoop(reader, options.durationMs, options.readsMax)
    const seconds = (performance.now() - startedAt) / 1000
    const after = load.replies()
    stopped = true
    const writeP50Ms = await load.stop()
    const writes = after.writes - before.writes
    return { ...stats, writer: { writes, errors: after.errors - before.errors, writesPerSec: writes / seconds, p50Ms: writeP50Ms } }
  } finally {
    if (!stopped) await load.stop().catch(() => undefined)
  }
}

async function closeQuietly(client: ZooKeeperClient | undefined): Promise<void> {
  if (client === undefined) return
  await within(client.close(), closeTimeoutMs, 'close').catch(() => undefined)
}

/** One fresh ensemble: both phases on one follower, in the order `loadedFirst` says; always stopped and removed. */
async function measureRun(options: FollowerReadsBenchOptions, run: number, log: (line: string) => void): Promise<FollowerReadsRun> {
  const dir = await mkdtemp(join(tmpdir(), 'paddock-bench-follower-reads-'))
  const load1 = loadavg()[0] ?? Number.NaN
  const ensemble = await Ensemble.layout('paddock', dir, options)
  let reader: ZooKeeperClient | undefined
  let writer: ZooKeeperClient | undefined
  try {
    for (const m of ensemble.members) ensemble.start(m.id)
    const leader = await ensemble.waitReady(readyTimeoutMs)
    const modes = await ensemble.modes()
    const follower = ensemble.members.find((m) => modes.get(m.id) === 'follower')
    if (follower === undefined) throw new Error(`no member reports Mode: follower (${[...modes].map(([id, mode]) => `${id}:${mode}`).join(' ')})`)
    const connectString = `127.0.0.1:${follower.clientPort}`
    writer = await connect(connectString, { initialConnectTimeoutMs: connectTimeoutMs })
    reader = await connect(connectString, { initialConnectTimeoutMs: connectTimeoutMs })
    const data = new Uint8Array(valueBytes).fill(0x61 + (run % 26))
    await writer.create('/fr')
    await writer.create(readPath, data)
    for (let i = 0; i < options.writeNodes; i++) await writer.create(writePath(i), data)
    // Warm-up: reads alone, then reads beside writes, so both paths are compiled before any window.
    await readLoop(reader, options.warmupMs, options.readsMax)
    const loadedFirst = run % 2 === 1
    const idlePhase = (): Promise<ReaderStats> => readLoop(reader!, options.durationMs, options.readsMax)
    let idle: ReaderStats
    let loaded: FollowerReadsRun['loaded']
    if (loadedFirst) {
      loaded = await loadedPhase(reader, writer, options, data)
      idle = await idlePhase()
    } else {
      idle = await idlePhase()
      loaded = await loadedPhase(reader, writer, options, data)
    }
    const f = (v: number): string => v.toFixed(2)
    log(`  run ${run + 1}/${options.runs}: follower ${follower.id} (leader ${leader}, load ${load1.toFixed(1)}): ` +
      `idle p50 ${f(idle.p50Ms)} p99 ${f(idle.p99Ms)} max ${f(idle.maxMs)} ms; ` +
      `loaded p50 ${f(loaded.p50Ms)} p99 ${f(loaded.p99Ms)} max ${f(loaded.maxMs)} ms at ${Math.round(loaded.writer.writesPerSec)} writes/s`)
    return { run, follower: follower.id, leader, loadedFirst, idle, loaded, load1 }
  } finally {
    await closeQuietly(reader)
    await closeQuietly(writer)
    await ensemble.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Follower-read latency with and without another session's write load on the same follower:
 * `options.runs` fresh ensembles, reduced to medians; stops starting runs once `options.budgetMs`
 * has passed.
 */
export async function benchFollowerReads(options: FollowerReadsBenchOptions, log: (line: string) => void = () => undefined): Promise<FollowerReadsBenchResult> {
  const notes: string[] = []
  const raw: FollowerReadsRun[] = []
  const began = performance.now()
  for (let run = 0; run < options.runs; run++) {
    if (run > 0 && performance.now() - began > options.budgetMs) {
      notes.push(`stopped after ${run} of ${options.runs} runs: the ${Math.round(options.budgetMs / 1000)} s budget was spent`)
      break
    }
    raw.push(await measureRun(options, run, log))
  }
  const of = (f: (r: FollowerReadsRun) => number): Summary => summarize(raw.map(f))
  return {
    options,
    idle: { p50Ms: of((r) => r.idle.p50Ms), p99Ms: of((r) => r.idle.p99Ms), maxMs: of((r) => r.idle.maxMs), readsPerSec: of((r) => r.idle.readsPerSec) },
    loaded: {
      p50Ms: of((r) => r.loaded.p50Ms),
      p99Ms: of((r) => r.loaded.p99Ms),
      maxMs: of((r) => r.loaded.maxMs),
      readsPerSec: of((r) => r.loaded.readsPerSec),
      writesPerSec: of((r) => r.loaded.writer.writesPerSec),
      writeP50Ms: of((r) => r.loaded.writer.p50Ms),
      writeErrors: raw.reduce((sum, r) => sum + r.loaded.writer.errors, 0),
    },
    notes,
    raw,
  }
}
