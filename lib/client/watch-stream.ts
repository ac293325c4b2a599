/**
 * Watches as async iterators: a persistent (or persistent-recursive) watch whose events are
 * buffered for a `for await` loop, removed from the server when the loop ends or the signal aborts.
 * @module
 */
import { ZooKeeperError } from '../errors.js'
import { eventsBufferedMaxDefault } from '../limits.js'
import { validatePath } from '../path.js'
import { EventQueue } from './event-queue.js'
import type { WatchCallback, WatchedEvent } from './events.js'
import type { WatchStream, WatchStreamOptions, ZooKeeperClient } from './types.js'

/** Opens a watch stream on `client` (see {@link ZooKeeperClient.watch}). */
export function openWatchStream(client: ZooKeeperClient, path: string, options: WatchStreamOptions = {}): WatchStream {
  validatePath(path)
  const mode = options.recursive === true ? 'persistentRecursive' : 'persistent'
  const { signal } = options
  const bufferedMax = options.eventsBufferedMax ?? eventsBufferedMaxDefault
  let registered = false
  let ended = false
  let resolveClosed!: () => void
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve
  })
  const callback: WatchCallback = (event) => {
    if (event.type !== 'None') queue.push(event)
  }
  const unsubscribe = client.onStateChange((event) => {
    if (event.session.type === 'expired') queue.fail(new ZooKeeperError('SESSIONEXPIRED', { path, message: `Session expired while watching ${path}` }))
    else if (event.session.type === 'closed') queue.end()
    else if (event.session.type === 'authFailed') queue.fail(new ZooKeeperError('AUTHFAILED', { path }))
  })
  const onAbort = (): void => queue.fail(signal?.reason)
  const removeFromServer = async (): Promise<void> => {
    try {
      if (client.connectionState === 'connected' || client.connectionState === 'connectedReadOnly' || client.connectionState === 'disconnected') {
        await client.removeWatches(path, mode, callback)
      }
    } catch {
      // The session ended or the watch is already gone: nothing is left to remove.
    } finally {
      resolveClosed()
    }
  }
  const queue = new EventQueue<WatchedEvent>(
    bufferedMax,
    () => new ZooKeeperError('SYSTEMERROR', { path, message: `watch on ${path} fell behind: over eventsBufferedMax (${bufferedMax}) events unread` }),
    () => {
      ended = true
      unsubscribe()
      signal?.removeEventListener('abort', onAbort)
      if (registered) void removeFromServer()
    },
  )
  const ready = client.addWatch(path, callback, mode).then(
    () => {
      registered = true
      if (ended) void removeFromServer()
    },
    (error: unknown) => {
      queue.fail(error)
      resolveClosed()
      throw error
    },
  )
  // The caller need not await `ready`: a failure also reaches the iterator.
  ready.catch(() => {})
  if (signal?.aborted === true) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })
  return Object.assign(queue, { ready, closed })
}
