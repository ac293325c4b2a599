/**
 * Quorum SASL on ZooKeeper's own member-to-member protocol (`peerProtocol=zookeeper` with
 * `quorum.auth.enableSasl`), as 3.8's SaslQuorumAuthServer and SaslQuorumAuthLearner run it:
 *
 * ```
 * class QuorumAuthPacket { long magic; int status; buffer token; }
 * ```
 *
 * - Where. On the election port right after the initial message (QuorumCnxManager: the dialler
 *   authenticates as learner in startConnection, the acceptor as server in handleConnection, both
 *   before either decides which dial is kept); on the quorum port first of all (Learner
 *   connectToLeader before FOLLOWERINFO or OBSERVERINFO, the LearnerHandler before it reads one).
 * - The learner tries only with `quorum.auth.learnerRequireSasl`; without it it sends nothing, so it
 *   stays compatible with members that do no quorum SASL. It opens with IN_PROGRESS and
 *   DIGEST-MD5's empty initial response, answers each IN_PROGRESS challenge, and ends on SUCCESS
 *   (whose token, DIGEST-MD5's rspauth, must prove the server knows the password) or ERROR.
 * - The server looks at the first long of the stream: without {@link QUORUM_AUTH_MAGIC_NUMBER} the
 *   learner is not trying, which `quorum.auth.serverRequireSasl` refuses and otherwise lets through
 *   with those bytes left for what follows. Else it answers each token with IN_PROGRESS and a
 *   challenge until SUCCESS, or ERROR (empty token) when the mechanism fails; a failure closes the
 *   connection with serverRequireSasl and keeps it unauthenticated without (as ZooKeeper, whose
 *   learner then closes it itself on the ERROR).
 * - DIGEST-MD5 under ZooKeeper's quorum names (protocol `zookeeper-quorum`, server name and realm
 *   `zk-quorum-sasl-md5`): the host's {@link PeerSaslOptions} mechanisms, shared with lib/peer/tcp.ts,
 *   and Paddock's identity rule (a `server<N>` user speaks only as member N) where the claimed sid
 *   is known: the initial message's on the election port, the LearnerInfo's on the quorum port
 *   (checked by the transport).
 *
 * Bounds: a token of {@link zkQuorumAuthTokenBytesMax}, {@link peerSaslRoundsMax} challenges each
 * way, {@link peerSaslTimeoutMs} for the whole exchange. Bytes that cannot be a QuorumAuthPacket
 * (another magic mid-exchange, a longer token) throw {@link JuteDecodeError}: the transport closes
 * that connection. {@link QuorumAuthServer} and {@link QuorumAuthLearner} are pure (bytes in,
 * bytes and an outcome out); {@link driveQuorumAuth} runs one on a socket.
 * @module
 */
import type { Socket } from 'node:net'
import { peerSaslRoundsMax, peerSaslTimeoutMs, zkQuorumAuthTokenBytesMax } from '../../limits.js'
import { JuteDecodeError, JuteWriter, type JuteReader } from '../../wire/jute.js'
import { describeError } from '../../errors.js'
import type { PeerSaslLearnerExchange, PeerSaslOptions, PeerSaslServerExchange } from '../sasl.js'
import { ZkStreamBuffer } from './stream.js'

/**
 * The first long of every QuorumAuthPacket (QuorumAuth `QUORUM_AUTH_MAGIC_NUMBER`, written in Java
 * as `-0xa0dbcafecafe1234L`, which is this positive value).
 */
export const QUORUM_AUTH_MAGIC_NUMBER = 0x5f24_3501_3501_edccn

/** QuorumAuth.Status: what a packet says about the exchange. */
export const QuorumAuthStatus = {
  /** A token of the exchange, more to come (every learner packet says this). */
  IN_PROGRESS: 0,
  /** The server authenticated the learner; the token is its last (DIGEST-MD5's rspauth). */
  SUCCESS: 1,
  /** The server refused the learner. */
  ERROR: -1,
} as const

/** One of {@link QuorumAuthStatus}. */
export type QuorumAuthStatusCode = (typeof QuorumAuthStatus)[keyof typeof QuorumAuthStatus]

/** A decoded QuorumAuthPacket (its magic checked and dropped). */
export interface QuorumAuthPacket {
  /** What the packet says; any int, as read: the sides decide what an unknown one means. */
  readonly status: number
  /** The mechanism's token; a null buffer reads as empty. */
  readonly token: Uint8Array
}

/** Bytes of a QuorumAuthPacket before its token: the magic, the status and the token's length. */
const quorumAuthPacketHeaderBytes = 16

