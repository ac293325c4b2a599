/**
 * Distributed queues with Apache Curator's layout, so Paddock and Curator producers and consumers
 * share one queue: items are persistent sequential nodes `<path>/queue-<infix><seq>` holding
 * Curator's multi-item envelope (ItemSerializer). The infix orders the queue:
 * - DistributedQueue: none (`queue-0000000007`), FIFO;
 * - DistributedPriorityQueue: `1`/`0` + 8 hex digits of the 32-bit priority
 *   (`queue-100000005` + seq), lowest first;
 * - DistributedDelayQueue: `|<epoch ms as %08X>|`, served once the time has come, earliest first;
 * - DistributedIdQueue: `|<id>|`, FIFO, removable by id.
 * @module
 */
import type { Data, ZooKeeperClient } from '../client/index.js'
import { ZooKeeperError } from '../errors.js'
import { validatePath } from '../path.js'
import { CreateMode } from '../protocol/create-mode.js'
import { ensurePath, join } from './internal/nodes.js'
import { hasCode, retrying, waitForChange, wakeup } from './internal/session.js'

/** Curator's DistributedQueue.QUEUE_ITEM_NAME: every item node's name starts with it. */
export const queueItemName = 'queue-'

/** Curator's ItemSerializer.VERSION, the first 4 bytes of every item node. */
export const queueEnvelopeVersion = 0x00010001
const itemOpcode = 0x01
const eofOpcode = 0x02
const int32Max = 2 ** 31
// setTimeout's own ceiling: a later head is looked at again after this long.
const timerDelayMaxMs = 2 ** 31 - 1

/**
 * Curator's multi-item envelope (ItemSerializer.serialize): int32 version 0x00010001, then per
 * item the byte 0x01, an int32 length and the bytes, then the byte 0x02; big-endian throughout.
 * A Curator queue's QueueSerializer decides what the item bytes mean; Paddock hands them over raw.
 */
export function encodeQueueItems(items: readonly Data[]): Uint8Array {
  const parts = items.map((item) => (typeof item === 'string' ? new TextEncoder().encode(item) : item))
  const bytes = new Uint8Array(4 + parts.reduce((sum, part) => sum + 5 + part.length, 0) + 1)
  const view = new DataView(bytes.buffer)
  view.setInt32(0, queueEnvelopeVersion)
  let at = 4
  for (const part of parts) {
    view.setUint8(at, itemOpcode)
    view.setInt32(at + 1, part.length)
    bytes.set(part, at + 5)
    at += 5 + part.length
  }
  view.setUint8(at, eofOpcode)
  return bytes
}

/** Reads Curator's multi-item envelope; a malformed one is BADARGUMENTS naming `path`. */
export function decodeQueueItems(bytes: Uint8Array, path: string): Uint8Array[] {
  const bad = (why: string): ZooKeeperError => new ZooKeeperError('BADARGUMENTS', { path, message: `queue item ${path}: ${why}` })
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 5) throw bad(`${bytes.length} bytes, too short for Curator's envelope`)
  const version = view.getInt32(0)
  if (version !== queueEnvelopeVersion) throw bad(`envelope version ${version}, expected ${queueEnvelopeVersion}`)
  const items: Uint8Array[] = []
  for (let at = 4; ; ) {
    if (at >= bytes.length) throw bad('no end marker')
    const opcode = view.getUint8(at)
    if (opcode === eofOpcode) return items
    if (opcode !== itemOpcode || at + 5 > bytes.length) throw bad(`opcode ${opcode} at byte ${at}`)
    const size = view.getInt32(at + 1)
    if (size < 0 || at + 5 + size > bytes.length) throw bad(`item size ${size} at byte ${at}`)
    items.push(bytes.slice(at + 5, at + 5 + size))
    at += 5 + size
  }
}

/** Curator's DistributedPriorityQueue.priorityToString: `1` (>= 0) or `0` (< 0), then `%08X` of the 32 bits. */
export function priorityInfix(priority: number): string {
  if (!(Number.isInteger(priority) && priority >= -int32Max && priority < int32Max)) throw new RangeError(`priority must be a 32-bit signed integer, got ${priority}`)
  return `${priority >= 0 ? '1' : '0'}${hex8(priority >>> 0)}`
}

