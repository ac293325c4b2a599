/**
 * The member configuration between the ZAB core and the disk: how it is stored (checked on the
 * way back in, since a disk is an input like a socket), and how a reconfig entry of the log is
 * recognised when the log is read at start-up.
 * @module
 */
import { decodeTxnEntry, decodeValue, encodeValue } from '../txn/codec.js'
import { memberConfigProblem, type LogEntry, type MemberConfig } from '../zab/index.js'

/** Encodes a configuration for `Storage.setMemberConfig`. */
export function encodeMemberConfig(config: MemberConfig): Uint8Array {
  return encodeValue({ version: config.version, voters: [...config.voters], observers: [...config.observers], text: config.text })
}

/** Decodes what {@link encodeMemberConfig} wrote; throws with the reason when it is not a configuration. */
export function decodeMemberConfig(bytes: Uint8Array): MemberConfig {
  let value: unknown
  try {
    value = decodeValue(bytes)
  } catch (error) {
    throw new TypeError(`the stored member configuration does not decode: ${error instanceof Error ? error.message : String(error)}`)
  }
  const problem = memberConfigProblem(value)
  if (problem !== undefined) throw new TypeError(`the stored member configuration is not valid: ${problem}`)
  return value as MemberConfig
}

// The type tag as msgpack writes it (a fixstr of 8 bytes): entries without it are not reconfigs,
// and the scan is far cheaper than decoding every entry of the log.
const reconfigTag = new Uint8Array([0xa8, ...new TextEncoder().encode('reconfig')])

/** The log entry as the core restores it: with its configuration when it is a reconfig. */
export function restoredEntry(zxid: number, data: Uint8Array): LogEntry {
  if (Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(reconfigTag) < 0) return { zxid, data }
  const { txn } = decodeTxnEntry(data)
  if (txn.type !== 'reconfig') return { zxid, data }
  return { zxid, data, config: { version: zxid, voters: txn.voters, observers: txn.observers, text: txn.text } }
}
