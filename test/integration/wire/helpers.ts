// Shared fixtures for the client-port tests: a Pipeline on a VirtualClock behind a real port, and a
// raw test client built only from the jute codec (frame writer + FrameDecoder), no client library.
import { connect, type Socket } from 'node:net'
import { VirtualClock } from '../../../lib/clock.js'
import type { RunningMember } from '../../../lib/host/running-member.js'
import { createServer } from '../../../lib/host/server.js'
import type { Pipeline } from '../../../lib/server/pipeline.js'
import type { MemberOptions } from '../../../lib/server/pipeline-types.js'
import { MemberClientPortBackend } from '../../../lib/host/client-port.js'
import {
  FrameDecoder,
  JuteReader,
  JuteWriter,
  readConnectResponse,
  readReplyHeader,
  readResponse,
  readWatcherEvent,
  writeConnectRequestFrame,
  writeRequestFrame,
  type ConnectRequest,
  type ConnectResponse,
  type ReplyHeader,
} from '../../../lib/wire/index.js'
import type { ClientRequest, CreateRequest, ClientResponse, WatcherEvent } from '../../../lib/protocol/jute-records.js'
import { OpCode } from '../../../lib/protocol/opcodes.js'
import { startClientPort, type ClientPort, type ClientPortOptions } from '../../../lib/wire/server.js'

/** A port over a fresh member, with the log lines it wrote. */
export interface Fixture {
  member: Pipeline
  clock: VirtualClock
  port: ClientPort
  warnings: string[]
  /** The port's info lines. */
  infos: string[]
  close(): Promise<void>
}

/**
 * Starts an in-memory server on a VirtualClock and puts its member behind a client port of the
 * test's own on 127.0.0.1:0 with every 4lw enabled (so each test picks any port option).
 * `Backend` puts a subclass of the member's backend in between (one that says it is not serving, say).
 */
export async function startFixture(
  portOptions: ClientPortOptions = {},
  memberOptions: MemberOptions = {},
  Backend: typeof MemberClientPortBackend = MemberClientPortBackend,
): Promise<Fixture> {
  const clock = new VirtualClock(1_700_000_000_000)
  const server = (await createServer({ clock, ...memberOptions })) as RunningMember
  const member = server.member
  const warnings: string[] = []
  const infos: string[] = []
  const port = await startClientPort(new Backend(member), {
    fourLetterWordsWhitelist: '*',
    logger: { warn: (line) => warnings.push(line), info: (line) => infos.push(line) },
    ...portOptions,
  })
  return {
    member,
    clock,
    port,
    warnings,
    infos,
    close: async () => {
      await port.close()
      await server.close()
    },
  }
}

/** One reply or notification as the raw client decoded it. */
export interface Reply {
  header: ReplyHeader
  /** The response record (err 0 and a known op), or the event of a notification. */
  response?: ClientResponse
  event?: WatcherEvent
}

/** A bare ZooKeeper protocol client over one socket. */
export class RawClient {
  readonly socket: Socket
  /** Resolves when the server closes the connection (or it fails). */
  readonly closed: Promise<void>
  private readonly decoder = new FrameDecoder({ maxBufferBytes: 64 * 1_048_576 })
  private readonly frames: Uint8Array[] = []
  private waiter: (() => void) | undefined
  private ended = false
  private readonly ops = new Map<number, ClientRequest['op']>()
  private nextXid = 1
  /** Notifications received, in order. */
  readonly events: WatcherEvent[] = []

