/**
 * Quorum SASL between members (ZooKeeper's `quorum.auth.*`): what both transports need from a
 * SASL mechanism, and the frames of the TCP transport's exchange (`peerProtocol=zookeeper` speaks
 * ZooKeeper's own, lib/peer/zookeeper/quorum-auth.ts). The mechanism itself (DIGEST-MD5) and the
 * JAAS users live with the host, which hands the transport these callbacks; the transport only
 * carries tokens and decides what a connection that did not authenticate may do.
 *
 * The TCP transport's exchange, on each new connection, after TLS (if any) and the hello:
 * 1. The dialling member (ZooKeeper's learner side) marks its hello `sasl: true`, then sends
 *    nothing until the accepting member answers.
 * 2. The accepting member (ZooKeeper's server side) answers `none` when it does not do quorum
 *    SASL, else `challenge` with its first token.
 * 3. The dialler answers each `challenge` with a `response`; the acceptor ends with `success`
 *    (with its last token: DIGEST-MD5's rspauth, proof that it knows the password too) or
 *    `failure` (with the reason).
 * Frames are bounded by `peerSaslFrameBytesMax`, the exchange by `peerSaslTimeoutMs` and
 * `peerSaslRoundsMax` (lib/limits.ts). Nothing from a connection reaches the handler before its exchange
 * ended; one that had to authenticate and did not is closed without a frame of it delivered.
 * @module
 */

/** The tag of every frame of the exchange. */
export const peerSaslTag = 'paddock-peer-sasl/1'

/** What one frame of the exchange says. */
export type PeerSaslStatus = 'none' | 'challenge' | 'response' | 'success' | 'failure'

/** One frame of the exchange. */
export interface PeerSaslFrame {
  tag: typeof peerSaslTag
  status: PeerSaslStatus
  /** The mechanism's token (challenge, response, and the final one of success). */
  token?: Uint8Array
  /** Why the exchange failed (failure only), for the dialler's log. */
  reason?: string
}

/** The accepting side of one exchange (ZooKeeper's QuorumServer login). */
export interface PeerSaslServerExchange {
  /** The next challenge for the dialler's token (the first token is empty); throws when authentication fails. */
  evaluate(token: Uint8Array): Uint8Array
  /** The authenticated user once the exchange succeeded, else undefined. */
  readonly user: string | undefined
}

/** The dialling side of one exchange (ZooKeeper's QuorumLearner login). */
export interface PeerSaslLearnerExchange {
  /**
   * The answer to the acceptor's token: the next response, or undefined once the acceptor's final
   * token proved it (then {@link PeerSaslLearnerExchange.complete}). Throws when the acceptor's
   * token is malformed or proves nothing.
   */
  respond(token: Uint8Array): Uint8Array | undefined
  /** Whether the acceptor's final token was checked. */
  readonly complete: boolean
}

/**
 * Quorum SASL, as ZooKeeper's three switches set it (with `quorum.auth.enableSasl=true`; without
 * it the transport is given no {@link PeerSaslOptions} and does no SASL at all).
 */
export interface PeerSaslOptions {
  /**
   * Close an accepted connection that does not authenticate (`quorum.auth.serverRequireSasl`).
   * Without it, one that does not try, or fails, is kept unauthenticated (a rolling upgrade).
   */
  serverRequireSasl: boolean
  /**
   * Close a dialled connection whose acceptor does not do quorum SASL or refuses us
   * (`quorum.auth.learnerRequireSasl`); without it such a connection is kept unauthenticated.
   * On ZooKeeper's protocol (lib/peer/zookeeper/quorum-auth.ts) a member without it does not try
   * SASL on the connections it opens, as ZooKeeper's learner.
   */
  learnerRequireSasl: boolean
  /** Starts the accepting side of one exchange. */
  server(): PeerSaslServerExchange
  /** Starts the dialling side of one exchange. */
  learner(): PeerSaslLearnerExchange
  /** Why the authenticated `user` may not speak as member `id`, or undefined when it may. */
  identityProblem(id: number, user: string): string | undefined
}

/** The frame of `status` with `token` and `reason` when given. */
export function saslFrame(status: PeerSaslStatus, token?: Uint8Array, reason?: string): PeerSaslFrame {
  return { tag: peerSaslTag, status, ...(token === undefined ? {} : { token }), ...(reason === undefined ? {} : { reason }) }
}

const statuses: ReadonlySet<string> = new Set<PeerSaslStatus>(['none', 'challenge', 'response', 'success', 'failure'])

/**
 * The frame a decoded value is, or undefined when it is none of the exchange (a peer that breaks
 * the protocol: the caller closes the connection).
 */
export function readSaslFrame(value: unknown): PeerSaslFrame | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { tag, status, token, reason } = value as Partial<Record<keyof PeerSaslFrame, unknown>>
  if (tag !== peerSaslTag || typeof status !== 'string' || !statuses.has(status)) return undefined
  if (token !== undefined && !(token instanceof Uint8Array)) return undefined
  if (reason !== undefined && typeof reason !== 'string') return undefined
  return saslFrame(status as PeerSaslStatus, token, reason)
}
