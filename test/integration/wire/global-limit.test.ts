// Method: a standalone server whose log writes are held at a gate, so writes stay in flight, and a
// small globalOutstandingLimit. Three TCP clients pipeline more creates than the limit together.
// The port must stop reading at the limit (mntr's outstanding count stays at it), report
// `throttled` in health, srvr and mntr, and once the gate opens answer every create and report
// `serving` again. ZooKeeper: ZooKeeperServer.shouldThrottle / globalOutstandingLimit.
import { afterEach, describe, expect, it } from 'vitest'
import { connect, createServer, type Server, type ServerHealth, type ZooKeeperClient } from '../../../lib/index.js'
import { createMemoryStorage, type Storage } from '../../../storage/index.js'
import { fourLetterWord } from './helpers.js'

const limit = 20
const perClient = 15
const quiet = { debug() {}, info() {}, warn() {} }

/** A MemoryStorage whose appends wait, once `close()` is called, until `open()` is. */
function gatedStorage(): { storage: Storage; open(): void; close(): void } {
  const inner = createMemoryStorage({ logger: quiet })
  let release: () => void = () => {}
  let gate: Promise<void> | undefined
  const storage = new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver)
      if (typeof value !== 'function') return value
      const method = (value as (...args: unknown[]) => unknown).bind(target)
      if (key !== 'append') return method
      return async (...args: unknown[]) => {
        if (gate !== undefined) await gate
        return method(...args)
      }
    },
  })
  return {
    storage,
    open: () => release(),
    close: () => {
      gate = new Promise((resolve) => (release = resolve))
    },
  }
}

let server: Server | undefined
const clients: ZooKeeperClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close()
  await server?.close()
})

/** Resolves once `read()` returns something `accept` takes, polling the port after each reply it gives. */
async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read()
    if (accept(value)) return value
  }
  throw new Error('condition never held')
}

describe('globalOutstandingLimit', () => {
  it('stops reading every connection at the limit, reports throttled, and serves all once the backlog drains', async () => {
    const gated = gatedStorage()
    const warnings: string[] = []
    server = await createServer({
      storage: gated.storage,
      port: 0,
      globalOutstandingLimit: limit,
      fourLetterWordsWhitelist: '*',
      clientPortLogger: { warn: (line) => warnings.push(line), info() {} },
    })
    const port = server.address!.port
    for (let i = 0; i < 3; i++) clients.push(await connect(server.connectString!))
    const events: ServerHealth[] = []
    server.onHealthChange((h) => events.push(h))
    gated.close()
    const creates = clients.flatMap((c, i) => Array.from({ length: perClient }, (_, j) => c.create(`/n-${i}-${j}`)))
    const throttled = await until(() => fourLetterWord(port, 'mntr'), (text) => text.includes('paddock_health\tthrottled'))
    expect(throttled).toContain(`zk_outstanding_requests\t${limit}\n`)
    expect(server.health.state).toBe('throttled')
    expect(server.health.reason).toMatch(/globalOutstandingLimit/)
    expect(await fourLetterWord(port, 'srvr')).toMatch(/^Health: throttled \(.*globalOutstandingLimit.*\)$/m)
    expect(warnings.join('\n')).toMatch(/client port throttled: 20 requests in flight \(globalOutstandingLimit 20\)/)
    gated.open()
    const created = await Promise.all(creates)
    expect(created).toHaveLength(3 * perClient)
    expect(server.health.state).toBe('serving')
    expect(events.map((e) => e.state)).toEqual(['throttled', 'serving'])
    const mntr = await fourLetterWord(port, 'mntr')
    expect(mntr).toContain('paddock_health\tserving\n')
    expect(mntr).toContain('zk_outstanding_requests\t0\n')
    expect(await fourLetterWord(port, 'srvr')).not.toMatch(/Health:/)
  })

  it('is off at 0: no connection stops reading for the port-wide count', async () => {
    const gated = gatedStorage()
    server = await createServer({ storage: gated.storage, port: 0, globalOutstandingLimit: 0, fourLetterWordsWhitelist: '*' })
    const port = server.address!.port
    for (let i = 0; i < 3; i++) clients.push(await connect(server.connectString!))
    gated.close()
    const creates = clients.flatMap((c, i) => Array.from({ length: perClient }, (_, j) => c.create(`/n-${i}-${j}`)))
    await until(() => fourLetterWord(port, 'mntr'), (text) => text.includes(`zk_outstanding_requests\t${3 * perClient}\n`))
    expect(server.health.state).toBe('serving')
    gated.open()
    await Promise.all(creates)
  })
})
