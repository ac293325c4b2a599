// Method: four scale checks of one Paddock member (issue 19). (1) getChildren of a node with N
// children and (2) S sessions watching N znodes each run in a fresh process of their own
// (scale-probe.ts), so the memory measured is the member's and its in-process clients' only.
// (3) Idle TCP sessions pinging a member in a child process: the child's CPU time (from /proc)
// over a measured interval, first with no session and then with all of them, and its RSS growth,
// per session. (4) setData of the largest value a durable (LevelDB) member accepts with many in
// flight, beside write+fsync of a temp file in large blocks on the same disk. Every loop is bounded
// by a count and a time.
import { execFileSync } from 'node:child_process'
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import type { Summary } from './report.js'
import { readCpuMs, spawnWrapped, startServer, timeToFirstReply, type BenchServer } from './servers.js'
import { openAclUnsafe, runLoad, WireClient } from './wire-client.js'

/** Bounds of {@link benchScale}. */
export interface ScaleBenchOptions {
  /** Children of the one node whose getChildren is timed (check 1). */
  children: number
  /** Znodes watched (check 2); each session watches every one. */
  watchNodes: number
  /** In-process sessions setting the watches (check 2). */
  watchSessions: number
  /** TCP sessions opened at most (check 3); fewer when the file-descriptor limit is lower. */
  sessions: number
  /** Interval over which the member's CPU is measured, without and then with the sessions, in ms. */
  idleMs: number
  /** How often each session pings, in ms (ZooKeeper's client: a third of a 30 s session timeout). */
  pingIntervalMs: number
  /** setData requests sent at most (check 4). */
  bigValueCount: number
  /** setData requests kept in flight (check 4). */
  bigValueInFlight: number
  /** Bytes written and fsynced to measure the disk's sequential rate. */
  diskBytes: number
  /** Longest any one growing, setting or loading loop may run, in ms. */
  timeMaxMs: number
  /** The probe process's V8 old-space limit, in MiB. */
  heapMb: number
}

/** Heap used, external memory and RSS after two full GCs, in bytes. */
export interface ProbeMemory {
  /** V8 heap in use. */
  heapUsedBytes: number
  /** Objects outside the V8 heap (buffers). */
  externalBytes: number
  /** Resident set of the whole process. */
  rssBytes: number
}

/** Check 1: getChildren of one node with many children. */
export interface ChildrenScaleResult {
  /** Children asked for. */
  children: number
  /** Children created before the time bound. */
  created: number
  /** Time to create them in process, in batches of 1,000, ms. */
  createMs: number
  /** The probe before any child was created. */
  baseline: ProbeMemory
  /** The probe holding every child. */
  held: ProbeMemory
  /** In-process getChildren, ms, over the calls. */
  inProcessMs: Summary
  /** Names the in-process call returned. */
  returned: number
  /** Bytes the reply would take on the wire (ReplyHeader and the vector of names). */
  replyBytes: number
  /** The largest reply the client port sends: jute.maxbuffer plus the response overhead, bytes. */
  replyBytesMax: number
  /** VmHWM after the in-process calls, bytes. */
  inProcessPeakRssBytes: number
  /** The same request over TCP with the bench's wire client: time to the reply and what it was. */
  wire: { ms: number; err?: number; outcome: string }
  /** The same with Paddock's TCP client (default maxBufferBytes). */
  tcpClient: { ms: number; outcome: string }
  /** VmHWM after the TCP calls, bytes. */
  wirePeakRssBytes: number
}

/** Check 2: many data watches on one member, then the writes that fire them. */
export interface WatchesScaleResult {
  /** Znodes watched. */
  nodes: number
  /** Sessions, each watching every znode. */
  sessions: number
  /** Watches set (getData with a watch callback, answered). */
  watches: number
  /** Time to set them, ms. */
  setMs: number
  /** The probe before the watches, nodes and sessions already there. */
  baseline: ProbeMemory
  /** The probe holding every watch (member and client side both). */
  held: ProbeMemory
  /** setData calls answered, one per znode. */
  writes: number
  /** Time to the last setData reply, ms. */
  writeMs: number
  /** Watch events the sessions received. */
  events: number
  /** Time from the first setData to the last event, ms. */
  deliverMs: number
}

