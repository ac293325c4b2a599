/**
 * SharedCounter: an integer in one znode, changed atomically by versioned setData (compare and
 * set), stored as Curator's DistributedAtomicLong stores it: 8 bytes, big-endian, signed.
 * @module
 */
import type { ZooKeeperClient } from '../client/index.js'
import { ZooKeeperError } from '../errors.js'
import { casAttemptsMax } from '../limits.js'
import { validatePath } from '../path.js'
import { ensurePath } from './internal/nodes.js'
import { hasCode, retrying } from './internal/session.js'

/** A counter value and the znode version it was read at. */
export interface VersionedValue {
  /** The value. */
  value: number
  /** The znode's data version (-1 when the node does not exist yet). */
  version: number
}

/** Encodes a safe integer as Curator's DistributedAtomicLong bytes. */
export function encodeCounter(value: number): Uint8Array {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigInt64(0, BigInt(value))
  return bytes
}

/** Decodes DistributedAtomicLong bytes (empty data counts as 0). */
export function decodeCounter(bytes: Uint8Array, path: string): number {
  if (bytes.length === 0) return 0
  if (bytes.length !== 8) throw new ZooKeeperError('BADARGUMENTS', { path, message: `counter ${path} holds ${bytes.length} bytes, not 8` })
  const value = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0)
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ZooKeeperError('BADARGUMENTS', { path, message: `counter ${path} is ${value}, beyond a safe JavaScript integer` })
  }
  return Number(value)
}

/**
 * A shared integer. add() is atomic across processes: it reads the value and version, writes
 * value + delta only if the version is unchanged, and retries when another client won.
 */
export class SharedCounter {
  /** A counter in node `path` (created with 0 on first use). */
  constructor(
    private readonly client: ZooKeeperClient,
    /** The counter's node. */
    readonly path: string,
  ) {
    validatePath(path)
  }

  /** The current value and version. */
  async getVersioned(): Promise<VersionedValue> {
    try {
      const { data, stat } = await retrying(this.client, () => this.client.getData(this.path))
      return { value: decodeCounter(data, this.path), version: stat.version }
    } catch (error) {
      if (hasCode(error, 'NONODE')) return { value: 0, version: -1 }
      throw error
    }
  }

  /** The current value. */
  async get(): Promise<number> {
    return (await this.getVersioned()).value
  }

  /**
   * Sets `value` if the counter is still at `expected.version`; false when another client
   * changed it first. A lost reply (CONNECTIONLOSS) rejects: the write may or may not have applied.
   */
  async trySet(value: number, expected: VersionedValue): Promise<boolean> {
    if (!Number.isSafeInteger(value)) throw new RangeError(`counter value must be a safe integer, got ${value}`)
    try {
      if (expected.version === -1) await this.createWith(value)
      else await this.client.setData(this.path, encodeCounter(value), expected.version)
      return true
    } catch (error) {
      if (hasCode(error, 'BADVERSION') || hasCode(error, 'NODEEXISTS') || hasCode(error, 'NONODE')) return false
      throw error
    }
  }

  /** Adds `delta` atomically and returns the new value. */
  async add(delta: number, signal?: AbortSignal): Promise<number> {
    for (let attempt = 0; attempt < casAttemptsMax; attempt++) {
      signal?.throwIfAborted()
      const current = await this.getVersioned()
      const next = current.value + delta
      if (await this.trySet(next, current)) return next
    }
    throw new ZooKeeperError('BADVERSION', { path: this.path, message: `counter ${this.path}: lost ${casAttemptsMax} compare-and-set rounds` })
  }

  /** Adds one; returns the new value. */
  increment(signal?: AbortSignal): Promise<number> {
    return this.add(1, signal)
  }

  private async createWith(value: number): Promise<void> {
    const parent = this.path.slice(0, this.path.lastIndexOf('/')) || '/'
    try {
      await this.client.create(this.path, encodeCounter(value))
    } catch (error) {
      if (!hasCode(error, 'NONODE')) throw error
      await ensurePath(this.client, parent)
      await this.client.create(this.path, encodeCounter(value))
    }
  }
}
