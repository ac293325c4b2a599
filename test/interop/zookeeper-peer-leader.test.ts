// Method: a real Paddock member (zoo.cfg with peerProtocol=zookeeper, started through
// memberOptionsFor and startMember) holds the largest myid of a fresh ensemble, so Fast Leader
// Election makes it leader, and two Apache ZooKeeper 3.8 members (QuorumPeerMain) follow it on its
// quorum port: FOLLOWERINFO, LEADERINFO/ACKEPOCH, sync, NEWLEADER, UPTODATE, then PROPOSAL and
// COMMIT. Clients on the client ports compare what each member shows, writes go through every
// member, and an Apache member started again from an empty dataDir syncs from the Paddock leader.
import { afterEach, describe, expect, it } from 'vitest'
import { adminRequest } from '../integration/helpers/admin-request.js'
import { connect, CreateMode, type ZooKeeperClient } from '../../lib/index.js'
import { apacheUnavailableReason } from './harness/apache.js'
import { electionMs, MixedEnsembleKit, modeOf, nodeOf } from './harness/mixed-ensemble.js'
import { pollUntil } from './harness/wait.js'

describe.skipIf(apacheUnavailableReason() !== undefined)('a Paddock member with peerProtocol=zookeeper leading Apache ZooKeeper 3.8 followers', () => {
  const kit = new MixedEnsembleKit()
  const { cleanup, paddockLog } = kit
  const step = <T>(what: string, run: () => Promise<T>) => kit.step(what, run)
  const client = (port: number) => kit.client(port)

  afterEach(() => kit.reset())


  it('leads two Apache followers: writes through every member show on all three with identical Stat, and a restarted Apache member syncs again', async () => {
    const { layout, ports: [c1, c2, c3], member } = await kit.startLedEnsemble({ admin: true })

    // A write through each member: the Apache followers forward theirs as REQUEST to the Paddock leader.
    const zks = await Promise.all([c1, c2, c3].map(client))
    const paths = ['/through-1', '/through-2', '/through-3']
    for (const [i, zk] of zks.entries()) {
      expect(await step(`a create through member ${i + 1}`, () => zk.create(paths[i] as string, `w${i + 1}`))).toBe(paths[i])
    }
    await step('a setData through an Apache member', () => (zks[0] as ZooKeeperClient).setData('/through-3', 'changed'))
    for (const path of paths) {
      const onLeader = await nodeOf(zks[2] as ZooKeeperClient, path)
      for (const zk of zks.slice(0, 2)) {
        await zk.sync(path)
        expect(await nodeOf(zk, path), path).toEqual(onLeader)
      }
    }

    // An Apache member goes and comes back with an empty dataDir: the Paddock leader syncs it by
    // DIFF while it retains the whole history, by SNAP once more than its retained log (500
    // entries, ZooKeeper's commitLogCount) was written meanwhile.
    const restart = async (myid: 1 | 2, clientPort: number, writes: number): Promise<void> => {
      await kit.killApache(myid)
      const writer = zks[2] as ZooKeeperClient
      await writer.create(`/away-${myid}`, '')
      for (let i = 0; i < writes; i += 100) {
        await Promise.all(Array.from({ length: Math.min(100, writes - i) }, (_, j) => writer.create(`/away-${myid}/n${i + j}`, 'x')))
      }
      await kit.startApache(layout, myid)
      await step(`member ${myid} following again`, () =>
        pollUntil(async () => ((await modeOf(clientPort)) === 'follower' ? true : undefined), { timeoutMs: electionMs, intervalMs: 200, what: `member ${myid} to serve as follower` }),
      )
      const again = await client(clientPort)
      for (const path of [...paths, `/away-${myid}`, `/away-${myid}/n${writes - 1}`]) {
        await again.sync(path)
        expect(await step(`${path} on the restarted member ${myid}`, () => nodeOf(again, path)), path).toEqual(await nodeOf(writer, path))
      }
      expect((await again.getChildren(`/away-${myid}`)).length).toBe(writes)
    }
    await restart(2, c2, 10)
    expect(paddockLog.filter((line) => /learner 2: (DIFF|SNAP)/.test(line)).at(-1)).toMatch(/learner 2: DIFF/)
    await restart(1, c1, 600)
    expect(paddockLog.filter((line) => /learner 1: (DIFF|SNAP)/.test(line)).at(-1)).toMatch(/learner 1: SNAP/)

    // The ensemble goes on after both syncs: a write through the SNAP-synced member.
    const last = await client(c1)
    await step('a create through the SNAP-synced member', () => last.create('/after-snap', 'y'))
    await (zks[2] as ZooKeeperClient).sync('/after-snap')
    expect(await nodeOf(zks[2] as ZooKeeperClient, '/after-snap')).toEqual(await nodeOf(last, '/after-snap'))
    expect(paddockLog.filter((line) => line.startsWith('ERROR'))).toEqual([])
    // A restore entry has no ZooKeeper record: the Paddock leader refuses a restore, changing nothing.
    const refused = await adminRequest(member.adminAddress!.port, 'POST', '/commands/restore', new Uint8Array(16))
    expect({ status: refused.status, error: JSON.parse(refused.body.toString()).error }).toEqual({ status: 409, error: expect.stringContaining('not available with peerProtocol=zookeeper') })
  }, 400_000)

  it('keeps an Apache follower\'s sessions alive through the touches in its PING replies, and moves sessions both ways (REVALIDATE answered)', async () => {
    const { ports: [c1, , c3] } = await kit.startLedEnsemble()
    const onLeader = await client(c3)

    // A session on an Apache follower with the shortest timeout: only the touches it reports in
    // its PING replies keep the Paddock leader from expiring it.
    const sessionTimeoutMs = 4_000
    const zk = await connect(`127.0.0.1:${c1}`, { sessionTimeoutMs })
    cleanup.push(() => zk.close())
    await zk.create('/eph', 'e', { mode: CreateMode.EPHEMERAL })
    await onLeader.sync('/eph')
    expect((await nodeOf(onLeader, '/eph')).stat.ephemeralOwner).toBe(zk.sessionId)
    // The duration under test: three session timeouts with the session used on the Apache member only.
    await new Promise((resolve) => setTimeout(resolve, 3 * sessionTimeoutMs))
    expect(await onLeader.exists('/eph'), 'the session outlived three timeouts on the Paddock leader').not.toBeNull()

    // The session moves to the Paddock leader and back to the other Apache member.
    const onPaddock = await connect(`127.0.0.1:${c3}`, { sessionId: zk.sessionId, sessionPasswd: zk.sessionPasswd })
    cleanup.push(() => onPaddock.close())
    expect(onPaddock.sessionId).toBe(zk.sessionId)
    expect((await onPaddock.exists('/eph'))?.ephemeralOwner).toBe(zk.sessionId)
    const mine = await client(c3)
    await mine.create('/mine', '', { mode: CreateMode.EPHEMERAL })
    const moved = await step('a Paddock session resuming on an Apache follower', () =>
      connect(`127.0.0.1:${c1}`, { sessionId: mine.sessionId, sessionPasswd: mine.sessionPasswd }))
    cleanup.push(() => moved.close())
    expect(moved.sessionId).toBe(mine.sessionId)
    await moved.sync('/mine')
    expect((await moved.exists('/mine'))?.ephemeralOwner).toBe(mine.sessionId)

    // closeSession through the Apache follower: proposed by the Paddock leader, the ephemeral goes everywhere.
    await moved.close()
    await step('/mine removed on the leader', () =>
      pollUntil(async () => ((await onLeader.exists('/mine')) === null ? true : undefined), { timeoutMs: 20_000, intervalMs: 100, what: '/mine gone on the leader' }),
    )
    expect(paddockLog.filter((line) => line.startsWith('ERROR'))).toEqual([])
  }, 400_000)
})
