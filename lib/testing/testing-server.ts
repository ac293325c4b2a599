/**
 * TestingServer: one Paddock member in this process for tests (Curator's TestingServer, without
 * the JVM): it starts in milliseconds, runs on a virtual clock by default so tests expire
 * sessions, TTL nodes and containers by advancing time, and injects the faults applications must
 * handle: an expired session, a dropped connection, a server restart.
 * @module
 */
import { VirtualClock, systemClock, type Clock } from '../clock.js'
import { ClientImpl } from '../client/client.js'
import { connect as connectTcp } from '../client/tcp.js'
import { TcpConnection } from '../client/tcp-connection.js'
import { createServer } from '../host/server.js'
import type { ConnectOptions, Server, ServerOptions } from '../host/types.js'
import type { TcpClientOptions, ZooKeeperClient } from '../client/types.js'
import { createMemoryDb, createMemoryStorage } from '../../storage/index.js'
import { eventTimeoutMsDefault } from '../limits.js'
import { nextSessionEvent, settle } from './wait.js'

/** Where the virtual clock starts by default: 2023-11-14T22:13:20Z, in ms since the epoch. */
export const virtualClockStartMsDefault = 1_700_000_000_000

/** Options of {@link TestingServer.start}; the server options (tickTimeMs, ...) pass through. */
export interface TestingServerOptions extends Omit<ServerOptions, 'clock' | 'storage'> {
  /**
   * `'virtual'` (time moves only with {@link TestingServer.advance}), `'real'`, or a clock of
   * your own. @defaultValue 'virtual'
   */
  clock?: 'virtual' | 'real' | Clock
  /** Start of the virtual clock, in ms since the epoch. @defaultValue 1700000000000 */
  virtualClockStartMs?: number
  /**
   * Keep the data across {@link TestingServer.restart} in memory (a MemoryStorage over one
   * database), as a server with a dataDir keeps it on disk. @defaultValue false
   */
  durable?: boolean
  /**
   * TCP port of the client protocol, 0 for a free one. Without it the server has no socket and is
   * reached with {@link TestingServer.connect} only.
   */
  port?: number
  /** How long the kit waits for a client's session event (expiry, reconnect), in ms of real time. @defaultValue 10000 */
  eventTimeoutMs?: number
}

const quietStorageLogger = { debug() {}, info() {}, warn() {} }

/** One in-process Paddock member for tests; see the module comment. */
export class TestingServer implements AsyncDisposable {
  private current: Server
  private readonly tcpClients = new Set<ZooKeeperClient>()
  private closed = false

  private constructor(
    server: Server,
    private readonly options: TestingServerOptions,
    private readonly clockInUse: Clock,
    private readonly db: ReturnType<typeof createMemoryDb> | undefined,
    private port: number | undefined,
  ) {
    this.current = server
  }

  /** Starts a server: in memory, on a virtual clock, without a port unless `port` is given. */
  static async start(options: TestingServerOptions = {}): Promise<TestingServer> {
    const clock = clockOf(options)
    const db = options.durable === true ? createMemoryDb() : undefined
    const server = await TestingServer.create(options, clock, db, options.port)
    return new TestingServer(server, options, clock, db, server.address?.port)
  }

  private static create(options: TestingServerOptions, clock: Clock, db: ReturnType<typeof createMemoryDb> | undefined, port: number | undefined): Promise<Server> {
    const { clock: _clock, virtualClockStartMs: _start, durable: _durable, eventTimeoutMs: _timeout, ...serverOptions } = options
    const storage = db === undefined ? undefined : createMemoryStorage({ db, logger: quietStorageLogger })
    return createServer({ ...serverOptions, clock, ...(storage === undefined ? {} : { storage }), ...(port === undefined ? {} : { port }) })
  }

  /** The running server (replaced by {@link TestingServer.restart}). */
  get server(): Server {
    return this.current
  }

