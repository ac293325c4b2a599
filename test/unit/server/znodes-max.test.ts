// Method: Prep over a DataTree with a small bound on its znodes (the real one, 2^24 - 1, is V8's
// cap on a Map or Set), creates prepared and applied one by one or left in flight, and the transaction
// each request becomes: QUOTAEXCEEDED at the bound, counting writes in flight; other errors and
// other writes as before; a multi refused whole.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import { OPEN_ACL_UNSAFE } from '../../../lib/protocol/data.js'
import type { CreateRequest, WriteRequest } from '../../../lib/protocol/requests.js'
import { Prep } from '../../../lib/server/prep.js'
import { DataTree } from '../../../lib/tree/data-tree.js'
import type { Txn } from '../../../lib/txn/types.js'

/** A tree of its 4 system nodes and a Prep that lets it hold `bound` znodes. */
function bounded(bound: number) {
  const tree = new DataTree()
  const prep = new Prep(tree, { maxDataBytes: 1 << 20, extendedTypesEnabled: true, skipACL: false, enforceQuota: false, reconfigEnabled: false, znodesMax: bound })
  let zxid = 0
  const prepare = (request: WriteRequest): { txn: Txn; zxid: number } => {
    const at = ++zxid
    return { txn: prep.prepare(request, { sessionId: 1n, authInfo: [], zxid: at, time: at }), zxid: at }
  }
  const commit = ({ txn, zxid: at }: { txn: Txn; zxid: number }): number => {
    tree.apply({ sessionId: 1n, cxid: at, zxid: at, time: at }, txn)
    prep.committed(at)
    return txn.type === 'error' ? txn.err : 0
  }
  return { tree, prepare, commit, write: (request: WriteRequest) => commit(prepare(request)) }
}

const create = (path: string): CreateRequest => ({ op: 'create', path, data: new Uint8Array(1), acl: OPEN_ACL_UNSAFE, mode: 0 })

describe('the bound on a tree\'s znodes', () => {
  it('refuses the create that would pass it with QUOTAEXCEEDED, and takes one again after a delete', () => {
    const t = bounded(7)
    expect(t.tree.size).toBe(4)
    for (const path of ['/a', '/b', '/c']) expect(t.write(create(path))).toBe(0)
    expect(t.write(create('/d'))).toBe(ErrorCode.QUOTAEXCEEDED)
    expect(t.write(create('/a'))).toBe(ErrorCode.NODEEXISTS)
    expect(t.write({ op: 'setData', path: '/a', data: new Uint8Array(5), version: -1 })).toBe(0)
    expect(t.tree.size).toBe(7)
    expect(t.write({ op: 'delete', path: '/c', version: -1 })).toBe(0)
    expect(t.write(create('/d'))).toBe(0)
    expect(t.tree.get('/d')).toBeDefined()
  })

  it('counts the writes still in flight', () => {
    const t = bounded(7)
    const first = t.prepare(create('/a'))
    const second = t.prepare(create('/b'))
    expect(t.prepare(create('/c')).txn).toEqual({ type: 'error', err: ErrorCode.QUOTAEXCEEDED })
    t.commit(first)
    t.commit(second)
    expect(t.write(create('/c'))).toBe(0)
    expect(t.tree.size).toBe(7)
  })

  it('refuses a multi whose creates would pass it as a whole, leaving room for what fits', () => {
    const t = bounded(7)
    const multi: WriteRequest = { op: 'multi', ops: [create('/a'), create('/b'), create('/c'), create('/d')] }
    const refused = t.prepare(multi)
    expect(refused.txn.type).toBe('multi')
    const errors = refused.txn.type === 'multi' ? refused.txn.txns.map((txn) => (txn.type === 'error' ? txn.err : 0)) : []
    expect(errors).toEqual([0, 0, ErrorCode.QUOTAEXCEEDED, ErrorCode.RUNTIMEINCONSISTENCY])
    t.commit(refused)
    expect(t.tree.size).toBe(4)
    for (const path of ['/a', '/b', '/c']) expect(t.write(create(path))).toBe(0)
  })

})
