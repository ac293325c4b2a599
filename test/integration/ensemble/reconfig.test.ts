// Method: TestingCluster ensembles on the virtual clock with reconfigEnabled. Members are added
// and removed with reconfig (the cluster's addMember/removeMember, and a client's reconfig with
// the super user's digest), while a bounded write loop runs; every acknowledged write must be
// readable from every member at the end, and /zookeeper/config must show the same configuration
// on every member. The refusals come in ZooKeeper's order with its error codes.
import { afterEach, describe, expect, it } from 'vitest'
import { ZooKeeperError, type ZooKeeperClient } from '../../../lib/index.js'
import { TestingCluster } from '../../../lib/testing/index.js'
import { digestId } from '../../../lib/digest.js'

let cluster: TestingCluster | undefined
afterEach(async () => {
  await cluster?.close()
  cluster = undefined
})

const decoder = new TextDecoder()

/** The server ids and the version in /zookeeper/config as a member shows it. */
async function configOf(zk: ZooKeeperClient): Promise<{ ids: number[]; version: string; text: string }> {
  const text = decoder.decode((await zk.getConfig()).data)
  const ids = [...text.matchAll(/^server\.(\d+)=/gm)].map((m) => Number(m[1]))
  return { ids, version: /^version=([0-9a-f]+)$/m.exec(text)?.[1] ?? '', text }
}

async function start(size = 3, seed = 7): Promise<TestingCluster> {
  cluster = await TestingCluster.start({ size, seed, reconfigEnabled: true, timeoutMs: 60_000, superDigest: digestId('super:secret') })
  await cluster.waitForLeader()
  return cluster
}

