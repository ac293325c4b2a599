// Method: `paddock data` run in-process (runDataCommand) on fabricated ZooKeeper dataDirs written
// with the codecs, and on Paddock dataDirs written through the Storage API, on a real disk: exit
// codes, output, refusal of bad input and targets, and an export that imports back unchanged.
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDataCommand } from '../../../lib/cli/data-command.js'
import { snapshotStateChunks } from '../../../lib/server/snapshot.js'
import { DataTree } from '../../../lib/tree/data-tree.js'
import { encodeTxnEntry } from '../../../lib/txn/codec.js'
import { zooKeeperSessionPasswd } from '../../../lib/migrate/zk-format.js'
import { concat, encodeZkSnapshot } from '../../../lib/migrate/zk-snapshot.js'
import { encodeZkLogHeader, encodeZkLogRecord, type ZkTxn } from '../../../lib/migrate/zk-txnlog.js'
import type { TxnHeader } from '../../../lib/txn/types.js'
import { Level } from 'level'
import { chunkKey, logKey } from '../../../storage/codec.js'
import { createLevelStorage, levelSubdirectory } from '../../../storage/index.js'

const open = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const session = 0x1000000abcdefn
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const header = (zxid: number): TxnHeader => ({ sessionId: session, cxid: zxid, zxid, time: 1_700_000_000_000 + zxid })
const statAt = (zxid: number, cversion = 0) => ({ czxid: zxid, mzxid: zxid, ctime: 1_700_000_000_000 + zxid, mtime: 1_700_000_000_000 + zxid, version: 0, cversion, aversion: 0, ephemeralOwner: 0n, pzxid: zxid })

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await runDataCommand(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out, err }
}

/** A ZooKeeper dataDir: a gzip snapshot at zxid 2 holding /a, and log.1 with zxids 1 to 5. */
async function fabricateZooKeeper(dir: string): Promise<{ logFile: string }> {
  const v2 = join(dir, 'version-2')
  await mkdir(v2, { recursive: true })
  const snapshot = encodeZkSnapshot({
    dbid: -1n,
    sessions: new Map([[session, 30_000]]),
    acls: new Map([[1n, open]]),
    nodes: [
      { path: '/', data: new Uint8Array(0), aclRef: 1n, stat: { ...statAt(0, 2), pzxid: 2 } },
      { path: '/zookeeper', data: new Uint8Array(0), aclRef: 1n, stat: statAt(0) },
      { path: '/zookeeper/quota', data: new Uint8Array(0), aclRef: 1n, stat: statAt(0) },
      { path: '/a', data: text('x'), aclRef: 1n, stat: statAt(2) },
    ],
    digest: { zxid: 2, digestVersion: 2, digest: 99n },
  })
  await writeFile(join(v2, 'snapshot.2.gz'), gzipSync(snapshot))
  const records: [number, ZkTxn][] = [
    [1, { type: 'createSession', timeoutMs: 30_000, passwd: zooKeeperSessionPasswd(session) }],
    [2, { type: 'create', path: '/a', data: text('x'), acl: open, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 2 }],
    [3, { type: 'create', path: '/a/e', data: text('e'), acl: open, kind: 'ephemeral', ephemeralOwner: session, ttlMs: 0, parentCVersion: 1 }],
    [4, { type: 'setData', path: '/a', data: text('y'), version: 1 }],
    [5, { type: 'create', path: '/a/t', data: text('t'), acl: open, kind: 'ttl', ephemeralOwner: 0n, ttlMs: 60_000, parentCVersion: 2 }],
    [6, { type: 'closeSession', paths2Delete: null }],
  ]
  const logFile = join(v2, 'log.1')
  await writeFile(logFile, concat([encodeZkLogHeader(), ...records.map(([zxid, txn]) => encodeZkLogRecord(header(zxid), txn)), new Uint8Array(1024)]))
  return { logFile }
}

function jsonLines(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>)
}

