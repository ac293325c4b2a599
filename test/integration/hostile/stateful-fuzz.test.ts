// Method: seeded stateful fuzzing of the client port of a durable member in a child process
// (--unhandled-rejections=strict): sessions pipeline bursts of valid and mutated requests over
// raw sockets; each frame's answer is predicted from the server's own framing of our bytes and
// ZooKeeper's rule for it, every reply is matched in xid order, a server close must be one
// ZooKeeper makes, and a zxid-ordered model of the tree checks reads, writes and the final tree.
// Replay with PADDOCK_FUZZ_SEED=<seed> (PADDOCK_FUZZ_REQUESTS=<n> to shorten a run).
import { connect as connectSocket, type Socket } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import type { ClientRequest } from '../../../lib/protocol/jute-records.js'
import { JuteReader, JuteWriter, readConnectResponse, writeConnectRequestFrame } from '../../../lib/wire/index.js'
import { Prng } from '../../../lib/testing/sim/prng.js'
import { RawClient, utf8 } from '../wire/helpers.js'
import { cleanUp, startChild, stillServes, type Child } from './harness.js'
import {
  History,
  Planner,
  ReplyChecker,
  ServerView,
  encodeFrame,
  fuzzRoot,
  mutate,
  users,
  xidFor,
  type Findings,
  type MutationKind,
  type ReplyStats,
} from './fuzz-model.js'

// A fixed seed by default, so every CI run sends the same requests (a failure is never luck of the draw); set one to explore.
const seed = process.env.PADDOCK_FUZZ_SEED !== undefined ? Number(process.env.PADDOCK_FUZZ_SEED) : 1
/** Requests sent on sessions per run (the issue asks for 100,000). */
const requestsTotal = Number(process.env.PADDOCK_FUZZ_REQUESTS ?? 100_000)
/** Sessions fuzzing at once, each on its own connection. */
const sessionsCount = 14
/** Replies one session may owe before it sends more (the port's global limit, 1000, is reached at times). */
const pipelineMax = 80
/** Requests written in one socket write. */
const burstMax = 8
/** Share of requests that are damaged. */
const mutationRate = 0.15
/** Session timeout asked for, ms (the member grants at most 20 ticks of 2 s). */
const sessionTimeoutMs = 40_000
/** A connection that owes a reply or a close and shows nothing for this long is wedged, ms. */
const wedgeMs = 20_000
/** Resident memory the member may reach, MiB (VmHWM measured 165-205 MiB over 20 seeds and heavier variants). */
const rssBoundMiB = 400
/** Four-letter words asked on their own connections. */
const fourLetterWords = ['ruok', 'srvr', 'stat', 'mntr', 'conf', 'cons', 'crst', 'dump', 'envi', 'srst', 'wchs', 'wchc', 'wchp', 'dirs', 'isro', 'gtmk', 'stmk', 'hash']

const children: Child[] = []
afterAll(async () => {
  for (const child of children.splice(0)) await child.stop()
  await cleanUp()
})

/** What one run found and counted. */
class Run implements Findings {
  readonly violations: string[] = []
  readonly history = new History()
  readonly replyStats: ReplyStats = { replies: 0, exactReplies: 0, notifications: 0, errors: new Map() }
  readonly mutations = new Map<MutationKind, number>()
  readonly connections = new Set<Connection>()
  readonly sides = new Map<Promise<void>, { what: string; startedMs: number; socket: Socket | undefined }>()
  sent = 0
  /** Frames sent so far, all sessions: the order the model's windows are measured in. */
  sendSeq = 0
  sessionsOpened = 0
  resumed = 0
  expired = 0
  serverCloses = 0
  clientCloses = 0
  sideConnections = 0
  /** Requests whose frame is within 4 KiB of jute.maxbuffer (or one byte over). */
  nearMaxBuffer = 0
  /** The lanes stop early: the member died, or there are violations enough to read. */
  stopped = false
  readonly sessions: Session[] = []

  constructor(readonly port: number) {}

  violation(what: string): void {
    if (this.violations.length < 200) this.violations.push(what)
    if (this.violations.length >= 100) this.stopped = true
  }
}

/** One connection of a session: its socket, the server's view of what we sent, and the reply checks. */
class Connection {
  readonly view = new ServerView()
  readonly checker: ReplyChecker
  /** Nothing more is sent: the connection ends once the server has answered what it owes. */
  doomed = false
  /** Another connection resumed the session: the server must close this one. */
  superseded = false
  closed = false
  private closedByClient = false
  private xid = 0
  lastProgressMs = Date.now()
  readonly done: Promise<void>
  private waiters: (() => void)[] = []

