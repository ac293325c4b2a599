/**
 * The types the member's request pipeline shares with its stages and its host: a member's
 * options, client connections and their channels, queued requests, and the seams to the
 * replication runtime (apache/zookeeper's ServerCnxn, Request and the interfaces between its
 * RequestProcessors). Types only: every stage module may import it, and it imports no stage.
 * @module
 */
import type { Clock } from '../clock.js'
import type { Id } from '../protocol/data.js'
import type { Response, WriteRequest } from '../protocol/requests.js'
import type { DataTree } from '../tree/data-tree.js'
import type { Txn, TxnEntry } from '../txn/types.js'
import type { SessionTracker } from '../session/session-tracker.js'
import type { Watcher } from '../watch/watch-manager.js'
import type { ReadContext } from './reads.js'

/** Settings of a member; every one has ZooKeeper's default. */
export interface MemberOptions {
  /** ZooKeeper's tickTime, in ms. @defaultValue 2000 */
  tickTimeMs?: number
  /** Smallest session timeout granted, in ms. @defaultValue 2 x tickTimeMs */
  minSessionTimeoutMs?: number
  /** Largest session timeout granted, in ms. @defaultValue 20 x tickTimeMs */
  maxSessionTimeoutMs?: number
  /** Largest znode data, in bytes (ZooKeeper's jute.maxbuffer). @defaultValue 1048575 */
  maxDataBytes?: number
  /** `super:<base64 sha1>` digest of the super user (zookeeper.DigestAuthenticationProvider.superDigest). */
  superDigest?: string
  /** Skip every ACL check (ZooKeeper's skipACL). @defaultValue false */
  skipACL?: boolean
  /** Allow TTL nodes (ZooKeeper's zookeeper.extendedTypesEnabled, off there by default). @defaultValue true */
  extendedTypesEnabled?: boolean
  /**
   * Enforce quotas (ZooKeeper's zookeeper.enforceQuota): a create or setData that would take a
   * quota's subtree past a hard limit (`setquota -N` / `-B`) fails with QUOTAEXCEEDED, and one past
   * a soft limit (`-n` / `-b`) succeeds with a warning on the console (at most one line a second).
   * Usage is what the quota's `zookeeper_stats` shows plus the writes still in flight. Off, quotas
   * are only counted. @defaultValue false
   */
  enforceQuota?: boolean
  /** How often empty containers and expired TTL nodes are removed, in ms. @defaultValue 60000 */
  containerCheckIntervalMs?: number
  /**
   * Let clients change an ensemble's membership with `reconfig` (ZooKeeper's reconfigEnabled);
   * off, reconfig is answered RECONFIGDISABLED. It needs WRITE on /zookeeper/config (the super
   * user has it; the node's default ACL lets everyone read only). @defaultValue false
   */
  reconfigEnabled?: boolean
  /**
   * Serve read-only clients while the member has no quorum (ZooKeeper's `readonlymode.enabled`):
   * once it has looked for a leader for max(2000 ms, tickTime), clients that asked for read-only
   * (`canBeReadOnly`) may open sessions there and read its last applied tree, possibly stale;
   * writes and sync are refused with NOTREADONLY. An ensemble member only. @defaultValue false
   */
  readOnlyModeEnabled?: boolean
  /**
   * Start every new session as a local session (ZooKeeper's localSessionsEnabled): it lives only
   * on the member the client connected to, opens and closes without a transaction, expires there,
   * and cannot move to another member (a reconnect elsewhere gets SESSIONEXPIRED). A member alone
   * in its configuration (standalone) ignores it, as ZooKeeper's standalone server does.
   * @defaultValue false
   */
  localSessionsEnabled?: boolean
  /**
   * Upgrade a local session to a global one when it creates an ephemeral node (ZooKeeper's
   * localSessionsUpgradingEnabled); off, that create fails with EPHEMERALONLOCALSESSION. Only
   * matters with {@link MemberOptions.localSessionsEnabled}. @defaultValue false
   */
  localSessionsUpgradingEnabled?: boolean
  /** The member's id (myid); the top byte of its session ids. @defaultValue 0 */
  myid?: number
  /** The member's id under its older name. @deprecated Use {@link MemberOptions.myid}; kept for one release. */
  serverId?: number
  /** Where time comes from; a VirtualClock in tests. @defaultValue the system clock */
  clock?: Clock
}

/** The other end of a client connection, as the member sees it. */
export interface ClientConnection extends Watcher {
  /** The client's address, for `ip` ACLs. */
  readonly remoteAddress: string
  /**
   * Identities the connection proved before its session started, added to the channel's
   * `authInfo` beside `ip` (a verified TLS client certificate's `x509` id, and `super` for the
   * configured x509 superuser; ZooKeeper's X509AuthenticationProvider at the end of the handshake).
   */
  readonly identities?: readonly Id[]
  /** The member ended the connection's session: it expired, was closed, or moved to another connection. */
  sessionEnded(reason: 'expired' | 'closed' | 'moved'): void
}

