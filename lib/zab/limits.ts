/**
 * Every time bound and size bound of the ZAB core, in one place, with units. Time exists in the
 * core only as `tick()` calls; the runtime decides how long a tick is (ZooKeeper: tickTime).
 * @module
 */
import { assert } from './assert.js'

/** Bounds of the ZAB core. Ticks are calls to `tick()`. */
export interface ZabLimits {
  /**
   * Ticks a LOOKING member waits for a notification before it re-sends its vote (ZooKeeper:
   * `minNotificationInterval`, 200 ms). Doubles after each silent interval.
   * @defaultValue 2
   */
  readonly electionTimeoutTicks: number
  /** Upper bound of the doubling notification interval (ZooKeeper: `maxNotificationInterval`). @defaultValue 16 */
  readonly electionTimeoutMaxTicks: number
  /**
   * Ticks to wait after a quorum agrees before deciding, so a better late vote can still win
   * (ZooKeeper: `finalizeWait`, 200 ms). 0 decides at once.
   * @defaultValue 1
   */
  readonly finalizeWaitTicks: number
  /** Ticks discovery plus synchronization may take before giving up (ZooKeeper: `initLimit`). @defaultValue 10 */
  readonly initLimitTicks: number
  /**
   * Ticks without hearing the other side before a follower leaves its leader, or a leader that no
   * longer hears a quorum steps down (ZooKeeper: `syncLimit`).
   * @defaultValue 5
   */
  readonly syncLimitTicks: number
  /**
   * Committed entries a member keeps in memory to bring learners up to date with DIFF; a learner
   * further behind gets SNAP (ZooKeeper: `commitLogCount`, 500).
   * @defaultValue 500
   */
  readonly retainedLogEntriesMax: number
  /** Proposals a leader may have outstanding (proposed, not yet committed); `propose` rejects beyond it. @defaultValue 1000 */
  readonly proposalsInflightMax: number
  /** Syncs a member may have pending; `sync` rejects beyond it. @defaultValue 1000 */
  readonly syncsPendingMax: number
}

/** The defaults, sized for a tick of about ZooKeeper's tickTime (2 s) divided by 4. */
export const defaultZabLimits: ZabLimits = {
  electionTimeoutTicks: 2,
  electionTimeoutMaxTicks: 16,
  finalizeWaitTicks: 1,
  initLimitTicks: 10,
  syncLimitTicks: 5,
  retainedLogEntriesMax: 500,
  proposalsInflightMax: 1000,
  syncsPendingMax: 1000,
}

/** Fills in defaults and checks every limit is a sane integer. */
export function resolveLimits(overrides: Partial<ZabLimits> = {}): ZabLimits {
  const limits: ZabLimits = { ...defaultZabLimits, ...overrides }
  for (const [name, value] of Object.entries(limits)) {
    assert(Number.isInteger(value) && value >= 0, () => `limit ${name} must be a non-negative integer, got ${value}`)
  }
  assert(limits.electionTimeoutTicks >= 1, 'electionTimeoutTicks must be at least 1')
  assert(limits.electionTimeoutMaxTicks >= limits.electionTimeoutTicks, 'electionTimeoutMaxTicks < electionTimeoutTicks')
  assert(limits.syncLimitTicks >= 2, 'syncLimitTicks must be at least 2 (one ping round trip)')
  assert(limits.initLimitTicks >= limits.syncLimitTicks, 'initLimitTicks must be >= syncLimitTicks')
  assert(limits.retainedLogEntriesMax >= 1, 'retainedLogEntriesMax must be at least 1')
  return limits
}
