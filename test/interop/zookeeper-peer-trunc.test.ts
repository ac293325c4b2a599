// Method: a real Paddock member (zoo.cfg with peerProtocol=zookeeper) leads two Apache ZooKeeper
// 3.8 followers (QuorumPeerMain); both followers are frozen by SIGSTOP, so the creates then sent
// to the Paddock leader are logged there and never committed. The followers are killed, the
// Paddock member closed, and the Apache pair restarted on their dataDirs elects one of them for a
// new epoch, with no transaction of its own yet. The Paddock member then rejoins on its dataDir.
// Its last zxid is past the Apache leader's maxCommittedLog and is no new-epoch zxid, which is
// exactly when LearnerHandler.syncFollower answers TRUNC to maxCommittedLog (not DIFF, not SNAP):
// the test waits for that TRUNC in the Paddock member's log, then compares trees with Stat.
import { afterEach, describe, expect, it } from 'vitest'
import { connect, type ZooKeeperClient } from '../../lib/index.js'
import { counterOf, epochOf } from '../../lib/protocol/zxid.js'
import { apacheUnavailableReason } from './harness/apache.js'
import { electionMs, MixedEnsembleKit, modeOf, nodeOf, zxidOf } from './harness/mixed-ensemble.js'
import { pollUntil } from './harness/wait.js'

/** Creates acknowledged while the followers run (committed), then sent while they are frozen (never committed). */
const committedCreates = 5
const uncommittedCreates = 4
/**
 * The one session used before the restart, in ms: it must outlive the Apache leader's start until
 * the Paddock member rejoins, or the leader's closeSession would be a transaction of the new epoch,
 * past the Paddock member's last zxid, and the sync a SNAP (syncFollower: no TRUNC across epochs).
 */
const sessionTimeoutMs = 60_000

describe.skipIf(apacheUnavailableReason() !== undefined)('TRUNC from an Apache ZooKeeper 3.8 leader to a Paddock member (peerProtocol=zookeeper)', () => {
  const kit = new MixedEnsembleKit()
  const { cleanup, paddockLog } = kit
  const step = <T>(what: string, run: () => Promise<T>) => kit.step(what, run)
  afterEach(() => kit.reset(), 60_000)

  it('truncates the proposals it logged as a leader that never committed, when it rejoins the new Apache leader, and then serves the same tree and takes writes', async () => {
    const extraConfig = [`maxSessionTimeout=${sessionTimeoutMs}`]
    const { layout, ports: [c1, c2, c3], member, dataDir } = await kit.startLedEnsemble({ extraConfig })
    const hex = (zxid: number): string => `0x${zxid.toString(16)}`

    // Committed history: acknowledged creates, on both followers (their srvr Zxid) before they freeze.
    const writer = await connect(`127.0.0.1:${c3}`, { sessionTimeoutMs, reconnectDelayMs: 100 })
    cleanup.push(() => writer.close())
    expect(writer.sessionTimeoutMs).toBe(sessionTimeoutMs)
    await writer.create('/trunc', 'root')
    for (let i = 0; i < committedCreates; i++) await writer.create(`/trunc/committed-${i}`, `c${i}`)
    const committed = member.status().committedZxid
    expect(epochOf(committed)).toBe(1)
    await step('both followers holding the committed history', () =>
      pollUntil(async () => {
        const zxids = await Promise.all([c1, c2].map(zxidOf))
        return zxids.every((z) => z === committed) ? true : undefined
      }, { timeoutMs: 20_000, intervalMs: 100, what: `srvr Zxid ${hex(committed)} on both followers` }))

    // Both followers freeze with their connections open: the leader keeps leading (until syncLimit
    // passes without their PING replies), logs the creates sent to it, and gets no ACK for them.
    await Promise.all([1, 2].map((sid) => kit.apacheMember(sid).signal('SIGSTOP')))
    const outcomes = Array.from({ length: uncommittedCreates }, (_, i) =>
      writer.create(`/trunc/uncommitted-${i}`, `u${i}`).then(() => 'acknowledged', (error: Error & { code?: string }) => error.code ?? error.message))
    const logged = await step('the Paddock leader logging the creates it cannot commit', () =>
      pollUntil(() => {
        const status = member.status()
        return status.persistedZxid >= committed + uncommittedCreates ? status : undefined
      }, { timeoutMs: 10_000, intervalMs: 20, what: `${uncommittedCreates} proposals logged past ${hex(committed)}` }))
    expect(logged.committedZxid).toBe(committed)
    expect(logged.lastLoggedZxid).toBe(committed + uncommittedCreates)

    // The frozen followers die with the proposals unread in their sockets; the Paddock member closes.
    const dirs = new Map<number, string>()
    for (const sid of [1, 2]) dirs.set(sid, await kit.killApache(sid, true))
    await member.close()
    expect(await Promise.all(outcomes), 'no uncommitted create acknowledged').not.toContain('acknowledged')

    // The Apache pair, restarted on its dataDirs, elects one of them: a new epoch, nothing in it yet.
    await Promise.all([1, 2].map((sid) => kit.startApache(layout, sid, dirs.get(sid))))
    const modes = await step('the Apache members electing a leader of their own', () => kit.waitForModes([c1, c2], [undefined, undefined]))
    expect([...modes].sort()).toEqual(['follower', 'leader'])
    const leaderPort = modes[0] === 'leader' ? c1 : c2
    const leaderZxid = await zxidOf(leaderPort)
    expect(leaderZxid === undefined ? undefined : { epoch: epochOf(leaderZxid), counter: counterOf(leaderZxid) }, 'the new leader\'s zxid').toEqual({ epoch: 2, counter: 0 })

    // The Paddock member rejoins on its dataDir: the Apache leader's TRUNC to its last committed zxid.
    paddockLog.length = 0
    const rejoined = await kit.startPaddock(layout, 3, dataDir)
    await step('the Paddock member following the Apache leader', () => rejoined.waitUntilServing(electionMs))
    expect(rejoined.status()).toMatchObject({ role: 'FOLLOWING' })
    expect(await modeOf(c3)).toBe('follower')
    expect(kit.learnerSyncs()).toEqual([{ kind: 'TRUNC', zxid: committed }])
    expect(paddockLog.some((line) => line.startsWith("installed the leader's snapshot"))).toBe(false)

    // None of the uncommitted nodes anywhere, and the same tree with Stat on all three members.
    const tree = await kit.expectSameTrees([c3, c1, c2])
    expect([...tree.keys()].filter((path) => path.startsWith('/trunc/')).sort()).toEqual(Array.from({ length: committedCreates }, (_, i) => `/trunc/committed-${i}`))

    // Writes work through it: forwarded to the Apache leader, and the same Stat on the leader.
    const onPaddock = await kit.client(c3)
    expect(await step('a create through the truncated Paddock member', () => onPaddock.create('/trunc/after', 'a'))).toBe('/trunc/after')
    const onLeader: ZooKeeperClient = await kit.client(leaderPort)
    await onLeader.sync('/trunc/after')
    expect(await nodeOf(onLeader, '/trunc/after')).toEqual(await nodeOf(onPaddock, '/trunc/after'))
    expect(epochOf((await nodeOf(onLeader, '/trunc/after')).stat.czxid)).toBe(2)
    // The session that sent the lost creates lives on, through the Paddock member.
    expect(await step('the writer\'s session writing again', () => writer.create('/trunc/writer-again', 'w'))).toBe('/trunc/writer-again')
    expect(paddockLog.filter((line) => line.startsWith('ERROR'))).toEqual([])
  }, 400_000)
})
