/**
 * Quorum TLS (ZooKeeper's `sslQuorum` and `portUnification`) as both member transports use it:
 * tcp.ts, Paddock's own protocol, and zookeeper/transport.ts, Apache ZooKeeper's. One module so
 * that both listen, dial and check certificates the same way:
 *
 * - {@link PeerListeners}: the listener of a quorum or election port. TLS only, requiring a
 *   certificate the quorum trust store verifies (ZooKeeper's `ssl.quorum.clientAuth=need`), within a
 *   handshake timeout and under the caller's bound on connections not yet identified; or with
 *   portUnification plain TCP that hands connections opening with a TLS handshake to a TLS server
 *   (lib/port-unification.ts), as ZooKeeper's UnifiedServerSocket does. New certificates replace
 *   the served ones for new connections ({@link PeerListeners.replaceTls}).
 * - {@link dialPeer}: a connection to another member, TLS or plain as {@link PeerTlsOptions.dialTls}
 *   says; with hostname verification the accepting member's certificate must name the host dialled.
 * - {@link certificateIdentityProblem}: with hostname verification, an accepted connection's
 *   certificate must name the host of the member it claims to be (in a Paddock hello, or in
 *   ZooKeeper's initial message and LearnerInfo), so one member's certificate cannot speak as
 *   another member. ZooKeeper 3.8 checks the connecting address against the certificate instead;
 *   on a member connecting from its own host the two agree.
 * @module
 */
import { connect as netConnect, createServer, isIP, type Server, type Socket } from 'node:net'
import { checkServerIdentity, connect as tlsConnect, createServer as createTlsServer, TLSSocket, type ConnectionOptions, type PeerCertificate, type SecureContextOptions, type Server as TlsServer } from 'node:tls'
import { routeByFirstByte } from '../port-unification.js'
import { describeError } from '../errors.js'
import type { PeerAddress, PeerEndpoint } from './transport.js'

/** Member-to-member TLS: what both directions present and trust. */
export interface PeerTlsOptions {
  /** This member's key and certificate and the CAs members' certificates chain to (node:tls options). */
  context: SecureContextOptions
  /** Check that a peer's certificate names the host of the member it is or claims to be. */
  hostnameVerification: boolean
  /**
   * Both ports take plain-text connections too, told apart from TLS by their first byte
   * (ZooKeeper's portUnification). @defaultValue false: TLS only
   */
  portUnification?: boolean
  /**
   * Dial other members with TLS (ZooKeeper's sslQuorum); false only with
   * {@link PeerTlsOptions.portUnification}, where the member accepts TLS but dials in plain text.
   * @defaultValue true
   */
  dialTls?: boolean
}

/** Whether a member with `tls` dials other members with TLS. */
export function dialsTls(tls: PeerTlsOptions | undefined): tls is PeerTlsOptions {
  return tls !== undefined && tls.dialTls !== false
}

/** A member's addresses, in order. */
export function endpointsOf(address: PeerAddress): readonly PeerEndpoint[] {
  return address.addresses !== undefined && address.addresses.length > 0 ? address.addresses : [address]
}

/**
 * Why `cert` does not name any host of `member` (a DNS or IP subject alternative name, checked as
 * HTTPS checks a server), or undefined when it names one. A member with several addresses may
 * connect from any of them, so any one will do.
 */
export function memberCertificateProblem(cert: PeerCertificate, member: PeerAddress): string | undefined {
  const problems = endpointsOf(member).map((address) => checkServerIdentity(address.host, cert)?.message)
  return problems.includes(undefined) ? undefined : problems[0]
}

/**
 * Why the peer on an accepted `socket`, which claims to be member `id` (`member`, undefined when
 * unknown), may not be it: its TLS certificate names none of that member's hosts. Undefined when
 * it may, and when nothing is checked: no TLS, hostname verification off, or a plain-text
 * connection on a port with portUnification.
 */
