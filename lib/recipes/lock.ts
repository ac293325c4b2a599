/**
 * A fair distributed mutex with the znode layout of Apache Curator's InterProcessMutex, so Java
 * and Node processes can share one lock (or, on request, kazoo's layout).
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { Data, ZooKeeperClient } from '../client/index.js'
import { validatePath } from '../path.js'
import type { InterProcessLock, Lease } from './lease.js'
import { attemptLock, participants, standardDriver, type LockSpec } from './internal/lock-internals.js'
import { curatorProtectedPrefix } from './internal/nodes.js'

/**
 * How lock nodes are named. Both sort by the 10-digit sequence suffix.
 * - `'curator'`: `<path>/_c_<uuid>-lock-<seq>` (InterProcessMutex, protected mode).
 * - `'kazoo'`: `<path>/<uuid hex>__lock__<seq>` (kazoo.recipe.lock.Lock).
 */
export type LockLayout = 'curator' | 'kazoo'

/** Options of {@link Lock}. */
export interface LockOptions {
  /** Data stored in each lock node (Curator's lockNodeBytes, kazoo's identifier). @defaultValue empty */
  data?: Data
  /** Node naming, to share the lock with Curator or kazoo clients. @defaultValue 'curator' */
  layout?: LockLayout
}

/** Curator's InterProcessMutex.LOCK_NAME. */
export const curatorLockName = 'lock-'
/** kazoo's Lock._NODE_NAME. */
export const kazooLockName = '__lock__'

/** The name-prefix factory of a layout. */
function prefixFactory(layout: LockLayout): () => string {
  if (layout === 'kazoo') return () => `${randomUUID().replaceAll('-', '')}${kazooLockName}`
  return () => `${curatorProtectedPrefix()}${curatorLockName}`
}

/**
 * A fair mutex: waiters are served in the order their nodes were created, and each waiter
 * watches only the node just ahead of it, so a release wakes one process (no herd effect).
 *
 * Unlike Curator's mutex it is not re-entrant: JavaScript has no threads to own a lock, so every
 * `acquire()` is a separate contender, even on the same `Lock` object.
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

  /** A mutex on `path` (created as a container on first use). */
  constructor(
    private readonly client: ZooKeeperClient,
    /** The lock's directory. */
    readonly path: string,
    options: LockOptions = {},
  ) {
    validatePath(path)
    this.spec = { basePath: path, newPrefix: prefixFactory(options.layout ?? 'curator'), data: options.data, driver: standardDriver(1) }
  }

  /**
   * Waits for the lock. Rejects with `signal`'s reason when it aborts, and with a
   * ZooKeeperError when the session ends; either way our node is deleted first.
   */
  async acquire(signal?: AbortSignal): Promise<Lease> {
    const lease = await attemptLock(this.client, this.spec, signal)
    if (lease === undefined) throw new Error('unreachable: a waiting acquire always returns a lease')
    return lease
  }

  /** Takes the lock if nobody holds it or waits for it; otherwise resolves undefined at once. */
  tryAcquire(): Promise<Lease | undefined> {
    return attemptLock(this.client, this.spec, undefined, false)
  }

  /** The nodes of the holder and the waiters, in lock order (Curator's getParticipantNodes). */
  participants(): Promise<string[]> {
    return participants(this.client, this.path)
  }
}