  private constructor(socket: Socket) {
    this.socket = socket
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()))
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) this.frames.push(f)
      this.wake()
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      this.ended = true
      this.wake()
    })
  }

  /** Opens a TCP connection to the port. */
  static open(port: number, localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ...(localAddress === undefined ? {} : { localAddress }) })
      socket.once('connect', () => resolve(new RawClient(socket)))
      socket.once('error', reject)
    })
  }

  /** Opens a connection and a new session; returns the client and the ConnectResponse. */
  static async session(port: number, request: Partial<ConnectRequest> = {}, localAddress?: string): Promise<[RawClient, ConnectResponse]> {
    const client = await RawClient.open(port, localAddress)
    const response = await client.handshake(request)
    return [client, response]
  }

  private wake(): void {
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }

  /** Writes raw bytes. */
  write(bytes: Uint8Array | string): void {
    this.socket.write(bytes)
  }

  /** Sends a ConnectRequest and reads the ConnectResponse. */
  async handshake(request: Partial<ConnectRequest> = {}): Promise<ConnectResponse> {
    const w = new JuteWriter()
    writeConnectRequestFrame(w, {
      protocolVersion: 0,
      lastZxidSeen: 0,
      timeOut: 30_000,
      sessionId: 0n,
      passwd: new Uint8Array(16),
      readOnly: false,
      ...request,
    })
    this.write(w.finish())
    const frame = await this.nextFrame()
    if (frame === undefined) throw new Error('connection closed before the ConnectResponse')
    return readConnectResponse(new JuteReader(frame))
  }

  /** The next whole frame, or undefined once the connection is closed. */
  async nextFrame(): Promise<Uint8Array | undefined> {
    for (;;) {
      const f = this.frames.shift()
      if (f !== undefined) return f
      if (this.ended) return undefined
      await new Promise<void>((resolve) => (this.waiter = resolve))
    }
  }

  /** Sends a request under `xid` (the next free one by default); returns the xid. */
  send(request: ClientRequest, xid = this.nextXid++): number {
    const w = new JuteWriter()
    writeRequestFrame(w, xid, request)
    this.ops.set(xid, request.op)
    this.write(w.finish())
    return xid
  }

  /** The next reply or notification, decoded; undefined once the connection is closed. */
  async next(): Promise<Reply | undefined> {
    const frame = await this.nextFrame()
    if (frame === undefined) return undefined
    const r = new JuteReader(frame)
    const header = readReplyHeader(r)
    if (header.xid === -1) {
      const event = readWatcherEvent(r)
      this.events.push(event)
      return { header, event }
    }
    const op = header.xid === -2 ? 'ping' : this.ops.get(header.xid)
    if (header.err !== 0 || op === undefined) return { header }
    return { header, response: readResponse(op, r) }
  }

  /** The next reply that is not a notification (notifications are kept in `events`). */
  async reply(): Promise<Reply | undefined> {
    for (;;) {
      const next = await this.next()
      if (next === undefined || next.event === undefined) return next
    }
  }

  /** Sends one request and waits for its reply. */
  async call(request: ClientRequest): Promise<Reply> {
    const xid = this.send(request)
    const reply = await this.reply()
    if (reply === undefined) throw new Error(`connection closed awaiting xid ${xid}`)
    if (reply.header.xid !== xid && !(request.op === 'ping' && reply.header.xid === -2)) {
      throw new Error(`expected xid ${xid}, got ${reply.header.xid}`)
    }
    return reply
  }

  /** Waits for the next notification. */
  async event(): Promise<WatcherEvent> {
    const seen = this.events.shift()
    if (seen !== undefined) return seen
    for (;;) {
      const next = await this.next()
      if (next === undefined) throw new Error('connection closed awaiting a notification')
      if (next.event !== undefined) return this.events.shift()!
    }
  }

  /** Closes the socket from the client side. */
  destroy(): void {
    this.socket.destroy()
  }
}

/** Sends a four-letter word on a fresh connection and returns everything the server writes before closing. */
export function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(word))
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

/** Encodes a string as bytes. */
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** OPEN_ACL_UNSAFE. */
export const openAcl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

/** A create request. */
export function create(path: string, flags = 0, data = 'x', op: 'create' | 'create2' | 'createContainer' = 'create'): CreateRequest {
  return { op, path, data: utf8(data), acl: openAcl, flags }
}

export { OpCode }
