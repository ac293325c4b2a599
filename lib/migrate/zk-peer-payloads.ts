/**
 * The payloads of ZooKeeper's quorum protocol as the replication runtime knows them, for a member
 * that follows an Apache ZooKeeper leader (`peerProtocol=zookeeper`): a PROPOSAL's TxnHeader and
 * txn record become Paddock's txn entry (lib/txn/codec.ts), the database after SNAP becomes the
 * snapshot bytes the runtime installs (lib/server/snapshot.ts), and the runtime's REQUEST bytes
 * (lib/server/replication.ts `LearnerRequest`) become ZooKeeper's REQUEST, touch table and
 * REVALIDATE. The ZooKeeper records are read with this folder's own codecs (zk-txnlog.ts,
 * zk-snapshot.ts, zookeeper-dir.ts), the ones the offline migration uses: one codec per format.
 *
 * Decisions:
 * - A createSession's password is ZooKeeper's (derived from the session id, as every Apache member
 *   derives it), not the one the Paddock member drew: the session must resume on any member.
 * - A closeSession that names no paths (a log of ZooKeeper before 3.6, or closeSessionTxn
 *   disabled) deletes the session's ephemerals as the member's tree holds them when the proposal
 *   arrives (`ephemeralPaths`), as DataTree.killSession does at apply time.
 * - Touches and revalidations carry the session's timeout, which ZooKeeper's leader buckets the
 *   expiry by; a session the member does not know (closed meanwhile) is left out.
 * @module
 */
import type { ZkLearnerRequest, ZkPayloadCodec } from '../peer/zookeeper/payloads.js'
import { OpCode } from '../protocol/opcodes.js'
import type { Request } from '../protocol/requests.js'
import { toJuteRequest } from '../protocol/jute-client.js'
import { snapshotStateChunks } from '../server/snapshot.js'
import type { LearnerRequest } from '../server/replication.js'
import { decodeValue, encodeTxnEntry, encodeValue } from '../txn/codec.js'
import type { Txn } from '../txn/types.js'
import { JuteDecodeError, JuteWriter, type JuteReader } from '../wire/jute.js'
import { writeRequest } from '../wire/requests.js'
import { MigrationError } from './errors.js'
import { readSerializedSnapshot } from './zk-snapshot.js'
import { decodeZkTxnEntry } from './zk-txnlog.js'
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
