// Method: the Storage contract on memory-level, plus what only an injectable database can show.
import { describe, expect, it } from 'vitest'
import { createMemoryDb, createMemoryStorage } from '../../../storage/index.js'
import { storageContract } from './contract.js'
import { bytes, collect, deferred, eachCrashPoint, memoryBacking, RecordingLogger, type MemoryDb } from './harness.js'

storageContract(memoryBacking)

/**
 * Runs `before` ahead of every write of a chained batch (`db.batch()` without arguments, as the
 * log is written) on `db`; the write goes on once it resolves and fails when it rejects.
 */
function onChainedWrite(db: MemoryDb, before: (chained: { readonly length: number }) => Promise<void>): void {
  const batch = db.batch.bind(db) as (...args: unknown[]) => unknown
  ;(db as unknown as { batch: (...args: unknown[]) => unknown }).batch = (...args: unknown[]) => {
    if (args.length > 0) return batch(...args)
    const chained = batch() as { length: number; write: (options?: unknown) => Promise<void>; close: () => Promise<void> }
    const write = chained.write.bind(chained)
    chained.write = async (options?: unknown) => {
      try {
        await before(chained)
      } catch (err) {
        await chained.close()
        throw err
      }
      return write(options)
    }
    return chained
  }
}

describe('MemoryStorage', () => {
  it('resolves no append before its batch is written, and gathers the appends that arrive meanwhile', async () => {
    const db = createMemoryDb()
    const storage = createMemoryStorage({ db, logger: new RecordingLogger() })
    await storage.open()
    const gate = deferred()
    const entered = deferred()
    const sizes: number[] = []
    // The log is written through chained batches: hold the first one's write at the gate.
    onChainedWrite(db, async (chained) => {
      sizes.push(chained.length)
      if (sizes.length === 1) {
        entered.resolve()
        await gate.promise
      }
    })
    let resolved = 0
    const first = storage.append([{ zxid: 1, data: bytes('a') }]).then(() => resolved++)
    await entered.promise
    const rest = [2, 3, 4].map((z) => storage.append([{ zxid: z, data: bytes('b') }]).then(() => resolved++))
    // Let every pending callback run (no timer involved): still nothing may be acknowledged.
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(resolved).toBe(0)
    expect(sizes).toEqual([1])
    gate.resolve()
    await Promise.all([first, ...rest])
    expect(sizes).toEqual([1, 3])
    await storage.close()
  })

  it('fails the batch and every later append with IO_ERROR when a log write fails', async () => {
    const db = createMemoryDb()
    const storage = createMemoryStorage({ db, logger: new RecordingLogger() })
    await storage.open()
    onChainedWrite(db, () => Promise.reject(new Error('disk full')))
    const err = await storage.append([{ zxid: 1, data: bytes('a') }]).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'IO_ERROR', message: expect.stringContaining('disk full') })
    expect((err as Error).cause).toBeInstanceOf(Error)
    await expect(storage.append([{ zxid: 2, data: bytes('b') }])).rejects.toMatchObject({ code: 'IO_ERROR' })
    await storage.close()
  })
})

describe('MemoryStorage: a crash at any point of a truncation', () => {
  // SIM_SEED=77889 (whole-system simulation): a follower installing its leader's snapshot
  // truncated its whole log; power failed after the snapshot markers were gone but before the
  // log was, and the member could not start again: "no usable snapshot, and the log does not
  // reach back to the first transaction".
  it('leaves what a restart can rebuild from, when it removes every snapshot of a purged log', async () => {
    const z = (counter: number) => 2 ** 32 + counter
    const setup = createMemoryDb()
    const storage = createMemoryStorage({ db: setup, logger: new RecordingLogger() })
    await storage.open()
    await storage.append(Array.from({ length: 30 }, (_, i) => ({ zxid: z(i + 1), data: bytes(`txn ${i + 1}`) })))
    for (const at of [10, 20, 25]) await storage.writeSnapshot(z(at), [bytes(`tree at ${at}`)])
    await storage.purge(2)
    expect((await collect(storage.readLog(0)))[0]?.zxid).toBe(z(21))
    await storage.close()
    await setup.open()
    const before = await collect(setup.iterator())
    await setup.close()

    const writes = await eachCrashPoint(
      before,
      (storage) => storage.truncateAfter(0),
      async (after, kept) => {
        const snapshot = await after.latestSnapshot()
        const log = await collect(after.readLog(snapshot === undefined ? 0 : snapshot.zxid + 1))
        const first = log[0]?.zxid
        // Rebuildable: a snapshot with the log going on right after it, or a log from its first transaction.
        const start = snapshot === undefined ? 0 : snapshot.zxid
        expect({ kept, rebuildable: first === undefined || first === start + 1 || (snapshot === undefined && first === z(1)) }).toEqual({ kept, rebuildable: true })
        if (snapshot !== undefined) expect((await collect(snapshot.chunks())).length).toBe(1)
      },
    )
    expect(writes).toBeGreaterThan(1)
  })
})

describe('MemoryStorage: a crash at any point of discarding a replaced history', () => {
  // SIM_SEED=10270 (whole-system simulation): a follower that installed its leader's snapshot
  // kept its old log under it; once that snapshot was corrupt, start-up rebuilt the tree from the
  // log alone and the member rejoined with most of the tree missing.
  it('leaves the old history whole or none of it, with the cut recorded before anything goes', async () => {
    const old = (counter: number) => 2 ** 32 + counter
    const leaders = 3 * 2 ** 32 + 7
    const setup = createMemoryDb()
    const storage = createMemoryStorage({ db: setup, logger: new RecordingLogger() })
    await storage.open()
    await storage.append(Array.from({ length: 30 }, (_, i) => ({ zxid: old(i + 1), data: bytes(`txn ${i + 1}`) })))
    for (const at of [10, 20]) await storage.writeSnapshot(old(at), [bytes(`tree at ${at}`)])
    await storage.writeSnapshot(leaders, [bytes('the leader\'s tree')])
    await storage.close()
    await setup.open()
    const before = await collect(setup.iterator())
    await setup.close()

    const writes = await eachCrashPoint(
      before,
      (storage) => storage.discardHistoryThrough(leaders),
      async (after, kept) => {
        const log = (await collect(after.readLog(0))).map((e) => e.zxid)
        const olds = (await after.listSnapshots()).filter((s) => s.zxid < leaders).map((s) => s.zxid)
        // An old snapshot still listed has the whole old log after it (it restores the old history,
        // a state this member did hold); once the log is cut anywhere, the cut is on record.
        for (const at of olds) expect({ kept, at, logAfter: log.filter((z) => z > at) }).toEqual({ kept, at, logAfter: Array.from({ length: 30 - (at - old(0)) }, (_, i) => at + i + 1) })
        if (log.length < 30) expect({ kept, removedThrough: after.logRemovedThrough }).toEqual({ kept, removedThrough: leaders })
        expect((await after.listSnapshots()).map((s) => s.zxid)).toContain(leaders)
      },
    )
    expect(writes).toBeGreaterThan(2)
  })
})
