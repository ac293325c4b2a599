// Method: the peerProtocol=zookeeper transport with quorum TLS (sslQuorum, hostname verification
// on) as member 2 of members 1 and 2 on 127.0.0.1 and member 3 on 127.0.0.3, driven by raw TLS
// and plain sockets that play ZooKeeper members with certificates openssl makes for this run: a
// certificate must chain to the quorum CA and name the host of the member the initial message or
// LearnerInfo claims (one member's certificate cannot speak as another), plain text is refused
// unless portUnification, where what a plain-text learner sends is delivered untrusted, and a
// member dialled must present a certificate naming the host dialled, and replaced certificates
// serve new connections. Each refusal is logged and the transport serves on.
import { rm } from 'node:fs/promises'
import { connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ZkLeaderPayloadCodec, ZkPayloadCodec } from '../../../lib/peer/zookeeper/payloads.js'
import { encodeElectionFrame, encodeInitialMessage, encodeLearnerInfo, encodeNotification, encodeQuorumPacket, PROTOCOL_VERSION_V1, QuorumPacketType } from '../../../lib/peer/zookeeper/index.js'
import { startZkPeerTransport, type ZkPeerTransport } from '../../../lib/peer/zookeeper/transport.js'
import type { PeerTlsOptions } from '../../../lib/peer/tls.js'
import type { PeerAddress, PeerChannel, PeerHandler } from '../../../lib/peer/transport.js'
import { freePorts } from '../../interop/harness/ports.js'
import { pollUntil, withTimeout } from '../../interop/harness/wait.js'
import { makeCertificates, makeMemberCertificates, pem, type Certificates, type Identity } from '../tls/certs.js'

const waitMs = 10_000
const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

let certs: Certificates
/** Members 1 and 2 name 127.0.0.1, member 3 names 127.0.0.3. */
let identities: [Identity, Identity, Identity]
beforeAll(async () => {
  certs = await makeCertificates()
  identities = (await makeMemberCertificates(certs, ['127.0.0.1', '127.0.0.1', '127.0.0.3'])) as [Identity, Identity, Identity]
}, 30_000)
afterAll(() => rm(certs.dir, { recursive: true, force: true }))

interface Recorded {
  readonly messages: { from: number; channel: PeerChannel; type: string; trusted: boolean | undefined }[]
  readonly log: string[]
}

const payloads: ZkPayloadCodec = { proposal: (_zxid, data) => data, readSnapshot: (r) => r.readBytes(4), request: () => undefined }
const leaderPayloads: ZkLeaderPayloadCodec = { proposalData: (entry) => entry, snapshotStream: (snapshot) => snapshot, learnerRequest: () => undefined, sessionValid: () => false }

/** The quorum TLS of `identity` with the test CA. */
const tlsOf = (identity: Identity, more: Partial<PeerTlsOptions> = {}): PeerTlsOptions => ({
  context: { key: pem(identity.key), cert: pem(identity.cert), ca: pem(certs.ca) }, hostnameVerification: true, ...more,
})

/** The transport as member 2, leading (listening on its quorum port), with TLS as member 2. */
async function start(more: Partial<PeerTlsOptions> = {}): Promise<{ transport: ZkPeerTransport; members: Map<number, PeerAddress>; recorded: Recorded }> {
  const ports = await freePorts(6)
  const hosts = ['127.0.0.1', '127.0.0.1', '127.0.0.3']
  const members = new Map<number, PeerAddress>(hosts.map((host, i) => [i + 1, { host, quorumPort: ports[2 * i] as number, electionPort: ports[2 * i + 1] as number }]))
  const recorded: Recorded = { messages: [], log: [] }
  const handler: PeerHandler = {
    message: (from, channel, message, trusted) => void recorded.messages.push({ from, channel, type: (message as { type: string }).type, trusted }),
    disconnected: () => undefined,
  }
  const transport = await startZkPeerTransport({
    myid: 2, members, handler, payloads, leaderPayloads, startupConfigText: 'version=0', tls: tlsOf(identities[1], more), log: (line) => void recorded.log.push(line),
  })
  cleanup.push(() => transport.close())
  transport.roleChanged('LEADING')
  return { transport, members, recorded }
}

