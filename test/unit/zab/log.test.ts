// Method: ZabLog operations checked on a small hand-built history.
import { describe, expect, it } from 'vitest'
import { ZabInvariantError, ZabLog } from '../../../lib/zab/index.js'
import { makeZxid } from '../../../lib/protocol/zxid.js'

const z = (epoch: number, counter: number) => makeZxid(epoch, counter)
const entry = (zxid: number) => ({ zxid, data: new Uint8Array() })
const history = () => new ZabLog(0, [entry(z(1, 1)), entry(z(1, 2)), entry(z(2, 1)), entry(z(2, 2))])

describe('ZabLog (the retained history of a member)', () => {
  it('refuses an entry whose zxid does not increase (ZAB paper: local primary order)', () => {
    expect(() => history().append(entry(z(2, 2)))).toThrow(ZabInvariantError)
  })

  it('finds the last shared zxid at or below a zxid, for TRUNC', () => {
    expect(history().floor(z(1, 7))).toBe(z(1, 2))
    expect(history().floor(z(2, 1))).toBe(z(2, 1))
    expect(history().floor(z(0, 5))).toBe(0)
  })

  it('slices the entries after a zxid, for DIFF', () => {
    expect(history().slice(z(1, 2)).map((e) => e.zxid)).toEqual([z(2, 1), z(2, 2)])
    expect(history().slice(z(1, 1), z(2, 1)).map((e) => e.zxid)).toEqual([z(1, 2), z(2, 1)])
  })

  it('truncates after a zxid and restarts from a snapshot base', () => {
    const log = history()
    log.truncateAfter(z(1, 2))
    expect(log.lastZxid).toBe(z(1, 2))
    log.reset(z(5, 9))
    expect([log.base, log.lastZxid, log.size]).toEqual([z(5, 9), z(5, 9), 0])
  })

  it('trims the oldest committed entries beyond the newest it keeps, moving its base', () => {
    const log = history()
    log.trimOldest(z(2, 1), 1)
    expect([log.base, log.size, log.contains(z(2, 1)), log.contains(z(1, 1))]).toEqual([z(1, 2), 2, true, false])
    log.trimOldest(z(2, 2), 1)
    expect([log.base, log.size, log.slice(log.base).map((e) => e.zxid)]).toEqual([z(2, 1), 1, [z(2, 2)]])
  })

  it('keeps every entry above the committed zxid, however few it keeps', () => {
    const log = history()
    log.trimOldest(z(1, 1), 0)
    expect([log.base, log.size, log.floor(z(2, 2))]).toEqual([z(1, 1), 3, z(2, 2)])
  })

  it('finds entries at the right place after many trims and appends (the array is compacted)', () => {
    const log = new ZabLog(0, [])
    for (let c = 1; c <= 1000; c++) {
      log.append(entry(z(3, c)))
      log.trimOldest(z(3, c), 10)
    }
    expect([log.base, log.size, log.floor(z(3, 995)), log.get(z(3, 991))?.zxid, log.get(z(3, 990))]).toEqual([z(3, 990), 10, z(3, 995), z(3, 991), undefined])
    expect(log.slice(z(3, 997)).map((e) => e.zxid)).toEqual([z(3, 998), z(3, 999), z(3, 1000)])
  })
})
