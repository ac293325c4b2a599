/**
 * Waiting for session events with a bound, so a test waits for what happens instead of sleeping.
 * @module
 */
import { ZooKeeperError } from '../errors.js'
import { eventTimeoutMsDefault } from '../limits.js'
import type { ZooKeeperClient } from '../client/types.js'
import type { SessionEvent, SessionEventsByType } from '../client/events.js'

/**
 * Resolves with the next session event of `type` on `client` (for example `'connected'` after a
 * dropped connection, `'expired'` after {@link TestingServer.expireSession}); rejects with
 * OPERATIONTIMEOUT naming the event when it does not come within `timeoutMs` of real time.
 * Subscribe before causing the event.
 */
export function nextSessionEvent<T extends SessionEvent['type']>(
  client: ZooKeeperClient,
  type: T,
  timeoutMs: number = eventTimeoutMsDefault,
): Promise<SessionEventsByType[T]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new ZooKeeperError('OPERATIONTIMEOUT', { message: `no '${type}' session event within ${timeoutMs} ms (client state ${client.connectionState})` }))
    }, timeoutMs)
    const unsubscribe = client.onStateChange((event) => {
      if (event.session.type !== type) return
      clearTimeout(timer)
      unsubscribe()
      resolve(event.session as SessionEventsByType[T])
    })
  })
}

/** Lets queued microtasks and I/O callbacks run (watch deliveries, commits), `turns` event-loop turns. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
