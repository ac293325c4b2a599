// Method: one learner's connection to a Paddock leader driven packet by packet as a 3.8 follower
// sends them (Learner.registerWithLeader, syncWithLeader, ping, request, validateSession) and
// message by message as the core's leader sends them (lib/zab/leader.ts), with a payload codec that
// tags bytes; checked against what LearnerHandler writes and what Learner.syncWithLeader and
// FollowerZooKeeperServer.commit accept (one COMMIT per proposal, none for a proposal not sent).
import { describe, expect, it } from 'vitest'
import { learnerInfoMessage, ZkLearnerHandlerLink } from '../../../lib/peer/zookeeper/learner-handler-link.js'
import { decodeRevalidateData, encodeRequestData, encodeRevalidateData, encodeTouchData, type ZkLeaderPayloadCodec, type ZkLearnerRequest } from '../../../lib/peer/zookeeper/payloads.js'
import { ackEpochPacket, decodeQuorumPacket, encodeLearnerInfo, QuorumPacketType, type QuorumPacket } from '../../../lib/peer/zookeeper/quorum-packet.js'
import { OpCode } from '../../../lib/protocol/opcodes.js'
import { makeZxid } from '../../../lib/protocol/zxid.js'
import { JuteReader } from '../../../lib/wire/jute.js'
import type { SessionMessage } from '../../../lib/zab/messages.js'

const session = 5

function codec(seen: ZkLearnerRequest[] = []): ZkLeaderPayloadCodec {
  return {
    proposalData: (entry) => Uint8Array.from([0xee, ...entry]),
    snapshotStream: (snapshot) => Uint8Array.from([0x5a, ...snapshot]),
    learnerRequest: (request) => {
      seen.push(request)
      return Uint8Array.from([seen.length])
    },
    sessionValid: (id) => id === 7n,
  }
}

function link(payloads = codec()): ZkLearnerHandlerLink {
  return new ZkLearnerHandlerLink({ sid: 2, session, observer: false, payloads })
}

function p(type: number, zxid: number, data: Uint8Array | null = null): QuorumPacket {
  return { type, zxid, data, authinfo: null }
}

const out = (l: ZkLearnerHandlerLink, message: Record<string, unknown>) => l.outgoing({ session, ...message } as SessionMessage).map((b) => decodeQuorumPacket(b))
const types = (packets: readonly QuorumPacket[]) => packets.map((q) => [q.type, q.zxid])

describe('ZkLearnerHandlerLink, discovery (LearnerHandler.run)', () => {
  it('maps FOLLOWERINFO to the core\'s with the acceptedEpoch of its zxid, and refuses any other first packet', () => {
    const info = encodeLearnerInfo({ serverid: 2n, protocolVersion: 0x10000, configVersion: 0 })
    expect(learnerInfoMessage(p(QuorumPacketType.FOLLOWERINFO, makeZxid(3, 0), info), 9)).toEqual({ type: 'FOLLOWERINFO', session: 9, acceptedEpoch: 3 })
    expect(learnerInfoMessage(p(QuorumPacketType.OBSERVERINFO, 0, info), 9)).toEqual({ type: 'OBSERVERINFO', session: 9, acceptedEpoch: 0 })
    expect(() => learnerInfoMessage(p(QuorumPacketType.ACK, 0), 9)).toThrow(/FOLLOWERINFO/)
  })

  it('writes LEADERINFO with the new epoch\'s zxid and version 0x10000, and maps ACKEPOCH with that epoch', () => {
    const l = link()
    const [info] = out(l, { type: 'LEADERINFO', newEpoch: 4 })
    expect(info).toMatchObject({ type: QuorumPacketType.LEADERINFO, zxid: makeZxid(4, 0) })
    expect(new JuteReader(info?.data as Uint8Array).readInt()).toBe(0x10000)
    expect(l.incoming(ackEpochPacket(makeZxid(3, 9), -1)).messages).toEqual([{ type: 'ACKEPOCH', session, epoch: 4, currentEpoch: -1, lastZxid: makeZxid(3, 9) }])
  })

  it('refuses ACKEPOCH before LEADERINFO', () => {
    expect(() => link().incoming(ackEpochPacket(0, 0))).toThrow(/before LEADERINFO/)
  })
})

