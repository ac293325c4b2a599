/**
 * The embedding API: `createServer()` starts a member in this process and `server.connect()`
 * opens a session on it with no socket and no serialisation in between.
 * @module
 */
import type { Clock } from '../clock.js'
import { ClientImpl, type ClientTransport, type ZooKeeperClient } from '../client/client.js'
import { ZooKeeperError } from '../errors.js'
import type { WatchNotification } from '../watch/watch-manager.js'
import { join } from 'node:path'
import { createLevelStorage, levelSubdirectory, type Storage } from '../../storage/index.js'
import { storageLogger } from './durable.js'
import { startClientPort, type ClientPort, type ClientPortOptions } from '../wire/server.js'
import { MemberClientPortBackend } from './wire-adapter.js'
import { startAdminServerIfEnabled, type AdminServer } from './admin.js'
import { DurableLog, recover, type DurabilityOptions } from './durable.js'
import { Member, type Channel, type ClientConnection, type MemberOptions } from './member.js'
import type { Request, Response } from './requests.js'

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
  /** Connections allowed from one address, 0 = unlimited (ZooKeeper's maxClientCnxns). @defaultValue 60 */
  maxClientCnxns?: number
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
   * The text of the configuration file (zoo.cfg) the server is started from, which the admin
   * server's `initial_configuration` command returns; without it that command answers null.
   */
  initialConfiguration?: string
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

/** A running Paddock member embedded in this process. */
export interface Server {
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
  /** Where the HTTP admin server listens, when `adminServerPort` was given. */
  readonly adminAddress: ServerAddress | undefined
  /** Opens a session on this server and returns a client for it. */
  connect(options?: ConnectOptions): Promise<ZooKeeperClient>
  /** Runs the session expiry and container/TTL sweeps now, as their timers would. */
  runMaintenance(): void
  /** Writes a snapshot now (durable servers only; a no-op in memory). */
  snapshot(): Promise<void>
  /**
   * Expires a session now, as if its timeout had passed: its ephemerals go and its client is
   * told Expired (for tests of failure handling). Resolves once the closeSession is applied.
   */
  expireSession(sessionId: bigint): Promise<void>
  /** Stops the server; every client sees its session closed. */
  close(): Promise<void>
  /** Same as close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

const sessionTimeoutMsDefault = 30_000

/**
 * Starts a Paddock server in this process: in memory by default, durable with `dataDir`, in which
 * case the state of the last run is restored first (snapshot plus log replay).
 */
export async function createServer(options: ServerOptions = {}): Promise<Server> {
  const member = new Member(options)
  const storage = options.storage ?? (options.dataDir === undefined ? undefined : createLevelStorage({ dataDir: options.dataDir, logger: storageLogger }))
  let log: DurableLog | undefined
  let clientPort: ClientPort | undefined
  try {
    if (storage !== undefined) log = await openDurable(member, storage, options)
    // One backend for the client port and the admin server, so both see one trace mask.
    const backend = memberBackend(member, options, () => 'standalone')
    clientPort = options.port === undefined ? undefined : await listen(backend, member, options)
    const admin = await startAdminServerIfEnabled({ member, backend, clientPort, snapshots: log, initialConfiguration: options.initialConfiguration }, options)
    return new EmbeddedServer(member, storage, log, clientPort, admin)
  } catch (error) {
    await clientPort?.close()
    member.close()
    await log?.close()
    await storage?.close()
    throw error
  }
}

async function openDurable(member: Member, storage: Storage, options: ServerOptions): Promise<DurableLog> {
  if (storage.state !== 'open') await storage.open()
  const recovered = await recover(member, storage)
  const log = new DurableLog(member, storage, consoleLogger, options)
  if (recovered.fromSnapshot) log.restoredFrom(recovered.snapshotZxid)
  member.setCommitter(log)
  return log
}

/**
 * The client port's backend over `member`. The transaction log and the snapshots both live in the
 * LevelDB database under `dataDir/level`, so that one directory is the data and the log directory
 * alike, and is measured for `dirs` only when it is the server's own storage (not a `storage`
 * passed in).
 */
export function memberBackend(member: Member, options: ServerOptions, mode: () => string, learners?: () => { followers: number; syncedFollowers: number } | undefined): MemberClientPortBackend {
  const dataDir = options.dataDir ?? ''
  const ownLevel = options.storage === undefined && options.dataDir !== undefined
  return new MemberClientPortBackend(member, {
    mode,
    dataDir,
    dataLogDir: dataDir,
    storageDirectory: ownLevel ? join(dataDir, levelSubdirectory) : undefined,
    ...(learners === undefined ? {} : { learners }),
  })
}

function listen(backend: MemberClientPortBackend, member: Member, options: ServerOptions): Promise<ClientPort> {
  const portOptions: ClientPortOptions = { port: options.port ?? 0, host: options.host ?? '127.0.0.1', maxBufferBytes: member.options.maxDataBytes }
  if (options.maxClientCnxns !== undefined) portOptions.maxClientCnxns = options.maxClientCnxns
  if (options.fourLetterWordsWhitelist !== undefined) portOptions.fourLetterWordsWhitelist = options.fourLetterWordsWhitelist
  if (options.clientPortLogger !== undefined) portOptions.logger = options.clientPortLogger
  return startClientPort(backend, portOptions)
}

const consoleLogger = {
  info: (message: string) => console.info(`paddock: ${message}`),
  error: (message: string) => console.error(`paddock: ${message}`),
}

/**
 * What a standalone server and an ensemble member share: a member behind an optional client port
 * and admin server, its figures, in-process sessions and the maintenance pass.
 */
export abstract class MemberFront {
  constructor(
    protected readonly member: Member,
    protected readonly clientPort: ClientPort | undefined,
    protected readonly admin: AdminServer | undefined,
  ) {}

