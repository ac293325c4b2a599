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
import { HeldLease, type InterProcessLock, type Lease } from './lease.js'
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
      return await this.takeLease(signal, true)
    } finally {
      await turn.release()
    }
  }

  /**
   * Takes a lease only if that needs no waiting (Curator's acquire with a zero wait): resolves
   * undefined when another process is taking a lease or all `maxLeases` are held.
   */
  async tryAcquire(): Promise<Lease | undefined> {
    const turn = await this.mutex.tryAcquire()
    if (turn === undefined) return undefined
    try {
      return await this.takeLease(undefined, false)
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

  private async takeLease(signal: AbortSignal | undefined, wait: true): Promise<Lease>
  private async takeLease(signal: AbortSignal | undefined, wait: boolean): Promise<Lease | undefined>
  private async takeLease(signal: AbortSignal | undefined, wait: boolean): Promise<Lease | undefined> {
    const node = new OwnNode(this.client, this.leasesPath, `${curatorProtectedPrefix()}${curatorLeaseName}`)
    try {
      const path = await node.create(this.options.data, CreateMode.EPHEMERAL_SEQUENTIAL, signal)
      if (!(await this.waitForRoom(nameOf(path), signal, wait))) {
        await node.deleteQuietly()
        return undefined
      }
      const lease = new HeldLease(this.client, node, path)
      await lease.watch()
      return lease
    } catch (error) {
      await node.deleteQuietly()
      throw error
    }
  }

  // Holding the mutex, we are the only waiter: watch the leases until ours is within the limit.
  // False when there is no room and `wait` is false.
  private async waitForRoom(ourName: string, signal: AbortSignal | undefined, wait: boolean): Promise<boolean> {
    for (;;) {
      const wake = wakeup()
      const children = await retrying(this.client, () => this.client.getChildren(this.leasesPath, { watch: wake.watch }), signal)
      if (!children.includes(ourName)) throw new ZooKeeperError('NONODE', { path: join(this.leasesPath, ourName), message: `Lease node vanished: ${ourName}` })
      if (children.length <= this.maxLeases) return true
      if (!wait) return false
      await waitForChange(wake.promise, this.client, signal)
    }
  }
}

/**
 * A non-re-entrant mutex built on a one-lease {@link Semaphore}, with the layout of Curator's
 * InterProcessSemaphoreMutex (`<path>/locks`, `<path>/leases`): a Paddock SemaphoreMutex and a
 * Curator one on the same path exclude each other. Unlike {@link Lock}, a second acquire by the
 * same holder waits (it would deadlock in Curator too).
 */
export class SemaphoreMutex implements InterProcessLock {
  private readonly semaphore: Semaphore

  /** A mutex at `path`. */
  constructor(
    client: ZooKeeperClient,
    /** The mutex's directory. */
    readonly path: string,
    options: SemaphoreOptions = {},
  ) {
    this.semaphore = new Semaphore(client, path, 1, options)
  }

  /** Waits for the mutex; rejects (leaving no node) when `signal` aborts or the session ends. */
  acquire(signal?: AbortSignal): Promise<Lease> {
    return this.semaphore.acquire(signal)
  }

  /** Takes the mutex only if that needs no waiting; otherwise resolves undefined. */
  tryAcquire(): Promise<Lease | undefined> {
    return this.semaphore.tryAcquire()
  }
}
