// Method: wall-clock timing of the Lock recipe on an in-process, in-memory Paddock server (or over TCP):
// sequential acquire+release by one session, and the hand-off from one holder to the next among
// contending sessions (release() called to the next acquire() resolving), medians over rounds.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { connect, createServer, type ZooKeeperClient } from '../../lib/index.js'
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

const uncontendedPairs = 1_000
const rounds = 5
const contenders = 10
const handoffsPerRound = 500

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

/** Options of {@link benchLock}. */
export interface LockBenchOptions {
  /**
   * Measure over the TCP client against this server (Paddock or Apache ZooKeeper) instead of an
   * in-process, in-memory Paddock server.
   */
  connectString?: string
  /** Rounds to take the medians over. @defaultValue 5 */
  rounds?: number
}

/** Measures the Lock recipe: uncontended pairs per second and the contended hand-off time. */
export async function benchLock(options: LockBenchOptions = {}): Promise<LockBenchResult> {
  const server = options.connectString === undefined ? await createServer() : undefined
  const open = (): Promise<ZooKeeperClient> => (server === undefined ? connect(options.connectString ?? '', { sessionTimeoutMs: 30_000 }) : server.connect())
  const clients = await Promise.all(Array.from({ length: contenders }, open))
  try {
    const rates: number[] = []
    const samples: number[] = []
    for (let r = 0; r < (options.rounds ?? rounds); r++) {
      rates.push(await uncontendedRound(clients[0] as ZooKeeperClient, r))
      samples.push(...(await handoffRound(clients, r)))
    }
    return { uncontendedPerSec: Math.round(percentile(rates, 0.5)), handoffMedianMs: percentile(samples, 0.5), handoffP99Ms: percentile(samples, 0.99), contenders }
  } finally {
    await Promise.all(clients.map((zk) => zk.close()))
    await server?.close()
  }
}

/** The interpreter with Debian's python3-kazoo. */
const debianPython = '/usr/bin/python3'
// Next to this file when run from source; from dist/test/bench, back in the source tree.
const kazooScript = [new URL('python/kazoo_lock_bench.py', import.meta.url), new URL('../../../test/bench/python/kazoo_lock_bench.py', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((path) => existsSync(path)) ?? 'test/bench/python/kazoo_lock_bench.py'
const kazooBenchTimeoutMs = 600_000

/**
 * The reference: kazoo's Lock measured the same way (python/kazoo_lock_bench.py) against any
 * ZooKeeper at `connectString`, normally Apache ZooKeeper. Real sockets, real time.
 */
export function benchKazooLock(connectString: string, rounds = 3): Promise<LockBenchResult> {
  return new Promise((resolve, reject) => {
    execFile(debianPython, [kazooScript, connectString, String(rounds)], { timeout: kazooBenchTimeoutMs }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`kazoo_lock_bench.py failed: ${error.message}\n${stderr}`))
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as LockBenchResult)
      } catch {
        reject(new Error(`kazoo_lock_bench.py printed no JSON:\n${stdout}\n${stderr}`))
      }
    })
  })
}
