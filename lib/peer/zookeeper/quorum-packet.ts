/**
 * The records of ZooKeeper's quorum port (zookeeper.jute, module `org.apache.zookeeper.server.quorum`),
 * as 3.8's Learner, LearnerHandler and Leader exchange them:
 *
 * ```
 * class QuorumPacket { int type; long zxid; buffer data; vector<org.apache.zookeeper.data.Id> authinfo; }
 * class LearnerInfo  { long serverid; int protocolVersion; long configVersion; }
 * ```
 *
 * The quorum stream is a bare sequence of QuorumPackets (BinaryOutputArchive.writeRecord, no
 * frame), read with {@link readQuorumPacket}. What `data` holds depends on the type: a
 * LearnerInfo in FOLLOWERINFO and OBSERVERINFO, the leader's protocol version (an int) in
 * LEADERINFO, the learner's currentEpoch (an int) in ACKEPOCH, a TxnHeader and txn record in
 * PROPOSAL and INFORM; the rest carry nothing or a zxid alone. After a SNAP packet the leader writes
 * the serialized database and the string "BenWasHere" straight onto the stream, outside any packet.
 * @module
 */
import { zkQuorumPacketBufferBytesMax } from '../../limits.js'
import type { Id } from '../../protocol/data.js'
import { JuteDecodeError, JuteReader, JuteWriter } from '../../wire/jute.js'
import { readId, writeId } from '../../wire/records.js'

/** QuorumPacket types: the constants of `quorum/Leader.java` (3.8). */
export const QuorumPacketType = {
  /** Learner → leader: a client write to forward. */
  REQUEST: 1,
  /** Leader → followers: a transaction to log. */
  PROPOSAL: 2,
  /** Follower → leader: a proposal logged (or NEWLEADER, UPTODATE acknowledged). */
  ACK: 3,
  /** Leader → followers: a quorum acknowledged the zxid. */
  COMMIT: 4,
  /** Both ways: liveness, and the learner's session touches. */
  PING: 5,
  /** Learner → leader: a reconnecting client's session to check. */
  REVALIDATE: 6,
  /** Leader → learner: a client sync is complete. */
  SYNC: 7,
  /** Leader → observers: a committed transaction with its data. */
  INFORM: 8,
  /** Leader → followers: COMMIT of a reconfig, activating it. */
  COMMITANDACTIVATE: 9,
  /** Leader → learner: sync is over, with the new epoch's zxid (and config). */
  NEWLEADER: 10,
  /** Follower → leader: the first packet, with a LearnerInfo. */
  FOLLOWERINFO: 11,
  /** Leader → learner: start serving. */
  UPTODATE: 12,
  /** Leader → learner: sync by the transactions that follow. */
  DIFF: 13,
  /** Leader → learner: truncate the log to the zxid. */
  TRUNC: 14,
  /** Leader → learner: a snapshot follows on the stream. */
  SNAP: 15,
  /** Observer → leader: the first packet, with a LearnerInfo. */
  OBSERVERINFO: 16,
  /** Leader → learner: the new epoch (in zxid) and the leader's protocol version (in data). */
  LEADERINFO: 17,
  /** Learner → leader: the new epoch accepted, its last zxid and currentEpoch. */
  ACKEPOCH: 18,
  /** Leader → observers: INFORM of a reconfig, activating it. */
  INFORMANDACTIVATE: 19,
} as const

/** The name of a {@link QuorumPacketType}. */
export type QuorumPacketTypeName = keyof typeof QuorumPacketType

const typeNames = new Map<number, QuorumPacketTypeName>(
  Object.entries(QuorumPacketType).map(([name, type]) => [type, name as QuorumPacketTypeName]),
)

/** The name of a packet type, or undefined for a number Leader.java does not define. */
export function quorumPacketTypeName(type: number): QuorumPacketTypeName | undefined {
  return typeNames.get(type)
}

/** The protocol version of 3.8's learners and leaders, in LearnerInfo and LEADERINFO: 0x10000. */
export const LEARNER_PROTOCOL_VERSION = 0x10000

/** A `QuorumPacket`. The type is kept as a number: an unknown one is the caller's to refuse. */
export interface QuorumPacket {
  /** One of {@link QuorumPacketType}. */
  readonly type: number
  /** The packet's zxid (a safe integer; REQUEST sends -1). */
  readonly zxid: number
  /** The payload; null when ZooKeeper sent none (jute's -1 length). */
  readonly data: Uint8Array | null
  /** The ids of a forwarded request's client (REQUEST); null when none were sent. */
  readonly authinfo: readonly Id[] | null
}

/** Writes a QuorumPacket as BinaryOutputArchive.writeRecord does. */
export function writeQuorumPacket(w: JuteWriter, p: QuorumPacket): void {
  w.writeInt(p.type).writeLongNumber(p.zxid).writeBuffer(p.data)
  if (p.authinfo === null) {
    w.writeVectorCount(null)
    return
  }
  w.writeVectorCount(p.authinfo.length)
  for (const id of p.authinfo) writeId(w, id)
}

/** Encodes one QuorumPacket as the bytes it takes on the quorum stream. */
export function encodeQuorumPacket(p: QuorumPacket): Uint8Array {
  const w = new JuteWriter({ slabBytes: 24 + (p.data?.length ?? 0) })
  writeQuorumPacket(w, p)
  const out = w.finish()
  return new Uint8Array(out.buffer, out.byteOffset, out.length)
}

