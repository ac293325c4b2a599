/**
 * The client's interfaces and option types, apart from the classes that implement them: the
 * {@link ZooKeeperClient} API, {@link Transaction}, {@link WatchStream}, the options of `connect()`,
 * and the transport contracts ({@link ClientTransport}, {@link ConnectionSink}). It imports nothing
 * of the client's implementation files, so each of them can depend on it without an import cycle.
 * @module
 */
import type { Clock } from '../clock.js'
import type { CreateModeValue } from '../protocol/create-mode.js'
import type { ACL, ClientInfo, Stat } from '../protocol/data.js'
import type { MultiReadResult, MultiResult, Request, Response } from '../protocol/requests.js'
import type { AddWatchMode, WatcherType, WatchNotification } from '../protocol/watch.js'
import type { ClientLogger, ConnectionState, KeeperState, SessionEvent, StateChangeEvent, WatchCallback, WatchedEvent } from './events.js'
import type { WatchKind } from './watch-registry.js'

/** Data as bytes, or a string sent as UTF-8. */
export type Data = Uint8Array | string

/** How a client reaches a member. */
export interface ClientTransport {
  /**
   * Sends one request; responses come back in request order (synchronously when already known).
   * A transport that can calls `onReply` synchronously when the reply arrives, before it handles
   * anything received after it, so a watch set by a read is registered before its event can come.
   */
  send(request: Request, onReply?: (response: Response) => void): Response | Promise<Response>
  /**
   * True when the member answering runs in this process. A read without a watch is then sent
   * before its path is checked, and the path is checked only when the member does not answer with
   * success: a path the tree holds is valid, so the check of a read that finds its node is left
   * out, and a path it cannot hold still gets BADARGUMENTS. @defaultValue false
   */
  readonly inProcess?: boolean
  /** Closes the session (closeSession) and the connection. */
  close(): Promise<void>
}

/** Where a transport delivers what the server pushes. */
export interface TransportSink {
  /** A watch notification. */
  notification(event: WatchNotification): void
  /** The session ended on the server's side. */
  sessionEnded(reason: 'expired' | 'closed' | 'moved'): void
}

/** Options of {@link ZooKeeperClient.create}. */
export interface CreateOptions {
  /** A `CreateMode` number. @defaultValue CreateMode.PERSISTENT */
  mode?: CreateModeValue
  /** The node's ACL. @defaultValue OPEN_ACL_UNSAFE (world:anyone, all permissions) */
  acl?: readonly ACL[]
  /** Time to live in ms, for the TTL modes. */
  ttlMs?: number
}

/** Options of reads that can leave a watch. */
export interface WatchOptions {
  /** Called once when the node (or its children, for getChildren) next changes. */
  watch?: WatchCallback
}

/** A create inside {@link ZooKeeperClient.multi}. */
export interface CreateOp extends CreateOptions {
  /** The operation. */
  op: 'create'
  /** Path of the new node (the prefix, for sequential modes). */
  path: string
  /** Initial data. */
  data?: Data
}

/** A delete inside {@link ZooKeeperClient.multi}. */
export interface DeleteOp {
  /** The operation. */
  op: 'delete'
  /** Path of the node to delete. */
  path: string
  /** Expected version; -1 (the default) matches any. */
  version?: number
}

/** A setData inside {@link ZooKeeperClient.multi}. */
export interface SetDataOp {
  /** The operation. */
  op: 'setData'
  /** Path of the node. */
  path: string
  /** The new data. */
  data: Data
  /** Expected version; -1 (the default) matches any. */
  version?: number
}

/** A version check inside {@link ZooKeeperClient.multi}. */
export interface CheckOp {
  /** The operation. */
  op: 'check'
  /** Path of the node. */
  path: string
  /** The version the node must have (-1: it only has to exist). */
  version: number
}

/** One operation of {@link ZooKeeperClient.multi}, with data as bytes or a string. */
export type Op = CreateOp | DeleteOp | SetDataOp | CheckOp

