// Method: the child process of the memory bench, run as
// `node --expose-gc dist/test/bench/memory-probe.js --counts 10000,100000 --time-max-ms T --out FILE`:
// an in-memory server in this process, znodes of 100 bytes created under /m by the in-process
// client in batches of 1,000, and at start and at each count asked for, after two full GCs, the
// process's heap used, external memory and RSS. It stops growing the tree once T ms have passed and
// writes what it measured to FILE as one JSON object.
import { writeFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createServer, type ZooKeeperClient } from '../../lib/index.js'
import type { MemoryProbeOutput, MemorySample } from './memory.js'

const valueBytes = 100
const batchSize = 1_000

function sample(znodes: number, elapsedMs: number): MemorySample {
  if (globalThis.gc === undefined) throw new Error('memory-probe needs node --expose-gc')
  globalThis.gc()
  globalThis.gc()
  const usage = process.memoryUsage()
  return { znodes, heapUsedBytes: usage.heapUsed, externalBytes: usage.external, rssBytes: usage.rss, elapsedMs }
}

/** Creates /m/n{from} … /m/n{to - 1}, a batch at a time; false when the deadline passed first. */
async function grow(zk: ZooKeeperClient, from: number, to: number, value: Uint8Array, deadline: number): Promise<boolean> {
  for (let base = from; base < to; base += batchSize) {
    if (performance.now() > deadline) return false
    const batch: Promise<unknown>[] = []
    for (let i = base; i < Math.min(to, base + batchSize); i++) batch.push(zk.create(`/m/n${i}`, value))
    await Promise.all(batch)
  }
  return true
}

async function probe(counts: readonly number[], timeMaxMs: number): Promise<MemoryProbeOutput> {
  const server = await createServer()
  const zk = await server.connect()
  const value = new Uint8Array(valueBytes).fill(0x6d)
  await zk.create('/m')
  const baseline = sample(0, 0)
  const samples: MemorySample[] = []
  const start = performance.now()
  let created = 0
  let note: string | undefined
  for (const count of counts) {
    if (!(await grow(zk, created, count, value, start + timeMaxMs))) {
      note = `stopped before ${count} znodes: the ${timeMaxMs / 1000} s bound was reached`
      break
    }
    created = count
    samples.push(sample(count, performance.now() - start))
  }
  await zk.close()
  await server.close()
  return { baseline, samples, ...(note === undefined ? {} : { note }) }
}

const { values } = parseArgs({ options: { counts: { type: 'string' }, 'time-max-ms': { type: 'string' }, out: { type: 'string' } } })
if (values.counts === undefined || values['time-max-ms'] === undefined || values.out === undefined) {
  throw new TypeError('usage: memory-probe --counts N,N,… --time-max-ms T --out FILE')
}
const counts = values.counts.split(',').map(Number).sort((a, b) => a - b)
await writeFile(values.out, JSON.stringify(await probe(counts, Number(values['time-max-ms']))))
