/**
 * `connect()`: a {@link ZooKeeperClient} over TCP, speaking the ZooKeeper wire protocol to
 * Paddock or Apache ZooKeeper. The in-process twin is `server.connect()`.
 * @module
 */
import { ZooKeeperError } from '../errors.js'
import { juteMaxBufferBytes, sessionTimeoutMsDefault } from '../limits.js'
import { ClientImpl } from './client.js'
import { parseConnectString } from './connect-string.js'
import type { SessionEvent } from './events.js'
import { TcpConnection, type TcpConnectionOptions } from './tcp-connection.js'
import type { TcpClientOptions, ZooKeeperClient } from './types.js'

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
