/**
 * Keys and values as they lie in LevelDB.
 *
 * Keys sort by zxid, so a range read is a log read: `log/<zxid as 16 hex>`,
 * `snap/<zxid as 16 hex>/<chunk index as 8 hex>`, `meta/snapshot/<zxid as 16 hex>` (the marker
 * that says a snapshot is complete), `meta/acceptedEpoch`, `meta/currentEpoch`.
 *
 * Every value is a checksummed envelope: 4 bytes of CRC-32 (big-endian) over the rest, then a
 * msgpack array `[kind, formatVersion, ...fields]`. The record repeats its zxid (and chunk index)
 * so that a value stored under the wrong key is caught as well as a torn or flipped one.
 * @module
 */
import { Buffer } from 'node:buffer'
// msgpackr's pure-JS entry: the package's main entry also loads its native string decoder
// (msgpackr-extract), which made importing msgpackr 30 ms slower; the records read in bulk are
// decoded by hand (lib/txn/msgpack.ts, the snapshot format), so the decoder bought nothing measurable.
import { FLOAT32_OPTIONS, Packr } from 'msgpackr/pack'
import { binHeadBytes, intBytes, putBinHead, putInt } from '../lib/txn/msgpack-forms.js'
import { crc32 } from './crc32.js'

/** The version written into every record; a reader refuses versions it does not know. */
const formatVersion = 1

// Every option is spelled out so that an upgrade of msgpackr cannot change what is on disk.
const packr = new Packr({
  useRecords: false,
  structures: [],
  moreTypes: false,
  structuredClone: false,
  sequential: false,
  bundleStrings: false,
  mapsAsObjects: true,
  variableMapSize: false,
  coercibleKeyAsNumber: false,
  copyBuffers: false,
  useFloat32: FLOAT32_OPTIONS.NEVER,
  useTimestamp32: false,
  largeBigIntToFloat: false,
  largeBigIntToString: false,
  useBigIntExtension: false,
  int64AsType: 'number',
  encodeUndefinedAsNil: false,
  mapAsEmptyObject: false,
  setAsEmptyObject: false,
  allowArraysInMapKeys: false,
  useToJSON: false,
})

const zxidHexDigits = 16
const chunkIndexHexDigits = 8

/** First key of the log range and the key just past it ('0' follows '/'). */
export const logKeyFirst = 'log/'
export const logKeyEnd = 'log0'
export const snapKeyFirst = 'snap/'
export const snapKeyEnd = 'snap0'
export const snapshotMarkerKeyFirst = 'meta/snapshot/'
export const snapshotMarkerKeyEnd = 'meta/snapshot0'
export const acceptedEpochKey = 'meta/acceptedEpoch'
export const currentEpochKey = 'meta/currentEpoch'
/** The member's active ensemble configuration (opaque to the storage). */
export const memberConfigKey = 'meta/memberConfig'
/** The zxid at or below which the log was removed (a purge, or the history a leader's snapshot replaced). */
export const logRemovedThroughKey = 'meta/logRemovedThrough'

/** Formats a zxid as 16 lowercase hex digits, for keys and log lines. */
export function zxidHex(zxid: number): string {
  return zxid.toString(16).padStart(zxidHexDigits, '0')
}

export function logKey(zxid: number): string {
  return logKeyFirst + zxidHex(zxid)
}

/** The prefix of every chunk key of the snapshot at `zxid`; `snapPrefixEnd` is just past it. */
export function snapPrefix(zxid: number): string {
  return `${snapKeyFirst}${zxidHex(zxid)}/`
}

export function snapPrefixEnd(zxid: number): string {
  return `${snapKeyFirst}${zxidHex(zxid)}0`
}

export function chunkKey(zxid: number, index: number): string {
  return snapPrefix(zxid) + index.toString(16).padStart(chunkIndexHexDigits, '0')
}

export function snapshotMarkerKey(zxid: number): string {
  return snapshotMarkerKeyFirst + zxidHex(zxid)
}

/** Parses the zxid out of a `log/` or `meta/snapshot/` key; undefined when the key is malformed. */
export function zxidOfKey(key: string, prefix: string): number | undefined {
  if (key.length !== prefix.length + zxidHexDigits || !key.startsWith(prefix)) return undefined
  // Exactly 16 lowercase hex digits (recovery parses every log key, so no regex and no slice).
  let zxid = 0
  for (let i = prefix.length; i < key.length; i++) {
    const c = key.charCodeAt(i)
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x61 + 10 : -1
    if (digit < 0) return undefined
    zxid = zxid * 16 + digit
  }
  return Number.isSafeInteger(zxid) ? zxid : undefined
}

