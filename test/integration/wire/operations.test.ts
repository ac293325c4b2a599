// Method: every client opcode end to end over a real socket with a raw jute client, checking reply headers, records and ZooKeeper's error codes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import type { ClientRequest } from '../../../lib/protocol/jute-records.js'
import { EventType } from '../../../lib/protocol/opcodes.js'
import { RawClient, create, openAcl, startFixture, utf8, type Fixture } from './helpers.js'

let fx: Fixture
let c: RawClient
beforeEach(async () => {
  fx = await startFixture({}, { extendedTypesEnabled: true })
  ;[c] = await RawClient.session(fx.port.address.port)
})
afterEach(async () => {
  c.destroy()
  await fx.close()
})

async function err(request: ClientRequest): Promise<number> {
  return (await c.call(request)).header.err
}

describe('client port operations', () => {
  it('create answers CreateResponse{path}; create2 and createContainer answer Create2Response{path, stat}', async () => {
    expect((await c.call(create('/a'))).response).toEqual({ op: 'create', path: '/a' })
    const r2 = await c.call(create('/b', 0, 'xyz', 'create2'))
    expect(r2.response).toMatchObject({ op: 'create2', path: '/b', stat: { dataLength: 3, version: 0 } })
    const rc = await c.call(create('/c', 4, '', 'createContainer'))
    expect(rc.response).toMatchObject({ op: 'createContainer', path: '/c' })
    expect(fx.member.tree.get('/c')?.kind).toBe('container')
    expect(r2.header.zxid).toBeGreaterThan(0)
  })

  it('reads of an invalid path answer NONODE, as FinalRequestProcessor (it looks the path up unchecked); writes answer BADARGUMENTS', async () => {
    for (const path of ['bad', '/a/', '//a', '']) {
      expect(await err({ op: 'getData', path, watch: false })).toBe(ErrorCode.NONODE)
      expect(await err({ op: 'exists', path, watch: false })).toBe(ErrorCode.NONODE)
      expect(await err({ op: 'getChildren2', path, watch: false })).toBe(ErrorCode.NONODE)
      expect(await err({ op: 'getACL', path })).toBe(ErrorCode.NONODE)
      expect(await err(create(path))).toBe(ErrorCode.BADARGUMENTS)
    }
  })

  it('sequential creates get the 10-digit suffix and ephemerals carry the session as owner', async () => {
    expect((await c.call(create('/s-', 2))).response).toEqual({ op: 'create', path: '/s-0000000000' })
    const e = await c.call(create('/e', 1, '', 'create2'))
    expect(e.response).toMatchObject({ stat: { ephemeralOwner: expect.any(BigInt) } })
    expect((e.response as { stat: { ephemeralOwner: bigint } }).stat.ephemeralOwner).not.toBe(0n)
  })

  it('createTTL makes a TTL node; the opcode decides over the flags as PrepRequestProcessor does', async () => {
    const ttl = await c.call({ op: 'createTTL', path: '/t', data: utf8(''), acl: openAcl, flags: 5, ttl: 1000 })
    expect(ttl.response).toMatchObject({ op: 'createTTL', path: '/t' })
    expect(fx.member.tree.get('/t')?.kind).toBe('ttl')
    expect(await err({ op: 'createTTL', path: '/t2', data: utf8(''), acl: openAcl, flags: 0, ttl: 1000 })).toBe(ErrorCode.BADARGUMENTS)
    expect(await err(create('/t3', 5))).toBe(ErrorCode.BADARGUMENTS) // TTL flag without a TTL (ttl -1)
    await c.call(create('/plain', 4)) // CONTAINER flag with opcode create: CreateTxn, a persistent node
    expect(fx.member.tree.get('/plain')?.kind).toBe('persistent')
    expect(await err(create('/bad', 9))).toBe(ErrorCode.BADARGUMENTS)
  })

  it('answers the create errors in ZooKeeper order: NONODE, NODEEXISTS, NOCHILDRENFOREPHEMERALS, INVALIDACL, BADARGUMENTS', async () => {
    expect(await err(create('/x/y'))).toBe(ErrorCode.NONODE)
    await c.call(create('/x'))
    expect(await err(create('/x'))).toBe(ErrorCode.NODEEXISTS)
    await c.call(create('/eph', 1))
    expect(await err(create('/eph/child'))).toBe(ErrorCode.NOCHILDRENFOREPHEMERALS)
    expect(await err({ op: 'create', path: '/noacl', data: utf8(''), acl: [], flags: 0 })).toBe(ErrorCode.INVALIDACL)
    expect(await err(create('bad'))).toBe(ErrorCode.BADARGUMENTS)
  })

  it('delete, setData, exists, getData, getChildren(2), getACL, setACL with their records and errors', async () => {
    await c.call(create('/n', 0, 'v1'))
    await c.call(create('/n/k'))
    const set = await c.call({ op: 'setData', path: '/n', data: utf8('v2'), version: 0 })
    expect(set.response).toMatchObject({ op: 'setData', stat: { version: 1 } })
    expect(await err({ op: 'setData', path: '/n', data: utf8('v3'), version: 0 })).toBe(ErrorCode.BADVERSION)
    const get = await c.call({ op: 'getData', path: '/n', watch: false })
    expect(get.response).toMatchObject({ op: 'getData', data: utf8('v2'), stat: { version: 1, numChildren: 1 } })
    expect((await c.call({ op: 'getChildren', path: '/n', watch: false })).response).toEqual({ op: 'getChildren', children: ['k'] })
    expect((await c.call({ op: 'getChildren2', path: '/n', watch: false })).response).toMatchObject({ op: 'getChildren2', children: ['k'], stat: { numChildren: 1 } })
    expect((await c.call({ op: 'exists', path: '/n', watch: false })).response).toMatchObject({ op: 'exists', stat: { version: 1 } })
    const missing = await c.call({ op: 'exists', path: '/missing', watch: false })
    expect(missing.header.err).toBe(ErrorCode.NONODE)
    expect(missing.response).toBeUndefined()
    expect(await err({ op: 'delete', path: '/n', version: -1 })).toBe(ErrorCode.NOTEMPTY)
    expect(await err({ op: 'delete', path: '/n/k', version: 5 })).toBe(ErrorCode.BADVERSION)
    expect((await c.call({ op: 'delete', path: '/n/k', version: -1 })).header.err).toBe(0)
    expect(await err({ op: 'getData', path: '/n/k', watch: false })).toBe(ErrorCode.NONODE)
    expect((await c.call({ op: 'getACL', path: '/n' })).response).toMatchObject({ op: 'getACL', acl: openAcl })
    const readOnly = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }]
    expect((await c.call({ op: 'setACL', path: '/n', acl: readOnly, version: 0 })).response).toMatchObject({ op: 'setACL', stat: { aversion: 1 } })
    expect(await err({ op: 'setData', path: '/n', data: utf8(''), version: -1 })).toBe(ErrorCode.NOAUTH)
  })

  it('multi: results per op, and a failed multi reports OK before, the error at, RUNTIMEINCONSISTENCY after', async () => {
    const ok = await c.call({
      op: 'multi',
      ops: [create('/m1'), { op: 'create2', path: '/m2', data: utf8(''), acl: openAcl, flags: 0 }, { op: 'setData', path: '/m1', data: utf8('z'), version: -1 }, { op: 'check', path: '/m1', version: 1 }, { op: 'delete', path: '/m2', version: -1 }],
    })
    expect(ok.header.err).toBe(0)
    expect(ok.response).toMatchObject({
      op: 'multi',
      results: [{ op: 'create', path: '/m1' }, { op: 'create2', path: '/m2' }, { op: 'setData' }, { op: 'check' }, { op: 'delete' }],
    })
    const failed = await c.call({ op: 'multi', ops: [create('/m3'), { op: 'check', path: '/m1', version: 7 }, create('/m4')] })
    expect(failed.header.err).toBe(0)
    expect(failed.response).toEqual({
      op: 'multi',
      results: [{ op: 'error', err: 0 }, { op: 'error', err: ErrorCode.BADVERSION }, { op: 'error', err: ErrorCode.RUNTIMEINCONSISTENCY }],
    })
    expect(fx.member.tree.get('/m3')).toBeUndefined()
  })

  it('multiRead: each read on its own', async () => {
    await c.call(create('/r', 0, 'd'))
    const r = await c.call({ op: 'multiRead', ops: [{ op: 'getData', path: '/r', watch: false }, { op: 'getChildren', path: '/nope', watch: false }, { op: 'getChildren', path: '/r', watch: false }] })
    expect(r.response).toMatchObject({ op: 'multiRead', results: [{ op: 'getData', data: utf8('d') }, { op: 'error', err: ErrorCode.NONODE }, { op: 'getChildren', children: [] }] })
  })

  it('sync, getEphemerals, getAllChildrenNumber, whoAmI', async () => {
    await c.call(create('/g'))
    await c.call(create('/g/e1', 1))
    await c.call(create('/g/e2', 1))
    expect((await c.call({ op: 'sync', path: '/g' })).response).toEqual({ op: 'sync', path: '/g' })
    expect((await c.call({ op: 'getEphemerals', prefixPath: '/' })).response).toEqual({ op: 'getEphemerals', ephemerals: ['/g/e1', '/g/e2'] })
    expect((await c.call({ op: 'getEphemerals', prefixPath: '/g/e2' })).response).toEqual({ op: 'getEphemerals', ephemerals: ['/g/e2'] })
    expect((await c.call({ op: 'getAllChildrenNumber', path: '/g' })).response).toEqual({ op: 'getAllChildrenNumber', totalNumber: 2 })
    expect((await c.call({ op: 'whoAmI' })).response).toEqual({ op: 'whoAmI', clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }] })
  })

  it('auth: digest adds an identity (reply xid -4, zxid 0); ip succeeds; an unknown scheme is AUTHFAILED and closes', async () => {
    c.send({ op: 'auth', type: 0, scheme: 'digest', auth: utf8('alice:secret') }, -4)
    expect((await c.reply())?.header).toEqual({ xid: -4, zxid: 0, err: 0 })
    expect((await c.call({ op: 'whoAmI' })).response).toMatchObject({ clientInfo: [{ authScheme: 'ip' }, { authScheme: 'digest', user: 'alice' }] })
    c.send({ op: 'auth', type: 0, scheme: 'ip', auth: utf8('') }, -4)
    expect((await c.reply())?.header.err).toBe(0)
    c.send({ op: 'auth', type: 0, scheme: 'kerberos', auth: utf8('x') }, -4)
    expect((await c.reply())?.header).toEqual({ xid: -4, zxid: 0, err: ErrorCode.AUTHFAILED })
    await c.closed
  })

  it('sasl without SASL answers OK with a null token; reconfig is RECONFIGDISABLED', async () => {
    const sasl = await c.call({ op: 'sasl', token: utf8('hi') })
    expect(sasl.header).toMatchObject({ err: 0, zxid: 0 })
    expect(sasl.response).toEqual({ op: 'sasl', token: null })
    expect(await err({ op: 'reconfig', joiningServers: null, leavingServers: null, newMembers: 'server.1=x', curConfigId: -1 })).toBe(ErrorCode.RECONFIGDISABLED)
  })

  // ZooKeeper 3.9.5 accepts opcode 20 from a client with no ACL check (Request.isValid lists it);
  // Paddock answers it as an opcode Request.isValid refuses (UnimplementedRequestProcessor).
  it('deleteContainer from a client is UNIMPLEMENTED and closes the connection; the container sweep still removes the container', async () => {
    await c.call(create('/box', 4, '', 'createContainer'))
    await c.call(create('/box/x'))
    await c.call({ op: 'delete', path: '/box/x', version: -1 })
    expect(await err({ op: 'deleteContainer', path: '/box', version: -1 })).toBe(ErrorCode.UNIMPLEMENTED)
    await c.closed
    expect(fx.member.tree.get('/box')).toBeDefined()
    fx.clock.advance(60_000)
    expect(fx.member.tree.get('/box')).toBeUndefined()
  })

  it('addWatch, checkWatches and removeWatches with WatcherType numbers; NOWATCHER when none', async () => {
    await c.call(create('/w'))
    expect((await c.call({ op: 'addWatch', path: '/w', mode: 1 })).response).toEqual({ op: 'addWatch' })
    expect(await err({ op: 'checkWatches', path: '/w', type: 5 })).toBe(0)
    expect(await err({ op: 'checkWatches', path: '/w', type: 2 })).toBe(ErrorCode.NOWATCHER)
    expect(await err({ op: 'checkWatches', path: '/w', type: 42 })).toBe(ErrorCode.MARSHALLINGERROR)
    expect(await err({ op: 'addWatch', path: '/w', mode: 7 })).toBe(ErrorCode.MARSHALLINGERROR)
    await c.call({ op: 'getData', path: '/w', watch: true })
    expect(await err({ op: 'removeWatches', path: '/w', type: 2 })).toBe(0)
    expect(await err({ op: 'removeWatches', path: '/w', type: 2 })).toBe(ErrorCode.NOWATCHER)
    expect(await err({ op: 'removeWatches', path: '/w', type: 3 })).toBe(0) // Any: the persistent recursive one
    expect(await err({ op: 'checkWatches', path: '/w', type: 3 })).toBe(ErrorCode.NOWATCHER)
  })

  it('persistent recursive watches fire for descendants and stay', async () => {
    await c.call(create('/p'))
    await c.call({ op: 'addWatch', path: '/p', mode: 1 })
    await c.call(create('/p/a'))
    expect(await c.event()).toEqual({ type: EventType.NodeCreated, state: 3, path: '/p/a' })
    await c.call({ op: 'setData', path: '/p/a', data: utf8('1'), version: -1 })
    expect(await c.event()).toEqual({ type: EventType.NodeDataChanged, state: 3, path: '/p/a' })
  })

  it('answers a ping with ReplyHeader{-2, lastZxid, 0}', async () => {
    await c.call(create('/z'))
    c.send({ op: 'ping' }, -2)
    expect((await c.reply())?.header).toEqual({ xid: -2, zxid: fx.member.lastProcessedZxid, err: 0 })
  })

  it('answers pipelined requests in request order', async () => {
    const count = 500
    const xids: number[] = []
    for (let i = 0; i < count; i++) {
      xids.push(c.send(i % 3 === 0 ? create(`/p${i}`) : i % 3 === 1 ? { op: 'exists', path: `/p${i - 1}`, watch: false } : { op: 'getData', path: '/nope', watch: false }))
    }
    const got: number[] = []
    for (let i = 0; i < count; i++) got.push((await c.reply())!.header.xid)
    expect(got).toEqual(xids)
  })

  it('delivers a watch event before the reply of a later read, with the zxid of the change', async () => {
    const [other] = await RawClient.session(fx.port.address.port)
    await c.call(create('/ev', 0, 'a'))
    await c.call({ op: 'getData', path: '/ev', watch: true })
    const write = other.send({ op: 'setData', path: '/ev', data: utf8('b'), version: -1 })
    const zxid = (await other.reply())!.header
    expect(zxid.xid).toBe(write)
    const readXid = c.send({ op: 'getData', path: '/ev', watch: false })
    const first = await c.next()
    expect(first?.event).toEqual({ type: EventType.NodeDataChanged, state: 3, path: '/ev' })
    expect(first?.header).toEqual({ xid: -1, zxid: zxid.zxid, err: 0 })
    const read = await c.next()
    expect(read?.header.xid).toBe(readXid)
    expect(read?.response).toMatchObject({ data: utf8('b') })
    other.destroy()
  })

  it('closeSession: replies, removes ephemerals at once, then closes the connection', async () => {
    await c.call(create('/gone', 1))
    const reply = await c.call({ op: 'closeSession' })
    expect(reply.header.err).toBe(0)
    await c.closed
    expect(fx.member.tree.get('/gone')).toBeUndefined()
    expect(fx.member.sessions.size).toBe(0)
  })
})
