// Method: the Storage contract on LevelDB in temp dirs, plus the directory lock between instances.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLevelStorage, createMemoryStorage, StorageError, type Storage } from '../../../storage/index.js'
import { levelSubdirectory } from '../../../storage/level-layout.js'
import { storageContract } from './contract.js'
import { bytes, collect, levelBacking, RecordingLogger, text, zxid } from './harness.js'

storageContract(levelBacking)

describe('LevelStorage', () => {
  it('fails at once with DIR_IN_USE naming the dataDir when another instance holds it', async () => {
    const backing = await levelBacking.create()
    const first = backing.storage({ logger: new RecordingLogger() })
    const second = backing.storage({ logger: new RecordingLogger() })
    try {
      await first.open()
      const err = await second.open().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StorageError)
      expect(err).toMatchObject({ code: 'DIR_IN_USE', message: expect.stringMatching(/^dataDir .*paddock-storage-.* is in use/) })
      expect(second.state).toBe('closed')
      // The holder is unaffected, and once it lets go the other can open.
      await first.append([{ zxid: 1, data: new Uint8Array([1]) }])
      await first.close()
      await second.open()
      expect(second.lastLoggedZxid).toBe(1)
    } finally {
      await first.close()
      await second.close()
      await backing.cleanup()
    }
  })
})

/** Mappings of LevelDB table files under `dir` in this process (/proc/self/maps). */
async function tableMappings(dir: string): Promise<number> {
  const maps = await readFile('/proc/self/maps', 'utf8')
  return maps.split('\n').filter((line) => line.includes(dir) && line.endsWith('.ldb')).length
}

/** Bytes of LevelDB table files under `dir` resident in this process's mappings (/proc/self/smaps). */
async function residentTableBytes(dir: string): Promise<number> {
  let bytes = 0
  let table = false
  for (const line of (await readFile('/proc/self/smaps', 'utf8')).split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) table = line.includes(dir) && line.endsWith('.ldb')
    else if (table && line.startsWith('Rss:')) bytes += Number(line.split(/\s+/)[1]) * 1024
  }
  return bytes
}

/** A SHA-256 of `chunks` in order, with their lengths (comparing 12 MiB element by element is slow). */
function digest(chunks: readonly Uint8Array[]): string {
  const hash = createHash('sha256')
  for (const chunk of chunks) hash.update(`${chunk.length};`).update(chunk)
  return hash.digest('hex')
}

/** `count` chunks of `size` random bytes, which do not compress, so that they reach table files. */
function noisyChunks(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, () => new Uint8Array(randomBytes(size)))
}

/**
 * A dataDir holding a snapshot of `count` random chunks of 256 KiB, written by one storage and
 * closed, so that it sits in table files; and a second storage opened on it.
 */
async function withSnapshot(count: number): Promise<{ dataDir: string; chunks: Uint8Array[]; storage: Storage }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'paddock-release-'))
  const chunks = noisyChunks(count, 256 * 1024)
  const first = createLevelStorage({ dataDir, logger: new RecordingLogger() })
  await first.open()
  await first.writeSnapshot(zxid(1, 5), chunks)
  await first.close()
  const storage = createLevelStorage({ dataDir, logger: new RecordingLogger() })
  await storage.open()
  return { dataDir, chunks, storage }
}

describe('LevelStorage.releaseReadMemory', () => {
  it('unmaps the table files a snapshot read left mapped, and the storage carries on', async () => {
    const { dataDir, chunks, storage } = await withSnapshot(48)
    try {
      expect(digest(await collect((await storage.latestSnapshot())!.chunks()))).toBe(digest(chunks))
      expect(await tableMappings(dataDir)).toBeGreaterThan(0)
      await storage.releaseReadMemory!()
      expect(await tableMappings(dataDir)).toBe(0)
      expect(storage.state).toBe('open')
      await storage.append([{ zxid: zxid(1, 6), data: bytes('after') }])
      expect((await collect(storage.readLog(zxid(1, 6)))).map((e) => text(e.data))).toEqual(['after'])
      expect(digest(await collect((await storage.latestSnapshot())!.chunks()))).toBe(digest(chunks))
    } finally {
      await storage.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('reads a snapshot in stretches with the mapped files let go between them, every chunk once', async () => {
    const { dataDir, chunks, storage } = await withSnapshot(128)
    try {
      // Read whole, the files it read stay mapped.
      await collect((await storage.latestSnapshot())!.chunks())
      const whole = await residentTableBytes(dataDir)
      expect(whole).toBeGreaterThanOrEqual(28 * 1024 * 1024)
      await storage.releaseReadMemory!()
      const read: Uint8Array[] = []
      // Finding the snapshot complete reads its keys, which maps every file again; the stretches let them go.
      const reader = (await storage.latestSnapshot())!
      const mapped: number[] = []
      for await (const chunk of reader.chunks({ releaseMemoryEveryBytes: 1024 * 1024 })) {
        read.push(chunk)
        if (read.length % 4 === 0) mapped.push(await residentTableBytes(dataDir))
      }
      expect(digest(read)).toBe(digest(chunks))
      // After each 1 MiB stretch the files are let go: what stays resident is that stretch and
      // what the reader read ahead (two batches of at most 4 MiB), not the snapshot.
      expect(Math.max(...mapped.slice(1))).toBeLessThan(whole / 2)
      expect(storage.state).toBe('open')
    } finally {
      await storage.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('closes the storage, and creates nothing, when the database is gone before the reopen', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'paddock-release-'))
    const storage = createLevelStorage({ dataDir, logger: new RecordingLogger() })
    try {
      await storage.open()
      await storage.append([{ zxid: zxid(1, 1), data: bytes('a') }])
      await rm(join(dataDir, levelSubdirectory), { recursive: true, force: true })
      await expect(storage.releaseReadMemory!()).rejects.toMatchObject({ code: 'IO_ERROR' })
      expect(storage.state).toBe('closed')
      // LevelDB makes the directory and its lock before it finds no database there; no database is made.
      expect(await readdir(join(dataDir, levelSubdirectory))).not.toContain('CURRENT')
    } finally {
      await storage.close()
      await rm(dataDir, { recursive: true, force: true })
    }
  })

  it('is a no-op for memory storage, which reads a snapshot whole whatever the stretch', async () => {
    const storage = createMemoryStorage({ logger: new RecordingLogger() })
    await storage.open()
    await storage.append([{ zxid: zxid(1, 1), data: bytes('a') }])
    const chunks = noisyChunks(4, 1024)
    await storage.writeSnapshot(zxid(1, 1), chunks)
    expect(digest(await collect((await storage.latestSnapshot())!.chunks({ releaseMemoryEveryBytes: 1 })))).toBe(digest(chunks))
    await storage.releaseReadMemory?.()
    expect(storage.state).toBe('open')
    expect((await collect(storage.readLog(1))).map((e) => text(e.data))).toEqual(['a'])
    await storage.close()
  })
})
