/**
 * Member-to-member transport over TCP: one election connection and one quorum connection per pair
 * of members, on the ports of their `server.N` lines, carrying length-prefixed msgpack frames (frame.ts).
 * As in ZooKeeper (QuorumCnxManager), only the member with the larger id keeps a connection it
 * dialled: a connection from a smaller id is closed and dialled back, so one survives per pair.
 *
 * An accepted connection is unauthenticated until its hello (a tag and a member id) is accepted:
 * until then it may send one frame of at most {@link peerHelloBytesMax} bytes within
 * {@link peerHelloTimeoutMs}, and at most {@link peerPendingConnectionsMax} such connections wait
 * at once. After it, frames up to {@link peerFrameBytesMax} flow, and a newer connection of the
 * same member on the same channel replaces the older one (ZooKeeper keeps one SendWorker per sid).
 *
 * With {@link TcpTransportOptions.tls} (ZooKeeper's sslQuorum) both ports speak only TLS, with
 * certificates required both ways: a peer whose certificate does not chain to the quorum trust
 * store is dropped in the handshake, before a byte of it is read, and with hostname verification a
 * hello is accepted only from a peer whose certificate names the host of the member it claims to
 * be, so a member's certificate cannot vote as another member. With
 * {@link PeerTlsOptions.portUnification} (ZooKeeper's portUnification, for turning TLS on or off
 * one member at a time) both ports take plain-text connections too, told apart by their first
 * byte (lib/port-unification.ts) within the hello timeout and under the same bound as connections
 * waiting for their hello; a TLS one among them gets the checks above, and the member dials with
 * TLS or in plain text as {@link PeerTlsOptions.dialTls} says.
 *
 * With {@link TcpTransportOptions.sasl} (ZooKeeper's `quorum.auth.enableSasl`) each new connection
 * authenticates after TLS and the hello, before any of its frames reach the handler (sasl.ts has
 * the exchange): the dialling member proves a password of the accepting member's QuorumServer
 * users, and the user it proves must be allowed to speak as the member id its hello claims. A
 * connection that must authenticate (serverRequireSasl, learnerRequireSasl) and does not is closed
 * with nothing of it delivered. Both ports are covered, as in ZooKeeper: a member that could vote
 * unauthenticated could elect itself, or anyone, leader.
 *
 * A connection is authenticated when its peer proved it is a member: with quorum SASL, or over TLS
 * with a certificate the quorum trust store verified. When this member asks for proof (it dials
 * with TLS, or does quorum SASL) but lets peers in without it (portUnification, or SASL not
 * required), what comes on an unauthenticated connection is delivered marked untrusted
 * ({@link PeerHandler.message}): the member still votes and replicates with it, but believes
 * nothing it claims on someone else's behalf.
 *
 * Every socket event and timer runs inside one boundary ({@link TcpTransport.guard}): an error
 * while decoding or handling a peer's frames closes that connection and is logged; a broken ZAB
 * invariant also goes to the handler's `fatal` (transport.ts has the contract).
 * @module
 */
import { Socket, type Server } from 'node:net'
import {
  electionPortBindRetryDefault, electionPortBindRetryIntervalMs, electionPortBindRetryMax, peerCloseLingerMs, peerConnectTimeoutMs, peerFrameBytesMax, peerHelloBytesMax, peerHelloTimeoutMs, peerPendingConnectionsMax,
  peerQueuedBytesMax, peerRedialMsMax, peerRedialMsMin, peerUnknownMembersMax, peerSaslFrameBytesMax, peerSaslRoundsMax, peerSaslTimeoutMs,
} from '../limits.js'
import { decodeValue } from '../txn/codec.js'
import { describeError } from '../errors.js'
import { guarded, logSafely } from './boundary.js'
import { readSaslFrame, saslFrame, type PeerSaslOptions } from './sasl.js'
import { certificateIdentityProblem, certificateVerified, dialPeer, dialsTls, endpointsOf, PeerListeners, type PeerTlsOptions } from './tls.js'
import { writeCoalesced } from './coalesce.js'
import { encodeFrame as frame } from './frame.js'
import type { PeerAddress, PeerChannel, PeerEndpoint, PeerHandler, PeerTransport } from './transport.js'

const handshakeTag = 'paddock-peer/1'

export type { PeerAddress, PeerEndpoint } from './transport.js'

