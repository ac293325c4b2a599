/**
 * Moving a simulated world's virtual time while a test waits for it. Time stands still until
 * somebody waits: then, one due instant at a time, the world settles (every piece of work already
 * started runs to its end) and the clock moves to the next timer, until what was awaited happened
 * or its bound of virtual time passed. Nothing is left running when nobody waits, so a waiting
 * test decides when time moves and the same test sees the same run.
 *
 * {@link driven} wraps the objects a test gets (members, clients, transactions, iterators) so that
 * every promise they return is waited for this way: `await client.create(...)` moves time until
 * the write is acknowledged.
 * @module
 */
import { ZooKeeperError } from '../../errors.js'
import type { SimWorld } from './world.js'

interface Waiter {
  readonly done: () => boolean
  /** The virtual time at which it gives up (or, for {@link TimeDriver.advance}, is done). */
  readonly until: number
  readonly what: string
  readonly timeoutMs: number
  readonly resolve: () => void
  readonly reject: (error: Error) => void
  /** An advance ends at its time; a wait fails there. */
  readonly endsAtDeadline: boolean
}

/** Something that waits for promises on a test's behalf (see {@link driven}). */
export interface PromiseWaiter {
  /** Resolves or rejects as `promise` does, once it settled; `what` names it in errors. */
  wait<T>(promise: Promise<T>, what: string): Promise<T>
}

/**
 * Keeps the Node process alive while a test waits on members whose timers are all unref'd (a
 * real-clock cluster): without it, a plain script's top-level await ends the process (exit code
 * 13) before an election's timers fire.
 */
export class KeepAlive implements PromiseWaiter {
  private waiting = 0
  private handle: ReturnType<typeof setInterval> | undefined

  async wait<T>(promise: Promise<T>): Promise<T> {
    if (this.waiting++ === 0) this.handle = setInterval(() => {}, 2 ** 30)
    try {
      return await promise
    } finally {
      if (--this.waiting === 0) clearInterval(this.handle)
    }
  }
}

/** Runs a {@link SimWorld}'s clock for the tests that wait on it. */
export class TimeDriver implements PromiseWaiter {
  private readonly waiters = new Set<Waiter>()
  private running = false
  /** A failure of the loop itself (a throwing timer), given to every later wait. */
  private broken: Error | undefined

  constructor(
    private readonly world: SimWorld,
    /** The default bound of a wait, in ms of virtual time. */
    readonly timeoutMs: number,
  ) {}

  /** Moves time until `done()` holds; rejects with OPERATIONTIMEOUT naming `what` after `timeoutMs` of virtual time. */
  until(done: () => boolean, what: string, timeoutMs = this.timeoutMs): Promise<void> {
    return this.add(done, this.world.clock.now() + timeoutMs, what, timeoutMs, false)
  }

  /** Moves time until `promise` settles (bounded as {@link TimeDriver.until}); resolves or rejects as it does. */
  async wait<T>(promise: Promise<T>, what: string, timeoutMs = this.timeoutMs): Promise<T> {
    let settled = false
    const mark = (): void => {
      settled = true
    }
    promise.then(mark, mark)
    await this.until(() => settled, what, timeoutMs)
    return promise
  }

  /** Moves time forward by `ms`, firing every timer due meanwhile, and lets the effects settle. */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0)) return Promise.reject(new RangeError(`cannot advance by ${ms} ms`))
    const target = this.world.clock.now() + ms
    return this.add(() => this.world.clock.now() >= target, target, `${ms} ms to pass`, ms, true)
  }

  private add(done: () => boolean, until: number, what: string, timeoutMs: number, endsAtDeadline: boolean): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken)
    return new Promise((resolve, reject) => {
      this.waiters.add({ done, until, what, timeoutMs, resolve, reject, endsAtDeadline })
      if (!this.running) void this.loop()
    })
  }

  private async loop(): Promise<void> {
    this.running = true
    try {
      while (this.waiters.size > 0) {
        await this.world.settle()
        this.finishWaiters()
        if (this.waiters.size === 0) break
        this.step()
      }
    } catch (error) {
      this.broken = error instanceof Error ? error : new Error(String(error))
      for (const waiter of this.waiters) waiter.reject(this.broken)
      this.waiters.clear()
    } finally {
      this.running = false
    }
  }

  // Resolves the waits that are done, and fails those whose bound passed.
  private finishWaiters(): void {
    const now = this.world.clock.now()
    for (const waiter of [...this.waiters]) {
      if (waiter.done()) {
        this.waiters.delete(waiter)
        waiter.resolve()
      } else if (now >= waiter.until) {
        this.waiters.delete(waiter)
        if (waiter.endsAtDeadline) waiter.resolve()
        else waiter.reject(new ZooKeeperError('OPERATIONTIMEOUT', { message: `waited ${waiter.timeoutMs} ms of virtual time for ${waiter.what}` }))
      }
    }
  }

  // Moves the clock to the next due timer, or to the nearest bound if that comes first.
  private step(): void {
    const clock = this.world.clock
    const now = clock.now()
    let bound = Infinity
    for (const waiter of this.waiters) bound = Math.min(bound, waiter.until)
    const next = clock.nextDueAt()
    const at = next === undefined ? bound : Math.min(Math.max(next, now), bound)
    clock.advance(Math.max(0, at - now))
  }
}

/** Objects {@link driven} leaves alone: data, not things with methods that wait. */
function isDrivable(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false
  if (ArrayBuffer.isView(value) || Array.isArray(value) || value instanceof Map || value instanceof Set || value instanceof Date || value instanceof Error || value instanceof Promise) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto !== Object.prototype && proto !== null
}

const cache = new WeakMap<object, WeakMap<PromiseWaiter, object>>()

/**
 * `value` with every method that returns a promise waiting through `driver` (for a
 * {@link TimeDriver}, time moves until it settles), and every object such a method returns or resolves with wrapped the same way. Methods
 * run on the object itself, so private fields keep working.
 */
export function driven<T>(value: T, driver: PromiseWaiter, what = 'the cluster'): T {
  if (!isDrivable(value)) return value
  const known = cache.get(value)?.get(driver)
  if (known !== undefined) return known as T
  const proxy = new Proxy(value, {
    get(target, key) {
      const member: unknown = Reflect.get(target, key, target)
      if (typeof member !== 'function') return member
      return (...args: unknown[]) => {
        const result: unknown = (member as (...a: unknown[]) => unknown).apply(target, args)
        const name = `${what}.${String(key)}()`
        if (result instanceof Promise) return driver.wait(result, name).then((resolved) => driven(resolved, driver, name))
        return driven(result, driver, name)
      }
    },
  })
  let byDriver = cache.get(value)
  if (byDriver === undefined) cache.set(value, (byDriver = new WeakMap()))
  byDriver.set(driver, proxy)
  return proxy
}
