// Method: two Preps over two trees are given the same seeded stream of writes, with the same zxids
// and times. One applies each transaction as soon as it is prepared, so nothing is ever in flight;
// the other keeps up to 60 in flight and commits them in batches of random sizes, so that its
// lookups go through its scan of a few changes in flight, through its index of many, and across
// the switch between the two both ways. Every write must become the same transaction in both, and
// both trees must end the same. Failing multis roll back in both modes, and some prepared writes
// are forgotten (as a leader does when the ensemble is busy) before the reference ever sees them.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import { OPEN_ACL_UNSAFE, Perms, type ACL } from '../../../lib/protocol/data.js'
import type { MultiOp, WriteRequest } from '../../../lib/protocol/requests.js'
import { Prep, type PrepContext } from '../../../lib/server/prep.js'
import { DataTree } from '../../../lib/tree/data-tree.js'
import type { Txn } from '../../../lib/txn/types.js'
import { makeRng } from '../wire/samples.js'

const paths = ['/a', '/a/b', '/a/c', '/a/b/d', '/e', '/e/f', '/q']
const readOnly: readonly ACL[] = [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]

function member() {
  const tree = new DataTree()
  const prep = new Prep(tree, { maxDataBytes: 1 << 20, extendedTypesEnabled: true, skipACL: false, enforceQuota: false, reconfigEnabled: false })
  const apply = (zxid: number, txn: Txn): void => {
    tree.apply({ sessionId: 1n, cxid: zxid, zxid, time: zxid }, txn)
  }
  return { tree, prep, apply }
}

/** One write the stream may make: mostly on a handful of paths, so that they meet in flight. */
function writeOf(next: () => number): WriteRequest {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T
  const path = pick(paths)
  const version = next() < 0.7 ? -1 : Math.floor(next() * 3)
  const data = new Uint8Array([Math.floor(next() * 256)])
  const roll = next()
  if (roll < 0.35) return { op: 'create', path, data, acl: next() < 0.1 ? readOnly : OPEN_ACL_UNSAFE, mode: pick([0, 0, 1, 2, 4]) }
  if (roll < 0.55) return { op: 'delete', path, version }
  if (roll < 0.8) return { op: 'setData', path, data, version }
  if (roll < 0.88) return { op: 'setACL', path, acl: next() < 0.2 ? readOnly : OPEN_ACL_UNSAFE, version }
  if (roll < 0.99) return { op: 'check', path, version }
  return { op: 'closeSession' }
}

function requestOf(next: () => number): WriteRequest {
  if (next() >= 0.25) return writeOf(next)
  const ops: MultiOp[] = []
  const count = 1 + Math.floor(next() * 20)
  while (ops.length < count) {
    const op = writeOf(next)
    if (op.op === 'create' || op.op === 'delete' || op.op === 'setData' || op.op === 'check') ops.push(op)
  }
  return { op: 'multi', ops }
}

/** Every node of `tree`, path order, with its Stat and data: what two trees must agree on. */
function contents(tree: DataTree): unknown[] {
  return [...tree.paths()].sort().map((path) => {
    const node = tree.get(path)!
    return { path, stat: node.stat(), data: [...node.data], acl: node.acl }
  })
}

function run(seed: number, writes: number): { inFlightMost: number; multisFailed: number; forgotten: number } {
  const next = makeRng(seed)
  const reference = member()
  const subject = member()
  const inFlight: { zxid: number; txn: Txn }[] = []
  let zxid = 0
  let inFlightMost = 0
  let multisFailed = 0
  let forgotten = 0
  const commitOldest = (count: number): void => {
    const batch = inFlight.splice(0, count)
    for (const { zxid: at, txn } of batch) subject.apply(at, txn)
    if (batch.length > 0) subject.prep.committed(batch[batch.length - 1]!.zxid)
  }
  // Bursts that fill the list of changes in flight past the index's threshold, and spells that drain it.
  let aim = 0
  for (let i = 0; i < writes; i++) {
    if (i % 40 === 0) aim = Math.floor(next() * 61)
    const request = requestOf(next)
    const at = zxid + 1
    const ctx = (): PrepContext => ({ sessionId: 1n, authInfo: [], zxid: at, time: at })
    const txn = subject.prep.prepare(request, ctx())
    if (next() < 0.05) {
      subject.prep.forget(at)
      forgotten++
      continue
    }
    zxid = at
    const expected = reference.prep.prepare(request, ctx())
    expect(txn, `seed ${seed}, write ${i} (${request.op}), ${inFlight.length} in flight`).toEqual(expected)
    if (txn.type === 'multi' && txn.txns.some((t) => t.type === 'error')) multisFailed++
    reference.apply(at, expected)
    reference.prep.committed(at)
    inFlight.push({ zxid: at, txn })
    inFlightMost = Math.max(inFlightMost, inFlight.length)
    if (inFlight.length > aim) commitOldest(1 + Math.floor(next() * (inFlight.length - aim)))
  }
  commitOldest(inFlight.length)
  expect(contents(subject.tree)).toEqual(contents(reference.tree))
  return { inFlightMost, multisFailed, forgotten }
}

describe('prep with writes in flight', () => {
  it('turns each write into the transaction it would be with every earlier one applied', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const { inFlightMost, multisFailed, forgotten } = run(seed, 1_500)
      // The stream reached both ways of finding a change in flight, and what rolls back or is forgotten.
      expect(inFlightMost).toBeGreaterThanOrEqual(40)
      expect(multisFailed).toBeGreaterThan(10)
      expect(forgotten).toBeGreaterThan(10)
    }
  })

  it('rolls back a failed multi whose own changes made prep index the changes in flight', () => {
    const subject = member()
    const reference = member()
    let zxid = 0
    const both = (request: WriteRequest, keepInFlight: boolean): Txn => {
      const ctx: PrepContext = { sessionId: 1n, authInfo: [], zxid: ++zxid, time: zxid }
      const txn = subject.prep.prepare(request, ctx)
      const expected = reference.prep.prepare(request, ctx)
      expect(txn).toEqual(expected)
      reference.apply(zxid, expected)
      reference.prep.committed(zxid)
      if (!keepInFlight) {
        subject.apply(zxid, txn)
        subject.prep.committed(zxid)
      }
      return txn
    }
    const create = (path: string): MultiOp => ({ op: 'create', path, data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, mode: 0 })
    both(create('/p'), false)
    // Five creates in flight: ten changes (each also changes /p), below the index's threshold.
    for (let i = 0; i < 5; i++) both(create(`/p/n${i}`), true)
    // A multi of eight more creates that fails at its last op, after its changes passed the threshold.
    const ops = [...Array.from({ length: 7 }, (_, i) => create(`/p/m${i}`)), create('/p/n0')]
    const failed = both({ op: 'multi', ops }, true)
    expect(failed.type === 'multi' && failed.txns.map((t) => (t.type === 'error' ? t.err : 0))).toEqual([...Array(7).fill(ErrorCode.OK), ErrorCode.NODEEXISTS])
    // None of the failed multi's creates is in flight; every earlier one still is.
    expect(both(create('/p/m0'), true).type).toBe('create')
    expect(both(create('/p/n4'), true)).toEqual({ type: 'error', err: ErrorCode.NODEEXISTS })
    const seq = both({ op: 'create', path: '/p/s', data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, mode: 2 }, true)
    // Six creates under /p took a sequence number: n0 to n4 and m0, none of the failed multi's.
    expect(seq.type === 'create' && seq.path).toBe('/p/s0000000006')
  })
})