/** A connection attached to a session: what every request of that connection carries. */
export interface Channel {
  readonly connection: ClientConnection
  readonly sessionId: bigint
  /** Identities the connection holds (ip and the connection's own {@link ClientConnection.identities} at first, digest after addauth). */
  readonly authInfo: Id[]
  /** False once detached; requests then fail with SESSIONEXPIRED or CONNECTIONLOSS. */
  attached: boolean
  /** What reads on this channel see, made on its first read. */
  readContext?: ReadContext
  /**
   * The session's requests still waiting for its own earlier writes or syncs, in request order
   * (ZooKeeper's CommitProcessor orders a session's reads only behind that session's writes).
   */
  readonly queue: Queued[]
}

/**
 * A request of a session waiting its turn: its own write (answered once its `response` is set at
 * commit), a read behind it, or a sync waiting for the leader.
 */
export type Queued = QueuedWrite | { kind: 'read'; run: () => void } | { kind: 'sync'; done: boolean; run: () => void }

/** A session's write in its queue: the reply waits there until every request before it is answered. */
export interface QueuedWrite {
  readonly kind: 'write'
  readonly channel: Channel
  readonly done: Done
  response: Response | undefined
  zxid: number
}

/** How a session was granted. */
export interface SessionGrant {
  channel: Channel
  sessionId: bigint
  passwd: Uint8Array
  timeoutMs: number
}

/** Parameters of a connect: a new session (no id) or the resumption of one. */
export interface ConnectParams {
  timeoutMs: number
  sessionId?: bigint
  passwd?: Uint8Array
}

/** Called with a response and the zxid for its reply header. */
export type Done = (response: Response, zxid: number) => void

/**
 * Where a leader's proposals go (the replication runtime): the member is told of commits, in zxid
 * order, through `Pipeline.commit`.
 */
export interface Committer {
  /** The zxid the next proposal will get (a prediction the ensemble corrects in `propose`). */
  nextZxid(): number
  /** Whether `propose` would take a proposal now (else it would answer `'busy'`). */
  hasRoom(): boolean
  /**
   * Makes the entry durable/replicated and returns the zxid it got; `'busy'` when as many
   * proposals as the ensemble allows are outstanding (the member holds the write until one
   * commits), or false when it cannot be proposed at all (no quorum).
   */
  propose(entry: TxnEntry): number | 'busy' | false
}

/** A write a follower sends to its leader, with what the leader's prep needs to know. */
export interface ForwardedWrite {
  /** The session that asked. */
  sessionId: bigint
  /** The client's xid. */
  cxid: number
  /** The session's identities, for the leader's ACL checks. */
  authInfo: Id[]
  /**
   * The request, or a new session to create; `upgrade` marks the createSession that turns a local
   * session into a global one (the leader knows the session from then on, ahead of its commit).
   */
  request: WriteRequest | { op: 'createSession'; timeoutMs: number; passwd: Uint8Array; upgrade?: boolean }
  /**
   * The session is local to the sending member: the leader does not know it and takes the
   * sender's word that it is open (ZooKeeper's leader lets another member's unknown sessions through).
   */
  localSession?: boolean
}

/** How a member that does not lead reaches the leader. */
export interface Forwarder {
  /** Sends a write to the leader; false when there is no leader to send it to. */
  forward(write: ForwardedWrite): boolean
  /** Asks the leader for a sync point; the member is told through `Pipeline.syncDone`. */
  sync(token: number): boolean
  /**
   * Tells the leader that a client resumed global session `sessionId` here, so this member owns
   * it now (ZooKeeper's REVALIDATE): writes through another member then get SESSIONMOVED. It goes
   * in the same FIFO as forwarded writes and syncs; false when there is no leader to tell.
   */
  revalidate(sessionId: bigint): boolean
}

/** What a member is doing in its ensemble; a standalone server is the leader of an ensemble of one. */
export type MemberRole = 'leader' | 'follower' | 'observer' | 'looking'

/**
 * The role as srvr, mntr and the admin server report it: a member alone in its configuration
 * reports `standalone` while it leads, as ZooKeeper does for a one-server configuration.
 */
export type ServerMode = MemberRole | 'standalone' | 'read-only'

/**
 * A member's options with every default filled in (what {@link MemberOptions} resolves to):
 * `superDigest` stays optional, `clock` is kept apart, `serverId` is folded into `myid`, and
 * `readOnlyModeEnabled` is read by the Pipeline itself.
 */
export type ResolvedMemberOptions = Required<Omit<MemberOptions, 'superDigest' | 'clock' | 'serverId' | 'readOnlyModeEnabled'>> & { superDigest: string | undefined }

/**
 * What the maintenance sweeps (session expiry, container and TTL removal) need of the member: its
 * state, and a way to propose the transactions the member makes itself. A narrow view of the
 * Pipeline, so `maintenance.ts` does not import it.
 */
export interface MaintenanceHost {
  /** The member's session table. */
  readonly sessions: SessionTracker
  /** The member's tree. */
  readonly tree: DataTree
  /** Whether writes wait for the ensemble to take more proposals (a sweep then waits too). */
  writesWaiting(): boolean
  /** The paths of the ephemerals `sessionId` owns, counting the changes in flight. */
  ephemeralsOf(sessionId: bigint): string[]
  /** Prep of a request the member makes itself, as the super user, for the next zxid now. */
  prepareInternal(request: WriteRequest): Txn
  /**
   * Proposes a transaction the member makes itself (cxid -1) for `sessionId`; `make` prepares it
   * when it is proposed, and `done` is called once it is applied here.
   */
  proposeInternal(sessionId: bigint, make: () => Txn, done: () => void): void
}
