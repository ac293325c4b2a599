// Method: one follower connection's mapping driven packet by packet as a 3.8 leader sends them
// (LearnerHandler.run and syncFollower) and message by message as the core sends them
// (lib/zab/learner.ts), with a payload codec that tags bytes; checked against what Learner.java
// writes (registerWithLeader, syncWithLeader, ping, request) and what Leader.processAck counts.
import { describe, expect, it } from 'vitest'
import { zkUnackedProposalsMax } from '../../../lib/limits.js'
import { ZkLearnerLink } from '../../../lib/peer/zookeeper/learner-link.js'
import type { ZkLearnerRequest, ZkPayloadCodec } from '../../../lib/peer/zookeeper/payloads.js'
import { decodeLearnerInfo, leaderInfoPacket, QuorumPacketType, type QuorumPacket } from '../../../lib/peer/zookeeper/quorum-packet.js'
import { OpCode } from '../../../lib/protocol/opcodes.js'
import { makeZxid } from '../../../lib/protocol/zxid.js'
import { JuteReader } from '../../../lib/wire/jute.js'
import type { SessionMessage } from '../../../lib/zab/messages.js'

const session = 77
const epoch1 = makeZxid(1, 0)

/** A codec that wraps data in a marker byte, and answers REQUEST bytes from a table. */
function codec(requests: Map<number, ZkLearnerRequest> = new Map()): ZkPayloadCodec {
  return {
    proposal: (_zxid, data) => Uint8Array.from([0xee, ...data]),
    readSnapshot: () => new Uint8Array([1]),
    request: (data) => requests.get(data[0] ?? -1),
  }
}

function link(payloads: ZkPayloadCodec = codec()): ZkLearnerLink {
  return new ZkLearnerLink({ myid: 4, leader: 2, session, payloads, configVersion: () => 0x1_0000_0000 })
}

function p(type: number, zxid: number, data: Uint8Array | null = null): QuorumPacket {
  return { type, zxid, data, authinfo: null }
}

const out = (l: ZkLearnerLink, message: Record<string, unknown>) => l.outgoing({ session, ...message } as SessionMessage)
const types = (packets: readonly QuorumPacket[]) => packets.map((q) => [q.type, q.zxid])

/** A link through FOLLOWERINFO, LEADERINFO, ACKEPOCH (last zxid 0x100000002) and DIFF. */
function synced(l = link()): ZkLearnerLink {
  out(l, { type: 'FOLLOWERINFO', acceptedEpoch: 0 })
  l.incoming(leaderInfoPacket(makeZxid(2, 0)))
  out(l, { type: 'ACKEPOCH', epoch: 2, currentEpoch: 1, lastZxid: makeZxid(1, 2) })
  l.incoming(p(QuorumPacketType.DIFF, makeZxid(1, 5)))
  return l
}

describe('ZkLearnerLink, discovery (Learner.registerWithLeader)', () => {
  it('sends FOLLOWERINFO once per connection, with LearnerInfo(sid, 0x10000, config version) and zxid makeZxid(acceptedEpoch, 0)', () => {
    const l = link()
    const [info, ...rest] = out(l, { type: 'FOLLOWERINFO', acceptedEpoch: 3 })
    expect(rest).toEqual([])
    expect(info).toMatchObject({ type: QuorumPacketType.FOLLOWERINFO, zxid: makeZxid(3, 0), authinfo: null })
    expect(decodeLearnerInfo(info?.data as Uint8Array)).toEqual({ serverid: 4n, protocolVersion: 0x10000, configVersion: 0x1_0000_0000 })
    expect(out(l, { type: 'FOLLOWERINFO', acceptedEpoch: 3 })).toEqual([])
  })

  it('maps LEADERINFO to its epoch and ACKEPOCH to lastLoggedZxid with currentEpoch as data', () => {
    const l = link()
    expect(l.incoming(leaderInfoPacket(makeZxid(5, 0)))).toEqual({ type: 'LEADERINFO', session, newEpoch: 5 })
    const [ack] = out(l, { type: 'ACKEPOCH', epoch: 5, currentEpoch: -1, lastZxid: makeZxid(4, 9) })
    expect(ack).toMatchObject({ type: QuorumPacketType.ACKEPOCH, zxid: makeZxid(4, 9), data: Uint8Array.from([0xff, 0xff, 0xff, 0xff]) })
  })
})

