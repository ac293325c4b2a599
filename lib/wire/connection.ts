/**
 * One client-port connection (ZooKeeper's `NIOServerCnxn`): framing, the handshake, requests in
 * flight with replies in request order, watch notifications, pings, backpressure, four-letter
 * words and every way a connection ends. The backend serves the requests; this class only speaks
 * the protocol.
 *
 * Order on the socket is the order frames are written here: a notification is written the moment
 * the backend delivers it (while the write that caused it is applied), replies are written when
 * every earlier request of the connection has its reply. So a client sees a watch event before the
 * reply of any later read, as ZooKeeper promises.
 * @module
 */

import { ErrorCode } from '../errors.js'
import { responseOverheadBytesMax, socketCloseLingerMs } from '../limits.js'
import type { Socket } from 'node:net'
import { JuteDecodeError, JuteReader, JuteWriter } from './jute.js'
import type { ClientRequest, WatcherEvent } from '../protocol/jute-records.js'
import { OpCode, Xid, opName } from '../protocol/opcodes.js'
import { readConnectRequest, type RequestHeader } from './records.js'
import { decodeRequestFrame, decodeRequestHeader } from './requests.js'
import { FrameDecoder, fourLetterWordOf, writeConnectResponseFrame, writeNotificationFrame, writeReplyFrame, writeReplyFrameWithin, type FourLetterWord } from './frames.js'
import { javaHex, type ConnectionInfo, type LatencyStats } from './four-letter-words.js'
import type { BackendReply, ClientPortBackend, ClientPortConnection, ClientPortLogger, ClientPortSession, SessionEndReason } from './types.js'

/** ZooKeeper's MARSHALLINGERROR: a request body that does not decode. */
const MARSHALLINGERROR = -5
/** ZooKeeper's UNIMPLEMENTED: an opcode the server does not serve (the connection is then closed). */
const UNIMPLEMENTED = -6

/** What a connection needs from the port that accepted it. */
export interface ConnectionHost {
  /** The server behind the port. */
  readonly backend: ClientPortBackend
  /** Largest frame accepted, bytes. */
  readonly maxBufferBytes: number
  /** Bytes queued for writing before reading pauses. */
  readonly writeBufferedBytesMax: number
  /** Bytes queued for writing past which a notification closes the connection as one that does not read. */
  readonly queuedBytesMax: number
  /** Requests in flight before reading pauses. */
  readonly requestsInflightMax: number
  /** Counts requests in flight port-wide: `delta` more (or fewer, when negative). */
  countInFlight(delta: number): void
  /**
   * Whether the port is over its global outstanding limit, so `connection` must not read more
   * requests now; the port wakes it (see {@link ClientPortConnectionImpl.wake}) once the backlog
   * has drained.
   */
  throttles(connection: ClientPortConnectionImpl): boolean
  /** Time allowed to complete the handshake, ms. */
  readonly sessionlessCnxnTimeoutMs: number
  /** Where one-line reports go. */
  readonly logger: ClientPortLogger
  /** Port-wide request latency. */
  readonly latency: LatencyCounter
  /** Port-wide packets received. */
  packetsReceived: number
  /** Port-wide packets sent. */
  packetsSent: number
  /** The connection closed. */
  removed(connection: ClientPortConnectionImpl): void
  /** The text answering a four-letter word, or a promise of it for a word that measures directories first. */
  fourLetterWord(word: FourLetterWord, from: string): string | Promise<string>
}

/** Min/avg/max of latencies in ms, as ZooKeeper's `AvgMinMaxCounter` (avg rounded to 4 decimals). */
export class LatencyCounter {
  private count = 0
  private total = 0
  private min = Number.POSITIVE_INFINITY
  private max = 0

  /** Adds one latency, ms. */
  add(ms: number): void {
    this.count++
    this.total += ms
    if (ms < this.min) this.min = ms
    if (ms > this.max) this.max = ms
  }

  /** Forgets every latency. */
  reset(): void {
    this.count = 0
    this.total = 0
    this.min = Number.POSITIVE_INFINITY
    this.max = 0
  }

  /** The figures so far (zeros before the first latency). */
  stats(): LatencyStats {
    if (this.count === 0) return { minMs: 0, avgMs: 0, maxMs: 0 }
    return { minMs: this.min, avgMs: Math.round((this.total / this.count) * 10_000) / 10_000, maxMs: this.max }
  }
}

