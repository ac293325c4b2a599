/**
 * Jute's binary archive: the primitive encoding under every ZooKeeper client-protocol record.
 *
 * Encoding (apache/zookeeper `BinaryOutputArchive` / `BinaryInputArchive`): `int` is 4 bytes
 * big-endian, `long` 8 bytes big-endian, `boolean` one byte, `buffer` an int length then the bytes
 * (-1 = null), `ustring` an int length then UTF-8 (-1 = null), `vector` an int count (-1 = null)
 * then the elements, and a record its fields in declaration order with no tags or padding.
 *
 * {@link JuteReader} reads hostile input safely: every claimed length is checked against the bytes
 * that remain and against `jute.maxbuffer` before anything is allocated, and every failure is a
 * {@link JuteDecodeError}, never a `RangeError` from inside. {@link JuteWriter} is the server's hot
 * path: one growable slab, no allocation per field, finished frames handed out as views.
 * @module
 */

import { ZooKeeperError } from '../errors.js'
import { juteMaxBufferBytes, juteWriterSlabBytesDefault } from '../limits.js'

/** Why a decode failed; the connection is closed or the request answered MARSHALLINGERROR. */
export type JuteDecodeReason =
  /** The input ended inside a field. */
  | 'truncated'
  /** A length or count is negative (other than -1 for null) or over `jute.maxbuffer`. */
  | 'badLength'
  /** A long that must be a JS number (zxid, time) is not a safe integer. */
  | 'unsafeInteger'
  /** The bytes are well formed but not a valid record (bad multi framing, a wrong op kind). */
  | 'invalid'
  /** The request header names an opcode this codec does not know. */
  | 'unknownOpCode'
  /** A frame's 4-byte length prefix is negative or over `jute.maxbuffer`. */
  | 'frameLength'

/**
 * The one error every decoder in lib/wire throws for bad input: a {@link ZooKeeperError} with code
 * `MARSHALLINGERROR` (-5) and a {@link JuteDecodeReason}.
 */
export class JuteDecodeError extends ZooKeeperError {
  /** What was wrong with the input. */
  readonly reason: JuteDecodeReason

  /** Creates a decode error; `message` should name the field and the offending value. */
  constructor(reason: JuteDecodeReason, message: string) {
    super('MARSHALLINGERROR', { message })
    this.name = 'JuteDecodeError'
    this.reason = reason
  }
}

const twoPow32 = 4294967296
const utf8Decoder = new TextDecoder('utf-8')

/** Options shared by readers and decoders. */
export interface JuteReadOptions {
  /**
   * The largest length (bytes of a buffer or string, elements of a vector) accepted, in bytes.
   * @defaultValue `juteMaxBufferBytes` (0xfffff, ZooKeeper's `jute.maxbuffer`)
   */
  maxBufferBytes?: number
}

/**
 * Reads jute primitives from one byte array. Lengths are validated before use; reads past the end
 * throw {@link JuteDecodeError} `truncated`. Buffers are copied out, so results never alias the input.
 */
export class JuteReader {
  private readonly bytes: Uint8Array
  private pos: number
  private readonly end: number
  private readonly maxBufferBytes: number

  /** Reads `bytes` from the start. */
  constructor(bytes: Uint8Array, options: JuteReadOptions = {}) {
    this.bytes = bytes
    this.pos = 0
    this.end = bytes.length
    this.maxBufferBytes = options.maxBufferBytes ?? juteMaxBufferBytes
  }

  /** The read position, in bytes from the start. */
  get offset(): number {
    return this.pos
  }

