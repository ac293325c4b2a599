// Method: tables of well-formed messages of every type (hand-built, and every message a small
// ensemble of real ZabPeers sends while electing, syncing, broadcasting and answering a sync) that
// validateZabMessage must accept as they are and after a msgpackr round trip; a table of forged ones
// (missing, extra and mistyped fields, out-of-range epochs and zxids, bigints, arrays for bytes)
// it must refuse; and seeded random mutations of the good ones, on which it must never throw.
import { describe, expect, it } from 'vitest'
import { decodeValue, encodeValue } from '../../../lib/txn/codec.js'
import {
  EPOCH_LIMIT, MESSAGE_EPOCH_LIMIT, type ZabMessage, type ZabPeer, makeZxid, validateZabMessage, zabMessageProblem,
} from '../../../lib/zab/index.js'
import { bytes, drain, makePeer } from '../zab/harness.js'

const data = bytes('txn')
const lastEpoch = MESSAGE_EPOCH_LIMIT - 1

/** One of every message type, plus the edge values each field may take. */
const good: ZabMessage[] = [
  { type: 'NOTIFICATION', state: 'LOOKING', leader: 3, zxid: makeZxid(2, 7), electionEpoch: 4, peerEpoch: 2 },
  { type: 'NOTIFICATION', state: 'LEADING', leader: 1, zxid: 0, electionEpoch: 0, peerEpoch: 0 },
  { type: 'NOTIFICATION', state: 'FOLLOWING', leader: 2, zxid: makeZxid(lastEpoch, 2 ** 32 - 1), electionEpoch: Number.MAX_SAFE_INTEGER, peerEpoch: lastEpoch },
  // An observer's empty vote (NO_VOTE).
  { type: 'NOTIFICATION', state: 'OBSERVING', leader: -1, zxid: -1, electionEpoch: 1, peerEpoch: -1 },
  { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 0 },
  { type: 'FOLLOWERINFO', session: 2 ** 40 + 5, acceptedEpoch: lastEpoch },
  { type: 'OBSERVERINFO', session: 8, acceptedEpoch: 3 },
  { type: 'LEADERINFO', session: 7, newEpoch: 4 },
  { type: 'ACKEPOCH', session: 7, epoch: 4, currentEpoch: 3, lastZxid: makeZxid(3, 9) },
  { type: 'ACKEPOCH', session: 7, epoch: 4, currentEpoch: -1, lastZxid: 0 },
  { type: 'DIFF', session: 7, zxid: makeZxid(3, 9) },
  { type: 'TRUNC', session: 7, zxid: makeZxid(3, 2) },
  { type: 'SNAP', session: 7, zxid: makeZxid(3, 9), snapshot: bytes('snapshot') },
  { type: 'SNAP', session: 7, zxid: 0, snapshot: new Uint8Array(0) },
  { type: 'PROPOSAL', session: 7, zxid: makeZxid(4, 1), data },
  { type: 'ACK', session: 7, zxid: makeZxid(4, 0) },
  { type: 'COMMIT', session: 7, zxid: makeZxid(4, 1) },
  { type: 'INFORM', session: 8, zxid: makeZxid(4, 1), data },
  { type: 'NEWLEADER', session: 7, zxid: makeZxid(4, 0) },
  { type: 'UPTODATE', session: 7, zxid: makeZxid(4, 1) },
  { type: 'PING', session: 7 },
  { type: 'REQUEST', session: 7, data },
  { type: 'SYNC', session: 7, token: 12 },
]

const allTypes = [
  'NOTIFICATION', 'FOLLOWERINFO', 'OBSERVERINFO', 'LEADERINFO', 'ACKEPOCH', 'DIFF', 'TRUNC', 'SNAP', 'PROPOSAL', 'ACK',
  'COMMIT', 'INFORM', 'NEWLEADER', 'UPTODATE', 'PING', 'REQUEST', 'SYNC',
]

/** A forged message, what it gets wrong, and the words the refusal must contain. */
type Bad = [what: string, value: unknown, reason: RegExp]