describe('paddock data', () => {
  let root: string
  let zkDir: string
  let logFile: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'paddock-data-cmd-'))
    zkDir = join(root, 'zk')
    ;({ logFile } = await fabricateZooKeeper(zkDir))
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('imports a gzip snapshot and the log after it, replaying closeSession onto the ephemerals', async () => {
    const target = join(root, 'imported')
    const result = await run('import', '--from-zookeeper', zkDir, target)
    expect(result).toMatchObject({ code: 0, err: [] })
    expect(result.out[0]).toMatch(/imported 6 znodes, 0 sessions at zxid 0x6 \(snapshot 0x2 \+ 4 log records\)/)
    const dump = jsonLines((await run('dump-snapshot', '--json', target)).out)
    expect(dump[0]).toEqual({ zxid: '0x6', znodes: 6, sessions: [] })
    const nodes = new Map(dump.slice(1).map((n) => [n['path'], n]))
    expect(nodes.get('/a')).toMatchObject({ data: 'y', stat: { version: 1, czxid: 2, mzxid: 4, pzxid: 6, cversion: 3, numChildren: 1 } })
    expect(nodes.get('/a/t')).toMatchObject({ kind: 'ttl', ttlMs: 60_000, stat: { ephemeralOwner: '0x0' } })
    expect(nodes.has('/a/e')).toBe(false)
    expect(await run('verify', target)).toMatchObject({ code: 0, out: [expect.stringMatching(/ok: snapshot 0x6 \+ 0 log entries reach 0x6/)] })
  })

  it("keeps a quorum member's acceptedEpoch and currentEpoch", async () => {
    const member = join(root, 'zk-member')
    await fabricateZooKeeper(member)
    await writeFile(join(member, 'version-2', 'acceptedEpoch'), '5')
    await writeFile(join(member, 'version-2', 'currentEpoch'), '4')
    const target = join(root, 'member-imported')
    expect((await run('import', '--from-zookeeper', member, target)).code).toBe(0)
    const storage = createLevelStorage({ dataDir: target, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined } })
    await storage.open()
    expect({ accepted: storage.acceptedEpoch, current: storage.currentEpoch, last: storage.lastLoggedZxid }).toEqual({ accepted: 5, current: 4, last: 6 })
    await storage.close()
  })

  it('refuses a target that is not empty, and leaves it alone', async () => {
    const target = join(root, 'busy')
    await mkdir(target)
    await writeFile(join(target, 'keep'), 'x')
    const result = await run('import', '--from-zookeeper', zkDir, target)
    expect(result.code).toBe(1)
    expect(result.err.join('\n')).toMatch(/is not empty/)
    expect(await readdir(target)).toEqual(['keep'])
  })

  it('fails on a corrupt log naming the file and the byte offset, writing nothing', async () => {
    const broken = join(root, 'zk-broken')
    await fabricateZooKeeper(broken)
    const file = join(broken, 'version-2', 'log.1')
    const bytes = await readFile(file)
    bytes[16 + 12 + 3] = (bytes[16 + 12 + 3] ?? 0) ^ 0xff
    await writeFile(file, bytes)
    const target = join(root, 'never')
    const result = await run('import', '--from-zookeeper', broken, target)
    expect(result.code).toBe(1)
    expect(result.err.join('\n')).toContain(`${file} at byte 16: record checksum mismatch`)
    expect(existsSync(target)).toBe(false)
    expect((await readdir(root)).filter((name) => name.includes('paddock-tmp'))).toEqual([])
  })

  it('fails on a gap between log records, naming the file and the record after the gap', async () => {
    const gap = join(root, 'zk-gap')
    await fabricateZooKeeper(gap)
    const v2 = join(gap, 'version-2')
    const record = encodeZkLogRecord(header(9), { type: 'delete', path: '/a/t' })
    await writeFile(join(v2, 'log.9'), concat([encodeZkLogHeader(), record]))
    const result = await run('import', '--from-zookeeper', gap, join(root, 'never3'))
    expect(result.code).toBe(1)
    expect(result.err.join('\n')).toContain(`${join(v2, 'log.9')} at byte 16: transaction 0x9 follows 0x6`)
  })

  it('names zookeeper.snapshot.compression.method for a snappy snapshot', async () => {
    const snappy = join(root, 'zk-snappy')
    await fabricateZooKeeper(snappy)
    await writeFile(join(snappy, 'version-2', 'snapshot.9.snappy'), 'not read')
    const result = await run('import', '--from-zookeeper', snappy, join(root, 'never2'))
    expect(result.code).toBe(1)
    expect(result.err.join('\n')).toMatch(/zookeeper\.snapshot\.compression\.method/)
  })

  it('dumps ZooKeeper files with --zookeeper', async () => {
    const log = await run('dump-log', '--json', '--zookeeper', logFile)
    expect(jsonLines(log.out).map((l) => (l['txn'] as { type: string }).type)).toEqual(['createSession', 'create', 'create', 'setData', 'create', 'closeSession'])
    const snapshot = await run('dump-snapshot', '--zookeeper', join(zkDir, 'version-2', 'snapshot.2.gz'))
    expect(snapshot.out[0]).toBe('zxid 0x2, 5 znodes, 1 sessions')
  })

  it('exports a dataDir that imports back to the same tree, with the epoch files', async () => {
    const source = join(root, 'imported')
    const exported = join(root, 'exported')
    expect((await run('export', '--to-zookeeper', source, exported)).code).toBe(0)
    expect((await readdir(join(exported, 'version-2'))).sort()).toEqual(['acceptedEpoch', 'currentEpoch', 'snapshot.6'])
    expect(await readFile(join(exported, 'version-2', 'currentEpoch'), 'utf8')).toBe('0')
    const back = join(root, 'back')
    expect((await run('import', '--from-zookeeper', exported, back)).code).toBe(0)
    expect((await run('dump-snapshot', '--json', back)).out).toEqual((await run('dump-snapshot', '--json', source)).out)
  })

  it('verifies a dataDir with a log, and names the gap when entries are missing after the snapshot', async () => {
    const dir = join(root, 'gappy')
    const storage = createLevelStorage({ dataDir: dir, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined } })
    await storage.open()
    await storage.writeSnapshot(10, snapshotStateChunks({ zxid: 10, tree: new DataTree(), sessions: [] }))
    const create = (zxid: number, path: string) => ({ zxid, data: encodeTxnEntry({ header: header(zxid), txn: { type: 'create', path, data: text(''), acl: open, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: zxid } }) })
    await storage.append([create(11, '/ok')])
    await storage.close()
    expect(await run('verify', dir)).toMatchObject({ code: 0, out: [expect.stringMatching(/snapshot 0xa \+ 1 log entries reach 0xb/)] })
    const log = await run('dump-log', dir)
    expect(log.out[0]).toMatch(/zxid 0xb create/)
    // A gap right after the snapshot: write a newer snapshot whose successor is missing.
    const gap = join(root, 'gap2')
    const s2 = createLevelStorage({ dataDir: gap, logger: { debug: () => undefined, info: () => undefined, warn: () => undefined } })
    await s2.open()
    await s2.writeSnapshot(10, snapshotStateChunks({ zxid: 10, tree: new DataTree(), sessions: [] }))
    await s2.append([create(12, '/missing-11')])
    await s2.close()
    const result = await run('verify', gap)
    expect(result.code).toBe(1)
    expect(result.err.join('\n')).toMatch(/jumps from 0xa to 0xc/)
  })

  it('verifies what start-up does not read: the log before the newest snapshot and the older snapshots', async () => {
    const dir = join(root, 'history')
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined }
    const storage = createLevelStorage({ dataDir: dir, logger: quiet })
    await storage.open()
    const create = (zxid: number) => ({ zxid, data: encodeTxnEntry({ header: header(zxid), txn: { type: 'create', path: `/n${zxid}`, data: text(''), acl: open, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: zxid } }) })
    const tree = new DataTree()
    await storage.writeSnapshot(0, snapshotStateChunks({ zxid: 0, tree, sessions: [] }))
    for (let zxid = 1; zxid <= 4; zxid++) {
      await storage.append([create(zxid)])
      tree.apply(header(zxid), { type: 'create', path: `/n${zxid}`, data: text(''), acl: open, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: zxid })
    }
    await storage.writeSnapshot(4, snapshotStateChunks({ zxid: 4, tree, sessions: [] }))
    await storage.append([create(5)])
    await storage.close()
    expect(await run('verify', dir)).toMatchObject({ code: 0, out: [expect.stringMatching(/snapshot 0x4 \+ 1 log entries reach 0x5 \(9 znodes\); every checksum matched \(2 snapshot\(s\), 5 log records\)/)] })
    const db = new Level<string, Uint8Array>(join(dir, levelSubdirectory), { keyEncoding: 'utf8', valueEncoding: 'view' })
    const flip = async (key: string): Promise<Uint8Array> => {
      await db.open()
      const value = (await db.get(key))!
      await db.put(key, value.map((b, i) => (i === value.length - 1 ? b ^ 0x01 : b)))
      await db.close()
      return value
    }
    const restore = async (key: string, value: Uint8Array): Promise<void> => {
      await db.open()
      await db.put(key, value)
      await db.close()
    }
    const record = await flip(logKey(2))
    const damagedLog = await run('verify', dir)
    expect(damagedLog.code).toBe(1)
    expect(damagedLog.err.join('\n')).toContain(`log record ${logKey(2)}`)
    await restore(logKey(2), record)
    const chunk = await flip(chunkKey(0, 0))
    const damagedSnapshot = await run('verify', dir)
    expect(damagedSnapshot.code).toBe(1)
    expect(damagedSnapshot.err.join('\n')).toContain(chunkKey(0, 0))
    await restore(chunkKey(0, 0), chunk)
    expect((await run('verify', dir)).code).toBe(0)
  })

  it('prints its usage for a bad command line', async () => {
    expect((await run('import', zkDir)).code).toBe(2)
    expect((await run('frobnicate')).code).toBe(2)
    expect((await run('help')).code).toBe(0)
  })
})
