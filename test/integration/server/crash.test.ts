// Method: a child process runs a durable server under a write load from node-zookeeper-client;
// SIGKILL it at seeded random moments, restart it on the same dataDir, and check that every
// acknowledged write is there, no multi is half-applied, zxids continue and names never repeat.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import zookeeper from 'node-zookeeper-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileProject } from '../helpers/compile.js'

const rounds = Number(process.env['PADDOCK_CRASH_ROUNDS'] ?? 20)
const seed = Number(process.env['PADDOCK_CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31))
const inFlight = 20
const roundMs = 10_000

function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

let work: string
let childScript: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-crash-'))
  const out = await compileProject(join(work, 'build'), ['test/integration/server/durable-child.ts'])
  childScript = join(out, 'test/integration/server/durable-child.js')
}, 60_000)

afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

function startChild(dataDir: string): Promise<{ proc: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [childScript, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /READY (\d+)/.exec(out)
      if (match?.[1] !== undefined) resolve({ proc, port: Number(match[1]) })
    })
    proc.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
    proc.once('exit', (code) => reject(new Error(`server exited (${code}) before it was ready: ${err}`)))
  })
}

function connect(port: number): Promise<zookeeper.Client> {
  return new Promise((resolve, reject) => {
    const client = zookeeper.createClient(`127.0.0.1:${port}`, { sessionTimeout: 10_000, retries: 0 })
    const timer = setTimeout(() => reject(new Error('connect timed out')), 10_000)
    client.once('connected', () => {
      clearTimeout(timer)
      resolve(client)
    })
    client.connect()
  })
}

const call = <T>(fn: (cb: (error: Error | zookeeper.Exception | null, value: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))))

interface Acked {
  created: Map<string, string>
  pairs: string[]
}

/** Writes until `target` acknowledgements (or the round's time bound), then SIGKILLs the server. */
async function loadAndKill(client: zookeeper.Client, proc: ChildProcess, round: number, target: number, acked: Acked): Promise<void> {
  let count = 0
  const deadline = Date.now() + roundMs
  const killed = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const worker = async (w: number) => {
    for (let i = 0; count < target && Date.now() < deadline; i++) {
      const data = `r${round}-w${w}-${i}`
      if (i % 5 === 4) {
        const id = `${round}-${w}-${i}`
        const tx = client.transaction().create(`/pairs/a-${id}`).create(`/pairs/b-${id}`)
        await call<unknown>((cb) => tx.commit(cb))
        acked.pairs.push(id)
      } else {
        const path = await call<string>((cb) => client.create('/load/n-', Buffer.from(data), zookeeper.CreateMode.PERSISTENT_SEQUENTIAL, cb))
        if (acked.created.has(path)) throw new Error(`sequential name ${path} handed out twice`)
        acked.created.set(path, data)
      }
      count++
    }
  }
  const workers = Array.from({ length: inFlight }, (_, w) => worker(w).catch(() => undefined))
  await Promise.race([Promise.all(workers), new Promise((r) => setTimeout(r, roundMs))])
  proc.kill('SIGKILL')
  await killed
  client.close()
  await Promise.all(workers)
}

describe('durable server under SIGKILL', () => {
  it(`loses no acknowledged write over ${rounds} kills (PADDOCK_CRASH_SEED=${seed})`, async () => {
    const random = mulberry32(seed)
    const dataDir = join(work, 'data')
    const acked: Acked = { created: new Map(), pairs: [] }
    let lastMaxCzxid = 0
    for (let round = 0; round < rounds; round++) {
      const { proc, port } = await startChild(dataDir)
      const client = await connect(port)
      if (round === 0) {
        await call<string>((cb) => client.create('/load', cb))
        await call<string>((cb) => client.create('/pairs', cb))
      }
      const names = await call<string[]>((cb) => client.getChildren('/load', cb))
      // Everything acknowledged so far is present with its data.
      for (const [path, data] of acked.created) {
        const [bytes] = await call<[Buffer, zookeeper.Stat]>((cb) => client.getData(path, (e, d, s) => cb(e, [d, s])))
        expect(bytes.toString(), `${path} after ${round} kills`).toBe(data)
      }
      const pairNames = new Set(await call<string[]>((cb) => client.getChildren('/pairs', cb)))
      for (const id of acked.pairs) expect(pairNames.has(`a-${id}`) && pairNames.has(`b-${id}`)).toBe(true)
      // A multi is all or nothing, acknowledged or not.
      for (const name of pairNames) expect(pairNames.has(name.startsWith('a-') ? `b-${name.slice(2)}` : `a-${name.slice(2)}`)).toBe(true)
      // zxids continue: a new write gets a zxid above everything before the kill.
      const probe = await call<zookeeper.Stat>((cb) => client.setData('/load', Buffer.from(`round ${round}`), -1, cb))
      const mzxid = Number(probe.mzxid.readBigUInt64BE())
      expect(mzxid).toBeGreaterThan(lastMaxCzxid)
      lastMaxCzxid = mzxid
      const suffix = (name: string) => Number(name.slice(name.lastIndexOf('-') + 1))
      const highest = Math.max(-1, ...names.map(suffix))
      const ackedBefore = new Set(acked.created.keys())
      await loadAndKill(client, proc, round, 50 + Math.floor(random() * 400), acked)
      // Sequential names never repeat: every name handed out after the restart is above all before it.
      for (const path of acked.created.keys()) if (!ackedBefore.has(path)) expect(suffix(path)).toBeGreaterThan(highest)
    }
    expect(acked.created.size).toBeGreaterThan(rounds * 20)
  }, 300_000)
})
