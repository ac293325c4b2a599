/**
 * The one Storage implementation, written against abstract-level: on disk it runs on `level`
 * (classic-level, LevelDB), in tests and simulations on `memory-level`. See DESIGN.md "Storage".
 * @module
 */
import type { AbstractBatchOptions, AbstractDelOptions, AbstractLevel, AbstractPutOptions } from 'abstract-level'
import { EPOCH_LIMIT } from '../lib/protocol/zxid.js'
import * as codec from './codec.js'
import { StorageError } from './errors.js'
import { GroupCommitter } from './group-commit.js'
import { defaultStorageLimits, scanBytesMax, scanEntriesMax, type StorageLimits } from './limits.js'
import type {
  LogEntry,
  PurgeResult,
  SnapshotInfo,
  SnapshotReader,
  SnapshotReadOptions,
  Storage,
  StorageLogger,
  StorageOptions,
  StorageState,
  StorageStats,
} from './types.js'

/** The database the storage runs on: string keys, byte values. */
export type StorageDb = AbstractLevel<string | Uint8Array | Buffer, string, Uint8Array>

/** How the storage names its database in errors and log lines, and how it reports lock errors. */
export interface StorageTarget {
  /**
   * Returns the database for one open: string keys, Uint8Array values. It is called in `open()`,
   * not before, because an abstract-level database opens itself a tick after construction and a
   * storage that was created but not opened must not hold the directory lock.
   */
  readonly db: () => StorageDb
  /** Names the store in messages: the dataDir, or "memory". */
  readonly description: string
  /**
   * Whether the database maps the files it reads into memory and unmaps them only when it closes
   * them (LevelDB's table files): {@link LevelBackedStorage.releaseReadMemory} then reopens it.
   */
  readonly mapsFiles?: boolean
}

/** Stands in for the database while the storage is closed; every call fails as a programmer error. */
const closedDb = new Proxy({} as StorageDb, {
  get(_target, property) {
    if (property === 'status') return 'closed'
    throw new Error(`storage database used while closed (${String(property)})`)
  },
})

type WriteOptions = AbstractBatchOptions<string, Uint8Array> & AbstractPutOptions<string, Uint8Array> & AbstractDelOptions<string>

/**
 * Write options with LevelDB's `sync` flag: classic-level fsyncs its write-ahead log before the
 * write resolves; abstract-level's types do not declare the flag and memory-level ignores it.
 */
function writeOptions(sync: boolean): WriteOptions {
  return { sync } as WriteOptions
}

const synced = writeOptions(true)

interface LogOp {
  zxid: number
  key: string
  value: Uint8Array
}

interface MutableStats {
  logBatchesWritten: number
  logEntriesWritten: number
  logBatchEntriesLargest: number
}

export class LevelBackedStorage implements Storage {
  private currentState: StorageState = 'closed'
  private readonly makeDb: () => StorageDb
  private db: StorageDb
  private readonly description: string
  private readonly mapsFiles: boolean
  private readonly logger: StorageLogger
  private readonly limits: StorageLimits
  private committer: GroupCommitter<LogOp>
  private readonly counters: MutableStats = { logBatchesWritten: 0, logEntriesWritten: 0, logBatchEntriesLargest: 0 }
  /** The zxid of the last durable log entry, 0 when the log is empty. */
  private lastLogZxid = 0
  /** The zxid of the newest snapshot marker, 0 when there is none. */
  private newestSnapshotZxid = 0
  /** The zxid of the last entry handed to the committer; appends must go above it. */
  private lastEnqueuedZxid = 0
  private epochs: { accepted: number | undefined; current: number | undefined } = { accepted: undefined, current: undefined }
  private config: Uint8Array | undefined
  /** See {@link Storage.logRemovedThrough}. */
  private removedThrough = 0
  /** Serialises snapshot writes, truncation and purge with one another. */
  private maintenanceTail: Promise<unknown> = Promise.resolve()
  private opening: Promise<void> | undefined
  private closing: Promise<void> | undefined

