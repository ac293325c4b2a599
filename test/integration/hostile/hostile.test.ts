// Method: each attack from the hardening issue runs against a durable member in a child process
// on bare node with --unhandled-rejections=strict (an escaped error ends it); afterwards the child
// must be alive, its resident memory (VmRSS/VmHWM from /proc) under the stated bound, and a fresh
// client must still create and read. Loops are bounded in count and time; loopback only.
import { connect as connectSocket, type Socket } from 'node:net'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { connect } from '../../../lib/index.js'
import { FrameReader } from '../../../lib/peer/tcp.js'
import { decodeValue, encodeValue } from '../../../lib/txn/codec.js'
import { JuteWriter, writeRequestFrame } from '../../../lib/wire/index.js'
import { formatZxid, isNextZxid } from '../../../lib/zab/index.js'
import { Prng } from '../../../lib/testing/sim/prng.js'
import { RawClient, create, fourLetterWord } from '../wire/helpers.js'
import { badHello, drawForgery, forgeryClasses, framed, hello, type Channel, type ForgeryClass } from './forged-peer-frames.js'
import { cleanUp, runChildToExit, startChild, stillServes, type Child } from './harness.js'
import { corruptSnapshotChunk, storedHistory } from './snapshot-files.js'
import { freePorts } from '../../interop/harness/ports.js'

const children: Child[] = []
afterEach(async () => {
  for (const child of children.splice(0)) await child.stop()
})
afterAll(cleanUp)

async function standalone(dataDir?: string, args: string[] = []): Promise<Child & { port: number }> {
  const child = await startChild('standalone', dataDir === undefined ? { args } : { dataDir, args })
  children.push(child)
  return Object.assign(child, { port: child.ports.port as number })
}

/** Sends `requests` pipelined on one session and waits for every reply; returns the error codes. */
async function pipelined(port: number, requests: Parameters<RawClient['send']>[0][]): Promise<number[]> {
  const [client] = await RawClient.session(port)
  for (const request of requests) client.send(request)
  const errs: number[] = []
  for (let i = 0; i < requests.length; i++) {
    const reply = await client.reply()
    if (reply === undefined) break
    errs.push(reply.header.err)
  }
  client.destroy()
  return errs
}

/** The path of a chain of `depth` nested nodes under `root`, level by level. */
function chain(root: string, depth: number): string[] {
  const paths: string[] = []
  let path = root
  for (let i = 0; i < depth; i++) paths.push((path = `${path}/c`))
  return paths
}

/** The lines a child prints to stdout, from the moment this is called. */
interface OutputLines {
  /** Resolves at the first line that starts with `start`, printed before or after the call. */
  until(start: string): Promise<void>
  /** Resolves with the first line that starts with `start` printed after the call. */
  next(start: string): Promise<string>
  /** Resolves once `count` lines matching `pattern` were printed (before or after the call). */
  atLeast(pattern: RegExp, count: number): Promise<void>
  /** The lines that match `pattern`, printed so far (the list grows as more are printed). */
  matching(pattern: RegExp): readonly string[]
}

function outputLines(child: Child): OutputLines {
  const seen: string[] = []
  let waiting: { test: (line: string) => boolean; resolve: (line: string) => void }[] = []
  // The lines of each pattern asked about, kept up to date, so that counting them stays cheap.
  const tracked = new Map<RegExp, string[]>()
  let buffered = ''
  child.process.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end)
      buffered = buffered.slice(end + 1)
      seen.push(line)
      for (const [pattern, lines] of tracked) if (pattern.test(line)) lines.push(line)
      const done = waiting.filter((w) => w.test(line))
      waiting = waiting.filter((w) => !done.includes(w))
      for (const w of done) w.resolve(line)
    }
  })
  const wait = (test: (line: string) => boolean): Promise<string> => new Promise((resolve) => waiting.push({ test, resolve }))
  const matching = (pattern: RegExp): string[] => {
    let lines = tracked.get(pattern)
    if (lines === undefined) tracked.set(pattern, (lines = seen.filter((line) => pattern.test(line))))
    return lines
  }
  return {
    until: async (start) => {
      if (!seen.some((line) => line.startsWith(start))) await wait((line) => line.startsWith(start))
    },
    next: (start) => wait((line) => line.startsWith(start)),
    atLeast: async (pattern, count) => {
      const lines = matching(pattern)
      while (lines.length < count) await wait((line) => pattern.test(line))
    },
    matching,
  }
}

