// Method: member-to-member SASL (quorum.auth.*) on loopback. Transports are started directly with the
// DIGEST-MD5 options the host builds, and attacked by impostors speaking the peer protocol by hand: no
// SASL at all, a wrong password, and member 2's valid password claiming to be member 3. Each must see
// its connection closed with nothing it sent delivered, while the members keep talking. Then the
// rolling-upgrade mode (enableSasl without the require switches) connects SASL and non-SASL members,
// and two ensembles run from zoo.cfg and a JAAS file: one with SASL required forms, replicates and
// keeps out a member with a wrong password; one mixes a SASL member with non-SASL ones.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadQuorumSasl, type QuorumSaslOptions } from '../../../lib/host/quorum-sasl.js'
import { memberOptionsFor, parseZooCfg, startMember, type MemberServer } from '../../../lib/index.js'
import type { PeerAddress } from '../../../lib/peer/index.js'
import { FrameReader } from '../../../lib/peer/tcp.js'
import { decodeValue } from '../../../lib/txn/codec.js'
import { DigestMd5Client, zooKeeperQuorumDigestUri, zooKeeperQuorumSaslRealm } from '../../../lib/wire/sasl-digest-md5.js'
import { addressesOn, allConnected, closedAfterEach, framed, quorumJaas, startNode, until, type PeerNode } from './helpers.js'

const users = { server1: 'pw-1', server2: 'pw-2', server3: 'pw-3' }

const { started, sockets } = closedAfterEach()
const addresses = (count = 3) => addressesOn(Array.from({ length: count }, () => '127.0.0.1'))

/** Member `myid` with quorum SASL as `sasl` says (none: no SASL at all), authenticating as `server<myid>`. */
async function node(myid: number, map: Map<number, PeerAddress>, sasl: Omit<QuorumSaslOptions, 'users' | 'credentials'> | undefined): Promise<PeerNode> {
  const username = `server${myid}`
  const options = sasl === undefined ? undefined : await loadQuorumSasl({ ...sasl, users, credentials: { username, password: users[username as keyof typeof users] } }, myid)
  return startNode(myid, map, { helloTimeoutMs: 2_000, saslTimeoutMs: 2_000, ...(options === undefined ? {} : { sasl: options }) }, started)
}

const required = { learnerRequireSasl: true, serverRequireSasl: true }

/**
 * An impostor on `port` claiming member `claim`: with `password` it runs DIGEST-MD5 as `user`; either
 * way it then sends a vote and a REQUEST, as a member would. Resolves with the SASL frames it got, once closed.
 */
async function impostor(port: number, claim: number, user?: string, password?: string): Promise<unknown[]> {
  const socket = new Socket()
  sockets.push(socket)
  socket.on('error', () => {})
  const heard: unknown[] = []
  const reader = new FrameReader(64 * 1024)
  const client = new DigestMd5Client({ username: user ?? '', password: password ?? '', realm: zooKeeperQuorumSaslRealm, digestUri: zooKeeperQuorumDigestUri })
  const attack = () => {
    socket.write(framed({ type: 'notification', leader: claim, zxid: 1e9, epoch: 99 }))
    socket.write(framed({ type: 'REQUEST', write: { sessionId: 1n, cxid: 1, authInfo: [{ scheme: 'super', id: '' }], request: { op: 'delete', path: '/x' } } }))
  }
  socket.on('data', (chunk: Buffer) => {
    for (const body of reader.push(chunk)) {
      const frame = decodeValue(body) as { status?: string; token?: Uint8Array }
      heard.push(frame)
      if (frame.status === 'challenge') {
        socket.write(framed({ tag: 'paddock-peer-sasl/1', status: 'response', token: client.respond(frame.token ?? new Uint8Array(0)) }))
        attack()
      }
    }
  })
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.connect(port, '127.0.0.1', () => {
    socket.write(framed({ tag: 'paddock-peer/1', id: claim, ...(password === undefined ? {} : { sasl: true }) }))
    if (password === undefined) attack()
  })
  await closed
  return heard
}

