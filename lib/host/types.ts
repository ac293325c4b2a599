/**
 * The embedding API's types: the options of `createServer` and `startMember`, and the running
 * server they return. A standalone server and an ensemble member are one kind of object (a
 * standalone server is an ensemble of one); `Server` is the part every member has.
 * @module
 */
import type { Clock } from '../clock.js'
import type { NodeData, ReconfigChange, ZooKeeperClient } from '../client/types.js'
import type { ServerSpec } from '../config/zoo-cfg.js'
import type { PeerHub } from '../peer/transport.js'
import type { MemberOptions } from '../server/pipeline-types.js'
import type { DurabilityOptions, ReplicationLogger } from '../server/replication.js'
import type { ClientPortOptions } from '../wire/server.js'
import type { ServerTlsOptions } from './tls.js'
import type { ClientSaslOptions, EnforceAuthOptions } from './sasl.js'
import type { QuorumTlsOptions } from './quorum-tls.js'
import type { QuorumSaslOptions } from './quorum-sasl.js'
import type { TlsStoreOptions } from './tls-stores.js'
import type { Storage } from '../../storage/index.js'

/** Options of {@link createServer}. */
export interface ServerOptions extends MemberOptions, DurabilityOptions {
  /**
   * Directory of the LevelDB transaction log and snapshots (ZooKeeper's dataDir). Without it (and
   * without `storage`) the server keeps everything in memory and forgets it on close.
   */
  dataDir?: string
  /** A storage to use instead of the LevelDB one in `dataDir` (for example a MemoryStorage in tests). */
  storage?: Storage
  /**
   * TCP port of the ZooKeeper client protocol; 0 picks a free one. Without it the server is
   * reachable only in-process.
   */
  port?: number
  /** Address the client port binds. @defaultValue '127.0.0.1' */
  host?: string
  /**
   * TLS for clients: a TLS-only port (`tls.port`, zoo.cfg's secureClientPort), TLS on the
   * plain-text port too (`tls.portUnification`), and the `x509` auth scheme for clients whose
   * certificate verifies. Start-up fails with a `TlsConfigError` naming the setting and the file
   * when the certificates cannot be served.
   */
  tls?: ServerTlsOptions
  /**
   * SASL DIGEST-MD5 for clients (ZooKeeper's JAAS `Server` section with DigestLoginModule): a
   * client that authenticates gets `sasl:<user>`, usable in ACLs. Start-up fails with an
   * `AuthConfigError` when it has no users.
   */
  sasl?: ClientSaslOptions
  /**
   * Refuse sessions that have not authenticated with one of these schemes (ZooKeeper's
   * `enforce.auth.enabled` / `enforce.auth.schemes`, or `sessionRequireClientSASLAuth`): their
   * first request other than auth or sasl is answered SESSIONCLOSEDREQUIRESASLAUTH and the
   * connection closed. Start-up fails with an `AuthConfigError` for a scheme the server cannot
   * authenticate.
   */
  enforceAuth?: EnforceAuthOptions
  /** Connections allowed from one address, 0 = unlimited (ZooKeeper's maxClientCnxns). @defaultValue 60 */
  maxClientCnxns?: number
  /**
   * Connections allowed to the client port from every address together, 0 = unlimited
   * (ZooKeeper's `zookeeper.maxCnxns`); one more is closed at once and logged. @defaultValue 0
   */
  maxCnxns?: number
  /**
   * Requests in flight on the client port, all connections together, past which it stops reading
   * requests until half have been answered (ZooKeeper's globalOutstandingLimit; health is then
   * `throttled`). 0 = no limit. @defaultValue 1000
   */
  globalOutstandingLimit?: number
  /** Enabled four-letter words, as `4lw.commands.whitelist` (`*` = all). @defaultValue 'srvr' */
  fourLetterWordsWhitelist?: string
  /** Where the client port reports refused or broken connections. @defaultValue console.warn */
  clientPortLogger?: ClientPortOptions['logger']
  /**
   * TCP port of the HTTP admin server (`/commands`, `/metrics`; zoo.cfg's `admin.serverPort`);
   * 0 picks a free one. Without it there is no admin server.
   */
  adminServerPort?: number
  /** Address the admin server binds. @defaultValue '127.0.0.1' */
  adminServerHost?: string
  /**
   * TCP port of a Prometheus endpoint serving `GET /metrics` alone, under ZooKeeper's metric
   * names (zoo.cfg's `metricsProvider.httpPort` with ZooKeeper's PrometheusMetricsProvider
   * class); 0 picks a free one, read back from `server.metricsAddress`. Without it there is none
   * (the admin server's `/metrics` serves the same text).
   */
  metricsPort?: number
  /** Address the Prometheus endpoint binds (`metricsProvider.httpHost`). @defaultValue '127.0.0.1' */
  metricsHost?: string
  /**
   * Serve the web console under `/console/` of the admin server (zoo.cfg's
   * `admin.console.enabled`; needs `adminServerPort`). It opens in-process sessions on this
   * server, read-only until a user signs in with a digest identity. @defaultValue false
   */
  adminConsoleEnabled?: boolean
  /**
   * Serve the admin server (and its console) over HTTPS only (zoo.cfg's `admin.forceHttps=true`,
   * which uses the `ssl.quorum.keyStore.*` key store, as ZooKeeper's admin server does), and with
   * `needClientAuth` require a client certificate, which the `x509` scheme of the authenticated
   * commands then names. Start-up fails with a `TlsConfigError` when a store cannot be read.
   */
  adminServerTls?: AdminServerTlsOptions
  /**
   * Serve the admin server's `snapshot` command, an online backup in ZooKeeper's snapshot format
   * (zoo.cfg's `admin.snapshot.enabled`). As in ZooKeeper 3.9 a request must authenticate (its
   * `Authorization` header) as ids with every permission on `/`; with the default open ACL of `/`
   * any credential does, so set an ACL on `/` before turning it on. Off by default, unlike
   * ZooKeeper, and served to loopback clients only unless `adminSnapshotAllowRemote`.
   * @defaultValue false
   */
  adminSnapshotEnabled?: boolean
  /**
   * Serve the admin server's `restore` command, which replaces the whole tree with a posted
   * snapshot (zoo.cfg's `admin.restore.enabled`; a standalone server with a dataDir only). Off by
   * default for the same reason as `adminSnapshotEnabled`. @defaultValue false
   */
  adminRestoreEnabled?: boolean
  /**
   * Serve `snapshot` and `restore` to clients that are not on loopback too (zoo.cfg's
   * `admin.snapshot.allowRemote`, Paddock's own key). Either way they authenticate, loopback
   * clients too. @defaultValue false
   */
  adminSnapshotAllowRemote?: boolean
  /**
   * Least time between two `snapshot` commands, and between two `restore` commands, in ms; one
   * sooner is answered 429 (zoo.cfg's `admin.rateLimiterIntervalInMS`). @defaultValue 300000
   */
  adminRateLimiterIntervalMs?: number
  /**
   * The text of the configuration file (zoo.cfg) the server is started from, which the admin
   * server's `initial_configuration` command returns; without it that command answers null.
   */
  initialConfiguration?: string
}

