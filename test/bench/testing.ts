// Method: wall-clock timing of the testing kit's TestingCluster(3) on its virtual clock, in this
// process: start → first acknowledged write, and the leader's crash (or clean kill) → the next
// acknowledged write through a surviving member; medians over the rounds. Each round runs the crash
// and the kill on the same seed (the same elections, the same virtual timeline), in alternating
// order, so the two differ only by crash vs kill, not by their seeds or by which ran second. The
// first round runs on a cold process (module load and JIT warm-up included) and is reported apart.
// The reference beside it, Apache Curator's TestingCluster(3) in fresh JVMs, is curator-testing.ts.
import { performance } from 'node:perf_hooks'
import { TestingCluster } from '../../lib/testing/index.js'
import type { CuratorTestingResult } from './curator-testing.js'

/** TestingCluster timings, in ms of wall time. */
export interface TestingBenchResult {
  /** Warm rounds, each a crash and a kill. */
  rounds: number
  /** start() → first acknowledged write, per warm round (two per round: the crash's and the kill's). */
  startToWriteMs: number[]
  /** crash(leader) → next acknowledged write, per warm round. */
  crashToWriteMs: number[]
  /** kill(leader) → next acknowledged write, per warm round. */
  killToWriteMs: number[]
  /** The first (cold) round's start → first write. */
  coldStartToWriteMs: number
  /** Virtual ms the crash failover took, per warm round (the election as the members saw it). */
  crashVirtualMs: number[]
  /** The reference: Apache Curator's TestingCluster(3), in fresh JVMs (absent from runs made before it was measured). */
  curator?: CuratorTestingResult
}

async function failover(seed: number, how: 'crash' | 'kill'): Promise<{ startMs: number; failoverMs: number; virtualMs: number }> {
  const t0 = performance.now()
  const cluster = await TestingCluster.start({ size: 3, seed })
  try {
    const zk = await cluster.connect()
    await zk.create('/first', '')
    const t1 = performance.now()
    const leader = (await cluster.waitForLeader()).myid
    const v1 = cluster.now()
    await (how === 'crash' ? cluster.crash(leader) : cluster.kill(leader))
    const survivor = await cluster.connect(cluster.running[0])
    await cluster.waitFor(survivor.create('/next', ''), 'the next write')
    return { startMs: t1 - t0, failoverMs: performance.now() - t1, virtualMs: cluster.now() - v1 }
  } finally {
    await cluster.close()
  }
}

/** Runs `rounds` warm rounds of each failover after one cold round. */
export async function benchTestingCluster(rounds: number): Promise<TestingBenchResult> {
  const cold = await failover(1, 'crash')
  const result: TestingBenchResult = { rounds, startToWriteMs: [], crashToWriteMs: [], killToWriteMs: [], coldStartToWriteMs: cold.startMs, crashVirtualMs: [] }
  for (let round = 0; round < rounds; round++) {
    const seed = 100 + round
    const hows = round % 2 === 0 ? (['crash', 'kill'] as const) : (['kill', 'crash'] as const)
    for (const how of hows) {
      const run = await failover(seed, how)
      result.startToWriteMs.push(run.startMs)
      if (how === 'kill') {
        result.killToWriteMs.push(run.failoverMs)
        continue
      }
      result.crashToWriteMs.push(run.failoverMs)
      result.crashVirtualMs.push(run.virtualMs)
    }
  }
  return result
}