/** `promise`, or an error naming `what` once `ms` passed: a bound on waiting for an event, not a sleep. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)))
  try {
    return await Promise.race([promise, expired])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves once the child's stderr holds `text` (it may be there already: stderr and stdout are separate pipes). */
function stderrShows(child: Child, text: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!child.stderr().includes(text)) return
      child.process.stderr?.off('data', check)
      resolve()
    }
    // Registered after startChild's own listener, so stderr() already holds each chunk seen here.
    child.process.stderr?.on('data', check)
    check()
  })
}

/** A HEALTH line's start for `state` (the reason follows). */
const healthIs = (state: string): string => `HEALTH {"state":"${state}"`

const fourLetterWords = ['ruok', 'srvr', 'stat', 'mntr', 'conf', 'cons', 'crst', 'dump', 'envi', 'srst', 'wchs', 'wchc', 'wchp', 'dirs', 'isro', 'gtmk']

function connected(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectSocket({ host: '127.0.0.1', port, ...(localAddress === undefined ? {} : { localAddress }) })
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

/** member-child's snapCount: a snapshot every 11-20 transactions, so a few hundred writes leave several. */
const snapCountArgs = ['--snap-count=20']
/** The line createServer's logger prints for each snapshot it wrote. */
const snapshotWritten = /^paddock: snapshot 0x[0-9a-f]+ written/
/** Resident memory a standalone member that restored a small tree may reach, MiB (measured: peak 60-65). */
const restartedPeakMiB = 200

/**
 * Creates znodes, each holding its own path, 20 at a time until the child has written `count`
 * snapshots; returns their paths. Bounded at 100 batches (2,000 transactions, about 100 snapshots).
 */
async function writeUntilSnapshots(child: Child & { port: number }, output: OutputLines, count: number): Promise<string[]> {
  const zk = await connect(`127.0.0.1:${child.port}`, { sessionTimeoutMs: 10_000, connectTimeoutMs: 5_000 })
  const paths: string[] = []
  try {
    for (let batch = 0; batch < 100 && output.matching(snapshotWritten).length < count; batch++) {
      paths.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => zk.create(`/snap-${batch}-${i}`, `/snap-${batch}-${i}`)))))
    }
  } finally {
    await zk.close()
  }
  await within(output.atLeast(snapshotWritten, count), 10_000, `${count} snapshots written`)
  return paths
}

/** The seed of the forged-peer test; PADDOCK_PEER_FORGERY_SEED=<n> replays a run. */
const peerForgerySeed = process.env.PADDOCK_PEER_FORGERY_SEED !== undefined ? Number(process.env.PADDOCK_PEER_FORGERY_SEED) : 14
/** Forged frames and refused hellos sent, at most, and for at most this long, ms. */
const forgedFramesMax = 3_000
const forgeryMs = 40_000
/** Time the member has to close a connection over a refused frame and log it, ms. */
const refusalMs = 5_000
/** Resident memory the looking member may reach while it reads forged frames of up to 8 MiB, MiB (measured: peak 110-130, from 60 at rest). */
const forgeryPeakMiB = 300
/** The line the member's transport logs when it closes member 2's connection over a frame. */
const closedOverFrame = /member 2's (quorum|election) connection: .*; connection closed/
/** The line it logs when it refuses a connection at its hello. */
const closedAtHello = /(quorum|election) connection from 127\.0\.0\.1:\d+: /

/** A connection to a member's peer port; every frame the member sends on it lands in `received`. */
interface PeerLink {
  readonly socket: Socket
  readonly closed: Promise<void>
}

async function peerLink(port: number, first: Buffer, received: unknown[]): Promise<PeerLink> {
  const socket = await connected(port)
  // EPIPE or ECONNRESET when the member closed first.
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const reader = new FrameReader()
  socket.on('data', (chunk: Buffer) => {
    for (const body of reader.push(chunk)) received.push(decodeValue(body))
  })
  socket.write(first)
  return { socket, closed }
}

