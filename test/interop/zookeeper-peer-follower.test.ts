// Method: two Apache ZooKeeper 3.8 members (QuorumPeerMain) elect a leader, then a real Paddock
// member (zoo.cfg with peerProtocol=zookeeper, started through memberOptionsFor and startMember:
// lib/host, the replication runtime and the ZAB core) joins as member 1: it finds the leader by
// Fast Leader Election on its election port, follows it on the quorum port through SNAP,
// NEWLEADER and UPTODATE, and serves clients. Clients on the client ports compare what each
// member shows, and a write through the Paddock member is forwarded to the Apache leader.
import { afterEach, describe, expect, it } from 'vitest'
import { connect, CreateMode, type MemberServer } from '../../lib/index.js'
import { apacheUnavailableReason } from './harness/apache.js'
import { clientPortOf, ensembleLayout, MixedEnsembleKit, modeOf, nodeOf, type EnsembleLayout } from './harness/mixed-ensemble.js'
import { pollUntil } from './harness/wait.js'
/** The Paddock member joining: election, sync, UPTODATE. */
const joinMs = 60_000
/** One write to show up on another member. */
const replicateMs = 20_000

describe.skipIf(apacheUnavailableReason() !== undefined)('a Paddock member with peerProtocol=zookeeper in an Apache ZooKeeper 3.8 ensemble', () => {
  const kit = new MixedEnsembleKit()
  const { cleanup, paddockLog } = kit
  const step = <T>(what: string, run: () => Promise<T>) => kit.step(what, run)
  const client = (port: number) => kit.client(port)

  afterEach(() => kit.reset())


  /** The ports of a 3-member ensemble, one of whose members is Paddock's. */
  interface Ensemble {
    readonly layout: EnsembleLayout
    /** The Paddock member's sid. */
    readonly paddockSid: number
    /** The Paddock member's client port. */
    readonly paddockPort: number
    /** The Apache leader's client port, then the Apache follower's. */
    readonly apachePorts: readonly [number, number]
  }

  /**
   * Starts the two Apache members (every sid but `paddockSid`) and waits until they elected a
   * leader. The Paddock member joins later, so it follows whatever its sid: the pair's votes are
   * decided (FOLLOWING, LEADING) by then.
   */
  async function startApachePair(paddockSid: number): Promise<Ensemble> {
    const layout = await ensembleLayout()
    const apache = [1, 2, 3].filter((sid) => sid !== paddockSid)
    const ports = apache.map((sid) => clientPortOf(layout, sid))
    await Promise.all(apache.map((myid) => kit.startApache(layout, myid)))
    const modes = await step('the Apache members electing a leader', () => kit.waitForModes(ports, [undefined, undefined]))
    expect([...modes].sort()).toEqual(['follower', 'leader'])
    const leader = modes.indexOf('leader')
    const apachePorts = [ports[leader], ports[1 - leader]] as [number, number]
    return { layout, paddockSid, paddockPort: clientPortOf(layout, paddockSid), apachePorts }
  }

  /** Starts the Paddock member from a zoo.cfg with peerProtocol=zookeeper and waits until it serves. */
  async function startPaddock(ensemble: Ensemble, dataDir: string): Promise<MemberServer> {
    const member = await kit.startPaddock(ensemble.layout, ensemble.paddockSid, dataDir)
    await step('the Paddock member serving', () => member.waitUntilServing(joinMs))
    expect(member.status()).toMatchObject({ role: 'FOLLOWING' })
    expect(await modeOf(ensemble.paddockPort)).toBe('follower')
    return member
  }

  const temporaryDir = (): Promise<string> => kit.temporaryDir()

  // As member 1 it is dialled by both Apache members (the larger sid's dial is kept); as member 3
  // its own dials are the connections kept.
  it.each([1, 3])('follows the Apache leader as member %i: reads show the leader\'s nodes with identical Stat, and a create through Paddock reaches both Apache members', async (paddockSid) => {
    const ensemble = await startApachePair(paddockSid)
    const c1 = ensemble.paddockPort
    const [leaderPort, followerPort] = ensemble.apachePorts

    // Nodes written before the Paddock member exists reach it in the leader's SNAP.
    const onLeader = await client(leaderPort)
    await onLeader.create('/before', 'snap')
    await onLeader.create('/before/child', 'x')
    await onLeader.setData('/before', 'snap2')

    await startPaddock(ensemble, await temporaryDir())
    expect(paddockLog.some((line) => line.startsWith("installed the leader's snapshot"))).toBe(true)

    // What the SNAP carried, as the leader shows it: same data, same Stat.
    const onPaddock = await client(c1)
    for (const path of ['/before', '/before/child']) {
      expect(await nodeOf(onPaddock, path), path).toEqual(await nodeOf(onLeader, path))
    }

    // A write on the leader after the Paddock member joined arrives as PROPOSAL and COMMIT.
    await onLeader.create('/after', 'proposal')
    const after = await step('/after on the Paddock member', () =>
      // exists answers null while the node is missing: poll until it answers a Stat.
      pollUntil(() => onPaddock.exists('/after').then((stat) => stat ?? undefined), { timeoutMs: replicateMs, intervalMs: 100, what: '/after on the Paddock member' }),
    )
    expect(after).toEqual((await nodeOf(onLeader, '/after')).stat)

    // A create through the Paddock member: forwarded as REQUEST, proposed by the Apache leader,
    // answered here once committed, and on both Apache members.
    expect(await step('a create through the Paddock member', () => onPaddock.create('/from-paddock', 'p'))).toBe('/from-paddock')
    const mine = await nodeOf(onPaddock, '/from-paddock')
    expect(mine.data).toBe('p')
    for (const port of [leaderPort, followerPort]) {
      const zk = await client(port)
      await zk.sync('/from-paddock')
      expect(await nodeOf(zk, '/from-paddock'), `on the member at ${port}`).toEqual(mine)
    }
    expect(paddockLog.filter((line) => line.startsWith('ERROR'))).toEqual([])
  }, 240_000)

  it('keeps its sessions alive through PING touches, removes their ephemerals on closeSession, and rejoins with its dataDir through DIFF', async () => {
    const ensemble = await startApachePair(1)
    const c1 = ensemble.paddockPort
    const dir = await temporaryDir()
    const member = await startPaddock(ensemble, dir)
    const onLeader = await client(ensemble.apachePorts[0])

    // A session of the Paddock member, with the shortest timeout: only the touches the Paddock
    // member relays in its PING replies keep the Apache leader from expiring it.
    const sessionTimeoutMs = 4_000
    const zk = await connect(`127.0.0.1:${c1}`, { sessionTimeoutMs })
    cleanup.push(() => zk.close())
    await zk.create('/eph', 'e', { mode: CreateMode.EPHEMERAL })
    // Another member may answer a read before it has applied the commit: sync first, as a
    // ZooKeeper client must to read another session's write on another server.
    await onLeader.sync('/eph')
    const owner = (await nodeOf(onLeader, '/eph')).stat.ephemeralOwner
    expect(owner).toBe(zk.sessionId)
    // The duration under test: three session timeouts with the session used on the Paddock member only.
    await new Promise((resolve) => setTimeout(resolve, 3 * sessionTimeoutMs))
    expect(await onLeader.exists('/eph'), 'the session outlived three timeouts on the Apache leader').not.toBeNull()
    expect(await zk.exists('/eph')).not.toBeNull()

    // closeSession through the Paddock member: forwarded, and its ephemeral goes everywhere.
    await zk.close()
    await step('/eph removed on the leader', () =>
      pollUntil(async () => ((await onLeader.exists('/eph')) === null ? true : undefined), { timeoutMs: replicateMs, intervalMs: 100, what: '/eph gone on the leader' }),
    )
    const onPaddock = await client(c1)
    await onPaddock.sync('/eph')
    expect(await onPaddock.exists('/eph')).toBeNull()

    // Away and back with its dataDir: the leader's committed log covers what it missed, so DIFF.
    await member.close()
    await onLeader.create('/while-away', 'diff')
    paddockLog.length = 0
    await startPaddock(ensemble, dir)
    expect(paddockLog.some((line) => line.startsWith("installed the leader's snapshot")), 'no SNAP on rejoin').toBe(false)
    const back = await client(c1)
    expect(await nodeOf(back, '/while-away')).toEqual(await nodeOf(onLeader, '/while-away'))
    expect(paddockLog.filter((line) => line.startsWith('ERROR'))).toEqual([])
  }, 240_000)

  it('moves sessions between Apache and Paddock members both ways, with the password each member derives (REVALIDATE, then a sync)', async () => {
    const ensemble = await startApachePair(1)
    await startPaddock(ensemble, await temporaryDir())
    const [leaderPort, followerPort] = ensemble.apachePorts

    // A session opened on the Apache leader resumes on the Paddock member and sees its ephemeral.
    const onApache = await client(leaderPort)
    await onApache.create('/from-apache', '', { mode: CreateMode.EPHEMERAL })
    const resumed = await connect(`127.0.0.1:${ensemble.paddockPort}`, { sessionId: onApache.sessionId, sessionPasswd: onApache.sessionPasswd })
    cleanup.push(() => resumed.close())
    expect(resumed.sessionId).toBe(onApache.sessionId)
    expect((await resumed.exists('/from-apache'))?.ephemeralOwner).toBe(onApache.sessionId)

    // A session opened on the Paddock member resumes on the Apache follower with the password it got.
    const onPaddock = await client(ensemble.paddockPort)
    await onPaddock.create('/from-paddock', '', { mode: CreateMode.EPHEMERAL })
    const moved = await connect(`127.0.0.1:${followerPort}`, { sessionId: onPaddock.sessionId, sessionPasswd: onPaddock.sessionPasswd })
    cleanup.push(() => moved.close())
    expect(moved.sessionId).toBe(onPaddock.sessionId)
    await moved.sync('/from-paddock')
    expect((await moved.exists('/from-paddock'))?.ephemeralOwner).toBe(onPaddock.sessionId)
    expect(paddockLog.filter((line) => line.startsWith('ERROR'))).toEqual([])
  }, 240_000)

  it('installs the SNAP of a tree of several MiB, which arrives in many socket reads', async () => {
    const ensemble = await startApachePair(1)
    const onLeader = await client(ensemble.apachePorts[0])
    const count = 2_000
    const data = 'z'.repeat(2_048)
    await onLeader.create('/big', '')
    for (let i = 0; i < count; i += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, j) => onLeader.create(`/big/n${i + j}`, data)))
    }
    await startPaddock(ensemble, await temporaryDir())
    expect(paddockLog.some((line) => line.startsWith("installed the leader's snapshot"))).toBe(true)
    const onPaddock = await client(ensemble.paddockPort)
    expect(await onPaddock.getChildren('/big')).toHaveLength(count)
    expect(await nodeOf(onPaddock, `/big/n${count - 1}`)).toEqual(await nodeOf(onLeader, `/big/n${count - 1}`))
    expect(await nodeOf(onPaddock, '/big')).toEqual(await nodeOf(onLeader, '/big'))
  }, 240_000)
})