/** Encodes a QuorumAuthPacket with {@link QUORUM_AUTH_MAGIC_NUMBER}. */
export function encodeQuorumAuthPacket(status: QuorumAuthStatusCode, token: Uint8Array = new Uint8Array(0)): Uint8Array {
  const w = new JuteWriter({ slabBytes: quorumAuthPacketHeaderBytes + token.length })
  w.writeLong(QUORUM_AUTH_MAGIC_NUMBER).writeInt(status).writeBuffer(token)
  return Uint8Array.from(w.finish())
}

/**
 * Reads a QuorumAuthPacket from the front of a stream (for {@link ZkStreamBuffer.next}, with
 * {@link zkQuorumAuthTokenBytesMax} as its buffer bound). Throws {@link JuteDecodeError} `invalid`
 * for another magic.
 */
export function readQuorumAuthPacket(r: JuteReader): QuorumAuthPacket {
  const magic = r.readLong('QuorumAuthPacket.magic')
  if (magic !== QUORUM_AUTH_MAGIC_NUMBER) throw new JuteDecodeError('invalid', `QuorumAuthPacket magic 0x${BigInt.asUintN(64, magic).toString(16)}, not 0x${QUORUM_AUTH_MAGIC_NUMBER.toString(16)}`)
  const status = r.readInt('QuorumAuthPacket.status')
  return { status, token: r.readBuffer('QuorumAuthPacket.token') }
}

/** Whether a stream's first 8 bytes are {@link QUORUM_AUTH_MAGIC_NUMBER} (QuorumAuth.nextPacketIsAuth). */
export function startsWithQuorumAuth(head: Uint8Array): boolean {
  if (head.length < 8) throw new TypeError(`startsWithQuorumAuth: ${head.length} bytes, 8 needed`)
  return new DataView(head.buffer, head.byteOffset, 8).getBigInt64(0) === QUORUM_AUTH_MAGIC_NUMBER
}

/** How an exchange ended. */
export type QuorumAuthOutcome =
  /** The learner proved a password; on the server side `user` is whose. */
  | { readonly kind: 'authenticated'; readonly user: string | undefined }
  /** The server lets the learner on without proof (serverRequireSasl is false); `reason` is why it has none. */
  | { readonly kind: 'unauthenticated'; readonly reason: string }
  /** The connection is to be closed, for `reason`. */
  | { readonly kind: 'refused'; readonly reason: string }

/** What one input to a side produced. */
export interface QuorumAuthStep {
  /** Packets to write to the peer, in order (before closing, when the outcome is `refused`). */
  readonly send: readonly Uint8Array[]
  /** Set once the exchange is over. */
  readonly outcome?: QuorumAuthOutcome
  /** With the outcome: the bytes that followed the exchange on the stream, for what reads it next. */
  readonly rest?: Uint8Array
}

/** One side of an exchange: {@link QuorumAuthServer} or {@link QuorumAuthLearner}. */
export interface QuorumAuthSide {
  /** What the side writes first (the learner's opening packet; nothing for the server). */
  start(): QuorumAuthStep
  /** The next bytes from the peer; throws {@link JuteDecodeError} for bytes that are no QuorumAuthPacket. */
  receive(chunk: Uint8Array): QuorumAuthStep
}

/** The bytes and the exchange both sides keep, and the end that hands over what follows. */
abstract class SideBase {
  protected readonly stream = new ZkStreamBuffer(quorumAuthPacketHeaderBytes + zkQuorumAuthTokenBytesMax)
  protected rounds = 0
  #over = false

  /** The next whole packet, or undefined until it has arrived. */
  protected nextPacket(): QuorumAuthPacket | undefined {
    return this.stream.next(readQuorumAuthPacket, zkQuorumAuthTokenBytesMax)
  }

  protected push(chunk: Uint8Array): void {
    if (this.#over) throw new TypeError('a quorum SASL side received bytes after its exchange ended')
    this.stream.push(chunk)
  }

  protected end(send: readonly Uint8Array[], outcome: QuorumAuthOutcome): QuorumAuthStep {
    this.#over = true
    const rest = this.stream.buffered > 0 ? this.stream.next((r) => r.readBytes(r.remaining)) : undefined
    return { send, outcome, ...(rest === undefined ? {} : { rest }) }
  }
}

/** The server side (SaslQuorumAuthServer) of one connection. */
export class QuorumAuthServer extends SideBase implements QuorumAuthSide {
  #exchange: PeerSaslServerExchange | undefined

  /**
   * @param claimedSid - The member the learner says it is, when known before the exchange (the
   * initial message's sid): its user must be allowed to speak as it.
   */
  constructor(private readonly sasl: PeerSaslOptions, private readonly claimedSid?: number) {
    super()
  }

  start(): QuorumAuthStep {
    return { send: [] }
  }