/** The member's `status()`, which member-child prints on SIGUSR2. */
async function memberStatus(child: Child, output: OutputLines): Promise<Record<string, unknown>> {
  const line = output.next('STATUS ')
  child.process.kill('SIGUSR2')
  return JSON.parse((await within(line, 5_000, 'STATUS line')).slice('STATUS '.length)) as Record<string, unknown>
}

describe('hostile input against a member in a child process', () => {
  it('survives a 7,000-deep chain with a quota over it, every four-letter word and admin command, and a restart that replays it', async () => {
    const child = await standalone()
    const depth = 7_000
    const errs = await pipelined(child.port, [create('/q', 0), ...chain('/q', depth).map((path) => create(path, 0, ''))])
    expect(errs.filter((e) => e !== 0)).toEqual([])
    // zkCli.sh's setquota: the limits node, then the stats node, under /zookeeper/quota/q.
    const quota = await pipelined(child.port, [create('/zookeeper/quota/q', 0, ''), create('/zookeeper/quota/q/zookeeper_limits', 0, 'count=10,bytes=-1'), create('/zookeeper/quota/q/zookeeper_stats', 0, 'count=0,bytes=0')])
    expect(quota).toEqual([0, 0, 0])
    // And a chain under /zookeeper/quota itself with a limits node at its bottom.
    const deepQuota = chain('/zookeeper/quota/q2', 3_000)
    expect((await pipelined(child.port, [create('/zookeeper/quota/q2', 0, ''), ...deepQuota.map((p) => create(p, 0, '')), create(`${deepQuota.at(-1)}/zookeeper_limits`, 0, 'count=1,bytes=-1')])).filter((e) => e !== 0)).toEqual([])
    for (const word of fourLetterWords) await fourLetterWord(child.port, word)
    const [client] = await RawClient.session(child.port)
    expect((await client.call({ op: 'getAllChildrenNumber', path: '/q' })).header.err).toBe(0)
    client.destroy()
    const admin = `http://127.0.0.1:${child.ports.adminPort}`
    const listed = (await (await fetch(`${admin}/commands`)).json()) as Record<string, unknown>
    for (const name of Object.keys(listed).slice(0, 60)) await (await fetch(`${admin}/commands/${name}`)).text()
    await fetch(`${admin}/metrics`)
    expect(child.alive()).toBe(true)
    await stillServes(child.port)
    // A restart replays the whole log, quota commits included.
    await child.stop()
    children.splice(children.indexOf(child), 1)
    const again = await standalone(child.dataDir)
    await stillServes(again.port)
    expect(again.alive()).toBe(true)
  })

  it('answers a multiRead that would build a response of gigabytes without growing past 600 MiB', async () => {
    const child = await standalone()
    const [writer] = await RawClient.session(child.port)
    expect((await writer.call({ op: 'create', path: '/big', data: new Uint8Array(1_048_000), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 })).header.err).toBe(0)
    writer.destroy()
    const [reader] = await RawClient.session(child.port)
    reader.send({ op: 'multiRead', ops: Array.from({ length: 4_200 }, () => ({ op: 'getData' as const, path: '/big', watch: false })) })
    await Promise.race([reader.reply(), reader.closed])
    reader.destroy()
    expect(await child.peakMiB()).toBeLessThan(600)
    expect(child.alive()).toBe(true)
    await stillServes(child.port)
  })

  it('closes connections that send garbage or truncated frames, and keeps serving', async () => {
    const child = await standalone()
    let seed = 7
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let i = 0; i < 100; i++) {
      const socket = await connected(child.port)
      const size = 1 + Math.floor(random() * 2_000)
      socket.end(Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256))))
      await new Promise((resolve) => socket.once('close', resolve))
    }
    // A frame that declares more bytes than it sends, then goes silent.
    const truncated = await connected(child.port)
    const w = new JuteWriter()
    writeRequestFrame(w, 1, create('/t', 0))
    truncated.write(w.finish().subarray(0, 10))
    truncated.destroy()
    expect(child.alive()).toBe(true)
    await stillServes(child.port)
  })

  it('holds 2,000 idle connections from five loopback addresses within maxClientCnxns, under 300 MiB', async () => {
    const child = await standalone()
    const sockets: Socket[] = []
    try {
      for (let i = 0; i < 2_000; i++) {
        const socket = await connected(child.port, `127.0.0.${1 + (i % 5)}`).catch(() => undefined)
        if (socket !== undefined) {
          socket.on('error', () => {})
          sockets.push(socket)
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
      const open = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length
      expect(open).toBeLessThanOrEqual(5 * 60 + 5)
      expect(await child.rssMiB()).toBeLessThan(300)
      expect(child.alive()).toBe(true)
    } finally {
      for (const socket of sockets) socket.destroy()
    }
    await stillServes(child.port)
  })

  it('closes a client that stops reading while a watch firehose fires, and stays under 400 MiB', async () => {
    const child = await standalone()
    const [slow] = await RawClient.session(child.port)
    expect((await slow.call({ op: 'addWatch', path: '/', mode: 1 })).header.err).toBe(0)
    slow.socket.pause()
    const value = new Uint8Array(10_000)
    const [writer] = await RawClient.session(child.port)
    expect((await writer.call(create('/fire', 0))).header.err).toBe(0)
    const deadline = Date.now() + 20_000
    for (let round = 0; round < 40 && Date.now() < deadline && !slow.socket.destroyed; round++) {
      for (let i = 0; i < 500; i++) writer.send({ op: 'setData', path: '/fire', data: value, version: -1 })
      for (let i = 0; i < 500; i++) await writer.reply()
    }
    writer.destroy()
    expect(await child.peakMiB()).toBeLessThan(400)
    expect(child.alive()).toBe(true)
    slow.destroy()
    await stillServes(child.port)
  })

  it('refuses a peer-port connection that declares a 512 MiB frame before its hello', async () => {
    const [quorumPort, electionPort] = await freePorts(2)
    const child = await startChild('member', { args: [String(quorumPort), String(electionPort)] })
    children.push(child)
    const before = await child.rssMiB()
    for (const port of [quorumPort, electionPort]) {
      const socket = await connected(port as number)
      socket.on('error', () => {})
      const header = Buffer.alloc(4)
      header.writeUInt32BE(512 * 1024 * 1024)
      socket.write(header)
      socket.write(Buffer.alloc(64 * 1024, 7))
      await Promise.race([new Promise((resolve) => socket.once('close', resolve)), new Promise((resolve) => setTimeout(resolve, 3_000))])
      socket.destroy()
    }
    expect((await child.rssMiB()) - before).toBeLessThan(64)
    expect(child.alive()).toBe(true)
  })

  it('takes 250,000 pipelined creates from 200 sessions on a durable member, throttled by globalOutstandingLimit, then serves writes again', async () => {
    const child = await standalone()
    const sessionCount = 200
    const perSession = 1_250
    // 50 sessions from each of four loopback addresses: maxClientCnxns allows 60 per address.
    const sessions = await Promise.all(Array.from({ length: sessionCount }, (_, i) => RawClient.session(child.port, {}, `127.0.0.${1 + (i % 4)}`)))
    for (const [index, [client]] of sessions.entries()) {
      for (let i = 0; i < perSession; i++) client.send(create(`/load-${index}-${i}`, 0, 'x'))
    }
    const deadline = Date.now() + 150_000
    let answered = 0
    let ok = 0
    for (const [client] of sessions) {
      for (let i = 0; i < perSession && Date.now() < deadline; i++) {
        const reply = await client.reply()
        if (reply === undefined) break
        answered++
        if (reply.header.err === 0) ok++
      }
      client.destroy()
    }
    expect(answered).toBe(sessionCount * perSession)
    expect(ok).toBe(sessionCount * perSession)
    expect(await child.peakMiB()).toBeLessThan(800)
    expect(child.alive()).toBe(true)
    await stillServes(child.port)
  }, 180_000)

  it('survives a disk that fills up: writes fail with CONNECTIONLOSS, health says recovering, and once there is room it serves again with every acknowledged write', async () => {
    const child = await startChild('standalone-failable')
    children.push(child)
    const port = child.ports.port as number
    const output = outputLines(child)
    expect(await pipelined(port, [create('/acked', 0, 'kept')])).toEqual([0])
    const [writer] = await RawClient.session(port)
    child.process.kill('SIGUSR1')
    await output.until('DISK full')
    // A burst of writes meets the full disk: the connection is closed (CONNECTIONLOSS), none hangs.
    for (let i = 0; i < 200; i++) writer.send(create(`/during-${i}`, 0, 'x'))
    expect(await writer.reply()).toBeUndefined()
    await writer.closed
    await output.until(healthIs('recovering'))
    expect(await fourLetterWord(port, 'ruok')).toBe('')
    expect(await fourLetterWord(port, 'srvr')).toMatch(/^Health: recovering \(storage failed \(.*ENOSPC/m)
    child.process.kill('SIGUSR2')
    await output.until('DISK room')
    await output.until(healthIs('serving'))
    expect(child.alive()).toBe(true)
    await stillServes(port)
    const [client] = await RawClient.session(port)
    client.send({ op: 'getData', path: '/acked', watch: false })
    const reply = await client.reply()
    client.destroy()
    expect(reply?.header.err).toBe(0)
    expect(new TextDecoder().decode((reply?.response as { data: Uint8Array }).data)).toBe('kept')
  })

  it('restarts from an older snapshot and the log when the newest snapshot is corrupt, names it in a warning, and keeps every znode', async () => {
    const child = await standalone(undefined, snapCountArgs)
    // Five snapshots: the member keeps three (snapRetainCount), so at least two remain to fall back on.
    const written = await writeUntilSnapshots(child, outputLines(child), 5)
    await child.stop()
    const { snapshots } = await storedHistory(child.dataDir)
    expect(snapshots.length).toBeGreaterThanOrEqual(2)
    const [newest] = snapshots
    if (newest === undefined) throw new Error('no snapshot')
    await corruptSnapshotChunk(child.dataDir, newest.zxid, Math.floor(newest.chunkCount / 2))

    const again = await standalone(child.dataDir, snapCountArgs)
    await within(stderrShows(again, `paddock: snapshot ${formatZxid(newest.zxid)} is corrupt, trying an older one`), 5_000, 'warning naming the corrupt snapshot')
    const zk = await connect(`127.0.0.1:${again.port}`, { sessionTimeoutMs: 10_000, connectTimeoutMs: 5_000 })
    try {
      const values = await Promise.all(written.map(async (path) => new TextDecoder().decode((await zk.getData(path)).data)))
      expect(values).toEqual(written)
    } finally {
      await zk.close()
    }
    await stillServes(again.port)
    expect(again.alive()).toBe(true)
    expect(await again.peakMiB()).toBeLessThan(restartedPeakMiB)
  })

  it('refuses to start, exiting non-zero and saying why, when every snapshot is corrupt and purge removed the log before them', async () => {
    const child = await standalone(undefined, snapCountArgs)
    // After the fifth snapshot is written, the purge that followed the fourth has finished (one
    // snapshot or purge at a time): the log up to the second snapshot is gone.
    await writeUntilSnapshots(child, outputLines(child), 5)
    await child.stop()
    const { snapshots, firstLoggedZxid } = await storedHistory(child.dataDir)
    expect(snapshots.length).toBeGreaterThanOrEqual(3)
    expect(firstLoggedZxid).toBeDefined()
    expect(isNextZxid(0, firstLoggedZxid as number)).toBe(false)
    for (const snapshot of snapshots) await corruptSnapshotChunk(child.dataDir, snapshot.zxid, 0)

    const exit = await runChildToExit('standalone', { dataDir: child.dataDir, args: snapCountArgs })
    expect(exit.stdout).not.toContain('READY')
    expect(exit.signal).toBeNull()
    expect(exit.code).toBeGreaterThan(0)
    for (const snapshot of snapshots) expect(exit.stderr).toContain(`paddock: snapshot ${formatZxid(snapshot.zxid)} is corrupt, trying an older one`)
    expect(exit.stderr).toMatch(/no usable snapshot, and the log was removed through 0x[0-9a-f]+: cannot rebuild state up to 0x[0-9a-f]+/)
  })

  it('refuses thousands of forged peer messages of every class, reconnecting after each close, and keeps looking in the state it had', async () => {
    console.log(`PADDOCK_PEER_FORGERY_SEED=${peerForgerySeed}`)
    const replay = `PADDOCK_PEER_FORGERY_SEED=${peerForgerySeed}`
    const [quorumPort, electionPort] = await freePorts(2)
    const child = await startChild('member', { args: [String(quorumPort), String(electionPort)] })
    children.push(child)
    const output = outputLines(child)
    const ports: Record<Channel, number> = { quorum: quorumPort as number, election: electionPort as number }
    const before = await memberStatus(child, output)
    expect(before).toMatchObject({ role: 'LOOKING', established: false })
    const rssBefore = await child.rssMiB()

    const rng = new Prng(peerForgerySeed)
    const received: unknown[] = []
    const links: Partial<Record<Channel, PeerLink>> = {}
    const sent = new Map<string, number>()
    let forged = 0
    let refusedFrames = 0
    let refusedHellos = 0
    const deadline = Date.now() + forgeryMs
    for (let i = 0; i < forgedFramesMax && Date.now() < deadline; i++) {
      if (rng.chance(0.05)) {
        // A connection that is refused at its hello, before any message is read.
        const { why, bytes } = badHello(rng)
        const link = await peerLink(ports[rng.chance(0.5) ? 'quorum' : 'election'], bytes, received)
        await within(link.closed, refusalMs, `close of a connection whose hello ${why} (${replay})`)
        await within(output.atLeast(closedAtHello, ++refusedHellos), refusalMs, `log line for a hello that ${why} (${replay})`)
        continue
      }
      // Each class once in order, then drawn at random; a valid hello as member 2 opens each connection.
      const forgery = forged < forgeryClasses.length ? (forgeryClasses[forged] as ForgeryClass) : drawForgery(rng)
      forged++
      const { channel, body } = forgery.forge(rng)
      const link = links[channel] ?? (links[channel] = await peerLink(ports[channel], hello(2), received))
      link.socket.write(framed(body))
      sent.set(forgery.kind, (sent.get(forgery.kind) ?? 0) + 1)
      if (forgery.refusal === undefined) continue
      await within(link.closed, refusalMs, `close after a frame of class ${forgery.kind} (${replay})`)
      delete links[channel]
      await within(output.atLeast(closedOverFrame, ++refusedFrames), refusalMs, `log line for a frame of class ${forgery.kind} (${replay})`)
      // That line is this frame's: refused by the check its class targets.
      expect(output.matching(closedOverFrame)[refusedFrames - 1], `${forgery.kind} (${replay})`).toMatch(forgery.refusal)
    }
    // Connections that carried only ignored frames are still open: ignoring them closed nothing.
    for (const link of Object.values(links)) {
      expect(link.socket.destroyed, replay).toBe(false)
      link.socket.destroy()
    }
    expect([...sent.keys()].sort()).toEqual(forgeryClasses.map((c) => c.kind).sort())
    expect(refusedHellos).toBeGreaterThan(0)
    expect(output.matching(closedOverFrame)).toHaveLength(refusedFrames)
    console.log(`forged peer frames: ${forged} (${refusedFrames} refused), refused hellos: ${refusedHellos}, RSS ${rssBefore.toFixed(0)} MiB before, peak ${(await child.peakMiB()).toFixed(0)} MiB`)

    // Both ports still take a hello as member 2: a frame after it is refused as a message, not as a hello.
    for (const channel of ['quorum', 'election'] as const) {
      const link = await peerLink(ports[channel], Buffer.concat([hello(2), framed(encodeValue({ type: 'PROBE', session: 1 }))]), received)
      await within(link.closed, refusalMs, `close of the ${channel} probe`)
      await within(output.atLeast(new RegExp(`member 2's ${channel} connection: TypeError: refused a message from member 2: type "PROBE"`), 1), refusalMs, `${channel} probe refused as a message`)
    }
    // Still looking, in the same election round, with the same epochs and log: it took nothing forged.
    expect(await memberStatus(child, output)).toEqual(before)
    // Every vote it sent the impostor is its own, unchanged.
    expect(received.length).toBeGreaterThan(0)
    const ownVote = { type: 'NOTIFICATION', state: 'LOOKING', leader: 1, zxid: before['lastLoggedZxid'], electionEpoch: before['electionEpoch'], peerEpoch: before['currentEpoch'] }
    for (const message of received) expect(message).toEqual(ownVote)
    expect(child.stderr()).not.toMatch(/stopping the member/)
    expect(child.alive()).toBe(true)
    expect(await child.peakMiB()).toBeLessThan(forgeryPeakMiB)
  }, 90_000)
})
