// Method: member ports with portUnification on loopback (ZooKeeper: UnifiedServerSocket, and the three
// restarts of QuorumSSLTest.testRollingUpgrade). Three members live on 127.0.0.1, .2 and .3, each
// with a certificate from the test CA naming its own address (openssl, certs.ts). Transports are
// started directly: one port takes TLS and plain-text members, marks which connections proved who
// they are, and is attacked by hand (no hello, silence, a hello too big, a TLS record of garbage,
// TLS without a certificate or from another CA, a member certificate claiming another id); the
// bound of connections waiting for their hello holds for connections waiting for their first byte.
// Last, a 3-member ensemble run from zoo.cfg is switched from plain text to TLS by restarting each
// member three times, forming and replicating after every restart, and ends refusing impostors.
import { mkdtemp, rm } from 'node:fs/promises'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadQuorumTls, type QuorumTlsOptions } from '../../../lib/host/quorum-tls.js'
import { memberOptionsFor, parseZooCfg, startMember, type MemberServer } from '../../../lib/index.js'
import type { PeerAddress } from '../../../lib/peer/index.js'
import type { Identity } from '../tls/certs.js'
import { addressesOn, allConnected, closed, closedAfterEach, framed, memberCertificates, startNode, tlsPeer as tlsPeerOn, until, type PeerNode } from './helpers.js'

const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3']
const files = memberCertificates(hosts)
const { started, sockets } = closedAfterEach()
const addresses = () => addressesOn(hosts)

/** How a member's ports speak: plain text only, or TLS with portUnification and dialling with TLS or not. */
type Mode = 'plain' | { portUnification: boolean; dialTls: boolean }

async function node(myid: number, map: Map<number, PeerAddress>, mode: Mode, extra: { pendingConnectionsMax?: number } = {}): Promise<PeerNode> {
  const options: QuorumTlsOptions = { keyStore: { location: files.members[myid - 1]?.keyStore ?? '' }, trustStore: { location: files.certs.ca } }
  const tls = mode === 'plain' ? undefined : await loadQuorumTls({ ...options, ...mode })
  return startNode(myid, map, { helloTimeoutMs: 1_500, ...(tls === undefined ? {} : { tls }), ...extra }, started)
}

/** A plain-text connection to `port` that sends `bytes` (nothing, when undefined) once connected. */
function plainPeer(port: number, bytes?: Buffer): Socket {
  const socket = new Socket()
  sockets.push(socket)
  socket.on('error', () => {})
  socket.connect(port, '127.0.0.1', () => {
    if (bytes !== undefined) socket.write(bytes)
  })
  return socket
}

/** A TLS peer on `port` (see helpers.ts), closed after the test. */
function tlsPeer(port: number, identity: Identity | undefined, claim: number): Socket {
  const socket = tlsPeerOn(port, files.certs.ca, identity, claim)
  sockets.push(socket)
  return socket
}

