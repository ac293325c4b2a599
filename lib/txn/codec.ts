/**
 * The msgpackr codec for transaction entries: what the log stores and what ZAB carries as
 * opaque bytes. One Packr, every option spelled out, so the format never depends on defaults.
 * @module
 */
// msgpackr's pure-JS entry: the package's main entry also loads its native string decoder
// (msgpackr-extract), which made importing msgpackr 30 ms slower; the records read in bulk are
// decoded by hand (./msgpack.ts, the snapshot format), so the decoder bought nothing measurable.
import { Packr } from 'msgpackr/pack'
import { notPlain, packPlain, unpackPlain } from './msgpack.js'
import type { RestoreTxn, TxnEntry } from './types.js'

const packr = new Packr({
  // Plain maps, no record extension: the log must stay readable by any later version.
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  // Session ids are 64-bit; decode every 64-bit integer as a bigint so none loses precision.
  int64AsType: 'bigint',
  largeBigIntToFloat: false,
  useFloat32: 0,
  mapsAsObjects: true,
  bundleStrings: false,
  variableMapSize: true,
  copyBuffers: true,
})

/**
 * Encodes a transaction entry for the log and for replication: the bytes `packr` writes, by the
 * hand-written writer of ./msgpack.ts (msgpackr itself for anything that writer leaves to it).
 */
export function encodeTxnEntry(entry: TxnEntry): Uint8Array {
  if (entry.txn.type === 'restore') return encodeRestoreEntry(entry as TxnEntry & { txn: RestoreTxn })
  return packPlain(entry) ?? packr.pack(entry)
}

/**
 * Encodes a restore entry. Its `txn` key comes first, which no other entry's does (they start
 * with `header`), so {@link isRestoreEntry} tells one from its first bytes without decoding the
 * backup it carries.
 */
export function encodeRestoreEntry(entry: TxnEntry & { txn: RestoreTxn }): Uint8Array {
  const { txn, header, origin } = entry
  return packr.pack(origin === undefined ? { txn: { type: txn.type, backup: txn.backup }, header } : { txn: { type: txn.type, backup: txn.backup }, header, origin })
}

// A map of 2 or 3 keys, the key "txn", a map of 2 keys, the key "type" and the string "restore".
const restorePrefix = [0xa3, 0x74, 0x78, 0x6e, 0x82, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa7, 0x72, 0x65, 0x73, 0x74, 0x6f, 0x72, 0x65]

/** Whether `bytes` hold an entry written by {@link encodeRestoreEntry} (checks its first bytes only). */
export function isRestoreEntry(bytes: Uint8Array): boolean {
  if (bytes.length <= restorePrefix.length || (bytes[0] !== 0x82 && bytes[0] !== 0x83)) return false
  for (let i = 0; i < restorePrefix.length; i++) if (bytes[i + 1] !== restorePrefix[i]) return false
  return true
}

/** Decodes bytes written by {@link encodeTxnEntry}; throws on bytes that are not such an entry. */
export function decodeTxnEntry(bytes: Uint8Array): TxnEntry {
  const plain = unpackPlain(bytes)
  const value: unknown = plain === notPlain ? packr.unpack(bytes) : plain
  if (!isTxnEntry(value)) throw new TypeError('bytes do not hold a transaction entry')
  return value
}

function isTxnEntry(value: unknown): value is TxnEntry {
  if (typeof value !== 'object' || value === null) return false
  const { header, txn } = value as Partial<TxnEntry>
  return (
    typeof header === 'object' &&
    header !== null &&
    typeof header.zxid === 'number' &&
    typeof header.sessionId === 'bigint' &&
    typeof txn === 'object' &&
    txn !== null &&
    typeof txn.type === 'string'
  )
}

/** Encodes any plain value with the same Packr (snapshot chunks use it). */
export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value)
}

/** Decodes bytes written by {@link encodeValue}. */
export function decodeValue(bytes: Uint8Array): unknown {
  return packr.unpack(bytes)
}
