// Method: write reply frames with a payload bound into one JuteWriter next to other frames, and
// compare the bytes with frames written without a bound: a reply over the bound leaves no trace.
import { describe, expect, it } from 'vitest'
import { JuteWriter, writeReplyFrame } from '../../../lib/wire/index.js'
import { writeReplyFrameWithin } from '../../../lib/wire/frames.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const header = { xid: 7, zxid: 9, err: 0 }
const children = (n: number) => ({ op: 'getChildren' as const, children: Array.from({ length: n }, (_, i) => `child-${i}`) })

describe('writeReplyFrameWithin', () => {
  it('writes exactly what writeReplyFrame writes when the payload is within the bound', () => {
    const bounded = new JuteWriter()
    const plain = new JuteWriter()
    expect(writeReplyFrameWithin(bounded, header, children(3), 1024)).toBe(true)
    writeReplyFrame(plain, header, children(3))
    expect(hex(bounded.finish())).toBe(hex(plain.finish()))
  })

  it('writes nothing and answers false over the bound, leaving earlier frames whole', () => {
    const bounded = new JuteWriter({ slabBytes: 64 })
    const plain = new JuteWriter()
    writeReplyFrame(bounded, { ...header, xid: 1 })
    writeReplyFrame(plain, { ...header, xid: 1 })
    expect(writeReplyFrameWithin(bounded, header, children(1000), 1024)).toBe(false)
    expect(bounded.frameBytes).toBe(0)
    writeReplyFrame(bounded, { ...header, xid: 2 })
    writeReplyFrame(plain, { ...header, xid: 2 })
    expect(hex(bounded.finish())).toBe(hex(plain.finish()))
  })

  it('counts the payload after the length prefix: a payload of exactly the bound fits', () => {
    const w = new JuteWriter()
    writeReplyFrame(w, header, children(5))
    const payloadBytes = w.finish().length - 4
    expect(writeReplyFrameWithin(new JuteWriter(), header, children(5), payloadBytes)).toBe(true)
    expect(writeReplyFrameWithin(new JuteWriter(), header, children(5), payloadBytes - 1)).toBe(false)
  })
})