  constructor(target: StorageTarget, options: StorageOptions = {}) {
    this.makeDb = target.db
    this.db = closedDb
    this.description = target.description
    this.mapsFiles = target.mapsFiles === true
    this.logger = options.logger ?? console
    this.limits = { ...defaultStorageLimits, ...options.limits }
    this.committer = this.newCommitter()
  }

  get state(): StorageState {
    return this.currentState
  }

  get lastLoggedZxid(): number {
    return Math.max(this.lastLogZxid, this.newestSnapshotZxid)
  }

  get acceptedEpoch(): number | undefined {
    return this.epochs.accepted
  }

  get currentEpoch(): number | undefined {
    return this.epochs.current
  }

  get memberConfig(): Uint8Array | undefined {
    return this.config
  }

  get logRemovedThrough(): number {
    return this.removedThrough
  }

  get stats(): StorageStats {
    return { ...this.counters }
  }

  // --- lifecycle -------------------------------------------------------------------------------

  private setState(next: StorageState): void {
    this.logger.debug(`storage ${this.description} state: ${this.currentState} -> ${next}`)
    this.currentState = next
  }

  open(): Promise<void> {
    if (this.currentState === 'open') return Promise.resolve()
    if (this.currentState === 'opening' && this.opening !== undefined) return this.opening
    if (this.currentState === 'closing') {
      return Promise.reject(this.notOpen('open'))
    }
    this.opening = this.openNow().finally(() => (this.opening = undefined))
    return this.opening
  }

  private async openNow(): Promise<void> {
    this.setState('opening')
    try {
      await this.openDb()
      this.committer = this.newCommitter()
      await this.loadMeta()
      this.lastLogZxid = await this.findLastLogZxid()
      this.lastEnqueuedZxid = this.lastLoggedZxid
    } catch (err) {
      if (this.db.status === 'open') await this.db.close().catch(() => undefined)
      this.setState('closed')
      throw err
    }
    this.setState('open')
    this.logger.info(`storage ${this.description} open; last logged zxid 0x${codec.zxidHex(this.lastLoggedZxid)}`)
  }

  /** Opens a new handle on the database; `again`: it must exist already (a reopen). */
  private async openDb(again = false): Promise<void> {
    try {
      this.db = this.makeDb()
      await this.db.open(again ? { createIfMissing: false } : {})
    } catch (err) {
      if (hasCode(err, 'LEVEL_LOCKED')) {
        throw new StorageError(
          'DIR_IN_USE',
          `${this.description} is in use: another process or Storage instance holds its lock; stop it or choose another dataDir`,
          { cause: err },
        )
      }
      const corrupt = hasCode(err, 'LEVEL_CORRUPTION')
      throw new StorageError(corrupt ? 'CORRUPTION' : 'IO_ERROR', `cannot open ${this.description}: ${describe(err)}`, {
        cause: err,
      })
    }
  }

  close(): Promise<void> {
    if (this.currentState === 'closed') return Promise.resolve()
    if (this.closing !== undefined) return this.closing
    this.closing = this.closeNow().finally(() => (this.closing = undefined))
    return this.closing
  }