/** Where a member reports role changes and failures. */
export interface EnsembleLogger extends ReplicationLogger {
  /** Role changes and other notable events. */
  info(line: string): void
  /** Failures: a snapshot that could not be written, or one that stops the member. */
  error(line: string): void
}

/** Options of {@link startMember}: a {@link ServerOptions} plus the ensemble. */
export interface MemberStartOptions extends ServerOptions {
  /** This member's id (myid). */
  myid: number
  /** Every member, this one included (zoo.cfg's server.N lines). */
  servers: readonly ServerSpec[]
  /** Ticks of tickTime a follower may take to connect and sync (initLimit). @defaultValue 10 */
  initLimit?: number
  /** Ticks of tickTime a follower may lag (syncLimit). @defaultValue 5 */
  syncLimit?: number
  /**
   * Whether a configuration with one participant runs standalone (`Mode: standalone`), as zoo.cfg's
   * standaloneEnabled; false runs it as an ensemble of one (`Mode: leader`). @defaultValue true
   */
  standaloneEnabled?: boolean
  /**
   * The version of the configuration `servers` describe (ZooKeeper's: the hex suffix of a
   * `zoo.cfg.dynamic.<version>` file). A member that committed a later configuration with
   * `reconfig` restarts into that one instead. @defaultValue 0
   */
  configVersion?: number
  /**
   * The zoo.cfg this member was started from. When a reconfig makes a configuration active, the
   * member writes `<zooCfgPath>.dynamic.<version>` with its server lines and points zoo.cfg's
   * `dynamicConfigFile` at it, as ZooKeeper does.
   */
  zooCfgPath?: string
  /**
   * Hierarchical quorums (zoo.cfg's `group.G=id:id:...`): the participants split into disjoint
   * groups, and a quorum is a majority of the groups, each by a majority of its weight (see
   * `quorumWeights`). Every participant must be in exactly one group; with neither this nor
   * `quorumWeights`, a quorum is a majority of the participants. Start-up fails with a RangeError
   * naming the rule a configuration breaks.
   */
  quorumGroups?: readonly QuorumGroupSpec[]
  /**
   * Weights of participants' votes by server id (zoo.cfg's `weight.ID=w`), 1 when not given; a
   * participant of weight 0 follows but never counts toward a quorum and is never elected. Weights
   * need `quorumGroups` (one group holding every participant is a weighted majority).
   */
  quorumWeights?: Readonly<Record<number, number>>
  /**
   * Bind the quorum and election ports on every local address instead of the host of this
   * member's `server.N` line (zoo.cfg's `quorumListenOnAllIPs`). @defaultValue false
   */
  quorumListenOnAllIPs?: boolean
  /**
   * Attempts at binding the election port, one second apart, before start-up fails with a
   * `PeerBindError` naming this setting (zoo.cfg's `electionPortBindRetry`; at most 600).
   * @defaultValue 3
   */
  electionPortBindRetry?: number
  /**
   * Whether the leader accepts client sessions on its client port (zoo.cfg's `leaderServes`).
   * With false, a client that connects to the leader is closed without an answer, as when a member
   * is not serving, and moves on to a follower. @defaultValue true
   */
  leaderServes?: boolean
  /**
   * Mutual TLS on the quorum and election ports (zoo.cfg's `sslQuorum=true` with `ssl.quorum.*`):
   * every member presents its certificate and verifies its peers' against the quorum trust store,
   * and by default a peer's certificate must name the host of the member it claims to be. With
   * `portUnification` (zoo.cfg's key of that name) the ports take plain text too, and with
   * `dialTls: false` (`sslQuorum=false`) the member dials in plain text: the steps of turning TLS
   * on in a running ensemble. Start-up fails with a `TlsConfigError` naming the `ssl.quorum.*` key
   * when the stores cannot be used.
   */
  quorumTls?: QuorumTlsOptions
  /**
   * SASL DIGEST-MD5 between members (zoo.cfg's `quorum.auth.enableSasl=true` with
   * `quorum.auth.learnerRequireSasl` and `quorum.auth.serverRequireSasl`): every new quorum and
   * election connection authenticates after TLS and the hello, before any of its messages is
   * delivered. A user named `server<N>` may speak only as member N, and member N must use it when
   * it exists. Start-up fails with a `JaasError` or `AuthConfigError` when the settings cannot run.
   */
  quorumSasl?: QuorumSaslOptions
  /**
   * The protocol this member speaks to the others on its `server.N` ports (zoo.cfg's
   * `peerProtocol`): `paddock`, Paddock's own (msgpackr frames), or `zookeeper`, Apache ZooKeeper
   * 3.8's (QuorumCnxManager's election connections, Fast Leader Election notifications and
   * QuorumPackets), so that the member joins an ensemble of Apache ZooKeeper members. With
   * `zookeeper` the member takes part in elections, follows an Apache leader, and leads Apache
   * followers when elected; quorum TLS (`quorumTls`) works as with `paddock`, quorum SASL is not
   * available. Every member of an ensemble speaks the same protocol. @defaultValue 'paddock'
   */
  peerProtocol?: PeerProtocol
  /**
   * Members of one process talk through this hub instead of TCP (in-process clusters, the
   * simulator's network).
   * @internal
   */
  hub?: PeerHub
  /** Milliseconds per ZAB tick. @defaultValue 50 */
  zabTickMs?: number
  /** Seed of every random choice the member makes (election jitter, snapshot interval), for simulations. @defaultValue random */
  seed?: number
  /** Where the member reports role changes and failures. @defaultValue console with a `paddock[N]:` prefix */
  logger?: EnsembleLogger
}

