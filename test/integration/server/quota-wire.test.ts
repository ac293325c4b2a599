// Method: a server configured from zoo.cfg text with zookeeper.enforceQuota=true (through
// parseZooCfg and serverOptionsFor, as `paddock server` starts it) serves 127.0.0.1:0; a quota with
// hard limits is written as setquota writes it, then a raw jute client (no client library) must
// read error -125 in the reply header, and the typed TCP client must reject with a ZooKeeperError
// coded QUOTAEXCEEDED, while the tree shows nothing of the refused writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createServer, parseZooCfg, serverOptionsFor, ZooKeeperError, type Server, type ZooKeeperClient } from '../../../lib/index.js'
import { RawClient, create, fourLetterWord, utf8 } from '../wire/helpers.js'

let server: Server
let admin: ZooKeeperClient
const warnings: string[] = []
const originalWarn = console.warn

beforeAll(async () => {
  console.warn = (line: string) => void warnings.push(line)
  const options = serverOptionsFor(parseZooCfg('clientPort=0\nclientPortAddress=127.0.0.1\nzookeeper.enforceQuota=true\n4lw.commands.whitelist=mntr\n', 'zoo.cfg'))
  server = await createServer({ ...options, dataDir: undefined, adminServerPort: 0, metricsPort: 0 })
  admin = await server.connect()
  await admin.create('/app', 'abc')
  await admin.create('/zookeeper/quota/app')
  await admin.create('/zookeeper/quota/app/zookeeper_limits', 'count=-1,bytes=-1=;byteHardLimit=8;countHardLimit=3')
  await admin.create('/zookeeper/quota/app/zookeeper_stats', 'count=0,bytes=0')
  await admin.create('/app/a', 'xy')
})

afterAll(async () => {
  console.warn = originalWarn
  await admin?.close()
  await server?.close()
})

const port = (): number => server.address?.port ?? 0

describe('zookeeper.enforceQuota=true over the wire', () => {
  it('answers a create past a hard count limit with error -125 in the reply header', async () => {
    const [raw] = await RawClient.session(port())
    try {
      expect((await raw.call(create('/app/b'))).header.err).toBe(0)
      const refused = await raw.call(create('/app/c'))
      expect(refused.header.err).toBe(-125)
      expect(refused.response).toBeUndefined()
      expect((await raw.call({ op: 'setData', path: '/app/a', data: utf8('xyzwvu'), version: -1 })).header.err).toBe(-125)
      expect((await raw.call({ op: 'delete', path: '/app/b', version: -1 })).header.err).toBe(0)
    } finally {
      raw.destroy()
    }
    expect(await admin.exists('/app/c')).toBeNull()
    expect((await admin.getString('/zookeeper/quota/app/zookeeper_stats')).data).toBe('count=2,bytes=5')
    expect(warnings).toContain('paddock: Quota exceeded: /app [current count=4, hardCountLimit=3]')
  })

  it('rejects with a ZooKeeperError coded QUOTAEXCEEDED in the typed TCP client, alone and in a multi', async () => {
    const zk = await connect(`127.0.0.1:${port()}`)
    try {
      const refused = await zk.setData('/app/a', 'xyzwvu').catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(ZooKeeperError)
      expect(refused).toMatchObject({ code: 'QUOTAEXCEEDED', errno: -125, path: '/app/a' })
      await expect(zk.transaction().create('/app/m1').create('/app/m2').commit()).rejects.toMatchObject({ code: 'QUOTAEXCEEDED', path: '/app/m2' })
      expect(await zk.exists('/app/m1')).toBeNull()
      // Within the limits the same client writes as usual.
      await zk.setData('/app/a', 'xyz')
      await zk.create('/app/m1')
      await expect(zk.create('/app/m2')).rejects.toMatchObject({ code: 'QUOTAEXCEEDED' })
    } finally {
      await zk.close()
    }
    expect((await admin.getString('/zookeeper/quota/app/zookeeper_stats')).data).toBe('count=3,bytes=6')
  })

  it('reports the namespace\'s limits, usage and refusals in mntr, the admin monitor command and both /metrics endpoints', async () => {
    // The two tests above: five writes refused for the hard limits (two raw, three typed).
    const mntr = await fourLetterWord(port(), 'mntr')
    for (const line of ['zk_app_quota_count_limit_per_namespace\t3', 'zk_app_quota_bytes_limit_per_namespace\t8', 'zk_app_quota_count_usage_per_namespace\t3', 'zk_app_quota_bytes_usage_per_namespace\t6', 'zk_app_quota_exceeded_error_per_namespace\t5']) {
      expect(mntr.split('\n')).toContain(line)
    }
    const monitor = (await (await fetch(`http://127.0.0.1:${server.adminAddress?.port ?? 0}/commands/monitor`)).json()) as Record<string, unknown>
    expect(monitor).toMatchObject({ app_quota_count_limit_per_namespace: 3, app_quota_bytes_usage_per_namespace: 6, app_quota_exceeded_error_per_namespace: 5 })
    for (const address of [server.adminAddress, server.metricsAddress]) {
      const text = await (await fetch(`http://127.0.0.1:${address?.port ?? 0}/metrics`)).text()
      expect(text.split('\n')).toEqual(expect.arrayContaining(['quota_count_usage_per_namespace{key="app"} 3', 'quota_exceeded_error_per_namespace{key="app"} 5']))
    }
  })
})
