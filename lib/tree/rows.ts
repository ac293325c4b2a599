/**
 * Restored leaves kept without an object of their own. A snapshot chunk's nodes share one buffer
 * of values and one block of numbers (lib/server/snapshot-chunk.ts), so what sets one plain
 * restored leaf apart from its neighbours is only its place in them: a run of such leaves is one
 * {@link RowRun}, and each leaf is a row number in the tree's index instead of a node object (72
 * bytes of heap each, most of the heap a big restored tree took). A row is read through a view
 * made on demand, and never changed: the tree turns a row back into a node of its own before it
 * changes it, so a view read earlier keeps showing the node as it was. Pure: no clock, no I/O.
 *
 * A leaf never changed since it was made (its data version, child and ACL versions 0, its mzxid
 * and pzxid its czxid, its mtime its ctime) is a *pristine* row: of the 60 bytes of numbers a
 * node keeps, its run keeps 12 (the low halves of its czxid and ctime, and where its value ends,
 * each value starting where the one before ended; the high halves, the zxid's epoch and the
 * time's 49.7-day span, are the run's), and lets the chunk's block of numbers go. Most znodes of a big tree
 * were written once (registrations, configuration, the children of a queue). Its view is a node
 * made with numbers of its own.
 * @module
 */
import type { ACL } from '../protocol/data.js'

/** Most rows one run holds: a row's number is its run's index times this, plus its place in the run. */
const rowsPerRun = 1024
const rowBits = 10
/** Runs stay below this many, so that a row number stays below 2^30 (a small integer in V8). */
const runsMax = 1 << 20

/** What a pristine run keeps of each row: the low halves of czxid and ctime, and its value's end. */
const pristineFields = 3
/** Rows a pristine run has room for at first; it doubles as it fills, and is cut to size when sealed. */
const pristineRowsFirst = 64
/** 2^32: the weight of a long's high half. */
const highWeight = 4_294_967_296

const noBytes = new Uint8Array(0)
const noStats = new Int32Array(0)

/**
 * `bytes` bytes of zeroed memory for what a restore keeps of each znode (values, numbers),
 * taken as a SharedArrayBuffer, which is never shared with another thread. V8 counts an
 * ArrayBuffer's memory as external, and starts a full marking of the heap each time external
 * memory grew by 64 MiB since the last one; a restore keeps about 160 bytes outside the heap per
 * znode, so restoring 10 million znodes started 35 of them, each marking a heap that was growing
 * to 1.6 GB. A SharedArrayBuffer's memory is not counted so. It is freed, as an ArrayBuffer's
 * is, once the collector finds nothing holding it, which a heap growing again or idle soon
 * makes it look for; at most the memory the restore took is waiting so.
 */
export function restoredMemory(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(bytes)
}

/**
 * Consecutive rows sharing a buffer of values: either all pristine, their numbers in
 * {@link RowRun.pristine}, or all over one block of numbers at consecutive slots.
 */
class RowRun {
  /** Each row's ACL, once the rows' ACLs differ; until then every row has {@link RowRun.acl}. */
  acls: (readonly ACL[])[] | null = null
  /** Rows in the run. */
  count = 0
  /** Rows still in the tree. */
  live = 0
  constructor(
    /** The values' buffer; let go once no row is left. */
    public bytes: Uint8Array,
    /** A run over a block of numbers: the block; let go once no row is left. */
    public stats: Int32Array,
    /** The first row's slot in {@link RowRun.stats}, or (pristine) where its value starts. */
    readonly first: number,
    /** The first row's ACL. */
    readonly acl: readonly ACL[],
    /** A pristine run: {@link pristineFields} numbers a row; null for a run over a block. */
    public pristine: Int32Array | null,
    /** A pristine run: the high half of every row's czxid (its epoch). */
    readonly czxidHigh = 0,
    /** A pristine run: the high half of every row's ctime. */
    readonly ctimeHigh = 0,
  ) {}

  /** Where the last row's value ends (a pristine run). */
  get end(): number {
    return this.count === 0 ? this.first : this.pristine![this.count * pristineFields - 1]!
  }
}

/** Makes the view of a row over a block of numbers: its values' buffer, numbers' block, slot in it and ACL. */
export type RowView<V> = (bytes: Uint8Array, stats: Int32Array, statAt: number, acl: readonly ACL[]) => V

/** Makes the view of a pristine row: its values' buffer, its value's span, czxid, ctime and ACL. */
export type PristineView<V> = (bytes: Uint8Array, start: number, end: number, czxid: number, ctime: number, acl: readonly ACL[]) => V

/** The runs of rows of one tree. */
export class RowStore<V> {
  private runs: RowRun[] = []
  /** The run rows are appended to, or null before the first and after {@link RowStore.clear}. */
  private current: RowRun | null = null
  private liveRows = 0

