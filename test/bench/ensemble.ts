// Method: 3-member ensembles on 127.0.0.1, Paddock (3 `paddock server start-foreground` processes on
// LevelDB dataDirs) and Apache ZooKeeper 3.8 (3 QuorumPeerMain JVMs, forceSync=yes), started from
// the same kind of zoo.cfg + myid with the same tickTime/initLimit/syncLimit, fresh per run and runs
// alternating between them. Throughput: one pipelined wire client per member, the in-flight total
// split over them. Failover: one client writes setData in a loop (one at a time) through a follower;
// the leader is SIGKILLed; the time runs from just before the kill to the reply of the first
// successful write sent after it, reconnecting (new session) to a surviving member, follower first,
// when the connection fails or a write goes unanswered. The killed member is restarted and rejoins
// before the next trial. Every phase is bounded in count and time; every process is killed at the end.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { askFourLetterWord, srvrZxidOf } from '../../lib/cli/four-letter.js'
import type { ClientRequest } from '../../lib/protocol/jute-records.js'
import { freePorts } from '../interop/harness/ports.js'
import { ratio, summarize, type Summary } from './report.js'
import { apacheJavaArgs, apacheUnavailableReason, javaBinary, spawnWrapped, type ServerKind, type WrappedProcess } from './servers.js'
import { openAclUnsafe, percentile, WireClient } from './wire-client.js'

/** The operations measured on the ensemble, in this order (setData and getData cycle over the created nodes). */
export const ensembleOps = ['create', 'setData', 'getData'] as const
/** One of {@link ensembleOps}. */
export type EnsembleOp = (typeof ensembleOps)[number]

/** Bounds and settings of {@link benchEnsemble}. */
export interface EnsembleBenchOptions {
  /** Fresh ensembles per server kind (alternating kinds); throughput medians are over these. */
  runs: number
  /** Leader kills per ensemble (the killed member is restarted between them); failover medians are over runs × this. */
  failoversPerRun: number
  /** Each throughput phase sends for at most this long, in milliseconds. */
  durationMs: number
  /** Each throughput phase sends at most this many requests (over all clients). */
  countMax: number
  /** Warm-up (creates, then reads and writes) before measuring, in milliseconds per part. */
  warmupMs: number
  /** Requests in flight over all clients (split evenly over the members). */
  inFlight: number
  /** zoo.cfg tickTime, initLimit, syncLimit: the same for both servers. */
  tickTimeMs: number
  initLimit: number
  syncLimit: number
  /** -Xmx of each Apache JVM, in MiB. */
  apacheHeapMb: number
  /** The servers compared. */
  kinds: readonly ServerKind[]
  /** No new run starts once this much time has passed since the bench began, in milliseconds. */
  budgetMs: number
  /** Znodes written while a follower is down, before it restarts and catches up (0: no catch-up trial). */
  catchUpZnodes: number
  /** Whether to run the throughput phases (false: start-up and failovers only). @defaultValue true */
  throughput?: boolean
}

/** A follower restarted after missing many writes (more than a DIFF carries: it gets the state). */
export interface CatchUpTrial {
  /** Restart of the follower to it serving at the leader's zxid, in ms (NaN: not within the bound). */
  ms: number
  /** Znodes created while it was down. */
  znodes: number
  /** Why the trial has no time, if it has none. */
  note?: string
}

/** One throughput phase over all the clients. */
export interface SpreadResult {
  /** Replies received. */
  ops: number
  /** Replies with a non-zero err. */
  errors: number
  /** The first non-zero err seen, or 0. */
  firstErr: number
  /** Replies per second (first send to last reply). */
  opsPerSec: number
  /** Median and 99th percentile latency over every reply, in milliseconds. */
  p50Ms: number
  p99Ms: number
}

/** One leader kill. */
export interface FailoverTrial {
  /** SIGKILL of the leader to the reply of the first successful write sent after it, in ms (NaN: none within the bound). */
  ms: number
  /** The member killed and the member the writer started on. */
  leader: number
  writerMember: number
  /** The member the successful write went through. */
  okMember: number
  /** Sessions opened after the kill (0: the writer's connection survived). */
  reconnects: number
  /** Writes that failed or went unanswered after the kill. */
  failedWrites: number
  /** Restart of the killed member to all three serving with one leader, in ms. */
  rejoinMs: number
  /** Why the trial has no time, if it has none. */
  note?: string
}

