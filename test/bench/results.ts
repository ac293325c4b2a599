// Method: the shape of what `npm run bench -- --json FILE` writes, and reading such a file back
// (JSON has no NaN: a measurement that is missing is written as null and read back as NaN).
import { readFile } from 'node:fs/promises'
import type { BigRecoveryBenchResult } from './big-recovery.js'
import type { EnsembleBenchResult } from './ensemble.js'
import type { FailoverBenchResult } from './failover.js'
import type { FollowerReadsBenchResult } from './follower-reads.js'
import type { InProcessResult } from './in-process.js'
import type { MemoryBenchResult } from './memory.js'
import type { LockBenchResult } from './recipes.js'
import type { RecoveryBenchResult } from './recovery.js'
import type { Summary } from './report.js'
import type { ScaleBenchResult } from './scale.js'
import type { SnapshotLoadResult } from './snapshot-load.js'
import type { StartupBenchResult } from './startup.js'
import type { TestingBenchResult } from './testing.js'
import type { TlsBenchResult } from './tls.js'
import type { WireBenchResult } from './wire.js'

/** The sections `--only` picks from, in the order they run. */
export const sections = ['inprocess', 'wire', 'durable', 'recovery', 'memory', 'ensemble', 'failover', 'snapshot', 'recipes', 'followerreads', 'testing', 'tls', 'startup', 'scale', 'bigrecovery'] as const
/** One of {@link sections}. */
export type Section = (typeof sections)[number]
/** The sections that run only when `--only` names them (bigrecovery builds 10M znodes and takes about half an hour). */
export const optInSections: readonly Section[] = ['bigrecovery']

/** The run itself: how it was started, when, and on what. */
export interface BenchMeta {
  /** The command line, as `npm run bench -- …`. */
  command: string
  /** When the run started, ISO 8601. */
  date: string
  /** `process.version`. */
  node: string
  /** Logical CPUs. */
  cpus: number
  /** The first CPU's model name. */
  cpuModel?: string | undefined
  /** 1, 5 and 15-minute load averages before and after the run. */
  loadavgBefore: number[]
  loadavgAfter?: number[]
  /** Wall time of the whole run, in seconds. */
  elapsedSec?: number
  /** Whether `--quick` bounds were used. */
  quick: boolean
  /** The sections run. */
  sections: string[]
  /** How Apache ZooKeeper was run. */
  apache: string
  /** Paddock's package version, and the git commit when the run was made from a clone. */
  paddockVersion?: string
  /** The Apache ZooKeeper package's version, when a section ran it. */
  apacheVersion?: string | undefined
  /** What `java -version` says first, when a section ran Apache ZooKeeper. */
  javaVersion?: string | undefined
  /** Physical memory of the machine, in bytes. */
  totalMemBytes?: number
  /** Operating system and architecture, e.g. `Linux 6.1.0 x64`. */
  platform?: string
}

/** Lock measures by row label (client, server); an error message where one could not run. */
export interface RecipesResult {
  /** One per client and server. */
  rows: { label: string; result: LockBenchResult | undefined; error?: string }[]
  /** Rounds in process and over TCP. */
  rounds?: { inProcess: number; tcp: number }
}

/** The durable section: the wire comparison on dataDirs, and the disk's raw synced-write rate. */
export type DurableResult = WireBenchResult & {
  /** write(64 B) + fdatasync appending to a file, per second, over the runs. */
  fsyncPerSec: Summary
  /** The same in place over a preallocated file. */
  fsyncPreallocatedPerSec: Summary
  /** The directory measured. */
  fsyncDir: string
  /** How long each fsync measurement ran, ms. */
  fsyncMs?: number
}

/** Everything one run measured: `meta`, and one entry per section that ran. */
export interface BenchResults {
  meta: BenchMeta
  inprocess?: InProcessResult[]
  wire?: WireBenchResult
  durable?: DurableResult
  recovery?: RecoveryBenchResult
  memory?: MemoryBenchResult
  ensemble?: EnsembleBenchResult
  failover?: FailoverBenchResult
  snapshot?: SnapshotLoadResult
  recipes?: RecipesResult
  followerreads?: FollowerReadsBenchResult
  testing?: TestingBenchResult
  tls?: TlsBenchResult
  startup?: StartupBenchResult
  scale?: ScaleBenchResult
  bigrecovery?: BigRecoveryBenchResult
}

/** The results as the JSON file holds them (NaN becomes null), with a trailing newline. */
export function resultsJson(results: BenchResults): string {
  return `${JSON.stringify(results, null, 2)}\n`
}

/**
 * Parses what {@link resultsJson} wrote. Every null becomes NaN: the bench writes no null of its
 * own, so a null is a number that was not measured.
 * @throws TypeError when the text is not a results object (no `meta`).
 */
export function parseResults(text: string): BenchResults {
  const parsed: unknown = JSON.parse(text, (_key, value: unknown) => (value === null ? Number.NaN : value))
  if (typeof parsed !== 'object' || parsed === null || !('meta' in parsed) || typeof parsed.meta !== 'object') {
    throw new TypeError('not a bench results file: it has no "meta" object')
  }
  return parsed as BenchResults
}

/** Reads and parses a results file written by `--json`. */
export async function readResults(path: string): Promise<BenchResults> {
  return parseResults(await readFile(path, 'utf8'))
}
