// Method: Prep over a DataTree holding quota nodes as setquota writes them, with writes prepared
// and not yet applied (in flight) or applied and committed, checking the transaction each request
// becomes: the rules of ZooKeeperServer.checkQuota (hard limits refuse with QUOTAEXCEEDED, soft
// limits only log; create counts a node and its bytes, setData the change of bytes; the deepest
// quota root counts), Paddock's choice to count writes in flight, and multi failing as a whole.
// Then the in-process server and client: a ZooKeeperError with code QUOTAEXCEEDED, nothing changed.
import { describe, expect, it, vi } from 'vitest'
import { createServer, ZooKeeperError } from '../../../lib/index.js'
import { ErrorCode } from '../../../lib/errors.js'
import { OPEN_ACL_UNSAFE } from '../../../lib/protocol/data.js'
import type { MultiOp, WriteRequest } from '../../../lib/protocol/requests.js'
import { Prep, type PrepContext } from '../../../lib/server/prep.js'
import { DataTree } from '../../../lib/tree/data-tree.js'
import type { Txn } from '../../../lib/txn/types.js'

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const QUOTAEXCEEDED = ErrorCode.QUOTAEXCEEDED

/** A tree, a Prep over it with quotas enforced, and the plumbing of a leader: prepare, apply, commit. */
function setup(options: { enforceQuota?: boolean } = {}) {
  const tree = new DataTree()
  const warnings: string[] = []
  const prep = new Prep(tree, { maxDataBytes: 1 << 20, extendedTypesEnabled: true, skipACL: false, enforceQuota: options.enforceQuota ?? true, reconfigEnabled: false, quotaWarn: (line) => warnings.push(line) })
  let zxid = 0
  let time = 1_000
  const ctx = (): PrepContext => ({ sessionId: 1n, authInfo: [], zxid: ++zxid, time: (time += 10) })
  /** Prepares `request` as the next zxid; the transaction stays in flight. */
  const prepare = (request: WriteRequest): { txn: Txn; zxid: number } => {
    const at = ctx()
    return { txn: prep.prepare(request, at), zxid: at.zxid }
  }
  /** Applies a prepared transaction and tells prep it committed. */
  const commit = ({ txn, zxid: at }: { txn: Txn; zxid: number }): void => {
    tree.apply({ sessionId: 1n, cxid: at, zxid: at, time }, txn)
    prep.committed(at)
  }
  /** Prepares and commits at once, expecting success. */
  const write = (request: WriteRequest): void => {
    const prepared = prepare(request)
    expect(prepared.txn.type, `${request.op} ${'path' in request ? request.path : ''}: err ${errorOf(prepared.txn) ?? ''}`).not.toBe('error')
    commit(prepared)
  }
  const create = (path: string, data = ''): WriteRequest => ({ op: 'create', path, data: bytes(data), acl: OPEN_ACL_UNSAFE, mode: 0 })
  const setData = (path: string, data: string, version = -1): WriteRequest => ({ op: 'setData', path, data: bytes(data), version })
  const remove = (path: string): WriteRequest => ({ op: 'delete', path, version: -1 })
  /** Writes a quota on `path` as setquota does: its directories, the limit node, then the stat node. */
  const quota = (path: string, limits: string): void => {
    let dir = '/zookeeper/quota'
    for (const part of path.split('/').slice(1)) if (tree.get((dir += `/${part}`)) === undefined) write(create(dir))
    write(create(`${dir}/zookeeper_limits`, limits))
    write(create(`${dir}/zookeeper_stats`, 'count=0,bytes=0'))
  }
  const stats = (path: string): string => new TextDecoder().decode(tree.get(`/zookeeper/quota${path}/zookeeper_stats`)?.data)
  return { tree, prep, warnings, prepare, commit, write, create, setData, remove, quota, stats }
}