/** One fresh ensemble of one server kind. */
export interface EnsembleRun {
  kind: ServerKind
  run: number
  /** Spawn of the three members to all three serving with one leader, in ms. */
  startupMs: number
  /** Throughput phases by op. */
  phases: Partial<Record<EnsembleOp, SpreadResult>>
  failovers: FailoverTrial[]
  /** The catch-up trial, when options ask for one. */
  catchUp?: CatchUpTrial
  /** 1-minute load average when the run began. */
  load1: number
}

/** A measure for both servers over the runs, and Paddock / Apache of the medians. */
export interface Compared {
  paddock: Summary
  apache: Summary
  ratio: number
}

/** What {@link benchEnsemble} measured. */
export interface EnsembleBenchResult {
  options: EnsembleBenchOptions
  rows: { op: EnsembleOp; opsPerSec: Compared; p50Ms: Compared; p99Ms: Compared; errors: { paddock: number; apache: number } }[]
  /** Failover time in ms over every trial. */
  failoverMs: Compared
  /** Ensemble start-up in ms. */
  startupMs: Compared
  /** Catch-up of a follower `options.catchUpZnodes` behind, in ms. */
  catchUpMs: Compared
  /** Why runs were skipped (budget, Apache missing), if they were. */
  notes: string[]
  raw: EnsembleRun[]
}

const host = '127.0.0.1'
const valueBytes = 100
const membersCount = 3
/** Spawn to all members serving, and restart to rejoined, at most, ms. */
const readyTimeoutMs = 90_000
/** A failover trial gives up after this long, ms. */
const failoverTimeoutMs = 60_000
/** A write the writer waits for longer than this is given up and the connection dropped, ms. */
const writeTimeoutMs = 5_000
/** A reconnect attempt's TCP connect + session handshake may take this long, ms. */
const reconnectHandshakeMs = 2_000
/** Pause between reconnect attempts and after an error reply, ms (the same for both servers). */
const retryPauseMs = 20
/** Steady writes through the follower before the leader is killed, ms. */
const preKillMs = 500
/** Error codes: ZNODEEXISTS. */
const nodeExists = -110

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function create(path: string, data: Uint8Array): ClientRequest {
  return { op: 'create', path, data, acl: openAclUnsafe, flags: 0 }
}

function requestFor(op: EnsembleOp | 'getData', path: string, data: Uint8Array): ClientRequest {
  switch (op) {
    case 'create': return create(path, data)
    case 'setData': return { op, path, data, version: -1 }
    case 'getData': return { op, path, watch: false }
  }
}


/** What `srvr` says: leader, follower, not serving (electing), or down. */
export type Mode = 'leader' | 'follower' | 'not serving' | 'down'

/** The last zxid `srvr` reports, or undefined when the member does not answer it. */
async function srvrZxid(port: number): Promise<number | undefined> {
  const answer = await askFourLetterWord(host, port, 'srvr', 2_000).catch(() => '')
  return srvrZxidOf(answer)
}

async function srvrMode(port: number): Promise<Mode> {
  let answer: string
  try {
    answer = await askFourLetterWord(host, port, 'srvr', 2_000)
  } catch {
    return 'down'
  }
  const mode = /^Mode: (\S+)$/m.exec(answer)?.[1]
  return mode === 'leader' || mode === 'follower' ? mode : 'not serving'
}

/** One member of an {@link Ensemble}: its id (myid), loopback ports, directory and process. */
export interface Member {
  id: number
  clientPort: number
  quorumPort: number
  electionPort: number
  dir: string
  cfg: string
  process: WrappedProcess | undefined
}

/** The settings {@link Ensemble.layout} writes into every member's zoo.cfg or JVM arguments. */
export type EnsembleLayoutOptions = Pick<EnsembleBenchOptions, 'tickTimeMs' | 'initLimit' | 'syncLimit' | 'apacheHeapMb'>

