// Method: real member processes (`paddock server start-foreground zoo.cfg`, one per member, real
// LevelDB in temp dirs) on loopback, observed only from outside: srvr Mode lines, clients
// (Paddock's and node-zookeeper-client) and log lines; links go through freezable TCP proxies.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import zookeeper from 'node-zookeeper-client'
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest'
import { connect, CreateMode, type ZooKeeperClient } from '../../../lib/index.js'
import { decodeTxnEntry } from '../../../lib/txn/codec.js'
import { createLevelStorage } from '../../../storage/index.js'
import { compileProject } from '../helpers/compile.js'
import { killAllMembers, ProcessEnsemble, until, within } from './processes-harness.js'

let work: string
let mainJs: string
let childClientJs: string
let dirs = 0

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-processes-'))
  const out = await compileProject(join(work, 'build'), ['test/integration/ensemble/processes-client-child.ts'])
  mainJs = join(out, 'lib/cli/main.js')
  childClientJs = join(out, 'test/integration/ensemble/processes-client-child.js')
}, 60_000)

const cleanup: Array<() => Promise<unknown> | void> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await Promise.resolve(step()).catch(() => undefined)
  await killAllMembers()
})

afterAll(async () => {
  await killAllMembers()
  await rm(work, { recursive: true, force: true })
})

async function ensemble(options: Parameters<typeof ProcessEnsemble.create>[2]): Promise<ProcessEnsemble> {
  const e = await ProcessEnsemble.create(mainJs, join(work, `e${++dirs}`), options)
  cleanup.push(() => e.close())
  // A failure is explained by what the members printed (role changes, elections, syncs).
  onTestFailed(() => {
    for (const [id, proc] of e.processes) console.error(`--- member ${id} output ---\n${proc.output.split('\n').slice(-60).join('\n')}`)
  })
  return e
}

async function client(connectString: string, options: Parameters<typeof connect>[1] = {}): Promise<ZooKeeperClient> {
  const zk = await connect(connectString, { sessionTimeoutMs: 4_000, reconnectDelayMs: 20, initialConnectTimeoutMs: 10_000, ...options })
  cleanup.push(() => zk.close())
  return zk
}

function nzkClient(connectString: string, sessionTimeoutMs = 4_000): Promise<zookeeper.Client> {
  return new Promise((resolve, reject) => {
    const nzk = zookeeper.createClient(connectString, { sessionTimeout: sessionTimeoutMs, spinDelay: 20, retries: 0 })
    cleanup.push(() => nzk.close())
    const timer = setTimeout(() => reject(new Error(`node-zookeeper-client: no session from ${connectString} in 10 s`)), 10_000)
    nzk.once('connected', () => {
      clearTimeout(timer)
      resolve(nzk)
    })
    nzk.connect()
  })
}

const call = <T>(fn: (cb: (error: Error | zookeeper.Exception | null, value: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))))

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** What member `id` holds under `path` after a sync: child names to data, read through its own client port only. */
async function contentsOn(e: ProcessEnsemble, id: number, path: string): Promise<Map<string, string>> {
  const zk = await client(e.connectString([id]))
  try {
    await zk.sync(path)
    const names = (await zk.getChildren(path)).sort()
    const contents = new Map<string, string>()
    for (const name of names) contents.set(name, text((await zk.getData(`${path}/${name}`)).data))
    return contents
  } finally {
    await zk.close()
  }
}