  /** The bytes not yet read. */
  get remaining(): number {
    return this.end - this.pos
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new JuteDecodeError('truncated', `truncated ${what}: need ${n} bytes at offset ${this.pos}, have ${this.end - this.pos}`)
    }
  }

  /** Reads a jute `int` (4 bytes, big-endian, signed). */
  readInt(what = 'int'): number {
    this.need(4, what)
    const b = this.bytes
    const p = this.pos
    this.pos = p + 4
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!)
  }

  /** Reads a jute `long` exactly, as a bigint (session ids, TTLs). */
  readLong(what = 'long'): bigint {
    this.need(8, what)
    const hi = this.readInt(what)
    const lo = this.readInt(what) >>> 0
    return (BigInt(hi) << 32n) + BigInt(lo)
  }

  /**
   * Reads a jute `long` that must fit a JS number (zxids, times): throws {@link JuteDecodeError}
   * `unsafeInteger` when it is outside ±(2^53 - 1).
   */
  readLongNumber(what = 'long'): number {
    this.need(8, what)
    const hi = this.readInt(what)
    const lo = this.readInt(what) >>> 0
    const value = hi * twoPow32 + lo
    if (!Number.isSafeInteger(value)) {
      throw new JuteDecodeError('unsafeInteger', `${what} is outside the safe integer range (high word ${hi})`)
    }
    return value
  }

  /** Reads a jute `boolean`: one byte, any non-zero value is true (as Java's `DataInput.readBoolean`). */
  readBool(what = 'boolean'): boolean {
    this.need(1, what)
    return this.bytes[this.pos++] !== 0
  }

  /** Reads and validates a length or count prefix; returns -1 for null. */
  private readLength(what: string, minElementBytes: number): number {
    const len = this.readInt(what)
    if (len === -1) return -1
    if (len < 0 || len > this.maxBufferBytes) {
      throw new JuteDecodeError('badLength', `unreasonable length ${len} for ${what} (jute.maxbuffer is ${this.maxBufferBytes})`)
    }
    // A count of n elements needs at least n * minElementBytes bytes; checking before the loop keeps
    // a hostile count from driving allocation or iteration past what the input can hold.
    if (len * minElementBytes > this.end - this.pos) {
      throw new JuteDecodeError('truncated', `truncated ${what}: claims ${len}, ${this.end - this.pos} bytes remain`)
    }
    return len
  }

  /** Reads a jute `buffer`; null (-1) is returned as null. The bytes are copied. */
  readBufferOrNull(what = 'buffer'): Uint8Array | null {
    const len = this.readLength(what, 1)
    return len === -1 ? null : this.readBytes(len, what)
  }

  /**
   * Reads `length` raw bytes with no length prefix (a field whose length came before it, as in
   * ZooKeeper's election messages); throws {@link JuteDecodeError} `truncated` when fewer remain.
   * The bytes are copied.
   */
  readBytes(length: number, what = 'bytes'): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) throw new TypeError(`readBytes: not a length: ${length}`)
    this.need(length, what)
    // A plain Uint8Array even when the input is a Buffer, so decoded records look the same either way.
    const out = new Uint8Array(length)
    out.set(this.bytes.subarray(this.pos, this.pos + length))
    this.pos += length
    return out
  }

  /** Reads a jute `buffer`; null reads as an empty array. The bytes are copied. */
  readBuffer(what = 'buffer'): Uint8Array {
    return this.readBufferOrNull(what) ?? new Uint8Array(0)
  }

  /**
   * Reads a jute `ustring`; null (-1) is returned as null. Accepts standard UTF-8 and the CESU-8
   * form Java writes for characters outside the BMP (each surrogate as its own 3-byte sequence).
   * Invalid sequences decode as U+FFFD, as Java's decoder does.
   */
  readUStringOrNull(what = 'ustring'): string | null {
    const len = this.readLength(what, 1)
    if (len === -1) return null
    const start = this.pos
    this.pos = start + len
    return decodeJavaUtf8(this.bytes, start, start + len)
  }

  /** Reads a jute `ustring`; null reads as the empty string. */
  readUString(what = 'ustring'): string {
    return this.readUStringOrNull(what) ?? ''
  }

  /**
   * Reads a jute `vector` count; -1 (null) is returned as -1. `minElementBytes` is the smallest
   * encoding of one element (4 for a ustring, 1 at least) and bounds the count by the input left.
   */
  readVectorCount(what = 'vector', minElementBytes = 1): number {
    return this.readLength(what, Math.max(1, minElementBytes))
  }

  /** Reads a `vector<ustring>`; null reads as an empty array. */
  readUStringVector(what = 'vector<ustring>'): string[] {
    const n = this.readVectorCount(what, 4)
    const out: string[] = []
    for (let i = 0; i < n; i++) out.push(this.readUString(what))
    return out
  }
}

/** Decodes UTF-8, also accepting Java's CESU-8 surrogates; invalid bytes become U+FFFD. */
export function decodeJavaUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 24) {
    // Short ASCII strings (most paths and path components) are cheaper by hand than via TextDecoder.
    let ascii = ''
    let i = start
    for (; i < end; i++) {
      const c = bytes[i]!
      if (c >= 0x80) break
      ascii += String.fromCharCode(c)
    }
    if (i === end) return ascii
  }
  const text = utf8Decoder.decode(bytes.subarray(start, end))
  // The standard decoder turns a CESU-8 surrogate into U+FFFD; only then is the slow path needed.
  if (!text.includes('\uFFFD')) return text
  return decodeCesu8(bytes, start, end)
}

