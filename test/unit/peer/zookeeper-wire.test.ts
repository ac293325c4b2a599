// Method: hand-built byte vectors written from ZooKeeper 3.8's Java sources (each cited where it is
// built), decoded and re-encoded byte for byte; then every prefix of each vector, and hostile
// lengths, counts and states, which must give a typed JuteDecodeError and never a RangeError.
import { describe, expect, it } from 'vitest'
import { zkElectionFrameBytesMax, zkQuorumPacketBufferBytesMax, zkQuorumPacketBytesMax } from '../../../lib/limits.js'
import {
  ackEpochPacket,
  decodeIntData,
  decodeLearnerInfo,
  decodeNotification,
  decodeQuorumPacket,
  encodeElectionFrame,
  encodeInitialMessage,
  encodeLearnerInfo,
  encodeNotification,
  encodeQuorumPacket,
  JuteDecodeError,
  keepsConnection,
  leaderInfoPacket,
  QuorumPacketType,
  quorumPacketTypeName,
  readElectionFrame,
  readFromStream,
  readInitialMessage,
  readQuorumPacket,
  ZkStreamBuffer,
  type InitialMessage,
  type QuorumPacket,
} from '../../../lib/peer/zookeeper/index.js'
import { makeRng, randInt } from '../wire/samples.js'

const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/[\s|]+/g, ''), 'hex'))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const ascii = (s: string): string => Buffer.from(s, 'utf8').toString('hex')
const int = (n: number): string => (n >>> 0).toString(16).padStart(8, '0')
const long = (n: bigint): string => BigInt.asUintN(64, n).toString(16).padStart(16, '0')

/** The reason of the JuteDecodeError `run` throws; fails the test on any other outcome. */
function reasonOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(JuteDecodeError)
    return (error as JuteDecodeError).reason
  }
  throw new Error('expected a JuteDecodeError, nothing was thrown')
}

/** Every proper prefix of `bytes` reads as "not yet"; the whole reads as one record of its length. */
function expectWholeOnly<T>(bytes: Uint8Array, decode: Parameters<typeof readFromStream<T>>[1], maxBufferBytes?: number): T {
  for (let n = 0; n < bytes.length; n++) expect(readFromStream(bytes.subarray(0, n), decode, maxBufferBytes), `prefix of ${n}`).toBeUndefined()
  const record = readFromStream(bytes, decode, maxBufferBytes)
  expect(record?.bytes).toBe(bytes.length)
  return (record as { value: T }).value
}

