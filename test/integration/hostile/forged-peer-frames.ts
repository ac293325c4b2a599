// The forged peer messages of the hostile suite, one class per check a frame from a peer that
// passed its hello must fail: the frame decoder (garbage, nesting past the stack), the schema of
// lib/zab/validate.ts (type, fields, field types, ranges, epochs at 2^21 - 1), and the channel rule
// of Replication.receive; plus schema-valid discovery messages near the epoch limit, which a
// LOOKING member has no use for and must ignore. Every value is drawn from a seeded Prng.
import { encodeValue } from '../../../lib/txn/codec.js'
import { EPOCH_LIMIT, makeZxid } from '../../../lib/zab/index.js'
import type { Prng } from '../../../lib/testing/sim/prng.js'

/** A member's two peer ports (ZooKeeper's 2888 and 3888). */
export type Channel = 'quorum' | 'election'

/** One class of forged frames. */
export interface ForgeryClass {
  readonly kind: string
  /**
   * What the member logs when it refuses a frame of this class (and closes the connection);
   * undefined for a class it takes and ignores, keeping the connection open.
   */
  readonly refusal: RegExp | undefined
  /** How often it is drawn relative to the others (1 unless given): big frames cost time, not coverage. */
  readonly weight?: number
  /** A frame body of this class and the channel it goes on. */
  forge(rng: Prng): { channel: Channel; body: Uint8Array }
}

/** The first epoch no message may carry (lib/zab/validate.ts MESSAGE_EPOCH_LIMIT): 2^21 - 1. */
const epochRefused = EPOCH_LIMIT - 1
/** The largest epoch a message may carry. */
const epochLast = EPOCH_LIMIT - 2
/** Frame bodies past the hello limit (256 bytes) and far below peerFrameBytesMax (512 MiB), in bytes. */
const oversizedBytesMin = 1024 * 1024
const oversizedBytesMax = 8 * 1024 * 1024

/** A hello as lib/peer/tcp.ts builds it (its `frame` and `handshakeTag` are not exported). */
export function hello(id: unknown, tag: unknown = 'paddock-peer/1'): Buffer {
  return framed(encodeValue({ tag, id }))
}

/** A frame as lib/peer/tcp.ts writes one: a 4-byte big-endian length, then the body. */
export function framed(body: Uint8Array): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(body.length, 0)
  return Buffer.concat([head, body])
}

const either = (rng: Prng): Channel => (rng.chance(0.5) ? 'quorum' : 'election')
const value = (rng: Prng, message: unknown, channel: Channel = either(rng)) => ({ channel, body: encodeValue(message) })
const bytes = (rng: Prng, max: number): Uint8Array => Uint8Array.from({ length: rng.int(0, max) }, () => rng.int(0, 255))
/** A LOOKING vote that the schema takes (member 2 voting for itself). */
const vote = { type: 'NOTIFICATION', state: 'LOOKING', leader: 2, zxid: 0, electionEpoch: 1, peerEpoch: 0 }