function decodeCesu8(bytes: Uint8Array, start: number, end: number): string {
  const units: number[] = []
  let i = start
  while (i < end) {
    const b0 = bytes[i]!
    const cont = (k: number): number => {
      const b = i + k < end ? bytes[i + k]! : 0
      return (b & 0xc0) === 0x80 ? b & 0x3f : -1
    }
    if (b0 < 0x80) {
      units.push(b0)
      i += 1
    } else if (b0 >= 0xc2 && b0 < 0xe0 && cont(1) >= 0) {
      units.push(((b0 & 0x1f) << 6) | cont(1))
      i += 2
    } else if (b0 >= 0xe0 && b0 < 0xf0 && cont(1) >= 0 && cont(2) >= 0) {
      // Includes ED A0..BF xx: a UTF-16 surrogate as Java writes it, kept as one code unit.
      const cp = ((b0 & 0x0f) << 12) | (cont(1) << 6) | cont(2)
      if (cp < 0x800) units.push(0xfffd)
      else units.push(cp)
      i += 3
    } else if (b0 >= 0xf0 && b0 < 0xf5 && cont(1) >= 0 && cont(2) >= 0 && cont(3) >= 0) {
      const cp = ((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3)
      if (cp < 0x10000 || cp > 0x10ffff) {
        units.push(0xfffd)
      } else {
        const v = cp - 0x10000
        units.push(0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff))
      }
      i += 4
    } else {
      units.push(0xfffd)
      i += 1
    }
  }
  let out = ''
  for (let k = 0; k < units.length; k += 4096) {
    out += String.fromCharCode(...units.slice(k, k + 4096))
  }
  return out
}

/** Options for {@link JuteWriter}. */
export interface JuteWriterOptions {
  /**
   * Bytes of each slab the writer allocates; a frame larger than this gets a slab of its own.
   * @defaultValue `juteWriterSlabBytesDefault` (65536)
   */
  slabBytes?: number
}

/**
 * Writes jute primitives into a growable slab. Frames are written back to back and handed out by
 * {@link JuteWriter.finish} as views that the writer never overwrites, so a socket may hold them
 * while the writer goes on; when a slab is full the writer starts a new one.
 *
 * Strings are written as standard UTF-8 (4 bytes for a character outside the BMP), which Java's
 * reader accepts; Java itself would write CESU-8. A lone surrogate is written as U+FFFD.
 */
export class JuteWriter {
  private buf: Buffer
  private start = 0
  private pos = 0
  private frameStart = -1
  private readonly slabBytes: number

  /** Creates a writer with one empty slab. */
  constructor(options: JuteWriterOptions = {}) {
    this.slabBytes = options.slabBytes ?? juteWriterSlabBytesDefault
    this.buf = Buffer.allocUnsafe(this.slabBytes)
  }

  /** Bytes written since the last {@link JuteWriter.finish}. */
  get length(): number {
    return this.pos - this.start
  }

