// Method: reads whose responses would pass jute.maxbuffer, sent by a raw jute client over a real
// socket (nodes written by an in-process session). ZooKeeper 3.9.5 sends any response and its
// client drops the connection on a frame over its jute.maxbuffer (ClientCnxnSocket.readLength:
// "Packet len … is out of range!"), after which a client may send the same read again; Paddock
// answers such a read BADARGUMENTS under its xid and keeps the connection.
import { afterEach, describe, expect, it } from 'vitest'
import { ErrorCode } from '../../../lib/errors.js'
import { createServer } from '../../../lib/host/server.js'
import type { RunningMember } from '../../../lib/host/running-member.js'
import { MemberClientPortBackend } from '../../../lib/host/client-port.js'
import type { ZooKeeperClient } from '../../../lib/index.js'
import { startClientPort, type ClientPort } from '../../../lib/wire/server.js'
import { RawClient } from './helpers.js'

let server: RunningMember
let port: ClientPort
let zk: ZooKeeperClient

/** A member and its port, both at `maxBufferBytes` (jute.maxbuffer), or at their defaults. */
async function start(maxBufferBytes?: number): Promise<void> {
  server = (await createServer(maxBufferBytes === undefined ? {} : { maxDataBytes: maxBufferBytes })) as RunningMember
  const options = maxBufferBytes === undefined ? {} : { maxBufferBytes }
  port = await startClientPort(new MemberClientPortBackend(server.member), { ...options, logger: { warn: () => {}, info: () => {} } })
  zk = await server.connect()
}

afterEach(async () => {
  await port.close()
  await server.close()
})

const getData = (path: string) => ({ op: 'getData' as const, path, watch: false })

describe('responses over jute.maxbuffer', () => {
  it('refuses a multiRead of 100 reads of a 1 MB node with BADARGUMENTS and keeps the connection', async () => {
    await start()
    await zk.create('/big', new Uint8Array(1_000_000))
    const [c] = await RawClient.session(port.address.port)
    const refused = await c.call({ op: 'multiRead', ops: Array.from({ length: 100 }, () => getData('/big')) })
    expect(refused.header.err).toBe(ErrorCode.BADARGUMENTS)
    const one = await c.call({ op: 'multiRead', ops: [getData('/big')] })
    expect(one.header.err).toBe(0)
    expect(one.response).toMatchObject({ op: 'multiRead', results: [{ op: 'getData', data: expect.any(Uint8Array) }] })
    c.destroy()
  })

  it('with jute.maxbuffer at 64 KiB, refuses a multiRead of a few 60 kB reads, and still serves a getData of a 64 KiB node', async () => {
    const max = 64 * 1024
    await start(max)
    await zk.create('/n', new Uint8Array(60_000))
    await zk.create('/full', new Uint8Array(max))
    const [c] = await RawClient.session(port.address.port)
    expect((await c.call({ op: 'multiRead', ops: [getData('/n'), getData('/n'), getData('/n')] })).header.err).toBe(ErrorCode.BADARGUMENTS)
    const full = await c.call({ op: 'getData', path: '/full', watch: false })
    expect(full.header.err).toBe(0)
    expect(full.response?.op === 'getData' && full.response.data?.length).toBe(max)
    expect((await c.call({ op: 'multiRead', ops: [getData('/n')] })).header.err).toBe(0)
    c.destroy()
  })

  it('with jute.maxbuffer at 64 KiB, refuses a getChildren whose names take 88 kB', async () => {
    await start(64 * 1024)
    await zk.create('/p')
    for (let i = 0; i < 2000; i++) await zk.create(`/p/${String(i).padStart(40, '0')}`)
    const [c] = await RawClient.session(port.address.port)
    expect((await c.call({ op: 'getChildren2', path: '/p', watch: false })).header.err).toBe(ErrorCode.BADARGUMENTS)
    expect((await c.call({ op: 'exists', path: '/p', watch: false })).header.err).toBe(0)
    c.destroy()
  })
})
