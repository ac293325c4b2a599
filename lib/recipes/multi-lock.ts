/**
 * MultiLock: several locks taken as one (Curator's InterProcessMultiLock). It has no znodes of
 * its own: each lock keeps its own layout, so Curator processes can hold the parts.
 * @module
 */
import type { InterProcessLock, Lease } from './lease.js'
import { Lock } from './lock.js'
import type { ZooKeeperClient } from '../client/index.js'

/** The leases of a {@link MultiLock}, released together (in reverse order). */
class MultiLease implements Lease {
  private readonly controller = new AbortController()
  private released = false

  constructor(private readonly parts: readonly Lease[]) {
    // Losing any part loses the whole.
    for (const part of parts) part.signal.addEventListener('abort', () => this.controller.abort(part.signal.reason), { once: true })
    const lost = parts.find((part) => part.signal.aborted)
    if (lost !== undefined) this.controller.abort(lost.signal.reason)
  }

  /** The first part's node: the lease is as good as every part. */
  get path(): string {
    return this.parts[0]?.path ?? ''
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  get held(): boolean {
    return !this.released && this.parts.every((part) => part.held)
  }

  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    await releaseAll(this.parts)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release()
  }
}

/** Releases leases last-taken first, each even when an earlier release failed; rethrows the first failure. */
async function releaseAll(leases: readonly Lease[]): Promise<void> {
  let failure: { error: unknown } | undefined
  for (const lease of [...leases].reverse()) {
    try {
      await lease.release()
    } catch (error) {
      failure ??= { error }
    }
  }
  if (failure !== undefined) throw failure.error
}

/**
 * Holds every one of its locks or none: acquire() takes them in the given order (so two
 * MultiLocks over the same locks in the same order cannot deadlock) and, if one fails or the
 * signal aborts, releases those already taken before rejecting.
 */
export class MultiLock implements InterProcessLock {
  private readonly locks: readonly InterProcessLock[]

  /** A lock over `locks`: InterProcessLock objects, or paths of Curator-layout {@link Lock}s on `client`. */
  constructor(client: ZooKeeperClient, locks: readonly (InterProcessLock | string)[]) {
    if (locks.length === 0) throw new RangeError('a MultiLock needs at least one lock')
    this.locks = locks.map((lock) => (typeof lock === 'string' ? new Lock(client, lock) : lock))
  }

  /** Waits for every lock, in order. */
  async acquire(signal?: AbortSignal): Promise<Lease> {
    const taken: Lease[] = []
    try {
      for (const lock of this.locks) taken.push(await lock.acquire(signal))
    } catch (error) {
      await releaseAll(taken).catch(() => {})
      throw error
    }
    return new MultiLease(taken)
  }

  /** Takes every lock if none needs waiting; otherwise releases what it took and resolves undefined. */
  async tryAcquire(): Promise<Lease | undefined> {
    const taken: Lease[] = []
    try {
      for (const lock of this.locks) {
        const lease = await lock.tryAcquire()
        if (lease === undefined) {
          await releaseAll(taken)
          return undefined
        }
        taken.push(lease)
      }
    } catch (error) {
      await releaseAll(taken).catch(() => {})
      throw error
    }
    return new MultiLease(taken)
  }
}
