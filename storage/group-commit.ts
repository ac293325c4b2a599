/**
 * Group commit: one synced write for every append that arrived while the previous one was in flight.
 *
 * As in ZooKeeper's SyncRequestProcessor, a single writer takes what is queued (up to a bound),
 * writes it with one sync, and only then resolves the appends it covered; under load the batches
 * grow by themselves. The loop starts on a microtask, so appends issued in the same tick share
 * the first batch too. Exclusive tasks (truncation) run between batches, in queue order.
 * @module
 */
import { StorageError } from './errors.js'

interface Waiter {
  resolve(): void
  reject(err: unknown): void
}

interface OpsItem<Op> extends Waiter {
  kind: 'ops'
  ops: readonly Op[]
  /** How many of `ops` earlier batches took already (an append bigger than a batch is split). */
  taken: number
}

interface ExclusiveItem extends Waiter {
  kind: 'exclusive'
  run(): Promise<void>
}

type Item<Op> = OpsItem<Op> | ExclusiveItem

/** Queues operations and writes them in batches through `write`, one batch at a time. */
export class GroupCommitter<Op> {
  private readonly queue: Item<Op>[] = []
  private queuedOps = 0
  private running = false
  /** A drain is scheduled on a microtask and has not begun (see {@link GroupCommitter.kick}). */
  private startPending = false
  private failure: StorageError | undefined
  private idleWaiters: (() => void)[] = []

  /**
   * @param write writes one batch durably; called with at most `batchOpsMax` operations.
   * @param batchOpsMax most operations in one batch.
   * @param queueOpsMax most operations waiting (queued and in flight) before `add` rejects.
   * @param startOps operations queued while the disk is idle that start a batch at once, in the
   *   turn of the event loop that queued them, instead of on the microtask after it.
   * @param batchBytes the most bytes of operations in one batch, and how many bytes an operation
   *   takes; a batch always takes its first operation, however big. Absent: batches are bounded
   *   by `batchOpsMax` alone.
   */
  constructor(
    private readonly write: (ops: readonly Op[]) => Promise<void>,
    private readonly batchOpsMax: number,
    private readonly queueOpsMax: number,
    private readonly startOps = Number.POSITIVE_INFINITY,
    private readonly batchBytes?: { readonly max: number; readonly of: (op: Op) => number },
  ) {
    if (!(batchOpsMax >= 1)) throw new RangeError(`batchOpsMax must be >= 1, got ${batchOpsMax}`)
    if (!(startOps >= 1)) throw new RangeError(`startOps must be >= 1, got ${startOps}`)
    if (batchBytes !== undefined && !(batchBytes.max >= 1)) throw new RangeError(`batchBytes.max must be >= 1, got ${batchBytes.max}`)
  }

  /** Operations waiting for the disk, queued or in flight. */
  get pending(): number {
    return this.queuedOps
  }

  /** The error that stopped the committer, if a write failed. */
  get failed(): StorageError | undefined {
    return this.failure
  }

  /**
   * Queues `ops`; the promise resolves when they and everything queued before them are written.
   * `[]` is a barrier. Throws at once, queueing nothing, when the committer has failed or is full.
   */
  add(ops: readonly Op[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure
    if (this.queuedOps + ops.length > this.queueOpsMax) {
      throw new StorageError(
        'APPEND_QUEUE_FULL',
        `${this.queuedOps} log entries wait for the disk; ${ops.length} more would pass appendQueueEntriesMax (${this.queueOpsMax})`,
      )
    }
    if (ops.length === 0 && !this.running && this.queue.length === 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'ops', ops, taken: 0, resolve, reject })
      this.queuedOps += ops.length
      this.kick()
    })
  }

  /** Runs `run` after everything queued before it is written and before anything queued after it. */
  exclusive(run: () => Promise<void>): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'exclusive', run, resolve, reject })
      this.kick()
    })
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve()
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve))
  }

  /**
   * Starts the writer if it is idle: on a microtask, so that what the rest of this turn queues
   * shares the batch, or at once when `startOps` operations wait already. A server that reads a
   * hundred requests in one turn then has the disk write the first of them while it prepares
   * the rest, and the replies of that first batch go out, and their clients' next requests come
   * in, while the rest are written.
   */
  private kick(): void {
    if (this.running) {
      if (this.startPending && this.queuedOps >= this.startOps) this.startNow()
      return
    }
    this.running = true
    if (this.queuedOps >= this.startOps) return this.startNow()
    this.startPending = true
    queueMicrotask(() => {
      if (this.startPending) this.startNow()
    })
  }

  private startNow(): void {
    this.startPending = false
    void this.drain()
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && this.failure === undefined) {
      const head = this.queue[0]!
      if (head.kind === 'exclusive') {
        this.queue.shift()
        await head.run().then(head.resolve, head.reject)
        continue
      }
      const { ops, completed } = this.takeBatch()
      try {
        if (ops.length > 0) await this.write(ops)
      } catch (err) {
        this.fail(err, completed)
        break
      }
      this.queuedOps -= ops.length
      for (const item of completed) item.resolve()
    }
    this.running = false
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  /**
   * Takes up to batchOpsMax operations (and batchBytes.max bytes of them, but at least one) from
   * the head of the queue, stopping at an exclusive task.
   */
  private takeBatch(): { ops: Op[]; completed: Waiter[] } {
    const ops: Op[] = []
    const completed: Waiter[] = []
    const bytesMax = this.batchBytes?.max ?? Number.POSITIVE_INFINITY
    let bytes = 0
    while (this.queue.length > 0 && ops.length < this.batchOpsMax && bytes < bytesMax) {
      const head = this.queue[0]!
      if (head.kind !== 'ops') break
      const room = this.batchOpsMax - ops.length
      let end = Math.min(head.ops.length, head.taken + room)
      if (this.batchBytes !== undefined) ({ end, bytes } = this.byteBoundedEnd(head, end, bytes, ops.length === 0))
      for (let i = head.taken; i < end; i++) ops.push(head.ops[i]!)
      head.taken = end
      if (head.taken < head.ops.length) break
      this.queue.shift()
      completed.push(head)
    }
    return { ops, completed }
  }

  /**
   * Where the batch stops within `head` (at or before `end`) so that its bytes stay within the
   * bound, and the batch's bytes then.
   */
  private byteBoundedEnd(head: OpsItem<Op>, end: number, bytesBefore: number, batchEmpty: boolean): { end: number; bytes: number } {
    const { max, of } = this.batchBytes!
    let bytes = bytesBefore
    for (let i = head.taken; i < end; i++) {
      const next = bytes + of(head.ops[i]!)
      // The first operation of a batch is taken whatever its size, or nothing would move.
      if (next > max && !(batchEmpty && i === head.taken)) return { end: i, bytes }
      bytes = next
    }
    return { end, bytes }
  }

  /** A failed sync write leaves the log's durable state unknown: fail this batch and all after it. */
  private fail(err: unknown, completed: Waiter[]): void {
    this.failure = new StorageError('IO_ERROR', `writing to the log failed: ${(err as Error).message}`, { cause: err })
    const rest = this.queue.splice(0)
    this.queuedOps = 0
    for (const item of [...completed, ...rest]) item.reject(this.failure)
  }
}