  constructor(
    readonly raw: RawClient,
    readonly label: string,
    private readonly run: Run,
    private readonly session: Session,
  ) {
    this.checker = new ReplyChecker(label, run.history, run, run.replyStats)
    run.connections.add(this)
    this.done = this.read()
  }

  nextXid(): number {
    return ++this.xid
  }

  private async read(): Promise<void> {
    for (;;) {
      const frame = await this.raw.nextFrame()
      if (frame === undefined) break
      this.checker.frame(frame)
      this.session.lastActivityMs = this.lastProgressMs = Date.now()
      if (this.checker.lastZxid > this.session.lastZxid) this.session.lastZxid = this.checker.lastZxid
      this.wake()
      this.finishIfOwedNothing()
    }
    this.onClosed()
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }

  /** A doomed connection whose server owes nothing more is closed from our side. */
  finishIfOwedNothing(): void {
    if (!this.doomed || this.closed || this.superseded || this.checker.owesReply || this.checker.owesClose) return
    this.closeFromClient()
  }

  closeFromClient(): void {
    if (this.closed) return
    this.closedByClient = true
    this.raw.destroy()
  }

  /** The server owes something and shows no sign of it. */
  wedged(nowMs: number): boolean {
    const owes = this.checker.owesReply || this.checker.owesClose || this.superseded
    return !this.closed && owes && nowMs - this.lastProgressMs > wedgeMs
  }

  private onClosed(): void {
    this.closed = true
    this.run.connections.delete(this)
    if (this.closedByClient) this.run.clientCloses++
    else {
      this.run.serverCloses++
      if (!this.superseded && !this.checker.closeJustified()) {
        const f = this.checker.front
        const owed = f === undefined ? 'nothing owed' : `frame #${f.n} ${f.request?.op ?? 'undecodable'} (${f.mutation ?? 'unmutated'}) still owed`
        this.run.violation(`${this.label}: the server closed the connection where ZooKeeper keeps it (${owed}, ${this.checker.outstanding} outstanding)`)
      }
    }
    // Once we see the server's close it processes nothing more from this socket.
    if (!this.closedByClient) this.checker.sealed(this.run.sendSeq)
    this.checker.closed()
    this.wake()
  }

  /** Waits until the server owes at most `n` replies, or the connection closed. */
  async room(n: number): Promise<void> {
    while (!this.closed && this.checker.owesReply && this.checker.outstanding > n) await new Promise<void>((resolve) => this.waiters.push(resolve))
  }
}

/** One fuzzing session: the session id and password it resumes with, and its current connection. */
class Session {
  id = 0n
  passwd: Uint8Array = new Uint8Array(16)
  lastZxid = 0
  lastActivityMs = Date.now()
  conn: Connection | undefined
  /** closeSession was sent (or a damaged frame decoded as one): the next connection opens a new session. */
  ending = false
  private connections = 0

  constructor(
    readonly index: number,
    private readonly run: Run,
  ) {}

  /** The connection to send on, resuming the session (or opening a new one) when the last one ended. */
  async ready(): Promise<Connection> {
    const conn = this.conn
    if (conn !== undefined && !conn.closed && !conn.doomed) return conn
    if (conn !== undefined && !conn.closed && !conn.superseded) await conn.done
    return this.open()
  }

  /** Opens a connection: resumes the session when it should be alive, else starts a new one. */
  async open(): Promise<Connection> {
    for (let attempt = 0; ; attempt++) {
      const n = ++this.connections
      // The readOnly flag varies as old (absent), read-write and read-only-capable clients send it.
      const readOnly = n % 3 === 0 ? undefined : n % 3 === 1 ? false : true
      const resume = this.id !== 0n && !this.ending
      try {
        const raw = await RawClient.open(this.run.port)
        const response = await raw.handshake({ timeOut: sessionTimeoutMs, readOnly, ...(resume ? { sessionId: this.id, passwd: this.passwd, lastZxidSeen: this.lastZxid } : {}) })
        if (resume && response.timeOut === 0) {
          raw.destroy()
          this.run.expired++
          const idleMs = Date.now() - this.lastActivityMs
          if (idleMs < sessionTimeoutMs - 5_000) this.run.violation(`session ${this.index} 0x${this.id.toString(16)} was refused as expired after ${idleMs} ms idle`)
          this.ending = true
          continue
        }
        if (response.timeOut <= 0 || response.sessionId === 0n) throw new Error(`ConnectResponse timeOut ${response.timeOut} session 0x${response.sessionId.toString(16)}`)
        if (resume && response.sessionId !== this.id) this.run.violation(`session ${this.index}: resuming 0x${this.id.toString(16)} gave 0x${response.sessionId.toString(16)}`)
        // The session attached here: its previous connection submits nothing more (ZooKeeper ends it as moved).
        if (resume) this.conn?.checker.sealed(this.run.sendSeq)
        if (resume) this.run.resumed++
        else this.run.sessionsOpened++
        this.id = response.sessionId
        this.passwd = response.passwd
        if (!resume) this.lastZxid = 0
        this.ending = false
        this.lastActivityMs = Date.now()
        this.conn = new Connection(raw, `session ${this.index} 0x${this.id.toString(16)} connection ${n} from port ${raw.socket.localPort}`, this.run, this)
        return this.conn
      } catch (e) {
        this.run.violation(`session ${this.index}: handshake ${resume ? 'resuming' : 'opening'} failed: ${String(e)}`)
        if (attempt >= 2) throw new Error(`session ${this.index} cannot connect`, { cause: e })
      }
    }
  }
}

