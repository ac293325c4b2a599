/**
 * The msgpackr codec for transaction entries: what the log stores and what ZAB carries as
 * opaque bytes. One Packr, every option spelled out, so the format never depends on defaults.
 * @module
 */
import { Packr } from 'msgpackr'
import type { TxnEntry } from './types.js'

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

/** Encodes a transaction entry for the log and for replication. */
export function encodeTxnEntry(entry: TxnEntry): Uint8Array {
  return packr.pack(entry)
}

/** Decodes bytes written by {@link encodeTxnEntry}; throws on bytes that are not such an entry. */
export function decodeTxnEntry(bytes: Uint8Array): TxnEntry {
  const value: unknown = packr.unpack(bytes)
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
