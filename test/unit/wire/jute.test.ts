// Method: byte-level checks of each jute primitive against BinaryOutputArchive's encoding, plus hostile lengths.

import { describe, expect, it } from 'vitest'
import { ZooKeeperError } from '../../../lib/errors.js'
import { JuteDecodeError, JuteReader, JuteWriter, decodeJavaUtf8 } from '../../../lib/wire/jute.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'))

function written(fill: (w: JuteWriter) => void): string {
  const w = new JuteWriter()
  fill(w)
  return hex(w.finish())
}

function decodeError(fn: () => unknown): JuteDecodeError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(JuteDecodeError)
    return e as JuteDecodeError
  }
  throw new Error('expected a JuteDecodeError')
}

describe('jute int and long', () => {
  it('writes an int as 4 bytes big-endian, two\'s complement', () => {
    expect(written((w) => w.writeInt(1).writeInt(-101).writeInt(0x7fffffff))).toBe('00000001ffffff9b7fffffff')
  })

  it('writes a long exactly from a bigint, including 64-bit session ids', () => {
    expect(written((w) => w.writeLong(0x0123456789abcdefn).writeLong(-1n))).toBe('0123456789abcdefffffffffffffffff')
    const r = new JuteReader(unhex('8000000000000000 7fffffffffffffff'))
    expect(r.readLong()).toBe(-(2n ** 63n))
    expect(r.readLong()).toBe(2n ** 63n - 1n)
  })

  it('writes and reads a zxid-sized long as a JS number', () => {
    const zxid = 0x1f_0000_0005
    const out = written((w) => w.writeLongNumber(zxid).writeLongNumber(-1).writeLongNumber(Number.MAX_SAFE_INTEGER))
    expect(out).toBe('0000001f00000005' + 'ffffffffffffffff' + '001fffffffffffff')
    const r = new JuteReader(unhex(out))
    expect([r.readLongNumber(), r.readLongNumber(), r.readLongNumber()]).toEqual([zxid, -1, Number.MAX_SAFE_INTEGER])
  })

  it('refuses a long outside the safe integer range where a number is wanted, with unsafeInteger', () => {
    expect(decodeError(() => new JuteReader(unhex('0020000000000000')).readLongNumber('zxid')).reason).toBe('unsafeInteger')
    expect(decodeError(() => new JuteReader(unhex('ffe0000000000000')).readLongNumber('zxid')).reason).toBe('unsafeInteger')
  })

  it('treats writing a non-int32 or unsafe number as a programmer error (TypeError)', () => {
    expect(() => new JuteWriter().writeInt(2 ** 31)).toThrow(TypeError)
    expect(() => new JuteWriter().writeLongNumber(2 ** 53)).toThrow(TypeError)
  })
})

describe('jute boolean, buffer, ustring, vector', () => {
  it('writes a boolean as one byte and reads any non-zero byte as true (DataInput.readBoolean)', () => {
    expect(written((w) => w.writeBool(true).writeBool(false))).toBe('0100')
    expect(new JuteReader(unhex('02')).readBool()).toBe(true)
  })

  it('writes a buffer as its length then its bytes, and null as length -1', () => {
    expect(written((w) => w.writeBuffer(unhex('abcd')).writeBuffer(null).writeBuffer(new Uint8Array(0)))).toBe('00000002abcd' + 'ffffffff' + '00000000')
    const r = new JuteReader(unhex('00000002abcd ffffffff'))
    expect(hex(r.readBuffer())).toBe('abcd')
    expect(r.readBufferOrNull()).toBeNull()
  })

  it('reads raw bytes of a length given elsewhere, copied, and refuses more than remain with truncated', () => {
    const input = unhex('abcdef')
    const r = new JuteReader(input)
    const bytes = r.readBytes(2)
    input[0] = 0
    expect(hex(bytes)).toBe('abcd')
    expect(r.remaining).toBe(1)
    expect(decodeError(() => r.readBytes(2)).reason).toBe('truncated')
    expect(() => r.readBytes(-1)).toThrow(TypeError)
  })

  it('copies buffers out, so decoded data does not alias the frame', () => {
    const frame = unhex('00000002abcd')
    const data = new JuteReader(frame).readBuffer()
    frame[4] = 0
    expect(hex(data)).toBe('abcd')
  })

  it('writes a ustring as its UTF-8 byte length then the bytes, null as -1', () => {
    expect(written((w) => w.writeUString('/a').writeUString(null).writeUString('é'))).toBe('000000022f61' + 'ffffffff' + '00000002c3a9')
    const r = new JuteReader(unhex('000000022f61 ffffffff'))
    expect(r.readUString()).toBe('/a')
    expect(r.readUStringOrNull()).toBeNull()
  })

  it('reads a null ustring as empty where a non-null string is wanted', () => {
    expect(new JuteReader(unhex('ffffffff')).readUString()).toBe('')
  })

  it('writes astral characters as standard 4-byte UTF-8', () => {
    expect(written((w) => w.writeUString('😀'))).toBe('00000004f09f9880')
  })

  it('reads both standard UTF-8 and the CESU-8 surrogate pairs Java writes for astral characters', () => {
    expect(new JuteReader(unhex('00000004f09f9880')).readUString()).toBe('😀')
    // Java's BinaryOutputArchive writes U+1F600 as the surrogates D83D DE00, 3 bytes each.
    expect(new JuteReader(unhex('00000006eda0bdedb880')).readUString()).toBe('😀')
    expect(decodeJavaUtf8(unhex('61eda0bdedb88062'), 0, 8)).toBe('a😀b')
  })

  it('decodes invalid UTF-8 bytes as U+FFFD rather than failing, as Java does', () => {
    expect(new JuteReader(unhex('00000003 61ff62')).readUString()).toBe('a\uFFFDb')
  })

  it('writes a vector as its count then elements, null as -1', () => {
    expect(written((w) => w.writeUStringVector(['a', 'bc']).writeUStringVector(null))).toBe('00000002' + '0000000161' + '000000026263' + 'ffffffff')
    expect(new JuteReader(unhex('ffffffff')).readUStringVector()).toEqual([])
  })
})

