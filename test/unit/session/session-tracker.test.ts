// Method: feed times to the tracker by hand and check ZooKeeper's bucketed expiry (ExpiryQueue).
import { describe, expect, it } from 'vitest'
import { initialSessionId, SessionTracker } from '../../../lib/session/session-tracker.js'

const passwd = new Uint8Array(16)

describe('SessionTracker', () => {
  it('expires a session in the first tick bucket after its timeout, once', () => {
    const tracker = new SessionTracker(100, 1, 0)
    tracker.add(1n, 250, passwd, 1000)
    // 1000 + 250 = 1250, rounded up to the next tick boundary: 1300.
    expect(tracker.get(1n)?.expiresAt).toBe(1300)
    expect(tracker.expire(1299)).toEqual([])
    expect(tracker.expire(1300).map((s) => s.id)).toEqual([1n])
    expect(tracker.expire(5000)).toEqual([])
  })

  it('moves a touched session to a later bucket', () => {
    const tracker = new SessionTracker(100, 1, 0)
    tracker.add(1n, 250, passwd, 1000)
    expect(tracker.touch(1n, 1200)).toBe(true)
    expect(tracker.expire(1300)).toEqual([])
    expect(tracker.expire(1500).map((s) => s.id)).toEqual([1n])
  })

  it('refuses to touch unknown or closing sessions', () => {
    const tracker = new SessionTracker(100, 1, 0)
    expect(tracker.touch(9n, 0)).toBe(false)
    tracker.add(2n, 250, passwd, 0)
    tracker.setClosing(2n)
    expect(tracker.touch(2n, 0)).toBe(false)
  })

  it('expires sessions of several buckets when time jumps, oldest first', () => {
    const tracker = new SessionTracker(100, 1, 0)
    tracker.add(2n, 900, passwd, 0)
    tracker.add(1n, 200, passwd, 0)
    expect(tracker.expire(1_000_000).map((s) => s.id)).toEqual([1n, 2n])
  })

  it('allocates ids with the server id in the top byte and the clock below', () => {
    const tracker = new SessionTracker(100, 3, 1_700_000_000_000)
    const a = tracker.allocateId()
    const b = tracker.allocateId()
    expect(b - a).toBe(1n)
    expect(a >> 56n).toBe(3n)
    expect(initialSessionId(3, 1_700_000_000_000)).toBe(a)
    // (now << 24) >>> 8 keeps 40 bits of the time in bits 16..55 (SessionTrackerImpl).
    expect((a >> 16n) & 0xff_ffff_ffffn).toBe(BigInt(1_700_000_000_000) & 0xff_ffff_ffffn)
  })

  describe('owners (ZooKeeper: SessionTrackerImpl.checkSession / setOwner)', () => {
    it('takes the first member that checks a session without an owner as its owner', () => {
      const tracker = new SessionTracker(100, 1, 0)
      tracker.add(1n, 1000, passwd, 0)
      expect(tracker.checkOwner(1n, 2)).toBe('ok')
      expect(tracker.get(1n)?.owner).toBe(2)
      expect(tracker.checkOwner(1n, 2)).toBe('ok')
    })

    it('answers moved for another member once the session is owned, until setOwner moves it', () => {
      const tracker = new SessionTracker(100, 1, 0)
      tracker.add(1n, 1000, passwd, 0)
      expect(tracker.setOwner(1n, 2)).toBe(true)
      expect(tracker.checkOwner(1n, 3)).toBe('moved')
      expect(tracker.setOwner(1n, 3)).toBe(true)
      expect(tracker.checkOwner(1n, 3)).toBe('ok')
      expect(tracker.checkOwner(1n, 2)).toBe('moved')
    })

    it('answers unknown and closing, and refuses to set the owner of either', () => {
      const tracker = new SessionTracker(100, 1, 0)
      expect(tracker.checkOwner(9n, 1)).toBe('unknown')
      expect(tracker.setOwner(9n, 1)).toBe(false)
      tracker.add(1n, 1000, passwd, 0)
      tracker.setClosing(1n)
      expect(tracker.checkOwner(1n, 1)).toBe('closing')
      expect(tracker.setOwner(1n, 1)).toBe(false)
    })

    it('touches and checks the owner in one call, touching nothing unknown or closing', () => {
      const tracker = new SessionTracker(100, 1, 0)
      expect(tracker.touchOwned(9n, 0, 1)).toBe('unknown')
      tracker.add(1n, 250, passwd, 1000)
      expect(tracker.touchOwned(1n, 1200, undefined)).toBe('ok')
      expect(tracker.get(1n)?.owner).toBeUndefined()
      expect(tracker.get(1n)?.expiresAt).toBe(1500)
      expect(tracker.touchOwned(1n, 1300, 2)).toBe('ok')
      expect(tracker.get(1n)?.owner).toBe(2)
      expect(tracker.touchOwned(1n, 1400, 3)).toBe('moved')
      // A session on another member is still touched: it is alive, only not here.
      expect(tracker.get(1n)?.expiresAt).toBe(1700)
      tracker.setClosing(1n)
      expect(tracker.touchOwned(1n, 1600, 2)).toBe('unknown')
      expect(tracker.get(1n)?.expiresAt).toBe(1700)
    })

    it('forgets every owner for a new leader', () => {
      const tracker = new SessionTracker(100, 1, 0)
      tracker.add(1n, 1000, passwd, 0)
      tracker.setOwner(1n, 2)
      tracker.forgetOwners()
      expect(tracker.get(1n)?.owner).toBeUndefined()
      expect(tracker.checkOwner(1n, 3)).toBe('ok')
    })
  })
})
