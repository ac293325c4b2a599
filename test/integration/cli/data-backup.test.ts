// Method: `paddock data backup` and `restore` run in-process (runDataCommand) against real
// standalone servers on loopback with the admin server on port 0; the file written, the exit
// codes and the messages are checked, and a refused backup leaves no file behind.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runDataCommand } from '../../../lib/cli/data-command.js'
import { createServer } from '../../../lib/host/server.js'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paddock-cli-backup-'))
  dirs.push(dir)
  return dir
}

function io() {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) } }
}

const enabled = { adminServerPort: 0, adminSnapshotEnabled: true, adminRestoreEnabled: true, adminRateLimiterIntervalMs: 0 }

describe('paddock data backup / restore', () => {
  it('backs up into a file and restores it into another server', async () => {
    const dir = await tempDir()
    const source = await createServer({ ...enabled, dataDir: await tempDir() })
    const target = await createServer({ ...enabled, dataDir: await tempDir() })
    try {
      const client = await source.connect()
      await client.create('/cli', 'data')
      await client.close()
      const file = join(dir, 'backup.snap')
      const backup = io()
      expect(await runDataCommand(['backup', '--connect', `127.0.0.1:${source.adminAddress!.port}`, file], backup.io)).toBe(0)
      expect(backup.out.join('\n')).toMatch(/backed up zxid 0x[0-9a-f]+, \d+ bytes/)
      expect(await readdir(dir)).toEqual(['backup.snap'])
      const restore = io()
      expect(await runDataCommand(['restore', '--connect', `127.0.0.1:${target.adminAddress!.port}`, file], restore.io)).toBe(0)
      expect(restore.out.join('\n')).toMatch(/restored \d+ znodes/)
      const reader = await target.connect()
      expect(Buffer.from((await reader.getData('/cli')).data).toString()).toBe('data')
      await reader.close()
    } finally {
      await source.close()
      await target.close()
    }
  }, 60_000)

  it('exits non-zero with the server\'s reason and leaves no file when the backup is refused', async () => {
    const dir = await tempDir()
    const server = await createServer({ adminServerPort: 0 })
    try {
      const file = join(dir, 'refused.snap')
      const run = io()
      expect(await runDataCommand(['backup', '--connect', `127.0.0.1:${server.adminAddress!.port}`, file], run.io)).toBe(1)
      expect(run.err.join('\n')).toContain('admin.snapshot.enabled')
      expect(existsSync(file)).toBe(false)
      expect(await readdir(dir)).toEqual([])
      const usage = io()
      expect(await runDataCommand(['backup', '--connect', 'nonsense', file], usage.io)).toBe(2)
      const missing = io()
      expect(await runDataCommand(['restore', '--connect', `127.0.0.1:${server.adminAddress!.port}`, join(dir, 'none.snap')], missing.io)).toBe(1)
    } finally {
      await server.close()
    }
  }, 60_000)
})
