// Method: servers over a MemoryStorage whose log writes start failing on demand (as a full disk
// would make them); the server's health, its health events, what clients see, and that nothing
// escapes to the process as an uncaught exception or unhandled rejection.
import { connect as netConnect } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connect, CreateMode, createServer, startMember, type Server, type ServerHealth, type ZooKeeperClient } from '../../../lib/index.js'
import { MemoryHub } from '../../../lib/peer/memory.js'
import { createMemoryStorage, StorageError, type Storage } from '../../../storage/index.js'

const quiet = { debug() {}, info() {}, warn() {} }

/**
 * A MemoryStorage that refuses writes while `failing`, as a full disk makes LevelDB do: appends,
 * epoch writes and opening all reject with IO_ERROR (ENOSPC). Reads still work.
 */
function failableStorage(): { storage: Storage; fail(): void; heal(): void; corrupt(): void } {
  const inner = createMemoryStorage({ logger: quiet })
  let failing = false
  let corrupt = false
  const refused = new Set<string | symbol>(['append', 'open', 'setAcceptedEpoch', 'setCurrentEpoch'])
  const storage = new Proxy(inner, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver)
      if (typeof value !== 'function') return value
      const method = (value as (...args: unknown[]) => unknown).bind(target)
      if (!refused.has(key)) return method
      return (...args: unknown[]) => {
        if (corrupt && key === 'open') return Promise.reject(new StorageError('CORRUPTION', 'log record 0000000000000001 is corrupt: bad checksum'))
        if (failing) return Promise.reject(new StorageError('IO_ERROR', 'write failed: ENOSPC: no space left on device'))
        return method(...args)
      }
    },
  })
  return { storage, fail: () => (failing = true), heal: () => (failing = false), corrupt: () => (corrupt = true) }
}

/** Resolves with the first health `server` reports that `accept` takes (the current one included). */
function healthWhere(server: Server, accept: (health: ServerHealth) => boolean): Promise<ServerHealth> {
  if (accept(server.health)) return Promise.resolve(server.health)
  return new Promise((resolve) => {
    const stop = server.onHealthChange((health) => {
      if (!accept(health)) return
      stop()
      resolve(health)
    })
  })
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

  it('recovers from a storage that refused writes: recovering with the reason, in-flight writes CONNECTIONLOSS, retried until the disk has room, then serving again', async () => {
    const { storage, fail, heal } = failableStorage()
    const errors: string[] = []
    const error = console.error
    console.error = (line: string) => errors.push(line)
    let server: Server | undefined
    try {
      server = await createServer({ storage, port: 0, adminServerPort: 0, fourLetterWordsWhitelist: '*', clientPortLogger: { warn() {}, info() {} } })
      const events: ServerHealth[] = []
      server.onHealthChange((health) => events.push(health))
      const zk = await server.connect()
      await zk.create('/before')
      fail()
      await expect(zk.create('/after')).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
      expect(server.health.state).toBe('recovering')
      expect(server.health.reason).toMatch(/ENOSPC/)
      await expect(server.connect()).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
      // Rebuilding keeps failing while the disk refuses writes: each attempt is reported.
      await healthWhere(server, (h) => /attempt 3/.test(h.reason ?? ''))
      expect(server.health.state).toBe('recovering')
      // Where operators look: ruok stays silent, srvr and mntr (not serving) say why, /metrics has the state.
      const port = server.address!.port
      expect(await fourLetterWord(port, 'ruok')).toBe('')
      expect(await fourLetterWord(port, 'srvr')).toMatch(/^This ZooKeeper instance is not currently serving requests\nHealth: recovering \(storage failed \(.*ENOSPC.*\); reopening it and recovering \(attempt \d+\)\)\n$/)
      expect(await fourLetterWord(port, 'mntr')).toMatch(/^Health: recovering \(storage failed .*ENOSPC/m)
      const metrics = await (await fetch(`http://127.0.0.1:${server.adminAddress!.port}/metrics`)).text()
      expect(metrics).toContain('paddock_health{state="recovering"} 1\n')
      expect(metrics).toContain('paddock_health{state="serving"} 0\n')
      heal()
      await healthWhere(server, (h) => h.state === 'serving')
      const again = await server.connect()
      expect(await again.exists('/before')).not.toBeNull()
      // The write in flight when the disk filled never reached it, so it did not happen.
      expect(await again.exists('/after')).toBeNull()
      await again.create('/after')
      expect(await fourLetterWord(port, 'ruok')).toBe('imok')
      const healed = await (await fetch(`http://127.0.0.1:${server.adminAddress!.port}/metrics`)).text()
      expect(healed).toContain('paddock_health{state="serving"} 1\n')
      expect(events.map((e) => e.state).filter((s, i, all) => s !== all[i - 1])).toEqual(['recovering', 'serving'])
      expect(escaped).toEqual([])
      expect(errors.join('\n')).toMatch(/storage failed \(.*ENOSPC.*\); reopening it/)
      expect(errors.join('\n')).toMatch(/storage reopened: the member recovered/)
    } finally {
      console.error = error
      await server?.close()
    }
  })

  it('keeps a TCP client\'s session through a storage fault: it reconnects into the same session once the member recovers', async () => {
    const { storage, fail, heal } = failableStorage()
    const error = console.error
    console.error = () => {}
    let server: Server | undefined
    let zk: ZooKeeperClient | undefined
    try {
      server = await createServer({ storage, port: 0, clientPortLogger: { warn() {}, info() {} } })
      zk = await connect(server.connectString!, { sessionTimeoutMs: 30_000 })
      const sessionId = zk.sessionId
      await zk.create('/kept', 'v', { mode: CreateMode.EPHEMERAL })
      fail()
      await expect(zk.setData('/kept', new Uint8Array([1]))).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
      heal()
      await healthWhere(server, (h) => h.state === 'serving')
      // The client retries on its own; the session and its ephemeral survived.
      const data = await retry(() => zk!.getData('/kept'))
      expect(new TextDecoder().decode(data.data)).toBe('v')
      expect(zk.sessionId).toBe(sessionId)
      expect(escaped).toEqual([])
    } finally {
      console.error = error
      await zk?.close()
      await server?.close()
    }
  })

  it('reports a corrupt store found while recovering as failed, for good', async () => {
    const { storage, fail, corrupt } = failableStorage()
    const error = console.error
    console.error = () => {}
    let server: Server | undefined
    try {
      server = await createServer({ storage })
      const zk = await server.connect()
      await zk.create('/x')
      // The disk refuses a write; then, while the member reopens it, its log turns out corrupt.
      corrupt()
      fail()
      await expect(zk.create('/y')).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })
      const health = await healthWhere(server, (h) => h.state === 'failed')
      expect(health.reason).toMatch(/corrupt/)
      expect(escaped).toEqual([])
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
      expect(seen[0]).toBe('recovering')
      expect(escaped).toEqual([])
      await server.close()
    } finally {
      console.error = error
    }
  })
})

/** Calls `read` until it stops failing with CONNECTIONLOSS (the client reconnecting). */
async function retry<T>(read: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await read()
    } catch (e) {
      if (i >= 50 || (e as { code?: string }).code !== 'CONNECTIONLOSS') throw e
    }
  }
}

/** Sends a four-letter word on a fresh connection and returns everything the server writes before closing. */
function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => socket.write(word))
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}
