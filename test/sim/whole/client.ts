/**
 * Simulated clients: sessions on the members' production request pipeline (the path the client
 * port takes, without the socket), behaving as ZooKeeper's client does — pings within a third of
 * the session timeout, a reconnect to another member when the connection ends (never to one that
 * has seen less than the session has: ZooKeeper refuses `lastZxidSeen` ahead of the server), the
 * session resumed with its id and password, and every request in flight on a lost connection
 * ending with an unknown outcome. Each request and its outcome goes into the history.
 * @module
 */
import { ErrorCode } from '../../../lib/errors.js'
import type { Request, Response } from '../../../lib/protocol/requests.js'
import type { WatchNotification } from '../../../lib/protocol/watch.js'
import type { Channel, ClientConnection } from '../../../lib/server/pipeline-types.js'
import type { Pipeline } from '../../../lib/server/pipeline.js'

/** What the client knows of a request's outcome. */
export type Outcome = 'ok' | 'failed' | 'unknown'

/** One request of the history. */
export interface Op {
  readonly client: number
  /** The session it was sent on (0n before the session exists). */
  readonly session: bigint
  readonly request: Request
  readonly issuedAt: number
  /** The member it went to. */
  readonly member: number
  outcome: Outcome | 'pending'
  /** The error number, for a failed or unknown request. */
  err?: number
  /** The zxid of the reply header (for a write, its transaction's). */
  zxid?: number
  response?: Response
  answeredAt?: number
  /** Where the answer falls in the order of everything clients received (see {@link ClientWorld.order}). */
  answeredSeq?: number
  /** Where the send falls in that same order: ties of the simulated millisecond are told apart. */
  issuedSeq?: number
}

/**
 * Where an op was sent, on a scale {@link answerOrder} shares: an op answered before another was
 * sent has `answerOrder(a) < sendOrder(b)`. The simulation numbers sends and answers in one
 * sequence; a history without those numbers (a fabricated one) falls back to times, where an
 * answer and a send in the same millisecond are concurrent.
 */
export function sendOrder(op: Op): number {
  return op.issuedSeq ?? 2 * op.issuedAt
}

/** Where an op was answered, on {@link sendOrder}'s scale; Infinity when it never was. */
export function answerOrder(op: Op): number {
  if (op.answeredAt === undefined) return Infinity
  return op.issuedSeq !== undefined && op.answeredSeq !== undefined ? op.answeredSeq : 2 * op.answeredAt + 1
}

/** A watch notification a session received. */
export interface Delivered {
  readonly client: number
  readonly session: bigint
  readonly event: WatchNotification
  /** Where it falls in the order of everything clients received. */
  readonly seq: number
}

/** Errors that say a write did not happen (the rest, CONNECTIONLOSS first, leave it unknown). */
const definite = new Set<number>([
  ErrorCode.NONODE, ErrorCode.NODEEXISTS, ErrorCode.BADVERSION, ErrorCode.NOTEMPTY,
  ErrorCode.NOCHILDRENFOREPHEMERALS, ErrorCode.BADARGUMENTS, ErrorCode.NOAUTH, ErrorCode.INVALIDACL,
  ErrorCode.SESSIONEXPIRED, ErrorCode.UNIMPLEMENTED,
])

/** What a client needs from the simulation. */
export interface ClientWorld {
  now(): number
  /** Arms a timer on the shared clock. */
  after(ms: number, callback: () => void): void
  /** The pipeline of a live member, or undefined. */
  pipeline(id: number): Pipeline | undefined
  /** Runs `work` in member `id`'s process: later if it is paused, never if it died. */
  run(id: number, work: () => void): void
  /** Members to try, in the seeded order of this attempt. */
  candidates(): number[]
  log(line: string): void
  readonly history: Op[]
  /** Every watch notification delivered. */
  readonly events: Delivered[]
  /** The next number of the order in which clients receive answers and notifications. */
  order(): number
}

type State = 'new' | 'connecting' | 'connected' | 'disconnected' | 'expired' | 'closed'

/** A connection to one member; stale callbacks from a connection the client left are ignored. */
class SimConnection implements ClientConnection {
  readonly remoteAddress = '127.0.0.1'
  live = true
  constructor(
    readonly client: SimClient,
    readonly member: number,
  ) {}

  process(event: WatchNotification): void {
    if (this.live) this.client.event(event)
  }

  sessionEnded(reason: 'expired' | 'closed' | 'moved'): void {
    if (this.live) this.client.ended(this, reason)
  }
}

/** One simulated ZooKeeper client with at most one session. */
export class SimClient {
  state: State = 'new'
  sessionId = 0n
  private passwd: Uint8Array | undefined
  /** The session timeout the member granted (pings go by it). */
  private negotiatedMs: number
  /** The highest zxid this session has seen (the client's lastZxidSeen). */
  lastZxidSeen = 0
  private connection: SimConnection | undefined
  private channel: Channel | undefined
  private cxid = 0
  /** Whether a reconnect is scheduled. */
  private retrying = false
  private readonly inFlight = new Set<Op>()
  /** Events received, with the zxid they carried. */
  readonly events: WatchNotification[] = []

  constructor(
    readonly id: number,
    private readonly world: ClientWorld,
    readonly timeoutMs: number,
  ) {
    this.negotiatedMs = timeoutMs
  }

  /** The number of requests awaiting an answer. */
  get pending(): number {
    return this.inFlight.size
  }