  /**
   * @param stride - Slots a node takes in a block of numbers.
   * @param makeView - Makes the view of a row over a block of numbers.
   * @param makePristine - Makes the view of a pristine row.
   */
  constructor(
    private readonly stride: number,
    private readonly makeView: RowView<V>,
    private readonly makePristine: PristineView<V>,
  ) {}

  /** Rows in the tree. */
  get size(): number {
    return this.liveRows
  }

  /**
   * A row for a leaf with these parts, or -1 when it cannot be one: it continues the current run
   * (the same buffer and block, the next slot), or starts a run when `mayStart` (the caller saw
   * that the next leaf would continue it; a run of one would cost more than a node).
   */
  append(bytes: Uint8Array, stats: Int32Array, statAt: number, acl: readonly ACL[], mayStart: boolean): number {
    const run = this.current
    if (run !== null && run.pristine === null && run.count < rowsPerRun && run.bytes === bytes && run.stats === stats && statAt === run.first + run.count * this.stride) {
      return this.extend(run, acl)
    }
    if (!mayStart || this.runs.length >= runsMax) return -1
    return this.extend(this.start(new RowRun(bytes, stats, statAt, acl, null)), acl)
  }

  /**
   * A pristine row for a leaf whose value is the span `start`..`end` of `bytes`, or -1, as
   * {@link RowStore.append}: it continues the current pristine run when its value starts where
   * that run's last one ends in the same buffer.
   */
  appendPristine(bytes: Uint8Array, start: number, end: number, czxid: number, ctime: number, acl: readonly ACL[], mayStart: boolean): number {
    const czxidHigh = Math.floor(czxid / highWeight)
    const ctimeHigh = Math.floor(ctime / highWeight)
    let run = this.current
    if (run === null || run.pristine === null || run.count === rowsPerRun || run.bytes !== bytes || start !== run.end || run.czxidHigh !== czxidHigh || run.ctimeHigh !== ctimeHigh) {
      if (!mayStart || this.runs.length >= runsMax) return -1
      const numbers = new Int32Array(restoredMemory(pristineRowsFirst * pristineFields * 4))
      run = this.start(new RowRun(bytes, noStats, start, acl, numbers, czxidHigh, ctimeHigh))
    }
    let numbers = run.pristine!
    const at = run.count * pristineFields
    if (at === numbers.length) numbers = run.pristine = grown(numbers, numbers.length * 2)
    // Storing into an Int32Array keeps the low 32 bits of an integer, negative ones included.
    numbers[at] = czxid
    numbers[at + 1] = ctime
    numbers[at + 2] = end
    return this.extend(run, acl)
  }

  /** Ends the current run: no row is added to it after this, and a pristine run is cut to size. */
  seal(): void {
    const run = this.current
    if (run === null) return
    this.current = null
    const numbers = run.pristine
    if (numbers !== null && numbers.length > run.count * pristineFields) run.pristine = grown(numbers, run.count * pristineFields)
  }

  private start(run: RowRun): RowRun {
    this.seal()
    this.runs.push(run)
    this.current = run
    return run
  }

  private extend(run: RowRun, acl: readonly ACL[]): number {
    if (run.acls === null && acl !== run.acl) run.acls = new Array<readonly ACL[]>(run.count).fill(run.acl)
    run.acls?.push(acl)
    const row = ((this.runs.length - 1) << rowBits) | run.count
    run.count++
    run.live++
    this.liveRows++
    return row
  }

  /** A view of `row`, made now. */
  view(row: number): V {
    const run = this.runs[row >>> rowBits]!
    const at = row & (rowsPerRun - 1)
    const acl = run.acls === null ? run.acl : run.acls[at]!
    const numbers = run.pristine
    if (numbers === null) return this.makeView(run.bytes, run.stats, run.first + at * this.stride, acl)
    const i = at * pristineFields
    const start = at === 0 ? run.first : numbers[i - 1]!
    return this.makePristine(run.bytes, start, numbers[i + 2]!, run.czxidHigh * highWeight + (numbers[i]! >>> 0), run.ctimeHigh * highWeight + (numbers[i + 1]! >>> 0), acl)
  }

  /** `row` left the tree; a run with no rows left lets its buffer and block go. */
  release(row: number): void {
    const run = this.runs[row >>> rowBits]!
    this.liveRows--
    if (--run.live > 0) return
    run.bytes = noBytes
    run.stats = noStats
    run.acls = null
    if (run.pristine !== null) run.pristine = new Int32Array(0)
  }

  /** Forgets every row (the tree was emptied). */
  clear(): void {
    this.seal()
    this.runs = []
    this.current = null
    this.liveRows = 0
  }
}

/** The first `length` numbers of `numbers` (zeros past its end) in memory of their own. */
function grown(numbers: Int32Array, length: number): Int32Array {
  const out = new Int32Array(restoredMemory(length * 4))
  out.set(length >= numbers.length ? numbers : numbers.subarray(0, length))
  return out
}
