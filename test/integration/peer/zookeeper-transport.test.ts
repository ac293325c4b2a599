// Method: the peerProtocol=zookeeper transport on loopback ports with a recording handler, driven
// by raw sockets that play ZooKeeper members (lib/peer/zookeeper's encoders write their bytes):
// valid traffic must reach the handler mapped, and hostile bytes (unknown protocol versions, ids of
// no member, oversized lengths, bad states and packets, a handler that refuses) must close that
// connection only, report the disconnection, and leave the transport serving.
import { createServer, Socket, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  encodeElectionFrame, encodeInitialMessage, encodeLearnerInfo, encodeNotification, encodeQuorumPacket, leaderInfoPacket, PROTOCOL_VERSION_V1,
  QuorumPacketType, readInitialMessage, readQuorumPacket, ZkStreamBuffer, type QuorumPacket,
} from '../../../lib/peer/zookeeper/index.js'
import type { ZkLeaderPayloadCodec, ZkPayloadCodec } from '../../../lib/peer/zookeeper/payloads.js'
import {
  driveQuorumAuth, encodeQuorumAuthPacket, QUORUM_AUTH_MAGIC_NUMBER, QuorumAuthLearner, QuorumAuthServer, QuorumAuthStatus, type QuorumAuthOutcome, type QuorumAuthSide,
} from '../../../lib/peer/zookeeper/quorum-auth.js'
import { loadQuorumSasl } from '../../../lib/host/quorum-sasl.js'
import type { PeerSaslOptions } from '../../../lib/peer/sasl.js'
import { startZkPeerTransport, type ZkPeerTransport } from '../../../lib/peer/zookeeper/transport.js'
import type { PeerAddress, PeerChannel, PeerHandler } from '../../../lib/peer/transport.js'
import { JuteWriter } from '../../../lib/wire/jute.js'
import { freePorts } from '../../interop/harness/ports.js'
import { pollUntil, withTimeout } from '../../interop/harness/wait.js'

const waitMs = 5_000
const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

interface Recorded {
  readonly messages: { from: number; channel: PeerChannel; message: unknown; trusted?: false }[]
  readonly disconnections: { peer: number; channel: PeerChannel }[]
  readonly log: string[]
}

const payloads: ZkPayloadCodec = {
  proposal: (_zxid, data) => data,
  readSnapshot: (r) => r.readBytes(4),
  request: () => undefined,
}

/** A transport as member 2 of members 1, 2, 3 on loopback, recording what it delivers; leading when given `leaderPayloads`. */
async function start(refuse?: (message: unknown) => boolean, leaderPayloads?: ZkLeaderPayloadCodec, sasl?: PeerSaslOptions): Promise<{ transport: ZkPeerTransport; members: Map<number, PeerAddress>; recorded: Recorded }> {
  const ports = await freePorts(6)
  const members = new Map<number, PeerAddress>([1, 2, 3].map((sid, i) => [sid, { host: '127.0.0.1', quorumPort: ports[2 * i] as number, electionPort: ports[2 * i + 1] as number }]))
  const recorded: Recorded = { messages: [], disconnections: [], log: [] }
  const handler: PeerHandler = {
    message(from, channel, message, trusted) {
      if (refuse?.(message) === true) throw new TypeError('refused by the handler')
      recorded.messages.push({ from, channel, message, ...(trusted === false ? { trusted } : {}) })
    },
    disconnected: (peer, channel) => void recorded.disconnections.push({ peer, channel }),
  }
  const transport = await startZkPeerTransport({ myid: 2, members, handler, payloads, ...(leaderPayloads === undefined ? {} : { leaderPayloads }), startupConfigText: 'version=0', log: (line) => void recorded.log.push(line), ...(sasl === undefined ? {} : { sasl }) })
  cleanup.push(() => transport.close())
  // A leader's quorum port takes learners only while the core leads.
  if (leaderPayloads !== undefined) transport.roleChanged('LEADING')
  return { transport, members, recorded }
}

/** Listens on `port` with `onConnection`; closed after the test, its connections first. */
function listen(port: number, onConnection: (socket: Socket) => void): void {
  const accepted: Socket[] = []
  const server: Server = createServer((socket) => {
    accepted.push(socket)
    socket.on('error', () => undefined)
    onConnection(socket)
  })
  server.listen(port, '127.0.0.1')
  cleanup.push(() => {
    for (const socket of accepted) socket.destroy()
    return new Promise((done) => server.close(() => done(undefined)))
  })
}

