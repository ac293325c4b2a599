// Method: one factory-driven conformance suite (as abstract-level/test does) run against every Storage.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import * as codec from '../../../storage/codec.js'
import { StorageError, type LogEntry, type Storage, type StorageOptions } from '../../../storage/index.js'
import { bytes, collect, deferred, RecordingLogger, text, zxid, type Backing, type BackingFactory } from './harness.js'

function entries(epoch: number, from: number, to: number): LogEntry[] {
  const out: LogEntry[] = []
  for (let c = from; c <= to; c++) out.push({ zxid: zxid(epoch, c), data: bytes(`txn ${epoch}/${c}`) })
  return out
}

async function logTexts(storage: Storage, from = 0): Promise<string[]> {
  return (await collect(storage.readLog(from))).map((e) => text(e.data))
}

function chunksOf(prefix: string, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => bytes(`${prefix} chunk ${i}`))
}

/** The texts of the newest snapshot's chunks, or of the one at `zxid`. */
async function snapshotTexts(storage: Storage, zxid?: number): Promise<{ zxid: number; chunks: string[] } | undefined> {
  const snap = zxid === undefined ? await storage.latestSnapshot() : await storage.readSnapshot(zxid)
  if (snap === undefined) return undefined
  return { zxid: snap.zxid, chunks: (await collect(snap.chunks())).map(text) }
}

