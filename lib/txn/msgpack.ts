/**
 * MessagePack for the values transactions are made of, written and read by hand: plain objects,
 * arrays, strings, numbers, bigints, booleans, null, undefined and byte arrays. The bytes are the
 * ones the log's msgpackr `Packr` (see ./codec.ts) writes for the same value, and reading gives
 * what it reads, so either may read what the other wrote; this is only faster (a create's entry
 * of 304 bytes is written in about 1.4 µs instead of 2.6, and read in 3.1 µs instead of 3.7, on
 * the machine the benchmarks ran on). A value outside that set makes
 * {@link packPlain} return undefined and a byte this reader does not expect makes
 * {@link unpackPlain} return {@link notPlain}, and the caller falls back to msgpackr.
 * @module
 */

import { putBinHead, putInt } from './msgpack-forms.js'

const textEncoder = new TextEncoder()

/** What {@link unpackPlain} returns for bytes it leaves to msgpackr. */
export const notPlain: unique symbol = Symbol('notPlain')

// Written entries are views into blocks of this size, one after another (as msgpackr's own
// buffer is), so an entry costs no buffer of its own; a block lives while one of its views does.
const blockBytes = 64 * 1024

// A Buffer, so that entries are Buffers as msgpackr's are; not from Node's pool, and never zeroed:
// only bytes written are handed out.
let block: Uint8Array = Buffer.allocUnsafeSlow(blockBytes)
let view = new DataView(block.buffer, block.byteOffset, block.byteLength)
let blockStart = 0
let at = 0

class NotPlain {}
const stop = new NotPlain()

/**
 * The MessagePack bytes of `value`, the same as msgpackr's Packr with the log's options writes,
 * or undefined when `value` holds anything but plain objects, arrays, strings, numbers,
 * bigints in 64 bits, booleans, null, undefined and Uint8Arrays.
 */
export function packPlain(value: unknown): Uint8Array | undefined {
  // An entry starts in a fresh block when less than a quarter of this one is left.
  if (blockBytes - at < blockBytes / 4) newBlock(blockBytes)
  blockStart = at
  try {
    write(value)
  } catch (e) {
    at = blockStart
    if (e === stop) return undefined
    throw e
  }
  return block.subarray(blockStart, at)
}

function newBlock(bytes: number): void {
  block = Buffer.allocUnsafeSlow(bytes)
  view = new DataView(block.buffer, block.byteOffset, block.byteLength)
  at = 0
  blockStart = 0
}

// Room for `n` more bytes, moving the entry written so far to a bigger block when needed.
function room(n: number): void {
  if (at + n <= block.length) return
  const written = block.subarray(blockStart, at)
  const old = written.length
  newBlock(Math.max(blockBytes, (old + n) * 2))
  block.set(written, 0)
  at = old
}

function write(value: unknown): void {
  switch (typeof value) {
    case 'string':
      return writeString(value)
    case 'number':
      return writeNumber(value)
    case 'bigint':
      return writeBigInt(value)
    case 'boolean':
      room(1)
      block[at++] = value ? 0xc3 : 0xc2
      return
    case 'undefined':
      // msgpackr writes undefined as a fixext 1 of type 0.
      room(3)
      block[at++] = 0xd4
      block[at++] = 0
      block[at++] = 0
      return
    case 'object':
      if (value === null) {
        room(1)
        block[at++] = 0xc0
        return
      }
      if (Array.isArray(value)) return writeArray(value)
      if (value instanceof Uint8Array) return writeBytes(value)
      if (Object.getPrototypeOf(value) === Object.prototype) return writeObject(value as Record<string, unknown>)
      throw stop
    default:
      throw stop
  }
}

function writeObject(object: Record<string, unknown>): void {
  // for...in, not Object.keys: V8 reads `object[key]` in such a loop by field index. A plain
  // object (its prototype is Object.prototype) has no other enumerable keys, as msgpackr assumes.
  let n = 0
  for (const _ in object) n++
  room(5)
  if (n < 16) block[at++] = 0x80 | n
  else if (n < 0x10000) {
    block[at] = 0xde
    view.setUint16(at + 1, n)
    at += 3
  } else {
    block[at] = 0xdf
    view.setUint32(at + 1, n)
    at += 5
  }
  for (const key in object) {
    writeString(key)
    write(object[key])
  }
}

