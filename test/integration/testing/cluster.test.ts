// Method: use TestingCluster as an application's test would: write through members, kill the
// leader, partition, restart, and check the ensemble's answers (real clock, in-memory hub).
import { afterEach, describe, expect, it } from 'vitest'
import { CreateMode } from '../../../lib/index.js'
import { TestingCluster } from '../../../lib/testing/index.js'

let cluster: TestingCluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

describe('TestingCluster', () => {
  it('starts three members with one leader and replicates writes', async () => {
    cluster = await TestingCluster.start({ size: 3 })
    const leader = await cluster.waitForLeader()
    expect(cluster.running).toHaveLength(3)
    const follower = cluster.running.find((id) => id !== leader.myid)!
    const zk = await cluster.connect(follower)
    await zk.create('/x', 'y')
    const other = await cluster.connect(leader.myid)
    await other.sync('/')
    expect(new TextDecoder().decode((await other.getData('/x')).data)).toBe('y')
  }, 30_000)

  it('elects a new leader after kill() and keeps the data; restart() catches the member up', async () => {
    cluster = await TestingCluster.start({ size: 3 })
    const leader = await cluster.waitForLeader()
    const zk = await cluster.connect(leader.myid)
    for (let i = 0; i < 10; i++) await zk.create(`/k${i}`, '', { mode: CreateMode.PERSISTENT })
    await cluster.kill(leader.myid)
    const next = await cluster.waitForLeader()
    expect(next.myid).not.toBe(leader.myid)
    const back = await cluster.restart(leader.myid)
    const c = await back.connect()
    await c.sync('/')
    expect((await c.getChildren('/')).filter((n) => n.startsWith('k'))).toHaveLength(10)
  }, 40_000)

  it('serves TCP clients with a multi-host connect string', async () => {
    cluster = await TestingCluster.start({ size: 3, clientPorts: true })
    const zk = await cluster.connectTcp()
    await zk.create('/tcp', 'ok')
    expect(new TextDecoder().decode((await zk.getData('/tcp')).data)).toBe('ok')
    await zk.close()
  }, 30_000)
})
