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
import type { SecureContextOptions, Server as TlsServer, TLSSocket } from 'node:tls'
import {
  connectionQueuedBytesMaxDefault,
  connectionRequestsInflightMaxDefault,
  globalOutstandingLimitDefault,
  juteMaxBufferBytes,
  maxClientCnxnsDefault,
  sessionlessCnxnTimeoutMsDefault,
  writeBufferedBytesMaxDefault,
} from '../limits.js'
import { routeByFirstByte } from '../port-unification.js'
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
import { certificateSubject } from './x509-name.js'

/** Default address the client port binds: loopback only, so nothing is exposed by accident. */
export const clientPortHostDefault = '127.0.0.1'

/** How a client port authenticates TLS clients (ZooKeeper's `ssl.clientAuth`). */
export type ClientAuth = 'none' | 'want' | 'need'

/** TLS on the client port (ZooKeeper's secureClientPort and `ssl.*` keys). */
export interface ClientPortTlsOptions {
  /**
   * The server's key and certificate chain (or pfx), the CAs client certificates must chain to,
   * the protocol range and the ciphers, as node:tls takes them.
   */
  context: SecureContextOptions
  /**
   * `need`: a client without a certificate the CAs vouch for is refused; `want`: a client may
   * send none, but one it sends must verify; `none`: no certificate is asked for. A verified
   * certificate authenticates its client as `x509:<subject>`. @defaultValue 'need'
   */
  clientAuth?: ClientAuth
  /**
   * Refuse a client whose certificate does not name the address it connects from (subjectAltName
   * IP or DNS; ZooKeeper's `ssl.clientHostnameVerification`). @defaultValue false
   */
  verifyClientHostname?: boolean
  /** Port of the TLS-only listener (secureClientPort); 0 picks a free one. Absent: no TLS-only listener. */
  port?: number
  /** Address the TLS-only listener binds (secureClientPortAddress). @defaultValue the plain listener's `host` */
  host?: string
  /**
   * The plain-text listener takes TLS connections too, told apart by their first byte (0x16, a
   * TLS handshake record; ZooKeeper's `client.portUnification`). @defaultValue false
   */
  portUnification?: boolean
}

/** Options of {@link startClientPort}. */
export interface ClientPortOptions {
  /** Address to bind. @defaultValue '127.0.0.1' */
  host?: string
  /**
   * Port of the plain-text listener; 0 picks a free one. With a TLS-only listener
   * ({@link ClientPortTlsOptions.port}) there is a plain-text one only when this is given, as a
   * zoo.cfg with secureClientPort and no clientPort has none. @defaultValue 0
   */
  port?: number
  /** TLS: a TLS-only listener, a unified plain-text one, or both. */
  tls?: ClientPortTlsOptions
  /** Connections allowed from one address; 0 = unlimited (ZooKeeper's maxClientCnxns). @defaultValue 60 */
  maxClientCnxns?: number
  /** Connections allowed from every address together; 0 = unlimited (ZooKeeper's `zookeeper.maxCnxns`). @defaultValue 0 */
  maxCnxns?: number
  /** Largest frame accepted, bytes (ZooKeeper's jute.maxbuffer). @defaultValue 0xfffff */
  maxBufferBytes?: number
  /**
   * Enabled four-letter words, as ZooKeeper's `4lw.commands.whitelist`: a comma-separated list,
   * or `*` for all. `srvr` is always enabled. @defaultValue 'srvr'
   */
  fourLetterWordsWhitelist?: string
  /** The server has read-only mode on (`readonlymode.enabled`): `isro` is enabled whatever the whitelist says, as ZooKeeper does. @defaultValue false */
  readOnlyModeEnabled?: boolean
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
  /** The bound address: the plain-text listener's, or the TLS-only one's when it is the only one. */
  readonly address: { host: string; port: number }
  /** The TLS-only listener's address (secureClientPort), when there is one. */
  readonly secureAddress: { host: string; port: number } | undefined
  /**
   * Serves new TLS connections with `context` from now on (certificate reload); connections
   * already open keep theirs. Throws, changing nothing, when `context` is not usable, or when the
   * port has no TLS.
   */
  setSecureContext(context: SecureContextOptions): void
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
  /**
   * Closes `percentage` (an integer 0 to 100) of the client connections, rounded to the nearest
   * whole connection and chosen at random (the admin `shed_connections`); their sessions live on
   * and their clients reconnect, to this server or another. Returns how many were closed.
   * @throws RangeError when `percentage` is not an integer from 0 to 100.
   */
  shedConnections(percentage: number, random?: () => number): number
  /** Stops listening and ends every connection; resolves once all are closed. */
  close(): Promise<void>
}

