// Method: fabricated client histories, each breaking one property, against the whole-system
// simulation's checks (test/sim/whole/checks.ts): every check must name the violation, and a
// history that keeps the properties must pass.
import { describe, expect, it } from 'vitest'
import type { Request, Response } from '../../lib/protocol/requests.js'
import { checkFinalState, checkMonotonicSessions, checkReads, checkReadValues, checkUniqueResults, checkWriteOrder, LeaderLog } from './whole/checks.js'
import type { Op } from './whole/client.js'

const utf8 = (s: string) => new TextEncoder().encode(s)
const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const stat = (czxid: number, mzxid: number, version = 0) => ({ czxid, mzxid, ctime: 0, mtime: 0, version, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0, pzxid: czxid })
let seq = 0

function op(session: bigint, request: Request, at: [number, number], zxid: number, response: Response = { err: 0 } as Response, outcome: Op['outcome'] = 'ok'): Op {
  return { client: Number(session), session, request, issuedAt: at[0], answeredAt: at[1], answeredSeq: ++seq, member: 1, outcome, zxid, response }
}
const setData = (s: bigint, path: string, value: string, at: [number, number], zxid: number, version = 1) =>
  op(s, { op: 'setData', path, data: utf8(value), version: -1 }, at, zxid, { err: 0, stat: stat(1, zxid, version) } as Response)
const create = (s: bigint, path: string, value: string, at: [number, number], zxid: number) =>
  op(s, { op: 'create', path, data: utf8(value), acl, mode: 0 }, at, zxid, { err: 0, path, stat: stat(zxid, zxid) } as Response)
const getData = (s: bigint, path: string, value: string, at: [number, number], zxid: number, mzxid: number) =>
  op(s, { op: 'getData', path, watch: false }, at, zxid, { err: 0, data: utf8(value), stat: stat(1, mzxid) } as Response)

describe('the whole-system simulation checks', () => {
  const good = [create(1n, '/k', 'a', [0, 5], 1), setData(1n, '/k', 'b', [6, 9], 2), getData(2n, '/k', 'b', [10, 11], 2, 2)]

  it('pass a history that keeps every property', () => {
    const final = new Map([['/k', { data: 'b', czxid: 1, mzxid: 2, ephemeralOwner: 0n }]])
    expect([checkFinalState(good, final, new Set(), new Set()), checkWriteOrder(good), checkReadValues(good), checkReads(good), checkMonotonicSessions(good), checkUniqueResults(good)]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined])
  })

  it('find an acknowledged write the final tree lost', () => {
    const final = new Map([['/k', { data: 'a', czxid: 1, mzxid: 1, ephemeralOwner: 0n }]])
    expect(checkFinalState(good, final, new Set(), new Set())).toMatch(/acknowledged setData of \/k at zxid 0x2 is lost/)
  })

  it('find a commit order that contradicts real time', () => {
    const history = [setData(1n, '/k', 'a', [0, 5], 7), setData(2n, '/k', 'b', [6, 9], 6)]
    expect(checkWriteOrder(history)).toMatch(/contradicts real time/)
  })

  it('find a read returning data its zxid never wrote, or nobody wrote', () => {
    expect(checkReadValues([...good, getData(2n, '/k', 'a', [12, 13], 2, 2)])).toMatch(/the write of that zxid wrote "b"/)
    expect(checkReadValues([...good, getData(2n, '/k', 'z', [12, 13], 2, 9)])).toMatch(/no write that may have happened wrote/)
  })

  it('find a session that read older than its own write, and zxids going back', () => {
    expect(checkReads([...good, getData(1n, '/k', 'a', [12, 13], 2, 1)])).toMatch(/after its own setData/)
    expect(checkMonotonicSessions([...good, getData(1n, '/k', 'b', [12, 13], 1, 2)])).toMatch(/saw zxid 0x1/)
  })

  it('find two acknowledged writes given one version, and a write missing from a later leader', () => {
    expect(checkUniqueResults([setData(1n, '/k', 'a', [0, 1], 5, 3), setData(2n, '/k', 'b', [2, 3], 8, 3)])).toMatch(/two acknowledged writes got \/k/)
    const leaders = new LeaderLog()
    leaders.historyOf(2, 0x100000004)
    expect(leaders.checkDurable([setData(1n, '/k', 'a', [0, 1], 0x100000005)])).toMatch(/not in the history of the leader of epoch 2/)
    leaders.saw(1, 2)
    leaders.saw(3, 2)
    expect(leaders.violation).toMatch(/two leaders in epoch 2/)
  })
})