/** A decoded record, or the reason it could not be decoded. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string }

function seal(fields: unknown[]): Uint8Array {
  const body = packr.pack(fields)
  const out = new Uint8Array(4 + body.length)
  out.set(body, 4)
  new DataView(out.buffer).setUint32(0, crc32(body), false)
  return out
}

function open(value: Uint8Array, kind: string, fieldCount: number): Decoded<unknown[]> {
  if (value.length < 5) return { ok: false, reason: `value is ${value.length} bytes, too short for a record` }
  const stored = new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0, false)
  const body = value.subarray(4)
  const computed = crc32(body)
  if (stored !== computed) {
    return { ok: false, reason: `checksum mismatch (stored ${hex32(stored)}, computed ${hex32(computed)})` }
  }
  let fields: unknown
  try {
    fields = packr.unpack(body)
  } catch (err) {
    return { ok: false, reason: `msgpack decoding failed: ${(err as Error).message}` }
  }
  if (!Array.isArray(fields) || fields.length !== fieldCount + 2 || fields[0] !== kind) {
    return { ok: false, reason: `not a ${kind} record` }
  }
  if (fields[1] !== formatVersion) return { ok: false, reason: `unknown ${kind} record version ${String(fields[1])}` }
  return { ok: true, value: fields.slice(2) }
}

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

/** A plain Uint8Array view (not a Buffer subclass) over the same bytes. */
function plainBytes(v: Uint8Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
}

/**
 * The record `['log', version, zxid, data]`, byte for byte as {@link seal} makes it, written
 * straight into one buffer: every durable write makes one, and going through the Packr copied
 * the data twice and took about a twentieth of a durable server's thread under load. The zxid
 * takes msgpack's smallest form for it (as the Packr writes a safe integer), the data a bin 8,
 * 16 or 32 by its length.
 */
export function encodeLogRecord(zxid: number, data: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(zxid) || zxid < 0) throw new RangeError(`log record zxid must be a safe integer >= 0, got ${zxid}`)
  // A buffer of its own, not a slice of Node's pool: an in-memory database keeps the value itself
  // for as long as the entry is logged, and a slice would keep its whole pool alive. Every byte
  // is written below, so it is not zeroed first.
  const out = Buffer.allocUnsafeSlow(4 + logBodyStart.length + intBytes(zxid) + binHeadBytes(data.length) + data.length)
  out.set(logBodyStart, 4)
  const at = putBinHead(out, putInt(out, 4 + logBodyStart.length, zxid), data.length)
  out.set(data, at)
  out.writeUInt32BE(crc32(out.subarray(4)), 0)
  return out
}

/** Decodes a log record and checks that it belongs under the key of `expectedZxid`. */
export function decodeLogRecord(value: Uint8Array, expectedZxid: number): Decoded<Uint8Array> {
  const fast = decodeLogRecordFast(value, expectedZxid)
  if (fast !== undefined) return { ok: true, value: fast }
  const r = open(value, 'log', 2)
  if (!r.ok) return r
  const [zxid, data] = r.value
  if (zxid !== expectedZxid) return { ok: false, reason: `record holds zxid ${String(zxid)}, not ${expectedZxid}` }
  if (!(data instanceof Uint8Array)) return { ok: false, reason: 'record data is not bytes' }
  return { ok: true, value: plainBytes(data) }
}

/** The msgpack bytes that start every log record's body: a 4-array, the string 'log', version 1. */
const logBodyStart = [0x94, 0xa3, 0x6c, 0x6f, 0x67, formatVersion] as const

/**
 * The log record data when `value` is exactly what {@link encodeLogRecord} writes for
 * `expectedZxid`, with a good checksum; undefined otherwise, and then the general decoder decides
 * and says why. Recovery checks every record of the log, so this is its hot loop; it accepts only
 * records the general decoder would accept with the same result.
 */
function decodeLogRecordFast(value: Uint8Array, expectedZxid: number): Uint8Array | undefined {
  const length = value.length
  if (length < 4 + logBodyStart.length + 2) return undefined
  const view = new DataView(value.buffer, value.byteOffset, length)
  for (let i = 0; i < logBodyStart.length; i++) if (value[4 + i] !== logBodyStart[i]) return undefined
  let at = 4 + logBodyStart.length
  // The zxid as msgpackr writes a safe integer: fixint, uint8/16/32, or float64 above 2^32.
  let zxid: number
  const tag = value[at]!
  if (tag < 0x80) {
    zxid = tag
    at += 1
  } else if (tag === 0xcc && at + 2 <= length) {
    zxid = value[at + 1]!
    at += 2
  } else if (tag === 0xcd && at + 3 <= length) {
    zxid = view.getUint16(at + 1)
    at += 3
  } else if (tag === 0xce && at + 5 <= length) {
    zxid = view.getUint32(at + 1)
    at += 5
  } else if (tag === 0xcb && at + 9 <= length) {
    zxid = view.getFloat64(at + 1)
    at += 9
  } else {
    return undefined
  }
  if (zxid !== expectedZxid || at >= length) return undefined
  // The data as a msgpack bin that ends the record exactly.
  let dataLength: number
  const bin = value[at]!
  if (bin === 0xc4 && at + 2 <= length) {
    dataLength = value[at + 1]!
    at += 2
  } else if (bin === 0xc5 && at + 3 <= length) {
    dataLength = view.getUint16(at + 1)
    at += 3
  } else if (bin === 0xc6 && at + 5 <= length) {
    dataLength = view.getUint32(at + 1)
    at += 5
  } else {
    return undefined
  }
  if (at + dataLength !== length) return undefined
  if (view.getUint32(0, false) !== crc32(value.subarray(4))) return undefined
  return new Uint8Array(value.buffer, value.byteOffset + at, dataLength)
}

