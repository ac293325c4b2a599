// Method: known-answer vectors for CRC-32, round trips and single-byte damage for every record kind.
import { FLOAT32_OPTIONS, Packr } from 'msgpackr'
import { describe, expect, it } from 'vitest'
import * as codec from '../../../storage/codec.js'
import { crc32, crc32Table } from '../../../storage/crc32.js'

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('crc32 (IEEE, as zlib)', () => {
  it('gives the standard check value 0xCBF43926 for "123456789"', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926)
  })

  it('gives 0 for no bytes and 0xD202EF8D for one zero byte', () => {
    expect(crc32(new Uint8Array(0))).toBe(0)
    expect(crc32(new Uint8Array([0]))).toBe(0xd202ef8d)
  })

  it('continues over several buffers as over their concatenation', () => {
    expect(crc32(ascii('56789'), crc32(ascii('1234')))).toBe(0xcbf43926)
  })
})

describe('crc32 table fallback', () => {
  it('agrees with the crc32 in use on every length up to 300 and across continuations', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 167 + 13) & 0xff)
    for (let n = 0; n <= bytes.length; n++) expect(crc32Table(bytes.subarray(0, n)), `length ${n}`).toBe(crc32(bytes.subarray(0, n)))
    expect(crc32Table(bytes.subarray(100), crc32Table(bytes.subarray(0, 100)))).toBe(crc32(bytes))
  })
})

describe('keys', () => {
  it('sort by zxid as strings do', () => {
    const zxids = [0, 1, 15, 16, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 1]
    const keys = zxids.map(codec.logKey)
    expect([...keys].sort()).toEqual(keys)
    expect(codec.logKey(2 ** 32 + 5)).toBe('log/0000000100000005')
  })

  it('keep every key of a snapshot inside its prefix range, below the next snapshot', () => {
    const last = codec.chunkKey(7, 0xffffffff)
    expect(last > codec.snapPrefix(7) && last < codec.snapPrefixEnd(7)).toBe(true)
    expect(codec.snapPrefixEnd(7) < codec.snapPrefix(8)).toBe(true)
    expect(codec.logKey(2 ** 53 - 1) < codec.logKeyEnd).toBe(true)
  })

  it('parse zxids back and refuse malformed keys', () => {
    expect(codec.zxidOfKey('log/0000000100000005', 'log/')).toBe(2 ** 32 + 5)
    expect(codec.zxidOfKey('log/00000001000000zz', 'log/')).toBeUndefined()
    expect(codec.zxidOfKey('log/5', 'log/')).toBeUndefined()
    expect(codec.zxidOfKey('log/ffffffffffffffff', 'log/')).toBeUndefined()
  })

  it('parse every zxid its keys encode, and only lowercase hex of exactly 16 digits under the prefix', () => {
    for (const zxid of [0, 9, 10, 15, 16, 0xabcdef, 2 ** 32 + 0xfa, 2 ** 53 - 1]) expect(codec.zxidOfKey(codec.logKey(zxid), 'log/')).toBe(zxid)
    expect(codec.zxidOfKey('log/0020000000000000', 'log/')).toBeUndefined()
    for (const bad of ['log/000000000000000A', 'log/00000000000000g0', 'log/ 000000000000000', 'log/00000000000000000', 'log/000000000000000/', 'log/000000000000000:', 'log/000000000000000`', 'snap/000000000000001']) {
      expect(codec.zxidOfKey(bad, 'log/'), bad).toBeUndefined()
    }
    expect(codec.zxidOfKey('meta/snapshot/00000000000000ff', 'meta/snapshot/')).toBe(255)
  })
})

