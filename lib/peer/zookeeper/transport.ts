/**
 * A {@link PeerTransport} on Apache ZooKeeper 3.8's own member-to-member protocol
 * (`peerProtocol=zookeeper`), so that a Paddock member takes a seat in a ZooKeeper ensemble. The
 * core (lib/zab) keeps its own vocabulary; this module carries it over ZooKeeper's wire:
 *
 * - Election port (QuorumCnxManager). Every connection starts with the dialler's initial message
 *   (protocol version V1, its sid and election address). Only the larger sid's dial is kept: a
 *   connection from a smaller sid is closed and that member dialled back, and a dial to a larger
 *   sid is closed by this member right after its initial message, which makes the other dial back
 *   (QuorumCnxManager.startConnection does the same). Notifications travel as election frames in
 *   3.8's layout, mapped by mapping.ts. The newest notification for a member not connected is kept
 *   and sent once it is (ZooKeeper's send queue of one).
 * - Quorum port, follower role. The core's FOLLOWERINFO of a new learner session dials the
 *   leader's quorum port; that one TCP connection carries the session (learner-link.ts maps its
 *   packets both ways). A dial that fails before connecting is tried again on the core's next
 *   FOLLOWERINFO (it repeats it every tick until LEADERINFO), up to {@link learnerDialTries}
 *   dials; after those, or once a connection breaks after connecting, the session ends
 *   (`disconnected`) and the core goes back to LOOKING, as ZooKeeper's Learner does.
 * - Quorum port, leader role (ZooKeeper's LearnerCnxAcceptor and LearnerHandler). With
 *   `leaderPayloads`, the member listens on its quorum port; a learner's connection must open with
 *   FOLLOWERINFO or OBSERVERINFO within {@link peerHelloTimeoutMs}, naming a member of the
 *   ensemble. The transport draws a fresh core session for each connection
 *   (learner-handler-link.ts maps its packets both ways); a newer connection of the same sid
 *   replaces the older one, and the close of the current one ends the session (`disconnected`).
 *   As only ZooKeeper's Leader listens on the quorum port, only a leading member takes learners
 *   ({@link ZkTransport.roleChanged}): a looking one holds a learner's first packet until it
 *   leads, and one that follows or observes closes the connection.
 * - TLS ({@link ZkPeerTransportOptions.tls}, ZooKeeper's `sslQuorum`): both ports and every dial
 *   speak mutual TLS as Apache's QuorumCnxManager, Learner and LearnerCnxAcceptor do, with the
 *   listeners, dials and certificate checks of Paddock's own transport (lib/peer/tls.ts): a peer
 *   whose certificate the quorum trust store does not verify is dropped in the handshake, and with
 *   hostname verification the sid of an initial message or a LearnerInfo is believed only from a
 *   certificate naming that member's host. With portUnification the ports take plain text too,
 *   and what a plain-text learner forwards is delivered untrusted while this member dials with TLS.
 * - Quorum SASL ({@link ZkPeerTransportOptions.sasl}), as quorum-auth.ts describes: after an
 *   election connection's initial message (before the choice of the dial kept), and before a
 *   learner's FOLLOWERINFO. Nothing of a connection reaches the handler before its exchange ended;
 *   what a learner let in without proof forwards is delivered untrusted.
 *
 * The error contract is lib/peer/transport.ts's: every socket event runs inside one boundary; a
 * peer's bytes that do not decode, or a message the handler refuses, close that connection and
 * are logged; a broken ZAB invariant also goes to the handler's `fatal`. Bounds: initial messages
 * (2 KiB of address, {@link peerHelloTimeoutMs} to arrive, {@link peerPendingConnectionsMax}
 * waiting), election frames (512 KiB), quorum packets ({@link zkQuorumPacketBytesMax}), the
 * database after SNAP ({@link zkSnapStreamBytesMax}), and bytes queued on any connection
 * ({@link peerQueuedBytesMax}).
 * @module
 */
