/**
 * A durable standalone member: proposals are appended to the Storage (group commit) and commit
 * once durable; snapshots are taken every snapCount transactions (randomised as ZooKeeper does)
 * and old ones purged; on start the newest snapshot is restored and the log after it replayed.
 * @module
 */
import type { Clock, Timer } from '../clock.js'
import { decodeTxnEntry, encodeTxnEntry } from '../txn/codec.js'
import type { TxnEntry } from '../txn/types.js'
import { nextSnapshotAfter, type Storage } from '../../storage/index.js'
import type { Committer, Member } from './member.js'
import { restoreSnapshot, snapshotChunks } from './snapshot.js'

/** Settings of the durable log. */
export interface DurabilityOptions {
  /** Transactions between snapshots (ZooKeeper's snapCount; randomised into [snapCount/2+1, snapCount]). @defaultValue 100000 */
  snapCount?: number
  /** Snapshots kept by purge (autopurge.snapRetainCount; at least 3, as ZooKeeper enforces). @defaultValue 3 */
  snapRetainCount?: number
  /** Hours between purges, 0 = never (autopurge.purgeInterval). @defaultValue 0 */
  purgeIntervalHours?: number
}

/** Where the durable log reports trouble. */
export interface DurableLogger {
  /** Notable events. */
  info(message: string): void
  /** Failures that stop the member. */
  error(message: string): void
}

/** The storage's log lines as a server prints them: no debug chatter, the rest prefixed. */
export const storageLogger = {
  debug: () => {},
  info: (line: string) => console.info(`paddock: ${line}`),
  warn: (line: string) => console.warn(`paddock: ${line}`),
}

/**
 * The newest snapshot a member holds (ZooKeeper's `SnapshotInfo`, which the admin server's
 * `last_snapshot` reports): the one it last wrote, or else the one it restored at start.
 */
export interface LastSnapshot {
  /** The zxid it was taken at. */
  readonly zxid: number
  /**
   * When it was written, ms since the epoch on the member's clock; undefined for a snapshot
   * restored at start, since Paddock's snapshots record no time.
   */
  readonly timeMs: number | undefined
}

const snapCountDefault = 100_000
const snapRetainCountMin = 3
const msPerHour = 3_600_000

/**
 * Restores `member` from `storage`: the newest valid snapshot, then every logged txn after it.
 * `snapshotZxid` is 0 and `fromSnapshot` false when there was no snapshot.
 */
export async function recover(member: Member, storage: Storage): Promise<{ snapshotZxid: number; fromSnapshot: boolean; replayed: number }> {
  const snapshot = await storage.latestSnapshot()
  const snapshotZxid = snapshot === undefined ? 0 : await restoreSnapshot(member, snapshot.chunks())
  let replayed = 0
  for await (const { zxid, data } of storage.readLog(snapshotZxid + 1)) {
    const entry = decodeTxnEntry(data)
    if (entry.header.zxid !== zxid) throw new Error(`log record ${zxid} holds txn ${entry.header.zxid}`)
    member.apply(entry)
    replayed++
  }
  return { snapshotZxid, fromSnapshot: snapshot !== undefined, replayed }
}

/** The committer of a durable standalone member. */
export class DurableLog implements Committer {
  private sinceSnapshot = 0
  private snapshotAfter: number
  private snapshotting: Promise<void> | undefined
  private purgeTimer: Timer | undefined
  private failed = false
  private closing = false
  private lastZxid = 0
  private newestSnapshot: LastSnapshot | undefined
  private readonly snapCount: number
  private readonly snapRetainCount: number

  constructor(
    private readonly member: Member,
    private readonly storage: Storage,
    private readonly logger: DurableLogger,
    options: DurabilityOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.snapCount = options.snapCount ?? snapCountDefault
    this.snapRetainCount = Math.max(snapRetainCountMin, options.snapRetainCount ?? snapRetainCountMin)
    this.snapshotAfter = nextSnapshotAfter(this.snapCount, this.random)
    const purgeHours = options.purgeIntervalHours ?? 0
    if (purgeHours > 0) this.schedulePurge(member.clock, purgeHours * msPerHour)
  }

