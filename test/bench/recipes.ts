// Method: wall-clock timing of the Lock recipe on an in-process, in-memory Paddock server:
// sequential acquire+release by one session, and the hand-off from one holder to the next among
// contending sessions (release() called to the next acquire() resolving), medians over rounds.
import { performance } from 'node:perf_hooks'
import { createServer, type ZooKeeperClient } from '../../lib/index.js'
import { Lock } from '../../lib/recipes/index.js'

/** The Lock recipe's measured costs. */
export interface LockBenchResult {
  /** Uncontended acquire + release pairs per second (median of the rounds). */
  uncontendedPerSec: number
  /** Median time from the holder's release() to the next waiter holding the lock, in ms. */
  handoffMedianMs: number
  /** 99th percentile of the hand-off time, in ms. */
  handoffP99Ms: number
  /** Sessions contending in the hand-off measurement. */
  contenders: number
}

const uncontendedPairs = 2_000
const rounds = 5
const contenders = 10
const handoffsPerRound = 1_000

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0
}

async function uncontendedRound(zk: ZooKeeperClient, r: number): Promise<number> {
  const lock = new Lock(zk, `/bench/uncontended-${r}`)
  const start = performance.now()
  for (let i = 0; i < uncontendedPairs; i++) await (await lock.acquire()).release()
  return uncontendedPairs / ((performance.now() - start) / 1000)
}

// Every session loops acquire/release; the time between one release starting and the next
// acquisition is one hand-off. The lock is fair, so each hand-off goes to a waiting session.
async function handoffRound(clients: readonly ZooKeeperClient[], r: number): Promise<number[]> {
  const samples: number[] = []
  let releasedAt: number | undefined
  let handoffs = 0
  await Promise.all(
    clients.map(async (zk) => {
      const lock = new Lock(zk, `/bench/contended-${r}`)
      while (handoffs < handoffsPerRound) {
        const lease = await lock.acquire()
        if (releasedAt !== undefined) samples.push(performance.now() - releasedAt)
        handoffs++
        releasedAt = performance.now()
        await lease.release()
      }
    }),
  )
  return samples
}

/** Measures the Lock recipe: uncontended pairs per second and the contended hand-off time. */
export async function benchLock(): Promise<LockBenchResult> {
  const server = await createServer()
  try {
    const clients = await Promise.all(Array.from({ length: contenders }, () => server.connect()))
    const rates: number[] = []
    const samples: number[] = []
    for (let r = 0; r < rounds; r++) {
      rates.push(await uncontendedRound(clients[0] as ZooKeeperClient, r))
      samples.push(...(await handoffRound(clients, r)))
    }
    return { uncontendedPerSec: Math.round(percentile(rates, 0.5)), handoffMedianMs: percentile(samples, 0.5), handoffP99Ms: percentile(samples, 0.99), contenders }
  } finally {
    await server.close()
  }
}
