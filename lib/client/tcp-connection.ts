/**
 * The TCP transport: one session over the ZooKeeper wire protocol, kept alive across connections
 * (apache/zookeeper ClientCnxn). It connects to the hosts of a connect string in turn, negotiates
 * the session, pings when idle for readTimeout/2, declares a connection dead after readTimeout of
 * silence, and resumes the session on the next host with its id, password and lastZxidSeen,
 * re-registering watches (setWatches, xid -8) and replaying addAuth credentials first.
 *
 * Three layers that do not blur: this file owns the socket and the session's timing; the jute
 * codec (lib/wire) turns frames into records; lib/protocol/jute-client.ts and ./chroot.ts translate
 * records into the client's requests and responses.
 * @module
 */
import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import { systemClock, type Clock, type Timer } from '../clock.js'
import { ErrorCode } from '../errors.js'
import {
  closeTimeoutMsDefault,
  juteMaxBufferBytes,
  pingIntervalMsMax,
  reconnectDelayMsDefault,
  requestsQueuedMaxDefault,
  setWatchesCharsMax,
  xidMax,
} from '../limits.js'
import { fromJuteResponse, fromWatcherEvent, toJuteRequest } from '../protocol/jute-client.js'
import type { ClientRequest } from '../protocol/jute-records.js'
import { Xid } from '../protocol/opcodes.js'
import type { Request, Response, SetWatchesRequest } from '../protocol/requests.js'
import { JuteDecodeError, JuteReader, JuteWriter } from '../wire/jute.js'
import { readConnectResponse, readReplyHeader, readWatcherEvent, type ConnectResponse } from '../wire/records.js'
import { readResponse } from '../wire/responses.js'
import { FrameDecoder, writeConnectRequestFrame, writeRequestFrame } from '../wire/frames.js'
import { DigestMd5Client, SaslError } from '../wire/sasl-digest-md5.js'
import { notificationUnderChroot, requestUnderChroot, responseUnderChroot } from './chroot.js'
import { formatHost, HostProvider, type HostAddress } from './connect-string.js'
import { probeIsro, ReadWriteSearch } from './read-write-search.js'
import { silentLogger, type ClientLogger } from './events.js'
import type { ClientTransport, ConnectionSink, TcpClientOptions, TcpTlsOptions } from './types.js'
import type { WatchKind } from './watch-registry.js'

/**
 * Settings of a {@link TcpConnection}: the parsed connect string and the requested timeout, plus
 * the client options it honours (documented once, on TcpClientOptions).
 */
export interface TcpConnectionOptions
  extends Pick<
    TcpClientOptions,
    | 'connectTimeoutMs'
    | 'reconnectDelayMs'
    | 'shuffleHosts'
    | 'random'
    | 'canBeReadOnly'
    | 'maxBufferBytes'
    | 'requestsQueuedMax'
    | 'closeTimeoutMs'
    | 'sessionId'
    | 'sessionPasswd'
    | 'clock'
    | 'logger'
    | 'tls'
    | 'sasl'
  > {
  /** The servers, from the connect string. */
  hosts: readonly HostAddress[]
  /** The chroot, or `''` for none. */
  chroot: string
  /** Requested session timeout, ms; the server clamps it. */
  sessionTimeoutMs: number
}

interface Outgoing {
  /** The request as the application made it (paths without the chroot). */
  request: Request
  /** The jute record to send (paths under the chroot). */
  wire: ClientRequest
  resolve: ((response: Response) => void) | undefined
  onReply: ((response: Response) => void) | undefined
}

interface InFlight extends Outgoing {
  xid: number
}

type Phase = 'idle' | 'connecting' | 'handshaking' | 'open' | 'closing' | 'ended'

/** node:tls's options for a TLS connection to `address` (also what `paddock shell` probes with). */
export function tlsConnectOptions(address: HostAddress, tls: TcpTlsOptions): ConnectionOptions {
  const { hostnameVerification, servername, ...rest } = tls
  // node:tls takes any ArrayBufferView where its types say Buffer, and a read-only list as a list.
  return {
    ...rest,
    host: address.host,
    port: address.port,
    ...(servername !== undefined ? { servername } : isIP(address.host) === 0 ? { servername: address.host } : {}),
    ...(hostnameVerification === false ? { checkServerIdentity: () => undefined } : {}),
  } as ConnectionOptions
}