  receive(chunk: Uint8Array): QuorumAuthStep {
    this.push(chunk)
    if (this.#exchange === undefined) {
      const head = this.stream.peek(8)
      if (head === undefined) return { send: [] }
      if (!startsWithQuorumAuth(head)) return this.end([], this.#failed('the learner did not try to authenticate'))
      this.#exchange = this.sasl.server()
    }
    const send: Uint8Array[] = []
    // Bounded by the bytes buffered, and by peerSaslRoundsMax: each packet is a round or the end.
    for (let p = this.nextPacket(); p !== undefined; p = this.nextPacket()) {
      const answer = this.#answer(this.#exchange, p)
      send.push(answer.packet)
      if (answer.outcome !== undefined) return this.end(send, answer.outcome)
    }
    return { send }
  }

  #answer(exchange: PeerSaslServerExchange, p: QuorumAuthPacket): { packet: Uint8Array; outcome?: QuorumAuthOutcome } {
    const refuse = (why: string) => ({ packet: encodeQuorumAuthPacket(QuorumAuthStatus.ERROR), outcome: this.#failed(why) })
    if (p.status !== QuorumAuthStatus.IN_PROGRESS) return refuse(`the learner sent status ${p.status} during the exchange`)
    let challenge: Uint8Array
    try {
      challenge = exchange.evaluate(p.token)
    } catch (error) {
      return refuse(`SASL authentication failed: ${describeError(error)}`)
    }
    const user = exchange.user
    if (user !== undefined) {
      const problem = this.claimedSid === undefined ? undefined : this.sasl.identityProblem(this.claimedSid, user)
      if (problem !== undefined) return refuse(problem)
      return { packet: encodeQuorumAuthPacket(QuorumAuthStatus.SUCCESS, challenge), outcome: { kind: 'authenticated', user } }
    }
    if (++this.rounds > peerSaslRoundsMax) return refuse(`no result after ${peerSaslRoundsMax} challenges (peerSaslRoundsMax)`)
    return { packet: encodeQuorumAuthPacket(QuorumAuthStatus.IN_PROGRESS, challenge) }
  }

  #failed(why: string): QuorumAuthOutcome {
    return this.sasl.serverRequireSasl
      ? { kind: 'refused', reason: `${why}, and quorum.auth.serverRequireSasl is true` }
      : { kind: 'unauthenticated', reason: `${why}; kept unauthenticated (quorum.auth.serverRequireSasl is false)` }
  }
}

/**
 * The learner side (SaslQuorumAuthLearner) of one connection, run only with
 * `quorum.auth.learnerRequireSasl`: every way but SUCCESS with a valid proof ends `refused`.
 */
export class QuorumAuthLearner extends SideBase implements QuorumAuthSide {
  readonly #exchange: PeerSaslLearnerExchange

  constructor(sasl: PeerSaslOptions) {
    super()
    this.#exchange = sasl.learner()
  }

  start(): QuorumAuthStep {
    // DIGEST-MD5 has no initial response: the server's first challenge answers an empty token.
    return { send: [encodeQuorumAuthPacket(QuorumAuthStatus.IN_PROGRESS)] }
  }

  receive(chunk: Uint8Array): QuorumAuthStep {
    this.push(chunk)
    const send: Uint8Array[] = []
    // Bounded by the bytes buffered, and by peerSaslRoundsMax: each packet is a round or the end.
    for (let p = this.nextPacket(); p !== undefined; p = this.nextPacket()) {
      const answer = this.#answer(p)
      if (answer instanceof Uint8Array) send.push(answer)
      else return this.end(send, answer)
    }
    return { send }
  }

