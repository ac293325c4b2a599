// Method: two Apache ZooKeeper 3.8 members (QuorumPeerMain) and a Node stand-in for member 3, built
// only on lib/peer/zookeeper, form a 3-member ensemble on loopback. The stand-in decodes the
// members' election connections and votes, answers each LOOKING vote with a vote for itself, and
// the proof that Apache took that vote is Apache's own next step: it changes its vote to 3 and
// dials member 3's quorum port as a follower, whose FOLLOWERINFO, LEADERINFO and ACKEPOCH the
// stand-in decodes and encodes. Then the other way round: silent in the election, the stand-in
// asks the leader the Apache members chose (a LOOKING vote, answered LEADING) and syncs with it
// as a learner, through SNAP and the tree after it to NEWLEADER and UPTODATE.
import { afterEach, describe, expect, it } from 'vitest'
import {
  ackEpochPacket,
  decodeIntData,
  decodeLearnerInfo,
  encodeLearnerInfo,
  leaderInfoPacket,
  PROTOCOL_VERSION_V1,
  QuorumPacketType,
  quorumPacketTypeName,
  type QuorumPacket,
  type ZkNotification,
} from '../../lib/peer/zookeeper/index.js'
import { apacheUnavailableReason, startApacheQuorumPeer, type QuorumServerLine, type RunningQuorumPeer } from './harness/apache.js'
import { fourLetterWord } from './harness/four-letter.js'
import { freePorts } from './harness/ports.js'
import { defaultSettings } from './harness/targets.js'
import { pollUntil } from './harness/wait.js'
import { startZooKeeperMemberStandIn, type MemberEvent, type MemberPolicy, type ZooKeeperMemberStandIn } from './harness/zookeeper-member.js'

/** The stand-in's sid: the largest, so its vote wins a tie of zxids (FastLeaderElection.totalOrderPredicate). */
const standInSid = 3n
/** The epoch the stand-in announces in LEADERINFO: one past the fresh members' acceptedEpoch of 0. */
const newEpoch = 1
/** A JVM's start on a loaded 2-core machine, until its first election connection. */
const jvmStartMs = 60_000
/** One protocol step once the JVM runs. */
const stepMs = 30_000

type Hello = Extract<MemberEvent, { type: 'initialMessage' }>
type Received = Extract<MemberEvent, { type: 'notification' }>
type Packet = Extract<MemberEvent, { type: 'quorumPacket' }>
type Snapshot = Extract<MemberEvent, { type: 'snapshot' }>

const helloFrom = (sid: bigint) => (e: MemberEvent): e is Hello => e.type === 'initialMessage' && e.message.sid === sid
const voteFrom = (sid: bigint, match: (n: ZkNotification) => boolean = () => true) => (e: MemberEvent): e is Received =>
  e.type === 'notification' && e.from === sid && match(e.notification)
const packetOf = (type: number, match: (p: Packet) => boolean = () => true) => (e: MemberEvent): e is Packet =>
  e.type === 'quorumPacket' && e.packet.type === type && match(e)

/**
 * Member 3's policy: every LOOKING vote is answered with a LOOKING vote for member 3 in the
 * sender's round, with the sender's own config text (so no reconfig is triggered); every
 * FOLLOWERINFO is answered with LEADERINFO for epoch 1. ACKEPOCH gets no answer: the learner
 * waits for its sync until initLimit, which keeps it following member 3 meanwhile.
 */
const policy: MemberPolicy = {
  answerNotification: (_from, n) =>
    n.state !== 'LOOKING'
      ? undefined
      : { state: 'LOOKING', leader: standInSid, zxid: 0n, electionEpoch: n.electionEpoch, peerEpoch: 0n, config: n.config ?? '' },
  answerQuorumPacket: (_connection, p) => (p.type === QuorumPacketType.FOLLOWERINFO ? [leaderInfoPacket(newEpoch * 2 ** 32)] : []),
}

/** One event as a line, for failure messages. */
function describeEvent(e: MemberEvent): string {
  switch (e.type) {
    case 'initialMessage':
      return `initial message from ${e.message.sid}`
    case 'notification':
      return `notification from ${e.from}: ${e.notification.state} leader ${e.notification.leader} round ${e.notification.electionEpoch}`
    case 'sent':
      return `sent to ${e.to}: ${e.notification.state} leader ${e.notification.leader} round ${e.notification.electionEpoch}`
    case 'quorumPacket':
      return `connection ${e.connection}: ${quorumPacketTypeName(e.packet.type) ?? e.packet.type} zxid 0x${e.packet.zxid.toString(16)}`
    case 'snapshot':
      return `connection ${e.connection}: snapshot of ${e.snapshot.nodes.length} nodes`
    case 'error':
      return `error in ${e.where}: ${e.message}`
  }
}

