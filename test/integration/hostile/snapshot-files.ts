// The snapshots and log of a stopped member's LevelDB (dataDir/level), read through the project's
// own Storage and damaged in place with its own key format (storage/codec.ts), as a disk that
// flipped bits under a closed database would: the record stays where it was, its checksum breaks.
import { join } from 'node:path'
import { Level } from 'level'
import { chunkKey } from '../../../storage/codec.js'
import { createLevelStorage, levelSubdirectory, type SnapshotInfo } from '../../../storage/index.js'

const quiet = { debug() {}, info() {}, warn() {} }

/** What a stopped member's storage holds: its snapshots with a good marker (newest first, the order recovery tries them) and where its log starts. */
export interface StoredHistory {
  readonly snapshots: readonly SnapshotInfo[]
  /** The zxid of the oldest log entry kept, undefined when the log is empty. */
  readonly firstLoggedZxid: number | undefined
}

/** Opens the storage of `dataDir` (the member must be stopped: LevelDB takes a lock), reads what it holds, closes it. */
export async function storedHistory(dataDir: string): Promise<StoredHistory> {
  const storage = createLevelStorage({ dataDir, logger: quiet })
  await storage.open()
  try {
    const snapshots = await storage.listSnapshots()
    let firstLoggedZxid: number | undefined
    for await (const entry of storage.readLog(0)) {
      firstLoggedZxid = entry.zxid
      break
    }
    return { snapshots, firstLoggedZxid }
  } finally {
    await storage.close()
  }
}

/**
 * Flips every bit of one byte in the middle of the record body of chunk `index` of the snapshot
 * at `zxid`, opening the database as storage/level-storage.ts does (utf8 keys, Uint8Array values).
 * The record's CRC-32 no longer matches, so reading that snapshot fails with CORRUPTION.
 */
export async function corruptSnapshotChunk(dataDir: string, zxid: number, index: number): Promise<void> {
  const db = new Level<string, Uint8Array>(join(dataDir, levelSubdirectory), { keyEncoding: 'utf8', valueEncoding: 'view' })
  await db.open()
  try {
    const key = chunkKey(zxid, index)
    const value = await db.get(key)
    if (value === undefined) throw new Error(`no chunk ${key} to corrupt`)
    // The first 4 bytes are the checksum; the body follows it.
    const damaged = Uint8Array.from(value)
    const at = 4 + Math.floor((damaged.length - 4) / 2)
    damaged[at] = (damaged[at] as number) ^ 0xff
    await db.put(key, damaged)
  } finally {
    await db.close()
  }
}
