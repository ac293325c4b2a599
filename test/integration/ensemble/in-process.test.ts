// Method: three and five members in one process over a MemoryHub with MemoryStorage on the real
// clock: elect, write through any member, read after sync, kill the leader, partition.
import { afterEach, describe, expect, it } from 'vitest'
import type { ServerSpec } from '../../../lib/config/zoo-cfg.js'
import { MemoryHub } from '../../../lib/peer/memory.js'
import { startMember } from '../../../lib/host/server.js'
import type { MemberServer } from '../../../lib/host/types.js'
import { CreateMode } from '../../../lib/index.js'
import { createMemoryDb, createMemoryStorage } from '../../../storage/index.js'

const quiet = { info() {}, error() {}, debug() {}, warn() {} }
const running: MemberServer[] = []
afterEach(async () => {
  for (const m of running.splice(0)) await m.close()
})

function specs(n: number, observers: number[] = []): ServerSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1, host: '127.0.0.1', quorumPort: 1, electionPort: 2, role: observers.includes(i + 1) ? 'observer' : 'participant',
    clientAddress: undefined, clientPort: undefined,
  }))
}

async function cluster(n: number, observers: number[] = []) {
  const hub = new MemoryHub()
  const servers = specs(n, observers)
  const dbs = servers.map(() => createMemoryDb())
  const start = (id: number) =>
    startMember({ myid: id, servers, hub, storage: createMemoryStorage({ db: dbs[id - 1], logger: quiet }), tickTimeMs: 200, logger: quiet, seed: id }).then((m) => {
      running.push(m)
      return m
    })
  const members = await Promise.all(servers.map((s) => start(s.id)))
  await Promise.all(members.map((m) => m.waitUntilServing(20_000)))
  return { hub, members, start }
}

