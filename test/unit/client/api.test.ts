// Method: the client API on the in-process transport over a virtual clock (TestingServer), and on
// a recording transport that answers from a table, to see exactly which requests go out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ClientImpl } from '../../../lib/client/client.js'
import type { CheckOp, ClientTransport } from '../../../lib/client/types.js'
import { ZooKeeperError, VirtualClock, retry, isTransient, type CreateModeValue, type SessionEvent, type WatchedEvent, type ZooKeeperClient } from '../../../lib/index.js'
import { multiOpsMax } from '../../../lib/limits.js'
import type { Request, Response } from '../../../lib/protocol/requests.js'
import { settle, TestingServer } from '../../../lib/testing/index.js'

/** A transport that records requests and answers `{ err: 0 }` unless told otherwise. */
class RecordingTransport implements ClientTransport {
  readonly sent: Request[] = []
  answer: (request: Request) => Response = () => ({ err: 0 })
  send(request: Request): Response {
    this.sent.push(request)
    return this.answer(request)
  }
  async close(): Promise<void> {}
}

function recordingClient(logLines: string[] = []): { client: ClientImpl; transport: RecordingTransport } {
  const client = new ClientImpl(1n, 30_000, new Uint8Array(16), 1024, { logger: { info: (m) => logLines.push(m), warn: (m) => logLines.push(m) } })
  const transport = new RecordingTransport()
  client.bind(transport)
  return { client, transport }
}

let testing: TestingServer
let zk: ZooKeeperClient
let observer: ZooKeeperClient
beforeEach(async () => {
  testing = await TestingServer.start({ tickTimeMs: 100 })
  zk = await testing.connect({ sessionTimeoutMs: 2000 })
  observer = await testing.connect({ sessionTimeoutMs: 2000 })
})
afterEach(async () => {
  await testing.close()
})

