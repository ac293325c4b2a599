/**
 * The Storage interface: what the server needs from disk, and nothing about the tree.
 * @module
 */
import type { StorageLimits } from './limits.js'

/**
 * One transaction in the log. The storage treats `data` as opaque bytes (the server encodes the
 * transaction); zxids are safe integers, `epoch * 2^32 + counter`, strictly increasing.
 */
export interface LogEntry {
  /** The transaction's zxid. */
  readonly zxid: number
  /** The encoded transaction. */
  readonly data: Uint8Array
}

/** Options shared by every storage. */
export interface StorageOptions {
  /** Where log lines go. @defaultValue `console` */
  logger?: StorageLogger
  /** Bounds; fields left out take their defaults from {@link defaultStorageLimits}. */
  limits?: Partial<StorageLimits>
}

/** Where a storage is in its life: `open()` moves it from `closed` through `opening` to `open`. */
export type StorageState = 'opening' | 'open' | 'closing' | 'closed'

/** Where the storage writes its log lines; `console` fits. */
export interface StorageLogger {
  /** State changes and other detail. */
  debug(message: string): void
  /** Notable events that need no action: a snapshot written, a log truncated. */
  info(message: string): void
  /** Something was skipped: an incomplete snapshot or a corrupt snapshot marker. */
  warn(message: string): void
}

/** A complete snapshot as stored: its zxid, its size and its chunks in order. */
export interface SnapshotInfo {
  /** The zxid the snapshot was taken at (the tree's last processed zxid when it started). */
  readonly zxid: number
  /** How many chunks it has. */
  readonly chunkCount: number
  /** The total size of its chunks in bytes. */
  readonly byteCount: number
}

/** A snapshot to restore from: {@link SnapshotInfo} plus its chunks. */
export interface SnapshotReader extends SnapshotInfo {
  /**
   * Yields the chunks in the order they were written, each checked against its checksum.
   * Rejects with `CORRUPTION` naming the key of a bad or missing chunk. It reads a consistent view
   * of the database, so a purge that runs meanwhile does not disturb it (with
   * `releaseMemoryEveryBytes`, only while nothing else uses the storage).
   */
  chunks(options?: SnapshotReadOptions): AsyncIterable<Uint8Array>
}

/** How {@link SnapshotReader.chunks} reads. */
export interface SnapshotReadOptions {
  /**
   * Calls {@link Storage.releaseReadMemory} each time about this many bytes of chunks were read,
   * so that what reading leaves behind does not build up over a big snapshot. Only for a reader
   * nothing else runs beside (start-up); a storage without such memory ignores it.
   */
  readonly releaseMemoryEveryBytes?: number
}

/** Counters for tests and metrics; they only grow while the storage lives. */
export interface StorageStats {
  /** Group-commit batches written to the log, each one synced write. */
  readonly logBatchesWritten: number
  /** Log entries written by those batches. */
  readonly logEntriesWritten: number
  /** Most entries one batch has held. */
  readonly logBatchEntriesLargest: number
}

/** What {@link Storage.purge} removed. */
export interface PurgeResult {
  /** Snapshots removed. */
  readonly snapshotsRemoved: number
  /** Log entries removed (those at or below the oldest retained snapshot). */
  readonly logEntriesRemoved: number
}

/**
 * A member's persistent state: the transaction log, snapshots of the tree and the two ZAB epochs.
 *
 * Writes that must survive a crash (log appends, epochs, snapshot markers, truncation) are synced
 * to disk before their promise resolves. Methods other than `open`, `close` and the getters
 * reject with `NOT_OPEN` unless the storage is open.
 */
export interface Storage extends AsyncDisposable {
  /** Where the storage is in its life. */
  readonly state: StorageState

  /**
   * The highest zxid known durable: the last entry in the log, or the newest complete snapshot's
   * zxid when that is higher (after a snapshot from the leader was installed); 0 when both are empty.
   */
  readonly lastLoggedZxid: number

  /** The last epoch accepted from a NEWEPOCH / LEADERINFO (ZAB's f.p); undefined if never set. */
  readonly acceptedEpoch: number | undefined

  /** The epoch of the last NEWLEADER acknowledged (ZAB's f.a); undefined if never set. */
  readonly currentEpoch: number | undefined

  /**
   * The member's last active ensemble configuration as the runtime encoded it (ZooKeeper keeps it
   * in its dynamic configuration file); undefined if never set.
   */
  readonly memberConfig: Uint8Array | undefined

  /**
   * The zxid at or below which the log was removed, by a purge or by
   * {@link Storage.discardHistoryThrough}; 0 when the log still starts at the first transaction.
   * When it is above 0 the log alone rebuilds nothing: start-up needs a snapshot (ZooKeeper
   * refuses to start with a log and no snapshot for the same reason).
   */
  readonly logRemovedThrough: number

  /** Group-commit counters. */
  readonly stats: StorageStats

  /**
   * True for a storage that keeps nothing across `close()` (see `createVolatileStorage`): there is
   * no disk to sync, so an append is as durable as it will ever be the moment it is made, and the
   * member reports it durable in the same turn instead of waiting for the promise. Absent or false
   * for every storage that persists.
   */
  readonly volatile?: boolean

