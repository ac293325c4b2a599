// Method: three members in one process over a MemoryHub, each with a real client port on a fixed
// loopback port and readonlymode.enabled; two are closed, so the third loses its quorum and turns
// read-only (ZooKeeper's ReadOnlyZooKeeperServer); one comes back and the survivor rejoins.
import { afterEach, describe, expect, it } from 'vitest'
import type { ServerSpec } from '../../../lib/config/zoo-cfg.js'
import { MemoryHub } from '../../../lib/peer/memory.js'
import { startMember } from '../../../lib/host/server.js'
import type { MemberServer } from '../../../lib/host/types.js'
import { connect } from '../../../lib/client/tcp.js'
import type { ZooKeeperClient } from '../../../lib/client/types.js'
import { nextSessionEvent } from '../../../lib/testing/wait.js'
import { createMemoryDb, createMemoryStorage } from '../../../storage/index.js'
import { freePorts } from '../../interop/harness/ports.js'
import { fourLetterWord } from '../../interop/harness/four-letter.js'

const quiet = { info() {}, error() {}, debug() {}, warn() {} }
const running: MemberServer[] = []
const clients: ZooKeeperClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close()
  for (const m of running.splice(0)) await m.close()
})

async function waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

async function ensemble() {
  const hub = new MemoryHub()
  const ports = await freePorts(3)
  const servers: ServerSpec[] = ports.map((_, i) => ({
    id: i + 1, host: '127.0.0.1', quorumPort: 1, electionPort: 2, role: 'participant', clientAddress: undefined, clientPort: undefined,
  }))
  const dbs = servers.map(() => createMemoryDb())
  const start = async (id: number) => {
    const storage = createMemoryStorage({ db: dbs[id - 1], logger: quiet })
    const m = await startMember({ myid: id, servers, hub, storage, port: ports[id - 1], tickTimeMs: 200, logger: quiet, clientPortLogger: quiet, seed: id, readOnlyModeEnabled: true, fourLetterWordsWhitelist: '*' })
    running.push(m)
    return m
  }
  const members = await Promise.all(servers.map((s) => start(s.id)))
  await Promise.all(members.map((m) => m.waitUntilServing(20_000)))
  const connectString = ports.map((p) => `127.0.0.1:${p}`).join(',')
  return { members, ports, start, connectString }
}

async function stop(member: MemberServer): Promise<void> {
  running.splice(running.indexOf(member), 1)
  await member.close()
}

describe('read-only mode (readonlymode.enabled)', () => {
  it('serves reads to read-only clients without a quorum, refuses writes, then rejoins and the client finds a read-write member', async () => {
    const { members, ports, start, connectString } = await ensemble()
    const writer = await connect(connectString)
    await writer.create('/ro', 'before')
    await writer.close()
    const survivor = members.find((m) => m.mode === 'follower')!
    const survivorPort = ports[members.indexOf(survivor)]!
    const gone = members.filter((m) => m !== survivor)
    await Promise.all(gone.map(stop))

    // QuorumPeer: read-only only after max(2000 ms, tickTime) of looking.
    await waitFor(() => survivor.mode === 'looking', 'the survivor looks for a leader', 10_000)
    const lookingSince = Date.now()
    expect(await fourLetterWord('127.0.0.1', survivorPort, 'isro')).toBe('rw')
    await waitFor(() => survivor.mode === 'read-only', 'the survivor turns read-only', 10_000)
    expect(Date.now() - lookingSince).toBeGreaterThanOrEqual(1_500)
    expect(await fourLetterWord('127.0.0.1', survivorPort, 'isro')).toBe('ro')
    expect(await fourLetterWord('127.0.0.1', survivorPort, 'srvr')).toContain('Mode: read-only')
    expect(await fourLetterWord('127.0.0.1', survivorPort, 'ruok')).toBe('imok')

    // A client that did not ask for read-only is refused (its connection closed unanswered).
    await expect(connect(`127.0.0.1:${survivorPort}`, { initialConnectTimeoutMs: 1_500 })).rejects.toMatchObject({ code: 'CONNECTIONLOSS' })

    const zk = await connect(connectString, { canBeReadOnly: true, sessionTimeoutMs: 10_000 })
    clients.push(zk)
    expect(zk.state).toBe('ConnectedReadOnly')
    const roSession = zk.sessionId
    expect(new TextDecoder().decode((await zk.getData('/ro')).data)).toBe('before')
    expect(await zk.getChildren('/')).toContain('ro')
    await expect(zk.create('/nope', '')).rejects.toMatchObject({ code: 'NOTREADONLY' })
    await expect(zk.setData('/ro', 'x')).rejects.toMatchObject({ code: 'NOTREADONLY' })
    await expect(zk.delete('/ro')).rejects.toMatchObject({ code: 'NOTREADONLY' })
    await expect(zk.sync('/ro')).rejects.toMatchObject({ code: 'NOTREADONLY' })
    // The read-only session is the member's own: counted there, never replicated.
    expect(survivor.sessionCount).toBe(1)

    // One member comes back: a quorum again; the survivor drops its read-only clients and the
    // client, which looked for a read-write member meanwhile, lands on one with a new session.
    const connected = nextSessionEvent(zk, 'connected', 20_000)
    const back = await start(members.indexOf(gone[0]!) + 1)
    await back.waitUntilServing(20_000)
    await connected
    expect(zk.state).toBe('SyncConnected')
    expect(zk.sessionId).not.toBe(roSession)
    expect(await zk.create('/after', 'ok')).toBe('/after')
    await waitFor(() => survivor.mode === 'leader' || survivor.mode === 'follower', 'the survivor rejoins', 20_000)
    expect(await fourLetterWord('127.0.0.1', survivorPort, 'isro')).toBe('rw')
  }, 60_000)
})
