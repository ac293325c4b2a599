// Method: zxid helpers checked against a dumb BigInt model and ZooKeeper's text form.
import { describe, expect, it } from 'vitest'
import { EPOCH_LIMIT, ZXID_COUNTER_SPAN, counterOf, epochOf, formatZxid, isNextZxid, makeZxid } from '../../../lib/protocol/zxid.js'

describe('zxid = epoch * 2^32 + counter (ZooKeeper ZxidUtils)', () => {
  it.each([[0, 0], [1, 0], [1, 1], [5, 0xffff_fffe], [7, 2 ** 32 - 1], [2 ** 21 - 1, 123456]])('round-trips epoch %i counter %i like 64-bit shifts', (epoch, counter) => {
    const zxid = makeZxid(epoch, counter)
    expect(BigInt(zxid)).toBe((BigInt(epoch) << 32n) | BigInt(counter))
    expect(epochOf(zxid)).toBe(epoch)
    expect(counterOf(zxid)).toBe(counter)
    expect(Number.isSafeInteger(zxid)).toBe(true)
  })

  it('keeps the epoch below 2^21 and the counter below 2^32', () => {
    expect(EPOCH_LIMIT).toBe(2 ** 21)
    expect(ZXID_COUNTER_SPAN).toBe(2 ** 32)
  })

  it('rejects an epoch of 2^21 or more, which would leave safe-integer range, and counters outside 32 bits', () => {
    expect(() => makeZxid(2 ** 21, 0)).toThrow(RangeError)
    expect(() => makeZxid(-1, 0)).toThrow(RangeError)
    expect(() => makeZxid(0, 2 ** 32)).toThrow(RangeError)
    expect(() => makeZxid(0, 0.5)).toThrow(RangeError)
  })

  it('prints zxids as ZooKeeper does (0x100000003)', () => {
    expect(formatZxid(makeZxid(1, 3))).toBe('0x100000003')
    expect(formatZxid(makeZxid(1, 2))).toBe('0x100000002')
    expect(formatZxid(makeZxid(0, 10))).toBe('0xa')
    expect(formatZxid(-1)).toBe('-1')
  })

  it('knows the next zxid: counter + 1 in the same epoch, or counter 1 of a later epoch', () => {
    expect(isNextZxid(makeZxid(1, 4), makeZxid(1, 5))).toBe(true)
    expect(isNextZxid(makeZxid(1, 4), makeZxid(1, 6))).toBe(false)
    expect(isNextZxid(makeZxid(1, 4), makeZxid(3, 1))).toBe(true)
    expect(isNextZxid(makeZxid(1, 4), makeZxid(3, 2))).toBe(false)
    expect(isNextZxid(0, makeZxid(1, 1))).toBe(true)
  })
})
