// Method: quorum TLS between a real Paddock member (zoo.cfg with peerProtocol=zookeeper and
// sslQuorum=true, started through memberOptionsFor and startMember) and Apache ZooKeeper 3.8
// members (QuorumPeerMain with sslQuorum=true), every member with a PEM key store of its own
// (subjectAltName IP:127.0.0.1) and the PEM trust store of one CA, made by openssl for this run
// (test/integration/tls/certs.ts), hostname verification on (the default). The Paddock member
// leads Apache followers, then follows an Apache leader; writes go through every member and the
// trees are compared with the whole Stat. Then an Apache member whose certificate another CA signed
// and raw connections (TLS with that certificate, and plain text) are refused on the election and
// quorum ports of the Paddock member, and on an Apache member's alike, which proves the
// expectations ZooKeeper's; the Paddock member logs why and goes on serving. Last, portUnification
// mid-way through turning TLS on: the Paddock leader takes an Apache member dialling in plain text
// and one dialling with TLS, and runs alice's forwarded write only from the second (NOAUTH from
// the first, as security.md says).
import { connect as netConnect } from 'node:net'
import { rm } from 'node:fs/promises'
import { connect as tlsConnect } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Perms, type MemberServer, type ZooKeeperClient } from '../../lib/index.js'
import { encodeInitialMessage, encodeLearnerInfo, encodeQuorumPacket, PROTOCOL_VERSION_V1, QuorumPacketType } from '../../lib/peer/zookeeper/index.js'
import { makeCertificates, makeMemberCertificates, pem, type Certificates, type Identity } from '../integration/tls/certs.js'
import { apacheUnavailableReason, nettyTlsJars, type QuorumServerLine } from './harness/apache.js'
import { digestId } from './harness/digest.js'
import { clientPortOf, electionMs, ensembleLayout, MixedEnsembleKit, modeOf, nodeOf, type EnsembleLayout } from './harness/mixed-ensemble.js'
import { pollUntil, withTimeout } from './harness/wait.js'

/** A refused connection to be closed by the member. */
const refusalMs = 20_000

