// Method: a stream of length-prefixed frames of random sizes (some empty, one of several MiB) cut
// into chunks at random places, a length prefix split among them too; the reader must return
// every frame body, in order, whatever the cuts (seeded, so a failure replays).
import { describe, expect, it } from 'vitest'
import { peerFrameBytesMax } from '../../../lib/limits.js'
import { FrameReader } from '../../../lib/peer/tcp.js'

function prefixed(body: Buffer): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(body.length, 0)
  return Buffer.concat([head, body])
}

/** A small seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('FrameReader', () => {
  it.each([1, 2, 3, 4, 5])('returns every frame in order however the stream is cut (seed %i)', (seed) => {
    const next = random(seed)
    const bodies = Array.from({ length: 200 }, (_, i) => Buffer.alloc(i === 100 ? 3 * 1024 * 1024 : Math.floor(next() * 300), i % 256))
    const stream = Buffer.concat(bodies.map(prefixed))
    const reader = new FrameReader()
    const got: Buffer[] = []
    for (let at = 0; at < stream.length; ) {
      const size = next() < 0.3 ? 1 + Math.floor(next() * 5) : 1 + Math.floor(next() * 70_000)
      got.push(...reader.push(stream.subarray(at, at + size)))
      at += size
    }
    expect(got.map((b) => b.length)).toEqual(bodies.map((b) => b.length))
    expect(got.every((b, i) => b.equals(bodies[i] as Buffer))).toBe(true)
  })

  it('refuses a frame announced over the limit before it arrives', () => {
    const head = Buffer.alloc(4)
    head.writeUInt32BE(peerFrameBytesMax + 1, 0)
    expect(() => new FrameReader().push(head)).toThrow(/over/)
  })
})