import type { Server, Socket } from 'node:net'
import {
  peerConnectTimeoutMs, peerHelloTimeoutMs, peerPendingConnectionsMax, peerQueuedBytesMax, peerRedialMsMin, zkElectionFrameBytesMax,
  zkInitialMessageAddressBytesMax, zkQuorumPacketBufferBytesMax, zkQuorumPacketBytesMax, zkSnapStreamBytesMax,
} from '../../limits.js'
import type { Notification, ServerState, SessionMessage } from '../../zab/messages.js'
import { describeError } from '../../errors.js'
import { guarded, logSafely } from '../boundary.js'
import { certificateIdentityProblem, certificateVerified, dialPeer, dialsTls, PeerListeners, type PeerTlsOptions } from '../tls.js'
import { writeCoalesced } from '../coalesce.js'
import type { PeerSaslOptions } from '../sasl.js'
import type { PeerAddress, PeerChannel, PeerHandler, PeerTransport } from '../transport.js'
import { encodeInitialMessage, initialMessageHeaderBytes, keepsConnection, PROTOCOL_VERSION_V1, readInitialMessage } from './initial-message.js'
import { learnerInfoMessage, ZkLearnerHandlerLink } from './learner-handler-link.js'
import { ZkLearnerLink } from './learner-link.js'
import { numberOfLong, zabNotificationOf, zkNotificationOf } from './mapping.js'
import { decodeNotification, encodeElectionFrame, encodeNotification, readElectionFrame } from './notification.js'
import type { ZkLeaderPayloadCodec, ZkPayloadCodec } from './payloads.js'
import { learnQuorumAuth, serveQuorumAuth, type QuorumAuthDriver } from './quorum-auth.js'
import { decodeLearnerInfo, encodeQuorumPacket, QuorumPacketType, quorumPacketTypeName, readQuorumPacket, type QuorumPacket } from './quorum-packet.js'
import { ZkStreamBuffer } from './stream.js'

/** Options of {@link startZkPeerTransport}. */
export interface ZkPeerTransportOptions {
  /** This member's sid. */
  readonly myid: number
  /** Every member's address, this one's included. */
  readonly members: ReadonlyMap<number, PeerAddress>
  /** Receives notifications, session messages, disconnections and broken invariants. */
  readonly handler: PeerHandler
  /** Reads and writes the payloads above lib/peer (transactions, snapshots, forwarded requests). */
  readonly payloads: ZkPayloadCodec
  /**
   * The payloads a leader writes and reads. With it the member listens on its quorum port and
   * leads ZooKeeper learners when elected; without it, elected leader, it hears from no learner.
   */
  readonly leaderPayloads?: ZkLeaderPayloadCodec
  /**
   * This member's start-up configuration as ZooKeeper writes it (mapping.ts `zkConfigText`), sent
   * in notifications while the core has no configuration of a reconfig to send.
   */
  readonly startupConfigText: string
  /** The start-up configuration's version (LearnerInfo's configVersion until a newer one is seen). @defaultValue 0 */
  readonly startupConfigVersion?: number
  /** Where connection events are reported. */
  readonly log?: (line: string) => void
  /** Host to bind the election port on. @defaultValue this member's host */
  readonly bindHost?: string
  /**
   * Mutual TLS on both ports (ZooKeeper's `sslQuorum`, and with `portUnification` plain text
   * beside it), as lib/peer/tls.ts sets it up for both transports. @defaultValue plain TCP
   */
  readonly tls?: PeerTlsOptions
  /**
   * Quorum SASL (`quorum.auth.enableSasl`) on both ports, as ZooKeeper runs it (quorum-auth.ts);
   * without it the member neither asks for nor offers any.
   */
  readonly sasl?: PeerSaslOptions
}

/** The follower's one quorum connection, for one core learner session. */
interface LearnerConnection {
  readonly link: ZkLearnerLink
  readonly socket: Socket
  /** TCP connected: a break from now on ends the core's session. */
  connected: boolean
  /** When it was dialled (for the redial interval). */
  readonly dialledAt: number
  /** While a SNAP's database arrives: the buffered size at which to try reading it again. */
  snapshotRetryBytes: number
  /** While a SNAP's database arrives: the timer that tries again once the stream pauses. */
  snapshotSettle: NodeJS.Timeout | undefined
  /** Quorum SASL still runs: nothing of the session is written yet. */
  authenticating: boolean
  /** Dials of this session that closed before connecting, this one's predecessors included. */
  refusedDials: number
}

/** A learner's connection to this member as leader, for one core learner session. */
interface LearnerHandlerConnection {
  readonly link: ZkLearnerHandlerLink
  readonly socket: Socket
  /** Whether what it forwards is believed ({@link PeerHandler.message}): no quorum SASL asked, or it proved its member. */
  readonly trusted: boolean
  /** Its FOLLOWERINFO or OBSERVERINFO, while this member is still looking: delivered once it leads. */
  held: SessionMessage | undefined
}

/**
 * Dials of one learner session to its leader's quorum port that may close before connecting
 * (refused, say, as a member that does not lead closes its quorum port) before the learner looks
 * for a leader again (ZooKeeper: Learner.connectToLeader's five tries).
 */
const learnerDialTries = 5

/**
 * How long the quorum stream must pause before the database after SNAP is read again, in ms. A
 * database is read from its start on every try, so tries are spaced: when the buffered bytes
 * doubled, or when the stream paused (the leader sends the database, then NEWLEADER, and waits for
 * its ACK), which keeps the work linear in the database's size.
 */
