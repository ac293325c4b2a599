/**
 * One ZooKeeper learner's connection to this member as leader, as a pure mapping: ZooKeeper's
 * LearnerHandler side of learner-link.ts. The learner's QuorumPackets come in as the core's session
 * messages, and the messages the core sends on that session go out as QuorumPackets (and, after
 * SNAP, the serialized database). One link is one TCP connection and one core learner session; the
 * transport (transport.ts) numbers the sessions, as the core's learner does for its own.
 *
 * Decisions where the core's model and ZooKeeper's differ:
 * - COMMIT. The core commits cumulatively (everything up to zxid); ZooKeeper's learner takes one
 *   COMMIT per proposal, for the oldest one it holds, and fails its sync (or exits) on a COMMIT
 *   for a proposal it was never sent (Learner.syncWithLeader, FollowerZooKeeperServer.commit). The
 *   link keeps the zxids of the PROPOSALs sent and not yet committed (bounded) and writes one
 *   COMMIT per zxid the core's COMMIT covers; a COMMIT that covers none is not written.
 * - UPTODATE. The core's carries its commit point; ZooKeeper's carries -1. The proposals sent
 *   before it that the point covers are committed first (one COMMIT each), which ZooKeeper's learner
 *   applies after UPTODATE, in order.
 * - PING. The core pings every learner on every tick, ZooKeeper's learner reads only LEADERINFO
 *   and then DIFF, TRUNC or SNAP before its sync loop (anything else is fatal there): PINGs are
 *   not written before the sync packet. A PING carries the last zxid proposed on the link. The
 *   learner's PING reply is the core's PING, followed by its session touches as a touch REQUEST.
 * - Sync. A learner's REQUEST of type sync becomes the core's SYNC with a token the link draws;
 *   the core's SYNC answer is ZooKeeper's bare SYNC packet (the learner answers its syncs in order).
 * - REVALIDATE is answered at once, from the member's session table (the codec's `sessionValid`),
 *   and goes to the runtime as a revalidation, which records where the session lives now.
 * - The ACK a ZooKeeper learner sends after UPTODATE (counter 0) passes through: the core ignores an
 *   ACK of NEWLEADER it already counted.
 * @module
 */
import { zkPendingSyncsMax, zkUnackedProposalsMax } from '../../limits.js'
import { OpCode } from '../../protocol/opcodes.js'
import { epochOf, makeZxid } from '../../protocol/zxid.js'
import type { SessionMessage } from '../../zab/messages.js'
import { zkConfigText } from './mapping.js'
import { decodeRequestData, decodeRevalidateData, decodeTouchData, encodeRevalidateAnswer, type ZkLeaderPayloadCodec } from './payloads.js'
import { decodeIntData, encodeQuorumPacket, leaderInfoPacket, QuorumPacketType, quorumPacketTypeName, type QuorumPacket } from './quorum-packet.js'

/** Options of a {@link ZkLearnerHandlerLink}. */
export interface ZkLearnerHandlerLinkOptions {
  /** The learner's sid (from its LearnerInfo). */
  readonly sid: number
  /** The core learner session this connection carries. */
  readonly session: number
  /** Whether the learner said OBSERVERINFO. */
  readonly observer: boolean
  /** Reads and writes the payloads above lib/peer. */
  readonly payloads: ZkLeaderPayloadCodec
}

/** What one packet from the learner becomes: messages for the core, and bytes to answer with at once. */
export interface LearnerPacketResult {
  /** Session messages for the core, in order. */
  readonly messages: readonly SessionMessage[]
  /** Bytes to write back to the learner (the answer to REVALIDATE). */
  readonly replies: readonly Uint8Array[]
}

function packet(type: number, zxid: number, data: Uint8Array | null = null): QuorumPacket {
  return { type, zxid, data, authinfo: null }
}

/**
 * The core's FOLLOWERINFO or OBSERVERINFO for the first packet of a learner's connection, given
 * the session the transport drew for it. Throws for any other packet.
 */
export function learnerInfoMessage(first: QuorumPacket, session: number): Extract<SessionMessage, { type: 'FOLLOWERINFO' | 'OBSERVERINFO' }> {
  const acceptedEpoch = epochOf(first.zxid)
  if (first.type === QuorumPacketType.FOLLOWERINFO) return { type: 'FOLLOWERINFO', session, acceptedEpoch }
  if (first.type === QuorumPacketType.OBSERVERINFO) return { type: 'OBSERVERINFO', session, acceptedEpoch }
  throw new TypeError(`a learner's first packet is ${quorumPacketTypeName(first.type) ?? `type ${first.type}`}, not FOLLOWERINFO or OBSERVERINFO`)
}

/** The packets of one learner connection to this leader (see the module comment). */
export class ZkLearnerHandlerLink {
  /** The learner's sid. */
  readonly sid: number
  /** The core learner session this connection carries. */
  readonly session: number
  #newEpoch: number | undefined
  #syncSent = false
  /** Zxids of PROPOSALs written and not yet committed, ascending. */
  #uncommitted: number[] = []
  #lastProposed = 0
  #nextSyncToken = 1
  #syncsPending = 0

  constructor(private readonly options: ZkLearnerHandlerLinkOptions) {
    this.sid = options.sid
    this.session = options.session
  }

  /** The bytes to write for a message the core sends on this session (none for one with no wire form yet). */
  outgoing(message: SessionMessage): readonly Uint8Array[] {
    return this.#packets(message).map((p) => (p instanceof Uint8Array ? p : encodeQuorumPacket(p)))
  }

