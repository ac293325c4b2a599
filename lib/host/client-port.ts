/**
 * The client port's backend over a Pipeline: the wire's jute request records go to the member as
 * requests (lib/protocol/requests.ts) and its responses come back as jute response records,
 * through the pure mapping of lib/protocol/jute-server.ts, answered as
 * apache/zookeeper@release-3.9.5 `FinalRequestProcessor` and `ZooKeeperServer.processPacket` do.
 *
 * What this file decides beyond the mapping, checked in ZooKeeper's source: check alone is refused
 * by the connection (ZOOKEEPER-2623); auth answers with zxid 0 and AUTHFAILED closes the
 * connection; `ip` auth succeeds as `IPAuthenticationProvider` does; sasl runs a DIGEST-MD5
 * exchange when SASL users are configured (./sasl.ts) and without them answers OK with a null
 * token, as ZooKeeper without a SASL server does; with enforced authentication, any other request
 * of a session that holds none of the required schemes is SESSIONCLOSEDREQUIRESASLAUTH, then close.
 * A TLS client's verified certificate makes its session `x509:<subject>` from the start (and
 * `super` when the subject is the x509 superuser), as `X509AuthenticationProvider` does at the end
 * of the handshake; `auth x509` is then OK, and AUTHFAILED (closing) on a connection without one,
 * where ZooKeeper's provider finds no certificate chain.
 *
 * One choice is Paddock's own: deleteContainer (opcode 20) from a client is UNIMPLEMENTED and
 * closes the connection, as ZooKeeper answers an opcode `Request.isValid` refuses
 * (UnimplementedRequestProcessor). ZooKeeper 3.9.5 itself still accepts it from clients
 * (`Request.isValid` lists it and PrepRequestProcessor's deleteContainer branch checks no ACL), so
 * any client could delete any empty container or TTL node, a lease among them; only the
 * member's own container sweep may issue it.
 * @module
 */
import { ErrorCode } from '../errors.js'
import type { Id } from '../protocol/data.js'
import type { ClientRequest } from '../protocol/jute-records.js'
import { fromJuteRequest, toJuteResponse, toWatcherEvent } from '../protocol/jute-server.js'
import type { Response } from '../protocol/requests.js'
import type { WatchNotification } from '../protocol/watch.js'
import type { ConnectRequest } from '../wire/records.js'
import { traceMaskDefault, type DirectorySizes, type LatencySummary, type ServerInfo, type SessionInfo } from '../wire/four-letter-words.js'
import type { LatencyHistogram } from '../server/metrics.js'
import { bucketQuantile, mergeHistograms, updateOps } from '../server/prometheus.js'
import type {
  BackendReply,
  ClientPortBackend,
  ClientPortConnection,
  ClientPortSession,
  SessionEndReason,
} from '../wire/types.js'
import { directoryBytes } from '../server/admin-directories.js'
import type { Pipeline } from '../server/pipeline.js'
import { quotaByNamespace } from '../tree/quota.js'
import type { Channel, ClientConnection } from '../server/pipeline-types.js'
import type { ClientAuthenticator, SaslExchange } from './sasl.js'

/** The version line four-letter words print. */
export const paddockVersionLine = '3.9.5-paddock-0.1.0, built on n/a'

/** Options of {@link MemberClientPortBackend}. */
export interface MemberBackendOptions {
  /** What srvr/stat/mntr print as the server state. @defaultValue 'standalone' */
  mode?: string | (() => string)
  /** On an ensemble leader, its follower counts for mntr. */
  learners?: () => { followers: number; syncedFollowers: number } | undefined
  /** Where snapshots live, for `conf`; `""` for an in-memory member. @defaultValue '' */
  dataDir?: string
  /** Where the transaction log lives, for `conf`. @defaultValue '' */
  dataLogDir?: string
  /**
   * The directory holding both the transaction log and the snapshots (the LevelDB database in
   * `dataDir/level`), whose bytes `dirs` and `conf` report as the data and the log directory's
   * size alike. Absent for a member that keeps no directory: both sizes are then 0.
   */
  storageDirectory?: string | undefined
  /** The member's health, which mntr and srvr print when it is not plainly serving. */
  health?: () => { state: string; reason?: string | undefined }
  /**
   * The certificate subject that is the superuser (ZooKeeper's
   * `zookeeper.X509AuthenticationProvider.superUser`): a TLS client whose verified certificate
   * has it holds every permission.
   */
  x509SuperUser?: string | undefined
  /** SASL and enforced authentication; without it sasl answers OK with no token and nothing is enforced. */
  auth?: ClientAuthenticator | undefined
  /**
   * Whether new sessions are refused now (the leader under `leaderServes=no`): the connection is
   * closed without an answer, as when the member is not serving, and the client tries another.
   */
  refusesSessions?: () => boolean
}

