/**
 * The fair-lock core shared by Lock, ReadWriteLock, LeaderLatch and the semaphore's mutex
 * (Curator's LockInternals): create an ephemeral sequential node, then wait, watching only the
 * node the driver names (normally the predecessor), until the driver says we hold it.
 * @module
 */
import type { Data, ZooKeeperClient } from '../../client/index.js'
import { ZooKeeperError } from '../../errors.js'
import { recreateAttemptsMax } from '../../limits.js'
import { CreateMode } from '../../protocol/create-mode.js'
import { HeldLease } from '../lease.js'
import { join, nameOf, OwnNode, sortBySequence } from './nodes.js'
import { hasCode, retrying, waitForChange, wakeup, type Wakeup } from './session.js'

/** Decides from the sorted children whether the node at `ourIndex` holds the lock. */
export interface LockDriver {
  /** null when `sorted[ourIndex]` holds the lock, else the name of the child to wait for. */
  nodeToWatch(sorted: readonly string[], ourIndex: number): string | null
}

/** Curator's StandardLockInternalsDriver: the first `maxLeases` nodes hold; others watch the node `maxLeases` ahead. */
export function standardDriver(maxLeases: number): LockDriver {
  return {
    nodeToWatch: (sorted, ourIndex) => (ourIndex < maxLeases ? null : (sorted[ourIndex - maxLeases] ?? null)),
  }
}

/** What to lock and how. */
export interface LockSpec {
  /** The lock's directory. */
  basePath: string
  /** Makes the unique name prefix of a new node (e.g. `_c_<uuid>-lock-`). */
  newPrefix: () => string
  /** Data of the node. */
  data?: Data | undefined
  /** Who holds the lock. */
  driver: LockDriver
  /** Handed every new version of the held node's data (see {@link HeldLease}). */
  onData?: ((data: Uint8Array, path: string) => void) | undefined
}

/**
 * Takes the lock: resolves with a lease once held. With `wait: false` resolves undefined instead
 * of waiting. On abort or error our node is deleted before the promise rejects.
 */
export async function attemptLock(client: ZooKeeperClient, spec: LockSpec, signal?: AbortSignal, wait = true): Promise<HeldLease | undefined> {
  for (let attempt = 0; ; attempt++) {
    signal?.throwIfAborted()
    const node = new OwnNode(client, spec.basePath, spec.newPrefix())
    try {
      const path = await node.create(spec.data, CreateMode.EPHEMERAL_SEQUENTIAL, signal)
      if (!(await waitForTurn(client, spec, path, signal, wait))) {
        await node.deleteQuietly()
        return undefined
      }
      const lease = new HeldLease(client, node, path, spec.onData)
      await lease.watch()
      return lease
    } catch (error) {
      await node.deleteQuietly()
      if (!ourNodeVanished(error) || attempt >= recreateAttemptsMax || client.state !== 'SyncConnected') throw error
    }
  }
}

const vanishedMessage = 'Sequential path not found'

function ourNodeVanished(error: unknown): boolean {
  return hasCode(error, 'NONODE') && (error as Error).message.startsWith(vanishedMessage)
}

// Each round waits for one event (the watched node going, a state change or the abort), so the
// number of rounds is bounded by the waiters ahead of us, not by time.
async function waitForTurn(client: ZooKeeperClient, spec: LockSpec, ourPath: string, signal: AbortSignal | undefined, wait: boolean): Promise<boolean> {
  const ourName = nameOf(ourPath)
  for (;;) {
    const wake = wakeup()
    const watching = await retrying(client, () => checkTurn(client, spec, ourName, wait ? wake : undefined), signal)
    if (!watching) return true
    if (!wait) return false
    await waitForChange(wake.promise, client, signal)
  }
}

/** One look at the children: false when we hold the lock, else true with a watch left on the node ahead. */
async function checkTurn(client: ZooKeeperClient, spec: LockSpec, ourName: string, wake: Wakeup | undefined): Promise<boolean> {
  const sorted = sortBySequence(await client.getChildren(spec.basePath))
  const ourIndex = sorted.indexOf(ourName)
  if (ourIndex < 0) throw new ZooKeeperError('NONODE', { path: join(spec.basePath, ourName), message: `${vanishedMessage}: ${ourName}` })
  const ahead = spec.driver.nodeToWatch(sorted, ourIndex)
  if (ahead === null) return false
  if (wake === undefined) return true
  try {
    // getData rather than exists, as Curator does: a watch is left only if the node is there.
    await client.getData(join(spec.basePath, ahead), { watch: wake.watch })
  } catch (error) {
    if (!hasCode(error, 'NONODE')) throw error
    wake.trigger()
  }
  return true
}

/** The lock's participants in order, as full paths. */
export async function participants(client: ZooKeeperClient, basePath: string): Promise<string[]> {
  try {
    return sortBySequence(await client.getChildren(basePath)).map((name) => join(basePath, name))
  } catch (error) {
    if (hasCode(error, 'NONODE')) return []
    throw error
  }
}
