// Method: Paddock members with peerProtocol=zookeeper and Apache ZooKeeper 3.8 members (QuorumPeerMain)
// in one ensemble, every member with quorum.auth.enableSasl, learnerRequireSasl and
// serverRequireSasl and a JAAS file of DIGEST-MD5 users (server1..server3, each member its own
// QuorumLearner user): a Paddock member follows an Apache leader and leads Apache followers,
// writes go through every member and the trees compare equal with the whole Stat. A member whose
// QuorumLearner password is wrong (a Paddock one, then an Apache one) has its election dials
// refused by the other side's QuorumServer: it never serves, its process stays up, and the logs
// say why. (The quorum port's refusal is in test/integration/peer/zookeeper-transport.test.ts.)
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { MemberServer } from '../../lib/index.js'
import { apacheUnavailableReason } from './harness/apache.js'
import { fourLetterWord } from './harness/four-letter.js'
import { electionMs, ensembleLayout, MixedEnsembleKit, modeOf, type ApacheMemberStart, type EnsembleLayout } from './harness/mixed-ensemble.js'
import { pollUntil } from './harness/wait.js'

const quorumAuth = ['quorum.auth.enableSasl=true', 'quorum.auth.learnerRequireSasl=true', 'quorum.auth.serverRequireSasl=true']
const passwordOf = (sid: number): string => `secret-of-${sid}`

/** A member's JAAS file: every member's user in QuorumServer, its own (with `password`) in QuorumLearner. */
function jaas(sid: number, password = passwordOf(sid)): string {
  const users = [1, 2, 3].map((n) => `  user_server${n}="${passwordOf(n)}"`).join('\n')
  return [
    'QuorumServer {',
    '  org.apache.zookeeper.server.auth.DigestLoginModule required',
    `${users};`,
    '};',
    'QuorumLearner {',
    '  org.apache.zookeeper.server.auth.DigestLoginModule required',
    `  username="server${sid}"`,
    `  password="${password}";`,
    '};',
    '',
  ].join('\n')
}