describe('ensemble of processes: election and writes through any member', () => {
  for (const size of [3, 5]) {
    it(`elects exactly one leader among ${size} members started from zoo.cfg + myid, the others following`, async () => {
      const e = await ensemble({ voters: size })
      await e.startAll()
      const leader = await e.established()
      const modes = await e.modes()
      expect([...modes.values()].filter((m) => m === 'leader')).toHaveLength(1)
      expect([...modes.values()].filter((m) => m === 'follower')).toHaveLength(size - 1)
      expect(modes.get(leader)).toBe('leader')

      // Paddock's client, pinned to each member in turn, writes; every member then reads all after sync.
      for (const m of e.members) {
        const zk = await client(e.connectString([m.id]))
        if (m.id === 1) await zk.create('/written', 'through members')
        await zk.create(`/written/by-${m.id}`, `member ${m.id}`)
        expect(text((await zk.getData(`/written/by-${m.id}`)).data)).toBe(`member ${m.id}`)
        await zk.close()
      }
      const expected = new Map(e.members.map((m) => [`by-${m.id}`, `member ${m.id}`]))
      for (const m of e.members) expect(await contentsOn(e, m.id, '/written'), `member ${m.id}`).toEqual(expected)
    }, 60_000)
  }

  it('serves Paddock and node-zookeeper-client sessions on a 3-host connect string, each reading its own writes', async () => {
    const e = await ensemble({ voters: 3 })
    await e.startAll()
    await e.established()
    const connectString = e.connectString()
    const zk = await client(connectString)
    const nzk = await nzkClient(connectString)
    await zk.create('/mixed', '')
    for (let i = 0; i < 10; i++) {
      await zk.create(`/mixed/paddock-${i}`, `p${i}`)
      expect(text((await zk.getData(`/mixed/paddock-${i}`)).data)).toBe(`p${i}`)
      await call<string>((cb) => nzk.create(`/mixed/nzk-${i}`, Buffer.from(`n${i}`), cb))
      const [data] = await call<[Buffer, zookeeper.Stat]>((cb) => nzk.getData(`/mixed/nzk-${i}`, (err, d, s) => cb(err, [d, s])))
      expect(data.toString()).toBe(`n${i}`)
    }
    const seq = await call<string>((cb) => nzk.create('/mixed/seq-', Buffer.alloc(0), zookeeper.CreateMode.PERSISTENT_SEQUENTIAL, cb))
    expect(seq).toMatch(/^\/mixed\/seq-\d{10}$/)
    const expected = await contentsOn(e, 1, '/mixed')
    expect(expected.size).toBe(21)
    for (const m of e.members) expect(await contentsOn(e, m.id, '/mixed'), `member ${m.id}`).toEqual(expected)
  }, 60_000)
})

/** One client under load, whichever library: sequential creates and a versioned counter. */
interface Writer {
  name: string
  createSequential(prefix: string, data: string): Promise<string>
  readCounter(): Promise<{ value: number; version: number }>
  writeCounter(value: number, version: number): Promise<void>
  isBadVersion(error: unknown): boolean
  /** Whether the session is over (expired or closed), so no write can succeed any more. */
  ended(): boolean
}

function paddockWriter(name: string, zk: ZooKeeperClient): Writer {
  return {
    name,
    createSequential: (prefix, data) => zk.create(prefix, data, { mode: CreateMode.PERSISTENT_SEQUENTIAL }),
    readCounter: async () => {
      const { data, stat } = await zk.getData('/counter')
      return { value: Number(text(data)), version: stat.version }
    },
    writeCounter: async (value, version) => void (await zk.setData('/counter', String(value), version)),
    isBadVersion: (error) => (error as { code?: unknown }).code === 'BADVERSION',
    ended: () => zk.state === 'Expired' || zk.state === 'Closed',
  }
}

function nzkWriter(name: string, nzk: zookeeper.Client): Writer {
  return {
    name,
    createSequential: (prefix, data) => call<string>((cb) => nzk.create(prefix, Buffer.from(data), zookeeper.CreateMode.PERSISTENT_SEQUENTIAL, cb)),
    readCounter: async () => {
      const [data, stat] = await call<[Buffer, zookeeper.Stat]>((cb) => nzk.getData('/counter', (err, d, s) => cb(err, [d, s])))
      return { value: Number(data.toString()), version: stat.version }
    },
    writeCounter: async (value, version) => void (await call<zookeeper.Stat>((cb) => nzk.setData('/counter', Buffer.from(String(value)), version, cb))),
    isBadVersion: (error) => error instanceof zookeeper.Exception && error.getCode() === zookeeper.Exception.BAD_VERSION,
    ended: () => nzk.getState() === zookeeper.State.EXPIRED,
  }
}

/** What the load saw: acknowledged creates (name to data), counter increments, and when writes were acknowledged. */
interface LoadRecord {
  created: Map<string, string>
  duplicateNames: string[]
  incrementsAcked: number
  incrementsUncertain: number
  /** [sentAt, ackedAt] of every acknowledged write, performance.now() ms. */
  acks: Array<[number, number]>
  errors: Map<string, number>
}