  /** The packet answering a challenge, or how the exchange ended. */
  #answer(p: QuorumAuthPacket): Uint8Array | QuorumAuthOutcome {
    const refused = (reason: string): QuorumAuthOutcome => ({ kind: 'refused', reason: `${reason} (quorum.auth.learnerRequireSasl is true)` })
    switch (p.status) {
      case QuorumAuthStatus.SUCCESS:
        try {
          if (this.#exchange.respond(p.token) !== undefined || !this.#exchange.complete) return refused('SASL success without the proof that the server knows our password')
        } catch (error) {
          return refused(`the server's SASL success does not prove it knows our password: ${describeError(error)}`)
        }
        return { kind: 'authenticated', user: undefined }
      case QuorumAuthStatus.IN_PROGRESS: {
        if (++this.rounds > peerSaslRoundsMax) return refused(`no result after ${peerSaslRoundsMax} challenges (peerSaslRoundsMax)`)
        let response: Uint8Array | undefined
        try {
          response = this.#exchange.respond(p.token)
        } catch (error) {
          return refused(`the server's SASL challenge cannot be answered: ${describeError(error)}`)
        }
        if (response === undefined) return refused('a SASL challenge after the exchange was complete')
        return encodeQuorumAuthPacket(QuorumAuthStatus.IN_PROGRESS, response)
      }
      case QuorumAuthStatus.ERROR:
        return refused('the server refused our SASL authentication (status ERROR)')
      default:
        return refused(`the server sent status ${p.status} during the exchange`)
    }
  }
}

/** How {@link driveQuorumAuth} reports to the transport. */
export interface QuorumAuthDriver {
  /** What the connection is, for the log (`election connection of 2`, say). */
  readonly what: string
  /** Bytes of the stream that arrived before the exchange (after the initial message). */
  readonly first?: Uint8Array | undefined
  /** The transport's boundary for this socket: runs `work`; what it throws closes the socket and is logged. */
  readonly guard: (work: () => void) => void
  /** Where the exchange's end is reported. */
  readonly log: (line: string) => void
  /**
   * Called once the exchange ended with the connection kept (inside `guard`): whose user it
   * proved (undefined when unauthenticated, or on the learner side), and the bytes that followed.
   */
  readonly done: (user: string | undefined, rest: Uint8Array | undefined) => void
  /** The deadline of the whole exchange, ms. @defaultValue {@link peerSaslTimeoutMs} */
  readonly timeoutMs?: number
}

/**
 * Runs `side` on `socket`: takes its `data` until the exchange ends, writes what the side says,
 * closes the socket on `refused` or when {@link QuorumAuthDriver.timeoutMs} passes, and otherwise
 * hands the connection on ({@link QuorumAuthDriver.done}). The caller attaches its own reader in
 * `done`, not before.
 */
export function driveQuorumAuth(socket: Socket, side: QuorumAuthSide, driver: QuorumAuthDriver): void {
  const timeoutMs = driver.timeoutMs ?? peerSaslTimeoutMs
  let over = false
  const timer = setTimeout(() => guard(() => {
    throw new Error(`no end of the quorum SASL exchange within ${timeoutMs} ms (peerSaslTimeoutMs)`)
  }), timeoutMs)
  const settle = (): void => {
    over = true
    clearTimeout(timer)
    socket.off('data', onData)
  }
  // What throws ends the exchange here; the transport's guard then closes the socket and logs why.
  const guard = (work: () => void): void => driver.guard(() => {
    try {
      work()
    } catch (error) {
      settle()
      throw error
    }
  })
  const apply = (step: QuorumAuthStep): void => {
    for (const bytes of step.send) if (!socket.destroyed) socket.write(bytes)
    const { outcome } = step
    if (outcome === undefined) return
    settle()
    if (outcome.kind === 'refused') {
      // Closed once the packets written (the ERROR) are flushed, whatever the peer does.
      socket.end(() => socket.destroy())
      return driver.log(`${driver.what}: ${outcome.reason}; connection closed`)
    }
    driver.log(`${driver.what}: ${outcome.kind === 'unauthenticated' ? outcome.reason : `authenticated with quorum SASL${outcome.user === undefined ? '' : ` as ${outcome.user}`}`}`)
    driver.done(outcome.kind === 'authenticated' ? outcome.user : undefined, step.rest)
  }
  const onData = (chunk: Uint8Array): void => guard(() => apply(side.receive(chunk)))
  socket.on('data', onData)
  socket.once('close', () => {
    if (!over) driver.log(`${driver.what}: closed by the peer during the quorum SASL exchange`)
    settle()
  })
  guard(() => {
    apply(side.start())
    if (driver.first !== undefined && driver.first.length > 0) apply(side.receive(driver.first))
  })
}

/**
 * Runs the server side on an accepted connection when this member does quorum SASL (`sasl`), then
 * `driver.done`; without `sasl`, calls `done` at once with the bytes as they are.
 */
export function serveQuorumAuth(sasl: PeerSaslOptions | undefined, socket: Socket, claimedSid: number | undefined, driver: QuorumAuthDriver): void {
  if (sasl === undefined) return driver.done(undefined, driver.first)
  driveQuorumAuth(socket, new QuorumAuthServer(sasl, claimedSid), driver)
}

/**
 * Runs the learner side on a dialled connection when `quorum.auth.learnerRequireSasl` (as ZooKeeper,
 * a learner that does not require SASL does not try it), then `driver.done`; otherwise calls
 * `done` at once.
 */
export function learnQuorumAuth(sasl: PeerSaslOptions | undefined, socket: Socket, driver: QuorumAuthDriver): void {
  if (sasl?.learnerRequireSasl !== true) return driver.done(undefined, driver.first)
  driveQuorumAuth(socket, new QuorumAuthLearner(sasl), driver)
}