/**
 * Sends one burst of up to `count` requests (some damaged) on a session, pipelined in one write;
 * returns how many. With `closing` the last is closeSession (left intact when `final`).
 */
async function burst(run: Run, rng: Prng, planner: Planner, session: Session, count: number, closing: boolean, final = false): Promise<number> {
  const conn = await session.ready()
  await conn.room(pipelineMax - count)
  if (conn.closed) return 0
  if (conn.checker.outstanding === 0) conn.lastProgressMs = Date.now()
  const bytes: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const planned = closing && i === count - 1 ? { request: { op: 'closeSession' } as ClientRequest } : planner.next()
    const request = planned.request
    if (planned.payloadBytes !== undefined) run.nearMaxBuffer++
    const frame = encodeFrame(xidFor(request, conn.nextXid()), request)
    const mutation = !final && rng.chance(mutationRate) ? mutate(rng, frame) : undefined
    if (mutation !== undefined) run.mutations.set(mutation.kind, (run.mutations.get(mutation.kind) ?? 0) + 1)
    const expected = conn.view.feed(mutation?.bytes ?? frame, mutation?.kind)
    for (const e of expected) {
      e.sendSeq = ++run.sendSeq
      e.lo = run.history.maxWriteZxid
      conn.checker.expect(e)
    }
    bytes.push(mutation?.bytes ?? frame)
    if (expected.some((e) => e.request?.op === 'closeSession')) session.ending = true
    // Past a frame that ends the connection (or leaves the server mid-frame) nothing more is sent on it.
    if (conn.view.failed || conn.view.midFrame || expected.some((e) => e.close !== 'no' || e.ambiguous)) {
      conn.doomed = true
      break
    }
  }
  conn.raw.write(Buffer.concat(bytes))
  conn.finishIfOwedNothing()
  return bytes.length
}

/** Ends the session's connection as a client does: at once, after its replies, or by resuming elsewhere. */
async function reconnect(session: Session, how: 'drop' | 'clean' | 'move'): Promise<void> {
  const conn = await session.ready()
  if (how === 'clean') await conn.room(0)
  if (how === 'move' && !conn.closed) {
    // The server ends the old connection when the session attaches to the new one ("moved").
    conn.superseded = true
    conn.doomed = true
    conn.lastProgressMs = Date.now()
    await session.open()
    return
  }
  conn.doomed = true
  conn.closeFromClient()
  await conn.done
  await session.open()
}

/**
 * One session's lane: its own generator forked from the seed, so the bytes it sends depend on the
 * seed alone however the lanes interleave. Ends with closeSession, answered and then closed.
 */
async function lane(run: Run, session: Session, rng: Prng, quota: number): Promise<void> {
  const planner = new Planner(rng)
  let sent = 0
  while (sent < quota && !run.stopped) {
    const roll = rng.next()
    if (roll < 0.004) {
      while (run.sides.size >= 2) await Promise.race(run.sides.keys())
      sideAttack(run, rng, run.sessions)
    } else if (roll < 0.007) {
      await reconnect(session, rng.pick(['drop', 'clean', 'move'] as const))
    } else {
      const n = await burst(run, rng, planner, session, Math.min(rng.int(1, burstMax), quota - sent), rng.chance(0.004))
      sent += n
      run.sent += n
    }
  }
  const conn = session.conn
  if (conn !== undefined && !conn.closed && !conn.doomed) await burst(run, rng, planner, session, 1, true, true)
  await session.conn?.done
}