const snapshotSettleMs = 20

/** A running ZooKeeper-protocol transport. */
export interface ZkPeerTransport extends PeerTransport {
  /** The ensemble's members changed: dial the new ones, drop the ones no longer named. */
  setMembers(members: ReadonlyMap<number, PeerAddress>): void
  /** Serves and dials new connections with `tls` from now on; open connections keep theirs. Nothing without TLS. */
  replaceTls(tls: PeerTlsOptions): void
  /** The core's role changed: only a leader takes learners on its quorum port (see the module's comment). It starts LOOKING. */
  roleChanged(role: ServerState): void
}

/** Binds this member's election port and starts dialling the others. */
export async function startZkPeerTransport(options: ZkPeerTransportOptions): Promise<ZkPeerTransport> {
  const transport = new ZkTransport(options)
  await transport.listen()
  transport.dialAll()
  return transport
}

class ZkTransport implements ZkPeerTransport {
  private members: Map<number, PeerAddress>
  /** The kept election connection of each member. */
  private readonly election = new Map<number, Socket>()
  /** Election dials in progress (kept ones, to smaller sids), by sid. */
  private readonly dialling = new Map<number, Socket>()
  /** Accepted connections still waiting for their initial message. */
  private readonly pending = new Set<Socket>()
  /** Every socket, for close(). */
  private readonly sockets = new Set<Socket>()
  /** The newest notification for each member, sent when its connection comes up. */
  private readonly parked = new Map<number, Uint8Array>()
  private learner: LearnerConnection | undefined
  /** The learners connected to this member as leader, by sid. */
  private readonly learners = new Map<number, LearnerHandlerConnection>()
  /** Accepted quorum connections still waiting for their FOLLOWERINFO or OBSERVERINFO. */
  private readonly quorumPending = new Set<Socket>()
  /** The last core session drawn for a learner's connection. */
  private lastLearnerSession = 0
  /** The core's role, as {@link ZkTransport.roleChanged} last said. */
  private role: ServerState = 'LOOKING'
  private quorumServer: Server | undefined
  private configVersion: number
  private server: Server | undefined
  private closed = false
  /** The TLS of new connections (replaced when the certificate files are reloaded). */
  private tls: PeerTlsOptions | undefined
  /** Both ports' listeners; they hold connections in their TLS handshake or, with portUnification, before their first byte. */
  private readonly listeners: PeerListeners
  /** The last reason a TLS dial failed, by sid and port, so that a dial failing again the same way is not logged again. */
  private readonly dialErrors = new Map<string, string>()

  constructor(private readonly options: ZkPeerTransportOptions) {
    if (options.tls?.dialTls === false && options.tls.portUnification !== true) throw new TypeError('tls.dialTls=false needs tls.portUnification: a member that dials in plain text must take plain text too')
    this.members = new Map(options.members)
    this.configVersion = options.startupConfigVersion ?? 0
    this.tls = options.tls
    this.listeners = new PeerListeners({
      tls: options.tls,
      timeoutMs: peerHelloTimeoutMs,
      overPending: () => {
        const waiting = this.listeners.waiting()
        return waiting < peerPendingConnectionsMax ? undefined : `${waiting} connections already wait for their TLS handshake or first byte (peerPendingConnectionsMax)`
      },
      closed: () => this.closed,
      guard: (socket, what, work) => this.guard(socket, what, work),
      log: (line) => this.log(line),
    })
  }

  private log(line: string): void {
    logSafely(this.options.log, `peer ${this.options.myid} (zookeeper): ${line}`)
  }


  /** The boundary of every socket event: an error closes `socket`, is logged, and a broken invariant goes on. */
  private guard(socket: Socket | undefined, what: string, work: () => void): void {
    guarded(socket, what, work, this.options.handler, () => void this.close(), (line) => this.log(line))
  }

  /** What quorum-auth.ts needs to run an exchange on `socket`, ending in `done`. */
  private authDriver(socket: Socket, what: string, first: Uint8Array | undefined, done: QuorumAuthDriver['done']): QuorumAuthDriver {
    return { what, first, done, guard: (work) => this.guard(socket, what, work), log: (line) => this.log(line) }
  }