const outOfRangeZxid = EPOCH_LIMIT * 2 ** 32
const bad: Bad[] = [
  ['nothing', undefined, /not a plain object/],
  ['a string', 'PING', /not a plain object/],
  ['an array', [{ type: 'PING', session: 1 }], /not a plain object/],
  ['a map without a type', { session: 1 }, /type undefined/],
  ['an unknown type', { type: 'HELLO', session: 1 }, /type "HELLO"/],
  ['a type inherited, not its own', Object.create({ type: 'PING', session: 1 }) as unknown, /not a plain object/],
  ['a missing field', { type: 'FOLLOWERINFO', session: 1 }, /FOLLOWERINFO.acceptedEpoch: missing/],
  ['an extra field', { type: 'PING', session: 1, padding: 'x'.repeat(1000) }, /no field "padding"/],
  ['a string session', { type: 'PING', session: '1' }, /PING.session/],
  ['a negative session', { type: 'PING', session: -5 }, /PING.session/],
  ['a fractional session', { type: 'PING', session: 1.5 }, /PING.session/],
  ['an unsafe session', { type: 'PING', session: 2 ** 53 }, /PING.session/],
  ['a bigint session (msgpack uint64)', { type: 'PING', session: 5n }, /PING.session: 5n/],
  ['NaN for a token', { type: 'SYNC', session: 1, token: Number.NaN }, /SYNC.token/],
  ['an epoch with no successor', { type: 'FOLLOWERINFO', session: 1, acceptedEpoch: EPOCH_LIMIT - 1 }, /acceptedEpoch: 2097151 is not an epoch/],
  ['an epoch past 2^21', { type: 'OBSERVERINFO', session: 1, acceptedEpoch: EPOCH_LIMIT }, /acceptedEpoch/],
  ['Infinity for an epoch', { type: 'FOLLOWERINFO', session: 1, acceptedEpoch: Number.POSITIVE_INFINITY }, /acceptedEpoch/],
  ['a leader epoch with no successor', { type: 'LEADERINFO', session: 1, newEpoch: EPOCH_LIMIT - 1 }, /newEpoch/],
  ['an ACKEPOCH epoch out of range', { type: 'ACKEPOCH', session: 1, epoch: EPOCH_LIMIT - 1, currentEpoch: 1, lastZxid: 0 }, /ACKEPOCH.epoch/],
  ['an ACKEPOCH currentEpoch out of range', { type: 'ACKEPOCH', session: 1, epoch: 3, currentEpoch: EPOCH_LIMIT - 1, lastZxid: 0 }, /currentEpoch/],
  ['an ACKEPOCH currentEpoch of -2', { type: 'ACKEPOCH', session: 1, epoch: 3, currentEpoch: -2, lastZxid: 0 }, /currentEpoch/],
  ['a vote peerEpoch with no successor', { type: 'NOTIFICATION', state: 'LOOKING', leader: 1, zxid: 0, electionEpoch: 1, peerEpoch: EPOCH_LIMIT - 1 }, /peerEpoch/],
  ['a zxid in an exhausted epoch', { type: 'ACK', session: 1, zxid: makeZxid(EPOCH_LIMIT - 1, 0) }, /ACK.zxid/],
  ['a zxid past every epoch', { type: 'COMMIT', session: 1, zxid: outOfRangeZxid }, /COMMIT.zxid/],
  ['a negative zxid', { type: 'DIFF', session: 1, zxid: -1 }, /DIFF.zxid/],
  ['a string zxid', { type: 'TRUNC', session: 1, zxid: '0x100000001' }, /TRUNC.zxid/],
  ['a lastZxid in an exhausted epoch', { type: 'ACKEPOCH', session: 1, epoch: 3, currentEpoch: 2, lastZxid: makeZxid(EPOCH_LIMIT - 1, 1) }, /lastZxid/],
  ['an array for data', { type: 'PROPOSAL', session: 1, zxid: 1, data: [1, 2, 3] }, /PROPOSAL.data: an array of 3/],
  ['a huge array for data', { type: 'REQUEST', session: 1, data: new Array<number>(1_000_000).fill(0) }, /REQUEST.data: an array of 1000000/],
  ['a string for data', { type: 'INFORM', session: 1, zxid: 1, data: 'abc' }, /INFORM.data/],
  ['another typed array for a snapshot', { type: 'SNAP', session: 1, zxid: 1, snapshot: new Uint16Array(4) }, /SNAP.snapshot: a Uint16Array/],
  ['an object posing as a Uint8Array', { type: 'REQUEST', session: 1, data: Object.create(Uint8Array.prototype) as unknown }, /REQUEST.data: an object/],
  ['a map for data', { type: 'REQUEST', session: 1, data: { 0: 1, length: 1 } }, /REQUEST.data/],
  ['an unknown server state', { type: 'NOTIFICATION', state: 'LEADER', leader: 1, zxid: 0, electionEpoch: 1, peerEpoch: 0 }, /state/],
  ['a fractional leader id', { type: 'NOTIFICATION', state: 'LOOKING', leader: 1.5, zxid: 0, electionEpoch: 1, peerEpoch: 0 }, /leader/],
  ['a negative election round', { type: 'NOTIFICATION', state: 'LOOKING', leader: 1, zxid: 0, electionEpoch: -1, peerEpoch: 0 }, /electionEpoch/],
  ['half an empty vote', { type: 'NOTIFICATION', state: 'LOOKING', leader: -1, zxid: 0, electionEpoch: 1, peerEpoch: 0 }, /NO_VOTE/],
  ['a vote for server -2', { type: 'NOTIFICATION', state: 'LOOKING', leader: -2, zxid: -1, electionEpoch: 1, peerEpoch: -1 }, /leader/],
]