/** Dials `port`, writes `bytes`; resolves once the transport closed the connection. */
async function closedAfter(port: number, ...writes: Uint8Array[]): Promise<void> {
  const socket = new Socket()
  cleanup.push(() => socket.destroy())
  socket.on('error', () => undefined)
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.connect(port, '127.0.0.1', () => {
    for (const bytes of writes) socket.write(bytes)
  })
  await withTimeout(closed, waitMs, 'the transport to close a hostile connection')
}

/** Dials `port` and writes `bytes`, keeping the connection open. */
function dial(port: number, ...writes: Uint8Array[]): Socket {
  const socket = new Socket()
  cleanup.push(() => socket.destroy())
  socket.on('error', () => undefined)
  socket.connect(port, '127.0.0.1', () => {
    for (const bytes of writes) socket.write(bytes)
  })
  return socket
}

const hello = (sid: bigint, port = 1) => encodeInitialMessage({ protocolVersion: PROTOCOL_VERSION_V1, sid, addresses: [{ host: '127.0.0.1', port }] })
const vote = (state: 'LOOKING' | 'LEADING' = 'LOOKING') =>
  encodeElectionFrame(encodeNotification({ state, leader: 3n, zxid: 0x1_0000_0002n, electionEpoch: 4n, peerEpoch: 1n, config: 'version=0' }))