/** Check 3: idle TCP sessions pinging one member in a child process. */
export interface SessionsScaleResult {
  /** Sessions asked for. */
  sessions: number
  /** Sessions opened. */
  connected: number
  /** Time to open them, ms. */
  connectMs: number
  /** This process's `ulimit -n` (soft, hard); the member inherits it. */
  fdLimit: { soft: number; hard: number }
  /** The member's RSS before the sessions and with them, bytes. */
  rssBeforeBytes: number
  rssAfterBytes: number
  /** The interval the CPU was measured over, ms. */
  idleMs: number
  /** The member's CPU time (user + system) over the interval with no session, ms. */
  cpuIdleMs: number
  /** The same with every session connected and pinging. */
  cpuMs: number
  /** Pings sent over the interval. */
  pings: number
  /** Sessions that failed during the interval. */
  failed: number
  /** Why sessions are missing, when they are. */
  note?: string
}

/** Check 4: the largest accepted values written with many in flight, beside the disk's raw rate. */
export interface BigValuesScaleResult {
  /** Bytes of each value: the largest the member accepted. */
  valueBytes: number
  /** The smallest size refused, and how. */
  refused?: { bytes: number; outcome: string }
  /** Requests in flight. */
  inFlight: number
  /** Replies received and those with errors. */
  ops: number
  errors: number
  /** Wall time of the load, s. */
  seconds: number
  /** Median and 99th percentile latency, ms. */
  p50Ms: number
  p99Ms: number
  /** Bytes written and fsynced to the disk directly, the time it took, and where. */
  disk: { bytes: number; seconds: number; dir: string }
}

/** What {@link benchScale} measured; a check that could not run leaves its field out and says why in `notes`. */
export interface ScaleBenchResult {
  /** The options it ran with. */
  options: ScaleBenchOptions
  children?: ChildrenScaleResult
  watches?: WatchesScaleResult
  sessions?: SessionsScaleResult
  bigValues?: BigValuesScaleResult
  /** 1-minute load average at the start of each check. */
  load1: number[]
  /** Errors and bounds reached. */
  notes: string[]
}

/** Time a probe may take beyond its bounds (start, GCs, closing), ms. */
const probeMarginMs = 60_000
/** Connections opened at once while sessions are being opened. */
const connectConcurrency = 200
/** File descriptors kept free for everything else in each process. */
const fdSpare = 500
/** Disk writes of this many bytes each. */
const diskBlockBytes = 1024 * 1024

async function runProbe<T>(options: ScaleBenchOptions, args: string[], timeMs: number): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'paddock-bench-scale-'))
  const out = join(dir, 'out.json')
  const script = fileURLToPath(new URL('./scale-probe.js', import.meta.url))
  const child = spawnWrapped(process.execPath, ['--expose-gc', `--max-old-space-size=${options.heapMb}`, script, ...args, '--time-max-ms', String(options.timeMaxMs), '--out', out])
  let timer: NodeJS.Timeout | undefined
  try {
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeMs + probeMarginMs)))
    if (!(await Promise.race([child.exited.then(() => true as const), late]))) throw new Error(`the scale probe still ran after ${timeMs + probeMarginMs} ms`)
    const text = await readFile(out, 'utf8').catch(() => {
      throw new Error(`the scale probe wrote no result:\n${child.output().slice(-2_000)}`)
    })
    return JSON.parse(text) as T
  } finally {
    clearTimeout(timer)
    await child.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

function fdLimit(): { soft: number; hard: number } {
  const [soft, hard] = execFileSync('/bin/sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n')
  const value = (v: string | undefined): number => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v))
  return { soft: value(soft), hard: value(hard) }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Opens up to `count` sessions, {@link connectConcurrency} at a time, stopping at the first failed batch or the deadline. */
async function openSessions(port: number, count: number, deadline: number): Promise<{ clients: WireClient[]; note?: string }> {
  const clients: WireClient[] = []
  while (clients.length < count) {
    if (performance.now() > deadline) return { clients, note: `stopped opening sessions after ${clients.length}: time bound reached` }
    const batch = Math.min(connectConcurrency, count - clients.length)
    const settled = await Promise.allSettled(Array.from({ length: batch }, () => WireClient.connect('127.0.0.1', port, { sessionTimeoutMs: 30_000, handshakeTimeoutMs: 30_000 })))
    for (const s of settled) if (s.status === 'fulfilled') clients.push(s.value)
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failure !== undefined) return { clients, note: `stopped opening sessions after ${clients.length}: ${(failure.reason as Error).message}` }
  }
  return { clients }
}