describe('member ports with portUnification', () => {
  it('take TLS and plain-text members on one port; only TLS connections are authenticated, and a member that dials with TLS marks the others untrusted', async () => {
    const map = await addresses()
    // 1 and 3 dial with TLS (sslQuorum=true), 2 still dials in plain text (sslQuorum=false); all take both.
    const nodes = [
      await node(1, map, { portUnification: true, dialTls: true }),
      await node(2, map, { portUnification: true, dialTls: false }),
      await node(3, map, { portUnification: true, dialTls: true }),
    ]
    await until(() => allConnected(nodes), 'every connection')
    const [a, b, c] = nodes as [PeerNode, PeerNode, PeerNode]
    // The larger id dials: 3 reached 1 and 2 over TLS, 2 reached 1 in plain text.
    expect(a.transport.authenticated(3, 'quorum') && a.transport.authenticated(3, 'election')).toBe(true)
    expect(b.transport.authenticated(3, 'quorum') && c.transport.authenticated(2, 'quorum')).toBe(true)
    expect(a.transport.authenticated(2, 'quorum') || a.transport.authenticated(2, 'election')).toBe(false)
    b.transport.send(1, 'quorum', 'plain-from-2')
    c.transport.send(1, 'quorum', 'tls-from-3')
    // Member 2 asks nobody for proof (it does not dial with TLS): what it hears is trusted.
    a.transport.send(2, 'quorum', 'from-1')
    await until(() => a.inbox.length === 2 && b.inbox.length === 1, 'the three messages')
    expect(a.inbox.sort()).toEqual(['2/quorum:plain-from-2 untrusted', '3/quorum:tls-from-3'])
    expect(b.inbox).toEqual(['1/quorum:from-1'])
  })

  it('connects plain-text members with one that takes TLS but dials in plain text (the first step), all trusted', async () => {
    const map = await addresses()
    const nodes = [await node(1, map, 'plain'), await node(2, map, { portUnification: true, dialTls: false }), await node(3, map, 'plain')]
    await until(() => allConnected(nodes), 'every connection')
    const [a, b, c] = nodes as [PeerNode, PeerNode, PeerNode]
    a.transport.send(2, 'election', 'to-2')
    c.transport.send(2, 'quorum', 'to-2-again')
    b.transport.send(1, 'quorum', 'from-2')
    await until(() => b.inbox.length === 2 && a.inbox.length === 1, 'the messages')
    expect(b.inbox.sort()).toEqual(['1/election:to-2', '3/quorum:to-2-again'])
    expect(a.inbox).toEqual(['2/quorum:from-2'])
  })

  it('still asks a plain-text connection for its hello in time, and a TLS one for a certificate that is the member\'s own', async () => {
    const map = await addresses()
    const a = await node(1, map, { portUnification: true, dialTls: true })
    const port = map.get(1)?.quorumPort ?? 0
    const refusals = (pattern: RegExp) => a.log.filter((line) => pattern.test(line)).length

    await closed(plainPeer(port, framed({ tag: 'something-else', id: 2 })))
    await until(() => refusals(/refused quorum connection .*: not a hello/) === 1, 'a frame that is no hello refused')
    await closed(plainPeer(port))
    await until(() => refusals(/refused quorum connection .*: nothing within 1500 ms \(peerHelloTimeoutMs\)/) === 1, 'a silent connection closed')
    await closed(plainPeer(port, Buffer.from([0x00, 0x10, 0x00, 0x00])))
    await until(() => refusals(/peer frame of 1048576 bytes is over 1024/) === 1, 'a hello announced too big refused')
    // 0x16 then garbage: taken for TLS, and the handshake fails.
    await closed(plainPeer(port, Buffer.from([0x16, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05])))
    await closed(tlsPeer(port, undefined, 2))
    await closed(tlsPeer(port, files.certs.rogue, 2))
    await until(() => refusals(/TLS handshake failed/) === 3, 'three failed handshakes logged')
    // Member 2's own, valid certificate claiming member 3 (which lives on 127.0.0.3).
    await closed(tlsPeer(port, files.members[1], 3))
    await until(() => refusals(/claims to be member 3, but .*127\.0\.0\.3/) === 1, 'the forged claim refused')
    expect(a.inbox).toEqual([])

    // A plain-text hello is let in (that is what portUnification is for), but never trusted.
    const plain = plainPeer(port, Buffer.concat([framed({ tag: 'paddock-peer/1', id: 2 }), framed('forged-request')]))
    await until(() => a.inbox.length === 1, 'the plain-text peer heard')
    expect(a.inbox).toEqual(['2/quorum:forged-request untrusted'])
    expect(a.transport.authenticated(2, 'quorum')).toBe(false)
    plain.destroy()
  })

  it('counts connections waiting for their first byte under peerPendingConnectionsMax', async () => {
    const map = await addresses()
    const a = await node(1, map, { portUnification: true, dialTls: true }, { pendingConnectionsMax: 2 })
    const port = map.get(1)?.electionPort ?? 0
    const silent = [plainPeer(port), plainPeer(port)]
    await Promise.all(silent.map((s) => new Promise((resolve) => s.once('connect', resolve))))
    // The third finds two waiting (the members a dials are not up, so nothing else waits) and is closed at once.
    const third = plainPeer(port)
    await closed(third)
    expect(a.log.some((line) => /2 connections already wait for their hello \(peerPendingConnectionsMax\)/.test(line))).toBe(true)
    expect(silent.some((s) => s.destroyed)).toBe(false)
    // The two silent ones are closed by the hello timeout, not left waiting.
    await Promise.all(silent.map(closed))
    expect(a.log.filter((line) => /nothing within 1500 ms/.test(line))).toHaveLength(2)
  })
})