/** Options of {@link startTcpTransport}. */
export interface TcpTransportOptions {
  /** This member's id. */
  myid: number
  /** Every member's address, this one's included. */
  members: ReadonlyMap<number, PeerAddress>
  /** Receives messages, disconnections and broken invariants. */
  handler: PeerHandler
  /** Host to bind; defaults to this member's host (each of its addresses' hosts). */
  bindHost?: string
  /**
   * Bind both ports on every local address instead of this member's host (ZooKeeper's
   * `quorumListenOnAllIPs`); {@link TcpTransportOptions.bindHost} wins when given. @defaultValue false
   */
  listenOnAllIPs?: boolean
  /**
   * Attempts at binding each election port before the start fails (ZooKeeper's
   * `electionPortBindRetry`), {@link TcpTransportOptions.bindRetryIntervalMs} apart.
   * @defaultValue {@link electionPortBindRetryDefault}
   */
  electionPortBindRetry?: number
  /** Wait between attempts at binding an election port, ms. @defaultValue {@link electionPortBindRetryIntervalMs} */
  bindRetryIntervalMs?: number
  /**
   * Accept members the configuration does not name yet, at the address their hello gives (a
   * server joining the ensemble before a reconfig adds it, as ZooKeeper accepts it): they learn
   * from the leader without a vote. Only with dynamic reconfiguration on. @defaultValue false
   */
  acceptUnknownMembers?: boolean
  /** Where connection trouble is reported. @defaultValue nothing */
  log?: (line: string) => void
  /** First wait before dialling a member that is down again, ms (doubled each failure). @defaultValue {@link peerRedialMsMin} */
  redialMsMin?: number
  /** Longest wait between dial attempts to a member that is down, ms. @defaultValue {@link peerRedialMsMax} */
  redialMsMax?: number
  /** Time an accepted connection has to send its hello, ms. @defaultValue {@link peerHelloTimeoutMs} */
  helloTimeoutMs?: number
  /** Accepted connections that may wait for their hello at once, both ports together. @defaultValue {@link peerPendingConnectionsMax} */
  pendingConnectionsMax?: number
  /** Mutual TLS on both ports (ZooKeeper's sslQuorum). @defaultValue plain TCP */
  tls?: PeerTlsOptions
  /**
   * Quorum SASL on both ports (ZooKeeper's `quorum.auth.enableSasl`), after TLS and the hello.
   * @defaultValue none: no connection authenticates, and a dialler asking for SASL is told so
   */
  sasl?: PeerSaslOptions
  /** Time a quorum SASL exchange may take, ms. @defaultValue {@link peerSaslTimeoutMs} */
  saslTimeoutMs?: number
}

/**
 * Length-prefixed frames from a byte stream. Chunks are kept until a whole frame is there and
 * joined once, so a frame of hundreds of megabytes (a SNAP) is copied once, not once per chunk.
 * A frame announced over {@link FrameReader.frameBytesMax} throws as soon as its 4-byte length is
 * read, before any of it is kept.
 */
export class FrameReader {
  private chunks: Buffer[] = []
  private buffered = 0
  /** Bytes needed before anything can be parsed: a length prefix, or the frame it announces. */
  private needed = 4

  /**
   * @param frameBytesMax - Largest frame body accepted, in bytes; may be raised later (after a
   * hello, from {@link peerHelloBytesMax} to {@link peerFrameBytesMax}).
   */
  constructor(public frameBytesMax: number = peerFrameBytesMax) {}

  /** Takes the next chunk of the stream; returns the frames it completes (their bodies). */
  push(chunk: Buffer): Buffer[] {
    this.add(chunk)
    const frames: Buffer[] = []
    // Bounded by the bytes buffered: each frame consumes at least its 4-byte prefix.
    for (let body = this.take(); body !== undefined; body = this.take()) frames.push(body)
    return frames
  }

  /** Keeps the next chunk of the stream, for {@link FrameReader.take}. */
  add(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.chunks.push(chunk)
    this.buffered += chunk.length
  }

  /**
   * The body of the next complete frame, or undefined until one is there. Throws a RangeError
   * when the next frame is announced over {@link FrameReader.frameBytesMax}.
   */
  take(): Buffer | undefined {
    if (this.buffered < this.needed) return undefined
    const buffer = this.joined()
    const length = buffer.readUInt32BE(0)
    if (length > this.frameBytesMax) throw new RangeError(`peer frame of ${length} bytes is over ${this.frameBytesMax}`)
    if (buffer.length < 4 + length) {
      this.needed = 4 + length
      return undefined
    }
    const rest = buffer.subarray(4 + length)
    this.chunks = rest.length === 0 ? [] : [rest]
    this.buffered = rest.length
    this.needed = 4
    return buffer.subarray(4, 4 + length)
  }

  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)]
    return this.chunks[0] as Buffer
  }
}

/** The member id a hello claims, or undefined when the frame is no hello of this protocol. */
function helloId(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { tag, id } = value as { tag?: unknown; id?: unknown }
  return tag === handshakeTag && typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined
}

/** Whether a hello asks for a quorum SASL exchange before anything else. */
function helloAsksSasl(value: unknown): boolean {
  return (value as { sasl?: unknown }).sasl === true
}

/** The address in a hello, when it carries a valid one (a joiner's, for dialling back). */
function helloAddress(value: unknown): PeerEndpoint | undefined {
  const address = (value as { address?: unknown }).address
  if (typeof address !== 'object' || address === null) return undefined
  const { host, quorumPort, electionPort } = address as Partial<Record<'host' | 'quorumPort' | 'electionPort', unknown>>
  const port = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p > 0 && p < 65536
  if (typeof host !== 'string' || host === '' || host.length > 253 || !port(quorumPort) || !port(electionPort)) return undefined
  return { host, quorumPort, electionPort }
}

const ignore = (): void => undefined