type State = 'start' | 'handshake' | 'connecting' | 'open' | 'closing' | 'closed'

/** A notification in the output: where it ends in the connection's byte stream, and its size. */
interface UnreadNotification {
  end: number
  bytes: number
}

/** A request waiting for its turn to be answered. */
interface Slot {
  xid: number
  ping: boolean
  startedMs: number
  reply: BackendReply | undefined
}

// ZooKeeper's lastOp codes (FinalRequestProcessor), printed by `cons`.
const lastOpCodes: Partial<Record<ClientRequest['op'], string>> = {
  ping: 'PING', multi: 'MULT', multiRead: 'MLTR', create: 'CREA', create2: 'CREA', createContainer: 'CREA',
  createTTL: 'CREA', delete: 'DELE', deleteContainer: 'DELE', setData: 'SETD', reconfig: 'RECO', setACL: 'SETA',
  closeSession: 'CLOS', sync: 'SYNC', exists: 'EXIS', getData: 'GETD', setWatches: 'SETW', setWatches2: 'STW2',
  addWatch: 'ADDW', getACL: 'GETA', getChildren: 'GETC', getChildren2: 'GETC', getAllChildrenNumber: 'GETACN',
  checkWatches: 'CHKW', removeWatches: 'REMW', whoAmI: 'HOMI', getEphemerals: 'GETE',
}

const emptyBytes = new Uint8Array(0)

/** A notification frame's bytes besides its path: length, ReplyHeader, type, state, path length. */
const notificationOverheadBytes = 4 + 16 + 4 + 4 + 4

/** One accepted socket speaking the ZooKeeper client protocol. */
export class ClientPortConnectionImpl implements ClientPortConnection {
  /** The client's IP address. */
  readonly remoteAddress: string
  private readonly remotePort: number
  private state: State = 'start'
  private fourLetterWord = false
  private readonly decoder: FrameDecoder
  private prefix: Uint8Array = emptyBytes
  private inbox: Uint8Array[] = []
  private inboxHead = 0
  private readonly slots: Slot[] = []
  private session: ClientPortSession | undefined
  private clientReadOnly: boolean | undefined
  private readonly out = new JuteWriter()
  private flushScheduled = false
  private resumeScheduled = false
  private pumping = false
  private readingPaused = false
  private closeSessionInFlight = false
  private closeWhenIdle = false
  private readonly held: [number, WatcherEvent][] = []
  /** Bytes handed to the socket so far. */
  private flushed = 0
  /** Notifications written and perhaps not read yet: where each ends in the byte stream, and its size. */
  private readonly unread: UnreadNotification[] = []
  private unreadHead = 0
  private unreadBytes = 0
  /** Bytes the held notifications will take, roughly (see {@link notificationOverheadBytes}). */
  private heldBytes = 0
  private handshakeTimer: NodeJS.Timeout | undefined
  private lingerTimer: NodeJS.Timeout | undefined
  private readonly onClosed: (() => void)[] = []
  // Statistics for cons/stat.
  private readonly establishedMs = Date.now()
  private received = 0
  private sent = 0
  private lastOperation = 'NA'
  private lastCxid = -1
  private lastZxid = -1
  private lastResponseMs = 0
  private lastLatencyMs = 0
  private latency = new LatencyCounter()