  #packets(message: SessionMessage): readonly (QuorumPacket | Uint8Array)[] {
    switch (message.type) {
      case 'LEADERINFO':
        this.#newEpoch = message.newEpoch
        return [leaderInfoPacket(makeZxid(message.newEpoch, 0))]
      case 'DIFF':
      case 'TRUNC':
        this.#syncSent = true
        return [packet(message.type === 'DIFF' ? QuorumPacketType.DIFF : QuorumPacketType.TRUNC, message.zxid)]
      case 'SNAP':
        this.#syncSent = true
        return [packet(QuorumPacketType.SNAP, message.zxid), this.options.payloads.snapshotStream(message.snapshot)]
      case 'PROPOSAL':
        return [this.#proposal(message.zxid, message.data)]
      case 'INFORM':
        this.#lastProposed = Math.max(this.#lastProposed, message.zxid)
        return [packet(QuorumPacketType.INFORM, message.zxid, this.options.payloads.proposalData(message.data))]
      case 'COMMIT':
        return this.#commits(message.zxid)
      case 'NEWLEADER': {
        const data = message.config === undefined ? null : new TextEncoder().encode(zkConfigText(message.config))
        return [packet(QuorumPacketType.NEWLEADER, message.zxid, data)]
      }
      case 'UPTODATE':
        return [...this.#commits(message.zxid), packet(QuorumPacketType.UPTODATE, -1)]
      case 'PING':
        return this.#syncSent ? [packet(QuorumPacketType.PING, this.#lastProposed)] : []
      case 'SYNC':
        if (this.#syncsPending > 0) this.#syncsPending--
        return [packet(QuorumPacketType.SYNC, 0)]
      default:
        throw new TypeError(`a leader never sends ${message.type}`)
    }
  }

  /** What a packet from the learner (after its first) becomes. Throws for one a learner never sends, or bad payload bytes. */
  incoming(p: QuorumPacket): LearnerPacketResult {
    const session = this.session
    switch (p.type) {
      case QuorumPacketType.ACKEPOCH: {
        const epoch = this.#newEpoch
        if (epoch === undefined) throw new TypeError('ACKEPOCH before LEADERINFO')
        return { messages: [{ type: 'ACKEPOCH', session, epoch, currentEpoch: decodeIntData(p.data, 'ACKEPOCH currentEpoch'), lastZxid: p.zxid }], replies: [] }
      }
      case QuorumPacketType.ACK:
        return { messages: [{ type: 'ACK', session, zxid: p.zxid }], replies: [] }
      case QuorumPacketType.PING:
        return { messages: [{ type: 'PING', session }, ...this.#request({ kind: 'touch', sessions: decodeTouchData(p.data) })], replies: [] }
      case QuorumPacketType.REQUEST:
        return this.#onRequest(p)
      case QuorumPacketType.REVALIDATE: {
        const touch = decodeRevalidateData(p.data)
        const answer = encodeRevalidateAnswer(touch.sessionId, this.options.payloads.sessionValid(touch.sessionId))
        return { messages: this.#request({ kind: 'revalidate', session: touch }), replies: [encodeQuorumPacket(packet(QuorumPacketType.REVALIDATE, -1, answer))] }
      }
      default:
        throw new TypeError(`learner ${this.sid} sent ${quorumPacketTypeName(p.type) ?? `packet type ${p.type}`}, which a learner never sends after its first packet`)
    }
  }

  #onRequest(p: QuorumPacket): LearnerPacketResult {
    const request = decodeRequestData(p.data, p.authinfo ?? [])
    if (request.type !== OpCode.sync) return { messages: this.#request(request), replies: [] }
    if (this.#syncsPending >= zkPendingSyncsMax) throw new RangeError(`more than ${zkPendingSyncsMax} syncs pending (zkPendingSyncsMax)`)
    this.#syncsPending++
    return { messages: [{ type: 'SYNC', session: this.session, token: this.#nextSyncToken++ }], replies: [] }
  }

  #request(request: Parameters<ZkLeaderPayloadCodec['learnerRequest']>[0]): SessionMessage[] {
    if (request.kind === 'touch' && request.sessions.length === 0) return []
    const data = this.options.payloads.learnerRequest(request)
    return data === undefined ? [] : [{ type: 'REQUEST', session: this.session, data }]
  }

  #proposal(zxid: number, entry: Uint8Array): QuorumPacket {
    if (zxid <= this.#lastProposed) throw new TypeError(`PROPOSAL 0x${zxid.toString(16)} after 0x${this.#lastProposed.toString(16)}`)
    if (this.#uncommitted.length >= zkUnackedProposalsMax) throw new RangeError(`more than ${zkUnackedProposalsMax} proposals sent to learner ${this.sid} and not committed (zkUnackedProposalsMax)`)
    const data = this.options.payloads.proposalData(entry)
    this.#lastProposed = zxid
    this.#uncommitted.push(zxid)
    return packet(QuorumPacketType.PROPOSAL, zxid, data)
  }

  // One COMMIT per proposal written on this link that `zxid` covers, oldest first.
  #commits(zxid: number): QuorumPacket[] {
    const out: QuorumPacket[] = []
    while (this.#uncommitted.length > 0 && (this.#uncommitted[0] as number) <= zxid) out.push(packet(QuorumPacketType.COMMIT, this.#uncommitted.shift() as number))
    return out
  }
}
