// Method: `paddock data backup` and `restore` run in-process (runDataCommand) against real
// standalone servers on loopback with the admin server on port 0 (over HTTPS with client
// certificates openssl makes for the run, for the x509 scheme); the file written, the exit codes
// and the messages are checked, and a refused backup leaves no file behind.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { connect } from '../../../lib/client/tcp.js'
import { runDataCommand } from '../../../lib/cli/data-command.js'
import { digestId } from '../../../lib/digest.js'
import { createServer } from '../../../lib/host/server.js'
import { Perms } from '../../../lib/protocol/data.js'
import { makeCertificates, pem } from '../tls/certs.js'

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
const quiet = { info: () => {}, warn: () => {} }

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
      expect(await runDataCommand(['backup', '--connect', `127.0.0.1:${source.adminAddress!.port}`, '--auth', 'digest:backup:secret', file], backup.io)).toBe(0)
      expect(backup.out.join('\n')).toMatch(/backed up zxid 0x[0-9a-f]+, \d+ bytes/)
      expect(await readdir(dir)).toEqual(['backup.snap'])
      const restore = io()
      expect(await runDataCommand(['restore', '--connect', `127.0.0.1:${target.adminAddress!.port}`, '--auth', 'digest:backup:secret', file], restore.io)).toBe(0)
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
      expect(await runDataCommand(['backup', '--connect', `127.0.0.1:${server.adminAddress!.port}`, '--auth', 'digest:backup:secret', file], run.io)).toBe(1)
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

  it('sends --auth and --auth-file as the Authorization header, and says what to do when the server answers 401', async () => {
    const dir = await tempDir()
    const server = await createServer({ ...enabled, port: 0, dataDir: await tempDir(), clientPortLogger: quiet })
    try {
      const zk = await connect(server.connectString ?? '')
      await zk.create('/guarded', 'yes')
      await zk.setACL('/', [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('backup:secret') } }])
      await zk.close()
      const adminAt = ['--connect', `127.0.0.1:${server.adminAddress!.port}`]
      const file = join(dir, 'guarded.snap')
      const none = io()
      expect(await runDataCommand(['backup', ...adminAt, file], none.io)).toBe(1)
      expect(none.err.join('\n')).toContain('HTTP 401: Auth info is missing for the command (give credentials with --auth or --auth-file')
      const wrong = io()
      expect(await runDataCommand(['backup', ...adminAt, '--auth', 'digest:backup:wrong', file], wrong.io)).toBe(1)
      expect(wrong.err.join('\n')).toContain('HTTP 403: Not authorized')
      expect(await readdir(dir)).toEqual([])
      const credentials = join(dir, 'credentials')
      await writeFile(credentials, 'digest:backup:secret\n', { mode: 0o600 })
      const fromFile = io()
      expect(await runDataCommand(['backup', ...adminAt, '--auth-file', credentials, file], fromFile.io)).toBe(0)
      expect(existsSync(file)).toBe(true)
      const restore = io()
      expect(await runDataCommand(['restore', ...adminAt, '--auth', 'digest:backup:secret', file], restore.io)).toBe(0)
      expect(restore.out.join('\n')).toMatch(/restored \d+ znodes/)
      for (const bad of [['--auth', ' :x'], ['--auth', 'digest user:pw'], ['--auth', 'ip', '--auth-file', credentials]]) {
        expect(await runDataCommand(['backup', ...adminAt, ...bad, join(dir, 'x.snap')], io().io), bad.join(' ')).toBe(2)
      }
    } finally {
      await server.close()
    }
  }, 60_000)

  it('backs up over HTTPS with a client certificate and the x509 scheme (admin.needClientAuth)', async () => {
    const certs = await makeCertificates(await tempDir())
    const tls = { keyStore: { location: certs.server.keyStore }, needClientAuth: true, ca: pem(certs.ca) }
    const server = await createServer({ ...enabled, dataDir: await tempDir(), adminServerTls: tls })
    try {
      const file = join(certs.dir, 'x509.snap')
      const flags = ['--connect', `127.0.0.1:${server.adminAddress!.port}`, '--ca', certs.ca, '--cert', certs.alice.cert, '--key', certs.alice.key]
      const run = io()
      expect(await runDataCommand(['backup', ...flags, '--auth', 'x509', file], run.io)).toBe(0)
      expect(run.out.join('\n')).toMatch(/backed up zxid 0x[0-9a-f]+/)
      const plain = io()
      expect(await runDataCommand(['backup', '--connect', `127.0.0.1:${server.adminAddress!.port}`, '--auth', 'x509', join(certs.dir, 'plain.snap')], plain.io)).toBe(1)
    } finally {
      await server.close()
    }
  }, 60_000)
})