  async listen(): Promise<void> {
    const me = this.members.get(this.options.myid)
    if (me === undefined) throw new Error(`myid ${this.options.myid} is not among the members`)
    const server = this.listeners.create('election', (socket) => this.accept(socket))
    server.on('error', (error) => this.log(`election port: ${describeError(error)}`))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(me.electionPort, this.options.bindHost ?? me.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.server = server
    if (this.options.leaderPayloads === undefined) return
    try {
      this.quorumServer = await this.listenQuorum(me.quorumPort)
    } catch (error) {
      await new Promise((resolve) => server.close(resolve))
      throw error
    }
  }

  private async listenQuorum(port: number): Promise<Server> {
    const me = this.members.get(this.options.myid)
    const server = this.listeners.create('learner', (socket) => this.acceptLearner(socket))
    server.on('error', (error) => this.log(`quorum port: ${describeError(error)}`))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, this.options.bindHost ?? me?.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    return server
  }

  /** Dials every other member's election port (each answers by keeping it or dialling back). */
  dialAll(): void {
    for (const sid of this.members.keys()) if (sid !== this.options.myid) this.dialElection(sid)
  }

  private track(socket: Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => {}) // 'close' follows; what happened is logged there when it matters.
  }

  /**
   * Dials `port` of member `sid` (plain or TLS as this member dials); `ready` runs once the
   * connection may carry the protocol, past the TLS handshake and its checks. Why a TLS dial
   * failed is logged (a certificate the other member refused, or one it presented that we refuse),
   * once until it fails differently or succeeds.
   */
  private dial(sid: number, address: PeerAddress, channel: PeerChannel, ready: (socket: Socket) => void): Socket {
    const port = channel === 'election' ? address.electionPort : address.quorumPort
    const dial = dialPeer(this.tls, address.host, port)
    const { socket } = dial
    this.track(socket)
    const key = `${sid}/${channel}`
    socket.on(dial.ready, () => {
      this.dialErrors.delete(key)
      ready(socket)
    })
    if (dial.ready === 'secureConnect') {
      socket.on('error', (error) => {
        const why = describeError(error)
        if (this.dialErrors.get(key) === why) return
        this.dialErrors.set(key, why)
        this.log(`TLS dial to member ${sid}'s ${channel} port at ${address.host}:${port} failed: ${why}`)
      })
    }
    return socket
  }

  /**
   * Throws (closing the connection, logged by the boundary) when the peer on an accepted
   * connection may not speak as `sid`: with hostname verification, its certificate must name that
   * member's host.
   */
  private checkIdentity(socket: Socket, sid: number): void {
    const problem = certificateIdentityProblem(this.tls, socket, sid, this.members.get(sid))
    if (problem !== undefined) throw new Error(`refused: claims to be member ${sid}, but ${problem}`)
  }

  /**
   * Whether what `socket` carries is believed: always when this member asks no peer for proof (it
   * does not dial with TLS), else only from a peer whose certificate the quorum trust store
   * verified (not a plain-text one on a port with portUnification).
   */
  private trusted(socket: Socket): boolean {
    return !dialsTls(this.tls) || certificateVerified(socket)
  }

  // ---- election port ----------------------------------------------------------------------

  private accept(socket: Socket): void {
    this.track(socket)
    if (this.closed || this.pending.size >= peerPendingConnectionsMax) return void socket.destroy()
    this.pending.add(socket)
    const timer = setTimeout(() => this.guard(socket, 'election connection', () => {
      throw new Error(`no initial message within ${peerHelloTimeoutMs} ms`)
    }), peerHelloTimeoutMs)
    socket.on('close', () => {
      clearTimeout(timer)
      this.pending.delete(socket)
    })
    const stream = new ZkStreamBuffer(initialMessageHeaderBytes + zkInitialMessageAddressBytesMax)
    const onData = (chunk: Buffer): void => this.guard(socket, 'election connection', () => {
      stream.push(chunk)
      const message = stream.next(readInitialMessage)
      if (message === undefined) return
      socket.off('data', onData)
      clearTimeout(timer)
      const sid = numberOfLong(message.sid, 'initial message sid')
      if (!this.members.has(sid) || sid === this.options.myid) throw new Error(`initial message from ${sid}, no other member of this ensemble`)
      this.checkIdentity(socket, sid)
      const rest = stream.buffered > 0 ? stream.next((r) => r.readBytes(r.remaining)) : undefined
      // Quorum SASL comes before the choice of the dial kept, as in QuorumCnxManager.handleConnection;
      // meanwhile the connection still counts as pending.
      serveQuorumAuth(this.options.sasl, socket, sid, this.authDriver(socket, `election connection of ${sid}`, rest, (_user, after) => {
        this.pending.delete(socket)
        if (!keepsConnection(BigInt(this.options.myid), message.sid)) {
          socket.destroy()
          return this.dialElection(sid)
        }
        this.keepElection(sid, socket, after)
      }))
    })
    socket.on('data', onData)
  }

