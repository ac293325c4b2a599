/**
 * Distributed queues: DistributedQueue (FIFO) and DistributedPriorityQueue. Items are persistent
 * sequential nodes `<path>/_c_<uuid>-queue-<seq>` (the priority queue puts the priority before
 * the sequence), so a producer that loses a create reply finds its item instead of adding it twice.
 * @module
 */
import type { Data, ZooKeeperClient } from '../client/index.js'
import { validatePath } from '../path.js'
import { CreateMode } from '../protocol/create-mode.js'
import { curatorProtectedPrefix, join, OwnNode } from './internal/nodes.js'
import { hasCode, retrying, waitForChange, wakeup } from './internal/session.js'

/** Curator's DistributedQueue.QUEUE_PREFIX. */
export const queueItemName = 'queue-'

const priorityOffset = 2 ** 31

function sortKey(name: string): string {
  return name.slice(name.lastIndexOf(queueItemName) + queueItemName.length)
}

class QueueCore {
  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
  ) {
    validatePath(path)
  }

  async put(data: Data, infix: string): Promise<string> {
    const node = new OwnNode(this.client, this.path, `${curatorProtectedPrefix()}${queueItemName}${infix}`)
    return node.create(data, CreateMode.PERSISTENT_SEQUENTIAL)
  }

  async poll(watch?: () => void): Promise<Uint8Array | undefined> {
    for (const name of await this.items(watch)) {
      const item = await this.takeItem(join(this.path, name))
      if (item !== undefined) return item
    }
    return undefined
  }

  async take(signal?: AbortSignal): Promise<Uint8Array> {
    for (;;) {
      const wake = wakeup()
      const item = await this.poll(wake.trigger)
      if (item !== undefined) return item
      await waitForChange(wake.promise, this.client, signal)
    }
  }

  async size(): Promise<number> {
    return (await this.items()).length
  }

  private async items(watch?: () => void): Promise<string[]> {
    try {
      const children = await retrying(this.client, () => this.client.getChildren(this.path, watch === undefined ? {} : { watch }))
      return children.filter((name) => name.includes(queueItemName)).sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0))
    } catch (error) {
      if (!hasCode(error, 'NONODE')) throw error
      // No queue yet: watch for its creation so take() wakes on the first put. If it appeared
      // in between, wake at once and look again.
      if (watch !== undefined && (await this.client.exists(this.path, { watch })) !== null) watch()
      return []
    }
  }

  // getData then a versioned delete: whoever deletes the node owns the item; losers try the next.
  private async takeItem(path: string): Promise<Uint8Array | undefined> {
    try {
      const { data, stat } = await retrying(this.client, () => this.client.getData(path))
      await this.client.delete(path, stat.version)
      return data
    } catch (error) {
      if (hasCode(error, 'NONODE') || hasCode(error, 'BADVERSION')) return undefined
      throw error
    }
  }
}

/**
 * A FIFO queue across processes. Consumers compete: each item goes to exactly one consumer,
 * except that a consumer whose delete reply is lost (CONNECTIONLOSS) rejects and the item is
 * gone (at-most-once delivery, as with Curator's and kazoo's queues).
 */
export class DistributedQueue {
  private readonly core: QueueCore

  /** A queue in directory `path` (created on first put). */
  constructor(client: ZooKeeperClient, path: string) {
    this.core = new QueueCore(client, path)
  }

  /** The queue's directory. */
  get path(): string {
    return this.core.path
  }

  /** Appends an item; returns its node. */
  put(data: Data): Promise<string> {
    return this.core.put(data, '')
  }

  /** Removes and returns the head, waiting for one; rejects when `signal` aborts or the session ends. */
  take(signal?: AbortSignal): Promise<Uint8Array> {
    return this.core.take(signal)
  }

  /** Removes and returns the head, or undefined when the queue is empty. */
  poll(): Promise<Uint8Array | undefined> {
    return this.core.poll()
  }

  /** Number of items. */
  size(): Promise<number> {
    return this.core.size()
  }
}

/**
 * A queue served lowest priority number first, FIFO within a priority (Curator's
 * DistributedPriorityQueue convention). Priorities are 32-bit signed integers.
 */
export class DistributedPriorityQueue {
  private readonly core: QueueCore

  /** A priority queue in directory `path` (created on first put). */
  constructor(client: ZooKeeperClient, path: string) {
    this.core = new QueueCore(client, path)
  }

  /** The queue's directory. */
  get path(): string {
    return this.core.path
  }

  /** Adds an item with a priority (lower is served first); returns its node. */
  put(data: Data, priority: number): Promise<string> {
    if (!(Number.isInteger(priority) && priority >= -priorityOffset && priority < priorityOffset)) {
      throw new RangeError(`priority must be a 32-bit signed integer, got ${priority}`)
    }
    return this.core.put(data, `${String(priority + priorityOffset).padStart(10, '0')}-`)
  }

  /** Removes and returns the most urgent item, waiting for one. */
  take(signal?: AbortSignal): Promise<Uint8Array> {
    return this.core.take(signal)
  }

  /** Removes and returns the most urgent item, or undefined when empty. */
  poll(): Promise<Uint8Array | undefined> {
    return this.core.poll()
  }

  /** Number of items. */
  size(): Promise<number> {
    return this.core.size()
  }
}