const hardCount = (n: number): string => `count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=${n}`
const hardBytes = (n: number): string => `count=-1,bytes=-1=;byteHardLimit=${n};countHardLimit=-1`
const errorOf = (txn: Txn): number | undefined => (txn.type === 'error' ? txn.err : undefined)

describe('quota enforcement in prep', () => {
  it('refuses a create past a hard count limit with QUOTAEXCEEDED, counting the root itself', () => {
    const q = setup()
    q.write(q.create('/app'))
    q.quota('/app', hardCount(3))
    q.write(q.create('/app/a'))
    q.write(q.create('/app/b'))
    expect(q.stats('/app')).toBe('count=3,bytes=0')
    expect(errorOf(q.prepare(q.create('/app/c')).txn)).toBe(QUOTAEXCEEDED)
    expect(errorOf(q.prepare(q.create('/app/a/deep')).txn)).toBe(QUOTAEXCEEDED)
    // Outside the quota, and in the quota tree itself, nothing is limited.
    q.write(q.create('/other'))
    q.write(q.create('/zookeeper/quota/app/note'))
    expect(q.warnings).toEqual(['Quota exceeded: /app [current count=4, hardCountLimit=3]'])
  })

  it('refuses a create or setData past a hard byte limit; a setData is charged the change of length', () => {
    const q = setup()
    q.write(q.create('/app', 'abc'))
    q.quota('/app', hardBytes(10))
    q.write(q.create('/app/a', '1234'))
    expect(errorOf(q.prepare(q.create('/app/b', '1234')).txn)).toBe(QUOTAEXCEEDED)
    q.write(q.create('/app/b', '123'))
    expect(q.stats('/app')).toBe('count=3,bytes=10')
    // Same length: bytes unchanged, not checked. Longer: refused. Shorter: allowed once within the limit.
    q.write(q.setData('/app/a', 'wxyz'))
    expect(errorOf(q.prepare(q.setData('/app/a', 'wxyz5')).txn)).toBe(QUOTAEXCEEDED)
    q.write(q.setData('/app/a', 'w'))
    expect(q.stats('/app')).toBe('count=3,bytes=7')
    // An empty node adds a node and no bytes: the byte limit does not stop it.
    q.write(q.create('/app/empty'))
  })

  it('refuses a setData that shrinks the data while the subtree stays over a hard limit, as ZooKeeper does', () => {
    const q = setup()
    q.write(q.create('/app', '0123456789'))
    q.quota('/app', hardBytes(5))
    expect(errorOf(q.prepare(q.setData('/app', '012345')).txn)).toBe(QUOTAEXCEEDED)
    q.write(q.setData('/app', '01234'))
    expect(q.stats('/app')).toBe('count=1,bytes=5')
  })

  it('checks the quota before the version, as PrepRequestProcessor does; NODEEXISTS comes first on create', () => {
    const q = setup()
    q.write(q.create('/app', 'abc'))
    q.quota('/app', hardBytes(3))
    expect(errorOf(q.prepare(q.setData('/app', 'abcd', 7)).txn)).toBe(QUOTAEXCEEDED)
    expect(errorOf(q.prepare(q.setData('/app', 'abc', 7)).txn)).toBe(ErrorCode.BADVERSION)
    expect(errorOf(q.prepare(q.create('/app', 'toolong')).txn)).toBe(ErrorCode.NODEEXISTS)
  })

  it('lets writes past a soft limit through and logs them, rate-limited', () => {
    const q = setup()
    q.write(q.create('/app'))
    q.quota('/app', 'count=2,bytes=4=;byteHardLimit=-1;countHardLimit=-1')
    q.write(q.create('/app/a', 'xyz'))
    q.write(q.create('/app/b', 'xy'))
    q.write(q.setData('/app/b', 'xyzw'))
    expect(q.stats('/app')).toBe('count=3,bytes=7')
    // The first line prints; the ones within the next second are counted, not printed.
    expect(q.warnings).toEqual(['Quota exceeded: /app [current count=3, softCountLimit=2]'])
  })

  it('holds a hard limit over a soft one: a hard count refuses though a soft byte limit only logs', () => {
    const q = setup()
    q.write(q.create('/app'))
    q.quota('/app', 'count=-1,bytes=1=;byteHardLimit=-1;countHardLimit=2')
    q.write(q.create('/app/a', 'xy'))
    expect(errorOf(q.prepare(q.create('/app/b')).txn)).toBe(QUOTAEXCEEDED)
    expect(q.stats('/app')).toBe('count=2,bytes=2')
  })

  it('counts only the deepest quota root above the path', () => {
    const q = setup()
    q.write(q.create('/a'))
    q.write(q.create('/a/b'))
    q.quota('/a', hardCount(3))
    q.quota('/a/b', hardCount(2))
    q.write(q.create('/a/b/one'))
    expect(errorOf(q.prepare(q.create('/a/b/two')).txn)).toBe(QUOTAEXCEEDED)
    // /a counted itself and /a/b before /a/b had a quota of its own; /a/x is its third.
    q.write(q.create('/a/x'))
    expect([q.stats('/a'), q.stats('/a/b')]).toEqual(['count=3,bytes=0', 'count=2,bytes=0'])
    expect(errorOf(q.prepare(q.create('/a/y')).txn)).toBe(QUOTAEXCEEDED)
  })

  it('does not check a quota without its stat node, nor any quota unless enforceQuota is set', () => {
    const q = setup()
    q.write(q.create('/app'))
    q.write(q.create('/zookeeper/quota/app'))
    q.write(q.create('/zookeeper/quota/app/zookeeper_limits', hardCount(1)))
    q.write(q.create('/app/a'))
    const off = setup({ enforceQuota: false })
    off.write(off.create('/app'))
    off.quota('/app', hardCount(1))
    off.write(off.create('/app/a'))
    expect(off.stats('/app')).toBe('count=2,bytes=0')
    expect(off.warnings).toEqual([])
  })
})