  private dialElection(sid: number): void {
    if (this.closed || this.election.has(sid) || this.dialling.has(sid)) return
    const address = this.members.get(sid)
    const me = this.members.get(this.options.myid)
    if (address === undefined || me === undefined) return
    const hello = encodeInitialMessage({ protocolVersion: PROTOCOL_VERSION_V1, sid: BigInt(this.options.myid), addresses: [{ host: me.host, port: me.electionPort }] })
    if (sid > this.options.myid) {
      // We lose the challenge: the initial message (and quorum SASL, which the other member runs
      // before it looks at sids) makes the other member dial us back.
      const socket = this.dial(sid, address, 'election', () => this.guard(socket, `election dial to ${sid}`, () => {
        this.write(socket, hello)
        learnQuorumAuth(this.options.sasl, socket, this.authDriver(socket, `election dial to ${sid}`, undefined, () => socket.end()))
      }))
      socket.setTimeout(peerConnectTimeoutMs, () => socket.destroy())
      return
    }
    const socket = this.dial(sid, address, 'election', () => this.guard(socket, `election dial to ${sid}`, () => {
      socket.setTimeout(0)
      this.write(socket, hello)
      learnQuorumAuth(this.options.sasl, socket, this.authDriver(socket, `election dial to ${sid}`, undefined, (_user, rest) => {
        if (this.dialling.get(sid) === socket) this.dialling.delete(sid)
        this.keepElection(sid, socket, rest)
      }))
    }))
    socket.setTimeout(peerConnectTimeoutMs, () => socket.destroy())
    this.dialling.set(sid, socket)
    socket.on('close', () => {
      if (this.dialling.get(sid) === socket) this.dialling.delete(sid)
    })
  }

  /** `socket` is the election connection of `sid` from now on: notifications both ways. */
  private keepElection(sid: number, socket: Socket, first: Uint8Array | undefined): void {
    const previous = this.election.get(sid)
    if (previous !== undefined && previous !== socket) previous.destroy()
    this.election.set(sid, socket)
    socket.on('close', () => {
      if (this.election.get(sid) !== socket) return
      this.election.delete(sid)
      this.guard(undefined, `election connection of ${sid}`, () => this.options.handler.disconnected(sid, 'election'))
    })
    const stream = new ZkStreamBuffer(4 + zkElectionFrameBytesMax)
    const onData = (chunk: Uint8Array): void => this.guard(socket, `election connection of ${sid}`, () => {
      stream.push(chunk)
      // Bounded: each frame read takes at least 5 buffered bytes.
      for (let frame = stream.next(readElectionFrame); frame !== undefined; frame = stream.next(readElectionFrame)) {
        if (this.election.get(sid) !== socket) return
        const notification = zabNotificationOf(decodeNotification(frame))
        this.options.handler.message(sid, 'election', notification)
      }
    })
    socket.on('data', onData)
    const parked = this.parked.get(sid)
    if (parked !== undefined) {
      this.parked.delete(sid)
      this.write(socket, parked)
    }
    if (first !== undefined && first.length > 0) onData(first)
  }

  private sendNotification(to: number, message: Notification): void {
    if (message.config !== undefined && message.config.version > this.configVersion) this.configVersion = message.config.version
    const frame = encodeElectionFrame(encodeNotification(zkNotificationOf(message, this.options.startupConfigText)))
    const socket = this.election.get(to)
    if (socket === undefined) {
      if (this.members.has(to)) this.parked.set(to, frame)
      return this.dialElection(to)
    }
    this.write(socket, frame)
  }

  // ---- quorum port: the follower's connection ----------------------------------------------

  private sendSession(to: number, message: SessionMessage): void {
    const learner = this.learners.get(to)
    if (learner !== undefined && learner.link.session === message.session) {
      if (message.type === 'DIFF' || message.type === 'TRUNC' || message.type === 'SNAP') this.log(`learner ${to}: ${message.type} 0x${message.zxid.toString(16)}`)
      // A learner's queue may also hold the database after a SNAP, bounded by its own limit.
      for (const bytes of learner.link.outgoing(message)) this.write(learner.socket, bytes, peerQueuedBytesMax + zkSnapStreamBytesMax)
      return
    }
    const current = this.learner
    if (message.type === 'FOLLOWERINFO' || message.type === 'OBSERVERINFO') {
      if (current === undefined || current.link.session !== message.session || current.link.leader !== to) return this.dialLeader(to, message)
      // The same session: a dial that failed before connecting is tried again, not too often.
      if (current.socket.destroyed && !current.connected && Date.now() - current.dialledAt >= peerRedialMsMin) return this.dialLeader(to, message)
    }
    if (current === undefined || current.link.leader !== to || current.link.session !== message.session || current.socket.destroyed || current.authenticating) return
    for (const packet of current.link.outgoing(message)) this.write(current.socket, encodeQuorumPacket(packet))
  }