/** A read inside {@link ZooKeeperClient.multiRead}. */
export interface ReadOp {
  /** The read. */
  op: 'getData' | 'getChildren'
  /** Path of the node. */
  path: string
}

/** A created node: its path and Stat. */
export interface CreatedNode {
  /** The created path (with the sequence suffix for sequential modes). */
  path: string
  /** The new node's Stat. */
  stat: Stat
}

/** A membership change for {@link ZooKeeperClient.reconfig}. */
export interface ReconfigChange {
  /** Servers to add or change, each `server.N=host:quorumPort:electionPort[:role];[clientAddress:]clientPort`. */
  joining?: readonly string[]
  /** Ids of servers to remove. */
  leaving?: readonly number[]
  /** Every server of the new configuration (non-incremental; not with `joining` or `leaving`). */
  members?: readonly string[]
  /** The version the configuration must still have (as `getConfig` shows it, in hex there). */
  fromConfig?: number
}

/** A node's data and Stat. */
export interface NodeData {
  /** The data (a copy the caller owns). */
  data: Uint8Array
  /** The node's Stat. */
  stat: Stat
}

/** A node's data decoded as UTF-8, and its Stat. */
export interface NodeString {
  /** The data as a string. */
  data: string
  /** The node's Stat. */
  stat: Stat
}

/** Options of {@link ZooKeeperClient.sessionEvents}. */
export interface SessionEventsOptions {
  /** Ends the iteration (with the signal's reason) when aborted. */
  signal?: AbortSignal
  /** Events left unread before the iterator fails. @defaultValue 10000 */
  eventsBufferedMax?: number
}

/** A node's children and Stat. */
export interface NodeChildren {
  /** The child names, sorted. */
  children: string[]
  /** The node's Stat. */
  stat: Stat
}

/** A node's ACL and Stat. */
export interface NodeACL {
  /** The ACL entries. */
  acl: ACL[]
  /** The node's Stat. */
  stat: Stat
}