/** The member-to-member protocols ({@link MemberStartOptions.peerProtocol}). */
export type PeerProtocol = 'paddock' | 'zookeeper'

/** One group of a hierarchical quorum ({@link MemberStartOptions.quorumGroups}; zoo.cfg's `group.G`). */
export interface QuorumGroupSpec {
  /** The group id G. */
  readonly id: number
  /** The server ids of its participants. */
  readonly members: readonly number[]
}

/** Options of {@link Server.connect}. */
export interface ConnectOptions {
  /** Requested session timeout in ms, clamped to the server's bounds. @defaultValue 30000 */
  sessionTimeoutMs?: number
  /** Resume this session instead of opening a new one (with {@link ConnectOptions.sessionPasswd}). */
  sessionId?: bigint
  /** The password of the session to resume. */
  sessionPasswd?: Uint8Array
}

/** A bound TCP address. */
export interface ServerAddress {
  /** The address bound. */
  host: string
  /** The port bound. */
  port: number
}

/**
 * What a member can do for its clients now:
 * - `serving`: it answers reads and writes;
 * - `throttled`: it serves, but its client port has more requests in flight than
 *   `globalOutstandingLimit` and stops reading new ones until half of them are answered;
 * - `looking`: it has no established leader (an ensemble member without a quorum, or starting):
 *   clients are refused until it has one;
 * - `recovering`: a write to its storage failed (the disk is full, say): requests in flight got
 *   CONNECTIONLOSS, and the member reopens its storage and recovers from it, retrying with a
 *   growing delay, then serves again by itself; sessions survive, so clients reconnect into them;
 * - `failed`: it stopped for good (an invariant broke, or its storage holds corrupt data);
 *   `reason` says why. Close it and start it again (state on disk is intact up to the last
 *   durable write).
 */
