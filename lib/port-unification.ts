/**
 * Port unification: one listening port that serves TLS and plain-text connections alike, telling
 * them apart by the first byte a connection sends, as ZooKeeper's UnifiedServerSocket and
 * NettyServerCnxnFactory's DualModeSslHandler do. The client port uses it for
 * `client.portUnification` (lib/wire/server.ts), the quorum and election ports for
 * `portUnification` (lib/peer/tcp.ts); each hands a TLS connection to a TLS server of its own and
 * reads a plain-text one as it reads any other.
 *
 * The byte is unambiguous for both: a TLS connection opens with a handshake record (0x16), while
 * a plain-text client opens with the big-endian length of its ConnectRequest (or a four-letter
 * word in ASCII letters), and a plain-text member with the big-endian length of its hello, both far
 * below 0x16000000 bytes.
 * @module
 */
import type { Socket } from 'node:net'

/** The first byte of a TLS handshake record: what a unified port tells TLS from plain text by. */
export const tlsHandshakeRecordType = 0x16

/** Where {@link routeByFirstByte} sends a connection once its first byte says what it speaks. */
export interface FirstByteRoutes {
  /** Time the first byte may take, ms; a connection silent that long goes to {@link FirstByteRoutes.silent}. */
  timeoutMs: number
  /** Connections waiting for their first byte: this one is in it from now until it is routed or closes. */
  waiting: Set<Socket>
  /** The caller's error boundary: every route runs inside it. */
  guard: (work: () => void) => void
  /** A TLS handshake: hand the socket, paused, its first bytes put back, to a TLS server. */
  tls: () => void
  /** Plain text: read it as such. The first bytes are put back, and the socket resumes once this returns. */
  plain: () => void
  /** Nothing came within {@link FirstByteRoutes.timeoutMs}: close it. */
  silent: () => void
}

/**
 * Waits for the first bytes of an accepted connection, then routes it by the first byte: TLS
 * (0x16) or plain text. Nothing is consumed; whichever route reads on sees every byte sent.
 */
export function routeByFirstByte(socket: Socket, routes: FirstByteRoutes): void {
  routes.waiting.add(socket)
  const timer = setTimeout(() => routes.guard(routes.silent), routes.timeoutMs)
  timer.unref()
  const settle = (): void => {
    clearTimeout(timer)
    routes.waiting.delete(socket)
  }
  socket.once('close', settle)
  socket.once('data', (chunk: Buffer) =>
    routes.guard(() => {
      settle()
      socket.pause()
      socket.unshift(chunk)
      if (chunk[0] === tlsHandshakeRecordType) return routes.tls()
      routes.plain()
      if (!socket.destroyed) socket.resume()
    }),
  )
}
