// Method: a real TCP transport on loopback ports, attacked with raw sockets that play a hostile
// peer (a 512 MiB length prefix before the hello, silent and trickling connections past the cap,
// forged and duplicate hellos, frames its handler refuses or that break an invariant); each test
// checks the connection is closed, the log says why, and the transport goes on serving members.
import { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { peerHelloBytesMax } from '../../../lib/limits.js'
import { startTcpTransport, type PeerAddress, type PeerChannel, type PeerHandler, type PeerTransport } from '../../../lib/peer/index.js'
import { encodeValue } from '../../../lib/txn/codec.js'
import { ZabInvariantError } from '../../../lib/zab/index.js'
import { freePorts } from '../../interop/harness/ports.js'

interface Node {
  transport: PeerTransport
  inbox: { from: number; channel: PeerChannel; message: unknown }[]
  lost: string[]
  fatal: Error[]
  log: string[]
}

const started: PeerTransport[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const t of started.splice(0)) await t.close()
})

async function members(n: number): Promise<Map<number, PeerAddress>> {
  const map = new Map<number, PeerAddress>()
  // Distinct ports: chosen while held open together (one by one, the kernel may hand one out twice).
  const ports = await freePorts(2 * n)
  for (let id = 1; id <= n; id++) map.set(id, { host: '127.0.0.1', quorumPort: ports[2 * id - 2] ?? 0, electionPort: ports[2 * id - 1] ?? 0 })
  return map
}

/** A transport whose handler refuses 'bad' (TypeError) and breaks an invariant on 'broken'. */
async function start(myid: number, map: Map<number, PeerAddress>, extra: { helloTimeoutMs?: number; pendingConnectionsMax?: number } = {}): Promise<Node> {
  const node: Node = { transport: undefined as unknown as PeerTransport, inbox: [], lost: [], fatal: [], log: [] }
  const handler: PeerHandler = {
    message: (from, channel, message) => {
      if (message === 'bad') throw new TypeError('refused by the handler')
      if (message === 'broken') throw new ZabInvariantError('an invariant broke')
      node.inbox.push({ from, channel, message })
    },
    disconnected: (peer, channel) => void node.lost.push(`${peer}/${channel}`),
    fatal: (error) => void node.fatal.push(error),
  }
  node.transport = await startTcpTransport({ myid, members: map, handler, log: (line) => node.log.push(line), ...extra })
  started.push(node.transport)
  return node
}

function framed(value: unknown): Buffer {
  const body = encodeValue(value)
  const head = Buffer.alloc(4)
  head.writeUInt32BE(body.length, 0)
  return Buffer.concat([head, body])
}

const hello = (id: number): Buffer => framed({ tag: 'paddock-peer/1', id })

/** A raw connection to `port`, with the time it closed once it does. */
async function raw(port: number): Promise<{ socket: Socket; openedAt: number; closed: Promise<number> }> {
  const socket = new Socket()
  sockets.push(socket)
  socket.on('error', () => undefined)
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
    socket.connect(port, '127.0.0.1')
  })
  return { socket, openedAt: Date.now(), closed }
}

async function until(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const settled = <T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> =>
  Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))])

describe('peer port before the hello', () => {
  it('closes a connection that announces a 512 MiB frame before any hello, without the process buffering it', async () => {
    const map = await members(2)
    const one = await start(1, map)
    const rssBefore = process.memoryUsage().rss
    const attacker = await raw(map.get(1)!.quorumPort)
    const prefix = Buffer.alloc(4)
    prefix.writeUInt32BE(512 * 1024 * 1024, 0)
    attacker.socket.write(prefix)
    // Then try to stream the frame: up to 256 MiB, which a buffering reader would hold.
    const chunk = Buffer.alloc(1024 * 1024)
    let sent = 0
    const sentAt = Date.now()
    for (; sent < 256 && !attacker.socket.destroyed; sent++) {
      if (!attacker.socket.write(chunk)) await Promise.race([new Promise((r) => attacker.socket.once('drain', r)), attacker.closed])
    }
    const closedAt = await attacker.closed
    expect(closedAt - sentAt).toBeLessThan(2_000)
    expect(sent).toBeLessThan(256)
    // Bound: far below the 256 MiB a reader that buffered the frame would hold.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024)
    expect(one.log.join('\n')).toMatch(new RegExp(`quorum connection from 127.0.0.1:\\d+: RangeError: peer frame of 536870912 bytes is over ${peerHelloBytesMax}`))
  })

  it('closes connections over the pending cap at once, and silent or trickling ones at the hello timeout; members connect after', async () => {
    const map = await members(2)
    const helloTimeoutMs = 1_500
    const one = await start(1, map, { helloTimeoutMs, pendingConnectionsMax: 4 })
    const port = map.get(1)!.quorumPort
    const silent = [await raw(port), await raw(port), await raw(port)]
    const trickler = await raw(port)
    // One byte of a 200-byte hello every 200 ms: busy, but never done.
    const drip = Buffer.concat([Buffer.from([0, 0, 0, 200]), Buffer.alloc(200)])
    let dripped = 0
    const trickle = setInterval(() => trickler.socket.write(drip.subarray(dripped, ++dripped)), 200)
    try {
      await new Promise((resolve) => setTimeout(resolve, 200))
      const extra = await raw(map.get(1)!.electionPort)
      expect(await settled(extra.closed, 1_000)).not.toBe('pending')
      for (const c of [...silent, trickler]) {
        const closedAt = await c.closed
        expect(closedAt - c.openedAt).toBeGreaterThanOrEqual(helloTimeoutMs - 100)
        expect(closedAt - c.openedAt).toBeLessThan(helloTimeoutMs + 5_000)
      }
    } finally {
      clearInterval(trickle)
    }
    const log = one.log.join('\n')
    expect(log).toMatch(/refused election connection from .*: 4 connections already wait for their hello \(peerPendingConnectionsMax\)/)
    expect(log.match(/no hello within 1500 ms/g)).toHaveLength(4)
    // The cap is free again: member 2 connects and talks.
    const two = await start(2, map)
    await until(() => one.transport.connected(2, 'quorum') && two.transport.connected(1, 'quorum'), 'member 2 connected')
    two.transport.send(1, 'quorum', 'hello from 2')
    await until(() => one.inbox.length === 1, 'delivery')
    expect(one.inbox[0]).toEqual({ from: 2, channel: 'quorum', message: 'hello from 2' })
  })

  it('refuses a hello from a non-member, one claiming our own id, and a frame that is no hello', async () => {
    const map = await members(2)
    const one = await start(1, map)
    const port = map.get(1)!.quorumPort
    const stranger = await raw(port)
    stranger.socket.write(hello(99))
    const impostor = await raw(port)
    impostor.socket.write(hello(1))
    const garbage = await raw(port)
    garbage.socket.write(framed({ tag: 'zookeeper', id: 2 }))
    for (const c of [stranger, impostor, garbage]) expect(await settled(c.closed, 2_000)).not.toBe('pending')
    expect(one.log.join('\n')).toMatch(/99 is not another member/)
    expect(one.log.join('\n')).toMatch(/1 is not another member/)
    expect(one.log.join('\n')).toMatch(/not a hello/)
    expect(one.inbox).toEqual([])
  })
})

