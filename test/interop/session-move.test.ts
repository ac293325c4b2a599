// Method: node-zookeeper-client sessions against a three-member Paddock ensemble on loopback
// client ports; a session is resumed with its id and password on another member while its first
// connection stays open, and what each connection sees is checked (ZooKeeper: the leader's
// checkSession refuses a moved session's request and FinalRequestProcessor drops that connection;
// a local session lives on one member only). Paddock only: the harness starts no Apache ensemble.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { TestingCluster } from '../../lib/testing/index.js'
import { fourLetterWord } from './harness/four-letter.js'
import { connectNzk, failure, type NzkClient } from './harness/nzk.js'
import { hookTimeoutMs } from './harness/targets.js'

/** The client address of member `id` (the cluster lists them in id order). */
function addressOf(cluster: TestingCluster, id: number): { connectString: string } {
  const connectString = cluster.connectString.split(',')[id - 1]
  if (connectString === undefined) throw new Error(`no client port for member ${id}`)
  return { connectString }
}

/** `zk_<key>` of member `id`'s mntr answer, as a number (asked on its own port: the proxy does not pass a half-close). */
async function mntr(cluster: TestingCluster, id: number, key: string): Promise<number> {
  const address = cluster.member(id).address
  if (address === undefined) throw new Error(`member ${id} has no client port`)
  const answer = await fourLetterWord(address.host, address.port, 'mntr')
  const line = answer.split('\n').find((l) => l.startsWith(`zk_${key}\t`))
  if (line === undefined) throw new Error(`mntr of member ${id} has no zk_${key}: ${JSON.stringify(answer)}`)
  return Number(line.split('\t')[1])
}

describe('paddock ensemble: a node-zookeeper-client session resumed on another member', () => {
  let cluster: TestingCluster
  let leader: number
  let followers: [number, number]
  const clients: NzkClient[] = []

  async function client(id: number, resume?: NzkClient): Promise<NzkClient> {
    const options = resume === undefined ? {} : { sessionId: resume.sessionId, sessionPassword: resume.sessionPassword }
    const zk = await connectNzk(addressOf(cluster, id).connectString, options)
    clients.push(zk)
    return zk
  }

  beforeAll(async () => {
    cluster = await TestingCluster.start({ size: 3, clientPorts: true })
    leader = (await cluster.waitForLeader()).myid
    await cluster.waitUntilServing()
    followers = cluster.running.filter((id) => id !== leader) as [number, number]
  }, hookTimeoutMs)

  afterEach(async () => {
    for (const zk of clients.splice(0)) zk.raw.close()
  })

  afterAll(async () => {
    await cluster?.close()
  }, hookTimeoutMs)

  it.each([
    ['the leader', 'a follower', () => [leader, followers[0]]],
    ['a follower', 'another follower', () => followers],
    ['a follower', 'the leader', () => [followers[1], leader]],
  ])('drops the old connection on %s at its next write once the session is resumed on %s', async (_from, _to, members) => {
    const [from, to] = members() as [number, number]
    const name = `/moved-${from}-${to}`
    const first = await client(from)
    await first.create(name, '')
    const second = await client(to, first)
    expect(second.sessionIdHex).toBe(first.sessionIdHex)
    await second.create(`${name}-second`, '')

    const dropped = first.nextState('DISCONNECTED')
    expect(await failure(first.create(`${name}-first`, ''))).toBe('CONNECTIONLOSS')
    await dropped
    const observer = await client(to)
    expect(await observer.exists(`${name}-first`)).toBeNull()
    expect(await observer.exists(`${name}-second`)).not.toBeNull()
  })
})

describe('paddock ensemble with localSessionsEnabled: node-zookeeper-client local sessions', () => {
  let cluster: TestingCluster
  let follower: number
  let other: number

  beforeAll(async () => {
    cluster = await TestingCluster.start({ size: 3, clientPorts: true, localSessionsEnabled: true })
    const leader = (await cluster.waitForLeader()).myid
    await cluster.waitUntilServing()
    ;[follower, other] = cluster.running.filter((id) => id !== leader) as [number, number]
  }, hookTimeoutMs)

  afterAll(async () => {
    await cluster?.close()
  }, hookTimeoutMs)

  it('counts a local session in mntr on its member only, and expires it when resumed on another', async () => {
    const globalBefore = await mntr(cluster, follower, 'global_sessions')
    const zk = await connectNzk(addressOf(cluster, follower).connectString)
    try {
      await zk.create('/local-persistent', 'x')
      expect(await mntr(cluster, follower, 'local_sessions')).toBe(1)
      expect(await mntr(cluster, other, 'local_sessions')).toBe(0)
      expect(await mntr(cluster, follower, 'global_sessions')).toBe(globalBefore)
      // (EPHEMERALONLOCALSESSION is left to the integration tests: node-zookeeper-client throws on error codes it does not know.)

      const elsewhere = await connectNzk(addressOf(cluster, other).connectString, { sessionId: zk.sessionId, sessionPassword: zk.sessionPassword, expectExpired: true })
      expect(elsewhere.states).toContain('EXPIRED')
      elsewhere.raw.close()
    } finally {
      zk.raw.close()
    }
  })
})
