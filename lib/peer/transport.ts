/**
 * Member-to-member messaging: what the member runtime needs from a transport, whatever carries it
 * (TCP between processes, or an in-memory hub between members of one process).
 * @module
 */

/** ZooKeeper keeps leader election and the quorum protocol on separate ports and connections. */
export type PeerChannel = 'election' | 'quorum'

/** Receives what a transport delivers. */
export interface PeerHandler {
  /** A message from `from`, in the order it was sent on that channel (FIFO per connection). */
  message(from: number, channel: PeerChannel, message: unknown): void
  /**
   * The connection to `peer` on `channel` broke: messages in flight either way may be lost, and
   * later ones travel on a new connection.
   */
  disconnected(peer: number, channel: PeerChannel): void
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
}