describe('initial message (QuorumCnxManager.startConnection / InitialMessage.parse, 3.8)', () => {
  // startConnection: writeLong(PROTOCOL_VERSION_V1 = -65536), writeLong(sid), writeInt(len), the
  // address bytes of NetUtils.formatInetAddr.
  const v1 = unhex(`ffffffffffff0000 ${long(2n)} ${int(14)} ${ascii('127.0.0.1:3888')}`)
  // ZOOKEEPER-3188 (V2 = -65535): several addresses joined by '|', IPv6 in brackets.
  const v2Text = '[::1]:3888|10.0.0.2:3889'
  const v2 = unhex(`ffffffffffff0001 ${long(3n)} ${int(v2Text.length)} ${ascii(v2Text)}`)

  it('decodes a V1 message to its sid and address, and re-encodes it byte for byte', () => {
    const message = expectWholeOnly(v1, readInitialMessage)
    expect(message).toEqual({ protocolVersion: -65536n, sid: 2n, addresses: [{ host: '127.0.0.1', port: 3888 }] })
    expect(hex(encodeInitialMessage(message))).toBe(hex(v1))
  })

  it('decodes a V2 message with an IPv6 address, and re-encodes it byte for byte', () => {
    const message = expectWholeOnly(v2, readInitialMessage)
    expect(message.addresses).toEqual([
      { host: '::1', port: 3888 },
      { host: '10.0.0.2', port: 3889 },
    ])
    expect(hex(encodeInitialMessage(message))).toBe(hex(v2))
  })

  it('reads a non-negative first long as the pre-3.5 form: the sid alone (handleConnection)', () => {
    expect(readFromStream(unhex(long(5n)), readInitialMessage)).toEqual({
      value: { protocolVersion: undefined, sid: 5n, addresses: [] },
      bytes: 8,
    })
  })

  it('drops trailing empty pieces of the address text as Java\'s String.split does', () => {
    const bytes = unhex(`ffffffffffff0001 ${long(3n)} ${int(5)} ${ascii('a:1||')}`)
    expect(readFromStream(bytes, readInitialMessage)?.value.addresses).toEqual([{ host: 'a', port: 1 }])
  })

  it('refuses an unknown protocol version from its first 8 bytes, before more arrive', () => {
    expect(reasonOf(() => readFromStream(unhex('fffffffffffffffe'), readInitialMessage))).toBe('invalid')
  })

  it('refuses address lengths outside 1..2048 (QuorumCnxManager.maxBuffer) from the length alone', () => {
    for (const length of [0, -1, 2049, 0x7fffffff]) {
      const head = unhex(`ffffffffffff0000 ${long(2n)} ${int(length)}`)
      expect(reasonOf(() => readFromStream(head, readInitialMessage)), `length ${length}`).toBe('badLength')
    }
  })

  it('refuses badly formed addresses and ports', () => {
    for (const text of ['host', 'a:b:c', 'h:99999', 'h:-1', 'h:+80', '[::1]3888', '[::1]:', '|h:1']) {
      const bytes = unhex(`ffffffffffff0001 ${long(3n)} ${int(Buffer.byteLength(text))} ${ascii(text)}`)
      expect(reasonOf(() => readFromStream(bytes, readInitialMessage)), text).toBe('invalid')
    }
  })

  it('refuses to encode what ZooKeeper would refuse', () => {
    const base: InitialMessage = { protocolVersion: -65536n, sid: 1n, addresses: [{ host: 'h', port: 1 }] }
    expect(() => encodeInitialMessage({ ...base, addresses: [] })).toThrow(TypeError)
    expect(() => encodeInitialMessage({ ...base, addresses: [base.addresses[0]!, base.addresses[0]!] })).toThrow(TypeError)
    expect(() => encodeInitialMessage({ ...base, protocolVersion: -65535n, addresses: [{ host: 'h'.repeat(2049), port: 1 }] })).toThrow(TypeError)
    expect(() => encodeInitialMessage({ ...base, protocolVersion: undefined })).toThrow(TypeError)
  })

  it('keeps a connection only when the dialler has the larger sid', () => {
    expect(keepsConnection(1n, 3n)).toBe(true)
    expect(keepsConnection(3n, 1n)).toBe(false)
    expect(keepsConnection(2n, 2n)).toBe(false)
  })
})

