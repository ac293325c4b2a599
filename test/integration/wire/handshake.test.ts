// Method: a raw jute client over real sockets on 127.0.0.1 drives the handshake of ZooKeeperServer.processConnectRequest against a Member on a VirtualClock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { EventType } from '../../../lib/protocol/opcodes.js'
import { MemberClientPortBackend } from '../../../lib/host/client-port.js'
import { RawClient, create, startFixture, utf8, type Fixture } from './helpers.js'

let fx: Fixture
beforeEach(async () => {
  fx = await startFixture({}, { tickTimeMs: 2000 })
})
afterEach(async () => {
  await fx.close()
})

describe('client port handshake', () => {
  it('opens a new session with a negotiated timeout, an id and a 16-byte password', async () => {
    const [client, response] = await RawClient.session(fx.port.address.port, { timeOut: 1_000_000 })
    expect(response.protocolVersion).toBe(0)
    expect(response.timeOut).toBe(40_000) // clamped to 20 x tickTime
    expect(response.sessionId).not.toBe(0n)
    expect(response.passwd.length).toBe(16)
    expect(response.readOnly).toBe(false)
    expect(fx.member.sessions.size).toBe(1)
    client.destroy()
  })

  it('leaves readOnly out of the ConnectResponse when the client left it out (old clients)', async () => {
    const [client, response] = await RawClient.session(fx.port.address.port, { readOnly: undefined })
    expect(response.readOnly).toBeUndefined()
    client.destroy()
  })

  it('resumes a session with its id and password, keeping ephemerals and re-registering watches by setWatches', async () => {
    const port = fx.port.address.port
    const [a, granted] = await RawClient.session(port)
    expect((await a.call(create('/eph', 1))).header.err).toBe(0)
    expect((await a.call(create('/watched'))).header.err).toBe(0)
    const seen = (await a.call({ op: 'getData', path: '/watched', watch: true })).header.zxid
    a.destroy()
    await a.closed

    const [b, resumed] = await RawClient.session(port, { sessionId: granted.sessionId, passwd: granted.passwd, lastZxidSeen: seen })
    expect(resumed.sessionId).toBe(granted.sessionId)
    expect(resumed.timeOut).toBe(granted.timeOut)
    expect(fx.member.tree.get('/eph')).toBeDefined()
    // As ClientCnxn does on reconnect: xid -8 with the watches it holds.
    b.send({ op: 'setWatches', relativeZxid: seen, dataWatches: ['/watched'], existWatches: [], childWatches: [] }, -8)
    expect((await b.reply())?.header).toMatchObject({ xid: -8, err: 0 })

    const [c] = await RawClient.session(port)
    await c.call({ op: 'setData', path: '/watched', data: utf8('y'), version: -1 })
    expect(await b.event()).toEqual({ type: EventType.NodeDataChanged, state: 3, path: '/watched' })
    b.destroy()
    c.destroy()
  })

  it('fires at once the watches whose change the client missed while away (setWatches2)', async () => {
    const port = fx.port.address.port
    const [a, granted] = await RawClient.session(port)
    await a.call(create('/n'))
    const seen = (await a.call({ op: 'exists', path: '/n', watch: true })).header.zxid
    a.destroy()
    await a.closed
    const [c] = await RawClient.session(port)
    await c.call({ op: 'delete', path: '/n', version: -1 })
    const [b] = await RawClient.session(port, { sessionId: granted.sessionId, passwd: granted.passwd, lastZxidSeen: seen })
    b.send({ op: 'setWatches2', relativeZxid: seen, dataWatches: ['/n'], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [] }, -8)
    expect(await b.event()).toEqual({ type: EventType.NodeDeleted, state: 3, path: '/n' })
    expect((await b.reply())?.header).toMatchObject({ xid: -8, err: 0 })
    b.destroy()
    c.destroy()
  })

  it('refuses a wrong password with timeOut 0, session id 0 and a zero password, then closes', async () => {
    const [a, granted] = await RawClient.session(fx.port.address.port)
    const wrong = new Uint8Array(granted.passwd)
    wrong[0] = (wrong[0]! + 1) & 0xff
    const [b, refused] = await RawClient.session(fx.port.address.port, { sessionId: granted.sessionId, passwd: wrong })
    expect(refused).toEqual({ protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false })
    await b.closed
    expect((await a.call({ op: 'exists', path: '/', watch: false })).header.err).toBe(0)
    a.destroy()
  })

  it('refuses an unknown session the same way', async () => {
    const [b, refused] = await RawClient.session(fx.port.address.port, { sessionId: 12345n, passwd: new Uint8Array(16) })
    expect(refused.timeOut).toBe(0)
    expect(refused.sessionId).toBe(0n)
    await b.closed
  })

  it('closes the connection of a client that has seen a zxid the server has not', async () => {
    const client = await RawClient.open(fx.port.address.port)
    await expect(client.handshake({ lastZxidSeen: 1000 })).rejects.toThrow(/closed/)
    await client.closed
    expect(fx.warnings.some((w) => /client must try another server/.test(w))).toBe(true)
  })

  it('refuses a session on a member that does not serve before comparing zxids, as ZooKeeper does', async () => {
    // A member still looking or syncing has a last zxid behind the client's: saying so would blame
    // the client's zxid instead of the member (ZooKeeper: "ZooKeeperServer not running").
    class NotServing extends MemberClientPortBackend {
      override get serving(): boolean {
        return false
      }
    }
    const looking = await startFixture({}, {}, NotServing)
    try {
      const client = await RawClient.open(looking.port.address.port)
      await expect(client.handshake({ lastZxidSeen: 1000 })).rejects.toThrow(/closed/)
      await client.closed
      expect(looking.warnings).toEqual([])
      expect(looking.infos.filter((line) => /this member is not serving requests/.test(line))).toHaveLength(1)
    } finally {
      await looking.close()
    }
  })

  it('closes a connection whose ConnectRequest does not decode, logging one line', async () => {
    const client = await RawClient.open(fx.port.address.port)
    client.write(new Uint8Array([0, 0, 0, 5, 1, 2, 3, 4, 5]))
    await client.closed
    expect(fx.warnings).toHaveLength(1)
    expect(fx.warnings[0]).toMatch(/malformed ConnectRequest/)
  })
})