describe('the ZooKeeper transport, election port', () => {
  it('delivers the notifications of a larger sid\'s connection, mapped to the core\'s', async () => {
    const { members, recorded } = await start()
    dial(members.get(2)?.electionPort as number, hello(3n), vote())
    await pollUntil(() => recorded.messages.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the notification' })
    expect(recorded.messages[0]).toEqual({
      from: 3, channel: 'election',
      message: { type: 'NOTIFICATION', state: 'LOOKING', leader: 3, zxid: 0x1_0000_0002, electionEpoch: 4, peerEpoch: 1 },
    })
  })

  it('closes a smaller sid\'s connection and dials that member back with its own initial message (QuorumCnxManager.handleConnection)', async () => {
    const { members } = await start()
    const got = new Promise<unknown>((resolve) => {
      listen(members.get(1)?.electionPort as number, (socket) => {
        const stream = new ZkStreamBuffer(4096)
        socket.on('data', (chunk) => {
          stream.push(chunk)
          const message = stream.next(readInitialMessage)
          if (message !== undefined) resolve(message)
        })
      })
    })
    await closedAfter(members.get(2)?.electionPort as number, hello(1n))
    expect(await withTimeout(got, waitMs, 'the dial back')).toEqual({ protocolVersion: PROTOCOL_VERSION_V1, sid: 2n, addresses: [{ host: '127.0.0.1', port: members.get(2)?.electionPort }] })
  })

  it('closes connections whose first bytes are no initial message of a member, and keeps serving', async () => {
    const { members, recorded } = await start()
    const port = members.get(2)?.electionPort as number
    const badVersion = Uint8Array.from(new JuteWriter().writeLong(-5n).writeLong(3n).finish())
    const hugeAddress = Uint8Array.from(new JuteWriter().writeLong(PROTOCOL_VERSION_V1).writeLong(3n).writeInt(5_000).finish())
    const sidTooLarge = Uint8Array.from(new JuteWriter().writeLong(PROTOCOL_VERSION_V1).writeLong(2n ** 62n).writeBuffer(new TextEncoder().encode('127.0.0.1:1')).finish())
    for (const bytes of [badVersion, hugeAddress, hello(9n), hello(2n), sidTooLarge]) await closedAfter(port, bytes)
    dial(port, hello(3n), vote())
    await pollUntil(() => recorded.messages.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'a member\'s notification after the hostile ones' })
    expect(recorded.log.length).toBeGreaterThanOrEqual(5)
  })

  it('closes a kept connection on a bad frame or notification, reports it, and takes the member\'s next connection', async () => {
    const { members, recorded } = await start()
    const port = members.get(2)?.electionPort as number
    const badState = Uint8Array.from([...encodeNotification({ state: 'LOOKING', leader: 3n, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n, config: '' })])
    badState[3] = 9
    const unsafeEpoch = encodeNotification({ state: 'LOOKING', leader: 3n, zxid: 0n, electionEpoch: 2n ** 60n, peerEpoch: 0n, config: '' })
    const zeroFrame = Uint8Array.from([0, 0, 0, 0])
    const hugeFrame = Uint8Array.from([0x7f, 0, 0, 0])
    for (const bytes of [zeroFrame, hugeFrame, encodeElectionFrame(badState), encodeElectionFrame(unsafeEpoch)]) await closedAfter(port, hello(3n), bytes)
    expect(recorded.messages).toEqual([])
    expect(recorded.disconnections).toEqual(Array.from({ length: 4 }, () => ({ peer: 3, channel: 'election' })))
    dial(port, hello(3n), vote('LEADING'))
    await pollUntil(() => recorded.messages.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the notification on a new connection' })
  })

  it('closes the connection of a notification the handler refuses, and stays up', async () => {
    const { members, recorded } = await start((message) => (message as { state?: string }).state === 'LEADING')
    const port = members.get(2)?.electionPort as number
    await closedAfter(port, hello(3n), vote('LEADING'))
    expect(recorded.log.some((line) => line.includes('refused by the handler'))).toBe(true)
    dial(port, hello(3n), vote())
    await pollUntil(() => recorded.messages.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the next notification' })
  })
})

describe('the ZooKeeper transport, follower connection to a leader\'s quorum port', () => {
  /** A leader stand-in on member 3's quorum port: records the packets it reads, hands out its sockets. */
  function leader(port: number): { packets: QuorumPacket[]; sockets: Socket[] } {
    const packets: QuorumPacket[] = []
    const sockets: Socket[] = []
    listen(port, (socket) => {
      sockets.push(socket)
      const stream = new ZkStreamBuffer(1 << 20)
      socket.on('data', (chunk) => {
        stream.push(chunk)
        for (let p = stream.next(readQuorumPacket); p !== undefined; p = stream.next(readQuorumPacket)) packets.push(p)
      })
    })
    return { packets, sockets }
  }

  it('dials the leader on FOLLOWERINFO, sends it once per connection, and delivers LEADERINFO in the session', async () => {
    const { transport, members, recorded } = await start()
    const fake = leader(members.get(3)?.quorumPort as number)
    transport.send(3, 'quorum', { type: 'FOLLOWERINFO', session: 5, acceptedEpoch: 0 })
    await pollUntil(() => fake.packets.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'FOLLOWERINFO at the leader' })
    expect(fake.packets[0]).toEqual({ type: QuorumPacketType.FOLLOWERINFO, zxid: 0, data: encodeLearnerInfo({ serverid: 2n, protocolVersion: 0x10000, configVersion: 0 }), authinfo: null })
    transport.send(3, 'quorum', { type: 'FOLLOWERINFO', session: 5, acceptedEpoch: 0 })
    expect(transport.connected(3, 'quorum')).toBe(true)
    fake.sockets[0]?.write(encodeQuorumPacket(leaderInfoPacket(0x1_0000_0000)))
    await pollUntil(() => recorded.messages.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'LEADERINFO at the handler' })
    expect(recorded.messages[0]).toEqual({ from: 3, channel: 'quorum', message: { type: 'LEADERINFO', session: 5, newEpoch: 1 } })
    expect(fake.packets).toHaveLength(1)
  })

  it('reads the database after SNAP however it is split, then the packets after it', async () => {
    const { transport, members, recorded } = await start()
    const fake = leader(members.get(3)?.quorumPort as number)
    transport.send(3, 'quorum', { type: 'FOLLOWERINFO', session: 6, acceptedEpoch: 0 })
    await pollUntil(() => fake.packets.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'FOLLOWERINFO at the leader' })
    const socket = fake.sockets[0] as Socket
    socket.write(encodeQuorumPacket(leaderInfoPacket(0x1_0000_0000)))
    await pollUntil(() => recorded.messages.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'LEADERINFO at the handler' })
    transport.send(3, 'quorum', { type: 'ACKEPOCH', session: 6, epoch: 1, currentEpoch: 0, lastZxid: 0 })
    await pollUntil(() => fake.packets.length === 2, { timeoutMs: waitMs, intervalMs: 20, what: 'ACKEPOCH at the leader' })
    // The test codec's database is 4 bytes; the leader's stream splits it, then sends NEWLEADER.
    const rest = [...encodeQuorumPacket({ type: QuorumPacketType.NEWLEADER, zxid: 0x1_0000_0000, data: null, authinfo: null })]
    for (const piece of [[...encodeQuorumPacket({ type: QuorumPacketType.SNAP, zxid: 0x1_0000_0003, data: null, authinfo: null }), 1], [2, 3], [4, ...rest]]) {
      socket.write(Uint8Array.from(piece))
      await new Promise((resolve) => setImmediate(resolve))
    }
    await pollUntil(() => recorded.messages.length === 3, { timeoutMs: waitMs, intervalMs: 20, what: 'SNAP and NEWLEADER at the handler' })
    expect(recorded.messages.slice(1).map((m) => m.message)).toEqual([
      { type: 'SNAP', session: 6, zxid: 0x1_0000_0003, snapshot: Uint8Array.from([1, 2, 3, 4]) },
      { type: 'NEWLEADER', session: 6, zxid: 0x1_0000_0000 },
    ])
  })

  it('closes the connection on a packet a leader never sends or an oversized one, and reports the session ended', async () => {
    for (const bad of [
      encodeQuorumPacket({ type: QuorumPacketType.ACKEPOCH, zxid: 0, data: null, authinfo: null }),
      Uint8Array.from(new JuteWriter().writeInt(QuorumPacketType.PROPOSAL).writeLong(1n).writeInt(0x7fff_0000).finish()),
      encodeQuorumPacket({ type: QuorumPacketType.DIFF, zxid: 1, data: null, authinfo: null }),
    ]) {
      const { transport, members, recorded } = await start()
      const fake = leader(members.get(3)?.quorumPort as number)
      transport.send(3, 'quorum', { type: 'FOLLOWERINFO', session: 8, acceptedEpoch: 0 })
      await pollUntil(() => fake.sockets.length === 1 && transport.connected(3, 'quorum'), { timeoutMs: waitMs, intervalMs: 20, what: 'the learner connection' })
      const closed = new Promise<void>((resolve) => fake.sockets[0]?.once('close', () => resolve()))
      fake.sockets[0]?.write(bad)
      await withTimeout(closed, waitMs, 'the transport to drop the leader')
      await pollUntil(() => recorded.disconnections.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the disconnection' })
      expect(recorded.disconnections).toEqual([{ peer: 3, channel: 'quorum' }])
      expect(recorded.messages).toEqual([])
      expect(transport.connected(3, 'quorum')).toBe(false)
      await transport.close()
    }
  })

  it('retries a leader that is not listening yet on the core\'s next FOLLOWERINFO, without ending the session', async () => {
    const { transport, members, recorded } = await start()
    transport.send(3, 'quorum', { type: 'FOLLOWERINFO', session: 9, acceptedEpoch: 0 })
    await pollUntil(() => recorded.log.length > 0 || !transport.connected(3, 'quorum'), { timeoutMs: waitMs, intervalMs: 20, what: 'the refused dial' })
    const fake = leader(members.get(3)?.quorumPort as number)
    await pollUntil(() => {
      transport.send(3, 'quorum', { type: 'FOLLOWERINFO', session: 9, acceptedEpoch: 0 })
      return fake.packets.length === 1
    }, { timeoutMs: waitMs, intervalMs: 100, what: 'FOLLOWERINFO once the leader listens' })
    expect(recorded.disconnections).toEqual([])
  })

  it('ends the session once five dials to the leader failed before connecting (ZooKeeper: Learner.connectToLeader\'s tries)', async () => {
    const { transport, recorded } = await start()
    await pollUntil(() => {
      transport.send(3, 'quorum', { type: 'FOLLOWERINFO', session: 9, acceptedEpoch: 0 })
      return recorded.disconnections.length > 0 ? true : undefined
    }, { timeoutMs: waitMs, intervalMs: 60, what: 'the session to end after the refused dials' })
    expect(recorded.disconnections).toEqual([{ peer: 3, channel: 'quorum' }])
    expect(recorded.log.filter((line) => line.includes('5 dials to leader 3\'s quorum port failed'))).toHaveLength(1)
  })
})

