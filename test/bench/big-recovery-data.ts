// Method: the offline half of the bigrecovery section, in a process of its own (its heap is sized
// by the parent with --max-old-space-size) so the bench process stays small:
//   node dist/test/bench/big-recovery-data.js build  --dataDir D --count N
//     builds N znodes in a DataTree in memory, exactly as a restore does (DataTree.restoreNodes),
//     and writes it as a new Paddock dataDir through writePaddockState, the storage path
//     `paddock data import` takes: one snapshot at the last zxid, and the epochs;
//   node dist/test/bench/big-recovery-data.js export --dataDir D --to Z
//     runs `paddock data export --to-zookeeper`'s function (exportToZooKeeper) from D into Z;
//   node dist/test/bench/big-recovery-data.js measure --dataDir D
//     restores D's snapshot into a DataTree (the server's restore code) and reports the heap it
//     takes after full GCs (needs --expose-gc).
// Each prints one JSON line on stdout with what it did.
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { exportToZooKeeper } from '../../lib/migrate/index.js'
import { writePaddockState } from '../../lib/migrate/paddock-dir.js'
import { readPaddockDataDir } from '../../lib/migrate/tools.js'
import { OPEN_ACL_UNSAFE } from '../../lib/protocol/data.js'
import { makeZxid } from '../../lib/protocol/zxid.js'
import { DataTree, ZNode } from '../../lib/tree/data-tree.js'
import { bigRecoveryLayout } from './big-recovery-layout.js'

/** Distinct values the znodes cycle through: a prime count of 100-byte values, over 64 KiB in all, so no compressor block sees one twice. */
const distinctValues = 1_009
/** Nodes handed to DataTree.restoreNodes at once. */
const restoreBatch = 5_000

/** A deterministic pseudo-random byte source (xorshift32), so every run builds the same bytes. */
function randomBytes(count: number, seed: number): Uint8Array {
  const out = new Uint8Array(count)
  let x = seed >>> 0 || 1
  for (let i = 0; i < count; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** Builds the tree of {@link bigRecoveryLayout} with `count` leaves; returns it and its last zxid. */
function buildTree(count: number, valueBytes: number): { tree: DataTree; zxid: number } {
  const pool = randomBytes(distinctValues * valueBytes, 0x9e3779b9)
  const values = Array.from({ length: distinctValues }, (_, i) => pool.subarray(i * valueBytes, (i + 1) * valueBytes))
  const empty = new Uint8Array(0)
  const tree = new DataTree()
  const time0 = Date.UTC(2025, 0, 1)
  let counter = 0
  // Each znode is created by its own transaction, in path order: zxid counter and ctime advance together.
  const create = (data: Uint8Array): ZNode => {
    counter++
    const zxid = makeZxid(1, counter)
    return new ZNode(data, OPEN_ACL_UNSAFE, zxid, zxid, zxid, time0 + counter, time0 + counter, 0, 0, 0, 0n, 'persistent', 0)
  }
  const layout = bigRecoveryLayout
  const root = create(empty)
  tree.restoreNodes([layout.root], [root])
  let paths: string[] = []
  let nodes: ZNode[] = []
  let bucket: ZNode | undefined
  const flush = (): void => {
    tree.restoreNodes(paths, nodes)
    paths = []
    nodes = []
  }
  for (let i = 0; i < count; i++) {
    if (i % layout.perBucket === 0) {
      bucket = create(empty)
      paths.push(layout.bucketPath(i))
      nodes.push(bucket)
      root.cversion++
      root.pzxid = bucket.czxid
    }
    const leaf = create(values[i % distinctValues]!)
    paths.push(layout.leafPath(i))
    nodes.push(leaf)
    bucket!.cversion++
    bucket!.pzxid = leaf.czxid
    if (paths.length >= restoreBatch) flush()
  }
  flush()
  return { tree, zxid: makeZxid(1, counter) }
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { dataDir: { type: 'string' }, to: { type: 'string' }, count: { type: 'string' }, valueBytes: { type: 'string' } },
})
const mode = positionals[0]
const dataDir = values.dataDir
if (dataDir === undefined) throw new TypeError('--dataDir is required')
const started = performance.now()
const warn = (line: string): void => console.error(`warning: ${line}`)
const peakRss = (): number => {
  const usage = process.resourceUsage()
  return usage.maxRSS * 1024
}

if (mode === 'build') {
  const count = Number(values.count)
  if (!Number.isSafeInteger(count) || count < 1) throw new TypeError('--count must be a positive integer')
  const { tree, zxid } = buildTree(count, Number(values.valueBytes ?? 100))
  const builtMs = performance.now() - started
  const bytes = await writePaddockState(dataDir, { zxid, tree, sessions: new Map() }, warn)
  console.log(JSON.stringify({ mode, znodes: tree.size, zxid, buildTreeMs: builtMs, ms: performance.now() - started, snapshotBytes: bytes, peakRssBytes: peakRss() }))
} else if (mode === 'export') {
  if (values.to === undefined) throw new TypeError('--to is required')
  const summary = await exportToZooKeeper(dataDir, values.to, { warn })
  console.log(JSON.stringify({ mode, znodes: summary.znodes, zxid: summary.zxid, ms: performance.now() - started, snapshotBytes: summary.bytesWritten, peakRssBytes: peakRss() }))
} else if (mode === 'measure') {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new TypeError('measure needs node --expose-gc')
  gc()
  gc()
  const before = process.memoryUsage()
  const state = await readPaddockDataDir(dataDir)
  const restoredMs = performance.now() - started
  gc()
  gc()
  const after = process.memoryUsage()
  console.log(JSON.stringify({
    mode, znodes: state.tree.size, ms: restoredMs,
    heapUsedBytes: after.heapUsed - before.heapUsed, externalBytes: after.external - before.external,
    arrayBuffersBytes: after.arrayBuffers - before.arrayBuffers, rssBytes: after.rss - before.rss, peakRssBytes: peakRss(),
  }))
  // Keep the tree alive until the numbers are taken.
  if (state.tree.size < 0) console.log('unreachable')
} else {
  throw new TypeError(`unknown mode ${String(mode)}: expected build, export or measure`)
}