describe('ZkLearnerHandlerLink, sync (LearnerHandler.syncFollower, Learner.syncWithLeader)', () => {
  it('writes no PING before the sync packet, which the learner could not read there', () => {
    const l = link()
    out(l, { type: 'LEADERINFO', newEpoch: 2 })
    expect(out(l, { type: 'PING' })).toEqual([])
    out(l, { type: 'DIFF', zxid: makeZxid(1, 1) })
    expect(types(out(l, { type: 'PING' }))).toEqual([[QuorumPacketType.PING, 0]])
  })

  it('writes one COMMIT per proposal sent that the core\'s COMMIT covers, none for a point with no proposal', () => {
    const l = link()
    out(l, { type: 'LEADERINFO', newEpoch: 2 })
    expect(types(out(l, { type: 'DIFF', zxid: makeZxid(1, 1) }))).toEqual([[QuorumPacketType.DIFF, makeZxid(1, 1)]])
    const proposal = out(l, { type: 'PROPOSAL', zxid: makeZxid(1, 2), data: Uint8Array.of(1) })
    expect(proposal[0]?.data).toEqual(Uint8Array.of(0xee, 1))
    out(l, { type: 'PROPOSAL', zxid: makeZxid(1, 3), data: Uint8Array.of(2) })
    out(l, { type: 'PROPOSAL', zxid: makeZxid(1, 4), data: Uint8Array.of(3) })
    expect(types(out(l, { type: 'COMMIT', zxid: makeZxid(1, 3) }))).toEqual([[QuorumPacketType.COMMIT, makeZxid(1, 2)], [QuorumPacketType.COMMIT, makeZxid(1, 3)]])
    expect(out(l, { type: 'COMMIT', zxid: makeZxid(1, 3) })).toEqual([])
    const newLeader = out(l, { type: 'NEWLEADER', zxid: makeZxid(2, 0), config: { version: 0, voters: [1, 2], observers: [], text: 'server.1=h:1:2:participant\nserver.2=h:3:4:participant' } })
    expect(newLeader[0]).toMatchObject({ type: QuorumPacketType.NEWLEADER, zxid: makeZxid(2, 0) })
    expect(new TextDecoder().decode(newLeader[0]?.data as Uint8Array)).toBe('server.1=h:1:2:participant\nserver.2=h:3:4:participant\nversion=0')
    // UPTODATE commits the rest of the initial history first; ZooKeeper's carries -1.
    expect(types(out(l, { type: 'UPTODATE', zxid: makeZxid(1, 4) }))).toEqual([[QuorumPacketType.COMMIT, makeZxid(1, 4)], [QuorumPacketType.UPTODATE, -1]])
  })

  it('writes the database right after the SNAP packet, outside any packet', () => {
    const l = link()
    const bytes = l.outgoing({ type: 'SNAP', session, zxid: makeZxid(1, 7), snapshot: Uint8Array.of(9, 9) })
    expect(decodeQuorumPacket(bytes[0] as Uint8Array)).toMatchObject({ type: QuorumPacketType.SNAP, zxid: makeZxid(1, 7) })
    expect(bytes[1]).toEqual(Uint8Array.of(0x5a, 9, 9))
  })

  it('refuses a PROPOSAL that does not follow the last one', () => {
    const l = link()
    out(l, { type: 'PROPOSAL', zxid: makeZxid(1, 2), data: Uint8Array.of(1) })
    expect(() => out(l, { type: 'PROPOSAL', zxid: makeZxid(1, 2), data: Uint8Array.of(1) })).toThrow(/after/)
  })
})