/** One session over TCP; see the module comment. */
export class TcpConnection implements ClientTransport {
  /** Replies go through `onReply` synchronously, before the next frame is read. */
  readonly callsOnReply = true
  private readonly hostProvider: HostProvider
  private readonly clock: Clock
  private readonly logger: ClientLogger
  private readonly random: () => number
  private readonly writer = new JuteWriter()
  private phase: Phase = 'idle'
  private socket: Socket | undefined
  private decoder: FrameDecoder | undefined
  private server = ''
  private sessionId: bigint
  private passwd: Uint8Array
  private negotiatedTimeoutMs = 0
  private lastZxidSeen = 0
  private everConnected = false
  private xid = 0
  private lastSendMs = 0
  private lastRecvMs = 0
  private readonly inFlight: InFlight[] = []
  private readonly queued: Outgoing[] = []
  private readonly authWaiters: Outgoing[] = []
  private readonly authInfo: { scheme: string; auth: Uint8Array }[] = []
  private connectTimer: Timer | undefined
  private heartbeatTimer: Timer | undefined
  private reconnectTimer: Timer | undefined
  private closed: (() => void) | undefined
  /** The SASL exchange of this connection, while it runs (between the ConnectResponse and 'open'). */
  private sasl: { client: DigestMd5Client; xid: number; granted: ConnectResponse } | undefined
  /**
   * A read-write server has granted this session (ClientCnxn's seenRwServerBefore): only then is
   * the session id sent on reconnecting. A session a read-only server opened is its own, unknown
   * elsewhere, so the client asks for a new one, as ZooKeeper's does.
   */
  private seenRwServer: boolean
  /** Looks for a read-write server while connected to a read-only one. */
  private readonly rwSearch: ReadWriteSearch
  /** The read-write server the search found: the next connection goes there first. */
  private rwServer: HostAddress | undefined

  constructor(
    private readonly options: TcpConnectionOptions,
    private readonly sink: ConnectionSink,
  ) {
    this.clock = options.clock ?? systemClock
    this.logger = options.logger ?? silentLogger
    this.random = options.random ?? Math.random
    this.hostProvider = new HostProvider(options.hosts, this.random, options.shuffleHosts ?? true)
    this.sessionId = options.sessionId ?? 0n
    this.passwd = options.sessionPasswd ?? new Uint8Array(16)
    // ZooKeeper's constructor with a session id: the user's session is a read-write one.
    this.seenRwServer = this.sessionId !== 0n
    this.rwSearch = new ReadWriteSearch({
      hosts: this.hostProvider.order,
      clock: this.clock,
      logger: this.logger,
      probe: (address) => probeIsro(() => this.openSocket(address), this.options.tls === undefined ? 'connect' : 'secureConnect'),
      found: (address) => this.readWriteServerFound(address),
    })
  }

  /** The hosts in the order they are tried. */
  get hostOrder(): readonly HostAddress[] {
    return this.hostProvider.order
  }

  /** Starts connecting to the first host. */
  start(): void {
    if (this.phase !== 'idle') return
    this.scheduleAttempt()
  }

  /** Sends a request now, or once connected; resolves with the reply (CONNECTIONLOSS if the connection drops first). */
  send(request: Request, onReply?: (response: Response) => void): Promise<Response> {
    if (this.phase === 'ended' || this.phase === 'closing') return Promise.resolve({ err: ErrorCode.SESSIONEXPIRED })
    const wire = toJuteRequest(requestUnderChroot(this.options.chroot, request))
    if (wire === undefined) return Promise.resolve({ err: ErrorCode.UNIMPLEMENTED })
    return new Promise((resolve) => {
      const outgoing: Outgoing = { request, wire, resolve, onReply }
      if (this.phase === 'open') return this.write(outgoing)
      if (this.queued.length >= (this.options.requestsQueuedMax ?? requestsQueuedMaxDefault)) {
        return this.finish(outgoing, { err: ErrorCode.CONNECTIONLOSS })
      }
      this.queued.push(outgoing)
    })
  }