const defaultLogger: ClientPortLogger = {
  warn: (line) => console.warn(line),
  info: () => {},
}

/**
 * Starts a client port over `backend`; resolves once every listener listens. A listener that
 * cannot bind (EADDRINUSE) rejects, with the others closed again.
 */
export async function startClientPort(backend: ClientPortBackend, options: ClientPortOptions = {}): Promise<ClientPort> {
  // node:tls is loaded only by a port that speaks TLS: loading it would lengthen every plain server's start.
  const tls = options.tls === undefined ? undefined : await import('node:tls')
  const port = new ClientPortImpl(backend, options, tls)
  try {
    await port.listen()
  } catch (error) {
    await port.close()
    throw error
  }
  return port
}

/**
 * What a listener speaks: plain text, TLS only (the secureClientPort), or either, told apart by
 * the first byte (a plain-text port with client.portUnification).
 */
type ListenerMode = 'plain' | 'tls' | 'unified'

/** One listening socket of the port. */
interface Listener {
  readonly server: NetServer
  readonly mode: ListenerMode
  readonly host: string
  readonly port: number
  bound: { host: string; port: number }
}

/** The port's TLS: a TLS server (never listening itself) that the listeners hand sockets to. */
interface TlsSetup {
  readonly server: TlsServer
  readonly clientAuth: ClientAuth
  readonly verifyClientHostname: boolean
  /** node:tls's check that a certificate names a host. */
  readonly checkServerIdentity: typeof import('node:tls').checkServerIdentity
}