describe('FLE notification (FastLeaderElection.buildMsg / WorkerReceiver.run, 3.8)', () => {
  const config = 'server.1=127.0.0.1:2888:3888:participant\nversion=0'
  // buildMsg(state, leader, zxid, electionEpoch, epoch, configData): int, 4 longs,
  // int CURRENTVERSION (2), int configData.length, configData.
  const current = unhex(
    `${int(0)} ${long(2n)} ${long(0x1_0000_0003n)} ${long(1n)} ${long(1n)} ${int(2)} ${int(config.length)} ${ascii(config)}`,
  )

  it('decodes a 3.8 LOOKING vote with its config, and re-encodes it byte for byte', () => {
    const n = decodeNotification(current)
    expect(n).toEqual({ state: 'LOOKING', leader: 2n, zxid: 0x1_0000_0003n, electionEpoch: 1n, peerEpoch: 1n, version: 2, config })
    expect(hex(encodeNotification({ ...n, config }))).toBe(hex(current))
  })

  it('maps every ServerState ordinal and refuses others (the receiver drops them)', () => {
    const states = ['LOOKING', 'FOLLOWING', 'LEADING', 'OBSERVING'] as const
    for (const [ordinal, state] of states.entries()) {
      const bytes = encodeNotification({ state, leader: 1n, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n, config: '' })
      expect(hex(bytes.subarray(0, 4))).toBe(int(ordinal))
      expect(decodeNotification(bytes).state).toBe(state)
    }
    const bad = Uint8Array.from(current)
    bad[3] = 4
    expect(reasonOf(() => decodeNotification(bad))).toBe('invalid')
  })

  it('reads the 28-byte form, taking peerEpoch from the zxid (ZxidUtils.getEpochFromZxid)', () => {
    const n = decodeNotification(current.subarray(0, 28))
    expect(n).toMatchObject({ peerEpoch: 1n, version: 0, config: undefined })
  })

  it('reads the 40-byte form as peerEpoch without version, as buildMsg without config writes it', () => {
    // buildMsg(state, leader, zxid, electionEpoch, epoch): 36 bytes and putInt(0x1), which the
    // receiver, going by the length of 40, never reads.
    const forty = unhex(`${int(2)} ${long(3n)} ${long(0x2_0000_0000n)} ${long(4n)} ${long(2n)} ${int(1)}`)
    expect(decodeNotification(forty)).toEqual({ state: 'LEADING', leader: 3n, zxid: 0x2_0000_0000n, electionEpoch: 4n, peerEpoch: 2n, version: 0, config: undefined })
  })

  it('reads version 1 past 40 bytes without config, and keeps exact longs such as a non-voter\'s Long.MIN_VALUE', () => {
    const min = -(2n ** 63n)
    // Over 40 bytes the version is read; at 1 nothing more is, so the 4 bytes after it are ignored.
    const bytes = unhex(`${int(3)} ${long(min)} ${long(min)} ${long(1n)} ${long(min)} ${int(1)} ${int(7)}`)
    expect(decodeNotification(bytes)).toEqual({ state: 'OBSERVING', leader: min, zxid: min, electionEpoch: 1n, peerEpoch: min, version: 1, config: undefined })
  })

  it('refuses short messages and bad config lengths with typed errors', () => {
    expect(reasonOf(() => decodeNotification(current.subarray(0, 27)))).toBe('truncated')
    expect(reasonOf(() => decodeNotification(current.subarray(0, 41)))).toBe('truncated')
    expect(reasonOf(() => decodeNotification(current.subarray(0, current.length - 1)))).toBe('truncated')
    const withLength = (length: number): Uint8Array => {
      const bytes = Uint8Array.from(current)
      new DataView(bytes.buffer).setInt32(40, length)
      return bytes
    }
    expect(reasonOf(() => decodeNotification(withLength(-1)))).toBe('badLength')
    expect(reasonOf(() => decodeNotification(withLength(current.length + 1)))).toBe('badLength')
    expect(reasonOf(() => decodeNotification(withLength(current.length)))).toBe('truncated')
  })
})

describe('election frames (QuorumCnxManager SendWorker.send / RecvWorker.run, 3.8)', () => {
  it('frames a message as an int length and the bytes, and reads it back whole only', () => {
    const body = unhex('0102030405')
    const framed = encodeElectionFrame(body)
    expect(hex(framed)).toBe(`${int(5)}0102030405`)
    expect(hex(expectWholeOnly(framed, readElectionFrame))).toBe('0102030405')
  })

  it('refuses lengths outside 1..512 KiB (PACKETMAXSIZE) from the 4-byte prefix alone', () => {
    for (const length of [0, -1, -0x80000000, zkElectionFrameBytesMax + 1]) {
      expect(reasonOf(() => readFromStream(unhex(int(length)), readElectionFrame)), `length ${length}`).toBe('frameLength')
    }
    expect(readFromStream(unhex(int(zkElectionFrameBytesMax)), readElectionFrame)).toBeUndefined()
    expect(() => encodeElectionFrame(new Uint8Array(0))).toThrow(TypeError)
  })
})

