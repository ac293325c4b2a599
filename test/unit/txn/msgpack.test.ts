// Method: the hand-written MessagePack writer and reader against the log's msgpackr Packr
// (encodeValue/decodeValue use it directly) on generated values of every type they handle, byte
// for byte and value for value, plus what they must leave to msgpackr.
import { describe, expect, it } from 'vitest'
import { decodeTxnEntry, decodeValue, encodeTxnEntry, encodeValue } from '../../../lib/txn/codec.js'
import { notPlain, packPlain, unpackPlain } from '../../../lib/txn/msgpack.js'
import type { TxnEntry } from '../../../lib/txn/types.js'

/** A deterministic generator of values of the plain set: objects, arrays, strings, numbers, bigints, booleans, null, undefined, bytes. */
function generator(seed: number) {
  let state = seed
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return Math.floor(state / 2 ** 8) % n
  }
  const edgeNumbers = [0, -0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, 1.5, -2.25, NaN, Infinity, -Infinity, Number.MAX_VALUE]
  const edgeBigInts = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, 2n ** 64n - 1n, 0x0123456789abcdefn]
  const lengths = [0, 1, 15, 16, 31, 32, 33, 100, 255, 256, 65535, 65536]
  const characters = ['a', 'Z', '/', '\u0000', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '日', '\uffff', '😀', '\ud800', '\udfff']
  // Lengths past 255 and 65535 are rare: their values are big, and compared slowly.
  const length = (): number => lengths[next(next(40) === 0 ? lengths.length : lengths.length - 4)]!
  const text = (): string => {
    const n = length()
    if (next(2) === 0) return 'p'.repeat(n)
    let out = ''
    while (out.length < n) out += characters[next(characters.length)]!
    return out.slice(0, n)
  }
  const bytes = (): Uint8Array => {
    const out = (next(2) === 0 ? Buffer.alloc : (n: number) => new Uint8Array(n))(length())
    for (let i = 0; i < out.length; i += 97) out[i] = next(256)
    return out
  }
  const value = (depth: number): unknown => {
    switch (next(depth >= 3 ? 8 : 10)) {
      case 0:
        return text()
      case 1:
        return next(3) === 0 ? edgeNumbers[next(edgeNumbers.length)] : next(2 ** 31) - 2 ** 30
      case 2:
        return edgeBigInts[next(edgeBigInts.length)]
      case 3:
        return next(2) === 0
      case 4:
        return null
      case 5:
        return undefined
      case 6:
        return bytes()
      case 7:
        return next(1000) * 1_000_003
      case 8: {
        const object: Record<string, unknown> = {}
        const count = depth === 0 && next(5) === 0 ? 17 : next(4)
        for (let i = 0; i < count; i++) object[next(3) === 0 ? text() : `k${next(40)}`] = value(depth + 1)
        return object
      }
      default:
        return Array.from({ length: depth === 0 && next(5) === 0 ? 17 : next(4) }, () => value(depth + 1))
    }
  }
  return { value }
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))

