// Method: ensembles that mix Apache ZooKeeper 3.8 members (QuorumPeerMain) with a real Paddock
// member (zoo.cfg with peerProtocol=zookeeper, started through memberOptionsFor and startMember),
// where one member is an observer (`:observer` on its server line in every member's zoo.cfg,
// `peerType=observer` in its own): first a Paddock observer of three Apache voters, then an Apache
// observer of a Paddock leader. Clients (Paddock's own, node-zookeeper-client and kazoo) write
// through every member and read whole trees with Stat; members are stopped and started to show
// what the observer syncs by (SNAP, then DIFF), that it never counts for the quorum, and that it
// follows a new leader in time for its sessions.
import { afterEach, describe, expect, it } from 'vitest'
import { connect, CreateMode, type MemberServer, type ZooKeeperClient } from '../../lib/index.js'
import { apacheUnavailableReason } from './harness/apache.js'
import { clientPortOf, electionMs, ensembleLayout, MixedEnsembleKit, mntrValue, modeOf, nodeOf, type NodeView } from './harness/mixed-ensemble.js'
import { connectNzk, type NzkClient } from './harness/nzk.js'
import { kazooUnavailableReason, runKazooScript } from './harness/python.js'
import { pollUntil } from './harness/wait.js'

/** The Paddock member joining as observer: election (it only listens), sync, UPTODATE. */
const joinMs = 60_000
/** One write to show up on another member. */
const replicateMs = 20_000
/** The observer following a new leader once the voters elected it: well below initLimit × tickTime (30 s). */
const observerRejoinMs = 15_000

