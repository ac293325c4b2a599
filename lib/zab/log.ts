/**
 * The in-memory history of one member: entries after a base zxid (the snapshot the log starts
 * from, or 0). Committed entries beyond `retainedLogEntriesMax` are trimmed; a learner that needs
 * them gets SNAP instead (ZooKeeper: `ZKDatabase.committedLog`).
 * @module
 */
import { assert, invariantBroken } from './assert.js'
import type { MemberConfig } from './config.js'
import { formatZxid } from '../protocol/zxid.js'

/** One transaction in a history: its zxid and its bytes, opaque to the core. */
export interface LogEntry {
  readonly zxid: number
  readonly data: Uint8Array
  /**
   * On a reconfig entry only: the configuration it makes active once committed (its version is
   * the entry's zxid). The runtime restores it with the entry (it can tell from the bytes).
   */
  readonly config?: MemberConfig
}

/**
 * Ordered entries with strictly increasing zxids after `base`. Trimmed entries are skipped by a
 * head index and the array compacted once they are half of it, so trimming one entry per commit
 * costs O(1) amortised instead of a shift of the whole retained log.
 */
export class ZabLog {
  #base: number
  #entries: LogEntry[] = []
  /** Index of the oldest retained entry in `#entries`; those before it are trimmed. */
  #head = 0

  constructor(base: number, entries: readonly LogEntry[]) {
    this.#base = base
    for (const entry of entries) this.append(entry)
  }

  /** The zxid the log starts after (snapshot zxid, or 0 for the empty history). */
  get base(): number {
    return this.#base
  }

  /** The last zxid in the history (ZooKeeper: lastLoggedZxid). */
  get lastZxid(): number {
    return this.#entries.length > this.#head ? (this.#entries[this.#entries.length - 1] as LogEntry).zxid : this.#base
  }

  get size(): number {
    return this.#entries.length - this.#head
  }

  /** Appends one entry; zxids strictly increase (ZAB paper: local primary order). */
  append(entry: LogEntry): void {
    if (!(entry.zxid > this.lastZxid)) invariantBroken(`zxid ${formatZxid(entry.zxid)} not above last ${formatZxid(this.lastZxid)}`)
    this.#entries.push(entry)
  }

  /** The entry with exactly this zxid, if retained. */
  get(zxid: number): LogEntry | undefined {
    const index = this.#indexAtOrBelow(zxid)
    const entry = index >= 0 ? this.#entries[this.#head + index] : undefined
    return entry?.zxid === zxid ? entry : undefined
  }

  /** Whether the history holds `zxid` as an entry or as its base. */
  contains(zxid: number): boolean {
    return zxid === this.#base || this.get(zxid) !== undefined
  }

  /** The largest zxid in the history at or below `zxid` (the base when no entry is). */
  floor(zxid: number): number {
    if (!(zxid >= this.#base)) invariantBroken(`floor(${formatZxid(zxid)}) below log base ${formatZxid(this.#base)}`)
    const index = this.#indexAtOrBelow(zxid)
    return index >= 0 ? (this.#entries[this.#head + index]?.zxid ?? this.#base) : this.#base
  }

  /** Entries with `after < zxid <= upTo`, in order. */
  slice(after: number, upTo = Infinity): LogEntry[] {
    const start = this.#indexAtOrBelow(after) + 1
    const end = this.#indexAtOrBelow(upTo) + 1
    return this.#entries.slice(this.#head + start, this.#head + end)
  }

  /** Pushes the entries with `after < zxid <= upTo` onto `target`, in order (a slice without the copy). */
  pushRange(after: number, upTo: number, target: LogEntry[]): void {
    const end = this.#head + this.#indexAtOrBelow(upTo) + 1
    for (let i = this.#head + this.#indexAtOrBelow(after) + 1; i < end; i++) target.push(this.#entries[i] as LogEntry)
  }

  /** Drops every entry above `zxid` (TRUNC). */
  truncateAfter(zxid: number): void {
    assert(zxid >= this.#base, () => `truncate to ${formatZxid(zxid)} below log base ${formatZxid(this.#base)}`)
    this.#entries.length = this.#head + this.#indexAtOrBelow(zxid) + 1
  }

  /** Replaces the whole history with the empty log after snapshot `zxid` (SNAP). */
  reset(zxid: number): void {
    this.#base = zxid
    this.#entries = []
    this.#head = 0
  }

  /**
   * Forgets the oldest entries at or below `committedZxid` beyond the newest `keep` of them (the
   * last one forgotten becomes the base). Runs on every commit, so it is index arithmetic only.
   */
  trimOldest(committedZxid: number, keep: number): void {
    const excess = this.#indexAtOrBelow(committedZxid) + 1 - keep
    if (excess <= 0) return
    this.#base = (this.#entries[this.#head + excess - 1] as LogEntry).zxid
    this.#head += excess
    this.#compact()
  }

  // Drops trimmed entries from the array once they are half of it: O(1) amortised per trim.
  #compact(): void {
    if (this.#head * 2 < this.#entries.length) return
    this.#entries.splice(0, this.#head)
    this.#head = 0
  }

  // Index (from the oldest retained entry) of the last entry with zxid <= target, or -1. The
  // newest and the oldest entries are checked first: persistence and commits almost always name
  // one of the newest, trimming the oldest.
  #indexAtOrBelow(target: number): number {
    const head = this.#head
    const last = this.#entries.length - 1
    if (last < head) return -1
    if ((this.#entries[last] as LogEntry).zxid <= target) return last - head
    if (last > head && (this.#entries[last - 1] as LogEntry).zxid <= target) return last - 1 - head
    // Trimming names the oldest entry.
    const first = (this.#entries[head] as LogEntry).zxid
    if (first > target) return -1
    if (first === target) return 0
    let low = head
    let high = this.#entries.length - 1
    let found = head - 1
    while (low <= high) {
      const middle = (low + high) >>> 1
      const zxid = this.#entries[middle]?.zxid ?? Infinity
      if (zxid <= target) {
        found = middle
        low = middle + 1
      } else high = middle - 1
    }
    return found - head
  }
}