  /** Closes the session (closeSession when connected) and the socket; nothing reconnects after. */
  async close(): Promise<void> {
    if (this.phase === 'ended' || this.phase === 'closing') return
    const wasOpen = this.phase === 'open'
    this.phase = 'closing'
    this.cancelTimers()
    if (wasOpen) {
      // closeSession is answered after every request before it (FIFO), so those complete first.
      const done = new Promise<void>((resolve) => {
        this.closed = resolve
      })
      const timer = this.clock.setTimer(this.options.closeTimeoutMs ?? closeTimeoutMsDefault, () => this.closed?.())
      this.write({ request: { op: 'closeSession' }, wire: { op: 'closeSession' }, resolve: () => this.closed?.(), onReply: undefined })
      await done
      timer.cancel()
    }
    this.end()
    this.failAll(ErrorCode.CONNECTIONLOSS)
  }

  /** Test hook: drops the socket as a network failure would; the session is resumed on a reconnect. */
  dropConnection(): void {
    if (this.phase === 'open' || this.phase === 'handshaking' || this.phase === 'connecting') this.connectionLost('connection dropped on request')
  }

  private scheduleAttempt(): void {
    const found = this.rwServer
    this.rwServer = undefined
    const { address, roundFailed } = found === undefined ? this.hostProvider.next() : { address: found, roundFailed: false }
    this.phase = 'connecting'
    const delayMs = roundFailed ? (this.options.reconnectDelayMs ?? reconnectDelayMsDefault) * (0.5 + this.random() / 2) : 0
    if (roundFailed) this.logger.info(`every host failed; next attempt in ${Math.round(delayMs)} ms`)
    this.reconnectTimer = this.clock.setTimer(delayMs, () => {
      this.reconnectTimer = undefined
      this.attempt(address)
    })
  }

  private connectTimeoutMs(): number {
    if (this.options.connectTimeoutMs !== undefined) return this.options.connectTimeoutMs
    const timeoutMs = this.negotiatedTimeoutMs > 0 ? this.negotiatedTimeoutMs : this.options.sessionTimeoutMs
    return Math.max(1, Math.floor(timeoutMs / this.hostProvider.size))
  }

  private attempt(address: HostAddress): void {
    if (this.phase !== 'connecting') return
    this.server = formatHost(address)
    this.decoder = new FrameDecoder({ maxBufferBytes: this.options.maxBufferBytes ?? juteMaxBufferBytes })
    const tls = this.options.tls
    const socket = this.openSocket(address)
    this.socket = socket
    socket.setNoDelay(true)
    const timeoutMs = this.connectTimeoutMs()
    this.connectTimer = this.clock.setTimer(timeoutMs, () => this.connectionLost(`no session from ${this.server} within ${timeoutMs} ms (connectTimeoutMs)`))
    let failure = ''
    // Over TLS the ConnectRequest waits for the handshake: the server's certificate is verified first.
    socket.on(tls === undefined ? 'connect' : 'secureConnect', () => this.socketConnected(socket))
    socket.on('data', (chunk: Buffer) => {
      if (this.socket === socket) this.received(chunk)
    })
    socket.on('error', (error) => {
      failure = error.message
    })
    socket.on('close', () => {
      if (this.socket === socket) this.connectionLost(failure === '' ? `${this.server} closed the connection` : `${this.server}: ${failure}`)
    })
  }

  private openSocket(address: HostAddress): Socket {
    const tls = this.options.tls
    return tls === undefined ? netConnect({ host: address.host, port: address.port }) : tlsConnect(tlsConnectOptions(address, tls))
  }

  // ClientCnxn's RWServerFoundException: leave the read-only server for the read-write one.
  private readWriteServerFound(address: HostAddress): void {
    if (this.phase !== 'open') return
    this.rwServer = address
    this.connectionLost(`found a read-write server: ${formatHost(address)}`)
  }

  private socketConnected(socket: Socket): void {
    if (this.socket !== socket || this.phase !== 'connecting') return
    this.phase = 'handshaking'
    const request = {
      protocolVersion: 0,
      lastZxidSeen: this.lastZxidSeen,
      timeOut: this.options.sessionTimeoutMs,
      sessionId: this.seenRwServer ? this.sessionId : 0n,
      passwd: this.passwd,
      readOnly: this.options.canBeReadOnly ?? false,
    }
    writeConnectRequestFrame(this.writer, request)
    this.flush()
  }