/** The ids a connection's verified certificate gives its session: `x509:<subject>`, and `super` for the superuser. */
export function certificateIdentities(subject: string | undefined, superUser: string | undefined): Id[] {
  if (subject === undefined) return []
  const ids: Id[] = []
  if (superUser !== undefined && subject === superUser) ids.push({ scheme: 'super', id: subject })
  ids.push({ scheme: 'x509', id: subject })
  return ids
}

/** The member's view of one wire connection: it forwards watch events and session ends to the socket. */
class MemberLink implements ClientConnection {
  sessionId = 0n
  readonly identities: readonly Id[]

  constructor(
    readonly wire: ClientPortConnection,
    superUser: string | undefined,
  ) {
    this.identities = certificateIdentities(wire.certificateSubject, superUser)
  }

  get remoteAddress(): string {
    return this.wire.remoteAddress
  }

  process(event: WatchNotification): void {
    this.wire.notify(event.zxid, toWatcherEvent(event))
  }

  sessionEnded(reason: SessionEndReason): void {
    this.wire.sessionEnded(reason)
  }
}

/**
 * The figures four-letter words print, read from the member when a word reads them: `ruok` reads
 * none, `srvr` and `stat` only counters, and only the words that list sessions, ephemerals or
 * watches (`dump`, `mntr`, `wchs`, `wchc`, `wchp`) go through those lists.
 */
class MemberServerInfo implements ServerInfo {
  readonly version = paddockVersionLine
  readonly readOnly: boolean
  readonly mode: string
  private sessionList: SessionInfo[] | undefined
  private ephemeralPaths: Map<bigint, string[]> | undefined
  private watchedPaths: Map<bigint, string[]> | undefined

  constructor(
    private readonly member: Pipeline,
    private readonly backend: MemberClientPortBackend,
    private readonly options: { mode: string; dataDir: string; dataLogDir: string; learners: ServerInfo['learners']; health: MemberBackendOptions['health'] },
  ) {
    this.readOnly = backend.readOnly
    this.mode = options.mode
  }

  get lastProcessedZxid(): number {
    return this.member.lastProcessedZxid
  }

  get latency(): ServerInfo['latency'] {
    const requests = [...this.member.metrics.requests]
    const of = (update: boolean) => latencySummary(requests.filter(([op]) => updateOps.has(op) === update).map(([, h]) => h))
    return { read: of(false), update: of(true) }
  }

  get health(): ServerInfo['health'] {
    return this.options.health?.()
  }

  // ZooKeeper's DataTree holds the root under both '' and '/', and its count shows it.
  get znodeCount(): number {
    return this.member.tree.size + 1
  }

  get approximateDataSize(): number {
    return this.member.tree.approximateDataSize
  }

  get quota(): ServerInfo['quota'] {
    return { byNamespace: quotaByNamespace(this.member.tree), exceeded: this.member.metrics.quotaExceeded }
  }

  get localSessionCount(): number {
    return this.member.localSessions.size
  }

  get sessions(): readonly SessionInfo[] {
    this.sessionList ??= [...this.member.sessions.all()].map((s) => ({ sessionId: s.id, expiresAtMs: s.expiresAt }))
    return this.sessionList
  }

  get ephemerals(): ReadonlyMap<bigint, readonly string[]> {
    if (this.ephemeralPaths === undefined) {
      this.ephemeralPaths = new Map()
      for (const [id, paths] of this.member.tree.ephemerals) this.ephemeralPaths.set(id, [...paths].sort())
    }
    return this.ephemeralPaths
  }

  get watchesBySession(): ReadonlyMap<bigint, readonly string[]> {
    this.watchedPaths ??= watchesBySession(this.member)
    return this.watchedPaths
  }

  get tickTimeMs(): number {
    return this.member.options.tickTimeMs
  }

  get minSessionTimeoutMs(): number {
    return this.member.options.minSessionTimeoutMs
  }

  get maxSessionTimeoutMs(): number {
    return this.member.options.maxSessionTimeoutMs
  }

  get myid(): number {
    return this.member.options.myid
  }

  get membership(): string {
    const node = this.member.tree.get('/zookeeper/config')
    return node === undefined ? '' : new TextDecoder().decode(node.data)
  }

  get dataDir(): string {
    return this.options.dataDir
  }

  get dataLogDir(): string {
    return this.options.dataLogDir
  }

  get learners(): ServerInfo['learners'] {
    return this.options.learners
  }

  get traceMask(): bigint {
    return this.backend.traceMask
  }
}

/** Serves the client port from a {@link Pipeline}. */
export class MemberClientPortBackend implements ClientPortBackend {
  private readonly mode: () => string

