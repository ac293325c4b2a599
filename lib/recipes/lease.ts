/**
 * What a recipe hands to the holder of a lock, a lease or leadership: the node that proves it,
 * an AbortSignal that fires when it is lost, and release().
 * @module
 */
import type { WatchedEvent, ZooKeeperClient } from '../client/index.js'
import type { Stat } from '../protocol/data.js'
import { ZooKeeperError } from '../errors.js'
import type { OwnNode } from './internal/nodes.js'
import { hasCode, retrying, sessionEnded, sessionEndedError } from './internal/session.js'

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

  // The mzxid of the data last handed to onData, so a re-watch after a reconnect does not
  // report the same write twice.
  private lastDataMzxid = -1

  /**
   * Takes over `node` (already created); call {@link HeldLease.watch} next. With `onData` the
   * lease reads (and watches) the node's data instead of only its existence, and hands every
   * new version of it to `onData` (Curator's revocation watch).
   */
  constructor(
    private readonly client: ZooKeeperClient,
    private readonly node: OwnNode,
    readonly path: string,
    private readonly onData?: (data: Uint8Array, path: string) => void,
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
      const stat = await retrying(this.client, () => this.look())
      if (stat === null) this.lose(new ZooKeeperError('NONODE', { path: this.path, message: `Lease node was deleted: ${this.path}` }))
    } catch (error) {
      this.lose(error)
    }
  }

  // exists() leaves a watch that also fires on creation; getData (only with onData) one that
  // fires on data changes and deletion, which is all a held node can see.
  private async look(): Promise<Stat | null> {
    const watch = (event: WatchedEvent): void => this.onNodeEvent(event)
    if (this.onData === undefined) return this.client.exists(this.path, { watch })
    try {
      const { data, stat } = await this.client.getData(this.path, { watch })
      if (stat.mzxid !== this.lastDataMzxid && this.held) {
        this.lastDataMzxid = stat.mzxid
        this.onData(data, this.path)
      }
      return stat
    } catch (error) {
      if (hasCode(error, 'NONODE')) return null
      throw error
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
