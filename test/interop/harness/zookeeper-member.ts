/**
 * A stand-in for one member of an Apache ZooKeeper ensemble, built only on Paddock's wire layer
 * (lib/peer/zookeeper): it binds the member's election and quorum ports on 127.0.0.1, decodes
 * what the Apache members send there, and answers as the test's policy says. It is no ZAB member:
 * it records events for the test to wait on and speaks only what the test asks it to.
 * @module
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import { zkElectionFrameBytesMax, zkInitialMessageAddressBytesMax, zkQuorumPacketBufferBytesMax, zkQuorumPacketBytesMax } from '../../../lib/limits.js'
import {
  decodeNotification,
  encodeElectionFrame,
  encodeInitialMessage,
  encodeNotification,
  encodeQuorumPacket,
  initialMessageHeaderBytes,
  keepsConnection,
  PROTOCOL_VERSION_V1,
  QuorumPacketType,
  readElectionFrame,
  readInitialMessage,
  readQuorumPacket,
  ZkStreamBuffer,
  type InitialMessage,
  type NotificationToSend,
  type QuorumPacket,
  type ZkNotification,
} from '../../../lib/peer/zookeeper/index.js'
import { readSerializedSnapshot } from '../../../lib/migrate/zk-snapshot.js'
import { JuteDecodeError, type JuteReader } from '../../../lib/wire/jute.js'
import { withTimeout } from './wait.js'

/** What the stand-in saw, in order. */
export type MemberEvent =
  /** A member dialled the election port and introduced itself. */
  | { readonly type: 'initialMessage'; readonly message: InitialMessage }
  /** A notification arrived on an election connection to member `from`. */
  | { readonly type: 'notification'; readonly from: bigint; readonly notification: ZkNotification }
  /** A notification was sent to member `to`. */
  | { readonly type: 'sent'; readonly to: bigint; readonly notification: NotificationToSend }
  /** A QuorumPacket arrived on learner connection number `connection` (1, 2, ... in accept order). */
  | { readonly type: 'quorumPacket'; readonly connection: number; readonly packet: QuorumPacket }
  /** The database a leader wrote after SNAP (sessions and DataTree), read with lib/migrate's codec. */
  | { readonly type: 'snapshot'; readonly connection: number; readonly snapshot: SerializedSnapshot }
  /** Something could not be decoded, or a socket failed; the connection was closed. */
  | { readonly type: 'error'; readonly where: string; readonly message: string }

/** How the stand-in answers; each returns undefined to stay silent. */
export interface MemberPolicy {
  /** The notification to send back to `from` for one it received. */
  answerNotification(from: bigint, notification: ZkNotification): NotificationToSend | undefined
  /** The packets to send back on a learner connection for one packet it received. */
  answerQuorumPacket(connection: number, packet: QuorumPacket): readonly QuorumPacket[]
}

/** Options of {@link startZooKeeperMemberStandIn}. */
export interface StandInOptions {
  /** The sid this stand-in plays. */
  readonly sid: bigint
  /** Its election port on 127.0.0.1 (its `server.N` line's second port). */
  readonly electionPort: number
  /** Its quorum port on 127.0.0.1 (its `server.N` line's first port). */
  readonly quorumPort: number
  /** How it answers. */
  readonly policy: MemberPolicy
}

/** What a SNAP is followed by: sessions, ACL cache and nodes (lib/migrate's snapshot codec). */
export type SerializedSnapshot = ReturnType<typeof readSerializedSnapshot>

/**
 * Largest snapshot a test's learner buffers after SNAP, in bytes: the test ensembles hold a few
 * nodes; the runtime of a later slice will read the stream as it comes instead.
 */
const snapshotStreamBytesMax = 64 * 1024 * 1024

/** Events kept at most; a stand-in that sees more stops recording (a runaway exchange). */
const eventsMax = 10_000
/** Notifications sent to one member at most, so two parties can never answer each other forever. */
const answersPerMemberMax = 200