function writeArray(array: readonly unknown[]): void {
  const n = array.length
  room(5)
  if (n < 16) block[at++] = 0x90 | n
  else if (n < 0x10000) {
    block[at] = 0xdc
    view.setUint16(at + 1, n)
    at += 3
  } else {
    block[at] = 0xdd
    view.setUint32(at + 1, n)
    at += 5
  }
  for (let i = 0; i < n; i++) write(array[i])
}

function writeBytes(bytes: Uint8Array): void {
  room(5 + bytes.length)
  at = putBinHead(block, at, bytes.length)
  block.set(bytes, at)
  at += bytes.length
}

function writeString(text: string): void {
  const n = text.length
  // A UTF-16 code unit takes at most 3 bytes of UTF-8.
  room(5 + n * 3)
  // Short ASCII, the usual key or path: the bytes are the code units, after a one-byte header.
  if (n < 32) {
    const target = block
    const start = at + 1
    let i = 0
    for (; i < n; i++) {
      const c = text.charCodeAt(i)
      if (c >= 0x80) break
      target[start + i] = c
    }
    if (i === n) {
      target[at] = 0xa0 | n
      at = start + n
      return
    }
  }
  // Otherwise encoded after the largest header, then moved up to the smallest that holds it.
  const { written } = textEncoder.encodeInto(text, block.subarray(at + 5))
  const header = written < 32 ? 1 : written < 0x100 ? 2 : written < 0x10000 ? 3 : 5
  if (header !== 5) block.copyWithin(at + header, at + 5, at + 5 + written)
  if (header === 1) block[at] = 0xa0 | written
  else if (header === 2) {
    block[at] = 0xd9
    block[at + 1] = written
  } else if (header === 3) {
    block[at] = 0xda
    view.setUint16(at + 1, written)
  } else {
    block[at] = 0xdb
    view.setUint32(at + 1, written)
  }
  at += header + written
}

function writeNumber(value: number): void {
  room(9)
  // Integers in the forms the other hand-written layouts use (-0 as the integer 0, as msgpackr).
  if (Number.isInteger(value)) {
    at = putInt(block, at, value)
    return
  }
  // Fractions, NaN and the infinities: a float 64 (useFloat32 off).
  block[at] = 0xcb
  view.setFloat64(at + 1, value)
  at += 9
}

function writeBigInt(value: bigint): void {
  room(9)
  if (value >= -0x8000_0000_0000_0000n && value <= 0x7fff_ffff_ffff_ffffn) {
    block[at] = 0xd3
    view.setBigInt64(at + 1, value)
  } else if (value >= 0n && value <= 0xffff_ffff_ffff_ffffn) {
    block[at] = 0xcf
    view.setBigUint64(at + 1, value)
  } else throw stop
  at += 9
}

// Reading. `src` is the entry; `pos` where the next value starts.
let src: Uint8Array = new Uint8Array(0)
let srcView = new DataView(src.buffer)
let pos = 0

/**
 * The value MessagePack `bytes` hold, as msgpackr's Unpackr with the log's options reads it
 * (maps as plain objects, 64-bit integers as bigints, byte arrays as copies of the same class as
 * `bytes`), or {@link notPlain} when they hold anything {@link packPlain} does not write, or
 * anything after the value.
 */
export function unpackPlain(bytes: Uint8Array): unknown {
  src = bytes
  srcView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  pos = 0
  try {
    const value = read()
    if (pos !== bytes.length) return notPlain
    return value
  } catch {
    // Whatever this reader cannot read (a type it does not know, a count past the end, bytes
    // that are not UTF-8) is msgpackr's to read or refuse.
    return notPlain
  } finally {
    src = empty
  }
}

const empty = new Uint8Array(0)

function need(n: number): void {
  if (pos + n > src.length) throw stop
}

