/**
 * The client-port TCP server: ZooKeeper's `NIOServerCnxnFactory` in one event loop. It accepts
 * connections, enforces `maxClientCnxns` per address, answers four-letter words, and hands every
 * other connection to a {@link ClientPortBackend} through a per-connection protocol handler.
 *
 * lib/wire never imports lib/server: the member is reached only through the small backend
 * interface of ./types.ts, which lib/host/client-port.ts implements over the request pipeline.
 * @module
 */

import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import * as os from 'node:os'
import {
  connectionQueuedBytesMaxDefault,
  connectionRequestsInflightMaxDefault,
  globalOutstandingLimitDefault,
  juteMaxBufferBytes,
  maxClientCnxnsDefault,
  sessionlessCnxnTimeoutMsDefault,
  writeBufferedBytesMaxDefault,
} from '../limits.js'
import { ClientPortConnectionImpl, LatencyCounter, type ConnectionHost } from './connection.js'
import type { ClientPortBackend, ClientPortLogger } from './types.js'
import {
  answerFourLetterWord,
  fourLetterWordsReadingDirectories,
  fourLetterWordsWhitelistDefault,
  parseFourLetterWhitelist,
  notWhitelistedText,
  type ClientPortStats,
  type DirectorySizes,
  type FourLetterContext,
  type ServerInfo,
} from './four-letter-words.js'
import type { FourLetterWord } from './frames.js'

/** Default address the client port binds: loopback only, so nothing is exposed by accident. */
export const clientPortHostDefault = '127.0.0.1'

/** Options of {@link startClientPort}. */
export interface ClientPortOptions {
  /** Address to bind. @defaultValue '127.0.0.1' */
  host?: string
  /** Port to bind; 0 picks a free one. @defaultValue 0 */
  port?: number
  /** Connections allowed from one address; 0 = unlimited (ZooKeeper's maxClientCnxns). @defaultValue 60 */
  maxClientCnxns?: number
  /** Largest frame accepted, bytes (ZooKeeper's jute.maxbuffer). @defaultValue 0xfffff */
  maxBufferBytes?: number
  /**
   * Enabled four-letter words, as ZooKeeper's `4lw.commands.whitelist`: a comma-separated list,
   * or `*` for all. `srvr` is always enabled. @defaultValue 'srvr'
   */
  fourLetterWordsWhitelist?: string
  /** Bytes queued for writing before reading pauses, per connection. @defaultValue 1048576 */
  writeBufferedBytesMax?: number
  /**
   * Bytes of watch notifications written to one connection and not yet taken by the client, past
   * which a notification closes it as a client that does not read; the close is logged. Replies do
   * not count: their number is bounded by the requests in flight. @defaultValue 8388608
   */
  queuedBytesMax?: number
  /** Requests in flight before reading pauses, per connection. @defaultValue 1000 */
  requestsInflightMax?: number
  /**
   * Requests in flight on the whole port past which no connection is read (ZooKeeper's
   * `globalOutstandingLimit`): the port is throttled until the backlog drains to half of it, then
   * every connection is read again. 0 = no limit. @defaultValue 1000
   */
  globalOutstandingLimit?: number
  /** Called each time the port becomes throttled (`true`) or is read again (`false`). */
  onThrottle?: (throttled: boolean) => void
  /** Time allowed to complete the handshake, ms. @defaultValue 10000 */
  sessionlessCnxnTimeoutMs?: number
  /** Where one-line reports go. @defaultValue warnings to console.warn, info dropped */
  logger?: ClientPortLogger
}

/** A running client port. */
export interface ClientPort {
  /** The bound address. */
  readonly address: { host: string; port: number }
  /** Open client connections (four-letter-word connections included while they are answered). */
  readonly connections: number
  /** Whether the port stopped reading requests because too many are in flight (see {@link ClientPortOptions.globalOutstandingLimit}). */
  readonly throttled: boolean
  /** The figures `srvr`/`mntr` print for this port. */
  stats(): ClientPortStats
  /** Resets every connection's statistics (`crst`, the admin `connection_stat_reset`). */
  resetConnectionStats(): void
  /** Resets the port's latency and packet counts (`srst`, the admin `stat_reset`). */
  resetServerStats(): void
  /** Stops listening and ends every connection; resolves once all are closed. */
  close(): Promise<void>
}

const defaultLogger: ClientPortLogger = {
  warn: (line) => console.warn(line),
  info: () => {},
}

/** Starts a client port over `backend`; resolves once it listens. */
export async function startClientPort(backend: ClientPortBackend, options: ClientPortOptions = {}): Promise<ClientPort> {
  const port = new ClientPortImpl(backend, options)
  await port.listen(options.host ?? clientPortHostDefault, options.port ?? 0)
  return port
}