/** The msgpack bytes that start every chunk record's body: a 5-array, the string 'chunk', version 1. */
const chunkBodyStart = [0x95, 0xa5, 0x63, 0x68, 0x75, 0x6e, 0x6b, formatVersion] as const

/**
 * The record `['chunk', version, zxid, index, data]` as {@link seal} would make it, written
 * straight into one buffer: a snapshot writes hundreds of megabytes of chunks, and this copies
 * each once instead of twice (the zxid as a msgpack float64, the index as a uint32, the data as a
 * bin 32; msgpack decodes them to the same values).
 */
export function encodeChunkRecord(zxid: number, index: number, data: Uint8Array): Uint8Array {
  const headerBytes = chunkBodyStart.length + 9 + 5 + 5
  const out = new Uint8Array(4 + headerBytes + data.length)
  const view = new DataView(out.buffer)
  out.set(chunkBodyStart, 4)
  let at = 4 + chunkBodyStart.length
  out[at] = 0xcb
  view.setFloat64(at + 1, zxid)
  out[at + 9] = 0xce
  view.setUint32(at + 10, index)
  out[at + 14] = 0xc6
  view.setUint32(at + 15, data.length)
  at += 19
  out.set(data, at)
  view.setUint32(0, crc32(out.subarray(4)), false)
  return out
}

export function decodeChunkRecord(value: Uint8Array, zxid: number, index: number): Decoded<Uint8Array> {
  const r = open(value, 'chunk', 3)
  if (!r.ok) return r
  const [z, i, data] = r.value
  if (z !== zxid || i !== index) {
    return { ok: false, reason: `record is chunk ${String(i)} of snapshot ${String(z)}, not chunk ${index} of ${zxid}` }
  }
  if (!(data instanceof Uint8Array)) return { ok: false, reason: 'chunk data is not bytes' }
  return { ok: true, value: plainBytes(data) }
}

/** What the completion marker of a snapshot records. */
export interface SnapshotMarker {
  zxid: number
  chunkCount: number
  byteCount: number
}

export function encodeSnapshotMarker(m: SnapshotMarker): Uint8Array {
  return seal(['snapshot', formatVersion, m.zxid, m.chunkCount, m.byteCount])
}

export function decodeSnapshotMarker(value: Uint8Array, expectedZxid: number): Decoded<SnapshotMarker> {
  const r = open(value, 'snapshot', 3)
  if (!r.ok) return r
  const [zxid, chunkCount, byteCount] = r.value
  if (zxid !== expectedZxid) return { ok: false, reason: `marker holds zxid ${String(zxid)}, not ${expectedZxid}` }
  if (!isCount(chunkCount) || !isCount(byteCount)) return { ok: false, reason: 'marker counts are not integers' }
  return { ok: true, value: { zxid: expectedZxid, chunkCount, byteCount } }
}

export function encodeEpochRecord(epoch: number): Uint8Array {
  return seal(['epoch', formatVersion, epoch])
}

/** A checksummed record of opaque bytes (the member configuration). */
export function encodeBytesRecord(bytes: Uint8Array): Uint8Array {
  return seal(['bytes', formatVersion, bytes])
}

/** Reads a record written by {@link encodeBytesRecord}. */
export function decodeBytesRecord(value: Uint8Array): Decoded<Uint8Array> {
  const r = open(value, 'bytes', 1)
  if (!r.ok) return r
  const [bytes] = r.value
  if (!(bytes instanceof Uint8Array)) return { ok: false, reason: 'the value is not bytes' }
  return { ok: true, value: plainBytes(bytes) }
}

/** A checksummed record of one zxid (where the log was cut). */
export function encodeZxidRecord(zxid: number): Uint8Array {
  return seal(['zxid', formatVersion, zxid])
}

/** Reads a record written by {@link encodeZxidRecord}. */
export function decodeZxidRecord(value: Uint8Array): Decoded<number> {
  const r = open(value, 'zxid', 1)
  if (!r.ok) return r
  const [zxid] = r.value
  if (!isCount(zxid)) return { ok: false, reason: 'zxid is not an integer' }
  return { ok: true, value: zxid }
}

export function decodeEpochRecord(value: Uint8Array): Decoded<number> {
  const r = open(value, 'epoch', 1)
  if (!r.ok) return r
  const [epoch] = r.value
  if (!isCount(epoch)) return { ok: false, reason: 'epoch is not an integer' }
  return { ok: true, value: epoch }
}