/**
 * Three members of one kind on loopback, each a process of its own, with fresh ports and dataDirs:
 * `layout()`, then `start()` each member and `waitReady()`; `stop()` SIGKILLs them all. Shared by
 * this bench and the follower-reads bench.
 */
export class Ensemble {
  private constructor(readonly kind: ServerKind, readonly members: Member[], private readonly options: EnsembleLayoutOptions) {}

  /** Writes zoo.cfg + myid for each member under `dir`. */
  static async layout(kind: ServerKind, dir: string, options: EnsembleLayoutOptions): Promise<Ensemble> {
    const ports = await freePorts(membersCount * 3)
    const members: Member[] = Array.from({ length: membersCount }, (_, i) => ({
      id: i + 1,
      clientPort: ports[3 * i] ?? 0,
      quorumPort: ports[3 * i + 1] ?? 0,
      electionPort: ports[3 * i + 2] ?? 0,
      dir: join(dir, `m${i + 1}`),
      cfg: join(dir, `m${i + 1}`, 'zoo.cfg'),
      process: undefined,
    }))
    for (const m of members) {
      const dataDir = join(m.dir, 'data')
      await mkdir(dataDir, { recursive: true })
      await writeFile(join(dataDir, 'myid'), `${m.id}\n`)
      const lines = [
        `tickTime=${options.tickTimeMs}`,
        `initLimit=${options.initLimit}`,
        `syncLimit=${options.syncLimit}`,
        `dataDir=${dataDir}`,
        `clientPort=${m.clientPort}`,
        `clientPortAddress=${host}`,
        '4lw.commands.whitelist=*',
        'maxClientCnxns=0',
        // Apache only (Paddock would warn about unknown keys): no admin server; forceSync=yes is its default.
        ...(kind === 'apache' ? ['admin.enableServer=false', 'forceSync=yes'] : []),
        ...members.map((o) => `server.${o.id}=${host}:${o.quorumPort}:${o.electionPort}`),
        '',
      ]
      await writeFile(m.cfg, lines.join('\n'))
    }
    return new Ensemble(kind, members, options)
  }

  member(id: number): Member {
    const m = this.members.find((x) => x.id === id)
    if (m === undefined) throw new Error(`no member ${id}`)
    return m
  }

  /** Spawns member `id` (again). */
  start(id: number): void {
    const m = this.member(id)
    if (m.process?.running() === true) throw new Error(`member ${id} still runs`)
    if (this.kind === 'paddock') {
      const main = fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url))
      m.process = spawnWrapped(process.execPath, [main, 'server', 'start-foreground', m.cfg])
    } else {
      m.process = spawnWrapped(javaBinary, apacheJavaArgs('org.apache.zookeeper.server.quorum.QuorumPeerMain', m.cfg, m.dir, this.options.apacheHeapMb))
    }
  }

  /** The members' modes, by id. */
  async modes(): Promise<Map<number, Mode>> {
    const modes = await Promise.all(this.members.map(async (m) => [m.id, await srvrMode(m.clientPort)] as const))
    return new Map(modes)
  }

  /** Waits until `expected` members (all by default) serve with exactly one leader; returns its id. */
  async waitReady(timeoutMs: number, expected = membersCount): Promise<number> {
    const deadline = performance.now() + timeoutMs
    let last = ''
    for (;;) {
      for (const m of this.members) {
        if (m.process !== undefined && !m.process.running()) throw new Error(`${this.kind} member ${m.id} exited:\n${m.process.output().slice(-2_000)}`)
      }
      const modes = await this.modes()
      const leaders = [...modes].filter(([, mode]) => mode === 'leader').map(([id]) => id)
      const serving = [...modes.values()].filter((mode) => mode === 'leader' || mode === 'follower').length
      last = [...modes].map(([id, mode]) => `${id}:${mode}`).join(' ')
      if (leaders.length === 1 && serving >= expected && leaders[0] !== undefined) return leaders[0]
      if (performance.now() > deadline) throw new Error(`${this.kind} ensemble not ready within ${timeoutMs} ms (${last})`)
      await pause(50)
    }
  }

  /** SIGKILLs every member and waits for them. */
  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.process?.stop()))
  }
}

