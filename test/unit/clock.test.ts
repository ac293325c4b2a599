// Method: arm timers on a VirtualClock and check they fire in time order only when advanced.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { systemClock, VirtualClock } from '../../lib/clock.js'

describe('systemClock.turnNow', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('reads the time once for the code running now, and again after the microtasks queued before', async () => {
    let time = 1_000
    const read = vi.spyOn(Date, 'now').mockImplementation(() => time)
    await Promise.resolve()
    const first = systemClock.turnNow!()
    time = 1_005
    expect(systemClock.turnNow!()).toBe(first)
    expect(first).toBe(1_000)
    expect(read).toHaveBeenCalledTimes(1)
    expect(systemClock.now()).toBe(1_005)
    await Promise.resolve()
    expect(systemClock.turnNow!()).toBe(1_005)
  })
})

describe('VirtualClock', () => {
  it('fires due timers in time order, ties in arming order, including timers armed while firing', () => {
    const clock = new VirtualClock(100)
    const fired: string[] = []
    clock.setTimer(50, () => fired.push(`b@${clock.now()}`))
    clock.setTimer(10, () => {
      fired.push(`a@${clock.now()}`)
      clock.setTimer(5, () => fired.push(`c@${clock.now()}`))
    })
    clock.setTimer(50, () => fired.push(`d@${clock.now()}`))
    expect(clock.advance(49)).toBe(2)
    expect(fired).toEqual(['a@110', 'c@115'])
    expect(clock.now()).toBe(149)
    clock.advance(1)
    expect(fired).toEqual(['a@110', 'c@115', 'b@150', 'd@150'])
  })

  it('never fires a cancelled timer', () => {
    const clock = new VirtualClock()
    const timer = clock.setTimer(1, () => {
      throw new Error('cancelled timer fired')
    })
    timer.cancel()
    expect(clock.advance(10)).toBe(0)
    expect(clock.pendingTimers).toBe(0)
  })

  it('refuses to go backwards', () => {
    expect(() => new VirtualClock().advance(-1)).toThrow(RangeError)
  })
})
