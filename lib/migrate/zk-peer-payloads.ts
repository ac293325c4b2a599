/**
 * The payloads of ZooKeeper's quorum protocol as the replication runtime knows them, for a member
 * that follows an Apache ZooKeeper leader (`peerProtocol=zookeeper`): a PROPOSAL's TxnHeader and
 * txn record become Paddock's txn entry (lib/txn/codec.ts), the database after SNAP becomes the
 * snapshot bytes the runtime installs (lib/server/snapshot.ts), and the runtime's REQUEST bytes
 * (lib/server/replication.ts `LearnerRequest`) become ZooKeeper's REQUEST, touch table and
 * REVALIDATE. The ZooKeeper records are read with this folder's own codecs (zk-txnlog.ts,
 * zk-snapshot.ts, zookeeper-dir.ts), the ones the offline migration uses: one codec per format.
 *
 * The same codecs serve the other direction, for a Paddock member leading ZooKeeper learners
 * ({@link zkLeaderPayloads}): Paddock's txn entries become PROPOSAL data, the runtime's snapshot
 * becomes the serialized database after SNAP (written by zk-snapshot.ts's writer from
 * `zkSnapshotOf`, the offline export's), and a learner's REQUEST, touches and REVALIDATE become the
 * runtime's `LearnerRequest`.
 *
 * Decisions:
 * - A createSession's password is ZooKeeper's (derived from the session id, as every Apache member
 *   derives it), not the one the Paddock member drew: the session must resume on any member.
 * - A closeSession that names no paths (a log of ZooKeeper before 3.6, or closeSessionTxn
 *   disabled) deletes the session's ephemerals as the member's tree holds them when the proposal
 *   arrives (`ephemeralPaths`), as DataTree.killSession does at apply time.
 * - Touches and revalidations carry the session's timeout, which ZooKeeper's leader buckets the
 *   expiry by; a session the member does not know (closed meanwhile) is left out.
 * - Leading: a learner's request whose record does not read, or a read (never forwarded by a
 *   ZooKeeper learner), is dropped rather than turned into an error transaction.
 * @module
 */
import type { ZkLeaderPayloadCodec, ZkLearnerRequest, ZkPayloadCodec } from '../peer/zookeeper/payloads.js'
import { OpCode } from '../protocol/opcodes.js'
import type { Request } from '../protocol/requests.js'
import { toJuteRequest } from '../protocol/jute-client.js'
import { fromJuteRequest } from '../protocol/jute-server.js'
import { isWrite } from '../protocol/requests.js'
import { restoreSnapshotBytes, snapshotStateChunks } from '../server/snapshot.js'
import type { ForwardedWrite } from '../server/pipeline-types.js'
import type { LearnerRequest } from '../server/replication.js'
import { decodeTxnEntry, decodeValue, encodeTxnEntry, encodeValue } from '../txn/codec.js'
import type { Txn } from '../txn/types.js'
import { JuteDecodeError, JuteReader, JuteWriter } from '../wire/jute.js'
import { readRequest, writeRequest } from '../wire/requests.js'
import { MigrationError } from './errors.js'
import { emptyState } from './offline-state.js'
import { zooKeeperSessionPasswd } from './zk-format.js'
import { readSerializedSnapshot, writeSerializedSnapshot, zkSnapshotOf } from './zk-snapshot.js'
import { decodeZkTxnEntry, encodeZkTxnEntry } from './zk-txnlog.js'
import { stateOfZkSnapshot } from './zookeeper-dir.js'

/** The string a leader writes after the database of a SNAP (LearnerHandler; Learner.syncWithLeader checks it). */
export const snapSignature = 'BenWasHere'

/** What {@link zkPeerPayloads} needs from the member. */
export interface ZkPeerPayloadOptions {
  /** The timeout of a session the member knows, in ms; undefined for one it does not. */
  sessionTimeoutMs(sessionId: bigint): number | undefined
  /** The ephemeral nodes session `sessionId` owns now (for a closeSession that names none). @defaultValue none */
  ephemeralPaths?(sessionId: bigint): readonly string[]
}

