// Method: a three-member TestingCluster on the virtual clock; sessions move between members and
// local sessions live on one, and each member's answers, zxids and sessions are checked
// (ZooKeeper: PrepRequestProcessor checkSession, FinalRequestProcessor, LeaderSessionTracker,
// LearnerSessionTracker, QuorumZooKeeperServer.checkUpgradeSession).
import { afterEach, describe, expect, it } from 'vitest'
import { CreateMode, type ZooKeeperClient } from '../../../lib/index.js'
import type { MemberServer } from '../../../lib/host/types.js'
import { TestingCluster, type TestingClusterOptions } from '../../../lib/testing/index.js'

let cluster: TestingCluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

interface Roles {
  leader: MemberServer
  a: number
  b: number
}

async function start(options: TestingClusterOptions = {}): Promise<Roles> {
  cluster = await TestingCluster.start({ size: 3, ...options })
  const leader = await cluster.waitForLeader()
  await cluster.waitUntilServing()
  const [a, b] = cluster.running.filter((id) => id !== leader.myid) as [number, number]
  return { leader, a, b }
}

/** The same session, resumed on member `id` with its id and password. */
function resume(id: number, zk: ZooKeeperClient): Promise<ZooKeeperClient> {
  return cluster!.connect(id, { sessionId: zk.sessionId, sessionPasswd: zk.sessionPasswd })
}

/** Whether `path` exists as member `id` sees it after a sync. */
async function existsOn(id: number, path: string): Promise<boolean> {
  const zk = await cluster!.connect(id)
  await zk.sync('/')
  const stat = await zk.exists(path)
  await zk.close()
  return stat !== null
}

describe('SESSIONMOVED', () => {
  it('refuses a write through the old connection on a follower with SESSIONMOVED and ends that connection', async () => {
    const { a, b } = await start()
    const onA = await cluster!.connect(a)
    await onA.create('/before', '')
    const onB = await resume(b, onA)
    await onB.create('/on-b', '')
    await expect(onA.create('/on-a', '')).rejects.toMatchObject({ code: 'SESSIONMOVED' })
    expect(onA.connectionState).not.toBe('connected')
    await onB.setData('/on-b', 'still works')
    expect(await existsOn(b, '/on-a')).toBe(false)
    expect(await existsOn(a, '/on-b')).toBe(true)
  })

  it('lets a session that moves back write through its new connection again', async () => {
    const { a, b } = await start()
    const first = await cluster!.connect(a)
    await first.create('/n', '')
    const second = await resume(b, first)
    await second.setData('/n', '1')
    const third = await resume(a, second)
    await third.setData('/n', '2')
    await expect(second.setData('/n', '3')).rejects.toMatchObject({ code: 'SESSIONMOVED' })
    await third.sync('/')
    expect(new TextDecoder().decode((await third.getData('/n')).data)).toBe('2')
  })

  it('refuses a write through the old connection on the leader once the session moved to a follower', async () => {
    const { leader, a } = await start()
    const onLeader = await cluster!.connect(leader.myid)
    await onLeader.create('/before', '')
    const onA = await resume(a, onLeader)
    await onA.create('/on-a', '')
    await expect(onLeader.create('/on-leader', '')).rejects.toMatchObject({ code: 'SESSIONMOVED' })
    expect(onLeader.connectionState).toBe('disconnected')
    await onA.setData('/on-a', 'still works')
    expect(await existsOn(a, '/on-leader')).toBe(false)
    expect(await existsOn(leader.myid, '/on-a')).toBe(true)
  })

  it('moves a session from the leader to a follower and back: only the newest connection writes', async () => {
    const { leader, a } = await start()
    const first = await cluster!.connect(leader.myid)
    await first.create('/n', '')
    const second = await resume(a, first)
    await second.setData('/n', '1')
    await expect(first.setData('/n', 'stale')).rejects.toMatchObject({ code: 'SESSIONMOVED' })
    const third = await resume(leader.myid, second)
    await third.setData('/n', '2')
    await expect(second.setData('/n', '3')).rejects.toMatchObject({ code: 'SESSIONMOVED' })
    expect(second.connectionState).not.toBe('connected')
    await third.create('/after', '')
    expect(new TextDecoder().decode((await third.getData('/n')).data)).toBe('2')
    expect(await existsOn(a, '/after')).toBe(true)
  })

  it('keeps every member at the same zxid and tree after a refused write', async () => {
    const { leader, a, b } = await start()
    const onA = await cluster!.connect(a)
    await onA.create('/k', '')
    const onB = await resume(b, onA)
    await onB.sync('/')
    await expect(onA.delete('/k')).rejects.toMatchObject({ code: 'SESSIONMOVED' })
    await onB.create('/last', '')
    await cluster!.until(() => cluster!.running.every((id) => cluster!.member(id).lastZxid === leader.lastZxid), 'every member at the leader zxid')
    for (const id of cluster!.running) expect(await existsOn(id, '/k')).toBe(true)
  })
})

