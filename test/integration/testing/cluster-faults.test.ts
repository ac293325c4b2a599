// Method: TestingCluster on its default virtual clock, simulated network and simulated disks (and
// the same network and disks on the real clock), used as an application's test would: failovers by
// crash, pause, partitions one-way and whole, lossy and slow links, session expiry. Each test checks
// what the ensemble answers afterwards; the determinism test runs one scenario twice with a seed
// and compares everything it observed.
import { afterEach, describe, expect, it } from 'vitest'
import { CreateMode, ZooKeeperError, type ZooKeeperClient } from '../../../lib/index.js'
import { nextSessionEvent, TestingCluster } from '../../../lib/testing/index.js'

let cluster: TestingCluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const text = (data: Uint8Array) => new TextDecoder().decode(data)

/** A scenario whose every observation depends on elections, latencies and disk times. */
async function scenario(seed: number): Promise<string[]> {
  const seen: string[] = []
  const c = await TestingCluster.start({ size: 3, seed })
  try {
    const first = await c.waitForLeader()
    seen.push(`leader ${first.myid} at ${c.now()}`)
    const zk = await c.connect(first.myid)
    for (let i = 0; i < 5; i++) seen.push(`created ${await zk.create(`/s${i}`, `v${i}`, { mode: CreateMode.PERSISTENT_SEQUENTIAL })} at ${c.now()}`)
    await c.crash(first.myid)
    const second = await c.waitForLeader()
    seen.push(`leader ${second.myid} at ${c.now()}, zxid 0x${second.status().lastLoggedZxid.toString(16)}`)
    const again = await c.connect(second.myid)
    seen.push(`stat ${JSON.stringify((await again.exists('/s0000000004'))?.mzxid)} at ${c.now()}`)
  } finally {
    await c.close()
  }
  return seen
}