/** Connects to a member, retrying for at most `timeoutMs` (a member may accept and drop connections while it joins). */
async function connectRetrying(port: number, timeoutMs: number): Promise<WireClient> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    try {
      return await WireClient.connect(host, port, { handshakeTimeoutMs: reconnectHandshakeMs })
    } catch (error) {
      if (performance.now() > deadline) throw new Error(`no session on ${host}:${port} within ${timeoutMs} ms`, { cause: error })
      await pause(100)
    }
  }
}

/**
 * Keeps `inFlight` requests outstanding over `clients` (split evenly) until `countMax` are sent or
 * `durationMs` has passed; the i-th request sent over all clients is `request(i)`.
 */
function runSpread(clients: readonly WireClient[], inFlight: number, countMax: number, durationMs: number, request: (i: number) => ClientRequest, stallMs = 30_000): Promise<SpreadResult> {
  const latencies = new Float64Array(countMax)
  const shares = clients.map((_, k) => Math.floor(inFlight / clients.length) + (k < inFlight % clients.length ? 1 : 0))
  let issued = 0
  let done = 0
  let errors = 0
  let firstErr = 0
  let finished = false
  let lastReplyAt = performance.now()
  const start = performance.now()
  return new Promise<SpreadResult>((resolve, reject) => {
    const finish = (): void => {
      if (finished) return
      finished = true
      clearInterval(watchdog)
      const seconds = (performance.now() - start) / 1000
      const sorted = latencies.subarray(0, done).sort()
      resolve({ ops: done, errors, firstErr, opsPerSec: done / seconds, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) })
    }
    const issue = (k: number, now: number): void => {
      const client = clients[k]
      const share = shares[k] ?? 0
      if (client === undefined) return
      const open = now - start < durationMs
      while (open && issued < countMax && client.inFlight < share) {
        client.send(request(issued++), (header, _frame, latencyMs) => {
          latencies[done++] = latencyMs
          if (header.err !== 0) {
            errors++
            if (firstErr === 0) firstErr = header.err
          }
          lastReplyAt = performance.now()
          issue(k, lastReplyAt)
        })
      }
      if (done === issued && (!open || issued >= countMax)) finish()
    }
    const watchdog = setInterval(() => {
      const failed = clients.find((c) => c.error !== undefined)
      const error = failed?.error ?? (performance.now() - lastReplyAt > stallMs ? new Error(`no reply for ${stallMs} ms`) : undefined)
      if (error === undefined || finished) return
      finished = true
      clearInterval(watchdog)
      reject(new Error(`load stopped after ${done} of ${issued} replies: ${error.message}`, { cause: error }))
    }, 250)
    try {
      for (let k = 0; k < clients.length; k++) issue(k, start)
    } catch (error) {
      finished = true
      clearInterval(watchdog)
      reject(error as Error)
    }
  })
}

async function mustSucceed(client: WireClient, request: ClientRequest, okErrs: readonly number[] = [0]): Promise<void> {
  const { header } = await client.request(request)
  if (!okErrs.includes(header.err)) throw new Error(`${request.op} ${'path' in request ? request.path : ''} failed with err ${header.err}`)
}

/** Warm-up, then create, setData, getData at `inFlight` spread over one client per member. */
async function measureThroughput(ensemble: Ensemble, options: EnsembleBenchOptions, run: number): Promise<EnsembleRun['phases']> {
  const clients: WireClient[] = []
  try {
    for (const m of ensemble.members) clients.push(await connectRetrying(m.clientPort, 30_000))
    const data = new Uint8Array(valueBytes).fill(0x61 + (run % 26))
    const first = clients[0]!
    await mustSucceed(first, create('/warm', data))
    await mustSucceed(first, create('/e', data))
    const bounds = { countMax: options.countMax, durationMs: options.warmupMs }
    const warmed = await runSpread(clients, options.inFlight, bounds.countMax, bounds.durationMs, (i) => create(`/warm/n${i}`, data))
    const w = Math.max(1, warmed.ops)
    await runSpread(clients, options.inFlight, bounds.countMax, bounds.durationMs, (i) => requestFor(i % 2 === 0 ? 'getData' : 'setData', `/warm/n${i % w}`, data))
    const phases: EnsembleRun['phases'] = {}
    let nodes = 1
    for (const op of ensembleOps) {
      const path = op === 'create' ? (i: number) => `/e/n${i}` : (i: number) => `/e/n${i % nodes}`
      const result = await runSpread(clients, options.inFlight, options.countMax, options.durationMs, (i) => requestFor(op, path(i), data))
      if (op === 'create') nodes = Math.max(1, result.ops - result.errors)
      phases[op] = result
    }
    return phases
  } finally {
    for (const c of clients) c.destroy()
  }
}

