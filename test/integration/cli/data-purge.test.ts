// Method: Paddock dataDirs written on a real disk through the Storage API (a log of creates, with
// a snapshot of the tree every third transaction), then `paddock data purge` run in-process
// (runDataCommand): what the dataDir holds before and after (its snapshots and log, read back by
// opening it again, and `verify` still restoring the last state), the retain count and its bounds,
// a directory that holds no Paddock data, and the refusal while a server holds the directory.
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDataCommand } from '../../../lib/cli/data-command.js'
import { createServer } from '../../../lib/index.js'
import { snapshotStateChunks } from '../../../lib/server/snapshot.js'
import { DataTree } from '../../../lib/tree/data-tree.js'
import { encodeTxnEntry } from '../../../lib/txn/codec.js'
import type { Txn, TxnHeader } from '../../../lib/txn/types.js'
import { createLevelStorage } from '../../../storage/index.js'

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined }
const open = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const header = (zxid: number): TxnHeader => ({ sessionId: 0n, cxid: zxid, zxid, time: 1_700_000_000_000 + zxid })

async function run(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const code = await runDataCommand(argv, { out: (l) => out.push(l), err: (l) => err.push(l) })
  return { code, out, err }
}

/** A dataDir with log entries 1..`last` (one create each) and a snapshot after every third. */
async function fabricate(dir: string, last = 16): Promise<void> {
  const storage = createLevelStorage({ dataDir: dir, logger: quiet })
  await storage.open()
  const tree = new DataTree()
  for (let zxid = 1; zxid <= last; zxid++) {
    const txn: Txn = { type: 'create', path: `/n${zxid}`, data: new TextEncoder().encode('x'), acl: open, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: zxid }
    tree.apply(header(zxid), txn)
    await storage.append([{ zxid, data: encodeTxnEntry({ header: header(zxid), txn }) }])
    if (zxid % 3 === 0) await storage.writeSnapshot(zxid, snapshotStateChunks({ zxid, tree, sessions: [] }))
  }
  await storage.close()
}

/** What the dataDir holds, read by opening it: the snapshots' zxids (newest first) and the log's. */
async function contents(dir: string): Promise<{ snapshots: number[]; log: number[] }> {
  const storage = createLevelStorage({ dataDir: dir, logger: quiet })
  await storage.open()
  try {
    const snapshots = (await storage.listSnapshots()).map((s) => s.zxid)
    const log: number[] = []
    for await (const entry of storage.readLog(0)) log.push(entry.zxid)
    return { snapshots, log }
  } finally {
    await storage.close()
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('paddock data purge', () => {
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'paddock-purge-'))
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('keeps the newest 3 snapshots and the log after the oldest of them; the dataDir still restores', async () => {
    const dir = join(root, 'default')
    await fabricate(dir)
    expect(await contents(dir)).toEqual({ snapshots: [15, 12, 9, 6, 3], log: range(1, 16) })
    const result = await run('purge', dir)
    expect(result).toEqual({ code: 0, out: ['paddock data: purged 2 snapshot(s) and 9 log entries; kept 3 snapshot(s), 0x9 to 0xf, and the log after 0x9'], err: [] })
    expect(await contents(dir)).toEqual({ snapshots: [15, 12, 9], log: range(10, 16) })
    expect(await run('verify', dir)).toMatchObject({ code: 0, out: [expect.stringMatching(/snapshot 0xf \+ 1 log entries reach 0x10 \(20 znodes\)/)] })
    // Nothing more to remove: a second purge changes nothing.
    expect((await run('purge', dir)).out).toEqual(['paddock data: purged 0 snapshot(s) and 0 log entries; kept 3 snapshot(s), 0x9 to 0xf, and the log after 0x9'])
    expect(await contents(dir)).toEqual({ snapshots: [15, 12, 9], log: range(10, 16) })
  })

  it('keeps as many snapshots as -n (or --count) says', async () => {
    const dir = join(root, 'four')
    await fabricate(dir)
    expect((await run('purge', '-n', '4', dir)).code).toBe(0)
    expect(await contents(dir)).toEqual({ snapshots: [15, 12, 9, 6], log: range(7, 16) })
    expect((await run('purge', dir, '--count', '10')).code).toBe(0)
    expect(await contents(dir)).toEqual({ snapshots: [15, 12, 9, 6], log: range(7, 16) })
  })

  it('refuses a count below 3 or not a number, as PurgeTxnLog does, with its usage and exit code 2', async () => {
    const dir = join(root, 'bounds')
    await fabricate(dir)
    const low = await run('purge', '-n', '2', dir)
    expect(low.code).toBe(2)
    expect(low.err.join('\n')).toMatch(/^paddock data: count should be greater than or equal to 3\nusage:/)
    const word = await run('purge', '-n', 'three', dir)
    expect(word.code).toBe(2)
    expect(word.err.join('\n')).toMatch(/^paddock data: 'three' can not be parsed to integer\./)
    expect((await run('purge')).code).toBe(2)
    expect((await run('purge', dir, dir)).code).toBe(2)
    expect(await contents(dir)).toEqual({ snapshots: [15, 12, 9, 6, 3], log: range(1, 16) })
  })

  it('says there is nothing to purge in a dataDir without snapshots', async () => {
    const dir = join(root, 'log-only')
    const storage = createLevelStorage({ dataDir: dir, logger: quiet })
    await storage.open()
    await storage.setCurrentEpoch(0)
    await storage.close()
    expect(await run('purge', dir)).toEqual({ code: 0, out: ['paddock data: purged 0 snapshot(s) and 0 log entries; kept no snapshot and the whole log (nothing to purge before a snapshot)'], err: [] })
  })

  it('refuses a directory that holds no Paddock data, and creates nothing there', async () => {
    const dir = join(root, 'nothing')
    const result = await run('purge', dir)
    expect(result).toEqual({ code: 1, out: [], err: [`paddock data purge: ${dir} holds no Paddock data (no level/ directory in it)`] })
    expect(existsSync(dir)).toBe(false)
  })

  it('refuses while a server holds the dataDir, changing nothing, and purges once it stopped', async () => {
    const dir = join(root, 'running')
    await fabricate(dir)
    const server = await createServer({ dataDir: dir })
    try {
      const refused = await run('purge', dir)
      expect(refused.code).toBe(1)
      expect(refused.out).toEqual([])
      expect(refused.err).toEqual([`paddock data purge: ${dir} is in use: a running server (or another tool) holds its lock. A server purges its own dataDir (autopurge.snapRetainCount, autopurge.purgeInterval); stop it to purge by hand`])
      // The server was not disturbed.
      const zk = await server.connect()
      expect(await zk.exists('/n16')).not.toBeNull()
      await zk.close()
    } finally {
      await server.close()
    }
    const snapshotsBefore = (await contents(dir)).snapshots
    expect(snapshotsBefore.length).toBeGreaterThan(3)
    expect((await run('purge', dir)).code).toBe(0)
    expect((await contents(dir)).snapshots).toEqual(snapshotsBefore.slice(0, 3))
    expect(await readdir(dir)).toEqual(['level'])
  })
})
