// Shared set-up for the recipe tests: an in-process server on a virtual clock, many sessions,
// and clients with injected faults (lost replies, a dropped connection that resumes its session).
import { createServer, VirtualClock, ZooKeeperError, type Server, type WatchedEvent, type ZooKeeperClient } from '../../../lib/index.js'
import type { KeeperState } from '../../../lib/client/events.js'

/** Session timeout of the well-behaved sessions: far beyond any clock advance in these tests. */
export const longSessionMs = 60_000
/** Session timeout of a session a test lets expire. */
export const shortSessionMs = 1_000

/** A server on a virtual clock with a 100 ms tick. */
export async function startServer(): Promise<{ server: Server; clock: VirtualClock }> {
  const clock = new VirtualClock(1_000_000)
  const server = await createServer({ clock, tickTimeMs: 100, maxSessionTimeoutMs: 600_000, containerCheckIntervalMs: 1_000 })
  return { server, clock }
}

/** Opens `count` sessions with a long timeout. */
export function sessions(server: Server, count: number): Promise<ZooKeeperClient[]> {
  return Promise.all(Array.from({ length: count }, () => server.connect({ sessionTimeoutMs: longSessionMs })))
}

/** Lets every queued microtask and immediate (watch deliveries, chained replies) run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** Expires `client`'s session (it must have been opened with {@link shortSessionMs}). */
export async function expire(clock: VirtualClock, client: ZooKeeperClient): Promise<void> {
  clock.advance(client.sessionTimeoutMs + 200)
  await flush()
  if (client.state !== 'Expired') throw new Error(`session did not expire: ${client.state}`)
}

/** The outcome of a promise without an unhandled rejection while the test looks elsewhere. */
export function outcome<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
}

/** True once the promise has settled (after a flush). */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false
  promise.then(
    () => (done = true),
    () => (done = true),
  )
  await flush()
  return done
}

type Method = 'create' | 'delete' | 'getChildren' | 'getData' | 'setData' | 'exists' | 'multi'
const methods = new Set<string>(['create', 'createWithStat', 'delete', 'getChildren', 'getChildrenWithStat', 'getData', 'setData', 'exists', 'multi'])

/**
 * A client that can lose replies: `loseReply('create')` lets the next create reach the server and
 * then rejects it with CONNECTIONLOSS, as when a connection drops after the request was sent.
 * `calls` counts the calls of each method.
 */
export function lossy(client: ZooKeeperClient): { client: ZooKeeperClient; loseReply(method: Method, times?: number): void; calls: Map<string, number> } {
  const pending = new Map<string, number>()
  const calls = new Map<string, number>()
  const proxy = new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      const name = String(prop)
      if (!methods.has(name)) return (value as (...a: unknown[]) => unknown).bind(target)
      return async (...args: unknown[]) => {
        calls.set(name, (calls.get(name) ?? 0) + 1)
        const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args)
        const left = pending.get(name) ?? 0
        if (left > 0) {
          pending.set(name, left - 1)
          throw new ZooKeeperError('CONNECTIONLOSS')
        }
        return result
      }
    },
  })
  return { client: proxy, loseReply: (method, times = 1) => void pending.set(method, times), calls }
}

/**
 * A client whose connection can be dropped and re-established on the same session, as a TCP
 * client that loses its member and reconnects: while dropped every call fails with
 * CONNECTIONLOSS and watches left before the drop never fire (the member that held them is gone).
 */
export class Reconnectable {
  private inner: ZooKeeperClient
  private generation = 0
  private dropped = false
  private currentState: KeeperState = 'SyncConnected'
  private readonly listeners = new Set<(event: WatchedEvent) => void>()
  /** The client the recipe under test uses. */
  readonly client: ZooKeeperClient

  private constructor(private readonly server: Server, inner: ZooKeeperClient) {
    this.inner = inner
    this.follow(inner)
    this.client = this.proxy()
  }

  /** Opens a session with `sessionTimeoutMs`. */
  static async open(server: Server, sessionTimeoutMs = longSessionMs): Promise<Reconnectable> {
    return new Reconnectable(server, await server.connect({ sessionTimeoutMs }))
  }

  /** The connection drops: the client goes Disconnected. */
  drop(): void {
    this.dropped = true
    this.generation++
    this.setState('Disconnected')
  }

  /** Reconnects with the same session; goes Expired if the server no longer knows it. */
  async reconnect(): Promise<void> {
    try {
      const inner = await this.server.connect({ sessionId: this.inner.sessionId, sessionPasswd: this.inner.sessionPasswd, sessionTimeoutMs: this.inner.sessionTimeoutMs })
      this.inner = inner
      this.follow(inner)
      this.dropped = false
      this.setState('SyncConnected')
    } catch (error) {
      if (!(error instanceof ZooKeeperError && error.code === 'SESSIONEXPIRED')) throw error
      this.setState('Expired')
    }
  }

  private follow(inner: ZooKeeperClient): void {
    const generation = this.generation
    inner.onStateChange((event) => {
      if (generation === this.generation && (event.state === 'Expired' || event.state === 'Closed')) this.setState(event.state)
    })
  }

  private setState(state: KeeperState): void {
    if (state === this.currentState) return
    this.currentState = state
    for (const listener of this.listeners) queueMicrotask(() => listener({ type: 'None', state, path: undefined }))
  }

  private proxy(): ZooKeeperClient {
    const self = this
    return new Proxy({} as ZooKeeperClient, {
      get(_target, prop) {
        if (prop === 'state') return self.currentState
        if (prop === 'onStateChange') return (listener: (event: WatchedEvent) => void) => (self.listeners.add(listener), () => self.listeners.delete(listener))
        const value: unknown = Reflect.get(self.inner, prop, self.inner)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => self.call(value as (...a: unknown[]) => Promise<unknown>, args)
      },
    })
  }

  private call(method: (...a: unknown[]) => Promise<unknown>, args: unknown[]): Promise<unknown> {
    if (this.currentState === 'Expired' || this.currentState === 'Closed') return Promise.reject(new ZooKeeperError('SESSIONEXPIRED'))
    if (this.dropped) return Promise.reject(new ZooKeeperError('CONNECTIONLOSS'))
    const generation = this.generation
    const guarded = args.map((arg) => {
      if (typeof arg !== 'object' || arg === null || !('watch' in arg)) return arg
      const watch = (arg as { watch: (event: WatchedEvent) => void }).watch
      return { ...arg, watch: (event: WatchedEvent) => generation === this.generation && watch(event) }
    })
    return method.apply(this.inner, guarded)
  }
}

export type { Server, ZooKeeperClient }