describe('QuorumPacket and LearnerInfo (zookeeper.jute; Learner.registerWithLeader, LearnerHandler.run, 3.8)', () => {
  // registerWithLeader: QuorumPacket(FOLLOWERINFO, makeZxid(acceptedEpoch, 0), LearnerInfo(sid,
  // 0x10000, configVersion) as 20 bytes, authinfo null, written by jute as count -1).
  const followerInfo = unhex(`${int(11)} ${long(0x5_0000_0000n)} ${int(20)} ${long(1n)} ${int(0x10000)} ${long(0x1_0000_0000n)} ${int(-1)}`)
  // LearnerHandler.run: QuorumPacket(LEADERINFO, newLeaderZxid, 4 bytes of putInt(0x10000), null).
  const leaderInfo = unhex(`${int(17)} ${long(0x6_0000_0000n)} ${int(4)} ${int(0x10000)} ${int(-1)}`)
  // registerWithLeader: QuorumPacket(ACKEPOCH, lastLoggedZxid, 4 bytes of currentEpoch, null).
  const ackEpoch = unhex(`${int(18)} ${long(0x5_0000_0007n)} ${int(4)} ${int(5)} ${int(-1)}`)
  // Learner.request: QuorumPacket(REQUEST, -1, data, authInfo) with one digest Id.
  const request = unhex(`${int(1)} ${long(-1n)} ${int(2)} abcd ${int(1)} ${int(6)} ${ascii('digest')} ${int(6)} ${ascii('u:h=x=')}`)

  it('names the 19 packet types with Leader.java\'s numbers', () => {
    expect(QuorumPacketType).toEqual({
      REQUEST: 1, PROPOSAL: 2, ACK: 3, COMMIT: 4, PING: 5, REVALIDATE: 6, SYNC: 7, INFORM: 8, COMMITANDACTIVATE: 9,
      NEWLEADER: 10, FOLLOWERINFO: 11, UPTODATE: 12, DIFF: 13, TRUNC: 14, SNAP: 15, OBSERVERINFO: 16, LEADERINFO: 17,
      ACKEPOCH: 18, INFORMANDACTIVATE: 19,
    })
    expect(quorumPacketTypeName(13)).toBe('DIFF')
    expect(quorumPacketTypeName(20)).toBeUndefined()
  })

  it('decodes FOLLOWERINFO and its LearnerInfo, and re-encodes both byte for byte', () => {
    const packet = expectWholeOnly(followerInfo, readQuorumPacket, zkQuorumPacketBufferBytesMax)
    expect(packet).toMatchObject({ type: QuorumPacketType.FOLLOWERINFO, zxid: 0x5_0000_0000, authinfo: null })
    const info = decodeLearnerInfo(packet.data as Uint8Array)
    expect(info).toEqual({ serverid: 1n, protocolVersion: 0x10000, configVersion: 0x1_0000_0000 })
    expect(hex(encodeLearnerInfo(info))).toBe(hex(packet.data as Uint8Array))
    expect(hex(encodeQuorumPacket(packet))).toBe(hex(followerInfo))
  })

  it('reads the shorter LearnerInfo of older learners as LearnerHandler does, and refuses under 8 bytes', () => {
    const data = followerInfo.subarray(16, 36)
    expect(decodeLearnerInfo(data.subarray(0, 8))).toEqual({ serverid: 1n, protocolVersion: undefined, configVersion: undefined })
    expect(decodeLearnerInfo(data.subarray(0, 12))).toEqual({ serverid: 1n, protocolVersion: 0x10000, configVersion: undefined })
    expect(reasonOf(() => decodeLearnerInfo(data.subarray(0, 7)))).toBe('truncated')
  })

  it('builds LEADERINFO and ACKEPOCH exactly as 3.8 writes them, and reads their ints back', () => {
    expect(hex(encodeQuorumPacket(leaderInfoPacket(0x6_0000_0000)))).toBe(hex(leaderInfo))
    expect(hex(encodeQuorumPacket(ackEpochPacket(0x5_0000_0007, 5)))).toBe(hex(ackEpoch))
    expect(decodeIntData(decodeQuorumPacket(leaderInfo).data, 'LEADERINFO')).toBe(0x10000)
    expect(decodeIntData(decodeQuorumPacket(ackEpoch).data, 'ACKEPOCH')).toBe(5)
    expect(decodeIntData(encodeIntDataOf(-1), 'ACKEPOCH')).toBe(-1)
    expect(reasonOf(() => decodeIntData(null, 'LEADERINFO'))).toBe('truncated')
  })

  it('round-trips a REQUEST with its authinfo and a -1 zxid', () => {
    const packet = decodeQuorumPacket(request)
    expect(packet).toEqual({ type: 1, zxid: -1, data: unhex('abcd'), authinfo: [{ scheme: 'digest', id: 'u:h=x=' }] })
    expect(hex(encodeQuorumPacket(packet))).toBe(hex(request))
    const empty: QuorumPacket = { type: QuorumPacketType.PING, zxid: 0, data: null, authinfo: [] }
    expect(decodeQuorumPacket(encodeQuorumPacket(empty))).toEqual(empty)
  })

  it('refuses hostile lengths, counts and zxids with typed errors', () => {
    const head = `${int(2)} ${long(1n)}`
    expect(reasonOf(() => decodeQuorumPacket(unhex(`${head} ${int(-2)}`)))).toBe('badLength')
    expect(reasonOf(() => decodeQuorumPacket(unhex(`${head} ${int(zkQuorumPacketBufferBytesMax + 1)}`)))).toBe('badLength')
    expect(reasonOf(() => decodeQuorumPacket(unhex(`${head} ${int(0)} ${int(-5)}`)))).toBe('badLength')
    expect(reasonOf(() => decodeQuorumPacket(unhex(`${head} ${int(0)} ${int(0x7fffffff)}`)))).toBe('badLength')
    // A count the remaining bytes cannot hold is refused before the loop runs.
    expect(reasonOf(() => decodeQuorumPacket(unhex(`${head} ${int(0)} ${int(1000)} 00000000`)))).toBe('truncated')
    expect(reasonOf(() => decodeQuorumPacket(unhex(`${int(2)} ${long(-(2n ** 63n))} ${int(-1)} ${int(-1)}`)))).toBe('unsafeInteger')
    expect(reasonOf(() => decodeQuorumPacket(unhex(`${int(5)} ${long(0n)} ${int(-1)} ${int(-1)} 00`)))).toBe('invalid')
  })
})

