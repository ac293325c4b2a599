// Method: run durable servers over MemoryStorage (one db kept across "restarts") and LevelDB in
// temp dirs; compare the whole tree before and after a restart, snapshots and log replay included.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, CreateMode, digestId, OPEN_ACL_UNSAFE, Perms, READ_ACL_UNSAFE, VirtualClock, type Server, type ServerOptions, type ZooKeeperClient } from '../../../lib/index.js'
import { encodeValue } from '../../../lib/txn/codec.js'
import { createMemoryDb, createMemoryStorage, StorageError, type Storage } from '../../../storage/index.js'
import { flush } from './helpers.js'

const quiet = { debug() {}, info() {}, warn() {} }
const open: Server[] = []
const dirs: string[] = []

afterEach(async () => {
  for (const server of open.splice(0)) await server.close()
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function start(db: ReturnType<typeof createMemoryDb>, options: ServerOptions = {}): Promise<Server> {
  const server = await createServer({ storage: createMemoryStorage({ db, logger: quiet }), ...options })
  open.push(server)
  return server
}

async function stop(server: Server): Promise<void> {
  open.splice(open.indexOf(server), 1)
  await server.close()
}

/** Every znode's data and Stat, walked through the client. */
async function dump(zk: ZooKeeperClient, path = '/', into = new Map<string, unknown>()): Promise<Map<string, unknown>> {
  const { data, stat } = await zk.getData(path)
  into.set(path, { data: Array.from(data), stat })
  for (const child of await zk.getChildren(path)) await dump(zk, path === '/' ? `/${child}` : `${path}/${child}`, into)
  return into
}

describe('durable standalone server', () => {
  it('restores every node and Stat after a restart, from the log alone', async () => {
    const db = createMemoryDb()
    const first = await start(db)
    const zk = await first.connect()
    await zk.create('/a', 'one')
    await zk.create('/a/b', 'two')
    await zk.setData('/a', 'three')
    await zk.create('/s-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })
    await zk.delete('/a/b')
    await zk.multi([{ op: 'create', path: '/m' }, { op: 'setData', path: '/a', data: 'four' }])
    const before = await dump(zk)
    const zxid = first.lastZxid
    await stop(first)
    const second = await start(db)
    expect(second.lastZxid).toBe(zxid)
    expect(await dump(await second.connect())).toEqual(before)
  })

  it('restores from a snapshot plus the log after it, snapshots taken every snapCount txns', async () => {
    const db = createMemoryDb()
    const first = await start(db, { snapCount: 40 })
    const zk = await first.connect()
    for (let i = 0; i < 100; i++) await zk.create(`/n${i}`, `v${i}`)
    for (let i = 0; i < 100; i += 3) await zk.setData(`/n${i}`, 'changed')
    await first.snapshot()
    for (let i = 0; i < 100; i += 7) await zk.delete(`/n${i}`)
    const before = await dump(zk)
    await stop(first)
    const storage = createMemoryStorage({ db, logger: quiet })
    await storage.open()
    expect((await storage.listSnapshots()).length).toBeGreaterThanOrEqual(2)
    await storage.close()
    const second = await start(db)
    expect(await dump(await second.connect())).toEqual(before)
  })

  it('hands out values restored from a snapshot as private copies, never the memory the restore keeps them in', async () => {
    const db = createMemoryDb()
    const first = await start(db)
    const zk = await first.connect()
    for (let i = 0; i < 20; i++) await zk.create(`/r${i}`, `value ${i}`)
    await first.snapshot()
    await stop(first)
    const second = await start(db)
    const reader = await second.connect()
    const { data } = await reader.getData('/r7')
    expect(new TextDecoder().decode(data)).toBe('value 7')
    // The restore keeps values in SharedArrayBuffers (uncounted by V8's external memory); a read
    // gets a plain copy, which a worker given it by postMessage cannot use to reach the tree.
    expect(data.buffer).toBeInstanceOf(ArrayBuffer)
    data.fill(0x21)
    expect(new TextDecoder().decode((await reader.getData('/r7')).data)).toBe('value 7')
  })

  it.each(['flipped', 'deleted'] as const)('skips a newest snapshot with a chunk %s for an older one plus the log, naming it in a warning', async (damage) => {
    const db = createMemoryDb()
    const first = await start(db, { snapCount: 1_000_000 })
    const zk = await first.connect()
    for (let i = 0; i < 20; i++) await zk.create(`/n${i}`, `v${i}`)
    await first.snapshot()
    for (let i = 20; i < 40; i++) await zk.create(`/n${i}`, `v${i}`)
    await first.snapshot()
    await zk.setData('/n0', 'after both snapshots')
    const before = await dump(zk)
    await stop(first)
    await damageNewestSnapshot(db, damage)
    const errors: string[] = []
    const error = console.error
    console.error = (line: string) => errors.push(line)
    try {
      const second = await start(db)
      expect(await dump(await second.connect())).toEqual(before)
    } finally {
      console.error = error
    }
    expect(errors.join('\n')).toMatch(/snapshot 0x[0-9a-f]+ is corrupt, trying an older one/)
  })

  it('refuses to start on a damaged last log record, naming it and the last good zxid, and cuts nothing', async () => {
    const db = createMemoryDb()
    const first = await start(db, { snapCount: 1_000_000 })
    const zk = await first.connect()
    for (let i = 0; i < 5; i++) await zk.create(`/n${i}`, `v${i}`)
    const last = first.lastZxid
    await stop(first)
    const { key, record } = await damageLogRecord(db, last)
    const refused = await start(db).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(StorageError)
    expect(refused).toMatchObject({ code: 'CORRUPTION', key, message: expect.stringContaining(`last good record before it is 0x${(last - 1).toString(16).padStart(16, '0')}`) })
    await db.open()
    expect(await db.get(key)).toBeDefined()
    await db.put(key, record)
    await db.close()
    const mended = await start(db)
    expect(mended.lastZxid).toBe(last)
  })

  it('starts past a damaged log record the newest snapshot holds, and refuses it when an older snapshot needs it', async () => {
    const db = createMemoryDb()
    const first = await start(db, { snapCount: 1_000_000 })
    const zk = await first.connect()
    for (let i = 0; i < 10; i++) await zk.create(`/n${i}`, `v${i}`)
    await first.snapshot()
    for (let i = 10; i < 20; i++) await zk.create(`/n${i}`, `v${i}`)
    const damagedZxid = (await zk.exists('/n15'))!.czxid
    await first.snapshot()
    await zk.setData('/n0', 'after both snapshots')
    const before = await dump(zk)
    await stop(first)
    const { key: damagedKey } = await damageLogRecord(db, damagedZxid)
    const second = await start(db)
    expect(await dump(await second.connect())).toEqual(before)
    await stop(second)
    // With the newest snapshot unusable, the older one needs the damaged record: start-up refuses
    // it, naming the record, rather than trying snapshots that all lie before it.
    await damageNewestSnapshot(db, 'flipped')
    const error = console.error
    console.error = () => {}
    try {
      await expect(start(db)).rejects.toMatchObject({ code: 'CORRUPTION', key: damagedKey })
    } finally {
      console.error = error
    }
  })

  it('refuses to start when no snapshot is usable and the log no longer reaches back', async () => {
    const db = createMemoryDb()
    const first = await start(db, { snapCount: 1_000_000, snapRetainCount: 3 })
    const zk = await first.connect()
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 5; i++) await zk.create(`/r${round}-${i}`)
      await first.snapshot()
    }
    await stop(first)
    await db.open()
    for await (const key of db.keys({ gte: 'snap/', lt: 'snap0' })) {
      const bytes = (await db.get(key)) as Uint8Array
      await db.put(key, bytes.map((b) => b ^ 0xff))
    }
    await db.close()
    const error = console.error
    console.error = () => {}
    try {
      await expect(start(db)).rejects.toThrow(/no usable snapshot, and the log was removed through 0x[0-9a-f]+/)
    } finally {
      console.error = error
    }
  })

  /** Flips a bit of the log record of `zxid` in `db`; returns its key and the record as it was. */
  async function damageLogRecord(db: ReturnType<typeof createMemoryDb>, zxid: number): Promise<{ key: string; record: Uint8Array }> {
    const key = `log/${zxid.toString(16).padStart(16, '0')}`
    await db.open()
    const record = (await db.get(key)) as Uint8Array
    await db.put(key, record.map((b, i) => (i === record.length - 1 ? b ^ 0x01 : b)))
    await db.close()
    return { key, record }
  }

  /** Flips the last bytes of the newest snapshot's first chunk in `db` (its checksum no longer matches), or deletes that chunk. */
  async function damageNewestSnapshot(db: ReturnType<typeof createMemoryDb>, damage: 'flipped' | 'deleted'): Promise<void> {
    await db.open()
    const chunkKeys: string[] = []
    for await (const key of db.keys({ gte: 'snap/', lt: 'snap0' })) chunkKeys.push(key)
    const newest = chunkKeys.sort().at(-1)?.replace(/\/[^/]*$/, '/')
    const victim = chunkKeys.find((key) => newest !== undefined && key.startsWith(newest)) as string
    const bytes = (await db.get(victim)) as Uint8Array
    if (damage === 'deleted') await db.del(victim)
    else await db.put(victim, bytes.map((b, i) => (i > bytes.length - 8 ? b ^ 0xff : b)))
    await db.close()
  }

  /** Flips every byte of every snapshot chunk in `db`. */
  async function corruptSnapshots(db: ReturnType<typeof createMemoryDb>): Promise<void> {
    await db.open()
    for await (const key of db.keys({ gte: 'snap/', lt: 'snap0' })) {
      const bytes = (await db.get(key)) as Uint8Array
      await db.put(key, bytes.map((b) => b ^ 0xff))
    }
    await db.close()
  }

  async function refusal(db: ReturnType<typeof createMemoryDb>): Promise<unknown> {
    const error = console.error
    console.error = () => {}
    try {
      return await start(db).then(
        () => undefined,
        (e: unknown) => e,
      )
    } finally {
      console.error = error
    }
  }

  it('refuses to start from a log whose beginning a replaced history took, when the snapshot it follows is corrupt', async () => {
    // A member that installed a leader's snapshot keeps only the log after it. Were that snapshot
    // lost, the log would start at a new epoch's first transaction and look like a whole history.
    const db = createMemoryDb()
    const first = await start(db)
    const zk = await first.connect()
    for (let i = 0; i < 5; i++) await zk.create(`/before-${i}`)
    await first.snapshot()
    const cut = first.lastZxid
    await stop(first)
    const second = await start(db)
    await (await second.connect()).create('/after')
    await stop(second)
    const storage = createMemoryStorage({ db, logger: quiet })
    await storage.open()
    await storage.discardHistoryThrough(cut)
    await storage.close()
    await corruptSnapshots(db)
    expect(String(await refusal(db))).toMatch(new RegExp(`no usable snapshot, and the log was removed through 0x${cut.toString(16)}`))
  })

  it('refuses to rebuild from a log with a gap in it, when no snapshot is usable', async () => {
    const db = createMemoryDb()
    const first = await start(db)
    const zk = await first.connect()
    for (let i = 0; i < 6; i++) await zk.create(`/n-${i}`)
    await first.snapshot()
    await stop(first)
    await corruptSnapshots(db)
    // Without the gap the whole log rebuilds the tree: the snapshot is not needed.
    const whole = await start(db)
    expect((await (await whole.connect()).getChildren('/')).filter((c) => c.startsWith('n-'))).toHaveLength(6)
    await stop(whole)
    await db.open()
    const logKeys: string[] = []
    for await (const key of db.keys({ gte: 'log/', lt: 'log0' })) logKeys.push(key)
    await db.del(logKeys[3] as string)
    await db.close()
    expect(String(await refusal(db))).toMatch(/no usable snapshot, and the log does not reach back/)
  })

  it('takes a fuzzy snapshot while writes go on, and replay makes it exact', async () => {
    const db = createMemoryDb()
    const first = await start(db)
    const zk = await first.connect()
    await Promise.all(Array.from({ length: 12_000 }, (_, i) => zk.create(`/f${i}`, 'x')))
    const snapshot = first.snapshot()
    // These interleave with the snapshot's chunks (it yields between them).
    const writes = Promise.all(Array.from({ length: 2_000 }, (_, i) => zk.setData(`/f${i * 5}`, `during ${i}`)))
    await Promise.all([snapshot, writes])
    await zk.delete('/f1')
    await zk.create('/f1', 'recreated')
    const before = await dump(zk)
    await stop(first)
    const second = await start(db)
    expect(await dump(await second.connect())).toEqual(before)
  }, 60_000)

  it('keeps sessions across a restart and expires them afterwards if the clients do not return', async () => {
    const db = createMemoryDb()
    const clock = new VirtualClock(5_000)
    const first = await start(db, { clock, tickTimeMs: 100 })
    const owner = await first.connect({ sessionTimeoutMs: 1000 })
    await owner.create('/eph', '', { mode: CreateMode.EPHEMERAL })
    await stop(first)
    const second = await start(db, { clock, tickTimeMs: 100 })
    const watcher = await second.connect({ sessionTimeoutMs: 2000 })
    const deleted = new Promise<string>((resolve) => void watcher.exists('/eph', { watch: (e) => resolve(e.type) }))
    expect(await watcher.exists('/eph')).not.toBeNull()
    clock.advance(1200)
    expect(await deleted).toBe('NodeDeleted')
    expect(await watcher.exists('/eph')).toBeNull()
  })

  it('restores every kind of node, shared and custom ACLs and nested paths from a snapshot alone', async () => {
    const db = createMemoryDb()
    const first = await start(db)
    const zk = await first.connect()
    const readOnly = [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]
    const digest = [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('u:p') } }, ...readOnly]
    await zk.create('/a', 'a')
    await zk.create('/b', 'b', { acl: readOnly })
    await zk.create('/a/x', 'ax')
    await zk.create('/a/x/y', '', { acl: digest })
    await zk.create('/b2', new Uint8Array(0), { acl: digest })
    await zk.create('/a/z', 'az')
    await zk.create('/e', 'eph', { mode: CreateMode.EPHEMERAL })
    await zk.create('/a/e-', 'seq', { mode: CreateMode.EPHEMERAL_SEQUENTIAL })
    await zk.create('/c', '', { mode: CreateMode.CONTAINER })
    await zk.create('/c/child', 'in container')
    await zk.create('/t', 'ttl', { mode: CreateMode.PERSISTENT_WITH_TTL, ttlMs: 60_000 })
    for (let i = 0; i < 30; i++) await zk.create(i % 2 === 0 ? `/a/n${i}` : `/c/n${i}`, `v${i}`)
    await zk.setData('/a', 'a2')
    await zk.delete('/a/z')
    await first.snapshot()
    const before = await dump(zk)
    const acls = new Map<string, unknown>()
    for (const path of before.keys()) acls.set(path, await zk.getACL(path))
    await stop(first)
    const second = await start(db)
    const again = await second.connect({ sessionId: zk.sessionId, sessionPasswd: zk.sessionPasswd })
    expect(await dump(again)).toEqual(before)
    for (const [path, acl] of acls) expect(await again.getACL(path), path).toEqual(acl)
    expect((await again.getEphemerals()).sort()).toEqual(['/a/e-0000000002', '/e'])
    expect((await again.getACL('/')).acl).toEqual(OPEN_ACL_UNSAFE)
    expect((await again.getACL('/zookeeper/config')).acl).toEqual(READ_ACL_UNSAFE)
  })

  it('reads a snapshot in format 1, as earlier versions wrote it', async () => {
    const db = createMemoryDb()
    const storage = createMemoryStorage({ db, logger: quiet })
    await storage.open()
    const none = new Uint8Array(0)
    const zeros = [0, 0, 0, 0, 0, 0, 0, 0]
    const passwd = new Uint8Array(16).fill(7)
    const header = encodeValue({ format: 1, zxid: 10, sessions: [[5n, 30_000, passwd]] })
    const nodes = encodeValue([
      ['/', none, OPEN_ACL_UNSAFE, [0, 0, 9, 0, 0, 0, 1, 0], 0n, 'persistent', 0],
      ['/zookeeper', none, OPEN_ACL_UNSAFE, zeros, 0n, 'persistent', 0],
      ['/zookeeper/quota', none, OPEN_ACL_UNSAFE, zeros, 0n, 'persistent', 0],
      ['/zookeeper/config', none, READ_ACL_UNSAFE, zeros, 0n, 'persistent', 0],
      ['/v1', new TextEncoder().encode('old'), OPEN_ACL_UNSAFE, [3, 7, 9, 1000, 2000, 2, 1, 0], 0n, 'persistent', 0],
      ['/v1/eph', none, [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }], [9, 9, 9, 3000, 3000, 0, 0, 0], 5n, 'ephemeral', 0],
    ])
    await storage.writeSnapshot(10, [header, nodes])
    await storage.close()
    const server = await start(db)
    expect(server.lastZxid).toBe(10)
    const zk = await server.connect({ sessionId: 5n, sessionPasswd: passwd })
    const { data, stat } = await zk.getData('/v1')
    expect(new TextDecoder().decode(data)).toBe('old')
    expect(stat).toMatchObject({ czxid: 3, mzxid: 7, pzxid: 9, ctime: 1000, mtime: 2000, version: 2, numChildren: 1 })
    expect((await zk.exists('/v1/eph'))?.ephemeralOwner).toBe(5n)
    expect((await zk.getACL('/v1/eph')).acl).toEqual([{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }])
    expect(await zk.getEphemerals()).toEqual(['/v1/eph'])
    await zk.create('/v1/new', 'after')
    expect(server.lastZxid).toBeGreaterThan(10)
  })

  it('reads a snapshot in format 2, as the previous version wrote it', async () => {
    const db = createMemoryDb()
    const storage = createMemoryStorage({ db, logger: quiet })
    await storage.open()
    const header = encodeValue({ format: 2, zxid: 12, sessions: [[6n, 30_000, new Uint8Array(16).fill(3)]] })
    const readOnly = [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]
    // [path, data length, ACL index, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, kind, owner, ttlMs]
    const fields = [
      ['/', 0, 0, 0, 0, 11, 0, 0, 0, 3, 0, 0, 0, 0],
      ['/zookeeper', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      ['/zookeeper/quota', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      ['/zookeeper/config', 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      ['/v2', 3, 0, 3, 7, 9, 1000, 2000, 2, 2, 0, 0, 0, 0],
      ['/v2/eph', 0, 1, 9, 9, 9, 3000, 3000, 0, 0, 0, 1, 6n, 0],
      ['/v2/ttl', 2, 0, 10, 11, 10, 4000, 4100, 1, 0, 0, 3, 0, 60_000],
    ].flat()
    const nodes = encodeValue([[OPEN_ACL_UNSAFE, readOnly], fields, new TextEncoder().encode('twot2')])
    await storage.writeSnapshot(12, [header, nodes])
    await storage.close()
    const server = await start(db)
    expect(server.lastZxid).toBe(12)
    const zk = await server.connect({ sessionId: 6n, sessionPasswd: new Uint8Array(16).fill(3) })
    const { data, stat } = await zk.getData('/v2')
    expect(new TextDecoder().decode(data)).toBe('two')
    // The stored cversion counts child creates: two creates and two children make a Stat cversion of 2.
    expect(stat).toMatchObject({ czxid: 3, mzxid: 7, pzxid: 9, ctime: 1000, mtime: 2000, version: 2, cversion: 2, numChildren: 2 })
    expect((await zk.exists('/v2/eph'))?.ephemeralOwner).toBe(6n)
    expect((await zk.getACL('/v2/eph')).acl).toEqual(readOnly)
    expect(new TextDecoder().decode((await zk.getData('/v2/ttl')).data)).toBe('t2')
    expect(await zk.getEphemerals()).toEqual(['/v2/eph'])
  })

  it('lets a client resume its session after a restart', async () => {
    const db = createMemoryDb()
    const first = await start(db)
    const owner = await first.connect()
    await owner.create('/eph', '', { mode: CreateMode.EPHEMERAL })
    await stop(first)
    const second = await start(db)
    const again = await second.connect({ sessionId: owner.sessionId, sessionPasswd: owner.sessionPasswd })
    expect(await again.getEphemerals()).toEqual(['/eph'])
  })

  it('never repeats a sequential name after a restart', async () => {
    const db = createMemoryDb()
    const first = await start(db)
    const zk = await first.connect()
    await zk.create('/q')
    const names = [await zk.create('/q/x-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })]
    await zk.delete(names[0] ?? '')
    await stop(first)
    const second = await start(db)
    names.push(await (await second.connect()).create('/q/x-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL }))
    expect(names).toEqual(['/q/x-0000000000', '/q/x-0000000001'])
  })

  it('numbers zxids from 0x1 and goes on after a restart in the same epoch, as a standalone ZooKeeper does', async () => {
    const db = createMemoryDb()
    const first = await start(db)
    const zk = await first.connect()
    const created = await zk.createWithStat('/a')
    // createSession is 0x1, the create 0x2: what zkCli.sh shows against a fresh standalone ZooKeeper.
    expect(created.stat.czxid).toBe(2)
    await stop(first)
    const second = await start(db)
    const again = await (await second.connect()).createWithStat('/b')
    expect(again.stat.czxid).toBe(4)
  })

  it('replies to a write only once it is durable, and answers later reads after it', async () => {
    const db = createMemoryDb()
    const storage = createMemoryStorage({ db, logger: quiet })
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const heldAppend: Storage['append'] = async (entries) => {
      await gate
      return storage.append(entries)
    }
    const held = new Proxy(storage, {
      get(target, key) {
        if (key === 'append') return heldAppend
        const value: unknown = Reflect.get(target, key, target)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const server = await createServer({ storage: held })
    open.push(server)
    let granted = false
    const connecting = server.connect().then((c) => {
      granted = true
      return c
    })
    await flush()
    expect(granted).toBe(false) // createSession itself waits for the log
    release()
    const client = await connecting
    const order: string[] = []
    const write = client.create('/w').then(() => order.push('create'))
    const read = client.exists('/w').then((stat) => order.push(`exists ${stat !== null}`))
    await Promise.all([write, read])
    expect(order).toEqual(['create', 'exists true'])
  })
})

describe('durable server on LevelDB', () => {
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'paddock-durable-'))
    dirs.push(dir)
    return dir
  }

  it('survives a restart on the same dataDir', async () => {
    const dataDir = await tempDir()
    const first = await createServer({ dataDir })
    const zk = await first.connect()
    await zk.create('/kept', 'on disk')
    await first.close()
    const second = await createServer({ dataDir })
    open.push(second)
    expect(new TextDecoder().decode((await (await second.connect()).getData('/kept')).data)).toBe('on disk')
  })

  it('restores thousands of nodes from a snapshot in many chunks plus the log after it', async () => {
    const dataDir = await tempDir()
    const first = await createServer({ dataDir })
    const zk = await first.connect()
    await zk.create('/p')
    await zk.create('/q')
    await Promise.all(Array.from({ length: 12_000 }, (_, i) => zk.create(i % 3 === 0 ? `/q/n${i}` : `/p/n${i}`, `value ${i}`)))
    await first.snapshot()
    await Promise.all(Array.from({ length: 500 }, (_, i) => zk.setData(`/p/n${i * 3 + 1}`, `changed ${i}`)))
    await zk.delete('/q/n0')
    const before = await dump(zk)
    await first.close()
    const second = await createServer({ dataDir })
    open.push(second)
    expect(await dump(await second.connect())).toEqual(before)
  }, 60_000)

  it('refuses a second server on a dataDir in use, naming the directory', async () => {
    const dataDir = await tempDir()
    open.push(await createServer({ dataDir }))
    await expect(createServer({ dataDir })).rejects.toThrow(/in use/)
  })
})
