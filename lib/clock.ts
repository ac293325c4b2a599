/**
 * Time as an input: the server reads the time and arms timers only through a {@link Clock}, so
 * tests can use a {@link VirtualClock} and expire sessions or TTL nodes without sleeping.
 * @module
 */

/** A timer armed on a clock. */
export interface Timer {
  /** Disarms the timer; harmless after it fired. */
  cancel(): void
}

/** A source of time and one-shot timers. */
export interface Clock {
  /** Milliseconds since the Unix epoch (or since the start, for a virtual clock). */
  now(): number
  /** Calls `callback` once, `delayMs` from now. */
  setTimer(delayMs: number, callback: () => void): Timer
  /**
   * The time read once for the code running now (until the microtasks queued before the read have
   * run): it may lag {@link Clock.now} by that long, and costs one read of the time for many calls.
   * For marking activity on the hot path, such as a session's last request. Absent: `now()`.
   */
  turnNow?(): number
}

// The system clock's time for the code running now; forgotten by a microtask queued when read.
let turnTime: number | undefined
const forgetTurnTime = (): void => {
  turnTime = undefined
}

/** The real clock: `Date.now()` and unref'd `setTimeout`, so timers never keep a process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  turnNow() {
    if (turnTime === undefined) {
      turnTime = Date.now()
      queueMicrotask(forgetTurnTime)
    }
    return turnTime
  },
  setTimer(delayMs, callback) {
    const handle = setTimeout(callback, delayMs)
    handle.unref()
    return { cancel: () => clearTimeout(handle) }
  },
}

interface VirtualTimer {
  at: number
  seq: number
  callback: () => void
  cancelled: boolean
}

/**
 * A clock that moves only when told to. `advance(ms)` fires every timer that falls due, in time
 * order (ties in the order they were armed), including timers armed by those callbacks.
 */
export class VirtualClock implements Clock {
  private time: number
  private seq = 0
  private timers: VirtualTimer[] = []

  /** @param startMs - the initial time, in ms. @defaultValue 0 */
  constructor(startMs = 0) {
    this.time = startMs
  }

  /** The current virtual time in ms. */
  now(): number {
    return this.time
  }

  /** Arms a timer that fires when the clock is advanced past `delayMs` from now. */
  setTimer(delayMs: number, callback: () => void): Timer {
    const timer: VirtualTimer = { at: this.time + Math.max(0, delayMs), seq: this.seq++, callback, cancelled: false }
    this.timers.push(timer)
    return {
      cancel: () => {
        timer.cancelled = true
      },
    }
  }

  /** Moves time forward by `ms`, firing due timers in order; returns how many fired. */
  advance(ms: number): number {
    if (!(ms >= 0)) throw new RangeError(`cannot advance a clock by ${ms} ms`)
    const end = this.time + ms
    this.timers = this.timers.filter((t) => !t.cancelled)
    let fired = 0
    for (let next = this.nextDue(end); next !== undefined; next = this.nextDue(end)) {
      this.timers = this.timers.filter((t) => t !== next)
      this.time = Math.max(this.time, next.at)
      next.callback()
      fired++
    }
    this.time = end
    return fired
  }

  /** When the earliest armed timer falls due, in ms on this clock; undefined when none is armed. */
  nextDueAt(): number | undefined {
    let at: number | undefined
    for (const t of this.timers) if (!t.cancelled && (at === undefined || t.at < at)) at = t.at
    return at
  }

  /** Number of armed timers that have not fired or been cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length
  }

  private nextDue(end: number): VirtualTimer | undefined {
    let best: VirtualTimer | undefined
    for (const t of this.timers) {
      if (t.cancelled || t.at > end) continue
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t
    }
    return best
  }
}
