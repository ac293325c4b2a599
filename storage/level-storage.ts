/**
 * Storage on disk: LevelDB through `level` (classic-level) in `<dataDir>/level`.
 * @module
 */
import { join } from 'node:path'
import { Level } from 'level'
import { LevelBackedStorage } from './level-backed-storage.js'
import { levelSubdirectory } from './level-layout.js'
import type { Storage, StorageOptions } from './types.js'

/**
 * Files LevelDB keeps open: the least it allows (64 tables and 10 files of its own). LevelDB maps
 * the table files it keeps open into memory, and a read touches their pages, which count in the
 * process's resident memory. With LevelDB's default of 1,000, a server that had read a 360 MB
 * snapshot had 244 MiB of table files resident in its mappings, and one that recovered 10 million
 * znodes (a 1.8 GB snapshot) had 4,806 MiB of RSS where it has about 3,670 MiB with this bound.
 * Paddock reads its log and snapshots in key order, so closing a table it read costs no reads.
 */
const levelOpenFilesMax = 74

/** Options for {@link createLevelStorage}. */
export interface LevelStorageOptions extends StorageOptions {
  /**
   * The member's data directory (ZooKeeper's `dataDir`). The LevelDB database lives in its
   * `level` subdirectory, created on first open; one process at a time may hold it.
   */
  dataDir: string
}

/**
 * Creates a durable storage in `options.dataDir`; call `open()` before use.
 *
 * Log appends, epochs, snapshot batches and truncation are written with LevelDB's `sync: true`,
 * so they survive a crash of the process and of the machine once their promise resolves.
 */
export function createLevelStorage(options: LevelStorageOptions): Storage {
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new TypeError('createLevelStorage needs a dataDir')
  }
  const location = join(options.dataDir, levelSubdirectory)
  const db = (): Level<string, Uint8Array> => new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view', maxOpenFiles: levelOpenFilesMax })
  return new LevelBackedStorage({ db, description: `dataDir ${options.dataDir}`, mapsFiles: true }, options)
}
