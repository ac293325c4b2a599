// Method: quota nodes written as zkCli.sh's setquota writes them (limits, then stats), then creates,
// deletes and setData inside and outside the quota'd subtree, through the in-process client; the
// stats node must hold ZooKeeper's `count=<nodes>,bytes=<data bytes>` after each, including after
// the state went through a snapshot. Figures checked against Apache ZooKeeper 3.8 by hand and in
// test/interop/zkcli.test.ts.
import { describe, expect, it } from 'vitest'
import { createServer, type ZooKeeperClient } from '../../../lib/index.js'
import { Pipeline } from '../../../lib/server/pipeline.js'
import type { RunningMember } from '../../../lib/host/running-member.js'
import { restoreSnapshot, snapshotBytes, snapshotBytesChunks } from '../../../lib/server/snapshot.js'

async function stats(zk: ZooKeeperClient, path: string): Promise<string> {
  return (await zk.getString(`/zookeeper/quota${path}/zookeeper_stats`)).data
}

/** What zkCli.sh's `setquota -n <count> <path>` writes. */
async function setQuota(zk: ZooKeeperClient, path: string, count: number): Promise<void> {
  let at = '/zookeeper/quota'
  for (const part of path.split('/').slice(1)) {
    at += `/${part}`
    await zk.create(at).catch((error: { code?: string }) => {
      if (error.code !== 'NODEEXISTS') throw error
    })
  }
  await zk.create(`${at}/zookeeper_limits`, `count=${count},bytes=-1`)
  await zk.create(`${at}/zookeeper_stats`, 'count=0,bytes=0')
}

async function* each(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks
}

describe('quota usage in zookeeper_stats', () => {
  it('counts the subtree when the stats node is created, then follows creates, setData and deletes in it only', async () => {
    const server = await createServer()
    const zk = await server.connect()
    await zk.create('/app', 'abc')
    await zk.create('/app/a', '12345')
    await zk.create('/other', 'zzzzzz')
    await setQuota(zk, '/app', 5)
    expect(await stats(zk, '/app')).toBe('count=2,bytes=8')
    await zk.create('/app/b', 'xy')
    await zk.create('/app/b/c')
    await zk.setData('/app/a', '1')
    await zk.create('/other/x', 'ignored')
    expect(await stats(zk, '/app')).toBe('count=4,bytes=6')
    await zk.delete('/app/b/c')
    await zk.delete('/app/b')
    expect(await stats(zk, '/app')).toBe('count=2,bytes=4')
    // The stats node changes in place, as ZooKeeper's: its version stays, its length follows.
    const { stat } = await zk.getData('/zookeeper/quota/app/zookeeper_stats')
    expect([stat.version, stat.dataLength]).toEqual([0, 'count=2,bytes=4'.length])
    await server.close()
  })

  it('counts in the deepest quota root, and stops counting once the limits node is deleted', async () => {
    const server = await createServer()
    const zk = await server.connect()
    await zk.create('/a')
    await zk.create('/a/b')
    await setQuota(zk, '/a', 10)
    await setQuota(zk, '/a/b', 10)
    await zk.create('/a/b/c', 'xyz')
    expect([await stats(zk, '/a'), await stats(zk, '/a/b')]).toEqual(['count=2,bytes=0', 'count=2,bytes=3'])
    await zk.delete('/zookeeper/quota/a/b/zookeeper_limits')
    await zk.create('/a/b/d', 'q')
    expect([await stats(zk, '/a'), await stats(zk, '/a/b')]).toEqual(['count=3,bytes=1', 'count=2,bytes=3'])
    await server.close()
  })

  it('recounts a stats node overwritten with something else, and keeps counting after a snapshot restore', async () => {
    const server = await createServer()
    const member = (server as RunningMember).member
    const zk = await server.connect()
    await zk.create('/app', 'abc')
    await setQuota(zk, '/app', 5)
    await zk.setData('/zookeeper/quota/app/zookeeper_stats', 'garbage')
    await zk.create('/app/a', '12')
    expect(await stats(zk, '/app')).toBe('count=2,bytes=5')

    const restored = new Pipeline()
    await restoreSnapshot(restored, each(snapshotBytesChunks(snapshotBytes(member))))
    const next = { sessionId: 1n, cxid: 1, zxid: restored.lastProcessedZxid + 1, time: 0 }
    restored.tree.apply(next, { type: 'create', path: '/app/b', data: new TextEncoder().encode('x'), acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], ephemeralOwner: 0n, parentCVersion: 1, kind: 'persistent', ttlMs: 0 })
    const text = new TextDecoder().decode(restored.tree.get('/zookeeper/quota/app/zookeeper_stats')?.data)
    expect(text).toBe('count=3,bytes=6')
    await server.close()
    restored.close()
  })
})
