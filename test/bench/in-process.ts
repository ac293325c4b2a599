// Method: wall-clock throughput of the in-process client against an in-memory server, 100-byte
// values, medians of several rounds; requests are pipelined in batches as an application would.
import { performance } from 'node:perf_hooks'
import { createServer, type ZooKeeperClient } from '../../lib/index.js'

/** One operation's measured rate. */
export interface InProcessResult {
  /** Operation name. */
  op: 'create' | 'setData' | 'getData' | 'exists'
  /** Median operations per second over the rounds. */
  opsPerSec: number
}

const valueBytes = 100
const nodeCount = 20_000
const batchSize = 1_000
const rounds = 5

async function timed(count: number, run: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now()
  for (let base = 0; base < count; base += batchSize) {
    const batch: Promise<unknown>[] = []
    for (let i = base; i < Math.min(count, base + batchSize); i++) batch.push(run(i))
    await Promise.all(batch)
  }
  return count / ((performance.now() - start) / 1000)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

async function round(zk: ZooKeeperClient, r: number): Promise<Record<InProcessResult['op'], number>> {
  const value = new Uint8Array(valueBytes).fill(r)
  const parent = `/bench-${r}`
  await zk.create(parent)
  const path = (i: number) => `${parent}/n${i}`
  return {
    create: await timed(nodeCount, (i) => zk.create(path(i), value)),
    setData: await timed(nodeCount, (i) => zk.setData(path(i), value)),
    getData: await timed(nodeCount * 5, (i) => zk.getData(path(i % nodeCount))),
    exists: await timed(nodeCount * 5, (i) => zk.exists(path(i % nodeCount))),
  }
}

/** Measures create, setData, getData and exists per second in-process (medians of 5 rounds). */
export async function benchInProcess(): Promise<InProcessResult[]> {
  const server = await createServer()
  const zk = await server.connect()
  const samples: Record<InProcessResult['op'], number[]> = { create: [], setData: [], getData: [], exists: [] }
  for (let r = 0; r < rounds; r++) {
    const result = await round(zk, r)
    for (const op of Object.keys(samples) as InProcessResult['op'][]) samples[op].push(result[op])
  }
  await server.close()
  return (Object.keys(samples) as InProcessResult['op'][]).map((op) => ({ op, opsPerSec: Math.round(median(samples[op])) }))
}
