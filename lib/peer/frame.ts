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
  const binHead = data.length < 0x100 ? 2 : data.length < 0x10000 ? 3 : 5
  const length = start.length + intBytes(zxid) + keyData.length + binHead + data.length + keySession.length + intBytes(session)
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

/** Bytes the Packr takes for a safe integer: the smallest int form that holds it, else a float64. */
function intBytes(value: number): number {
  if (value >= 0) return value < 0x80 ? 1 : value < 0x100 ? 2 : value < 0x10000 ? 3 : value <= 0xffffffff ? 5 : 9
  return value >= -32 ? 1 : value >= -0x80 ? 2 : value >= -0x8000 ? 3 : value >= -0x80000000 ? 5 : 9
}

function putInt(out: Buffer, at: number, value: number): number {
  const size = intBytes(value)
  if (size === 1) out[at] = value & 0xff // positive or negative fixint
  else if (size === 9) {
    out[at] = 0xcb
    out.writeDoubleBE(value, at + 1)
  } else if (value >= 0) {
    out[at] = size === 2 ? 0xcc : size === 3 ? 0xcd : 0xce
    out.writeUIntBE(value, at + 1, size - 1)
  } else {
    out[at] = size === 2 ? 0xd0 : size === 3 ? 0xd1 : 0xd2
    out.writeIntBE(value, at + 1, size - 1)
  }
  return at + size
}

function putBinHead(out: Buffer, at: number, length: number): number {
  if (length < 0x100) {
    out[at] = 0xc4
    out[at + 1] = length
    return at + 2
  }
  if (length < 0x10000) {
    out[at] = 0xc5
    out.writeUInt16BE(length, at + 1)
    return at + 3
  }
  out[at] = 0xc6
  out.writeUInt32BE(length, at + 1)
  return at + 5
}
