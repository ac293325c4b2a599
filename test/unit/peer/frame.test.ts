// Method: the hand-written frames of PROPOSAL, COMMIT and ACK must be the Packr's bytes exactly,
// so every boundary of msgpack's integer and bin forms is crossed for zxid, session and data, and
// every other message must still reach the Packr (and decode to what was sent).
import { describe, expect, it } from 'vitest'
import { encodeFrame } from '../../../lib/peer/frame.js'
import { decodeValue, encodeValue } from '../../../lib/txn/codec.js'

// Each side of every boundary between msgpack's integer forms, up to the largest safe integer.
const integers = [
  0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 0x100000000, 2 ** 40 + 3, 2 ** 52 + 1, Number.MAX_SAFE_INTEGER,
  -1, -32, -33, -0x80, -0x81, -0x8000, -0x8001, -0x80000000, -0x80000001, -(2 ** 40), Number.MIN_SAFE_INTEGER,
]
const dataLengths = [0, 1, 0xff, 0x100, 0xffff, 0x10000, 300_000]

function body(frame: Buffer): Buffer {
  expect(frame.readUInt32BE(0)).toBe(frame.length - 4)
  return frame.subarray(4)
}

function packr(value: unknown): Buffer {
  return Buffer.from(encodeValue(value))
}

describe('encodeFrame', () => {
  it("writes PROPOSAL byte for byte as the Packr does, at every integer and bin size", () => {
    let checked = 0
    for (const zxid of integers) {
      for (const session of integers) {
        for (const length of dataLengths) {
          const message = { type: 'PROPOSAL', zxid, data: Buffer.alloc(length, zxid & 0xff), session }
          expect(body(encodeFrame(message)).equals(packr(message))).toBe(true)
          checked++
        }
      }
    }
    expect(checked).toBe(integers.length ** 2 * dataLengths.length)
  })

  it.each(['COMMIT', 'ACK'])('writes %s byte for byte as the Packr does, at every integer size', (type) => {
    for (const zxid of integers) {
      for (const session of integers) {
        const message = { type, zxid, session }
        expect(body(encodeFrame(message)).equals(packr(message))).toBe(true)
      }
    }
  })

  it('decodes to the message that was sent', () => {
    const message = { type: 'PROPOSAL', zxid: 2 ** 33 + 9, data: new Uint8Array([1, 2, 3]), session: 2 ** 41 + 5 }
    expect(decodeValue(body(encodeFrame(message)))).toEqual({ ...message, data: Buffer.from([1, 2, 3]) })
  })

  it('writes the keys of a PROPOSAL built in another order in its own order, with the same values', () => {
    const message = { session: 3, data: Buffer.from([9]), zxid: 5, type: 'PROPOSAL' }
    const frame = body(encodeFrame(message))
    expect(frame.equals(packr({ type: 'PROPOSAL', zxid: 5, data: Buffer.from([9]), session: 3 }))).toBe(true)
    expect(decodeValue(frame)).toEqual(message)
  })

  // A configuration, numbers that are not safe integers, data that is not bytes, other messages:
  // the Packr writes those, so the frame must equal its bytes.
  it.each([
    ['a PROPOSAL with a configuration', { type: 'PROPOSAL', zxid: 5, data: new Uint8Array(2), config: { version: 1 }, session: 3 }],
    ['a PROPOSAL whose data is a string', { type: 'PROPOSAL', zxid: 5, data: 'text', session: 3 }],
    ['a COMMIT with a fractional zxid', { type: 'COMMIT', zxid: 1.5, session: 3 }],
    ['an ACK with a zxid past 2^53', { type: 'ACK', zxid: 2 ** 60, session: 3 }],
    ['an ACK with a missing session', { type: 'ACK', zxid: 5 }],
    ['a PING', { type: 'PING', session: 3 }],
    ['a string', 'hello'],
    ['null', null],
  ])('leaves %s to the Packr', (_name, message) => {
    expect(body(encodeFrame(message)).equals(packr(message))).toBe(true)
  })
})