const leaderPayloads: ZkLeaderPayloadCodec = {
  proposalData: (entry) => entry,
  snapshotStream: (snapshot) => snapshot,
  learnerRequest: () => undefined,
  sessionValid: () => false,
}

const followerInfo = (sid: bigint) =>
  encodeQuorumPacket({ type: QuorumPacketType.FOLLOWERINFO, zxid: 0, data: encodeLearnerInfo({ serverid: sid, protocolVersion: 0x10000, configVersion: 0 }), authinfo: null })

/** A raw learner on the transport's quorum port, recording the packets it reads. */
function learner(port: number, ...writes: Uint8Array[]): { socket: Socket; packets: QuorumPacket[] } {
  const socket = dial(port, ...writes)
  const packets: QuorumPacket[] = []
  const stream = new ZkStreamBuffer(1 << 20)
  socket.on('data', (chunk: Uint8Array) => {
    stream.push(chunk)
    for (let p = stream.next(readQuorumPacket); p !== undefined; p = stream.next(readQuorumPacket)) packets.push(p)
  })
  return { socket, packets }
}

describe('the ZooKeeper transport, quorum port as leader (LearnerHandler)', () => {
  it('takes a learner\'s FOLLOWERINFO as the core\'s in a fresh session, writes the core\'s LEADERINFO, and delivers its ACKEPOCH', async () => {
    const { transport, members, recorded } = await start(undefined, leaderPayloads)
    const port = members.get(2)?.quorumPort as number
    const one = learner(port, followerInfo(1n))
    await pollUntil(() => recorded.messages.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'FOLLOWERINFO at the handler' })
    const first = recorded.messages[0]
    expect(first).toMatchObject({ from: 1, channel: 'quorum', message: { type: 'FOLLOWERINFO', acceptedEpoch: 0 } })
    const session = (first?.message as { session: number }).session
    expect(transport.connected(1, 'quorum')).toBe(true)
    transport.send(1, 'quorum', { type: 'LEADERINFO', session, newEpoch: 1 })
    await pollUntil(() => one.packets.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'LEADERINFO at the learner' })
    expect(one.packets[0]).toEqual(leaderInfoPacket(0x1_0000_0000))
    one.socket.write(encodeQuorumPacket({ type: QuorumPacketType.ACKEPOCH, zxid: 0, data: Uint8Array.of(0, 0, 0, 0), authinfo: null }))
    await pollUntil(() => recorded.messages.length === 2, { timeoutMs: waitMs, intervalMs: 20, what: 'ACKEPOCH at the handler' })
    expect(recorded.messages[1]?.message).toEqual({ type: 'ACKEPOCH', session, epoch: 1, currentEpoch: 0, lastZxid: 0 })
    // A message of another session is not written on this connection.
    transport.send(1, 'quorum', { type: 'LEADERINFO', session: session + 100, newEpoch: 1 })
    one.socket.destroy()
    await pollUntil(() => recorded.disconnections.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the disconnection' })
    expect(recorded.disconnections).toEqual([{ peer: 1, channel: 'quorum' }])
    expect(one.packets).toHaveLength(1)
  })

  it('closes connections whose first packet is no LearnerInfo of a member, or whose packets a learner never sends, and keeps serving', async () => {
    const { members, recorded } = await start(undefined, leaderPayloads)
    const port = members.get(2)?.quorumPort as number
    await closedAfter(port, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]))
    await closedAfter(port, followerInfo(9n))
    await closedAfter(port, followerInfo(2n))
    await closedAfter(port, encodeQuorumPacket({ type: QuorumPacketType.ACK, zxid: 0, data: null, authinfo: null }))
    await closedAfter(port, Uint8Array.from(new JuteWriter().writeInt(QuorumPacketType.FOLLOWERINFO).writeLong(0n).writeInt(0x7fff_0000).finish()))
    await closedAfter(port, followerInfo(3n), encodeQuorumPacket({ type: QuorumPacketType.COMMIT, zxid: 1, data: null, authinfo: null }))
    await pollUntil(() => recorded.disconnections.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the session of learner 3 ended' })
    expect(recorded.disconnections).toEqual([{ peer: 3, channel: 'quorum' }])
    learner(port, followerInfo(1n))
    await pollUntil(() => recorded.messages.some((m) => m.from === 1), { timeoutMs: waitMs, intervalMs: 20, what: 'a member\'s FOLLOWERINFO after the hostile ones' })
  })

  it('takes learners only while the core leads: holds a FOLLOWERINFO that comes while it looks until it leads, closes learners once it follows (only ZooKeeper\'s Leader listens on the quorum port)', async () => {
    const { transport, members, recorded } = await start(undefined, leaderPayloads)
    transport.roleChanged('LOOKING')
    const port = members.get(2)?.quorumPort as number
    const one = learner(port, followerInfo(1n))
    const oneClosed = new Promise<void>((resolve) => one.socket.once('close', () => resolve()))
    await pollUntil(() => recorded.log.some((line) => line.includes('learner 1 connected') && line.includes('held until this member leads')), { timeoutMs: waitMs, intervalMs: 20, what: 'the held learner' })
    expect(recorded.messages).toEqual([])
    transport.roleChanged('LEADING')
    await pollUntil(() => recorded.messages.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the held FOLLOWERINFO at the handler once the core leads' })
    expect(recorded.messages[0]).toMatchObject({ from: 1, channel: 'quorum', message: { type: 'FOLLOWERINFO', acceptedEpoch: 0 } })
    // Leading no more: its learners' connections close (the core left that leadership: it is not told).
    transport.roleChanged('FOLLOWING')
    await withTimeout(oneClosed, waitMs, 'learner 1\'s connection to close')
    expect(transport.connected(1, 'quorum')).toBe(false)
    // A learner that comes while the core follows is closed, as a closed port refuses it.
    await closedAfter(port, followerInfo(3n))
    expect(recorded.log.some((line) => line.includes('learner 3: this member is following, it does not lead'))).toBe(true)
    // One held while looking is closed once the core follows someone else.
    transport.roleChanged('LOOKING')
    const three = learner(port, followerInfo(3n))
    const threeClosed = new Promise<void>((resolve) => three.socket.once('close', () => resolve()))
    await pollUntil(() => recorded.log.some((line) => line.includes('learner 3 connected') && line.includes('held')), { timeoutMs: waitMs, intervalMs: 20, what: 'learner 3 held' })
    transport.roleChanged('OBSERVING')
    await withTimeout(threeClosed, waitMs, 'held learner 3\'s connection to close')
    expect(recorded.messages).toHaveLength(1)
    expect(recorded.disconnections).toEqual([])
  })

  it('does not listen on the quorum port without leader payloads', async () => {
    const { members } = await start()
    const socket = new Socket()
    cleanup.push(() => socket.destroy())
    const refused = new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(true))
      socket.once('connect', () => resolve(false))
    })
    socket.connect(members.get(2)?.quorumPort as number, '127.0.0.1')
    expect(await withTimeout(refused, waitMs, 'the dial to fail')).toBe(true)
  })
})