describe('quota enforcement of writes in flight', () => {
  it('counts writes prepared but not yet applied, so pipelined creates cannot pass a hard limit together', () => {
    const q = setup()
    q.write(q.create('/app'))
    q.quota('/app', hardCount(3))
    const a = q.prepare(q.create('/app/a'))
    const b = q.prepare(q.create('/app/b'))
    expect(errorOf(q.prepare(q.create('/app/c')).txn)).toBe(QUOTAEXCEEDED)
    q.commit(a)
    q.commit(b)
    expect(q.stats('/app')).toBe('count=3,bytes=0')
    // A delete in flight frees its node for the next create.
    const gone = q.prepare(q.remove('/app/a'))
    expect(q.prepare(q.create('/app/c')).txn.type).toBe('create')
    q.commit(gone)
  })

  it('charges a setData against the data in flight, not the data in the tree', () => {
    const q = setup()
    q.write(q.create('/app', 'ab'))
    q.quota('/app', hardBytes(6))
    const grow = q.prepare(q.setData('/app', 'abcdef'))
    expect(errorOf(q.prepare(q.setData('/app', 'abcdefg')).txn)).toBe(QUOTAEXCEEDED)
    expect(q.prepare(q.setData('/app', 'abc')).txn.type).toBe('setData')
    q.commit(grow)
  })

  it('forgets the usage of a refused proposal and of every change once reset', () => {
    const q = setup()
    q.write(q.create('/app'))
    q.quota('/app', hardCount(2))
    const refused = q.prepare(q.create('/app/a'))
    expect(errorOf(q.prepare(q.create('/app/b')).txn)).toBe(QUOTAEXCEEDED)
    q.prep.forget(refused.zxid)
    q.prepare(q.create('/app/b'))
    expect(errorOf(q.prepare(q.create('/app/c')).txn)).toBe(QUOTAEXCEEDED)
    q.prep.reset()
    expect(q.prepare(q.create('/app/c')).txn.type).toBe('create')
  })

  it('fails a multi as a whole when one of its ops would pass a hard limit, counting its earlier ops', () => {
    const q = setup()
    q.write(q.create('/app'))
    q.quota('/app', hardCount(3))
    const ops: MultiOp[] = [q.create('/app/a') as MultiOp, q.create('/app/b') as MultiOp, q.create('/app/c') as MultiOp, { op: 'check', path: '/app', version: -1 }]
    const { txn } = q.prepare({ op: 'multi', ops })
    expect(txn).toEqual({ type: 'multi', txns: [0, 0, QUOTAEXCEEDED, ErrorCode.RUNTIMEINCONSISTENCY].map((err) => ({ type: 'error', err })) })
    // The failed multi left nothing in flight: two creates still fit.
    q.write({ op: 'multi', ops: ops.slice(0, 2) })
    expect(q.stats('/app')).toBe('count=3,bytes=0')
  })

  it('lets a multi that deletes before it creates stay within the limit', () => {
    const q = setup()
    q.write(q.create('/app'))
    q.quota('/app', hardCount(2))
    q.write(q.create('/app/old', 'xx'))
    q.write({ op: 'multi', ops: [q.remove('/app/old') as MultiOp, q.create('/app/new', 'yyy') as MultiOp] })
    expect(q.stats('/app')).toBe('count=2,bytes=3')
  })
})

