// Method: Apache ZooKeeper 3.8 builds a tree of every node type (part in a snapshot, part only in
// its txn log); it is imported into a Paddock dataDir, served by Paddock and compared node by node
// (data, Stat, ACL) with what Apache served; then exported and served by Apache again and compared.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { connect, createServer, CreateMode, type ACL, type ZooKeeperClient } from '../../lib/index.js'
import { exportToZooKeeper, importZooKeeperDataDir, verifyDataDir } from '../../lib/migrate/index.js'
import { apacheUnavailableReason, javaPath, zookeeperConfDir, zookeeperJar } from './harness/apache.js'
import { fourLetterWord } from './harness/four-letter.js'
import { freePort } from './harness/ports.js'
import { pollUntil, withTimeout } from './harness/wait.js'

const subtreeSize = 10_000
const bigDataBytes = 1_000_000
const sessionTimeoutMs = 30_000
/** The sequential nodes phase 1 made, for phase 2 to change. */
const sequential: string[] = []
const digestAcl: ACL[] = [
  { perms: 31, id: { scheme: 'digest', id: 'alice:tNGPVtqsBNhfUpIKGiOB6YIJqVk=' } },
  { perms: 1, id: { scheme: 'world', id: 'anyone' } },
]
const ipAcl: ACL[] = [{ perms: 3, id: { scheme: 'ip', id: '127.0.0.1' } }, { perms: 1, id: { scheme: 'world', id: 'anyone' } }]

interface Apache {
  connectString: string
  stop(): Promise<void>
}

const children = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

