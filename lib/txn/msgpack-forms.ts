/**
 * The msgpack forms the transaction codec's Packr writes for safe integers and for byte strings,
 * for the places that write msgpack by hand (peer frames, log records, the entries of ./msgpack.ts)
 * and must produce the Packr's exact bytes.
 * @module
 */

/** Bytes the Packr takes for a safe integer: the smallest int form that holds it, else a float64. */
export function intBytes(value: number): number {
  if (value >= 0) return value < 0x80 ? 1 : value < 0x100 ? 2 : value < 0x10000 ? 3 : value <= 0xffffffff ? 5 : 9
  return value >= -32 ? 1 : value >= -0x80 ? 2 : value >= -0x8000 ? 3 : value >= -0x80000000 ? 5 : 9
}

const float = new Float64Array(1)
const floatBytes = new Uint8Array(float.buffer)
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Writes a safe integer at `at` in the form {@link intBytes} gives; returns where it ends. */
export function putInt(out: Uint8Array, at: number, value: number): number {
  const size = intBytes(value)
  if (size === 1) {
    out[at] = value & 0xff // positive or negative fixint
  } else if (size === 9) {
    out[at] = 0xcb
    float[0] = value
    for (let i = 0; i < 8; i++) out[at + 1 + i] = floatBytes[littleEndian ? 7 - i : i] as number
  } else {
    out[at] = value >= 0 ? (size === 2 ? 0xcc : size === 3 ? 0xcd : 0xce) : size === 2 ? 0xd0 : size === 3 ? 0xd1 : 0xd2
    putBigEndian(out, at + 1, size - 1, value)
  }
  return at + size
}

/** Bytes of the header of a bin of `length` bytes: bin 8, 16 or 32. */
export function binHeadBytes(length: number): number {
  return length < 0x100 ? 2 : length < 0x10000 ? 3 : 5
}

/** Writes the header of a bin of `length` bytes at `at`; returns where its bytes go. */
export function putBinHead(out: Uint8Array, at: number, length: number): number {
  const size = binHeadBytes(length)
  out[at] = size === 2 ? 0xc4 : size === 3 ? 0xc5 : 0xc6
  putBigEndian(out, at + 1, size - 1, length)
  return at + size
}

/** Writes the low `bytes` bytes of an integer (two's complement when negative), big-endian. */
function putBigEndian(out: Uint8Array, at: number, bytes: number, value: number): void {
  for (let i = bytes - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) out[at + i] = v & 0xff
}