describe('quorum SASL between transports', () => {
  it('authenticates every connection on both ports and carries the members\' messages', async () => {
    const map = await addresses()
    const nodes = [await node(1, map, required), await node(2, map, required), await node(3, map, required)]
    await until(() => allConnected(nodes), 'every connection')
    const [a, b, c] = nodes as [PeerNode, PeerNode, PeerNode]
    expect(a.transport.authenticated(3, 'election') && a.transport.authenticated(2, 'quorum') && c.transport.authenticated(1, 'quorum')).toBe(true)
    a.transport.send(3, 'election', 'from-1')
    c.transport.send(2, 'quorum', 'from-3')
    await until(() => c.inbox.includes('1/election:from-1') && b.inbox.includes('3/quorum:from-3'), 'both messages')
  })

  it('closes impostors on the quorum and election ports without delivering a message: no SASL, a wrong password, another member\'s user', async () => {
    const map = await addresses()
    const nodes = [await node(1, map, required), await node(2, map, required), await node(3, map, required)]
    await until(() => allConnected(nodes), 'every connection')
    const [a, b, c] = nodes as [PeerNode, PeerNode, PeerNode]
    for (const port of [map.get(1)?.quorumPort ?? 0, map.get(1)?.electionPort ?? 0]) {
      expect(await impostor(port, 3)).toEqual([])
      const wrong = await impostor(port, 3, 'server3', 'guessed')
      expect(wrong.map((f) => (f as { status: string }).status)).toEqual(['challenge', 'failure'])
      const stolen = await impostor(port, 3, 'server2', 'pw-2')
      expect(stolen.map((f) => (f as { status: string }).status)).toEqual(['challenge', 'failure'])
      expect(String((stolen[1] as { reason: string }).reason)).toMatch(/server2 is member 2's, but the connection claims to be member 3/)
    }
    expect(a.log.filter((l) => /did not try to authenticate, and quorum.auth.serverRequireSasl/.test(l))).toHaveLength(2)
    expect(a.log.filter((l) => /SASL authentication failed \(quorum.auth.serverRequireSasl is true\): .*wrong password/.test(l))).toHaveLength(2)
    // Nothing the impostors sent arrived; member 3's own connections were never replaced.
    expect(a.inbox).toEqual([])
    expect(a.log.some((l) => /replaced by a newer one/.test(l))).toBe(false)
    b.transport.send(1, 'election', 'still-here')
    c.transport.send(1, 'quorum', 'me-too')
    await until(() => a.inbox.includes('2/election:still-here') && a.inbox.includes('3/quorum:me-too'), 'the members after the attack')
  })

  it('closes a dialled connection to a member that does not do SASL when learnerRequireSasl, and accepts it in the rolling-upgrade mode', async () => {
    const map = await addresses()
    // 1 and 3 enable SASL without requiring it; 2 has none. 3 dials both, 2 dials 1.
    const nodes = [await node(1, map, {}), await node(2, map, undefined), await node(3, map, {})]
    await until(() => allConnected(nodes), 'every connection in the rolling-upgrade mode')
    const [a, b, c] = nodes as [PeerNode, PeerNode, PeerNode]
    expect(c.transport.authenticated(1, 'quorum')).toBe(true)
    expect(c.transport.authenticated(2, 'quorum')).toBe(false)
    expect(a.transport.authenticated(2, 'election')).toBe(false)
    b.transport.send(1, 'quorum', 'unauthenticated-but-accepted')
    // Heard, but marked untrusted: member 1 does quorum SASL and member 2 did not authenticate.
    await until(() => a.inbox.includes('2/quorum:unauthenticated-but-accepted untrusted'), 'the non-SASL member heard')

    const strict = await addresses(2)
    const lone = await node(1, strict, undefined)
    const requiring = await node(2, strict, { learnerRequireSasl: true })
    await until(() => requiring.log.some((l) => /does not do quorum SASL, and quorum.auth.learnerRequireSasl is true/.test(l)), 'the refusal')
    expect(requiring.transport.connected(1, 'quorum')).toBe(false)
    expect(lone.inbox).toEqual([])
  })
})

describe('an ensemble with quorum SASL from zoo.cfg', () => {
  const jaas = (learnerPassword: (id: number) => string) => (id: number) => quorumJaas(id, learnerPassword(id))

  async function ensemble(switches: (id: number) => string[], jaasOf: (id: number) => string, body: (running: Map<number, MemberServer>, logs: Map<number, string[]>) => Promise<void>) {
    const map = await addresses()
    const dir = await mkdtemp(join(tmpdir(), 'paddock-quorum-sasl-'))
    const running = new Map<number, MemberServer>()
    const logs = new Map<number, string[]>([...map.keys()].map((id) => [id, []]))
    try {
      for (const id of map.keys()) {
        await writeFile(join(dir, `jaas${id}.conf`), jaasOf(id))
        const text = [
          'tickTime=100',
          `dataDir=${join(dir, String(id))}`,
          ...[...map].map(([n, a]) => `server.${n}=${a.host}:${a.quorumPort}:${a.electionPort}`),
          // Only members with quorum SASL name the JAAS file: the others run as before it existed.
          ...(switches(id).length === 0 ? [] : [`java.security.auth.login.config=${join(dir, `jaas${id}.conf`)}`, ...switches(id)]),
        ].join('\n')
        const options = memberOptionsFor(parseZooCfg(text, `zoo${id}.cfg`), id)
        const log = (line: string) => void logs.get(id)?.push(line)
        running.set(id, await startMember({ ...options, port: undefined, logger: { info: log, error: log } }))
      }
      await body(running, logs)
    } finally {
      for (const m of running.values()) await m.close()
      await rm(dir, { recursive: true, force: true })
    }
  }

  const requireAll = ['quorum.auth.enableSasl=true', 'quorum.auth.learnerRequireSasl=true', 'quorum.auth.serverRequireSasl=true']

  it('forms, replicates, and keeps out a member whose password is wrong', async () => {
    await ensemble(
      () => requireAll,
      jaas((id) => (id === 3 ? 'not-pw-3' : `pw-${id}`)),
      async (running, logs) => {
        const [one, two, three] = [running.get(1), running.get(2), running.get(3)] as MemberServer[]
        await until(() => [one, two].some((m) => m?.mode === 'leader') && [one, two].some((m) => m?.mode === 'follower'), 'a leader and a follower of 1 and 2', 20_000)
        const leader = [one, two].find((m) => m?.mode === 'leader') as MemberServer
        const follower = [one, two].find((m) => m?.mode === 'follower') as MemberServer
        const writer = await leader.connect()
        await writer.create('/over-sasl', 'sealed')
        const reader = await follower.connect()
        await reader.sync('/over-sasl')
        expect((await reader.getString('/over-sasl')).data).toBe('sealed')
        await writer.close()
        await reader.close()
        // Member 3 tried, and was refused on every attempt: it never followed.
        await until(() => (logs.get(1) ?? []).concat(logs.get(2) ?? []).some((l) => /SASL authentication failed.*server3.*wrong password/.test(l)), 'member 3 refused')
        expect(three?.mode).not.toBe('follower')
        expect(three?.mode).not.toBe('leader')
      },
    )
  }, 60_000)

  it('runs a SASL member with non-SASL members in the rolling-upgrade mode', async () => {
    await ensemble(
      (id) => (id === 2 ? ['quorum.auth.enableSasl=true'] : []),
      jaas((id) => `pw-${id}`),
      async (running) => {
        await until(() => [...running.values()].some((m) => m.mode === 'leader') && [...running.values()].filter((m) => m.mode === 'follower').length === 2, 'a leader and two followers', 20_000)
        const leader = [...running.values()].find((m) => m.mode === 'leader') as MemberServer
        const writer = await leader.connect()
        await writer.create('/mixed', 'ok')
        await writer.close()
        const other = [...running.values()].find((m) => m !== leader) as MemberServer
        const reader = await other.connect()
        await reader.sync('/mixed')
        expect((await reader.getString('/mixed')).data).toBe('ok')
        await reader.close()
      },
    )
  }, 60_000)
})
