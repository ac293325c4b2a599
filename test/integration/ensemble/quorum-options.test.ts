// Method: TestingCluster ensembles with ZooKeeper's quorum options. Weights (one group, weights
// 2,1,1) on the virtual clock: losing a weight-1 member leaves a quorum that takes writes, losing
// the weight-2 member leaves none (no leader within the wait). leaderServes=no on the real clock
// with client ports: a ConnectRequest sent to the leader gets its connection closed without an
// answer, and a client given the whole ensemble finds a follower.
import { connect as connectSocket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { CreateMode } from '../../../lib/index.js'
import { TestingCluster } from '../../../lib/testing/index.js'

let cluster: TestingCluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const weighted = { size: 3, timeoutMs: 20_000, quorumGroups: [{ id: 1, members: [1, 2, 3] }], quorumWeights: { 1: 2 } }

describe('weighted quorums (ZooKeeper QuorumHierarchical: group.1=1:2:3, weight.1=2)', () => {
  it('keeps taking writes without a weight-1 member', async () => {
    const c = (cluster = await TestingCluster.start({ ...weighted, seed: 3 }))
    await c.waitForLeader()
    await c.crash(3)
    const leader = await c.waitForLeader()
    const zk = await c.connect(leader.myid)
    expect(await zk.create('/after-3', 'x', { mode: CreateMode.PERSISTENT })).toBe('/after-3')
  })

  it('stops without the weight-2 member: the two weight-1 survivors elect nobody and take no write', async () => {
    const c = (cluster = await TestingCluster.start({ ...weighted, seed: 5 }))
    await c.waitForLeader()
    const zk = await c.connect(2)
    await zk.create('/before', 'x')
    await c.crash(1)
    // A leader among the survivors steps down once it sees no quorum: the write in flight fails.
    await expect(zk.create('/after-1', 'x')).rejects.toThrow(/CONNECTIONLOSS|Connection loss|closed/i)
    await expect(c.waitForLeader()).rejects.toThrow(/a leader to be established/)
    expect([2, 3].map((id) => c.member(id).mode)).toEqual(['looking', 'looking'])
    // The same crash in a majority ensemble elects a leader among the two survivors.
    await c.close()
    const majority = (cluster = await TestingCluster.start({ size: 3, timeoutMs: 20_000, seed: 5 }))
    await majority.waitForLeader()
    await majority.crash(1)
    expect([2, 3]).toContain((await majority.waitForLeader()).myid)
  })
})

/** A ConnectRequest frame (protocolVersion 0, lastZxidSeen 0, timeOut 30000, sessionId 0, 16-byte passwd). */
function connectRequest(): Buffer {
  const body = Buffer.alloc(44)
  body.writeInt32BE(30_000, 12)
  body.writeInt32BE(16, 24)
  const frame = Buffer.alloc(4)
  frame.writeInt32BE(body.length)
  return Buffer.concat([frame, body])
}

/** Sends a ConnectRequest to `port`; resolves with the bytes answered before the server closed (bounded by 10 s). */
function answerTo(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0
    const socket = connectSocket(port, '127.0.0.1', () => socket.write(connectRequest()))
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('the server kept the connection open for 10 s'))
    }, 10_000)
    socket.on('data', (chunk) => (bytes += chunk.length))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(bytes)
    })
  })
}

describe('leaderServes=no', () => {
  it('turns clients away from the leader, and a client of the ensemble lands on a follower', async () => {
    const c = (cluster = await TestingCluster.start({ size: 3, clientPorts: true, leaderServes: false }))
    const leader = await c.waitForLeader()
    await c.waitUntilServing([1, 2, 3])
    const ports = c.connectString.split(',').map((hostPort) => Number(hostPort.split(':')[1]))
    expect(await answerTo(ports[leader.myid - 1] as number)).toBe(0)
    const follower = [1, 2, 3].find((id) => id !== leader.myid) as number
    expect(await answerTo(ports[follower - 1] as number)).toBeGreaterThan(0)
    const zk = await c.connectTcp()
    expect(await zk.create('/through-a-follower', 'x')).toBe('/through-a-follower')
    await zk.close()
  })
})