  /** Opens a session (or resumes this one) on the first candidate that takes it. */
  connect(): void {
    // Only a client without a connection opens one: a retry timer left from an earlier loss must
    // not open a second connection beside the live one (a real client has one connection at a time).
    if (this.state !== 'new' && this.state !== 'disconnected') return
    this.state = 'connecting'
    for (const id of this.world.candidates()) {
      const pipeline = this.world.pipeline(id)
      // ZooKeeperServer.processConnectRequest: a server behind the client's lastZxidSeen refuses it.
      if (pipeline === undefined || !pipeline.serving || pipeline.lastProcessedZxid < this.lastZxidSeen) continue
      const connection = new SimConnection(this, id)
      this.connection = connection
      const params = { timeoutMs: this.timeoutMs, sessionId: this.sessionId === 0n ? undefined : this.sessionId, passwd: this.passwd }
      this.world.run(id, () => pipeline.connect(connection, params, (grant) => {
        if (!connection.live) return
        if (!('channel' in grant)) {
          connection.live = false
          if (grant.err === ErrorCode.SESSIONEXPIRED) return this.expire('connect refused: SESSIONEXPIRED')
          return this.retryLater()
        }
        this.channel = grant.channel
        this.sessionId = grant.sessionId
        this.passwd = grant.passwd
        this.negotiatedMs = grant.timeoutMs
        this.state = 'connected'
        this.world.log(`client ${this.id}: session 0x${grant.sessionId.toString(16)} on member ${id}`)
        this.schedulePing(connection)
      }))
      return
    }
    this.retryLater()
  }

  private retryLater(): void {
    this.state = 'disconnected'
    // One retry at a time: a loss while a retry is already waiting does not start a second chain.
    if (this.retrying) return
    this.retrying = true
    this.world.after(50, () => {
      this.retrying = false
      this.connect()
    })
  }

  /** Sends `request`; its outcome lands in the history. */
  send(request: Request): Op | undefined {
    const channel = this.channel
    const connection = this.connection
    if (this.state !== 'connected' || channel === undefined || connection === undefined) return undefined
    const pipeline = this.world.pipeline(connection.member)
    if (pipeline === undefined) return undefined
    const op: Op = { client: this.id, session: this.sessionId, request, issuedAt: this.world.now(), issuedSeq: this.world.order(), member: connection.member, outcome: 'pending' }
    if (request.op !== 'ping') this.world.history.push(op)
    this.inFlight.add(op)
    const cxid = ++this.cxid
    this.world.run(connection.member, () => pipeline.submit(channel, request, cxid, (response, zxid) => {
      if (!connection.live || !this.inFlight.delete(op)) return
      op.answeredAt = this.world.now()
      op.answeredSeq = this.world.order()
      op.zxid = zxid
      op.response = response
      // A multi that failed answers err 0 with an error result per operation: none of it happened.
      const multiError = response.err === 0 && 'results' in response && request.op === 'multi' ? response.results.find((r) => r.op === 'error' && r.err !== 0) : undefined
      if (multiError !== undefined) {
        op.outcome = 'failed'
        op.err = multiError.err
      } else if (response.err === 0) op.outcome = 'ok'
      else {
        op.err = response.err
        op.outcome = definite.has(response.err) ? 'failed' : 'unknown'
      }
      if (zxid > this.lastZxidSeen) this.lastZxidSeen = zxid
      if (request.op === 'closeSession' && response.err === 0) this.close()
      if (response.err === ErrorCode.SESSIONEXPIRED) this.expire('a request answered SESSIONEXPIRED')
    }))
    return op
  }

  // ClientCnxn.SendThread: a ping once a third of the timeout has passed with nothing sent.
  private schedulePing(connection: SimConnection): void {
    this.world.after(Math.floor(this.negotiatedMs / 3), () => {
      if (connection !== this.connection || !connection.live || this.state !== 'connected') return
      this.send({ op: 'ping' })
      this.schedulePing(connection)
    })
  }

  /** A watch notification. */
  event(event: WatchNotification): void {
    if (event.zxid > this.lastZxidSeen) this.lastZxidSeen = event.zxid
    this.events.push(event)
    this.world.events.push({ client: this.id, session: this.sessionId, event, seq: this.world.order() })
  }

  /** The member ended this connection's session (expired) or the connection (closed, moved). */
  ended(connection: SimConnection, reason: 'expired' | 'closed' | 'moved'): void {
    if (connection !== this.connection) return
    if (reason === 'expired') return this.expire('the member expired the session')
    if (this.state === 'closed') return
    this.disconnect(`member ${connection.member} ended the connection (${reason})`)
  }

  /** The connection is lost (a crash, a partition seen by the client): reconnect elsewhere. */
  disconnect(why: string): void {
    if (this.connection === undefined || this.state === 'expired' || this.state === 'closed') return
    this.world.log(`client ${this.id}: disconnected: ${why}`)
    this.abandon()
    this.retryLater()
  }

  /** The member this client's connection is on, if connected. */
  get member(): number | undefined {
    return this.state === 'connected' ? this.connection?.member : undefined
  }

  private abandon(): void {
    if (this.connection !== undefined) this.connection.live = false
    this.connection = undefined
    this.channel = undefined
    for (const op of this.inFlight) {
      op.outcome = 'unknown'
      op.err = ErrorCode.CONNECTIONLOSS
    }
    this.inFlight.clear()
  }

  private expire(why: string): void {
    if (this.state === 'expired' || this.state === 'closed') return
    this.world.log(`client ${this.id}: session 0x${this.sessionId.toString(16)} expired: ${why}`)
    this.abandon()
    this.state = 'expired'
  }

  private close(): void {
    this.abandon()
    this.state = 'closed'
  }
}
