// Method: the randomised snapshot trigger checked at the ends of its random input and against ZooKeeper's range.
import { describe, expect, it } from 'vitest'
import { nextSnapshotAfter } from '../../../storage/index.js'

describe('nextSnapshotAfter (ZooKeeper SyncRequestProcessor: snapCount/2 + rand(snapCount/2))', () => {
  it('spans snapCount/2 + 1 .. snapCount for the default snapCount 100000', () => {
    expect(nextSnapshotAfter(100_000, () => 0)).toBe(50_001)
    expect(nextSnapshotAfter(100_000, () => 0.999999999)).toBe(100_000)
    expect(nextSnapshotAfter(100_000, () => 0.5)).toBe(75_001)
  })

  it('stays inside the range for odd and tiny snapCounts', () => {
    for (const snapCount of [2, 3, 7, 1001]) {
      for (const r of [0, 0.25, 0.5, 0.75, 1 - Number.EPSILON]) {
        const n = nextSnapshotAfter(snapCount, () => r)
        expect(n).toBeGreaterThanOrEqual(Math.floor(snapCount / 2) + 1)
        expect(n).toBeLessThanOrEqual(snapCount)
      }
    }
  })

  it('rejects a snapCount below 2 and a random() outside [0, 1)', () => {
    expect(() => nextSnapshotAfter(1, () => 0)).toThrow(RangeError)
    expect(() => nextSnapshotAfter(10, () => 1)).toThrow(RangeError)
    expect(() => nextSnapshotAfter(10, () => Number.NaN)).toThrow(RangeError)
  })
})