/** The `version=` line of a config text, as a number (QuorumVerifier versions are hex zxids). */
function configVersion(config: string | undefined): number {
  const match = /^version=([0-9a-f]+)$/m.exec(config ?? '')
  expect(match, `a version line in ${JSON.stringify(config)}`).not.toBeNull()
  return Number.parseInt((match as RegExpExecArray)[1] as string, 16)
}

describe.skipIf(apacheUnavailableReason() !== undefined)("ZooKeeper's member-to-member protocol against Apache ZooKeeper 3.8", () => {
  const standIns: ZooKeeperMemberStandIn[] = []
  const peers: RunningQuorumPeer[] = []

  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.stop()))
    await Promise.all(standIns.splice(0).map((s) => s.close()))
  })

  /** Ports for three members: [quorum, election] each, and client ports for the two Apache ones. */
  async function ensemblePorts(): Promise<{ servers: QuorumServerLine[]; clientPorts: [number, number] }> {
    const [q1, e1, q2, e2, q3, e3, c1, c2] = (await freePorts(8)) as [number, number, number, number, number, number, number, number]
    const servers: QuorumServerLine[] = [
      { id: 1, quorumPort: q1, electionPort: e1 },
      { id: 2, quorumPort: q2, electionPort: e2 },
      { id: 3, quorumPort: q3, electionPort: e3 },
    ]
    return { servers, clientPorts: [c1, c2] }
  }

  /** Runs `step`; on failure adds the Apache members' log tails, which say what they made of it. */
  async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      const logs = peers.map((p) => `--- member ${p.myid} ---\n${p.output().slice(-6_000)}`).join('\n')
      const seen = standIns.flatMap((s) => s.events.slice(-40)).map(describeEvent).join('\n')
      throw new Error(`${what}: ${(error as Error).message}\n--- member 3 saw ---\n${seen}\n${logs}`, { cause: error })
    }
  }

  /** Member `sid` joins: its election connection, its first vote, its vote for 3, its learner handshake. */
  async function expectJoin(member: ZooKeeperMemberStandIn, sid: bigint, line: QuorumServerLine, servers: readonly QuorumServerLine[]): Promise<void> {
    const hello = await step(`member ${sid}'s initial message`, () => member.waitFor(helloFrom(sid), `an initial message from ${sid}`, jvmStartMs))
    // 3.8 sends V1 with its one election address unless multiAddress.enabled (startConnection).
    expect(hello.message).toEqual({ protocolVersion: PROTOCOL_VERSION_V1, sid, addresses: [{ host: '127.0.0.1', port: line.electionPort }] })

    const first = await step(`member ${sid}'s first vote`, () => member.waitFor(voteFrom(sid), `a notification from ${sid}`, stepMs))
    expect(first.notification.version).toBe(2)
    expect(first.notification.electionEpoch).toBeGreaterThanOrEqual(1n)
    for (const s of servers) expect(first.notification.config).toContain(`server.${s.id}=127.0.0.1:${s.quorumPort}:${s.electionPort}:participant`)
    if (first.notification.state === 'LOOKING') {
      // A fresh member votes for the best it knows: itself, or one of its round's better votes.
      expect(first.notification).toMatchObject({ zxid: 0n, peerEpoch: 0n })
      expect(first.notification.leader).toBeGreaterThanOrEqual(sid)
    }

    const switched = await step(`member ${sid} voting for 3`, () =>
      member.waitFor(voteFrom(sid, (n) => n.leader === standInSid), `a vote for ${standInSid} from ${sid}`, stepMs),
    )
    expect(switched.notification).toMatchObject({ zxid: 0n, peerEpoch: 0n })

    const info = await step(`member ${sid}'s FOLLOWERINFO`, () =>
      member.waitFor(
        packetOf(QuorumPacketType.FOLLOWERINFO, (p) => p.packet.data !== null && decodeLearnerInfo(p.packet.data).serverid === sid),
        `FOLLOWERINFO from ${sid}`,
        stepMs,
      ),
    )
    // Learner.registerWithLeader: zxid = makeZxid(acceptedEpoch 0, 0), LearnerInfo(sid, 0x10000, config version).
    expect(info.packet).toMatchObject({ zxid: 0, authinfo: null })
    expect(decodeLearnerInfo(info.packet.data as Uint8Array)).toEqual({
      serverid: sid,
      protocolVersion: 0x10000,
      configVersion: configVersion(first.notification.config),
    })

    const ack = await step(`member ${sid}'s ACKEPOCH`, () =>
      member.waitFor(packetOf(QuorumPacketType.ACKEPOCH, (p) => p.connection === info.connection), `ACKEPOCH from ${sid}`, stepMs),
    )
    // A fresh member: lastLoggedZxid 0, and currentEpoch 0 since epoch 1 is new to it.
    const acked: QuorumPacket = ack.packet
    expect(acked.zxid).toBe(0)
    expect(decodeIntData(acked.data, 'ACKEPOCH')).toBe(0)
  }

  it('decodes both Apache members, and they take member 3 as leader on its vote and follow it to ACKEPOCH', async () => {
    const { servers, clientPorts } = await ensemblePorts()
    const me = servers[2] as QuorumServerLine
    const standIn = await startZooKeeperMemberStandIn({ sid: standInSid, electionPort: me.electionPort, quorumPort: me.quorumPort, policy })
    standIns.push(standIn)

    // Member 1 alone with member 3: a quorum of two, so the outcome is member 3's vote alone.
    peers.push(await startApacheQuorumPeer({ ...settings(servers), myid: 1, clientPort: clientPorts[0] }))
    await expectJoin(standIn, 1n, servers[0] as QuorumServerLine, servers)

    // Member 2 joins while member 1 follows member 3: both tell it that 3 leads.
    peers.push(await startApacheQuorumPeer({ ...settings(servers), myid: 2, clientPort: clientPorts[1] }))
    await expectJoin(standIn, 2n, servers[1] as QuorumServerLine, servers)

    const sent = standIn.events.filter((e) => e.type === 'sent')
    expect(sent.length).toBeGreaterThanOrEqual(2)
    expect(standIn.events.filter((e) => e.type === 'error')).toEqual([])
  }, 240_000)

  it('as a learner, member 3 syncs with the leader the Apache members elected: LEADERINFO, SNAP and its tree, NEWLEADER, UPTODATE', async () => {
    const { servers, clientPorts } = await ensemblePorts()
    const me = servers[2] as QuorumServerLine
    const standIn = await startZooKeeperMemberStandIn({ sid: standInSid, electionPort: me.electionPort, quorumPort: me.quorumPort, policy: learnerPolicy })
    standIns.push(standIn)
    const started = await Promise.all([1, 2].map((id) => startApacheQuorumPeer({ ...settings(servers), myid: id, clientPort: clientPorts[id - 1] as number })))
    peers.push(...started)

    // Silent in the election, member 3 lets 1 and 2 elect between them; srvr shows when they have.
    const modes = await step('the Apache members electing a leader', () =>
      pollUntil(async () => {
        const answers = await Promise.all(clientPorts.map((port) => fourLetterWord('127.0.0.1', port, 'srvr', 1_000).catch(() => '')))
        const found = answers.map((a) => /^Mode: (\w+)$/m.exec(a)?.[1])
        return found.every((m) => m !== undefined) ? found : undefined
      }, { timeoutMs: 90_000, intervalMs: 200, what: 'both Apache members to serve (srvr Mode)' }),
    )
    const leaderSid = BigInt(modes.indexOf('leader') + 1)
    expect(leaderSid).toBeGreaterThan(0n)

    // A LOOKING vote to the leader is answered with what it believes (WorkerReceiver: not LOOKING).
    // Any round will do: a member that is not LOOKING answers every LOOKING vote.
    const earlier = await step(`a notification from ${leaderSid}`, () => standIn.waitFor(voteFrom(leaderSid), `a notification from ${leaderSid}`, stepMs))
    const { electionEpoch, config: leaderConfig } = earlier.notification
    const vote = { state: 'LOOKING', leader: standInSid, zxid: 0n, electionEpoch, peerEpoch: 0n, config: leaderConfig ?? '' } as const
    expect(standIn.notify(leaderSid, vote)).toBe(true)
    const leading = await step('the leader answering a LOOKING vote', () =>
      standIn.waitFor(voteFrom(leaderSid, (n) => n.state === 'LEADING'), `a LEADING notification from ${leaderSid}`, stepMs),
    )
    expect(leading.notification.leader).toBe(leaderSid)

    // Dial the leader's quorum port named in its own config text, as Learner.findLeader does.
    const line = new RegExp(`^server\\.${leaderSid}=127\\.0\\.0\\.1:(\\d+):(\\d+):participant$`, 'm').exec(leading.notification.config ?? '')
    const leaderQuorumPort = Number(line?.[1])
    expect(leaderQuorumPort).toBe(servers[Number(leaderSid) - 1]?.quorumPort)
    const learnerInfo = encodeLearnerInfo({ serverid: standInSid, protocolVersion: 0x10000, configVersion: configVersion(leading.notification.config) })
    standIn.learn(leaderQuorumPort, { type: QuorumPacketType.FOLLOWERINFO, zxid: 0, data: learnerInfo, authinfo: null })

    const info = await step('LEADERINFO', () => standIn.waitFor(packetOf(QuorumPacketType.LEADERINFO), 'LEADERINFO from the leader', stepMs))
    // LearnerHandler.run: zxid = makeZxid(newEpoch, 0), data = the int 0x10000.
    expect(info.packet.zxid % 2 ** 32).toBe(0)
    expect(info.packet.zxid / 2 ** 32).toBeGreaterThanOrEqual(1)
    expect(decodeIntData(info.packet.data, 'LEADERINFO')).toBe(0x10000)

    const onConnection = (type: number) => packetOf(type, (p) => p.connection === info.connection)
    // The leader's tree is at its new epoch's first zxid and the learner at 0, with no committed
    // log between: LearnerHandler.syncFollower sends SNAP with the tree's zxid, then the tree.
    const snap = await step('SNAP', () => standIn.waitFor(onConnection(QuorumPacketType.SNAP), 'SNAP from the leader', stepMs))
    expect(snap.packet).toMatchObject({ zxid: info.packet.zxid, data: null, authinfo: null })
    const tree = await step('the snapshot after SNAP', () =>
      standIn.waitFor((e): e is Snapshot => e.type === 'snapshot' && e.connection === info.connection, 'the snapshot after SNAP', stepMs),
    )
    expect(tree.snapshot.sessions.size).toBe(0)
    expect(tree.snapshot.nodes.map((n) => n.path)).toEqual(expect.arrayContaining(['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']))
    const newLeader = await step('NEWLEADER', () => standIn.waitFor(onConnection(QuorumPacketType.NEWLEADER), 'NEWLEADER from the leader', stepMs))
    expect(newLeader.packet.zxid).toBe(info.packet.zxid)
    // 3.8 sends its QuorumVerifier's text as NEWLEADER's data (LearnerHandler, protocol 0x10000).
    const config = new TextDecoder().decode(newLeader.packet.data ?? new Uint8Array(0))
    for (const s of servers) expect(config).toContain(`server.${s.id}=127.0.0.1:${s.quorumPort}:${s.electionPort}:participant`)
    const upToDate = await step('UPTODATE', () => standIn.waitFor(onConnection(QuorumPacketType.UPTODATE), 'UPTODATE after ACK of NEWLEADER', stepMs))
    expect(upToDate.packet.authinfo).toBeNull()
    expect(standIn.events.filter((e) => e.type === 'error')).toEqual([])
  }, 240_000)
})

/** Apache ensemble settings with `servers`: a 1 s tick and an initLimit long enough to watch a learner wait. */
function settings(servers: readonly QuorumServerLine[]) {
  return { ...defaultSettings, tickTimeMs: 1_000, initLimitTicks: 30, syncLimitTicks: 5, servers }
}

/**
 * Member 3 as a learner: silent in the election; ACKEPOCH (lastLoggedZxid 0, currentEpoch 0) for
 * LEADERINFO and ACK for NEWLEADER, as Learner.registerWithLeader and syncWithLeader answer them.
 */
const learnerPolicy: MemberPolicy = {
  answerNotification: () => undefined,
  answerQuorumPacket: (_connection, p) => {
    if (p.type === QuorumPacketType.LEADERINFO) return [ackEpochPacket(0, 0)]
    if (p.type === QuorumPacketType.NEWLEADER) return [{ type: QuorumPacketType.ACK, zxid: p.zxid, data: null, authinfo: null }]
    return []
  },
}
