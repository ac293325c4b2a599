// Method: three members in one process over a MemoryHub, each on its own memory database (kept
// across a member's restart), each with an admin server on port 0 with restore enabled. A backup
// is streamed over HTTP, the tree changed after it, and the backup POSTed to the leader: every
// member must end on the backup's tree, node by node with Stat, at the same zxid, and writes go on
// above every zxid the backup carries. Followers refuse a restore and name the leader.
import { afterEach, describe, expect, it } from 'vitest'
import { adminRequest } from '../helpers/admin-request.js'
import type { ServerSpec } from '../../../lib/config/zoo-cfg.js'
import { MemoryHub } from '../../../lib/peer/memory.js'
import { startMember } from '../../../lib/host/server.js'
import type { MemberServer } from '../../../lib/host/types.js'
import type { ZooKeeperClient } from '../../../lib/client/types.js'
import { CreateMode } from '../../../lib/index.js'
import { epochOf } from '../../../lib/protocol/zxid.js'
import { createMemoryDb, createMemoryStorage } from '../../../storage/index.js'

const quiet = { info() {}, error() {}, debug() {}, warn() {} }
const running: MemberServer[] = []
afterEach(async () => {
  for (const m of running.splice(0)) await m.close()
})

const http = (port: number, method: 'GET' | 'POST', path: string, body?: Uint8Array) => adminRequest(port, method, path, body)

function specs(n: number): ServerSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1, host: '127.0.0.1', quorumPort: 1, electionPort: 2, role: 'participant', clientAddress: undefined, clientPort: undefined,
  }))
}

async function cluster(n: number) {
  const hub = new MemoryHub()
  const servers = specs(n)
  const dbs = servers.map(() => createMemoryDb())
  const members = new Map<number, MemberServer>()
  const start = async (id: number) => {
    const member = await startMember({
      myid: id, servers, hub, storage: createMemoryStorage({ db: dbs[id - 1], logger: quiet }), tickTimeMs: 200, logger: quiet, seed: id,
      adminServerPort: 0, adminSnapshotEnabled: true, adminRestoreEnabled: true, adminRateLimiterIntervalMs: 0,
    })
    running.push(member)
    members.set(id, member)
    return member
  }
  await Promise.all(servers.map((s) => start(s.id)))
  await Promise.all([...members.values()].map((m) => m.waitUntilServing(20_000)))
  return { members, start }
}

const text = (data: Uint8Array) => Buffer.from(data).toString()

/** Every node under `root` with its data and Stat, read through `client` after a sync. */
async function dump(client: ZooKeeperClient, root: string): Promise<Map<string, unknown>> {
  await client.sync(root)
  const out = new Map<string, unknown>()
  const visit = async (path: string): Promise<void> => {
    const { data, stat } = await client.getData(path)
    out.set(path, { data: text(data), stat })
    for (const child of (await client.getChildren(path)).sort()) await visit(path === '/' ? `/${child}` : `${path}/${child}`)
  }
  await visit(root)
  return out
}

function leaderOf(members: Map<number, MemberServer>): MemberServer {
  const leader = [...members.values()].find((m) => m.mode === 'leader')
  if (leader === undefined) throw new Error(`no leader among ${[...members.values()].map((m) => m.mode).join(', ')}`)
  return leader
}

describe('restore into an ensemble', () => {
  it('puts every member on the backup, at one zxid past every zxid it carries, and writes go on', async () => {
    const { members } = await cluster(3)
    const writer = await leaderOf(members).connect()
    await writer.create('/app', 'v1')
    for (let i = 0; i < 10; i++) await writer.create(`/app/n${i}`, `value ${i}`)
    await writer.create('/app/seq-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })
    const before = await dump(writer, '/app')
    const follower = [...members.values()].find((m) => m.mode === 'follower')!
    const backup = await http(follower.adminAddress!.port, 'GET', '/commands/snapshot?streaming=true')
    expect(backup.status).toBe(200)
    // Changed after the backup: all of it must be gone after the restore.
    await writer.setData('/app', 'v2')
    await writer.delete('/app/n0')
    await writer.create('/later', 'x')
    await writer.close()

    const leader = leaderOf(members)
    const refused = await http(follower.adminAddress!.port, 'POST', '/commands/restore', backup.body)
    expect(refused.status).toBe(409)
    expect(JSON.parse(refused.body.toString()).error).toContain(`send it to member ${leader.myid}'s admin server`)

    const restored = await http(leader.adminAddress!.port, 'POST', '/commands/restore', backup.body)
    expect(restored.status, restored.body.toString()).toBe(200)
    const answer = JSON.parse(restored.body.toString()) as { last_zxid: number; restored_zxid: string }
    const restoredZxid = Number(answer.restored_zxid)
    expect(epochOf(restoredZxid)).toBeGreaterThan(epochOf(answer.last_zxid))

    await Promise.all([...members.values()].map((m) => m.waitUntilServing(20_000)))
    for (const member of members.values()) {
      const reader = await member.connect()
      expect(await dump(reader, '/app'), `member ${member.myid}`).toEqual(before)
      expect(await reader.exists('/later')).toBeNull()
      await reader.close()
    }
    const again = await leaderOf(members).connect()
    const stat = await again.setData('/app', 'after')
    expect(stat.mzxid).toBeGreaterThan(restoredZxid)
    expect(epochOf(stat.mzxid)).toBeGreaterThan(epochOf(restoredZxid))
    // Sequence numbers come from the parent's cversion, which comes back with the tree: 11 child
    // creates before the backup (the delete after it, which made it 12, is undone).
    expect(await again.create('/app/seq-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })).toBe('/app/seq-0000000011')
    await again.close()
  }, 60_000)

  it('keeps the restore across a restart of every member', async () => {
    const { members, start } = await cluster(3)
    const writer = await leaderOf(members).connect()
    await writer.create('/kept', 'yes')
    const backup = await http(leaderOf(members).adminAddress!.port, 'GET', '/commands/snapshot?streaming=true')
    await writer.create('/dropped', 'no')
    await writer.close()
    expect((await http(leaderOf(members).adminAddress!.port, 'POST', '/commands/restore', backup.body)).status).toBe(200)
    for (const member of [...members.values()]) {
      await member.close()
      running.splice(running.indexOf(member), 1)
    }
    for (const id of [1, 2, 3]) await start(id)
    await Promise.all([...members.values()].map((m) => m.waitUntilServing(20_000)))
    for (const member of members.values()) {
      const reader = await member.connect()
      await reader.sync('/')
      expect(text((await reader.getData('/kept')).data)).toBe('yes')
      expect(await reader.exists('/dropped')).toBeNull()
      await reader.close()
    }
  }, 60_000)

  it('brings a member that was down during the restore onto the backup when it returns', async () => {
    const { members, start } = await cluster(3)
    const writer = await leaderOf(members).connect()
    await writer.create('/kept', 'yes')
    const backup = await http(leaderOf(members).adminAddress!.port, 'GET', '/commands/snapshot?streaming=true')
    await writer.create('/dropped', 'no')
    await writer.close()
    const away = [...members.values()].find((m) => m.mode === 'follower')!
    await away.close()
    running.splice(running.indexOf(away), 1)
    expect((await http(leaderOf(members).adminAddress!.port, 'POST', '/commands/restore', backup.body)).status).toBe(200)
    const back = await start(away.myid)
    await back.waitUntilServing(20_000)
    const reader = await back.connect()
    await reader.sync('/')
    expect(text((await reader.getData('/kept')).data)).toBe('yes')
    expect(await reader.exists('/dropped')).toBeNull()
    await reader.close()
  }, 60_000)
})