  private received(chunk: Buffer): void {
    let frames: Uint8Array[]
    try {
      frames = this.decoder?.push(chunk) ?? []
    } catch (error) {
      return this.connectionLost(`bad frame from ${this.server}: ${(error as Error).message}`)
    }
    this.lastRecvMs = this.clock.now()
    for (const frame of frames) {
      // A frame may end the connection (expiry, auth failure, a protocol error): stop there.
      if (this.phase !== 'handshaking' && this.phase !== 'open' && this.phase !== 'closing') return
      try {
        if (this.phase === 'handshaking') this.handshake(frame)
        else this.reply(frame)
      } catch (error) {
        if (!(error instanceof JuteDecodeError)) throw error
        return this.connectionLost(`malformed reply from ${this.server}: ${error.message}`)
      }
    }
  }

  private handshake(frame: Uint8Array): void {
    if (this.sasl !== undefined) return this.saslReply(frame, this.sasl)
    const response = readConnectResponse(new JuteReader(frame))
    if (response.timeOut <= 0) {
      this.connectTimer?.cancel()
      return this.expired()
    }
    const sasl = this.options.sasl
    if (sasl === undefined) return this.connectResponse(response)
    // ZooKeeper's clients authenticate every new connection before any other request goes out
    // (ClientCnxn holds its queue while SASL is in progress); the connect timer keeps running.
    const client = new DigestMd5Client({ username: sasl.username, password: sasl.password })
    this.sasl = { client, xid: 0, granted: response }
    this.sendSasl(client.initial())
  }

  private sendSasl(token: Uint8Array): void {
    const exchange = this.sasl
    if (exchange === undefined) return
    exchange.xid = this.nextXid()
    writeRequestFrame(this.writer, exchange.xid, { op: 'sasl', token })
    this.flush()
  }

  // One reply of the SASL exchange: the server's next token, or the end of the exchange.
  private saslReply(frame: Uint8Array, exchange: NonNullable<TcpConnection['sasl']>): void {
    const r = new JuteReader(frame, { maxBufferBytes: this.options.maxBufferBytes ?? juteMaxBufferBytes })
    const header = readReplyHeader(r)
    if (header.xid === Xid.ping || header.xid === Xid.notification) return
    if (header.xid !== exchange.xid) return this.connectionLost(`xid out of order from ${this.server} during SASL: got ${header.xid}, expected ${exchange.xid}`)
    if (header.err !== 0) return this.saslFailed(`the server refused it (error ${header.err})`)
    const token = readResponse('sasl', r)
    let next: Uint8Array | undefined
    try {
      next = exchange.client.respond(token.op === 'sasl' && token.token !== null ? token.token : new Uint8Array(0))
    } catch (error) {
      if (!(error instanceof SaslError)) throw error
      return this.saslFailed(error.message)
    }
    if (next !== undefined) return this.sendSasl(next)
    this.sasl = undefined
    this.connectResponse(exchange.granted)
  }

  private saslFailed(why: string): void {
    this.sasl = undefined
    this.logger.warn(`SASL authentication with ${this.server} failed: ${why}`)
    this.authFailed('sasl', undefined)
  }

  private connectResponse(response: ConnectResponse): void {
    this.connectTimer?.cancel()
    this.connectTimer = undefined
    const reconnected = this.everConnected && response.sessionId === this.sessionId
    this.sessionId = response.sessionId
    this.passwd = response.passwd
    this.negotiatedTimeoutMs = response.timeOut
    this.everConnected = true
    const readOnly = response.readOnly === true
    if (!readOnly) this.seenRwServer = true
    this.phase = 'open'
    this.hostProvider.connected()
    this.restoreWatches()
    for (const { scheme, auth } of this.authInfo) {
      this.write({ request: { op: 'setAuth', scheme, auth }, wire: { op: 'auth', type: 0, scheme, auth }, resolve: undefined, onReply: undefined })
    }
    for (const outgoing of this.queued.splice(0)) this.write(outgoing)
    this.lastRecvMs = this.clock.now()
    this.armHeartbeat()
    if (readOnly) this.rwSearch.start(this.server)
    const info = { sessionId: this.sessionId, sessionTimeoutMs: this.negotiatedTimeoutMs, sessionPasswd: this.passwd, readOnly, reconnected, server: this.server }
    this.sink.connected(info)
  }