describe('ZkLearnerLink, sync (LearnerHandler.syncFollower, Learner.syncWithLeader)', () => {
  it('gives the core a DIFF at the zxid its ACKEPOCH reported, whatever zxid the leader put in it', () => {
    const l = link()
    out(l, { type: 'ACKEPOCH', epoch: 2, currentEpoch: 1, lastZxid: makeZxid(1, 2) })
    expect(l.incoming(p(QuorumPacketType.DIFF, makeZxid(1, 5)))).toEqual({ type: 'DIFF', session, zxid: makeZxid(1, 2) })
  })

  it('refuses DIFF, TRUNC or SNAP before ACKEPOCH', () => {
    for (const type of [QuorumPacketType.DIFF, QuorumPacketType.TRUNC, QuorumPacketType.SNAP]) expect(() => link().incoming(p(type, 5))).toThrow(TypeError)
  })

  it('takes SNAP, then the database after it, as one SNAP of the core', () => {
    const l = link()
    out(l, { type: 'ACKEPOCH', epoch: 2, currentEpoch: 0, lastZxid: 0 })
    expect(l.incoming(p(QuorumPacketType.SNAP, makeZxid(1, 7)))).toBeUndefined()
    expect(l.snapshotPending).toBe(makeZxid(1, 7))
    expect(l.snapshotArrived(Uint8Array.from([9]))).toEqual({ type: 'SNAP', session, zxid: makeZxid(1, 7), snapshot: Uint8Array.from([9]) })
    expect(l.snapshotPending).toBeUndefined()
  })

  it('maps PROPOSAL data through the codec, NEWLEADER with its config, and UPTODATE to the last committed zxid, not a proposal in flight', () => {
    const l = synced()
    expect(l.incoming(p(QuorumPacketType.PROPOSAL, makeZxid(1, 3), Uint8Array.from([1])))).toEqual({ type: 'PROPOSAL', session, zxid: makeZxid(1, 3), data: Uint8Array.from([0xee, 1]) })
    expect(l.incoming(p(QuorumPacketType.COMMIT, makeZxid(1, 3)))).toEqual({ type: 'COMMIT', session, zxid: makeZxid(1, 3) })
    l.incoming(p(QuorumPacketType.PROPOSAL, makeZxid(1, 4), Uint8Array.from([2])))
    const config = new TextEncoder().encode('server.2=127.0.0.1:2888:3888:participant\nserver.4=127.0.0.1:2889:3889:participant\nversion=200000000')
    expect(l.incoming(p(QuorumPacketType.NEWLEADER, epoch1 * 2, config))).toMatchObject({ type: 'NEWLEADER', zxid: epoch1 * 2, config: { version: 0x2_0000_0000, voters: [2, 4] } })
    expect(l.incoming(p(QuorumPacketType.UPTODATE, -1))).toEqual({ type: 'UPTODATE', session, zxid: makeZxid(1, 3) })
  })

  it('acknowledges NEWLEADER first, then each proposal that came before it and is not committed (Leader.processAck counts one zxid per ACK)', () => {
    const l = synced()
    for (const n of [3, 4, 5]) l.incoming(p(QuorumPacketType.PROPOSAL, makeZxid(1, n), Uint8Array.from([n])))
    l.incoming(p(QuorumPacketType.COMMIT, makeZxid(1, 3)))
    l.incoming(p(QuorumPacketType.NEWLEADER, makeZxid(2, 0)))
    l.incoming(p(QuorumPacketType.PROPOSAL, makeZxid(2, 1), Uint8Array.from([6])))
    expect(types(out(l, { type: 'ACK', zxid: makeZxid(2, 0) }))).toEqual([
      [QuorumPacketType.ACK, makeZxid(2, 0)], [QuorumPacketType.ACK, makeZxid(1, 4)], [QuorumPacketType.ACK, makeZxid(1, 5)],
    ])
    expect(types(out(l, { type: 'ACK', zxid: makeZxid(2, 1) }))).toEqual([[QuorumPacketType.ACK, makeZxid(2, 1)]])
    expect(out(l, { type: 'ACK', zxid: makeZxid(2, 1) })).toEqual([])
  })
})

