/**
 * CRC-32 (IEEE 802.3, polynomial 0xEDB88320, as zlib and PNG use it), table-driven.
 *
 * node:zlib has a native `crc32` from Node 20.15 and 22.2 on; it is used when present (the same
 * function, several times faster on the hundreds of megabytes a recovery checks), and the table
 * below computes it otherwise. It detects torn and bit-flipped values, not tampering.
 * @module
 */
import * as zlib from 'node:zlib'

type Crc32 = (bytes: Uint8Array, previous?: number) => number

/** zlib's crc32 when this Node has it. */
const nativeCrc32: Crc32 | undefined = (zlib as { crc32?: Crc32 }).crc32

const table: Uint32Array = makeTable()

function makeTable(): Uint32Array {
  const result = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    result[n] = c >>> 0
  }
  return result
}

/**
 * Returns the CRC-32 of `bytes` as an unsigned 32-bit integer.
 *
 * Pass the result of an earlier call as `previous` to continue a checksum over several buffers:
 * `crc32(b, crc32(a))` equals `crc32(a ++ b)`.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  return nativeCrc32 !== undefined ? nativeCrc32(bytes, previous) : crc32Table(bytes, previous)
}

/** The table-driven CRC-32, for a Node without zlib's (exported for tests that compare the two). */
export function crc32Table(bytes: Uint8Array, previous = 0): number {
  let c = (previous ^ 0xffffffff) >>> 0
  for (let i = 0; i < bytes.length; i++) {
    // The index is masked to 0..255, so the table lookup is always defined.
    c = (table[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)) >>> 0
  }
  return (c ^ 0xffffffff) >>> 0
}