describe('dynamic reconfiguration', () => {
  it('grows 3 to 5 and back to 3 under writes without losing an acknowledged write', async () => {
    const c = await start()
    const zk = await c.connect((await c.waitForLeader()).myid)
    await zk.create('/w', '')
    const acknowledged: string[] = []
    let stop = false
    const writer = (async () => {
      for (let i = 0; i < 400 && !stop; i++) {
        try {
          await zk.create(`/w/n${i}`, String(i))
          acknowledged.push(`n${i}`)
        } catch (error) {
          if (!(error instanceof ZooKeeperError)) throw error
        }
      }
    })()
    const four = await c.addMember()
    const five = await c.addMember()
    expect((await configOf(zk)).ids).toEqual([1, 2, 3, 4, 5])
    await c.removeMember(4)
    await c.removeMember(5)
    stop = true
    await writer
    expect(acknowledged.length).toBeGreaterThan(0)
    expect(c.servers.map((s) => s.id)).toEqual([1, 2, 3])
    expect([four.myid, five.myid]).toEqual([4, 5])
    for (const id of [1, 2, 3]) {
      const reader = await c.connect(id)
      await reader.sync('/w')
      const children = new Set(await reader.getChildren('/w'))
      for (const name of acknowledged) expect(children.has(name), `member ${id} has /w/${name}`).toBe(true)
      const config = await configOf(reader)
      expect(config.ids).toEqual([1, 2, 3])
      await reader.close()
    }
  })

  it('a client reconfigs with WRITE on /zookeeper/config; refusals keep ZooKeeper\'s codes', async () => {
    const c = await start()
    const leader = (await c.waitForLeader()).myid
    const [stays, victim] = [1, 2, 3].filter((id) => id !== leader) as [number, number]
    const zk = await c.connect(stays)
    const before = await configOf(zk)
    expect(before.ids).toEqual([1, 2, 3])
    expect(before.version).toBe('0')
    // world:anyone may read /zookeeper/config, not write it.
    await expect(zk.reconfig({ leaving: [victim] })).rejects.toMatchObject({ code: 'NOAUTH' })
    await zk.addAuth('digest', 'super:secret')
    await expect(zk.reconfig({ leaving: [victim], fromConfig: 5 })).rejects.toMatchObject({ code: 'BADVERSION' })
    await expect(zk.reconfig({ joining: ['server.9=sim:10009:20009'] })).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await expect(zk.reconfig({ members: ['server.1=sim:10001:20001:participant'] })).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    // A configuration whose voters are mostly not running has no synced quorum.
    await expect(zk.reconfig({ members: ['server.1=sim:10001:20001:participant', 'server.8=sim:10008:20008:participant', 'server.9=sim:10009:20009:participant'] })).rejects.toMatchObject({ code: 'NEWCONFIGNOQUORUM' })
    const changed = new Promise<string>((resolve, reject) => zk.getConfig({ watch: (event) => resolve(event.type) }).catch(reject))
    const result = await zk.reconfig({ leaving: [victim], fromConfig: 0 })
    expect(await changed).toBe('NodeDataChanged')
    const text = decoder.decode(result.data)
    const kept = [leader, stays].sort()
    expect(text).toBe(`${kept.map((id) => `server.${id}=sim:${10_000 + id}:${20_000 + id}:participant\n`).join('')}version=${result.stat.mzxid.toString(16)}`)
    expect(result.stat.version).toBe(-1)
    await c.until(() => c.member(victim).status().removed, 'the removed member to stop')
    for (const id of kept) expect((await configOf(await c.connect(id))).text).toBe(text)
  })

  it('removing the leader hands leadership over and writes go on', async () => {
    const c = await start(3, 11)
    const leader = await c.waitForLeader()
    const others = [1, 2, 3].filter((id) => id !== leader.myid)
    const zk = await c.connect(others[0])
    await zk.addAuth('digest', 'super:secret')
    await zk.reconfig({ leaving: [leader.myid] })
    await c.until(() => leader.status().removed && others.some((id) => c.member(id).mode === 'leader'), 'a new leader among the others')
    await c.waitUntilServing(others)
    const fresh = await c.connect(others[1])
    expect(await fresh.create('/after', 'x')).toBe('/after')
  })

  it('a member restarts into the configuration it committed last', async () => {
    const c = await start(3, 13)
    await c.addMember()
    const follower = [1, 2, 3].find((id) => c.member(id).mode === 'follower') as number
    const leaderVersion = (await c.waitForLeader()).status().config.active.version
    await c.until(() => c.member(follower).status().config.active.version === leaderVersion, 'the follower to commit the configuration')
    const version = leaderVersion
    await c.crash(follower)
    const restarted = await c.restart(follower)
    expect(restarted.status().config.active).toMatchObject({ version, voters: [1, 2, 3, 4] })
  })

  it('addMember({ observer: true }) adds a member that serves reads and writes but has no vote', async () => {
    const c = await start(3, 17)
    const zk = await c.connect()
    await zk.create('/seen', 'before')
    const observer = await c.addMember({ observer: true })
    expect(observer.myid).toBe(4)
    expect(c.servers.find((s) => s.id === 4)?.role).toBe('observer')
    // addMember resolves once the leader committed the configuration; the observer learns it by INFORM.
    await c.until(() => observer.status().config.active.observers.includes(4), 'the observer to learn the configuration naming it')
    expect(observer.mode).toBe('observer')
    expect(observer.status().config.active.voters).toEqual([1, 2, 3])
    const reader = await c.connect(4)
    expect(decoder.decode((await reader.getData('/seen')).data)).toBe('before')
    await zk.setData('/seen', 'after')
    await reader.sync('/seen')
    expect(decoder.decode((await reader.getData('/seen')).data)).toBe('after')
    // A write through the observer goes to the leader and comes back committed.
    expect(await reader.create('/from-observer', '')).toBe('/from-observer')
    expect((await configOf(reader)).text).toMatch(/^server\.4=.*:observer$/m)
  })

  it('removeMember(leader) hands leadership to another member; both calls need reconfigEnabled', async () => {
    const c = await start(3, 19)
    const leader = await c.waitForLeader()
    await c.removeMember(leader.myid)
    expect(c.running).not.toContain(leader.myid)
    expect(c.servers.map((s) => s.id)).not.toContain(leader.myid)
    const next = await c.waitForLeader()
    expect(next.myid).not.toBe(leader.myid)
    expect(next.status().config.active.voters).toEqual([1, 2, 3].filter((id) => id !== leader.myid))
    const zk = await c.connect(next.myid)
    expect(await zk.create('/after', 'x')).toBe('/after')
    await expect(c.removeMember(leader.myid)).rejects.toThrow(RangeError)
    await c.close()
    cluster = await TestingCluster.start({ size: 3, seed: 19 })
    await expect(cluster.addMember()).rejects.toThrow(/reconfigEnabled: true/)
    await expect(cluster.removeMember(1)).rejects.toThrow(/reconfigEnabled: true/)
    expect(cluster.running).toEqual([1, 2, 3])
  })

  it('is refused when reconfigEnabled is off, and on a standalone server', async () => {
    cluster = await TestingCluster.start({ size: 3, seed: 3 })
    const zk = await cluster.connect()
    await expect(zk.reconfig({ leaving: [3] })).rejects.toMatchObject({ code: 'RECONFIGDISABLED' })
    await cluster.close()
    cluster = await TestingCluster.start({ size: 1, seed: 3, reconfigEnabled: true })
    const alone = await cluster.connect()
    await expect(alone.reconfig({ leaving: [1] })).rejects.toMatchObject({ code: 'UNIMPLEMENTED' })
  })
})