describe('TestingCluster on the virtual clock', () => {
  it('is deterministic: the same seed gives the same elections, zxids and times', async () => {
    const a = await scenario(7)
    const b = await scenario(7)
    expect(a).toEqual(b)
    expect(a.length).toBe(8)
  })

  it('crash() loses a write that was not synced, and keeps every acknowledged one', async () => {
    cluster = await TestingCluster.start({ size: 1 })
    const zk = await cluster.connect(1)
    await zk.create('/acked', 'yes')
    // Sent, not acknowledged: the power goes before its log append is synced.
    const unsynced = zk.create('/unsynced', 'no').catch((error: unknown) => error)
    await cluster.crash(1)
    expect(await unsynced).toBeInstanceOf(ZooKeeperError)
    const back = await cluster.restart(1)
    const after = await back.connect()
    expect(text((await after.getData('/acked')).data)).toBe('yes')
    expect(await after.exists('/unsynced')).toBeNull()
  })

  it('survives the crash of a 5-member ensemble\'s leader and one follower at once', async () => {
    cluster = await TestingCluster.start({ size: 5, seed: 3 })
    const leader = await cluster.waitForLeader()
    const follower = cluster.running.find((id) => id !== leader.myid)!
    const zk = await cluster.connect(cluster.running.find((id) => id !== leader.myid && id !== follower))
    for (let i = 0; i < 20; i++) await zk.create(`/k${i}`, `${i}`)
    await Promise.all([cluster.crash(leader.myid), cluster.crash(follower)])
    const next = await cluster.waitForLeader()
    expect([leader.myid, follower]).not.toContain(next.myid)
    const survivor = await cluster.connect(next.myid)
    await survivor.create('/after', 'ok')
    expect((await survivor.getChildren('/')).filter((n) => n.startsWith('k'))).toHaveLength(20)
    await cluster.restart(leader.myid)
    await cluster.restart(follower)
    const back = await cluster.connect(leader.myid)
    await back.sync('/')
    expect(text((await back.getData('/after')).data)).toBe('ok')
  })

  it('a leader paused past syncLimit is replaced, and rejoins as a follower', async () => {
    cluster = await TestingCluster.start({ size: 3, seed: 5 })
    const leader = await cluster.waitForLeader()
    cluster.pause(leader.myid, 5_000)
    await cluster.until(() => cluster!.leader() !== undefined && cluster!.leader()!.myid !== leader.myid, 'a new leader while the old one is paused')
    const next = cluster.leader()!
    const zk = await cluster.connect(next.myid)
    await zk.create('/while-paused', '')
    await cluster.advance(5_000)
    await cluster.until(() => cluster!.member(leader.myid).mode === 'follower', 'the paused leader to rejoin as a follower')
    const old = await cluster.connect(leader.myid)
    await old.sync('/')
    expect(await old.exists('/while-paused')).not.toBeNull()
  })

  it('an isolated leader loses the lead; a one-way cut from the leader does too; heal() ends both', async () => {
    cluster = await TestingCluster.start({ size: 3, seed: 11 })
    const first = await cluster.waitForLeader()
    cluster.isolate(first.myid)
    await cluster.until(() => cluster!.leader() !== undefined && cluster!.leader()!.myid !== first.myid, 'a leader on the majority side')
    cluster.heal()
    await cluster.waitUntilServing()
    const second = await cluster.waitForLeader()
    for (const id of cluster.running) if (id !== second.myid) cluster.partitionOneWay(second.myid, id)
    await cluster.until(() => cluster!.leader() !== undefined && cluster!.leader()!.myid !== second.myid, 'a leader once the old one\'s messages are lost')
    cluster.heal()
    await cluster.waitUntilServing()
    const zk = await cluster.connect()
    await zk.create('/healed', '')
    for (const id of cluster.running) {
      const c = await cluster.connect(id)
      await c.sync('/')
      expect(await c.exists('/healed')).not.toBeNull()
    }
  })

  it('writes commit over slow and lossy links', async () => {
    cluster = await TestingCluster.start({ size: 3, seed: 13 })
    const leader = await cluster.waitForLeader()
    const [a, b] = cluster.running.filter((id) => id !== leader.myid) as [number, number]
    cluster.delay(leader.myid, a, 150, true)
    cluster.drop(leader.myid, b, 0.2)
    const zk = await cluster.connect(leader.myid)
    const started = cluster.now()
    for (let i = 0; i < 10; i++) await zk.setData('/', new TextEncoder().encode(`${i}`))
    expect(cluster.now() - started).toBeGreaterThan(0)
    expect(() => cluster!.drop(a, b, 2)).toThrow(RangeError)
    cluster.heal()
    const follower = await cluster.connect(a)
    await follower.sync('/')
    expect(text((await follower.getData('/')).data)).toBe('9')
  })

  it('expireSession() removes the session\'s ephemerals on every member', async () => {
    cluster = await TestingCluster.start({ size: 3 })
    const zk = await cluster.connect(1)
    await zk.create('/eph', '', { mode: CreateMode.EPHEMERAL })
    const expired = nextSessionEvent(zk, 'expired')
    await cluster.expireSession(zk)
    // The client's member may be a follower: the event comes when it applies the closeSession.
    await cluster.waitFor(expired, 'the expired event')
    expect(zk.connectionState).toBe('expired')
    for (const id of cluster.running) {
      const c = await cluster.connect(id)
      await c.sync('/')
      expect(await c.exists('/eph')).toBeNull()
    }
  })

  it('says what it waited for when a wait runs out of virtual time', async () => {
    cluster = await TestingCluster.start({ size: 3, timeoutMs: 2_000 })
    const leader = await cluster.waitForLeader()
    for (const id of cluster.running) if (id !== leader.myid) await cluster.crash(id)
    const zk = await cluster.connect(leader.myid).catch(() => undefined)
    await expect(cluster.until(() => false, 'something that never happens')).rejects.toThrow(/2000 ms of virtual time for something that never happens/)
    await zk?.close().catch(() => undefined)
  })

  it('refuses sockets on the virtual clock', async () => {
    await expect(TestingCluster.start({ clock: 'virtual', tcp: true })).rejects.toThrow(/clock: 'real'/)
  })
})

