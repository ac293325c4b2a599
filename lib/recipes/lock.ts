/**
 * A fair distributed mutex with the znode layout of Apache Curator's InterProcessMutex, so Java
 * and Node processes can share one lock (or, on request, kazoo's layout). It can be re-entrant
 * (one holder, one node, a hold count) and revocable (Curator's Revoker protocol).
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { Data, ZooKeeperClient } from '../client/index.js'
import { validatePath } from '../path.js'
import type { InterProcessLock, Lease } from './lease.js'
import { attemptLock, participants, standardDriver, type LockSpec } from './internal/lock-internals.js'
import { aborted } from './internal/listeners.js'
import { curatorProtectedPrefix } from './internal/nodes.js'
import { abortReason, hasCode, retrying } from './internal/session.js'

/**
 * How lock nodes are named. Both sort by the 10-digit sequence suffix.
 * - `'curator'`: `<path>/_c_<uuid>-lock-<seq>` (InterProcessMutex, protected mode).
 * - `'kazoo'`: `<path>/<uuid hex>__lock__<seq>` (kazoo.recipe.lock.Lock).
 */
export type LockLayout = 'curator' | 'kazoo'

/** Options of {@link Lock}. */
export interface LockOptions {
  /**
   * Data stored in each lock node (Curator's lockNodeBytes, kazoo's identifier). Ignored when
   * `onRevocationRequested` is set: a revocable lock's node starts empty, as Curator's does.
   * @defaultValue empty
   */
  data?: Data
  /** Node naming, to share the lock with Curator or kazoo clients. @defaultValue 'curator' */
  layout?: LockLayout
  /**
   * Makes the `Lock` object one holder, as a thread is for InterProcessMutex: an acquire while
   * this object holds the lock returns at once, on the same node, and adds one to a hold count;
   * the node is deleted when every lease so obtained is released. Without it, every acquire()
   * is a separate contender, even on the same object.
   * @defaultValue false
   */
  reentrant?: boolean
  /**
   * Makes the lock revocable (Curator's InterProcessMutex.makeRevocable): called with the lock
   * node's path when another client asks the holder to let go, by writing
   * {@link curatorRevokeMessage} to that node ({@link attemptRevoke}). Revocation is
   * cooperative: the listener decides whether to release.
   */
  onRevocationRequested?: (path: string) => void
}

/** Curator's InterProcessMutex.LOCK_NAME. */
export const curatorLockName = 'lock-'
/** kazoo's Lock._NODE_NAME. */
export const kazooLockName = '__lock__'
/** Curator's LockInternals.REVOKE_MESSAGE: the lock node's data that asks its holder to release. */
export const curatorRevokeMessage: Uint8Array = new TextEncoder().encode('__REVOKE__')

/**
 * Asks the holder of the lock node at `path` to release it (Curator's Revoker.attemptRevoke): sets
 * the node's data to {@link curatorRevokeMessage}. A node that is already gone is no error.
 * Works on Curator's revocable locks as on Paddock's.
 */
export async function attemptRevoke(client: ZooKeeperClient, path: string): Promise<void> {
  validatePath(path)
  try {
    await retrying(client, () => client.setData(path, curatorRevokeMessage))
  } catch (error) {
    if (!hasCode(error, 'NONODE')) throw error
  }
}

/** True when `data` is Curator's revoke message. */
export function isRevokeMessage(data: Uint8Array): boolean {
  return data.length === curatorRevokeMessage.length && data.every((byte, i) => byte === curatorRevokeMessage[i])
}

/** The name-prefix factory of a layout. */
function prefixFactory(layout: LockLayout): () => string {
  if (layout === 'kazoo') return () => `${randomUUID().replaceAll('-', '')}${kazooLockName}`
  return () => `${curatorProtectedPrefix()}${curatorLockName}`
}

/** One node held by a re-entrant Lock, and how many leases share it. */
interface Hold {
  readonly lease: Lease
  count: number
}

/** A lease on a shared {@link Hold}: its release() gives back one count. */
class CountedLease implements Lease {
  private released = false

  constructor(
    private readonly hold: Hold,
    private readonly onLastRelease: (hold: Hold) => Promise<void>,
  ) {}

  get path(): string {
    return this.hold.lease.path
  }

  get signal(): AbortSignal {
    return this.hold.lease.signal
  }

