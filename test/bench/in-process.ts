// Method: wall-clock throughput of the in-process client against an in-memory server, 100-byte
// values, medians of several rounds; requests are pipelined in batches as an application would.
// Beside the reads, the same loop around a bare lookup, Stat and copy (no server) gives the most
// this machine allows that loop, measured between the rounds so that both see the same load.
import { performance } from 'node:perf_hooks'
import { createServer, type Stat, type ZooKeeperClient } from '../../lib/index.js'

/** One operation's measured rate. */
export interface InProcessResult {
  /** Operation name. */
  op: 'create' | 'setData' | 'getData' | 'exists'
  /** Median operations per second over the rounds. */
  opsPerSec: number
  /**
   * getData and exists: the same loop around the least such a read must do, with no server (see
   * {@link loopFloor}), in operations per second, median over the rounds: what this machine allows
   * the bench's loop at most. Absent from runs saved before it was measured.
   */
  floorOpsPerSec?: number
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

/**
 * The floor under the bench's loop: the same batches of the same freshly built paths, each
 * answered by an async function that does the least a read must do: look the path up in a `Map`
 * of the round's znodes, and return a new 11-field Stat, with (getData) a copy of the 100 bytes
 * carved from a 2 KiB slab, as the client copies small values. No server, no session, no checks.
 */
async function loopFloor(r: number): Promise<{ getData: number; exists: number }> {
  const parent = `/bench-${r}`
  const nodes = new Map<string, { data: Uint8Array; stat: Stat }>()
  for (let i = 0; i < nodeCount; i++) {
    const stat = { czxid: i, mzxid: i, ctime: r, mtime: r, version: 1, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: valueBytes, numChildren: 0, pzxid: i }
    nodes.set(`${parent}/n${i}`, { data: new Uint8Array(valueBytes).fill(r), stat })
  }
  let slab = new ArrayBuffer(2048)
  let used = 0
  const copy = (data: Uint8Array): Uint8Array => {
    if (used + data.length > slab.byteLength) {
      slab = new ArrayBuffer(2048)
      used = 0
    }
    const out = new Uint8Array(slab, used, data.length)
    out.set(data)
    used += data.length
    return out
  }
  const statOf = (s: Stat): Stat => ({ czxid: s.czxid, mzxid: s.mzxid, ctime: s.ctime, mtime: s.mtime, version: s.version, cversion: s.cversion, aversion: s.aversion, ephemeralOwner: s.ephemeralOwner, dataLength: s.dataLength, numChildren: s.numChildren, pzxid: s.pzxid })
  const getData = async (path: string) => {
    const node = nodes.get(path)!
    return { data: copy(node.data), stat: statOf(node.stat) }
  }
  const exists = async (path: string) => statOf(nodes.get(path)!.stat)
  const path = (i: number) => `${parent}/n${i % nodeCount}`
  return {
    getData: await timed(nodeCount * 5, (i) => getData(path(i))),
    exists: await timed(nodeCount * 5, (i) => exists(path(i))),
  }
}

/**
 * Measures create, setData, getData and exists per second in-process (medians of 5 rounds), and
 * the floor of the loop that measures the reads ({@link loopFloor}), a round of it after each round.
 */
export async function benchInProcess(): Promise<InProcessResult[]> {
  const server = await createServer()
  const zk = await server.connect()
  const samples: Record<InProcessResult['op'], number[]> = { create: [], setData: [], getData: [], exists: [] }
  const floors: Record<'getData' | 'exists', number[]> = { getData: [], exists: [] }
  for (let r = 0; r < rounds; r++) {
    const result = await round(zk, r)
    for (const op of Object.keys(samples) as InProcessResult['op'][]) samples[op].push(result[op])
    const floor = await loopFloor(r)
    floors.getData.push(floor.getData)
    floors.exists.push(floor.exists)
  }
  await server.close()
  return (Object.keys(samples) as InProcessResult['op'][]).map((op) => {
    const row: InProcessResult = { op, opsPerSec: Math.round(median(samples[op])) }
    if (op === 'getData' || op === 'exists') row.floorOpsPerSec = Math.round(median(floors[op]))
    return row
  })
}