/** Every message real ZabPeers send: 3 voters and an observer elect, sync, broadcast, forward and sync. */
function messagesOfARun(): ZabMessage[] {
  const voters = [1, 2, 3]
  const observers = [4]
  const peers = new Map<number, ZabPeer>([...voters, ...observers].map((id) => [id, makePeer(id, { voters, observers })]))
  const sent: ZabMessage[] = []
  const queue: { from: number; to: number; message: ZabMessage }[] = []
  const handle = (id: number): void => {
    const peer = peers.get(id) as ZabPeer
    // Durable at once: every batch's entries are reported persisted right after it.
    for (let round = 0; round < 100 && peer.hasReady(); round++) {
      const ready = drain(peer)
      for (const { to, message } of ready.messages) queue.push({ from: id, to, message })
      const last = ready.entries.at(-1)
      if (last !== undefined) peer.persisted(last.zxid)
    }
  }
  const settle = (): void => {
    for (let delivered = 0; queue.length > 0 && delivered < 10_000; delivered++) {
      const { from, to, message } = queue.shift() as (typeof queue)[number]
      sent.push(message)
      peers.get(to)?.step(from, message)
      handle(to)
    }
  }
  const tickAll = (times: number): void => {
    for (let i = 0; i < times; i++) {
      for (const id of peers.keys()) {
        peers.get(id)?.tick()
        handle(id)
      }
      settle()
    }
  }
  for (const id of peers.keys()) handle(id)
  settle()
  tickAll(5)
  const leader = [...peers.values()].find((p) => p.status().role === 'LEADING' && p.status().established)
  const follower = [...peers.values()].find((p) => p.status().role === 'FOLLOWING' && p.status().established)
  if (leader === undefined || follower === undefined) throw new Error('the ensemble did not establish a leader')
  for (let i = 0; i < 3; i++) leader.propose(bytes(`write ${i}`))
  handle(leader.status().id)
  follower.forward(bytes('forwarded'))
  follower.sync(1)
  handle(follower.status().id)
  settle()
  tickAll(3)
  return sent
}