  // ClientCnxn.primeConnection: setWatches in batches of at most 128 kB of paths.
  private restoreWatches(): void {
    const paths = this.sink.watchesToRestore()
    const kinds: WatchKind[] = ['data', 'exist', 'child', 'persistent', 'persistentRecursive']
    const empty = (): SetWatchesRequest & { chars: number } => ({
      op: 'setWatches', relativeZxid: this.lastZxidSeen, dataWatches: [], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [], chars: 0,
    })
    const lists: Record<WatchKind, 'dataWatches' | 'existWatches' | 'childWatches' | 'persistentWatches' | 'persistentRecursiveWatches'> = {
      data: 'dataWatches', exist: 'existWatches', child: 'childWatches', persistent: 'persistentWatches', persistentRecursive: 'persistentRecursiveWatches',
    }
    let batch = empty()
    const send = (): void => {
      if (batch.chars === 0) return
      const { chars: _, ...request } = batch
      const wire = toJuteRequest(requestUnderChroot(this.options.chroot, request))
      if (wire !== undefined) this.write({ request, wire, resolve: undefined, onReply: undefined }, Xid.setWatches)
      batch = empty()
    }
    for (const kind of kinds) {
      for (const path of paths[kind]) {
        if (batch.chars + path.length > setWatchesCharsMax) send()
        ;(batch[lists[kind]] as string[]).push(path)
        batch.chars += path.length + 1
      }
    }
    send()
  }

  private reply(frame: Uint8Array): void {
    const r = new JuteReader(frame, { maxBufferBytes: this.options.maxBufferBytes ?? juteMaxBufferBytes })
    const header = readReplyHeader(r)
    switch (header.xid) {
      case Xid.ping:
        return
      case Xid.notification:
        return this.notification(header.zxid, r)
      case Xid.auth:
        return this.authReply(header.err)
    }
    const entry = this.inFlight.shift()
    if (entry === undefined || entry.xid !== header.xid) {
      return this.connectionLost(`xid out of order from ${this.server}: got ${header.xid}, expected ${entry?.xid ?? 'none'}`)
    }
    if (header.zxid > 0) this.lastZxidSeen = header.zxid
    const op = entry.wire.op
    if (header.err !== 0 && !(op === 'multi' && r.remaining > 0)) return this.finish(entry, { err: header.err })
    if (header.err !== 0 && entry.xid === Xid.setWatches) this.logger.warn(`setWatches failed on ${this.server} with error ${header.err}`)
    this.finish(entry, fromJuteResponse(readResponse(op, r)))
  }

  private notification(zxid: number, r: JuteReader): void {
    const notification = fromWatcherEvent(readWatcherEvent(r), zxid)
    // Unknown types and session events (type None, never sent by servers in practice) are skipped.
    if (notification === undefined) return
    this.sink.notification(notificationUnderChroot(this.options.chroot, notification))
  }

  private authReply(err: number): void {
    const waiter = this.authWaiters.shift()
    if (err === ErrorCode.AUTHFAILED) return this.authFailed(waiter?.wire.op === 'auth' ? waiter.wire.scheme : 'unknown', waiter)
    if (waiter !== undefined) this.finish(waiter, { err })
  }

  private write(outgoing: Outgoing, xid?: number): void {
    if (outgoing.wire.op === 'auth') {
      // Credentials the application added are kept for replay on every later connection.
      if (outgoing.resolve !== undefined) this.authInfo.push({ scheme: outgoing.wire.scheme, auth: outgoing.wire.auth })
      this.authWaiters.push(outgoing)
      writeRequestFrame(this.writer, Xid.auth, outgoing.wire)
    } else {
      const id = xid ?? this.nextXid()
      this.inFlight.push({ ...outgoing, xid: id })
      writeRequestFrame(this.writer, id, outgoing.wire)
    }
    this.flush()
  }

