// Method: TCP transports on loopback where a member the configuration does not name yet (a server
// joining before a reconfig adds it) connects: with acceptUnknownMembers it is taken at the address
// its hello gives and both sides exchange messages, a smaller-id joiner included (the others dial
// it back); without it the connection is refused and nothing is delivered. setMembers makes the
// others dial a member a committed configuration names, and drop one it no longer names.
import { afterEach, describe, expect, it } from 'vitest'
import { peerUnknownMembersMax } from '../../../lib/limits.js'
import { startTcpTransport, type PeerAddress, type PeerChannel, type TcpPeerTransport } from '../../../lib/peer/index.js'
import { freePorts } from '../../interop/harness/ports.js'

interface Node {
  transport: TcpPeerTransport
  inbox: { from: number; channel: PeerChannel; message: unknown }[]
  log: string[]
}

const started: TcpPeerTransport[] = []
afterEach(async () => {
  for (const t of started.splice(0)) await t.close()
})

async function start(myid: number, members: ReadonlyMap<number, PeerAddress>, acceptUnknownMembers: boolean): Promise<Node> {
  const node = { inbox: [], log: [] } as unknown as Node
  node.transport = await startTcpTransport({
    myid, members, acceptUnknownMembers, redialMsMin: 20, redialMsMax: 50,
    log: (line) => node.log.push(line),
    handler: { message: (from, channel, message) => void node.inbox.push({ from, channel, message }), disconnected: () => {} },
  })
  started.push(node.transport)
  return node
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function addresses(ids: readonly number[]): Promise<Map<number, PeerAddress>> {
  const ports = await freePorts(2 * ids.length)
  return new Map(ids.map((id, i) => [id, { host: '127.0.0.1', quorumPort: ports[2 * i] ?? 0, electionPort: ports[2 * i + 1] ?? 0 }]))
}

const only = (all: Map<number, PeerAddress>, ids: number[]) => new Map([...all].filter(([id]) => ids.includes(id)))

describe('members joining before a configuration names them', () => {
  it('are taken at the address of their hello, whichever id is larger', async () => {
    const all = await addresses([2, 3, 5])
    // 3 and 5 are the ensemble; 2 joins, knowing all three: 3 and 5 must dial the smaller id back.
    const three = await start(3, only(all, [3, 5]), true)
    const five = await start(5, only(all, [3, 5]), true)
    const two = await start(2, all, true)
    for (const node of [three, five]) {
      await until(() => node.transport.connected(2, 'quorum'), `member ${node === three ? 3 : 5} to reach the joiner`)
      node.transport.send(2, 'quorum', { hello: 'joiner' })
    }
    two.transport.send(3, 'election', 'vote')
    await until(() => two.inbox.length === 2 && three.inbox.some((m) => m.from === 2), 'messages both ways')
    expect(two.inbox.map((m) => m.from).sort()).toEqual([3, 5])
    expect(three.log.join('\n')).toMatch(/member 2 is not in the configuration: it joins at 127\.0\.0\.1:\d+:\d+/)
  })

  it('are refused without acceptUnknownMembers, and nothing of theirs is delivered', async () => {
    const all = await addresses([1, 4])
    const one = await start(1, only(all, [1]), false)
    const four = await start(4, all, true)
    four.transport.send(1, 'election', 'vote')
    await until(() => one.log.some((line) => line.includes('4 is not another member')), 'the refusal')
    expect(one.inbox).toEqual([])
  })

  it('are dialled once a configuration names them, and dropped once it no longer does', async () => {
    const all = await addresses([1, 2])
    const one = await start(1, only(all, [1]), false)
    const two = await start(2, only(all, [2]), false)
    expect(one.transport.connected(2, 'quorum')).toBe(false)
    one.transport.setMembers(all)
    two.transport.setMembers(all)
    await until(() => one.transport.connected(2, 'quorum') && two.transport.connected(1, 'election'), 'the new member to be connected')
    one.transport.setMembers(only(all, [1]))
    await until(() => !one.transport.connected(2, 'quorum') && !one.transport.connected(2, 'election'), 'the removed member to be dropped')
  })

  it('are bounded: past peerUnknownMembersMax, a new id claimed in a hello is refused', async () => {
    const ids = Array.from({ length: peerUnknownMembersMax + 2 }, (_, i) => i + 2)
    const all = await addresses([1, ...ids])
    const one = await start(1, only(all, [1]), true)
    for (const id of ids) await start(id, only(all, [1, id]), true)
    await until(() => one.log.some((line) => line.includes('(peerUnknownMembersMax)')), 'the refusal past the bound')
    const taken = ids.filter((id) => one.log.some((line) => line.includes(`member ${id} is not in the configuration: it joins`)))
    expect(taken).toHaveLength(peerUnknownMembersMax)
  })
})
