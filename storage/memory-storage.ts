/**
 * Storage in memory: the same code as on disk, over `memory-level`, for tests and simulations.
 * @module
 */
import { MemoryLevel } from 'memory-level'
import { LevelBackedStorage } from './level-backed-storage.js'
import type { Storage, StorageOptions } from './types.js'

/** Options for {@link createMemoryStorage}. */
export interface MemoryStorageOptions extends StorageOptions {
  /**
   * The database to keep the data in. Pass the same one to a second storage (after closing the
   * first) to model a restart; by default each storage gets a fresh one.
   */
  db?: MemoryLevel<string, Uint8Array>
}

/** Creates an in-memory database suited to {@link MemoryStorageOptions.db}. */
export function createMemoryDb(): MemoryLevel<string, Uint8Array> {
  return new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view' })
}

/**
 * Creates a storage that keeps everything in memory; call `open()` before use. It behaves as the
 * disk storage does, including group commit and checksums, except that `sync` costs nothing and
 * nothing survives the process.
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): Storage {
  const db = options.db ?? createMemoryDb()
  return new LevelBackedStorage({ db: () => db, description: 'memory storage' }, options)
}