export function certificateIdentityProblem(tls: PeerTlsOptions | undefined, socket: Socket, id: number, member: PeerAddress | undefined): string | undefined {
  if (tls === undefined || !tls.hostnameVerification || !(socket instanceof TLSSocket)) return undefined
  if (member === undefined) return `member ${id} is unknown`
  return memberCertificateProblem(socket.getPeerCertificate(), member)
}

/** Whether the peer on `socket` presented a certificate the quorum trust store verified. */
export function certificateVerified(socket: Socket): boolean {
  return socket instanceof TLSSocket && socket.authorized
}

/**
 * node:tls's options for dialling `host:port` with `tls`: our certificate, the quorum trust store
 * as the only CAs, and with hostname verification the accepting member's certificate must name
 * `host` (ZooKeeper's ZKTrustManager checks the server's address the same way).
 */
export function tlsDialOptions(tls: PeerTlsOptions, host: string, port: number): ConnectionOptions {
  return {
    ...tls.context,
    host,
    port,
    rejectUnauthorized: true,
    // SNI takes host names only, never addresses.
    ...(isIP(host) === 0 ? { servername: host } : {}),
    checkServerIdentity: (_name, cert) => (tls.hostnameVerification ? checkServerIdentity(host, cert) : undefined),
  }
}

/** A connection being dialled, and the event after which it may carry the protocol. */
export interface PeerDial {
  /** The socket; a TLS socket when the member dials with TLS. */
  readonly socket: Socket
  /** `secureConnect` over TLS (the handshake and every certificate check passed), else `connect`. */
  readonly ready: 'connect' | 'secureConnect'
}

/** Dials `host:port`, with TLS when {@link dialsTls}: a failed handshake or check closes the socket with an error. */
export function dialPeer(tls: PeerTlsOptions | undefined, host: string, port: number): PeerDial {
  if (dialsTls(tls)) return { socket: tlsConnect(tlsDialOptions(tls, host, port)), ready: 'secureConnect' }
  return { socket: netConnect({ host, port }), ready: 'connect' }
}

/** Options of {@link PeerListeners}. */
export interface PeerListenersOptions {
  /** The ports' TLS; undefined: plain TCP. */
  readonly tls: PeerTlsOptions | undefined
  /** Time an accepted connection has for its TLS handshake, and with portUnification for its first byte, ms. */
  readonly timeoutMs: number
  /**
   * Why one more accepted connection may not wait, or undefined when it may: the caller's bound on
   * connections not identified yet, which counts {@link PeerListeners.waiting} too.
   */
  overPending(): string | undefined
  /** Whether the transport is closing: new connections are dropped. */
  closed(): boolean
  /** The caller's error boundary: runs `work`; what it throws closes `socket` and is logged. */
  guard(socket: Socket | undefined, what: string, work: () => void): void
  /** Where refused connections are reported. */
  log(line: string): void
}

/** The listeners of one member's ports and the connections they hold before handing them on. */
export class PeerListeners {
  /** Accepted connections in their TLS handshake, by remote address and port. */
  private readonly inHandshake = new Map<string, Socket>()
  /** With portUnification, accepted connections waiting for their first byte. */
  private readonly sniffing = new Set<Socket>()
  /** The TLS servers: the listening ones, and with portUnification those the listeners hand TLS connections to. */
  private readonly tlsServers: TlsServer[] = []
  private tls: PeerTlsOptions | undefined

  constructor(private readonly options: PeerListenersOptions) {
    this.tls = options.tls
  }

  /** Accepted connections held here: in their TLS handshake, or waiting for their first byte. */
  waiting(): number {
    return this.inHandshake.size + this.sniffing.size
  }

