/**
 * What the ZooKeeper transport needs to know of the bytes the core treats as opaque: a PROPOSAL's
 * transaction, the database after SNAP, and the learner's own REQUEST bytes (forwarded writes,
 * session touches, revalidations). The transport does not read them itself: lib/peer sits below
 * the modules that own those formats (lib/txn, lib/server's snapshots, lib/migrate's ZooKeeper
 * codecs), so the composition root hands it a {@link ZkPayloadCodec} (lib/migrate/zk-peer-payloads.ts).
 *
 * A leader's side has its own codec ({@link ZkLeaderPayloadCodec}): entries out as PROPOSAL data,
 * its snapshot out as the database after SNAP, the learners' requests in.
 *
 * Also here: the pure jute layouts of the learner's packet payloads that are no jute record
 * (Learner.request's REQUEST data, Learner.ping's touch table, Learner.validateSession's
 * REVALIDATE data, and the leader's REVALIDATE answer), written and read as `DataOutputStream`
 * and `DataInputStream` do.
 * @module
 */
import type { Id } from '../../protocol/data.js'
import { JuteReader, JuteWriter } from '../../wire/jute.js'

/** One session a learner reports alive, with its timeout (ZooKeeper's touch table entry). */
export interface ZkSessionTouch {
  /** The session id. */
  readonly sessionId: bigint
  /** Its timeout in ms, which ZooKeeper's leader buckets the next expiry by. */
  readonly timeoutMs: number
}

/** What a REQUEST the core sends becomes on ZooKeeper's wire. */
export type ZkLearnerRequest =
  /** A client request to order: REQUEST (Learner.request). */
  | {
      readonly kind: 'request'
      readonly sessionId: bigint
      readonly cxid: number
      /** The opcode (ZooDefs.OpCode). */
      readonly type: number
      /** The request record after the opcode (none for closeSession; an int timeout for createSession). */
      readonly record: Uint8Array
      /** The client's identities. */
      readonly authinfo: readonly Id[]
    }
  /** Sessions used here since the last report: they ride on the next PING reply. */
  | { readonly kind: 'touch'; readonly sessions: readonly ZkSessionTouch[] }
  /** A client resumed a session here: REVALIDATE (Learner.validateSession). */
  | { readonly kind: 'revalidate'; readonly session: ZkSessionTouch }

/** Reads and writes the payloads whose format lives above lib/peer. Each may throw for bad input. */
export interface ZkPayloadCodec {
  /**
   * PROPOSAL or INFORM data (TxnHeader, txn record, optional TxnDigest, as `Util.marshallTxnEntry`
   * writes it) as the core's entry bytes. Throws when the data is not such an entry or its
   * header's zxid is not `zxid`.
   */
  proposal(zxid: number, data: Uint8Array): Uint8Array
  /**
   * Reads what a leader writes after SNAP (`serializeSnapshot`, then "BenWasHere") from the front
   * of the stream and returns it as the snapshot bytes the runtime installs at `zxid`. Throws the
   * reader's `truncated` {@link JuteDecodeError} until the whole database has arrived.
   */
  readSnapshot(r: JuteReader, zxid: number): Uint8Array
  /** The core's REQUEST bytes as ZooKeeper traffic; undefined for bytes that are nothing to send. */
  request(data: Uint8Array): ZkLearnerRequest | undefined
}

/** REQUEST data: sessionId, cxid, type, then the request record's bytes (Learner.request). */
export function encodeRequestData(request: Extract<ZkLearnerRequest, { kind: 'request' }>): Uint8Array {
  const w = new JuteWriter({ slabBytes: 16 + request.record.length })
  w.writeLong(request.sessionId).writeInt(request.cxid).writeInt(request.type)
  const head = w.finish()
  const out = new Uint8Array(head.length + request.record.length)
  out.set(head, 0)
  out.set(request.record, head.length)
  return out
}

/** A PING reply's data: each touched session's id and timeout (Learner.ping); never null, which 3.8's leader cannot read. */
export function encodeTouchData(touches: Iterable<ZkSessionTouch>): Uint8Array {
  const w = new JuteWriter({ slabBytes: 1024 })
  for (const t of touches) w.writeLong(t.sessionId).writeInt(t.timeoutMs)
  return Uint8Array.from(w.finish())
}

/** REVALIDATE data: the session id and its timeout (Learner.validateSession). */
export function encodeRevalidateData(session: ZkSessionTouch): Uint8Array {
  const w = new JuteWriter({ slabBytes: 12 })
  return Uint8Array.from(w.writeLong(session.sessionId).writeInt(session.timeoutMs).finish())
}

/**
 * What a leader needs of the payloads above lib/peer to serve ZooKeeper learners
 * (learner-handler-link.ts). Each may throw for bytes it cannot read.
 */
export interface ZkLeaderPayloadCodec {
  /** The core's entry bytes as PROPOSAL or INFORM data: TxnHeader then txn record (`Util.marshallTxnEntry`). */
  proposalData(entry: Uint8Array): Uint8Array
  /**
   * The runtime's snapshot bytes as what a leader writes after SNAP: the serialized database
   * (`ZKDatabase.serializeSnapshot`), then the string "BenWasHere".
   */
  snapshotStream(snapshot: Uint8Array): Uint8Array
  /** A learner's request, touches or revalidation as the core's REQUEST bytes; undefined for one to drop. */
  learnerRequest(request: ZkLearnerRequest): Uint8Array | undefined
  /** Whether `sessionId` is an open session, for the answer to REVALIDATE (`checkIfValidGlobalSession`). */
  sessionValid(sessionId: bigint): boolean
}

/** Reads REQUEST data (see {@link encodeRequestData}); the authinfo comes from the packet. Throws {@link JuteDecodeError} when short. */
export function decodeRequestData(data: Uint8Array | null, authinfo: readonly Id[]): Extract<ZkLearnerRequest, { kind: 'request' }> {
  const bytes = data ?? new Uint8Array(0)
  const r = new JuteReader(bytes)
  const sessionId = r.readLong('REQUEST sessionId')
  const cxid = r.readInt('REQUEST cxid')
  const type = r.readInt('REQUEST type')
  return { kind: 'request', sessionId, cxid, type, record: bytes.subarray(16), authinfo }
}

/** Reads a PING reply's touch table (see {@link encodeTouchData}); a trailing partial entry is `truncated`. */
export function decodeTouchData(data: Uint8Array | null): ZkSessionTouch[] {
  const r = new JuteReader(data ?? new Uint8Array(0))
  const touches: ZkSessionTouch[] = []
  while (r.remaining > 0) touches.push({ sessionId: r.readLong('touch sessionId'), timeoutMs: r.readInt('touch timeout') })
  return touches
}

/** Reads REVALIDATE data from a learner (see {@link encodeRevalidateData}). */
export function decodeRevalidateData(data: Uint8Array | null): ZkSessionTouch {
  const r = new JuteReader(data ?? new Uint8Array(0))
  return { sessionId: r.readLong('REVALIDATE sessionId'), timeoutMs: r.readInt('REVALIDATE timeout') }
}

/** A leader's answer to REVALIDATE: the session id and whether it is valid (`DataOutputStream.writeBoolean`). */
export function encodeRevalidateAnswer(sessionId: bigint, valid: boolean): Uint8Array {
  const w = new JuteWriter({ slabBytes: 9 })
  return Uint8Array.from(w.writeLong(sessionId).writeBool(valid).finish())
}