describe('records', () => {
  const data = new Uint8Array([1, 2, 3, 250])

  it('round-trip a log record and check it belongs to its key', () => {
    const value = codec.encodeLogRecord(42, data)
    expect(codec.decodeLogRecord(value, 42)).toEqual({ ok: true, value: data })
    expect(codec.decodeLogRecord(value, 43)).toMatchObject({ ok: false, reason: 'record holds zxid 42, not 43' })
  })

  it('round-trip chunk, marker and epoch records', () => {
    expect(codec.decodeChunkRecord(codec.encodeChunkRecord(9, 3, data), 9, 3)).toEqual({ ok: true, value: data })
    expect(codec.decodeChunkRecord(codec.encodeChunkRecord(9, 3, data), 9, 4).ok).toBe(false)
    const marker = { zxid: 9, chunkCount: 4, byteCount: 1000 }
    expect(codec.decodeSnapshotMarker(codec.encodeSnapshotMarker(marker), 9)).toEqual({ ok: true, value: marker })
    expect(codec.decodeEpochRecord(codec.encodeEpochRecord(7))).toEqual({ ok: true, value: 7 })
  })

  it('do not accept one kind of record as another', () => {
    expect(codec.decodeLogRecord(codec.encodeChunkRecord(9, 3, data), 9)).toMatchObject({ ok: false, reason: 'not a log record' })
  })

  it('detect any single flipped byte and any truncation', () => {
    const value = codec.encodeLogRecord(2 ** 40, data)
    for (let i = 0; i < value.length; i++) {
      const bad = Uint8Array.from(value)
      bad[i]! ^= 0x10
      expect(codec.decodeLogRecord(bad, 2 ** 40).ok, `byte ${i}`).toBe(false)
    }
    for (let n = 0; n < value.length; n++) expect(codec.decodeLogRecord(value.subarray(0, n), 2 ** 40).ok, `length ${n}`).toBe(false)
  })

  it('round-trip log records at every zxid and data size encoding', () => {
    const zxids = [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, 2 ** 53 - 1]
    const sizes = [0, 1, 255, 256, 65_535, 65_536, 100_000]
    for (const zxid of zxids) {
      for (const size of sizes) {
        const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 31 + zxid) & 0xff)
        const decoded = codec.decodeLogRecord(codec.encodeLogRecord(zxid, bytes), zxid)
        if (!decoded.ok) throw new Error(`zxid ${zxid} size ${size}: ${decoded.reason}`)
        expect(Buffer.compare(decoded.value, bytes), `zxid ${zxid} size ${size}`).toBe(0)
        expect(codec.decodeLogRecord(codec.encodeLogRecord(zxid, bytes), zxid + 1).ok).toBe(false)
      }
    }
  })

  // encodeLogRecord writes the record by hand; these are the bytes the Packr (the format's
  // definition, as the other records are written) makes of ['log', 1, zxid, data] behind its CRC.
  it('write log records byte for byte as the Packr does, at every zxid and data size encoding', () => {
    const packr = new Packr({ useRecords: false, useFloat32: FLOAT32_OPTIONS.NEVER })
    for (const zxid of [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, 2 ** 53 - 1]) {
      for (const size of [0, 1, 255, 256, 65_535, 65_536]) {
        const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 7 + zxid) & 0xff)
        const body = packr.pack(['log', 1, zxid, bytes])
        const expected = Buffer.alloc(4 + body.length)
        expected.writeUInt32BE(crc32(body), 0)
        expected.set(body, 4)
        expect(Buffer.from(codec.encodeLogRecord(zxid, bytes)).equals(expected), `zxid ${zxid} size ${size}`).toBe(true)
      }
    }
  })

  it('refuse to write a log record at a zxid that is not a safe integer >= 0', () => {
    for (const zxid of [-1, 1.5, 2 ** 53, Number.NaN]) expect(() => codec.encodeLogRecord(zxid, data)).toThrow(RangeError)
  })

  it('detect a flipped byte or a truncation in a large log record at a large zxid', () => {
    const zxid = 2 ** 45 + 77
    const value = codec.encodeLogRecord(zxid, Uint8Array.from({ length: 300 }, (_, i) => i & 0xff))
    for (let i = 0; i < value.length; i++) {
      const bad = Uint8Array.from(value)
      bad[i]! ^= 0x01
      expect(codec.decodeLogRecord(bad, zxid).ok, `byte ${i}`).toBe(false)
    }
    for (const n of [0, 4, 5, 10, 13, 15, value.length - 1]) expect(codec.decodeLogRecord(value.subarray(0, n), zxid).ok, `length ${n}`).toBe(false)
    const longer = new Uint8Array(value.length + 1)
    longer.set(value)
    expect(codec.decodeLogRecord(longer, zxid).ok).toBe(false)
  })
})
