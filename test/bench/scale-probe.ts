// Method: the child process of the scale section's in-process checks, run as
// `node --expose-gc dist/test/bench/scale-probe.js --mode children|watches --count N [--sessions S] --time-max-ms T --out FILE`.
// `children`: an in-memory server listening on 127.0.0.1, N children of /c created by the in-process
// client in batches of 1,000, memory after two full GCs before and after, then getChildren('/c')
// timed in process, over TCP with the bench's wire client, and with Paddock's TCP client.
// `watches`: N znodes, S in-process sessions each leaving a data watch on every one (S x N watches),
// memory before and after, then one setData per znode and the time until every event has arrived.
// Every loop is bounded by its count and by T ms; what it measured goes to FILE as one JSON object.
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { connect, createServer, ZooKeeperError, type Server, type ZooKeeperClient } from '../../lib/index.js'
import { juteMaxBufferBytes, responseOverheadBytesMax } from '../../lib/limits.js'
import { summarize } from './report.js'
import type { ChildrenScaleResult, ProbeMemory, WatchesScaleResult } from './scale.js'
import { WireClient } from './wire-client.js'

const batchSize = 1_000
/** getChildren calls timed in process (each copies the whole list). */
const inProcessCalls = 3
/** How long one getChildren over TCP may take before it counts as unanswered, ms. */
const wireReplyTimeoutMs = 30_000

function memory(): ProbeMemory {
  if (globalThis.gc === undefined) throw new Error('scale-probe needs node --expose-gc')
  globalThis.gc()
  globalThis.gc()
  const usage = process.memoryUsage()
  return { heapUsedBytes: usage.heapUsed, externalBytes: usage.external, rssBytes: usage.rss }
}

/** VmHWM of this process, bytes: the peak resident set so far. */
function peakRssBytes(): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
  return match?.[1] === undefined ? Number.NaN : Number(match[1]) * 1024
}

/** Runs `make(i)` for i in [0, count), a batch at a time; returns how many ran before the deadline. */
async function batched(count: number, deadline: number, make: (i: number) => Promise<unknown>): Promise<number> {
  for (let base = 0; base < count; base += batchSize) {
    if (performance.now() > deadline) return base
    const batch: Promise<unknown>[] = []
    for (let i = base; i < Math.min(count, base + batchSize); i++) batch.push(make(i))
    await Promise.all(batch)
  }
  return count
}