/** Member `sid`'s quorum SASL with DIGEST-MD5 users server1..server3 (`password` replaces its own). */
function quorumSasl(sid: number, options: { password?: string; serverRequireSasl?: boolean } = {}): Promise<PeerSaslOptions> {
  const users = { server1: 'pw-1', server2: 'pw-2', server3: 'pw-3' }
  return loadQuorumSasl({ users, credentials: { username: `server${sid}`, password: options.password ?? `pw-${sid}` }, learnerRequireSasl: true, serverRequireSasl: options.serverRequireSasl ?? true }, sid)
}

/**
 * Plays `side` on `socket` (after `before`, an initial message say): resolves with its outcome
 * once the exchange ended, having written `after` (a notification, a FOLLOWERINFO) on success.
 */
function authenticate(socket: Socket, side: QuorumAuthSide, before: Uint8Array[] = [], after: Uint8Array[] = []): Promise<QuorumAuthOutcome> {
  return withTimeout(new Promise((resolve) => {
    const write = (bytes: readonly Uint8Array[]) => {
      for (const b of bytes) socket.write(b)
    }
    let over = false
    socket.on('data', (chunk: Uint8Array) => {
      if (over) return
      let step
      try {
        step = side.receive(chunk)
      } catch (error) {
        over = true
        return resolve({ kind: 'refused', reason: `the test's side threw: ${(error as Error).message}` })
      }
      write(step.send)
      if (step.outcome === undefined) return
      over = true
      if (step.outcome.kind === 'authenticated') write(after)
      resolve(step.outcome)
    })
    const begin = () => write([...before, ...side.start().send])
    if (socket.connecting) socket.once('connect', begin)
    else begin()
  }), waitMs, 'the quorum SASL exchange')
}