/** Pings every client once per `intervalMs`, spread over 100 ms slots, for `durationMs`; returns pings sent. */
async function pingFor(clients: readonly WireClient[], intervalMs: number, durationMs: number): Promise<number> {
  const slotMs = 100
  const perSlot = Math.max(1, Math.ceil((clients.length * slotMs) / intervalMs))
  let next = 0
  let pings = 0
  const end = performance.now() + durationMs
  while (performance.now() < end) {
    for (let i = 0; i < perSlot && clients.length > 0; i++) {
      const client = clients[next++ % clients.length]!
      if (client.error === undefined) {
        client.ping()
        pings++
      }
    }
    await sleep(slotMs)
  }
  return pings
}

async function benchSessions(options: ScaleBenchOptions): Promise<SessionsScaleResult> {
  const limit = fdLimit()
  const sessions = Math.max(0, Math.min(options.sessions, limit.soft - fdSpare))
  const workDir = await mkdtemp(join(tmpdir(), 'paddock-bench-scale-sessions-'))
  const server = await startServer({ kind: 'paddock', workDir, maxClientCnxns: 0 })
  let clients: WireClient[] = []
  try {
    const probe = await timeToFirstReply(server, { op: 'exists', path: '/', watch: false }, [0], 60_000)
    probe.client.destroy()
    const pid = await server.pid()
    const rssBeforeBytes = (await server.rss()).rssBytes
    const cpu0 = await readCpuMs(pid)
    await sleep(options.idleMs)
    const cpuIdleMs = (await readCpuMs(pid)) - cpu0
    const start = performance.now()
    const opened = await openSessions(server.port, sessions, start + options.timeMaxMs)
    clients = opened.clients
    const connectMs = performance.now() - start
    // One ping round before measuring, so the interval sees the steady state.
    await pingFor(clients, options.pingIntervalMs, options.pingIntervalMs)
    const cpu1 = await readCpuMs(pid)
    const pings = await pingFor(clients, options.pingIntervalMs, options.idleMs)
    const cpuMs = (await readCpuMs(pid)) - cpu1
    const rssAfterBytes = (await server.rss()).rssBytes
    const failed = clients.filter((c) => c.error !== undefined).length
    const note = sessions < options.sessions ? `capped at ${sessions} sessions by ulimit -n ${limit.soft} (${fdSpare} kept spare)` : opened.note
    return {
      sessions: options.sessions, connected: clients.length, connectMs, fdLimit: limit, rssBeforeBytes, rssAfterBytes,
      idleMs: options.idleMs, cpuIdleMs, cpuMs, pings, failed, ...(note === undefined ? {} : { note }),
    }
  } finally {
    for (const c of clients) c.destroy()
    await server.stop()
    await rm(workDir, { recursive: true, force: true })
  }
}

/** Writes `bytes` to a new file in `dir` in 1 MiB blocks, fsyncs it, and returns the seconds taken. */
async function measureSequentialWrite(dir: string, bytes: number): Promise<number> {
  const work = await mkdtemp(join(dir, 'paddock-seqwrite-'))
  const fd = openSync(join(work, 'probe'), 'w')
  const block = new Uint8Array(diskBlockBytes).fill(0x5a)
  try {
    const start = performance.now()
    for (let at = 0; at < bytes; at += block.length) writeSync(fd, block, 0, block.length, at)
    fsyncSync(fd)
    return (performance.now() - start) / 1000
  } finally {
    closeSync(fd)
    await rm(work, { recursive: true, force: true })
  }
}

/** setData of `bytes` on /big over a fresh connection: its err, or how the connection failed. */
async function trySetData(port: number, bytes: number): Promise<{ ok: boolean; outcome: string }> {
  const client = await WireClient.connect('127.0.0.1', port)
  try {
    const reply = await client.request({ op: 'setData', path: '/big', data: new Uint8Array(bytes), version: -1 })
    return { ok: reply.header.err === 0, outcome: `err ${reply.header.err}` }
  } catch (error) {
    return { ok: false, outcome: `connection failed: ${(error as Error).message}` }
  } finally {
    client.destroy()
  }
}

