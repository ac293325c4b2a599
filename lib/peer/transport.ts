/**
 * Member-to-member messaging: what the member runtime needs from a transport, whatever carries it
 * (TCP between processes, or an in-memory hub between members of one process).
 *
 * The error contract: a transport is the boundary of its sockets and timers, so nothing thrown by
 * its own decoding or by the handler escapes it to the process. An error while decoding or
 * handling a peer's message closes the connection it came on (the peer is dropped, and reconnects)
 * and is logged; a {@link ZabInvariantError} (a broken invariant of the core) is not an input
 * problem but a bug that must stop the member, so it also goes to {@link PeerHandler.fatal}.
 * @module
 */
import type { ZabInvariantError } from '../zab/assert.js'
import type { ServerState } from '../zab/messages.js'

/** ZooKeeper keeps leader election and the quorum protocol on separate ports and connections. */
export type PeerChannel = 'election' | 'quorum'

/** Receives what a transport delivers. */
export interface PeerHandler {
  /**
   * A message from `from`, in the order it was sent on that channel (FIFO per connection). To
   * refuse it (a message that breaks the protocol), throw: the transport closes that connection,
   * drops whatever else came with it, and logs the error.
   *
   * `trusted` is false when this member asks its peers to prove who they are (quorum TLS or SASL)
   * and the connection the message came on did not (a plain-text peer on a port with
   * portUnification, a peer that did not authenticate where SASL is not required): the message
   * still counts for the protocol, but nothing it claims on someone else's behalf (a client's
   * identities) may be believed. Omitted (transports that ask no proof, the in-memory hub) it is
   * trusted.
   */
  message(from: number, channel: PeerChannel, message: unknown, trusted?: boolean): void
  /**
   * The connection to `peer` on `channel` broke, or a newer one replaced it: messages in flight
   * either way may be lost, and later ones travel on a new connection.
   */
  disconnected(peer: number, channel: PeerChannel): void
  /**
   * `message` or `disconnected` broke an invariant of the ZAB core: the member must fail-stop and
   * report it. The connection it happened on is closed first. Without this callback the
   * transport closes itself, so a member in that state no longer talks to the others.
   */
  fatal?(error: ZabInvariantError): void
}

/** One address of a member: a host and its two ports. */
export interface PeerEndpoint {
  /** Host of both ports. */
  host: string
  /** The quorum port (ZooKeeper's 2888). */
  quorumPort: number
  /** The election port (ZooKeeper's 3888). */
  electionPort: number
}

/** Where a member listens: one address, or several (ZooKeeper 3.6's multiple addresses). */
export interface PeerAddress extends PeerEndpoint {
  /**
   * Every address of the member, in order, when it has more than one (the first is `host` and its
   * ports): the member listens on each, and the others dial them in turn, starting with the one
   * that connected last, so a member whose first address stops working is reached on the next.
   */
  addresses?: readonly PeerEndpoint[]
}

/** Sends messages to other members. */
export interface PeerTransport {
  /**
   * Sends `message` to `to` on `channel`. Best effort: with no connection the message is dropped,
   * as if it had been in flight on a connection that broke (the protocol above tolerates that).
   */
  send(to: number, channel: PeerChannel, message: unknown): void
  /** Whether a connection to `peer` on `channel` is up now. */
  connected(peer: number, channel: PeerChannel): boolean
  /** Stops connecting and closes every connection. */
  close(): Promise<void>
  /**
   * The ensemble's members changed (a reconfig): dial the new ones, forget the ones no longer
   * named. Transports whose members find each other on their own (an in-memory hub) leave it out.
   */
  setMembers?(members: ReadonlyMap<number, PeerAddress>): void
  /**
   * The member's ZAB role changed. A transport whose protocol lets only a leader take learners
   * (ZooKeeper's, whose quorum port only a leader opens) acts on it; the others leave it out.
   */
  roleChanged?(role: ServerState): void
}

/**
 * Connects the members of one process without sockets: each joins with its handler and gets its
 * transport (the in-memory hub of in-process clusters, the simulator's network).
 */
export interface PeerHub {
  /** Creates the transport of member `id`, delivering to `handler`. */
  join(id: number, handler: PeerHandler): PeerTransport
}
