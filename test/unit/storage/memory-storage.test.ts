// Method: the Storage contract on memory-level, plus what only an injectable database can show.
import { describe, expect, it } from 'vitest'
import { createMemoryDb, createMemoryStorage } from '../../../storage/index.js'
import { storageContract } from './contract.js'
import { bytes, deferred, memoryBacking, RecordingLogger } from './harness.js'

storageContract(memoryBacking)

describe('MemoryStorage', () => {
  it('resolves no append before its batch is written, and gathers the appends that arrive meanwhile', async () => {
    const db = createMemoryDb()
    const storage = createMemoryStorage({ db, logger: new RecordingLogger() })
    await storage.open()
    const gate = deferred()
    const entered = deferred()
    const batch = db.batch.bind(db) as (...args: unknown[]) => Promise<void>
    const sizes: number[] = []
    ;(db as unknown as { batch: (...args: unknown[]) => Promise<void> }).batch = async (ops: unknown, options: unknown) => {
      sizes.push((ops as unknown[]).length)
      if (sizes.length === 1) {
        entered.resolve()
        await gate.promise
      }
      return batch(ops, options)
    }
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
    ;(db as unknown as { batch: () => Promise<void> }).batch = () => Promise.reject(new Error('disk full'))
    const err = await storage.append([{ zxid: 1, data: bytes('a') }]).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'IO_ERROR', message: expect.stringContaining('disk full') })
    expect((err as Error).cause).toBeInstanceOf(Error)
    await expect(storage.append([{ zxid: 2, data: bytes('b') }])).rejects.toMatchObject({ code: 'IO_ERROR' })
    await storage.close()
  })
})