describe('validateZabMessage', () => {
  it('accepts one of every message type, and the edge values of every field', () => {
    expect(new Set(good.map((m) => m.type))).toEqual(new Set(allTypes))
    for (const message of good) expect(zabMessageProblem(message), JSON.stringify(message.type)).toBeUndefined()
    for (const message of good) expect(validateZabMessage(message)).toBe(message)
  })

  it('accepts every message after a msgpackr round trip, as the TCP transport delivers it (bytes as Buffers)', () => {
    for (const message of good) {
      const decoded = decodeValue(encodeValue(message))
      expect(zabMessageProblem(decoded), message.type).toBeUndefined()
    }
  })

  it('accepts every message real ZabPeers send while electing, syncing, broadcasting, forwarding and syncing', () => {
    const sent = messagesOfARun()
    const types = new Set(sent.map((m) => m.type))
    for (const type of ['NOTIFICATION', 'FOLLOWERINFO', 'OBSERVERINFO', 'LEADERINFO', 'ACKEPOCH', 'DIFF', 'NEWLEADER', 'ACK', 'UPTODATE', 'PROPOSAL', 'COMMIT', 'INFORM', 'PING', 'REQUEST', 'SYNC']) {
      expect(types.has(type as ZabMessage['type']), type).toBe(true)
    }
    const refused = sent.flatMap((m) => {
      const problem = zabMessageProblem(decodeValue(encodeValue(m)))
      return problem === undefined ? [] : [problem]
    })
    expect(refused).toEqual([])
  })

  it.each(bad)('refuses %s', (_what, value, reason) => {
    expect(zabMessageProblem(value)).toMatch(reason)
    expect(validateZabMessage(value)).toBeUndefined()
  })

  it('refuses a forged FOLLOWERINFO, ACKEPOCH or NOTIFICATION whose epoch leaves no room for a next epoch, and accepts the one below', () => {
    const forged = (epoch: number): unknown[] => [
      { type: 'FOLLOWERINFO', session: 1, acceptedEpoch: epoch },
      { type: 'ACKEPOCH', session: 1, epoch, currentEpoch: epoch - 1, lastZxid: 0 },
      { type: 'NOTIFICATION', state: 'LOOKING', leader: 1, zxid: 0, electionEpoch: 1, peerEpoch: epoch },
    ]
    for (const message of forged(EPOCH_LIMIT - 1)) expect(validateZabMessage(message)).toBeUndefined()
    for (const message of forged(EPOCH_LIMIT - 2)) expect(validateZabMessage(message)).toBeDefined()
  })
})

/** A small seeded generator (mulberry32), so a failing mutation replays. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const oddValues: unknown[] = [
  undefined, null, true, -1, -2, 0, 0.5, -0, 2 ** 21 - 1, 2 ** 21, 2 ** 53, Number.MAX_SAFE_INTEGER, Number.NaN,
  Number.POSITIVE_INFINITY, 1n, 2n ** 64n, '', 'LOOKING', 'x'.repeat(10_000), [], [1, 2], {}, { type: 'PING' },
  new Uint8Array(3), new Float64Array(1), new Date(0), () => 1, Symbol('s'),
]

/** One random change to a copy of `message`: a field dropped, replaced, added, or the type swapped. */
function mutate(message: ZabMessage, next: () => number): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...message }
  const keys = Object.keys(copy)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  const key = pick(keys)
  switch (Math.floor(next() * 4)) {
    case 0:
      delete copy[key]
      break
    case 1:
      copy[key] = pick(oddValues)
      break
    case 2:
      copy[pick(['extra', 'session', 'zxid', 'data', '__proto__', 'constructor'])] = pick(oddValues)
      break
    default:
      copy['type'] = pick(allTypes)
  }
  return copy
}

describe('validateZabMessage on random mutations of valid messages', () => {
  it.each([1, 2, 3])('never throws, and whatever it accepts has the shape of its type (seed %i)', (seed) => {
    const next = random(seed)
    let accepted = 0
    for (let i = 0; i < 5_000; i++) {
      const mutant = mutate(good[Math.floor(next() * good.length)] as ZabMessage, next)
      const valid = validateZabMessage(mutant)
      if (valid === undefined) continue
      accepted++
      // What passes is exactly a good message's shape: same type, same field names.
      const twin = good.find((m) => m.type === valid.type) as ZabMessage
      expect(Object.keys(valid).sort()).toEqual(Object.keys(twin).sort())
    }
    // Some mutations are harmless (a type swapped for one with the same fields, a -1 in a vote).
    expect(accepted).toBeLessThan(5_000)
  })
})