  /** Makes room for `n` more bytes, moving the unfinished bytes to a new slab if needed. */
  private ensure(n: number): void {
    if (this.buf.length - this.pos >= n) return
    const pending = this.pos - this.start
    const size = Math.max(this.slabBytes, (pending + n) * 2)
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, this.start, this.pos)
    if (this.frameStart >= 0) this.frameStart -= this.start
    this.buf = next
    this.start = 0
    this.pos = pending
  }

  /** Writes a jute `int`; `value` must be an int32 (programmer error otherwise). */
  writeInt(value: number): this {
    if ((value | 0) !== value) throw new TypeError(`not an int32: ${value}`)
    this.ensure(4)
    const b = this.buf
    const p = this.pos
    b[p] = value >>> 24
    b[p + 1] = value >>> 16
    b[p + 2] = value >>> 8
    b[p + 3] = value
    this.pos = p + 4
    return this
  }

  /** Writes a jute `long` exactly from a bigint (session ids); must fit a signed 64-bit integer. */
  writeLong(value: bigint): this {
    this.ensure(8)
    this.buf.writeBigInt64BE(value, this.pos)
    this.pos += 8
    return this
  }

  /** Writes a jute `long` from a safe-integer JS number (zxids, times). */
  writeLongNumber(value: number): this {
    if (!Number.isSafeInteger(value)) throw new TypeError(`not a safe integer: ${value}`)
    const hi = Math.floor(value / twoPow32)
    const lo = value - hi * twoPow32
    this.writeInt(hi | 0)
    return this.writeInt(lo | 0)
  }

  /** Writes a jute `boolean` as one byte, 1 or 0. */
  writeBool(value: boolean): this {
    this.ensure(1)
    this.buf[this.pos++] = value ? 1 : 0
    return this
  }

  /** Writes a jute `buffer`; null is written as length -1. */
  writeBuffer(value: Uint8Array | null): this {
    if (value === null) return this.writeInt(-1)
    this.writeInt(value.length)
    this.ensure(value.length)
    this.buf.set(value, this.pos)
    this.pos += value.length
    return this
  }

  /** Writes a jute `ustring` as standard UTF-8; null is written as length -1. */
  writeUString(value: string | null): this {
    if (value === null) return this.writeInt(-1)
    // One UTF-16 code unit is at most 3 UTF-8 bytes; write the text first, then its length.
    this.ensure(4 + value.length * 3)
    const lenAt = this.pos
    const written = value.length === 0 ? 0 : this.buf.write(value, lenAt + 4, 'utf8')
    this.pos = lenAt
    this.writeInt(written)
    this.pos = lenAt + 4 + written
    return this
  }

  /** Writes a `vector` count; null is written as -1. */
  writeVectorCount(count: number | null): this {
    return this.writeInt(count ?? -1)
  }

  /** Writes a `vector<ustring>`; null is written as count -1. */
  writeUStringVector(values: readonly string[] | null): this {
    if (values === null) return this.writeInt(-1)
    this.writeInt(values.length)
    for (const v of values) this.writeUString(v)
    return this
  }

  /** Starts a length-prefixed frame: reserves the 4-byte length that {@link JuteWriter.endFrame} fills in. */
  beginFrame(): this {
    if (this.frameStart >= 0) throw new TypeError('beginFrame: a frame is already open')
    this.ensure(4)
    this.frameStart = this.pos
    this.pos += 4
    return this
  }

  /** Ends the open frame, writing its payload length into the prefix. */
  endFrame(): this {
    const at = this.frameStart
    if (at < 0) throw new TypeError('endFrame: no frame is open')
    const len = this.pos - at - 4
    const b = this.buf
    b[at] = len >>> 24
    b[at + 1] = len >>> 16
    b[at + 2] = len >>> 8
    b[at + 3] = len
    this.frameStart = -1
    return this
  }

  /** Bytes written into the open frame after its length prefix; 0 when no frame is open. */
  get frameBytes(): number {
    return this.frameStart < 0 ? 0 : this.pos - this.frameStart - 4
  }

  /** Drops the open frame and everything written into it, as if it had never been begun. */
  abandonFrame(): this {
    const at = this.frameStart
    if (at < 0) throw new TypeError('abandonFrame: no frame is open')
    this.pos = at
    this.frameStart = -1
    // A slab grown for a frame that was then refused (a reply over the client's limit) is not
    // kept: the connection would hold it for as long as it stays open.
    if (this.buf.length > this.slabBytes) this.shrink()
    return this
  }

  /** Moves the unfinished bytes to a slab of the usual size (or just big enough for them). */
  private shrink(): void {
    const pending = this.pos - this.start
    const next = Buffer.allocUnsafe(Math.max(this.slabBytes, pending * 2))
    this.buf.copy(next, 0, this.start, this.pos)
    this.buf = next
    this.start = 0
    this.pos = pending
  }

  /** Bytes of the slab the writer holds now (for tests of its bounds). */
  get slabLength(): number {
    return this.buf.length
  }

  /**
   * Returns everything written since the last call, as a view the writer will not touch again, and
   * starts afresh after it.
   */
  finish(): Buffer {
    if (this.frameStart >= 0) throw new TypeError('finish: a frame is still open')
    const out = this.buf.subarray(this.start, this.pos)
    this.start = this.pos
    // Leave small slab tails behind: the next write would only move to a new slab anyway. A slab
    // grown for one big frame goes with it (the view handed out keeps it alive until sent).
    if (this.buf.length - this.pos < 64 || this.buf.length > this.slabBytes) {
      this.buf = Buffer.allocUnsafe(this.slabBytes)
      this.start = 0
      this.pos = 0
    }
    return out
  }
}