  get held(): boolean {
    return !this.released && this.hold.lease.held
  }

  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    if (--this.hold.count === 0) await this.onLastRelease(this.hold)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release()
  }
}

/**
 * A fair mutex: waiters are served in the order their nodes were created, and each waiter
 * watches only the node just ahead of it, so a release wakes one process (no herd effect).
 *
 * By default every `acquire()` is a separate contender, even on the same `Lock` object (Node
 * has no threads to own a lock). With `reentrant: true` the object is the holder, as a thread
 * is for Curator's InterProcessMutex.
 *
 * @example
 * ```ts
 * const lock = new Lock(zk, '/locks/orders')
 * await using lease = await lock.acquire(AbortSignal.timeout(5_000))
 * await work(lease.signal) // aborted if the session expires while we hold the lock
 * ```
 */
export class Lock implements InterProcessLock {
  private readonly spec: LockSpec
  private readonly reentrant: boolean
  private hold: Hold | undefined
  private pending: Promise<unknown> | undefined

  /** A mutex on `path` (created as a container on first use). */
  constructor(
    private readonly client: ZooKeeperClient,
    /** The lock's directory. */
    readonly path: string,
    options: LockOptions = {},
  ) {
    validatePath(path)
    const listener = options.onRevocationRequested
    this.reentrant = options.reentrant ?? false
    this.spec = {
      basePath: path,
      newPrefix: prefixFactory(options.layout ?? 'curator'),
      data: listener === undefined ? options.data : undefined,
      driver: standardDriver(1),
      // Outside the lease's own bookkeeping: a throwing listener must not cost us the lock.
      onData: listener === undefined ? undefined : (data, node) => void (isRevokeMessage(data) && queueMicrotask(() => listener(node))),
    }
  }

  /** How many leases of this (re-entrant) Lock share its node now; 0 when it holds nothing. */
  get holdCount(): number {
    return this.hold?.lease.held === true ? this.hold.count : 0
  }

  /**
   * Waits for the lock. Rejects with `signal`'s reason when it aborts, and with a
   * ZooKeeperError when the session ends; either way our node is deleted first.
   */
  async acquire(signal?: AbortSignal): Promise<Lease> {
    if (!this.reentrant) return this.attempt(signal, true) as Promise<Lease>
    for (;;) {
      signal?.throwIfAborted()
      const again = this.reenter()
      if (again !== undefined) return again
      if (this.pending === undefined) return (await this.first(signal, true)) as Lease
      await this.waitForPending(signal)
    }
  }

  /** Takes the lock if nobody holds it or waits for it; otherwise resolves undefined at once. */
  async tryAcquire(): Promise<Lease | undefined> {
    if (!this.reentrant) return this.attempt(undefined, false)
    const again = this.reenter()
    if (again !== undefined || this.pending !== undefined) return again
    return this.first(undefined, false)
  }

  /** The nodes of the holder and the waiters, in lock order (Curator's getParticipantNodes). */
  participants(): Promise<string[]> {
    return participants(this.client, this.path)
  }

  private attempt(signal: AbortSignal | undefined, wait: boolean): Promise<Lease | undefined> {
    return attemptLock(this.client, this.spec, signal, wait)
  }

  /** Another count on the node we hold, if we still hold one. */
  private reenter(): Lease | undefined {
    if (this.hold === undefined || !this.hold.lease.held) return undefined
    this.hold.count++
    return new CountedLease(this.hold, (hold) => this.releaseHold(hold))
  }

  /** The first acquire of a re-entrant holder: others of the same holder wait for its outcome. */
  private async first(signal: AbortSignal | undefined, wait: boolean): Promise<Lease | undefined> {
    const attempt = this.attempt(signal, wait)
    this.pending = attempt.catch(() => undefined)
    try {
      const lease = await attempt
      if (lease === undefined) return undefined
      this.hold = { lease, count: 0 }
      return this.reenter()
    } finally {
      this.pending = undefined
    }
  }

  private async waitForPending(signal: AbortSignal | undefined): Promise<void> {
    if (signal === undefined) return void (await this.pending)
    await Promise.race([this.pending, aborted(signal)])
    if (signal.aborted) throw abortReason(signal)
  }

  private async releaseHold(hold: Hold): Promise<void> {
    if (this.hold === hold) this.hold = undefined
    await hold.lease.release()
  }
}
