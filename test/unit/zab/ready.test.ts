// Method: the Outbox's coalescing rules checked directly, so one Ready's fixed field order stays correct.
import { describe, expect, it } from 'vitest'
import { makeZxid } from '../../../lib/protocol/zxid.js'
import { Outbox } from '../../../lib/zab/ready.js'

const z = makeZxid
const entry = (zxid: number) => ({ zxid, data: new Uint8Array() })

describe('Ready coalescing (etcd raft Ready: storage instructions in a fixed order)', () => {
  it('drops not-yet-handed-out entries that a TRUNC cuts off, keeping the lowest truncation point', () => {
    const out = new Outbox()
    out.addEntry(entry(z(1, 1)))
    out.addEntry(entry(z(1, 2)))
    out.truncateAfter(z(1, 1))
    out.addEntry(entry(z(2, 1)))
    out.truncateAfter(z(2, 1))
    expect(out.entries.map((e) => e.zxid)).toEqual([z(1, 1), z(2, 1)])
    expect(out.truncate).toBe(z(1, 1))
  })

  it('lets a SNAP supersede every earlier storage instruction and committed entry of the batch', () => {
    const out = new Outbox()
    out.truncateAfter(z(1, 1))
    out.addEntry(entry(z(1, 2)))
    out.committedList().push(entry(z(1, 1)))
    out.installSnapshot({ zxid: z(1, 5), data: new Uint8Array([1]) })
    out.addEntry(entry(z(2, 1)))
    expect([out.truncate, out.committed, out.entries.map((e) => e.zxid)]).toEqual([undefined, [], [z(2, 1)]])
  })

  it('needs no truncate for a cut above a snapshot installed in the same batch', () => {
    const out = new Outbox()
    out.installSnapshot({ zxid: z(1, 5), data: new Uint8Array() })
    out.addEntry(entry(z(1, 6)))
    out.addEntry(entry(z(1, 7)))
    out.truncateAfter(z(1, 6))
    expect([out.truncate, out.entries.map((e) => e.zxid)]).toEqual([undefined, [z(1, 6)]])
  })

  it('is empty until something is asked for', () => {
    const out = new Outbox()
    expect(out.isEmpty).toBe(true)
    out.addSyncCompleted(1, 0)
    expect(out.isEmpty).toBe(false)
  })
})