/** Dials 127.0.0.1:`port`, over TLS as `identity` or in plain text, and writes `writes` once connected. */
function dial(port: number, identity: Identity | undefined, ...writes: Uint8Array[]): Socket {
  const send = (): void => {
    for (const bytes of writes) socket.write(bytes)
  }
  const socket = identity === undefined
    ? netConnect({ host: '127.0.0.1', port }, send)
    : tlsConnect({ host: '127.0.0.1', port, key: pem(identity.key), cert: pem(identity.cert), ca: pem(certs.ca), checkServerIdentity: () => undefined }, send)
  socket.on('error', () => undefined)
  socket.resume()
  cleanup.push(() => socket.destroy())
  return socket
}

/** Resolves once the transport closed `socket`. */
function closed(socket: Socket): Promise<unknown> {
  return withTimeout(new Promise((resolve) => (socket.destroyed ? resolve(undefined) : socket.once('close', resolve))), waitMs, 'the transport to close the connection')
}

const until = (condition: () => boolean, what: string) => pollUntil(() => (condition() ? true : undefined), { timeoutMs: waitMs, intervalMs: 20, what })
const hello = (sid: bigint) => encodeInitialMessage({ protocolVersion: PROTOCOL_VERSION_V1, sid, addresses: [{ host: '127.0.0.1', port: 1 }] })
const vote = () => encodeElectionFrame(encodeNotification({ state: 'LOOKING', leader: 3n, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n, config: 'version=0' }))
const followerInfo = (sid: bigint) =>
  encodeQuorumPacket({ type: QuorumPacketType.FOLLOWERINFO, zxid: 0, data: encodeLearnerInfo({ serverid: sid, protocolVersion: 0x10000, configVersion: 0 }), authinfo: null })

