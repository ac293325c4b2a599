// Method: a minimal pipelined ZooKeeper wire client on node:net with lib/wire's codec; replies are
// matched to requests in order and each request's latency is taken with performance.now().
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import { performance } from 'node:perf_hooks'
import {
  FrameDecoder,
  JuteReader,
  JuteWriter,
  readConnectResponse,
  readReplyHeader,
  readResponse,
  writeConnectRequestFrame,
  writeRequestFrame,
  type ReplyHeader,
} from '../../lib/wire/index.js'
import type { ACL } from '../../lib/protocol/data.js'
import type { ClientRequest, ClientResponse } from '../../lib/protocol/jute-records.js'
import { Xid } from '../../lib/protocol/opcodes.js'

/** `world:anyone` with every permission (ZooKeeper's `Ids.OPEN_ACL_UNSAFE`). */
export const openAclUnsafe: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]

/** Called once a request's reply has arrived: its header, the whole reply frame, and the latency. */
export type ReplyCallback = (header: ReplyHeader, frame: Uint8Array, latencyMs: number) => void

/** Options of {@link WireClient.connect}. */
export interface WireConnectOptions {
  /** Session timeout asked for, in milliseconds. @defaultValue 30000 */
  sessionTimeoutMs?: number
  /** How long the TCP connect and the ConnectRequest/ConnectResponse handshake may take, in milliseconds. @defaultValue 5000 */
  handshakeTimeoutMs?: number
  /** Speak TLS (to a secureClientPort) with these options; the ConnectRequest follows the TLS handshake. @defaultValue plain text */
  tls?: ConnectionOptions | undefined
}

interface Pending {
  xid: number
  sentAt: number
  onReply: ReplyCallback
  onError: ((error: Error) => void) | undefined
}

/** Bounds the outstanding requests a caller may pile up before the socket is even written. */
const pendingMax = 100_000
const sessionPasswordBytes = 16

/**
 * One ZooKeeper session over one TCP connection. {@link WireClient.send} queues a request frame and
 * returns at once; the frames queued in one tick go out in one socket write. The server answers in
 * request order (ZooKeeper's per-session FIFO), so replies are matched against the head of a queue.
 */
export class WireClient {
  private readonly writer = new JuteWriter()
  private readonly decoder = new FrameDecoder()
  private readonly pending: Pending[] = []
  private pendingHead = 0
  private nextXid = 1
  private flushScheduled = false
  private failure: Error | undefined

