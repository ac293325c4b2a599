// Method: feed FrameReader length prefixes and bodies byte by byte and in one chunk, with the
// hello bound (peerHelloBytesMax) and then the frame bound raised as the transport does after a
// hello; check what it refuses (from the 4-byte prefix alone) and what it keeps.
import { describe, expect, it } from 'vitest'
import { peerFrameBytesMax, peerHelloBytesMax } from '../../../lib/limits.js'
import { FrameReader } from '../../../lib/peer/tcp.js'
import { encodeValue } from '../../../lib/txn/codec.js'

function prefixed(body: Uint8Array): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(body.length, 0)
  return Buffer.concat([head, body])
}

function prefix(length: number): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(length, 0)
  return head
}

describe('FrameReader bounds', () => {
  it('holds a hello of this protocol well within peerHelloBytesMax', () => {
    const hello = encodeValue({ tag: 'paddock-peer/1', id: Number.MAX_SAFE_INTEGER })
    expect(hello.length).toBeLessThan(peerHelloBytesMax / 4)
    // With the longest host name a joiner's address can have.
    const joiner = encodeValue({ tag: 'paddock-peer/1', id: Number.MAX_SAFE_INTEGER, address: { host: 'h'.repeat(253), quorumPort: 65535, electionPort: 65535 } })
    expect(joiner.length).toBeLessThan(peerHelloBytesMax / 2)
  })

  it('refuses a 512 MiB frame announced before the hello from its 4-byte prefix alone', () => {
    const reader = new FrameReader(peerHelloBytesMax)
    const head = prefix(512 * 1024 * 1024)
    reader.add(head.subarray(0, 3))
    expect(reader.take()).toBeUndefined()
    reader.add(head.subarray(3))
    expect(() => reader.take()).toThrow(/536870912 bytes is over 1024/)
  })

  it('accepts a frame of exactly the bound and refuses one byte more', () => {
    expect(new FrameReader(peerHelloBytesMax).push(prefixed(new Uint8Array(peerHelloBytesMax)))).toHaveLength(1)
    expect(() => new FrameReader(peerHelloBytesMax).push(prefix(peerHelloBytesMax + 1))).toThrow(RangeError)
  })

  it('keeps the frames after the hello in the same chunk and reads them under the raised bound', () => {
    const hello = encodeValue({ tag: 'paddock-peer/1', id: 3 })
    const big = new Uint8Array(peerHelloBytesMax * 10).fill(5)
    const reader = new FrameReader(peerHelloBytesMax)
    reader.add(Buffer.concat([prefixed(hello), prefixed(big), prefixed(new Uint8Array([1]))]))
    expect(reader.take()?.equals(hello)).toBe(true)
    reader.frameBytesMax = peerFrameBytesMax
    expect(reader.take()?.length).toBe(big.length)
    expect([...(reader.take() ?? [])]).toEqual([1])
    expect(reader.take()).toBeUndefined()
  })

  it('takes one frame at a time, so the caller can stop between two', () => {
    const reader = new FrameReader()
    reader.add(Buffer.concat([prefixed(new Uint8Array([1])), prefixed(new Uint8Array([2]))]))
    expect([...(reader.take() ?? [])]).toEqual([1])
    expect([...(reader.take() ?? [])]).toEqual([2])
  })
})