  private nextXid(): number {
    this.xid = this.xid >= xidMax ? 1 : this.xid + 1
    return this.xid
  }

  private flush(): void {
    const bytes = this.writer.finish()
    if (bytes.length === 0) return
    this.socket?.write(bytes)
    this.lastSendMs = this.clock.now()
  }

  private finish(outgoing: Outgoing, response: Response): void {
    const mapped = responseUnderChroot(this.options.chroot, outgoing.request, response)
    outgoing.onReply?.(mapped)
    outgoing.resolve?.(mapped)
  }

  // ClientCnxn.SendThread.run: ping when idle for readTimeout/2 (at most every 10 s); a connection
  // silent for readTimeout = 2/3 of the session timeout is dead.
  private armHeartbeat(): void {
    this.heartbeatTimer?.cancel()
    if (this.phase !== 'open') return
    const readTimeoutMs = Math.floor((this.negotiatedTimeoutMs * 2) / 3)
    const pingIntervalMs = Math.min(Math.floor(readTimeoutMs / 2), pingIntervalMsMax)
    const now = this.clock.now()
    if (now - this.lastRecvMs >= readTimeoutMs) {
      return this.connectionLost(`no reply from ${this.server} for ${now - this.lastRecvMs} ms (readTimeout ${readTimeoutMs} ms)`)
    }
    if (now - this.lastSendMs >= pingIntervalMs) {
      writeRequestFrame(this.writer, Xid.ping, { op: 'ping' })
      this.flush()
    }
    const nextMs = Math.min(this.lastSendMs + pingIntervalMs, this.lastRecvMs + readTimeoutMs) - now
    this.heartbeatTimer = this.clock.setTimer(Math.max(1, nextMs), () => this.armHeartbeat())
  }

  private connectionLost(reason: string): void {
    if (this.phase === 'closing') return this.closed?.()
    if (this.phase === 'ended' || this.phase === 'idle') return
    const wasOpen = this.phase === 'open'
    this.dropSocket()
    this.failAll(ErrorCode.CONNECTIONLOSS)
    this.phase = 'connecting'
    this.logger.warn(`connection lost: ${reason}`)
    if (wasOpen) this.sink.disconnected(reason)
    this.scheduleAttempt()
  }

  private expired(): void {
    this.logger.warn(`session 0x${BigInt.asUintN(64, this.sessionId).toString(16)} expired (told by ${this.server})`)
    this.end()
    this.failAll(ErrorCode.SESSIONEXPIRED)
    this.sink.sessionEnded('expired')
  }

  private authFailed(scheme: string, waiter: Outgoing | undefined): void {
    this.end()
    if (waiter !== undefined) this.finish(waiter, { err: ErrorCode.AUTHFAILED })
    this.failAll(ErrorCode.AUTHFAILED)
    this.sink.authFailed(scheme)
  }

  private end(): void {
    this.phase = 'ended'
    this.cancelTimers()
    this.dropSocket()
    this.closed = undefined
  }

  // Requests sent on a lost connection may or may not have been applied: CONNECTIONLOSS. Auth
  // credentials are kept and replayed on the next connection.
  // Requests waiting for a connection fail too, as ClientCnxn.cleanup fails its outgoingQueue:
  // the caller decides whether to retry, rather than waiting an unbounded time.
  private failAll(err: number): void {
    const entries = [...this.inFlight.splice(0), ...this.authWaiters.splice(0), ...this.queued.splice(0)]
    for (const entry of entries) this.finish(entry, { err })
  }

  private cancelTimers(): void {
    this.rwSearch.stop()
    for (const timer of [this.connectTimer, this.heartbeatTimer, this.reconnectTimer]) timer?.cancel()
    this.connectTimer = this.heartbeatTimer = this.reconnectTimer = undefined
  }

  private dropSocket(): void {
    const socket = this.socket
    this.socket = undefined
    this.decoder = undefined
    this.connectTimer?.cancel()
    this.heartbeatTimer?.cancel()
    this.connectTimer = this.heartbeatTimer = undefined
    this.rwSearch.stop()
    socket?.destroy()
  }
}
