// Method: the QuorumAuthPacket codec against bytes built from ZooKeeper 3.8's QuorumAuth
// (createPacket, QUORUM_AUTH_MAGIC_NUMBER), then the server and learner sides of quorum-auth.ts
// played against each other with the host's real DIGEST-MD5 (loadQuorumSasl), fed whole and byte
// by byte, and against hostile peers (bad magic, oversized tokens, endless rounds, ERROR and
// unknown statuses) and fake mechanisms: every way ends in a packet and an outcome, or a typed throw.
import { describe, expect, it } from 'vitest'
import { loadQuorumSasl } from '../../../lib/host/quorum-sasl.js'
import { peerSaslRoundsMax, zkQuorumAuthTokenBytesMax } from '../../../lib/limits.js'
import {
  encodeQuorumAuthPacket, encodeQuorumPacket, JuteDecodeError, QUORUM_AUTH_MAGIC_NUMBER, QuorumAuthLearner, QuorumAuthServer,
  QuorumAuthStatus, QuorumPacketType, readFromStream, readQuorumAuthPacket, startsWithQuorumAuth, type QuorumAuthSide, type QuorumAuthStep,
} from '../../../lib/peer/zookeeper/index.js'
import type { PeerSaslOptions } from '../../../lib/peer/sasl.js'
import { JuteWriter } from '../../../lib/wire/jute.js'

const users = { server1: 'secret-of-1', server2: 'secret-of-2' }

/** Member `sid`'s quorum SASL, as the host hands it to the transport, with `password` as its own. */
function saslOf(sid: number, options: { password?: string; required?: boolean } = {}): Promise<PeerSaslOptions> {
  const required = options.required ?? true
  return loadQuorumSasl({ users, credentials: { username: `server${sid}`, password: options.password ?? `secret-of-${sid}` }, learnerRequireSasl: true, serverRequireSasl: required }, sid)
}

/** The fake mechanisms of a member: `server` and `learner` replace the host's DIGEST-MD5. */
function fakeSasl(parts: Partial<Pick<PeerSaslOptions, 'server' | 'learner'>>, serverRequireSasl = true): PeerSaslOptions {
  return {
    serverRequireSasl,
    learnerRequireSasl: true,
    server: parts.server ?? (() => ({ evaluate: () => new Uint8Array(1), user: undefined })),
    learner: parts.learner ?? (() => ({ respond: () => new Uint8Array(1), complete: false })),
    identityProblem: () => undefined,
  }
}

const decodePacket = (bytes: Uint8Array) => readFromStream(bytes, readQuorumAuthPacket)?.value
const followerInfo = encodeQuorumPacket({ type: QuorumPacketType.FOLLOWERINFO, zxid: 0, data: Uint8Array.of(1, 2, 3), authinfo: null })

/** Plays `learner` against `server`, each side's packets handed to the other, until both ended. */
function play(learner: QuorumAuthSide, server: QuorumAuthSide, afterFirst?: Uint8Array): { learner: QuorumAuthStep; server: QuorumAuthStep; packets: number } {
  let toServer = [...learner.start().send]
  let ended: { learner?: QuorumAuthStep; server?: QuorumAuthStep } = {}
  let packets = 0
  // Bounded: each turn either ends a side or moves one round on; both bound their rounds.
  for (let turn = 0; turn < 20 && (ended.learner === undefined || ended.server === undefined); turn++) {
    const bytes = concat(toServer, turn === 0 && afterFirst !== undefined ? [afterFirst] : [])
    packets += toServer.length
    const s = server.receive(bytes)
    if (s.outcome !== undefined) ended = { ...ended, server: s }
    packets += s.send.length
    if (s.send.length === 0) break
    const l = learner.receive(concat(s.send, []))
    if (l.outcome !== undefined) ended = { ...ended, learner: l }
    toServer = [...l.send]
  }
  if (ended.learner === undefined || ended.server === undefined) throw new Error('the exchange did not end on both sides')
  return { learner: ended.learner, server: ended.server, packets }
}

function concat(parts: readonly Uint8Array[], more: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat([...parts, ...more]))
}

