// Method: fabricated client histories with no usable zxids (every reply says zxid 0), fed to the
// zxid-free linearizability checker (test/sim/whole/linearizability.ts): histories ZooKeeper can
// produce — concurrent writes read in either order, writes of unknown outcome, reads stale only as
// far as sync and sessions allow — must pass, and each kind of violation must fail naming the key.
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../../lib/errors.js'
import type { Request, Response } from '../../lib/protocol/requests.js'
import type { Op } from './whole/client.js'
import { analyseLinearizability, checkLinearizable } from './whole/linearizability.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const stat = { czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0, pzxid: 0 }
/** [sent, answered]; answered undefined: the outcome never came (connection lost). */
type At = [number, number | undefined]

function op(session: bigint, request: Request, at: At, response: Response, failed?: number): Op {
  const [issuedAt, answeredAt] = at
  if (answeredAt === undefined) return { client: Number(session), session, request, issuedAt, member: 1, outcome: 'unknown', err: ErrorCode.CONNECTIONLOSS }
  const outcome = failed === undefined ? 'ok' : 'failed'
  return { client: Number(session), session, request, issuedAt, answeredAt, member: 1, outcome, zxid: 0, response: failed === undefined ? response : { err: failed }, ...(failed === undefined ? {} : { err: failed }) }
}
const create = (s: bigint, path: string, value: string, at: At, failed?: number) =>
  op(s, { op: 'create', path, data: utf8(value), acl, mode: 0 }, at, { err: 0, path, stat } as Response, failed)
const setData = (s: bigint, path: string, value: string, at: At) => op(s, { op: 'setData', path, data: utf8(value), version: -1 }, at, { err: 0, stat } as Response)
const remove = (s: bigint, path: string, at: At) => op(s, { op: 'delete', path, version: -1 }, at, { err: 0 } as Response)
/** A getData; value undefined: it was answered NONODE. */
const read = (s: bigint, path: string, value: string | undefined, at: At) =>
  op(s, { op: 'getData', path, watch: false }, at, { err: 0, data: utf8(value ?? ''), stat } as Response, value === undefined ? ErrorCode.NONODE : undefined)
const sync = (s: bigint, path: string, at: At) => op(s, { op: 'sync', path }, at, { err: 0, path } as Response)
/** A sync and a getData sent together, as the workload does. */
const syncedRead = (s: bigint, path: string, value: string | undefined, at: [number, number]) => [sync(s, path, [at[0], at[1] - 1]), read(s, path, value, at)]
const sequential = (s: bigint, suffix: number, at: At) => {
  const path = `/seq/s-${String(suffix).padStart(10, '0')}`
  return op(s, { op: 'create', path: '/seq/s-', data: utf8(`q${suffix}`), acl, mode: 2 }, at, { err: 0, path, stat } as Response)
}