  private dialLeader(leader: number, info: SessionMessage): void {
    const previous = this.learner
    // A superseded connection ends silently: the core already left that session.
    this.learner = undefined
    previous?.socket.destroy()
    // So does a connection of the new leader as our learner, from a leadership of ours the core
    // left: its sessions are numbered apart from the core's and must not take the new one's messages.
    const stale = this.learners.get(leader)
    this.learners.delete(leader)
    stale?.socket.destroy()
    const address = this.members.get(leader)
    if (address === undefined || this.closed) return
    const link = new ZkLearnerLink({
      myid: this.options.myid, leader, session: info.session, payloads: this.options.payloads, configVersion: () => this.configVersion,
    })
    // The learner's first packets, written once the TLS handshake and quorum SASL (if any) are over.
    const first = link.outgoing(info).map(encodeQuorumPacket)
    const socket = this.dial(leader, address, 'quorum', () => this.guard(socket, `quorum connection to ${leader}`, () => {
      connection.connected = true
      socket.setTimeout(0)
      socket.setNoDelay(true)
      learnQuorumAuth(this.options.sasl, socket, this.authDriver(socket, `quorum connection to ${leader}`, undefined, (_user, rest) => {
        connection.authenticating = false
        socket.on('data', onData)
        for (const bytes of first) this.write(socket, bytes)
        if (rest !== undefined) onData(rest)
      }))
    }))
    const refusedDials = previous !== undefined && previous.link.leader === leader && previous.link.session === info.session && !previous.connected ? previous.refusedDials : 0
    const connection: LearnerConnection = { link, socket, connected: false, dialledAt: Date.now(), snapshotRetryBytes: 0, snapshotSettle: undefined, authenticating: true, refusedDials }
    this.learner = connection
    socket.setTimeout(peerConnectTimeoutMs, () => {
      if (!connection.connected) socket.destroy()
    })
    socket.on('close', () => {
      clearTimeout(connection.snapshotSettle)
      if (this.learner !== connection) return
      if (!connection.connected && ++connection.refusedDials < learnerDialTries) return
      this.learner = undefined
      this.log(connection.connected ? `quorum connection to leader ${leader} closed` : `${learnerDialTries} dials to leader ${leader}'s quorum port failed`)
      this.guard(undefined, `quorum connection to ${leader}`, () => this.options.handler.disconnected(leader, 'quorum'))
    })
    const stream = new ZkStreamBuffer(zkQuorumPacketBytesMax)
    const drain = (): void => {
      // Bounded: each record read takes at least a packet's 20 bytes.
      while (this.learner === connection && this.readLeader(connection, stream));
    }
    const onData = (chunk: Uint8Array): void => this.guard(socket, `quorum connection to ${leader}`, () => {
      stream.push(chunk)
      drain()
      if (link.snapshotPending === undefined || this.learner !== connection) return
      clearTimeout(connection.snapshotSettle)
      connection.snapshotSettle = setTimeout(() => this.guard(socket, `quorum connection to ${leader}`, () => {
        connection.snapshotRetryBytes = 0
        drain()
      }), snapshotSettleMs)
    })
  }

  /** Takes the next record from the leader's stream; false when it is not whole yet. */
  private readLeader(connection: LearnerConnection, stream: ZkStreamBuffer): boolean {
    const { link } = connection
    const snapZxid = link.snapshotPending
    if (snapZxid !== undefined) {
      stream.bytesMax = zkSnapStreamBytesMax
      if (stream.buffered >= zkSnapStreamBytesMax) throw new RangeError(`the database after SNAP is over ${zkSnapStreamBytesMax} bytes (zkSnapStreamBytesMax)`)
      if (stream.buffered < connection.snapshotRetryBytes) return false
      const snapshot = stream.next((r) => this.options.payloads.readSnapshot(r, snapZxid), zkQuorumPacketBufferBytesMax)
      if (snapshot === undefined) {
        connection.snapshotRetryBytes = 2 * stream.buffered
        return false
      }
      clearTimeout(connection.snapshotSettle)
      connection.snapshotRetryBytes = 0
      stream.bytesMax = zkQuorumPacketBytesMax
      this.options.handler.message(link.leader, 'quorum', link.snapshotArrived(snapshot))
      return true
    }
    const packet = stream.next(readQuorumPacket, zkQuorumPacketBufferBytesMax)
    if (packet === undefined) return false
    // How the leader syncs us, as the leader's side logs it for its learners.
    if (packet.type === QuorumPacketType.DIFF || packet.type === QuorumPacketType.TRUNC || packet.type === QuorumPacketType.SNAP) {
      this.log(`leader ${link.leader}: ${quorumPacketTypeName(packet.type)} 0x${packet.zxid.toString(16)}`)
    }
    const message = link.incoming(packet)
    if (message !== undefined) this.options.handler.message(link.leader, 'quorum', message)
    return true
  }

