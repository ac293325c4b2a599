// Method: the vitest example of docs/testing.md, verbatim except for the import paths (the docs
// import from 'paddock' and 'paddock/testing'), so the documented example is known to run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CreateMode, type ZooKeeperClient } from '../../../lib/index.js'
import { TestingServer } from '../../../lib/testing/index.js'

// --- services.ts: the application code under test -------------------------------------------
async function register(zk: ZooKeeperClient, name: string, address: string): Promise<string> {
  await zk.create('/services').catch((error: { code?: string }) => {
    if (error.code !== 'NODEEXISTS') throw error
  })
  return zk.create(`/services/${name}-`, address, { mode: CreateMode.EPHEMERAL_SEQUENTIAL })
}

async function instances(zk: ZooKeeperClient, name: string): Promise<string[]> {
  const children = await zk.getChildren('/services').catch(() => [])
  const mine = children.filter((child) => child.startsWith(`${name}-`)).sort()
  return Promise.all(mine.map(async (child) => (await zk.getString(`/services/${child}`)).data))
}

// --- services.test.ts -------------------------------------------------------------------------
describe('service registry', () => {
  let zookeeper: TestingServer
  let zk: ZooKeeperClient

  beforeEach(async () => {
    zookeeper = await TestingServer.start()
    zk = await zookeeper.connect({ sessionTimeoutMs: 10_000 })
  })

  afterEach(async () => {
    await zookeeper.close()
  })

  it('lists a registered instance', async () => {
    await register(zk, 'api', '10.0.0.1:8080')
    expect(await instances(zk, 'api')).toEqual(['10.0.0.1:8080'])
  })

  it('forgets an instance whose session expires', async () => {
    const worker = await zookeeper.connect()
    await register(worker, 'api', '10.0.0.2:8080')
    await zookeeper.expireSession(worker)
    expect(await instances(zk, 'api')).toEqual([])
  })

  it('forgets an instance that stops heartbeating, without waiting in real time', async () => {
    const worker = await zookeeper.connect({ sessionTimeoutMs: 4_000 })
    await register(worker, 'api', '10.0.0.3:8080')
    await zk.getChildren('/') // zk stays active; worker goes silent
    await zookeeper.advance(4_000 + 2_000) // the timeout plus one tick (tickTime 2000 ms)
    expect(await instances(zk, 'api')).toEqual([])
  })
})
