// Method: members on a MemoryHub whose handlers throw on chosen messages; check the error stays
// inside the transport (the connection breaks, the log says why) and that a ZabInvariantError
// reaches `fatal`, or closes the transport when there is no `fatal`.
import { describe, expect, it } from 'vitest'
import { MemoryHub, type PeerHandler } from '../../../lib/peer/index.js'
import { ZabInvariantError } from '../../../lib/zab/index.js'

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

function refusing(fatal?: (error: ZabInvariantError) => void) {
  const seen: string[] = []
  const lost: string[] = []
  const handler: PeerHandler = {
    message: (from, _channel, message) => {
      if (message === 'bad') throw new TypeError('not a ZAB message')
      if (message === 'broken') throw new ZabInvariantError('zxids went backwards')
      seen.push(`${from}:${String(message)}`)
    },
    disconnected: (peer, channel) => lost.push(`${peer}/${channel}`),
    ...(fatal === undefined ? {} : { fatal }),
  }
  return { handler, seen, lost }
}

describe('MemoryTransport error boundary', () => {
  it('breaks the connection a refused message came on and logs why, without throwing', async () => {
    const lines: string[] = []
    const hub = new MemoryHub((line) => lines.push(line))
    const one = hub.join(1, refusing().handler)
    const two = refusing()
    hub.join(2, two.handler)
    one.send(2, 'quorum', 'bad')
    await turn()
    expect(two.lost.sort()).toEqual(['1/quorum'])
    expect(lines.join('\n')).toMatch(/member 1's quorum connection: TypeError: not a ZAB message; connection broken/)
    one.send(2, 'quorum', 'fine')
    await turn()
    expect(two.seen).toEqual(['1:fine'])
  })

  it('hands a ZabInvariantError to fatal', async () => {
    const fatal: ZabInvariantError[] = []
    const hub = new MemoryHub()
    const one = hub.join(1, refusing().handler)
    hub.join(2, refusing((error) => fatal.push(error)).handler)
    one.send(2, 'quorum', 'broken')
    await turn()
    expect(fatal.map((e) => e.message)).toEqual(['zxids went backwards'])
  })

  it('closes the transport on a ZabInvariantError when the handler has no fatal', async () => {
    const hub = new MemoryHub()
    const one = hub.join(1, refusing().handler)
    hub.join(2, refusing().handler)
    one.send(2, 'quorum', 'broken')
    await turn()
    expect(hub.member(2)).toBeUndefined()
    expect(one.connected(2, 'quorum')).toBe(false)
  })
})