  /** The snapshot last written, or the one restored at start; undefined before either. */
  get lastSnapshot(): LastSnapshot | undefined {
    return this.newestSnapshot
  }

  /** Records the snapshot the member was restored from (its time is unknown). */
  restoredFrom(zxid: number): void {
    this.newestSnapshot ??= { zxid, timeMs: undefined }
  }

  /** The zxid after the last one proposed (or recovered). */
  nextZxid(): number {
    return Math.max(this.lastZxid, this.member.lastProcessedZxid) + 1
  }

  /** Appends the entry; the member commits it once it is durable (group commit batches appends). */
  propose(entry: TxnEntry): number | false {
    if (this.failed || this.closing) return false
    this.lastZxid = entry.header.zxid
    const data = encodeTxnEntry(entry)
    const started = performance.now()
    this.storage.append([{ zxid: entry.header.zxid, data }]).then(
      () => {
        this.member.metrics.logSync.observe(performance.now() - started)
        this.durable(entry)
      },
      (error: unknown) => this.fail(error),
    )
    return entry.header.zxid
  }

  private durable(entry: TxnEntry): void {
    if (this.failed || this.closing) return
    this.member.commit(entry)
    if (++this.sinceSnapshot >= this.snapshotAfter && this.snapshotting === undefined) void this.takeSnapshot()
  }

  /** Writes a snapshot now (one at a time: a request while one runs joins it, as "too busy to snap"). */
  takeSnapshot(): Promise<void> {
    if (this.snapshotting !== undefined) return this.snapshotting
    this.sinceSnapshot = 0
    this.snapshotAfter = nextSnapshotAfter(this.snapCount, this.random)
    const zxid = this.member.lastProcessedZxid
    this.snapshotting = this.storage
      .writeSnapshot(zxid, snapshotChunks(this.member))
      .then((info) => {
        this.newestSnapshot = { zxid, timeMs: this.member.clock.now() }
        this.logger.info(`snapshot 0x${zxid.toString(16)} written: ${info.chunkCount} chunks, ${info.byteCount} bytes`)
      })
      // Keep the log and snapshots bounded so start-up replays little (ZooKeeper rolls its log
      // per snapshot for the same reason); older ones go beyond snapRetainCount.
      .then(() => this.storage.purge(this.snapRetainCount))
      .then(() => undefined)
      .catch((error: unknown) => {
        if (this.storage.state === 'open') this.logger.error(`snapshot 0x${zxid.toString(16)} failed: ${String(error)}`)
      })
      .finally(() => {
        this.snapshotting = undefined
      })
    return this.snapshotting
  }

  /** Removes all but the newest snapRetainCount snapshots and the log they no longer need. */
  async purge(): Promise<void> {
    const result = await this.storage.purge(this.snapRetainCount)
    this.logger.info(`purge: ${result.snapshotsRemoved} snapshots and ${result.logEntriesRemoved} log entries removed`)
  }

  private schedulePurge(clock: Clock, intervalMs: number): void {
    this.purgeTimer = clock.setTimer(intervalMs, () => {
      this.purge().catch((error: unknown) => this.logger.error(`purge failed: ${String(error)}`))
      this.schedulePurge(clock, intervalMs)
    })
  }

  // A failed log write leaves durability unknown: stop serving rather than acknowledge anything.
  private fail(error: unknown): void {
    if (this.failed || this.closing) return
    this.failed = true
    this.logger.error(`transaction log write failed, stopping the member: ${String(error)}`)
    this.member.close()
  }

  /** Stops timers and waits for a running snapshot. */
  async close(): Promise<void> {
    this.closing = true
    this.purgeTimer?.cancel()
    await this.snapshotting
  }
}