/** Bytes of the getChildren reply frame's payload: ReplyHeader, then a vector of jute strings. */
function childrenReplyBytes(names: readonly string[]): number {
  let bytes = 16 + 4
  for (const name of names) bytes += 4 + Buffer.byteLength(name)
  return bytes
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** getChildren over TCP with the bench's wire client: the reply's err, or why there was none. */
async function wireGetChildren(port: number): Promise<ChildrenScaleResult['wire']> {
  const client = await WireClient.connect('127.0.0.1', port)
  const start = performance.now()
  try {
    const reply = await withTimeout(client.request({ op: 'getChildren', path: '/c', watch: false }), wireReplyTimeoutMs)
    const ms = performance.now() - start
    if (reply === 'timeout') return { ms, outcome: `no reply within ${wireReplyTimeoutMs} ms` }
    const count = reply.response !== undefined && 'children' in reply.response ? reply.response.children.length : 0
    return { ms, err: reply.header.err, outcome: reply.header.err === 0 ? `${count} children` : `err ${reply.header.err}` }
  } catch (error) {
    return { ms: performance.now() - start, outcome: `failed: ${(error as Error).message}` }
  } finally {
    client.destroy()
  }
}

/** getChildren with Paddock's own TCP client (default maxBufferBytes): what an application sees. */
async function tcpClientGetChildren(server: Server): Promise<ChildrenScaleResult['tcpClient']> {
  const zk = await connect(server.connectString ?? '')
  const start = performance.now()
  try {
    const children = await withTimeout(zk.getChildren('/c'), wireReplyTimeoutMs)
    const ms = performance.now() - start
    return { ms, outcome: children === 'timeout' ? `no reply within ${wireReplyTimeoutMs} ms` : `${children.length} children` }
  } catch (error) {
    const code = error instanceof ZooKeeperError ? `${error.code}: ` : ''
    return { ms: performance.now() - start, outcome: `${code}${(error as Error).message}` }
  } finally {
    await zk.close()
  }
}

async function probeChildren(count: number, timeMaxMs: number): Promise<ChildrenScaleResult> {
  const server = await createServer({ port: 0, host: '127.0.0.1' })
  const zk = await server.connect()
  await zk.create('/c')
  const baseline = memory()
  const start = performance.now()
  const created = await batched(count, start + timeMaxMs, (i) => zk.create(`/c/n${i}`))
  const createMs = performance.now() - start
  const held = memory()
  const ms: number[] = []
  let names: string[] = []
  for (let i = 0; i < inProcessCalls; i++) {
    const t = performance.now()
    names = await zk.getChildren('/c')
    ms.push(performance.now() - t)
  }
  const replyBytes = childrenReplyBytes(names)
  const returned = names.length
  names = []
  const inProcessPeakRssBytes = peakRssBytes()
  const wire = await wireGetChildren(server.address?.port ?? -1)
  const tcpClient = await tcpClientGetChildren(server)
  const wirePeakRssBytes = peakRssBytes()
  await zk.close()
  await server.close()
  return {
    children: count, created, createMs, baseline, held, inProcessMs: summarize(ms), returned, replyBytes,
    replyBytesMax: juteMaxBufferBytes + responseOverheadBytesMax, inProcessPeakRssBytes, wire, tcpClient, wirePeakRssBytes,
  }
}

async function probeWatches(nodes: number, sessions: number, timeMaxMs: number): Promise<WatchesScaleResult> {
  const server = await createServer()
  const writer = await server.connect()
  await writer.create('/w')
  const start = performance.now()
  const created = await batched(nodes, start + timeMaxMs, (i) => writer.create(`/w/n${i}`))
  const watchers: ZooKeeperClient[] = []
  for (let s = 0; s < sessions; s++) watchers.push(await server.connect())
  let events = 0
  let lastEventAt = 0
  const onEvent = (): void => {
    events++
    lastEventAt = performance.now()
  }
  const baseline = memory()
  const setStart = performance.now()
  let set = 0
  for (const zk of watchers) set += await batched(created, setStart + timeMaxMs, (i) => zk.getData(`/w/n${i}`, { watch: onEvent }))
  const setMs = performance.now() - setStart
  const held = memory()
  const writeStart = performance.now()
  const written = await batched(created, writeStart + timeMaxMs, (i) => writer.setData(`/w/n${i}`, new Uint8Array(1)))
  const writeMs = performance.now() - writeStart
  // Events may still be on their way once the last setData is answered; wait, bounded.
  const expected = Math.min(set, written * sessions)
  const waitUntil = performance.now() + timeMaxMs
  while (events < expected && performance.now() < waitUntil) await new Promise((resolve) => setTimeout(resolve, 5))
  const deliverMs = (events === 0 ? performance.now() : lastEventAt) - writeStart
  for (const zk of watchers) await zk.close()
  await writer.close()
  await server.close()
  return { nodes: created, sessions, watches: set, setMs, baseline, held, writes: written, writeMs, events, deliverMs }
}

const { values } = parseArgs({
  options: { mode: { type: 'string' }, count: { type: 'string' }, sessions: { type: 'string' }, 'time-max-ms': { type: 'string' }, out: { type: 'string' } },
})
if (values.count === undefined || values['time-max-ms'] === undefined || values.out === undefined) {
  throw new TypeError('usage: scale-probe --mode children|watches --count N [--sessions S] --time-max-ms T --out FILE')
}
const count = Number(values.count)
const timeMaxMs = Number(values['time-max-ms'])
const result = values.mode === 'children' ? await probeChildren(count, timeMaxMs)
  : values.mode === 'watches' ? await probeWatches(count, Number(values.sessions ?? '1'), timeMaxMs)
  : undefined
if (result === undefined) throw new TypeError(`--mode ${values.mode}: expected children or watches`)
await writeFile(values.out, JSON.stringify(result))
