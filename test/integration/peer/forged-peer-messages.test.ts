// Method: a three-member ensemble over TCP on loopback ports (MemoryStorage), started so that the
// leader is not the largest id; a rogue socket dials the leader's quorum port, first as a
// non-member, then with a hello claiming a member's id, and sends a forged FOLLOWERINFO whose
// acceptedEpoch (2^21 - 1) leaves no room for a next epoch. The leader must refuse it, keep
// leading in the same epoch, and commit a client's write; the impersonated member rejoins.
import { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { ServerSpec } from '../../../lib/config/zoo-cfg.js'
import { startMember } from '../../../lib/host/server.js'
import type { MemberServer } from '../../../lib/host/types.js'
import { encodeValue } from '../../../lib/txn/codec.js'
import { EPOCH_LIMIT } from '../../../lib/zab/index.js'
import { createMemoryDb, createMemoryStorage } from '../../../storage/index.js'
import { freePorts } from '../../interop/harness/ports.js'

const quiet = { info() {}, error() {}, debug() {}, warn() {} }
const running: MemberServer[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const m of running.splice(0)) await m.close()
})

async function specs(n: number): Promise<ServerSpec[]> {
  const ports = await freePorts(2 * n)
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1, host: '127.0.0.1', quorumPort: ports[2 * i] as number, electionPort: ports[2 * i + 1] as number,
    role: 'participant' as const, clientAddress: undefined, clientPort: undefined,
  }))
}

function framed(value: unknown): Buffer {
  const body = encodeValue(value)
  const head = Buffer.alloc(4)
  head.writeUInt32BE(body.length, 0)
  return Buffer.concat([head, body])
}

/** Dials `port` and writes `bytes`; resolves whether the other side closed within `ms`. */
async function rogue(port: number, bytes: Buffer, ms: number): Promise<boolean> {
  const socket = new Socket()
  sockets.push(socket)
  socket.on('error', () => undefined)
  const closed = new Promise<true>((resolve) => socket.once('close', () => resolve(true)))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
    socket.connect(port, '127.0.0.1')
  })
  socket.write(bytes)
  return Promise.race([closed, new Promise<false>((resolve) => setTimeout(() => resolve(false), ms))])
}

describe('forged peer messages against a running ensemble', () => {
  it('a forged FOLLOWERINFO with epoch 2^21 - 1 from an impostor leaves the leader leading in the same epoch, and writes commit', async () => {
    const servers = await specs(3)
    const lines: string[] = []
    const start = async (id: number): Promise<MemberServer> => {
      const logger = { ...quiet, info: (line: string) => void lines.push(`${id}: ${line}`) }
      const member = await startMember({
        myid: id, servers, storage: createMemoryStorage({ db: createMemoryDb(), logger: quiet }), tickTimeMs: 200, logger, seed: id,
      })
      running.push(member)
      return member
    }
    // Members 1 and 2 elect 2 (the larger id); 3 then follows it, so an impostor can claim id 3,
    // a larger id than the leader's, whose connections the leader accepts.
    const [one, two] = [await start(1), await start(2)]
    await Promise.all([one.waitUntilServing(20_000), two.waitUntilServing(20_000)])
    const three = await start(3)
    await three.waitUntilServing(20_000)
    const leader = [one, two, three].find((m) => m.mode === 'leader')
    if (leader === undefined) throw new Error('no leader')
    expect(leader.myid).toBeLessThan(3)
    const before = leader.status()
    const quorumPort = servers[leader.myid - 1]?.quorumPort as number

    // A non-member is refused at the hello.
    expect(await rogue(quorumPort, framed({ tag: 'paddock-peer/1', id: 99 }), 5_000)).toBe(true)
    // An impostor of member 3 gets past the hello, but its FOLLOWERINFO is refused and its connection closed.
    const forged = { type: 'FOLLOWERINFO', session: 1, acceptedEpoch: EPOCH_LIMIT - 1 }
    expect(await rogue(quorumPort, Buffer.concat([framed({ tag: 'paddock-peer/1', id: 3 }), framed(forged)]), 5_000)).toBe(true)
    expect(lines.join('\n')).toMatch(/FOLLOWERINFO\.acceptedEpoch: 2097151 is not an epoch/)

    const zk = await leader.connect()
    expect(await zk.create('/after-the-forgery', 'still writable')).toBe('/after-the-forgery')
    // Member 3 lost its quorum connection to the impostor's and rejoins the same leadership.
    await three.waitUntilServing(20_000)
    const reader = await three.connect()
    await reader.sync('/')
    expect(new TextDecoder().decode((await reader.getData('/after-the-forgery')).data)).toBe('still writable')
    const after = leader.status()
    expect([leader.mode, after.role, after.established]).toEqual(['leader', 'LEADING', true])
    expect([after.acceptedEpoch, after.currentEpoch]).toEqual([before.acceptedEpoch, before.currentEpoch])
    for (const m of [one, two, three]) expect(m.status().acceptedEpoch).toBeLessThan(EPOCH_LIMIT - 1)
  }, 60_000)
})
