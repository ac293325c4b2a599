/**
 * Barriers: Barrier (Curator's DistributedBarrier: a node that holds everyone until removed) and
 * DoubleBarrier (Curator's DistributedDoubleBarrier: start and finish a computation together).
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { ZooKeeperClient } from '../client/index.js'
import { validatePath } from '../path.js'
import { CreateMode, type CreateModeValue } from '../protocol/create-mode.js'
import { ensurePath, join } from './internal/nodes.js'
import { hasCode, retrying, waitForChange, wakeup } from './internal/session.js'

/** Creates a node, counting "it already exists" as success (so retries after CONNECTIONLOSS are safe). */
async function createIdempotent(client: ZooKeeperClient, path: string, mode: CreateModeValue, signal?: AbortSignal): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await retrying(client, () => client.create(path, undefined, { mode }), signal)
      return
    } catch (error) {
      if (hasCode(error, 'NODEEXISTS')) return
      if (!hasCode(error, 'NONODE') || attempt > 0) throw error
      await ensurePath(client, path.slice(0, path.lastIndexOf('/')) || '/', signal)
    }
  }
}

/** Deletes a node, counting "it is already gone" as success. */
async function deleteIdempotent(client: ZooKeeperClient, path: string, signal?: AbortSignal): Promise<void> {
  try {
    await retrying(client, () => client.delete(path), signal)
  } catch (error) {
    if (!hasCode(error, 'NONODE')) throw error
  }
}

/** Curator's DistributedBarrier: while the node exists, wait() blocks. */
export class Barrier {
  /** A barrier node at `path`. */
  constructor(
    private readonly client: ZooKeeperClient,
    /** The barrier node. */
    readonly path: string,
  ) {
    validatePath(path)
  }

  /** Raises the barrier (creates the node; parents as containers). */
  set(signal?: AbortSignal): Promise<void> {
    return createIdempotent(this.client, this.path, CreateMode.PERSISTENT, signal)
  }

  /** Lowers the barrier, releasing every waiter. */
  remove(signal?: AbortSignal): Promise<void> {
    return deleteIdempotent(this.client, this.path, signal)
  }

  /** Resolves once the barrier is down (at once if it is). */
  async wait(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wake = wakeup()
      if ((await retrying(this.client, () => this.client.exists(this.path, { watch: wake.watch }), signal)) === null) return
      await waitForChange(wake.promise, this.client, signal)
    }
  }
}

/** Curator's DistributedDoubleBarrier.READY_NODE. */
export const readyNodeName = 'ready'

/**
 * Curator's DistributedDoubleBarrier: `enter()` returns once `memberQuota` members have entered,
 * `leave()` once all of them have left. Each member is an ephemeral `<path>/<uuid>`; the member
 * that completes the quota creates `<path>/ready`.
 */
export class DoubleBarrier {
  private readonly ourPath: string
  private readonly readyPath: string

  /** A barrier at `path` for `memberQuota` members. */
  constructor(
    private readonly client: ZooKeeperClient,
    /** The barrier's directory. */
    readonly path: string,
    /** How many members must enter before any proceeds. */
    readonly memberQuota: number,
  ) {
    validatePath(path)
    if (!(Number.isInteger(memberQuota) && memberQuota >= 1)) throw new RangeError(`memberQuota must be a positive integer, got ${memberQuota}`)
    this.ourPath = join(path, randomUUID())
    this.readyPath = join(path, readyNodeName)
  }

  /** Joins and waits until the quota is reached. On abort our member node is removed. */
  async enter(signal?: AbortSignal): Promise<void> {
    await createIdempotent(this.client, this.ourPath, CreateMode.EPHEMERAL, signal)
    try {
      await this.waitForReady(signal)
    } catch (error) {
      await deleteIdempotent(this.client, this.ourPath).catch(() => {})
      throw error
    }
  }

  private async waitForReady(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wake = wakeup()
      if ((await retrying(this.client, () => this.client.exists(this.readyPath, { watch: wake.watch }), signal)) !== null) return
      const members = await this.members(signal)
      if (members.length >= this.memberQuota) return createIdempotent(this.client, this.readyPath, CreateMode.PERSISTENT, signal)
      await waitForChange(wake.promise, this.client, signal)
    }
  }

  /**
   * Leaves and waits until every member has left. As in Curator, the lowest member waits for
   * the highest and the others for the lowest, so each departure wakes one or two members.
   */
  async leave(signal?: AbortSignal): Promise<void> {
    const ourName = this.ourPath.slice(this.path.length + 1)
    for (;;) {
      const members = (await this.members(signal)).sort()
      if (members.length === 0 || (members.length === 1 && members[0] === ourName)) break
      const lowest = members[0] as string
      if (lowest !== ourName) await deleteIdempotent(this.client, this.ourPath, signal)
      const target = lowest === ourName ? (members[members.length - 1] as string) : lowest
      const wake = wakeup()
      const stat = await retrying(this.client, () => this.client.exists(join(this.path, target), { watch: wake.watch }), signal)
      if (stat !== null) await waitForChange(wake.promise, this.client, signal)
    }
    // The last one out lowers ready first, so the next round starts from scratch.
    await deleteIdempotent(this.client, this.readyPath, signal)
    await deleteIdempotent(this.client, this.ourPath, signal)
  }

  private async members(signal?: AbortSignal): Promise<string[]> {
    const children = await retrying(this.client, () => this.client.getChildren(this.path), signal)
    return children.filter((name) => name !== readyNodeName)
  }
}
