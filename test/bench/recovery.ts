// Method: load N znodes of 100 bytes over the wire into a durable server, stop it, measure the dataDir
// with du, then restart it on that dataDir and time spawn-to-first-read of the last znode.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { summarize, type Summary } from './report.js'
import { diskBytes, startServer, timeToFirstReply, type Rss, type ServerKind } from './servers.js'
import { openAclUnsafe, runLoad } from './wire-client.js'

/** Bounds of the recovery benchmark. */
export interface RecoveryBenchOptions {
  /** Znode counts to load and recover, one measurement each. */
  counts: readonly number[]
  /** Restarts timed per count and server (the report gives the median). */
  restarts: number
  /** Creates kept in flight while loading. */
  loadInFlight: number
  /** Loading one server stops after this long even if short of the count, in milliseconds. */
  loadTimeMaxMs: number
  /** Apache's -Xmx, in MiB (ZooKeeper keeps every znode on the heap). */
  apacheHeapMb: number
  /** The servers, in order. */
  kinds: readonly ServerKind[]
}

/** One server at one znode count. */
export interface RecoveryRun {
  /** Which server. */
  kind: ServerKind
  /** Znodes asked for. */
  count: number
  /** Znodes actually created (less than `count` when loading hit `loadTimeMaxMs` or failed). */
  created: number
  /** Creates per second while loading (100 in flight or as configured). */
  loadOpsPerSec: number
  /** du of the dataDir after a clean stop: allocated blocks and apparent size, bytes. */
  disk: { allocatedBytes: number; apparentBytes: number }
  /** Spawn to the first successful getData of the last znode, ms, over the restarts. */
  recoveryMs: Summary
  /** RSS after recovery (last restart). */
  rss: Rss
  /** Why the measurement is missing or partial, if it is. */
  note?: string
}

/** What {@link benchRecovery} measured. */
export interface RecoveryBenchResult {
  /** The options it ran with. */
  options: RecoveryBenchOptions
  /** One per count and server. */
  runs: RecoveryRun[]
}

const valueBytes = 100
/** How long a restarted server may take to serve, in milliseconds. */
const recoverTimeoutMs = 180_000

async function measure(kind: ServerKind, count: number, options: RecoveryBenchOptions, log: (line: string) => void): Promise<RecoveryRun> {
  const workDir = await mkdtemp(join(tmpdir(), `paddock-recovery-${kind}-`))
  const dataDir = join(workDir, 'data')
  const start = { kind, workDir, dataDir, heapMb: options.apacheHeapMb }
  const data = new Uint8Array(valueBytes).fill(0x62)
  const run: RecoveryRun = {
    kind, count, created: 0, loadOpsPerSec: Number.NaN, disk: { allocatedBytes: Number.NaN, apparentBytes: Number.NaN },
    recoveryMs: summarize([]), rss: { rssBytes: Number.NaN, peakBytes: Number.NaN },
  }
  try {
    const server = await startServer(start)
    try {
      const { client } = await timeToFirstReply(server, { op: 'create', path: '/r', data, acl: openAclUnsafe, flags: 0 }, [0], recoverTimeoutMs)
      const load = await runLoad(client, {
        inFlight: options.loadInFlight,
        countMax: count,
        durationMs: options.loadTimeMaxMs,
        request: (i) => ({ op: 'create', path: `/r/n${i}`, data, acl: openAclUnsafe, flags: 0 }),
        stallMs: 60_000,
      })
      run.created = load.ops - load.errors
      run.loadOpsPerSec = load.opsPerSec
      if (load.errors > 0) run.note = `${load.errors} creates failed (first err ${load.firstErr})`
      else if (run.created < count) run.note = `loading stopped at ${run.created} of ${count} after ${(options.loadTimeMaxMs / 1000).toFixed(0)} s`
      log(`  ${kind} ${count}: loaded ${run.created} at ${Math.round(load.opsPerSec)}/s`)
      await client.close()
    } finally {
      await server.stop()
    }
    run.disk = await diskBytes(dataDir)
    const last = `/r/n${Math.max(0, run.created - 1)}`
    const times: number[] = []
    for (let r = 0; r < options.restarts; r++) {
      const again = await startServer(start)
      try {
        const { client, ms } = await timeToFirstReply(again, { op: 'getData', path: last, watch: false }, [0], recoverTimeoutMs)
        times.push(ms)
        run.rss = await again.rss()
        await client.close()
        log(`  ${kind} ${count}: restart ${r + 1} served ${last} after ${ms.toFixed(0)} ms`)
      } finally {
        await again.stop()
      }
    }
    run.recoveryMs = summarize(times)
  } catch (error) {
    run.note = `failed: ${(error as Error).message}`
    log(`  ${kind} ${count}: ${run.note}`)
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
  return run
}

/** Loads, stops and recovers each server at each count in turn. */
export async function benchRecovery(options: RecoveryBenchOptions, log: (line: string) => void = () => undefined): Promise<RecoveryBenchResult> {
  const runs: RecoveryRun[] = []
  for (const count of options.counts) {
    for (const kind of options.kinds) runs.push(await measure(kind, count, options, log))
  }
  return { options, runs }
}
