/**
 * The simulated world's time: one VirtualClock for every member, disk and link, and the rule that
 * makes runs repeatable — before time moves, every piece of work the last step started (promise
 * chains, `setImmediate` continuations) runs to its end. Each member gets a {@link ProcessClock}
 * over the shared clock, so that crashing it stops every timer it armed, as killing a process does.
 * @module
 */
import type { Clock, Timer } from '../../clock.js'
import { VirtualClock } from '../../clock.js'

const realSetImmediate = globalThis.setImmediate

/** Immediates scheduled by the code under simulation and not run yet (see {@link countImmediates}). */
let pendingImmediates = 0
let counting = 0

/**
 * Counts the `setImmediate` callbacks the code under simulation schedules, so that
 * {@link SimWorld.settle} knows when nothing is left to run. Returns the function that stops counting.
 */
export function countImmediates(): () => void {
  if (counting++ === 0) {
    globalThis.setImmediate = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => {
      pendingImmediates++
      return realSetImmediate(() => {
        pendingImmediates--
        callback(...args)
      })
    }) as typeof setImmediate
  }
  return () => {
    if (--counting === 0) globalThis.setImmediate = realSetImmediate
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve))
}

/** The shared clock and the stepping of the world. */
export class SimWorld {
  /** The one clock of the world. */
  readonly clock: VirtualClock
  /** Turns of the event loop settled so far (a measure of work, for reports). */
  turns = 0

  /** @param startMs - where the clock starts, in ms. @defaultValue 0 */
  constructor(startMs = 0) {
    this.clock = new VirtualClock(startMs)
  }

  /** Runs every piece of work already started until none is left; time does not move. */
  async settle(): Promise<void> {
    do {
      await nextTurn()
      this.turns++
    } while (pendingImmediates > 0)
  }

  /**
   * Moves time to `endMs`, one due instant at a time: the timers due at an instant fire, then the
   * world settles before the next instant, so a reaction always happens before later events.
   */
  async runUntil(endMs: number, stop: () => boolean = () => false): Promise<void> {
    await this.settle()
    while (this.clock.now() < endMs && !stop()) {
      const next = this.clock.nextDueAt()
      const at = next === undefined || next > endMs ? endMs : Math.max(next, this.clock.now())
      this.clock.advance(at - this.clock.now())
      await this.settle()
    }
  }
}

/**
 * One member process's view of the shared clock. `kill()` cancels every timer it armed and makes
 * later ones never fire: a crashed process runs nothing more. `pause(ms)` stops the process for a
 * while (a long GC pause, SIGSTOP): its timers, and the messages and disk completions handed to
 * {@link ProcessClock.run}, wait until it resumes, then run in the order they were due.
 */
export class ProcessClock implements Clock {
  private readonly armed = new Set<{ inner: Timer }>()
  private dead = false
  private pausedUntil = 0

  constructor(private readonly shared: Clock) {}

  now(): number {
    return this.shared.now()
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    if (this.dead) return { cancel: () => {} }
    const handle = { inner: undefined as unknown as Timer }
    const fire = (): void => {
      if (this.dead) return
      const now = this.shared.now()
      if (now < this.pausedUntil) {
        handle.inner = this.shared.setTimer(this.pausedUntil - now, fire)
        return
      }
      this.armed.delete(handle)
      callback()
    }
    handle.inner = this.shared.setTimer(delayMs, fire)
    this.armed.add(handle)
    return {
      cancel: () => {
        this.armed.delete(handle)
        handle.inner.cancel()
      },
    }
  }

  /** Runs `work` in this process now, or when it resumes if it is paused; never if it died. */
  run(work: () => void): void {
    if (this.dead) return
    if (this.shared.now() < this.pausedUntil) return void this.setTimer(0, work)
    work()
  }

  /** The process stops for `ms`: nothing of it runs until then. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.shared.now() + ms)
  }

  /** Whether the process is paused now. */
  get paused(): boolean {
    return this.shared.now() < this.pausedUntil
  }

  /** The process died: nothing it armed fires. */
  kill(): void {
    this.dead = true
    for (const handle of this.armed) handle.inner.cancel()
    this.armed.clear()
  }
}