describe('ZkLearnerLink, broadcast', () => {
  it('expands a cumulative ACK into one ACK per proposal, oldest first', () => {
    const l = synced()
    for (const n of [3, 4, 5]) l.incoming(p(QuorumPacketType.PROPOSAL, makeZxid(1, n), Uint8Array.from([n])))
    expect(types(out(l, { type: 'ACK', zxid: makeZxid(1, 4) }))).toEqual([[QuorumPacketType.ACK, makeZxid(1, 3)], [QuorumPacketType.ACK, makeZxid(1, 4)]])
    expect(types(out(l, { type: 'ACK', zxid: makeZxid(1, 5) }))).toEqual([[QuorumPacketType.ACK, makeZxid(1, 5)]])
  })

  it('answers PING with its zxid and the sessions touched since the last one (Learner.ping), with empty data rather than none', () => {
    const touch: ZkLearnerRequest = { kind: 'touch', sessions: [{ sessionId: 0x0100_0000_0000_0001n, timeoutMs: 4000 }] }
    const l = synced(link(codec(new Map([[1, touch]]))))
    expect(l.incoming(p(QuorumPacketType.PING, makeZxid(1, 9)))).toEqual({ type: 'PING', session })
    expect(out(l, { type: 'REQUEST', data: Uint8Array.from([1]) })).toEqual([])
    const [ping] = out(l, { type: 'PING' })
    expect(ping).toMatchObject({ type: QuorumPacketType.PING, zxid: makeZxid(1, 9) })
    const r = new JuteReader(ping?.data as Uint8Array)
    expect([r.readLong(), r.readInt(), r.remaining]).toEqual([0x0100_0000_0000_0001n, 4000, 0])
    expect(out(l, { type: 'PING' })[0]?.data).toEqual(new Uint8Array(0))
  })

  it('writes a forwarded request as Learner.request does: sessionId, cxid, type, record; authinfo alongside', () => {
    const request: ZkLearnerRequest = { kind: 'request', sessionId: 5n, cxid: 9, type: OpCode.setData, record: Uint8Array.from([7, 7]), authinfo: [{ scheme: 'digest', id: 'u:x' }] }
    const [packet] = out(synced(link(codec(new Map([[2, request]])))), { type: 'REQUEST', data: Uint8Array.from([2]) })
    expect(packet).toMatchObject({ type: QuorumPacketType.REQUEST, zxid: -1, authinfo: [{ scheme: 'digest', id: 'u:x' }] })
    const r = new JuteReader(packet?.data as Uint8Array)
    expect([r.readLong(), r.readInt(), r.readInt(), [...r.readBytes(2)], r.remaining]).toEqual([5n, 9, OpCode.setData, [7, 7], 0])
  })

  it('sends a sync as a REQUEST of type sync and hands the leader\'s SYNC answers back with their tokens in order', () => {
    const l = synced()
    expect(types(out(l, { type: 'SYNC', token: 11 }))).toEqual([[QuorumPacketType.REQUEST, -1]])
    out(l, { type: 'SYNC', token: 12 })
    expect(l.incoming(p(QuorumPacketType.SYNC, 0))).toEqual({ type: 'SYNC', session, token: 11 })
    expect(l.incoming(p(QuorumPacketType.SYNC, 0))).toEqual({ type: 'SYNC', session, token: 12 })
    expect(l.incoming(p(QuorumPacketType.SYNC, 0))).toBeUndefined()
  })
})

describe('ZkLearnerLink, hostile leaders', () => {
  it('refuses packets a leader never sends a follower', () => {
    for (const type of [QuorumPacketType.FOLLOWERINFO, QuorumPacketType.ACK, QuorumPacketType.REQUEST, QuorumPacketType.ACKEPOCH, QuorumPacketType.OBSERVERINFO, 0, 99, -1]) {
      expect(() => synced().incoming(p(type, 1))).toThrow(TypeError)
    }
  })

  it('refuses a PROPOSAL that does not follow the last one', () => {
    const l = synced()
    l.incoming(p(QuorumPacketType.PROPOSAL, makeZxid(1, 4), new Uint8Array(0)))
    expect(() => l.incoming(p(QuorumPacketType.PROPOSAL, makeZxid(1, 4), new Uint8Array(0)))).toThrow(TypeError)
  })

  it(`refuses proposals past ${zkUnackedProposalsMax} neither acknowledged nor committed`, () => {
    const l = synced()
    for (let n = 1; n <= zkUnackedProposalsMax; n++) l.incoming(p(QuorumPacketType.PROPOSAL, makeZxid(2, n), null))
    expect(() => l.incoming(p(QuorumPacketType.PROPOSAL, makeZxid(2, zkUnackedProposalsMax + 1), null))).toThrow(RangeError)
  })

  it('refuses messages a follower never sends', () => {
    expect(() => out(link(), { type: 'LEADERINFO', newEpoch: 1 })).toThrow(TypeError)
  })
})