/** Sends `request` and waits at most `timeoutMs` for its reply; undefined when none came (or the connection failed). */
async function requestWithin(client: WireClient, request: ClientRequest, timeoutMs: number): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)))
  try {
    return await Promise.race([client.request(request).then((r) => r.header.err, () => undefined), late])
  } finally {
    clearTimeout(timer)
  }
}

/** One leader kill: writer on a follower, SIGKILL of the leader, time to the first successful write sent after it. */
async function failoverTrial(ensemble: Ensemble, leader: number, log: (line: string) => void): Promise<FailoverTrial> {
  const followers = ensemble.members.filter((m) => m.id !== leader)
  const writerMember = followers[0]!
  // Survivors to reconnect to, the writer's own member first.
  const order = [writerMember, ...followers.filter((m) => m !== writerMember)]
  const data = new Uint8Array(valueBytes).fill(0x66)
  const write: ClientRequest = { op: 'setData', path: '/failover', data, version: -1 }
  let client = await connectRetrying(writerMember.clientPort, 30_000)
  let currentMember = writerMember
  await mustSucceed(client, create('/failover', data), [0, nodeExists])
  let killAt: number | undefined
  let okAt: number | undefined
  let okMember = 0
  let reconnects = 0
  let failedWrites = 0
  let note: string | undefined
  const trialStart = performance.now()
  const writer = (async () => {
    let next = 0
    for (;;) {
      const now = performance.now()
      if (now - trialStart > preKillMs + failoverTimeoutMs) {
        note = `no successful write within ${failoverTimeoutMs} ms of the kill`
        return
      }
      const sentAfterKill = killAt !== undefined
      const err = await requestWithin(client, write, writeTimeoutMs)
      if (err === 0) {
        if (sentAfterKill) {
          okAt = performance.now()
          okMember = currentMember.id
          return
        }
        continue
      }
      if (sentAfterKill) failedWrites++
      if (err !== undefined && client.error === undefined) {
        // An error reply on a live connection (e.g. the member is between leaders): retry there.
        await pause(retryPauseMs)
        continue
      }
      // No reply or a dead connection: a new session on the next survivor that accepts one.
      client.destroy()
      for (;;) {
        if (performance.now() - trialStart > preKillMs + failoverTimeoutMs) {
          note = `no session on a surviving member within ${failoverTimeoutMs} ms of the kill`
          return
        }
        const target = order[next++ % order.length]!
        try {
          client = await WireClient.connect(host, target.clientPort, { handshakeTimeoutMs: reconnectHandshakeMs })
          currentMember = target
          if (killAt !== undefined) reconnects++
          break
        } catch {
          await pause(retryPauseMs)
        }
      }
    }
  })()
  const leaderPid = (await ensemble.member(leader).process?.pid) ?? -1
  if (leaderPid <= 0) throw new Error(`${ensemble.kind} leader ${leader} is not running`)
  await pause(preKillMs)
  // Taken and signalled in one synchronous step, so no write sent after the kill counts as before it.
  killAt = performance.now()
  process.kill(leaderPid, 'SIGKILL')
  await writer
  client.destroy()
  const ms = okAt === undefined ? Number.NaN : okAt - killAt
  await ensemble.member(leader).process?.exited
  // Restart the killed member and wait until the ensemble is whole again.
  const restartAt = performance.now()
  ensemble.start(leader)
  let rejoinMs = Number.NaN
  try {
    await ensemble.waitReady(readyTimeoutMs)
    rejoinMs = performance.now() - restartAt
  } catch (error) {
    note = `${note ?? ''} rejoin failed: ${(error as Error).message}`.trim()
  }
  log(`    ${ensemble.kind} failover: killed leader ${leader}, writer on ${writerMember.id}: ${ms.toFixed(0)} ms (first ok via ${okMember}, ${reconnects} new session(s), ${failedWrites} failed write(s)); rejoin ${rejoinMs.toFixed(0)} ms${note === undefined ? '' : `; ${note}`}`)
  return { ms, leader, writerMember: writerMember.id, okMember, reconnects, failedWrites, rejoinMs, ...(note === undefined ? {} : { note }) }
}

