// Method: a client on a transport that answers each request either at once or through a promise
// the test resolves, recording the order in which the methods' promises settle. A reply known at
// once settles its method without a step of the event loop only when nothing sent before it is
// left to settle; replies always settle in request order (ZooKeeper's FIFO client order).
import { describe, expect, it } from 'vitest'
import { ClientImpl } from '../../../lib/client/client.js'
import type { ClientTransport } from '../../../lib/client/types.js'
import { ZooKeeperError } from '../../../lib/index.js'
import type { Request, Response } from '../../../lib/protocol/requests.js'

const stat = { czxid: 1, mzxid: 1, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 1, numChildren: 0, pzxid: 1 }

function answerTo(request: Request): Response {
  switch (request.op) {
    case 'getData':
      return { err: 0, data: new Uint8Array([0x78]), stat } as Response
    case 'getChildren':
      return { err: 0, children: ['c'], stat } as Response
    case 'create':
      return { err: 0, path: request.path, stat } as Response
    default:
      return { err: 0, stat } as Response
  }
}

/** Answers at once, unless `later` is set: then through a promise kept in `pending`. */
class SwitchingTransport implements ClientTransport {
  later = false
  fail = false
  readonly pending: { resolve: () => void; reject: (error: Error) => void }[] = []
  send(request: Request, onReply?: (response: Response) => void): Response | Promise<Response> {
    const response = answerTo(request)
    if (this.fail) return Promise.reject(new ZooKeeperError('CONNECTIONLOSS'))
    if (!this.later) {
      onReply?.(response)
      return response
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve: () => resolve(response), reject })
    })
  }
  async close(): Promise<void> {}
}

function client(): { zk: ClientImpl; transport: SwitchingTransport } {
  const zk = new ClientImpl(1n, 30_000, new Uint8Array(16))
  const transport = new SwitchingTransport()
  zk.bind(transport)
  return { zk, transport }
}

/** Whether `promise` has settled: a reaction to a settled promise runs before a later microtask. */
async function settledNow(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  await Promise.resolve()
  return settled
}

/** Records the order in which the promises it is given settle, fulfilled or rejected. */
class SettleOrder {
  readonly names: string[] = []
  track<T>(name: string, promise: Promise<T>): Promise<T> {
    promise.then(
      () => this.names.push(name),
      () => this.names.push(name),
    )
    return promise
  }
}

describe('reply order', () => {
  it('settles replies known at once in request order, each without waiting a step', async () => {
    const { zk } = client()
    const order = new SettleOrder()
    const calls: [string, Promise<unknown>][] = [
      ['exists', zk.exists('/a')],
      ['getString', zk.getString('/a')],
      ['create', zk.create('/b')],
      ['getChildren', zk.getChildren('/a')],
      ['getData', zk.getData('/a')],
      ['setData', zk.setData('/a', 'y')],
    ]
    for (const [name, promise] of calls) order.track(name, promise)
    for (const [, promise] of calls) expect(await settledNow(promise)).toBe(true)
    expect(order.names).toEqual(calls.map(([name]) => name))
    expect((await zk.getString('/a')).data).toBe('x')
    expect(await zk.getChildren('/a')).toEqual(['c'])
  })

  it('keeps a reply known at once behind an earlier request whose method has not settled yet', async () => {
    const { zk, transport } = client()
    const order = new SettleOrder()
    transport.later = true
    const first = order.track('getData', zk.getData('/a'))
    transport.later = false
    // The earlier reply arrives; its method settles a few steps later. The next request, answered
    // at once in that gap, must not settle before it.
    transport.pending[0]?.resolve()
    const second = order.track('exists', zk.exists('/a'))
    expect(await settledNow(second)).toBe(false)
    await Promise.all([first, second])
    expect(order.names).toEqual(['getData', 'exists'])
    // With nothing left to settle, a reply known at once settles its method at once again.
    expect(await settledNow(zk.exists('/a'))).toBe(true)
  })

  it('settles in order around a failed request, and settles at once again after it', async () => {
    const { zk, transport } = client()
    const order = new SettleOrder()
    transport.fail = true
    const failed = order.track('failed', zk.setData('/a', 'y'))
    transport.fail = false
    const after = order.track('exists', zk.exists('/a'))
    await expect(failed).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
    await after
    expect(order.names).toEqual(['failed', 'exists'])
    expect(await settledNow(zk.getData('/a'))).toBe(true)
  })

  it('settles in order when earlier replies come through promises resolved out of their steps', async () => {
    const { zk, transport } = client()
    const order = new SettleOrder()
    transport.later = true
    const calls = ['/1', '/2', '/3'].map((path, i) => order.track(`create${i + 1}`, zk.create(path)))
    transport.later = false
    for (const { resolve } of transport.pending) resolve()
    const read = order.track('exists', zk.exists('/'))
    await Promise.all([...calls, read])
    expect(order.names).toEqual(['create1', 'create2', 'create3', 'exists'])
  })

  it('settles a refusal made at once after the earlier request still waiting for its reply', async () => {
    const { zk, transport } = client()
    const order = new SettleOrder()
    transport.later = true
    const first = order.track('getData', zk.getData('/a'))
    zk.sessionEnded('expired')
    const refused = order.track('refused', zk.exists('/a'))
    await Promise.resolve()
    transport.pending[0]?.resolve()
    await first
    await expect(refused).rejects.toMatchObject({ code: 'SESSIONEXPIRED' })
    expect(order.names).toEqual(['getData', 'refused'])
  })

  it('settles in request order even when the transport settles a later request first', async () => {
    const { zk, transport } = client()
    const order = new SettleOrder()
    transport.later = true
    const calls = ['/1', '/2', '/3'].map((path, i) => order.track(`setData${i + 1}`, zk.setData(path, 'v')))
    transport.pending[2]?.resolve()
    transport.pending[1]?.resolve()
    await Promise.resolve()
    transport.pending[0]?.resolve()
    await Promise.all(calls)
    expect(order.names).toEqual(['setData1', 'setData2', 'setData3'])
  })
})