  private async closeNow(): Promise<void> {
    if (this.opening !== undefined) await this.opening.catch(() => undefined)
    if (this.currentState !== 'open') return
    this.setState('closing')
    await this.committer.idle()
    // A snapshot being written sees the state change and stops; truncation and purge finish.
    await this.maintenanceTail.catch(() => undefined)
    await this.db.close()
    this.setState('closed')
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /**
   * Closes and reopens a database that maps the files it reads (see {@link StorageTarget.mapsFiles}).
   * LevelDB keeps up to 64 table files open and mapped, and the pages a read touched count in the
   * process's resident memory until the file is closed: after a recovery of 10 million znodes,
   * 172 MiB of the snapshot's table files. Waits for appends, snapshot writes, truncation and
   * purge under way. Start-up calls it while it reads its snapshot (see
   * {@link SnapshotReadOptions.releaseMemoryEveryBytes}) and before it serves, when nothing else
   * uses the storage.
   */
  releaseReadMemory(): Promise<void> {
    if (!this.mapsFiles) return Promise.resolve()
    return this.guard('release read memory', () =>
      this.maintenance(async () => {
        await this.committer.idle()
        const db = this.db
        this.db = closedDb
        try {
          await db.close()
          await this.openDb(true)
        } catch (err) {
          // Not open again (the lock taken meanwhile, or the database gone): closed, as after a failed open.
          if (this.db.status === 'open') await this.db.close().catch(() => undefined)
          this.db = closedDb
          this.setState('closed')
          throw err
        }
      }),
    )
  }

  private notOpen(operation: string): StorageError {
    return new StorageError('NOT_OPEN', `cannot ${operation}: storage ${this.description} is ${this.currentState}`)
  }

  private assertOpen(operation: string): void {
    if (this.currentState !== 'open') throw this.notOpen(operation)
  }

  private newCommitter(): GroupCommitter<LogOp> {
    return new GroupCommitter<LogOp>(
      (ops) => this.writeLogBatch(ops),
      this.limits.logBatchEntriesMax,
      this.limits.appendQueueEntriesMax,
      this.limits.logBatchStartEntries,
      { max: this.limits.logBatchBytesMax, of: (op) => op.key.length + op.value.length },
    )
  }

  /** Runs `task` after every snapshot write, truncation and purge started before it. */
  private maintenance<T>(task: () => Promise<T>): Promise<T> {
    const result = this.maintenanceTail.then(task)
    this.maintenanceTail = result.catch(() => undefined)
    return result
  }

  // --- log -------------------------------------------------------------------------------------

  async append(entries: readonly LogEntry[]): Promise<void> {
    this.assertOpen('append to the log')
    if (!Array.isArray(entries)) throw new TypeError('append expects an array of log entries')
    const ops: LogOp[] = []
    let previous = this.lastEnqueuedZxid
    for (const entry of entries) {
      assertZxid(entry.zxid, 'log entry zxid')
      if (entry.zxid <= previous) {
        throw new RangeError(`zxids must strictly increase: 0x${codec.zxidHex(entry.zxid)} follows 0x${codec.zxidHex(previous)}`)
      }
      if (!(entry.data instanceof Uint8Array)) throw new TypeError(`log entry 0x${codec.zxidHex(entry.zxid)} data must be a Uint8Array`)
      ops.push({ zxid: entry.zxid, key: codec.logKey(entry.zxid), value: codec.encodeLogRecord(entry.zxid, entry.data) })
      previous = entry.zxid
    }
    // add() throws without queueing when the log has failed or is full; then the bar stays.
    const durable = this.committer.add(ops)
    this.lastEnqueuedZxid = previous
    return durable
  }

  private async writeLogBatch(ops: readonly LogOp[]): Promise<void> {
    // A chained batch: abstract-level's array form copies and re-validates every operation
    // object, which cost about five times the CPU per entry of put() on a chained batch (the
    // largest share of a durable server's main thread under load), for the same LevelDB batch.
    const batch = this.db.batch()
    try {
      for (const op of ops) batch.put(op.key, op.value)
    } catch (err) {
      await batch.close()
      throw err
    }
    await batch.write(synced)
    this.lastLogZxid = ops[ops.length - 1]!.zxid
    this.counters.logBatchesWritten++
    this.counters.logEntriesWritten += ops.length
    this.counters.logBatchEntriesLargest = Math.max(this.counters.logBatchEntriesLargest, ops.length)
  }

  readLog(fromZxid: number): AsyncIterable<LogEntry> {
    const db = this.db
    const start = (): number => {
      this.assertOpen('read the log')
      assertZxid(fromZxid, 'fromZxid')
      // Only entries whose batch is durable: the iteration must not run ahead of lastLogZxid.
      return this.lastLogZxid
    }
    const corrupt = (key: string, reason: string, lastGood: number | undefined): StorageError => this.corruptLogRecord(key, reason, lastGood, fromZxid)
    return {
      async *[Symbol.asyncIterator]() {
        const lastDurable = start()
        if (fromZxid > lastDurable) return
        let lastGood: number | undefined
        for await (const [key, value] of entriesOf(db, { gte: codec.logKey(fromZxid), lte: codec.logKey(lastDurable) })) {
          const zxid = codec.zxidOfKey(key, codec.logKeyFirst)
          const decoded = zxid === undefined ? { ok: false as const, reason: 'malformed key' } : codec.decodeLogRecord(value, zxid)
          if (!decoded.ok) throw corrupt(key, decoded.reason, lastGood)
          lastGood = zxid!
          yield { zxid: lastGood, data: decoded.value }
        }
      },
    }
  }

  /**
   * The error for a log record that fails its checksum or holds another zxid. Each record goes to
   * LevelDB in a batch, which a crash drops whole, so a bad record is never a torn write: it is
   * damage to a record that was durable and may have been acknowledged, and cutting it, even at
   * the end of the log, could lose a committed write (as ZooKeeper refuses a CRC mismatch in its
   * log). Nothing is cut; start-up, which reads the log after its snapshot, refuses to go on.
   */
  private corruptLogRecord(key: string, reason: string, lastGood: number | undefined, fromZxid: number): StorageError {
    const first = fromZxid <= 1 ? 'it is the first record' : `it is the first record read, from 0x${codec.zxidHex(fromZxid)}`
    const after = lastGood === undefined ? first : `the last good record before it is 0x${codec.zxidHex(lastGood)}`
    return new StorageError(
      'CORRUPTION',
      `log record ${key} in ${this.description} is corrupt (${reason}); ${after}. Records are written whole, so this is damage to a durable record, not a torn write`,
      { key },
    )
  }

  truncateAfter(zxid: number): Promise<void> {
    return this.guard('truncate the log', async () => {
      assertZxid(zxid, 'zxid')
      await this.maintenance(() => this.committer.exclusive(() => this.truncateNow(zxid)))
    })
  }

  private async truncateNow(zxid: number): Promise<void> {
    const snapshots = await this.listSnapshotsNow()
    const newerSnapshots = snapshots.filter((s) => s.zxid > zxid)
    const dropMarkers = async (): Promise<void> => {
      if (newerSnapshots.length === 0) return
      await this.db.batch(
        newerSnapshots.map((s) => ({ type: 'del' as const, key: codec.snapshotMarkerKey(s.zxid) })),
        synced,
      )
    }
    // Snapshots above zxid hold transactions that are being removed. When a snapshot at or below
    // zxid stays, their markers go first: a crash midway then restarts from the one that stays and
    // the log prefix after it. When none stays, the log goes first: a purged log starts after one
    // of those snapshots and is useless without it, so dropping them first would leave, after a
    // crash, a log nothing can rebuild; this way a crash midway leaves them and a prefix of the log.
    const snapshotsFirst = snapshots.length > newerSnapshots.length
    if (snapshotsFirst) await dropMarkers()
    // Newest first, so that a crash midway leaves a prefix of the log rather than a gap: LevelDB
    // applies the range delete in order through its sequential write-ahead log, so a crash loses
    // a suffix of it, never a middle. The synced write after it makes the whole of it durable.
    const lastBefore = this.lastLogZxid
    const firstRemoved = await this.firstLogZxidAfter(zxid)
    await this.db.clear({ gt: codec.logKey(zxid), lt: codec.logKeyEnd, reverse: true })
    await this.db.batch([{ type: 'del', key: codec.logKey(zxid + 1) }], synced)
    if (!snapshotsFirst) await dropMarkers()
    await this.db.clear({ gte: codec.snapPrefix(zxid + 1), lt: codec.snapKeyEnd })
    this.lastLogZxid = await this.findLastLogZxid()
    this.newestSnapshotZxid = (await this.listSnapshotsNow())[0]?.zxid ?? 0
    this.lastEnqueuedZxid = this.lastLoggedZxid
    const removedLog = firstRemoved === undefined ? 'no log entries' : `log entries 0x${codec.zxidHex(firstRemoved)} to 0x${codec.zxidHex(lastBefore)}`
    this.logger.info(
      `storage ${this.description}: truncated the log after zxid 0x${codec.zxidHex(zxid)}: removed ${removedLog} and ${newerSnapshots.length} snapshot(s)`,
    )
  }

  private async deleteKeys(keys: readonly string[], sync: boolean): Promise<void> {
    if (keys.length === 0) return
    await this.db.batch(
      keys.map((key) => ({ type: 'del' as const, key })),
      writeOptions(sync),
    )
  }

  /** The first logged zxid above `zxid`, if any. */
  private async firstLogZxidAfter(zxid: number): Promise<number | undefined> {
    for await (const key of this.db.keys({ gt: codec.logKey(zxid), lt: codec.logKeyEnd, limit: 1 })) return codec.zxidOfKey(key, codec.logKeyFirst)
    return undefined
  }

  /** The zxid of the last log key; a key that names no zxid is damage, refused with CORRUPTION. */
  private async findLastLogZxid(): Promise<number> {
    for await (const key of this.db.keys({ gte: codec.logKeyFirst, lt: codec.logKeyEnd, reverse: true, limit: 1 })) {
      const zxid = codec.zxidOfKey(key, codec.logKeyFirst)
      if (zxid === undefined) throw new StorageError('CORRUPTION', `log key ${key} in ${this.description} is malformed: it names no zxid`, { key })
      return zxid
    }
    return 0
  }

  // --- snapshots -------------------------------------------------------------------------------

  writeSnapshot(zxid: number, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<SnapshotInfo> {
    return this.guard('write a snapshot', async () => {
      assertZxid(zxid, 'snapshot zxid')
      return this.maintenance(() => this.writeSnapshotNow(zxid, chunks))
    })
  }

  private async writeSnapshotNow(zxid: number, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<SnapshotInfo> {
    this.assertOpen('write a snapshot')
    // An earlier attempt at the same zxid may have left a marker or chunks; start clean.
    await this.db.del(codec.snapshotMarkerKey(zxid), synced)
    await this.db.clear({ gte: codec.snapPrefix(zxid), lt: codec.snapPrefixEnd(zxid) })
    let chunkCount = 0
    let byteCount = 0
    let batch: { type: 'put'; key: string; value: Uint8Array }[] = []
    let batchBytes = 0
    for await (const chunk of chunks) {
      this.assertOpen('write a snapshot')
      if (!(chunk instanceof Uint8Array)) throw new TypeError(`snapshot chunk ${chunkCount} must be a Uint8Array`)
      if (chunk.length > this.limits.snapshotChunkBytesMax) {
        throw new RangeError(`snapshot chunk ${chunkCount} is ${chunk.length} bytes, over snapshotChunkBytesMax (${this.limits.snapshotChunkBytesMax})`)
      }
      batch.push({ type: 'put', key: codec.chunkKey(zxid, chunkCount), value: codec.encodeChunkRecord(zxid, chunkCount, chunk) })
      chunkCount++
      byteCount += chunk.length
      batchBytes += chunk.length
      if (batchBytes >= this.limits.snapshotBatchBytesMax) {
        // Each batch is synced, so the marker (synced last) can never outlive a chunk.
        await this.db.batch(batch, synced)
        batch = []
        batchBytes = 0
      }
    }
    this.assertOpen('write a snapshot')
    if (batch.length > 0) await this.db.batch(batch, synced)
    const info = { zxid, chunkCount, byteCount }
    await this.db.put(codec.snapshotMarkerKey(zxid), codec.encodeSnapshotMarker(info), synced)
    this.newestSnapshotZxid = Math.max(this.newestSnapshotZxid, zxid)
    // A snapshot installed from the leader (SNAP) may be ahead of the log; the log goes on above it.
    this.lastEnqueuedZxid = Math.max(this.lastEnqueuedZxid, zxid)
    this.logger.info(`storage ${this.description}: snapshot 0x${codec.zxidHex(zxid)} written: ${chunkCount} chunks, ${byteCount} bytes`)
    return info
  }

  // The marker is written after every chunk, and removed before any: a listed snapshot has them
  // all unless the disk was damaged, which reading the chunks finds (as it finds a corrupt one),
  // so no pass over the snapshot comes first. Counting its keys took 0.75 s of a start-up on a
  // snapshot of ten million znodes in the page cache, and 5.3 s from the disk.
  async latestSnapshot(): Promise<SnapshotReader | undefined> {
    this.assertOpen('read a snapshot')
    const [newest] = await this.listSnapshotsNow()
    return newest === undefined ? undefined : this.snapshotReader(newest)
  }

  async readSnapshot(zxid: number): Promise<SnapshotReader | undefined> {
    this.assertOpen('read a snapshot')
    const info = (await this.listSnapshotsNow()).find((s) => s.zxid === zxid)
    return info === undefined ? undefined : this.snapshotReader(info)
  }

  private snapshotReader(info: SnapshotInfo): SnapshotReader {
    const db = this.db
    const storage = this
    return {
      ...info,
      async *chunks(options: SnapshotReadOptions = {}) {
        const releaseEvery = storage.mapsFiles ? options.releaseMemoryEveryBytes : undefined
        let index = 0
        let range: KeyRange = { gte: codec.snapPrefix(info.zxid), lt: codec.snapPrefixEnd(info.zxid) }
        // Read to the end, or in stretches of `releaseEvery` bytes with the memory let go between them.
        for (let reading = db; ; reading = storage.db) {
          let read = 0
          for await (const [key, value] of entriesOf(reading, range)) {
            const expected = codec.chunkKey(info.zxid, index)
            if (key !== expected) throw new StorageError('CORRUPTION', `snapshot chunk ${expected} is missing`, { key: expected })
            const decoded = codec.decodeChunkRecord(value, info.zxid, index)
            if (!decoded.ok) throw new StorageError('CORRUPTION', `snapshot chunk ${key} is corrupt: ${decoded.reason}`, { key })
            yield decoded.value
            index++
            read += value.length
            if (releaseEvery !== undefined && read >= releaseEvery) {
              range = { gt: key, lt: codec.snapPrefixEnd(info.zxid) }
              break
            }
          }
          if (releaseEvery === undefined || read < releaseEvery) break
          await storage.releaseReadMemory()
        }
        if (index !== info.chunkCount) {
          const missing = codec.chunkKey(info.zxid, index)
          throw new StorageError('CORRUPTION', `snapshot chunk ${missing} is missing`, { key: missing })
        }
      },
    }
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    this.assertOpen('list snapshots')
    return this.listSnapshotsNow()
  }

  /** Every snapshot with a good marker, newest first; a corrupt marker is skipped with a warning. */
  private async listSnapshotsNow(): Promise<SnapshotInfo[]> {
    const result: SnapshotInfo[] = []
    const range = { gte: codec.snapshotMarkerKeyFirst, lt: codec.snapshotMarkerKeyEnd, reverse: true }
    for await (const [key, value] of this.db.iterator(range)) {
      const zxid = codec.zxidOfKey(key, codec.snapshotMarkerKeyFirst)
      const decoded = zxid === undefined ? undefined : codec.decodeSnapshotMarker(value, zxid)
      if (decoded?.ok === true) {
        result.push(decoded.value)
      } else {
        this.logger.warn(`storage ${this.description}: snapshot marker ${key} is corrupt (${decoded?.reason ?? 'malformed key'}); ignoring that snapshot`)
      }
    }
    return result
  }

  purge(retainCount: number): Promise<PurgeResult> {
    return this.guard('purge', async () => {
      if (!Number.isSafeInteger(retainCount) || retainCount < 1) {
        throw new RangeError(`retainCount must be an integer >= 1, got ${retainCount}`)
      }
      return this.maintenance(() => this.purgeNow(retainCount))
    })
  }

  private async purgeNow(retainCount: number): Promise<PurgeResult> {
    this.assertOpen('purge')
    const snapshots = await this.listSnapshotsNow()
    const oldestRetained = snapshots[retainCount - 1]
    if (snapshots.length <= retainCount || oldestRetained === undefined) return { snapshotsRemoved: 0, logEntriesRemoved: 0 }
    const result = await this.removeHistoryThrough(oldestRetained.zxid, snapshots.slice(retainCount))
    this.logger.info(
      `storage ${this.description}: purged ${result.snapshotsRemoved} snapshot(s) and ${result.logEntriesRemoved} log entries at or below zxid 0x${codec.zxidHex(oldestRetained.zxid)}`,
    )
    return result
  }

  discardHistoryThrough(zxid: number): Promise<PurgeResult> {
    return this.guard('discard the replaced history', async () => {
      assertZxid(zxid, 'zxid')
      return this.maintenance(async () => {
        this.assertOpen('discard the replaced history')
        const older = (await this.listSnapshotsNow()).filter((s) => s.zxid < zxid)
        const result = await this.removeHistoryThrough(zxid, older)
        this.logger.info(
          `storage ${this.description}: removed the history the snapshot at 0x${codec.zxidHex(zxid)} replaced: ${result.snapshotsRemoved} snapshot(s) and ${result.logEntriesRemoved} log entries`,
        )
        return result
      })
    })
  }

  /**
   * Removes the log at or below `zxid` and the snapshots `removed` (all below `zxid`). The cut is
   * recorded first and the removed snapshots' markers go next (both synced), then the log and the
   * chunks: a crash midway leaves either the old snapshots with the whole log after them (the old
   * history, as it was), or neither, and never a log that start-up could take for the whole history.
   */
  private async removeHistoryThrough(zxid: number, removed: readonly SnapshotInfo[]): Promise<PurgeResult> {
    if (zxid > this.removedThrough) {
      await this.db.put(codec.logRemovedThroughKey, codec.encodeZxidRecord(zxid), synced)
      this.removedThrough = zxid
    }
    await this.deleteKeys(
      removed.map((s) => codec.snapshotMarkerKey(s.zxid)),
      true,
    )
    const logRange = { gte: codec.logKeyFirst, lte: codec.logKey(zxid) }
    let logEntriesRemoved = 0
    for await (const _ of this.db.keys(logRange)) logEntriesRemoved++
    await this.db.clear(logRange)
    // Every chunk below `zxid`: the removed snapshots' and leftovers of interrupted writes.
    await this.db.clear({ gte: codec.snapKeyFirst, lt: codec.snapPrefix(zxid) })
    return { snapshotsRemoved: removed.length, logEntriesRemoved }
  }

  // --- epochs ----------------------------------------------------------------------------------

  setAcceptedEpoch(epoch: number): Promise<void> {
    return this.guard('set acceptedEpoch', () => this.putEpoch(codec.acceptedEpochKey, epoch, 'accepted'))
  }

  setCurrentEpoch(epoch: number): Promise<void> {
    return this.guard('set currentEpoch', () => this.putEpoch(codec.currentEpochKey, epoch, 'current'))
  }

  private async putEpoch(key: string, epoch: number, which: 'accepted' | 'current'): Promise<void> {
    // Epochs stay below 2^21 so that epoch * 2^32 + counter stays a safe integer (lib/protocol/zxid.ts).
    if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch >= EPOCH_LIMIT) {
      throw new RangeError(`epoch must be an integer in 0..${EPOCH_LIMIT - 1}, got ${epoch}`)
    }
    await this.db.put(key, codec.encodeEpochRecord(epoch), synced)
    this.epochs[which] = epoch
  }

  /** Largest member configuration stored. */
  static readonly memberConfigBytesMax = 4 << 20

  setMemberConfig(config: Uint8Array): Promise<void> {
    return this.guard('set the member configuration', async () => {
      if (config.byteLength > LevelBackedStorage.memberConfigBytesMax) throw new RangeError(`member configuration of ${config.byteLength} bytes, more than ${LevelBackedStorage.memberConfigBytesMax}`)
      await this.db.put(codec.memberConfigKey, codec.encodeBytesRecord(config), synced)
      this.config = config.slice()
    })
  }

  private async loadMeta(): Promise<void> {
    this.epochs = {
      accepted: await this.getEpoch(codec.acceptedEpochKey),
      current: await this.getEpoch(codec.currentEpochKey),
    }
    this.config = await this.getMemberConfig()
    this.removedThrough = await this.getLogRemovedThrough()
    this.newestSnapshotZxid = (await this.listSnapshotsNow())[0]?.zxid ?? 0
  }

  private async getMemberConfig(): Promise<Uint8Array | undefined> {
    const value = await this.db.get(codec.memberConfigKey)
    if (value === undefined) return undefined
    const decoded = codec.decodeBytesRecord(value)
    if (!decoded.ok) {
      throw new StorageError('CORRUPTION', `${codec.memberConfigKey} in ${this.description} is corrupt (${decoded.reason}); refusing to open`, { key: codec.memberConfigKey })
    }
    return decoded.value
  }

  private async getLogRemovedThrough(): Promise<number> {
    const value = await this.db.get(codec.logRemovedThroughKey)
    if (value === undefined) return 0
    const decoded = codec.decodeZxidRecord(value)
    if (!decoded.ok) {
      throw new StorageError('CORRUPTION', `${codec.logRemovedThroughKey} in ${this.description} is corrupt (${decoded.reason}); refusing to open`, { key: codec.logRemovedThroughKey })
    }
    return decoded.value
  }

  private async getEpoch(key: string): Promise<number | undefined> {
    const value = await this.db.get(key)
    if (value === undefined) return undefined
    const decoded = codec.decodeEpochRecord(value)
    if (!decoded.ok) {
      throw new StorageError('CORRUPTION', `${key} in ${this.description} is corrupt (${decoded.reason}); refusing to open`, { key })
    }
    return decoded.value
  }

  /** Runs an operation that needs the storage open, turning database failures into IO_ERROR. */
  private async guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
    this.assertOpen(operation)
    try {
      return await run()
    } catch (err) {
      if (err instanceof StorageError || err instanceof TypeError || err instanceof RangeError) throw err
      throw new StorageError('IO_ERROR', `cannot ${operation} in ${this.description}: ${describe(err)}`, { cause: err })
    }
  }
}


/** A range of keys: from `gte` or after `gt`, up to `lt` or `lte`. */
type KeyRange = { gte?: string; gt?: string; lt?: string; lte?: string }

/**
 * The entries of a key range in batches, read of up to {@link scanEntriesMax} entries or about
 * {@link scanBytesMax} bytes per call into LevelDB: recovery reads the whole log and a snapshot,
 * which with the iterator's default 16 KiB read-ahead takes a native round trip per few records.
 */
async function* batchesOf(db: StorageDb, range: KeyRange): AsyncGenerator<[string, Uint8Array][]> {
  // highWaterMarkBytes is classic-level's; abstract-level's types do not declare it, memory-level ignores it.
  const iterator = db.iterator({ ...range, highWaterMarkBytes: scanBytesMax } as KeyRange)
  // The next batch is read (on LevelDB's thread) while the caller works through this one. A
  // failure of that read is thrown by the await that takes it; the no-op handler only keeps it
  // from counting as an unhandled rejection meanwhile.
  const read = (): Promise<[string, Uint8Array][]> => {
    const batch = iterator.nextv(scanEntriesMax)
    batch.catch(() => undefined)
    return batch
  }
  let next = read()
  try {
    for (;;) {
      const entries = await next
      if (entries.length === 0) return
      next = read()
      yield entries
    }
  } finally {
    await next.catch(() => undefined)
    await iterator.close()
  }
}

/** The entries of a key range one by one, read as {@link batchesOf} does. */
async function* entriesOf(db: StorageDb, range: KeyRange): AsyncGenerator<[string, Uint8Array]> {
  for await (const batch of batchesOf(db, range)) yield* batch
}

function assertZxid(zxid: number, what: string): void {
  if (!Number.isSafeInteger(zxid) || zxid < 0) throw new RangeError(`${what} must be a safe integer >= 0, got ${zxid}`)
}

function hasCode(err: unknown, code: string): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === code) return true
  }
  return false
}

function describe(err: unknown): string {
  const parts: string[] = []
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) parts.push(e.message)
  return parts.length > 0 ? parts.join(': ') : String(err)
}
