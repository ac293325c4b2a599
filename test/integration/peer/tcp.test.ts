// Method: three TCP transports on loopback ports exchange messages; restart one and check the
// others see the disconnection and the larger-id-dials rule leaves one connection per pair.
import { peerQueuedBytesMax } from '../../../lib/limits.js'
import { freePorts } from '../../interop/harness/ports.js'
import { afterEach, describe, expect, it } from 'vitest'
import { startTcpTransport, type PeerAddress, type PeerChannel, type PeerTransport } from '../../../lib/peer/index.js'


interface Node {
  transport: PeerTransport
  inbox: { from: number; channel: PeerChannel; message: unknown }[]
  lost: string[]
  waiters: (() => void)[]
}

const started: PeerTransport[] = []
afterEach(async () => {
  for (const t of started.splice(0)) await t.close()
})

async function start(myid: number, members: Map<number, PeerAddress>, redialMs?: number): Promise<Node> {
  const node: Node = { transport: undefined as unknown as PeerTransport, inbox: [], lost: [], waiters: [] }
  const wake = () => node.waiters.splice(0).forEach((w) => w())
  node.transport = await startTcpTransport({
    myid,
    members,
    ...(redialMs === undefined ? {} : { redialMsMin: redialMs, redialMsMax: redialMs }),
    handler: {
      message: (from, channel, message) => {
        node.inbox.push({ from, channel, message })
        wake()
      },
      disconnected: (peer, channel) => {
        node.lost.push(`${peer}/${channel}`)
        wake()
      },
    },
  })
  started.push(node.transport)
  return node
}

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

async function members(n: number): Promise<Map<number, PeerAddress>> {
  const map = new Map<number, PeerAddress>()
  // Distinct ports: chosen while held open together (one by one, the kernel may hand one out twice).
  const ports = await freePorts(2 * n)
  for (let id = 1; id <= n; id++) map.set(id, { host: '127.0.0.1', quorumPort: ports[2 * id - 2] ?? 0, electionPort: ports[2 * id - 1] ?? 0 })
  return map
}

async function connectAll(nodes: Node[]): Promise<void> {
  for (const [i, a] of nodes.entries()) {
    for (const [j] of nodes.entries()) {
      if (i === j) continue
      for (const channel of ['quorum', 'election'] as const) await until(a, () => a.transport.connected(j + 1, channel), `${i + 1}->${j + 1} ${channel}`)
    }
  }
}

describe('TCP peer transport', () => {
  it('connects every pair on both channels and delivers in order both ways', async () => {
    const map = await members(3)
    const nodes = [await start(1, map), await start(2, map), await start(3, map)]
    await connectAll(nodes)
    for (let i = 0; i < 100; i++) nodes[0]?.transport.send(3, 'quorum', { n: i, data: new Uint8Array([i]) })
    nodes[2]?.transport.send(1, 'election', 'vote')
    const [one, , three] = nodes as [Node, Node, Node]
    await until(three, () => three.inbox.length === 100, '100 messages')
    expect(three.inbox.map((m) => (m.message as { n: number }).n)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(Array.from((three.inbox[7]?.message as { data: Uint8Array }).data)).toEqual([7])
    await until(one, () => one.inbox.length === 1, 'the vote')
    expect(one.inbox[0]).toEqual({ from: 3, channel: 'election', message: 'vote' })
  })

  it('flushes what it wrote to a member the configuration no longer names before closing (the COMMIT of the reconfig that removed it), then reports it lost', async () => {
    const map = await members(2)
    const one = await start(1, map)
    const two = await start(2, map)
    await connectAll([one, two])
    // Bigger than the socket buffers: most of it still waits in the sender's queue when member 2 is dropped.
    const big = new Uint8Array(16 * 1024 * 1024).fill(7)
    one.transport.send(2, 'quorum', { type: 'PROPOSAL', data: big })
    one.transport.send(2, 'quorum', { type: 'COMMIT', zxid: 42 })
    one.transport.setMembers?.(new Map([[1, map.get(1) as PeerAddress]]))
    await until(two, () => two.inbox.length === 2, 'both messages at the removed member')
    expect((two.inbox[0]?.message as { data: Uint8Array }).data.length).toBe(big.length)
    expect(two.inbox[1]?.message).toEqual({ type: 'COMMIT', zxid: 42 })
    await until(one, () => one.lost.includes('2/quorum'), 'the removed member\'s connection reported closed')
  })

  it('reports a lost member and reconnects when it comes back', async () => {
    const map = await members(2)
    const one = await start(1, map)
    let two = await start(2, map)
    await connectAll([one, two])
    await two.transport.close()
    started.splice(started.indexOf(two.transport), 1)
    await until(one, () => one.lost.includes('2/quorum') && one.lost.includes('2/election'), 'disconnection')
    two = await start(2, map)
    await connectAll([one, two])
    one.transport.send(2, 'quorum', 'again')
    await until(two, () => two.inbox.length === 1, 'delivery after restart')
    expect(two.inbox[0]?.message).toBe('again')
  })

  it('carries a frame bigger than the queue limit (a SNAP of a big tree) with messages behind it, on the same connection', async () => {
    const map = await members(2)
    const [one, two] = [await start(1, map), await start(2, map)]
    await connectAll([one, two])
    const big = new Uint8Array(peerQueuedBytesMax + 16 * 1024 * 1024).fill(7)
    big[big.length - 1] = 9
    one.transport.send(2, 'quorum', { type: 'SNAP', snapshot: big })
    for (let i = 0; i < 100; i++) one.transport.send(2, 'quorum', { type: 'PING', n: i })
    await until(two, () => two.inbox.length === 101 || two.lost.length > 0, 'the snapshot and the pings behind it')
    expect(two.lost).toEqual([])
    const snap = two.inbox[0]?.message as { snapshot: Uint8Array }
    expect([snap.snapshot.length, snap.snapshot[0], snap.snapshot[big.length - 1]]).toEqual([big.length, 7, 9])
    expect(two.inbox.slice(1).map((m) => (m.message as { n: number }).n)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(one.transport.connected(2, 'quorum')).toBe(true)
  })

  it('a restarted member with a smaller id is dialled back at once, not at the larger one\'s next redial', async () => {
    const map = await members(2)
    let one = await start(1, map)
    // Member 2 waits a minute before it dials a lost member again: only member 1's hello brings it back in time.
    const two = await start(2, map, 60_000)
    await connectAll([one, two])
    await one.transport.close()
    started.splice(started.indexOf(one.transport), 1)
    await until(two, () => two.lost.includes('1/quorum') && two.lost.includes('1/election'), 'disconnection')
    one = await start(1, map)
    await connectAll([one, two])
    two.transport.send(1, 'quorum', 'welcome back')
    await until(one, () => one.inbox.length === 1, 'delivery after restart')
    expect(one.inbox[0]?.message).toBe('welcome back')
  })

  it('drops quorum messages to a member that is not connected, and keeps the newest election message for when it is', async () => {
    const map = await members(2)
    const one = await start(1, map)
    one.transport.send(2, 'quorum', 'nobody home')
    one.transport.send(2, 'election', 'old vote')
    one.transport.send(2, 'election', 'new vote')
    const two = await start(2, map)
    await connectAll([one, two])
    one.transport.send(2, 'quorum', 'now')
    await until(two, () => two.inbox.length >= 2, 'delivery')
    expect(two.inbox.map((m) => `${m.channel}: ${String(m.message)}`).sort()).toEqual(['election: new vote', 'quorum: now'])
  })
})
