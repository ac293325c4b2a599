// Method: an anonymous in-process client builds a 7,000-deep chain of znodes under
// /zookeeper/quota (world-writable, as in ZooKeeper) with a limit and stat node at its bottom and a
// quota on /zookeeper over all of it, then asks getAllChildrenNumber and round-trips a snapshot
// through snapshotBytes/restoreSnapshot, and runs every four-letter word and admin command on the
// member's figures: every tree walk these take must be iterative.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server, type ZooKeeperClient } from '../../../lib/index.js'
import type { RunningMember } from '../../../lib/host/running-member.js'
import { Pipeline } from '../../../lib/server/pipeline.js'
import { restoreSnapshot, snapshotBytes, snapshotBytesChunks } from '../../../lib/server/snapshot.js'
import { MemberClientPortBackend } from '../../../lib/host/client-port.js'
import { adminCommands, runAdminCommand } from '../../../lib/server/admin-commands.js'
import { MemberMetrics } from '../../../lib/server/metrics.js'
import { answerFourLetterWord, parseFourLetterWhitelist, type FourLetterContext } from '../../../lib/wire/four-letter-words.js'
import { fourLetterWords } from '../../../lib/wire/frames.js'

const depth = 7_000
let server: Server
let zk: ZooKeeperClient
let bottom = '/zookeeper/quota/c'

async function* each(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks
}

const text = (data: Uint8Array | undefined): string => new TextDecoder().decode(data)

beforeAll(async () => {
  server = await createServer()
  zk = await server.connect()
  await zk.create(bottom)
  for (let i = 1; i < depth; i++) await zk.create((bottom += '/c'))
  await zk.create(`${bottom}/zookeeper_limits`, 'count=-1,bytes=-1')
  await zk.create(`${bottom}/zookeeper_stats`, 'count=0,bytes=0')
  // A quota on /zookeeper: creating its stat node counts the whole /zookeeper subtree, chain and all.
  await zk.create('/zookeeper/quota/zookeeper')
  await zk.create('/zookeeper/quota/zookeeper/zookeeper_limits', 'count=-1,bytes=-1')
  await zk.create('/zookeeper/quota/zookeeper/zookeeper_stats', 'count=0,bytes=0')
}, 120_000)

afterAll(async () => {
  await server.close()
})

describe('a 7,000-deep chain under /zookeeper/quota', () => {
  it('counts the chain in the quota on /zookeeper', async () => {
    const stats = (await zk.getString('/zookeeper/quota/zookeeper/zookeeper_stats')).data
    expect(Number(/^count=(\d+),/.exec(stats)?.[1])).toBeGreaterThan(depth)
  })

  it('answers getAllChildrenNumber over the whole chain', async () => {
    // The chain, the bottom's two quota nodes, and /zookeeper/quota/zookeeper with its two.
    expect(await zk.getAllChildrenNumber('/zookeeper/quota')).toBe(depth + 2 + 3)
    expect(await zk.getAllChildrenNumber('/zookeeper/quota/c')).toBe(depth - 1 + 2)
  })

  it('survives a snapshot round trip: every node comes back and the quotas are counted again', async () => {
    const member = (server as RunningMember).member
    const restored = new Pipeline()
    try {
      await restoreSnapshot(restored, each(snapshotBytesChunks(snapshotBytes(member))))
      expect(restored.tree.size).toBe(member.tree.size)
      expect(restored.tree.approximateDataSize).toBe(member.tree.approximateDataSize)
      expect(restored.tree.descendantCount('/zookeeper/quota')).toBe(depth + 5)
      const statsPath = '/zookeeper/quota/zookeeper/zookeeper_stats'
      expect(text(restored.tree.get(statsPath)?.data)).toMatch(/^count=\d+,bytes=\d+$/)
      expect(text(restored.tree.get(`${bottom}/zookeeper_stats`)?.data)).toBe('count=0,bytes=0')
    } finally {
      restored.close()
    }
  })

  it('answers every four-letter word and admin command on the member figures', () => {
    const backend = new MemberClientPortBackend((server as RunningMember).member)
    const ctx: FourLetterContext = {
      server: backend.serverInfo(),
      port: {
        connections: [], packetsReceived: 0, packetsSent: 0, outstandingRequests: 0, latency: { minMs: 0, avgMs: 0, maxMs: 0 },
        clientPort: 2181, maxClientCnxns: 60, uptimeMs: 1, environment: [],
      },
      directories: { dataDirBytes: 0, dataLogDirBytes: 0 },
    }
    const all = parseFourLetterWhitelist('*')
    for (const word of fourLetterWords) expect(typeof answerFourLetterWord(word, all, ctx).text).toBe('string')
    expect(answerFourLetterWord('mntr', all, ctx).text).toContain(`zk_approximate_data_size\t${(server as RunningMember).member.tree.approximateDataSize}\n`)
    for (const command of adminCommands) {
      const answer = runAdminCommand(command.names[0]!, true, () => ({ ...ctx, metrics: new MemberMetrics(), systemProperties: [] }))
      expect(answer.body).toMatchObject({ command: command.names[0] })
    }
  })
})