describe('bad input fails fast and sends nothing', () => {
  it('rejects an invalid path, oversized data and a closed client with typed errors before any request', async () => {
    const { client, transport } = recordingClient()
    await expect(client.getData('relative')).rejects.toMatchObject({ code: 'BADARGUMENTS', path: 'relative' })
    await expect(client.create('/a/')).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await expect(client.setData('/a', new Uint8Array(1025))).rejects.toMatchObject({ code: 'BADARGUMENTS', message: 'data for /a is 1025 bytes, over jute.maxbuffer (1024)' })
    await expect(client.transaction().create('/ok').setData('/bad path/', 'x').commit()).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    expect(() => client.watch('nope')).toThrow(expect.objectContaining({ code: 'BADARGUMENTS' }))
    // CreateMode.fromFlag: a flag naming no mode (here a name where the number belongs).
    const notAMode = 'EPHEMERAL' as unknown as CreateModeValue
    await expect(client.create('/m', 'x', { mode: notAMode })).rejects.toMatchObject({ code: 'BADARGUMENTS', message: 'Received an invalid flag value: EPHEMERAL to convert to a CreateMode' })
    await expect(client.create('/m', 'x', { mode: 7 as CreateModeValue })).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    expect(transport.sent).toEqual([])
    await client.close()
    await expect(client.exists('/')).rejects.toMatchObject({ code: 'SESSIONEXPIRED', message: 'Session expired: the client is closed' })
    expect(transport.sent).toEqual([])
  })

  it('on an in-process transport, sends a read without a watch before checking its path, and checks it when the read misses', async () => {
    const { client, transport } = recordingClient()
    Object.assign(transport, { inProcess: true })
    transport.answer = (request) => ('path' in request && request.path === '/found' ? { err: 0, stat: {}, data: new Uint8Array(0), children: [], acl: [], count: 0 } : { err: -101 }) as unknown as Response
    expect(await client.exists('/found')).toEqual({})
    expect(await client.exists('/missing')).toBeNull()
    for (const bad of ['relative', '/a/', '/a//b', '/a/./b', '']) {
      await expect(client.exists(bad)).rejects.toMatchObject({ code: 'BADARGUMENTS', path: bad })
      await expect(client.getData(bad)).rejects.toMatchObject({ code: 'BADARGUMENTS', path: bad })
      await expect(client.getChildren(bad)).rejects.toMatchObject({ code: 'BADARGUMENTS', path: bad })
      await expect(client.getACL(bad)).rejects.toMatchObject({ code: 'BADARGUMENTS', path: bad })
      await expect(client.getAllChildrenNumber(bad)).rejects.toMatchObject({ code: 'BADARGUMENTS', path: bad })
    }
    expect(transport.sent.map((r) => r.op)).toEqual(['exists', 'exists', ...Array.from({ length: 5 }, () => ['exists', 'getData', 'getChildren', 'getACL', 'getAllChildrenNumber']).flat()])
    // A read that leaves a watch changes the member's state, so its path is checked first; so is
    // every write, which the member would order as an error transaction.
    const sent = transport.sent.length
    await expect(client.exists('/a/', { watch: () => {} })).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await expect(client.getData('/a/', { watch: () => {} })).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await expect(client.delete('/a/')).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    await expect(client.exists(42 as unknown as string)).rejects.toThrow(TypeError)
    expect(transport.sent.length).toBe(sent)
  })

  it('gives an in-process client BADARGUMENTS for an invalid read path, with the path check\'s message, whatever the member holds', async () => {
    await zk.create('/a', 'x')
    await expect(zk.exists('/a/')).rejects.toMatchObject({ code: 'BADARGUMENTS', message: 'Invalid path string "/a/" caused by path must not end with / character' })
    await expect(zk.getData('/a/../a')).rejects.toMatchObject({ code: 'BADARGUMENTS', message: 'Invalid path string "/a/../a" caused by relative paths not allowed @4' })
    await expect(zk.getChildren('a')).rejects.toMatchObject({ code: 'BADARGUMENTS' })
    expect(await zk.exists('/a')).toMatchObject({ dataLength: 1 })
    await zk.close()
    await expect(zk.getData('/a/')).rejects.toMatchObject({ code: 'BADARGUMENTS' })
  })

  it('refuses a multi or multiRead of more than multiOpsMax operations with BADARGUMENTS, and commits one of exactly multiOpsMax in process', async () => {
    const { client, transport } = recordingClient()
    const checks: CheckOp[] = Array.from({ length: multiOpsMax + 1 }, () => ({ op: 'check', path: '/', version: -1 }))
    const reads = checks.map(() => ({ op: 'getData' as const, path: '/' }))
    const over = `${multiOpsMax + 1} operations, over multiOpsMax (${multiOpsMax})`
    await expect(client.multi(checks)).rejects.toMatchObject({ code: 'BADARGUMENTS', message: `multi has ${over}` })
    await expect(client.multiRead(reads)).rejects.toMatchObject({ code: 'BADARGUMENTS', message: `multiRead has ${over}` })
    expect(transport.sent).toEqual([])
    // No frame bounds an in-process multi, and the bound is no lower than one a frame could carry.
    expect(await zk.multi(checks.slice(1))).toHaveLength(multiOpsMax)
  })

  it('logs every state change through the injected logger as "state: a -> b"', async () => {
    const lines: string[] = []
    const { client } = recordingClient(lines)
    client.sessionEnded('moved')
    await client.close()
    expect(lines).toEqual(['state: connected -> disconnected', 'state: disconnected -> closed'])
  })
})

describe('data the application receives is its own copy', () => {
  it('changing what getData or multiRead returned, or what was written, changes nothing stored', async () => {
    const written = new TextEncoder().encode('xyz')
    await zk.create('/a', written)
    written[0] = 0x41
    const { data } = await zk.getData('/a')
    data[1] = 0x42
    const [read] = await zk.multiRead([{ op: 'getData', path: '/a' }])
    if (read?.op !== 'getData') throw new Error(`multiRead answered ${JSON.stringify(read)}`)
    read.data[2] = 0x43
    expect((await observer.getString('/a')).data).toBe('xyz')
    // A Buffer's slice() is a view, not a copy: written and read Buffers, small and large, are copied too.
    for (const size of [10, 64 * 1024]) {
      const buffer = Buffer.alloc(size, 1)
      await zk.create(`/buffer-${size}`, buffer)
      buffer.fill(2)
      const first = await zk.getData(`/buffer-${size}`)
      first.data.fill(3)
      expect((await observer.getData(`/buffer-${size}`)).data.every((b) => b === 1), `${size} bytes`).toBe(true)
    }
    // Copies share slabs, never bytes: the next read's copy leaves the previous one alone.
    const [first, second] = [await zk.getData('/a'), await zk.getData('/a')]
    first.data.fill(0)
    expect(new TextDecoder().decode(second.data)).toBe('xyz')
  })

  it('keeps every written value whole when many small values and strings share slabs', async () => {
    // Strings of 1- to 4-byte characters and byte arrays, sized to cross slab boundaries often.
    const values: (string | Uint8Array)[] = []
    for (let i = 0; i < 200; i++) {
      values.push(i % 2 === 0 ? `v${i}-é€😀`.repeat(1 + (i % 37)) : new Uint8Array(1 + ((i * 53) % 700)).fill(i % 251))
    }
    await Promise.all(values.map((value, i) => zk.create(`/slab-${i}`, value)))
    for (const [i, value] of values.entries()) {
      const { data } = await observer.getData(`/slab-${i}`)
      const expected = typeof value === 'string' ? new TextEncoder().encode(value) : value
      expect(Buffer.from(data).equals(Buffer.from(expected)), `value ${i}`).toBe(true)
    }
  })
})

