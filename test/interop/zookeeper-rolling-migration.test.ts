// Method: a rolling migration of a 3-member Apache ZooKeeper 3.8 ensemble (QuorumPeerMain) to
// Paddock members (zoo.cfg with peerProtocol=zookeeper, started through memberOptionsFor and
// startMember), then back. One member at a time, followers first and the leader last (one
// election per direction), a member is stopped (an Apache JVM by SIGKILL, a Paddock member by
// close()) and replaced on the same myid and ports by the other implementation starting from an
// EMPTY dataDir, which syncs from the leader by SNAP or DIFF. Throughout, node-zookeeper-client
// and Paddock's client, each with every member in its connect string, keep creating sequential
// nodes. Checked: the clients see no error but CONNECTIONLOSS, no acknowledged create is lost,
// and after each direction the three trees are identical node by node with the whole Stat.
// Measured (console.info): each replacement, from the stop to the new member serving in sync
// (srvr Mode, the leader's mntr zk_synced_followers, the newest acknowledged create readable
// there), and the longest time a client went without an acknowledgement.
import { afterEach, describe, expect, it } from 'vitest'
import type { MemberServer } from '../../lib/index.js'
import { apacheUnavailableReason } from './harness/apache.js'
import { clientPortOf, connectStringOf, electionMs, ensembleLayout, mntrValue, MixedEnsembleKit, modeOf, type EnsembleLayout } from './harness/mixed-ensemble.js'
import { pollUntil } from './harness/wait.js'
import { AckedWrites, nzkWriter, paddockWriter, startWriteLoop } from './harness/write-load.js'

/** Each writer's bounds: longer than the whole test, the trees a few thousand nodes. */
const load = { maxWrites: 6_000, maxMs: 400_000, paceMs: 20, requestTimeoutMs: 60_000 }
/** One replacement: the stop, the new member's start (a JVM, on a loaded 2-core machine), its sync and an election when it was the leader. */
const replaceMs = electionMs + 60_000

/** One member replaced, as measured. */
interface Replacement {
  readonly sid: number
  readonly role: string
  readonly ms: number
}