describe('QuorumAuthPacket (zookeeper.jute, QuorumAuth.createPacket)', () => {
  it('writes magic, status and token as Java does, and reads them back', () => {
    const bytes = encodeQuorumAuthPacket(QuorumAuthStatus.SUCCESS, Uint8Array.of(0xaa, 0xbb))
    // QUORUM_AUTH_MAGIC_NUMBER is -0xa0dbcafecafe1234L in Java: the long 0x5f2435013501edcc.
    expect(Buffer.from(bytes).toString('hex')).toBe('5f2435013501edcc' + '00000001' + '00000002' + 'aabb')
    expect(QUORUM_AUTH_MAGIC_NUMBER).toBe(BigInt.asIntN(64, -BigInt.asIntN(64, 0xa0dbcafecafe1234n)))
    expect(decodePacket(bytes)).toEqual({ status: 1, token: Uint8Array.of(0xaa, 0xbb) })
    expect(startsWithQuorumAuth(bytes)).toBe(true)
    expect(startsWithQuorumAuth(followerInfo)).toBe(false)
  })

  it('reads a null token (length -1, as Java writes a null challenge) as empty, and waits on every prefix', () => {
    const nullToken = Uint8Array.from(new JuteWriter().writeLong(QUORUM_AUTH_MAGIC_NUMBER).writeInt(0).writeInt(-1).finish())
    expect(decodePacket(nullToken)).toEqual({ status: 0, token: new Uint8Array(0) })
    const bytes = encodeQuorumAuthPacket(QuorumAuthStatus.IN_PROGRESS, new Uint8Array(40).fill(7))
    for (let n = 0; n < bytes.length; n++) expect(readFromStream(bytes.subarray(0, n), readQuorumAuthPacket), `prefix of ${n}`).toBeUndefined()
  })

  it('refuses another magic and a token over zkQuorumAuthTokenBytesMax before it arrives', () => {
    const badMagic = Uint8Array.from(new JuteWriter().writeLong(QUORUM_AUTH_MAGIC_NUMBER + 1n).writeInt(0).writeInt(0).finish())
    expect(() => decodePacket(badMagic)).toThrow(JuteDecodeError)
    const huge = Uint8Array.from(new JuteWriter().writeLong(QUORUM_AUTH_MAGIC_NUMBER).writeInt(0).writeInt(zkQuorumAuthTokenBytesMax + 1).finish())
    expect(() => readFromStream(huge, readQuorumAuthPacket, zkQuorumAuthTokenBytesMax)).toThrow(expect.objectContaining({ reason: 'badLength' }))
  })
})

