// Method: node-zookeeper-client drives every operation, node type and error code against each target; Apache ZooKeeper proves the expectations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultSettings, hookTimeoutMs, specFor, targets, type RunningServer } from './harness/targets.js'
import { withNzkServer } from './harness/fixtures.js'
import { aclView, connectNzk, digestId, failure, openAclUnsafe, zookeeper, type NzkClient } from './harness/nzk.js'

const { ACL, Id, Permission, CreateMode } = zookeeper

describe.each(targets)('$name: operations through node-zookeeper-client', (target) => {
  let server: RunningServer
  let client: NzkClient

  withNzkServer(target, (s, c) => {
    server = s
    client = c
  })

  it('creates a persistent node and reads back its data and a fresh Stat', async () => {
    expect(await client.create('/ops-create', 'hello')).toBe('/ops-create')
    const { data, stat } = await client.getData('/ops-create')
    expect(data?.toString()).toBe('hello')
    expect(stat).toMatchObject({ version: 0, cversion: 0, aversion: 0, dataLength: 5, numChildren: 0 })
    expect(stat.ephemeralOwner.equals(Buffer.alloc(8))).toBe(true)
    expect(stat.czxid.equals(stat.mzxid)).toBe(true)
    expect(stat.czxid.equals(stat.pzxid)).toBe(true)
  })

  it('stores a node created without data as empty data', async () => {
    await client.create('/ops-empty')
    const { data, stat } = await client.getData('/ops-empty')
    expect(data === undefined || data.length === 0).toBe(true)
    expect(stat.dataLength).toBe(0)
  })

  it('rejects a second create of the same path with NODEEXISTS', async () => {
    await client.create('/ops-twice')
    expect(await failure(client.create('/ops-twice'))).toBe('NODEEXISTS')
  })

  it('rejects a create under a missing parent with NONODE', async () => {
    expect(await failure(client.create('/ops-missing/child'))).toBe('NONODE')
  })

  it('answers exists with null for a missing node and a Stat for a present one', async () => {
    expect(await client.exists('/ops-nowhere')).toBeNull()
    await client.create('/ops-exists', 'x')
    expect((await client.exists('/ops-exists'))?.dataLength).toBe(1)
  })

  it('rejects getData of a missing node with NONODE', async () => {
    expect(await failure(client.getData('/ops-nowhere'))).toBe('NONODE')
  })

  it('bumps the data version on every setData and rejects a stale version with BADVERSION', async () => {
    await client.create('/ops-set', 'v0')
    const first = await client.setData('/ops-set', 'v1', 0)
    expect(first.version).toBe(1)
    expect(await failure(client.setData('/ops-set', 'stale', 0))).toBe('BADVERSION')
    const unconditional = await client.setData('/ops-set', 'v2', -1)
    expect(unconditional.version).toBe(2)
    expect((await client.getData('/ops-set')).data?.toString()).toBe('v2')
    expect(await failure(client.setData('/ops-nowhere', 'x'))).toBe('NONODE')
  })

  it('lists children and counts them in cversion, numChildren and pzxid', async () => {
    await client.create('/ops-kids')
    await client.create('/ops-kids/b')
    await client.create('/ops-kids/a')
    await client.create('/ops-kids/c')
    await client.delete('/ops-kids/c')
    const { children, stat } = await client.getChildren('/ops-kids')
    expect([...children].sort()).toEqual(['a', 'b'])
    expect(stat).toMatchObject({ cversion: 4, numChildren: 2, version: 0 })
    expect(await failure(client.getChildren('/ops-nowhere'))).toBe('NONODE')
  })

  it('deletes with the right version, and refuses a wrong version, a parent with children and a missing node', async () => {
    await client.create('/ops-del')
    await client.create('/ops-del/child')
    expect(await failure(client.delete('/ops-del'))).toBe('NOTEMPTY')
    expect(await failure(client.delete('/ops-del/child', 3))).toBe('BADVERSION')
    await client.delete('/ops-del/child', 0)
    await client.delete('/ops-del')
    expect(await client.exists('/ops-del')).toBeNull()
    expect(await failure(client.delete('/ops-del'))).toBe('NONODE')
  })

  it('names sequential nodes with a 10-digit suffix from the parent counter, shared by every child', async () => {
    await client.create('/ops-seq')
    expect(await client.create('/ops-seq/n-', '', CreateMode.PERSISTENT_SEQUENTIAL)).toBe('/ops-seq/n-0000000000')
    await client.create('/ops-seq/plain')
    expect(await client.create('/ops-seq/n-', '', CreateMode.PERSISTENT_SEQUENTIAL)).toBe('/ops-seq/n-0000000002')
    expect(await client.create('/ops-seq/e-', '', CreateMode.EPHEMERAL_SEQUENTIAL)).toBe('/ops-seq/e-0000000003')
  })

  it('owns an ephemeral node by the session, refuses children under it, and removes it when the session closes', async () => {
    const owner = await connectNzk(server.connectString)
    await owner.create('/ops-eph', 'e', CreateMode.EPHEMERAL)
    const stat = await client.exists('/ops-eph')
    expect(stat?.ephemeralOwner.toString('hex')).toBe(owner.sessionIdHex)
    expect(await failure(owner.create('/ops-eph/child'))).toBe('NOCHILDRENFOREPHEMERALS')
    expect(await failure(owner.create('/ops-eph/child', '', CreateMode.EPHEMERAL))).toBe('NOCHILDRENFOREPHEMERALS')
    await owner.close()
    expect(await client.exists('/ops-eph')).toBeNull()
  })

  it('rejects a TTL flag sent with the plain create opcode (no TTL in the request) with BADARGUMENTS', async () => {
    const persistentWithTtl = 5
    expect(await failure(client.create('/ops-ttl-flag', '', persistentWithTtl))).toBe('BADARGUMENTS')
  })

  it('keeps czxid, mzxid, pzxid, ctime and mtime as ZooKeeper does', async () => {
    const zxid = (value: Buffer): bigint => value.readBigInt64BE(0)
    const before = Date.now()
    await client.create('/ops-stat', 'a')
    const created = (await client.getData('/ops-stat')).stat
    await client.create('/ops-stat/kid')
    const kid = (await client.exists('/ops-stat/kid'))!
    const afterChild = (await client.exists('/ops-stat'))!
    // A child moves the parent's pzxid and cversion, not its mzxid or version.
    expect(zxid(kid.czxid)).toBeGreaterThan(zxid(created.czxid))
    expect(zxid(afterChild.pzxid)).toBe(zxid(kid.czxid))
    expect(zxid(afterChild.mzxid)).toBe(zxid(created.mzxid))
    expect(afterChild).toMatchObject({ version: 0, cversion: 1, numChildren: 1 })

    const set = await client.setData('/ops-stat', 'b')
    expect(zxid(set.mzxid)).toBeGreaterThan(zxid(kid.czxid))
    expect(zxid(set.czxid)).toBe(zxid(created.czxid))
    expect(zxid(set.pzxid)).toBe(zxid(kid.czxid))
    expect(set.ctime.equals(created.ctime)).toBe(true)

    await client.delete('/ops-stat/kid')
    const afterDelete = (await client.exists('/ops-stat'))!
    expect(zxid(afterDelete.pzxid)).toBeGreaterThan(zxid(set.mzxid))
    expect(afterDelete).toMatchObject({ cversion: 2, numChildren: 0, version: 1 })

    // Times are wall-clock milliseconds.
    const ctime = Number(created.ctime.readBigInt64BE(0))
    const mtime = Number(set.mtime.readBigInt64BE(0))
    expect(ctime).toBeGreaterThanOrEqual(before - 1_000)
    expect(ctime).toBeLessThanOrEqual(Date.now() + 1_000)
    expect(mtime).toBeGreaterThanOrEqual(ctime)
  })

  it('gives every node created by one multi the same czxid, as one transaction', async () => {
    const outcome = await client.multi((t) => t.create('/ops-one-txn-a').create('/ops-one-txn-b'))
    expect(outcome.error).toBeUndefined()
    const a = (await client.exists('/ops-one-txn-a'))!
    const b = (await client.exists('/ops-one-txn-b'))!
    expect(a.czxid.equals(b.czxid)).toBe(true)
  })

  it('lists no children under an ephemeral node and lets its owner change its data', async () => {
    await client.create('/ops-eph-data', 'x', CreateMode.EPHEMERAL)
    expect((await client.getChildren('/ops-eph-data')).children).toEqual([])
    expect((await client.setData('/ops-eph-data', 'y')).version).toBe(1)
  })

  it('applies and answers 200 pipelined requests of one session in the order they were sent', async () => {
    await client.create('/ops-fifo')
    const names = await Promise.all(
      Array.from({ length: 200 }, () => client.create('/ops-fifo/n-', '', CreateMode.PERSISTENT_SEQUENTIAL)),
    )
    expect(names).toEqual(Array.from({ length: 200 }, (_, i) => `/ops-fifo/n-${String(i).padStart(10, '0')}`))
    const { children } = await client.getChildren('/ops-fifo')
    expect(children).toHaveLength(200)
  })

  it('does not count a deleted child in the next sequence suffix, though the delete bumps cversion', async () => {
    await client.create('/ops-seq-del')
    expect(await client.create('/ops-seq-del/n-', '', CreateMode.PERSISTENT_SEQUENTIAL)).toBe('/ops-seq-del/n-0000000000')
    await client.delete('/ops-seq-del/n-0000000000')
    expect((await client.exists('/ops-seq-del'))?.cversion).toBe(2)
    expect(await client.create('/ops-seq-del/n-', '', CreateMode.PERSISTENT_SEQUENTIAL)).toBe('/ops-seq-del/n-0000000001')
  })

  it('rejects setACL and getACL of a missing node with NONODE', async () => {
    expect(await failure(client.setACL('/ops-nowhere', openAclUnsafe()))).toBe('NONODE')
    expect(await failure(client.getACL('/ops-nowhere'))).toBe('NONODE')
  })

  it('answers sync on an existing path', async () => {
    await client.create('/ops-sync')
    await new Promise<void>((resolve, reject) => {
      const raw = client.raw as unknown as { sync?: (path: string, cb: (e: unknown) => void) => void }
      if (raw.sync === undefined) return resolve()
      raw.sync('/ops-sync', (error) => (error ? reject(error) : resolve()))
    })
  })
})

