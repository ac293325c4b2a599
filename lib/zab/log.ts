/**
 * The in-memory history of one member: entries after a base zxid (the snapshot the log starts
 * from, or 0). Committed entries beyond `retainedLogEntriesMax` are trimmed; a learner that needs
 * them gets SNAP instead (ZooKeeper: `ZKDatabase.committedLog`).
 * @module
 */
import { assert } from './assert.js'
import { formatZxid } from './zxid.js'

/** One transaction in a history: its zxid and its bytes, opaque to the core. */
export interface LogEntry {
  readonly zxid: number
  readonly data: Uint8Array
}

/** Ordered entries with strictly increasing zxids after `base`. */
export class ZabLog {
  #base: number
  #entries: LogEntry[] = []

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
    return this.#entries.at(-1)?.zxid ?? this.#base
  }

  get size(): number {
    return this.#entries.length
  }

  /** Appends one entry; zxids strictly increase (ZAB paper: local primary order). */
  append(entry: LogEntry): void {
    assert(entry.zxid > this.lastZxid, `zxid ${formatZxid(entry.zxid)} not above last ${formatZxid(this.lastZxid)}`)
    this.#entries.push(entry)
  }

  /** The entry with exactly this zxid, if retained. */
  get(zxid: number): LogEntry | undefined {
    const index = this.#indexAtOrBelow(zxid)
    const entry = index >= 0 ? this.#entries[index] : undefined
    return entry?.zxid === zxid ? entry : undefined
  }

  /** Whether the history holds `zxid` as an entry or as its base. */
  contains(zxid: number): boolean {
    return zxid === this.#base || this.get(zxid) !== undefined
  }

  /** The largest zxid in the history at or below `zxid` (the base when no entry is). */
  floor(zxid: number): number {
    assert(zxid >= this.#base, `floor(${formatZxid(zxid)}) below log base ${formatZxid(this.#base)}`)
    const index = this.#indexAtOrBelow(zxid)
    return index >= 0 ? (this.#entries[index]?.zxid ?? this.#base) : this.#base
  }

  /** Entries with `after < zxid <= upTo`, in order. */
  slice(after: number, upTo = Infinity): LogEntry[] {
    const start = this.#indexAtOrBelow(after) + 1
    const end = this.#indexAtOrBelow(upTo) + 1
    return this.#entries.slice(start, end)
  }

  /** How many retained entries have a zxid at or below `zxid`. */
  countUpTo(zxid: number): number {
    return this.#indexAtOrBelow(zxid) + 1
  }

  /** The zxid of the retained entry at `index` (0 = oldest), if any. */
  zxidAt(index: number): number | undefined {
    return this.#entries[index]?.zxid
  }

  /** Drops every entry above `zxid` (TRUNC). */
  truncateAfter(zxid: number): void {
    assert(zxid >= this.#base, `truncate to ${formatZxid(zxid)} below log base ${formatZxid(this.#base)}`)
    this.#entries.length = this.#indexAtOrBelow(zxid) + 1
  }

  /** Replaces the whole history with the empty log after snapshot `zxid` (SNAP). */
  reset(zxid: number): void {
    this.#base = zxid
    this.#entries = []
  }

  /** Forgets entries at or below `zxid`, which becomes the new base; they must be committed. */
  trimTo(zxid: number): void {
    if (zxid <= this.#base) return
    const index = this.#indexAtOrBelow(zxid)
    this.#base = this.#entries[index]?.zxid ?? this.#base
    this.#entries.splice(0, index + 1)
  }

  // Binary search: index of the last entry with zxid <= target, or -1.
  #indexAtOrBelow(target: number): number {
    let low = 0
    let high = this.#entries.length - 1
    let found = -1
    while (low <= high) {
      const middle = (low + high) >>> 1
      const zxid = this.#entries[middle]?.zxid ?? Infinity
      if (zxid <= target) {
        found = middle
        low = middle + 1
      } else high = middle - 1
    }
    return found
  }
}
