// Method: wire three members through a MemoryHub and check FIFO delivery, partitions that break
// connections on both ends, and healing.
import { describe, expect, it } from 'vitest'
import { MemoryHub, type PeerChannel, type PeerTransport } from '../../../lib/peer/index.js'

function member(hub: MemoryHub, id: number) {
  const inbox: string[] = []
  const lost: string[] = []
  const transport: PeerTransport = hub.join(id, {
    message: (from, channel, message) => inbox.push(`${from}/${channel}:${String(message)}`),
    disconnected: (peer, channel: PeerChannel) => lost.push(`${peer}/${channel}`),
  })
  return { transport, inbox, lost }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('MemoryHub', () => {
  it('delivers in order per pair and channel, on a later turn', async () => {
    const hub = new MemoryHub()
    const a = member(hub, 1)
    const b = member(hub, 2)
    for (let i = 0; i < 5; i++) a.transport.send(2, 'quorum', i)
    a.transport.send(2, 'election', 'vote')
    expect(b.inbox).toEqual([])
    await turn()
    expect(b.inbox).toEqual(['1/quorum:0', '1/quorum:1', '1/quorum:2', '1/quorum:3', '1/quorum:4', '1/election:vote'])
  })

  it('breaks connections across a partition on both ends and drops what was in flight', async () => {
    const hub = new MemoryHub()
    const a = member(hub, 1)
    const b = member(hub, 2)
    const c = member(hub, 3)
    a.transport.send(2, 'quorum', 'before')
    a.transport.send(3, 'quorum', 'hello')
    hub.partition([[1], [2, 3]])
    await turn()
    expect(b.inbox).toEqual([])
    expect(a.lost).toEqual(['2/quorum', '3/quorum'])
    expect(b.lost).toEqual(['1/quorum'])
    expect(c.lost).toEqual(['1/quorum'])
    a.transport.send(2, 'quorum', 'during')
    b.transport.send(3, 'quorum', 'inside')
    await turn()
    expect(b.inbox).toEqual([])
    expect(c.inbox).toEqual(['2/quorum:inside'])
    hub.heal()
    a.transport.send(2, 'quorum', 'after')
    await turn()
    expect(b.inbox).toEqual(['1/quorum:after'])
    expect(a.transport.connected(2, 'quorum')).toBe(true)
  })

  it('tells the others when a member closes', async () => {
    const hub = new MemoryHub()
    const a = member(hub, 1)
    const b = member(hub, 2)
    a.transport.send(2, 'quorum', 'x')
    await turn()
    await b.transport.close()
    expect(a.lost).toEqual(['2/quorum'])
    a.transport.send(2, 'quorum', 'y')
    await turn()
    expect(b.inbox).toEqual(['1/quorum:x'])
  })
})
