/**
 * One follower connection to a ZooKeeper leader, as a pure mapping: the core's session messages
 * (lib/zab/messages.ts) out as QuorumPackets, the leader's QuorumPackets in as session messages.
 * It holds only what the mapping needs to remember between packets; the socket is the
 * transport's (transport.ts). One link is one TCP connection and one core learner session, as one
 * LearnerHandler is one socket in ZooKeeper.
 *
 * Decisions where the core's model and ZooKeeper's differ:
 * - FOLLOWERINFO. The core repeats it every tick until LEADERINFO arrives; ZooKeeper's
 *   LearnerHandler reads it once and takes anything else in its place as the ACKEPOCH. Only the
 *   first goes out on a connection.
 * - DIFF. The core's DIFF says "your log matches mine up to zxid" and checks it against its last
 *   zxid; ZooKeeper's DIFF carries the leader's committed point or the learner's last zxid,
 *   depending on the case (LearnerHandler.syncFollower), and Learner ignores it. The link hands the
 *   core the last zxid its own ACKEPOCH reported, which is what ZooKeeper's DIFF promises.
 * - ACK. The core acknowledges cumulatively (everything up to zxid is durable); ZooKeeper's leader
 *   counts an ACK for exactly one outstanding proposal (Leader.processAck). The link keeps the
 *   zxids of PROPOSALs not yet committed (bounded) and sends one ACK per zxid the core's ACK covers.
 *   The ACK of NEWLEADER goes first, as LearnerHandler reads it before anything else, followed by
 *   the ACKs of the proposals that came before NEWLEADER (ZooKeeper logs those at NEWLEADER and
 *   acknowledges each).
 * - UPTODATE. ZooKeeper's carries no zxid (-1); the core's carries the commit point. The link gives
 *   the highest zxid known committed: the sync point (DIFF's, TRUNC's, SNAP's) or the last COMMIT,
 *   never a proposal still in flight that the leader queued after its committed history.
 * - PING. The leader's PING is answered with its zxid and the sessions touched here since the last
 *   reply (Learner.ping). The runtime reports touches as REQUESTs; the link keeps them (bounded)
 *   for the next PING instead of sending them.
 * - SYNC. The core's SYNC has a token, ZooKeeper's learner sync is a REQUEST of type sync answered
 *   by a bare SYNC, in order: the link keeps the tokens FIFO (bounded) and hands them back in order.
 *   The sync is sent for session 0 (the core does not say whose it is): the leader only checks the
 *   session and orders the answer.
 * - REVALIDATE. Sent as ZooKeeper's (session id and timeout); the leader's answer is dropped: the
 *   runtime orders the revalidation with a sync, which the leader answers after it.
 * - COMMITANDACTIVATE is taken as COMMIT and INFORMANDACTIVATE as INFORM: reconfig through a
 *   ZooKeeper leader is not mapped yet (the configuration in NEWLEADER is).
 * @module
 */
import { zkPendingSyncsMax, zkPendingTouchesMax, zkUnackedProposalsMax } from '../../limits.js'
import { counterOf, epochOf, makeZxid } from '../../protocol/zxid.js'
import type { SessionMessage } from '../../zab/messages.js'
import { memberConfigOfZkText } from './mapping.js'
import { encodeRequestData, encodeRevalidateData, encodeTouchData, type ZkPayloadCodec } from './payloads.js'
import { ackEpochPacket, encodeLearnerInfo, LEARNER_PROTOCOL_VERSION, QuorumPacketType, quorumPacketTypeName, type QuorumPacket } from './quorum-packet.js'
import { OpCode } from '../../protocol/opcodes.js'
import { JuteWriter } from '../../wire/jute.js'

/** Options of a {@link ZkLearnerLink}. */
export interface ZkLearnerLinkOptions {
  /** This member's sid (LearnerInfo.serverid). */
  readonly myid: number
  /** The leader's sid. */
  readonly leader: number
  /** The core's learner session this connection carries. */
  readonly session: number
  /** Reads and writes the payloads above lib/peer. */
  readonly payloads: ZkPayloadCodec
  /** This member's configuration version, for LearnerInfo (a leader refuses a learner ahead of it). */
  readonly configVersion: () => number
}

const none: readonly QuorumPacket[] = []

function packet(type: number, zxid: number, data: Uint8Array | null = null): QuorumPacket {
  return { type, zxid, data, authinfo: null }
}

