// Method: TCP transports on loopback where a member has two addresses (127.0.0.1 and 127.0.0.2):
// the others reach it through a test-owned forwarder on the first, which the test then closes;
// they must fail over to the second. Also the bind side: every own address listens, the wildcard
// with listenOnAllIPs, and a taken election port is retried electionPortBindRetry times.
import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { PeerBindError, startTcpTransport, type PeerAddress, type PeerTransport } from '../../../lib/peer/index.js'
import { freePorts } from '../../interop/harness/ports.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

interface Node {
  transport: PeerTransport
  inbox: unknown[]
  log: string[]
  waiters: (() => void)[]
}

async function start(myid: number, members: Map<number, PeerAddress>, extra: { listenOnAllIPs?: boolean } = {}): Promise<Node> {
  const node: Node = { transport: undefined as unknown as PeerTransport, inbox: [], log: [], waiters: [] }
  const wake = () => node.waiters.splice(0).forEach((w) => w())
  node.transport = await startTcpTransport({
    myid, members, redialMsMin: 20, redialMsMax: 100, ...extra,
    log: (line) => { node.log.push(line); wake() },
    handler: { message: (_from, _channel, message) => { node.inbox.push(message); wake() }, disconnected: wake },
  })
  closers.push(() => node.transport.close())
  return node
}

/** Waits for `done`, re-checking on every event of `node` (and every 50 ms), for at most 10 s. */
async function until(node: Node, done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise<void>((resolve) => {
      node.waiters.push(resolve)
      setTimeout(resolve, 50).unref()
    })
  }
}

/** Forwards every connection to `host:port` from 127.0.0.2 on a fresh port; `close` cuts every connection. */
async function forwarder(targetPort: number): Promise<{ port: number; connections: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const state = { port: 0, connections: 0, close: async () => {} }
  const server: Server = createServer((client) => {
    state.connections++
    const upstream = connect(targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => s.destroy())
      s.on('close', () => { client.destroy(); upstream.destroy() })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', () => resolve()))
  state.port = (server.address() as { port: number }).port
  state.close = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy()
    server.close(() => resolve())
  })
  closers.push(() => state.close())
  return state
}

async function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host)
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

describe('TCP peer transport with several addresses per member (ZooKeeper MultipleAddresses)', () => {
  it('reaches a member on its first address, and fails over to the next when that one stops working', async () => {
    const ports = await freePorts(6)
    const own = (id: number): PeerAddress => ({ host: '127.0.0.1', quorumPort: ports[2 * id - 2] as number, electionPort: ports[2 * id - 1] as number })
    const quorum = await forwarder(own(1).quorumPort)
    const election = await forwarder(own(1).electionPort)
    const first = { host: '127.0.0.2', quorumPort: quorum.port, electionPort: election.port }
    // Members 2 and 3 dial member 1 (the larger id dials) and know both of its addresses.
    const others = new Map<number, PeerAddress>([[1, { ...first, addresses: [first, own(1)] }], [2, own(2)], [3, own(3)]])
    const one = await start(1, new Map([[1, own(1)], [2, own(2)], [3, own(3)]]))
    const two = await start(2, others)
    await start(3, others)
    await until(two, () => two.transport.connected(1, 'quorum') && two.transport.connected(1, 'election'), 'member 2 connected to member 1')
    expect(quorum.connections).toBeGreaterThan(0)

    await quorum.close()
    await election.close()
    await until(two, () => two.log.some((l) => l.includes("member 1 is not reachable at 127.0.0.2") && l.includes('trying its next address')), 'the failover')
    await until(two, () => two.transport.connected(1, 'quorum'), 'member 2 reconnected to member 1 on its second address')
    two.transport.send(1, 'quorum', 'after failover')
    await until(one, () => one.inbox.includes('after failover'), 'the message through the second address')
  })

  it('listens on each of its own addresses, or on every address with listenOnAllIPs', async () => {
    const ports = await freePorts(6)
    const a = { host: '127.0.0.1', quorumPort: ports[0] as number, electionPort: ports[1] as number }
    const b = { host: '127.0.0.2', quorumPort: ports[2] as number, electionPort: ports[3] as number }
    await start(1, new Map([[1, { ...a, addresses: [a, b] }]]))
    for (const [host, port] of [[a.host, a.quorumPort], [a.host, a.electionPort], [b.host, b.quorumPort], [b.host, b.electionPort]] as const) {
      expect(await canConnect(host, port), `${host}:${port}`).toBe(true)
    }
    const wild = { host: '127.0.0.1', quorumPort: ports[4] as number, electionPort: ports[5] as number }
    await start(2, new Map([[2, wild]]), { listenOnAllIPs: true })
    expect(await canConnect('127.0.0.2', wild.electionPort)).toBe(true)
  })
})

describe('electionPortBindRetry (ZooKeeper QuorumCnxManager.Listener)', () => {
  async function holder(port: number): Promise<Server> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()))
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    return server
  }

  it('binds once the election port is freed between attempts', async () => {
    const [quorumPort, electionPort] = (await freePorts(2)) as [number, number]
    const blocker = await holder(electionPort)
    const log: string[] = []
    let freed = false
    const started = startTcpTransport({
      myid: 1, members: new Map([[1, { host: '127.0.0.1', quorumPort, electionPort }]]), electionPortBindRetry: 3, bindRetryIntervalMs: 100,
      handler: { message: () => {}, disconnected: () => {} },
      log: (line) => {
        log.push(line)
        if (!freed && line.includes('attempt 1 of 3')) {
          freed = true
          blocker.close()
        }
      },
    })
    const transport = await started
    closers.push(() => transport.close())
    expect(log.some((l) => l.includes(`cannot bind the election port 127.0.0.1:${electionPort} (attempt 1 of 3)`))).toBe(true)
    expect(await canConnect('127.0.0.1', electionPort)).toBe(true)
  })

  it('gives up after electionPortBindRetry attempts with an error naming the setting, releasing the quorum port', async () => {
    const [quorumPort, electionPort] = (await freePorts(2)) as [number, number]
    await holder(electionPort)
    const failure = await startTcpTransport({
      myid: 1, members: new Map([[1, { host: '127.0.0.1', quorumPort, electionPort }]]), electionPortBindRetry: 2, bindRetryIntervalMs: 20,
      handler: { message: () => {}, disconnected: () => {} },
    }).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(PeerBindError)
    expect((failure as Error).message).toMatch(new RegExp(`cannot bind the election port 127\\.0\\.0\\.1:${electionPort} after 2 attempts \\(electionPortBindRetry\\): .*EADDRINUSE`))
    expect(await canConnect('127.0.0.1', quorumPort)).toBe(false)
  })
})