  /** Whether the member serves read-only clients now (ZooKeeper's ReadOnlyZooKeeperServer): its mode is `read-only`. */
  get readOnly(): boolean {
    return this.mode() === 'read-only'
  }

  /** Whether the member serves (an established leader, follower or observer), read for `ruok`. */
  get serving(): boolean {
    return this.mode() !== 'looking'
  }
  private readonly learners: () => { followers: number; syncedFollowers: number } | undefined
  private readonly dataDir: string
  private readonly dataLogDir: string
  private readonly storageDirectory: string | undefined
  private readonly health: MemberBackendOptions['health']
  private readonly x509SuperUser: string | undefined
  private readonly auth: ClientAuthenticator | undefined
  private readonly refusesSessions: () => boolean
  private measuring: Promise<DirectorySizes> | undefined
  /** The trace mask gtmk reports (see {@link ServerInfo.traceMask}). */
  traceMask: bigint = traceMaskDefault

  constructor(
    private member: Pipeline,
    options: MemberBackendOptions = {},
  ) {
    const mode = options.mode ?? 'standalone'
    this.mode = typeof mode === 'string' ? () => mode : mode
    this.learners = options.learners ?? (() => undefined)
    this.dataDir = options.dataDir ?? ''
    this.dataLogDir = options.dataLogDir ?? ''
    this.storageDirectory = options.storageDirectory
    this.health = options.health
    this.x509SuperUser = options.x509SuperUser
    this.auth = options.auth
    this.refusesSessions = options.refusesSessions ?? (() => false)
  }

  /**
   * Bytes under the storage directory, for `dirs` and `conf` (0 and 0 without one). Requests that
   * arrive while a walk runs share it, so at most one walk is in flight however often they ask.
   */
  directorySizes(): Promise<DirectorySizes> {
    const directory = this.storageDirectory
    if (directory === undefined) return Promise.resolve({ dataDirBytes: 0, dataLogDirBytes: 0 })
    this.measuring ??= directoryBytes(directory)
      .then((bytes) => ({ dataDirBytes: bytes, dataLogDirBytes: bytes }))
      .finally(() => {
        this.measuring = undefined
      })
    return this.measuring
  }

  get lastProcessedZxid(): number {
    return this.member.lastProcessedZxid
  }

  /**
   * Serves new sessions from `member` from now on: the member that replaced a failed one, rebuilt
   * from its storage. Connections of the old member were ended with its sessions.
   */
  use(member: Pipeline): void {
    this.member = member
  }

  connect(connection: ClientPortConnection, request: ConnectRequest, done: (result: ClientPortSession | { err: number }) => void): void {
    // ZooKeeper's leader under leaderServes=no never hands its server to the client port: a
    // ConnectRequest there closes the connection, so the client moves on to a follower.
    if (this.refusesSessions()) return done({ err: ErrorCode.CONNECTIONLOSS })
    const link = new MemberLink(connection, this.x509SuperUser)
    const params = { timeoutMs: request.timeOut, sessionId: request.sessionId === 0n ? undefined : request.sessionId, passwd: request.passwd }
    this.member.connect(link, params, (grant) => {
      if (!('channel' in grant)) return done({ err: grant.err })
      link.sessionId = grant.sessionId
      done(new MemberSession(this.member, connection, grant.channel, grant.passwd, grant.timeoutMs, this.auth))
    })
  }

  /**
   * The figures four-letter words print. The mode and learners are read now; the rest when a word
   * reads them, so a word pays only for what it prints (see {@link MemberServerInfo}).
   */
  serverInfo(): ServerInfo {
    return new MemberServerInfo(this.member, this, { mode: this.mode(), dataDir: this.dataDir, dataLogDir: this.dataLogDir, learners: this.learners(), health: this.health })
  }
}

function watchesBySession(member: Pipeline): Map<bigint, string[]> {
  const bySession = new Map<bigint, string[]>()
  for (const [path, watchers] of member.watches.byPath()) {
    for (const w of watchers) {
      const id = w instanceof MemberLink ? w.sessionId : 0n
      const paths = bySession.get(id)
      if (paths === undefined) bySession.set(id, [path])
      else paths.push(path)
    }
  }
  return bySession
}

/** Several latency histograms as one mntr counter: percentiles interpolated in the buckets. */
function latencySummary(histograms: readonly LatencyHistogram[]): LatencySummary {
  const counts = mergeHistograms(histograms)
  const seen = histograms.filter((h) => h.count > 0)
  const quantile = (q: number) => (counts.count === 0 ? 0 : bucketQuantile(counts, q))
  return {
    count: counts.count,
    sumMs: counts.sum,
    minMs: seen.length === 0 ? 0 : Math.min(...seen.map((h) => h.minMs)),
    maxMs: seen.length === 0 ? 0 : Math.max(...seen.map((h) => h.maxMs)),
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
    p999: quantile(0.999),
  }
}

