// Method: member-to-member TLS (sslQuorum) on loopback. Three members live on 127.0.0.1, .2 and .3,
// each with a certificate from the test CA naming its own address (openssl, certs.ts), so hostname
// verification can tell them apart. Transports are started directly and attacked by impostors: a
// plain-text peer, a TLS peer without a certificate, one whose certificate another CA signed, and
// one holding member 2's valid certificate that claims to be member 3. Each must see its
// connection closed before anything it sends is delivered, while the members keep talking. Last, a
// 3-member ensemble over TLS elects, replicates and fails over.
import { copyFile, mkdtemp, rename, rm } from 'node:fs/promises'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadQuorumTls, type QuorumTlsOptions } from '../../../lib/host/quorum-tls.js'
import { memberOptionsFor, parseZooCfg, startMember, TlsConfigError, type MemberServer } from '../../../lib/index.js'
import type { PeerAddress } from '../../../lib/peer/index.js'
import { makeMemberCertificates, type Identity } from '../tls/certs.js'
import { addressesOn, closed, closedAfterEach, framed, memberCertificates, startNode, tlsPeer, until, type PeerNode } from './helpers.js'

const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3']
const files = memberCertificates(hosts)
const { started, sockets } = closedAfterEach()
const addresses = () => addressesOn(hosts)

function quorumTls(i: number): QuorumTlsOptions {
  return { keyStore: { location: files.members[i]?.keyStore ?? '' }, trustStore: { location: files.certs.ca } }
}

async function node(myid: number, map: Map<number, PeerAddress>): Promise<PeerNode> {
  const tls = await loadQuorumTls(quorumTls(myid - 1))
  return startNode(myid, map, { tls, helloTimeoutMs: 2_000 }, started)
}

