/**
 * Write coalescing for member-to-member sockets: a leader sends a PROPOSAL or COMMIT per
 * transaction and a follower an ACK per transaction, many in one turn of the event loop. With
 * Nagle off (members set no-delay for latency), each write would be a system call and a TCP
 * segment of its own; corked until the current tick's work is done, they leave as one.
 * @module
 */
import type { Socket } from 'node:net'

const corked = new WeakSet<Socket>()

function uncork(socket: Socket): void {
  corked.delete(socket)
  socket.uncork()
}

/**
 * Writes `bytes` to `socket`, gathering it with every other write to that socket in the same
 * tick (callbacks and the promise jobs they start) into one system call. Returns what
 * `socket.write` returns: false once the socket's queue is over its high-water mark.
 */
export function writeCoalesced(socket: Socket, bytes: Uint8Array): boolean {
  if (!corked.has(socket)) {
    corked.add(socket)
    socket.cork()
    process.nextTick(uncork, socket)
  }
  return socket.write(bytes)
}
