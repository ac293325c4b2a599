/**
 * Paddock's persistence: the transaction log, snapshots and ZAB epochs behind one
 * {@link Storage} interface, on LevelDB ({@link createLevelStorage}) or in memory
 * ({@link createMemoryStorage}), or nowhere for an in-memory server ({@link createVolatileStorage}).
 * @module
 */
export type {
  LogEntry,
  PurgeResult,
  SnapshotInfo,
  SnapshotReader,
  SnapshotReadOptions,
  Storage,
  StorageLogger,
  StorageOptions,
  StorageState,
  StorageStats,
} from './types.js'
export { StorageError, type StorageErrorCode, type StorageErrorOptions } from './errors.js'
export { defaultStorageLimits, type StorageLimits } from './limits.js'
export { createLevelStorage, type LevelStorageOptions } from './level-storage.js'
export { levelSubdirectory } from './level-layout.js'
export { createMemoryDb, createMemoryStorage, type MemoryStorageOptions } from './memory-storage.js'
export { createVolatileStorage } from './volatile-storage.js'
export { nextSnapshotAfter } from './snapshot-trigger.js'