/** The session messages and packets of one follower connection (see the module comment). */
export class ZkLearnerLink {
  /** The leader's sid. */
  readonly leader: number
  /** The core's learner session this connection carries. */
  readonly session: number
  #infoSent = false
  #ackEpochZxid: number | undefined
  #commitPoint = 0
  /** Zxids of PROPOSALs neither acknowledged nor committed, ascending. */
  #unacked: number[] = []
  #lastProposal = 0
  #newLeaderBoundary: number | undefined
  readonly #syncTokens: number[] = []
  readonly #touches = new Map<bigint, number>()
  #lastPingZxid = 0
  #snapshotZxid: number | undefined

  constructor(private readonly options: ZkLearnerLinkOptions) {
    this.leader = options.leader
    this.session = options.session
  }

  /** The zxid of the SNAP whose database comes next on the stream, or undefined when packets come next. */
  get snapshotPending(): number | undefined {
    return this.#snapshotZxid
  }

  /** Packets to write for a message the core sends on this session (none for what has no wire form). */
  outgoing(message: SessionMessage): readonly QuorumPacket[] {
    switch (message.type) {
      case 'FOLLOWERINFO':
      case 'OBSERVERINFO':
        return this.#info(message.type, message.acceptedEpoch)
      case 'ACKEPOCH':
        this.#ackEpochZxid = message.lastZxid
        return [ackEpochPacket(message.lastZxid, message.currentEpoch)]
      case 'ACK':
        return this.#acks(message.zxid)
      case 'PING': {
        const data = encodeTouchData([...this.#touches].map(([sessionId, timeoutMs]) => ({ sessionId, timeoutMs })))
        this.#touches.clear()
        return [packet(QuorumPacketType.PING, this.#lastPingZxid, data)]
      }
      case 'REQUEST':
        return this.#request(message.data)
      case 'SYNC':
        return this.#sync(message.token)
      default:
        throw new TypeError(`a follower never sends ${message.type}`)
    }
  }

  /**
   * The session message for a packet from the leader, or undefined for one the core has no use
   * for. Throws for a packet a leader never sends a learner, or bad payload bytes.
   */
  incoming(p: QuorumPacket): SessionMessage | undefined {
    const session = this.session
    switch (p.type) {
      case QuorumPacketType.LEADERINFO:
        return { type: 'LEADERINFO', session, newEpoch: epochOf(p.zxid) }
      case QuorumPacketType.DIFF: {
        const zxid = this.#syncPoint('DIFF')
        return { type: 'DIFF', session, zxid }
      }
      case QuorumPacketType.TRUNC:
        this.#syncPoint('TRUNC')
        this.#commitPoint = p.zxid
        return { type: 'TRUNC', session, zxid: p.zxid }
      case QuorumPacketType.SNAP:
        this.#syncPoint('SNAP')
        this.#snapshotZxid = p.zxid
        this.#commitPoint = p.zxid
        return undefined
      case QuorumPacketType.PROPOSAL:
        return this.#proposal(p)
      case QuorumPacketType.INFORM:
      case QuorumPacketType.INFORMANDACTIVATE:
        return { type: 'INFORM', session, zxid: p.zxid, data: this.options.payloads.proposal(p.zxid, p.data ?? new Uint8Array(0)) }
      case QuorumPacketType.COMMIT:
      case QuorumPacketType.COMMITANDACTIVATE:
        this.#committed(p.zxid)
        return { type: 'COMMIT', session, zxid: p.zxid }
      case QuorumPacketType.NEWLEADER: {
        this.#newLeaderBoundary = this.#lastProposal
        const config = p.data === null ? undefined : memberConfigOfZkText(new TextDecoder().decode(p.data))
        return { type: 'NEWLEADER', session, zxid: p.zxid, ...(config === undefined ? {} : { config }) }
      }
      case QuorumPacketType.UPTODATE:
        return { type: 'UPTODATE', session, zxid: this.#commitPoint }
      case QuorumPacketType.PING:
        this.#lastPingZxid = p.zxid
        return { type: 'PING', session }
      case QuorumPacketType.SYNC: {
        const token = this.#syncTokens.shift()
        return token === undefined ? undefined : { type: 'SYNC', session, token }
      }
      case QuorumPacketType.REVALIDATE:
        return undefined
      default:
        throw new TypeError(`the leader sent ${quorumPacketTypeName(p.type) ?? `packet type ${p.type}`}, which a leader never sends a follower`)
    }
  }

  /** The database after SNAP arrived, as the runtime's snapshot bytes: the core's SNAP. */
  snapshotArrived(snapshot: Uint8Array): SessionMessage {
    const zxid = this.#snapshotZxid
    if (zxid === undefined) throw new TypeError('snapshotArrived without a SNAP')
    this.#snapshotZxid = undefined
    return { type: 'SNAP', session: this.session, zxid, snapshot }
  }

  #info(type: 'FOLLOWERINFO' | 'OBSERVERINFO', acceptedEpoch: number): readonly QuorumPacket[] {
    if (this.#infoSent) return none
    this.#infoSent = true
    const data = encodeLearnerInfo({ serverid: BigInt(this.options.myid), protocolVersion: LEARNER_PROTOCOL_VERSION, configVersion: this.options.configVersion() })
    return [packet(type === 'FOLLOWERINFO' ? QuorumPacketType.FOLLOWERINFO : QuorumPacketType.OBSERVERINFO, makeZxid(acceptedEpoch, 0), data)]
  }

  // DIFF, TRUNC and SNAP come once, after our ACKEPOCH; the sync point is what we reported there.
  #syncPoint(what: string): number {
    const reported = this.#ackEpochZxid
    if (reported === undefined) throw new TypeError(`${what} before ACKEPOCH`)
    this.#commitPoint = reported
    return reported
  }

  #proposal(p: QuorumPacket): SessionMessage {
    if (p.zxid <= this.#lastProposal) throw new TypeError(`PROPOSAL 0x${p.zxid.toString(16)} after 0x${this.#lastProposal.toString(16)}`)
    if (this.#unacked.length >= zkUnackedProposalsMax) throw new RangeError(`more than ${zkUnackedProposalsMax} proposals neither acknowledged nor committed`)
    const data = this.options.payloads.proposal(p.zxid, p.data ?? new Uint8Array(0))
    this.#lastProposal = p.zxid
    this.#unacked.push(p.zxid)
    return { type: 'PROPOSAL', session: this.session, zxid: p.zxid, data }
  }

  #committed(zxid: number): void {
    if (zxid > this.#commitPoint) this.#commitPoint = zxid
    // Ascending: the committed ones are a prefix.
    let cut = 0
    while (cut < this.#unacked.length && (this.#unacked[cut] as number) <= zxid) cut++
    if (cut > 0) this.#unacked.splice(0, cut)
  }

  // One ACK per proposal the core's cumulative ACK covers; NEWLEADER's first (see the module comment).
  #acks(zxid: number): readonly QuorumPacket[] {
    const out: QuorumPacket[] = []
    let upTo = zxid
    if (counterOf(zxid) === 0) {
      out.push(packet(QuorumPacketType.ACK, zxid))
      upTo = this.#newLeaderBoundary ?? 0
    }
    while (this.#unacked.length > 0 && (this.#unacked[0] as number) <= upTo) out.push(packet(QuorumPacketType.ACK, this.#unacked.shift() as number))
    return out
  }

  #request(data: Uint8Array): readonly QuorumPacket[] {
    const request = this.options.payloads.request(data)
    if (request === undefined) return none
    switch (request.kind) {
      case 'request':
        return [{ type: QuorumPacketType.REQUEST, zxid: -1, data: encodeRequestData(request), authinfo: [...request.authinfo] }]
      case 'revalidate':
        return [packet(QuorumPacketType.REVALIDATE, -1, encodeRevalidateData(request.session))]
      case 'touch':
        for (const t of request.sessions) {
          if (this.#touches.size >= zkPendingTouchesMax && !this.#touches.has(t.sessionId)) break
          this.#touches.set(t.sessionId, t.timeoutMs)
        }
        return none
    }
  }

  #sync(token: number): readonly QuorumPacket[] {
    if (this.#syncTokens.length >= zkPendingSyncsMax) return none
    this.#syncTokens.push(token)
    const record = Uint8Array.from(new JuteWriter({ slabBytes: 16 }).writeUString('/').finish())
    const data = encodeRequestData({ kind: 'request', sessionId: 0n, cxid: 0, type: OpCode.sync, record, authinfo: [] })
    return [{ type: QuorumPacketType.REQUEST, zxid: -1, data, authinfo: [] }]
  }
}
