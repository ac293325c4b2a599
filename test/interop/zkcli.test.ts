// Method: the commands of ZooKeeper's Getting Started tutorial (and a few more), each a one-shot zkCli.sh run, plus one zkCli.sh session fed by stdin, against each target, with their printed output checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultSettings, hookTimeoutMs, targets, type RunningServer } from './harness/targets.js'
import { zkCli, zkCliSession, zkCliSessionTimeoutMs, zkCliUnavailableReason } from './harness/zkcli.js'

const missing = zkCliUnavailableReason()
if (missing !== undefined && process.env['CI'] === 'true') throw new Error(`interop: zkCli.sh is required in CI: ${missing}`)
if (missing !== undefined) console.warn(`interop: skipping the zkCli.sh checks: ${missing}`)

describe.skipIf(missing !== undefined).each(targets)('$name: zkCli.sh tutorial commands', (target) => {
  let server: RunningServer
  const run = (...command: string[]) => zkCli(server.connectString, ...command)

  beforeAll(async () => {
    // The server grants zkCli.sh the long session it asks for (see zkCliSessionTimeoutMs).
    server = await target.start({ ...defaultSettings, maxSessionTimeoutMs: zkCliSessionTimeoutMs })
  }, hookTimeoutMs)

  afterAll(async () => {
    await server?.stop()
  }, hookTimeoutMs)

  // zkCli.sh prints what `create` made and every error on stderr, the data it reads on stdout.
  // The steps build on each other, as in the tutorial, so they run in order in one test each.
  it('creates, lists, reads, updates and stats a node as the tutorial shows', async () => {
    expect(await run('create', '/zk_test', 'my_data')).toMatchObject({ code: 0, out: '', err: 'Created /zk_test' })
    expect(await run('ls', '/')).toMatchObject({ code: 0, out: '[zk_test, zookeeper]' })
    expect(await run('get', '/zk_test')).toMatchObject({ code: 0, out: 'my_data' })
    expect(await run('set', '/zk_test', 'junk')).toMatchObject({ code: 0, out: '' })

    const stat = await run('stat', '/zk_test')
    expect(stat.code).toBe(0)
    const fields = Object.fromEntries(stat.out.split('\n').map((line) => line.split(' = ') as [string, string]))
    expect(Object.keys(fields)).toEqual([
      'cZxid',
      'ctime',
      'mZxid',
      'mtime',
      'pZxid',
      'cversion',
      'dataVersion',
      'aclVersion',
      'ephemeralOwner',
      'dataLength',
      'numChildren',
    ])
    expect(fields).toMatchObject({ cversion: '0', dataVersion: '1', aclVersion: '0', ephemeralOwner: '0x0', dataLength: '4', numChildren: '0' })
    expect(fields['cZxid']).toMatch(/^0x[0-9a-f]+$/)
    expect(Number(fields['mZxid'])).toBeGreaterThan(Number(fields['cZxid']))
  })

  it('refuses `set -v` with a stale version and keeps the data', async () => {
    await run('create', '/zk_versioned', 'v0')
    expect(await run('set', '-v', '0', '/zk_versioned', 'v1')).toMatchObject({ code: 0 })
    expect(await run('set', '-v', '0', '/zk_versioned', 'stale')).toMatchObject({
      code: 1,
      err: 'version No is not valid : /zk_versioned',
    })
    expect(await run('get', '/zk_versioned')).toMatchObject({ code: 0, out: 'v1' })
  })

  it('prints sequential names with a 10-digit suffix and owns `create -e` nodes by the shell session', async () => {
    await run('create', '/zk_kids')
    expect(await run('create', '-s', '/zk_kids/seq-', 'x')).toMatchObject({ code: 0, out: '', err: 'Created /zk_kids/seq-0000000000' })
    expect(await run('create', '-e', '/zk_kids/eph', 'x')).toMatchObject({ code: 0, out: '', err: 'Created /zk_kids/eph' })
    expect(await run('create', '-s', '/zk_kids/seq-', 'y')).toMatchObject({ code: 0, out: '', err: 'Created /zk_kids/seq-0000000002' })
    expect(await run('ls', '/zk_kids')).toMatchObject({ code: 0, out: '[eph, seq-0000000000, seq-0000000002]' })
    // A one-shot zkCli.sh exits without closing its session: the ephemeral lives until expiry.
    const stat = await run('stat', '/zk_kids/eph')
    expect(stat.out).toMatch(/^ephemeralOwner = 0x[0-9a-f]*[1-9a-f][0-9a-f]*$/m)
  })

  it('deletes a leaf, refuses to delete a parent, and deletes a subtree with deleteall', async () => {
    await run('create', '/zk_tree')
    await run('create', '/zk_tree/leaf')
    expect(await run('delete', '/zk_tree')).toMatchObject({ code: 1, err: 'Node not empty: /zk_tree' })
    expect(await run('delete', '/zk_tree/leaf')).toMatchObject({ code: 0, out: '' })
    await run('create', '/zk_tree/a')
    await run('create', '/zk_tree/a/b')
    expect(await run('deleteall', '/zk_tree')).toMatchObject({ code: 0, out: '' })
    expect(await run('get', '/zk_tree')).toMatchObject({ code: 1, err: 'Node does not exist: /zk_tree' })
    expect(await run('create', '/zk_test', 'again')).toMatchObject({ code: 1, err: 'Node already exists: /zk_test' })
  })

  it('creates containers and TTL nodes, sets and shows ACLs, and counts descendants beyond the tutorial', async () => {
    expect(await run('create', '-c', '/zk_box')).toMatchObject({ code: 0, err: 'Created /zk_box' })
    expect(await run('create', '-t', '60000', '/zk_box/ttl', 'd')).toMatchObject({ code: 0, err: 'Created /zk_box/ttl' })
    expect(await run('getAllChildrenNumber', '/zk_box')).toMatchObject({ code: 0, out: '1' })
    expect(await run('getAcl', '/zk_box/ttl')).toMatchObject({ code: 0, out: "'world,'anyone\n: cdrwa" })
    expect(await run('setAcl', '/zk_box/ttl', 'world:anyone:r')).toMatchObject({ code: 0 })
    expect(await run('getAcl', '/zk_box/ttl')).toMatchObject({ code: 0, out: "'world,'anyone\n: r" })
    expect(await run('set', '/zk_box/ttl', 'x')).toMatchObject({ code: 1, err: 'Insufficient permission : /zk_box/ttl' })
  })

  it('keeps the usage setquota asks for: listquota shows the count and bytes of the subtree as writes go on', async () => {
    const statLine = (out: string) => out.split('\n').find((line) => line.startsWith('Output stat for /zk_quota'))
    expect(await zkCliSession(server.connectString, [
      'create /zk_quota abc', 'create /zk_quota/a 12345', 'setquota -n 5 /zk_quota',
    ])).toMatchObject({ code: 0 })
    expect(statLine((await run('listquota', '/zk_quota')).out)).toBe('Output stat for /zk_quota count=2,bytes=8')
    expect(await zkCliSession(server.connectString, ['create /zk_quota/b xy', 'set /zk_quota/a 1'])).toMatchObject({ code: 0 })
    expect(statLine((await run('listquota', '/zk_quota')).out)).toBe('Output stat for /zk_quota count=3,bytes=6')
    expect(await run('delete', '/zk_quota/b')).toMatchObject({ code: 0 })
    expect(statLine((await run('listquota', '/zk_quota')).out)).toBe('Output stat for /zk_quota count=2,bytes=4')
  })

  it('answers whoami, sync and getEphemerals for a fresh session', async () => {
    expect(await run('whoami')).toMatchObject({ code: 0, out: 'Auth scheme: User\nip: 127.0.0.1' })
    expect(await run('sync', '/')).toMatchObject({ code: 0, out: 'Sync is OK' })
    expect(await run('getEphemerals')).toMatchObject({ code: 0, out: '[]' })
  })

  it('keeps one session across piped commands: persistent and recursive addWatch fire until removewatches', async () => {
    const session = await zkCliSession(server.connectString, [
      'create /zk_r',
      'addWatch /zk_r',
      'create /zk_r/a',
      'create /zk_r/a/b',
      'set /zk_r/a/b d',
      'delete /zk_r/a/b',
      'removewatches /zk_r -a',
      'create /zk_r/c',
      'create /zk_p',
      'addWatch -m PERSISTENT /zk_p',
      'create /zk_p/k',
      'create /zk_p/k/grandchild',
      'set /zk_p d1',
      'set /zk_p d2',
      'create -e /zk_r/e',
      'getEphemerals',
    ])
    expect(session.code).toBe(0)
    expect(session.events).toEqual([
      'NodeCreated /zk_r/a',
      'NodeCreated /zk_r/a/b',
      'NodeDataChanged /zk_r/a/b',
      'NodeDeleted /zk_r/a/b',
      'PersistentWatchRemoved /zk_r',
      'NodeChildrenChanged /zk_p',
      'NodeDataChanged /zk_p',
      'NodeDataChanged /zk_p',
    ])
    expect(session.lines).toContain('[/zk_r/e]')
  })
})
