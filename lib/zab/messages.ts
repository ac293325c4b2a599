/**
 * The messages ZAB members exchange, with ZooKeeper's names (`quorum/Leader.java` packet types,
 * `FastLeaderElection.Notification`) and the names the Zab paper (DSN 2011) gives them.
 *
 * Every message except NOTIFICATION belongs to one learner session: the learner picks a fresh
 * `session` number each time it starts following, and both sides drop messages of other sessions.
 * This stands in for ZooKeeper's one-TCP-connection-per-LearnerHandler, so that a message from an
 * abandoned connection can never be taken as part of a new one.
 * @module
 */
import type { MemberConfig } from './config.js'
import { formatZxid } from '../protocol/zxid.js'

/** A member's role (ZooKeeper: `QuorumPeer.ServerState`). */
export type ServerState =
  /** Electing (paper: phase 0, election; ZooKeeper: LOOKING 0). */
  | 'LOOKING'
  /** A voter with a leader: discovery, sync, then broadcast (paper: follower; ZooKeeper: FOLLOWING 1). */
  | 'FOLLOWING'
  /** The prospective, then established, leader (paper: prospective leader / primary; ZooKeeper: LEADING 2). */
  | 'LEADING'
  /** A non-voting learner (not in the paper; ZooKeeper: OBSERVING 3). */
  | 'OBSERVING'

/**
 * FLE vote broadcast (ZooKeeper: `FastLeaderElection.Notification`; paper: phase 0, "vote").
 * `state` is the sender's role; members already FOLLOWING/LEADING answer LOOKING ones with it.
 */
export interface Notification {
  readonly type: 'NOTIFICATION'
  readonly state: ServerState
  /** Proposed leader's sid. */
  readonly leader: number
  /** Proposed leader's last logged zxid. */
  readonly zxid: number
  /** The sender's election round (ZooKeeper: `logicalclock`). */
  readonly electionEpoch: number
  /** Proposed leader's currentEpoch (ZooKeeper: `peerEpoch`). */
  readonly peerEpoch: number
  /**
   * The sender's active configuration, once a reconfig made one (ZooKeeper sends its config in
   * every notification): a LOOKING member with an older one takes it up, so a member that was
   * down during a reconfig still finds the ensemble.
   */
  readonly config?: MemberConfig
}

/** Learner → leader: "I follow you", with its acceptedEpoch (paper: CEPOCH; ZooKeeper: FOLLOWERINFO 11). */
export interface FollowerInfo { readonly type: 'FOLLOWERINFO'; readonly session: number; readonly acceptedEpoch: number }
/** As FOLLOWERINFO, from an observer; never counted in a quorum (ZooKeeper: OBSERVERINFO 16). */
export interface ObserverInfo { readonly type: 'OBSERVERINFO'; readonly session: number; readonly acceptedEpoch: number }
/** Leader → learner: the new epoch (paper: NEWEPOCH; ZooKeeper: LEADERINFO 17). */
export interface LeaderInfo { readonly type: 'LEADERINFO'; readonly session: number; readonly newEpoch: number }
/**
 * Learner → leader: epoch accepted, with its currentEpoch and last zxid (paper: ACK-E; ZooKeeper:
 * ACKEPOCH 18). `currentEpoch` is -1 when the learner had already accepted this epoch: the leader
 * syncs it but does not count it, as ZooKeeper does.
 */
export interface AckEpoch {
  readonly type: 'ACKEPOCH'
  readonly session: number
  /**
   * The epoch being acknowledged (the LEADERINFO's). ZooKeeper relies on the socket to tie the
   * two together; here a re-elected leader must not count an ACKEPOCH meant for its previous
   * leadership, whose promise does not cover the new epoch.
   */
  readonly epoch: number
  readonly currentEpoch: number
  readonly lastZxid: number
}
/** Leader → learner: your log matches mine up to `zxid`; the missing entries follow (ZooKeeper: DIFF 13). */
export interface Diff { readonly type: 'DIFF'; readonly session: number; readonly zxid: number }
/** Leader → learner: discard your log after `zxid`; the missing entries follow (ZooKeeper: TRUNC 14). */
export interface Trunc { readonly type: 'TRUNC'; readonly session: number; readonly zxid: number }
/** Leader → learner: replace your state with this snapshot taken at `zxid` (ZooKeeper: SNAP 15). */
export interface Snap { readonly type: 'SNAP'; readonly session: number; readonly zxid: number; readonly snapshot: Uint8Array }
/**
 * Leader → follower: log this transaction (paper: PROPOSE; ZooKeeper: PROPOSAL 2). A reconfig
 * entry carries its configuration (ZooKeeper keeps it in the txn; the core is blind to txns).
 */