class ClientPortImpl implements ClientPort, ConnectionHost {
  readonly maxBufferBytes: number
  readonly writeBufferedBytesMax: number
  readonly queuedBytesMax: number
  readonly requestsInflightMax: number
  readonly sessionlessCnxnTimeoutMs: number
  readonly logger: ClientPortLogger
  readonly latency = new LatencyCounter()
  packetsReceived = 0
  packetsSent = 0
  private readonly globalOutstandingLimit: number
  private readonly onThrottle: (throttled: boolean) => void
  private inFlight = 0
  private throttledNow = false
  /** Connections that stopped reading while the port is throttled, woken when it is not. */
  private readonly waiting = new Set<ClientPortConnectionImpl>()
  private readonly maxClientCnxns: number
  private readonly enabledWords: ReadonlySet<string>
  private readonly server: NetServer
  private readonly open = new Set<ClientPortConnectionImpl>()
  private readonly perAddress = new Map<string, number>()
  private readonly startedMs = Date.now()
  private bound = { host: '', port: 0 }
  private closing: Promise<void> | undefined

  constructor(
    readonly backend: ClientPortBackend,
    options: ClientPortOptions,
  ) {
    this.maxClientCnxns = options.maxClientCnxns ?? maxClientCnxnsDefault
    this.maxBufferBytes = options.maxBufferBytes ?? juteMaxBufferBytes
    this.writeBufferedBytesMax = options.writeBufferedBytesMax ?? writeBufferedBytesMaxDefault
    this.queuedBytesMax = options.queuedBytesMax ?? connectionQueuedBytesMaxDefault
    this.requestsInflightMax = options.requestsInflightMax ?? connectionRequestsInflightMaxDefault
    this.sessionlessCnxnTimeoutMs = options.sessionlessCnxnTimeoutMs ?? sessionlessCnxnTimeoutMsDefault
    this.globalOutstandingLimit = options.globalOutstandingLimit ?? globalOutstandingLimitDefault
    this.onThrottle = options.onThrottle ?? (() => {})
    this.enabledWords = parseFourLetterWhitelist(options.fourLetterWordsWhitelist ?? fourLetterWordsWhitelistDefault)
    this.logger = options.logger ?? defaultLogger
    this.server = createNetServer({ noDelay: true }, (socket) => this.accept(socket))
  }

  get address(): { host: string; port: number } {
    return this.bound
  }

  get connections(): number {
    return this.open.size
  }

  get throttled(): boolean {
    return this.throttledNow
  }

  countInFlight(delta: number): void {
    this.inFlight += delta
    if (this.throttledNow && this.inFlight <= this.globalOutstandingLimit / 2) this.unthrottle()
  }

  // ZooKeeperServer.shouldThrottle: past the global limit every connection stops reading
  // (NIOServerCnxn.disableRecv); here until the backlog has halved, so reading does not flap.
  throttles(connection: ClientPortConnectionImpl): boolean {
    if (!this.throttledNow) {
      if (this.globalOutstandingLimit <= 0 || this.inFlight < this.globalOutstandingLimit) return false
      this.throttledNow = true
      this.warn(`client port throttled: ${this.inFlight} requests in flight (globalOutstandingLimit ${this.globalOutstandingLimit}); reading stops until half have been answered`)
      this.tell(true)
    }
    this.waiting.add(connection)
    return true
  }

  // Woken after the current call stack: a reply being written must not start reading on another connection.
  private unthrottle(): void {
    this.throttledNow = false
    this.tell(false)
    setImmediate(() => {
      const waiting = [...this.waiting]
      this.waiting.clear()
      for (const connection of waiting) connection.wake()
    })
  }