/** Runs `writer` until `stop()` says so: four sequential creates, then one counter increment, over and over. */
async function runLoad(writer: Writer, record: LoadRecord, stop: () => boolean): Promise<void> {
  for (let i = 0; !stop(); i++) {
    const sentAt = performance.now()
    try {
      if (i % 5 === 4) {
        const { value, version } = await writer.readCounter()
        try {
          await writer.writeCounter(value + 1, version)
          record.incrementsAcked++
        } catch (error) {
          if (writer.isBadVersion(error)) continue
          record.incrementsUncertain++
          throw error
        }
      } else {
        const data = `${writer.name}-${i}`
        const path = await writer.createSequential('/load/n-', data)
        if (record.created.has(path)) record.duplicateNames.push(path)
        record.created.set(path, data)
      }
      record.acks.push([sentAt, performance.now()])
    } catch (error) {
      // Connection loss and the like while the leader is gone: the outcome is unknown, go on.
      const key = String((error as { code?: unknown }).code ?? (error as Error).message)
      record.errors.set(key, (record.errors.get(key) ?? 0) + 1)
      // A failed request may fail again at once (an expired session does): back off a little so
      // the loop never starves the event loop.
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }
}

describe('ensemble of processes: SIGKILL of the leader under write load', () => {
  it('elects a new leader, fails clients over with their sessions and ephemerals, loses no acknowledged write, and expires the dead client', async () => {
    const e = await ensemble({ voters: 3 })
    await e.startAll()
    const leader = await e.established()
    const survivors = e.members.map((m) => m.id).filter((id) => id !== leader)
    const leaderFirst = e.connectString([leader, ...survivors])
    const setup = await client(e.connectString(survivors))
    await setup.create('/load')
    await setup.create('/eph')
    await setup.create('/counter', '0')

    // Clients that must fail over: one pinned to the leader first, two shuffled, one node-zookeeper-client.
    const pinned = await client(leaderFirst, { shuffleHosts: false })
    const shuffled = [await client(e.connectString()), await client(e.connectString())]
    const nzk = await nzkClient(leaderFirst)
    const paddocks = [pinned, ...shuffled]
    const sessions = paddocks.map((zk) => zk.sessionId)
    const nzkSession = nzk.getSessionId().toString('hex')
    for (const [i, zk] of paddocks.entries()) await zk.create(`/eph/paddock-${i}`, '', { mode: CreateMode.EPHEMERAL })
    await call<string>((cb) => nzk.create('/eph/nzk', Buffer.alloc(0), zookeeper.CreateMode.EPHEMERAL, cb))

    // A client in a process of its own, on the leader, whose death the new leader must notice.
    const child = spawn(process.execPath, [childClientJs, e.connectString([leader]), '2000', '/eph/child'], { stdio: ['ignore', 'pipe', 'pipe'] })
    cleanup.push(() => void child.kill('SIGKILL'))
    let childOut = ''
    child.stdout.on('data', (chunk: Buffer) => (childOut += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (childOut += chunk.toString()))
    await until('the child client to hold its ephemeral', () => (/READY/.test(childOut) ? true : undefined), 10_000)

    const record: LoadRecord = { created: new Map(), duplicateNames: [], incrementsAcked: 0, incrementsUncertain: 0, acks: [], errors: new Map() }
    const writers = [...paddocks.map((zk, i) => paddockWriter(`paddock-${i}`, zk)), nzkWriter('nzk', nzk)]
    let killAt = Number.POSITIVE_INFINITY
    const ackedAfterKill = () => record.acks.filter(([sent]) => sent >= killAt).length
    const loadDeadline = performance.now() + 30_000
    const stop = () => performance.now() > Math.min(loadDeadline, killAt + 15_000) || ackedAfterKill() >= 200 || writers.every((w) => w.ended())
    const load = Promise.all(writers.map((w) => runLoad(w, record, stop)))

    await until('200 acknowledged writes before the kill', () => (record.acks.length >= 200 ? true : undefined), 20_000)
    killAt = performance.now()
    await Promise.all([e.kill(leader, 'SIGKILL'), new Promise((resolve) => child.once('exit', resolve).kill('SIGKILL'))])
    const newLeader = await e.established(survivors)
    const electedMs = performance.now() - killAt
    await load
    // The clients that failed over kept their sessions.
    expect(paddocks.map((zk) => zk.state)).toEqual(['SyncConnected', 'SyncConnected', 'SyncConnected'])
    expect(paddocks.map((zk) => zk.sessionId)).toEqual(sessions)
    expect(nzk.getState()).toBe(zookeeper.State.SYNC_CONNECTED)
    expect(nzk.getSessionId().toString('hex')).toBe(nzkSession)
    expect(ackedAfterKill(), 'writes acknowledged after the kill').toBeGreaterThanOrEqual(200)
    const failoverMs = Math.min(...record.acks.filter(([sent]) => sent >= killAt).map(([, acked]) => acked)) - killAt
    console.info(`SIGKILL of leader ${leader}: member ${newLeader} leads after ${electedMs.toFixed(0)} ms (srvr polls); first write acknowledged ${failoverMs.toFixed(0)} ms after the kill; ${record.acks.length} writes acknowledged, errors ${JSON.stringify([...record.errors])}`)
    expect(newLeader).not.toBe(leader)

    // Every acknowledged create is on every surviving member with its data; the members agree.
    expect(record.duplicateNames).toEqual([])
    const contents = await Promise.all(survivors.map((id) => contentsOn(e, id, '/load')))
    for (const [path, data] of record.created) expect(contents[0]?.get(path.slice('/load/'.length)), path).toBe(data)
    expect(contents[1]).toEqual(contents[0])
    // The counter: each acknowledged increment counted once; value and version move together.
    for (const id of survivors) {
      const zk = await client(e.connectString([id]))
      await zk.sync('/counter')
      const { data, stat } = await zk.getData('/counter')
      const value = Number(text(data))
      expect(value, `counter on member ${id}`).toBe(stat.version)
      expect(value).toBeGreaterThanOrEqual(record.incrementsAcked)
      expect(value).toBeLessThanOrEqual(record.incrementsAcked + record.incrementsUncertain)
    }

    // The clients that failed over kept their ephemerals.
    for (const [i, zk] of paddocks.entries()) expect(await zk.getEphemerals('/eph')).toEqual([`/eph/paddock-${i}`])
    const nzkEphemeral = await call<zookeeper.Stat>((cb) => nzk.exists('/eph/nzk', cb))
    expect(nzkEphemeral.ephemeralOwner.toString('hex')).toBe(nzkSession)

    // The killed client's session ends after its 2 s timeout, taking its ephemeral with it.
    const expired = await until('the dead client\'s ephemeral to go', async () => ((await setup.exists('/eph/child')) === null ? performance.now() - killAt : undefined), 15_000)
    console.info(`the killed client's ephemeral went ${expired.toFixed(0)} ms after the kill (session timeout 2000 ms)`)
    expect(await setup.getChildren('/eph')).toEqual(['nzk', 'paddock-0', 'paddock-1', 'paddock-2'])
  }, 90_000)
})

/** Creates `count` znodes `${prefix}${i}` with 50 requests in flight. */
async function writeMany(zk: ZooKeeperClient, prefix: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 50) {
    const batch = Array.from({ length: Math.min(50, count - start) }, (_, k) => zk.create(`${prefix}${start + k}`, `${prefix}${start + k}`))
    await Promise.all(batch)
  }
}

const snapInstalled = /installed the leader's snapshot/

describe('ensemble of processes: a restarted member catches up', () => {
  it('by DIFF after missing at most retainedLogEntriesMax (500) writes, and by SNAP after missing more, serving the same data', async () => {
    const e = await ensemble({ voters: 3 })
    await e.startAll()
    const leader = await e.established()
    const lagging = e.members.map((m) => m.id).find((id) => id !== leader) ?? 0
    const others = e.members.map((m) => m.id).filter((id) => id !== lagging)
    const zk = await client(e.connectString(others))
    await zk.create('/catch-up')

    await e.kill(lagging, 'SIGKILL')
    await writeMany(zk, '/catch-up/diff-', 200)
    await e.start(lagging)
    await e.established()
    expect(await contentsOn(e, lagging, '/catch-up')).toEqual(await contentsOn(e, leader, '/catch-up'))
    expect(e.output(lagging), 'a DIFF installs no snapshot').not.toMatch(snapInstalled)

    await e.kill(lagging, 'SIGTERM')
    await writeMany(zk, '/catch-up/snap-', 600)
    await e.start(lagging)
    await e.established()
    const caughtUp = await contentsOn(e, lagging, '/catch-up')
    expect(caughtUp.size).toBe(800)
    expect(caughtUp).toEqual(await contentsOn(e, leader, '/catch-up'))
    expect(e.output(lagging), 'more than the leader retains: SNAP').toMatch(snapInstalled)
  }, 60_000)
})

describe('ensemble of processes: partitions through TCP proxies between members', () => {
  it('truncates the proposals an isolated leader logged but never committed (TRUNC) and gives it the majority\'s writes', async () => {
    const e = await ensemble({ voters: 3, proxied: true })
    await e.startAll()
    const oldLeader = await e.established()
    const majority = e.members.map((m) => m.id).filter((id) => id !== oldLeader)
    const zk = await client(e.connectString(majority))
    await zk.create('/trunc')
    await zk.create('/trunc/base')
    const onOldLeader = await client(e.connectString([oldLeader]))
    await onOldLeader.sync('/trunc')

    // Frozen links: the leader hears no ACK, so what it proposes now is logged there and never committed.
    e.isolate(oldLeader)
    const doomed = Array.from({ length: 20 }, (_, i) => onOldLeader.create(`/trunc/old-${i}`).then(() => 'acknowledged', (error: { code?: string }) => error.code))
    await e.established(majority)
    await e.waitForMode(oldLeader, 'not serving')
    expect(new Set(await Promise.all(doomed)), 'no write of the isolated leader is acknowledged').toEqual(new Set(['CONNECTIONLOSS']))
    await writeMany(zk, '/trunc/new-', 20)

    e.heal()
    // The majority's leader normally keeps leading. On a loaded machine a missed syncLimit may
    // re-elect, and once the old leader has synced it may even win (its id is highest): either
    // way every member must then hold the majority's writes and none of the truncated ones.
    const leaderAfterHeal = await e.established()
    const expected = await contentsOn(e, leaderAfterHeal, '/trunc')
    expect([...expected.keys()].filter((name) => name.startsWith('old-'))).toEqual([])
    expect(expected.size).toBe(21)
    expect(await contentsOn(e, oldLeader, '/trunc')).toEqual(expected)
    expect(e.output(oldLeader), 'TRUNC then DIFF, not a whole snapshot').not.toMatch(snapInstalled)
    // The storage says what the TRUNC removed: some of the isolated leader's proposals, none committed before.
    const truncated = /truncated the log after zxid 0x([0-9a-f]+): removed log entries 0x([0-9a-f]+) to 0x([0-9a-f]+)/.exec(e.output(oldLeader))
    expect(truncated, 'the old leader truncated its log').not.toBeNull()
    const [after, first, last] = [truncated?.[1], truncated?.[2], truncated?.[3]].map((hex) => Number.parseInt(hex ?? '0', 16)) as [number, number, number]
    expect(after).toBeGreaterThan(0)
    // The isolated leader's proposals are of its one epoch, so their zxids are consecutive.
    expect(Math.floor(first / 2 ** 32)).toBe(Math.floor(last / 2 ** 32))
    expect(last - first + 1).toBeGreaterThanOrEqual(1)
    expect(last - first + 1).toBeLessThanOrEqual(doomed.length)
  }, 60_000)

  it('truncates, when a deposed leader restarts, the uncommitted proposals its log still holds', async () => {
    const e = await ensemble({ voters: 3, proxied: true })
    await e.startAll()
    const oldLeader = await e.established()
    const majority = e.members.map((m) => m.id).filter((id) => id !== oldLeader)
    const zk = await client(e.connectString(majority))
    await zk.create('/trunc')
    const onOldLeader = await client(e.connectString([oldLeader]))
    await onOldLeader.sync('/trunc')

    e.isolate(oldLeader)
    const doomed = Array.from({ length: 20 }, (_, i) => onOldLeader.create(`/trunc/old-${i}`).then(() => 'acknowledged', (error: { code?: string }) => error.code))
    await e.established(majority)
    await e.waitForMode(oldLeader, 'not serving')
    expect(new Set(await Promise.all(doomed))).toEqual(new Set(['CONNECTIONLOSS']))
    await e.kill(oldLeader, 'SIGTERM')
    // Its log, read directly, holds proposals nobody committed.
    const storage = createLevelStorage({ dataDir: e.member(oldLeader).dataDir, logger: { debug() {}, info() {}, warn() {} } })
    await storage.open()
    const logged: string[] = []
    for await (const entry of storage.readLog(1)) {
      const { txn } = decodeTxnEntry(entry.data)
      if (txn.type === 'create' && txn.path.startsWith('/trunc/old-')) logged.push(txn.path)
    }
    await storage.close()
    expect(logged.length, 'uncommitted proposals in the deposed leader\'s log').toBeGreaterThan(0)
    await writeMany(zk, '/trunc/new-', 20)

    e.heal()
    await e.start(oldLeader)
    const leader = await e.established()
    const expected = await contentsOn(e, leader, '/trunc')
    expect([...expected.keys()].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `new-${i}`).sort())
    expect(await contentsOn(e, oldLeader, '/trunc')).toEqual(expected)
    expect(e.output(oldLeader)).toMatch(/truncated the log after zxid 0x[0-9a-f]+: removed log entries 0x[0-9a-f]+ to 0x[0-9a-f]+/)
    expect(e.output(oldLeader)).not.toMatch(snapInstalled)
  }, 60_000)

  it('stops serving on the minority side (client connections closed, srvr not serving) while the majority goes on, and converges after healing', async () => {
    const e = await ensemble({ voters: 3, proxied: true })
    await e.startAll()
    const leader = await e.established()
    const minority = e.members.map((m) => m.id).find((id) => id !== leader) ?? 0
    const majority = e.members.map((m) => m.id).filter((id) => id !== minority)
    const zk = await client(e.connectString(majority))
    await zk.create('/partition')
    const onMinority = await client(e.connectString([minority]))
    await onMinority.sync('/partition')
    const disconnected = new Promise<string>((resolve) => onMinority.onStateChange((event) => event.session.type === 'disconnected' && resolve(event.session.reason)))

    e.isolate(minority)
    await e.waitForMode(minority, 'not serving')
    await within(disconnected, 10_000, 'the minority member to drop its client')
    expect(await e.modes(majority)).toEqual(new Map(majority.map((id) => [id, id === leader ? 'leader' : 'follower'])))
    await writeMany(zk, '/partition/during-', 50)

    e.heal()
    await e.established()
    const expected = await contentsOn(e, leader, '/partition')
    expect(expected.size).toBe(50)
    expect(await contentsOn(e, minority, '/partition')).toEqual(expected)
  }, 60_000)
})