/**
 * SIGKILL of a follower, `znodes` creates through the two others (100 in flight), restart of the
 * follower, and the time until it serves as a follower at the zxid the leader had reached.
 */
async function catchUpTrial(ensemble: Ensemble, leader: number, znodes: number, inFlight: number, log: (line: string) => void): Promise<CatchUpTrial> {
  const behind = ensemble.members.find((m) => m.id !== leader)!
  await behind.process?.stop()
  const live = ensemble.members.filter((m) => m !== behind)
  const clients: WireClient[] = []
  try {
    for (const m of live) clients.push(await connectRetrying(m.clientPort, 30_000))
    const data = new Uint8Array(valueBytes).fill(0x63)
    await mustSucceed(clients[0]!, create('/catchup', data), [0, nodeExists])
    const wrote = await runSpread(clients, inFlight, znodes, readyTimeoutMs, (i) => create(`/catchup/n${i}`, data))
    if (wrote.errors > 0 || wrote.ops < znodes) return { ms: Number.NaN, znodes, note: `wrote ${wrote.ops - wrote.errors} of ${znodes} znodes` }
  } finally {
    for (const c of clients) c.destroy()
  }
  const target = await srvrZxid(ensemble.member(leader).clientPort)
  if (target === undefined) return { ms: Number.NaN, znodes, note: 'the leader did not report its zxid' }
  const restartAt = performance.now()
  ensemble.start(behind.id)
  const deadline = restartAt + readyTimeoutMs
  for (;;) {
    if ((await srvrMode(behind.clientPort)) === 'follower' && ((await srvrZxid(behind.clientPort)) ?? 0) >= target) break
    if (behind.process !== undefined && !behind.process.running()) return { ms: Number.NaN, znodes, note: `the follower exited:\n${behind.process.output().slice(-1_000)}` }
    if (performance.now() > deadline) return { ms: Number.NaN, znodes, note: `not caught up within ${readyTimeoutMs} ms` }
    await pause(20)
  }
  const ms = performance.now() - restartAt
  log(`    ${ensemble.kind} catch-up: follower ${behind.id} restarted ${znodes} znodes behind, serving at the leader's zxid after ${ms.toFixed(0)} ms`)
  return { ms, znodes }
}

