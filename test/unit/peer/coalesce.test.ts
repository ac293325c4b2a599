// Method: writeCoalesced on a real loopback socket pair: what one tick writes stays corked (the
// socket's public writableCorked count) until the tick's work is done, then leaves in order and
// whole; a write of a later tick corks again; a tick that writes peerCoalesceBytesMax flushes then.
import { once } from 'node:events'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { peerCoalesceBytesMax } from '../../../lib/limits.js'
import { writeCoalesced } from '../../../lib/peer/coalesce.js'

describe('writeCoalesced', () => {
  const open: (Socket | Server)[] = []
  afterEach(async () => {
    for (const s of open.splice(0).reverse()) {
      if ('destroy' in s) s.destroy()
      else await new Promise((resolve) => s.close(resolve))
    }
  })

  /** A connected pair on 127.0.0.1: the dialling end, and everything the accepting end receives. */
  async function pair(): Promise<{ socket: Socket; received: () => Buffer; bytesArrived: (n: number) => Promise<void> }> {
    const server = createServer()
    open.push(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as { port: number }).port
    const accepted = once(server, 'connection')
    const socket = connect(port, '127.0.0.1')
    open.push(socket)
    await once(socket, 'connect')
    const [peer] = (await accepted) as [Socket]
    open.push(peer)
    const chunks: Buffer[] = []
    let waiting: { n: number; resolve: () => void } | undefined
    const total = () => chunks.reduce((sum, c) => sum + c.length, 0)
    peer.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      if (waiting !== undefined && total() >= waiting.n) waiting.resolve()
    })
    return {
      socket,
      received: () => Buffer.concat(chunks),
      bytesArrived: (n) => (total() >= n ? Promise.resolve() : new Promise((resolve) => (waiting = { n, resolve }))),
    }
  }

  it('holds the writes of one tick corked, then sends them all, in order', async () => {
    const { socket, received, bytesArrived } = await pair()
    const frames = Array.from({ length: 50 }, (_, i) => Buffer.from(`frame ${i};`))
    for (const frame of frames) expect(writeCoalesced(socket, frame)).toBe(true)
    // One cork for the whole tick, however many writes.
    expect(socket.writableCorked).toBe(1)
    expect(socket.writableLength).toBe(frames.reduce((sum, f) => sum + f.length, 0))
    await new Promise<void>((resolve) => process.nextTick(resolve))
    expect(socket.writableCorked).toBe(0)
    const expected = Buffer.concat(frames)
    await bytesArrived(expected.length)
    expect(received().equals(expected)).toBe(true)
  })

  it('flushes in the same tick once the tick wrote peerCoalesceBytesMax to the socket, and corks again after', async () => {
    const { socket, received, bytesArrived } = await pair()
    const chunk = Buffer.alloc(peerCoalesceBytesMax / 4, 1)
    for (let i = 0; i < 3; i++) writeCoalesced(socket, chunk)
    expect(socket.writableCorked).toBe(1)
    writeCoalesced(socket, chunk)
    // The bound reached: flushed at once, not at the end of the tick.
    expect(socket.writableCorked).toBe(0)
    writeCoalesced(socket, Buffer.from('tail'))
    expect(socket.writableCorked).toBe(1)
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(socket.writableCorked).toBe(0)
    await bytesArrived(4 * chunk.length + 4)
    expect(received().subarray(4 * chunk.length).toString()).toBe('tail')
  })

  it('leaves nothing corked after a tick whose first write alone reaches the bound (a SNAP)', async () => {
    const { socket, received, bytesArrived } = await pair()
    const big = Buffer.alloc(peerCoalesceBytesMax, 2)
    writeCoalesced(socket, big)
    expect(socket.writableCorked).toBe(0)
    await new Promise<void>((resolve) => setImmediate(resolve))
    writeCoalesced(socket, Buffer.from('after'))
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(socket.writableCorked).toBe(0)
    await bytesArrived(big.length + 5)
    expect(received().subarray(big.length).toString()).toBe('after')
  })

  it('corks again for a write in a later tick', async () => {
    const { socket, received, bytesArrived } = await pair()
    writeCoalesced(socket, Buffer.from('first;'))
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(socket.writableCorked).toBe(0)
    writeCoalesced(socket, Buffer.from('second;'))
    expect(socket.writableCorked).toBe(1)
    await bytesArrived('first;second;'.length)
    expect(received().toString()).toBe('first;second;')
    expect(socket.writableCorked).toBe(0)
  })
})
