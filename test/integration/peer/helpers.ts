// What the member-to-member tests share: member addresses and certificates, transports started with a
// handler that records what they hear and closed after each test, bounded waits, and the frames and
// JAAS files impostors and members use.
import { rm } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { startTcpTransport, type PeerAddress, type PeerChannel, type TcpPeerTransport, type TcpTransportOptions } from '../../../lib/peer/index.js'
import { encodeValue } from '../../../lib/txn/codec.js'
import { freePorts } from '../../interop/harness/ports.js'
import { makeCertificates, makeMemberCertificates, pem, type Certificates, type Identity } from '../tls/certs.js'

/** Member i + 1 on `hosts[i]`, each with its own two ports (held open together while chosen, so none repeats). */
export async function addressesOn(hosts: readonly string[]): Promise<Map<number, PeerAddress>> {
  const ports = await freePorts(hosts.length * 2)
  const map = new Map<number, PeerAddress>()
  for (const [i, host] of hosts.entries()) map.set(i + 1, { host, quorumPort: ports[2 * i] ?? 0, electionPort: ports[2 * i + 1] ?? 0 })
  return map
}

/** The transports and sockets a test opens: registers an afterEach that closes them. */
export function closedAfterEach(): { started: TcpPeerTransport[]; sockets: Socket[] } {
  const opened = { started: [] as TcpPeerTransport[], sockets: [] as Socket[] }
  afterEach(async () => {
    for (const s of opened.sockets.splice(0)) s.destroy()
    for (const t of opened.started.splice(0)) await t.close()
  })
  return opened
}

/**
 * The test CA's certificates and one member certificate per host (subjectAltName IP:<host>), made
 * before the file's tests (openssl, certs.ts) and removed after them: read its fields inside tests.
 */
export function memberCertificates(hosts: readonly string[]): { certs: Certificates; members: Identity[] } {
  const made = { certs: undefined as unknown as Certificates, members: [] as Identity[] }
  beforeAll(async () => {
    made.certs = await makeCertificates()
    made.members = await makeMemberCertificates(made.certs, hosts)
  }, 30_000)
  afterAll(async () => {
    await rm(made.certs.dir, { recursive: true, force: true })
  })
  return made
}

/** A transport started for a test, with what it heard and logged. */
export interface PeerNode {
  transport: TcpPeerTransport
  /** `from/channel:message` for each message delivered, with ` untrusted` when the transport marked it so. */
  inbox: string[]
  /** The transport's log lines. */
  log: string[]
}

/** Starts member `myid`'s transport with `options`, recording into a {@link PeerNode}; `started` collects it for closing. */
export async function startNode(
  myid: number,
  members: Map<number, PeerAddress>,
  options: Omit<TcpTransportOptions, 'myid' | 'members' | 'handler' | 'log'>,
  started: TcpPeerTransport[],
): Promise<PeerNode> {
  const inbox: string[] = []
  const log: string[] = []
  const handler = {
    message: (from: number, channel: PeerChannel, message: unknown, trusted?: boolean) => void inbox.push(`${from}/${channel}:${String(message)}${trusted === false ? ' untrusted' : ''}`),
    disconnected: () => {},
    fatal: () => {},
  }
  const transport = await startTcpTransport({ myid, members, handler, log: (line) => log.push(line), ...options })
  started.push(transport)
  return { transport, inbox, log }
}

/** Waits, a turn of the event loop at a time, until `condition` holds; throws naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** `value` as one peer frame: its 4-byte big-endian length, then its msgpackr bytes. */
export function framed(value: unknown): Buffer {
  const body = encodeValue(value)
  const head = Buffer.alloc(4)
  head.writeUInt32BE(body.length, 0)
  return Buffer.concat([head, body])
}

/** Resolves when `socket` closes. */
export function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve()
    socket.once('close', () => resolve())
  })
}

/**
 * A TLS connection to `port` on 127.0.0.1 trusting the CA file `ca`, presenting `identity` (no
 * certificate when undefined), that says hello as member `claim` once the handshake is done.
 */
export function tlsPeer(port: number, ca: string, identity: Identity | undefined, claim: number): TLSSocket {
  const socket = tlsConnect({
    host: '127.0.0.1',
    port,
    ca: pem(ca),
    ...(identity === undefined ? {} : { key: pem(identity.key), cert: pem(identity.cert) }),
    checkServerIdentity: () => undefined,
  })
  socket.on('error', () => {})
  socket.on('secureConnect', () => socket.write(framed({ tag: 'paddock-peer/1', id: claim })))
  return socket
}

/** Whether every node has both connections up to every other (node i is member i + 1). */
export function allConnected(nodes: readonly PeerNode[]): boolean {
  return nodes.every((a, i) => nodes.every((_, j) => i === j || (a.transport.connected(j + 1, 'election') && a.transport.connected(j + 1, 'quorum'))))
}

/**
 * Member `id`'s JAAS file for quorum SASL: every member's `server<N>` user with password `pw-<N>`
 * in QuorumServer, and in QuorumLearner its own user with `learnerPassword`.
 */
export function quorumJaas(id: number, learnerPassword = `pw-${id}`): string {
  return `
QuorumServer {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  user_server1="pw-1"
  user_server2="pw-2"
  user_server3="pw-3";
};
QuorumLearner {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  username="server${id}"
  password="${learnerPassword}";
};
`
}