/** A running stand-in. */
export interface ZooKeeperMemberStandIn {
  /** Everything seen so far. */
  readonly events: readonly MemberEvent[]
  /** Resolves with the first event, past or future, that `match` accepts; rejects after `timeoutMs`. */
  waitFor<E extends MemberEvent>(match: (event: MemberEvent) => event is E, what: string, timeoutMs: number): Promise<E>
  /** Sends a notification to member `to` on the election connection to it; false when there is none yet. */
  notify(to: bigint, notification: NotificationToSend): boolean
  /**
   * Dials a leader's quorum port on 127.0.0.1 as a learner, sends `first` (FOLLOWERINFO), and
   * answers what comes back with the policy, as one more learner connection.
   */
  learn(port: number, first: QuorumPacket): void
  /** Closes both listeners and every connection. */
  close(): Promise<void>
}

/** Binds the stand-in's two ports and starts answering. */
export async function startZooKeeperMemberStandIn(options: StandInOptions): Promise<ZooKeeperMemberStandIn> {
  const events: MemberEvent[] = []
  const waiters = new Set<{ match: (event: MemberEvent) => boolean; resolve: (event: MemberEvent) => void }>()
  const sockets = new Set<Socket>()
  const record = (event: MemberEvent): void => {
    if (events.length >= eventsMax) return
    events.push(event)
    for (const waiter of [...waiters]) {
      if (waiter.match(event)) {
        waiters.delete(waiter)
        waiter.resolve(event)
      }
    }
  }
  const track = (socket: Socket, where: string): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', (error) => record({ type: 'error', where, message: error.message }))
  }
  const election = new ElectionSide(options, record, track)
  const electionServer = createServer((socket) => election.accept(socket))
  let learners = 0
  const quorumServer = createServer((socket) => exchangePackets(socket, ++learners, options.policy, record, track))
  await Promise.all([listen(electionServer, options.electionPort), listen(quorumServer, options.quorumPort)])
  return {
    events,
    waitFor<E extends MemberEvent>(match: (event: MemberEvent) => event is E, what: string, timeoutMs: number): Promise<E> {
      const seen = events.find(match)
      if (seen !== undefined) return Promise.resolve(seen)
      const waiter = { match, resolve: (_: MemberEvent): void => undefined }
      const found = new Promise<E>((resolve) => (waiter.resolve = resolve as (event: MemberEvent) => void))
      waiters.add(waiter)
      return withTimeout(found, timeoutMs, what).finally(() => waiters.delete(waiter))
    },
    notify: (to, notification) => election.notify(to, notification),
    learn(port, first) {
      const socket = connect({ host: '127.0.0.1', port })
      exchangePackets(socket, ++learners, options.policy, record, track)
      socket.on('connect', () => socket.write(encodeQuorumPacket(first)))
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await Promise.all([close(electionServer), close(quorumServer)])
    },
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()))
}

/**
 * The election port, as QuorumCnxManager runs it: an accepted connection brings an initial
 * message; a smaller sid's connection is closed and dialled back (to the address it announced),
 * and notifications flow on the connection the larger sid dialled.
 */
class ElectionSide {
  /** Open connections this stand-in dialled, by the sid at the other end. */
  private readonly dialled = new Map<bigint, Socket>()
  private readonly answers = new Map<bigint, number>()

  constructor(
    private readonly options: StandInOptions,
    private readonly record: (event: MemberEvent) => void,
    private readonly track: (socket: Socket, where: string) => void,
  ) {}

  accept(socket: Socket): void {
    this.track(socket, 'election accept')
    const stream = new ZkStreamBuffer(initialMessageHeaderBytes + zkInitialMessageAddressBytesMax)
    socket.on('data', (chunk: Buffer) => {
      const message = this.decode(socket, 'initial message', () => {
        stream.push(chunk)
        return stream.next(readInitialMessage)
      })
      if (message === undefined) return
      this.record({ type: 'initialMessage', message })
      socket.removeAllListeners('data')
      if (keepsConnection(this.options.sid, message.sid)) {
        this.readNotifications(socket, message.sid)
        return
      }
      socket.destroy()
      const address = message.addresses[0]
      if (address !== undefined && !this.dialled.has(message.sid)) this.dial(message.sid, address.host, address.port)
    })
  }

  private dial(sid: bigint, host: string, port: number): void {
    const socket = connect({ host, port })
    this.track(socket, `election dial to ${sid}`)
    this.dialled.set(sid, socket)
    socket.on('close', () => this.dialled.delete(sid))
    const me = encodeInitialMessage({
      protocolVersion: PROTOCOL_VERSION_V1,
      sid: this.options.sid,
      addresses: [{ host: '127.0.0.1', port: this.options.electionPort }],
    })
    socket.on('connect', () => socket.write(me))
    this.readNotifications(socket, sid)
  }