describe.skipIf(apacheUnavailableReason() !== undefined)('quorum TLS (sslQuorum=true) between a Paddock member with peerProtocol=zookeeper and Apache ZooKeeper 3.8 members', () => {
  const kit = new MixedEnsembleKit()
  const { paddockLog } = kit
  const step = <T>(what: string, run: () => Promise<T>) => kit.step(what, run)
  let certs: Certificates
  /** The key stores of members 1, 2 and 3, from the CA every member trusts. */
  let identities: Identity[]

  beforeAll(async () => {
    certs = await makeCertificates()
    identities = await makeMemberCertificates(certs, ['127.0.0.1', '127.0.0.1', '127.0.0.1'])
  }, 60_000)
  afterAll(() => rm(certs.dir, { recursive: true, force: true }))
  afterEach(() => kit.reset(), 60_000)

  /** The zoo.cfg lines of quorum TLS with `keyStore` (dialling with TLS unless `sslQuorum` is false), ZooKeeper's keys as both read them. */
  const quorumTls = (keyStore: string, sslQuorum = true): string[] => [
    `sslQuorum=${sslQuorum}`,
    `ssl.quorum.keyStore.location=${keyStore}`,
    'ssl.quorum.keyStore.type=PEM',
    `ssl.quorum.trustStore.location=${certs.ca}`,
    'ssl.quorum.trustStore.type=PEM',
  ]
  const keyStoreOf = (sid: number): string => (identities[sid - 1] as Identity).keyStore
  // Netty's codec on the class path: ZooKeeper's UnifiedServerSocket tells TLS from plain text with
  // Netty's SslHandler, and without it the JVM's election listener dies at its first connection.
  const startApache = (layout: EnsembleLayout, sid: number, keyStore = keyStoreOf(sid), more: readonly string[] = quorumTls(keyStore)) =>
    kit.startApache(layout, sid, undefined, { extraConfig: more, extraClasspath: nettyTlsJars })
  const startPaddock = (layout: EnsembleLayout, dataDir: string, more: readonly string[] = []): Promise<MemberServer> =>
    kit.startPaddock(layout, 3, dataDir, { extraConfig: [...quorumTls(keyStoreOf(3)), ...more] })

  /** A create through each client, then every member's tree compared with the first's, node by node with the whole Stat. */
  async function writeThroughEach(clients: readonly ZooKeeperClient[], ports: readonly number[], prefix: string): Promise<void> {
    for (const [i, zk] of clients.entries()) {
      const path = `${prefix}-${i + 1}`
      expect(await step(`a create of ${path} through the member on ${ports[i]}`, () => zk.create(path, `w${i + 1}`))).toBe(path)
    }
    const tree = await kit.expectSameTrees(ports)
    for (const i of clients.keys()) expect(tree.get(`${prefix}-${i + 1}`)?.data).toBe(`w${i + 1}`)
  }

  it('leads two Apache followers over TLS, then follows the Apache leader elected without it: writes through every member, identical trees', async () => {
    const layout = await ensembleLayout()
    const ports = [1, 2, 3].map((sid) => clientPortOf(layout, sid))
    const dataDir = await kit.temporaryDir('paddock-zktls-')
    const member = await startPaddock(layout, dataDir)
    const apache = await Promise.all([startApache(layout, 1), startApache(layout, 2)])

    // Paddock leads (the largest sid, every history empty); both Apache members follow it over TLS.
    await step('the Paddock member leading', () => member.waitUntilServing(electionMs))
    expect(member.status()).toMatchObject({ role: 'LEADING' })
    await step('both Apache members following', () => kit.waitForModes(ports, ['follower', 'follower', 'leader']))
    // What makes the Apache members' ports TLS-only (QuorumCnxManager's Listener and the Leader's acceptor alike).
    for (const peer of apache) expect(peer.output()).toContain('Creating TLS-only quorum server socket')
    const led = await Promise.all(ports.map((port) => kit.client(port)))
    await writeThroughEach(led, ports, '/led')

    // Without the Paddock member the Apache members elect one of theirs; started again on its
    // dataDir, the Paddock member follows that leader over TLS.
    await member.close()
    await step('an Apache leader elected without the Paddock member', () =>
      pollUntil(async () => {
        const modes = await Promise.all(ports.slice(0, 2).map(modeOf))
        return modes.includes('leader') && modes.includes('follower') ? modes : undefined
      }, { timeoutMs: electionMs, intervalMs: 200, what: 'members 1 and 2 to serve as leader and follower' }))
    const again = await startPaddock(layout, dataDir)
    await step('the Paddock member following the Apache leader', () => again.waitUntilServing(electionMs))
    expect(again.status()).toMatchObject({ role: 'FOLLOWING' })
    expect(await modeOf(ports[2] as number)).toBe('follower')
    const followed = await Promise.all(ports.map((port) => kit.client(port)))
    await writeThroughEach(followed, ports, '/followed')
    expect(paddockLog.filter((line) => line.startsWith('ERROR'))).toEqual([])
  }, 400_000)

  it('refuses a member whose certificate another CA signed on both ports, and plain text on both ports, as Apache members do; logs why and serves on', async () => {
    const layout = await ensembleLayout()
    const ports = [1, 2, 3].map((sid) => clientPortOf(layout, sid)) as [number, number, number]
    const [s1, s2, s3] = layout.servers as [QuorumServerLine, QuorumServerLine, QuorumServerLine]
    // Member 2 trusts the CA but presents a certificate of the other one (same name and address).
    const apache = await Promise.all([startApache(layout, 1), startApache(layout, 2, certs.rogue.keyStore)])
    // The Paddock member starts once both listen, so that its first dials reach them.
    await step('both Apache members listening on their election ports', () =>
      pollUntil(() => (apache.every((peer) => peer.output().includes('is accepting connections now')) ? true : undefined), { timeoutMs: electionMs, intervalMs: 100, what: 'the Apache election listeners' }))
    const member = await startPaddock(layout, await kit.temporaryDir('paddock-zktls-'))

    // Members 1 and 3 make a quorum without member 2: the Paddock member leads, member 1 follows.
    await step('the Paddock member leading', () => member.waitUntilServing(electionMs))
    expect(member.status()).toMatchObject({ role: 'LEADING' })
    await step('member 1 following', () => kit.waitForModes([ports[0]], ['follower']))
    // Member 2 is refused both ways on the election port: its dials in the handshake (it dials
    // again at its notification timeouts, which double up to a minute while it looks), and its
    // certificate when the Paddock member dials it.
    const logged = (pattern: RegExp, what: string, times = 1) =>
      step(what, () => pollUntil(async () => (paddockLog.filter((line) => pattern.test(line)).length >= times ? true : undefined), { timeoutMs: electionMs, intervalMs: 100, what }))
    await logged(/refused election connection from 127\.0\.0\.1:\d+: TLS handshake failed/, 'member 2\'s election dial refused in the TLS handshake')
    await logged(/TLS dial to member 2's election port at 127\.0\.0\.1:\d+ failed: .*certificate/, 'the Paddock member refusing member 2\'s certificate on its dial')

    // Raw connections as member 2 would open them: TLS with its certificate, and plain text,
    // on the election port (its initial message) and the quorum port (its FOLLOWERINFO).
    const initialMessage = encodeInitialMessage({ protocolVersion: PROTOCOL_VERSION_V1, sid: 2n, addresses: [{ host: '127.0.0.1', port: s2.electionPort }] })
    const followerInfo = encodeQuorumPacket({ type: QuorumPacketType.FOLLOWERINFO, zxid: 0, data: encodeLearnerInfo({ serverid: 2n, protocolVersion: 0x10000, configVersion: 0 }), authinfo: null })
    // Apache member 1, a follower, listens on its election port only.
    const targets = [['the Paddock member', s3.electionPort, initialMessage, 'election'], ['the Paddock member', s3.quorumPort, followerInfo, 'quorum'], ['Apache member 1', s1.electionPort, initialMessage, 'election']] as const
    for (const [who, port, bytes, name] of targets) {
      await step(`${who} closing a TLS connection with member 2's certificate on its ${name} port`, () => refusedConnection(port, bytes, certs.rogue))
      await step(`${who} closing a plain-text connection on its ${name} port`, () => refusedConnection(port, bytes))
    }
    // The address may be gone by the time a refused handshake is logged (the client hung up first).
    await logged(/refused learner connection from .*: TLS handshake failed/, 'both refusals on the quorum port logged', 2)

    // Member 2 never joined; the Paddock member serves on: a write through it reaches member 1.
    expect(await modeOf(ports[1])).toBeUndefined()
    const [onLeader, onFollower] = await Promise.all([kit.client(ports[2]), kit.client(ports[0])])
    await onLeader.create('/after-refusals', 'still serving')
    await onFollower.sync('/after-refusals')
    expect(await nodeOf(onFollower, '/after-refusals')).toEqual(await nodeOf(onLeader, '/after-refusals'))
    expect(member.status()).toMatchObject({ role: 'LEADING' })
    expect(await modeOf(ports[1])).toBeUndefined()
    expect(paddockLog.filter((line) => line.startsWith('ERROR'))).toEqual([])
  }, 400_000)

  it('with portUnification=true, mid-way through turning TLS on, leads an Apache member dialling in plain text and one dialling with TLS, and believes only the second\'s client identities', async () => {
    const layout = await ensembleLayout()
    const ports = [1, 2, 3].map((sid) => clientPortOf(layout, sid)) as [number, number, number]
    const member = await startPaddock(layout, await kit.temporaryDir('paddock-zktls-'), ['portUnification=true'])
    // Member 1 is at the first step of the switch (takes both, dials in plain text), member 2 at the second (dials with TLS).
    await Promise.all([
      startApache(layout, 1, keyStoreOf(1), ['portUnification=true', ...quorumTls(keyStoreOf(1), false)]),
      startApache(layout, 2, keyStoreOf(2), ['portUnification=true', ...quorumTls(keyStoreOf(2))]),
    ])
    await step('the Paddock member leading', () => member.waitUntilServing(electionMs))
    expect(member.status()).toMatchObject({ role: 'LEADING' })
    await step('both Apache members following', () => kit.waitForModes(ports, ['follower', 'follower', 'leader']))
    const clients = await Promise.all(ports.map((port) => kit.client(port)))
    await writeThroughEach(clients, ports, '/unified')

    // A znode only alice may write (everyone reads): her writes forwarded on member 2's TLS connection run as her,
    // those forwarded on member 1's plain-text one run without her identity (NOAUTH).
    for (const zk of clients) await zk.addAuth('digest', 'alice:pw')
    const [plain, tls, leader] = clients as [ZooKeeperClient, ZooKeeperClient, ZooKeeperClient]
    const acl = [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('alice', 'pw') } }, { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]
    await leader.create('/alice-only', 'v0', { acl })
    await step('a setData as alice through member 2', () => tls.setData('/alice-only', 'through-tls'))
    await plain.sync('/alice-only')
    expect((await nodeOf(plain, '/alice-only')).data).toBe('through-tls')
    await expect(plain.setData('/alice-only', 'through-plain')).rejects.toMatchObject({ code: 'NOAUTH' })
    await kit.expectSameTrees(ports)
    expect(paddockLog.filter((line) => line.startsWith('ERROR'))).toEqual([])
  }, 400_000)

  /**
   * Dials 127.0.0.1:`port`, over TLS presenting `identity` (trusting the members' CA) or in plain
   * text, writes `bytes` once connected, and resolves once the member closed the connection.
   */
  async function refusedConnection(port: number, bytes: Uint8Array, identity?: Identity): Promise<void> {
    const socket = identity === undefined
      ? netConnect({ host: '127.0.0.1', port }, () => socket.write(bytes))
      : tlsConnect({ host: '127.0.0.1', port, key: pem(identity.key), cert: pem(identity.cert), ca: pem(certs.ca), checkServerIdentity: () => undefined }, () => socket.write(bytes))
    socket.on('error', () => undefined)
    socket.resume()
    try {
      await withTimeout(new Promise((resolve) => socket.once('close', resolve)), refusalMs, `the member on port ${port} to close the connection`)
    } finally {
      socket.destroy()
    }
  }
})