describe('the ZooKeeper transport with quorum TLS', () => {
  it('takes a certificate naming the host of the member it claims to be, on both ports, from any address', async () => {
    const { members, recorded } = await start()
    // Member 3's certificate names 127.0.0.3, its host; the connection comes from 127.0.0.1.
    dial(members.get(2)?.electionPort as number, identities[2], hello(3n), vote())
    dial(members.get(2)?.quorumPort as number, identities[2], followerInfo(3n))
    await until(() => recorded.messages.length === 2, 'the notification and FOLLOWERINFO')
    expect(recorded.messages.map(({ from, channel, type, trusted }) => ({ from, channel, type, trusted })).sort((a, b) => a.channel.localeCompare(b.channel))).toEqual([
      { from: 3, channel: 'election', type: 'NOTIFICATION', trusted: undefined },
      { from: 3, channel: 'quorum', type: 'FOLLOWERINFO', trusted: true },
    ])
  })

  it('refuses a member\'s certificate claiming another member\'s id on both ports (ssl.quorum.hostnameVerification)', async () => {
    const { members, recorded } = await start()
    // Member 1's certificate (127.0.0.1) claims sid 3, whose host is 127.0.0.3.
    await closed(dial(members.get(2)?.electionPort as number, identities[0], hello(3n), vote()))
    await closed(dial(members.get(2)?.quorumPort as number, identities[0], followerInfo(3n)))
    await until(() => recorded.log.filter((line) => /claims to be member 3, but .*127\.0\.0\.3/.test(line)).length === 2, 'both claims refused')
    expect(recorded.messages).toEqual([])
  })

  it('refuses a certificate another CA signed and plain text on both ports in the handshake, logs each, and serves on', async () => {
    const { members, recorded } = await start()
    const election = members.get(2)?.electionPort as number
    const quorum = members.get(2)?.quorumPort as number
    for (const [port, bytes] of [[election, hello(3n)], [quorum, followerInfo(3n)]] as const) {
      await closed(dial(port, certs.rogue, bytes))
      await closed(dial(port, undefined, bytes))
    }
    await until(() => recorded.log.filter((line) => /refused election connection .*TLS handshake failed/.test(line)).length === 2, 'both election refusals logged')
    await until(() => recorded.log.filter((line) => /refused learner connection .*TLS handshake failed/.test(line)).length === 2, 'both quorum refusals logged')
    expect(recorded.messages).toEqual([])
    dial(election, identities[2], hello(3n), vote())
    await until(() => recorded.messages.length === 1, 'a member\'s notification after the refusals')
  })

  it('with portUnification takes plain text beside TLS on both ports, and delivers what a plain-text learner sends untrusted', async () => {
    const { members, recorded } = await start({ portUnification: true })
    dial(members.get(2)?.electionPort as number, undefined, hello(3n), vote())
    await until(() => recorded.messages.length === 1, 'the plain-text notification')
    dial(members.get(2)?.quorumPort as number, undefined, followerInfo(3n))
    await until(() => recorded.messages.length === 2, 'the plain-text FOLLOWERINFO')
    dial(members.get(2)?.quorumPort as number, identities[2], followerInfo(3n))
    await until(() => recorded.messages.length === 3, 'the TLS FOLLOWERINFO')
    expect(recorded.messages.slice(1).map(({ type, trusted }) => ({ type, trusted }))).toEqual([{ type: 'FOLLOWERINFO', trusted: false }, { type: 'FOLLOWERINFO', trusted: true }])
    // The TLS checks stay: member 1's certificate still cannot claim sid 3.
    await closed(dial(members.get(2)?.quorumPort as number, identities[0], followerInfo(3n)))
    await until(() => recorded.log.some((line) => /claims to be member 3/.test(line)), 'the claim refused')
  })

  it('serves new connections with the certificates replaceTls gives (sslQuorumReloadCertFiles)', async () => {
    const { transport, members } = await start()
    const presented = async (): Promise<unknown> => {
      const socket = dial(members.get(2)?.electionPort as number, identities[2])
      await withTimeout(new Promise((resolve) => socket.once('secureConnect', resolve)), waitMs, 'the handshake')
      return (socket as TLSSocket).getPeerCertificate().subject.CN
    }
    expect(await presented()).toBe('member-2')
    transport.replaceTls(tlsOf(identities[0]))
    expect(await presented()).toBe('member-1')
  })

  it('refuses a member dialled whose certificate does not name the host dialled, and says why', async () => {
    const { transport, members, recorded } = await start()
    await until(() => recorded.log.some((line) => /TLS dial to member 1's election port .*ECONNREFUSED/.test(line)), 'the dial at start refused')
    // Member 1 listens on 127.0.0.1 but presents member 3's certificate (127.0.0.3); the transport dials it (the smaller sid).
    const impostor = createTlsServer({ key: pem(identities[2].key), cert: pem(identities[2].cert), ca: pem(certs.ca), requestCert: true }, (socket) => socket.on('error', () => undefined))
    impostor.on('tlsClientError', () => undefined)
    await new Promise<void>((resolve) => impostor.listen(members.get(1)?.electionPort, '127.0.0.1', resolve))
    cleanup.push(() => new Promise((resolve) => impostor.close(resolve)))
    // A notification for member 1 dials it again.
    transport.send(1, 'election', { type: 'NOTIFICATION', state: 'LOOKING', leader: 2, zxid: 0, electionEpoch: 1, peerEpoch: 0 })
    await until(() => recorded.log.some((line) => /TLS dial to member 1's election port at 127\.0\.0\.1:\d+ failed: .*IP: 127\.0\.0\.1 is not in the cert's list: 127\.0\.0\.3/.test(line)), 'the dial refused')
  })
})
