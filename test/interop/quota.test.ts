// Method: quota enforcement on each target, Apache ZooKeeper 3.8 started with
// -Dzookeeper.enforceQuota=true and Paddock with enforceQuota: true. Quota nodes are written as
// zkCli's setquota writes them; Paddock's TCP client then creates and sets data inside and past
// soft and hard limits, and zkCli.sh (the Java client) creates past one. Apache proves the
// expectations; Paddock must meet them. The one deliberate difference (writes in flight count
// in Paddock) is asserted per target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, createServer, type ZooKeeperClient } from '../../lib/index.js'
import { startApacheZooKeeper } from './harness/apache.js'
import { fourLetterWord } from './harness/four-letter.js'
import { defaultSettings, hookTimeoutMs, targets, type RunningServer, type Target } from './harness/targets.js'
import { zkCli, zkCliUnavailableReason } from './harness/zkcli.js'

/** Paddock on 127.0.0.1:0 with the interop settings and quotas enforced; its quota lines are kept, not printed. */
async function startPaddockEnforcing(lines: string[]): Promise<RunningServer> {
  const warn = console.warn
  const server = await createServer({ port: 0, host: '127.0.0.1', ...defaultSettings, maxClientCnxns: 0, enforceQuota: true, fourLetterWordsWhitelist: '*' })
  console.warn = (line: string) => void (String(line).includes('Quota exceeded') ? lines.push(line) : warn(line))
  const port = server.address?.port ?? 0
  return {
    name: 'paddock',
    host: '127.0.0.1',
    port,
    connectString: `127.0.0.1:${port}`,
    async stop() {
      console.warn = warn
      await server.close()
    },
  }
}

function startEnforcing(target: Target, paddockLines: string[]): Promise<RunningServer> {
  if (target.name === 'paddock') return startPaddockEnforcing(paddockLines)
  return startApacheZooKeeper({ ...defaultSettings, extendedTypesEnabled: true, extraJvmFlags: ['-Dzookeeper.enforceQuota=true'] })
}

const hard = (count: number, bytes: number): string => `count=-1,bytes=-1=;byteHardLimit=${bytes};countHardLimit=${count}`

const zkCliMissing = zkCliUnavailableReason()