describe('jute reader on hostile input', () => {
  it('throws JuteDecodeError truncated, never RangeError, when the input ends inside a field', () => {
    for (const read of [(r: JuteReader) => r.readInt(), (r: JuteReader) => r.readLong(), (r: JuteReader) => r.readBool()]) {
      expect(decodeError(() => read(new JuteReader(new Uint8Array(0)))).reason).toBe('truncated')
    }
    expect(decodeError(() => new JuteReader(unhex('000000056162')).readUString()).reason).toBe('truncated')
  })

  it('refuses a length over jute.maxbuffer before allocating anything, with badLength', () => {
    const err = decodeError(() => new JuteReader(unhex('7fffffff')).readBuffer('CreateRequest.data'))
    expect(err.reason).toBe('badLength')
    expect(err.message).toContain('jute.maxbuffer')
    expect(decodeError(() => new JuteReader(unhex('00000011' + '00'.repeat(17)), { maxBufferBytes: 16 }).readBuffer()).reason).toBe('badLength')
  })

  it('refuses a negative length other than -1', () => {
    expect(decodeError(() => new JuteReader(unhex('fffffffe')).readUString()).reason).toBe('badLength')
  })

  it('refuses a vector count the remaining bytes cannot hold, before looping', () => {
    expect(decodeError(() => new JuteReader(unhex('000f0000 00000000')).readUStringVector()).reason).toBe('truncated')
  })

  it('is a ZooKeeperError with code MARSHALLINGERROR', () => {
    const err = decodeError(() => new JuteReader(new Uint8Array(1)).readInt())
    expect(err).toBeInstanceOf(ZooKeeperError)
    expect(err.code).toBe('MARSHALLINGERROR')
    expect(err.errno).toBe(-5)
  })
})

describe('jute writer slabs and frames', () => {
  it('fills the length prefix of a frame from its payload size', () => {
    const w = new JuteWriter()
    w.beginFrame().writeInt(7).writeBool(true).endFrame()
    expect(hex(w.finish())).toBe('00000005' + '0000000701')
  })

  it('never overwrites bytes it handed out, across slab boundaries', () => {
    const w = new JuteWriter({ slabBytes: 32 })
    const frames: Buffer[] = []
    for (let i = 0; i < 50; i++) {
      w.beginFrame().writeInt(i).writeUString('x'.repeat(i)).endFrame()
      frames.push(w.finish())
    }
    frames.forEach((f, i) => {
      const r = new JuteReader(f)
      expect(r.readInt()).toBe(8 + i)
      expect(r.readInt()).toBe(i)
      expect(r.readUString()).toBe('x'.repeat(i))
    })
  })

  it('keeps no slab grown for a frame it abandoned or handed out (a refused big reply held per connection)', () => {
    const w = new JuteWriter({ slabBytes: 64 })
    w.beginFrame().writeInt(1).endFrame()
    const kept = w.length
    // A reply over the limit: built, then abandoned.
    w.beginFrame().writeBuffer(new Uint8Array(100_000))
    expect(w.slabLength).toBeGreaterThan(100_000)
    w.abandonFrame()
    expect(w.slabLength).toBe(64)
    // The frame written before it survives the move, and nothing of the abandoned one.
    expect(w.length).toBe(kept)
    expect(hex(w.finish())).toBe('00000004' + '00000001')
    // A big frame handed out: the writer goes on in a slab of the usual size.
    w.beginFrame().writeBuffer(new Uint8Array(100_000).fill(9)).endFrame()
    const big = w.finish()
    expect(w.slabLength).toBe(64)
    expect(big.length).toBe(100_008)
    expect(big[100_007]).toBe(9)
  })

  it('grows for a value larger than a slab', () => {
    const w = new JuteWriter({ slabBytes: 16 })
    const big = new Uint8Array(1000).fill(7)
    w.writeInt(1).writeBuffer(big)
    const r = new JuteReader(w.finish())
    expect(r.readInt()).toBe(1)
    expect(r.readBuffer()).toEqual(big)
  })
})