export type HealthState = 'serving' | 'throttled' | 'looking' | 'recovering' | 'failed'

/** The member's health and why, as {@link Server.health} reports it. */
export interface ServerHealth {
  /** What the member can do now. */
  readonly state: HealthState
  /** Why it is not serving (or is throttled), when it is not. */
  readonly reason?: string
}

/** A running Paddock member embedded in this process. */
export interface Server {
  /** Whether the member serves clients, and why not (embedders watch this; see {@link Server.onHealthChange}). */
  readonly health: ServerHealth
  /** Calls `listener` with the new health each time it changes; returns a function that stops it. */
  onHealthChange(listener: (health: ServerHealth) => void): () => void
  /** The clock the server runs on (a VirtualClock in tests). */
  readonly clock: Clock
  /** Number of znodes, system nodes included. */
  readonly znodeCount: number
  /** Number of open sessions. */
  readonly sessionCount: number
  /** The zxid of the last applied transaction. */
  readonly lastZxid: number
  /** Where the client port listens, when `port` was given. */
  readonly address: ServerAddress | undefined
  /** `host:port` for ZooKeeper clients, when `port` was given. */
  readonly connectString: string | undefined
  /** Where the TLS-only client port listens, when `tls.port` was given. */
  readonly secureAddress: ServerAddress | undefined
  /** Where the HTTP admin server listens, when `adminServerPort` was given. */
  readonly adminAddress: ServerAddress | undefined
  /** Where the Prometheus endpoint listens, when `metricsPort` was given. */
  readonly metricsAddress: ServerAddress | undefined
  /** Opens a session on this server and returns a client for it. */
  connect(options?: ConnectOptions): Promise<ZooKeeperClient>
  /** Runs the session expiry and container/TTL sweeps now, as their timers would. */
  runMaintenance(): void
  /** Writes a snapshot now (durable servers only; a no-op in memory). */
  snapshot(): Promise<void>
  /**
   * Expires a session now, as if its timeout had passed: its ephemerals go and its client is
   * told Expired (for tests of failure handling). Resolves once the closeSession is applied;
   * rejects with SESSIONEXPIRED when the session is not open, and with APIERROR on a member that
   * does not lead (only the leader expires sessions).
   */
  expireSession(sessionId: bigint): Promise<void>
  /** Stops the server; every client sees its session closed. */
  close(): Promise<void>
  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/** What a member reports of its place in the ensemble (the ZAB core's view). */
export interface MemberStatus {
  /** This member's id. */
  readonly id: number
  /** LOOKING, FOLLOWING, LEADING or OBSERVING (ZooKeeper's ServerState). */
  readonly role: string
  /** The leader followed or led, if any. */
  readonly leader: number | undefined
  /** Whether the leader is established (the member may serve). */
  readonly established: boolean
  /** The last epoch accepted in discovery (ZooKeeper's acceptedEpoch file). */
  readonly acceptedEpoch: number
  /** The epoch of the last leader followed (ZooKeeper's currentEpoch file). */
  readonly currentEpoch: number
  /** The last zxid in the log. */
  readonly lastLoggedZxid: number
  /** The last zxid known committed. */
  readonly committedZxid: number
  /** The last zxid known durable here. */
  readonly persistedZxid: number
  /** The election round (ZooKeeper's logicalclock). */
  readonly electionEpoch: number
  /** On a leader: its learners; zeros elsewhere. */
  readonly learners: LearnerCounts
  /** The ZAB phase, as the `zabstate` admin command reports it (ZooKeeper's `QuorumPeer.ZabState`). */
  readonly zabState: 'election' | 'discovery' | 'synchronization' | 'broadcast'
  /** The active configuration (version, voters, observers, server lines), and the one a reconfig in flight carries. */
  readonly config: MemberConfigs
  /** Whether a reconfig removed this member: it takes part in nothing more. */
  readonly removed: boolean
}

/** A member's configurations, as {@link MemberStatus} reports them. */
export interface MemberConfigs {
  /** The configuration in force. */
  readonly active: MemberConfigView
  /** The configuration of a reconfig logged but not committed yet, if there is one. */
  readonly pending: MemberConfigView | undefined
}

/** A member configuration as {@link MemberStatus} reports it. */
export interface MemberConfigView {
  /** Its version: the zxid of the reconfig that made it (0 for the start-up configuration unless its file names one). */
  readonly version: number
  /** Voting members' ids. */
  readonly voters: readonly number[]
  /** Observers' ids. */
  readonly observers: readonly number[]
  /** Its `server.N=...` lines. */
  readonly text: string
}

/** A leader's learners, as mntr reports them. */
export interface LearnerCounts {
  /** Followers connected, in any phase. */
  readonly followers: number
  /** Followers in broadcast (UPTODATE sent). */
  readonly syncedFollowers: number
  /** Observers connected. */
  readonly observers: number
}

/** A running ensemble member. */
export interface MemberServer extends Server {
  /** This member's id. */
  readonly myid: number
  /** `leader`, `follower`, `observer`, or `looking` while there is no established leader. */
  readonly mode: string
  /** The ZAB core's view: role, epochs, zxids. */
  status(): MemberStatus
  /** Resolves once the member serves clients (an established leader, follower or observer). */
  waitUntilServing(timeoutMs?: number): Promise<void>
  /**
   * On the leader: changes the ensemble's membership as the super user, without a client session
   * (the reconfig of {@link ZooKeeperClient.reconfig}); resolves with the new configuration once
   * it is committed. Throws a ZooKeeperError: CONNECTIONLOSS on a member that does not lead,
   * RECONFIGDISABLED without `reconfigEnabled`, and the codes a client's reconfig gets.
   */
  reconfig(change: ReconfigChange): Promise<NodeData>
}

/** The admin server's HTTPS key and certificate: a key store file (PEM or PKCS12) or PEM text. */
export interface AdminServerTlsOptions {
  /** A PEM file holding the key and certificate chain, or a PKCS12 file (zoo.cfg: `ssl.quorum.keyStore.*`). */
  keyStore?: TlsStoreOptions | undefined
  /** The private key as PEM text, instead of `keyStore`. */
  key?: string | Buffer | undefined
  /** The certificate chain as PEM text, with `key`. */
  cert?: string | Buffer | undefined
  /** Passphrase of an encrypted `key`. */
  passphrase?: string | undefined
  /**
   * Refuse, during the TLS handshake, a client without a certificate the trust store vouches for
   * (zoo.cfg's `admin.needClientAuth`); needs `trustStore` or `ca`. @defaultValue false
   */
  needClientAuth?: boolean | undefined
  /** The CAs that vouch for client certificates: a PEM file (zoo.cfg: `ssl.quorum.trustStore.*`). */
  trustStore?: TlsStoreOptions | undefined
  /** The CA certificates as PEM text, instead of `trustStore`. */
  ca?: string | Buffer | undefined
  /**
   * The client certificate subject that is the super user of the admin server's `x509` scheme
   * (`CN=admin,O=Acme`; zoo.cfg's `zookeeper.X509AuthenticationProvider.superUser`).
   * @defaultValue `tls.x509SuperUser`
   */
  x509SuperUser?: string | undefined
}
