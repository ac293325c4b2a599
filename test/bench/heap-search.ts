// Method: the smallest heap limit a server recovers with, found by trying heaps: from a start that
// is doubled until a run succeeds, then halved until one fails, then bisected between the largest
// failure and the smallest success down to a granularity. Pure: the runner is passed in.

/** What one try at one heap limit reported: whether it served, and whatever else the runner measured. */
export interface HeapOutcome {
  /** True when the server recovered and served within its time limit at this heap. */
  ok: boolean
}

/** One try, in the order made. */
export type HeapTrial<T extends HeapOutcome> = T & {
  /** The heap limit tried, in MiB. */
  heapMb: number
}

/** Bounds of {@link findSmallestHeap}. */
export interface HeapSearchOptions {
  /** The first heap tried, in MiB (a generous one is best: it is usually a success). */
  startMb: number
  /** Stop once the smallest success and the largest failure are this close, in MiB; heaps tried are multiples of it. */
  granularityMb: number
  /** Never try below this, in MiB. */
  floorMb: number
  /** Never try above this, in MiB (the start is doubled up to it while runs fail). */
  ceilingMb: number
  /** Tries at most. */
  triesMax: number
  /** A heap already known to fail (e.g. a default limit tried before), in MiB: the search bisects down to it instead of below it. */
  failedMb?: number
  /** Stop trying once this returns true (e.g. a wall-clock budget is spent); checked before every try but the first. */
  stop?: () => boolean
}

/** What {@link findSmallestHeap} found. */
export interface HeapSearchResult<T extends HeapOutcome> {
  /** The smallest heap that succeeded, in MiB, or undefined when none did. */
  smallestOkMb: number | undefined
  /** The largest heap below it that failed, in MiB, or undefined when none below it was tried (or failed). */
  largestFailedMb: number | undefined
  /** Every try, in order. */
  trials: HeapTrial<T>[]
  /** Why the search stopped before the granularity was reached, when it did. */
  note?: string
}

/** `mb` rounded to a multiple of `granularity` (at least one granularity). */
function roundTo(mb: number, granularity: number): number {
  return Math.max(granularity, Math.round(mb / granularity) * granularity)
}

/**
 * Finds the smallest heap, to within `granularityMb`, at which `attempt` succeeds, assuming that
 * success is monotonic in the heap. Tries are made one at a time.
 */
export async function findSmallestHeap<T extends HeapOutcome>(
  attempt: (heapMb: number) => Promise<T>,
  options: HeapSearchOptions,
): Promise<HeapSearchResult<T>> {
  const g = options.granularityMb
  const trials: HeapTrial<T>[] = []
  let ok: number | undefined
  let failed: number | undefined = options.failedMb
  let note: string | undefined
  const limited = (): boolean => {
    if (trials.length >= options.triesMax) note = `stopped after ${trials.length} tries (the most allowed)`
    else if (trials.length > 0 && options.stop?.() === true) note = `stopped after ${trials.length} tries (time budget spent)`
    else return false
    return true
  }
  const tryHeap = async (heapMb: number): Promise<boolean> => {
    const outcome = await attempt(heapMb)
    trials.push({ ...outcome, heapMb })
    if (outcome.ok) ok = ok === undefined ? heapMb : Math.min(ok, heapMb)
    else failed = failed === undefined ? heapMb : Math.max(failed, heapMb)
    return outcome.ok
  }
  // Up from the start until a success.
  for (let heap = roundTo(Math.min(options.startMb, options.ceilingMb), g); ok === undefined; heap = roundTo(heap * 2, g)) {
    if (heap > options.ceilingMb || limited()) return { smallestOkMb: undefined, largestFailedMb: failed, trials, note: note ?? `no heap up to ${options.ceilingMb} MiB succeeded` }
    await tryHeap(heap)
  }
  // Down by halves until a failure (or the floor).
  while (failed === undefined) {
    const heap = roundTo(ok / 2, g)
    if (heap < options.floorMb || heap >= ok) return { smallestOkMb: ok, largestFailedMb: undefined, trials, note: `succeeded down to ${ok} MiB; ${heap} MiB is below the floor (${options.floorMb} MiB)` }
    if (limited()) return { smallestOkMb: ok, largestFailedMb: failed, trials, ...(note === undefined ? {} : { note }) }
    await tryHeap(heap)
  }
  // Bisect between the largest failure and the smallest success.
  while (ok !== undefined && ok - failed > g) {
    const heap = roundTo((ok + failed) / 2, g)
    if (heap <= failed || heap >= ok || limited()) break
    await tryHeap(heap)
  }
  return { smallestOkMb: ok, largestFailedMb: failed, trials, ...(note === undefined ? {} : { note }) }
}