/** A frame of each class goes out once in this order, then classes are drawn at random. */
export const forgeryClasses: readonly ForgeryClass[] = [
  {
    kind: 'unknown message type',
    refusal: /refused a message from member 2: type ".*" is not a ZAB message type/,
    forge: (rng) => value(rng, { type: rng.pick(['BOGUS', 'notification', 'LEADER', '', 'constructor', 'toString', 'hasOwnProperty']), session: 1 }),
  },
  {
    kind: 'message type that is not a string',
    refusal: /refused a message from member 2: type .* is not a ZAB message type/,
    forge: (rng) => value(rng, { type: rng.pick<unknown>([7, null, true, ['PING'], { PING: 1 }, new Uint8Array(4)]), session: 1 }),
  },
  {
    kind: 'message that is not a plain object',
    refusal: /refused a message from member 2: .* is not a plain object/,
    forge: (rng) => value(rng, rng.pick<unknown>([42, -1.5, 'PING', null, true, [{ type: 'PING', session: 1 }], new Uint8Array(16), 2n ** 63n])),
  },
  {
    kind: 'prototype keys (__proto__) in a message',
    refusal: /refused a message from member 2: (type undefined is not a ZAB message type|PING has no field "__proto_")/,
    forge: (rng) =>
      value(rng, rng.chance(0.5) ? { ['__proto__']: { type: 'PING', session: 1 } } : { type: 'PING', session: 1, ['__proto__']: { type: 'PING' } }, 'quorum'),
  },
  {
    kind: 'missing field',
    refusal: /refused a message from member 2: [A-Z]+\.\w+: missing/,
    forge: (rng) =>
      rng.chance(0.25)
        ? value(rng, { type: 'NOTIFICATION', state: 'LOOKING', leader: 2, zxid: 0, electionEpoch: 1 }, 'election')
        : value(rng, rng.pick<unknown>([{ type: 'PING' }, { type: 'ACK', session: 1 }, { type: 'FOLLOWERINFO', session: 1 }, { type: 'PROPOSAL', session: 1, zxid: 5 }]), 'quorum'),
  },
  {
    kind: 'field the type does not have',
    refusal: /refused a message from member 2: [A-Z]+ has no field/,
    forge: (rng) => (rng.chance(0.5) ? value(rng, { ...vote, evil: true }, 'election') : value(rng, { type: 'PING', session: 1, leader: 2 }, 'quorum')),
  },
  {
    kind: 'field of the wrong type',
    refusal: /refused a message from member 2: [A-Z]+\.\w+: .* is not (a non-negative safe integer|a zxid|a Uint8Array|one of)/,
    forge: (rng) =>
      value(
        rng,
        rng.pick<unknown>([
          { type: 'PROPOSAL', session: '1', zxid: 1, data: new Uint8Array(1) },
          { type: 'PROPOSAL', session: 1, zxid: 1, data: [1, 2, 3] },
          { type: 'COMMIT', session: 1, zxid: 1.5 },
          { type: 'ACK', session: 1, zxid: true },
          { type: 'SNAP', session: 1, zxid: 1, snapshot: 'a tree' },
          { type: 'PING', session: Number.NaN },
          { type: 'PING', session: Number.POSITIVE_INFINITY },
          { type: 'PING', session: 2n ** 63n },
          { type: 'SYNC', session: 1, token: -2 },
          { type: 'REQUEST', session: 1, data: { write: 'x' } },
          { type: 'INFORM', session: -1, zxid: 1, data: new Uint8Array(1) },
        ]),
        'quorum',
      ),
  },
  {
    kind: 'FOLLOWERINFO with acceptedEpoch at or past 2^21 - 1',
    refusal: /refused a message from member 2: FOLLOWERINFO\.acceptedEpoch: \d+ is not an epoch/,
    forge: (rng) => value(rng, { type: 'FOLLOWERINFO', session: rng.int(0, 1000), acceptedEpoch: rng.pick([epochRefused, EPOCH_LIMIT, 2 ** 31, 2 ** 53 - 1]) }, 'quorum'),
  },
  {
    kind: 'other discovery message with an epoch or zxid at or past 2^21 - 1',
    refusal: /refused a message from member 2: (OBSERVERINFO\.acceptedEpoch|LEADERINFO\.newEpoch|ACKEPOCH\.epoch|ACKEPOCH\.currentEpoch|ACKEPOCH\.lastZxid|NEWLEADER\.zxid|DIFF\.zxid|TRUNC\.zxid): /,
    forge: (rng) =>
      value(
        rng,
        rng.pick<unknown>([
          { type: 'OBSERVERINFO', session: 1, acceptedEpoch: epochRefused },
          { type: 'LEADERINFO', session: 1, newEpoch: rng.pick([epochRefused, 2 ** 40]) },
          { type: 'ACKEPOCH', session: 1, epoch: epochRefused, currentEpoch: 1, lastZxid: 0 },
          { type: 'ACKEPOCH', session: 1, epoch: 1, currentEpoch: EPOCH_LIMIT, lastZxid: 0 },
          { type: 'ACKEPOCH', session: 1, epoch: 1, currentEpoch: -1, lastZxid: makeZxid(epochRefused, 1) },
          { type: 'NEWLEADER', session: 1, zxid: makeZxid(epochRefused, 1) },
          { type: 'DIFF', session: 1, zxid: 2 ** 53 - 1 },
          { type: 'TRUNC', session: 1, zxid: 2 ** 53 },
        ]),
        'quorum',
      ),
  },
  {
    kind: 'NOTIFICATION with a huge, negative or fractional zxid, epoch or leader',
    refusal: /refused a message from member 2: NOTIFICATION(\.\w+)?: /,
    forge: (rng) => {
      const forged = rng.pick<Record<string, unknown>>([
        { zxid: makeZxid(epochRefused, 1) },
        { zxid: 2 ** 53 - 1 },
        { zxid: 2 ** 53 },
        { zxid: -5 },
        { zxid: 0.5 },
        { zxid: -1 },
        { peerEpoch: epochRefused },
        { peerEpoch: EPOCH_LIMIT },
        { peerEpoch: -2 },
        { peerEpoch: 2 ** 40 },
        { electionEpoch: -1 },
        { electionEpoch: 2 ** 53 },
        { electionEpoch: 0.5 },
        { leader: -7 },
        { leader: 2n ** 63n },
        { state: rng.pick(['BOSS', 'looking', 3]) },
      ])
      return value(rng, { ...vote, ...forged }, 'election')
    },
  },
  {
    kind: 'NOTIFICATION on the quorum channel',
    refusal: /refused a message from member 2: NOTIFICATION on the quorum channel/,
    forge: (rng) => value(rng, { ...vote, electionEpoch: 2 ** 40, peerEpoch: epochLast }, 'quorum'),
  },
  {
    kind: 'PROPOSAL and other quorum messages on the election channel',
    refusal: /refused a message from member 2: [A-Z]+ on the election channel/,
    forge: (rng) =>
      value(
        rng,
        rng.pick<unknown>([
          { type: 'PROPOSAL', session: 0, zxid: makeZxid(epochLast, 1), data: bytes(rng, 64) },
          { type: 'COMMIT', session: 0, zxid: makeZxid(epochLast, 1) },
          { type: 'LEADERINFO', session: 0, newEpoch: epochLast },
          { type: 'FOLLOWERINFO', session: 0, acceptedEpoch: epochLast },
        ]),
        'election',
      ),
  },
  {
    kind: 'garbage that is no msgpack value',
    refusal: /member 2's (quorum|election) connection: .*; connection closed/,
    forge: (rng) => ({ channel: either(rng), body: bytes(rng, 2_000) }),
  },
  {
    kind: 'msgpack nested past the stack',
    refusal: /member 2's (quorum|election) connection: .*; connection closed/,
    // Arrays (0x91) or one-entry maps (0x81 with key "a") nested up to 200,000 deep, then nil.
    forge: (rng) => {
      const depth = rng.int(1_000, 200_000)
      const level = rng.chance(0.5) ? [0x91] : [0x81, 0xa1, 0x61]
      const body = new Uint8Array(depth * level.length + 1)
      for (let i = 0; i < depth; i++) body.set(level, i * level.length)
      body[body.length - 1] = 0xc0
      return { channel: either(rng), body }
    },
  },
  {
    kind: 'oversized but allowed frame (1-8 MiB)',
    refusal: /member 2's (quorum|election) connection: .*; connection closed/,
    weight: 0.1,
    forge: (rng) => {
      const size = rng.int(oversizedBytesMin, oversizedBytesMax)
      return rng.pick([
        () => value(rng, { type: 'PROPOSAL', session: 0, zxid: makeZxid(1, 1), data: new Uint8Array(size) }, 'election'),
        () => value(rng, { type: 'x'.repeat(size) }),
        () => ({ channel: either(rng), body: new Uint8Array(size).fill(0xc1) }),
      ])()
    },
  },
  {
    kind: 'schema-valid discovery message near the epoch limit, which a LOOKING member ignores',
    refusal: undefined,
    forge: (rng) =>
      value(
        rng,
        rng.pick<unknown>([
          { type: 'FOLLOWERINFO', session: 1, acceptedEpoch: epochLast },
          { type: 'LEADERINFO', session: 1, newEpoch: epochLast },
          { type: 'ACKEPOCH', session: 1, epoch: epochLast, currentEpoch: epochLast, lastZxid: makeZxid(epochLast, 5) },
          { type: 'NEWLEADER', session: 1, zxid: makeZxid(epochLast, 0) },
          { type: 'UPTODATE', session: 1, zxid: makeZxid(epochLast, 0) },
        ]),
        'quorum',
      ),
  },
]

/** A class drawn at random by weight. */
export function drawForgery(rng: Prng): ForgeryClass {
  const total = forgeryClasses.reduce((sum, c) => sum + (c.weight ?? 1), 0)
  let at = rng.next() * total
  for (const forgery of forgeryClasses) {
    at -= forgery.weight ?? 1
    if (at < 0) return forgery
  }
  return forgeryClasses[forgeryClasses.length - 1] as ForgeryClass
}

/** Hellos that are refused before any message is read: the member itself, a non-member, a wrong tag, ids that are no ids, garbage. */
export function badHello(rng: Prng): { why: string; bytes: Buffer } {
  return rng.pick([
    () => ({ why: 'claims the member itself', bytes: hello(1) }),
    () => ({ why: 'claims a non-member', bytes: hello(rng.pick([0, 4, 99, 2 ** 31])) }),
    () => ({ why: 'has another tag', bytes: hello(2, rng.pick(['paddock-peer/0', 'paddock-peer/2', '', 7])) }),
    () => ({ why: 'has an id that is no safe integer', bytes: hello(rng.pick<unknown>([2.5, '2', -0.5, 2 ** 53, null, [2]])) }),
    () => ({ why: 'is garbage', bytes: framed(bytes(rng, 200)) }),
  ])()
}
