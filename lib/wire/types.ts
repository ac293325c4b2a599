/**
 * The interfaces between the client-port server and the server behind it: what a backend offers
 * ({@link ClientPortBackend}, {@link ClientPortSession}) and what a connection offers the backend
 * ({@link ClientPortConnection}). lib/wire never imports lib/server: the member is reached only
 * through these, which lib/host/client-port.ts implements over the request pipeline. Types only, importing
 * nothing of ./server.ts or ./connection.ts, so both can depend on them without a cycle.
 * @module
 */
import type { ClientRequest, ClientResponse, WatcherEvent } from '../protocol/jute-records.js'
import type { DirectorySizes, ServerInfo } from './four-letter-words.js'
import type { ConnectRequest } from './records.js'

/** Why the backend ended a connection's session. */
export type SessionEndReason = 'expired' | 'closed' | 'moved'

/** A client connection as the backend sees it: where watch events go and where session ends are told. */
export interface ClientPortConnection {
  /** The client's IP address (for `ip` ACLs and `whoAmI`). */
  readonly remoteAddress: string
  /**
   * The subject of the client's TLS certificate, verified against the port's trusted CAs, in
   * RFC 2253 form (`CN=alice,OU=eng,O=Acme`, see ./x509-name.ts); undefined on a plain-text
   * connection and on a TLS one whose client sent no certificate (`ssl.clientAuth=want` or `none`).
   */
  readonly certificateSubject: string | undefined
  /** Sends a watch notification (xid -1) with the zxid of the change. */
  notify(zxid: number, event: WatcherEvent): void
  /**
   * The session ended: 'expired' and 'moved' close the socket at once (ZooKeeper closes the
   * connection of an expired session; the client then reconnects and is told it expired);
   * 'closed' closes it once the closeSession reply is written.
   */
  sessionEnded(reason: SessionEndReason): void
  /**
   * The backend failed while serving this connection (an exception in a callback that runs later,
   * outside the connection's own boundary): the connection logs it and closes. Never throws.
   */
  failed(what: string, error: unknown): void
}

/** One reply from the backend. */
export interface BackendReply {
  /** 0 or a ZooKeeper error number; the record is sent only when 0. */
  err: number
  /** The zxid for the ReplyHeader. */
  zxid: number
  /** The response record (absent for ops answered by the header alone, or on error). */
  response?: ClientResponse
  /** Close the connection once this reply is written (AUTHFAILED, as ZooKeeper does). */
  close?: boolean
}

/** An open session on one connection. */
export interface ClientPortSession {
  /** The session id. */
  readonly sessionId: bigint
  /** The session password (16 bytes). */
  readonly passwd: Uint8Array
  /** The negotiated session timeout, ms. */
  readonly timeoutMs: number
  /** Serves one request; `reply` is called exactly once, possibly synchronously. */
  submit(xid: number, request: ClientRequest, reply: (reply: BackendReply) => void): void
  /** The connection closed without closeSession: the session lives on until it expires or resumes. */
  detach(): void
}

/** What the client port needs from the server behind it. */
export interface ClientPortBackend {
  /** The zxid of the last applied transaction (a client that saw more is refused). */
  readonly lastProcessedZxid: number
  /** The server is read-only (sent in the ConnectResponse, answered by `isro`). */
  readonly readOnly: boolean
  /**
   * Opens or resumes the session a `ConnectRequest` asks for. `done` gets the session, or an
   * error number (SESSIONEXPIRED for an unknown session or a wrong password).
   */
  connect(connection: ClientPortConnection, request: ConnectRequest, done: (result: ClientPortSession | { err: number }) => void): void
  /** The figures four-letter words print. */
  serverInfo(): ServerInfo
  /** Whether the server serves now, read without gathering any figure (for `ruok`); absent: from `serverInfo().mode`. */
  readonly serving?: boolean
  /**
   * Measures the bytes under the server's directories for `dirs` and `conf` (file-system I/O, so
   * asynchronous; it must not reject). Absent for a server that keeps no directory: both are 0.
   */
  directorySizes?(): Promise<DirectorySizes>
}

/** Where the client port writes its one-line reports. */
export interface ClientPortLogger {
  /** A connection was refused or closed for bad input, and why. */
  warn(line: string): void
  /** Routine events (a four-letter word served). */
  info(line: string): void
}