describe.skipIf(apacheUnavailableReason() !== undefined)('quorum SASL (DIGEST-MD5) between Paddock members with peerProtocol=zookeeper and Apache ZooKeeper 3.8 members', () => {
  const kit = new MixedEnsembleKit()
  const { paddockLog } = kit
  const step = <T>(what: string, run: () => Promise<T>) => kit.step(what, run)

  afterEach(() => kit.reset())

  /** Writes member `sid`'s JAAS file (its own password unless `password`) into a new directory. */
  async function jaasFile(sid: number, password?: string): Promise<string> {
    const file = join(await kit.temporaryDir('paddock-qsasl-'), `jaas-${sid}.conf`)
    await writeFile(file, jaas(sid, password))
    return file
  }

  async function apache(layout: EnsembleLayout, sid: number, options: { dir?: string; password?: string } = {}): Promise<void> {
    const start: ApacheMemberStart = { extraConfig: quorumAuth, extraJvmFlags: [`-Djava.security.auth.login.config=${await jaasFile(sid, options.password)}`] }
    await kit.startApache(layout, sid, options.dir, start)
  }

  async function paddock(layout: EnsembleLayout, sid: number, password?: string): Promise<MemberServer> {
    const dataDir = await kit.temporaryDir()
    const file = await jaasFile(sid, password)
    return kit.startPaddock(layout, sid, dataDir, { logPrefix: `[${sid}] `, extraConfig: [...quorumAuth, `java.security.auth.login.config=${file}`] })
  }

  /** A write through each member on `ports`, then every tree read back and compared with the whole Stat. */
  async function writeThroughEveryMember(ports: readonly number[]): Promise<void> {
    for (const [i, port] of ports.entries()) {
      const zk = await kit.client(port)
      expect(await step(`a create through the member on ${port}`, () => zk.create(`/sasl-${i}`, `written through ${port}`))).toBe(`/sasl-${i}`)
      await step(`a setData through the member on ${port}`, () => zk.setData(`/sasl-${i}`, `changed through ${port}`))
    }
    const tree = await kit.expectSameTrees(ports)
    expect([...tree.keys()].filter((path) => path.startsWith('/sasl-')).sort()).toEqual(ports.map((_, i) => `/sasl-${i}`))
  }

  it('a Paddock member with a wrong password is refused by the Apache members, and with the right one follows the Apache leader', async () => {
    const layout = await ensembleLayout()
    const [c1, c2, c3] = layout.clientPorts as [number, number, number]
    await Promise.all([apache(layout, 1), apache(layout, 2)])
    // Member 3, the largest sid: the election connections kept are its own dials, each refused after
    // its initial message; the ones the others open to it it drops after they authenticated (ZooKeeper's
    // rule) and dials back, refused again. So it never votes, and the Apache members elect member 2.
    const wrong = await paddock(layout, 3, 'not-the-password')
    await step('Apache members 1 and 2 serving without member 3', () => kit.waitForModes([c1, c2], ['follower', 'leader']))
    for (const sid of [1, 2]) {
      const refusal = new RegExp(`election dial to ${sid}: the server refused our SASL authentication \\(status ERROR\\) \\(quorum\\.auth\\.learnerRequireSasl is true\\); connection closed`)
      await step(`member ${sid} refusing the Paddock member`, () =>
        pollUntil(() => paddockLog.some((line) => refusal.test(line)), { timeoutMs: electionMs, intervalMs: 200, what: `a refusal by member ${sid} in the Paddock log` }))
      const peer = kit.peers.find((p) => p.myid === sid)
      await step(`member ${sid} logging why`, () =>
        pollUntil(() => /Failed to authenticate using SASL/.test(peer?.output() ?? ''), { timeoutMs: 20_000, intervalMs: 200, what: `member ${sid} to log the SASL failure` }))
    }
    expect(wrong.health.state).toBe('looking')
    expect(wrong.status().established).toBe(false)
    expect(await modeOf(c3)).toBeUndefined()
    await wrong.close()

    // The same member with its password authenticates on both ports and follows the Apache leader.
    const member = await paddock(layout, 3)
    await step('the Paddock member following the Apache leader', () => member.waitUntilServing(electionMs))
    expect(member.status()).toMatchObject({ role: 'FOLLOWING', leader: 2 })
    expect(paddockLog.some((line) => line.startsWith('[3] ') && line.includes('quorum connection to 2: authenticated with quorum SASL'))).toBe(true)
    await writeThroughEveryMember([c1, c2, c3])
  }, 240_000)

  it('a Paddock member leads Apache followers over quorum SASL, and refuses an Apache member with a wrong password', async () => {
    const layout = await ensembleLayout()
    const [c1, c2, c3] = layout.clientPorts as [number, number, number]
    const member = await paddock(layout, 3)
    await Promise.all([apache(layout, 1), apache(layout, 2)])
    await step('the Paddock member leading', () => member.waitUntilServing(electionMs))
    expect(member.status()).toMatchObject({ role: 'LEADING' })
    await step('both Apache members following', () => kit.waitForModes([c1, c2], ['follower', 'follower']))
    for (const sid of [1, 2]) {
      // The election connection kept is the Paddock member's dial (the larger sid's); the Apache member may also have dialled first.
      const election = [`election dial to ${sid}: authenticated with quorum SASL`, `election connection of ${sid}: authenticated with quorum SASL as server${sid}`]
      expect(paddockLog.some((line) => election.some((words) => line.includes(words))), `member ${sid}'s election connection`).toBe(true)
      expect(paddockLog.some((line) => line.includes(`learner connection: authenticated with quorum SASL as server${sid}`)), `member ${sid}'s quorum connection`).toBe(true)
    }
    await writeThroughEveryMember([c1, c2, c3])

    // Member 2 comes back with a wrong password: the Paddock leader refuses its election dials, so
    // it never hears who leads (a leader dials no one; ZooKeeper's would not either).
    const dir = await kit.killApache(2, true)
    paddockLog.length = 0
    await apache(layout, 2, { dir, password: 'not-the-password' })
    // Refused on each of its tries (it dials again as its election times out).
    const refusal = /election connection of 2: SASL authentication failed: .*wrong password, and quorum\.auth\.serverRequireSasl is true; connection closed/
    await step('the Paddock leader refusing member 2 twice', () =>
      pollUntil(() => paddockLog.filter((line) => refusal.test(line)).length >= 2, { timeoutMs: electionMs, intervalMs: 200, what: 'two refusals of member 2 in the Paddock log' }))
    const refused = kit.peers.find((p) => p.myid === 2)
    expect(refused?.output()).toMatch(/Authentication failed against server addr/)
    // Its process is up (it answers ruok) and does not serve.
    expect(await fourLetterWord('127.0.0.1', c2, 'ruok', 1_000)).toBe('imok')
    expect(await modeOf(c2)).toBeUndefined()
    // The other two go on: a write through the Apache follower reaches the Paddock leader.
    const zk = await kit.client(c1)
    await step('a create after the refusal', () => zk.create('/after-refusal', 'x'))
    await kit.expectSameTrees([c1, c3])
    expect(paddockLog.filter((line) => line.startsWith('ERROR'))).toEqual([])
  }, 240_000)
})
