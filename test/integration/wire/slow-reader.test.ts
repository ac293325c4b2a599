// Method: a raw client sets persistent watches on nodes with 4 kB paths, then stops reading its
// socket; an in-process session fires a bounded stream of setData (at most 50,000, at most 20 s)
// while the test samples the port's per-connection queued bytes. The stalled connection must stay
// under the port's queuedBytesMax, be closed and logged, and the port must keep serving others.
// (ZooKeeper's NIOServerCnxn queues without a bound; this bound is Paddock's.)
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createServer } from '../../../lib/host/server.js'
import type { RunningMember } from '../../../lib/host/running-member.js'
import { MemberClientPortBackend } from '../../../lib/host/client-port.js'
import type { ZooKeeperClient } from '../../../lib/index.js'
import { startClientPort, type ClientPort } from '../../../lib/wire/server.js'
import { RawClient, create, utf8 } from './helpers.js'

const queuedBytesMax = 1_048_576
const watchedNodes = 20
const eventsMax = 50_000
const firehoseMs = 20_000

let server: RunningMember
let port: ClientPort
let zk: ZooKeeperClient
const warnings: string[] = []

beforeEach(async () => {
  warnings.length = 0
  server = (await createServer()) as RunningMember
  port = await startClientPort(new MemberClientPortBackend(server.member), {
    queuedBytesMax,
    logger: { warn: (line) => warnings.push(line), info: () => {} },
  })
  zk = await server.connect()
})
afterEach(async () => {
  await port.close()
  await server.close()
})

describe('a client that stops reading while its watches fire', () => {
  it('is closed once its queue passes queuedBytesMax, which it never exceeds, and others are still served', async () => {
    const paths: string[] = []
    for (let i = 0; i < watchedNodes; i++) paths.push(await zk.create(`/n${i}-${'x'.repeat(4000)}`))
    const [reader, connected] = await RawClient.session(port.address.port)
    for (const path of paths) expect((await reader.call({ op: 'addWatch', path, mode: 0 })).header.err).toBe(0)
    reader.socket.pause()

    const queued = () => port.stats().connections.find((c) => c.sessionId === connected.sessionId)?.queuedBytes
    const startedMs = Date.now()
    let maxQueued = 0
    let fired = 0
    while (fired < eventsMax && Date.now() - startedMs < firehoseMs) {
      await zk.setData(paths[fired % watchedNodes]!, 'v')
      fired++
      if (fired % 25 !== 0) continue
      const bytes = queued()
      if (bytes === undefined) break
      maxQueued = Math.max(maxQueued, bytes)
    }

    expect(queued()).toBeUndefined()
    expect(maxQueued).toBeGreaterThan(0)
    expect(maxQueued).toBeLessThanOrEqual(queuedBytesMax)
    expect(warnings.some((line) => line.includes(`client does not read`) && line.includes(`over queuedBytesMax (${queuedBytesMax})`))).toBe(true)
    reader.socket.resume()
    await reader.closed

    const [other] = await RawClient.session(port.address.port)
    expect((await other.call(create('/still-served', 0, 'yes'))).header.err).toBe(0)
    expect((await other.call({ op: 'getData', path: '/still-served', watch: false })).response).toMatchObject({ data: utf8('yes') })
    other.destroy()
  })
})
