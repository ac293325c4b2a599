/**
 * Member-to-member transport over TCP: one election connection and one quorum connection per pair
 * of members, on the ports of their `server.N` lines, carrying length-prefixed msgpackr frames.
 * As in ZooKeeper (QuorumCnxManager), only the member with the larger id keeps a connection it
 * dialled: a connection from a smaller id is closed and dialled back, so one survives per pair.
 * @module
 */
import { createServer, Socket, type Server } from 'node:net'
import { peerConnectTimeoutMs, peerFrameBytesMax, peerQueuedBytesMax, peerRedialMsMax, peerRedialMsMin } from '../limits.js'
import { decodeValue, encodeValue } from '../txn/codec.js'
import type { PeerChannel, PeerHandler, PeerTransport } from './transport.js'

const handshakeTag = 'paddock-peer/1'

/** Where a member listens. */
export interface PeerAddress {
  /** Host of both ports. */
  host: string
  /** The quorum port (ZooKeeper's 2888). */
  quorumPort: number
  /** The election port (ZooKeeper's 3888). */
  electionPort: number
}

/** Options of {@link startTcpTransport}. */
export interface TcpTransportOptions {
  /** This member's id. */
  myid: number
  /** Every member's address, this one's included. */
  members: ReadonlyMap<number, PeerAddress>
  /** Receives messages and disconnections. */
  handler: PeerHandler
  /** Host to bind; defaults to this member's host. */
  bindHost?: string
  /** Where connection trouble is reported. @defaultValue nothing */
  log?: (line: string) => void
  /** First wait before dialling a member that is down again, ms (doubled each failure). @defaultValue {@link peerRedialMsMin} */
  redialMsMin?: number
  /** Longest wait between dial attempts to a member that is down, ms. @defaultValue {@link peerRedialMsMax} */
  redialMsMax?: number
}

/**
 * Length-prefixed frames from a byte stream. Chunks are kept until a whole frame is there and
 * joined once, so a frame of hundreds of megabytes (a SNAP) is copied once, not once per chunk.
 */
export class FrameReader {
  private chunks: Buffer[] = []
  private buffered = 0
  /** Bytes needed before anything can be parsed: a length prefix, or the frame it announces. */
  private needed = 4

  /** Takes the next chunk of the stream; returns the frames it completes (their bodies). */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk)
    this.buffered += chunk.length
    if (this.buffered < this.needed) return []
    let buffer = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered)
    const frames: Buffer[] = []
    this.needed = 4
    while (buffer.length >= 4) {
      const length = buffer.readUInt32BE(0)
      if (length > peerFrameBytesMax) throw new RangeError(`peer frame of ${length} bytes is over ${peerFrameBytesMax}`)
      if (buffer.length < 4 + length) {
        this.needed = 4 + length
        break
      }
      frames.push(buffer.subarray(4, 4 + length))
      buffer = buffer.subarray(4 + length)
    }
    this.chunks = buffer.length === 0 ? [] : [buffer]
    this.buffered = buffer.length
    return frames
  }
}

function frame(value: unknown): Buffer {
  const body = encodeValue(value)
  const out = Buffer.allocUnsafe(4 + body.length)
  out.writeUInt32BE(body.length, 0)
  out.set(body, 4)
  return out
}

/** Starts listening on this member's two ports and dialling the members with smaller ids. */
export async function startTcpTransport(options: TcpTransportOptions): Promise<PeerTransport> {
  const transport = new TcpTransport(options)
  await transport.listen()
  transport.dialAll()
  return transport
}

class TcpTransport implements PeerTransport {
  private readonly sockets = new Map<string, Socket>()
  /** Extra bytes a socket may queue while a frame bigger than a quarter of the limit drains. */
  private readonly allowance = new WeakMap<Socket, number>()
  /**
   * The newest election message for each member not connected yet, sent once it is (ZooKeeper's
   * QuorumCnxManager keeps a send queue of one per member): a member that starts, or restarts,
   * votes as soon as its connections are up instead of at its next re-send.
   */
  private readonly parked = new Map<string, unknown>()
  private readonly servers: Server[] = []
  private readonly redial = new Map<string, { delayMs: number; timer: NodeJS.Timeout | undefined }>()
  private closed = false

  constructor(private readonly options: TcpTransportOptions) {}

  private key(peer: number, channel: PeerChannel): string {
    return `${peer}/${channel}`
  }

  private log(line: string): void {
    this.options.log?.(`peer ${this.options.myid}: ${line}`)
  }