  /** The clock the server runs on. */
  get clock(): Clock {
    return this.clockInUse
  }

  /** `127.0.0.1:port` for TCP clients; throws when the server was started without `port`. */
  get connectString(): string {
    const connectString = this.current.connectString
    if (connectString === undefined) throw new TypeError('this TestingServer has no TCP port: start it with { port: 0 }')
    return connectString
  }

  /** Opens an in-process session (no socket): the fastest client, for most tests. */
  connect(options?: ConnectOptions): Promise<ZooKeeperClient> {
    return this.current.connect(options)
  }

  /**
   * Opens a session over TCP (needs `port`); `chroot` is appended to the connect string. The kit
   * closes these clients in {@link TestingServer.close} if the test did not.
   */
  async connectTcp(options: TcpClientOptions & { chroot?: string } = {}): Promise<ZooKeeperClient> {
    const { chroot, ...tcpOptions } = options
    const client = await connectTcp(this.connectString + (chroot ?? ''), { reconnectDelayMs: 50, ...tcpOptions })
    this.tcpClients.add(client)
    return client
  }

  /** Moves the virtual clock forward by `ms` (expiring sessions, TTL nodes, containers due by then) and lets the effects settle. */
  async advance(ms: number): Promise<void> {
    if (!(this.clockInUse instanceof VirtualClock)) throw new TypeError('advance() needs the virtual clock (the default); this server runs on a real one')
    this.clockInUse.advance(ms)
    await settle()
  }

  /**
   * Expires `client`'s session now, as its timeout would: its ephemerals go, other sessions'
   * watches fire, and the client sees `expired` (a TCP client when it reconnects, as with
   * ZooKeeper). Resolves once the client has seen it.
   */
  async expireSession(client: ZooKeeperClient): Promise<void> {
    const expired = client.connectionState === 'expired' ? Promise.resolve() : nextSessionEvent(client, 'expired', this.eventTimeoutMs)
    // The same closeSession transaction a real timeout makes the leader propose.
    await this.current.expireSession(client.sessionId)
    await expired
  }

  /**
   * Drops a TCP client's connection as a network failure would: the client sees `disconnected`,
   * its requests in flight fail with CONNECTIONLOSS, and it reconnects and resumes the same
   * session (await `nextSessionEvent(client, 'connected')`). Resolves once the client saw the drop.
   */
  async dropConnection(client: ZooKeeperClient): Promise<void> {
    const transport = client instanceof ClientImpl ? client.transportForTesting : undefined
    if (!(transport instanceof TcpConnection)) {
      throw new TypeError('dropConnection() needs a TCP client (connectTcp); an in-process client has no connection to drop')
    }
    const disconnected = nextSessionEvent(client, 'disconnected', this.eventTimeoutMs)
    transport.dropConnection()
    await disconnected
  }

  /**
   * Stops the server and starts it again on the same port and clock. A `durable` (or `dataDir`)
   * server comes back with its data and sessions, so TCP clients reconnect and resume their
   * sessions; an in-memory one comes back empty. In-process clients end (state Closed).
   */
  async restart(): Promise<void> {
    if (this.closed) throw new TypeError('the TestingServer is closed')
    await this.current.close()
    this.current = await TestingServer.create(this.options, this.clockInUse, this.db, this.port)
    this.port = this.current.address?.port
  }

  /** Closes the TCP clients the kit opened, then the server. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const client of this.tcpClients) await client.close()
    this.tcpClients.clear()
    await this.current.close()
  }

  /** Same as close(), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  private get eventTimeoutMs(): number {
    return this.options.eventTimeoutMs ?? eventTimeoutMsDefault
  }
}

function clockOf(options: TestingServerOptions): Clock {
  const clock = options.clock ?? 'virtual'
  if (clock === 'virtual') return new VirtualClock(options.virtualClockStartMs ?? virtualClockStartMsDefault)
  if (clock === 'real') return systemClock
  return clock
}