/** The {@link ZkPayloadCodec} of a Paddock member following a ZooKeeper leader (see the module comment). */
export function zkPeerPayloads(options: ZkPeerPayloadOptions): ZkPayloadCodec {
  return {
    proposal: (zxid, data) => zkProposalEntry(zxid, data, options.ephemeralPaths),
    readSnapshot: readZkSnapStream,
    request: (data) => zkLearnerRequest(data, options.sessionTimeoutMs),
  }
}

/**
 * A PROPOSAL's data (TxnHeader, txn, optional TxnDigest) as Paddock's txn entry bytes. Throws
 * {@link MigrationError} for bytes that are no transaction, or a header whose zxid is not `zxid`.
 */
export function zkProposalEntry(zxid: number, data: Uint8Array, ephemeralPaths?: (sessionId: bigint) => readonly string[]): Uint8Array {
  const record = decodeZkTxnEntry(data, `PROPOSAL 0x${zxid.toString(16)}`)
  const { header } = record
  if (header.zxid !== zxid) throw new MigrationError('CORRUPT', `PROPOSAL 0x${zxid.toString(16)} carries a transaction of zxid 0x${header.zxid.toString(16)}`)
  const txn: Txn = record.txn.type === 'closeSession' && record.txn.paths2Delete === null
    ? { type: 'closeSession', paths2Delete: [...(ephemeralPaths?.(header.sessionId) ?? [])] }
    : (record.txn as Txn)
  return encodeTxnEntry({ header, txn })
}

/**
 * Reads the database a leader writes after SNAP, and the signature after it, from the front of
 * the stream, and returns it as the runtime's snapshot bytes at `zxid` (what `snapshotBytes`
 * writes). Throws the reader's `truncated` {@link JuteDecodeError} until all of it has arrived,
 * `invalid` for a wrong signature, {@link MigrationError} for a tree that does not hold together.
 */
export function readZkSnapStream(r: JuteReader, zxid: number): Uint8Array {
  const serialized = readSerializedSnapshot(r)
  const signature = r.readUString('SNAP signature')
  if (signature !== snapSignature) throw new JuteDecodeError('invalid', `SNAP signature ${JSON.stringify(signature)}, not "${snapSignature}"`)
  const state = stateOfZkSnapshot({ dbid: 0n, digest: undefined, ...serialized }, zxid, `SNAP 0x${zxid.toString(16)}`)
  return encodeValue([...snapshotStateChunks({ zxid, tree: state.tree, sessions: state.sessions.values() })])
}

/**
 * The runtime's REQUEST bytes as ZooKeeper traffic, or undefined for bytes that are no learner
 * request or a request ZooKeeper has no form for (a local session's upgrade, a deleteContainer).
 */
export function zkLearnerRequest(data: Uint8Array, sessionTimeoutMs: (sessionId: bigint) => number | undefined): ZkLearnerRequest | undefined {
  const request = decodeValue(data) as LearnerRequest | null
  if (typeof request !== 'object' || request === null) return undefined
  const touch = (sessionId: bigint) => {
    const timeoutMs = sessionTimeoutMs(sessionId)
    return timeoutMs === undefined ? undefined : { sessionId, timeoutMs }
  }
  switch (request.kind) {
    case 'touch':
      return { kind: 'touch', sessions: request.sessions.map(touch).filter((t) => t !== undefined) }
    case 'revalidate': {
      const session = touch(request.sessionId)
      return session === undefined ? undefined : { kind: 'revalidate', session }
    }
    case 'write':
      return writeRequestOf(request.write)
    default:
      return undefined
  }
}

function writeRequestOf(write: Extract<LearnerRequest, { kind: 'write' }>['write']): ZkLearnerRequest | undefined {
  const { sessionId, cxid, request } = write
  const authinfo = write.authInfo.map((id) => ({ scheme: id.scheme, id: id.id }))
  if (request.op === 'createSession') {
    // ZooKeeperServer.createSession: the record is the timeout alone, as a 4-byte int.
    if (request.upgrade === true || write.localSession === true) return undefined
    const record = Uint8Array.from(new JuteWriter({ slabBytes: 8 }).writeInt(request.timeoutMs).finish())
    return { kind: 'request', sessionId, cxid: 0, type: OpCode.createSession, record, authinfo }
  }
  const jute = toJuteRequest(request as Request)
  if (jute === undefined) return undefined
  const type = (OpCode as Record<string, number>)[jute.op]
  if (type === undefined) return undefined
  const w = new JuteWriter()
  writeRequest(w, jute)
  return { kind: 'request', sessionId, cxid, type, record: Uint8Array.from(w.finish()), authinfo }
}