/**
 * The largest setData value the member accepts, by bisection between `low` (expected accepted)
 * and `high` (expected refused); each try is one request on a connection of its own.
 */
async function largestAccepted(port: number, low: number, high: number): Promise<{ bytes: number; refused?: { bytes: number; outcome: string } }> {
  const top = await trySetData(port, high)
  if (top.ok) return { bytes: high }
  if (!(await trySetData(port, low)).ok) throw new Error(`the member refused a setData of ${low} bytes`)
  let refused = { bytes: high, outcome: top.outcome }
  let lo = low
  let hi = high
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    const attempt = await trySetData(port, mid)
    if (attempt.ok) lo = mid
    else {
      hi = mid
      refused = { bytes: mid, outcome: attempt.outcome }
    }
  }
  return { bytes: lo, refused }
}

async function benchBigValues(options: ScaleBenchOptions): Promise<BigValuesScaleResult> {
  const dir = tmpdir()
  const workDir = await mkdtemp(join(dir, 'paddock-bench-scale-big-'))
  const server: BenchServer = await startServer({ kind: 'paddock', workDir, dataDir: join(workDir, 'data') })
  try {
    const { client } = await timeToFirstReply(server, { op: 'create', path: '/big', data: new Uint8Array(0), acl: openAclUnsafe, flags: 0 }, [0], 60_000)
    client.destroy()
    const mib = 1024 * 1024
    const accepted = await largestAccepted(server.port, mib - 8 * 1024, mib)
    const value = new Uint8Array(accepted.bytes).fill(0x76)
    const loader = await WireClient.connect('127.0.0.1', server.port)
    const load = await runLoad(loader, {
      inFlight: options.bigValueInFlight, countMax: options.bigValueCount, durationMs: options.timeMaxMs, stallMs: 60_000,
      request: () => ({ op: 'setData', path: '/big', data: value, version: -1 }),
    })
    loader.destroy()
    const diskBytes = Math.ceil(options.diskBytes / diskBlockBytes) * diskBlockBytes
    const seconds = await measureSequentialWrite(dir, diskBytes)
    return {
      valueBytes: accepted.bytes, ...(accepted.refused === undefined ? {} : { refused: accepted.refused }), inFlight: options.bigValueInFlight,
      ops: load.ops, errors: load.errors, seconds: load.seconds, p50Ms: load.p50Ms, p99Ms: load.p99Ms, disk: { bytes: diskBytes, seconds, dir },
    }
  } finally {
    await server.stop()
    await rm(workDir, { recursive: true, force: true })
  }
}

/** Runs the four checks in turn; one that fails is noted and the others still run. */
export async function benchScale(options: ScaleBenchOptions, log: (line: string) => void = () => undefined): Promise<ScaleBenchResult> {
  const result: ScaleBenchResult = { options, load1: [], notes: [] }
  const attempt = async (what: string, run: () => Promise<void>): Promise<void> => {
    result.load1.push(loadavg()[0] ?? Number.NaN)
    log(`  ${what} …`)
    try {
      await run()
    } catch (error) {
      result.notes.push(`${what}: ${(error as Error).message.split('\n')[0] ?? ''}`)
    }
  }
  await attempt(`getChildren of ${options.children} children`, async () => {
    result.children = await runProbe<ChildrenScaleResult>(options, ['--mode', 'children', '--count', String(options.children)], 2 * options.timeMaxMs)
  })
  await attempt(`${options.watchSessions} sessions x ${options.watchNodes} watched znodes`, async () => {
    result.watches = await runProbe<WatchesScaleResult>(options, ['--mode', 'watches', '--count', String(options.watchNodes), '--sessions', String(options.watchSessions)], 4 * options.timeMaxMs)
  })
  await attempt(`${options.sessions} idle TCP sessions`, async () => {
    result.sessions = await benchSessions(options)
  })
  await attempt(`setData of ~1 MiB values, ${options.bigValueInFlight} in flight`, async () => {
    result.bigValues = await benchBigValues(options)
  })
  return result
}
