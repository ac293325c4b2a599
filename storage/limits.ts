/**
 * Named bounds of the storage layer, each with its unit, in one place. The bound on stored epochs
 * is `EPOCH_LIMIT` of lib/protocol/zxid.ts, shared with the ZAB core and the zxid math.
 * @module
 */

/** Bounds on the work the storage does at once. Every field has a default in {@link defaultStorageLimits}. */
export interface StorageLimits {
  /**
   * Most log entries written in one group-commit batch (one LevelDB batch with `sync: true`).
   * ZooKeeper's SyncRequestProcessor flushes after `maxBatchSize` (1000) transactions as well.
   * @defaultValue 1000
   */
  logBatchEntriesMax: number
  /**
   * Most bytes of log entries in one group-commit batch; an entry bigger than this is a batch of
   * its own. LevelDB copies a batch twice on the event loop's thread (once out of each value, once
   * into the batch's growing buffer); without a bound in bytes, 100 setData of 1 MiB in flight made
   * batches of up to 100 MiB, whose buffer glibc maps afresh for each batch. (ZooKeeper bounds
   * its batches in transactions only, but writes them through a stream of its own.)
   * @defaultValue 4194304 (4 MiB)
   */
  logBatchBytesMax: number
  /**
   * Log entries that, once queued while the disk is idle, start a batch at once instead of at the
   * end of the event loop's turn. A server that reads many requests in one turn then writes the
   * first of them while it prepares the rest. Under 100 durable creates in flight from one
   * client this raised the rate by about a quarter (a third in the bench's durable section) on a
   * disk whose synced LevelDB batch took 1.0–1.2 ms whatever its size; 16 split the batches too
   * finely, 50 started them too late.
   * @defaultValue 32
   */
  logBatchStartEntries: number
  /**
   * Most log entries that may wait for the disk (queued plus in flight) before `append` rejects
   * with `APPEND_QUEUE_FULL`. The server's own bound on requests in flight should be far below it.
   * @defaultValue 100000
   */
  appendQueueEntriesMax: number
  /**
   * Largest snapshot chunk accepted, in bytes; a bigger chunk is a programmer error (RangeError).
   * The tree should cut its snapshot into chunks of tens of kilobytes.
   * @defaultValue 4194304 (4 MiB)
   */
  snapshotChunkBytesMax: number
  /**
   * Bytes of snapshot chunks gathered into one LevelDB batch (written with `sync: true`) before
   * the next batch starts; bounds the memory a snapshot write holds, and how long a log write
   * may wait behind a snapshot batch in LevelDB's queue.
   * @defaultValue 262144 (256 KiB)
   */
  snapshotBatchBytesMax: number
}

/**
 * Log or snapshot entries read from LevelDB per native call (`iterator.nextv`) when recovery scans
 * a key range. No ZooKeeper counterpart (it reads files).
 */
export const scanEntriesMax = 1000

/** Bytes a LevelDB range read buffers per native call before it stops early (classic-level's `highWaterMarkBytes`). */
export const scanBytesMax = 4 * 1024 * 1024

/** The default {@link StorageLimits}. */
export const defaultStorageLimits: Readonly<StorageLimits> = Object.freeze({
  logBatchEntriesMax: 1000,
  logBatchBytesMax: 4 * 1024 * 1024,
  logBatchStartEntries: 32,
  appendQueueEntriesMax: 100_000,
  snapshotChunkBytesMax: 4 * 1024 * 1024,
  snapshotBatchBytesMax: 256 * 1024,
})