  // ---- quorum port: learners of this member as leader ----------------------------------------

  private acceptLearner(socket: Socket): void {
    this.track(socket)
    const payloads = this.options.leaderPayloads
    if (this.closed || payloads === undefined || this.quorumPending.size >= peerPendingConnectionsMax) return void socket.destroy()
    this.quorumPending.add(socket)
    const timer = setTimeout(() => this.guard(socket, 'learner connection', () => {
      throw new Error(`no FOLLOWERINFO or OBSERVERINFO within ${peerHelloTimeoutMs} ms`)
    }), peerHelloTimeoutMs)
    socket.on('close', () => {
      clearTimeout(timer)
      this.quorumPending.delete(socket)
    })
    socket.setNoDelay(true)
    const stream = new ZkStreamBuffer(zkQuorumPacketBytesMax)
    let connection: LearnerHandlerConnection | undefined
    const onData = (chunk: Uint8Array, user: string | undefined): void => this.guard(socket, `learner connection${connection === undefined ? '' : ` of ${connection.link.sid}`}`, () => {
      stream.push(chunk)
      // Bounded: each packet read takes at least 20 buffered bytes.
      for (let p = stream.next(readQuorumPacket, zkQuorumPacketBufferBytesMax); p !== undefined && !socket.destroyed; p = stream.next(readQuorumPacket, zkQuorumPacketBufferBytesMax)) {
        if (connection === undefined) {
          clearTimeout(timer)
          this.quorumPending.delete(socket)
          connection = this.openLearner(socket, p, payloads, user)
        } else this.fromLearner(connection, p)
      }
    })
    // The LearnerHandler authenticates the learner before it reads its first packet.
    serveQuorumAuth(this.options.sasl, socket, undefined, this.authDriver(socket, 'learner connection', undefined, (user, rest) => {
      socket.on('data', (chunk: Uint8Array) => onData(chunk, user))
      if (rest !== undefined) onData(rest, user)
    }))
  }

  /**
   * Whether what learner `sid` forwards is believed: its peer proved it is that member with quorum
   * SASL (the `user` its connection proved, undefined for none) or with a certificate the quorum
   * trust store verified; always when this member asks for neither proof. Throws (closing the
   * connection) for a SASL user that may not speak as `sid`, or none, with serverRequireSasl.
   */
  private learnerTrusted(socket: Socket, sid: number, user: string | undefined): boolean {
    const sasl = this.options.sasl
    if (sasl === undefined) return this.trusted(socket)
    const problem = user === undefined ? 'not authenticated' : sasl.identityProblem(sid, user)
    if (problem === undefined) return true
    if (sasl.serverRequireSasl) throw new Error(`learner ${sid}: ${problem}, and quorum.auth.serverRequireSasl is true`)
    if (dialsTls(this.tls) && certificateVerified(socket)) return true
    this.log(`learner ${sid}: ${problem}: the writes it forwards run without their clients' identities`)
    return false
  }

  /** The first packet of a learner's connection: a new core session for its sid. */
  private openLearner(socket: Socket, first: QuorumPacket, payloads: ZkLeaderPayloadCodec, user: string | undefined): LearnerHandlerConnection {
    const info = decodeLearnerInfo(first.data ?? new Uint8Array(0))
    const sid = numberOfLong(info.serverid, 'LearnerInfo serverid')
    if (!this.members.has(sid) || sid === this.options.myid) throw new Error(`a learner with sid ${sid}, no other member of this ensemble`)
    this.checkIdentity(socket, sid)
    const trusted = this.learnerTrusted(socket, sid, user)
    const message = learnerInfoMessage(first, ++this.lastLearnerSession)
    if (this.role !== 'LEADING' && this.role !== 'LOOKING') throw new Error(`learner ${sid}: this member is ${this.role.toLowerCase()}, it does not lead`)
    const link = new ZkLearnerHandlerLink({ sid, session: message.session, observer: message.type === 'OBSERVERINFO', payloads })
    const connection: LearnerHandlerConnection = { link, socket, trusted, held: this.role === 'LEADING' ? undefined : message }
    const previous = this.learners.get(sid)
    this.learners.set(sid, connection)
    previous?.socket.destroy()
    socket.on('close', () => {
      if (this.learners.get(sid) !== connection) return
      this.learners.delete(sid)
      this.log(`learner ${sid}'s quorum connection closed`)
      this.guard(undefined, `learner connection of ${sid}`, () => this.options.handler.disconnected(sid, 'quorum'))
    })
    this.log(`learner ${sid} connected (${message.type}, session ${message.session})${connection.held === undefined ? '' : ', held until this member leads'}`)
    if (connection.held === undefined) this.options.handler.message(sid, 'quorum', message, trusted)
    return connection
  }

