// Method: real member processes (`paddock server start-foreground zoo.cfg`, one per member, real
// LevelDB in temp dirs) on loopback, observed only from outside: srvr Mode lines, clients
// (Paddock's and node-zookeeper-client) and log lines; links go through freezable TCP proxies.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import zookeeper from 'node-zookeeper-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connect, CreateMode, type ZooKeeperClient } from '../../../lib/index.js'
import { compileProject } from '../helpers/compile.js'
import { killAllMembers, ProcessEnsemble, until } from './processes-harness.js'

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