describe.skipIf(apacheUnavailableReason() !== undefined)('observers in mixed ensembles of Apache ZooKeeper 3.8 and Paddock members (peerProtocol=zookeeper)', () => {
  const kit = new MixedEnsembleKit()
  const { cleanup, paddockLog } = kit
  const step = <T>(what: string, run: () => Promise<T>) => kit.step(what, run)
  const client = (port: number) => kit.client(port)
  afterEach(() => kit.reset(), 60_000)

  /** A node-zookeeper-client session on `port`, closed after the test. */
  const nzk = async (port: number, options: Parameters<typeof connectNzk>[1] = {}): Promise<NzkClient> => {
    const zk = await step(`node-zookeeper-client connecting to ${port}`, () => connectNzk(`127.0.0.1:${port}`, options))
    cleanup.push(() => zk.close())
    return zk
  }

  /** Waits until `path` exists on `zk` (a write of another member arriving) and returns what it shows. */
  const arrived = (zk: ZooKeeperClient, path: string, where: string): Promise<NodeView> =>
    step(`${path} on ${where}`, async () => {
      await pollUntil(() => zk.exists(path).then((stat) => stat ?? undefined), { timeoutMs: replicateMs, intervalMs: 100, what: `${path} on ${where}` })
      return nodeOf(zk, path)
    })

  /** `path` as each client shows it after a sync: equal on all of them (data and whole Stat). */
  const expectSameNode = async (path: string, zks: readonly ZooKeeperClient[]): Promise<NodeView> => {
    const views: NodeView[] = []
    for (const zk of zks) {
      await zk.sync(path)
      views.push(await nodeOf(zk, path))
    }
    for (const view of views.slice(1)) expect(view, path).toEqual(views[0])
    return views[0] as NodeView
  }

  /**
   * kazoo creates `path` through the member on `writePort` and reads it through the member on
   * `readPort` after a sync: the same data and Stat on both (nothing when kazoo is not installed).
   */
  const kazooWriteThenRead = async (writePort: number, readPort: number, path: string): Promise<void> => {
    if (kazooUnavailableReason() !== undefined) return
    interface View { data: string; stat: Record<string, number> }
    const out = await step(`kazoo writing ${path} through ${writePort}, reading through ${readPort}`, () =>
      runKazooScript<{ created: string; writer: View; reader: View }>('write_then_read.py', `127.0.0.1:${writePort}`, `127.0.0.1:${readPort}`, path, `kazoo ${path}`))
    expect(out.created).toBe(path)
    expect(out.writer.data).toBe(`kazoo ${path}`)
    expect(out.reader).toEqual(out.writer)
  }

  const errors = (): string[] => paddockLog.filter((line) => line.startsWith('ERROR'))
  const syncs = (): string[] => kit.learnerSyncs().map((sync) => sync.kind)

  it('runs a Paddock member as observer of three Apache voters: SNAP then DIFF, identical trees, writes both ways, sessions kept alive and moved, and no say in the quorum', async () => {
    const layout = await ensembleLayout({ voters: 3, observers: 1 })
    const voterPorts = [1, 2, 3].map((sid) => clientPortOf(layout, sid))
    const observerPort = clientPortOf(layout, 4)
    await Promise.all([1, 2, 3].map((sid) => kit.startApache(layout, sid)))
    const modes = await step('the Apache voters electing a leader', () => kit.waitForModes(voterPorts, [undefined, undefined, undefined]))
    expect([...modes].sort()).toEqual(['follower', 'follower', 'leader'])
    const leaderPort = voterPorts[modes.indexOf('leader')] as number
    const followerSids = [1, 2, 3].filter((_, i) => modes[i] === 'follower')
    const onLeader = await client(leaderPort)

    // Nodes written before the observer exists reach it in the leader's SNAP.
    await onLeader.create('/before', 'snap')
    await onLeader.create('/before/child', 'x', { mode: CreateMode.PERSISTENT_SEQUENTIAL })
    await onLeader.setData('/before', 'snap2')

    const dataDir = await kit.temporaryDir('paddock-zkobserver-')
    const startObserver = async (): Promise<MemberServer> => {
      const member = await kit.startPaddock(layout, 4, dataDir)
      await step('the Paddock observer serving', () => member.waitUntilServing(joinMs))
      expect(member.status()).toMatchObject({ role: 'OBSERVING' })
      expect(await modeOf(observerPort)).toBe('observer')
      return member
    }
    let member = await startObserver()
    expect(syncs(), 'synced by SNAP').toEqual(['SNAP'])
    expect(paddockLog.some((line) => line.startsWith("installed the leader's snapshot"))).toBe(true)
    expect(member.status().config).toMatchObject({ active: { voters: [1, 2, 3], observers: [4] } })
    // The Apache leader counts it among its observers, not its followers.
    await step('the leader counting one synced observer', () =>
      pollUntil(async () => ((await mntrValue(leaderPort, 'zk_synced_observers')) === '1' ? true : undefined), { timeoutMs: replicateMs, intervalMs: 200, what: 'zk_synced_observers 1 on the leader' }))
    expect(await mntrValue(leaderPort, 'zk_synced_followers')).toBe('2')
    await kit.expectSameTrees([...voterPorts, observerPort])

    // Writes through the observer (Paddock's client): forwarded to the Apache leader as REQUEST,
    // answered once the observer applies them from INFORM, and the same on every voter.
    const onObserver = await client(observerPort)
    const voters = await Promise.all(voterPorts.map(client))
    expect(await step('a create through the observer', () => onObserver.create('/via-observer', 'o'))).toBe('/via-observer')
    await step('a setData through the observer', () => onObserver.setData('/before', 'changed by the observer'))
    await step('a multi through the observer', () => onObserver.multi([{ op: 'create', path: '/via-observer/m', data: 'm' }, { op: 'setData', path: '/via-observer', data: 'o2' }]))
    for (const path of ['/via-observer', '/via-observer/m', '/before']) await expectSameNode(path, [onObserver, ...voters])

    // A real ZooKeeper client on the observer, and on an Apache follower: each one's writes reach the other.
    const followerPort = clientPortOf(layout, followerSids[0] as number)
    const nzkObserver = await nzk(observerPort)
    const nzkFollower = await nzk(followerPort)
    expect(await step('a node-zookeeper-client create through the observer', () => nzkObserver.create('/nzk-observer', 'n'))).toBe('/nzk-observer')
    expect(await step('a node-zookeeper-client create through an Apache follower', () => nzkFollower.create('/nzk-follower', 'f'))).toBe('/nzk-follower')
    expect((await arrived(onObserver, '/nzk-follower', 'the observer')).data).toBe('f')
    expect((await nzkObserver.getData('/nzk-follower')).data?.toString()).toBe('f')
    await expectSameNode('/nzk-observer', [onObserver, ...voters])
    await kazooWriteThenRead(observerPort, leaderPort, '/kazoo-observer')
    await kazooWriteThenRead(followerPort, observerPort, '/kazoo-follower')

    // A session of the observer with the shortest timeout stays alive only through the touches
    // the observer relays in its PING replies; then it moves to an Apache member and back.
    const sessionTimeoutMs = 4_000
    const short = await connect(`127.0.0.1:${observerPort}`, { sessionTimeoutMs })
    cleanup.push(() => short.close())
    await short.create('/eph-observer', 'e', { mode: CreateMode.EPHEMERAL })
    await onLeader.sync('/eph-observer')
    expect((await nodeOf(onLeader, '/eph-observer')).stat.ephemeralOwner).toBe(short.sessionId)
    // The duration under test: three session timeouts with the session used on the observer only.
    await new Promise((resolve) => setTimeout(resolve, 3 * sessionTimeoutMs))
    expect(await onLeader.exists('/eph-observer'), 'the session outlived three timeouts on the Apache leader').not.toBeNull()
    const moved = await step('the observer\'s session resuming on an Apache follower', () =>
      connect(`127.0.0.1:${followerPort}`, { sessionId: short.sessionId, sessionPasswd: short.sessionPasswd }))
    cleanup.push(() => moved.close())
    expect(moved.sessionId).toBe(short.sessionId)
    await moved.sync('/eph-observer')
    expect((await moved.exists('/eph-observer'))?.ephemeralOwner).toBe(short.sessionId)
    const onApache = await nzk(followerPort)
    await onApache.create('/eph-apache', '', CreateMode.EPHEMERAL)
    const back = await step('an Apache session resuming on the observer', () =>
      connectNzk(`127.0.0.1:${observerPort}`, { sessionId: onApache.sessionId, sessionPassword: onApache.sessionPassword }))
    cleanup.push(() => back.close())
    expect(back.sessionIdHex).toBe(onApache.sessionIdHex)
    const ephemeral = await arrived(onObserver, '/eph-apache', 'the observer')
    expect(ephemeral.stat.ephemeralOwner).toBe(BigInt(`0x${onApache.sessionIdHex}`))
    // closeSession through the observer: forwarded, and the ephemeral goes everywhere.
    await back.close()
    await step('/eph-apache removed on the leader', () =>
      pollUntil(async () => ((await onLeader.exists('/eph-apache')) === null ? true : undefined), { timeoutMs: replicateMs, intervalMs: 100, what: '/eph-apache gone on the leader' }))

    // The observer does not count: with it down, writes still commit; back on its dataDir, it
    // syncs by DIFF (the leader's committed log covers what it missed).
    await member.close()
    await step('a create with the observer down', () => onLeader.create('/observer-down', 'd'))
    paddockLog.length = 0
    member = await startObserver()
    expect(syncs(), 'synced by DIFF on rejoin').toEqual(['DIFF'])
    expect(paddockLog.some((line) => line.startsWith("installed the leader's snapshot"))).toBe(false)
    const again = await client(observerPort)
    expect(await arrived(again, '/observer-down', 'the restarted observer')).toEqual(await nodeOf(onLeader, '/observer-down'))

    // The Apache leader is lost: the two voters left elect a new one, and the observer follows it
    // well before initLimit × tickTime (30 s here), while its clients' sessions still live. The
    // voters, still looking, first answer the observer with their last vote, which names the
    // lost leader; the observer must wait for members saying FOLLOWING or LEADING.
    const leaderSid = [1, 2, 3][modes.indexOf('leader')] as number
    const survivors = [1, 2, 3].filter((sid) => sid !== leaderSid)
    const survivorPorts = survivors.map((sid) => clientPortOf(layout, sid))
    await kit.killApache(leaderSid)
    const newModes = await step('the two voters left electing a leader', () => kit.waitForModes(survivorPorts, [undefined, undefined]))
    expect([...newModes].sort()).toEqual(['follower', 'leader'])
    const newLeader = survivors[newModes.indexOf('leader')] as number
    await step('the observer following the new leader', () =>
      pollUntil(() => {
        const status = member.status()
        return status.role === 'OBSERVING' && status.leader === newLeader && status.established ? true : undefined
      }, { timeoutMs: observerRejoinMs, intervalMs: 100, what: `the observer OBSERVING leader ${newLeader}` }))
    expect(await modeOf(observerPort)).toBe('observer')
    const afterLoss = await client(observerPort)
    expect(await step('a create through the observer after the leader was lost', () => afterLoss.create('/after-leader-lost', 'a'))).toBe('/after-leader-lost')
    await expectSameNode('/after-leader-lost', [afterLoss, ...(await Promise.all(survivorPorts.map(client)))])

    await kit.expectSameTrees([...survivorPorts, observerPort])
    expect(errors()).toEqual([])
  }, 400_000)

  it('leads an Apache follower and an Apache observer from a Paddock member: the observer syncs, shows the same tree, forwards writes, gets INFORMs, and is never needed for a commit', async () => {
    // Voters 1 (Apache) and 2 (Paddock, the larger sid: Fast Leader Election makes it leader with
    // every history empty), observer 3 (Apache).
    const layout = await ensembleLayout({ voters: 2, observers: 1 })
    const [c1, c2, c3] = [1, 2, 3].map((sid) => clientPortOf(layout, sid)) as [number, number, number]
    const dataDir = await kit.temporaryDir('paddock-zklead-')
    const member = await kit.startPaddock(layout, 2, dataDir)
    await Promise.all([kit.startApache(layout, 1), kit.startApache(layout, 3)])
    await step('the Paddock member leading', () => member.waitUntilServing(electionMs))
    expect(member.status()).toMatchObject({ role: 'LEADING' })
    await step('the Apache follower and observer serving', () => kit.waitForModes([c1, c2, c3], ['follower', 'leader', 'observer']))
    await step('the Paddock leader counting one observer', () =>
      pollUntil(() => (member.status().learners.observers === 1 ? true : undefined), { timeoutMs: replicateMs, intervalMs: 100, what: 'one observer among the learners' }))
    expect(paddockLog.filter((line) => /learner 3 connected \(OBSERVERINFO/.test(line))).toHaveLength(1)
    expect(paddockLog.some((line) => /learner 3: (DIFF|SNAP) 0x/.test(line))).toBe(true)

    // Writes through each member; the observer's go to the Paddock leader as REQUEST and come
    // back as INFORM.
    const [z1, z2, z3] = await Promise.all([c1, c2, c3].map(client)) as [ZooKeeperClient, ZooKeeperClient, ZooKeeperClient]
    expect(await step('a create through the Apache observer', () => z3.create('/via-observer', 'o'))).toBe('/via-observer')
    expect(await step('a sequential create through the Apache observer', () => z3.create('/via-observer/s-', 's', { mode: CreateMode.PERSISTENT_SEQUENTIAL }))).toBe('/via-observer/s-0000000000')
    expect(await step('a create through the Paddock leader', () => z2.create('/via-leader', 'l'))).toBe('/via-leader')
    expect(await step('a create through the Apache follower', () => z1.create('/via-follower', 'f'))).toBe('/via-follower')
    await step('a setData through the Apache observer', () => z3.setData('/via-leader', 'changed by the observer'))
    const nzkObserver = await nzk(c3)
    expect(await step('a node-zookeeper-client create through the Apache observer', () => nzkObserver.create('/nzk-observer', 'n'))).toBe('/nzk-observer')
    expect((await arrived(z3, '/via-follower', 'the Apache observer')).data).toBe('f')
    await kazooWriteThenRead(c3, c2, '/kazoo-observer')
    await kazooWriteThenRead(c2, c3, '/kazoo-leader')
    for (const path of ['/via-observer', '/via-observer/s-0000000000', '/via-leader', '/via-follower', '/nzk-observer']) await expectSameNode(path, [z2, z1, z3])
    await kit.expectSameTrees([c1, c2, c3])

    // A session of the Apache observer with the shortest timeout: its PING replies carry the
    // touches that keep the Paddock leader from expiring it; then it moves to the Paddock leader.
    const sessionTimeoutMs = 4_000
    const short = await nzk(c3, { sessionTimeoutMs })
    await short.create('/eph-observer', '', CreateMode.EPHEMERAL)
    const owner = BigInt(`0x${short.sessionIdHex}`)
    await z2.sync('/eph-observer')
    expect((await nodeOf(z2, '/eph-observer')).stat.ephemeralOwner).toBe(owner)
    // The duration under test: three session timeouts with the session used on the observer only.
    await new Promise((resolve) => setTimeout(resolve, 3 * sessionTimeoutMs))
    expect(await z2.exists('/eph-observer'), 'the session outlived three timeouts on the Paddock leader').not.toBeNull()
    const moved = await step('the observer\'s session resuming on the Paddock leader', () =>
      connect(`127.0.0.1:${c2}`, { sessionId: owner, sessionPasswd: new Uint8Array(short.sessionPassword) }))
    cleanup.push(() => moved.close())
    expect(moved.sessionId).toBe(owner)
    expect((await moved.exists('/eph-observer'))?.ephemeralOwner).toBe(owner)

    // The observer away: writes commit with the two voters; back on its dataDir it syncs by DIFF
    // and shows them.
    const observerDir = await kit.killApache(3, true)
    expect(await step('a create with the observer down', () => z1.create('/observer-down', 'd'))).toBe('/observer-down')
    await kit.startApache(layout, 3, observerDir)
    await step('the Apache observer serving again', () => kit.waitForModes([c3], ['observer']))
    expect(paddockLog.filter((line) => /learner 3: (DIFF|SNAP) 0x/.test(line)).at(-1)).toMatch(/learner 3: DIFF/)
    const again = await client(c3)
    expect(await arrived(again, '/observer-down', 'the restarted Apache observer')).toEqual(await nodeOf(z2, '/observer-down'))
    await kit.expectSameTrees([c1, c2, c3])
    expect(await modeOf(c3)).toBe('observer')
    expect(errors()).toEqual([])
  }, 400_000)
})
