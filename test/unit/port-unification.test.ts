// Method: routeByFirstByte on in-memory streams standing in for accepted sockets (fake timers for
// the silent case), and the bounds that keep the first byte unambiguous checked against each other
// (ZooKeeper: UnifiedServerSocket, NettyServerCnxnFactory's DualModeSslHandler).
import type { Socket } from 'node:net'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { peerHelloBytesMax } from '../../lib/limits.js'
import { routeByFirstByte, tlsHandshakeRecordType, type FirstByteRoutes } from '../../lib/port-unification.js'

/** A stream with the Socket methods routeByFirstByte uses. */
function fakeSocket(): Socket {
  return new PassThrough() as unknown as Socket
}

/** Routes `socket`, recording which route ran. */
function route(socket: Socket, overrides: Partial<FirstByteRoutes> = {}): { taken: string[]; waiting: Set<Socket> } {
  const taken: string[] = []
  const waiting = new Set<Socket>()
  routeByFirstByte(socket, {
    timeoutMs: 1_000,
    waiting,
    guard: (work) => work(),
    tls: () => void taken.push('tls'),
    plain: () => void taken.push('plain'),
    silent: () => void taken.push('silent'),
    ...overrides,
  })
  return { taken, waiting }
}

/** Resolves with the next chunk `socket` emits. */
function nextChunk(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => socket.once('data', resolve))
}

afterEach(() => {
  vi.useRealTimers()
})

describe('routeByFirstByte', () => {
  it('sends a connection that opens with a TLS handshake record to the TLS route, paused, with nothing consumed', async () => {
    const socket = fakeSocket()
    let routed!: () => void
    const tls = new Promise<void>((resolve) => (routed = resolve))
    const { waiting } = route(socket, { tls: () => routed() })
    expect(waiting.has(socket)).toBe(true)
    const hello = Buffer.from([tlsHandshakeRecordType, 0x03, 0x01, 0x00, 0x05])
    socket.write(hello)
    await tls
    expect(waiting.size).toBe(0)
    expect(socket.isPaused()).toBe(true)
    const read = nextChunk(socket)
    socket.resume()
    expect(await read).toEqual(hello)
  })

  it('sends anything else to the plain route, which reads every byte once the route returns', async () => {
    const socket = fakeSocket()
    const frame = Buffer.from([0x00, 0x00, 0x00, 0x02, 0xa1, 0xb2])
    // The route only attaches its reader: the socket resumes after it, and the reader gets the frame whole.
    const seen = new Promise<Buffer>((resolve) => route(socket, { plain: () => void socket.once('data', resolve) }))
    socket.write(frame)
    expect(await seen).toEqual(frame)
  })

  it('sends a connection that says nothing within the timeout to the silent route, and stops waiting for it', () => {
    vi.useFakeTimers()
    const socket = fakeSocket()
    const { taken, waiting } = route(socket, { timeoutMs: 500 })
    vi.advanceTimersByTime(499)
    expect(taken).toEqual([])
    vi.advanceTimersByTime(1)
    expect(taken).toEqual(['silent'])
    socket.destroy()
    socket.emit('close')
    expect(waiting.size).toBe(0)
  })

  it('forgets a connection that closes before its first byte, and runs no route for it', () => {
    vi.useFakeTimers()
    const socket = fakeSocket()
    const { taken, waiting } = route(socket)
    socket.emit('close')
    vi.advanceTimersByTime(2_000)
    expect(waiting.size).toBe(0)
    expect(taken).toEqual([])
  })

  it('runs the route inside the caller\'s boundary', async () => {
    const socket = fakeSocket()
    const caught = new Promise<unknown>((resolve) =>
      route(socket, {
        guard: (work) => {
          try {
            work()
          } catch (error) {
            resolve(error)
          }
        },
        plain: () => {
          throw new Error('route failed')
        },
      }),
    )
    socket.write(Buffer.from([0x00]))
    expect(await caught).toMatchObject({ message: 'route failed' })
  })
})

describe('the first byte is unambiguous', () => {
  it('no plain-text peer hello starts with 0x16: its 4-byte length is at most peerHelloBytesMax, under 0x16000000', () => {
    expect(peerHelloBytesMax).toBeLessThan(tlsHandshakeRecordType * 2 ** 24)
  })
})
