/**
 * Measures import and export speed on a fabricated ZooKeeper dataDir (not part of any test run):
 * a snapshot of N znodes (1,000 parents of N/1,000 children, 32 bytes of data each) plus a log of
 * 10,000 setData records after it. Run from the repository root:
 *
 *   npx tsc -p test/integration/migrate/measure-speed.tsconfig.json && \
 *     node --max-old-space-size=8192 node_modules/.cache/paddock-measure/test/integration/migrate/measure-speed.js 1000000
 * @module
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportToZooKeeper, importZooKeeperDataDir } from '../../../lib/migrate/index.js'
import { concat, encodeZkSnapshot, type ZkSnapshotNode } from '../../../lib/migrate/zk-snapshot.js'
import { encodeZkLogHeader, encodeZkLogRecord } from '../../../lib/migrate/zk-txnlog.js'

const znodes = Number(process.argv[2] ?? 200_000)
const logRecords = 10_000
const parents = 1_000

function statAt(zxid: number) {
  return { czxid: zxid, mzxid: zxid, ctime: 1_700_000_000_000, mtime: 1_700_000_000_000, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: zxid }
}

function* nodes(): Generator<ZkSnapshotNode> {
  const data = new Uint8Array(32).fill(0x61)
  yield { path: '/', data: new Uint8Array(0), aclRef: 1n, stat: { ...statAt(0), cversion: 2 } }
  yield { path: '/zookeeper', data: new Uint8Array(0), aclRef: 1n, stat: statAt(0) }
  yield { path: '/zookeeper/quota', data: new Uint8Array(0), aclRef: 1n, stat: statAt(0) }
  yield { path: '/bench', data: new Uint8Array(0), aclRef: 1n, stat: { ...statAt(1), cversion: parents } }
  const perParent = Math.ceil(znodes / parents)
  for (let p = 0; p < parents; p++) {
    yield { path: `/bench/p${p}`, data, aclRef: 1n, stat: { ...statAt(1), cversion: perParent } }
    for (let c = 0; c < perParent; c++) yield { path: `/bench/p${p}/c${c}`, data, aclRef: 1n, stat: statAt(1) }
  }
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'paddock-measure-'))
  try {
    const v2 = join(root, 'zk', 'version-2')
    await mkdir(v2, { recursive: true })
    const snapshotZxid = 1
    const open = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
    await writeFile(join(v2, `snapshot.${snapshotZxid.toString(16)}`), encodeZkSnapshot({ dbid: -1n, sessions: new Map(), acls: new Map([[1n, open]]), nodes: nodes(), digest: undefined }))
    const records = Array.from({ length: logRecords }, (_, i) =>
      encodeZkLogRecord({ sessionId: 0n, cxid: i, zxid: snapshotZxid + 1 + i, time: 1_700_000_000_000 + i }, { type: 'setData', path: `/bench/p${i % parents}`, data: new Uint8Array(32), version: 1 + Math.floor(i / parents) }),
    )
    await writeFile(join(v2, 'log.2'), concat([encodeZkLogHeader(), ...records]))
    const inputBytes = (await stat(join(v2, 'snapshot.1'))).size
    let cpu = process.cpuUsage()
    const imported = await importZooKeeperDataDir(join(root, 'zk'), join(root, 'paddock'))
    const importCpu = process.cpuUsage(cpu)
    cpu = process.cpuUsage()
    const exported = await exportToZooKeeper(join(root, 'paddock'), join(root, 'zk-out'))
    const exportCpu = process.cpuUsage(cpu)
    const cpuSeconds = (u: NodeJS.CpuUsage): string => `${((u.user + u.system) / 1e6).toFixed(1)} s CPU`
    const rate = (n: number, ms: number): string => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} znodes/s`
    console.log(`snapshot ${(inputBytes / 1048576).toFixed(1)} MiB, ${imported.znodes.toLocaleString('en-US')} znodes, ${logRecords} log records`)
    // On a shared machine the wall time includes waiting for a core; the CPU time does not.
    const line = (verb: string, s: { znodes: number; elapsedMs: number }, u: NodeJS.CpuUsage): string =>
      `${verb}: ${(s.elapsedMs / 1000).toFixed(1)} s wall (${rate(s.znodes, s.elapsedMs)}), ${cpuSeconds(u)} (${rate(s.znodes, (u.user + u.system) / 1000)})`
    console.log(line('import', imported, importCpu))
    console.log(line('export', exported, exportCpu))
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

await main()
