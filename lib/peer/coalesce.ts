/**
 * Write coalescing for member-to-member sockets: a leader sends a PROPOSAL and a COMMIT per
 * transaction and a follower an ACK per transaction, many in one turn of the event loop. With
 * Nagle off (members set no-delay for latency), each write would be a system call and a TCP
 * segment of its own; corked until the current tick's work is done, they leave together. A tick
 * that writes {@link peerCoalesceBytesMax} to one socket flushes it then, so corking never holds
 * more than that beyond what the socket's own queue would.
 * @module
 */
import type { Socket } from 'node:net'
import { peerCoalesceBytesMax } from '../limits.js'

/** Bytes written to each corked socket in this tick. */
const corked = new WeakMap<Socket, number>()

function uncork(socket: Socket): void {
  if (!corked.delete(socket)) return
  socket.uncork()
}

/**
 * Writes `bytes` to `socket`, gathering it with the other writes to that socket in the same tick
 * (up to {@link peerCoalesceBytesMax}) into one system call. Returns what `socket.write` returns:
 * false once the socket's queue is over its high-water mark.
 */
export function writeCoalesced(socket: Socket, bytes: Uint8Array): boolean {
  const before = corked.get(socket)
  if (before === undefined) {
    socket.cork()
    process.nextTick(uncork, socket)
  }
  const total = (before ?? 0) + bytes.length
  // Counted before the write, so that the tick's uncork finds it even when this write is the
  // tick's first and reaches the bound by itself.
  corked.set(socket, total)
  const flushed = socket.write(bytes)
  if (total >= peerCoalesceBytesMax) uncork(socket)
  return flushed
}
