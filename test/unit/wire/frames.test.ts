// Method: feed the frame decoder hand-built byte streams split at every boundary, and check the four-letter-word helper against FourLetterCommands.

import { describe, expect, it } from 'vitest'
import { FrameDecoder, JuteDecodeError, JuteWriter, fourLetterWordOf, fourLetterWordOfInt, fourLetterWords, writeRequestFrame } from '../../../lib/wire/index.js'
import type { ClientRequest } from '../../../lib/protocol/jute-records.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'))

describe('FrameDecoder (4-byte big-endian length + payload)', () => {
  const stream = unhex('00000002 abcd' + '00000000' + '00000003 010203')

  it('yields every complete frame of one chunk in order, including an empty one', () => {
    expect(new FrameDecoder().push(stream).map(hex)).toEqual(['abcd', '', '010203'])
  })

  it('yields the same frames however the stream is split into chunks', () => {
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const d = new FrameDecoder()
        const frames = [...d.push(stream.subarray(0, a)), ...d.push(stream.subarray(a, b)), ...d.push(stream.subarray(b))]
        expect(frames.map(hex)).toEqual(['abcd', '', '010203'])
        expect(d.buffered).toBe(0)
      }
    }
  })

  it('yields frames byte by byte', () => {
    const d = new FrameDecoder()
    const frames: Uint8Array[] = []
    for (const byte of stream) frames.push(...d.push(new Uint8Array([byte])))
    expect(frames.map(hex)).toEqual(['abcd', '', '010203'])
  })

  it('holds an incomplete frame and reports its buffered bytes', () => {
    const d = new FrameDecoder()
    expect(d.push(unhex('00000004'))).toEqual([])
    // The length prefix is read: its 4 bytes count before any byte of the body arrives.
    expect(d.buffered).toBe(4)
    expect(d.push(unhex('aa'))).toEqual([])
    expect(d.buffered).toBe(5)
    expect(d.push(unhex('bbccdd 0000')).map(hex)).toEqual(['aabbccdd'])
    expect(d.buffered).toBe(2)
  })

  it('accepts a frame of exactly jute.maxbuffer bytes and refuses one byte more with frameLength', () => {
    const d = new FrameDecoder({ maxBufferBytes: 8 })
    expect(d.push(unhex('00000008' + '11'.repeat(8)))).toHaveLength(1)
    expect(() => d.push(unhex('00000009'))).toThrow(expect.objectContaining({ reason: 'frameLength' }))
  })

  it('refuses a negative length with JuteDecodeError frameLength', () => {
    expect(() => new FrameDecoder().push(unhex('ffffffff'))).toThrow(JuteDecodeError)
  })

  it('refuses the default-limit overflow 0x100000 (jute.maxbuffer 0xfffff) before allocating', () => {
    expect(() => new FrameDecoder().push(unhex('00100000'))).toThrow(/over jute.maxbuffer \(1048575\)/)
  })

  it('refuses all input after a bad length, since the connection must close', () => {
    const d = new FrameDecoder()
    expect(() => d.push(unhex('80000000'))).toThrow(JuteDecodeError)
    expect(() => d.push(unhex('00000000'))).toThrow(JuteDecodeError)
  })

  it('names a four-letter word sent after the first frame in its error', () => {
    expect(() => new FrameDecoder().push(new TextEncoder().encode('ruok'))).toThrow(/four-letter word "ruok"/)
  })
})

describe('four-letter words (FourLetterCommands)', () => {
  it('knows the 18 words of ZooKeeper 3.9', () => {
    expect([...fourLetterWords].sort()).toEqual(
      ['conf', 'cons', 'crst', 'dirs', 'dump', 'envi', 'gtmk', 'hash', 'isro', 'mntr', 'ruok', 'srst', 'srvr', 'stat', 'stmk', 'wchc', 'wchp', 'wchs'],
    )
  })

  it('detects a word from the first four bytes of a connection', () => {
    expect(fourLetterWordOf(new TextEncoder().encode('ruok'))).toBe('ruok')
    expect(fourLetterWordOf(new TextEncoder().encode('mntr\n'))).toBe('mntr')
  })

  it('detects nothing in fewer than four bytes, an unknown word, upper case, or a ConnectRequest length', () => {
    expect(fourLetterWordOf(new TextEncoder().encode('ruo'))).toBeUndefined()
    expect(fourLetterWordOf(new TextEncoder().encode('abcd'))).toBeUndefined()
    expect(fourLetterWordOf(new TextEncoder().encode('RUOK'))).toBeUndefined()
    expect(fourLetterWordOf(unhex('0000002d'))).toBeUndefined()
  })

  it('maps the big-endian int of a word back to it, as ZooKeeper compares the length int', () => {
    expect(fourLetterWordOfInt(0x72756f6b)).toBe('ruok')
  })
})

describe('writing frames', () => {
  it('leaves nothing of a frame whose record cannot be written, and the writer takes the next one', () => {
    const w = new JuteWriter()
    const bad = { op: 'create', path: '/a', data: new Uint8Array(0), acl: [], flags: 'EPHEMERAL' } as unknown as ClientRequest
    expect(() => writeRequestFrame(w, 1, bad)).toThrow(TypeError)
    expect(w.length).toBe(0)
    writeRequestFrame(w, 2, { op: 'exists', path: '/a', watch: false })
    const frames = new FrameDecoder().push(w.finish())
    expect(frames).toHaveLength(1)
    // RequestHeader{xid 2, type exists (3)}, then the path and the watch flag.
    expect(hex(frames[0]!.subarray(0, 8))).toBe('0000000200000003')
  })
})