export function storageContract(factory: BackingFactory): void {
  describe(`${factory.name} (Storage contract)`, () => {
    let backing: Backing
    let logger: RecordingLogger
    const open: Storage[] = []

    /** Opens a new storage over the backing; every one is closed after the test. */
    async function start(options: StorageOptions = {}): Promise<Storage> {
      const storage = backing.storage({ logger, ...options })
      open.push(storage)
      await storage.open()
      return storage
    }

    beforeEach(async () => {
      backing = await factory.create()
      logger = new RecordingLogger()
    })

    afterEach(async () => {
      for (const s of open.splice(0)) await s.close()
      await backing.cleanup()
    })

    describe('lifecycle', () => {
      it('goes closed -> opening -> open -> closing -> closed', async () => {
        const storage = backing.storage({ logger })
        expect(storage.state).toBe('closed')
        const opening = storage.open()
        expect(storage.state).toBe('opening')
        await opening
        expect(storage.state).toBe('open')
        const closing = storage.close()
        expect(storage.state).toBe('closing')
        await closing
        expect(storage.state).toBe('closed')
        expect(logger.lines.filter((l) => l.level === 'debug').map((l) => l.message.split('state: ')[1])).toEqual([
          'closed -> opening',
          'opening -> open',
          'open -> closing',
          'closing -> closed',
        ])
      })

      it('rejects an append before open and after close with NOT_OPEN naming the state', async () => {
        const storage = backing.storage({ logger })
        await expect(storage.append(entries(1, 1, 1))).rejects.toMatchObject({ code: 'NOT_OPEN', message: expect.stringContaining('closed') })
        await storage.open()
        await storage.close()
        const err = await storage.append(entries(1, 1, 1)).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(StorageError)
        expect(err).toMatchObject({ code: 'NOT_OPEN', message: expect.stringMatching(/cannot append to the log: .* is closed/) })
      })

      it('rejects reads, snapshots, epochs and purge when not open', async () => {
        const storage = backing.storage({ logger })
        await expect(collect(storage.readLog(0))).rejects.toMatchObject({ code: 'NOT_OPEN' })
        await expect(storage.latestSnapshot()).rejects.toMatchObject({ code: 'NOT_OPEN' })
        await expect(storage.writeSnapshot(1, [])).rejects.toMatchObject({ code: 'NOT_OPEN' })
        await expect(storage.setAcceptedEpoch(1)).rejects.toMatchObject({ code: 'NOT_OPEN' })
        await expect(storage.truncateAfter(0)).rejects.toMatchObject({ code: 'NOT_OPEN' })
        await expect(storage.purge(3)).rejects.toMatchObject({ code: 'NOT_OPEN' })
      })

      it('treats open when open and close when closed as no-ops', async () => {
        const storage = await start()
        await storage.open()
        expect(storage.state).toBe('open')
        await storage.close()
        await storage.close()
        expect(storage.state).toBe('closed')
      })

      it('closes through Symbol.asyncDispose', async () => {
        let kept: Storage | undefined
        {
          await using storage = backing.storage({ logger })
          await storage.open()
          kept = storage
        }
        expect(kept.state).toBe('closed')
      })

      it('waits for appends in flight before it closes, then they are durable', async () => {
        const storage = await start()
        const appended = storage.append(entries(1, 1, 5))
        await storage.close()
        await appended
        const again = await start()
        expect(await logTexts(again)).toHaveLength(5)
      })
    })

    describe('log', () => {
      it('starts empty with lastLoggedZxid 0', async () => {
        const storage = await start()
        expect(storage.lastLoggedZxid).toBe(0)
        expect(await collect(storage.readLog(0))).toEqual([])
      })

      it('reads back appended entries in zxid order, from a zxid inclusive', async () => {
        const storage = await start()
        await storage.append(entries(1, 1, 3))
        await storage.append(entries(1, 4, 6))
        await storage.append(entries(2, 0, 1))
        expect(await logTexts(storage)).toEqual([
          'txn 1/1', 'txn 1/2', 'txn 1/3', 'txn 1/4', 'txn 1/5', 'txn 1/6', 'txn 2/0', 'txn 2/1',
        ])
        expect((await collect(storage.readLog(zxid(1, 5)))).map((e) => e.zxid)).toEqual([zxid(1, 5), zxid(1, 6), zxid(2, 0), zxid(2, 1)])
        expect(storage.lastLoggedZxid).toBe(zxid(2, 1))
      })

      it('returns data as plain Uint8Arrays with the bytes that were appended', async () => {
        const storage = await start()
        const data = new Uint8Array([0, 1, 2, 255, 254])
        await storage.append([{ zxid: 7, data }])
        const [entry] = await collect(storage.readLog(0))
        expect(entry?.data.constructor).toBe(Uint8Array)
        expect(Array.from(entry!.data)).toEqual([0, 1, 2, 255, 254])
      })

      it('keeps zxids near 2^53 exact', async () => {
        const storage = await start()
        const big = zxid(2 ** 21 - 1, 2 ** 32 - 1)
        await storage.append([{ zxid: big, data: bytes('last') }])
        expect((await collect(storage.readLog(big))).map((e) => e.zxid)).toEqual([big])
      })

      it('rejects zxids that do not strictly increase, within a call and across calls', async () => {
        const storage = await start()
        await expect(storage.append([{ zxid: 5, data: bytes('a') }, { zxid: 5, data: bytes('b') }])).rejects.toBeInstanceOf(RangeError)
        await storage.append([{ zxid: 5, data: bytes('a') }])
        await expect(storage.append([{ zxid: 4, data: bytes('b') }])).rejects.toThrow(/strictly increase/)
        await expect(storage.append([{ zxid: 1.5, data: bytes('b') }])).rejects.toBeInstanceOf(RangeError)
        await expect(storage.append([{ zxid: 6, data: 'text' as unknown as Uint8Array }])).rejects.toBeInstanceOf(TypeError)
        expect(await logTexts(storage)).toEqual(['a'])
      })

      it('only reads entries that were durable when the iteration started', async () => {
        const storage = await start()
        await storage.append(entries(1, 1, 2))
        const reading = storage.readLog(0)[Symbol.asyncIterator]()
        const first = await reading.next()
        await storage.append(entries(1, 3, 4))
        const rest = []
        for (let r = await reading.next(); r.done !== true; r = await reading.next()) rest.push(r.value.zxid)
        expect(first.value?.zxid).toBe(zxid(1, 1))
        expect(rest).toEqual([zxid(1, 2)])
      })
    })

    describe('group commit', () => {
      it('writes appends issued in one tick as one synced batch while fewer than logBatchStartEntries', async () => {
        const storage = await start({ limits: { logBatchStartEntries: 100 } })
        await Promise.all(entries(1, 1, 99).map((e) => storage.append([e])))
        expect(storage.stats).toEqual({ logBatchesWritten: 1, logEntriesWritten: 99, logBatchEntriesLargest: 99 })
      })

      it('starts writing once logBatchStartEntries wait, and writes the rest of the tick as the next batch', async () => {
        const storage = await start({ limits: { logBatchStartEntries: 32 } })
        await Promise.all(entries(1, 1, 100).map((e) => storage.append([e])))
        expect(storage.stats).toEqual({ logBatchesWritten: 2, logEntriesWritten: 100, logBatchEntriesLargest: 68 })
      })

      it('gathers appends that arrive while a write is in flight into the next single batch', async () => {
        const storage = await start()
        const order: string[] = []
        const first = storage.append(entries(1, 1, 1)).then(() => order.push('first'))
        await Promise.resolve() // the first batch is now in flight
        const later = entries(1, 2, 51).map((e) => storage.append([e]).then(() => order.push(`later ${e.zxid}`)))
        await Promise.all([first, ...later])
        expect(storage.stats.logBatchesWritten).toBe(2)
        expect(storage.stats.logBatchEntriesLargest).toBe(50)
        expect(order[0]).toBe('first')
        expect(order.slice(1)).toEqual(entries(1, 2, 51).map((e) => `later ${e.zxid}`))
      })

      it('bounds a batch by logBatchEntriesMax and splits an append bigger than a batch', async () => {
        const storage = await start({ limits: { logBatchEntriesMax: 10 } })
        await Promise.all([...entries(1, 1, 35).map((e) => storage.append([e])), storage.append(entries(2, 1, 25))])
        expect(storage.stats).toEqual({ logBatchesWritten: 6, logEntriesWritten: 60, logBatchEntriesLargest: 10 })
        expect(await logTexts(storage)).toHaveLength(60)
      })

      it('bounds a batch by logBatchBytesMax, and writes an entry bigger than it as a batch of its own', async () => {
        const storage = await start({ limits: { logBatchBytesMax: 3000 } })
        const big = (c: number, size: number): LogEntry => ({ zxid: zxid(1, c), data: new Uint8Array(size).fill(c) })
        // Queued in one turn: two entries of 1,000 bytes (and their keys and headers) fit in a
        // batch, a third does not; the entry of 5,000 is a batch alone, and the last follows it.
        await Promise.all([big(1, 1000), big(2, 1000), big(3, 1000), big(4, 5000), big(5, 10)].map((e) => storage.append([e])))
        expect(storage.stats).toEqual({ logBatchesWritten: 4, logEntriesWritten: 5, logBatchEntriesLargest: 2 })
        const read = await collect(storage.readLog(0))
        expect(read.map((e) => [e.zxid, e.data.length, e.data[0]])).toEqual([1, 2, 3, 4, 5].map((c, i) => [zxid(1, c), [1000, 1000, 1000, 5000, 10][i], c]))
      })

      it('resolves append([]) once every earlier append is durable', async () => {
        const storage = await start()
        let durable = false
        void storage.append(entries(1, 1, 3)).then(() => (durable = true))
        await storage.append([])
        expect(durable).toBe(true)
      })

      it('rejects with APPEND_QUEUE_FULL beyond appendQueueEntriesMax and keeps working', async () => {
        const storage = await start({ limits: { appendQueueEntriesMax: 5 } })
        const ok = storage.append(entries(1, 1, 5))
        await expect(storage.append(entries(1, 6, 6))).rejects.toMatchObject({ code: 'APPEND_QUEUE_FULL', message: expect.stringContaining('appendQueueEntriesMax (5)') })
        await ok
        await storage.append(entries(1, 6, 6))
        expect(await logTexts(storage)).toHaveLength(6)
      })
    })

    describe('durability across a restart', () => {
      it('keeps the log, epochs and snapshots after close and reopen', async () => {
        const first = await start()
        await first.append(entries(1, 1, 10))
        await first.setAcceptedEpoch(2)
        await first.setCurrentEpoch(1)
        await first.writeSnapshot(zxid(1, 5), chunksOf('s', 3))
        await first.close()
        const second = await start()
        expect(await logTexts(second)).toHaveLength(10)
        expect(second.lastLoggedZxid).toBe(zxid(1, 10))
        expect(second.acceptedEpoch).toBe(2)
        expect(second.currentEpoch).toBe(1)
        expect(await snapshotTexts(second)).toEqual({ zxid: zxid(1, 5), chunks: ['s chunk 0', 's chunk 1', 's chunk 2'] })
        await second.append(entries(1, 11, 11))
        expect(second.lastLoggedZxid).toBe(zxid(1, 11))
      })
    })

    describe('truncateAfter (ZAB TRUNC)', () => {
      it('removes the entries above the zxid and lets the log continue from there', async () => {
        const storage = await start()
        await storage.append(entries(1, 1, 10))
        await storage.truncateAfter(zxid(1, 6))
        expect(await logTexts(storage)).toEqual(entries(1, 1, 6).map((e) => text(e.data)))
        expect(storage.lastLoggedZxid).toBe(zxid(1, 6))
        await storage.append(entries(2, 1, 2))
        expect(await logTexts(storage, zxid(1, 6))).toEqual(['txn 1/6', 'txn 2/1', 'txn 2/2'])
      })

      it('removes snapshots above the zxid, which hold the removed transactions', async () => {
        const storage = await start()
        await storage.append(entries(1, 1, 10))
        await storage.writeSnapshot(zxid(1, 4), chunksOf('old', 2))
        await storage.writeSnapshot(zxid(1, 8), chunksOf('new', 2))
        await storage.truncateAfter(zxid(1, 6))
        expect((await storage.listSnapshots()).map((s) => s.zxid)).toEqual([zxid(1, 4)])
        expect((await snapshotTexts(storage))?.zxid).toBe(zxid(1, 4))
        await storage.close()
        await backing.raw(async (db) => {
          expect(await collect(db.keys({ gte: codec.snapPrefix(zxid(1, 8)), lt: codec.snapPrefixEnd(zxid(1, 8)) }))).toEqual([])
        })
      })

      it('is ordered after appends issued before it and before appends issued after it', async () => {
        const storage = await start()
        const before = storage.append(entries(1, 1, 5))
        const truncated = storage.truncateAfter(zxid(1, 3))
        await Promise.all([before, truncated])
        await storage.append(entries(1, 4, 4))
        expect(await logTexts(storage)).toEqual(['txn 1/1', 'txn 1/2', 'txn 1/3', 'txn 1/4'])
      })

      it('is durable across a restart', async () => {
        const storage = await start()
        await storage.append(entries(1, 1, 10))
        await storage.truncateAfter(zxid(1, 2))
        await storage.close()
        const again = await start()
        expect(await logTexts(again)).toEqual(['txn 1/1', 'txn 1/2'])
        expect(again.lastLoggedZxid).toBe(zxid(1, 2))
      })
    })

    describe('snapshots', () => {
      it('has no snapshot at first', async () => {
        const storage = await start()
        expect(await storage.latestSnapshot()).toBeUndefined()
        expect(await storage.listSnapshots()).toEqual([])
      })

      it('stores a snapshot as many chunks and reads them back in order', async () => {
        const storage = await start({ limits: { snapshotBatchBytesMax: 100 } })
        const chunks = chunksOf('big', 1000)
        const info = await storage.writeSnapshot(zxid(1, 9), chunks)
        expect(info).toEqual({ zxid: zxid(1, 9), chunkCount: 1000, byteCount: chunks.reduce((n, c) => n + c.length, 0) })
        expect(await snapshotTexts(storage)).toEqual({ zxid: zxid(1, 9), chunks: chunks.map(text) })
        await storage.close()
        await backing.raw(async (db) => {
          const keys = await collect(db.keys({ gte: codec.snapPrefix(zxid(1, 9)), lt: codec.snapPrefixEnd(zxid(1, 9)) }))
          expect(keys).toHaveLength(1000)
          expect(keys[0]).toBe('snap/0000000100000009/00000000')
        })
      })

      it('accepts chunks from an async iterable', async () => {
        const storage = await start()
        async function* produce(): AsyncGenerator<Uint8Array> {
          for (const c of chunksOf('async', 3)) yield c
        }
        await storage.writeSnapshot(5, produce())
        expect((await snapshotTexts(storage))?.chunks).toEqual(['async chunk 0', 'async chunk 1', 'async chunk 2'])
      })

      it('returns the newest complete snapshot and lists all newest first', async () => {
        const storage = await start()
        await storage.writeSnapshot(10, chunksOf('a', 1))
        await storage.writeSnapshot(30, chunksOf('c', 1))
        await storage.writeSnapshot(20, chunksOf('b', 1))
        expect((await storage.listSnapshots()).map((s) => s.zxid)).toEqual([30, 20, 10])
        expect(await snapshotTexts(storage)).toEqual({ zxid: 30, chunks: ['c chunk 0'] })
      })

      it('reads an older complete snapshot by its zxid, and none for a zxid without one', async () => {
        const storage = await start()
        await storage.writeSnapshot(10, chunksOf('a', 2))
        await storage.writeSnapshot(20, chunksOf('b', 1))
        const older = await storage.readSnapshot(10)
        expect(older === undefined ? undefined : (await collect(older.chunks())).map(text)).toEqual(['a chunk 0', 'a chunk 1'])
        expect(await storage.readSnapshot(15)).toBeUndefined()
      })

      it('ignores a snapshot whose write failed midway and keeps the older one', async () => {
        const storage = await start({ limits: { snapshotBatchBytesMax: 1 } })
        await storage.writeSnapshot(10, chunksOf('good', 2))
        function* failing(): Generator<Uint8Array> {
          yield bytes('partial 0')
          yield bytes('partial 1')
          throw new Error('tree serialisation failed')
        }
        await expect(storage.writeSnapshot(20, failing())).rejects.toThrow('tree serialisation failed')
        expect(await snapshotTexts(storage)).toEqual({ zxid: 10, chunks: ['good chunk 0', 'good chunk 1'] })
        expect(storage.lastLoggedZxid).toBe(10)
      })

      it('ignores chunks without a completion marker after a restart (a crash mid-snapshot)', async () => {
        const storage = await start()
        await storage.writeSnapshot(10, chunksOf('good', 1))
        await storage.close()
        await backing.raw(async (db) => {
          await db.put(codec.chunkKey(20, 0), codec.encodeChunkRecord(20, 0, bytes('torn')))
        })
        const again = await start()
        expect((await snapshotTexts(again))?.zxid).toBe(10)
      })

      it('rejects reading a snapshot whose marker is present but a chunk is missing with CORRUPTION naming the key', async () => {
        const storage = await start()
        await storage.writeSnapshot(10, chunksOf('good', 1))
        await storage.writeSnapshot(20, chunksOf('holed', 3))
        await storage.writeSnapshot(30, chunksOf('cut', 3))
        await storage.close()
        await backing.raw(async (db) => {
          await db.del(codec.chunkKey(20, 1))
          await db.del(codec.chunkKey(30, 2))
        })
        const again = await start()
        const holed = await again.readSnapshot(20)
        expect(await collect(holed!.chunks()).catch((e: unknown) => e)).toMatchObject({ code: 'CORRUPTION', key: 'snap/0000000000000014/00000001', message: 'snapshot chunk snap/0000000000000014/00000001 is missing' })
        const cut = await again.latestSnapshot()
        expect(cut?.zxid).toBe(30)
        expect(await collect(cut!.chunks()).catch((e: unknown) => e)).toMatchObject({ code: 'CORRUPTION', key: 'snap/000000000000001e/00000002' })
        expect((await snapshotTexts(again, 10))?.chunks).toEqual(['good chunk 0'])
        expect(logger.warnings()).toEqual([])
      })

      it('rejects reading a chunk that fails its checksum with CORRUPTION naming the key', async () => {
        const storage = await start()
        await storage.writeSnapshot(20, chunksOf('s', 3))
        await storage.close()
        await backing.raw(async (db) => {
          const value = await db.get(codec.chunkKey(20, 1))
          const flipped = Uint8Array.from(value!)
          flipped[flipped.length - 1]! ^= 0xff
          await db.put(codec.chunkKey(20, 1), flipped)
        })
        const again = await start()
        const snap = await again.latestSnapshot()
        const err = await collect(snap!.chunks()).catch((e: unknown) => e)
        expect(err).toMatchObject({ code: 'CORRUPTION', key: 'snap/0000000000000014/00000001', message: expect.stringContaining('checksum mismatch') })
      })

      it('rewrites a snapshot at a zxid that already has one', async () => {
        const storage = await start()
        await storage.writeSnapshot(10, chunksOf('first', 3))
        await storage.writeSnapshot(10, chunksOf('second', 1))
        expect(await snapshotTexts(storage)).toEqual({ zxid: 10, chunks: ['second chunk 0'] })
      })

      it('rejects a chunk over snapshotChunkBytesMax with a RangeError naming the limit', async () => {
        const storage = await start({ limits: { snapshotChunkBytesMax: 8 } })
        await expect(storage.writeSnapshot(10, [new Uint8Array(9)])).rejects.toThrow('over snapshotChunkBytesMax (8)')
        expect(await storage.latestSnapshot()).toBeUndefined()
      })

      it('stops a snapshot being written when the storage closes, leaving it incomplete', async () => {
        const storage = await start()
        const gate = deferred()
        const reached = deferred()
        async function* slow(): AsyncGenerator<Uint8Array> {
          yield bytes('chunk 0')
          reached.resolve()
          await gate.promise
          yield bytes('chunk 1')
        }
        const writing = storage.writeSnapshot(10, slow())
        await reached.promise
        const closing = storage.close()
        gate.resolve()
        await expect(writing).rejects.toMatchObject({ code: 'NOT_OPEN' })
        await closing
        const again = await start()
        expect(await again.latestSnapshot()).toBeUndefined()
      })

      it('counts a snapshot from the leader above the log in lastLoggedZxid', async () => {
        const storage = await start()
        await storage.append(entries(1, 1, 2))
        await storage.writeSnapshot(zxid(2, 7), chunksOf('snap', 1))
        expect(storage.lastLoggedZxid).toBe(zxid(2, 7))
        await expect(storage.append(entries(2, 7, 7))).rejects.toBeInstanceOf(RangeError)
        await storage.append(entries(2, 8, 8))
      })
    })

    describe('epochs', () => {
      it('are undefined until set, then read back and survive a restart', async () => {
        const storage = await start()
        expect(storage.acceptedEpoch).toBeUndefined()
        expect(storage.currentEpoch).toBeUndefined()
        await storage.setAcceptedEpoch(3)
        await storage.setCurrentEpoch(2)
        expect([storage.acceptedEpoch, storage.currentEpoch]).toEqual([3, 2])
        await storage.close()
        const again = await start()
        expect([again.acceptedEpoch, again.currentEpoch]).toEqual([3, 2])
      })

      it('rejects an epoch that is not an integer below 2^21', async () => {
        const storage = await start()
        await expect(storage.setAcceptedEpoch(2 ** 21)).rejects.toBeInstanceOf(RangeError)
        await expect(storage.setCurrentEpoch(-1)).rejects.toBeInstanceOf(RangeError)
        await expect(storage.setCurrentEpoch(1.5)).rejects.toBeInstanceOf(RangeError)
      })

      it('refuses to open when an epoch record is corrupt, naming the key', async () => {
        const storage = await start()
        await storage.setCurrentEpoch(4)
        await storage.close()
        await backing.raw((db) => db.put(codec.currentEpochKey, new Uint8Array([1, 2, 3, 4, 5, 6])))
        await expect(start()).rejects.toMatchObject({ code: 'CORRUPTION', key: 'meta/currentEpoch' })
      })
    })

    describe('the member configuration', () => {
      it('is undefined until set, then reads back as a copy and survives a restart', async () => {
        const storage = await start()
        expect(storage.memberConfig).toBeUndefined()
        const bytes = new Uint8Array([1, 2, 3])
        await storage.setMemberConfig(bytes)
        bytes[0] = 9
        expect([...(storage.memberConfig ?? [])]).toEqual([1, 2, 3])
        await storage.close()
        const again = await start()
        expect([...(again.memberConfig ?? [])]).toEqual([1, 2, 3])
      })

      it('refuses to open when its record is corrupt, naming the key', async () => {
        const storage = await start()
        await storage.setMemberConfig(new Uint8Array([7]))
        await storage.close()
        await backing.raw((db) => db.put(codec.memberConfigKey, new Uint8Array([1, 2, 3, 4, 5, 6])))
        await expect(start()).rejects.toMatchObject({ code: 'CORRUPTION', key: 'meta/memberConfig' })
      })
    })

    describe('purge (autopurge.snapRetainCount)', () => {
      /** Five snapshots at zxids 20, 40, .. 100 with log entries 1..100 around them. */
      async function history(storage: Storage): Promise<void> {
        for (let s = 1; s <= 5; s++) {
          await storage.append(entries(0, (s - 1) * 20 + 1, s * 20))
          await storage.writeSnapshot(s * 20, chunksOf(`snap ${s}`, 3))
        }
      }

      it('keeps the newest N snapshots and the log entries after the oldest of them', async () => {
        const storage = await start()
        await history(storage)
        expect(await storage.purge(3)).toEqual({ snapshotsRemoved: 2, logEntriesRemoved: 60 })
        expect((await storage.listSnapshots()).map((s) => s.zxid)).toEqual([100, 80, 60])
        expect((await collect(storage.readLog(0))).map((e) => e.zxid)).toEqual(Array.from({ length: 40 }, (_, i) => 61 + i))
        expect(storage.lastLoggedZxid).toBe(100)
        await storage.close()
        await backing.raw(async (db) => {
          expect(await collect(db.keys({ gte: codec.snapKeyFirst, lt: codec.snapPrefix(60) }))).toEqual([])
        })
      })

      it('also removes leftovers of interrupted snapshot writes below the oldest retained one', async () => {
        const storage = await start()
        await history(storage)
        await storage.close()
        await backing.raw((db) => db.put(codec.chunkKey(50, 0), codec.encodeChunkRecord(50, 0, bytes('orphan'))))
        const again = await start()
        await again.purge(2)
        await again.close()
        await backing.raw(async (db) => {
          expect(await collect(db.keys({ gte: codec.snapKeyFirst, lt: codec.snapPrefix(80) }))).toEqual([])
        })
      })

      it('does nothing while there are no more snapshots than the retain count', async () => {
        const storage = await start()
        await history(storage)
        expect(await storage.purge(5)).toEqual({ snapshotsRemoved: 0, logEntriesRemoved: 0 })
        expect(await collect(storage.readLog(0))).toHaveLength(100)
      })

      it('rejects a retain count below 1', async () => {
        const storage = await start()
        await expect(storage.purge(0)).rejects.toBeInstanceOf(RangeError)
      })

      it('records where the log was cut, across a reopen, so that the log alone is never taken for the whole history', async () => {
        const storage = await start()
        expect(storage.logRemovedThrough).toBe(0)
        await history(storage)
        await storage.purge(5)
        expect(storage.logRemovedThrough).toBe(0)
        await storage.purge(3)
        expect(storage.logRemovedThrough).toBe(60)
        await storage.close()
        const again = await start()
        expect(again.logRemovedThrough).toBe(60)
      })

      it('refuses to open when the record of the cut is corrupt, naming the key', async () => {
        const storage = await start()
        await history(storage)
        await storage.purge(2)
        await storage.close()
        await backing.raw((db) => db.put(codec.logRemovedThroughKey, new Uint8Array([1, 2, 3, 4, 5, 6])))
        await expect(start()).rejects.toMatchObject({ code: 'CORRUPTION', key: codec.logRemovedThroughKey })
      })
    })

    describe('discardHistoryThrough (the history a leader\'s snapshot replaced)', () => {
      it('removes the log at or below the snapshot and every older snapshot, even with no older snapshot, and records the cut', async () => {
        const storage = await start()
        await storage.append(entries(1, 1, 30))
        await storage.writeSnapshot(zxid(2, 7), chunksOf('the leader\'s', 2))
        await storage.append(entries(2, 8, 9))
        expect(await storage.discardHistoryThrough(zxid(2, 7))).toEqual({ snapshotsRemoved: 0, logEntriesRemoved: 30 })
        expect((await collect(storage.readLog(0))).map((e) => e.zxid)).toEqual([zxid(2, 8), zxid(2, 9)])
        expect(storage.logRemovedThrough).toBe(zxid(2, 7))
        await storage.close()
        const again = await start()
        expect(again.logRemovedThrough).toBe(zxid(2, 7))
        expect((await again.listSnapshots()).map((s) => s.zxid)).toEqual([zxid(2, 7)])
      })

      it('removes older snapshots and their chunks too', async () => {
        const storage = await start()
        await storage.append(entries(1, 1, 10))
        await storage.writeSnapshot(zxid(1, 10), chunksOf('old', 2))
        await storage.writeSnapshot(zxid(3, 4), chunksOf('the leader\'s', 2))
        expect(await storage.discardHistoryThrough(zxid(3, 4))).toEqual({ snapshotsRemoved: 1, logEntriesRemoved: 10 })
        expect((await storage.listSnapshots()).map((s) => s.zxid)).toEqual([zxid(3, 4)])
        await storage.close()
        await backing.raw(async (db) => {
          expect(await collect(db.keys({ gte: codec.snapKeyFirst, lt: codec.snapPrefix(zxid(3, 4)) }))).toEqual([])
        })
      })
    })

    describe('integrity', () => {
      async function logWith(count: number): Promise<void> {
        const storage = await start()
        await storage.append(entries(1, 1, count))
        await storage.close()
      }

      /**
       * Opens the storage (it reads no log record) and reads the log from `from`, expecting
       * CORRUPTION naming `key`; the storage stays open and cuts nothing.
       */
      async function refusesReading(key: string, message: RegExp, from = 0): Promise<Storage> {
        const storage = await start()
        const err = await collect(storage.readLog(from)).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(StorageError)
        expect(err).toMatchObject({ code: 'CORRUPTION', key, message: expect.stringMatching(message) })
        expect(storage.state).toBe('open')
        expect(logger.warnings()).toEqual([])
        return storage
      }

      async function logKeys(): Promise<string[]> {
        return backing.raw((db) => collect(db.keys({ gte: codec.logKeyFirst, lt: codec.logKeyEnd })))
      }

      async function damage(at: number): Promise<void> {
        await backing.raw(async (db) => {
          const value = Uint8Array.from((await db.get(codec.logKey(at)))!)
          value[value.length - 1]! ^= 0x40
          await db.put(codec.logKey(at), value)
        })
      }

      // A record goes to the database in one atomic batch, so a bad one is damage to a durable
      // (perhaps acknowledged) record, never a torn write: cutting it, even last, could lose a
      // committed transaction. Reading refuses it wherever it is and nothing is cut.
      it('refuses to read a last record that fails its checksum, cutting nothing', async () => {
        await logWith(5)
        await damage(zxid(1, 5))
        const storage = await refusesReading('log/0000000100000005', /log record log\/0000000100000005 .* is corrupt \(checksum mismatch.*last good record before it is 0x0000000100000004.*not a torn write/)
        expect(storage.lastLoggedZxid).toBe(zxid(1, 5))
        await storage.close()
        expect(await logKeys()).toHaveLength(5)
      })

      it('refuses a garbage record, a truncated one and an empty one at the end of the log', async () => {
        await logWith(4)
        const key = codec.logKey(zxid(1, 4))
        const good = await backing.raw(async (db) => Uint8Array.from((await db.get(key))!))
        for (const damaged of [new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]), good.subarray(0, good.length - 3), new Uint8Array(0)]) {
          await backing.raw((db) => db.put(key, damaged))
          await (await refusesReading('log/0000000100000004', /is corrupt/)).close()
          expect(await logKeys()).toHaveLength(4)
        }
        await backing.raw((db) => db.put(key, good))
        const storage = await start()
        expect((await collect(storage.readLog(0))).map((e) => e.zxid)).toEqual([1, 2, 3, 4].map((n) => zxid(1, n)))
      })

      it('refuses a corrupt record that has good ones after it, naming its key', async () => {
        await logWith(10)
        await backing.raw(async (db) => {
          const value = Uint8Array.from((await db.get(codec.logKey(zxid(1, 5))))!)
          value[6]! ^= 0x01
          await db.put(codec.logKey(zxid(1, 5)), value)
        })
        await (await refusesReading('log/0000000100000005', /log record log\/0000000100000005 .* is corrupt/)).close()
        expect(await logKeys()).toHaveLength(10)
      })

      it('refuses a good record stored under another zxid\'s key', async () => {
        await logWith(3)
        await backing.raw((db) => db.put(codec.logKey(zxid(1, 4)), codec.encodeLogRecord(zxid(1, 9), bytes('misplaced'))))
        await refusesReading('log/0000000100000004', /record holds zxid/)
      })

      it('refuses a corrupt first record', async () => {
        await logWith(2)
        await backing.raw((db) => db.put(codec.logKey(zxid(1, 1)), new Uint8Array([1, 2, 3])))
        await refusesReading('log/0000000100000001', /it is the first record/)
      })

      it('names where reading began when the first record read is damaged', async () => {
        await logWith(10)
        await damage(zxid(1, 7))
        await refusesReading('log/0000000100000007', /it is the first record read, from 0x0000000100000007/, zxid(1, 7))
      })

      it('reads the records before and after a damaged one, and refuses it only when it is read', async () => {
        const storage = await start()
        await storage.append(entries(1, 1, 10))
        await storage.writeSnapshot(zxid(1, 6), chunksOf('state', 2))
        await storage.close()
        await damage(zxid(1, 3))
        const again = await start()
        expect(again.lastLoggedZxid).toBe(zxid(1, 10))
        expect((await collect(again.readLog(zxid(1, 7)))).map((e) => e.zxid)).toEqual([7, 8, 9, 10].map((n) => zxid(1, n)))
        const err = await collect(again.readLog(zxid(1, 1))).catch((e: unknown) => e)
        expect(err).toMatchObject({ code: 'CORRUPTION', key: 'log/0000000100000003', message: expect.stringMatching(/last good record before it is 0x0000000100000002/) })
      })

      it('takes the last logged zxid from the keys when every record is at or below the newest snapshot', async () => {
        const storage = await start()
        await storage.append(entries(1, 1, 5))
        await storage.writeSnapshot(zxid(1, 8), chunksOf('state', 2))
        await storage.close()
        const again = await start()
        expect(again.lastLoggedZxid).toBe(zxid(1, 8))
        await again.append(entries(1, 9, 9))
        expect((await collect(again.readLog(zxid(1, 9)))).map((e) => e.zxid)).toEqual([zxid(1, 9)])
      })

      it('refuses to open when the last log key names no zxid, rather than take the log for empty', async () => {
        await logWith(3)
        await backing.raw((db) => db.put('log/zzzz', codec.encodeLogRecord(zxid(1, 4), bytes('odd key'))))
        const storage = backing.storage({ logger })
        const err = await storage.open().catch((e: unknown) => e)
        expect(err).toBeInstanceOf(StorageError)
        expect(err).toMatchObject({ code: 'CORRUPTION', key: 'log/zzzz', message: expect.stringMatching(/malformed/) })
        expect(storage.state).toBe('closed')
      })
    })
  })
}