describe('ensemble of processes: observers', () => {
  it('serves reads and forwards writes on an observer, which never votes: without two voters it stops serving', async () => {
    const e = await ensemble({ voters: 3, observers: 1 })
    await e.startAll()
    const leader = await e.established()
    const observer = 4
    expect(await e.mode(observer)).toBe('observer')
    const voters = await client(e.connectString([1, 2, 3]))
    const onObserver = await client(e.connectString([observer]))
    await voters.create('/observed', 'from a voter')
    await onObserver.sync('/observed')
    expect(text((await onObserver.getData('/observed')).data)).toBe('from a voter')
    await onObserver.create('/observed/from-observer', 'forwarded')
    await voters.sync('/observed')
    expect(text((await voters.getData('/observed/from-observer')).data)).toBe('forwarded')

    // One voter down: the other two elect; the observer follows the new leader, never leading.
    await e.kill(leader, 'SIGKILL')
    const rest = [1, 2, 3].filter((id) => id !== leader)
    const newLeader = await e.established([...rest, observer])
    expect(newLeader).not.toBe(observer)
    // Two voters down: one voter and the observer are no majority of the three voters.
    await e.kill(newLeader, 'SIGKILL')
    const last = rest.find((id) => id !== newLeader) ?? 0
    await e.waitForMode(observer, 'not serving')
    await e.waitForMode(last, 'not serving')
  }, 60_000)
})