describe('quorumTls.dialTls', () => {
  it('refuses false without portUnification: a member dialling in plain text to ports that take only TLS would reach nobody', async () => {
    const options: QuorumTlsOptions = { keyStore: { location: files.members[0]?.keyStore ?? '' }, trustStore: { location: files.certs.ca }, dialTls: false }
    await expect(loadQuorumTls(options)).rejects.toThrow(/quorumTls\.dialTls=false needs quorumTls\.portUnification=true/)
    const tls = await loadQuorumTls({ ...options, dialTls: true })
    await expect(startNode(1, await addresses(), { tls: { ...tls, dialTls: false } }, started)).rejects.toThrow(TypeError)
  })
})

describe('turning TLS on in a running ensemble', () => {
  it('forms and replicates after every restart of the three steps, and ends refusing impostors', async () => {
    const map = await addresses()
    const dir = await mkdtemp(join(tmpdir(), 'paddock-quorum-rolling-'))
    const running = new Map<number, MemberServer>()
    const logs = new Map<number, string[]>([...map.keys()].map((id) => [id, []]))
    // ZooKeeper's procedure: add the stores with portUnification, then sslQuorum, then drop portUnification.
    const steps: string[][] = [
      [],
      ['portUnification=true', 'sslQuorum=false'],
      ['portUnification=true', 'sslQuorum=true'],
      ['portUnification=false', 'sslQuorum=true'],
    ]
    const zooCfg = (id: number, step: number) => [
      'tickTime=100',
      `dataDir=${join(dir, String(id))}`,
      ...[...map].map(([n, a]) => `server.${n}=${a.host}:${a.quorumPort}:${a.electionPort}`),
      ...(step === 0 ? [] : [`ssl.quorum.keyStore.location=${files.members[id - 1]?.keyStore}`, `ssl.quorum.trustStore.location=${files.certs.ca}`]),
      ...(steps[step] ?? []),
    ].join('\n')
    const start = async (id: number, step: number) => {
      const options = memberOptionsFor(parseZooCfg(zooCfg(id, step), `zoo${id}.cfg`), id)
      const log = (line: string) => void logs.get(id)?.push(line)
      running.set(id, await startMember({ ...options, port: undefined, logger: { info: log, error: log } }))
    }
    /** One leader and two followers; a write through the leader is read back on every member. */
    const replicates = async (label: string) => {
      const all = () => [...running.values()]
      await until(() => all().filter((m) => m.mode === 'leader').length === 1 && all().filter((m) => m.mode === 'follower').length === 2, `a leader and two followers (${label})`, 30_000)
      const leader = all().find((m) => m.mode === 'leader') as MemberServer
      const writer = await leader.connect()
      await writer.create(`/${label}`, label)
      await writer.close()
      for (const member of all()) {
        const reader = await member.connect()
        await reader.sync(`/${label}`)
        expect((await reader.getString(`/${label}`)).data).toBe(label)
        await reader.close()
      }
    }
    try {
      for (const id of map.keys()) await start(id, 0)
      await replicates('plain')
      for (let step = 1; step < steps.length; step++) {
        for (const id of map.keys()) {
          await running.get(id)?.close()
          running.delete(id)
          await start(id, step)
          await replicates(`step-${step}-member-${id}`)
        }
      }
      // Every member now speaks TLS only: a plain-text peer and one without a certificate are dropped in the handshake.
      const port = map.get(1)?.electionPort ?? 0
      await closed(plainPeer(port, framed({ tag: 'paddock-peer/1', id: 3 })))
      await closed(tlsPeer(port, undefined, 3))
      await until(() => (logs.get(1) ?? []).filter((line) => /refused election connection .*TLS handshake failed/.test(line)).length >= 2, 'both impostors refused')
    } finally {
      for (const m of running.values()) await m.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 180_000)
})