/** Starts ZooKeeperServerMain on `dataDir` with snapCount high, so later writes stay in the log. */
async function startApache(dataDir: string, jvmFlags: readonly string[] = []): Promise<Apache> {
  const port = await freePort()
  const cfg = join(dataDir, '..', `zoo-${port}.cfg`)
  await writeFile(cfg, [`tickTime=2000`, `dataDir=${dataDir}`, `clientPort=${port}`, 'clientPortAddress=127.0.0.1', 'maxSessionTimeout=60000', 'snapCount=1000000', '4lw.commands.whitelist=*', 'admin.enableServer=false', 'forceSync=no', 'jute.maxbuffer=2000000', ''].join('\n'))
  const child = spawn(javaPath, ['-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Dzookeeper.extendedTypesEnabled=true', '-Djute.maxbuffer=2000000', '-Dznode.container.checkIntervalMs=3600000', ...jvmFlags, `-Dzookeeper.log.dir=${dataDir}/..`, '-cp', `${zookeeperConfDir}:${zookeeperJar}`, 'org.apache.zookeeper.server.ZooKeeperServerMain', cfg], { stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let output = ''
  child.stdout.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-8000)))
  child.stderr.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-8000)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await pollUntil(async () => {
    if (child.exitCode !== null) throw new Error(`Apache ZooKeeper exited:\n${output}`)
    return (await fourLetterWord('127.0.0.1', port, 'srvr', 1_000).catch(() => '')).includes('Mode: ') ? true : undefined
  }, { timeoutMs: 40_000, intervalMs: 100, what: 'Apache ZooKeeper to serve' })
  return {
    connectString: `127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM')
      await withTimeout(exited, 15_000, 'Apache ZooKeeper to exit').catch(() => child.kill('SIGKILL'))
      children.delete(child)
    },
  }
}

interface Seen {
  data: string
  stat: unknown
  acl: readonly ACL[]
}

/** Every node under / with its data (as base64), Stat and ACL, read through `zk`. */
async function readTree(zk: ZooKeeperClient): Promise<Map<string, Seen>> {
  const out = new Map<string, Seen>()
  let level = ['/']
  while (level.length > 0) {
    const next: string[] = []
    for (let i = 0; i < level.length; i += 500) {
      await Promise.all(
        level.slice(i, i + 500).map(async (path) => {
          const [{ data, stat }, { acl }, kids] = await Promise.all([zk.getData(path), zk.getACL(path), zk.getChildren(path)])
          out.set(path, { data: Buffer.from(data).toString('base64'), stat, acl: acl.map((a) => ({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } })) })
          for (const kid of kids) next.push(path === '/' ? `/${kid}` : `${path}/${kid}`)
        }),
      )
    }
    level = next
  }
  return out
}

/** Compares two trees, ignoring /zookeeper/config (each server fills in its own). */
function expectSameTree(actual: Map<string, Seen>, expected: Map<string, Seen>): void {
  const skip = (path: string): boolean => path === '/zookeeper/config'
  expect([...actual.keys()].filter((p) => !skip(p)).sort()).toEqual([...expected.keys()].filter((p) => !skip(p)).sort())
  const differences: string[] = []
  for (const [path, seen] of expected) {
    if (skip(path)) continue
    const got = actual.get(path)
    try {
      expect(got).toEqual(seen)
    } catch {
      differences.push(`${path}: got ${JSON.stringify(got, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v)).slice(0, 400)} expected ${JSON.stringify(seen, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString(16) : v)).slice(0, 400)}`)
    }
  }
  expect(differences.slice(0, 5)).toEqual([])
}

async function createMany(zk: ZooKeeperClient, paths: readonly string[], data?: string): Promise<void> {
  for (let i = 0; i < paths.length; i += 1000) await Promise.all(paths.slice(i, i + 1000).map((p) => zk.create(p, data)))
}

/** Phase 1 (ends up in the snapshot ZooKeeper takes at its next start). */
async function buildSnapshotPart(zk: ZooKeeperClient, doomed: ZooKeeperClient): Promise<void> {
  await zk.create('/app', 'root of the app')
  await zk.create('/app/digest', 'secret', { acl: digestAcl })
  await zk.create('/app/ip', 'local only', { acl: ipAcl })
  await zk.create('/app/big', Buffer.alloc(bigDataBytes, 7))
  sequential.push(await zk.create('/app/seq-', 'a', { mode: CreateMode.PERSISTENT_SEQUENTIAL }))
  sequential.push(await zk.create('/app/seq-', 'b', { mode: CreateMode.PERSISTENT_SEQUENTIAL }))
  await zk.create('/app/container', undefined, { mode: CreateMode.CONTAINER })
  await zk.create('/app/container/child', 'keeps the container')
  await zk.create('/app/ttl', 'lives an hour', { mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 3_600_000 })
  await zk.create('/app/ttl-seq-', 'x', { mode: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, ttlMs: 7_200_000 })
  await doomed.create('/app/doomed', 'gone when its session closes', { mode: CreateMode.EPHEMERAL })
  await zk.create('/app/many')
  await createMany(zk, Array.from({ length: subtreeSize / 2 }, (_, i) => `/app/many/n${i}`), 'x')
}

/** Phase 2 (only in the txn log): changes of every kind, and an ephemeral of a live session. */
async function buildLogPart(zk: ZooKeeperClient, live: ZooKeeperClient, doomed: ZooKeeperClient): Promise<void> {
  await createMany(zk, Array.from({ length: subtreeSize / 2 }, (_, i) => `/app/many/m${i}`), 'y')
  await zk.setData('/app', 'changed')
  await zk.setData('/app/big', Buffer.alloc(bigDataBytes - 1, 9))
  await zk.setACL(sequential[0] as string, ipAcl)
  await zk.delete(sequential[1] as string)
  await zk.multi([
    { op: 'create', path: '/app/multi', data: 'm' },
    { op: 'setData', path: '/app/multi', data: 'mm' },
    { op: 'check', path: '/app', version: 1 },
  ])
  await expect(zk.multi([{ op: 'create', path: '/app/failed' }, { op: 'delete', path: '/app/missing' }])).rejects.toBeDefined()
  await zk.create('/app/ttl2', 'ttl from the log', { mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 3_600_000 })
  await zk.create('/app/container2', undefined, { mode: CreateMode.CONTAINER })
  await zk.create('/app/container2/c', 'c')
  await live.create('/app/seq-', 'c', { mode: CreateMode.EPHEMERAL_SEQUENTIAL })
  await live.create('/app/live', 'ephemeral of a live session', { mode: CreateMode.EPHEMERAL })
  await live.create('/app/live-seq-', 'e', { mode: CreateMode.EPHEMERAL_SEQUENTIAL })
  await doomed.close()
}

describe.skipIf(apacheUnavailableReason() !== undefined)('migration between Apache ZooKeeper 3.8 and Paddock', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('imports a ZooKeeper dataDir that Paddock then serves identically, and exports one Apache serves identically', async () => {
    const root = await mkdtemp(join(tmpdir(), 'paddock-migration-'))
    dirs.push(root)
    const zkDir = join(root, 'zk')
    let apache = await startApache(zkDir)
    let zk = await connect(apache.connectString)
    const doomed = await connect(apache.connectString, { sessionTimeoutMs: sessionTimeoutMs })
    await buildSnapshotPart(zk, doomed)
    await zk.close()
    await apache.stop()
    // Restarting makes ZooKeeper snapshot what it loaded (gzip-compressed here); what follows
    // lives only in the log.
    apache = await startApache(zkDir, ['-Dzookeeper.snapshot.compression.method=gz'])
    zk = await connect(apache.connectString)
    const live = await connect(apache.connectString, { sessionTimeoutMs })
    const doomed2 = await connect(apache.connectString, { sessionTimeoutMs })
    await doomed2.create('/app/doomed2', 'x', { mode: CreateMode.EPHEMERAL })
    await buildLogPart(zk, live, doomed2)
    const before = await readTree(zk)
    expect(before.get('/app/live')?.stat).toMatchObject({ ephemeralOwner: live.sessionId })
    expect(before.has('/app/doomed2')).toBe(false)
    await zk.close()
    await apache.stop()
    const liveSession = { sessionId: live.sessionId, sessionPasswd: live.sessionPasswd }
    void live.close().catch(() => undefined)
    void doomed.close().catch(() => undefined)

    const paddockDir = join(root, 'paddock')
    const imported = await importZooKeeperDataDir(zkDir, paddockDir)
    expect(imported.source?.snapshotZxid).toBeGreaterThan(0)
    expect(imported.source?.snapshotFile).toMatch(/snapshot\.[0-9a-f]+\.gz$/)
    expect(imported.source?.logRecords).toBeGreaterThan(subtreeSize / 2)
    await expect(verifyDataDir(paddockDir)).resolves.toMatchObject({ zxid: imported.zxid })

    const server = await createServer({ port: 0, host: '127.0.0.1', dataDir: paddockDir, extendedTypesEnabled: true, maxSessionTimeoutMs: 60_000 } as Parameters<typeof createServer>[0])
    const port = (server.address as { port: number } | undefined)?.port
    const client = await connect(`127.0.0.1:${port}`)
    expectSameTree(await readTree(client), before)
    // ZooKeeper keeps no session passwords; the import derives them as ZooKeeper does, so the
    // client of the live session resumes it on Paddock with the password Apache gave it.
    const resumed = await connect(`127.0.0.1:${port}`, { ...liveSession, sessionTimeoutMs })
    expect(resumed.sessionId).toBe(liveSession.sessionId)
    const owned = [...before].filter(([, seen]) => (seen.stat as { ephemeralOwner: bigint }).ephemeralOwner === liveSession.sessionId).map(([path]) => path)
    expect(owned).toHaveLength(3)
    expect((await resumed.getEphemerals('/app')).sort()).toEqual(owned.sort())
    await client.close()
    await server.close()
    // Closed after the server, so the session and its ephemerals stay for the export.
    void resumed.close().catch(() => undefined)

    const exportDir = join(root, 'zk-export')
    await exportToZooKeeper(paddockDir, exportDir)
    apache = await startApache(exportDir)
    zk = await connect(apache.connectString)
    expectSameTree(await readTree(zk), before)
    await zk.close()
    await apache.stop()
  }, 120_000)

  it('starts Apache ZooKeeper from a backup streamed by Paddock\'s admin snapshot command, with the same tree', async () => {
    const root = await mkdtemp(join(tmpdir(), 'paddock-backup-to-apache-'))
    dirs.push(root)
    sequential.length = 0
    const server = await createServer({ port: 0, host: '127.0.0.1', extendedTypesEnabled: true, maxSessionTimeoutMs: 60_000, adminServerPort: 0, adminSnapshotEnabled: true })
    const connectString = `127.0.0.1:${server.address?.port ?? 0}`
    const zk = await connect(connectString)
    const live = await connect(connectString, { sessionTimeoutMs })
    const doomed = await connect(connectString, { sessionTimeoutMs })
    const doomed2 = await connect(connectString, { sessionTimeoutMs })
    await doomed2.create('/app-doomed2', 'x', { mode: CreateMode.EPHEMERAL })
    await buildSnapshotPart(zk, doomed)
    await buildLogPart(zk, live, doomed2)
    const before = await readTree(zk)
    // The admin server asks for credentials; with / open to the world any identity may take it.
    const response = await fetch(`http://127.0.0.1:${server.adminAddress?.port ?? 0}/commands/snapshot?streaming=true`, { headers: { Authorization: 'ip' } })
    expect(response.status).toBe(200)
    const lastZxid = response.headers.get('last_zxid') ?? ''
    expect(lastZxid).toMatch(/^0x[0-9a-f]+$/)
    const apacheDir = join(root, 'zk')
    await mkdir(join(apacheDir, 'version-2'), { recursive: true })
    await writeFile(join(apacheDir, 'version-2', `snapshot.${lastZxid.slice(2)}`), Buffer.from(await response.arrayBuffer()))
    void live.close().catch(() => undefined)
    await zk.close()
    await server.close()

    const apache = await startApache(apacheDir)
    const client = await connect(apache.connectString)
    try {
      expectSameTree(await readTree(client), before)
      expect((await client.getData('/app/live')).stat.ephemeralOwner).toBe(live.sessionId)
    } finally {
      await client.close()
      await apache.stop()
    }
  }, 120_000)
})