  private fromLearner(connection: LearnerHandlerConnection, p: QuorumPacket): void {
    const { link, socket } = connection
    if (connection.held !== undefined) throw new Error(`learner ${link.sid} sent ${quorumPacketTypeName(p.type)} before LEADERINFO`)
    const result = link.incoming(p)
    for (const reply of result.replies) this.write(socket, reply)
    for (const message of result.messages) {
      if (this.learners.get(link.sid) !== connection) return
      this.options.handler.message(link.sid, 'quorum', message, connection.trusted)
    }
  }

  // ---- both --------------------------------------------------------------------------------

  /** Writes `bytes`; a connection whose queue would pass `queuedBytesMax` ({@link peerQueuedBytesMax}) is dropped as stuck. */
  private write(socket: Socket, bytes: Uint8Array, queuedBytesMax = peerQueuedBytesMax): void {
    if (socket.destroyed) return
    if (socket.writableLength + bytes.length > queuedBytesMax) {
      this.log(`dropping a connection with ${socket.writableLength} bytes queued (peerQueuedBytesMax)`)
      socket.destroy()
      return
    }
    writeCoalesced(socket, bytes)
  }

  send(to: number, channel: PeerChannel, message: unknown): void {
    if (this.closed || to === this.options.myid) return
    this.guard(undefined, `sending to ${to}`, () => {
      const typed = message as Notification | SessionMessage
      if (channel === 'election') {
        if (typed.type !== 'NOTIFICATION') throw new TypeError(`${typed.type} on the election channel`)
        return this.sendNotification(to, typed)
      }
      if (typed.type === 'NOTIFICATION') throw new TypeError('NOTIFICATION on the quorum channel')
      this.sendSession(to, typed)
    })
  }

  connected(peer: number, channel: PeerChannel): boolean {
    if (channel === 'election') return this.election.has(peer)
    const handled = this.learners.get(peer)
    if (handled !== undefined && !handled.socket.destroyed) return true
    const learner = this.learner
    return learner !== undefined && learner.link.leader === peer && learner.connected && !learner.socket.destroyed
  }

  setMembers(members: ReadonlyMap<number, PeerAddress>): void {
    this.members = new Map(members)
    for (const [sid, socket] of this.election) if (!this.members.has(sid)) socket.destroy()
    for (const sid of [...this.parked.keys()]) if (!this.members.has(sid)) this.parked.delete(sid)
    if (this.learner !== undefined && !this.members.has(this.learner.link.leader)) this.learner.socket.destroy()
    for (const [sid, connection] of this.learners) if (!this.members.has(sid)) connection.socket.destroy()
    this.dialAll()
  }

  /**
   * Only a leader takes learners, as only ZooKeeper's Leader listens on the quorum port: while
   * this member looks, a learner's FOLLOWERINFO waits (it may be about to lead); once it leads, the
   * waiting ones reach the core; once it follows or observes, they are closed, and so are all of
   * its learners' connections when it stops leading (ZooKeeper: Leader.shutdown), so that those
   * learners look for a leader again instead of waiting for initLimit. The core, which left that
   * leadership or never took those learners, hears nothing of these closes.
   */
  roleChanged(role: ServerState): void {
    const was = this.role
    this.role = role
    if (this.closed || role === was) return
    for (const [sid, connection] of [...this.learners]) {
      if (connection.held !== undefined && role === 'LEADING') this.deliverHeld(sid, connection)
      else if (was === 'LEADING' || role !== 'LOOKING') {
        this.log(`closing learner ${sid}'s quorum connection: this member is ${role.toLowerCase()}`)
        this.learners.delete(sid)
        connection.socket.destroy()
      }
    }
  }

  /** A held FOLLOWERINFO or OBSERVERINFO reaches the core on its own turn, not inside the role change that let it. */
  private deliverHeld(sid: number, connection: LearnerHandlerConnection): void {
    setImmediate(() => this.guard(connection.socket, `learner connection of ${sid}`, () => {
      const message = connection.held
      if (message === undefined || this.closed || this.role !== 'LEADING' || this.learners.get(sid) !== connection) return
      connection.held = undefined
      this.options.handler.message(sid, 'quorum', message, connection.trusted)
    }))
  }

  replaceTls(tls: PeerTlsOptions): void {
    if (this.tls === undefined) return
    this.tls = tls
    this.listeners.replaceTls(tls)
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.closed = true
    this.listeners.destroyWaiting()
    this.learner = undefined
    this.learners.clear()
    this.election.clear()
    for (const socket of this.sockets) socket.destroy()
    const servers = [this.server, this.quorumServer].filter((server) => server !== undefined)
    return Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined)
  }
}
