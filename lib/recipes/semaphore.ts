/**
 * A counting semaphore with the layout of Curator's InterProcessSemaphoreV2: leases are
 * ephemeral sequential nodes under `<path>/leases`, and a mutex at `<path>/locks` lets one
 * waiter at a time watch the leases (so a returned lease wakes one process, not all).
 * @module
 */
import type { Data, ZooKeeperClient } from '../client/index.js'
import { ZooKeeperError } from '../errors.js'
import { validatePath } from '../path.js'
import { CreateMode } from '../protocol/create-mode.js'
import { HeldLease, type Lease } from './lease.js'
import { curatorProtectedPrefix, join, nameOf, OwnNode } from './internal/nodes.js'
import { hasCode, retrying, waitForChange, wakeup } from './internal/session.js'
import { Lock } from './lock.js'

/** Curator's InterProcessSemaphoreV2 lease node name. */
export const curatorLeaseName = 'lease-'

/** Options of {@link Semaphore}. */
export interface SemaphoreOptions {
  /** Data stored in each lease node. @defaultValue empty */
  data?: Data
}

/**
 * At most `maxLeases` holders at a time, across processes. Every process must use the same
 * `maxLeases` (as with Curator, nothing checks it).
 */
export class Semaphore {
  private readonly mutex: Lock
  private readonly leasesPath: string

  /** A semaphore at `path` with `maxLeases` leases. */
  constructor(
    private readonly client: ZooKeeperClient,
    /** The semaphore's directory. */
    readonly path: string,
    /** How many leases may be held at once. */
    readonly maxLeases: number,
    private readonly options: SemaphoreOptions = {},
  ) {
    validatePath(path)
    if (!(Number.isInteger(maxLeases) && maxLeases >= 1)) throw new RangeError(`maxLeases must be a positive integer, got ${maxLeases}`)
    this.mutex = new Lock(client, join(path, 'locks'))
    this.leasesPath = join(path, 'leases')
  }

  /** Waits for a lease; rejects (leaving no node) when `signal` aborts or the session ends. */
  async acquire(signal?: AbortSignal): Promise<Lease> {
    const turn = await this.mutex.acquire(signal)
    try {
      return await this.takeLease(signal)
    } finally {
      await turn.release()
    }
  }

  /** The lease nodes currently held. */
  async leases(): Promise<string[]> {
    try {
      return (await this.client.getChildren(this.leasesPath)).map((name) => join(this.leasesPath, name))
    } catch (error) {
      if (hasCode(error, 'NONODE')) return []
      throw error
    }
  }

  private async takeLease(signal?: AbortSignal): Promise<Lease> {
    const node = new OwnNode(this.client, this.leasesPath, `${curatorProtectedPrefix()}${curatorLeaseName}`)
    try {
      const path = await node.create(this.options.data, CreateMode.EPHEMERAL_SEQUENTIAL, signal)
      await this.waitForRoom(nameOf(path), signal)
      const lease = new HeldLease(this.client, node, path)
      await lease.watch()
      return lease
    } catch (error) {
      await node.deleteQuietly()
      throw error
    }
  }

  // Holding the mutex, we are the only waiter: watch the leases until ours is within the limit.
  private async waitForRoom(ourName: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wake = wakeup()
      const children = await retrying(this.client, () => this.client.getChildren(this.leasesPath, { watch: wake.watch }), signal)
      if (!children.includes(ourName)) throw new ZooKeeperError('NONODE', { path: join(this.leasesPath, ourName), message: `Lease node vanished: ${ourName}` })
      if (children.length <= this.maxLeases) return
      await waitForChange(wake.promise, this.client, signal)
    }
  }
}