/** The data of an ACKEPOCH with `value` (an int of data, as registerWithLeader puts it). */
function encodeIntDataOf(value: number): Uint8Array {
  return ackEpochPacket(0, value).data as Uint8Array
}

describe('ZkStreamBuffer (records from socket chunks, bounded)', () => {
  const leaderInfo = encodeQuorumPacket(leaderInfoPacket(0x1_0000_0000))
  const ping = encodeQuorumPacket({ type: QuorumPacketType.PING, zxid: 0, data: null, authinfo: null })

  it('yields each record once its last byte arrives, fed byte by byte', () => {
    const stream = new ZkStreamBuffer(zkQuorumPacketBytesMax)
    const all = Uint8Array.from([...leaderInfo, ...ping])
    const types: number[] = []
    for (const byte of all) {
      stream.push(Uint8Array.of(byte))
      for (let p = stream.next(readQuorumPacket); p !== undefined; p = stream.next(readQuorumPacket)) types.push(p.type)
    }
    expect(types).toEqual([QuorumPacketType.LEADERINFO, QuorumPacketType.PING])
    expect(stream.buffered).toBe(0)
  })

  it('yields several records of one chunk in order, switching decoders between them', () => {
    const message = encodeInitialMessage({ protocolVersion: -65536n, sid: 3n, addresses: [{ host: '127.0.0.1', port: 1 }] })
    const notification = encodeNotification({ state: 'LOOKING', leader: 3n, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n, config: 'version=0' })
    const stream = new ZkStreamBuffer(zkElectionFrameBytesMax + 4)
    stream.push(Uint8Array.from([...message, ...encodeElectionFrame(notification), ...encodeElectionFrame(notification)]))
    expect(stream.next(readInitialMessage)?.sid).toBe(3n)
    expect(decodeNotification(stream.next(readElectionFrame) as Uint8Array).leader).toBe(3n)
    expect(decodeNotification(stream.next(readElectionFrame) as Uint8Array).config).toBe('version=0')
    expect(stream.next(readElectionFrame)).toBeUndefined()
  })

  it('refuses an incomplete record that fills its bound, and keeps what is under it', () => {
    const stream = new ZkStreamBuffer(64)
    // A packet announcing 1000 data bytes: valid so far, but it cannot complete within 64 bytes.
    stream.push(unhex(`${int(2)} ${long(1n)} ${int(1000)}`))
    expect(stream.next(readQuorumPacket)).toBeUndefined()
    stream.push(new Uint8Array(48))
    expect(reasonOf(() => stream.next(readQuorumPacket))).toBe('frameLength')
  })
})

