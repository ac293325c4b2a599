/**
 * The state the migration tools move between formats, outside any member, and how a committed
 * transaction changes it.
 * @module
 */
import { formatZxid } from '../protocol/zxid.js'
import { randomHashSeed } from '../server/hash-seed.js'
import type { SnapshotSession } from '../server/snapshot.js'
import { DataTree } from '../tree/data-tree.js'
import type { TxnEntry } from '../txn/types.js'
import { MigrationError } from './errors.js'

/** A member's state outside any member: what the migration tools move between formats. */
export interface OfflineState {
  /** The last zxid applied to {@link OfflineState.tree}. */
  zxid: number
  /** The znodes. */
  tree: DataTree
  /** Open sessions by id. */
  sessions: Map<bigint, SnapshotSession>
}

/** ZAB's two epochs, when the source kept them (a ZooKeeper quorum member's epoch files). */
export interface Epochs {
  /** acceptedEpoch. */
  readonly acceptedEpoch: number | undefined
  /** currentEpoch. */
  readonly currentEpoch: number | undefined
}

/**
 * Applies one committed transaction to an offline state as a member's pipeline does: the tree
 * applies it, and createSession / closeSession open and close the session. A restore entry
 * (which only Paddock's own log holds) is the caller's: it replaces the whole state.
 */
export function applyOffline(state: OfflineState, entry: TxnEntry): void {
  const { header, txn } = entry
  if (txn.type === 'restore') throw new MigrationError('UNSUPPORTED', `the restore entry ${formatZxid(header.zxid)} cannot be applied here`)
  if (txn.type === 'createSession') state.sessions.set(header.sessionId, { id: header.sessionId, timeoutMs: txn.timeoutMs, passwd: txn.passwd })
  state.tree.apply(header, txn)
  if (txn.type === 'closeSession') state.sessions.delete(header.sessionId)
  state.zxid = Math.max(state.zxid, header.zxid)
}

/** An empty state at zxid 0: the system nodes and no sessions. */
export function emptyState(): OfflineState {
  return { zxid: 0, tree: new DataTree({ hashSeeds: randomHashSeed }), sessions: new Map() }
}