/** A connection of its own that sends `bytes` and collects everything until the server closes it. */
function side(run: Run, what: string, bytes: Uint8Array, halfClose: boolean, check: (answer: Buffer) => string | undefined): void {
  run.sideConnections++
  const entry = { what, startedMs: Date.now(), socket: undefined as Socket | undefined }
  const task = new Promise<void>((resolve) => {
    const socket = connectSocket({ host: '127.0.0.1', port: run.port }, () => {
      socket.write(bytes)
      if (halfClose) socket.end()
    })
    entry.socket = socket
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', () => {})
    socket.on('close', () => {
      const problem = check(Buffer.concat(chunks))
      if (problem !== undefined) run.violation(`${what}: ${problem}`)
      resolve()
    })
  })
  run.sides.set(task, entry)
  void task.then(() => run.sides.delete(task))
}

function connectFrame(request: { sessionId?: bigint; passwd?: Uint8Array; lastZxidSeen?: number }): Uint8Array {
  const w = new JuteWriter()
  writeConnectRequestFrame(w, { protocolVersion: 0, lastZxidSeen: 0, timeOut: 10_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false, ...request })
  return Uint8Array.from(w.finish())
}

/** An expired-session answer: a ConnectResponse with timeOut 0 and session 0 (ZooKeeperServer.finishSessionInit). */
function refusedSession(answer: Buffer): string | undefined {
  if (answer.length < 4) return `no ConnectResponse for an unknown session (${answer.length} bytes)`
  const response = readConnectResponse(new JuteReader(answer.subarray(4, 4 + answer.readInt32BE(0))))
  return response.timeOut === 0 && response.sessionId === 0n ? undefined : `unknown session answered timeOut ${response.timeOut} session 0x${response.sessionId.toString(16)}`
}

/** A connection that attacks the handshake, or asks a four-letter word. */
function sideAttack(run: Run, rng: Prng, sessions: readonly Session[]): void {
  const r = rng.next()
  if (r < 0.5) {
    const word = rng.pick(fourLetterWords)
    const bytes = utf8(word === 'stmk' ? 'stmk\0\0\0\0\0\0\0\x01' : word)
    return side(run, `four-letter word ${word}`, bytes, false, (answer) => (word === 'ruok' && answer.toString() !== 'imok' ? `ruok answered ${JSON.stringify(answer.toString())}` : undefined))
  }
  const garbage = Uint8Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255))
  if (r < 0.6) return side(run, 'garbage handshake', garbage, true, () => undefined)
  const victim = rng.pick(sessions)
  const passwd = Uint8Array.from({ length: 16 }, () => rng.int(0, 255))
  if (r < 0.75) return side(run, 'resume with a wrong password', connectFrame({ sessionId: victim.id === 0n ? 0x7777n : victim.id, passwd }), false, refusedSession)
  // ZooKeeperServer.processConnectRequest: a client that has seen a newer zxid is refused without an answer.
  if (r < 0.85) return side(run, 'handshake from the future', connectFrame({ lastZxidSeen: 2 ** 40 }), false, (answer) => (answer.length === 0 ? undefined : `answered ${answer.length} bytes`))
  const frame = mutate(rng, connectFrame({ passwd })).bytes
  return side(run, 'damaged ConnectRequest', frame, true, () => undefined)
}

/** Every node under /f a fresh client authenticated as every user can list, and the ones it cannot. */
async function finalTree(port: number): Promise<{ nodes: Set<string>; unreadable: Set<string> }> {
  const [walker] = await RawClient.session(port, { timeOut: 30_000 })
  for (const [user, password] of users) await walker.call({ op: 'auth', type: 0, scheme: 'digest', auth: utf8(`${user}:${password}`) })
  const nodes = new Set<string>()
  const unreadable = new Set<string>()
  const root = await walker.call({ op: 'exists', path: fuzzRoot, watch: false })
  // exists needs READ since ZooKeeper 3.9.2 (ZOOKEEPER-2590): NOAUTH means /f is there but unreadable.
  if (root.header.err === ErrorCode.NOAUTH) unreadable.add(fuzzRoot)
  if (root.header.err === 0 || root.header.err === ErrorCode.NOAUTH) nodes.add(fuzzRoot)
  let level = root.header.err === 0 ? [fuzzRoot] : []
  while (level.length > 0) {
    for (const path of level) walker.send({ op: 'getChildren', path, watch: false })
    const next: string[] = []
    for (const path of level) {
      const reply = await walker.reply()
      if (reply === undefined) throw new Error('the walker lost its connection')
      if (reply.header.err !== 0 || reply.response?.op !== 'getChildren') {
        unreadable.add(path)
        continue
      }
      for (const child of reply.response.children) next.push(`${path}/${child}`)
    }
    for (const path of next) nodes.add(path)
    level = next
  }
  walker.destroy()
  return { nodes, unreadable }
}