/** Starts listening on this member's two ports and dialling the members with smaller ids. */
export async function startTcpTransport(options: TcpTransportOptions): Promise<TcpPeerTransport> {
  const transport = new TcpTransport(options)
  try {
    await transport.listen()
  } catch (error) {
    // Ports already bound are released: a start that fails leaves nothing listening.
    await transport.close()
    throw error
  }
  transport.dialAll()
  return transport
}

/** A port that cannot be bound, named with its setting; `cause` is the socket error. */
export class PeerBindError extends Error {
  /** Creates the error for `channel`'s port at `where` after `attempts` tries. */
  constructor(channel: PeerChannel, where: string, attempts: number, cause: unknown) {
    const retry = channel === 'election' ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'} (electionPortBindRetry)` : ''
    super(`cannot bind the ${channel} port ${where}${retry}: ${describeError(cause)}`, { cause })
    this.name = 'PeerBindError'
  }
}

/** The TCP transport: a {@link PeerTransport} whose TLS certificates can be replaced while it runs. */
export interface TcpPeerTransport extends PeerTransport {
  /** The configuration's members changed: dial the new ones, drop the ones no longer named. */
  setMembers(members: ReadonlyMap<number, PeerAddress>): void
  /** Serves and dials new connections with `tls` from now on; open connections keep theirs. */
  replaceTls(tls: PeerTlsOptions): void
  /**
   * Whether the connection to `peer` on `channel` is up and authenticated: with quorum SASL, or
   * over TLS with a certificate the quorum trust store verified.
   */
  authenticated(peer: number, channel: PeerChannel): boolean
}

class TcpTransport implements TcpPeerTransport {
  private readonly sockets = new Map<string, Socket>()
  /** Accepted connections whose hello has not been accepted yet (bounded by pendingConnectionsMax). */
  private readonly unauthenticated = new Set<Socket>()
  /** The ports' listeners; they hold connections in their TLS handshake or, with portUnification, before their first byte (under the same bound). */
  private readonly listeners: PeerListeners
  /** Extra bytes a socket may queue while a frame bigger than a quarter of the limit drains. */
  private readonly allowance = new WeakMap<Socket, number>()
  /**
   * The newest election message for each member not connected yet, sent once it is (ZooKeeper's
   * QuorumCnxManager keeps a send queue of one per member): a member that starts, or restarts,
   * votes as soon as its connections are up instead of at its next re-send.
   */
  private readonly parked = new Map<string, unknown>()
  private readonly servers: Server[] = []
  /** Connections of members no longer named, flushing before they close (destroyed by close()). */
  private readonly retiring = new Set<Socket>()
  private readonly redial = new Map<string, { delayMs: number; timer: NodeJS.Timeout | undefined }>()
  /** Dialled connections in their quorum SASL exchange (closed with the transport). */
  private readonly dialledInSasl = new Set<Socket>()
  /** Connections whose quorum SASL exchange succeeded, either side. */
  private readonly authenticatedSockets = new WeakSet<Socket>()
  /** Which of a member's addresses connected last: dials start there. */
  private readonly preferred = new Map<number, number>()
  private readonly helloTimeoutMs: number
  private readonly pendingConnectionsMax: number
  private closed = false
  private closing: Promise<void> | undefined
  /** Every member's addresses: the configuration's, and those joiners gave in their hello. */
  private readonly members: Map<number, PeerAddress>
  /** Members known only from their hello (not in the configuration). */
  private readonly learned = new Set<number>()

  constructor(private readonly options: TcpTransportOptions) {
    if (options.tls?.dialTls === false && options.tls.portUnification !== true) throw new TypeError('tls.dialTls=false needs tls.portUnification: a member that dials in plain text must take plain text too')
    this.members = new Map(options.members)
    this.helloTimeoutMs = options.helloTimeoutMs ?? peerHelloTimeoutMs
    this.pendingConnectionsMax = options.pendingConnectionsMax ?? peerPendingConnectionsMax
    this.listeners = new PeerListeners({
      tls: options.tls,
      timeoutMs: this.helloTimeoutMs,
      overPending: () => this.overPending(),
      closed: () => this.closed,
      guard: (socket, what, work) => this.guard(socket, what, work),
      log: (line) => this.log(line),
    })
  }

  private key(peer: number, channel: PeerChannel): string {
    return `${peer}/${channel}`
  }

  private log(line: string): void {
    logSafely(this.options.log, `peer ${this.options.myid}: ${line}`)
  }

  /**
   * The boundary of every socket event and timer: runs `work`; an error it throws closes `socket`
   * (if any) and is logged with `what`, and a broken ZAB invariant goes on to the handler's
   * `fatal`. Nothing escapes to the process.
   */
  private guard(socket: Socket | undefined, what: string, work: () => void): void {
    guarded(socket, what, work, this.options.handler, () => void this.close(), (line) => this.log(line))
  }