/** Curator's DistributedDelayQueue.epochToString: `|` + `%08X` of the epoch in ms + `|`. */
export function delayInfix(epochMs: number): string {
  if (!(Number.isSafeInteger(epochMs) && epochMs >= 0)) throw new RangeError(`delayUntilEpochMs must be a non-negative safe integer, got ${epochMs}`)
  return `|${hex8(epochMs)}|`
}

/** Curator's DistributedDelayQueue.getEpoch: the hex between the last two `|`, or 0. */
export function delayEpochOf(name: string): number {
  const second = name.lastIndexOf('|')
  const first = second > 0 ? name.lastIndexOf('|', second - 1) : -1
  if (!(first > 0 && second > first + 1)) return 0
  const epoch = Number.parseInt(name.slice(first + 1, second), 16)
  return Number.isNaN(epoch) ? 0 : epoch
}

/** Curator's DistributedIdQueue: `|` + the id with `/` and `|` made `_` + `|`. */
export function idInfix(id: string): string {
  if (id.length === 0) throw new RangeError('an item id must not be empty')
  return `|${id.replaceAll('/', '_').replaceAll('|', '_')}|`
}

/** An id queue node's name taken apart (Curator's DistributedIdQueue.Parts). */
export interface IdName {
  /** The id as stored (with `/` and `|` replaced by `_`). */
  id: string
  /** The name without `|id|`: what the queue sorts by. */
  cleaned: string
}

/** Curator's DistributedIdQueue.parseId: the id between the first two `|`, and the name without it. */
export function parseIdName(name: string): IdName {
  const first = name.indexOf('|')
  const second = name.indexOf('|', first + 1)
  if (first < 0 || second < 0) return { id: name, cleaned: name }
  return { id: name.slice(first + 1, second), cleaned: name.slice(0, first) + name.slice(second + 1) }
}