/** A TCP connection's identity while its TLS handshake runs: both ends' ports and the client's address. */
function socketKey(socket: Socket): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? 0}|${socket.localPort ?? 0}`
}

/** The listeners `options` ask for (see {@link ClientPortOptions.port}). */
function listenerSpecs(options: ClientPortOptions): { mode: ListenerMode; host: string; port: number }[] {
  const host = options.host ?? clientPortHostDefault
  const tls = options.tls
  const specs: { mode: ListenerMode; host: string; port: number }[] = []
  if (tls?.port === undefined || options.port !== undefined) {
    specs.push({ mode: tls?.portUnification === true ? 'unified' : 'plain', host, port: options.port ?? 0 })
  }
  if (tls?.port !== undefined) specs.push({ mode: 'tls', host: tls.host ?? host, port: tls.port })
  return specs
}

/** The address a certificate names for a client: IPv4-mapped IPv6 addresses as plain IPv4. */
function clientHostOf(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address
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
  private readonly maxCnxns: number
  /** Sockets counted in {@link perAddress}, every address together. */
  private admitted = 0
  private readonly enabledWords: ReadonlySet<string>
  private readonly listeners: Listener[]
  private readonly tls: TlsSetup | undefined
  private readonly open = new Set<ClientPortConnectionImpl>()
  /** Connections per client address, counted from accept (TLS handshakes included) to close. */
  private readonly perAddress = new Map<string, number>()
  /** Sockets of a unified listener waiting for their first byte. */
  private readonly sniffing = new Set<Socket>()
  /** Sockets in their TLS handshake, by {@link socketKey}, and whether they came to the TLS-only listener. */
  private readonly handshaking = new Map<string, { raw: Socket; secure: boolean }>()
  private readonly startedMs = Date.now()
  private closing: Promise<void> | undefined

  /** `tls` is node:tls, given when `options.tls` is. */
  constructor(
    readonly backend: ClientPortBackend,
    options: ClientPortOptions,
    tls: typeof import('node:tls') | undefined,
  ) {
    this.maxClientCnxns = options.maxClientCnxns ?? maxClientCnxnsDefault
    this.maxCnxns = options.maxCnxns ?? 0
    this.maxBufferBytes = options.maxBufferBytes ?? juteMaxBufferBytes
    this.writeBufferedBytesMax = options.writeBufferedBytesMax ?? writeBufferedBytesMaxDefault
    this.queuedBytesMax = options.queuedBytesMax ?? connectionQueuedBytesMaxDefault
    this.requestsInflightMax = options.requestsInflightMax ?? connectionRequestsInflightMaxDefault
    this.sessionlessCnxnTimeoutMs = options.sessionlessCnxnTimeoutMs ?? sessionlessCnxnTimeoutMsDefault
    this.globalOutstandingLimit = options.globalOutstandingLimit ?? globalOutstandingLimitDefault
    this.onThrottle = options.onThrottle ?? (() => {})
    this.enabledWords = parseFourLetterWhitelist(options.fourLetterWordsWhitelist ?? fourLetterWordsWhitelistDefault, options.readOnlyModeEnabled ?? false)
    this.logger = options.logger ?? defaultLogger
    this.tls = options.tls === undefined || tls === undefined ? undefined : this.tlsSetup(options.tls, tls)
    this.listeners = listenerSpecs(options).map((spec) => {
      const server = createNetServer({ noDelay: true }, (socket) => this.accept(socket, spec.mode))
      return { ...spec, server, bound: { host: spec.host, port: spec.port } }
    })
  }

  // The TLS server only runs handshakes on sockets the listeners hand it; it never listens.
  private tlsSetup(options: ClientPortTlsOptions, tls: typeof import('node:tls')): TlsSetup {
    const clientAuth = options.clientAuth ?? 'need'
    const server = tls.createServer({
      ...options.context,
      requestCert: clientAuth !== 'none',
      rejectUnauthorized: clientAuth === 'need',
      handshakeTimeout: this.sessionlessCnxnTimeoutMs,
    })
    server.on('secureConnection', (socket: TLSSocket) => this.secured(socket))
    server.on('error', (e) => this.warn(`client port: TLS: ${describe(e)}`))
    server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      this.warn(`TLS handshake with /${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0} failed: ${tlsReason(error)}`)
      socket.destroy()
    })
    return { server, clientAuth, verifyClientHostname: options.verifyClientHostname ?? false, checkServerIdentity: tls.checkServerIdentity }
  }

  get address(): { host: string; port: number } {
    return (this.listeners.find((l) => l.mode !== 'tls') ?? this.listeners[0])?.bound ?? { host: '', port: 0 }
  }

  get secureAddress(): { host: string; port: number } | undefined {
    return this.listeners.find((l) => l.mode === 'tls')?.bound
  }

  setSecureContext(context: SecureContextOptions): void {
    if (this.tls === undefined) throw new Error('the client port has no TLS to reload')
    this.tls.server.setSecureContext(context)
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

  /** Starts every listener, one after the other. */
  async listen(): Promise<void> {
    for (const listener of this.listeners) await this.listenOn(listener)
  }

  private listenOn(listener: Listener): Promise<void> {
    const { server, host, port } = listener
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => {
        server.off('error', reject)
        // Accept errors (EMFILE and the like) come as 'error' events: logged, never thrown.
        server.on('error', (e) => this.warn(`client port: ${describe(e)}`))
        const addr = server.address()
        listener.bound = typeof addr === 'object' && addr !== null ? { host: addr.address, port: addr.port } : { host, port }
        resolve()
      })
    })
  }

  // Every socket event handler of the port runs in here: whatever throws closes that socket, logged.
  private guardSocket(socket: Socket, where: string, work: () => void): void {
    try {
      work()
    } catch (e) {
      this.warn(`Closing connection from /${socket.remoteAddress ?? ''}: internal error while ${where}: ${describe(e)}`)
      socket.destroy()
    }
  }

  private accept(socket: Socket, mode: ListenerMode): void {
    this.guardSocket(socket, 'accepting it', () => {
      if (!this.admit(socket)) return
      if (mode === 'plain') this.serve(socket, undefined, false)
      else if (mode === 'tls') this.startTls(socket, true)
      else this.sniff(socket)
    })
  }

  // NIOServerCnxnFactory.AcceptThread.doAccept: over maxClientCnxns the socket is closed at once.
  // A socket counts from here, through any TLS handshake, until it closes.
  private admit(socket: Socket): boolean {
    socket.on('error', () => {}) // 'close' follows; the connection or the TLS server reports what matters.
    const address = socket.remoteAddress ?? ''
    const count = this.perAddress.get(address) ?? 0
    if (this.closing !== undefined || (this.maxClientCnxns > 0 && count >= this.maxClientCnxns)) {
      if (this.closing === undefined) this.warn(`Too many connections from /${address} - max is ${this.maxClientCnxns}`)
      socket.destroy()
      return false
    }
    // ServerCnxnFactory.limitTotalNumberOfCnxns: every address together, under zookeeper.maxCnxns.
    if (this.maxCnxns > 0 && this.admitted >= this.maxCnxns) {
      this.warn(`Too many connections ${this.admitted} - max is ${this.maxCnxns}`)
      socket.destroy()
      return false
    }
    this.perAddress.set(address, count + 1)
    this.admitted++
    socket.once('close', () => this.release(address))
    return true
  }

  private release(address: string): void {
    this.admitted--
    const count = (this.perAddress.get(address) ?? 1) - 1
    if (count <= 0) this.perAddress.delete(address)
    else this.perAddress.set(address, count)
  }

  /** A socket (plain, or TLS once verified) becomes a client connection. */
  private serve(socket: Socket, subject: string | undefined, secure: boolean): void {
    if (this.closing !== undefined) return void socket.destroy()
    let connection: ClientPortConnectionImpl
    try {
      connection = new ClientPortConnectionImpl(this, socket, subject, secure)
    } catch (e) {
      this.warn(`Closing connection from /${socket.remoteAddress ?? ''}: internal error while accepting it: ${describe(e)}`)
      socket.destroy()
      return
    }
    this.open.add(connection)
  }

  // NettyServerCnxnFactory's DualModeSslHandler (lib/port-unification.ts). A silent client is
  // closed after sessionlessCnxnTimeoutMs, as one that never sends its ConnectRequest.
  private sniff(socket: Socket): void {
    routeByFirstByte(socket, {
      timeoutMs: this.sessionlessCnxnTimeoutMs,
      waiting: this.sniffing,
      guard: (work) => this.guardSocket(socket, 'telling TLS from plain text', work),
      tls: () => this.startTls(socket, false),
      plain: () => this.serve(socket, undefined, false),
      silent: () => socket.destroy(),
    })
  }

  // The handshake runs in the TLS server; `secured` or its tlsClientError handler takes it from there.
  private startTls(socket: Socket, secure: boolean): void {
    const tls = this.tls
    if (tls === undefined) return void socket.destroy()
    const key = socketKey(socket)
    this.handshaking.set(key, { raw: socket, secure })
    socket.once('close', () => {
      if (this.handshaking.get(key)?.raw === socket) this.handshaking.delete(key)
    })
    tls.server.emit('connection', socket)
  }

  // NettyServerCnxnFactory.CertificateVerifier: after the handshake, the client's certificate
  // decides the connection's x509 identity, or that it is closed.
  private secured(socket: TLSSocket): void {
    this.guardSocket(socket, 'verifying its certificate', () => {
      const key = socketKey(socket)
      const secure = this.handshaking.get(key)?.secure ?? false
      this.handshaking.delete(key)
      const identity = this.clientIdentity(socket)
      if ('refused' in identity) {
        this.warn(`Refusing TLS connection from /${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}: ${identity.refused}`)
        socket.destroy()
        return
      }
      this.serve(socket, identity.subject, secure)
    })
  }

  /** The verified subject of the client's certificate (none without one), or why the client is refused. */
  private clientIdentity(socket: TLSSocket): { subject: string | undefined } | { refused: string } {
    const tls = this.tls
    if (tls === undefined || tls.clientAuth === 'none') return { subject: undefined }
    const certificate = socket.getPeerCertificate()
    if (certificate?.raw === undefined) {
      return tls.clientAuth === 'need' ? { refused: 'no client certificate (ssl.clientAuth=need)' } : { subject: undefined }
    }
    // With `want` the handshake lets any certificate through: one that does not verify is refused
    // here, as Java's trust manager refuses it (only an absent certificate is optional).
    if (!socket.authorized) return { refused: `client certificate not trusted: ${String(socket.authorizationError)}` }
    if (tls.verifyClientHostname) {
      const address = clientHostOf(socket.remoteAddress ?? '')
      const mismatch = tls.checkServerIdentity(address, certificate)
      if (mismatch !== undefined) return { refused: `client certificate does not name ${address} (ssl.clientHostnameVerification): ${mismatch.message}` }
    }
    try {
      return { subject: certificateSubject(certificate.raw) }
    } catch (e) {
      return { refused: describe(e) }
    }
  }

  /** Logs a line; a logger that throws is not let through to the socket or server event emitters. */
  private warn(line: string): void {
    try {
      this.logger.warn(line)
    } catch {
      // Nothing more to do: the line is lost.
    }
  }

  /** A connection closed: forget it (its address stops counting when its socket closes, see {@link admit}). */
  removed(connection: ClientPortConnectionImpl): void {
    this.waiting.delete(connection)
    this.open.delete(connection)
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

  shedConnections(percentage: number, random: () => number = Math.random): number {
    if (!(Number.isInteger(percentage) && percentage >= 0 && percentage <= 100)) throw new RangeError(`percentage must be an integer from 0 to 100, got ${percentage}`)
    const clients = [...this.open].filter((c) => c.isClient)
    const count = Math.round((clients.length * percentage) / 100)
    // A partial Fisher-Yates shuffle: the first `count` places get a uniformly random choice.
    for (let i = 0; i < count; i++) {
      const j = i + Math.min(clients.length - i - 1, Math.floor(random() * (clients.length - i)))
      const chosen = clients[j] as ClientPortConnectionImpl
      clients[j] = clients[i] as ClientPortConnectionImpl
      clients[i] = chosen
      chosen.shed()
    }
    this.logger.info(`Shed ${count} out of ${clients.length} connections (${percentage}%)`)
    return count
  }

  stats(): ClientPortStats {
    const connections = [...this.open].filter((c) => c.isClient).map((c) => c.info())
    return {
      connections,
      packetsReceived: this.packetsReceived,
      packetsSent: this.packetsSent,
      outstandingRequests: connections.reduce((n, c) => n + c.queued, 0),
      latency: this.latency.stats(),
      clientPort: this.listeners.find((l) => l.mode !== 'tls')?.bound.port ?? -1,
      maxClientCnxns: this.maxClientCnxns,
      uptimeMs: Date.now() - this.startedMs,
      environment: environment(),
      secureClientPort: this.secureAddress?.port ?? -1,
    }
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      let pending = this.open.size + this.listeners.length
      const one = () => {
        if (--pending === 0) resolve()
      }
      if (pending === 0) return resolve()
      for (const listener of this.listeners) listener.server.close(() => one())
      // Sockets that are not connections yet have nothing to finish: they go now.
      for (const socket of this.sniffing) socket.destroy()
      for (const { raw } of this.handshaking.values()) raw.destroy()
      this.handshaking.clear()
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

/** OpenSSL's reason in a TLS error (`peer did not return a certificate`), without its source file and line. */
function tlsReason(error: Error): string {
  return /:SSL routines:[^:]*:([^:]+):/.exec(error.message)?.[1] ?? describe(error).trim()
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
