/**
 * A storage that keeps nothing: the storage of an in-memory server, whose state lives only in its
 * tree and is gone when it closes. Appends are durable the moment they are made (there is no disk
 * to sync), so a member on it commits a write in the same turn it was asked for.
 * @module
 */
import { StorageError } from './errors.js'
import type { LogEntry, PurgeResult, SnapshotInfo, SnapshotReader, Storage, StorageState, StorageStats } from './types.js'

/**
 * Creates a storage that keeps nothing across `close()`: the log and snapshots are not kept at all
 * (`readLog` yields nothing, `latestSnapshot` is undefined), and only the two epochs and the last
 * zxid are remembered while it is open. Its `volatile` flag tells the member not to wait for
 * appends and not to write snapshots.
 */
export function createVolatileStorage(): Storage {
  return new VolatileStorage()
}

class VolatileStorage implements Storage {
  readonly volatile = true
  state: StorageState = 'closed'
  lastLoggedZxid = 0
  acceptedEpoch: number | undefined
  currentEpoch: number | undefined
  memberConfig: Uint8Array | undefined
  /** Nothing is ever removed from a log that keeps nothing. */
  readonly logRemovedThrough = 0
  readonly #stats = { logBatchesWritten: 0, logEntriesWritten: 0, logBatchEntriesLargest: 0 }

  get stats(): StorageStats {
    return { ...this.#stats }
  }

  open(): Promise<void> {
    this.state = 'open'
    return Promise.resolve()
  }

  append(entries: readonly LogEntry[]): Promise<void> {
    return this.#whenOpen(() => {
      for (const entry of entries) {
        if (!Number.isSafeInteger(entry.zxid) || entry.zxid <= this.lastLoggedZxid) {
          throw new RangeError(`append of zxid ${entry.zxid} after ${this.lastLoggedZxid}: zxids must strictly increase`)
        }
        this.lastLoggedZxid = entry.zxid
      }
      if (entries.length === 0) return
      this.#stats.logBatchesWritten++
      this.#stats.logEntriesWritten += entries.length
      this.#stats.logBatchEntriesLargest = Math.max(this.#stats.logBatchEntriesLargest, entries.length)
    })
  }

  async *readLog(_fromZxid: number): AsyncIterable<LogEntry> {
    this.#check()
  }

  truncateAfter(zxid: number): Promise<void> {
    return this.#whenOpen(() => {
      this.lastLoggedZxid = Math.min(this.lastLoggedZxid, zxid)
    })
  }

  async writeSnapshot(zxid: number, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<SnapshotInfo> {
    this.#check()
    let chunkCount = 0
    let byteCount = 0
    for await (const chunk of chunks) {
      chunkCount++
      byteCount += chunk.byteLength
    }
    return { zxid, chunkCount, byteCount }
  }

  latestSnapshot(): Promise<SnapshotReader | undefined> {
    return this.#whenOpen(() => undefined)
  }

  readSnapshot(_zxid: number): Promise<SnapshotReader | undefined> {
    return this.#whenOpen(() => undefined)
  }

  listSnapshots(): Promise<SnapshotInfo[]> {
    return this.#whenOpen(() => [])
  }

  setAcceptedEpoch(epoch: number): Promise<void> {
    return this.#whenOpen(() => {
      this.acceptedEpoch = epoch
    })
  }

  setCurrentEpoch(epoch: number): Promise<void> {
    return this.#whenOpen(() => {
      this.currentEpoch = epoch
    })
  }

  setMemberConfig(config: Uint8Array): Promise<void> {
    return this.#whenOpen(() => {
      this.memberConfig = config.slice()
    })
  }

  purge(_retainCount: number): Promise<PurgeResult> {
    return this.#whenOpen(() => ({ snapshotsRemoved: 0, logEntriesRemoved: 0 }))
  }

  discardHistoryThrough(_zxid: number): Promise<PurgeResult> {
    return this.#whenOpen(() => ({ snapshotsRemoved: 0, logEntriesRemoved: 0 }))
  }

  close(): Promise<void> {
    this.state = 'closed'
    return Promise.resolve()
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  #check(): void {
    if (this.state !== 'open') throw new StorageError('NOT_OPEN', `volatile storage is ${this.state}: open() it first`)
  }

  #whenOpen<T>(run: () => T): Promise<T> {
    try {
      this.#check()
      return Promise.resolve(run())
    } catch (error) {
      return Promise.reject(error)
    }
  }
}