/** What {@link zkLeaderPayloads} needs from the member. */
export interface ZkLeaderPayloadOptions {
  /** Whether the member knows `sessionId` as an open session (the answer to REVALIDATE). */
  sessionValid(sessionId: bigint): boolean
}

/**
 * The {@link ZkLeaderPayloadCodec} of a Paddock member leading ZooKeeper learners: Paddock's txn
 * entries as TxnHeader and txn record, the runtime's snapshot as ZooKeeper's serialized database,
 * and the learners' REQUEST, touch and REVALIDATE data as the runtime's {@link LearnerRequest}.
 */
export function zkLeaderPayloads(options: ZkLeaderPayloadOptions): ZkLeaderPayloadCodec {
  return {
    proposalData: zkProposalData,
    snapshotStream: zkSnapStream,
    learnerRequest: (request) => {
      const learner = learnerRequestOf(request)
      return learner === undefined ? undefined : encodeValue(learner)
    },
    sessionValid: options.sessionValid,
  }
}

/** A Paddock txn entry as a PROPOSAL's data. Throws {@link MigrationError} for a restore, which ZooKeeper has no transaction for. */
export function zkProposalData(entry: Uint8Array): Uint8Array {
  const { header, txn } = decodeTxnEntry(entry)
  if (txn.type === 'restore') throw new MigrationError('UNSUPPORTED', `the restore at 0x${header.zxid.toString(16)} has no ZooKeeper transaction`)
  return encodeZkTxnEntry(header, txn)
}

/** The runtime's snapshot bytes as what a ZooKeeper leader writes after SNAP: the serialized database and "BenWasHere". */
export function zkSnapStream(snapshot: Uint8Array): Uint8Array {
  const state = emptyState()
  restoreSnapshotBytes(state.tree, (s) => state.sessions.set(s.id, s), snapshot)
  const w = new JuteWriter({ slabBytes: 1 << 20 })
  const parts: Uint8Array[] = []
  const flush = (): void => void parts.push(Uint8Array.from(w.finish()))
  writeSerializedSnapshot(w, zkSnapshotOf(state), flush)
  w.writeUString(snapSignature)
  flush()
  return Buffer.concat(parts)
}

/** A ZooKeeper learner's request as the runtime's; undefined for one it has no form for (a read, a malformed record). */
export function learnerRequestOf(request: ZkLearnerRequest): LearnerRequest | undefined {
  switch (request.kind) {
    case 'touch':
      return { kind: 'touch', sessions: request.sessions.map((t) => t.sessionId) }
    case 'revalidate':
      return { kind: 'revalidate', sessionId: request.session.sessionId }
    case 'request': {
      const forwarded = forwardedRequestOf(request)
      if (forwarded === undefined) return undefined
      const authInfo = request.authinfo.map((id) => ({ scheme: id.scheme, id: id.id }))
      return { kind: 'write', write: { sessionId: request.sessionId, cxid: request.cxid, authInfo, request: forwarded } }
    }
  }
}

function forwardedRequestOf(request: Extract<ZkLearnerRequest, { kind: 'request' }>): ForwardedWrite['request'] | undefined {
  const r = new JuteReader(request.record)
  if (request.type === OpCode.createSession) {
    // Learner.request sends the timeout alone; the password is the one every ZooKeeper member derives from the id.
    return { op: 'createSession', timeoutMs: r.readInt('createSession timeout'), passwd: zooKeeperSessionPasswd(request.sessionId) }
  }
  if (request.type === OpCode.closeSession) return { op: 'closeSession' }
  try {
    const decoded = fromJuteRequest(readRequest(request.type, r))
    return 'err' in decoded || !isWrite(decoded) ? undefined : decoded
  } catch {
    return undefined
  }
}