/** One fresh ensemble: start-up, throughput, failovers; always stopped and removed. */
async function measureEnsemble(kind: ServerKind, options: EnsembleBenchOptions, run: number, log: (line: string) => void): Promise<EnsembleRun> {
  const dir = await mkdtemp(join(tmpdir(), `paddock-bench-ensemble-${kind}-`))
  const load1 = loadavg()[0] ?? Number.NaN
  const ensemble = await Ensemble.layout(kind, dir, options)
  try {
    const spawnedAt = performance.now()
    for (const m of ensemble.members) ensemble.start(m.id)
    let leader = await ensemble.waitReady(readyTimeoutMs)
    const startupMs = performance.now() - spawnedAt
    const phases = options.throughput === false ? {} : await measureThroughput(ensemble, options, run)
    // A failover-only run measures no throughput: its line says so rather than printing NaN.
    const throughput = options.throughput === false
      ? 'no throughput phases'
      : ensembleOps.map((op) => `${op} ${Math.round(phases[op]?.opsPerSec ?? Number.NaN)}/s p99 ${(phases[op]?.p99Ms ?? Number.NaN).toFixed(1)} ms`).join(', ')
    log(`  run ${run + 1}/${options.runs} ${kind}: ensemble up in ${startupMs.toFixed(0)} ms (load ${load1.toFixed(1)}), ${throughput}`)
    const failovers: FailoverTrial[] = []
    for (let t = 0; t < options.failoversPerRun; t++) {
      leader = await ensemble.waitReady(readyTimeoutMs)
      failovers.push(await failoverTrial(ensemble, leader, log))
    }
    if (options.catchUpZnodes === 0) return { kind, run, startupMs, phases, failovers, load1 }
    leader = await ensemble.waitReady(readyTimeoutMs)
    const catchUp = await catchUpTrial(ensemble, leader, options.catchUpZnodes, options.inFlight, log)
    return { kind, run, startupMs, phases, failovers, catchUp, load1 }
  } finally {
    await ensemble.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

function compare(values: { paddock: number[]; apache: number[] }): Compared {
  const paddock = summarize(values.paddock)
  const apache = summarize(values.apache)
  return { paddock, apache, ratio: ratio(paddock.median, apache.median) }
}

/**
 * Runs `options.runs` fresh ensembles of each kind, alternating kinds so background load hits both
 * alike, and reduces them to medians; stops starting runs once `options.budgetMs` has passed.
 */
export async function benchEnsemble(options: EnsembleBenchOptions, log: (line: string) => void = () => undefined): Promise<EnsembleBenchResult> {
  const notes: string[] = []
  const unavailable = apacheUnavailableReason()
  const kinds = options.kinds.filter((k) => k !== 'apache' || unavailable === undefined)
  if (kinds.length < options.kinds.length) notes.push(`Apache ZooKeeper skipped: ${unavailable ?? ''}`)
  const raw: EnsembleRun[] = []
  const began = performance.now()
  for (let run = 0; run < options.runs; run++) {
    if (run > 0 && performance.now() - began > options.budgetMs) {
      notes.push(`stopped after ${run} of ${options.runs} runs: the ${Math.round(options.budgetMs / 1000)} s budget was spent`)
      break
    }
    for (const kind of kinds) raw.push(await measureEnsemble(kind, options, run, log))
  }
  const of = (kind: ServerKind): EnsembleRun[] => raw.filter((r) => r.kind === kind)
  const phase = (kind: ServerKind, op: EnsembleOp): SpreadResult[] => of(kind).map((r) => r.phases[op]).filter((p): p is SpreadResult => p !== undefined)
  const pick = (op: EnsembleOp, f: (p: SpreadResult) => number): Compared => compare({ paddock: phase('paddock', op).map(f), apache: phase('apache', op).map(f) })
  const failovers = (kind: ServerKind): number[] => of(kind).flatMap((r) => r.failovers.map((f) => f.ms)).filter((ms) => Number.isFinite(ms))
  const lost = raw.flatMap((r) => r.failovers.filter((f) => !Number.isFinite(f.ms)).map((f) => `${r.kind} run ${r.run + 1}: ${f.note ?? 'no time'}`))
  notes.push(...lost)
  const catchUps = (kind: ServerKind): number[] => of(kind).map((r) => r.catchUp?.ms ?? Number.NaN).filter((ms) => Number.isFinite(ms))
  notes.push(...raw.filter((r) => r.catchUp?.note !== undefined).map((r) => `${r.kind} run ${r.run + 1} catch-up: ${r.catchUp?.note ?? ''}`))
  return {
    options,
    rows: ensembleOps.map((op) => ({
      op,
      opsPerSec: pick(op, (p) => p.opsPerSec),
      p50Ms: pick(op, (p) => p.p50Ms),
      p99Ms: pick(op, (p) => p.p99Ms),
      errors: { paddock: phase('paddock', op).reduce((s, p) => s + p.errors, 0), apache: phase('apache', op).reduce((s, p) => s + p.errors, 0) },
    })),
    failoverMs: compare({ paddock: failovers('paddock'), apache: failovers('apache') }),
    startupMs: compare({ paddock: of('paddock').map((r) => r.startupMs), apache: of('apache').map((r) => r.startupMs) }),
    catchUpMs: compare({ paddock: catchUps('paddock'), apache: catchUps('apache') }),
    notes,
    raw,
  }
}