  /**
   * Binds both ports on each of this member's addresses (or on every local address, with
   * listenOnAllIPs). An election port that is taken is tried again, electionPortBindRetry times in
   * all, as ZooKeeper's election listener does; the quorum port is tried once.
   */
  async listen(): Promise<void> {
    const me = this.members.get(this.options.myid)
    if (me === undefined) throw new Error(`myid ${this.options.myid} is not among the members`)
    const bound = new Set<string>()
    for (const address of endpointsOf(me)) {
      const host = this.options.bindHost ?? (this.options.listenOnAllIPs === true ? undefined : address.host)
      for (const channel of ['quorum', 'election'] as const) {
        const port = channel === 'quorum' ? address.quorumPort : address.electionPort
        const where = `${host ?? '*'}:${port}`
        // Every local address binds a port once, however many addresses share it.
        if (bound.has(where)) continue
        bound.add(where)
        await this.bindWithRetry(channel, host, port, where)
      }
    }
  }

  private async bindWithRetry(channel: PeerChannel, host: string | undefined, port: number, where: string): Promise<void> {
    const attempts = channel === 'quorum' ? 1 : Math.min(electionPortBindRetryMax, Math.max(1, this.options.electionPortBindRetry ?? electionPortBindRetryDefault))
    const intervalMs = this.options.bindRetryIntervalMs ?? electionPortBindRetryIntervalMs
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.bind(channel, host, port)
      } catch (error) {
        if (attempt >= attempts || this.closed) throw new PeerBindError(channel, where, attempt, error)
        this.log(`cannot bind the ${channel} port ${where} (attempt ${attempt} of ${attempts}): ${describeError(error)}; trying again in ${intervalMs} ms`)
        await new Promise((resolve) => setTimeout(resolve, intervalMs))
      }
    }
  }

  private async bind(channel: PeerChannel, host: string | undefined, port: number): Promise<void> {
    const server = this.listeners.create(channel, (socket) => this.accept(socket, channel))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      if (host === undefined) server.listen(port, () => resolve())
      else server.listen(port, host, () => resolve())
    })
    // An error of a listening server (EMFILE on accept, say) must not be an uncaught 'error' event.
    server.on('error', (error) => this.log(`${channel} port: ${describeError(error)}`))
    this.servers.push(server)
  }

  /** Accepted connections not past their hello yet: sniffed, in their TLS handshake, or waiting for the hello. */
  private pending(): number {
    return this.unauthenticated.size + this.listeners.waiting()
  }

  /** Why one more accepted connection may not wait for its hello, or undefined when it may. */
  private overPending(): string | undefined {
    const pending = this.pending()
    return pending < this.pendingConnectionsMax ? undefined : `${pending} connections already wait for their hello (peerPendingConnectionsMax)`
  }

  dialAll(): void {
    for (const id of this.members.keys()) {
      for (const channel of ['quorum', 'election'] as const) {
        if (id < this.options.myid) this.dial(id, channel)
        else if (id > this.options.myid) this.knock(id, channel)
      }
    }
  }

  /**
   * Tells a member with a larger id that this one is up: a connection that only says hello, which
   * it closes and answers by dialling back at once (ZooKeeper's QuorumCnxManager does the same),
   * instead of at its next redial, up to {@link peerRedialMsMax} later. A restarted member thus
   * rejoins in milliseconds.
   */
  private knock(peer: number, channel: PeerChannel): void {
    // A knock is closed unread and answered by a dial back: it needs no SASL exchange.
    this.connect(peer, channel, (socket) => socket.end(frame(this.hello(false))), ignore)
  }

  /**
   * This member's hello: the tag, its id, its first address (so a member that does not know it yet
   * can dial back), and with `sasl` the request for a quorum SASL exchange.
   */
  private hello(sasl: boolean): { tag: string; id: number; address?: PeerEndpoint; sasl?: true } {
    const me = this.members.get(this.options.myid)
    const first = me === undefined ? undefined : endpointsOf(me)[0]
    return {
      tag: handshakeTag,
      id: this.options.myid,
      ...(first === undefined ? {} : { address: { host: first.host, quorumPort: first.quorumPort, electionPort: first.electionPort } }),
      ...(sasl ? { sasl: true as const } : {}),
    }
  }

  /**
   * The configuration's members changed: new ones are dialled (or told we are up), ones no
   * longer named are dropped with their connections; joiners known from their hello stay.
   */
  setMembers(members: ReadonlyMap<number, PeerAddress>): void {
    if (this.closed) return
    for (const id of [...this.members.keys()]) {
      if (members.has(id) || this.learned.has(id) || id === this.options.myid) continue
      this.forget(id)
    }
    for (const [id, address] of members) {
      if (id === this.options.myid) continue
      const known = this.members.has(id) && !this.learned.has(id)
      this.members.set(id, address)
      this.learned.delete(id)
      if (known) continue
      for (const channel of ['quorum', 'election'] as const) {
        if (id < this.options.myid) this.dial(id, channel)
        else this.knock(id, channel)
      }
    }
  }

  private forget(id: number): void {
    this.members.delete(id)
    for (const channel of ['quorum', 'election'] as const) {
      const key = this.key(id, channel)
      const socket = this.sockets.get(key)
      this.sockets.delete(key)
      if (socket !== undefined) this.retire(socket, id, channel)
      const redial = this.redial.get(key)
      if (redial?.timer !== undefined) clearTimeout(redial.timer)
      this.redial.delete(key)
      this.parked.delete(key)
    }
  }

  /**
   * Closes the connection of a member the configuration no longer names, after what is written
   * to it: the COMMIT of the reconfig that removed it is among that, and a member that misses it
   * fails its clients' requests in flight (the reconfig's own reply, say) as if its leader were
   * lost. Nothing more it sends is delivered; the handler hears of the close when it is over.
   */
  private retire(socket: Socket, peer: number, channel: PeerChannel): void {
    socket.removeAllListeners('data')
    socket.resume()
    this.retiring.add(socket)
    socket.once('close', () => this.guard(undefined, `member ${peer}'s ${channel} connection closing`, () => {
      this.retiring.delete(socket)
      if (!this.closed) this.options.handler.disconnected(peer, channel)
    }))
    socket.end()
    setTimeout(() => socket.destroy(), peerCloseLingerMs).unref()
  }

  private dial(peer: number, channel: PeerChannel): void {
    if (this.sockets.has(this.key(peer, channel))) return
    const connected = (socket: Socket): void => {
      socket.setTimeout(0)
      const sasl = this.options.sasl
      socket.write(frame(this.hello(sasl !== undefined)))
      if (sasl !== undefined) return this.learnSasl(socket, peer, channel, sasl)
      this.redial.delete(this.key(peer, channel))
      this.attach(socket, peer, channel)
    }
    this.connect(peer, channel, connected, () => {
      if (!this.sockets.has(this.key(peer, channel))) this.scheduleRedial(peer, channel)
    })
  }

  /**
   * Opens a connection to `peer`'s port for `channel`, trying its addresses in turn from the one
   * that connected last, each attempt bounded by {@link peerConnectTimeoutMs}. `closed` runs once
   * the connection that opened closes, or once every address failed.
   */
  private connect(peer: number, channel: PeerChannel, connected: (socket: Socket) => void, closed: () => void): void {
    const member = this.members.get(peer)
    if (member === undefined) return
    const addresses = endpointsOf(member)
    const start = (this.preferred.get(peer) ?? 0) % addresses.length
    // Bounded: one attempt per address, each ending in 'close'.
    const attempt = (tried: number): void => {
      if (this.closed) return
      const index = (start + tried) % addresses.length
      const address = addresses[index] as PeerEndpoint
      const port = channel === 'quorum' ? address.quorumPort : address.electionPort
      let opened = false
      const socket = this.open(address.host, port, `member ${peer}'s ${channel} connection (dialled)`, (open) => {
        opened = true
        this.preferred.set(peer, index)
        connected(open)
      })
      socket.once('close', () => {
        if (opened || tried + 1 >= addresses.length) return this.guard(undefined, `member ${peer}'s ${channel} connection`, closed)
        this.log(`member ${peer} is not reachable at ${address.host}:${port} (${channel}); trying its next address`)
        this.guard(undefined, `dial of member ${peer} (${channel})`, () => attempt(tried + 1))
      })
    }
    attempt(0)
  }

  /** Opens one connection to `host:port`, plain or TLS as the transport dials. */
  private open(host: string, port: number, what: string, connected: (socket: Socket) => void): Socket {
    const { socket, ready } = dialPeer(this.options.tls, host, port)
    socket.setNoDelay(true)
    socket.setTimeout(peerConnectTimeoutMs, () => socket.destroy(new Error('connect timed out')))
    socket.once(ready, () => this.guard(socket, what, () => connected(socket)))
    // A plain dial that fails is retried quietly; a TLS one says why (a certificate refused, say).
    socket.on('error', ready === 'connect' ? ignore : (error) => this.log(`${what}: ${describeError(error)}`))
    return socket
  }

  private scheduleRedial(peer: number, channel: PeerChannel): void {
    if (this.closed || peer >= this.options.myid) return
    const key = this.key(peer, channel)
    const state = this.redial.get(key) ?? { delayMs: (this.options.redialMsMin ?? peerRedialMsMin) / 2, timer: undefined }
    if (state.timer !== undefined) return
    state.delayMs = Math.min(this.options.redialMsMax ?? peerRedialMsMax, state.delayMs * 2)
    state.timer = setTimeout(() => {
      state.timer = undefined
      this.guard(undefined, `redial of member ${peer} (${channel})`, () => this.dial(peer, channel))
    }, state.delayMs)
    state.timer.unref()
    this.redial.set(key, state)
  }

  /**
   * A connection to one of our ports: unauthenticated until its hello, it may send one frame of
   * at most {@link peerHelloBytesMax} bytes within the hello timeout, and only so many may wait.
   */
  private accept(socket: Socket, channel: PeerChannel): void {
    socket.on('error', ignore)
    const from = `${channel} connection from ${socket.remoteAddress}:${socket.remotePort}`
    if (this.closed) return void socket.destroy()
    const over = this.overPending()
    if (over !== undefined) return this.refuse(socket, from, over)
    socket.setNoDelay(true)
    this.unauthenticated.add(socket)
    const reader = new FrameReader(peerHelloBytesMax)
    const timer = setTimeout(() => this.refuse(socket, from, `no hello within ${this.helloTimeoutMs} ms (peerHelloTimeoutMs)`), this.helloTimeoutMs)
    timer.unref()
    const settle = (): void => {
      this.unauthenticated.delete(socket)
      clearTimeout(timer)
      socket.off('data', onData)
    }
    const onData = (chunk: Buffer): void =>
      this.guard(socket, from, () => {
        reader.add(chunk)
        const hello = reader.take()
        if (hello === undefined) return
        settle()
        this.handshake(socket, channel, from, hello, reader)
      })
    socket.on('data', onData)
    socket.once('close', settle)
  }

  private refuse(socket: Socket, from: string, why: string): void {
    this.log(`refused ${from}: ${why}`)
    socket.destroy()
  }

  private handshake(socket: Socket, channel: PeerChannel, from: string, hello: Buffer, reader: FrameReader): void {
    const value = decodeValue(hello)
    const id = helloId(value)
    if (id === undefined) return this.refuse(socket, from, 'not a hello')
    if (id === this.options.myid) return this.refuse(socket, from, `${id} is not another member (it is this member's own id)`)
    const joining = !this.members.has(id)
    if (joining) {
      const address = this.options.acceptUnknownMembers === true ? helloAddress(value) : undefined
      if (address === undefined) return this.refuse(socket, from, `${id} is not another member`)
      if (this.learned.size >= peerUnknownMembersMax) return this.refuse(socket, from, `${id} is not in the configuration and ${this.learned.size} joiners are known already (peerUnknownMembersMax)`)
      this.members.set(id, address)
      this.learned.add(id)
      this.log(`member ${id} is not in the configuration: it joins at ${address.host}:${address.quorumPort}:${address.electionPort}, without a vote until a reconfig adds it`)
    }
    const wrongCertificate = certificateIdentityProblem(this.options.tls, socket, id, this.members.get(id))
    if (wrongCertificate !== undefined) return this.refuse(socket, from, `claims to be member ${id}, but ${wrongCertificate}`)
    if (id < this.options.myid) {
      // ZooKeeper's rule: the larger id dials. Drop this one and dial back.
      socket.destroy()
      return this.dial(id, channel)
    }
    // A joiner learnt from a hello that then fails to authenticate is forgotten with its connection.
    const refuse = (why: string): void => {
      if (joining && this.learned.has(id) && !this.connected(id, 'quorum') && !this.connected(id, 'election')) this.forget(id)
      this.refuse(socket, from, why)
    }
    if (helloAsksSasl(value)) return this.serveSasl(socket, id, channel, from, reader, refuse)
    if (this.options.sasl?.serverRequireSasl === true) return refuse(`member ${id} did not try to authenticate, and quorum.auth.serverRequireSasl is true`)
    reader.frameBytesMax = peerFrameBytesMax
    this.attach(socket, id, channel, reader)
  }

  /**
   * The accepting side of quorum SASL, on a connection whose hello asked for it: without SASL of
   * our own we say `none` and keep the connection; else challenges until the dialler's user is
   * authenticated and allowed to be member `peer`. A connection that fails is told why, and kept
   * unauthenticated unless serverRequireSasl closes it; nothing it sent is delivered before then.
   * A dialler that breaks the exchange, or does not finish it in time, is closed either way.
   */
  private serveSasl(socket: Socket, peer: number, channel: PeerChannel, from: string, reader: FrameReader, refuse: (why: string) => void): void {
    const sasl = this.options.sasl
    if (sasl === undefined) {
      socket.write(frame(saslFrame('none')))
      reader.frameBytesMax = peerFrameBytesMax
      return this.attach(socket, peer, channel, reader)
    }
    // It waits like a connection before its hello: under the same bound, closed with the transport.
    this.unauthenticated.add(socket)
    reader.frameBytesMax = peerSaslFrameBytesMax
    const exchange = sasl.server()
    const timeoutMs = this.options.saslTimeoutMs ?? peerSaslTimeoutMs
    const timer = setTimeout(() => this.guard(socket, from, () => refuse(`no SASL exchange within ${timeoutMs} ms (peerSaslTimeoutMs)`)), timeoutMs)
    timer.unref()
    let rounds = 0
    let over = false
    const settle = (): void => {
      over = true
      this.unauthenticated.delete(socket)
      clearTimeout(timer)
      socket.off('data', onData)
    }
    const finish = (user: string | undefined, why: string | undefined, token: Uint8Array | undefined): void => {
      settle()
      if (user !== undefined && why === undefined) {
        socket.write(frame(saslFrame('success', token)))
        this.authenticatedSockets.add(socket)
        this.log(`member ${peer}'s ${channel} connection authenticated as SASL user ${user}`)
      } else {
        socket.write(frame(saslFrame('failure', undefined, why)))
        if (sasl.serverRequireSasl) return refuse(`SASL authentication failed (quorum.auth.serverRequireSasl is true): ${why ?? ''}`)
        this.log(`${from}: SASL authentication failed: ${why ?? ''}; keeping the connection unauthenticated (quorum.auth.serverRequireSasl is false)`)
      }
      reader.frameBytesMax = peerFrameBytesMax
      this.attach(socket, peer, channel, reader)
    }
    const evaluate = (token: Uint8Array): void => {
      let next: Uint8Array
      try {
        next = exchange.evaluate(token)
      } catch (error) {
        return finish(undefined, describeError(error), undefined)
      }
      const user = exchange.user
      if (user !== undefined) return finish(user, sasl.identityProblem(peer, user), next)
      if (++rounds > peerSaslRoundsMax) return finish(undefined, `no result after ${peerSaslRoundsMax} challenges (peerSaslRoundsMax)`, undefined)
      socket.write(frame(saslFrame('challenge', next)))
    }
    const onData = (chunk: Buffer): void =>
      this.guard(socket, from, () => {
        reader.add(chunk)
        // Bounded by the bytes buffered, and by peerSaslRoundsMax: each frame is a round or the end.
        for (let body = reader.take(); body !== undefined && !over; body = over ? undefined : reader.take()) {
          const response = readSaslFrame(decodeValue(body))
          if (response?.status !== 'response') {
            settle()
            return refuse('sent something other than a SASL response during the exchange')
          }
          evaluate(response.token ?? new Uint8Array(0))
        }
      })
    socket.on('data', onData)
    socket.once('close', settle)
    // The dialler sent no token first: DIGEST-MD5's initial response is empty.
    evaluate(new Uint8Array(0))
  }

  /**
   * The dialling side of quorum SASL: the hello asked for it; nothing is sent on the connection
   * (election messages wait parked) until the acceptor's answer. `none` (it does no quorum SASL)
   * and `failure` keep the connection unauthenticated, or close it with learnerRequireSasl; a
   * `success` whose final token does not prove the acceptor knows our password closes it always.
   */
  private learnSasl(socket: Socket, peer: number, channel: PeerChannel, sasl: PeerSaslOptions): void {
    const what = `member ${peer}'s ${channel} connection (dialled)`
    const reader = new FrameReader(peerSaslFrameBytesMax)
    const exchange = sasl.learner()
    this.dialledInSasl.add(socket)
    const timeoutMs = this.options.saslTimeoutMs ?? peerSaslTimeoutMs
    const timer = setTimeout(() => this.guard(socket, what, () => this.refuse(socket, what, `no SASL answer within ${timeoutMs} ms (peerSaslTimeoutMs)`)), timeoutMs)
    timer.unref()
    let over = false
    const settle = (): void => {
      over = true
      this.dialledInSasl.delete(socket)
      clearTimeout(timer)
      socket.off('data', onData)
    }
    const keep = (authenticated: boolean): void => {
      settle()
      if (authenticated) this.authenticatedSockets.add(socket)
      this.redial.delete(this.key(peer, channel))
      reader.frameBytesMax = peerFrameBytesMax
      this.attach(socket, peer, channel, reader)
    }
    const unauthenticated = (why: string): void => {
      if (sasl.learnerRequireSasl) {
        settle()
        return this.refuse(socket, what, `${why}, and quorum.auth.learnerRequireSasl is true`)
      }
      this.log(`${what}: ${why}; keeping the connection unauthenticated (quorum.auth.learnerRequireSasl is false)`)
      keep(false)
    }
    const step = (body: Buffer): void => {
      const answer = readSaslFrame(decodeValue(body))
      const token = answer?.token ?? new Uint8Array(0)
      switch (answer?.status) {
        case 'none':
          return unauthenticated(`member ${peer} does not do quorum SASL`)
        case 'failure':
          return unauthenticated(`member ${peer} refused our SASL authentication: ${answer.reason ?? 'no reason given'}`)
        case 'challenge': {
          const response = exchange.respond(token)
          if (response === undefined) {
            settle()
            return this.refuse(socket, what, 'SASL challenge after the exchange was complete')
          }
          return void socket.write(frame(saslFrame('response', response)))
        }
        case 'success':
          // Throws (closing the connection) when the token does not prove the acceptor knows the password.
          if (exchange.respond(token) !== undefined || !exchange.complete) {
            settle()
            return this.refuse(socket, what, 'SASL success without the proof that it knows our password')
          }
          this.log(`${what}: authenticated to member ${peer} with quorum SASL`)
          return keep(true)
        default:
          {
            settle()
            return this.refuse(socket, what, 'sent something other than a SASL answer during the exchange')
          }
      }
    }
    const onData = (chunk: Buffer): void =>
      this.guard(socket, what, () => {
        reader.add(chunk)
        // Bounded by the bytes buffered: each frame is consumed; the loop ends with the exchange.
        for (let body = reader.take(); body !== undefined && !over; body = over ? undefined : reader.take()) step(body)
      })
    socket.on('data', onData)
    socket.once('close', settle)
  }

  /** Makes `socket` the connection of `peer` on `channel`; frames already in `reader` are delivered now. */
  private attach(socket: Socket, peer: number, channel: PeerChannel, reader = new FrameReader()): void {
    this.replace(peer, channel, socket)
    // Settled before any frame: SASL and TLS are over by now.
    const trusted = this.trusted(socket)
    socket.on('data', (chunk: Buffer) => {
      reader.add(chunk)
      this.deliver(socket, peer, channel, reader, trusted)
    })
    socket.once('close', () => this.guard(undefined, `member ${peer}'s ${channel} connection closing`, () => this.lost(socket, peer, channel)))
    // Frames that came in the same chunks as the hello take the same guarded path as later ones.
    this.deliver(socket, peer, channel, reader, trusted)
    const parked = this.parked.get(this.key(peer, channel))
    if (parked !== undefined && !socket.destroyed) {
      this.parked.delete(this.key(peer, channel))
      this.send(peer, channel, parked)
    }
  }

  /**
   * One connection per member and channel: a newer one replaces the older (a member that
   * restarted, or reconnected before we saw its old connection close), and the handler hears that
   * the old one broke, since messages in flight on it are lost.
   */
  private replace(peer: number, channel: PeerChannel, socket: Socket): void {
    const key = this.key(peer, channel)
    const previous = this.sockets.get(key)
    this.sockets.set(key, socket)
    if (previous === undefined || previous === socket) return
    this.log(`member ${peer}'s ${channel} connection replaced by a newer one`)
    previous.destroy()
    this.guard(undefined, `member ${peer}'s replaced ${channel} connection`, () => this.options.handler.disconnected(peer, channel))
  }

  /** Hands every complete frame to the handler, in order, marked `trusted` or not; an error closes the connection. */
  private deliver(socket: Socket, peer: number, channel: PeerChannel, reader: FrameReader, trusted: boolean): void {
    this.guard(socket, `member ${peer}'s ${channel} connection`, () => {
      // Bounded by the bytes buffered; stops when the handler closed the connection (or us).
      for (let body = reader.take(); body !== undefined; body = socket.destroyed ? undefined : reader.take()) {
        this.options.handler.message(peer, channel, decodeValue(body), trusted)
      }
    })
  }

  /** Whether the peer on `socket` proved it is a member: quorum SASL, or a certificate the quorum trust store verified. */
  private proven(socket: Socket): boolean {
    return this.authenticatedSockets.has(socket) || certificateVerified(socket)
  }

  /**
   * Whether what `socket` carries is believed: always when this member asks no peer for proof (no
   * quorum SASL, and it does not dial with TLS), else only when the peer gave it.
   */
  private trusted(socket: Socket): boolean {
    const asksProof = this.options.sasl !== undefined || dialsTls(this.options.tls)
    return !asksProof || this.proven(socket)
  }

  private lost(socket: Socket, peer: number, channel: PeerChannel): void {
    const key = this.key(peer, channel)
    if (this.sockets.get(key) !== socket) return
    this.sockets.delete(key)
    if (!this.closed) this.options.handler.disconnected(peer, channel)
    this.scheduleRedial(peer, channel)
  }

  /**
   * Serves and dials new connections with `tls` from now on (new certificates after a reload);
   * connections already open keep theirs. Does nothing on a transport without TLS.
   */
  replaceTls(tls: PeerTlsOptions): void {
    if (this.options.tls === undefined) return
    this.options.tls = tls
    this.listeners.replaceTls(tls)
  }

  send(to: number, channel: PeerChannel, message: unknown): void {
    const socket = this.sockets.get(this.key(to, channel))
    if (socket === undefined || socket.destroyed) {
      if (channel === 'election' && this.members.has(to)) this.parked.set(this.key(to, channel), message)
      return
    }
    const bytes = frame(message)
    const flushed = writeCoalesced(socket, bytes)
    // A frame as big as the limit (a SNAP) may queue whole, with the limit's worth behind it,
    // until the socket drains.
    if (!flushed && bytes.length > peerQueuedBytesMax / 4) {
      this.allowance.set(socket, (this.allowance.get(socket) ?? 0) + bytes.length)
      socket.once('drain', () => this.allowance.delete(socket))
    }
    // A stuck peer must not eat our memory: drop the connection; the protocol re-syncs it.
    if (socket.writableLength > peerQueuedBytesMax + (this.allowance.get(socket) ?? 0)) socket.destroy()
  }

  connected(peer: number, channel: PeerChannel): boolean {
    const socket = this.sockets.get(this.key(peer, channel))
    return socket !== undefined && !socket.destroyed
  }

  authenticated(peer: number, channel: PeerChannel): boolean {
    const socket = this.sockets.get(this.key(peer, channel))
    return socket !== undefined && !socket.destroyed && this.proven(socket)
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown()
    return this.closing
  }

  private async shutdown(): Promise<void> {
    this.closed = true
    for (const state of this.redial.values()) if (state.timer !== undefined) clearTimeout(state.timer)
    for (const socket of this.sockets.values()) socket.destroy()
    for (const socket of this.retiring) socket.destroy()
    for (const socket of this.unauthenticated) socket.destroy()
    this.listeners.destroyWaiting()
    for (const socket of this.dialledInSasl) socket.destroy()
    this.sockets.clear()
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }
}
