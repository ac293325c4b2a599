// Method: backings for the storage contract suite — a temp dir for LevelDB, a kept MemoryLevel for memory.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import type { StorageDb } from '../../../storage/level-backed-storage.js'
import { chainedBatch } from '../../../lib/testing/sim/disk.js'
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

/** A database mutation, recorded so that a crash after any prefix of them can be replayed. */
export type Mutation = (db: MemoryDb) => Promise<unknown>
export type MemoryDb = ReturnType<typeof createMemoryDb>

export async function copyOf(entries: readonly [string, Uint8Array][]): Promise<MemoryDb> {
  const db = createMemoryDb()
  await db.open()
  await db.batch(entries.map(([key, value]) => ({ type: 'put' as const, key, value })))
  return db
}

/** Records every write `db` takes, in order (LevelDB's write-ahead log: a crash keeps a prefix). */
export function recording(db: MemoryDb, mutations: Mutation[]): MemoryDb {
  return new Proxy(db, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target)
      if (typeof value !== 'function') return value
      const method = (value as (...args: unknown[]) => unknown).bind(target)
      if (key !== 'batch' && key !== 'put' && key !== 'del' && key !== 'clear') return method
      return (...args: unknown[]) => {
        // A chained batch is recorded when written, as the array batch of what it gathered.
        if (key === 'batch' && args.length === 0) return recordedChain(target, mutations)
        mutations.push((copy) => (Reflect.get(copy, key, copy) as (...a: unknown[]) => Promise<unknown>).apply(copy, args))
        return method(...args)
      }
    },
  })
}

/** A chained batch on `db` whose write is recorded in `mutations` as one array batch. */
function recordedChain(db: MemoryDb, mutations: Mutation[]) {
  return chainedBatch((ops, options) => {
    mutations.push((copy) => copy.batch(ops as never, options as never))
    return db.batch(ops as never, options as never)
  })
}

/**
 * Runs `operation` on a storage over a copy of `before`, recording its writes; then, for a crash
 * after each prefix of them (none to all), reopens a storage over `before` plus that prefix and
 * hands it to `check` with the number of writes kept.
 */
export async function eachCrashPoint(
  before: readonly [string, Uint8Array][],
  operation: (storage: ReturnType<typeof createMemoryStorage>) => Promise<unknown>,
  check: (after: ReturnType<typeof createMemoryStorage>, kept: number) => Promise<void>,
): Promise<number> {
  const mutations: Mutation[] = []
  const recorded = createMemoryStorage({ db: recording(await copyOf(before), mutations), logger: new RecordingLogger() })
  await recorded.open()
  await operation(recorded)
  await recorded.close()
  for (let kept = 0; kept <= mutations.length; kept++) {
    const db = await copyOf(before)
    for (const mutation of mutations.slice(0, kept)) await mutation(db)
    await db.close()
    const after = createMemoryStorage({ db, logger: new RecordingLogger() })
    await after.open()
    await check(after, kept)
    await after.close()
  }
  return mutations.length
}
