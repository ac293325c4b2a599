// Method: multiRead through an in-process client against a server with the default jute.maxbuffer,
// and reads.multiRead called directly with a small bound and a counting tree, to check that a
// response over the bound is refused with BADARGUMENTS before it is built. ZooKeeper (3.9.5
// FinalRequestProcessor) builds any multiRead response and its client then drops the connection
// (ClientCnxnSocket.readLength: "Packet len … is out of range!").
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ErrorCode, ZooKeeperError, createServer, type Server, type ZooKeeperClient } from '../../../lib/index.js'
import { juteMaxBufferBytes } from '../../../lib/limits.js'
import { OPEN_ACL_UNSAFE } from '../../../lib/protocol/data.js'
import { multiRead, type ReadContext } from '../../../lib/server/reads.js'
import { DataTree } from '../../../lib/tree/data-tree.js'
import { WatchManager } from '../../../lib/watch/watch-manager.js'

let server: Server
let zk: ZooKeeperClient

beforeAll(async () => {
  server = await createServer()
  zk = await server.connect()
  await zk.create('/big', new Uint8Array(600_000))
  await zk.create('/full', new Uint8Array(juteMaxBufferBytes))
})

afterAll(async () => {
  await server.close()
})

describe('the response-size bound of multiRead', () => {
  it('refuses 100 reads of a 600 kB node with a typed BADARGUMENTS error', async () => {
    const reads = Array.from({ length: 100 }, () => ({ op: 'getData' as const, path: '/big' }))
    const failure = await zk.multiRead(reads).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(ZooKeeperError)
    expect(failure).toMatchObject({ code: 'BADARGUMENTS', errno: ErrorCode.BADARGUMENTS })
  })

  it('still answers one read of a node at the data limit, and the session keeps working', async () => {
    const [full] = await zk.multiRead([{ op: 'getData', path: '/full' }])
    expect(full).toMatchObject({ op: 'getData' })
    expect(full !== undefined && 'data' in full && full.data.length).toBe(juteMaxBufferBytes)
    expect((await zk.multiRead([{ op: 'getData', path: '/big' }, { op: 'getChildren', path: '/' }])).length).toBe(2)
  })

  it('stops reading nodes once the response is over its bound', () => {
    const tree = new DataTree()
    const header = { sessionId: 1n, cxid: 0, zxid: 1, time: 0 }
    tree.apply(header, { type: 'create', path: '/n', data: new Uint8Array(40_000), acl: OPEN_ACL_UNSAFE, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 1 })
    const ctx: ReadContext = { tree, watches: new WatchManager(), watcher: { process: () => {} }, authInfo: [], skipACL: false, responseBytesMax: 64 * 1024 }
    const lookups = vi.spyOn(tree, 'get')
    const answer = multiRead(ctx, { op: 'multiRead', ops: Array.from({ length: 100 }, () => ({ op: 'getData' as const, path: '/n' })) })
    expect(answer).toEqual({ err: ErrorCode.BADARGUMENTS })
    // The first read fits, the second takes it over 65 kB: nothing after is looked at.
    expect(lookups).toHaveBeenCalledTimes(2)
  })

  it('counts children by their UTF-8 bytes', () => {
    const tree = new DataTree()
    const header = { sessionId: 1n, cxid: 0, zxid: 1, time: 0 }
    const create = (path: string) => tree.apply(header, { type: 'create', path, data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 1 })
    create('/p')
    // 200 names of 100 three-byte characters: 60 kB in UTF-8, though only 20,000 UTF-16 units.
    for (let i = 0; i < 200; i++) create(`/p/${String(i).padStart(3, '0')}${'€'.repeat(97)}`)
    const ctx: ReadContext = { tree, watches: new WatchManager(), watcher: { process: () => {} }, authInfo: [], skipACL: false, responseBytesMax: 32 * 1024 }
    expect(multiRead(ctx, { op: 'multiRead', ops: [{ op: 'getChildren', path: '/p' }] })).toEqual({ err: ErrorCode.BADARGUMENTS })
    expect(multiRead({ ...ctx, responseBytesMax: 64 * 1024 }, { op: 'multiRead', ops: [{ op: 'getChildren', path: '/p' }] }).err).toBe(0)
  })
})