function hex8(value: number): string {
  return value.toString(16).toUpperCase().padStart(8, '0')
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** How a queue orders its nodes and when a node may be served. */
interface Ordering {
  /** Sorts item names in serving order (Curator's sortChildren). */
  sort(names: string[]): string[]
  /** Milliseconds until the item may be served; <= 0 when it may be now (Curator's getDelay). */
  delayMs(name: string): number
}

const fifo: Ordering = { sort: (names) => names.sort(compare), delayMs: () => 0 }

/** The queue machinery every kind shares: put, poll, take, with a buffer for multi-item nodes. */
class QueueCore {
  // Items of a multi-item node this consumer took but has not handed out yet: the node is
  // deleted, so they are ours alone (Curator's consumer processes them all the same way).
  private readonly buffered: Uint8Array[] = []
  // How long until the head falls due, as the last poll saw it; undefined when nothing waits.
  private headDelayMs: number | undefined

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    private readonly ordering: Ordering = fifo,
  ) {
    validatePath(path)
  }

  /**
   * Creates one node holding `items`. No retry after a lost reply: an unprotected sequential
   * create cannot tell whether it applied, so the caller gets the CONNECTIONLOSS and decides.
   */
  async put(items: readonly Data[], infix: string): Promise<string> {
    if (items.length === 0) throw new RangeError('put needs at least one item')
    const data = encodeQueueItems(items)
    const path = join(this.path, `${queueItemName}${infix}`)
    try {
      return await this.client.create(path, data, { mode: CreateMode.PERSISTENT_SEQUENTIAL })
    } catch (error) {
      if (!hasCode(error, 'NONODE')) throw error
      await this.createDirectory()
      return this.client.create(path, data, { mode: CreateMode.PERSISTENT_SEQUENTIAL })
    }
  }

  // As Curator's start(): the queue's directory persistent, its ancestors containers.
  private async createDirectory(): Promise<void> {
    await ensurePath(this.client, this.path.slice(0, this.path.lastIndexOf('/')) || '/')
    try {
      await retrying(this.client, () => this.client.create(this.path, undefined, { mode: CreateMode.PERSISTENT }))
    } catch (error) {
      if (!hasCode(error, 'NODEEXISTS')) throw error
    }
  }

  async poll(watch?: () => void): Promise<Uint8Array | undefined> {
    const buffered = this.buffered.shift()
    if (buffered !== undefined) return buffered
    this.headDelayMs = undefined
    for (const name of await this.items(watch)) {
      const delayMs = this.ordering.delayMs(name)
      if (delayMs > 0) {
        this.headDelayMs = delayMs
        break
      }
      const items = await this.takeNode(join(this.path, name))
      if (items === undefined) continue
      this.buffered.push(...items.slice(1))
      if (items[0] !== undefined) return items[0]
    }
    return undefined
  }

  async take(signal?: AbortSignal): Promise<Uint8Array> {
    for (;;) {
      const wake = wakeup()
      const item = await this.poll(wake.trigger)
      if (item !== undefined) return item
      const timer = this.timerForHead(wake.trigger)
      try {
        await waitForChange(wake.promise, this.client, signal)
      } finally {
        clearTimeout(timer)
      }
    }
  }

  async size(): Promise<number> {
    return this.buffered.length + (await this.items()).length
  }

  /** The item node names, in serving order. */
  async items(watch?: () => void): Promise<string[]> {
    try {
      const children = await retrying(this.client, () => this.client.getChildren(this.path, watch === undefined ? {} : { watch }))
      // Curator's consumer skips "foreign" nodes; so do we.
      return this.ordering.sort(children.filter((name) => name.startsWith(queueItemName)))
    } catch (error) {
      if (!hasCode(error, 'NONODE')) throw error
      // No queue yet: watch for its creation so take() wakes on the first put. If it appeared
      // in between, wake at once and look again.
      if (watch !== undefined && (await this.client.exists(this.path, { watch })) !== null) watch()
      return []
    }
  }

  /** Deletes the node `name` if it is still there; true when we deleted it. */
  async remove(name: string): Promise<boolean> {
    try {
      await retrying(this.client, () => this.client.delete(join(this.path, name)))
      return true
    } catch (error) {
      if (hasCode(error, 'NONODE')) return false
      throw error
    }
  }

  // A delayed head wakes take() when it falls due. The timer is not unref'd: a process awaiting
  // take() should stay alive until the item is due; take() clears it however it ends.
  private timerForHead(trigger: () => void): ReturnType<typeof setTimeout> | undefined {
    if (this.headDelayMs === undefined) return undefined
    const timer = setTimeout(trigger, Math.min(this.headDelayMs, timerDelayMaxMs))
    return timer
  }

  // getData then a versioned delete (Curator's processNormally): whoever deletes the node owns
  // its items; losers try the next node.
  private async takeNode(path: string): Promise<Uint8Array[] | undefined> {
    try {
      const { data, stat } = await retrying(this.client, () => this.client.getData(path))
      await this.client.delete(path, stat.version)
      return decodeQueueItems(data, path)
    } catch (error) {
      if (hasCode(error, 'NONODE') || hasCode(error, 'BADVERSION')) return undefined
      throw error
    }
  }
}

/** What every queue offers to consumers. */
abstract class QueueConsumerSide {
  /** @internal The queue machinery. */
  protected abstract readonly core: QueueCore

  /** The queue's directory. */
  get path(): string {
    return this.core.path
  }

  /** Removes and returns the head, waiting for one; rejects when `signal` aborts or the session ends. */
  take(signal?: AbortSignal): Promise<Uint8Array> {
    return this.core.take(signal)
  }

  /** Removes and returns the head, or undefined when no item can be served now. */
  poll(): Promise<Uint8Array | undefined> {
    return this.core.poll()
  }

  /** Number of item nodes (a node put with several items counts once), plus items taken but not yet handed out. */
  size(): Promise<number> {
    return this.core.size()
  }
}

/**
 * A FIFO queue across processes (Curator's DistributedQueue, no lock path). Consumers compete:
 * each item goes to exactly one consumer, except that a consumer whose delete reply is lost
 * (CONNECTIONLOSS) rejects and the item is gone (at-most-once delivery, as with Curator's and
 * kazoo's queues). A put whose reply is lost rejects too: the item may or may not be queued.
 */
export class DistributedQueue extends QueueConsumerSide {
  /** @internal The queue machinery. */
  protected readonly core: QueueCore