describe('TestingCluster on the real clock', () => {
  it('takes the same faults over the in-process network: crash, one-way cut, pause', async () => {
    cluster = await TestingCluster.start({ size: 3, clock: 'real', syncLimit: 2, tickTimeMs: 50 })
    expect(cluster.virtual).toBe(false)
    const first = await cluster.waitForLeader()
    const zk = await cluster.connect(first.myid)
    await zk.create('/before', '')
    await cluster.crash(first.myid)
    const second = await cluster.waitForLeader()
    expect(second.myid).not.toBe(first.myid)
    await cluster.restart(first.myid)
    cluster.pause(second.myid, 1_000)
    await cluster.until(() => cluster!.leader() !== undefined && cluster!.leader()!.myid !== second.myid, 'a leader while the old one is paused')
    cluster.heal()
    const survivor = await cluster.connect()
    await survivor.sync('/')
    expect(await survivor.exists('/before')).not.toBeNull()
  })
})

/** One member leads and every other follows: no election, sync or stale leader in progress. */
function settled(): boolean {
  const modes = cluster!.running.map((id) => cluster!.member(id).mode)
  return modes.filter((m) => m === 'leader').length === 1 && modes.every((m) => m === 'leader' || m === 'follower')
}

/** Runs `call` on `zk` again after CONNECTIONLOSS (its outcome unknown) once `zk` is connected again, at most 10 times. */
async function retrying<T>(zk: ZooKeeperClient, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (!(error instanceof ZooKeeperError && error.code === 'CONNECTIONLOSS') || attempt >= 10) throw error
      await cluster!.until(() => zk.connectionState === 'connected', 'the client to reconnect')
    }
  }
}

describe('TestingCluster over TCP', () => {
  it('takes partitions, pauses, crashes and client faults through its proxies', async () => {
    cluster = await TestingCluster.start({ size: 3, tcp: true, clientPorts: true, syncLimit: 2, tickTimeMs: 50, maxSessionTimeoutMs: 30_000 })
    const first = await cluster.waitForLeader()
    // A 50 ms tick caps sessions at 1 s (20 ticks) unless maxSessionTimeoutMs says otherwise.
    const zk = await cluster.connectTcp({ sessionTimeoutMs: 20_000 })
    await zk.create('/tcp', 'before')
    // The leader is cut off: the other two elect one of themselves.
    cluster.isolate(first.myid)
    await cluster.until(() => cluster!.running.some((id) => id !== first.myid && cluster!.member(id).mode === 'leader'), 'a leader on the majority side')
    cluster.heal()
    await cluster.waitUntilServing()
    // A paused leader is replaced too; its held bytes arrive when it resumes, and it follows.
    const second = await cluster.waitForLeader()
    cluster.pause(second.myid, 1_000)
    await cluster.until(() => cluster!.running.some((id) => id !== second.myid && cluster!.member(id).mode === 'leader'), 'a leader while the old one is paused')
    await cluster.until(settled, 'the paused leader to rejoin as a follower')
    // Power loss of the current leader, then it comes back from its disk.
    const third = cluster.leader()!.myid
    await cluster.crash(third)
    await cluster.restart(third)
    await cluster.until(settled, 'one leader and two followers after the restart')
    // The TCP client rides through all of it (retrying what a lost connection interrupted, as a
    // ZooKeeper application does), and through a dropped connection with latency added.
    cluster.clientLatency(20)
    expect(text((await retrying(zk, () => zk.getData('/tcp'))).data)).toBe('before')
    await cluster.until(() => zk.connectionState === 'connected', 'the TCP client to be connected')
    const resumed = nextSessionEvent(zk, 'connected')
    await cluster.dropConnection(zk)
    await cluster.waitFor(resumed, 'the client to resume its session')
    await retrying(zk, () => zk.setData('/tcp', new TextEncoder().encode('after')))
    expect(text((await retrying(zk, () => zk.getData('/tcp'))).data)).toBe('after')
    await zk.close()
  })
})