  async listen(): Promise<void> {
    const me = this.options.members.get(this.options.myid)
    if (me === undefined) throw new Error(`myid ${this.options.myid} is not among the members`)
    const host = this.options.bindHost ?? me.host
    for (const channel of ['quorum', 'election'] as const) {
      const server = createServer((socket) => this.accept(socket, channel))
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(channel === 'quorum' ? me.quorumPort : me.electionPort, host, () => resolve())
      })
      this.servers.push(server)
    }
  }

  dialAll(): void {
    for (const id of this.options.members.keys()) {
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
    this.connect(peer, channel, (socket) => socket.end(frame({ tag: handshakeTag, id: this.options.myid })))
  }

  private dial(peer: number, channel: PeerChannel): void {
    if (this.sockets.has(this.key(peer, channel))) return
    const socket = this.connect(peer, channel, (connected) => {
      connected.setTimeout(0)
      connected.write(frame({ tag: handshakeTag, id: this.options.myid }))
      this.redial.delete(this.key(peer, channel))
      this.attach(connected, peer, channel)
    })
    socket?.once('close', () => {
      if (!this.sockets.has(this.key(peer, channel))) this.scheduleRedial(peer, channel)
    })
  }

  /** Opens a connection to `peer`'s port for `channel`, bounded by {@link peerConnectTimeoutMs}. */
  private connect(peer: number, channel: PeerChannel, connected: (socket: Socket) => void): Socket | undefined {
    const address = this.options.members.get(peer)
    if (this.closed || address === undefined) return undefined
    const socket = new Socket()
    socket.setNoDelay(true)
    socket.setTimeout(peerConnectTimeoutMs, () => socket.destroy(new Error('connect timed out')))
    socket.once('connect', () => connected(socket))
    socket.on('error', () => undefined)
    socket.connect(channel === 'quorum' ? address.quorumPort : address.electionPort, address.host)
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
      this.dial(peer, channel)
    }, state.delayMs)
    state.timer.unref()
    this.redial.set(key, state)
  }

  private accept(socket: Socket, channel: PeerChannel): void {
    socket.setNoDelay(true)
    const reader = new FrameReader()
    socket.setTimeout(peerConnectTimeoutMs, () => socket.destroy())
    const onData = (chunk: Buffer) => {
      let frames: Buffer[]
      try {
        frames = reader.push(chunk)
      } catch {
        return void socket.destroy()
      }
      if (frames.length === 0) return
      socket.off('data', onData)
      socket.setTimeout(0)
      this.handshake(socket, channel, frames)
    }
    socket.on('data', onData)
    socket.on('error', () => undefined)
  }

  private handshake(socket: Socket, channel: PeerChannel, frames: Buffer[]): void {
    const hello = decodeSafely(frames[0]) as { tag?: unknown; id?: unknown } | undefined
    const id = typeof hello?.id === 'number' ? hello.id : -1
    if (hello?.tag !== handshakeTag || !this.options.members.has(id) || id === this.options.myid) {
      this.log(`refused a ${channel} connection from ${socket.remoteAddress}: not a member`)
      return void socket.destroy()
    }
    if (id < this.options.myid) {
      // ZooKeeper's rule: the larger id dials. Drop this one and dial back.
      socket.destroy()
      return this.dial(id, channel)
    }
    this.attach(socket, id, channel, frames.slice(1))
  }

  private attach(socket: Socket, peer: number, channel: PeerChannel, pending: Buffer[] = []): void {
    const key = this.key(peer, channel)
    const previous = this.sockets.get(key)
    if (previous !== undefined && previous !== socket) previous.destroy()
    this.sockets.set(key, socket)
    const reader = new FrameReader()
    const deliver = (frames: Buffer[]) => {
      for (const f of frames) {
        const message = decodeSafely(f)
        if (message === undefined) return void socket.destroy()
        this.options.handler.message(peer, channel, message)
      }
    }
    socket.on('data', (chunk: Buffer) => {
      try {
        deliver(reader.push(chunk))
      } catch {
        socket.destroy()
      }
    })
    socket.once('close', () => this.lost(socket, peer, channel))
    deliver(pending)
    const parked = this.parked.get(key)
    if (parked !== undefined) {
      this.parked.delete(key)
      this.send(peer, channel, parked)
    }
  }

  private lost(socket: Socket, peer: number, channel: PeerChannel): void {
    const key = this.key(peer, channel)
    if (this.sockets.get(key) !== socket) return
    this.sockets.delete(key)
    if (!this.closed) this.options.handler.disconnected(peer, channel)
    this.scheduleRedial(peer, channel)
  }

  send(to: number, channel: PeerChannel, message: unknown): void {
    const socket = this.sockets.get(this.key(to, channel))
    if (socket === undefined || socket.destroyed) {
      if (channel === 'election' && this.options.members.has(to)) this.parked.set(this.key(to, channel), message)
      return
    }
    const bytes = frame(message)
    const flushed = socket.write(bytes)
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

  async close(): Promise<void> {
    this.closed = true
    for (const state of this.redial.values()) if (state.timer !== undefined) clearTimeout(state.timer)
    for (const socket of this.sockets.values()) socket.destroy()
    this.sockets.clear()
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }
}

function decodeSafely(bytes: Buffer | undefined): unknown {
  if (bytes === undefined) return undefined
  try {
    return decodeValue(bytes)
  } catch {
    return undefined
  }
}