/** The client API: ZooKeeper's operations as promises that reject with `ZooKeeperError`. */
export interface ZooKeeperClient {
  /** The 64-bit session id. */
  readonly sessionId: bigint
  /** The negotiated session timeout in ms. */
  readonly sessionTimeoutMs: number
  /** The session password, for resuming the session on another connection. */
  readonly sessionPasswd: Uint8Array
  /** The current session state, as ZooKeeper's KeeperState. */
  readonly state: KeeperState
  /** The current connection state (the finer-grained union that state changes log). */
  readonly connectionState: ConnectionState
  /** Creates a znode and returns its path (with the sequence suffix for sequential modes). */
  create(path: string, data?: Data, options?: CreateOptions): Promise<string>
  /** Creates a znode and returns its path and Stat (ZooKeeper's create2). */
  createWithStat(path: string, data?: Data, options?: CreateOptions): Promise<CreatedNode>
  /** Deletes a znode if its version matches (-1, the default, matches any). */
  delete(path: string, version?: number): Promise<void>
  /** Reads a znode's data and Stat. */
  getData(path: string, options?: WatchOptions): Promise<NodeData>
  /** Reads a znode's data as a UTF-8 string, and its Stat. */
  getString(path: string, options?: WatchOptions): Promise<NodeString>
  /** Replaces a znode's data if its version matches; returns the new Stat. */
  setData(path: string, data: Data, version?: number): Promise<Stat>
  /** The Stat of a znode, or null when it does not exist (a watch is left either way). */
  exists(path: string, options?: WatchOptions): Promise<Stat | null>
  /** The names of a znode's children, sorted. */
  getChildren(path: string, options?: WatchOptions): Promise<string[]>
  /** The children and the Stat of a znode (ZooKeeper's getChildren2). */
  getChildrenWithStat(path: string, options?: WatchOptions): Promise<NodeChildren>
  /** A znode's ACL and Stat. */
  getACL(path: string): Promise<NodeACL>
  /** Replaces a znode's ACL if its aversion matches; returns the new Stat. */
  setACL(path: string, acl: readonly ACL[], version?: number): Promise<Stat>
  /** Applies the operations atomically; rejects with the first failing op's error. */
  multi(ops: readonly Op[]): Promise<MultiResult[]>
  /**
   * A builder over {@link ZooKeeperClient.multi}:
   * `zk.transaction().create('/a').setData('/b', 'x').check('/c', 3).delete('/d').commit()`.
   */
  transaction(): Transaction
  /** Several reads, each succeeding or failing on its own. */
  multiRead(ops: readonly ReadOp[]): Promise<MultiReadResult[]>
  /** Waits until this member has every write committed before the call. */
  sync(path: string): Promise<void>
  /** This session's ephemerals under a prefix (`/` = all). */
  getEphemerals(prefix?: string): Promise<string[]>
  /** Number of all descendants of a znode. */
  getAllChildrenNumber(path: string): Promise<number>
  /** Adds a persistent (or persistent-recursive) watch that fires on every change until removed. */
  addWatch(path: string, callback: WatchCallback, mode?: AddWatchMode): Promise<void>
  /**
   * Watches a znode (or, with `recursive`, its whole subtree) as an async iterator of events:
   * `for await (const event of zk.watch('/config', { recursive: true, signal })) { ... }`.
   * A persistent watch (addWatch) is registered at once (await `ready` to be sure it is in
   * place); breaking out of the loop or aborting the signal removes it from the server. The
   * iterator ends when the client closes and fails with SESSIONEXPIRED when the session expires.
   */
  watch(path: string, options?: WatchStreamOptions): WatchStream
  /** Removes watches of a type on a path (one callback, or all); NOWATCHER when there are none. */
  removeWatches(path: string, type: WatcherType, callback?: WatchCallback): Promise<void>
  /** Adds credentials to the connection, for example `addAuth('digest', 'user:password')`. */
  addAuth(scheme: string, auth: Data): Promise<void>
  /** The identities the connection holds. */
  whoAmI(): Promise<ClientInfo[]>
  /**
   * The ensemble's configuration (ZooKeeper's getConfig): the data of /zookeeper/config, its
   * `server.N` lines then `version=<hex>`, optionally watched for the next reconfig.
   */
  getConfig(options?: WatchOptions): Promise<NodeData>
  /**
   * Changes the ensemble's membership (ZooKeeper's reconfig, needs `reconfigEnabled` and WRITE on
   * /zookeeper/config): `joining` and `leaving` change it incrementally, `members` replaces it.
   * With `fromConfig`, only if the configuration's version is still that one (else BADVERSION).
   * Resolves with the new configuration once it is committed.
   */
  reconfig(change: ReconfigChange): Promise<NodeData>
  /** Subscribes to session state changes; returns the unsubscribe function. */
  onStateChange(listener: (event: StateChangeEvent) => void): () => void
  /**
   * Session events from now on as an async iterator of {@link SessionEvent}s (connected,
   * disconnected, expired, authFailed, connectedReadOnly, closed); it ends after `closed` or
   * `expired`.
   */
  sessionEvents(options?: SessionEventsOptions): AsyncIterableIterator<SessionEvent>
  /** Closes the session: its ephemerals are removed at once. */
  close(): Promise<void>
  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/** Operations collected for one atomic {@link ZooKeeperClient.multi}. */
export interface Transaction {
  /** The operations so far, in order. */
  readonly ops: readonly Op[]
  /** Adds a create (mode, ACL and TTL as in `create`). */
  create(path: string, data?: Data, options?: CreateOptions): Transaction
  /** Adds a delete; version -1 (the default) matches any. */
  delete(path: string, version?: number): Transaction
  /** Adds a setData; version -1 (the default) matches any. */
  setData(path: string, data: Data, version?: number): Transaction
  /** Adds a version check; version -1 only checks that the node exists. */
  check(path: string, version: number): Transaction
  /**
   * Applies every operation atomically, or none. Resolves with one result per operation;
   * rejects with the first failing operation's error (its `path` names that operation's node).
   * Paths and data are validated before anything is sent.
   */
  commit(): Promise<MultiResult[]>
}

/** Options of {@link ZooKeeperClient.watch}. */
export interface WatchStreamOptions {
  /** Watch the whole subtree (NodeCreated, NodeDeleted, NodeDataChanged below the path; no NodeChildrenChanged). @defaultValue false */
  recursive?: boolean
  /** Ends the iteration when aborted: `next()` rejects with the signal's reason and the server watch is removed. */
  signal?: AbortSignal
  /** Events left unread before the iterator fails (so a stalled consumer cannot exhaust memory). @defaultValue 10000 */
  eventsBufferedMax?: number
}

/** The iterator {@link ZooKeeperClient.watch} returns. */
export interface WatchStream extends AsyncIterableIterator<WatchedEvent> {
  /** Resolves once the server holds the watch; rejects if it could not be added (the iterator then fails too). */
  readonly ready: Promise<void>
  /** Resolves once the iteration has ended and the server watch is removed (or could not be). */
  readonly closed: Promise<void>
  /** Ends the iteration and removes the server watch (what `break` in a `for await` loop calls). */
  return(): Promise<IteratorResult<WatchedEvent>>
}

/** Credentials for {@link TcpClientOptions.auth}, as addAuth takes them. */
export interface AuthCredentials {
  /** The auth scheme, for example `digest`. */
  scheme: string
  /** The credentials, for example `user:password`. */
  auth: string | Uint8Array
}

/**
 * TLS for `connect()`: the CAs that vouch for the server, and the client's own certificate for a
 * server that asks for one (ZooKeeper's `ssl.clientAuth`; it then authenticates the session as
 * `x509:<subject>`). PEM text, or a PKCS12 bundle as `pfx`.
 */
export interface TcpTlsOptions {
  /** CAs the server's certificate must chain to. @defaultValue Node's bundled root CAs */
  ca?: string | Uint8Array | readonly (string | Uint8Array)[]
  /** The client's certificate chain, PEM. */
  cert?: string | Uint8Array
  /** The client's private key, PEM. */
  key?: string | Uint8Array
  /** The client's key and certificate as a PKCS12 bundle, instead of `key` and `cert`. */
  pfx?: Uint8Array
  /** Passphrase of an encrypted `key` or of `pfx`. */
  passphrase?: string
  /** Name sent as SNI and checked against the server's certificate. @defaultValue the host, unless it is an IP address */
  servername?: string
  /** Refuse a server whose certificate the CAs do not vouch for. @defaultValue true */
  rejectUnauthorized?: boolean
  /**
   * Check that the server's certificate names the host connected to (ZooKeeper's
   * `zookeeper.ssl.hostnameVerification`). @defaultValue true
   */
  hostnameVerification?: boolean
  /** Oldest protocol offered. @defaultValue 'TLSv1.2' */
  minVersion?: 'TLSv1.2' | 'TLSv1.3'
  /** Newest protocol offered. @defaultValue 'TLSv1.3' */
  maxVersion?: 'TLSv1.2' | 'TLSv1.3'
  /** Cipher suites offered, as an OpenSSL cipher list. @defaultValue Node's defaults */
  ciphers?: string
}

/** Options of `connect()`. */
export interface TcpClientOptions {
  /**
   * Speak TLS to the servers (ZooKeeper's `zookeeper.client.secure=true`); connect to their
   * secureClientPort (or a unified client port).
   */
  tls?: TcpTlsOptions
  /** Requested session timeout, ms; the server clamps it to [minSessionTimeout, maxSessionTimeout]. @defaultValue 30000 */
  sessionTimeoutMs?: number
  /**
   * How long `connect()` waits for the first session before it rejects with CONNECTIONLOSS, ms.
   * @defaultValue the requested session timeout
   */
  initialConnectTimeoutMs?: number
  /** Per-attempt connect and handshake timeout, ms. @defaultValue session timeout / number of hosts (ZooKeeper's rule) */
  connectTimeoutMs?: number
  /** Back-off after every host failed once, ms (jittered to between half and all of it). @defaultValue 1000 */
  reconnectDelayMs?: number
  /** Try the hosts in a random order, so clients spread over an ensemble. @defaultValue true */
  shuffleHosts?: boolean
  /** Numbers in [0, 1) for the host shuffle and the back-off jitter. @defaultValue Math.random */
  random?: () => number
  /**
   * Accept a read-only server (ZooKeeper's canBeReadOnly): a member that lost its quorum and
   * serves in read-only mode. There the state is `connectedReadOnly` (`ConnectedReadOnly`), reads
   * may be stale and writes fail with NOTREADONLY; meanwhile the client asks the other servers of
   * the connect string `isro` (after 100 ms, then doubling up to 60 s) and reconnects to the first
   * read-write one. A session a read-only server opened is not kept: the read-write server opens
   * a new one. @defaultValue false
   */
  canBeReadOnly?: boolean
  /** Largest znode data and frame, bytes (jute.maxbuffer); larger data fails before it is sent. @defaultValue 1048575 */
  maxBufferBytes?: number
  /** Requests allowed to wait for a connection while reconnecting; more fail with CONNECTIONLOSS. @defaultValue 10000 */
  requestsQueuedMax?: number
  /** How long close() waits for the server to confirm closeSession, ms. @defaultValue 2000 */
  closeTimeoutMs?: number
  /** Resume this session (with {@link TcpClientOptions.sessionPasswd}) instead of opening a new one. */
  sessionId?: bigint
  /** The password of the session to resume. */
  sessionPasswd?: Uint8Array
  /** Credentials sent before any request, and again on every reconnect (as addAuth). */
  auth?: readonly AuthCredentials[]
  /**
   * SASL DIGEST-MD5 credentials (ZooKeeper's JAAS `Client` section): every connection runs the
   * SASL exchange before any other request, and the session holds `sasl:<username>`. A refused
   * exchange ends the client as AUTHFAILED, as a refused `auth` does.
   */
  sasl?: TcpSaslOptions
  /** Where ping, read and connect timers come from. @defaultValue the system clock */
  clock?: Clock
  /** Where state changes (`state: connecting -> connected`) and connection trouble go. @defaultValue silent */
  logger?: ClientLogger
}

/** SASL credentials of a TCP client; DIGEST-MD5 is the only mechanism (Kerberos is not supported). */
export interface TcpSaslOptions {
  /** The mechanism. @defaultValue 'DIGEST-MD5' */
  mechanism?: 'DIGEST-MD5'
  /** The user name. */
  username: string
  /** The password. */
  password: string
}

/** What a session grant tells the client. */
export interface SessionInfo {
  /** The session id. */
  sessionId: bigint
  /** The negotiated timeout, ms. */
  sessionTimeoutMs: number
  /** The session password. */
  sessionPasswd: Uint8Array
  /** The server is read-only. */
  readOnly: boolean
  /** The same session was held before on an earlier connection. */
  reconnected: boolean
  /** `host:port` of the server. */
  server: string
}

/** What the TCP transport tells its client beyond notifications. */
export interface ConnectionSink extends TransportSink {
  /** A server granted (or resumed) the session. */
  connected(info: SessionInfo): void
  /** The connection was lost; the transport is reconnecting. */
  disconnected(reason: string): void
  /** The server refused addAuth credentials; the transport has stopped. */
  authFailed(scheme: string): void
  /** The paths of the watches to re-register after a reconnect. */
  watchesToRestore(): Record<WatchKind, string[]>
}