  /** A queue in directory `path` (created on first put). */
  constructor(client: ZooKeeperClient, path: string) {
    super()
    this.core = new QueueCore(client, path)
  }

  /** Appends an item; returns its node. */
  put(data: Data): Promise<string> {
    return this.core.put([data], '')
  }

  /** Appends several items in one node, taken together by one consumer (Curator's putMulti). */
  putMulti(items: readonly Data[]): Promise<string> {
    return this.core.put(items, '')
  }
}

/**
 * A queue served lowest priority number first, FIFO within a priority (Curator's
 * DistributedPriorityQueue). Priorities are 32-bit signed integers.
 */
export class DistributedPriorityQueue extends QueueConsumerSide {
  /** @internal The queue machinery. */
  protected readonly core: QueueCore

  /** A priority queue in directory `path` (created on first put). */
  constructor(client: ZooKeeperClient, path: string) {
    super()
    this.core = new QueueCore(client, path)
  }

  /** Adds an item with a priority (lower is served first); returns its node. */
  put(data: Data, priority: number): Promise<string> {
    return this.core.put([data], priorityInfix(priority))
  }

  /** Adds several items with one priority in one node (Curator's putMulti). */
  putMulti(items: readonly Data[], priority: number): Promise<string> {
    return this.core.put(items, priorityInfix(priority))
  }
}

/** Options of {@link DistributedDelayQueue}. */
export interface DelayQueueOptions {
  /** The clock that decides when an item is due, in ms since the epoch. @defaultValue Date.now */
  now?: () => number
}

/**
 * A queue whose items become available at a time given by the producer (Curator's
 * DistributedDelayQueue), earliest first. The producers' and consumers' clocks must agree.
 */
export class DistributedDelayQueue extends QueueConsumerSide {
  /** @internal The queue machinery. */
  protected readonly core: QueueCore

  /** A delay queue in directory `path` (created on first put). */
  constructor(client: ZooKeeperClient, path: string, options: DelayQueueOptions = {}) {
    super()
    const now = options.now ?? Date.now
    const delayMs = (name: string): number => delayEpochOf(name) - now()
    this.core = new QueueCore(client, path, {
      sort: (names) => names.map((name) => ({ name, epoch: delayEpochOf(name) })).sort((a, b) => a.epoch - b.epoch).map((entry) => entry.name),
      delayMs,
    })
  }

  /** Adds an item served no earlier than `delayUntilEpochMs`; returns its node. */
  put(data: Data, delayUntilEpochMs: number): Promise<string> {
    return this.core.put([data], delayInfix(delayUntilEpochMs))
  }

  /** Adds several items due at one time in one node (Curator's putMulti). */
  putMulti(items: readonly Data[], delayUntilEpochMs: number): Promise<string> {
    return this.core.put(items, delayInfix(delayUntilEpochMs))
  }
}

/**
 * A FIFO queue whose items carry an id, so a producer can withdraw them (Curator's
 * DistributedIdQueue). Ids have `/` and `|` replaced by `_`, as Curator stores them.
 */
export class DistributedIdQueue extends QueueConsumerSide {
  /** @internal The queue machinery. */
  protected readonly core: QueueCore

  /** An id queue in directory `path` (created on first put). */
  constructor(client: ZooKeeperClient, path: string) {
    super()
    this.core = new QueueCore(client, path, {
      sort: (names) => names.sort((a, b) => compare(parseIdName(a).cleaned, parseIdName(b).cleaned)),
      delayMs: () => 0,
    })
  }

  /** Adds an item under `id`; returns its node. */
  put(data: Data, id: string): Promise<string> {
    return this.core.put([data], idInfix(id))
  }

  /** Removes every queued item with `id`; returns how many this call removed. */
  async remove(id: string): Promise<number> {
    const stored = parseIdName(`${queueItemName}${idInfix(id)}`).id
    let count = 0
    for (const name of await this.core.items()) if (parseIdName(name).id === stored && (await this.core.remove(name))) count++
    return count
  }

  /** True when an item with `id` is queued. */
  async contains(id: string): Promise<boolean> {
    const stored = parseIdName(`${queueItemName}${idInfix(id)}`).id
    return (await this.core.items()).some((name) => parseIdName(name).id === stored)
  }
}