describe('in-process ensemble', () => {
  it('runs one participant as an ensemble of one with standaloneEnabled=false (Mode: leader), and standalone otherwise', async () => {
    for (const [standaloneEnabled, mode] of [[false, 'leader'], [true, 'standalone']] as const) {
      const member = await startMember({ myid: 1, servers: specs(1), hub: new MemoryHub(), storage: createMemoryStorage({ db: createMemoryDb(), logger: quiet }), tickTimeMs: 200, logger: quiet, seed: 1, standaloneEnabled })
      running.push(member)
      await member.waitUntilServing(10_000)
      expect(member.mode).toBe(mode)
      const zk = await member.connect()
      await zk.create('/alone', '')
      expect(await zk.exists('/alone')).not.toBeNull()
    }
  })

  it('elects one leader and serves writes through any member', async () => {
    const { members } = await cluster(3)
    expect(members.map((m) => m.mode).sort()).toEqual(['follower', 'follower', 'leader'])
    // mntr's zk_followers / zk_synced_followers on the leader come from here.
    const leader = members.find((m) => m.mode === 'leader')!
    expect(leader.status().learners).toEqual({ followers: 2, syncedFollowers: 2, observers: 0 })
    const follower = members.find((m) => m.mode === 'follower')!
    expect(follower.status().learners).toEqual({ followers: 0, syncedFollowers: 0, observers: 0 })
    const zk = await follower.connect()
    expect(await zk.create('/a', 'hello')).toBe('/a')
    expect(await zk.create('/q-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe('/q-0000000001')
    for (const m of members) {
      const c = await m.connect()
      await c.sync('/')
      expect(new TextDecoder().decode((await c.getData('/a')).data)).toBe('hello')
    }
  }, 30_000)

  it('fails over when the leader dies, keeping acknowledged writes and sessions', async () => {
    const { members } = await cluster(3)
    const leader = members.find((m) => m.mode === 'leader')!
    const follower = members.find((m) => m.mode === 'follower')!
    const zk = await follower.connect({ sessionTimeoutMs: 10_000 })
    for (let i = 0; i < 20; i++) await zk.create(`/n${i}`)
    await zk.create('/eph', '', { mode: CreateMode.EPHEMERAL })
    await leader.close()
    running.splice(running.indexOf(leader), 1)
    const rest = members.filter((m) => m !== leader)
    await Promise.all(rest.map((m) => m.waitUntilServing(20_000)))
    expect(rest.map((m) => m.mode).sort()).toEqual(['follower', 'leader'])
    const again = await rest[0]!.connect({ sessionId: zk.sessionId, sessionPasswd: zk.sessionPasswd })
    await again.sync('/')
    expect(await again.getChildren('/')).toEqual([...Array.from({ length: 20 }, (_, i) => `n${i}`), 'eph', 'zookeeper'].sort())
    await again.create('/after')
  }, 40_000)

  it('holds writes beyond the proposals in flight instead of failing them, in order, through the leader and a follower', async () => {
    const { members } = await cluster(3)
    const leader = members.find((m) => m.mode === 'leader')!
    const follower = members.find((m) => m.mode === 'follower')!
    const burst = 2_500 // over ZAB's proposalsInflightMax (1000)
    const sessions = await Promise.all([leader.connect(), follower.connect()])
    const results = await Promise.all(sessions.map(async (zk, i) => {
      await zk.create(`/q${i}`)
      const names = await Promise.all(Array.from({ length: burst }, () => zk.create(`/q${i}/n-`, '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })))
      return { names, last: (await zk.getChildren(`/q${i}`)).length }
    }))
    for (const [i, { names, last }] of results.entries()) {
      // Every write succeeded, was numbered in the order it was sent, and a later read sees them all.
      expect(names).toEqual(Array.from({ length: burst }, (_, n) => `/q${i}/n-${String(n).padStart(10, '0')}`))
      expect(last).toBe(burst)
    }
  }, 60_000)

  it('syncs a restarted member by SNAP when the state is bigger than a storage chunk', async () => {
    const { members, start } = await cluster(3)
    const leader = members.find((m) => m.mode === 'leader')!
    const behind = members.find((m) => m.mode === 'follower')!
    await behind.close()
    running.splice(running.indexOf(behind), 1)
    const zk = await leader.connect()
    const value = new Uint8Array(16 * 1024).fill(3)
    // 600 writes (more than the 500 a leader keeps for DIFF) and ~10 MB of data (over 4 MiB).
    await Promise.all(Array.from({ length: 600 }, (_, i) => zk.create(`/big-${i}`, value)))
    const again = await start(behind.myid)
    await again.waitUntilServing(20_000)
    const check = await again.connect()
    await check.sync('/')
    expect((await check.getChildren('/')).filter((c) => c.startsWith('big-'))).toHaveLength(600)
    expect((await check.getData('/big-599')).data).toEqual(value)
  }, 60_000)

  it('stops serving on the minority side of a partition and converges after healing', async () => {
    const { hub, members } = await cluster(3)
    const leader = members.find((m) => m.mode === 'leader')!
    const others = members.filter((m) => m !== leader)
    hub.partition([[leader.myid], others.map((m) => m.myid)])
    await Promise.all(others.map((m) => m.waitUntilServing(20_000)))
    await waitFor(() => leader.mode === 'looking', 20_000)
    const majority = await others[0]!.connect()
    await majority.create('/during')
    hub.heal()
    await leader.waitUntilServing(20_000)
    const old = await leader.connect()
    await old.sync('/')
    expect(await old.exists('/during')).not.toBeNull()
  }, 60_000)

  it('lets observers serve reads and forward writes without voting', async () => {
    const { members } = await cluster(4, [4])
    const observer = members.find((m) => m.myid === 4)!
    expect(observer.mode).toBe('observer')
    const zk = await observer.connect()
    await zk.create('/from-observer')
    await zk.sync('/')
    expect(await zk.exists('/from-observer')).not.toBeNull()
  }, 30_000)
})

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
