// Method: real sockets against one port; sessions expire by advancing the member's VirtualClock, bad input and overload are sent raw, and every test checks that other sessions keep working.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import { JuteWriter, writeRequestHeader } from '../../../lib/wire/index.js'
import { RawClient, create, startFixture, utf8, type Fixture } from './helpers.js'

let fx: Fixture
afterEach(async () => {
  await fx.close()
})

async function healthy(port: number): Promise<void> {
  const [probe] = await RawClient.session(port)
  expect((await probe.call({ op: 'exists', path: '/', watch: false })).header.err).toBe(0)
  probe.destroy()
}

function frame(bytes: number[]): Uint8Array {
  const out = new Uint8Array(4 + bytes.length)
  new DataView(out.buffer).setInt32(0, bytes.length)
  out.set(bytes, 4)
  return out
}

describe('sessions over the wire', () => {
  beforeEach(async () => {
    fx = await startFixture({}, { tickTimeMs: 1000 })
  })

  it('closes the socket of an expired session and removes its ephemerals; a reconnect is told it expired', async () => {
    const [c, granted] = await RawClient.session(fx.port.address.port, { timeOut: 4000 })
    await c.call(create('/eph', 1))
    fx.clock.advance(granted.timeOut + 2 * 1000)
    await c.closed
    expect(fx.member.tree.get('/eph')).toBeUndefined()
    const [again, refused] = await RawClient.session(fx.port.address.port, { sessionId: granted.sessionId, passwd: granted.passwd })
    expect(refused.timeOut).toBe(0)
    await again.closed
  })

  it('pings keep a session alive across its timeout', async () => {
    const [c, granted] = await RawClient.session(fx.port.address.port, { timeOut: 4000 })
    for (let i = 0; i < 6; i++) {
      fx.clock.advance(granted.timeOut / 4)
      c.send({ op: 'ping' }, -2)
      expect((await c.reply())?.header.xid).toBe(-2)
    }
    expect(fx.member.sessions.size).toBe(1)
    c.destroy()
  })

  it('closes the old socket when the session moves to a new connection', async () => {
    const [a, granted] = await RawClient.session(fx.port.address.port)
    const [b] = await RawClient.session(fx.port.address.port, { sessionId: granted.sessionId, passwd: granted.passwd })
    await a.closed
    expect((await b.call({ op: 'exists', path: '/', watch: false })).header.err).toBe(0)
    b.destroy()
  })

  it('keeps the session when the socket drops without closeSession', async () => {
    const [a] = await RawClient.session(fx.port.address.port)
    await a.call(create('/stay', 1))
    a.destroy()
    await a.closed
    await healthy(fx.port.address.port)
    expect(fx.member.tree.get('/stay')).toBeDefined()
  })
})

