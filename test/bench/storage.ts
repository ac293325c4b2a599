// Method: wall-clock micro-benchmark of durable appends on LevelDB against the disk's raw fdatasync rate.
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'
import { createLevelStorage, type Storage } from '../../storage/index.js'

/** Options for {@link benchStorage}. */
export interface StorageBenchOptions {
  /** Directory to create the temporary data directories in (the disk being measured). @defaultValue os.tmpdir() */
  dir?: string
  /** How long each measurement runs, in milliseconds. @defaultValue 2000 */
  durationMs?: number
  /** Bytes of data per log entry (a small create transaction is about this size). @defaultValue 128 */
  entryBytes?: number
}

/** Durable append throughput and latency at one concurrency level. */
export interface AppendResult {
  /** Appends kept outstanding at once (each append is one entry). */
  inFlight: number
  /** Entries made durable per second. */
  entriesPerSec: number
  /** Synced LevelDB batches per second. */
  batchesPerSec: number
  /** Mean entries per batch: how much group commit gathered. */
  entriesPerBatch: number
  /** Median time from append() to its durable resolution, in milliseconds. */
  latencyP50Ms: number
  /** 99th percentile of that latency, in milliseconds. */
  latencyP99Ms: number
}

/** What {@link benchStorage} measured. */
export interface StorageBenchResult {
  /** write(64 bytes) + fdatasync() pairs per second on a plain file: the disk's ceiling for synced writes. */
  fsyncPerSec: number
  /** Durable appends, one at a time. */
  append1: AppendResult
  /** Durable appends, 100 outstanding. */
  append100: AppendResult
}

const inFlightLevels = [1, 100] as const
/** Bounds the raw fsync loop if the clock misbehaves. */
const fsyncIterationsMax = 1_000_000

/** Measures the raw fdatasync rate of the disk under `dir`, for about `durationMs`. */
export async function measureFsyncPerSec(dir: string, durationMs: number): Promise<number> {
  const work = await mkdtemp(join(dir, 'paddock-fsync-'))
  const fd = openSync(join(work, 'probe'), 'w')
  const block = new Uint8Array(64).fill(0x42)
  let count = 0
  const start = performance.now()
  try {
    while (performance.now() - start < durationMs && count < fsyncIterationsMax) {
      writeSync(fd, block)
      fdatasyncSync(fd)
      count++
    }
  } finally {
    closeSync(fd)
    await rm(work, { recursive: true, force: true })
  }
  return count / ((performance.now() - start) / 1000)
}

async function measureAppends(dir: string, inFlight: number, durationMs: number, entryBytes: number): Promise<AppendResult> {
  const dataDir = await mkdtemp(join(dir, 'paddock-bench-'))
  const quiet = { debug() {}, info() {}, warn() {} }
  const storage: Storage = createLevelStorage({ dataDir, logger: quiet })
  await storage.open()
  const data = new Uint8Array(entryBytes).fill(0x61)
  const latencies: number[] = []
  let zxid = 0
  const start = performance.now()
  // Each worker keeps one append outstanding; `inFlight` workers keep that many in flight.
  async function worker(): Promise<void> {
    while (performance.now() - start < durationMs) {
      const issued = performance.now()
      await storage.append([{ zxid: ++zxid, data }])
      latencies.push(performance.now() - issued)
    }
  }
  try {
    await Promise.all(Array.from({ length: inFlight }, worker))
  } finally {
    await storage.close()
    await rm(dataDir, { recursive: true, force: true })
  }
  const seconds = (performance.now() - start) / 1000
  const { logBatchesWritten, logEntriesWritten } = storage.stats
  latencies.sort((a, b) => a - b)
  return {
    inFlight,
    entriesPerSec: logEntriesWritten / seconds,
    batchesPerSec: logBatchesWritten / seconds,
    entriesPerBatch: logEntriesWritten / Math.max(1, logBatchesWritten),
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
  }
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

/** Runs the storage micro-benchmark: raw fsync rate, then durable appends at 1 and 100 in flight. */
export async function benchStorage(options: StorageBenchOptions = {}): Promise<StorageBenchResult> {
  const dir = options.dir ?? tmpdir()
  const durationMs = options.durationMs ?? 2000
  const entryBytes = options.entryBytes ?? 128
  const fsyncPerSec = await measureFsyncPerSec(dir, durationMs)
  const [append1, append100] = [
    await measureAppends(dir, inFlightLevels[0], durationMs, entryBytes),
    await measureAppends(dir, inFlightLevels[1], durationMs, entryBytes),
  ]
  return { fsyncPerSec, append1, append100 }
}

function formatRow(r: AppendResult): string {
  return [
    `in flight ${String(r.inFlight).padStart(3)}:`,
    `${r.entriesPerSec.toFixed(0).padStart(7)} entries/s`,
    `${r.batchesPerSec.toFixed(0).padStart(6)} syncs/s`,
    `${r.entriesPerBatch.toFixed(1).padStart(6)} entries/batch`,
    `p50 ${r.latencyP50Ms.toFixed(2)} ms`,
    `p99 ${r.latencyP99Ms.toFixed(2)} ms`,
  ].join('  ')
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? tmpdir()
  const result = await benchStorage({ dir })
  console.log(`storage bench in ${dir} (Node ${process.version})`)
  console.log(`raw write+fdatasync: ${result.fsyncPerSec.toFixed(0)} /s`)
  console.log(formatRow(result.append1))
  console.log(formatRow(result.append100))
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
}
