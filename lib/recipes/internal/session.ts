/**
 * Session helpers shared by the recipes: waiting for a connection, telling a lost session from
 * a transient outage, and waking a waiter on a watch, a state change or an abort.
 * @module
 */
import type { KeeperState, WatchCallback, ZooKeeperClient } from '../../client/index.js'
import { ZooKeeperError } from '../../errors.js'
import { transientRetriesMax } from '../../limits.js'

/** True once the session can never be used again: its ephemerals are gone (or going). */
export function sessionEnded(state: KeeperState): boolean {
  return state === 'Expired' || state === 'Closed' || state === 'AuthFailed'
}

function connected(state: KeeperState): boolean {
  return state === 'SyncConnected' || state === 'ConnectedReadOnly'
}

/** The error a recipe rejects with once its session ended. */
export function sessionEndedError(client: ZooKeeperClient, path?: string): ZooKeeperError {
  return new ZooKeeperError('SESSIONEXPIRED', { path, message: `Session ${client.state.toLowerCase()}: recipe state is lost` })
}

/** True for a ZooKeeperError that may go away if the operation is retried on the same session. */
export function isTransient(error: unknown): boolean {
  return error instanceof ZooKeeperError && error.transient
}

/** True for a ZooKeeperError with this code. */
export function hasCode(error: unknown, code: ZooKeeperError['code']): boolean {
  return error instanceof ZooKeeperError && error.code === code
}

/** The reason an aborted signal carries (an AbortError DOMException when none was given). */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

/** A one-shot wake-up: `watch` is a watch callback and `trigger` wakes directly. */
export interface Wakeup {
  /** Resolves on the first trigger. */
  readonly promise: Promise<void>
  /** Wakes the waiter. */
  trigger(): void
  /** The same, as a watch callback. */
  readonly watch: WatchCallback
}

/** A fresh {@link Wakeup}. */
export function wakeup(): Wakeup {
  let trigger = (): void => {}
  const promise = new Promise<void>((resolve) => {
    trigger = resolve
  })
  return { promise, trigger, watch: () => trigger() }
}

/**
 * Waits for the wake-up or for any session state change (the caller then re-reads: a reconnect
 * may have lost its watches, an expiry makes its next read fail), rejecting when `signal` aborts.
 */
export function waitForChange(wake: Promise<void>, client: ZooKeeperClient, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      unsubscribe()
      signal?.removeEventListener('abort', abort)
    }
    const done = (): void => {
      cleanup()
      resolve()
    }
    const abort = (): void => {
      cleanup()
      reject(abortReason(signal as AbortSignal))
    }
    const unsubscribe = client.onStateChange(done)
    signal?.addEventListener('abort', abort, { once: true })
    if (signal?.aborted === true) return abort()
    void wake.then(done)
  })
}

/**
 * Resolves once the client is connected; rejects with SESSIONEXPIRED once the session ended and
 * with the abort reason when `signal` aborts. A TCP client reconnects by itself; we only wait.
 */
export async function whenConnected(client: ZooKeeperClient, signal?: AbortSignal): Promise<void> {
  for (;;) {
    signal?.throwIfAborted()
    if (connected(client.state)) return
    if (sessionEnded(client.state)) throw sessionEndedError(client)
    await waitForChange(new Promise<void>(() => {}), client, signal)
  }
}

/**
 * Runs `operation`, and after a transient error waits for the connection and runs it again (at
 * most {@link transientRetriesMax} times). Only idempotent operations may be passed.
 */
export async function retrying<T>(client: ZooKeeperClient, operation: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted()
    try {
      return await operation()
    } catch (error) {
      if (!isTransient(error) || attempt >= transientRetriesMax) throw error
      await whenConnected(client, signal)
    }
  }
}
