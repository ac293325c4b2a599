/**
 * SharedCount: an int32 in one znode that every participant sees, with Curator's layout
 * (SharedCount: 4 bytes, big-endian, signed) so Java and Node processes share one count.
 * @module
 */
import type { WatchedEvent, ZooKeeperClient } from '../client/index.js'
import { ZooKeeperError } from '../errors.js'
import { validatePath } from '../path.js'
import type { VersionedValue } from './counter.js'
import { Listeners } from './internal/listeners.js'
import { ensurePath } from './internal/nodes.js'
import { hasCode, isTransient, retrying, sessionEnded } from './internal/session.js'

const int32Max = 2 ** 31

/** Curator's SharedCount.toBytes: the int32 as 4 big-endian bytes. */
export function encodeSharedCount(value: number): Uint8Array {
  if (!(Number.isInteger(value) && value >= -int32Max && value < int32Max)) throw new RangeError(`a shared count is a 32-bit signed integer, got ${value}`)
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setInt32(0, value)
  return bytes
}

/** Curator's SharedCount.fromBytes: the first 4 bytes as a big-endian int32 (fewer is BADARGUMENTS). */
export function decodeSharedCount(bytes: Uint8Array, path: string): number {
  if (bytes.length < 4) throw new ZooKeeperError('BADARGUMENTS', { path, message: `shared count ${path} holds ${bytes.length} bytes, not 4` })
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0)
}

/**
 * A shared int32 (Curator's SharedCount): start() creates the node with the seed if it is
 * missing, then the count is followed by a watch, so `count` is the last value seen and every
 * change is reported to listeners. Writes are unconditional (setCount) or versioned (trySetCount).
 */
export class SharedCount {
  private current: VersionedValue
  private readonly listeners = new Listeners<VersionedValue>()
  private readonly errors = new Listeners<unknown>()
  private unsubscribe: () => void = () => {}
  private state: 'latent' | 'started' | 'closed' = 'latent'
  private readonly watcher = (event: WatchedEvent): void => {
    if (event.type === 'NodeDataChanged' || event.type === 'NodeCreated' || event.type === 'NodeDeleted') this.refresh()
  }

  /** A count in node `path`, created with `seedValue` by start() if it does not exist. */
  constructor(
    private readonly client: ZooKeeperClient,
    /** The count's node. */
    readonly path: string,
    /** The value a new node starts with. */
    readonly seedValue: number,
  ) {
    validatePath(path)
    encodeSharedCount(seedValue)
    this.current = { value: seedValue, version: -1 }
  }

  /** Creates the node if needed and reads the count; resolves once it is known. */
  async start(): Promise<void> {
    if (this.state !== 'latent') throw new Error('SharedCount.start() may be called once')
    this.state = 'started'
    this.unsubscribe = this.client.onStateChange((event) => event.state === 'SyncConnected' && this.refresh())
    await this.createIfMissing()
    await this.read()
  }

  /** Stops following the count. */
  close(): void {
    this.state = 'closed'
    this.unsubscribe()
  }

  /** The count as last seen. */
  get count(): number {
    return this.current.value
  }

  /** The count and the znode version it was read at (the `previous` of trySetCount). */
  get versionedValue(): VersionedValue {
    return { ...this.current }
  }

  /** Sets the count whatever it was (Curator's setCount). */
  async setCount(value: number): Promise<void> {
    const stat = await retrying(this.client, () => this.client.setData(this.path, encodeSharedCount(value)))
    this.see({ value, version: stat.version })
  }

  /**
   * Sets the count only if the node is still at `previous.version` (by default the version last
   * seen); false when someone changed it first, after which `count` shows their value.
   * A lost reply (CONNECTIONLOSS) rejects: the write may or may not have applied.
   */
  async trySetCount(value: number, previous: VersionedValue = this.current): Promise<boolean> {
    if (previous.version === -1) throw new RangeError('trySetCount needs a version read from the node: call start() first')
    try {
      const stat = await this.client.setData(this.path, encodeSharedCount(value), previous.version)
      this.see({ value, version: stat.version })
      return true
    } catch (error) {
      if (!hasCode(error, 'BADVERSION') && !hasCode(error, 'NONODE')) throw error
      await this.read()
      return false
    }
  }

  /** Called with the count and version after every change seen; returns the unsubscribe function. */
  on(listener: (value: VersionedValue) => void): () => void {
    return this.listeners.on(listener)
  }

  /** Called when a background read fails for a reason other than a lost connection or session. */
  onError(listener: (error: unknown) => void): () => void {
    return this.errors.on(listener)
  }

  private async createIfMissing(): Promise<void> {
    const parent = this.path.slice(0, this.path.lastIndexOf('/')) || '/'
    await ensurePath(this.client, parent)
    try {
      await retrying(this.client, () => this.client.create(this.path, encodeSharedCount(this.seedValue)))
    } catch (error) {
      if (!hasCode(error, 'NODEEXISTS')) throw error
    }
  }

  private async read(): Promise<void> {
    try {
      const { data, stat } = await retrying(this.client, () => this.client.getData(this.path, { watch: this.watcher }))
      this.see({ value: decodeSharedCount(data, this.path), version: stat.version })
    } catch (error) {
      if (!hasCode(error, 'NONODE')) throw error
      // Deleted under us: watch for it to come back (at version 0 again), keeping the last value.
      this.current = { value: this.current.value, version: -1 }
      if ((await this.client.exists(this.path, { watch: this.watcher })) !== null) await this.read()
    }
  }

  private refresh(): void {
    if (this.state !== 'started') return
    this.read().catch((error: unknown) => {
      if (this.state === 'started' && !sessionEnded(this.client.state) && !isTransient(error)) this.errors.emit(error)
    })
  }

  // Versions only grow, so an older read arriving late never overwrites a newer one.
  private see(next: VersionedValue): void {
    if (next.version <= this.current.version) return
    this.current = next
    this.listeners.emit({ ...next })
  }
}