describe('hand-written MessagePack (the log entries)', () => {
  it('writes the bytes msgpackr writes, and reads back what msgpackr reads, for generated values', () => {
    const { value } = generator(11)
    for (let k = 0; k < 2_000; k++) {
      const v = value(0)
      const ours = packPlain(v)
      expect(ours).toBeDefined()
      const theirs = encodeValue(v)
      if (!same(ours!, theirs)) expect({ value: v, ours: Buffer.from(ours!).toString('hex') }).toEqual({ value: v, ours: Buffer.from(theirs).toString('hex') })
      // Read from a Buffer (as the log gives) and from a plain Uint8Array (as a peer frame may).
      for (const source of [Buffer.from(theirs), new Uint8Array(theirs)]) {
        const read = unpackPlain(source)
        expect(read).toStrictEqual(decodeValue(source))
      }
    }
  })

  it('writes and reads every header size of strings, byte arrays, arrays and maps at its bounds', { timeout: 30_000 }, () => {
    const values: unknown[] = []
    for (const n of [0, 1, 15, 16, 31, 32, 255, 256, 65535, 65536]) {
      values.push('x'.repeat(n), 'é'.repeat(Math.ceil(n / 2)), new Uint8Array(n), Array.from({ length: Math.min(n, 65536) }, () => 1))
      if (n <= 65536) values.push(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])))
    }
    // Keys that look like array indexes come first, in order, as in Object.keys.
    values.push({ b: 1, 2: 2, a: 3, 1: 4, [-1]: 5, '01': 6 })
    for (const v of values) {
      expect(same(packPlain(v)!, encodeValue(v))).toBe(true)
      expect(unpackPlain(Buffer.from(encodeValue(v)))).toStrictEqual(decodeValue(Buffer.from(encodeValue(v))))
    }
  })

  it('reads byte arrays as copies of the class of the bytes it reads, as msgpackr does', () => {
    const bytes = encodeValue({ data: new Uint8Array([1, 2, 3]) })
    const fromBuffer = unpackPlain(Buffer.from(bytes)) as { data: Uint8Array }
    const fromArray = unpackPlain(new Uint8Array(bytes)) as { data: Uint8Array }
    expect(Buffer.isBuffer(fromBuffer.data)).toBe(true)
    expect(Buffer.isBuffer(fromArray.data)).toBe(false)
    const source = Buffer.from(bytes)
    const read = unpackPlain(source) as { data: Uint8Array }
    source.fill(0)
    expect([...read.data]).toEqual([1, 2, 3])
  })

  it('leaves values outside the plain set to msgpackr, and writes the next value whole', () => {
    for (const v of [new Map([[1, 2]]), new Date(0), new Int8Array(2), Object.create(null) as object, { a: [1, new Set()] }, 2n ** 64n, -(2n ** 63n) - 1n, Symbol('s'), () => 1]) {
      expect(packPlain(v)).toBeUndefined()
    }
    const after = packPlain({ a: 'b' })
    expect(decodeValue(after!)).toEqual({ a: 'b' })
  })

  it('leaves bytes it does not write to msgpackr: other types, short, trailing', () => {
    const float32 = Uint8Array.of(0xca, 0x3f, 0xc0, 0x00, 0x00)
    const ext = Uint8Array.of(0xd4, 0x01, 0x00)
    const whole = encodeValue({ path: '/a', data: new Uint8Array(20) })
    // A map whose one key is __proto__, which would set the object's prototype.
    const protoKey = Uint8Array.of(0x81, 0xa9, ...Buffer.from('__proto__'), 0x01)
    for (const bytes of [float32, ext, whole.subarray(0, whole.length - 1), Buffer.concat([whole, Uint8Array.of(0)]), Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff), protoKey]) {
      expect(unpackPlain(bytes)).toBe(notPlain)
    }
    expect(unpackPlain(Uint8Array.of(0xa2, 0xc3, 0x28))).toBe(notPlain) // not UTF-8
  })

  it('keeps every entry it wrote intact while later ones are written, blocks outgrown included', () => {
    const written: [unknown, Uint8Array][] = []
    for (let i = 0; i < 2_000; i++) {
      const v = { i, data: new Uint8Array(i % 100 === 0 ? 200_000 : i % 300).fill(i % 256), path: `/n${i}` }
      written.push([v, packPlain(v)!])
    }
    for (const [v, bytes] of written) expect(same(bytes, encodeValue(v))).toBe(true)
  })

  it('encodes and decodes transaction entries as before', () => {
    const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
    const entries: TxnEntry[] = [
      { header: { sessionId: 0x0123456789abcdefn, cxid: 7, zxid: 2 ** 32 + 5, time: 1_764_800_000_000 }, txn: { type: 'create', path: '/a/b', data: new Uint8Array(100).fill(1), acl, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 3 } },
      { header: { sessionId: -5n, cxid: 0, zxid: 9, time: 1 }, txn: { type: 'setData', path: '/日本', data: new Uint8Array(0), version: 2 } },
      { header: { sessionId: 0n, cxid: 1, zxid: 10, time: 2 }, txn: { type: 'multi', txns: [{ type: 'delete', path: '/x' }, { type: 'error', err: -101 }] } },
    ]
    for (const entry of entries) {
      const bytes = encodeTxnEntry(entry)
      expect(same(bytes, encodeValue(entry))).toBe(true)
      expect(decodeTxnEntry(Buffer.from(bytes))).toStrictEqual(decodeValue(Buffer.from(bytes)))
    }
  })
})