describe.each(targets)('$name: quotas enforced (zookeeper.enforceQuota=true)', (target) => {
  let server: RunningServer
  let zk: ZooKeeperClient
  const paddockLines: string[] = []

  /** What zkCli's setquota writes for `path`: the quota directories, the limits, then the stats. */
  async function setQuota(path: string, limits: string): Promise<void> {
    let dir = '/zookeeper/quota'
    for (const part of path.split('/').slice(1)) {
      dir += `/${part}`
      if ((await zk.exists(dir)) === null) await zk.create(dir)
    }
    await zk.create(`${dir}/zookeeper_limits`, limits)
    await zk.create(`${dir}/zookeeper_stats`, 'count=0,bytes=0')
  }
  const stats = async (path: string): Promise<string> => (await zk.getString(`/zookeeper/quota${path}/zookeeper_stats`)).data
  const code = (promise: Promise<unknown>): Promise<string> =>
    promise.then(
      () => 'ok',
      (error: unknown) => String((error as { code?: unknown }).code),
    )

  beforeAll(async () => {
    server = await startEnforcing(target, paddockLines)
    zk = await connect(server.connectString)
  }, hookTimeoutMs)
  afterAll(async () => {
    await zk?.close()
    await server?.stop()
  }, hookTimeoutMs)

  it('refuses creates and setData past the hard limits with QUOTAEXCEEDED, and allows them up to the limits', async () => {
    await zk.create('/iq', 'abc')
    await zk.create('/iq/a', '12345')
    await setQuota('/iq', hard(3, 12))
    expect(await stats('/iq')).toBe('count=2,bytes=8')
    expect(await code(zk.create('/iq/b', 'xyzw'))).toBe('ok')
    expect(await code(zk.create('/iq/c'))).toBe('QUOTAEXCEEDED')
    expect(await code(zk.setData('/iq/a', '123456'))).toBe('QUOTAEXCEEDED')
    expect(await code(zk.setData('/iq/a', '1234'))).toBe('ok')
    expect(await code(zk.setData('/iq/a', '12345'))).toBe('ok')
    expect(await code(zk.transaction().setData('/iq', 'ab').create('/iq/c').commit())).toBe('QUOTAEXCEEDED')
    expect((await zk.getString('/iq')).data).toBe('abc')
    expect(await code(zk.delete('/iq/b'))).toBe('ok')
    expect(await code(zk.create('/iq/c'))).toBe('ok')
    expect(await stats('/iq')).toBe('count=3,bytes=8')
  })

  it('lets writes past soft limits through', async () => {
    await zk.create('/iq2')
    await setQuota('/iq2', 'count=1,bytes=1=;byteHardLimit=-1;countHardLimit=-1')
    expect(await code(zk.create('/iq2/x', 'data'))).toBe('ok')
    expect(await code(zk.setData('/iq2/x', 'more data'))).toBe('ok')
    expect(await stats('/iq2')).toBe('count=2,bytes=9')
    if (target.name === 'paddock') expect(paddockLines).toContain('paddock: Quota exceeded: /iq2 [current count=2, softCountLimit=1]')
  })

  it('refuses a setData that shrinks data while the subtree stays over a hard byte limit', async () => {
    await zk.create('/iq3', 'abcdef')
    await setQuota('/iq3', hard(-1, 3))
    expect(await code(zk.setData('/iq3', 'abcde'))).toBe('QUOTAEXCEEDED')
    expect(await code(zk.setData('/iq3', 'abc'))).toBe('ok')
  })

  it('judges a multi op by op: ZooKeeper checks each create against the committed usage, Paddock counts the earlier ops', async () => {
    await zk.create('/iq4')
    await setQuota('/iq4', hard(2, -1))
    const outcome = await code(zk.transaction().create('/iq4/a').create('/iq4/b').commit())
    expect(outcome).toBe(target.name === 'apache' ? 'ok' : 'QUOTAEXCEEDED')
    expect(await stats('/iq4')).toBe(target.name === 'apache' ? 'count=3,bytes=0' : 'count=1,bytes=0')
  })

  it.skipIf(zkCliMissing !== undefined)('makes zkCli.sh (the Java client) print "Quota has exceeded" and exit 1', async () => {
    await zk.create('/iq5')
    await setQuota('/iq5', hard(1, -1))
    expect(await zkCli(server.connectString, 'create', '/iq5/x')).toMatchObject({ code: 1, err: 'Quota has exceeded : /iq5/x' })
  })

  it('reports each namespace\'s limits, usage and refusals in mntr under ZooKeeper\'s names', async () => {
    await zk.create('/qm')
    await zk.create('/qm/a', 'abc')
    await zk.create('/qm/b')
    await setQuota('/qm/a', hard(2, -1))
    await setQuota('/qm/b', 'count=5,bytes=100')
    await zk.create('/qm/a/x', 'de')
    await zk.create('/qm/b/y', '1234')
    expect(await code(zk.create('/qm/a/z'))).toBe('QUOTAEXCEEDED')
    const mntr = new Map<string, string>()
    for (const line of (await fourLetterWord(server.host, server.port, 'mntr')).split('\n')) {
      const [key, value] = line.split('\t')
      if (key !== undefined && value !== undefined && key.startsWith('zk_qm_')) mntr.set(key, value)
    }
    // Limits: /qm/a's hard count 2 and no byte limit (-1), /qm/b's soft 5 and 100, summed per namespace.
    expect(Object.fromEntries(mntr)).toEqual({
      zk_qm_quota_count_limit_per_namespace: '7',
      zk_qm_quota_bytes_limit_per_namespace: '99',
      zk_qm_quota_count_usage_per_namespace: '4',
      zk_qm_quota_bytes_usage_per_namespace: '9',
      zk_qm_quota_exceeded_error_per_namespace: '1',
    })
  })
})