describe.skipIf(apacheUnavailableReason() !== undefined)('rolling migration of an Apache ZooKeeper 3.8 ensemble to Paddock members (peerProtocol=zookeeper) and back, under write load', () => {
  const kit = new MixedEnsembleKit()
  afterEach(() => kit.reset(), 60_000)

  /** The srvr Mode of members 1 to 3 once all serve with one leader. */
  async function servingModes(layout: EnsembleLayout): Promise<string[]> {
    return pollUntil(async () => {
      const modes = await Promise.all([1, 2, 3].map((sid) => modeOf(clientPortOf(layout, sid))))
      return modes.every((m) => m === 'leader' || m === 'follower') && modes.filter((m) => m === 'leader').length === 1 ? (modes as string[]) : undefined
    }, { timeoutMs: replaceMs, intervalMs: 100, what: 'all three members to serve with one leader (srvr Mode)' })
  }

  /**
   * Replaces each member in turn, followers first and the leader last, by `replace(sid)` (stop
   * it, start the other implementation on an empty dataDir), and returns how long each took until
   * the ensemble served again with the new member in sync.
   */
  async function replaceAll(layout: EnsembleLayout, record: AckedWrites, direction: string, replace: (sid: number) => Promise<void>): Promise<Replacement[]> {
    const modes = await kit.step(`${direction}: all members serving`, () => servingModes(layout))
    const order = [1, 2, 3].sort((a, b) => Number(modes[a - 1] === 'leader') - Number(modes[b - 1] === 'leader'))
    const replacements: Replacement[] = []
    for (const sid of order) {
      const role = (await modeOf(clientPortOf(layout, sid))) ?? 'unknown'
      const began = Date.now()
      await kit.step(`${direction}: replacing member ${sid} (${role})`, () => replace(sid))
      await kit.step(`${direction}: member ${sid} serving in sync`, async () => {
        const now = await servingModes(layout)
        const leaderPort = clientPortOf(layout, now.indexOf('leader') + 1)
        await pollUntil(async () => ((await mntrValue(leaderPort, 'zk_synced_followers')) === '2' ? true : undefined), {
          timeoutMs: replaceMs, intervalMs: 100, what: 'the leader to count two synced followers (mntr zk_synced_followers)',
        })
        // The newest create acknowledged by now is readable on the new member.
        const newest = await pollUntil(() => record.acked.at(-1), { timeoutMs: replaceMs, intervalMs: 100, what: 'an acknowledged create' })
        const zk = await kit.client(clientPortOf(layout, sid))
        await zk.sync(newest.path)
        expect(await zk.exists(newest.path), `${newest.path} on member ${sid}`).not.toBeNull()
        await zk.close()
      })
      replacements.push({ sid, role, ms: Date.now() - began })
    }
    return replacements
  }

  it('replaces the Apache members one by one with Paddock members from empty dataDirs, then back, with writes going on: only CONNECTIONLOSS seen, no acknowledged create lost, identical trees', async () => {
    const layout = await ensembleLayout()
    const ports = [1, 2, 3].map((sid) => clientPortOf(layout, sid))
    await Promise.all([1, 2, 3].map((sid) => kit.startApache(layout, sid)))
    await kit.step('the Apache ensemble electing a leader', () => servingModes(layout))

    const setup = await kit.client(ports[0] as number)
    await setup.create('/load', '')
    await setup.close()
    const record = new AckedWrites()
    const everyMember = connectStringOf(layout)
    /** Both writers, until the returned function stops them (the trees are compared with no write going on). */
    const startLoad = async (): Promise<() => Promise<void>> => {
      const loops = [
        startWriteLoop(record, nzkWriter(everyMember, '/load/nzk'), { writer: 'nzk', ...load }),
        startWriteLoop(record, paddockWriter(everyMember, '/load/paddock'), { writer: 'paddock', ...load }),
      ]
      const stop = async (): Promise<void> => void (await Promise.all(loops.map((l) => l.stop())))
      kit.cleanup.push(stop)
      const [nzk, paddock] = [record.count('nzk'), record.count('paddock')]
      await kit.step('both writers writing', () =>
        pollUntil(() => record.count('nzk') >= nzk + 20 && record.count('paddock') >= paddock + 20, { timeoutMs: 60_000, intervalMs: 100, what: '20 creates acknowledged to each writer' }))
      return stop
    }
    const stopLoad = await startLoad()

    // Apache -> Paddock: each Paddock member from an empty dataDir on the seat's myid and ports.
    const paddocks = new Map<number, MemberServer>()
    const toPaddockFrom = Date.now()
    const toPaddock = await replaceAll(layout, record, 'Apache -> Paddock', async (sid) => {
      await kit.killApache(sid)
      paddocks.set(sid, await kit.startPaddock(layout, sid, await kit.temporaryDir(`paddock-migrate${sid}-`), { logPrefix: `[${sid}] ` }))
    })
    const toPaddockGap = record.longestGap(toPaddockFrom)
    await stopLoad()
    expect(kit.peers).toEqual([])
    const paddockTree = await kit.expectSameTrees(ports)
    expect(record.missingFrom(paddockTree), 'acknowledged creates missing on the Paddock ensemble').toEqual([])
    for (const member of paddocks.values()) expect(member.status().role).toMatch(/^(LEADING|FOLLOWING)$/)

    // Paddock -> Apache, the migration undone: each Apache member from an empty dataDir.
    const stopLoadAgain = await startLoad()
    const toApacheFrom = Date.now()
    const toApache = await replaceAll(layout, record, 'Paddock -> Apache', async (sid) => {
      await paddocks.get(sid)?.close()
      paddocks.delete(sid)
      await kit.startApache(layout, sid)
    })
    const toApacheGap = record.longestGap(toApacheFrom)
    await stopLoadAgain()
    expect(paddocks.size).toBe(0)

    const apacheTree = await kit.expectSameTrees(ports)
    expect(record.missingFrom(apacheTree), 'acknowledged creates missing on the Apache ensemble').toEqual([])
    expect(record.errorCodes().filter((code) => code !== 'CONNECTIONLOSS'), `errors seen: ${record.describeErrors()}`).toEqual([])
    expect(kit.paddockLog.filter((line) => line.includes('ERROR '))).toEqual([])

    const shown = (list: Replacement[]): string => list.map((r) => `member ${r.sid} (${r.role}) ${r.ms} ms`).join(', ')
    console.info(
      `rolling migration: Apache -> Paddock: ${shown(toPaddock)}; longest interruption ${toPaddockGap.ms} ms (${toPaddockGap.writer}). ` +
        `Paddock -> Apache: ${shown(toApache)}; longest interruption ${toApacheGap.ms} ms (${toApacheGap.writer}). ` +
        `${record.acked.length} creates acknowledged (nzk ${record.count('nzk')}, paddock ${record.count('paddock')}), ${apacheTree.size} nodes; errors: ${record.describeErrors()}`,
    )
  }, 900_000)
})