describe.each(targets)('$name: ACLs and digest auth through node-zookeeper-client', (target) => {
  let server: RunningServer
  let alice: NzkClient
  let anonymous: NzkClient

  beforeAll(async () => {
    server = await target.start(defaultSettings)
    alice = await connectNzk(server.connectString)
    alice.addAuth('digest', 'alice:secret')
    anonymous = await connectNzk(server.connectString)
  }, hookTimeoutMs)

  afterAll(async () => {
    await alice?.close()
    await anonymous?.close()
    await server?.stop()
  }, hookTimeoutMs)

  it('gives / the ACL world:anyone with every permission', async () => {
    const { acls } = await anonymous.getACL('/')
    expect(aclView(acls)).toEqual([
      { perms: Permission.ALL, scheme: 'world', id: 'anyone' },
    ])
  })

  it('turns the auth scheme into the creator digest id and guards the node with it', async () => {
    const creatorAll = [new ACL(Permission.ALL, new Id('auth', ''))]
    await alice.create('/acl-private', 'secret data', CreateMode.PERSISTENT, creatorAll)
    const { acls, stat } = await alice.getACL('/acl-private')
    expect(aclView(acls)).toEqual([
      { perms: Permission.ALL, scheme: 'digest', id: digestId('alice', 'secret') },
    ])
    expect(stat.aversion).toBe(0)
    expect((await alice.getData('/acl-private')).data?.toString()).toBe('secret data')
    expect(await failure(anonymous.getData('/acl-private'))).toBe('NOAUTH')
    expect(await failure(anonymous.setData('/acl-private', 'x'))).toBe('NOAUTH')
    expect(await failure(anonymous.create('/acl-private/child'))).toBe('NOAUTH')
    // getACL needs READ or ADMIN (ZOOKEEPER-1392).
    expect(await failure(anonymous.getACL('/acl-private'))).toBe('NOAUTH')
  })

  specFor(target, 'exists-ignores-acl')('answers exists with the Stat even to a client with no permission on the node', async () => {
    await alice.create('/acl-exists', 'x', CreateMode.PERSISTENT, [new ACL(Permission.ALL, new Id('digest', digestId('alice', 'secret')))])
    expect(await failure(anonymous.getData('/acl-exists'))).toBe('NOAUTH')
    expect((await anonymous.exists('/acl-exists'))?.dataLength).toBe(1)
  })

  it('refuses a client authenticated with the wrong password with NOAUTH', async () => {
    const mallory = await connectNzk(server.connectString)
    try {
      mallory.addAuth('digest', 'alice:wrong')
      await alice.create('/acl-wrong-password', 'x', CreateMode.PERSISTENT, [
        new ACL(Permission.ALL, new Id('digest', digestId('alice', 'secret'))),
      ])
      expect(await failure(mallory.getData('/acl-wrong-password'))).toBe('NOAUTH')
    } finally {
      await mallory.close()
    }
  })

  it('lets another session with the same digest credentials in', async () => {
    await alice.create('/acl-shared', 'shared', CreateMode.PERSISTENT, [
      new ACL(Permission.ALL, new Id('digest', digestId('alice', 'secret'))),
    ])
    const alsoAlice = await connectNzk(server.connectString)
    try {
      alsoAlice.addAuth('digest', 'alice:secret')
      expect((await alsoAlice.getData('/acl-shared')).data?.toString()).toBe('shared')
    } finally {
      await alsoAlice.close()
    }
  })

  it('enforces each permission bit on its own operation', async () => {
    const readOnly = [new ACL(Permission.READ, new Id('world', 'anyone'))]
    await alice.create('/acl-read-only', 'r', CreateMode.PERSISTENT, readOnly)
    expect((await anonymous.getData('/acl-read-only')).data?.toString()).toBe('r')
    expect(await failure(anonymous.setData('/acl-read-only', 'w'))).toBe('NOAUTH')
    expect(await failure(anonymous.create('/acl-read-only/child'))).toBe('NOAUTH')
    expect(await failure(anonymous.setACL('/acl-read-only', openAclUnsafe()))).toBe('NOAUTH')

    const createOnly = [new ACL(Permission.CREATE | Permission.READ, new Id('world', 'anyone'))]
    await alice.create('/acl-create-only', '', CreateMode.PERSISTENT, createOnly)
    await anonymous.create('/acl-create-only/child')
    expect(await failure(anonymous.delete('/acl-create-only/child'))).toBe('NOAUTH')
  })

  it('bumps aversion on setACL and rejects a stale ACL version with BADVERSION', async () => {
    await alice.create('/acl-versioned')
    const readAdmin = [new ACL(Permission.READ | Permission.ADMIN, new Id('world', 'anyone'))]
    const stat = await alice.setACL('/acl-versioned', readAdmin, 0)
    expect(stat.aversion).toBe(1)
    expect(await failure(alice.setACL('/acl-versioned', openAclUnsafe(), 0))).toBe('BADVERSION')
  })

  it('matches the ip scheme against the client address, by exact address or CIDR', async () => {
    const ipAcl = (id: string) => [new ACL(Permission.ALL, new Id('ip', id))]
    await alice.create('/acl-ip-exact', 'e', CreateMode.PERSISTENT, ipAcl('127.0.0.1'))
    await alice.create('/acl-ip-cidr', 'c', CreateMode.PERSISTENT, ipAcl('127.0.0.0/8'))
    await alice.create('/acl-ip-other', 'o', CreateMode.PERSISTENT, ipAcl('10.1.2.3'))
    expect((await anonymous.getData('/acl-ip-exact')).data?.toString()).toBe('e')
    expect((await anonymous.getData('/acl-ip-cidr')).data?.toString()).toBe('c')
    expect(await failure(anonymous.getData('/acl-ip-other'))).toBe('NOAUTH')
    expect(await failure(alice.create('/acl-ip-bad', '', 0, ipAcl('not-an-address')))).toBe('INVALIDACL')
  })

  it('rejects the auth scheme from a session with no credentials with INVALIDACL', async () => {
    expect(await failure(anonymous.create('/acl-no-creds', '', 0, [new ACL(Permission.ALL, new Id('auth', ''))]))).toBe(
      'INVALIDACL',
    )
  })

  it('rejects a malformed digest id and an unknown scheme with INVALIDACL', async () => {
    expect(await failure(alice.create('/acl-bad-digest', '', 0, [new ACL(Permission.ALL, new Id('digest', 'nocolon'))]))).toBe(
      'INVALIDACL',
    )
    expect(await failure(alice.create('/acl-bad-scheme', '', 0, [new ACL(Permission.ALL, new Id('nosuch', 'x'))]))).toBe(
      'INVALIDACL',
    )
  })
})