  private constructor(private readonly socket: Socket, /** The session id the server gave. */ readonly sessionId: bigint) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (error) => this.fail(error))
    socket.on('close', () => this.fail(new Error('connection closed by the server')))
  }

  /**
   * Connects to `host:port` and opens a new session.
   * @throws when the connection is refused or closed, or the handshake times out.
   */
  static connect(host: string, port: number, options: WireConnectOptions = {}): Promise<WireClient> {
    const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5_000
    return new Promise<WireClient>((resolve, reject) => {
      const socket = options.tls === undefined ? netConnect({ host, port, noDelay: true }) : tlsConnect({ ...options.tls, host, port }).setNoDelay(true)
      const decoder = new FrameDecoder()
      // The session's listeners replace the handshake's, so those are removed before the client exists.
      const done = (error: Error | undefined, sessionId?: bigint): void => {
        clearTimeout(timer)
        socket.removeAllListeners()
        if (error !== undefined || sessionId === undefined) {
          socket.destroy()
          reject(error ?? new Error('no session id'))
        } else resolve(new WireClient(socket, sessionId))
      }
      const timer = setTimeout(() => done(new Error(`handshake with ${host}:${port} timed out after ${handshakeTimeoutMs} ms`)), handshakeTimeoutMs)
      socket.on('error', (error) => done(error))
      socket.on('close', () => done(new Error(`${host}:${port} closed the connection during the handshake`)))
      socket.on(options.tls === undefined ? 'connect' : 'secureConnect', () => {
        const w = new JuteWriter()
        writeConnectRequestFrame(w, {
          protocolVersion: 0,
          lastZxidSeen: 0,
          timeOut: options.sessionTimeoutMs ?? 30_000,
          sessionId: 0n,
          passwd: new Uint8Array(sessionPasswordBytes),
          readOnly: false,
        })
        socket.write(w.finish())
      })
      socket.on('data', (chunk: Buffer) => {
        const frames = decoder.push(chunk)
        const first = frames[0]
        if (first === undefined) return
        // The server sends nothing after the ConnectResponse until it gets a request.
        if (frames.length > 1 || decoder.buffered > 0) return done(new Error('unexpected frames after the ConnectResponse'))
        const response = readConnectResponse(new JuteReader(first))
        if (response.timeOut <= 0) return done(new Error(`${host}:${port} refused the session (timeOut ${response.timeOut})`))
        done(undefined, response.sessionId)
      })
    })
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.length - this.pendingHead
  }

  /**
   * Queues `request` with the next xid; `onReply` runs when its reply arrives, `onError` instead
   * when the connection fails first.
   * @throws once the connection has failed, or when {@link pendingMax} requests are outstanding.
   */
  send(request: ClientRequest, onReply: ReplyCallback, onError?: (error: Error) => void): void {
    if (this.failure !== undefined) throw this.failure
    if (this.inFlight >= pendingMax) throw new Error(`over ${pendingMax} requests outstanding`)
    const xid = this.nextXid++
    writeRequestFrame(this.writer, xid, request)
    this.pending.push({ xid, sentAt: performance.now(), onReply, onError })
    if (!this.flushScheduled) {
      this.flushScheduled = true
      queueMicrotask(() => this.flush())
    }
  }

  /**
   * Sends a ping (xid -2), as an idle ZooKeeper client does to keep its session; the server's
   * answer carries xid -2 as well and is dropped on arrival, so nothing waits for it.
   * @throws once the connection has failed.
   */
  ping(): void {
    if (this.failure !== undefined) throw this.failure
    writeRequestFrame(this.writer, Xid.ping, { op: 'ping' })
    if (!this.flushScheduled) {
      this.flushScheduled = true
      queueMicrotask(() => this.flush())
    }
  }

  /** Sends one request and resolves with its reply header and, when `err` is 0, the decoded response. */
  request(request: ClientRequest): Promise<{ header: ReplyHeader; response: ClientResponse | undefined; latencyMs: number }> {
    return new Promise((resolve, reject) => {
      try {
        this.send(request, (header, frame, latencyMs) => {
          try {
            const r = new JuteReader(frame)
            readReplyHeader(r)
            resolve({ header, response: header.err === 0 ? readResponse(request.op, r) : undefined, latencyMs })
          } catch (error) {
            reject(error as Error)
          }
        }, reject)
      } catch (error) {
        reject(error as Error)
      }
    })
  }

  /** Ends the session (closeSession) and the connection; resolves once the socket is closed. */
  async close(): Promise<void> {
    if (this.failure === undefined) {
      const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()))
      try {
        await Promise.race([this.request({ op: 'closeSession' }), closed])
      } catch {
        // The server may close the socket before or after answering; either way the session is gone.
      }
    }
    this.socket.destroy()
  }

  /** Destroys the connection without ending the session. */
  destroy(): void {
    this.socket.destroy()
  }

  private flush(): void {
    this.flushScheduled = false
    if (this.failure !== undefined || this.writer.length === 0) return
    this.socket.write(this.writer.finish())
  }

  private onData(chunk: Buffer): void {
    let frames: Uint8Array[]
    try {
      frames = this.decoder.push(chunk)
    } catch (error) {
      return this.fail(error as Error)
    }
    const now = performance.now()
    for (const frame of frames) {
      const header = readReplyHeader(new JuteReader(frame))
      // Notifications and pings are not answers to our requests.
      if (header.xid === Xid.notification || header.xid === Xid.ping) continue
      const head = this.pending[this.pendingHead]
      if (head === undefined || head.xid !== header.xid) {
        return this.fail(new Error(`reply xid ${header.xid} does not match the oldest request (${head?.xid ?? 'none'})`))
      }
      this.pending[this.pendingHead++] = undefined as unknown as Pending
      if (this.pendingHead > 4096 && this.pendingHead * 2 > this.pending.length) {
        this.pending.splice(0, this.pendingHead)
        this.pendingHead = 0
      }
      head.onReply(header, frame, now - head.sentAt)
    }
  }

  private fail(error: Error): void {
    if (this.failure !== undefined) return
    this.failure = error
    this.socket.destroy()
    const outstanding = this.pending.slice(this.pendingHead)
    this.pending.length = 0
    this.pendingHead = 0
    for (const p of outstanding) p.onError?.(error)
  }

  /** Why the connection failed, or undefined while it is up. */
  get error(): Error | undefined {
    return this.failure
  }
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Requests kept outstanding at once. */
  inFlight: number
  /** Requests sent at most. */
  countMax: number
  /** No request is sent after this many milliseconds. */
  durationMs: number
  /** Builds the i-th request (i counts from 0). */
  request: (i: number) => ClientRequest
  /** Fails the run when no reply arrives for this long, in milliseconds. @defaultValue 30000 */
  stallMs?: number
  /** Called on every reply with its arrival (performance.now()) and latency, in milliseconds. */
  onReply?: (replyAt: number, latencyMs: number) => void
}