describe('bad input closes only its own connection', () => {
  beforeEach(async () => {
    fx = await startFixture({ maxBufferBytes: 4096 })
  })

  it('closes a connection that sends a frame over jute.maxbuffer; another session keeps working', async () => {
    const [other] = await RawClient.session(fx.port.address.port)
    const [c] = await RawClient.session(fx.port.address.port)
    c.write(frame([...new Uint8Array(5000)]))
    await c.closed
    expect(fx.warnings).toHaveLength(1)
    expect(fx.warnings[0]).toMatch(/over jute.maxbuffer \(4096\)/)
    expect((await other.call({ op: 'exists', path: '/', watch: false })).header.err).toBe(0)
    other.destroy()
  })

  it('closes a connection that sends garbage instead of a ConnectRequest', async () => {
    const c = await RawClient.open(fx.port.address.port)
    c.write(utf8('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
    await c.closed
    expect(fx.warnings).toHaveLength(1)
    await healthy(fx.port.address.port)
  })

  it('closes a connection whose request header is truncated', async () => {
    const [c] = await RawClient.session(fx.port.address.port)
    c.write(frame([0, 0, 0, 1]))
    await c.closed
    expect(fx.warnings).toEqual([expect.stringMatching(/malformed RequestHeader/)])
  })

  it('answers a truncated request body with MARSHALLINGERROR under its xid and keeps the connection', async () => {
    const [c] = await RawClient.session(fx.port.address.port)
    c.write(frame([0, 0, 0, 9, 0, 0, 0, 4, 0, 0, 0, 10, 47])) // getData: path length 10, 1 byte
    expect((await c.reply())?.header).toMatchObject({ xid: 9, err: ErrorCode.MARSHALLINGERROR })
    expect(fx.warnings).toHaveLength(1)
    expect((await c.call({ op: 'exists', path: '/', watch: false })).header.err).toBe(0)
    c.destroy()
  })

  it('answers an unknown opcode with UNIMPLEMENTED, then closes', async () => {
    const [c] = await RawClient.session(fx.port.address.port)
    const w = new JuteWriter()
    w.beginFrame()
    writeRequestHeader(w, { xid: 3, type: 77 })
    w.endFrame()
    c.write(w.finish())
    expect((await c.reply())?.header).toMatchObject({ xid: 3, err: ErrorCode.UNIMPLEMENTED })
    await c.closed
    expect(fx.warnings).toHaveLength(1)
    await healthy(fx.port.address.port)
  })

  it('refuses check outside multi with UNIMPLEMENTED and closes (ZOOKEEPER-2623)', async () => {
    const [c] = await RawClient.session(fx.port.address.port)
    c.send({ op: 'check', path: '/', version: -1 })
    expect((await c.reply())?.header.err).toBe(ErrorCode.UNIMPLEMENTED)
    await c.closed
  })

  it('closes a connection that never completes its handshake', async () => {
    await fx.close()
    fx = await startFixture({ sessionlessCnxnTimeoutMs: 50 })
    const c = await RawClient.open(fx.port.address.port)
    c.write(new Uint8Array([0, 0]))
    await c.closed
    expect(fx.warnings).toEqual([expect.stringMatching(/no ConnectRequest within 50 ms/)])
  })
})

describe('shutdown', () => {
  it('close() ends every connection and stops listening; the sessions stay for a restart', async () => {
    fx = await startFixture()
    const [a] = await RawClient.session(fx.port.address.port)
    const [b] = await RawClient.session(fx.port.address.port)
    const four = await RawClient.open(fx.port.address.port)
    await fx.port.close()
    await Promise.all([a.closed, b.closed, four.closed])
    expect(fx.port.connections).toBe(0)
    await expect(RawClient.open(fx.port.address.port)).rejects.toThrow(/ECONNREFUSED/)
    expect(fx.member.sessions.size).toBe(2)
  })
})

describe('limits', () => {
  it('closes connections over maxClientCnxns from one address at once', async () => {
    fx = await startFixture({ maxClientCnxns: 2 })
    const [a] = await RawClient.session(fx.port.address.port)
    const [b] = await RawClient.session(fx.port.address.port)
    const third = await RawClient.open(fx.port.address.port)
    await third.closed
    expect(fx.warnings).toEqual(['Too many connections from /127.0.0.1 - max is 2'])
    a.destroy()
    await a.closed
    // The slot frees once the server has seen the close; retry until it has (bounded).
    for (let i = 0; i < 100; i++) {
      const c = await RawClient.open(fx.port.address.port)
      const response = await c.handshake().catch(() => undefined)
      c.destroy()
      if (response !== undefined) break
      expect(i).toBeLessThan(99)
    }
    b.destroy()
  })

  it('stops reading from a client that does not read, holding memory bounded, then delivers everything', async () => {
    const writeBufferedBytesMax = 64 * 1024
    fx = await startFixture({ writeBufferedBytesMax })
    const [setup] = await RawClient.session(fx.port.address.port)
    const big = 'x'.repeat(32 * 1024)
    await setup.call(create('/big', 0, big))
    const [c] = await RawClient.session(fx.port.address.port)
    c.socket.pause()
    const requests = 2000 // 2000 x 32 KiB = 64 MiB of replies if the server did not stop reading
    for (let i = 0; i < requests; i++) c.send({ op: 'getData', path: '/big', watch: false })
    // The server must pause: its queued output stays near the limit, not 64 MiB.
    const deadline = Date.now() + 10_000
    let paused = false
    while (Date.now() < deadline && !paused) {
      await new Promise((resolve) => setImmediate(resolve))
      // interestOps bit 1 is OP_READ: clear while the server has stopped reading this client.
      paused = fx.port.stats().connections.some((x) => (x.interestOps & 1) === 0 && x.sent > 1)
    }
    expect(paused).toBe(true)
    // Replies written so far (into the kernel's socket buffers) are far fewer than asked for.
    const sent = Math.max(...fx.port.stats().connections.map((x) => x.sent))
    expect(sent).toBeLessThan(requests / 2)
    c.socket.resume()
    let got = 0
    for (; got < requests; got++) {
      const r = await c.reply()
      if (r?.header.err !== 0) break
    }
    expect(got).toBe(requests)
    c.destroy()
    setup.destroy()
  })
})