/** One session attached to one wire connection. */
class MemberSession implements ClientPortSession {
  private sasl: SaslExchange | undefined

  constructor(
    private readonly member: Pipeline,
    private readonly connection: ClientPortConnection,
    private readonly channel: Channel,
    readonly passwd: Uint8Array,
    readonly timeoutMs: number,
    private readonly auth: ClientAuthenticator | undefined,
  ) {}

  get sessionId(): bigint {
    return this.channel.sessionId
  }

  submit(xid: number, request: ClientRequest, reply: (reply: BackendReply) => void): void {
    const auth = this.auth
    if (auth !== undefined) {
      // ZooKeeperServer.processPacket: auth and sasl first, then enforced authentication for the rest.
      if (request.op === 'sasl') {
        this.sasl ??= auth.exchange(this.sessionId, this.channel.authInfo)
        return reply(this.sasl.evaluate(request.token))
      }
      if (request.op !== 'auth' && auth.refuses(this.channel.authInfo)) return reply(auth.refusal(this.sessionId, this.channel.authInfo, this.member.lastProcessedZxid))
    }
    const local = answerLocally(request, this.member, this.connection)
    if (local !== undefined) return reply(local)
    const mapped = fromJuteRequest(request)
    if ('err' in mapped) return reply({ err: mapped.err, zxid: this.member.lastProcessedZxid })
    this.member.submit(this.channel, mapped, xid, (response, zxid) => this.answer(request, response, zxid, reply))
  }

  // Runs when the member answers, maybe long after the request (a write waits for its commit):
  // a mapping that throws here must close this connection, not unwind into the member's commit.
  private answer(request: ClientRequest, response: Response, zxid: number, reply: (reply: BackendReply) => void): void {
    let answer: BackendReply
    try {
      answer = toBackendReply(request, response, zxid)
    } catch (e) {
      return this.connection.failed(`answering ${request.op}`, e)
    }
    reply(answer)
  }

  detach(): void {
    this.member.detach(this.channel)
  }
}

/**
 * Requests the wire answers without the member: sasl, deleteContainer, and `ip` and
 * `x509` auth. An answer that carries the member's zxid reads it when the reply is written, after
 * every earlier request of the connection is answered, as ZooKeeper answers these in order: a
 * session never sees its zxids go back.
 */
function answerLocally(request: ClientRequest, member: Pipeline, connection: ClientPortConnection): BackendReply | undefined {
  // ReadOnlyRequestProcessor refuses reconfig before PrepRequestProcessor could.
  if (request.op === 'reconfig' && member.readOnly) return { err: ErrorCode.NOTREADONLY, zxid: member.lastProcessedZxid }
  const inOrder = (err: number, close?: true): BackendReply => ({
    err,
    get zxid() {
      return member.lastProcessedZxid
    },
    ...(close === undefined ? {} : { close }),
  })
  switch (request.op) {
    // ZooKeeperServer.processSasl with no SASL server: the NPE is caught and OK goes back with a null token.
    case 'sasl':
      return { err: 0, zxid: 0, response: { op: 'sasl', token: null } }
    // Only the member's container sweep deletes containers: from a client, as an opcode that
    // Request.isValid refuses (UnimplementedRequestProcessor: UNIMPLEMENTED, then close).
    case 'deleteContainer':
      return inOrder(ErrorCode.UNIMPLEMENTED, true)
    // IPAuthenticationProvider.handleAuthentication adds the connection's own address: always OK.
    // X509AuthenticationProvider.handleAuthentication re-reads the certificate chain: OK with a
    // verified one (its ids are already the session's), AUTHFAILED and closed without one.
    case 'auth':
      if (request.scheme === 'ip') return { err: 0, zxid: 0 }
      if (request.scheme === 'x509') return connection.certificateSubject === undefined ? { err: ErrorCode.AUTHFAILED, zxid: 0, close: true } : { err: 0, zxid: 0 }
      return undefined
    default:
      return undefined
  }
}

// The reply for the wire request the member's response answers.
function toBackendReply(request: ClientRequest, response: Response, zxid: number): BackendReply {
  if (request.op === 'auth') {
    // ZooKeeperServer.processPacket: auth replies carry zxid 0, and AUTHFAILED closes the connection.
    return response.err === 0 ? { err: 0, zxid: 0 } : { err: ErrorCode.AUTHFAILED, zxid: 0, close: true }
  }
  if (response.err !== 0) return { err: response.err, zxid }
  return { err: 0, zxid, response: toJuteResponse(request, response) }
}
