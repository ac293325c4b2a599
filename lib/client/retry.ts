/**
 * Retrying operations that are safe to retry, after transient errors only (CONNECTIONLOSS,
 * OPERATIONTIMEOUT, REQUESTTIMEOUT, THROTTLEDOP), with exponential back-off and jitter, as
 * Curator's RetryLoop and kazoo's KazooRetry do. SESSIONEXPIRED, NONODE, BADVERSION and every
 * other error are final and rethrown at once.
 *
 * Safe to retry: reads, setData/delete with an expected version, create of a fixed path when
 * NODEEXISTS on the retry is acceptable, and transactions with a check. Not safe: a sequential
 * create (a retry after CONNECTIONLOSS may create a second node) or an unconditional setData
 * that must not be applied twice.
 * @module
 */
import { systemClock, type Clock } from '../clock.js'
import { ZooKeeperError } from '../errors.js'
import { retriesDefault, retriesMax, retryBackoffMsDefault, retryBackoffMsMaxDefault } from '../limits.js'

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Retries after the first attempt. @defaultValue 3 */
  retries?: number
  /** Delay before the first retry, in ms; it doubles on each retry. @defaultValue 100 */
  backoffMs?: number
  /** Longest delay between attempts, in ms. @defaultValue 5000 */
  backoffMsMax?: number
  /** Decides which errors are retried. @defaultValue {@link isTransient} */
  retryable?: (error: unknown) => boolean
  /** Stops retrying (rejects with the signal's reason) when aborted. */
  signal?: AbortSignal
  /** Where back-off timers come from. @defaultValue the system clock */
  clock?: Clock
  /** Numbers in [0, 1) for the jitter. @defaultValue Math.random */
  random?: () => number
  /** Called before each retry with the error and the attempt number that failed (from 1). */
  onRetry?: (error: unknown, attempt: number) => void
}

/** True for a {@link ZooKeeperError} after which the operation may succeed if tried again. */
export function isTransient(error: unknown): boolean {
  return error instanceof ZooKeeperError && error.transient
}

/**
 * Calls `operation` until it succeeds, retrying transient errors up to `retries` times with
 * exponential back-off (jittered between half and all of the delay). Rethrows the last error.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? retriesDefault
  if (!(Number.isInteger(retries) && retries >= 0 && retries <= retriesMax)) {
    throw new RangeError(`retries must be an integer in [0, ${retriesMax}], got ${retries}`)
  }
  const retryable = options.retryable ?? isTransient
  const random = options.random ?? Math.random
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted()
    try {
      return await operation(attempt)
    } catch (error) {
      if (attempt > retries || !retryable(error)) throw error
      options.onRetry?.(error, attempt)
      const fullMs = Math.min((options.backoffMs ?? retryBackoffMsDefault) * 2 ** (attempt - 1), options.backoffMsMax ?? retryBackoffMsMaxDefault)
      await sleep(fullMs * (0.5 + random() / 2), options.clock ?? systemClock, options.signal)
    }
  }
}

function sleep(ms: number, clock: Clock, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      timer.cancel()
      reject(signal?.reason)
    }
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    })
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
