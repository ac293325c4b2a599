// Method: backings for the storage contract suite — a temp dir for LevelDB, a kept MemoryLevel for memory.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import type { StorageDb } from '../../../storage/level-backed-storage.js'
import {
  createLevelStorage,
  createMemoryDb,
  createMemoryStorage,
  levelSubdirectory,
  type Storage,
  type StorageLogger,
  type StorageOptions,
} from '../../../storage/index.js'

/** One store that storages can be opened on, one after another, as a member restarts. */
export interface Backing {
  /** A new, unopened Storage over this store. */
  storage(options?: StorageOptions): Storage
  /** Runs `fn` on the raw database while no storage has it open (to plant bad bytes). */
  raw<T>(fn: (db: StorageDb) => Promise<T>): Promise<T>
  /** Removes the store. */
  cleanup(): Promise<void>
}

/** Makes fresh backings of one kind for the contract suite. */
export interface BackingFactory {
  readonly name: string
  create(): Promise<Backing>
}

export const levelBacking: BackingFactory = {
  name: 'LevelStorage',
  async create() {
    const dataDir = await mkdtemp(join(tmpdir(), 'paddock-storage-'))
    return {
      storage: (options = {}) => createLevelStorage({ ...options, dataDir }),
      async raw(fn) {
        const db = new Level<string, Uint8Array>(join(dataDir, levelSubdirectory), { keyEncoding: 'utf8', valueEncoding: 'view' })
        await db.open()
        try {
          return await fn(db)
        } finally {
          await db.close()
        }
      },
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    }
  },
}

export const memoryBacking: BackingFactory = {
  name: 'MemoryStorage',
  async create() {
    const db = createMemoryDb()
    return {
      storage: (options = {}) => createMemoryStorage({ ...options, db }),
      async raw(fn) {
        await db.open()
        try {
          return await fn(db)
        } finally {
          await db.close()
        }
      },
      cleanup: async () => undefined,
    }
  },
}

/** A logger that keeps its lines for assertions. */
export class RecordingLogger implements StorageLogger {
  readonly lines: { level: 'debug' | 'info' | 'warn'; message: string }[] = []
  debug(message: string): void {
    this.lines.push({ level: 'debug', message })
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message })
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message })
  }
  warnings(): string[] {
    return this.lines.filter((l) => l.level === 'warn').map((l) => l.message)
  }
}

/** A promise with its resolve function outside, for ordering steps without sleeping. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data)
}

/** zxid of (epoch, counter), as the server builds them. */
export function zxid(epoch: number, counter: number): number {
  return epoch * 2 ** 32 + counter
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}
