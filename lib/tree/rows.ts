/**
 * Restored leaves kept without an object of their own. A snapshot chunk's nodes share one buffer
 * of values and one block of numbers (lib/server/snapshot-chunk.ts), so what sets one plain
 * restored leaf apart from its neighbours is only its place in them: a run of such leaves is one
 * {@link RowRun}, and each leaf is a row number in the tree's index instead of a node object (72
 * bytes of heap each, most of the heap a big restored tree took). A row is read through a view
 * made on demand, and never changed: the tree turns a row back into a node of its own before it
 * changes it, so a view read earlier keeps showing the node as it was. Pure: no clock, no I/O.
 * @module
 */
import type { ACL } from '../protocol/data.js'

/** Most rows one run holds: a row's number is its run's index times this, plus its place in the run. */
const rowsPerRun = 1024
const rowBits = 10
/** Runs stay below this many, so that a row number stays below 2^30 (a small integer in V8). */
const runsMax = 1 << 20

const noBytes = new Uint8Array(0)
const noStats = new Int32Array(0)

/** Consecutive rows sharing a buffer of values and a block of numbers, at consecutive slots. */
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
    /** The numbers' block; let go once no row is left. */
    public stats: Int32Array,
    /** The first row's slot in {@link RowRun.stats}. */
    readonly firstStatAt: number,
    /** The first row's ACL. */
    readonly acl: readonly ACL[],
  ) {}
}

/** Makes the view of a row: its values' buffer, numbers' block, slot in it and ACL. */
export type RowView<V> = (bytes: Uint8Array, stats: Int32Array, statAt: number, acl: readonly ACL[]) => V

/** The runs of rows of one tree. */
export class RowStore<V> {
  private runs: RowRun[] = []
  /** The run rows are appended to, or null before the first and after {@link RowStore.clear}. */
  private current: RowRun | null = null
  private liveRows = 0

  /**
   * @param stride - Slots a node takes in a block of numbers.
   * @param makeView - Makes a row's view.
   */
  constructor(
    private readonly stride: number,
    private readonly makeView: RowView<V>,
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
    if (run !== null && run.count < rowsPerRun && run.bytes === bytes && run.stats === stats && statAt === run.firstStatAt + run.count * this.stride) {
      return this.extend(run, acl)
    }
    if (!mayStart || this.runs.length >= runsMax) return -1
    const fresh = new RowRun(bytes, stats, statAt, acl)
    this.runs.push(fresh)
    this.current = fresh
    return this.extend(fresh, acl)
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
    return this.makeView(run.bytes, run.stats, run.firstStatAt + at * this.stride, run.acls === null ? run.acl : run.acls[at]!)
  }

  /** `row` left the tree; a run with no rows left lets its buffer and block go. */
  release(row: number): void {
    const run = this.runs[row >>> rowBits]!
    this.liveRows--
    if (--run.live > 0) return
    run.bytes = noBytes
    run.stats = noStats
    run.acls = null
  }

  /** Forgets every row (the tree was emptied). */
  clear(): void {
    this.runs = []
    this.current = null
    this.liveRows = 0
  }
}