describe('peer port after the hello', () => {
  it('delivers frames that arrive in the same chunk as the hello, in order', async () => {
    const map = await members(2)
    const one = await start(1, map)
    const peer = await raw(map.get(1)!.quorumPort)
    peer.socket.write(Buffer.concat([hello(2), framed('first'), framed({ n: 2 })]))
    await until(() => one.inbox.length === 2, 'both frames')
    expect(one.inbox).toEqual([{ from: 2, channel: 'quorum', message: 'first' }, { from: 2, channel: 'quorum', message: { n: 2 } }])
  })

  it('closes the connection of a message its handler refuses, dropping what came behind it in the chunk, also when it came with the hello', async () => {
    const map = await members(2)
    const one = await start(1, map)
    const peer = await raw(map.get(1)!.quorumPort)
    peer.socket.write(Buffer.concat([hello(2), framed('ok'), framed('bad'), framed('never')]))
    expect(await settled(peer.closed, 2_000)).not.toBe('pending')
    expect(one.inbox.map((m) => m.message)).toEqual(['ok'])
    expect(one.log.join('\n')).toMatch(/member 2's quorum connection: TypeError: refused by the handler; connection closed/)
    expect(one.fatal).toEqual([])
    await until(() => one.lost.includes('2/quorum'), 'the disconnection')
  })

  it('closes the connection of a frame that does not decode (msgpack cut short)', async () => {
    const map = await members(2)
    const one = await start(1, map)
    const peer = await raw(map.get(1)!.electionPort)
    const junk = Buffer.from([0, 0, 0, 2, 0x92, 0x01]) // an array of two that holds one
    peer.socket.write(Buffer.concat([hello(2), junk]))
    expect(await settled(peer.closed, 2_000)).not.toBe('pending')
    expect(one.log.join('\n')).toMatch(/member 2's election connection: .*Unexpected end of MessagePack data; connection closed/)
  })

  it('hands a ZabInvariantError thrown by the handler to fatal instead of swallowing it, and closes that connection', async () => {
    const map = await members(2)
    const one = await start(1, map)
    const peer = await raw(map.get(1)!.quorumPort)
    peer.socket.write(hello(2))
    await until(() => one.transport.connected(2, 'quorum'), 'the hello')
    peer.socket.write(framed('broken'))
    expect(await settled(peer.closed, 2_000)).not.toBe('pending')
    expect(one.fatal.map((e) => [e.name, e.message])).toEqual([['ZabInvariantError', 'an invariant broke']])
  })

  it('keeps one connection per member and channel: a newer hello replaces the older connection, which is reported lost', async () => {
    const map = await members(2)
    const one = await start(1, map)
    const older = await raw(map.get(1)!.quorumPort)
    older.socket.write(Buffer.concat([hello(2), framed('from the older')]))
    await until(() => one.inbox.length === 1, 'the older connection')
    const newer = await raw(map.get(1)!.quorumPort)
    const received: Buffer[] = []
    newer.socket.on('data', (chunk: Buffer) => void received.push(chunk))
    newer.socket.write(Buffer.concat([hello(2), framed('from the newer')]))
    expect(await settled(older.closed, 2_000)).not.toBe('pending')
    await until(() => one.inbox.length === 2, 'the newer connection')
    expect(one.lost).toEqual(['2/quorum'])
    expect(one.inbox.map((m) => m.message)).toEqual(['from the older', 'from the newer'])
    one.transport.send(2, 'quorum', 'to the newer')
    await until(() => received.length > 0, 'a frame on the newer connection')
    expect(Buffer.concat(received).equals(framed('to the newer'))).toBe(true)
    expect(await settled(newer.closed, 100)).toBe('pending')
  })
})
