// Method: a TestingServer and TCP clients; the server expires the recipes' sessions
// (TestingServer.expireSession), and a plain observer session checks that each kept node comes
// back, owned by the new session the recipe opened through its `newSession` option.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ZooKeeperClient } from '../../../lib/index.js'
import { GroupMember, PersistentNode, ServiceDiscovery } from '../../../lib/recipes/index.js'
import { TestingServer } from '../../../lib/testing/index.js'

let server: TestingServer
let observer: ZooKeeperClient
const opened: ZooKeeperClient[] = []

beforeEach(async () => {
  server = await TestingServer.start({ port: 0 })
  observer = await server.connectTcp()
})
afterEach(async () => {
  await Promise.all([observer, ...opened.splice(0)].map((zk) => zk.close().catch(() => {})))
  await server.close()
})

const newSession = async (): Promise<ZooKeeperClient> => {
  const zk = await server.connectTcp()
  opened.push(zk)
  return zk
}

/** Resolves once `path` exists and is owned by a session other than `old`. */
async function ownedByAnotherSession(path: string, old: bigint): Promise<bigint> {
  for (let look = 0; look < 300; look++) {
    const stat = await observer.exists(path)
    if (stat !== null && stat.ephemeralOwner !== old && stat.ephemeralOwner !== 0n) return stat.ephemeralOwner
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`${path} was not created again by a new session`)
}

describe('recipes over TCP after a session expiry', () => {
  it('PersistentNode creates its node again in the session newSession opens', async () => {
    const first = await server.connectTcp()
    opened.push(first)
    const node = new PersistentNode(first, '/kept/node', 'data', { newSession })
    node.start()
    await node.waitForInitialCreate(AbortSignal.timeout(10_000))
    await server.expireSession(first)
    const owner = await ownedByAnotherSession('/kept/node', first.sessionId)
    expect(owner).toBe(node.session.sessionId)
    await node.close()
    expect(await observer.exists('/kept/node')).toBeNull()
  })

  it('GroupMember rejoins and ServiceDiscovery registers again in a new session', async () => {
    const first = await server.connectTcp()
    opened.push(first)
    const member = new GroupMember(first, '/group/g', 'me', 'payload', { newSession })
    await member.start(AbortSignal.timeout(10_000))
    const registration = await new ServiceDiscovery(first, '/services', { newSession }).register({ name: 'api', id: 'one' })
    await server.expireSession(first)
    await ownedByAnotherSession('/group/g/me', first.sessionId)
    await ownedByAnotherSession('/services/api/one', first.sessionId)
    expect(registration.held).toBe(true)
    await registration.release()
    await member.close()
    expect(await observer.getChildren('/group/g')).toEqual([])
  })
})
