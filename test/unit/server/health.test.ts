// Method: servers over a MemoryStorage whose log writes start failing on demand (as a full disk
// would make them); the server's health, its health events, what clients see, and that nothing
// escapes to the process as an uncaught exception or unhandled rejection.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createServer, startMember, type Server, type ServerHealth } from '../../../lib/index.js'
import { MemoryHub } from '../../../lib/peer/memory.js'
import { createMemoryStorage, StorageError, type Storage } from '../../../storage/index.js'

const quiet = { debug() {}, info() {}, warn() {} }

/** A MemoryStorage whose appends reject with IO_ERROR once `failing` is set. */
function failableStorage(): { storage: Storage; fail(): void } {
  const inner = createMemoryStorage({ logger: quiet })
  let failing = false
  const storage = new Proxy(inner, {
    get(target, key, receiver) {
      if (key === 'append') {
        return (entries: Parameters<Storage['append']>[0]) =>
          failing ? Promise.reject(new StorageError('IO_ERROR', 'write failed: ENOSPC: no space left on device')) : target.append(entries)
      }
      const value: unknown = Reflect.get(target, key, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { storage, fail: () => (failing = true) }
}

let escaped: unknown[] = []
const onEscape = (error: unknown) => escaped.push(error)
beforeEach(() => {
  escaped = []
  process.on('uncaughtException', onEscape)
  process.on('unhandledRejection', onEscape)
})
afterEach(() => {
  process.off('uncaughtException', onEscape)
  process.off('unhandledRejection', onEscape)
})

describe('server health', () => {
  it('reports serving once a standalone server is up', async () => {
    const server = await createServer()
    expect(server.health).toEqual({ state: 'serving' })
    await server.close()
  })

  it('reports looking, with the reason, for an ensemble member that has no quorum', async () => {
    const servers = [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', quorumPort: 0, electionPort: 0, role: 'participant' as const, clientAddress: undefined, clientPort: undefined }))
    const lonely = await startMember({ myid: 1, servers, storage: createMemoryStorage({ logger: quiet }), hub: new MemoryHub(), logger: { info() {}, error() {} } })
    expect(lonely.health.state).toBe('looking')
    expect(lonely.health.reason).toMatch(/no established leader/)
    await lonely.close()
  })

  it('fails the member, not the process, when a log write fails: health failed with the reason, an event, writes refused', async () => {
    const { storage, fail } = failableStorage()
    const errors: string[] = []
    const error = console.error
    console.error = (line: string) => errors.push(line)
    let server: Server | undefined
    try {
      server = await createServer({ storage })
      const events: ServerHealth[] = []
      server.onHealthChange((health) => events.push(health))
      const zk = await server.connect()
      await zk.create('/before')
      fail()
      await expect(zk.create('/after')).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
      expect(server.health.state).toBe('failed')
      expect(server.health.reason).toMatch(/ENOSPC/)
      expect(events.map((e) => e.state)).toEqual(['failed'])
      await expect(server.connect()).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
      expect(escaped).toEqual([])
      expect(errors.join('\n')).toMatch(/stopping the member: .*ENOSPC/)
    } finally {
      console.error = error
      await server?.close()
    }
  })

  it('keeps calling the other health listeners when one throws', async () => {
    const { storage, fail } = failableStorage()
    const error = console.error
    console.error = () => {}
    try {
      const server = await createServer({ storage })
      const seen: string[] = []
      server.onHealthChange(() => {
        throw new Error('listener bug')
      })
      const stop = server.onHealthChange((health) => seen.push(health.state))
      const zk = await server.connect()
      fail()
      await expect(zk.create('/x')).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
      stop()
      expect(seen).toEqual(['failed'])
      expect(escaped).toEqual([])
      await server.close()
    } finally {
      console.error = error
    }
  })
})