describe('hostile bytes (seeded: a failing seed replays)', () => {
  const decoders: Array<[string, (bytes: Uint8Array) => unknown]> = [
    ['initial message', (b) => readFromStream(b, readInitialMessage)],
    ['election frame', (b) => readFromStream(b, readElectionFrame)],
    ['notification', (b) => decodeNotification(b)],
    ['quorum packet', (b) => readFromStream(b, readQuorumPacket, zkQuorumPacketBufferBytesMax)],
    ['learner info', (b) => decodeLearnerInfo(b)],
  ]
  // Valid records with bytes flipped keep their structure, so the fuzz reaches past the first field.
  const seeds: Uint8Array[] = [
    encodeInitialMessage({ protocolVersion: -65535n, sid: 9n, addresses: [{ host: '::1', port: 1 }, { host: 'a', port: 2 }] }),
    encodeElectionFrame(encodeNotification({ state: 'FOLLOWING', leader: 1n, zxid: 2n, electionEpoch: 3n, peerEpoch: 4n, config: 'version=0' })),
    encodeNotification({ state: 'LEADING', leader: 1n, zxid: 2n, electionEpoch: 3n, peerEpoch: 4n, config: 'server.1=h:1:2' }),
    encodeQuorumPacket({ type: 1, zxid: 5, data: Uint8Array.of(1, 2), authinfo: [{ scheme: 'ip', id: '127.0.0.1' }] }),
  ]

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('every decoder returns or throws JuteDecodeError, never anything else (seed %i)', (seed) => {
    const rng = makeRng(seed)
    for (let round = 0; round < 400; round++) {
      const base = seeds[randInt(rng, seeds.length)] as Uint8Array
      const bytes = round % 2 === 0 ? Uint8Array.from(base) : Uint8Array.from({ length: randInt(rng, 80) }, () => randInt(rng, 256))
      for (let flips = randInt(rng, 4); flips > 0 && bytes.length > 0; flips--) bytes[randInt(rng, bytes.length)] = randInt(rng, 256)
      const cut = bytes.subarray(0, randInt(rng, bytes.length + 1))
      for (const [name, decode] of decoders) {
        try {
          decode(cut)
        } catch (error) {
          expect(error, `${name} on ${hex(cut)}`).toBeInstanceOf(JuteDecodeError)
        }
      }
    }
  })
})
