// Method: the group committer driven by a fake write whose batches the test completes one by one.
import { describe, expect, it } from 'vitest'
import { GroupCommitter } from '../../../storage/group-commit.js'
import { deferred } from './harness.js'

/** A write function that records each batch and holds it until the test releases it. */
function heldWrites(): { write: (ops: readonly number[]) => Promise<void>; batches: number[][]; release: () => void; started: () => Promise<void> } {
  const batches: number[][] = []
  const gates: { resolve: () => void }[] = []
  let nextStart = deferred()
  return {
    batches,
    write(ops) {
      batches.push([...ops])
      const gate = deferred()
      gates.push(gate)
      nextStart.resolve()
      nextStart = deferred()
      return gate.promise
    },
    release: () => gates.shift()?.resolve(),
    started: () => nextStart.promise,
  }
}

describe('GroupCommitter', () => {
  it('writes the first batch alone and everything queued meanwhile as the next batch', async () => {
    const w = heldWrites()
    const gc = new GroupCommitter<number>(w.write, 1000, 10_000)
    const done: number[] = []
    const first = gc.add([1]).then(() => done.push(1))
    await w.started()
    const rest = [2, 3, 4].map((n) => gc.add([n]).then(() => done.push(n)))
    expect(w.batches).toEqual([[1]])
    const secondStarted = w.started()
    w.release()
    await first
    await secondStarted
    expect(done).toEqual([1])
    expect(w.batches).toEqual([[1], [2, 3, 4]])
    w.release()
    await Promise.all(rest)
    expect(done).toEqual([1, 2, 3, 4])
  })

  it('starts a batch within the turn once startOps operations wait, and leaves the rest of the turn to the next', async () => {
    const w = heldWrites()
    const gc = new GroupCommitter<number>(w.write, 1000, 10_000, 3)
    const adds = [1, 2].map((n) => gc.add([n]))
    // Two wait: nothing is written before the microtask.
    expect(w.batches).toEqual([])
    adds.push(gc.add([3]))
    // The third starts the batch synchronously, in this very turn.
    expect(w.batches).toEqual([[1, 2, 3]])
    adds.push(...[4, 5, 6, 7].map((n) => gc.add([n])))
    expect(w.batches).toEqual([[1, 2, 3]])
    const secondStarted = w.started()
    w.release()
    await secondStarted
    expect(w.batches).toEqual([[1, 2, 3], [4, 5, 6, 7]])
    w.release()
    await Promise.all(adds)
  })

  it('writes fewer than startOps operations on the microtask after the turn, as one batch', async () => {
    const w = heldWrites()
    const gc = new GroupCommitter<number>(w.write, 1000, 10_000, 3)
    const adds = [gc.add([1]), gc.add([2])]
    expect(w.batches).toEqual([])
    await w.started()
    expect(w.batches).toEqual([[1, 2]])
    w.release()
    await Promise.all(adds)
    expect(() => new GroupCommitter<number>(w.write, 10, 10, 0)).toThrow(RangeError)
  })

  it('never puts more than batchOpsMax operations in a batch and splits a large add', async () => {
    const batches: number[][] = []
    const gc = new GroupCommitter<number>(async (ops) => void batches.push([...ops]), 3, 100)
    await Promise.all([gc.add([1, 2]), gc.add([3, 4, 5, 6, 7]), gc.add([8])])
    expect(batches).toEqual([[1, 2, 3], [4, 5, 6], [7, 8]])
  })

  it('bounds a batch by batchBytes, takes an operation bigger than the bound alone, and splits a large add', async () => {
    const batches: number[][] = []
    // Each operation weighs as many bytes as its number says.
    const gc = new GroupCommitter<number>(async (ops) => void batches.push([...ops]), 1000, 100, Number.POSITIVE_INFINITY, { max: 10, of: (n) => n })
    await Promise.all([gc.add([4]), gc.add([4, 2]), gc.add([1, 12]), gc.add([3]), gc.add([6, 6, 6]), gc.add([10])])
    expect(batches).toEqual([[4, 4, 2], [1], [12], [3, 6], [6], [6], [10]])
    for (const batch of batches) expect(batch.length === 1 || batch.reduce((a, b) => a + b) <= 10).toBe(true)
  })

  it('keeps bounding batches by batchOpsMax under a byte bound', async () => {
    const batches: number[][] = []
    const gc = new GroupCommitter<number>(async (ops) => void batches.push([...ops]), 2, 100, Number.POSITIVE_INFINITY, { max: 100, of: () => 1 })
    await Promise.all([gc.add([1, 2, 3]), gc.add([4])])
    expect(batches).toEqual([[1, 2], [3, 4]])
  })

  it('refuses a byte bound below one byte', () => {
    expect(() => new GroupCommitter<number>(async () => undefined, 10, 100, 1, { max: 0, of: () => 1 })).toThrow(RangeError)
  })

  it('runs an exclusive task after the operations before it and before those after it', async () => {
    const events: string[] = []
    const gc = new GroupCommitter<number>(async (ops) => void events.push(`write ${ops.join(',')}`), 10, 100)
    await Promise.all([gc.add([1]), gc.add([2]), gc.exclusive(async () => void events.push('exclusive')), gc.add([3])])
    expect(events).toEqual(['write 1,2', 'exclusive', 'write 3'])
  })

  it('rejects the failed batch, everything queued and every later add with IO_ERROR', async () => {
    const gc = new GroupCommitter<number>(() => Promise.reject(new Error('EIO')), 1, 100)
    const a = gc.add([1])
    const b = gc.add([2])
    await expect(a).rejects.toMatchObject({ code: 'IO_ERROR' })
    await expect(b).rejects.toMatchObject({ code: 'IO_ERROR' })
    expect(() => gc.add([3])).toThrow(expect.objectContaining({ code: 'IO_ERROR' }))
    await gc.idle()
  })

  it('throws APPEND_QUEUE_FULL without queueing when the bound would be passed', () => {
    const w = heldWrites()
    const gc = new GroupCommitter<number>(w.write, 10, 3)
    void gc.add([1, 2, 3])
    expect(() => gc.add([4])).toThrow(expect.objectContaining({ code: 'APPEND_QUEUE_FULL' }))
    expect(gc.pending).toBe(3)
  })

  it('reports idle only when nothing is queued or in flight', async () => {
    const w = heldWrites()
    const gc = new GroupCommitter<number>(w.write, 10, 100)
    await gc.idle()
    let idle = false
    void gc.add([1])
    const waiting = gc.idle().then(() => (idle = true))
    await w.started()
    expect(idle).toBe(false)
    w.release()
    await waiting
    expect(idle).toBe(true)
  })
})
