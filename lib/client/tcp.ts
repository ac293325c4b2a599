/**
 * `connect()`: a {@link ZooKeeperClient} over TCP, speaking the ZooKeeper wire protocol to
 * Paddock or Apache ZooKeeper. The in-process twin is `server.connect()`.
 * @module
 */
import { ZooKeeperError } from '../errors.js'
import { juteMaxBufferBytes } from '../limits.js'
import type { Clock } from '../clock.js'
import { ClientImpl, type ZooKeeperClient } from './client.js'
import { parseConnectString } from './connect-string.js'
import type { ClientLogger, SessionEvent } from './events.js'
import { TcpConnection, type TcpConnectionOptions } from './tcp-connection.js'

/** ZooKeeper's default session timeout request when none is given, in ms. */
export const sessionTimeoutMsDefault = 30_000

/** Credentials for {@link TcpClientOptions.auth}, as addAuth takes them. */
export interface AuthCredentials {
  /** The auth scheme, for example `digest`. */
  scheme: string
  /** The credentials, for example `user:password`. */
  auth: string | Uint8Array
}

/** Options of {@link connect}. */
export interface TcpClientOptions {
  /** Requested session timeout, ms; the server clamps it to [minSessionTimeout, maxSessionTimeout]. @defaultValue 30000 */
  sessionTimeoutMs?: number
  /**
   * How long `connect()` waits for the first session before it rejects with CONNECTIONLOSS, ms.
   * @defaultValue the requested session timeout
   */
  initialConnectTimeoutMs?: number
  /** Per-attempt connect and handshake timeout, ms. @defaultValue session timeout / number of hosts (ZooKeeper's rule) */
  connectTimeoutMs?: number
  /** Back-off after every host failed once, ms (jittered to between half and all of it). @defaultValue 1000 */
  reconnectDelayMs?: number
  /** Try the hosts in a random order, so clients spread over an ensemble. @defaultValue true */
  shuffleHosts?: boolean
  /** Numbers in [0, 1) for the host shuffle and the back-off jitter. @defaultValue Math.random */
  random?: () => number
  /** Accept a read-only server (ZooKeeper's canBeReadOnly). @defaultValue false */
  canBeReadOnly?: boolean
  /** Largest znode data and frame, bytes (jute.maxbuffer); larger data fails before it is sent. @defaultValue 1048575 */
  maxBufferBytes?: number
  /** Requests allowed to wait for a connection while reconnecting; more fail with CONNECTIONLOSS. @defaultValue 10000 */
  requestsQueuedMax?: number
  /** How long close() waits for the server to confirm closeSession, ms. @defaultValue 2000 */
  closeTimeoutMs?: number
  /** Resume this session (with {@link TcpClientOptions.sessionPasswd}) instead of opening a new one. */
  sessionId?: bigint
  /** The password of the session to resume. */
  sessionPasswd?: Uint8Array
  /** Credentials sent before any request, and again on every reconnect (as addAuth). */
  auth?: readonly AuthCredentials[]
  /** Where ping, read and connect timers come from. @defaultValue the system clock */
  clock?: Clock
  /** Where state changes (`state: connecting -> connected`) and connection trouble go. @defaultValue silent */
  logger?: ClientLogger
}

/**
 * Opens a session over TCP. `connectString` is `host:port[,host:port...][/chroot]`; the hosts are
 * shuffled and tried in turn, and the chroot prefixes every path. Resolves once a server grants
 * the session; rejects with CONNECTIONLOSS when none does within `initialConnectTimeoutMs`, with
 * SESSIONEXPIRED when resuming a session that is gone, and with AUTHFAILED for refused `auth`.
 * Bad options throw at once.
 */
export async function connect(connectString: string, options: TcpClientOptions = {}): Promise<ZooKeeperClient> {
  const { hosts, chroot } = parseConnectString(connectString)
  const sessionTimeoutMs = options.sessionTimeoutMs ?? sessionTimeoutMsDefault
  if (!(Number.isInteger(sessionTimeoutMs) && sessionTimeoutMs > 0)) throw new RangeError(`sessionTimeoutMs must be a positive integer, got ${sessionTimeoutMs}`)
  const client = new ClientImpl(options.sessionId ?? 0n, sessionTimeoutMs, options.sessionPasswd ?? new Uint8Array(16), options.maxBufferBytes ?? juteMaxBufferBytes, {
    logger: options.logger,
    connectionState: 'connecting',
  })
  const connectionOptions: TcpConnectionOptions = { ...options, hosts, chroot, sessionTimeoutMs }
  const connection = new TcpConnection(connectionOptions, client)
  client.bind(connection)
  const first = firstOutcome(client, options.initialConnectTimeoutMs ?? sessionTimeoutMs, connectString)
  connection.start()
  for (const { scheme, auth } of options.auth ?? []) void client.addAuth(scheme, auth).catch(() => {})
  try {
    await first
  } catch (error) {
    await client.close()
    throw error
  }
  return client
}

// The first session event decides connect()'s outcome.
async function firstOutcome(client: ClientImpl, timeoutMs: number, connectString: string): Promise<void> {
  const events = client.sessionEvents()
  const timer = setTimeout(() => void events.return?.(), timeoutMs)
  try {
    for await (const event of events) {
      const error = outcomeOf(event)
      if (error === null) return
      if (error !== undefined) throw error
    }
    throw new ZooKeeperError('CONNECTIONLOSS', { message: `no server of ${connectString} granted a session within ${timeoutMs} ms (initialConnectTimeoutMs)` })
  } finally {
    clearTimeout(timer)
    await events.return?.()
  }
}

function outcomeOf(event: SessionEvent): ZooKeeperError | null | undefined {
  switch (event.type) {
    case 'connected':
    case 'connectedReadOnly':
      return null
    case 'expired':
      return new ZooKeeperError('SESSIONEXPIRED', { message: 'Session expired: the session to resume is gone' })
    case 'authFailed':
      return new ZooKeeperError('AUTHFAILED', { message: `Authentication failed for scheme ${event.scheme}` })
    default:
      return undefined
  }
}
