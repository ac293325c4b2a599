// Shared set-up for the in-process server tests: a server on a virtual clock and its clients.
import { createServer, VirtualClock, type Server, type ServerOptions, type ZooKeeperClient } from '../../../lib/index.js'

/** A server on a virtual clock starting at 1,000,000 ms, so times are distinguishable from 0. */
export async function startServer(options: ServerOptions = {}): Promise<{ server: Server; clock: VirtualClock }> {
  const clock = new VirtualClock(1_000_000)
  const server = await createServer({ clock, ...options })
  return { server, clock }
}

/** Collects events pushed to a callback. */
export function recorder<T>(): { events: T[]; push: (e: T) => void } {
  const events: T[] = []
  return { events, push: (e: T) => void events.push(e) }
}

/** Lets queued microtasks (watch deliveries) run. */
export async function flush(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve))
}

export type { Server, ZooKeeperClient }