describe('the zxid-free linearizability checker', () => {
  it('passes a linearizable register history', () => {
    const history = [
      create(1n, '/k1', 'a', [0, 5]),
      setData(2n, '/k1', 'b', [6, 9]),
      ...syncedRead(3n, '/k1', 'b', [10, 12]),
      remove(1n, '/k1', [13, 15]),
      ...syncedRead(3n, '/k1', undefined, [16, 18]),
      create(2n, '/k1', 'c', [19, 20]),
      create(1n, '/k1', 'd', [21, 22], ErrorCode.NODEEXISTS),
      read(4n, '/k1', 'c', [23, 24]),
    ]
    const report = analyseLinearizability(history)
    expect(report.violation).toBeUndefined()
    expect(report).toMatchObject({ registers: 1, inconclusive: [] })
    expect(report.states).toBeGreaterThan(0)
  })

  it('passes a history linearizable only if a write of unknown outcome took effect', () => {
    const history = [create(1n, '/k1', 'a', [0, 5]), setData(1n, '/k1', 'x', [6, undefined]), ...syncedRead(2n, '/k1', 'x', [20, 22]), ...syncedRead(2n, '/k1', 'x', [30, 31])]
    expect(checkLinearizable(history)).toBeUndefined()
    // It cannot have taken effect before it was sent, though.
    const early = [create(1n, '/k1', 'a', [0, 5]), ...syncedRead(2n, '/k1', 'x', [6, 7]), setData(1n, '/k1', 'x', [8, undefined])]
    expect(checkLinearizable(early)).toMatch(/\/k1 is not linearizable: getData after sync → "x".*no write of \/k1 sent before it was answered/)
  })

  it('fails a stale read after sync, naming the key and the operations', () => {
    const history = [create(1n, '/k2', 'a', [0, 2]), setData(1n, '/k2', 'b', [3, 5]), ...syncedRead(2n, '/k2', 'a', [6, 8])]
    const violation = checkLinearizable(history)
    expect(violation).toMatch(/^\/k2 is not linearizable/)
    expect(violation).toMatch(/cannot place getData after sync → "a" by session 0x2 \(sync sent at 6, read sent at 6, answered at 8\)/)
  })

  it('fails a read after sync of data overwritten before the sync was sent, and passes one overwritten only after', () => {
    const overwritten = [create(1n, '/k1', 'a', [0, 2]), sync(2n, '/k1', [10, 11]), setData(1n, '/k1', 'b', [3, 8]), read(2n, '/k1', 'a', [20, 22])]
    expect(checkLinearizable(overwritten)).toMatch(/^\/k1 is not linearizable/)
    // Written after the sync was sent: the member that answered the sync may not have it yet.
    const later = [create(1n, '/k1', 'a', [0, 2]), sync(2n, '/k1', [10, 11]), setData(1n, '/k1', 'b', [12, 15]), read(2n, '/k1', 'a', [20, 22])]
    expect(checkLinearizable(later)).toBeUndefined()
    // A delete acknowledged before the sync was sent, then a synced read that still finds the node.
    const deleted = [create(1n, '/k1', 'a', [0, 2]), remove(3n, '/k1', [3, 4]), ...syncedRead(2n, '/k1', 'a', [5, 9])]
    expect(checkLinearizable(deleted)).toMatch(/^\/k1 is not linearizable/)
  })

  it('passes concurrent writes read in either order, and fails data that comes back', () => {
    const writes = [create(1n, '/k3', 'x', [0, 1]), setData(1n, '/k3', 'a', [2, 10]), setData(2n, '/k3', 'b', [2, 10])]
    const aThenB = [...writes, ...syncedRead(3n, '/k3', 'a', [3, 4]), ...syncedRead(4n, '/k3', 'b', [5, 6]), ...syncedRead(3n, '/k3', 'b', [11, 12])]
    const bThenA = [...writes, ...syncedRead(3n, '/k3', 'b', [3, 4]), ...syncedRead(4n, '/k3', 'a', [5, 6]), ...syncedRead(3n, '/k3', 'a', [11, 12])]
    expect(checkLinearizable(aThenB)).toBeUndefined()
    expect(checkLinearizable(bThenA)).toBeUndefined()
    const back = [...writes, ...syncedRead(3n, '/k3', 'a', [3, 4]), ...syncedRead(4n, '/k3', 'b', [5, 6]), ...syncedRead(3n, '/k3', 'a', [7, 8])]
    expect(checkLinearizable(back)).toMatch(/^\/k3 is not linearizable/)
  })

  it('counts an operation answered at the very time another is sent as concurrent with it', () => {
    const history = [create(1n, '/k1', 'a', [0, 2]), setData(1n, '/k1', 'b', [2, 5]), ...syncedRead(2n, '/k1', 'a', [5, 6])]
    expect(checkLinearizable(history)).toBeUndefined()
  })

  it('fails a create answered NODEEXISTS when the node cannot have existed', () => {
    const history = [create(1n, '/k0', 'a', [0, 2]), remove(1n, '/k0', [3, 4]), create(2n, '/k0', 'b', [5, 6], ErrorCode.NODEEXISTS), create(3n, '/k0', 'c', [7, 8])]
    expect(checkLinearizable(history)).toMatch(/\/k0 is not linearizable.*create → NODEEXISTS by session 0x2/)
  })

  it('fails sequential names that contradict real time or repeat, and lets unknown creates take numbers', () => {
    expect(checkLinearizable([sequential(1n, 5, [0, 2]), sequential(2n, 3, [3, 4])])).toMatch(/sequential names contradict real time: \/seq\/s-0000000003 .*session 0x2.*\/seq\/s-0000000005/)
    expect(checkLinearizable([sequential(1n, 5, [0, 4]), sequential(2n, 5, [1, 3])])).toMatch(/two acknowledged sequential creates got one name/)
    expect(checkLinearizable([sequential(1n, 1, [0, 2]), sequential(3n, 2, [1, undefined]), sequential(2n, 3, [5, 6]), sequential(1n, 4, [5, 9])])).toBeUndefined()
    // Concurrent creates may be named in either order.
    expect(checkLinearizable([sequential(1n, 7, [0, 4]), sequential(2n, 6, [1, 3])])).toBeUndefined()
  })

  it('fails a plain read that goes back behind its session\'s own write', () => {
    const history = [create(1n, '/k1', 'a', [0, 2]), setData(2n, '/k1', 'b', [3, 5]), read(2n, '/k1', 'a', [6, 7])]
    expect(checkLinearizable(history)).toMatch(/session 0x2 went back in time on \/k1: getData → "a".*after it had seen setData "b" by session 0x2/)
    // Nor behind its own delete, or a read it made.
    expect(checkLinearizable([create(1n, '/k1', 'a', [0, 2]), remove(2n, '/k1', [3, 5]), read(2n, '/k1', 'a', [6, 7])])).toMatch(/session 0x2 went back in time on \/k1/)
    expect(checkLinearizable([create(1n, '/k1', 'a', [0, 2]), setData(1n, '/k1', 'b', [3, 5]), read(3n, '/k1', 'b', [6, 7]), read(3n, '/k1', undefined, [8, 9])])).toMatch(/session 0x3 went back in time on \/k1: getData → no node/)
  })

  it('passes a plain read that is stale, as sequential consistency allows', () => {
    const history = [read(3n, '/k1', undefined, [0, 1]), create(1n, '/k1', 'a', [0, 2]), read(3n, '/k1', 'a', [1, 3]), setData(2n, '/k1', 'b', [3, 5]), read(3n, '/k1', 'a', [6, 7])]
    expect(checkLinearizable(history)).toBeUndefined()
    // Its own write concurrent with the other session's: the commit order may put it first.
    const own = [create(1n, '/k1', 'a', [0, 2]), setData(2n, '/k1', 'b', [3, 9]), setData(1n, '/k1', 'c', [4, 8]), read(2n, '/k1', 'c', [10, 11])]
    expect(checkLinearizable(own)).toBeUndefined()
  })

  it('checks each operation of a multi on its own path', () => {
    const multi = (s: bigint, value: string, at: At, failed?: number): Op => {
      const request: Request = { op: 'multi', ops: [{ op: 'create', path: '/k1', data: utf8(value), acl, mode: 0 }, { op: 'setData', path: '/seq', data: utf8(`${value}!`), version: -1 }] }
      const results = failed === undefined ? [{ op: 'create', err: 0, path: '/k1', stat }, { op: 'setData', err: 0, stat }] : [{ op: 'error', err: failed }, { op: 'error', err: ErrorCode.RUNTIMEINCONSISTENCY }]
      const o = op(s, request, at, { err: 0, results } as Response)
      return failed === undefined ? o : { ...o, outcome: 'failed', err: failed, response: { err: 0, results } as Response }
    }
    const base = [create(9n, '/seq', '', [0, 1]), multi(1n, 'm', [2, 4])]
    expect(checkLinearizable([...base, ...syncedRead(2n, '/k1', 'm', [5, 6]), ...syncedRead(2n, '/seq', 'm!', [7, 8])])).toBeUndefined()
    expect(checkLinearizable([...base, ...syncedRead(2n, '/seq', '', [5, 6])])).toMatch(/^\/seq is not linearizable/)
    // A failed multi saw the node its create found; the rest of it did nothing.
    expect(checkLinearizable([...base, multi(3n, 'n', [5, 6], ErrorCode.NODEEXISTS), ...syncedRead(2n, '/seq', 'm!', [7, 8])])).toBeUndefined()
    expect(checkLinearizable([create(9n, '/seq', '', [0, 1]), multi(3n, 'n', [5, 6], ErrorCode.NODEEXISTS)])).toMatch(/\/k1 is not linearizable.*create → NODEEXISTS \(in a multi\)/)
  })

  it('calls a key inconclusive, not violated, when its search outgrows the limit', () => {
    const writes = Array.from({ length: 12 }, (_, i) => setData(BigInt(i + 2), '/k1', `v${i}`, [2, undefined]))
    const history = [create(1n, '/k1', 'a', [0, 1]), ...writes, ...syncedRead(1n, '/k1', 'v5', [3, 4])]
    expect(analyseLinearizability(history)).toMatchObject({ violation: undefined, inconclusive: [] })
    expect(analyseLinearizability(history, { stateLimit: 3 })).toMatchObject({ violation: undefined, inconclusive: ['/k1'] })
  })
})