describe('quota enforcement through the in-process client', () => {
  it('rejects with a ZooKeeperError coded QUOTAEXCEEDED and changes nothing; a multi fails with the op at fault', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const server = await createServer({ enforceQuota: true })
    const zk = await server.connect()
    try {
      await zk.create('/app', 'abc')
      await zk.create('/zookeeper/quota/app')
      await zk.create('/zookeeper/quota/app/zookeeper_limits', 'count=-1,bytes=-1=;byteHardLimit=5;countHardLimit=2')
      await zk.create('/zookeeper/quota/app/zookeeper_stats', 'count=0,bytes=0')
      await zk.create('/app/a', 'x')
      const refused = await zk.create('/app/b').catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(ZooKeeperError)
      expect(refused).toMatchObject({ code: 'QUOTAEXCEEDED', errno: -125, path: '/app/b' })
      await expect(zk.setData('/app/a', 'xyz')).rejects.toMatchObject({ code: 'QUOTAEXCEEDED' })
      await expect(zk.transaction().setData('/app', 'ab').setData('/app/a', 'xyzw').commit()).rejects.toMatchObject({ code: 'QUOTAEXCEEDED', path: '/app/a' })
      expect(await zk.exists('/app/b')).toBeNull()
      expect((await zk.getString('/app')).data).toBe('abc')
      expect((await zk.getString('/zookeeper/quota/app/zookeeper_stats')).data).toBe('count=2,bytes=4')
      // Without a quotaWarn of its own, the member logs on the console.
      expect(warn).toHaveBeenCalledWith('paddock: Quota exceeded: /app [current count=3, hardCountLimit=2]')
    } finally {
      warn.mockRestore()
      await zk.close()
      await server.close()
    }
  })

  it('enforces nothing by default (ZooKeeper\'s zookeeper.enforceQuota=false)', async () => {
    const server = await createServer()
    const zk = await server.connect()
    try {
      await zk.create('/app')
      await zk.create('/zookeeper/quota/app')
      await zk.create('/zookeeper/quota/app/zookeeper_limits', 'count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=1')
      await zk.create('/zookeeper/quota/app/zookeeper_stats', 'count=0,bytes=0')
      await zk.create('/app/a')
      expect((await zk.getString('/zookeeper/quota/app/zookeeper_stats')).data).toBe('count=2,bytes=0')
    } finally {
      await zk.close()
      await server.close()
    }
  })
})