describe('ZkLearnerHandlerLink, broadcast (LearnerHandler.run loop)', () => {
  it('maps ACK one for one, and a PING reply to PING plus its touches as a REQUEST', () => {
    const seen: ZkLearnerRequest[] = []
    const l = link(codec(seen))
    expect(l.incoming(p(QuorumPacketType.ACK, makeZxid(2, 1))).messages).toEqual([{ type: 'ACK', session, zxid: makeZxid(2, 1) }])
    expect(l.incoming(p(QuorumPacketType.PING, 0, encodeTouchData([]))).messages).toEqual([{ type: 'PING', session }])
    const touched = l.incoming(p(QuorumPacketType.PING, 0, encodeTouchData([{ sessionId: 7n, timeoutMs: 4000 }])))
    expect(touched.messages).toEqual([{ type: 'PING', session }, { type: 'REQUEST', session, data: Uint8Array.of(1) }])
    expect(seen).toEqual([{ kind: 'touch', sessions: [{ sessionId: 7n, timeoutMs: 4000 }] }])
  })

  it('maps a REQUEST to the core\'s REQUEST, and a sync REQUEST to SYNC answered by a bare SYNC packet', () => {
    const seen: ZkLearnerRequest[] = []
    const l = link(codec(seen))
    const data = encodeRequestData({ kind: 'request', sessionId: 7n, cxid: 3, type: OpCode.create, record: Uint8Array.of(1, 2), authinfo: [] })
    expect(l.incoming({ type: QuorumPacketType.REQUEST, zxid: -1, data, authinfo: [{ scheme: 'digest', id: 'a:b' }] }).messages).toHaveLength(1)
    expect(seen[0]).toMatchObject({ kind: 'request', sessionId: 7n, cxid: 3, type: OpCode.create, authinfo: [{ scheme: 'digest', id: 'a:b' }] })
    expect(seen[0]?.kind === 'request' && Uint8Array.from(seen[0].record)).toEqual(Uint8Array.of(1, 2))
    const sync = encodeRequestData({ kind: 'request', sessionId: 7n, cxid: 4, type: OpCode.sync, record: Uint8Array.of(0, 0, 0, 1, 0x2f), authinfo: [] })
    const [message] = l.incoming({ type: QuorumPacketType.REQUEST, zxid: -1, data: sync, authinfo: [] }).messages
    expect(message).toMatchObject({ type: 'SYNC', session })
    expect(types(l.outgoing(message as SessionMessage).map((b) => decodeQuorumPacket(b)))).toEqual([[QuorumPacketType.SYNC, 0]])
  })

  it('answers REVALIDATE at once with the session id and whether it is valid, and tells the runtime', () => {
    const seen: ZkLearnerRequest[] = []
    const l = link(codec(seen))
    for (const [id, valid] of [[7n, 1], [8n, 0]] as const) {
      const result = l.incoming(p(QuorumPacketType.REVALIDATE, -1, encodeRevalidateData({ sessionId: id, timeoutMs: 3000 })))
      const answer = decodeQuorumPacket(result.replies[0] as Uint8Array)
      expect(answer.type).toBe(QuorumPacketType.REVALIDATE)
      const r = new JuteReader(answer.data as Uint8Array)
      expect([r.readLong(), r.readBool()]).toEqual([id, valid === 1])
      expect(result.messages).toHaveLength(1)
    }
    expect(seen.map((s) => s.kind)).toEqual(['revalidate', 'revalidate'])
    expect(decodeRevalidateData(encodeRevalidateData({ sessionId: 7n, timeoutMs: 3 }))).toEqual({ sessionId: 7n, timeoutMs: 3 })
  })

  it('refuses packets a learner never sends, and short data', () => {
    const l = link()
    expect(() => l.incoming(p(QuorumPacketType.COMMIT, 1))).toThrow(/never sends/)
    expect(() => l.incoming(p(QuorumPacketType.REQUEST, -1, Uint8Array.of(1, 2)))).toThrow()
    expect(() => l.outgoing({ type: 'ACK', session, zxid: 1 })).toThrow(/never sends/)
  })
})