  get address(): ServerAddress | undefined {
    return this.clientPort?.address
  }

  get adminAddress(): ServerAddress | undefined {
    return this.admin?.address
  }

  get connectString(): string | undefined {
    const address = this.clientPort?.address
    return address === undefined ? undefined : `${address.host}:${address.port}`
  }

  get clock(): Clock {
    return this.member.clock
  }

  get znodeCount(): number {
    return this.member.tree.size
  }

  get sessionCount(): number {
    return this.member.sessions.size
  }

  get lastZxid(): number {
    return this.member.lastProcessedZxid
  }

  connect(options: ConnectOptions = {}): Promise<ZooKeeperClient> {
    return connectInProcess(this.member, options)
  }

  runMaintenance(): void {
    this.member.expireSessions()
    this.member.removeExpiredContainers()
  }

  /** Stops everything the front runs. */
  abstract close(): Promise<void>

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

class EmbeddedServer extends MemberFront implements Server {
  constructor(
    member: Member,
    private readonly storage: Storage | undefined,
    private readonly log: DurableLog | undefined,
    clientPort: ClientPort | undefined,
    admin: AdminServer | undefined,
  ) {
    super(member, clientPort, admin)
  }

  expireSession(sessionId: bigint): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.member.expireSession(sessionId, () => resolve())) reject(new ZooKeeperError('SESSIONEXPIRED', { message: `no open session 0x${BigInt.asUintN(64, sessionId).toString(16)}` }))
    })
  }

  async snapshot(): Promise<void> {
    await this.log?.takeSnapshot()
  }

  async close(): Promise<void> {
    await this.admin?.close()
    await this.clientPort?.close()
    this.member.close()
    await this.log?.close()
    await this.storage?.close()
  }
}

/** Opens an in-process session on `member` and returns its client (no socket in between). */
export function connectInProcess(member: Member, options: ConnectOptions = {}): Promise<ZooKeeperClient> {
  return new Promise((resolve, reject) => {
    const connection = new InProcessConnection(member)
    const params = {
      timeoutMs: options.sessionTimeoutMs ?? sessionTimeoutMsDefault,
      sessionId: options.sessionId,
      passwd: options.sessionPasswd,
    }
    member.connect(connection, params, (grant) => {
      if (!('channel' in grant)) return reject(ZooKeeperError.fromErrno(grant.err))
      const client = new ClientImpl(grant.sessionId, grant.timeoutMs, grant.passwd, member.options.maxDataBytes)
      connection.open(grant.channel, client)
      client.bind(connection)
      resolve(client)
    })
  })
}

/** Both ends of an in-process session: the member's view of the client, and the client's transport. */
class InProcessConnection implements ClientConnection, ClientTransport {
  readonly remoteAddress = '127.0.0.1'
  private channel: Channel | undefined
  private client: ClientImpl | undefined
  private cxid = 0

  constructor(private readonly member: Member) {}

  open(channel: Channel, client: ClientImpl): void {
    this.channel = channel
    this.client = client
  }

  send(request: Request, onReply?: (response: Response) => void): Response | Promise<Response> {
    const channel = this.channel
    if (channel === undefined) return Promise.reject(new ZooKeeperError('CONNECTIONLOSS'))
    // An in-memory member usually answers at once: hand the response back without a promise.
    let answer: Response | undefined
    let resolveLater: ((response: Response) => void) | undefined
    this.member.submit(channel, request, ++this.cxid, (response) => {
      // Synchronously, so a watch this read sets is registered before a later commit's event.
      onReply?.(response)
      if (resolveLater === undefined) answer = response
      else resolveLater(response)
    })
    if (answer !== undefined) return answer
    return new Promise((resolve) => {
      resolveLater = resolve
    })
  }

  async close(): Promise<void> {
    const channel = this.channel
    if (channel === undefined || !channel.attached) return
    await new Promise<void>((resolve) => this.member.submit(channel, { op: 'closeSession' }, ++this.cxid, () => resolve()))
  }

  process(event: WatchNotification): void {
    this.client?.notification(event)
  }

  sessionEnded(reason: 'expired' | 'closed' | 'moved'): void {
    this.client?.sessionEnded(reason)
  }
}
