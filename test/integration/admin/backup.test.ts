// Method: standalone servers on LevelDB in temporary dataDirs with the admin server on port 0;
// a backup streamed over HTTP while a bounded loop of acknowledged writes runs, decoded with the
// ZooKeeper snapshot codec and checked node by node against the state those acknowledgements
// imply at the backup's zxid; then restored into a second server, read back by a client, and
// survived a restart; hostile bodies are refused and change nothing. Every request authenticates
// (the ACL of `/` is open, so any digest credential holds ALL; admin-auth.test.ts covers refusals).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { adminRequest } from '../helpers/admin-request.js'
import { createServer } from '../../../lib/host/server.js'
import type { ServerOptions } from '../../../lib/host/types.js'
import { decodeZkSnapshot } from '../../../lib/migrate/zk-snapshot.js'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paddock-backup-'))
  dirs.push(dir)
  return dir
}

const enabled: ServerOptions = { adminServerPort: 0, adminSnapshotEnabled: true, adminRestoreEnabled: true, adminRateLimiterIntervalMs: 0 }

const http = (port: number, method: 'GET' | 'POST', path: string, body?: Uint8Array) => adminRequest(port, method, path, body)

const text = (data: Uint8Array) => Buffer.from(data).toString()

describe('admin snapshot and restore', () => {
  it('streams a backup under write load that holds exactly the acknowledged state at its zxid, and restores it', async () => {
    const source = await createServer({ ...enabled, dataDir: await tempDir() })
    const target = await createServer({ ...enabled, dataDir: await tempDir() })
    try {
      const client = await source.connect()
      await client.create('/load', 'root')
      const nodes = Array.from({ length: 20 }, (_, i) => `/load/n${i}`)
      for (const path of nodes) await client.create(path, 'init')
      const acks: { path: string; data: string; version: number; mzxid: number }[] = []
      let stop = false
      const writes = (async () => {
        // Bounded: at most 2,000 writes, and it stops once the backup is in.
        for (let i = 0; i < 2_000 && !stop; i++) {
          const path = nodes[i % nodes.length]!
          const stat = await client.setData(path, `v${i}`)
          acks.push({ path, data: `v${i}`, version: stat.version, mzxid: stat.mzxid })
        }
      })()
      while (acks.length < 50) await new Promise((resolve) => setImmediate(resolve))
      const port = source.adminAddress!.port
      const backup = await http(port, 'GET', '/commands/snapshot?streaming=true')
      stop = true
      await writes
      expect(backup.status).toBe(200)
      expect(backup.headers['content-type']).toBe('application/octet-stream')
      expect(Number(backup.headers['snapshot_size'])).toBe(backup.body.length)
      const zxid = Number(backup.headers['last_zxid'])
      const snapshot = decodeZkSnapshot(backup.body, 'backup')
      expect(snapshot.lastProcessedZxid).toBe(zxid)

      // The expected state: for each node, the last acknowledged write at or before the zxid.
      const expected = new Map(nodes.map((p) => [p, { data: 'init', version: 0 }]))
      for (const ack of acks) if (ack.mzxid <= zxid) expected.set(ack.path, { data: ack.data, version: ack.version })
      expect(acks.some((a) => a.mzxid > zxid) || acks.length === 2_000).toBe(true)
      const byPath = new Map(snapshot.nodes.map((n) => [n.path, n]))
      for (const [path, want] of expected) {
        const node = byPath.get(path)!
        expect({ path, data: text(node.data), version: node.stat.version }).toEqual({ path, ...want })
      }

      const restored = await http(target.adminAddress!.port, 'POST', '/commands/restore', backup.body)
      expect(restored.status).toBe(200)
      const answer = JSON.parse(restored.body.toString()) as { last_zxid: number; restored_zxid: string; error: null }
      expect(answer).toMatchObject({ last_zxid: zxid, error: null })
      expect(Number(answer.restored_zxid)).toBeGreaterThan(zxid)
      const reader = await target.connect()
      for (const [path, want] of expected) {
        const { data, stat } = await reader.getData(path)
        const node = byPath.get(path)!
        expect({ data: text(data), version: stat.version, mzxid: stat.mzxid, czxid: stat.czxid }).toEqual({ ...want, mzxid: node.stat.mzxid, czxid: node.stat.czxid })
      }
      expect((await reader.getChildren('/load')).length).toBe(nodes.length)
      // New writes continue past the restored history.
      const after = await reader.setData('/load', 'after')
      expect(after.mzxid).toBeGreaterThan(Number(answer.restored_zxid))
      await reader.close()
      await client.close()
    } finally {
      await source.close()
      await target.close()
    }
  }, 60_000)

  it('keeps a restore across a restart', async () => {
    const dir = await tempDir()
    const source = await createServer({ ...enabled, dataDir: await tempDir() })
    const client = await source.connect()
    await client.create('/kept', 'yes')
    const backup = await http(source.adminAddress!.port, 'GET', '/commands/snap')
    await client.close()
    await source.close()
    const first = await createServer({ ...enabled, dataDir: dir })
    expect((await http(first.adminAddress!.port, 'POST', '/commands/rest', backup.body)).status).toBe(200)
    await first.close()
    const second = await createServer({ dataDir: dir })
    try {
      const reader = await second.connect()
      expect(text((await reader.getData('/kept')).data)).toBe('yes')
      await reader.close()
    } finally {
      await second.close()
    }
  }, 60_000)

  it('refuses truncated, corrupt and empty bodies with 400 and changes nothing', async () => {
    const server = await createServer({ ...enabled, dataDir: await tempDir() })
    try {
      const client = await server.connect()
      await client.create('/before', 'x')
      const port = server.adminAddress!.port
      const good = (await http(port, 'GET', '/commands/snapshot')).body
      const flipped = Buffer.from(good)
      flipped[40] = flipped[40]! ^ 0xff
      const zxid = server.lastZxid
      for (const body of [good.subarray(0, good.length - 7), good.subarray(0, 30), flipped, Buffer.from('not a snapshot at all'), Buffer.alloc(0)]) {
        const reply = await http(port, 'POST', '/commands/restore', body)
        expect(reply.status).toBe(400)
        expect(String((JSON.parse(reply.body.toString()) as { error: string }).error)).not.toBe('null')
      }
      expect(server.lastZxid).toBe(zxid)
      expect(text((await client.getData('/before')).data)).toBe('x')
      await client.close()
    } finally {
      await server.close()
    }
  }, 60_000)

  it('answers 503 while disabled, 405 for the wrong method, 409 for a server without a dataDir, 429 when rate limited', async () => {
    const off = await createServer({ adminServerPort: 0 })
    const memory = await createServer({ ...enabled, adminRateLimiterIntervalMs: 60_000 })
    try {
      const disabled = await http(off.adminAddress!.port, 'GET', '/commands/snapshot')
      expect(disabled.status).toBe(503)
      expect(disabled.body.toString()).toContain('admin.snapshot.enabled')
      expect((await http(off.adminAddress!.port, 'POST', '/commands/restore', Buffer.from('x'))).status).toBe(503)
      expect((await http(memory.adminAddress!.port, 'GET', '/commands/restore')).status).toBe(405)
      const snap = await http(memory.adminAddress!.port, 'GET', '/commands/snapshot?streaming=false')
      expect(snap.status).toBe(200)
      expect(snap.headers['last_zxid']).toMatch(/^0x[0-9a-f]+$/)
      expect(JSON.parse(snap.body.toString())).toMatchObject({ command: 'snapshot', error: null })
      expect((await http(memory.adminAddress!.port, 'GET', '/commands/snapshot')).status).toBe(429)
      const refused = await http(memory.adminAddress!.port, 'POST', '/commands/restore', Buffer.from('x'))
      expect(refused.status).toBe(409)
      expect(refused.body.toString()).toContain('dataDir')
    } finally {
      await off.close()
      await memory.close()
    }
  }, 60_000)
})