describe('member-to-member TLS', () => {
  it('connects members whose certificates chain to the quorum CA, and carries their messages', async () => {
    const map = await addresses()
    const [a, b, c] = [await node(1, map), await node(2, map), await node(3, map)]
    await until(() => [1, 2, 3].every((x) => [1, 2, 3].every((y) => x === y || [a, b, c][x - 1]?.transport.connected(y, 'election'))), 'every election connection')
    a.transport.send(3, 'election', 'from-1')
    c.transport.send(2, 'quorum', 'from-3')
    await until(() => c.inbox.includes('1/election:from-1') && b.inbox.includes('3/quorum:from-3'), 'both messages')
  })

  it('drops impostors before reading them: plain text, no certificate, another CA, and a member certificate claiming another id', async () => {
    const map = await addresses()
    const [a, b, c] = [await node(1, map), await node(2, map), await node(3, map)]
    await until(() => a.transport.connected(2, 'election') && a.transport.connected(3, 'election'), 'the members')
    const port = map.get(1)?.electionPort ?? 0

    // Plain text: the hello is no TLS ClientHello; the handshake fails and nothing is delivered.
    const plain = new Socket()
    sockets.push(plain)
    plain.on('error', () => {})
    plain.connect(port, '127.0.0.1', () => plain.write(framed({ tag: 'paddock-peer/1', id: 3 })))
    await closed(plain)

    const impostor = async (identity: Identity | undefined, claim: number): Promise<void> => {
      const socket = tlsPeer(port, files.certs.ca, identity, claim)
      sockets.push(socket)
      await closed(socket)
    }
    await impostor(undefined, 3)
    await impostor(files.certs.rogue, 3)
    await until(() => a.log.filter((line) => /TLS handshake failed/.test(line)).length >= 3, 'three failed handshakes logged')
    // Member 2's own, valid certificate claiming member 3 (which lives on 127.0.0.3).
    await impostor(files.members[1], 3)
    await until(() => a.log.some((line) => /claims to be member 3, but .*127\.0\.0\.3/.test(line)), 'the forged claim refused')

    // The members never heard the impostors, and still talk.
    expect(a.inbox.filter((m) => !/^[23]\//.test(m))).toEqual([])
    b.transport.send(1, 'election', 'still-here')
    c.transport.send(1, 'quorum', 'me-too')
    await until(() => a.inbox.includes('2/election:still-here') && a.inbox.includes('3/quorum:me-too'), 'the members after the attack')
  })

  it('refuses to start without usable stores, naming the ssl.quorum key', async () => {
    await expect(loadQuorumTls({ keyStore: { location: join(files.certs.dir, 'missing.pem') }, trustStore: { location: files.certs.ca } })).rejects.toMatchObject({
      setting: 'ssl.quorum.keyStore.location',
    })
    await expect(loadQuorumTls({ keyStore: { location: files.certs.mismatched }, trustStore: { location: files.certs.ca } })).rejects.toThrow(TlsConfigError)
    await expect(loadQuorumTls({ ...quorumTls(0), protocol: 'TLSv1.1' })).rejects.toMatchObject({ setting: 'ssl.quorum.protocol' })
  })
})

describe('an ensemble over quorum TLS', () => {
  it('elects a leader, replicates a write and fails over when the leader stops', async () => {
    const map = await addresses()
    const dir = await mkdtemp(join(tmpdir(), 'paddock-quorum-tls-'))
    const running: MemberServer[] = []
    const quiet = { info: () => {}, error: () => {} }
    // Each member's zoo.cfg, as an operator writes it: the shared server lines, its own key store.
    const zooCfg = (id: number) => [
      'tickTime=100',
      `dataDir=${join(dir, String(id))}`,
      ...[...map].map(([n, a]) => `server.${n}=${a.host}:${a.quorumPort}:${a.electionPort}`),
      'sslQuorum=true',
      `ssl.quorum.keyStore.location=${files.members[id - 1]?.keyStore}`,
      'ssl.quorum.keyStore.type=PEM',
      `ssl.quorum.trustStore.location=${files.certs.ca}`,
      'ssl.quorum.trustStore.type=PEM',
    ].join('\n')
    try {
      for (const id of map.keys()) {
        const options = memberOptionsFor(parseZooCfg(zooCfg(id), `zoo${id}.cfg`), id)
        expect(options.quorumTls?.hostnameVerification).toBe(true)
        running.push(await startMember({ ...options, port: undefined, logger: quiet }))
      }
      await until(() => running.some((m) => m.mode === 'leader') && running.filter((m) => m.mode === 'follower').length === 2, 'a leader and two followers', 20_000)
      const leader = running.find((m) => m.mode === 'leader') as MemberServer
      const follower = running.find((m) => m.mode === 'follower') as MemberServer
      const writer = await leader.connect()
      await writer.create('/over-tls', 'sealed')
      const reader = await follower.connect()
      await reader.sync('/over-tls')
      expect((await reader.getString('/over-tls')).data).toBe('sealed')
      await writer.close()
      await reader.close()
      await leader.close()
      const rest = running.filter((m) => m !== leader)
      await until(() => rest.some((m) => m.mode === 'leader'), 'a new leader', 20_000)
      const after = await (rest.find((m) => m.mode === 'leader') as MemberServer).connect()
      expect((await after.getString('/over-tls')).data).toBe('sealed')
      await after.close()
    } finally {
      for (const m of running) await m.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe('sslQuorumReloadCertFiles', () => {
  it('serves new member connections with the certificate the key store file was replaced by', async () => {
    const map = await addresses()
    const servers = [...map].map(([id, a]) => ({ id, host: a.host, quorumPort: a.quorumPort, electionPort: a.electionPort, role: 'participant' as const, clientAddress: undefined, clientPort: undefined }))
    const dir = await mkdtemp(join(tmpdir(), 'paddock-quorum-reload-'))
    // Member 1's key store is a copy the test replaces; the replacement names another host.
    const [wrongHost] = await makeMemberCertificates(files.certs, ['127.0.0.9'], 'elsewhere', 200)
    const keyStore = join(dir, 'member-1-keystore.pem')
    await copyFile(files.members[0]?.keyStore ?? '', keyStore)
    const logs = new Map<number, string[]>(servers.map((s) => [s.id, []]))
    const logger = (id: number) => ({ info: (line: string) => void logs.get(id)?.push(line), error: (line: string) => void logs.get(id)?.push(line) })
    const start = (id: number) =>
      startMember({
        myid: id,
        servers,
        dataDir: join(dir, String(id)),
        logger: logger(id),
        tickTimeMs: 100,
        quorumTls: id === 1 ? { keyStore: { location: keyStore }, trustStore: { location: files.certs.ca }, reloadCertFiles: true } : quorumTls(id - 1),
      })
    const running = new Map<number, MemberServer>()
    try {
      for (const { id } of servers) running.set(id, await start(id))
      await until(() => [...running.values()].some((m) => m.mode === 'leader'), 'a leader', 20_000)
      // Replace the file as an operator does: write the new one beside it, rename it over.
      await copyFile(wrongHost?.keyStore ?? '', `${keyStore}.new`)
      await rename(`${keyStore}.new`, keyStore)
      await until(() => logs.get(1)?.some((line) => /reloaded the quorum TLS certificates/.test(line)) === true, 'member 1 to reload its certificate')
      // Member 2 dials member 1 again after a restart: it now sees a certificate for 127.0.0.9.
      await running.get(2)?.close()
      running.set(2, await start(2))
      await until(() => logs.get(2)?.some((line) => /member 1's \w+ connection \(dialled\).*(IP|Hostname)/i.test(line)) === true, "member 2 to refuse member 1's new certificate")
    } finally {
      for (const m of running.values()) await m.close()
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})