/**
 * Reads one QuorumPacket (for {@link readFromStream} or {@link ZkStreamBuffer.next}, with
 * `maxBufferBytes` {@link zkQuorumPacketBufferBytesMax}). Throws {@link JuteDecodeError}:
 * `badLength` for a negative or oversized data length or authinfo count, `unsafeInteger` for a
 * zxid no JS number holds.
 */
export function readQuorumPacket(r: JuteReader): QuorumPacket {
  const type = r.readInt('QuorumPacket.type')
  const zxid = r.readLongNumber('QuorumPacket.zxid')
  const data = r.readBufferOrNull('QuorumPacket.data')
  // An Id is two ustrings, at least 8 bytes: the count is checked against the bytes left.
  const count = r.readVectorCount('QuorumPacket.authinfo', 8)
  if (count === -1) return { type, zxid, data, authinfo: null }
  const authinfo: Id[] = []
  for (let i = 0; i < count; i++) authinfo.push(readId(r))
  return { type, zxid, data, authinfo }
}

/** Decodes exactly one QuorumPacket from `bytes`; trailing bytes are `invalid`. */
export function decodeQuorumPacket(bytes: Uint8Array): QuorumPacket {
  const r = new JuteReader(bytes, { maxBufferBytes: zkQuorumPacketBufferBytesMax })
  const packet = readQuorumPacket(r)
  if (r.remaining !== 0) throw new JuteDecodeError('invalid', `${r.remaining} bytes after a QuorumPacket`)
  return packet
}

/**
 * A `LearnerInfo`, the data of FOLLOWERINFO and OBSERVERINFO. 3.8's learners write all three
 * fields (Learner.registerWithLeader: its sid, 0x10000, its QuorumVerifier's version);
 * LearnerHandler also takes the shorter forms of older learners, read here as undefined.
 */
export interface LearnerInfo {
  /** The learner's sid. */
  readonly serverid: bigint
  /** The learner's protocol version ({@link LEARNER_PROTOCOL_VERSION}); undefined from a pre-3.4 learner. */
  readonly protocolVersion: number | undefined
  /** The version (a zxid) of the learner's configuration; undefined from a pre-3.5 learner. */
  readonly configVersion: number | undefined
}

/** Encodes a LearnerInfo (20 bytes); every field must be present. */
export function encodeLearnerInfo(info: LearnerInfo): Uint8Array {
  if (info.protocolVersion === undefined || info.configVersion === undefined) {
    throw new TypeError('encodeLearnerInfo: 3.8 writes protocolVersion and configVersion')
  }
  const w = new JuteWriter({ slabBytes: 20 })
  w.writeLong(info.serverid).writeInt(info.protocolVersion).writeLongNumber(info.configVersion)
  return Uint8Array.from(w.finish())
}

/**
 * Decodes FOLLOWERINFO/OBSERVERINFO data as LearnerHandler.run does: the sid from 8 bytes on,
 * the protocol version from 12, the config version from 20; extra bytes are ignored. Throws
 * {@link JuteDecodeError} `truncated` under 8 bytes (ZooKeeper would give such a learner a made-up
 * sid; Paddock refuses it) and `unsafeInteger` for a config version no JS number holds.
 */
export function decodeLearnerInfo(data: Uint8Array): LearnerInfo {
  const r = new JuteReader(data)
  const serverid = r.readLong('LearnerInfo.serverid')
  const protocolVersion = data.length >= 12 ? r.readInt('LearnerInfo.protocolVersion') : undefined
  const configVersion = data.length >= 20 ? r.readLongNumber('LearnerInfo.configVersion') : undefined
  return { serverid, protocolVersion, configVersion }
}

/** Encodes one big-endian int: the data of LEADERINFO (protocol version) and ACKEPOCH (currentEpoch). */
export function encodeIntData(value: number): Uint8Array {
  const w = new JuteWriter({ slabBytes: 4 })
  return Uint8Array.from(w.writeInt(value).finish())
}

/**
 * Reads the int at the start of LEADERINFO or ACKEPOCH data, as `ByteBuffer.wrap(data).getInt()`
 * does (later bytes ignored). Throws {@link JuteDecodeError} `truncated` for null or short data.
 */
export function decodeIntData(data: Uint8Array | null, what: string): number {
  return new JuteReader(data ?? new Uint8Array(0)).readInt(what)
}

/**
 * The LEADERINFO a 3.8 leader sends a learner (LearnerHandler.run): the new epoch's first zxid and
 * its protocol version.
 */
export function leaderInfoPacket(newEpochZxid: number, protocolVersion = LEARNER_PROTOCOL_VERSION): QuorumPacket {
  return { type: QuorumPacketType.LEADERINFO, zxid: newEpochZxid, data: encodeIntData(protocolVersion), authinfo: null }
}

/**
 * The ACKEPOCH a 3.8 learner answers LEADERINFO with (Learner.registerWithLeader): its last logged
 * zxid and its currentEpoch, or -1 when it had already accepted the epoch (not an acknowledgement).
 */
export function ackEpochPacket(lastLoggedZxid: number, currentEpoch: number): QuorumPacket {
  return { type: QuorumPacketType.ACKEPOCH, zxid: lastLoggedZxid, data: encodeIntData(currentEpoch), authinfo: null }
}