describe('session events', () => {
  it('offers session changes as a discriminated union, on onStateChange and as an async iterable', async () => {
    const fromListener: StateChangeTypes = []
    zk.onStateChange((e) => fromListener.push([e.state, e.session.type]))
    const iterated: SessionEvent[] = []
    const consumer = (async () => {
      for await (const event of zk.sessionEvents()) iterated.push(event)
    })()
    await testing.expireSession(zk)
    await consumer
    expect(iterated).toEqual([{ type: 'expired', state: 'Expired' }])
    expect(fromListener).toEqual([['Expired', 'expired']])
    expect(zk.connectionState).toBe('expired')
    await expect(zk.getData('/')).rejects.toMatchObject({ code: 'SESSIONEXPIRED' })
  })

  it('ends the session event iterator on close and fails it with the signal reason on abort', async () => {
    const controller = new AbortController()
    const aborted = zk.sessionEvents({ signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(aborted.next()).rejects.toThrow('stop')
    const events = zk.sessionEvents()
    await zk.close()
    expect(await events.next()).toEqual({ value: { type: 'closed', state: 'Closed' }, done: false })
    expect((await events.next()).done).toBe(true)
  })
})
type StateChangeTypes = [string, string][]

describe('watch() as an async iterator', () => {
  it('yields every change of a node and its children with a persistent watch', async () => {
    await observer.create('/cfg')
    const stream = zk.watch('/cfg')
    await stream.ready
    await observer.setData('/cfg', 'a')
    await observer.create('/cfg/child')
    await observer.delete('/cfg/child')
    const seen: string[] = []
    for await (const event of stream) {
      seen.push(event.type)
      if (seen.length === 3) break
    }
    expect(seen).toEqual(['NodeDataChanged', 'NodeChildrenChanged', 'NodeChildrenChanged'])
  })

  it('yields changes of the whole subtree with recursive: true', async () => {
    const stream = zk.watch('/tree', { recursive: true })
    await stream.ready
    await observer.create('/tree')
    await observer.create('/tree/a')
    await observer.create('/tree/a/b')
    const paths: string[] = []
    for await (const event of stream) {
      paths.push(`${event.type} ${event.path}`)
      if (paths.length === 3) break
    }
    expect(paths).toEqual(['NodeCreated /tree', 'NodeCreated /tree/a', 'NodeCreated /tree/a/b'])
  })

  it('rejects with the abort reason when the signal aborts, and removes the server watch', async () => {
    const { client, transport } = recordingClient()
    const controller = new AbortController()
    const stream = client.watch('/x', { recursive: true, signal: controller.signal })
    await stream.ready
    const next = stream.next()
    controller.abort()
    await expect(next).rejects.toMatchObject({ name: 'AbortError' })
    await stream.closed
    expect(transport.sent).toEqual([
      { op: 'addWatch', path: '/x', mode: 'persistentRecursive' },
      { op: 'removeWatches', path: '/x', type: 'persistentRecursive', dryRun: false },
    ])
  })

  it('stops events after abort on a live server', async () => {
    const controller = new AbortController()
    const events: WatchedEvent[] = []
    const stream = zk.watch('/gone', { signal: controller.signal })
    await stream.ready
    const loop = (async () => {
      for await (const event of stream) events.push(event)
    })()
    await observer.create('/gone')
    await settle()
    controller.abort()
    await expect(loop).rejects.toMatchObject({ name: 'AbortError' })
    await stream.closed
    await observer.delete('/gone')
    await settle()
    expect(events.map((e) => e.type)).toEqual(['NodeCreated'])
    await expect(zk.removeWatches('/gone', 'persistent')).rejects.toMatchObject({ code: 'NOWATCHER' })
  })

  it('fails the iterator with SESSIONEXPIRED when the session expires and ends it on close', async () => {
    const stream = zk.watch('/e')
    await stream.ready
    await testing.expireSession(zk)
    await expect(stream.next()).rejects.toMatchObject({ code: 'SESSIONEXPIRED', path: '/e' })
    const other = observer.watch('/o')
    await other.ready
    await observer.close()
    expect((await other.next()).done).toBe(true)
  })

  it('fails with a bounded buffer when the consumer falls behind', async () => {
    const stream = zk.watch('/busy', { eventsBufferedMax: 2 })
    await stream.ready
    for (let i = 0; i < 4; i++) await observer.create(`/busy${i === 0 ? '' : '/c' + i}`)
    await settle()
    await stream.next()
    await stream.next()
    await expect(stream.next()).rejects.toMatchObject({ message: expect.stringContaining('eventsBufferedMax (2)') })
  })
})

describe('transaction()', () => {
  it('commits create, setData, check and delete atomically', async () => {
    await observer.create('/old')
    const results = await zk.transaction().create('/t', 'x').setData('/t', 'y', 0).check('/t', 1).delete('/old').commit()
    expect(results).toMatchObject([{ op: 'create', path: '/t' }, { op: 'setData', stat: { version: 1 } }, { op: 'check' }, { op: 'delete' }])
    expect((await observer.getString('/t')).data).toBe('y')
  })

  it('applies nothing when one operation fails, naming that operation', async () => {
    await expect(zk.transaction().create('/t2').check('/t2', 5).commit()).rejects.toMatchObject({ code: 'BADVERSION', path: '/t2' })
    expect(await observer.exists('/t2')).toBeNull()
  })

  it('refuses to be committed twice', async () => {
    const tx = zk.transaction().create('/once')
    await tx.commit()
    await expect(tx.commit()).rejects.toThrow(TypeError)
    expect(() => tx.create('/again')).toThrow(TypeError)
  })
})

describe('retry()', () => {
  it('retries transient errors with exponential back-off on the given clock, then succeeds', async () => {
    const virtual = new VirtualClock()
    const delaysMs: number[] = []
    const clock = { now: () => virtual.now(), setTimer: (ms: number, cb: () => void) => (delaysMs.push(ms), virtual.setTimer(ms, cb)) }
    let calls = 0
    const result = retry(
      async (attempt) => {
        calls = attempt
        if (attempt < 4) throw new ZooKeeperError('CONNECTIONLOSS')
        return 'done'
      },
      { retries: 5, backoffMs: 100, backoffMsMax: 300, clock, random: () => 1 },
    )
    for (let i = 0; i < 4; i++) {
      await settle(1)
      virtual.advance(1000)
    }
    expect(await result).toBe('done')
    expect(calls).toBe(4)
    expect(delaysMs).toEqual([100, 200, 300])
  })

  it('rethrows a non-transient error at once', async () => {
    let calls = 0
    await expect(
      retry(async () => {
        calls++
        throw new ZooKeeperError('NONODE', { path: '/x' })
      }),
    ).rejects.toMatchObject({ code: 'NONODE' })
    expect(calls).toBe(1)
    expect(isTransient(new ZooKeeperError('SESSIONEXPIRED'))).toBe(false)
    expect(isTransient(new ZooKeeperError('OPERATIONTIMEOUT'))).toBe(true)
  })

  it('gives up after the last retry with the last error', async () => {
    let calls = 0
    const clock = new VirtualClock()
    const result = retry(
      async () => {
        calls++
        throw new ZooKeeperError('CONNECTIONLOSS')
      },
      { retries: 2, backoffMs: 10, clock },
    )
    result.catch(() => {})
    for (let i = 0; i < 3; i++) {
      await settle(1)
      clock.advance(100)
    }
    await expect(result).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
    expect(calls).toBe(3)
  })
})

describe('string data', () => {
  it('writes strings as UTF-8 and reads them back with getString', async () => {
    await zk.create('/s', 'grüße')
    expect(await zk.getString('/s')).toMatchObject({ data: 'grüße', stat: { dataLength: 7 } })
  })
})
