/**
 * Storage on disk: LevelDB through `level` (classic-level) in `<dataDir>/level`.
 * @module
 */
import { join } from 'node:path'
import { Level } from 'level'
import { LevelBackedStorage } from './level-backed-storage.js'
import { levelSubdirectory } from './level-layout.js'
import type { Storage, StorageOptions } from './types.js'

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
  const db = (): Level<string, Uint8Array> => new Level<string, Uint8Array>(location, { keyEncoding: 'utf8', valueEncoding: 'view' })
  return new LevelBackedStorage({ db, description: `dataDir ${options.dataDir}` }, options)
}