  /**
   * Accepts `socket` (a `TLSSocket` once its handshake is done, on a TLS listener).
   * `certificateSubject` is the verified client certificate's subject, if any (see
   * {@link ClientPortConnection.certificateSubject}); `secure` marks a connection of the
   * secureClientPort listener, which the admin server lists among its `secure_connections`.
   */
  constructor(
    private readonly host: ConnectionHost,
    private readonly socket: Socket,
    readonly certificateSubject: string | undefined = undefined,
    private readonly secure = false,
  ) {
    this.remoteAddress = socket.remoteAddress ?? ''
    this.remotePort = socket.remotePort ?? 0
    this.decoder = new FrameDecoder({ maxBufferBytes: host.maxBufferBytes })
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.guard('reading', () => this.receive(chunk)))
    socket.on('drain', () => this.guard('resuming', () => this.pump()))
    socket.on('error', () => {}) // 'close' follows and cleans up.
    socket.on('close', () => this.closed())
    const timeoutMs = host.sessionlessCnxnTimeoutMs
    this.handshakeTimer = setTimeout(() => this.guard('timing out', () => this.fail(`no ConnectRequest within ${timeoutMs} ms`)), timeoutMs)
    this.handshakeTimer.unref()
  }

  // ---- the boundary --------------------------------------------------------------------------

  /**
   * Runs `work` for this connection inside its boundary: an exception (a bug, or input no check
   * foresaw) closes this connection and is logged through the port's logger; it never reaches
   * the socket's event emitter, the backend that called in, or the process. Every entry point
   * runs inside one: socket events, timers, microtasks, and the backend's callbacks and calls.
   */
  private guard(where: string, work: () => void): void {
    try {
      work()
    } catch (e) {
      this.crashed(where, e)
    }
  }

  /**
   * The boundary's catch: log, then destroy the socket (its state may be half-updated, so nothing
   * more is written). Nothing here may throw, the logger included.
   */
  private crashed(where: string, error: unknown): void {
    try {
      this.host.logger.warn(`Closing connection from /${this.remoteAddress}:${this.remotePort}${this.sid()}: internal error while ${where}: ${describe(error)}`)
    } catch {
      // A logger that throws cannot be told; the connection is closed all the same.
    }
    this.destroy()
  }

  /** Drops the connection now, with whatever is queued (the 'close' event then cleans up). */
  private destroy(): void {
    if (this.state === 'closed') return
    this.state = 'closing'
    try {
      clearTimeout(this.handshakeTimer)
      this.socket.destroy()
    } catch {
      // destroy() does not throw on a socket; nothing more can be done if it does.
    }
  }

  /** The backend failed while serving this connection (see {@link ClientPortConnection.failed}). */
  failed(what: string, error: unknown): void {
    this.crashed(what, error)
  }

  /** True once the connection is a client connection (not a four-letter word, not closed). */
  get isClient(): boolean {
    if (this.fourLetterWord) return false
    return this.state === 'handshake' || this.state === 'connecting' || this.state === 'open'
  }

  // ---- input -------------------------------------------------------------------------------

  private receive(chunk: Uint8Array): void {
    if (this.state === 'closing' || this.state === 'closed' || this.fourLetterWord) return
    let bytes: Uint8Array | undefined = chunk
    if (this.state === 'start') bytes = this.checkFourLetterWord(chunk)
    if (bytes === undefined) return
    let frames: Uint8Array[]
    try {
      frames = this.decoder.push(bytes)
    } catch (e) {
      return this.fail(describe(e))
    }
    this.received += frames.length
    this.host.packetsReceived += frames.length
    for (const frame of frames) this.inbox.push(frame)
    this.pump()
  }

  // NIOServerCnxn.readLength: before the handshake, a length that spells a known word is a command.
  private checkFourLetterWord(chunk: Uint8Array): Uint8Array | undefined {
    const bytes = this.prefix.length === 0 ? chunk : concat(this.prefix, chunk)
    if (bytes.length < 4) {
      this.prefix = bytes
      return undefined
    }
    this.prefix = emptyBytes
    const word = fourLetterWordOf(bytes)
    if (word === undefined) {
      this.state = 'handshake'
      return bytes
    }
    this.received++
    this.host.packetsReceived++
    this.answerFourLetterWord(word)
    return undefined
  }

  // NIOServerCnxn.checkFourLetterWord: answer, then close once the text is written. Input after
  // the word is ignored, also while an answer that measures directories is on its way.
  private answerFourLetterWord(word: FourLetterWord): void {
    this.fourLetterWord = true
    // The handshake timer stays armed: it bounds how long a slow answer may hold the connection.
    const text = this.host.fourLetterWord(word, this.remoteAddress)
    if (typeof text === 'string') return this.writeFourLetterAnswer(text)
    text.then(
      (answer) => this.guard(`answering ${word}`, () => this.writeFourLetterAnswer(answer)),
      (error: unknown) => this.guard(`answering ${word}`, () => this.fail(`${word} failed: ${describe(error)}`)),
    )
  }

  private writeFourLetterAnswer(text: string): void {
    if (this.state === 'closing' || this.state === 'closed') return
    this.socket.write(text)
    this.end()
  }

  /** Processes queued frames while the connection may take more work. */
  private pump(): void {
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.inboxHead < this.inbox.length && this.canProcess()) {
        const frame = this.inbox[this.inboxHead++]!
        if (this.state === 'handshake') this.connectRequest(frame)
        else this.request(frame)
      }
      if (this.inboxHead === this.inbox.length) {
        this.inbox = []
        this.inboxHead = 0
      }
    } finally {
      this.pumping = false
    }
    this.updateReading()
  }

  private canProcess(): boolean {
    if (this.state === 'handshake') return true
    if (this.state !== 'open' || this.closeWhenIdle) return false
    return this.slots.length < this.host.requestsInflightMax && !this.backlogged() && !this.host.throttles(this)
  }

  /** The port's backlog drained: read and process requests again if this connection waits. */
  wake(): void {
    this.guard('resuming', () => this.pump())
  }

  private backlogged(): boolean {
    // Below the socket's own high-water mark 'drain' would never be emitted, so that is the floor.
    const limit = Math.max(this.host.writeBufferedBytesMax, this.socket.writableHighWaterMark)
    return this.socket.writableLength + this.out.length > limit
  }

  // Backpressure: read only while nothing is queued, the writes are not backed up and there is room in flight.
  private updateReading(): void {
    const closing = this.state === 'closing'
    const idle = this.inboxHead >= this.inbox.length
    const want = closing || (idle && (this.state === 'start' || this.state === 'handshake' || this.canProcess()))
    if (want && this.readingPaused) {
      this.readingPaused = false
      this.socket.resume()
    } else if (!want && !this.readingPaused) {
      this.readingPaused = true
      this.socket.pause()
    }
  }

  // ---- handshake (ZooKeeperServer.processConnectRequest) ----------------------------------------

  private connectRequest(frame: Uint8Array): void {
    let request
    try {
      request = readConnectRequest(new JuteReader(frame, { maxBufferBytes: this.host.maxBufferBytes }))
    } catch (e) {
      return this.fail(`malformed ConnectRequest: ${describe(e)}`)
    }
    const backend = this.host.backend
    // ZooKeeper checks that its server runs before it compares zxids: a member still looking or
    // syncing would otherwise refuse the client for a zxid it has yet to learn.
    if (backend.serving === false) return this.refuseNotServing()
    if (request.readOnly !== true && backend.readOnly) return this.fail('Refusing session request for not-read-only client')
    if (request.lastZxidSeen > backend.lastProcessedZxid) {
      return this.fail(
        `Refusing session(0x${javaHex(request.sessionId)}) request as it has seen zxid 0x${javaHex(request.lastZxidSeen)}` +
          ` our last zxid is 0x${javaHex(backend.lastProcessedZxid)} client must try another server`,
      )
    }
    clearTimeout(this.handshakeTimer)
    this.clientReadOnly = request.readOnly
    this.state = 'connecting'
    backend.connect(this, request, (result) => this.guard('opening the session', () => this.connected(result)))
  }

  // ZooKeeperServer.finishSessionInit: an invalid session gets timeOut 0, id 0, a zero password, then close.
  private connected(result: ClientPortSession | { err: number }): void {
    if (this.state !== 'connecting') {
      if ('detach' in result) result.detach()
      return
    }
    const readOnly = this.clientReadOnly === undefined ? undefined : this.host.backend.readOnly
    if (!('detach' in result) && result.err === ErrorCode.CONNECTIONLOSS) {
      return this.refuseNotServing()
    }
    if (!('detach' in result)) {
      this.host.logger.info(`Invalid session for client /${this.remoteAddress}:${this.remotePort}, probably expired (err ${result.err})`)
      writeConnectResponseFrame(this.out, { protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: new Uint8Array(16), readOnly })
      this.countSent()
      return this.end()
    }
    this.session = result
    writeConnectResponseFrame(this.out, { protocolVersion: 0, timeOut: result.timeoutMs, sessionId: result.sessionId, passwd: result.passwd, readOnly })
    this.countSent()
    this.state = 'open'
    this.heldBytes = 0
    for (const [zxid, event] of this.held.splice(0)) this.sendNotification(zxid, event)
    this.scheduleFlush()
    this.pump()
  }

  // ---- requests ------------------------------------------------------------------------------

  private request(frame: Uint8Array): void {
    let header: RequestHeader
    try {
      header = decodeRequestHeader(frame)
    } catch (e) {
      return this.fail(`malformed RequestHeader: ${describe(e)}`)
    }
    let request: ClientRequest
    try {
      request = decodeRequestFrame(frame, { maxBufferBytes: this.host.maxBufferBytes }).request
    } catch (e) {
      return this.badRequest(header, e)
    }
    // ZOOKEEPER-2623: check is only valid inside multi; Request.isValid refuses it alone.
    if (request.op === 'check') return this.unimplemented(header, 'check outside multi')
    this.submit(header, request)
  }

  private submit(header: RequestHeader, request: ClientRequest): void {
    const session = this.session
    if (session === undefined) return
    const slot: Slot = { xid: header.xid, ping: request.op === 'ping', startedMs: performance.now(), reply: undefined }
    this.slots.push(slot)
    this.host.countInFlight(1)
    this.lastOperation = lastOpCodes[request.op] ?? 'NA'
    if (request.op === 'closeSession') this.closeSessionInFlight = true
    session.submit(header.xid, request, (reply) =>
      this.guard(`answering ${request.op}`, () => {
        slot.reply = reply
        this.flushSlots()
      }),
    )
  }

  // A body that does not decode: ZooKeeper answers MARSHALLINGERROR under the xid and keeps the
  // connection (Prep/FinalRequestProcessor), except auth and sasl, whose packets it reads itself
  // and whose IOException closes the connection; an unknown opcode is UNIMPLEMENTED, then close.
  private badRequest(header: RequestHeader, e: unknown): void {
    if (!(e instanceof JuteDecodeError)) throw e
    if (e.reason === 'unknownOpCode') return this.unimplemented(header, `unknown type ${header.type}`)
    if (header.type === OpCode.auth || header.type === OpCode.sasl) return this.fail(`malformed ${opName(header.type)} packet: ${e.message}`)
    this.host.logger.warn(`Request from /${this.remoteAddress}:${this.remotePort}${this.sid()} xid ${header.xid} answered MARSHALLINGERROR: ${e.message}`)
    this.answerNow(header.xid, { err: MARSHALLINGERROR, zxid: this.host.backend.lastProcessedZxid })
  }

  // UnimplementedRequestProcessor: reply UNIMPLEMENTED, then close the connection.
  private unimplemented(header: RequestHeader, why: string): void {
    this.host.logger.warn(`Closing connection from /${this.remoteAddress}:${this.remotePort}${this.sid()}: received packet of ${why} (xid ${header.xid}), answered UNIMPLEMENTED`)
    this.answerNow(header.xid, { err: UNIMPLEMENTED, zxid: this.host.backend.lastProcessedZxid, close: true })
  }

  private answerNow(xid: number, reply: BackendReply): void {
    this.slots.push({ xid, ping: false, startedMs: performance.now(), reply })
    this.host.countInFlight(1)
    this.flushSlots()
  }

  /** Writes the replies whose earlier requests are all answered, in request order. */
  private flushSlots(): void {
    if (this.state !== 'open') return
    while (this.slots.length > 0 && this.slots[0]!.reply !== undefined) {
      const slot = this.slots.shift()!
      this.host.countInFlight(-1)
      this.writeReply(slot, slot.reply!)
      if (slot.reply!.close === true) return this.end()
    }
    if (this.closeWhenIdle && this.slots.length === 0) return this.end()
    this.pump()
  }

  private writeReply(slot: Slot, reply: BackendReply): void {
    const xid = slot.ping ? Xid.ping : slot.xid
    const header = { xid, zxid: reply.zxid, err: reply.err }
    const response = reply.err === 0 ? reply.response : undefined
    // A response over jute.maxbuffer would make the client drop the connection ("Packet len … is
    // out of range!") and perhaps send the request again: it is refused with BADARGUMENTS instead.
    if (!writeReplyFrameWithin(this.out, header, response, this.host.maxBufferBytes + responseOverheadBytesMax)) {
      this.host.logger.warn(`Request from /${this.remoteAddress}:${this.remotePort}${this.sid()} xid ${xid} answered BADARGUMENTS: its response is over jute.maxbuffer (${this.host.maxBufferBytes})`)
      writeReplyFrame(this.out, { ...header, err: ErrorCode.BADARGUMENTS })
    }
    this.countSent()
    const nowMs = performance.now()
    const latencyMs = Math.max(0, Math.round(nowMs - slot.startedMs))
    this.latency.add(latencyMs)
    this.host.latency.add(latencyMs)
    this.lastLatencyMs = latencyMs
    this.lastResponseMs = Date.now()
    if (xid >= 0) this.lastCxid = xid
    this.lastZxid = reply.zxid
    this.scheduleFlush()
  }

  // ---- output --------------------------------------------------------------------------------

  /** Sends a watch notification (xid -1) now; held until the ConnectResponse is out. */
  notify(zxid: number, event: WatcherEvent): void {
    this.guard('sending a notification', () => this.sendNotification(zxid, event))
  }

  private sendNotification(zxid: number, event: WatcherEvent): void {
    if (this.state === 'connecting') {
      // Only the ConnectResponse is pending, but a burst can still be big: the same bound holds.
      this.held.push([zxid, event])
      this.heldBytes += event.path.length * 3 + notificationOverheadBytes
      if (this.heldBytes > this.host.queuedBytesMax) this.doesNotRead(this.heldBytes)
      return
    }
    if (this.state !== 'open') return
    const before = this.out.length
    writeNotificationFrame(this.out, zxid, event)
    this.countSent()
    this.unread.push({ end: this.flushed + this.out.length, bytes: this.out.length - before })
    this.unreadBytes += this.out.length - before
    const unread = this.unreadNotificationBytes()
    if (unread > this.host.queuedBytesMax) return this.doesNotRead(unread)
    this.scheduleFlush()
  }

  /**
   * Bytes of notifications written and not yet taken by the client. Replies do not count: a
   * client that pipelines reads of large nodes behind a write gets all their replies at once, and
   * reads them (ZooKeeper keeps such a connection). What is queued drains in order, so every
   * notification that ends before the bytes the kernel took is read.
   */
  private unreadNotificationBytes(): number {
    const taken = this.flushed - this.socket.writableLength
    while (this.unreadHead < this.unread.length && (this.unread[this.unreadHead] as UnreadNotification).end <= taken) {
      this.unreadBytes -= (this.unread[this.unreadHead] as UnreadNotification).bytes
      this.unreadHead++
    }
    if (this.unreadHead === this.unread.length) {
      this.unread.length = 0
      this.unreadHead = 0
    }
    return this.unreadBytes
  }

  /** Bytes waiting to be written: in the socket's buffer and not yet handed to it. */
  private queuedBytes(): number {
    return this.socket.writableLength + this.out.length
  }

  // The client does not read what it is sent: drop the queue and the connection at once, since
  // flushing it (as end() would) is what cannot happen.
  private doesNotRead(queued: number): void {
    this.host.logger.warn(
      `Closing connection from /${this.remoteAddress}:${this.remotePort}${this.sid()}: client does not read: ` +
        `${queued} bytes queued, over queuedBytesMax (${this.host.queuedBytesMax})`,
    )
    this.held.length = 0
    this.destroy()
  }

  private countSent(): void {
    this.sent++
    this.host.packetsSent++
  }

  // Replies written in one turn of the event loop go out in one socket write.
  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    queueMicrotask(() => this.guard('writing', () => this.flush()))
  }

  private flush(): void {
    this.flushScheduled = false
    if (this.out.length === 0 || this.state === 'closed' || this.socket.destroyed) return
    const bytes = this.out.finish()
    this.flushed += bytes.length
    const accepted = this.socket.write(bytes)
    // When the kernel takes the whole write at once no 'drain' follows, so resume the work here,
    // after pending I/O, if reading stopped only because the output had not been flushed yet.
    if (accepted && this.readingPaused && !this.resumeScheduled) {
      this.resumeScheduled = true
      setImmediate(() =>
        this.guard('resuming', () => {
          this.resumeScheduled = false
          this.pump()
        }),
      )
    }
  }

  // ---- endings -------------------------------------------------------------------------------

  /** The backend ended the session: expired or moved close now; closed after the closeSession reply. */
  sessionEnded(reason: SessionEndReason): void {
    this.guard('ending the session', () => this.endSession(reason))
  }

  private endSession(reason: SessionEndReason): void {
    if (this.state === 'closing' || this.state === 'closed') return
    this.host.logger.info(`Session 0x${javaHex(this.session?.sessionId ?? 0n)} ${reason}; closing connection from /${this.remoteAddress}:${this.remotePort}`)
    if (reason === 'closed' && this.closeSessionInFlight && this.slots.length > 0) {
      this.closeWhenIdle = true
      return
    }
    this.end()
  }

  /** Logs one line naming the connection and the reason, then closes it. */
  // Not serving (no quorum): ZooKeeper closes without an answer, so the client tries another
  // member and keeps its session; a timeOut-0 answer would tell it the session expired.
  private refuseNotServing(): void {
    this.host.logger.info(`Refusing session of client /${this.remoteAddress}:${this.remotePort}: this member is not serving requests`)
    this.end()
  }

  private fail(reason: string): void {
    if (this.state === 'closing' || this.state === 'closed') return
    this.host.logger.warn(`Closing connection from /${this.remoteAddress}:${this.remotePort}${this.sid()}: ${reason}`)
    this.end()
  }

  /** Flushes what is written and ends the socket; destroys it if it does not close in time. */
  private end(): void {
    if (this.state === 'closing' || this.state === 'closed') return
    this.state = 'closing'
    clearTimeout(this.handshakeTimer)
    this.flush()
    this.socket.end()
    this.updateReading()
    this.lingerTimer = setTimeout(() => this.socket.destroy(), socketCloseLingerMs)
    this.lingerTimer.unref()
  }

  /**
   * Closes the connection because an operator shed it (the admin `shed_connections`): what is
   * written is flushed, the session lives on, and the client reconnects.
   */
  shed(): void {
    this.guard('shedding it', () => {
      if (this.state === 'closing' || this.state === 'closed') return
      this.host.logger.info(`Closing connection from /${this.remoteAddress}:${this.remotePort}${this.sid()}: shed by the admin command shed_connections`)
      this.end()
    })
  }

  /** Ends the connection for a server shutdown; `done` runs once the socket is closed. */
  shutdown(done: () => void): void {
    if (this.state === 'closed') return done()
    this.onClosed.push(done)
    this.guard('shutting down', () => this.end())
  }

  // The socket closed. The port forgets the connection and shutdown waiters are told even when
  // the backend's detach throws: that is logged, never left to the socket's event emitter.
  private closed(): void {
    if (this.state === 'closed') return
    this.state = 'closed'
    clearTimeout(this.handshakeTimer)
    clearTimeout(this.lingerTimer)
    this.held.length = 0
    // Replies still to come for this connection are dropped; they no longer count port-wide.
    this.host.countInFlight(-this.slots.length)
    this.slots.length = 0
    const session = this.session
    if (session !== undefined) this.guard('detaching the session', () => session.detach())
    this.host.removed(this)
    for (const done of this.onClosed.splice(0)) done()
  }

  // ---- statistics ----------------------------------------------------------------------------

  /** This connection as `cons` prints it. */
  info(): ConnectionInfo {
    const reading = !this.readingPaused
    const writing = this.socket.writableLength > 0
    return {
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      interestOps: (reading ? 1 : 0) | (writing ? 4 : 0),
      queued: this.slots.length,
      queuedBytes: this.queuedBytes(),
      received: this.received,
      sent: this.sent,
      sessionId: this.session?.sessionId ?? 0n,
      lastOperation: this.lastOperation,
      establishedMs: this.establishedMs,
      sessionTimeoutMs: this.session?.timeoutMs ?? 0,
      lastCxid: this.lastCxid,
      lastZxid: this.lastZxid,
      lastResponseMs: this.lastResponseMs,
      lastLatencyMs: this.lastLatencyMs,
      latency: this.latency.stats(),
      secure: this.secure,
    }
  }

  /** `crst`: forgets this connection's counters. */
  resetStats(): void {
    this.received = 0
    this.sent = 0
    this.lastOperation = 'NA'
    this.lastCxid = -1
    this.lastZxid = -1
    this.lastResponseMs = 0
    this.lastLatencyMs = 0
    this.latency = new LatencyCounter()
  }

  private sid(): string {
    return this.session === undefined ? '' : ` (session 0x${javaHex(this.session.sessionId)})`
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