  private tell(throttled: boolean): void {
    try {
      this.onThrottle(throttled)
    } catch (e) {
      this.warn(`client port: a throttle listener threw: ${describe(e)}`)
    }
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(port, host, () => {
        this.server.off('error', reject)
        // Accept errors (EMFILE and the like) come as 'error' events: logged, never thrown.
        this.server.on('error', (e) => this.warn(`client port: ${describe(e)}`))
        const addr = this.server.address()
        this.bound = typeof addr === 'object' && addr !== null ? { host: addr.address, port: addr.port } : { host, port }
        resolve()
      })
    })
  }

  // NIOServerCnxnFactory.AcceptThread.doAccept: over maxClientCnxns the socket is closed at once.
  private accept(socket: Socket): void {
    const address = socket.remoteAddress ?? ''
    const count = this.perAddress.get(address) ?? 0
    if (this.closing !== undefined || (this.maxClientCnxns > 0 && count >= this.maxClientCnxns)) {
      if (this.closing === undefined) this.warn(`Too many connections from /${address} - max is ${this.maxClientCnxns}`)
      socket.destroy()
      return
    }
    this.perAddress.set(address, count + 1)
    let connection: ClientPortConnectionImpl
    try {
      connection = new ClientPortConnectionImpl(this, socket)
    } catch (e) {
      this.perAddress.set(address, count)
      this.warn(`Closing connection from /${address}: internal error while accepting it: ${describe(e)}`)
      socket.destroy()
      return
    }
    this.open.add(connection)
  }

  /** Logs a line; a logger that throws is not let through to the socket or server event emitters. */
  private warn(line: string): void {
    try {
      this.logger.warn(line)
    } catch {
      // Nothing more to do: the line is lost.
    }
  }

  /** A connection closed: forget it. */
  removed(connection: ClientPortConnectionImpl): void {
    this.waiting.delete(connection)
    if (!this.open.delete(connection)) return
    const count = (this.perAddress.get(connection.remoteAddress) ?? 1) - 1
    if (count <= 0) this.perAddress.delete(connection.remoteAddress)
    else this.perAddress.set(connection.remoteAddress, count)
  }

  /**
   * Answers a four-letter word (and performs its reset, for crst/srst). A word that prints
   * directory sizes answers once the backend has measured them, without blocking the event loop.
   */
  fourLetterWord(word: FourLetterWord, from: string): string | Promise<string> {
    this.logger.info(`Processing ${word} command from /${from}`)
    // The whitelist first: a word that is not enabled reads no figure at all.
    if (!this.enabledWords.has(word)) return notWhitelistedText(word)
    const measure = this.backend.directorySizes
    if (!fourLetterWordsReadingDirectories.has(word)) return this.answer(word, undefined)
    if (measure === undefined) return this.answer(word, { dataDirBytes: 0, dataLogDirBytes: 0 })
    return measure.call(this.backend).then((directories) => this.answer(word, directories))
  }

  private answer(word: FourLetterWord, directories: DirectorySizes | undefined): string {
    // The figures are read now, after any measuring, so the text is of one moment; and only the
    // figures the word prints are read at all (ruok reads none).
    const answer = answerFourLetterWord(word, this.enabledWords, this.context(directories))
    if (answer.effect === 'resetConnectionStats') this.resetConnectionStats()
    if (answer.effect === 'resetServerStats') this.resetServerStats()
    return answer.text
  }

  /** The context of one answer, each part gathered on its first read. */
  private context(directories: DirectorySizes | undefined): FourLetterContext {
    const backend = this.backend
    const readPortStats = () => this.stats()
    let server: ServerInfo | undefined
    let port: ClientPortStats | undefined
    return {
      get server() {
        return (server ??= backend.serverInfo())
      },
      get port() {
        return (port ??= readPortStats())
      },
      get serving() {
        return backend.serving
      },
      directories,
    }
  }

  resetConnectionStats(): void {
    for (const c of this.open) c.resetStats()
  }

  resetServerStats(): void {
    this.latency.reset()
    this.packetsReceived = 0
    this.packetsSent = 0
  }

  stats(): ClientPortStats {
    const connections = [...this.open].filter((c) => c.isClient).map((c) => c.info())
    return {
      connections,
      packetsReceived: this.packetsReceived,
      packetsSent: this.packetsSent,
      outstandingRequests: connections.reduce((n, c) => n + c.queued, 0),
      latency: this.latency.stats(),
      clientPort: this.bound.port,
      maxClientCnxns: this.maxClientCnxns,
      uptimeMs: Date.now() - this.startedMs,
      environment: environment(),
    }
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      let pending = this.open.size + 1
      const one = () => {
        if (--pending === 0) resolve()
      }
      this.server.close(() => one())
      for (const c of [...this.open]) c.shutdown(one)
    })
    return this.closing
  }
}

/** `EnvCommand`'s list, with Node's facts where ZooKeeper prints Java's. */
function environment(): [string, string][] {
  return [
    ['zookeeper.version', '3.9.5-paddock'],
    ['host.name', os.hostname()],
    ['node.version', process.version],
    ['os.name', os.type()],
    ['os.arch', os.arch()],
    ['os.version', os.release()],
    ['user.name', safe(() => os.userInfo().username)],
    ['user.home', os.homedir()],
    ['user.dir', process.cwd()],
    ['os.memory.free', `${Math.round(os.freemem() / 1_048_576)}MB`],
    ['os.memory.max', `${Math.round(os.totalmem() / 1_048_576)}MB`],
    ['os.memory.total', `${Math.round(process.memoryUsage().rss / 1_048_576)}MB`],
  ]
}

function safe(read: () => string): string {
  try {
    return read()
  } catch {
    return ''
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