export interface Proposal { readonly type: 'PROPOSAL'; readonly session: number; readonly zxid: number; readonly data: Uint8Array; readonly config?: MemberConfig }
/**
 * Follower → leader: everything up to `zxid` is durably logged (paper: ACK; ZooKeeper: ACK 3).
 * Cumulative, because a follower logs in order. A counter of 0 acknowledges NEWLEADER (paper: ACK-LD).
 */
export interface Ack { readonly type: 'ACK'; readonly session: number; readonly zxid: number }
/** Leader → learner: everything up to `zxid` is committed (paper: COMMIT; ZooKeeper: COMMIT 4). */
export interface Commit { readonly type: 'COMMIT'; readonly session: number; readonly zxid: number }
/** Leader → observer: a committed transaction with its data (ZooKeeper: INFORM 8). */
export interface Inform { readonly type: 'INFORM'; readonly session: number; readonly zxid: number; readonly data: Uint8Array; readonly config?: MemberConfig }
/**
 * Leader → learner: the synced history is complete; adopt the epoch and the leader's active
 * configuration (paper: NEWLEADER; ZooKeeper: NEWLEADER 10, whose data is the leader's config;
 * a Paddock leader always sends it).
 */
export interface NewLeader { readonly type: 'NEWLEADER'; readonly session: number; readonly zxid: number; readonly config?: MemberConfig }
/**
 * Leader → learner: a quorum acknowledged NEWLEADER; everything up to `zxid` is committed, start
 * serving (paper: COMMIT-LD; ZooKeeper: UPTODATE 12, which carries the commit point here as the
 * TLA+ spec's issues.md recommends).
 */
export interface UpToDate { readonly type: 'UPTODATE'; readonly session: number; readonly zxid: number }
/** Liveness probe in both directions; the learner echoes the leader's (ZooKeeper: PING 5). */
export interface Ping { readonly type: 'PING'; readonly session: number }
/** Learner → leader: a client request to order, opaque to the core (ZooKeeper: REQUEST 1). */
export interface Request { readonly type: 'REQUEST'; readonly session: number; readonly data: Uint8Array }
/**
 * Learner → leader asks for a sync; leader → learner answers once everything proposed before the
 * ask is committed, FIFO behind those COMMITs (ZooKeeper: SYNC 7 and a REQUEST of type sync).
 */
export interface Sync { readonly type: 'SYNC'; readonly session: number; readonly token: number }

/** A message of one learner session. */
export type SessionMessage =
  | FollowerInfo | ObserverInfo | LeaderInfo | AckEpoch | Diff | Trunc | Snap | Proposal | Ack | Commit
  | Inform | NewLeader | UpToDate | Ping | Request | Sync

/** Any ZAB message. */
export type ZabMessage = Notification | SessionMessage

/** A message and the server it goes to. */
export interface Envelope {
  readonly to: number
  readonly message: ZabMessage
}

/** One-line text form of a message for traces and golden transcripts. */
export function describe(message: ZabMessage): string {
  switch (message.type) {
    case 'NOTIFICATION':
      return `NOTIFICATION ${message.state} vote=(${message.leader}, ${formatZxid(message.zxid)}, peerEpoch ${message.peerEpoch}) round ${message.electionEpoch}`
    case 'FOLLOWERINFO':
    case 'OBSERVERINFO':
      return `${message.type} acceptedEpoch ${message.acceptedEpoch}`
    case 'LEADERINFO':
      return `LEADERINFO newEpoch ${message.newEpoch}`
    case 'ACKEPOCH':
      return `ACKEPOCH epoch ${message.epoch} currentEpoch ${message.currentEpoch} last ${formatZxid(message.lastZxid)}`
    case 'SNAP':
      return `SNAP ${formatZxid(message.zxid)} (${message.snapshot.byteLength} bytes)`
    case 'PROPOSAL':
    case 'INFORM':
      return `${message.type} ${formatZxid(message.zxid)} (${message.data.byteLength} bytes)`
    case 'REQUEST':
      return `REQUEST (${message.data.byteLength} bytes)`
    case 'SYNC':
      return `SYNC token ${message.token}`
    case 'PING':
      return 'PING'
    default:
      return `${message.type} ${formatZxid(message.zxid)}`
  }
}
