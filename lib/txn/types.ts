/**
 * The transaction records: the only way the data tree changes. The same records are applied by
 * a standalone server, replicated by ZAB, and replayed from the log, so applying one is
 * deterministic and idempotent enough for fuzzy snapshots (as ZooKeeper's txns are).
 * @module
 */

import type { ACL } from '../protocol/data.js'


/** What kind of znode a node is, which decides when the server removes it. */
export type NodeKind = 'persistent' | 'ephemeral' | 'container' | 'ttl'

/** The metadata every committed transaction carries (ZooKeeper's TxnHeader). */
export interface TxnHeader {
  /** Session that issued the request (0n for server-internal requests). */
  sessionId: bigint
  /** The client's request counter (xid) for that session, or 0. */
  cxid: number
  /** The transaction id: epoch * 2^32 + counter. */
  zxid: number
  /** The leader's wall clock when it prepared the transaction, in ms since the epoch. */
  time: number
}

/** Creates a znode (ZooKeeper CreateTxn / CreateContainerTxn / CreateTTLTxn). */
export interface CreateTxn {
  type: 'create'
  /** Full path, with the sequence suffix already appended. */
  path: string
  data: Uint8Array
  acl: readonly ACL[]
  kind: NodeKind
  /** Owning session for ephemerals, 0n otherwise. */
  ephemeralOwner: bigint
  /** Time to live in ms for `kind: 'ttl'`, else 0. */
  ttlMs: number
  /** The parent's stored child-create counter after this create. */
  parentCVersion: number
}

/** Deletes a znode (ZooKeeper DeleteTxn). */
export interface DeleteTxn {
  type: 'delete'
  path: string
}

/** Replaces a znode's data (ZooKeeper SetDataTxn); `version` is the new data version. */
export interface SetDataTxn {
  type: 'setData'
  path: string
  data: Uint8Array
  version: number
}

/** Replaces a znode's ACL (ZooKeeper SetACLTxn); `version` is the new aversion. */
export interface SetACLTxn {
  type: 'setACL'
  path: string
  acl: readonly ACL[]
  version: number
}

/** A version check that changes nothing (ZooKeeper CheckVersionTxn, used inside multi). */
export interface CheckTxn {
  type: 'check'
  path: string
  version: number
}

/** A failed request, still ordered and replicated so replies stay in order (ZooKeeper ErrorTxn). */
export interface ErrorTxn {
  type: 'error'
  /** The ZooKeeper error number. */
  err: number
}

/** Several transactions applied atomically under one zxid (ZooKeeper MultiTxn). */
export interface MultiTxn {
  type: 'multi'
  /** All sub-transactions; when the multi failed, every one is an {@link ErrorTxn}. */
  txns: TreeTxn[]
}

/** Opens a session (ZooKeeper CreateSessionTxn); the session id is in the header. */
export interface CreateSessionTxn {
  type: 'createSession'
  /** Negotiated session timeout in ms. */
  timeoutMs: number
  /** The session password (16 bytes), so every member can validate a reconnect. */
  passwd: Uint8Array
}

/** Closes a session and deletes its ephemerals (ZooKeeper CloseSessionTxn). */
export interface CloseSessionTxn {
  type: 'closeSession'
  /** The ephemerals to delete, computed by the leader against pending changes. */
  paths2Delete: string[]
  /** True when the leader closed the session because it expired (not at the client's request). */
  expired?: boolean
}

/**
 * Changes the ensemble's membership (ZooKeeper: a reconfig TxnHeader with a SetDataTxn of
 * /zookeeper/config). Applied, it sets /zookeeper/config to `text` plus `version=<zxid in hex>`;
 * the ZAB core makes the configuration active when it commits.
 */
export interface ReconfigTxn {
  type: 'reconfig'
  /** The new configuration's `server.N=...` lines, each ending in a newline, without the version line. */
  text: string
  /** Its voting members (participants), ascending. */
  voters: number[]
  /** Its observers, ascending. */
  observers: number[]
}

/**
 * Replaces the whole state of an ensemble with a backup (the admin server's `restore` on an
 * ensemble; ZooKeeper has no such record). Applied, it changes nothing in the tree: the member
 * then stops, installs the backup as the state of a new epoch and rejoins, so every member that
 * applies it ends on the same tree at the same zxid, and none takes a transaction after it in the
 * epoch it was proposed in (see "Online backup and restore" in the operations guide).
 */
export interface RestoreTxn {
  type: 'restore'
  /** The backup, in ZooKeeper's snapshot format, as the admin server received it. */
  backup: Uint8Array
}

/** The transaction records ZooKeeper has too, each applied by the tree itself (all but {@link RestoreTxn}). */
export type TreeTxn =
  | CreateTxn
  | DeleteTxn
  | SetDataTxn
  | SetACLTxn
  | CheckTxn
  | ErrorTxn
  | MultiTxn
  | CreateSessionTxn
  | CloseSessionTxn
  | ReconfigTxn

/** Any transaction record. */
export type Txn = TreeTxn | RestoreTxn

/** A transaction with its header: what is logged, replicated and applied. */
export interface TxnEntry {
  header: TxnHeader
  txn: Txn
  /**
   * The myid of the member whose client asked for the transaction (the leader's own for its
   * clients and its internal ones). A member answers a commit as its own request only when it came
   * from there: two connections of one session on two members can send the same cxid (a session
   * that moved), and (session, cxid) alone would hand one the other's answer. Absent in entries
   * written before it existed.
   */
  origin?: number
}