describe('stateful client-port fuzzer', () => {
  it(`survives ${requestsTotal} valid and damaged requests across ${sessionsCount} sessions with every reply in order and a consistent tree`, async () => {
    console.log(`PADDOCK_FUZZ_SEED=${seed}`)
    const child = await startChild('standalone')
    children.push(child)
    const port = child.ports.port as number
    const run = new Run(port)
    child.process.once('exit', (code, signal) => {
      run.violation(`the member exited (code ${code}, signal ${signal}): ${child.stderr()}`)
      run.stopped = true
    })
    const [setup] = await RawClient.session(port)
    expect((await setup.call({ op: 'create', path: fuzzRoot, data: new Uint8Array(0), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })).header.err).toBe(0)
    setup.destroy()

    const rng = new Prng(seed)
    const lanes = Array.from({ length: sessionsCount }, (_, i) => {
      run.sessions.push(new Session(i, run))
      return { rng: rng.fork(), quota: Math.floor(requestsTotal / sessionsCount) + (i < requestsTotal % sessionsCount ? 1 : 0) }
    })
    let sampledMiB = 0
    const sampler = setInterval(() => {
      if (child.alive()) void child.rssMiB().then((mib) => (sampledMiB = Math.max(sampledMiB, mib)), () => {})
    }, 500)
    const watchdog = setInterval(() => watch(run), 1_000)
    const started = Date.now()
    try {
      await Promise.all(run.sessions.map((session, i) => lane(run, session, lanes[i]!.rng, lanes[i]!.quota)))
      await Promise.all(run.sides.keys())
    } finally {
      clearInterval(watchdog)
      clearInterval(sampler)
    }
    const elapsedMs = Date.now() - started

    expect(child.alive(), `PADDOCK_FUZZ_SEED=${seed}: the member died: ${child.stderr()}`).toBe(true)
    const peakMiB = await child.peakMiB()
    await stillServes(port)
    const final = await finalTree(port)
    const modelProblems = run.history.check(final.nodes, final.unreadable)

    const mutations = [...run.mutations].map(([k, n]) => `${k} ${n}`).join(', ')
    const errors = [...run.replyStats.errors].sort((a, b) => b[1] - a[1]).map(([e, n]) => `${e}:${n}`).join(' ')
    console.log(
      `stateful fuzz (seed ${seed}): ${run.sent} requests in ${elapsedMs} ms (${Math.round((run.sent / elapsedMs) * 1000)}/s); ` +
        `${run.replyStats.replies} replies (${run.replyStats.exactReplies} to unmutated requests), ${run.replyStats.notifications} notifications; ` +
        `mutations: ${mutations}; ${run.nearMaxBuffer} near jute.maxbuffer; sessions opened ${run.sessionsOpened}, resumed ${run.resumed}, expired ${run.expired}; ` +
        `closes by server ${run.serverCloses}, by client ${run.clientCloses}; side connections ${run.sideConnections}; ` +
        `model facts checked ${run.history.checked}; final tree ${final.nodes.size} nodes (${final.unreadable.size} unreadable); ` +
        `RSS peak ${peakMiB.toFixed(0)} MiB (sampled ${sampledMiB.toFixed(0)} MiB); reply errors ${errors}`,
    )
    expect({ violations: run.violations, model: modelProblems }, `PADDOCK_FUZZ_SEED=${seed}`).toEqual({ violations: [], model: [] })
    expect(run.sent).toBe(requestsTotal)
    expect(peakMiB, `PADDOCK_FUZZ_SEED=${seed}: resident memory`).toBeLessThan(rssBoundMiB)
  }, 120_000)
})

/** The wedge watchdog: a connection that owes a reply or a close and shows nothing for wedgeMs is reported and dropped. */
function watch(run: Run): void {
  const now = Date.now()
  for (const conn of run.connections) {
    if (!conn.wedged(now)) continue
    const f = conn.checker.front
    const owed = conn.superseded ? 'a close (session moved)' : conn.checker.owesClose ? 'a close' : `the reply to frame #${f?.n} ${f?.request?.op ?? 'undecodable'} (${f?.mutation ?? 'unmutated'})`
    run.violation(`${conn.label}: wedged: nothing for ${wedgeMs} ms while owed ${owed}`)
    conn.closeFromClient()
  }
  for (const entry of run.sides.values()) {
    if (now - entry.startedMs < wedgeMs || entry.socket === undefined || entry.socket.destroyed) continue
    run.violation(`${entry.what}: the server neither answered nor closed in ${wedgeMs} ms`)
    entry.socket.destroy()
  }
}