/** What {@link runLoad} measured. */
export interface LoadResult {
  /** Replies received. */
  ops: number
  /** Replies with a non-zero err. */
  errors: number
  /** The first non-zero err seen, or 0. */
  firstErr: number
  /** Wall time from the first send to the last reply, in seconds. */
  seconds: number
  /** Replies per second. */
  opsPerSec: number
  /** Median latency, in milliseconds. */
  p50Ms: number
  /** 99th percentile latency, in milliseconds. */
  p99Ms: number
}

/** Sends requests built by `options.request` keeping `inFlight` outstanding until the count or time bound is hit. */
export function runLoad(client: WireClient, options: LoadOptions): Promise<LoadResult> {
  const latencies = new Float64Array(options.countMax)
  const stallMs = options.stallMs ?? 30_000
  let issued = 0
  let done = 0
  let errors = 0
  let firstErr = 0
  let lastReplyAt = performance.now()
  const start = performance.now()
  return new Promise<LoadResult>((resolve, reject) => {
    const finish = (): void => {
      clearInterval(watchdog)
      const seconds = (performance.now() - start) / 1000
      const sorted = latencies.subarray(0, done).sort()
      resolve({ ops: done, errors, firstErr, seconds, opsPerSec: done / seconds, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) })
    }
    const onReply: ReplyCallback = (header, _frame, latencyMs) => {
      latencies[done++] = latencyMs
      if (header.err !== 0) {
        errors++
        if (firstErr === 0) firstErr = header.err
      }
      lastReplyAt = performance.now()
      options.onReply?.(lastReplyAt, latencyMs)
      issue(lastReplyAt)
    }
    const issue = (now: number): void => {
      const open = now - start < options.durationMs
      while (open && issued < options.countMax && client.inFlight < options.inFlight) {
        client.send(options.request(issued++), onReply)
      }
      if (done === issued && (!open || issued >= options.countMax)) finish()
    }
    const watchdog = setInterval(() => {
      const error = client.error ?? (performance.now() - lastReplyAt > stallMs ? new Error(`no reply for ${stallMs} ms`) : undefined)
      if (error === undefined) return
      clearInterval(watchdog)
      reject(new Error(`load stopped after ${done} of ${issued} replies: ${error.message}`, { cause: error }))
    }, 250)
    try {
      issue(start)
    } catch (error) {
      clearInterval(watchdog)
      reject(error as Error)
    }
  })
}

/** The `q` quantile of ascending `sorted` (nearest rank), NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}
