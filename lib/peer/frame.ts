/**
 * The frames of the TCP peer transport: a 4-byte big-endian length, then the message as msgpack
 * (the transaction codec's Packr). The messages a leader sends for every transaction (PROPOSAL to
 * each follower, COMMIT) and a follower's ACK are written here by hand, byte for byte as the Packr
 * writes them: encoding peer messages was a tenth of a busy leader's thread, and the Packr's
 * general walk over the object takes about four times as long for these as writing them here.
 * Every other message (and a PROPOSAL carrying a configuration) goes through the Packr. A receiver
 * cannot tell the two apart, so members with and without this code talk to one another.
 * @module
 */
import { Buffer } from 'node:buffer'
import { encodeValue } from '../txn/codec.js'
import { binHeadBytes, intBytes, putBinHead, putInt } from '../txn/msgpack-forms.js'
import type { Ack, Commit, Proposal } from '../zab/messages.js'

/** Encodes `value` as one frame: its length, then its msgpack bytes. */
export function encodeFrame(value: unknown): Buffer {
  return fastFrame(value) ?? packedFrame(value)
}

function packedFrame(value: unknown): Buffer {
  const body = encodeValue(value)
  const out = Buffer.allocUnsafe(4 + body.length)
  out.writeUInt32BE(body.length, 0)
  out.set(body, 4)
  return out
}

// What each hand-written frame starts with after its length: the map's header (0x80 + its entry
// count), the key "type" and the type's name, and the key "zxid"; then the keys that follow. All
// as msgpack fixstr.
const keyZxid = '\xa4zxid'
const starts = {
  PROPOSAL: Buffer.from(`\x84\xa4type\xa8PROPOSAL${keyZxid}`, 'latin1'),
  COMMIT: Buffer.from(`\x83\xa4type\xa6COMMIT${keyZxid}`, 'latin1'),
  ACK: Buffer.from(`\x83\xa4type\xa3ACK${keyZxid}`, 'latin1'),
} as const
const keyData = Buffer.from('\xa4data', 'latin1')
const keySession = Buffer.from('\xa7session', 'latin1')

interface Fields {
  readonly type?: unknown
  readonly zxid?: unknown
  readonly data?: unknown
  readonly session?: unknown
  readonly config?: unknown
}

/**
 * The frame of a PROPOSAL without a configuration, or of a COMMIT or an ACK, with safe-integer
 * numbers; undefined for anything else. Their keys are written in the order the ZAB core builds
 * them in (type, zxid, data, session), so the bytes are the Packr's for those objects.
 */
function fastFrame(value: unknown): Buffer | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const message = value as Fields
  const type = message.type
  if (type === 'PROPOSAL') return message.config === undefined ? proposalFrame(message) : undefined
  if (type === 'COMMIT' || type === 'ACK') return markFrame(starts[type], message)
  return undefined
}

// Every field of these messages is written, so a field added to one of them must be added here
// too: these fail to compile until then.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const proposalFieldsWritten: Same<keyof Proposal, 'type' | 'zxid' | 'data' | 'session' | 'config'> = true
const commitFieldsWritten: Same<keyof Commit, 'type' | 'zxid' | 'session'> = true
const ackFieldsWritten: Same<keyof Ack, 'type' | 'zxid' | 'session'> = true
void [proposalFieldsWritten, commitFieldsWritten, ackFieldsWritten]

function proposalFrame(message: Fields): Buffer | undefined {
  const { zxid, data, session } = message
  if (!isSafeInteger(zxid) || !isSafeInteger(session) || !(data instanceof Uint8Array)) return undefined
  const start = starts.PROPOSAL
  const length = start.length + intBytes(zxid) + keyData.length + binHeadBytes(data.length) + data.length + keySession.length + intBytes(session)
  const out = Buffer.allocUnsafe(4 + length)
  out.writeUInt32BE(length, 0)
  let at = putInt(out, put(out, 4, start), zxid)
  at = putBinHead(out, put(out, at, keyData), data.length)
  putInt(out, put(out, put(out, at, data), keySession), session)
  return out
}

function markFrame(start: Buffer, message: Fields): Buffer | undefined {
  const { zxid, session } = message
  if (!isSafeInteger(zxid) || !isSafeInteger(session)) return undefined
  const length = start.length + intBytes(zxid) + keySession.length + intBytes(session)
  const out = Buffer.allocUnsafe(4 + length)
  out.writeUInt32BE(length, 0)
  putInt(out, put(out, putInt(out, put(out, 4, start), zxid), keySession), session)
  return out
}

function isSafeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value)
}

// TypedArray.set rather than Buffer.copy: for parts of a few bytes the native call of copy costs
// more than the copying.
function put(out: Buffer, at: number, part: Uint8Array): number {
  out.set(part, at)
  return at + part.length
}