  /**
   * A listener (not listening yet) for the port `what` names (`election`, `quorum`): plain TCP,
   * TLS, or with portUnification plain TCP that hands TLS connections on. `accepted` gets each
   * connection, plain or TLS once its certificate is verified.
   */
  create(what: string, accepted: (socket: Socket) => void): Server {
    const tls = this.tls
    const take = (socket: Socket): void => this.options.guard(socket, `${what} connection`, () => accepted(socket))
    if (tls === undefined) return createServer(take)
    const secure = this.secureServer(what, tls, take)
    if (tls.portUnification !== true) return secure
    // The TLS server never listens: the plain listener hands it the connections that start a handshake.
    return createServer((raw) => this.options.guard(raw, `${what} connection`, () => this.unified(raw, what, secure, take)))
  }

  /** Serves new connections with `tls` from now on (new certificates after a reload); open connections keep theirs. */
  replaceTls(tls: PeerTlsOptions): void {
    this.tls = tls
    for (const server of this.tlsServers) server.setSecureContext(tls.context)
  }

  /** Closes the connections still held (the transport is closing). */
  destroyWaiting(): void {
    for (const socket of this.inHandshake.values()) socket.destroy()
    for (const socket of this.sniffing) socket.destroy()
  }

  private refuse(socket: Socket, from: string, why: string): void {
    this.options.log(`refused ${from}: ${why}`)
    socket.destroy()
  }

  /** A TLS server requiring a certificate the quorum trust store verifies; `accepted` gets each connection once it is verified. */
  private secureServer(what: string, tls: PeerTlsOptions, accepted: (socket: Socket) => void): TlsServer {
    // The handshake is bounded like the hello: a peer that does not complete it in time is dropped.
    const server = createTlsServer({ ...tls.context, requestCert: true, rejectUnauthorized: true, handshakeTimeout: this.options.timeoutMs }, (socket) => {
      this.inHandshake.delete(connectionKey(socket))
      accepted(socket)
    })
    server.on('connection', (raw: Socket) => this.options.guard(raw, `${what} connection`, () => this.handshaking(raw, what)))
    server.on('tlsClientError', (error, socket) => this.options.log(`refused ${what} connection from ${socket.remoteAddress}:${socket.remotePort}: TLS handshake failed: ${describeError(error)}`))
    this.tlsServers.push(server)
    return server
  }

  /** Connections in their TLS handshake wait like those waiting for their hello, under the same bound. */
  private handshaking(raw: Socket, what: string): void {
    raw.on('error', ignore)
    if (this.options.closed()) return void raw.destroy()
    const over = this.options.overPending()
    if (over !== undefined) return this.refuse(raw, `${what} connection from ${raw.remoteAddress}:${raw.remotePort}`, over)
    const key = connectionKey(raw)
    this.inHandshake.set(key, raw)
    raw.once('close', () => {
      if (this.inHandshake.get(key) === raw) this.inHandshake.delete(key)
    })
  }

  /**
   * A connection to a port with portUnification (ZooKeeper's UnifiedServerSocket): its first byte,
   * within the timeout, says whether it speaks TLS, handed to the TLS server and checked as on a
   * TLS-only port, or plain text, taken as on a plain port. While it says nothing it waits under
   * the caller's bound.
   */
  private unified(raw: Socket, what: string, secure: TlsServer, accepted: (socket: Socket) => void): void {
    raw.on('error', ignore)
    const from = `${what} connection from ${raw.remoteAddress}:${raw.remotePort}`
    if (this.options.closed()) return void raw.destroy()
    const over = this.options.overPending()
    if (over !== undefined) return this.refuse(raw, from, over)
    routeByFirstByte(raw, {
      timeoutMs: this.options.timeoutMs,
      waiting: this.sniffing,
      guard: (work) => this.options.guard(raw, from, work),
      tls: () => void secure.emit('connection', raw),
      plain: () => accepted(raw),
      silent: () => this.refuse(raw, from, `nothing within ${this.options.timeoutMs} ms (peerHelloTimeoutMs)`),
    })
  }
}

const ignore = (): void => undefined

/** One TCP connection's remote end, the same on the raw socket and the TLS socket over it. */
function connectionKey(socket: Socket): string {
  return `${socket.remoteAddress}:${socket.remotePort}`
}