  /** Reads election frames from member `sid` on `socket`, answering each notification. */
  private readNotifications(socket: Socket, sid: bigint): void {
    const stream = new ZkStreamBuffer(4 + zkElectionFrameBytesMax)
    socket.on('data', (chunk: Buffer) => {
      stream.push(chunk)
      // Bounded: every frame read consumes at least 5 buffered bytes.
      for (;;) {
        const frame = this.decode(socket, 'election frame', () => stream.next(readElectionFrame))
        if (frame === undefined) return
        const notification = this.decode(socket, 'notification', () => decodeNotification(frame))
        if (notification === undefined) return
        this.record({ type: 'notification', from: sid, notification })
        this.answer(socket, sid, notification)
      }
    })
  }

  notify(to: bigint, notification: NotificationToSend): boolean {
    const socket = this.dialled.get(to)
    if (socket === undefined || socket.connecting) return false
    socket.write(encodeElectionFrame(encodeNotification(notification)))
    this.record({ type: 'sent', to, notification })
    return true
  }

  private answer(socket: Socket, sid: bigint, notification: ZkNotification): void {
    const reply = this.options.policy.answerNotification(sid, notification)
    const count = this.answers.get(sid) ?? 0
    if (reply === undefined || count >= answersPerMemberMax) return
    this.answers.set(sid, count + 1)
    socket.write(encodeElectionFrame(encodeNotification(reply)))
    this.record({ type: 'sent', to: sid, notification: reply })
  }

  /** Runs a decode step; on bad input records an error, closes the socket and returns undefined. */
  private decode<T>(socket: Socket, where: string, step: () => T | undefined): T | undefined {
    try {
      return step()
    } catch (error) {
      this.record({ type: 'error', where, message: (error as Error).message })
      socket.destroy()
      return undefined
    }
  }
}

/**
 * Reads the database a leader writes after SNAP (LearnerHandler.run: `serializeSnapshot`, then the
 * string "BenWasHere", which Learner.syncWithLeader checks).
 */
function readSnapStream(r: JuteReader): SerializedSnapshot {
  const snapshot = readSerializedSnapshot(r)
  const signature = r.readUString('signature')
  if (signature !== 'BenWasHere') throw new JuteDecodeError('invalid', `snapshot signature ${JSON.stringify(signature)}, not "BenWasHere"`)
  return snapshot
}

/**
 * A learner connection, accepted on the quorum port or dialled to a leader's: QuorumPackets in,
 * the policy's packets out; after a SNAP packet, the snapshot the leader writes straight onto the
 * stream, then packets again.
 */
function exchangePackets(
  socket: Socket,
  connection: number,
  policy: MemberPolicy,
  record: (event: MemberEvent) => void,
  track: (socket: Socket, where: string) => void,
): void {
  track(socket, `quorum connection ${connection}`)
  const stream = new ZkStreamBuffer(zkQuorumPacketBytesMax)
  let snapshotNext = false
  /** The next record of the stream: a packet, or the snapshot after SNAP; undefined until it is whole. */
  const next = (): boolean => {
    if (snapshotNext) {
      const snapshot = stream.next(readSnapStream, zkQuorumPacketBufferBytesMax)
      if (snapshot === undefined) return false
      snapshotNext = false
      stream.bytesMax = zkQuorumPacketBytesMax
      record({ type: 'snapshot', connection, snapshot })
      return true
    }
    const packet = stream.next(readQuorumPacket, zkQuorumPacketBufferBytesMax)
    if (packet === undefined) return false
    record({ type: 'quorumPacket', connection, packet })
    if (packet.type === QuorumPacketType.SNAP) {
      snapshotNext = true
      stream.bytesMax = snapshotStreamBytesMax
    }
    for (const reply of policy.answerQuorumPacket(connection, packet)) socket.write(encodeQuorumPacket(reply))
    return true
  }
  socket.on('data', (chunk: Buffer) => {
    stream.push(chunk)
    try {
      // Bounded: every record read consumes at least its 20-byte header.
      while (next());
    } catch (error) {
      record({ type: 'error', where: `quorum connection ${connection}`, message: (error as Error).message })
      socket.destroy()
    }
  })
}