describe('the server and learner sides (SaslQuorumAuthServer, SaslQuorumAuthLearner)', () => {
  it('authenticate with DIGEST-MD5 in IN_PROGRESS, IN_PROGRESS, IN_PROGRESS, SUCCESS, and hand on what follows the exchange', async () => {
    const server = new QuorumAuthServer(await saslOf(2), 1)
    const { learner, server: served, packets } = play(new QuorumAuthLearner(await saslOf(1)), server)
    expect(packets).toBe(4)
    expect(served.outcome).toEqual({ kind: 'authenticated', user: 'server1' })
    expect(decodePacket(served.send.at(-1) as Uint8Array)?.status).toBe(QuorumAuthStatus.SUCCESS)
    expect(learner.outcome).toEqual({ kind: 'authenticated', user: undefined })

    // The learner's next record (its FOLLOWERINFO) in the same chunk as its last response.
    const again = new QuorumAuthServer(await saslOf(2))
    const l = new QuorumAuthLearner(await saslOf(1))
    const challenge = again.receive(concat(l.start().send, []))
    const response = l.receive(concat(challenge.send, []))
    const end = again.receive(concat(response.send, [followerInfo]))
    expect(end.outcome).toEqual({ kind: 'authenticated', user: 'server1' })
    expect(end.rest).toEqual(followerInfo)
  })

  it('gives the same result fed one byte at a time', async () => {
    const server = new QuorumAuthServer(await saslOf(2))
    const learner = new QuorumAuthLearner(await saslOf(1))
    const feed = (side: QuorumAuthSide, bytes: Uint8Array): QuorumAuthStep => {
      let last: QuorumAuthStep = { send: [] }
      const send: Uint8Array[] = []
      for (const byte of bytes) {
        last = side.receive(Uint8Array.of(byte))
        send.push(...last.send)
      }
      return { ...last, send }
    }
    const challenge = feed(server, concat(learner.start().send, []))
    const response = feed(learner, concat(challenge.send, []))
    expect(feed(server, concat(response.send, [])).outcome).toEqual({ kind: 'authenticated', user: 'server1' })
  })

  it('answers a wrong password with ERROR and an empty token: refused with serverRequireSasl, kept unauthenticated without; the learner is refused either way', async () => {
    for (const required of [true, false]) {
      const { learner, server } = play(new QuorumAuthLearner(await saslOf(1, { password: 'wrong' })), new QuorumAuthServer(await saslOf(2, { required })))
      expect(decodePacket(server.send.at(-1) as Uint8Array)).toEqual({ status: QuorumAuthStatus.ERROR, token: new Uint8Array(0) })
      expect(server.outcome).toEqual({ kind: required ? 'refused' : 'unauthenticated', reason: expect.stringMatching(/wrong password/) })
      expect(learner.outcome).toEqual({ kind: 'refused', reason: expect.stringMatching(/status ERROR/) })
    }
  })

  it('refuses a user that belongs to another member than the sid the initial message claimed', async () => {
    const { server, learner } = play(new QuorumAuthLearner(await saslOf(1)), new QuorumAuthServer(await saslOf(2), 3))
    expect(server.outcome).toEqual({ kind: 'refused', reason: expect.stringMatching(/server1 is member 1's, but the connection claims to be member 3/) })
    expect(learner.outcome?.kind).toBe('refused')
  })

  it('lets a learner that does not try through only without serverRequireSasl, with its bytes untouched, and waits for 8 bytes to tell', async () => {
    const lenient = new QuorumAuthServer(await saslOf(2, { required: false }))
    expect(lenient.receive(followerInfo.subarray(0, 7))).toEqual({ send: [] })
    const let_ = lenient.receive(followerInfo.subarray(7))
    expect(let_.outcome).toEqual({ kind: 'unauthenticated', reason: expect.stringMatching(/did not try to authenticate/) })
    expect(let_.rest).toEqual(followerInfo)
    const strict = new QuorumAuthServer(await saslOf(2)).receive(followerInfo)
    expect(strict).toMatchObject({ send: [], outcome: { kind: 'refused', reason: expect.stringMatching(/serverRequireSasl is true/) } })
  })

  it('throws a JuteDecodeError for a bad magic or an oversized token mid-exchange (the transport closes that connection)', async () => {
    const server = new QuorumAuthServer(await saslOf(2))
    server.receive(encodeQuorumAuthPacket(QuorumAuthStatus.IN_PROGRESS))
    expect(() => server.receive(Uint8Array.from(new JuteWriter().writeLong(7n).writeInt(0).writeInt(0).finish()))).toThrow(JuteDecodeError)
    const learner = new QuorumAuthLearner(await saslOf(1))
    learner.start()
    const huge = Uint8Array.from(new JuteWriter().writeLong(QUORUM_AUTH_MAGIC_NUMBER).writeInt(0).writeInt(1 << 30).finish())
    expect(() => learner.receive(huge)).toThrow(expect.objectContaining({ reason: 'badLength' }))
  })

  it('gives up after peerSaslRoundsMax challenges on either side', () => {
    // A server mechanism that never ends, and a learner that always answers.
    const endless = play(new QuorumAuthLearner(fakeSasl({})), new QuorumAuthServer(fakeSasl({})))
    expect(endless.server.outcome).toEqual({ kind: 'refused', reason: expect.stringMatching(/no result after 5 challenges \(peerSaslRoundsMax\)/) })
    expect(endless.packets).toBe(2 * (peerSaslRoundsMax + 1))
    const learner = new QuorumAuthLearner(fakeSasl({}))
    learner.start()
    const challenge = encodeQuorumAuthPacket(QuorumAuthStatus.IN_PROGRESS, Uint8Array.of(1))
    for (let round = 1; round <= peerSaslRoundsMax; round++) expect(learner.receive(challenge).outcome, `round ${round}`).toBeUndefined()
    expect(learner.receive(challenge).outcome).toEqual({ kind: 'refused', reason: expect.stringMatching(/peerSaslRoundsMax/) })
  })

  it('refuses on the learner side: an unknown status, a SUCCESS without proof, a challenge after completion, a mechanism that throws', () => {
    const start = (learner: QuorumAuthLearner) => (learner.start(), learner)
    const unknown = start(new QuorumAuthLearner(fakeSasl({}))).receive(encodeQuorumAuthPacket(7 as 0))
    expect(unknown.outcome).toEqual({ kind: 'refused', reason: expect.stringMatching(/status 7/) })
    const noProof = start(new QuorumAuthLearner(fakeSasl({ learner: () => ({ respond: () => undefined, complete: false }) })))
    expect(noProof.receive(encodeQuorumAuthPacket(QuorumAuthStatus.SUCCESS)).outcome?.kind).toBe('refused')
    const over = start(new QuorumAuthLearner(fakeSasl({ learner: () => ({ respond: () => undefined, complete: true }) })))
    expect(over.receive(encodeQuorumAuthPacket(QuorumAuthStatus.IN_PROGRESS)).outcome).toEqual({ kind: 'refused', reason: expect.stringMatching(/after the exchange was complete/) })
    const throwing = start(new QuorumAuthLearner(fakeSasl({ learner: () => ({ respond: () => { throw new Error('bad rspauth') }, complete: false }) })))
    expect(throwing.receive(encodeQuorumAuthPacket(QuorumAuthStatus.SUCCESS)).outcome).toEqual({ kind: 'refused', reason: expect.stringMatching(/bad rspauth/) })
  })

  it('refuses on the server side a learner packet whose status is not IN_PROGRESS', async () => {
    const step = new QuorumAuthServer(await saslOf(2)).receive(encodeQuorumAuthPacket(QuorumAuthStatus.ERROR))
    expect(decodePacket(step.send[0] as Uint8Array)?.status).toBe(QuorumAuthStatus.ERROR)
    expect(step.outcome).toEqual({ kind: 'refused', reason: expect.stringMatching(/status -1/) })
  })

  it('throws a TypeError for bytes after the exchange ended (a caller that kept feeding it)', async () => {
    const server = new QuorumAuthServer(await saslOf(2, { required: false }))
    server.receive(followerInfo)
    expect(() => server.receive(followerInfo)).toThrow(TypeError)
  })
})