describe('local sessions', () => {
  it('opens and closes a local session without a transaction', async () => {
    const { leader, a } = await start({ localSessionsEnabled: true })
    const zxid = leader.lastZxid
    const sessions = leader.sessionCount
    const zk = await cluster!.connect(a)
    expect(cluster!.member(a).lastZxid).toBe(zxid)
    expect(leader.sessionCount).toBe(sessions)
    await zk.close()
    expect(leader.lastZxid).toBe(zxid)
  })

  it('serves reads and persistent writes of a local session through the leader', async () => {
    const { a, b } = await start({ localSessionsEnabled: true })
    const zk = await cluster!.connect(a)
    await zk.create('/p', 'x')
    await zk.setData('/p', 'y')
    expect(new TextDecoder().decode((await zk.getData('/p')).data)).toBe('y')
    expect(await existsOn(b, '/p')).toBe(true)
  })

  it('fails an ephemeral create with EPHEMERALONLOCALSESSION while upgrading is off, alone or in a multi', async () => {
    const { leader, a } = await start({ localSessionsEnabled: true })
    const zk = await cluster!.connect(a)
    const zxid = leader.lastZxid
    await expect(zk.create('/e', '', { mode: CreateMode.EPHEMERAL })).rejects.toMatchObject({ code: 'EPHEMERALONLOCALSESSION' })
    await expect(zk.multi([{ op: 'create', path: '/m', data: new Uint8Array(), mode: CreateMode.EPHEMERAL_SEQUENTIAL }])).rejects.toMatchObject({ code: 'EPHEMERALONLOCALSESSION' })
    expect(leader.lastZxid).toBe(zxid)
    await zk.create('/persistent', '')
  })

  it('refuses to resume a local session on another member with SESSIONEXPIRED', async () => {
    const { a, b } = await start({ localSessionsEnabled: true })
    const zk = await cluster!.connect(a)
    await expect(resume(b, zk)).rejects.toMatchObject({ code: 'SESSIONEXPIRED' })
    const again = await resume(a, zk)
    await again.create('/resumed-here', '')
  })

  it('expires a local session on its member and leaves no trace elsewhere', async () => {
    const { leader, a } = await start({ localSessionsEnabled: true })
    const zk = await cluster!.connect(a, { sessionTimeoutMs: 4000 })
    const expired = new Promise<void>((resolve) => zk.onStateChange((event) => event.session.type === 'expired' && resolve()))
    await zk.create('/left', '')
    const zxid = leader.lastZxid
    const sessions = cluster!.running.map((id) => cluster!.member(id).sessionCount)
    await cluster!.advance(60_000)
    await cluster!.waitFor(expired, 'the local session to expire')
    expect(leader.lastZxid).toBe(zxid)
    expect(cluster!.running.map((id) => cluster!.member(id).sessionCount)).toEqual(sessions)
    await expect(resume(a, zk)).rejects.toMatchObject({ code: 'SESSIONEXPIRED' })
  })

  it('upgrades a local session that creates an ephemeral: global everywhere, and its ephemeral goes at expiry', async () => {
    const { leader, a, b } = await start({ localSessionsEnabled: true, localSessionsUpgradingEnabled: true })
    const zk = await cluster!.connect(a)
    const sessions = leader.sessionCount
    const created = await zk.create('/eph', '', { mode: CreateMode.EPHEMERAL })
    expect(created).toBe('/eph')
    expect(leader.sessionCount).toBe(sessions + 1)
    expect(await existsOn(b, '/eph')).toBe(true)
    const stat = await zk.exists('/eph')
    expect(stat?.ephemeralOwner).toBe(zk.sessionId)
    // Global now: it resumes on another member and keeps its ephemeral.
    const onB = await resume(b, zk)
    await onB.create('/eph2', '', { mode: CreateMode.EPHEMERAL })
    await cluster!.expireSession(onB)
    expect(await existsOn(b, '/eph')).toBe(false)
    expect(await existsOn(a, '/eph2')).toBe(false)
  })
})
