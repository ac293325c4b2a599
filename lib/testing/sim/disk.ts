/**
 * The simulated disk under a member's storage: the production storage code (storage/) runs over
 * a memory-level database, the "platter", through this disk. Every write takes a seeded time to
 * become durable (LevelDB writes with `sync`, so durable means fsynced), in order; until then it
 * is not on the platter and not readable. A crash keeps a prefix of the writes still in flight
 * (LevelDB's log is sequential: a torn last record fails LevelDB's own checksum and is dropped,
 * so what survives is whole writes) and loses the rest; the crashed process's later writes never land.
 * A full disk refuses writes (ENOSPC) for a while.
 * @module
 */
import type { Clock, Timer } from '../../clock.js'
import { createMemoryDb } from '../../../storage/index.js'
import type { Prng } from './prng.js'

type Db = ReturnType<typeof createMemoryDb>

interface InFlight {
  readonly at: number
  readonly land: () => Promise<unknown>
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
  timer: Timer | undefined
}

/** The error LevelDB gives a write on a full disk, as classic-level reports it. */
function noSpace(): Error {
  return Object.assign(new Error('IO error: /sim/level/000005.log: No space left on device'), { code: 'LEVEL_IO_ERROR' })
}

/**
 * A chained batch (`db.batch()` without arguments) that gathers its puts and deletes and hands
 * them to `commit` as one array batch when written: one write of the disk, as LevelDB makes it.
 * The storage tests' crash-point recorder uses it too.
 */
export function chainedBatch(commit: (ops: unknown[], options: unknown) => Promise<unknown>) {
  const ops: unknown[] = []
  let open = true
  const usable = (): void => {
    if (!open) throw Object.assign(new Error('Batch is not open: cannot change operations after write() or close()'), { code: 'LEVEL_BATCH_NOT_OPEN' })
  }
  const chained = {
    get length() {
      return ops.length
    },
    put(key: string, value: Uint8Array) {
      usable()
      ops.push({ type: 'put', key, value })
      return chained
    },
    del(key: string) {
      usable()
      ops.push({ type: 'del', key })
      return chained
    },
    write(options?: unknown) {
      usable()
      open = false
      return commit(ops, options)
    },
    close() {
      open = false
      return Promise.resolve()
    },
  }
  return chained
}

/** One member's disk, kept across its crashes and restarts. */
export class SimDisk {
  /** What is durable. */
  private platter: Db = createMemoryDb()
  private incarnation = 0
  private readonly inFlight: InFlight[] = []
  private lastAt = 0
  /** Whether writes are refused with ENOSPC. */
  full = false
  /** Writes made durable, and lost to crashes, so far. */
  readonly stats = { landed: 0, lost: 0, refused: 0 }
  /** Called once, when the next write starts (see {@link SimDisk.whenWriting}). */
  private writeWatcher: (() => void) | undefined

  constructor(
    private readonly clock: Clock,
    private readonly prng: Prng,
    private readonly latencyMs: { min: number; max: number } = { min: 2, max: 12 },
    /** How often a write stalls (a busy device) for 20 to 80 ms. */
    private readonly stallRate = 0.05,
  ) {}

  /**
   * The database one incarnation of the member's storage opens; `run` runs the member's reaction
   * to a completed write in its process (later, if the process is paused).
   */
  open(run: (work: () => void) => void = (work) => work()): Db {
    const incarnation = this.incarnation
    const platter = this.platter
    const alive = () => incarnation === this.incarnation
    const write = (land: () => Promise<unknown>) => this.write(incarnation, land, run)
    return new Proxy(platter, {
      get(target, key) {
        if (key === 'batch') {
          const batch = target.batch.bind(target) as (ops: unknown, options: unknown) => Promise<void>
          return (ops?: unknown, options?: unknown) => (ops === undefined ? chainedBatch((gathered, writeOptions) => write(() => batch(gathered, writeOptions))) : write(() => batch(ops, options)))
        }
        if (key === 'put') return (k: string, v: Uint8Array, options?: unknown) => write(() => target.put(k, v, options as never))
        if (key === 'del') return (k: string, options?: unknown) => write(() => target.del(k, options as never))
        // A dead process's storage closing (it never does, but its promises might) leaves the platter alone.
        if (key === 'close') return () => (alive() ? target.close() : Promise.resolve())
        const value: unknown = Reflect.get(target, key, target)
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
      },
    }) as Db
  }

  private write(incarnation: number, land: () => Promise<unknown>, run: (work: () => void) => void): Promise<unknown> {
    // A write from a process that crashed never lands and never answers.
    if (incarnation !== this.incarnation) return new Promise(() => {})
    if (this.full) {
      this.stats.refused++
      return Promise.reject(noSpace())
    }
    const watcher = this.writeWatcher
    this.writeWatcher = undefined
    watcher?.()
    const now = this.clock.now()
    // An fsync takes a few ms; by default one in twenty stalls (a busy device) for up to 80 ms.
    const latency = this.prng.chance(this.stallRate) ? this.prng.int(20, 80) : this.prng.int(this.latencyMs.min, this.latencyMs.max)
    const at = Math.max(this.lastAt, now + latency)
    this.lastAt = at
    return new Promise((resolve, reject) => {
      const write: InFlight = { at, land, resolve: (v) => run(() => resolve(v)), reject: (e) => run(() => reject(e)), timer: undefined }
      write.timer = this.clock.setTimer(at - now, () => this.landHead())
      this.inFlight.push(write)
    })
  }

  // Writes land in order: timers due at the same instant fire in the order they were armed.
  private landHead(): void {
    const write = this.inFlight.shift()
    if (write === undefined) return
    this.stats.landed++
    write.land().then(write.resolve, write.reject)
  }

  /**
   * Calls `callback` once, as the next write starts: a fault injected then strikes while that
   * write is in flight (power lost during I/O), the moment a storage layer that answers too early
   * would be caught.
   */
  whenWriting(callback: () => void): void {
    this.writeWatcher = callback
  }

  /**
   * Flips one byte of one durable record, as a bad sector or a bit rot would (the process must be
   * down). Returns the key it damaged, or undefined on an empty disk.
   */
  async corrupt(): Promise<string | undefined> {
    if (this.platter.status !== 'open') await this.platter.open()
    const keys: string[] = []
    for await (const key of this.platter.keys()) keys.push(key)
    const candidates = keys.filter((k) => !k.startsWith('meta'))
    if (candidates.length === 0) return undefined
    const key = this.prng.pick(candidates)
    const value = await this.platter.get(key)
    if (value === undefined || value.length === 0) return undefined
    const damaged = new Uint8Array(value)
    const at = this.prng.int(0, damaged.length - 1)
    damaged[at] = (damaged[at] as number) ^ (1 << this.prng.int(0, 7))
    await this.platter.put(key, damaged)
    return key
  }

  /** The operator replaces the disk: everything on it is gone (the member must resync from the others). */
  async wipe(): Promise<void> {
    this.incarnation++
    for (const write of this.inFlight.splice(0)) write.timer?.cancel()
    await this.platter.close().catch(() => undefined)
    this.platter = createMemoryDb()
  }

  /**
   * Power is cut: a seeded prefix of the writes in flight lands, the rest is lost, and the process
   * that made them never hears back. Resolves once the surviving writes are on the platter.
   */
  async crash(): Promise<void> {
    this.incarnation++
    const writes = this.inFlight.splice(0)
    const kept = this.prng.int(0, writes.length)
    for (const [i, write] of writes.entries()) {
      write.timer?.cancel()
      if (i < kept) {
        this.stats.landed++
        await write.land()
      } else this.stats.lost++
    }
  }
}