function read(): unknown {
  need(1)
  const b = src[pos++]!
  if (b < 0x80) return b
  if (b < 0x90) return readObject(b & 0x0f)
  if (b < 0xa0) return readArray(b & 0x0f)
  if (b < 0xc0) return readString(b & 0x1f)
  if (b >= 0xe0) return b - 0x100
  switch (b) {
    case 0xc0:
      return null
    case 0xc2:
      return false
    case 0xc3:
      return true
    case 0xc4:
      need(1)
      return readBytes(src[pos++]!)
    case 0xc5:
      need(2)
      return readBytes(srcView.getUint16((pos += 2) - 2))
    case 0xc6:
      need(4)
      return readBytes(srcView.getUint32((pos += 4) - 4))
    case 0xcb:
      need(8)
      return srcView.getFloat64((pos += 8) - 8)
    case 0xcc:
      need(1)
      return src[pos++]!
    case 0xcd:
      need(2)
      return srcView.getUint16((pos += 2) - 2)
    case 0xce:
      need(4)
      return srcView.getUint32((pos += 4) - 4)
    case 0xcf:
      need(8)
      return srcView.getBigUint64((pos += 8) - 8)
    case 0xd0:
      need(1)
      return srcView.getInt8(pos++)
    case 0xd1:
      need(2)
      return srcView.getInt16((pos += 2) - 2)
    case 0xd2:
      need(4)
      return srcView.getInt32((pos += 4) - 4)
    case 0xd3:
      need(8)
      return srcView.getBigInt64((pos += 8) - 8)
    case 0xd4:
      need(2)
      if (src[pos] !== 0 || src[pos + 1] !== 0) throw stop
      pos += 2
      return undefined
    case 0xd9:
      need(1)
      return readString(src[pos++]!)
    case 0xda:
      need(2)
      return readString(srcView.getUint16((pos += 2) - 2))
    case 0xdb:
      need(4)
      return readString(srcView.getUint32((pos += 4) - 4))
    case 0xdc:
      need(2)
      return readArray(srcView.getUint16((pos += 2) - 2))
    case 0xdd:
      need(4)
      return readArray(srcView.getUint32((pos += 4) - 4))
    case 0xde:
      need(2)
      return readObject(srcView.getUint16((pos += 2) - 2))
    case 0xdf:
      need(4)
      return readObject(srcView.getUint32((pos += 4) - 4))
    default:
      throw stop
  }
}

function readObject(n: number): Record<string, unknown> {
  const object: Record<string, unknown> = {}
  for (let i = 0; i < n; i++) {
    const key = readKey()
    if (key === '__proto__') throw stop
    object[key] = read()
  }
  return object
}

// Keys repeat from entry to entry: a short ASCII key is taken from this cache when its bytes match,
// so objects are built with the same (internalized) key strings each time, which is most of the
// cost of reading an entry otherwise.
const keyCache: (string | undefined)[] = new Array<string | undefined>(256).fill(undefined)

function readKey(): string {
  need(1)
  const b = src[pos]!
  if (b < 0xa0 || b >= 0xc0) {
    const key = read()
    if (typeof key !== 'string') throw stop
    return key
  }
  const n = b & 0x1f
  need(1 + n)
  const start = pos + 1
  let hash = n
  for (let i = start; i < start + n; i++) hash = (hash * 31 + src[i]!) | 0
  const slot = hash & 0xff
  const cached = keyCache[slot]
  if (cached !== undefined && cached.length === n && sameAscii(cached, start)) {
    pos = start + n
    return cached
  }
  pos++
  const key = readString(n)
  keyCache[slot] = key
  return key
}

function sameAscii(text: string, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== src[start + i]) return false
  return true
}

function readArray(n: number): unknown[] {
  // Each element takes a byte at least: a count the bytes cannot hold allocates nothing.
  need(n)
  const array = new Array<unknown>(n)
  for (let i = 0; i < n; i++) array[i] = read()
  return array
}

function readBytes(n: number): Uint8Array {
  need(n)
  // A copy, of the class of the bytes read (a Buffer from a Buffer), as msgpackr's copyBuffers.
  return Uint8Array.prototype.slice.call(src, pos, (pos += n))
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function readString(n: number): string {
  need(n)
  const start = pos
  pos += n
  if (n < 16) {
    let text = ''
    for (let i = start; i < pos; i++) {
      const c = src[i]!
      if (c >= 0x80) return utf8.decode(src.subarray(start, pos))
      text += String.fromCharCode(c)
    }
    return text
  }
  return utf8.decode(src.subarray(start, pos))
}