  /**
   * Opens the database and takes the directory lock; rejects at once with `DIR_IN_USE` if another
   * process or instance holds it. Reads no log record, as ZooKeeper opens its log lazily:
   * {@link Storage.readLog} checks each record it reads, so a server's start-up, which reads the
   * log after its snapshot, finds a damaged one before it serves. Rejects with `CORRUPTION` when
   * the last log key names no zxid. Resolves at once if already open.
   */
  open(): Promise<void>

  /**
   * Appends entries to the log and resolves when they are durable. Entries from appends that
   * arrive while a sync write is in flight are gathered into the next batch (group commit).
   * Their zxids must be safe integers and strictly increase, across calls too, above
   * `lastLoggedZxid`. `append([])` resolves once every earlier append is durable.
   */
  append(entries: readonly LogEntry[]): Promise<void>

  /**
   * Yields the durable log entries with `zxid >= fromZxid` in zxid order, as they were when the
   * iteration started. Throws `CORRUPTION` naming the key (and the last good zxid before it) of a
   * record that fails its checksum or holds another zxid, and cuts nothing: a record is written
   * whole, so a bad one is damage to a durable record, never a torn write.
   */
  readLog(fromZxid: number): AsyncIterable<LogEntry>

  /**
   * Removes every log entry with a zxid above `zxid` (ZAB's TRUNC), newest first so that a crash
   * midway leaves a prefix of the log, and every snapshot above `zxid` (it would hold transactions
   * that are being removed). A crash midway leaves what a restart can rebuild from: the snapshots
   * above `zxid` go before the log when one at or below it stays, after the log when none does
   * (a purged log needs them). Waits for earlier appends; later appends wait for it.
   */
  truncateAfter(zxid: number): Promise<void>

  /**
   * Stores a snapshot of the tree taken at `zxid`, as the chunks the tree cut it into (each at most
   * `snapshotChunkBytesMax`). The completion marker is written last, so a snapshot interrupted by
   * a crash or a `close()` is ignored. Snapshot writes run one at a time, beside appends.
   */
  writeSnapshot(zxid: number, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<SnapshotInfo>

  /**
   * The newest snapshot that has its completion marker, or undefined when there is none. A
   * snapshot whose marker is corrupt is skipped with a warning, and the next older one is tried.
   * Its chunks are checked as they are read: a chunk missing (damage to the disk, since the marker
   * is written after every chunk and removed before any) or failing its checksum makes
   * {@link SnapshotReader.chunks} throw a `StorageError` of code `CORRUPTION` naming its key.
   */
  latestSnapshot(): Promise<SnapshotReader | undefined>

  /**
   * The snapshot taken at `zxid`, or undefined when there is none (no marker, or a corrupt marker,
   * with a warning). Its chunks are checked as they are read, as {@link Storage.latestSnapshot}'s
   * are: start-up uses it to fall back to an older snapshot when a newer one turns out corrupt.
   */
  readSnapshot(zxid: number): Promise<SnapshotReader | undefined>

  /** Every snapshot that has its completion marker, newest first. */
  listSnapshots(): Promise<SnapshotInfo[]>

  /** Durably stores acceptedEpoch (ZAB f.p); an integer in 0 .. 2^21 - 1. */
  setAcceptedEpoch(epoch: number): Promise<void>

  /** Durably stores currentEpoch (ZAB f.a); an integer in 0 .. 2^21 - 1. */
  setCurrentEpoch(epoch: number): Promise<void>

  /** Durably stores the member's active configuration (opaque bytes, at most 4 MiB). */
  setMemberConfig(config: Uint8Array): Promise<void>

  /**
   * Keeps the newest `retainCount` complete snapshots and the log entries after the oldest of them
   * (ZooKeeper's autopurge with `autopurge.snapRetainCount`); removes older snapshots, log entries
   * at or below that snapshot's zxid, and leftovers of interrupted snapshot writes below it.
   * Does nothing while there are no more than `retainCount` snapshots.
   */
  purge(retainCount: number): Promise<PurgeResult>

  /**
   * Removes the history a leader's snapshot at `zxid` (already written) replaced: every older
   * snapshot and the log entries at or below `zxid`, once {@link Storage.logRemovedThrough}
   * records the cut. A crash midway leaves the snapshot at `zxid` and, under it, either the old
   * history whole (old snapshots and their log) or none of it: start-up never combines a part of
   * the replaced history with what follows the new snapshot.
   */
  discardHistoryThrough(zxid: number): Promise<PurgeResult>

  /**
   * Lets go of memory that reading a snapshot left behind, when the storage keeps some. A
   * server's start-up calls it once its snapshot and log are read, before it serves; nothing else
   * may use the storage until it resolves. Optional: a storage without such memory leaves it out.
   */
  releaseReadMemory?(): Promise<void>

  /**
   * Waits for appends in flight and queued, stops a snapshot being written, and closes the
   * database, releasing the directory lock. Resolves at once if already closed.
   */
  close(): Promise<void>
}