describe('the ZooKeeper transport with quorum SASL (QuorumAuthPacket, SaslQuorumAuthServer and SaslQuorumAuthLearner)', () => {
  it('delivers the notifications of a member that authenticates after its initial message, and closes only the connections that do not', async () => {
    const { members, recorded } = await start(undefined, undefined, await quorumSasl(2))
    const port = members.get(2)?.electionPort as number
    // No auth packet, a bad magic, an oversized token: each closes its own connection.
    await closedAfter(port, hello(3n), vote())
    await closedAfter(port, hello(3n), Uint8Array.from(new JuteWriter().writeLong(QUORUM_AUTH_MAGIC_NUMBER).writeInt(0).writeInt(0x7fff_0000).finish()))
    await closedAfter(port, hello(3n), encodeQuorumAuthPacket(QuorumAuthStatus.IN_PROGRESS), Uint8Array.from(new JuteWriter().writeLong(1n).writeInt(0).writeInt(0).finish()))
    // A wrong password: told ERROR, then closed.
    const wrong = dial(port)
    const closed = new Promise<void>((resolve) => wrong.once('close', () => resolve()))
    expect(await authenticate(wrong, new QuorumAuthLearner(await quorumSasl(3, { password: 'wrong' })), [hello(3n)])).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/status ERROR/) })
    await withTimeout(closed, waitMs, 'the refused connection to close')
    // Member 1's password claiming to be member 3: refused by the identity rule.
    expect(await authenticate(dial(port), new QuorumAuthLearner(await quorumSasl(1)), [hello(3n)])).toMatchObject({ kind: 'refused' })
    expect(recorded.messages).toEqual([])
    expect(recorded.log.some((line) => /election connection of 3: .*server1 is member 1's, but the connection claims to be member 3/.test(line))).toBe(true)
    // Member 3 with its password: its notification, sent after SUCCESS, is delivered.
    expect(await authenticate(dial(port), new QuorumAuthLearner(await quorumSasl(3)), [hello(3n)], [vote()])).toEqual({ kind: 'authenticated', user: undefined })
    await pollUntil(() => recorded.messages.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the notification after SUCCESS' })
    expect(recorded.messages[0]).toMatchObject({ from: 3, channel: 'election', message: { type: 'NOTIFICATION', state: 'LOOKING' } })
  })

  it('authenticates a learner on the quorum port before its FOLLOWERINFO; without serverRequireSasl one that does not try is taken, untrusted', async () => {
    const { members, recorded } = await start(undefined, leaderPayloads, await quorumSasl(2, { serverRequireSasl: false }))
    const port = members.get(2)?.quorumPort as number
    expect(await authenticate(dial(port), new QuorumAuthLearner(await quorumSasl(1)), [], [followerInfo(1n)])).toEqual({ kind: 'authenticated', user: undefined })
    await pollUntil(() => recorded.messages.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'FOLLOWERINFO after SUCCESS' })
    expect(recorded.messages[0]).toMatchObject({ from: 1, channel: 'quorum', message: { type: 'FOLLOWERINFO' } })
    expect(recorded.messages[0]?.trusted).toBeUndefined()
    learner(port, followerInfo(3n))
    await pollUntil(() => recorded.messages.length === 2, { timeoutMs: waitMs, intervalMs: 20, what: 'the FOLLOWERINFO of a learner without SASL' })
    expect(recorded.messages[1]).toMatchObject({ from: 3, message: { type: 'FOLLOWERINFO' }, trusted: false })
    expect(recorded.log.some((line) => /learner connection: the learner did not try to authenticate; kept unauthenticated/.test(line))).toBe(true)
  })

  it('closes a learner on the quorum port that does not authenticate, with serverRequireSasl, and keeps serving', async () => {
    const { members, recorded } = await start(undefined, leaderPayloads, await quorumSasl(2))
    const port = members.get(2)?.quorumPort as number
    await closedAfter(port, followerInfo(1n))
    expect(await authenticate(dial(port), new QuorumAuthLearner(await quorumSasl(1, { password: 'wrong' })), [], [followerInfo(1n)])).toMatchObject({ kind: 'refused' })
    // Member 3's password with member 1's LearnerInfo: authenticated, then refused by the identity rule.
    const spoof = dial(port)
    const closed = new Promise<void>((resolve) => spoof.once('close', () => resolve()))
    expect(await authenticate(spoof, new QuorumAuthLearner(await quorumSasl(3)), [], [followerInfo(1n)])).toMatchObject({ kind: 'authenticated' })
    await withTimeout(closed, waitMs, 'the spoofing learner to be closed')
    expect(recorded.messages).toEqual([])
    expect(await authenticate(dial(port), new QuorumAuthLearner(await quorumSasl(1)), [], [followerInfo(1n)])).toMatchObject({ kind: 'authenticated' })
    await pollUntil(() => recorded.messages.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the FOLLOWERINFO of the member that authenticated' })
  })

  it('authenticates to the leader before it writes FOLLOWERINFO, and ends the session when the leader answers ERROR', async () => {
    for (const password of ['pw-2', 'wrong']) {
      const { transport, members, recorded } = await start(undefined, undefined, await quorumSasl(2, { password }))
      const outcomes: Promise<QuorumAuthOutcome>[] = []
      const received: Uint8Array[] = []
      const leaderSasl = await quorumSasl(3)
      listen(members.get(3)?.quorumPort as number, (socket) => {
        outcomes.push(authenticate(socket, new QuorumAuthServer(leaderSasl, 2)))
        socket.on('data', (chunk: Uint8Array) => void received.push(chunk))
      })
      transport.send(3, 'quorum', { type: 'FOLLOWERINFO', session: 5, acceptedEpoch: 0 })
      await pollUntil(() => outcomes.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the dial to the leader' })
      const outcome = await (outcomes[0] as Promise<QuorumAuthOutcome>)
      if (password === 'wrong') {
        expect(outcome).toMatchObject({ kind: 'refused' })
        await pollUntil(() => recorded.disconnections.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the session ended' })
        expect(recorded.log.some((line) => /quorum connection to 3: the server refused our SASL authentication \(status ERROR\)/.test(line))).toBe(true)
      } else {
        expect(outcome).toEqual({ kind: 'authenticated', user: 'server2' })
        const followerInfoBytes = encodeQuorumPacket({ type: QuorumPacketType.FOLLOWERINFO, zxid: 0, data: encodeLearnerInfo({ serverid: 2n, protocolVersion: 0x10000, configVersion: 0 }), authinfo: null })
        await pollUntil(() => Buffer.concat(received).includes(Buffer.from(followerInfoBytes)), { timeoutMs: waitMs, intervalMs: 20, what: 'FOLLOWERINFO after SUCCESS' })
        expect(Buffer.concat(received).subarray(-followerInfoBytes.length)).toEqual(Buffer.from(followerInfoBytes))
      }
      await transport.close()
    }
  })

  it('closes a connection whose exchange does not end in time, and logs a peer that closes mid-exchange (driveQuorumAuth)', async () => {
    const ports = await freePorts(1)
    const port = ports[0] as number
    const accepted: Socket[] = []
    listen(port, (socket) => void accepted.push(socket))
    const log: string[] = []
    const run = async (timeoutMs: number): Promise<Socket> => {
      const socket = dial(port)
      await new Promise((resolve) => socket.once('connect', resolve))
      driveQuorumAuth(socket, new QuorumAuthLearner(await quorumSasl(1)), {
        what: `dial ${timeoutMs}`, timeoutMs, log: (line) => void log.push(line), done: () => void log.push('done'),
        guard: (work) => {
          try {
            work()
          } catch (error) {
            socket.destroy()
            log.push(`guard: ${(error as Error).message}`)
          }
        },
      })
      return socket
    }
    // The peer reads the opening packet and never answers: the deadline closes the connection.
    const silent = await run(200)
    await withTimeout(new Promise((resolve) => silent.once('close', resolve)), waitMs, 'the deadline to close the connection')
    expect(log).toEqual(['guard: no end of the quorum SASL exchange within 200 ms (peerSaslTimeoutMs)'])
    // The peer closes: logged as such, never done.
    log.length = 0
    await run(waitMs)
    await pollUntil(() => accepted.length === 2, { timeoutMs: waitMs, intervalMs: 20, what: 'the second connection' })
    accepted[1]?.destroy()
    await pollUntil(() => log.length === 1, { timeoutMs: waitMs, intervalMs: 20, what: 'the log line' })
    expect(log).toEqual([`dial ${waitMs}: closed by the peer during the quorum SASL exchange`])
  })
})
