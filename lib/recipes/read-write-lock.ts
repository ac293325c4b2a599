/**
 * A fair read-write lock with the layout of Curator's InterProcessReadWriteLock: readers and
 * writers queue in one directory as `_c_<uuid>-__READ__<seq>` and `_c_<uuid>-__WRIT__<seq>`.
 * @module
 */
import type { Data, ZooKeeperClient } from '../client/index.js'
import { validatePath } from '../path.js'
import type { InterProcessLock, Lease } from './lease.js'
import { attemptLock, standardDriver, type LockDriver, type LockSpec } from './internal/lock-internals.js'
import { curatorProtectedPrefix } from './internal/nodes.js'

/** Curator's InterProcessReadWriteLock.READ_LOCK_NAME. */
export const curatorReadLockName = '__READ__'
/** Curator's InterProcessReadWriteLock.WRITE_LOCK_NAME. */
export const curatorWriteLockName = '__WRIT__'

/** Options of {@link ReadWriteLock}. */
export interface ReadWriteLockOptions {
  /** Data stored in each lock node. @defaultValue empty */
  data?: Data
}

// A reader holds the lock when no writer is ahead of it; it waits for the first writer ahead
// (Curator's ReadLock predicate). Readers may share; a writer waits for whoever is just ahead.
const readDriver: LockDriver = {
  nodeToWatch(sorted, ourIndex) {
    const firstWriter = sorted.findIndex((name) => name.includes(curatorWriteLockName))
    return firstWriter < 0 || firstWriter > ourIndex ? null : (sorted[firstWriter] ?? null)
  },
}

class Side implements InterProcessLock {
  constructor(
    private readonly client: ZooKeeperClient,
    private readonly spec: LockSpec,
  ) {}

  async acquire(signal?: AbortSignal): Promise<Lease> {
    const lease = await attemptLock(this.client, this.spec, signal)
    if (lease === undefined) throw new Error('unreachable: a waiting acquire always returns a lease')
    return lease
  }

  tryAcquire(): Promise<Lease | undefined> {
    return attemptLock(this.client, this.spec, undefined, false)
  }
}

/**
 * Many readers or one writer, served in arrival order: a writer waits for everybody ahead of
 * it, a reader only for writers ahead of it. Not re-entrant, and a writer cannot downgrade
 * (Curator's same-thread rules have no JavaScript equivalent).
 */
export class ReadWriteLock {
  /** The shared side. */
  readonly readLock: InterProcessLock
  /** The exclusive side. */
  readonly writeLock: InterProcessLock

  /** A read-write lock on `path` (created as a container on first use). */
  constructor(
    client: ZooKeeperClient,
    /** The lock's directory. */
    readonly path: string,
    options: ReadWriteLockOptions = {},
  ) {
    validatePath(path)
    const side = (name: string, driver: LockDriver): Side =>
      new Side(client, { basePath: path, newPrefix: () => `${curatorProtectedPrefix()}${name}`, data: options.data, driver })
    this.readLock = side(curatorReadLockName, readDriver)
    this.writeLock = side(curatorWriteLockName, standardDriver(1))
  }
}
