/**
 * What a recipe hands to the holder of a lock, a lease or leadership: the node that proves it,
 * an AbortSignal that fires when it is lost, and release().
 * @module
 */
import type { WatchedEvent, ZooKeeperClient } from '../client/index.js'
import { ZooKeeperError } from '../errors.js'
import type { OwnNode } from './internal/nodes.js'
import { retrying, sessionEnded, sessionEndedError } from './internal/session.js'

/**
 * Proof of holding a lock, a semaphore lease or leadership. `signal` aborts (with a
 * {@link ZooKeeperError} as its reason) when the hold is lost without release(): the session
 * expired or closed, or somebody deleted the node. Work done under the lease should pass
 * `signal` on, so it stops when the lease is gone.
 */
export interface Lease {
  /** The ephemeral node that holds the lease. */
  readonly path: string
  /** Aborts when the lease is lost (not when it is released); its reason says why. */
  readonly signal: AbortSignal
  /** True until the lease is released or lost. */
  readonly held: boolean
  /** Deletes the node (retrying through connection loss), letting the next waiter in. Idempotent. */
  release(): Promise<void>
  /** Same as release(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>
}

/** A lock (Lock, either side of a ReadWriteLock): acquire waits, tryAcquire does not. */
export interface InterProcessLock {
  /** Waits for the lock; rejects (deleting our node) when `signal` aborts or the session ends. */
  acquire(signal?: AbortSignal): Promise<Lease>
  /** Takes the lock only if that needs no waiting; otherwise resolves undefined. */
  tryAcquire(): Promise<Lease | undefined>
}

/** A {@link Lease} that watches its own node and the session to learn when it is lost. */
export class HeldLease implements Lease {
  private readonly controller = new AbortController()
  private released = false
  private readonly unsubscribe: () => void

  /** Takes over `node` (already created); call {@link HeldLease.watch} next. */
  constructor(
    private readonly client: ZooKeeperClient,
    private readonly node: OwnNode,
    readonly path: string,
  ) {
    this.unsubscribe = client.onStateChange((event) => this.onState(event))
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  get held(): boolean {
    return !this.released && !this.controller.signal.aborted
  }

  /** Leaves a watch on our node; resolves once it is set (or the lease is already lost). */
  async watch(): Promise<void> {
    if (!this.held) return
    try {
      const stat = await retrying(this.client, () => this.client.exists(this.path, { watch: (event) => this.onNodeEvent(event) }))
      if (stat === null) this.lose(new ZooKeeperError('NONODE', { path: this.path, message: `Lease node was deleted: ${this.path}` }))
    } catch (error) {
      this.lose(error)
    }
  }

  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    this.unsubscribe()
    await this.node.deleteQuietly()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release()
  }

  private onNodeEvent(event: WatchedEvent): void {
    if (sessionEnded(this.client.state)) {
      // An expiry deletes our node too; name the cause, not the symptom.
      this.lose(sessionEndedError(this.client, this.path))
    } else if (event.type === 'NodeDeleted') {
      this.lose(new ZooKeeperError('NONODE', { path: this.path, message: `Lease node was deleted: ${this.path}` }))
    } else if (event.type !== 'None') {
      // Our data changed (one-shot watch spent): watch again.
      void this.watch()
    }
  }

  private onState(event: WatchedEvent): void {
    if (sessionEnded(event.state)) this.lose(sessionEndedError(this.client, this.path))
    // After a reconnect the node may be gone or the watch lost: look again.
    else if (event.state === 'SyncConnected') void this.watch()
  }

  private lose(reason: unknown): void {
    if (!this.held) return
    this.unsubscribe()
    this.controller.abort(reason)
  }
}
