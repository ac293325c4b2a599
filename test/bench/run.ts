// Method: `npm run bench` entry point: runs the selected benchmarks in turn and prints markdown
// tables; `--only inprocess,wire,durable,recovery,memory,ensemble,failover,snapshot,recipes,followerreads,testing,tls,startup`
// picks sections (`--only bigrecovery`, 10M znodes built offline, runs only when named) and `--quick` uses small bounds; `--json out.json` writes every number,
// `--report out.html` a self-contained HTML report with charts, `--svg-dir DIR` each chart as an
// SVG file; `--report-from saved.json` writes the report and charts from a saved run instead.
// bigrecovery reads two environment variables: PADDOCK_BIGRECOVERY_DATADIR=DIR reuses a Paddock
// dataDir an earlier run built at the same count (skipping the build), and
// PADDOCK_BIGRECOVERY_SKIP_DEFAULT=1 starts Paddock's heap search without trying Node's default limit,
// PADDOCK_BIGRECOVERY_EXPORTDIR=DIR reuses an Apache dataDir exported earlier from the same data, and
// PADDOCK_BIGRECOVERY_SERVERS=apache (or paddock) recovers only that server.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { aimRows, aimsMarkdown } from './aims.js'
import { parseBenchArgs, reportFromSaved, type BenchArgs } from './cli.js'
import { benchBigRecovery, type BigRecoveryBenchOptions } from './big-recovery.js'
import { benchCuratorTestingCluster, type CuratorTestingOptions } from './curator-testing.js'
import { benchEnsemble, type EnsembleBenchOptions } from './ensemble.js'
import { benchFailover, type FailoverBenchOptions } from './failover.js'
import { benchFollowerReads, type FollowerReadsBenchOptions } from './follower-reads.js'
import { measurePreallocatedFsyncPerSec } from './fsync.js'
import { benchInProcess } from './in-process.js'
import { apacheVersion, javaVersion, paddockVersion, platformName } from './machine.js'
import { benchMemory, type MemoryBenchOptions } from './memory.js'
import { benchKazooLock, benchLock, type LockBenchResult } from './recipes.js'
import { benchRecovery, type RecoveryBenchOptions } from './recovery.js'
import { summarize } from './report.js'
import { writeReport } from './report-html.js'
import { resultsJson, type BenchResults, type BenchMeta, type DurableResult, type RecipesResult, type Section } from './results.js'
import { apacheUnavailableReason, javaBinary, killAll, startServer, timeToFirstReply, type ServerKind } from './servers.js'
import { benchScale, type ScaleBenchOptions } from './scale.js'
import { benchSnapshotLoad, type SnapshotLoadOptions } from './snapshot-load.js'
import { benchStartup, type StartupBenchOptions } from './startup.js'
import { measureFsyncPerSec } from './storage.js'
import { bigRecoverySection, durableSection, ensembleSection, failoverSection, snapshotSection, followerReadsSection, inProcessSection, markdownOf, memorySection, recipesSection, recoverySection, scaleSection, startupSection, testingSection, tlsSection, wireSection, wireTitle, type SectionReport } from './tables.js'
import { benchTestingCluster } from './testing.js'
import { benchTls } from './tls.js'
import { benchWire, type WireBenchOptions } from './wire.js'

interface Config {
  wire: WireBenchOptions
  durable: WireBenchOptions
  fsyncMs: number
  fsyncRuns: number
  recovery: RecoveryBenchOptions
  ensemble: EnsembleBenchOptions
  failover: FailoverBenchOptions
  snapshot: SnapshotLoadOptions
  /** Rounds of benchLock() in process, and of the Lock benches over TCP (Paddock's client and kazoo). */
  lockRounds: { inProcess: number; tcp: number }
  followerReads: FollowerReadsBenchOptions
  memory: MemoryBenchOptions
  startup: StartupBenchOptions
  /** Warm rounds of Paddock's TestingCluster, and the fresh JVMs of Curator's beside it. */
  testing: { rounds: number; curator: CuratorTestingOptions }
  scale: ScaleBenchOptions
  bigrecovery: BigRecoveryBenchOptions
}

/** The bigrecovery options the environment sets (see the header). */
function bigRecoveryEnv(): Pick<BigRecoveryBenchOptions, 'reuseDataDir' | 'reuseExportDir' | 'paddockSkipDefault' | 'servers'> {
  const dir = process.env.PADDOCK_BIGRECOVERY_DATADIR
  const exportDir = process.env.PADDOCK_BIGRECOVERY_EXPORTDIR
  const servers = (process.env.PADDOCK_BIGRECOVERY_SERVERS ?? '').split(',').filter((s): s is ServerKind => s === 'paddock' || s === 'apache')
  return {
    ...(dir === undefined || dir === '' ? {} : { reuseDataDir: dir }),
    ...(exportDir === undefined || exportDir === '' ? {} : { reuseExportDir: exportDir }),
    paddockSkipDefault: process.env.PADDOCK_BIGRECOVERY_SKIP_DEFAULT === '1',
    ...(servers.length === 0 ? {} : { servers }),
  }
}

const inFlights = [1, 100] as const
const fullConfig: Config = {
  wire: { runs: 3, durationMs: 2_000, countMax: 20_000, warmupMs: 1_000, inFlights, ops: ['create', 'setData', 'getData', 'exists'], durable: false },
  durable: { runs: 3, durationMs: 2_000, countMax: 20_000, warmupMs: 500, inFlights, ops: ['create', 'setData'], durable: true },
  fsyncMs: 2_000,
  fsyncRuns: 3,
  recovery: { counts: [100_000, 1_000_000], restarts: 3, loadInFlight: 1_000, loadTimeMaxMs: 300_000, apacheHeapMb: 3_000, kinds: ['paddock', 'apache'] },
  // ZooKeeper's sample zoo.cfg timing for both servers.
  ensemble: {
    runs: 5, failoversPerRun: 3, durationMs: 2_000, countMax: 100_000, warmupMs: 1_000, inFlight: 100,
    tickTimeMs: 2_000, initLimit: 10, syncLimit: 5, apacheHeapMb: 512, kinds: ['paddock', 'apache'], budgetMs: 270_000,
    catchUpZnodes: 100_000,
  },
  // Issue 19's failover aim: 15 leader kills per server at each of tickTime 500 and 2000.
  failover: {
    tickTimesMs: [500, 2_000], ensembles: 5, killsPerEnsemble: 3,
    ensemble: { durationMs: 0, countMax: 0, warmupMs: 0, inFlight: 1, initLimit: 10, syncLimit: 5, apacheHeapMb: 512, kinds: ['paddock', 'apache'], budgetMs: 600_000 },
  },
  // Issue 19's snapshot aim: ZooKeeper's default snapCount over a tree of 1M znodes.
  snapshot: { znodes: 1_000_000, snapCount: 100_000, inFlight: 100, durationMs: 30_000, countMax: 1_000_000, runs: 3 },
  lockRounds: { inProcess: 5, tcp: 3 },
  followerReads: {
    runs: 5, durationMs: 2_000, readsMax: 100_000, warmupMs: 1_000, writesInFlight: 100, writesMax: 200_000, writeNodes: 4,
    tickTimeMs: 2_000, initLimit: 10, syncLimit: 5, apacheHeapMb: 512, budgetMs: 120_000,
  },
  memory: { counts: [10_000, 100_000, 1_000_000], timeMaxMs: 180_000, heapMb: 4_096 },
  startup: { runs: 7, apacheHeapMb: 1_000 },
  testing: { rounds: 15, curator: { jvms: 3, roundsPerJvm: 6 } },
  scale: {
    children: 1_000_000, watchNodes: 100_000, watchSessions: 10, sessions: 10_000, idleMs: 20_000, pingIntervalMs: 10_000,
    bigValueCount: 1_000, bigValueInFlight: 100, diskBytes: 512 * 1024 * 1024, timeMaxMs: 60_000, heapMb: 4_096,
  },
  bigrecovery: {
    count: 10_000_000, valueBytes: 100, paddockRestarts: 2, apacheRestarts: 1, dataHeapMb: 12_288,
    apacheHeap: { startMb: 8_192, granularityMb: 256, floorMb: 256, ceilingMb: 16_384, triesMax: 8 },
    // A Paddock try at 10M takes minutes on a loaded 2-core machine: a coarser search, bounded to 3 tries.
    paddockHeap: { startMb: 6_144, granularityMb: 512, floorMb: 256, ceilingMb: 16_384, triesMax: 3 },
    serveTimeoutMinMs: 60_000, serveTimeoutFactor: 3, serveTimeoutMaxMs: 600_000, dataTimeoutMs: 900_000, budgetMs: 2_400_000,
    profile: 'if-aim-missed', heapBreakdown: false,
    ...bigRecoveryEnv(),
  },
}
const quickConfig: Config = {
  wire: { ...fullConfig.wire, runs: 1, durationMs: 300, countMax: 2_000, warmupMs: 200 },
  durable: { ...fullConfig.durable, runs: 1, durationMs: 300, countMax: 2_000, warmupMs: 100 },
  fsyncMs: 300,
  fsyncRuns: 1,
  recovery: { ...fullConfig.recovery, counts: [2_000, 10_000], restarts: 1, loadTimeMaxMs: 30_000, apacheHeapMb: 1_000 },
  ensemble: { ...fullConfig.ensemble, runs: 1, failoversPerRun: 1, durationMs: 500, countMax: 5_000, warmupMs: 200, budgetMs: 60_000, catchUpZnodes: 5_000 },
  failover: { ...fullConfig.failover, ensembles: 1, killsPerEnsemble: 2 },
  snapshot: { znodes: 50_000, snapCount: 10_000, inFlight: 100, durationMs: 5_000, countMax: 100_000, runs: 1 },
  lockRounds: { inProcess: 1, tcp: 1 },
  followerReads: { ...fullConfig.followerReads, runs: 1, durationMs: 500, readsMax: 20_000, warmupMs: 200, writesMax: 50_000, budgetMs: 30_000 },
  memory: { counts: [1_000, 10_000, 50_000], timeMaxMs: 20_000, heapMb: 1_024 },
  startup: { ...fullConfig.startup, runs: 3 },
  testing: { rounds: 3, curator: { jvms: 1, roundsPerJvm: 3 } },
  scale: {
    children: 20_000, watchNodes: 2_000, watchSessions: 4, sessions: 100, idleMs: 1_000, pingIntervalMs: 500,
    bigValueCount: 40, bigValueInFlight: 10, diskBytes: 16 * 1024 * 1024, timeMaxMs: 20_000, heapMb: 1_024,
  },
  bigrecovery: {
    ...fullConfig.bigrecovery, count: 200_000, paddockRestarts: 2, apacheRestarts: 2, dataHeapMb: 2_048,
    apacheHeap: { startMb: 1_024, granularityMb: 32, floorMb: 32, ceilingMb: 4_096, triesMax: 8 },
    paddockHeap: { startMb: 1_024, granularityMb: 32, floorMb: 32, ceilingMb: 4_096, triesMax: 8 },
    serveTimeoutMinMs: 20_000, serveTimeoutMaxMs: 120_000, dataTimeoutMs: 120_000, budgetMs: 600_000, profile: 'always', heapBreakdown: true,
  },
}

const log = (line: string): void => console.error(line)

const print = (section: SectionReport): void => console.log(markdownOf(section))

/** How long one Lock bench may run before it is given up, ms. */
const lockBenchTimeoutMs = 180_000

function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result within ${timeoutMs} ms`)), timeoutMs)))
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** benchLock() in process; then Paddock's Lock and kazoo's Lock over TCP against Paddock (LevelDB) and Apache standalone servers. */
async function benchRecipes(rounds: Config['lockRounds']): Promise<RecipesResult> {
  const rows: RecipesResult['rows'] = []
  const attempt = async (label: string, run: () => Promise<LockBenchResult>): Promise<void> => {
    log(`  ${label} …`)
    try {
      rows.push({ label, result: await within(run(), lockBenchTimeoutMs, label) })
    } catch (error) {
      rows.push({ label, result: undefined, error: (error as Error).message.split('\n')[0] ?? '' })
    }
  }
  await attempt('Paddock Lock, in-process in-memory server', () => benchLock({ rounds: rounds.inProcess }))
  const kinds: ServerKind[] = apacheUnavailableReason() === undefined ? ['paddock', 'apache'] : ['paddock']
  for (const kind of kinds) {
    const workDir = await mkdtemp(join(tmpdir(), `paddock-bench-recipes-${kind}-`))
    const server = await startServer({ kind, workDir, dataDir: join(workDir, 'data') })
    try {
      const { client } = await timeToFirstReply(server, { op: 'exists', path: '/', watch: false }, [0], 60_000)
      client.destroy()
      const connectString = `127.0.0.1:${server.port}`
      const name = kind === 'paddock' ? 'Paddock standalone (LevelDB)' : 'Apache ZooKeeper 3.8 standalone (forceSync=yes)'
      await attempt(`Paddock Lock over TCP → ${name}`, () => benchLock({ connectString, rounds: rounds.tcp }))
      await attempt(`kazoo Lock (python3-kazoo) → ${name}`, () => benchKazooLock(connectString, rounds.tcp))
    } finally {
      await server.stop()
      await rm(workDir, { recursive: true, force: true })
    }
  }
  return { rows, rounds }
}

/** The sections that may start Apache ZooKeeper. */
const apacheSections: readonly Section[] = ['wire', 'durable', 'recovery', 'ensemble', 'failover', 'recipes', 'startup', 'bigrecovery']

function metaOf(args: BenchArgs): BenchMeta {
  const runsApache = apacheUnavailableReason() === undefined && apacheSections.some((s) => args.only.has(s))
  const apache = runsApache ? apacheVersion() : undefined
  const java = runsApache ? javaVersion(javaBinary) : undefined
  return {
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), date: new Date().toISOString(), node: process.version,
    cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavgBefore: loadavg(), quick: args.quick, sections: [...args.only],
    apache: 'Debian zookeeper 3.8 (ZooKeeperServerMain, forceSync=yes default, -Xmx1000m; recovery -Xmx as in options; ensemble: 3 QuorumPeerMain JVMs, -Xmx as in options)',
    paddockVersion: paddockVersion() ?? 'unknown', ...(apache === undefined ? {} : { apacheVersion: apache }), ...(java === undefined ? {} : { javaVersion: java }),
    totalMemBytes: totalmem(), platform: platformName(),
  }
}

async function benchDurable(config: Config): Promise<DurableResult> {
  const fsyncDir = tmpdir()
  const fsync: number[] = []
  const fsyncPreallocated: number[] = []
  for (let i = 0; i < config.fsyncRuns; i++) {
    fsync.push(await measureFsyncPerSec(fsyncDir, config.fsyncMs))
    fsyncPreallocated.push(await measurePreallocatedFsyncPerSec(fsyncDir, config.fsyncMs))
  }
  const durable = await benchWire(config.durable, log)
  return { ...durable, fsyncPerSec: summarize(fsync), fsyncPreallocatedPerSec: summarize(fsyncPreallocated), fsyncDir, fsyncMs: config.fsyncMs }
}

/** Runs the sections `only` names, in order, printing each as it completes. */
async function runSections(only: ReadonlySet<Section>, config: Config, results: BenchResults): Promise<void> {
  if (only.has('inprocess')) {
    log('in-process …')
    print(inProcessSection(results.inprocess = await benchInProcess()))
  }
  if (only.has('wire')) {
    log('wire: Paddock in memory vs Apache ZooKeeper …')
    print(wireSection(wireTitle, results.wire = await benchWire(config.wire, log)))
  }
  if (only.has('tls')) {
    log('tls: Paddock in memory over plain text vs TLS …')
    print(tlsSection(results.tls = await benchTls(config.wire, log)))
  }
  if (only.has('durable')) {
    log('durable: raw fsync, then Paddock on LevelDB vs Apache ZooKeeper …')
    print(durableSection(results.durable = await benchDurable(config)))
  }
  if (only.has('recovery')) {
    log('recovery …')
    print(recoverySection(results.recovery = await benchRecovery(config.recovery, log)))
  }
  if (only.has('memory')) {
    log('memory: an in-memory tree by znode count, in a process of its own …')
    print(memorySection(results.memory = await benchMemory(config.memory, log)))
  }
  if (only.has('ensemble')) {
    log('ensemble: 3-member Paddock vs Apache ZooKeeper ensembles …')
    print(ensembleSection(results.ensemble = await benchEnsemble(config.ensemble, log)))
  }
  if (only.has('failover')) {
    log('failover: leader kills in 3-member ensembles at each tickTime …')
    print(failoverSection(results.failover = await benchFailover(config.failover, log)))
  }
  if (only.has('snapshot')) {
    log('snapshot: setData latency while snapshots are written …')
    print(snapshotSection(results.snapshot = await benchSnapshotLoad(config.snapshot, log)))
  }
  if (only.has('recipes')) {
    log('recipes: Lock …')
    print(recipesSection(results.recipes = await benchRecipes(config.lockRounds)))
  }
  if (only.has('followerreads')) {
    log('followerreads: getData latency on a follower with and without another session\'s writes …')
    print(followerReadsSection(results.followerreads = await benchFollowerReads(config.followerReads, log)))
  }
  if (only.has('testing')) {
    log('testing: TestingCluster(3) on the virtual clock, then Curator\'s TestingCluster(3) in fresh JVMs …')
    const testing = await benchTestingCluster(config.testing.rounds)
    testing.curator = await benchCuratorTestingCluster(config.testing.curator, log)
    print(testingSection(results.testing = testing))
  }
  if (only.has('startup')) {
    log('startup: spawn → first create, Paddock\'s command vs Apache ZooKeeper …')
    print(startupSection(results.startup = await benchStartup(config.startup, log)))
  }
  if (only.has('scale')) {
    log('scale: many children, watches, idle sessions and ~1 MiB values on one member …')
    print(scaleSection(results.scale = await benchScale(config.scale, log)))
  }
  if (only.has('bigrecovery')) {
    log(`bigrecovery: ${config.bigrecovery.count.toLocaleString('en-US')} znodes built offline, Paddock vs Apache at its smallest -Xmx …`)
    print(bigRecoverySection(results.bigrecovery = await benchBigRecovery(config.bigrecovery, log)))
  }
}

/** Writes the HTML report and chart files the arguments ask for. */
async function report(results: BenchResults, args: BenchArgs): Promise<void> {
  if (args.report === undefined && args.svgDir === undefined) return
  for (const path of await writeReport(results, { html: args.report, svgDir: args.svgDir })) console.log(`written: ${path}`)
}

async function reportOnly(args: BenchArgs): Promise<void> {
  for (const path of await reportFromSaved(args)) console.log(`written: ${path}`)
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2))
  if (args.reportFrom !== undefined) return reportOnly(args)
  const config = args.quick ? quickConfig : fullConfig
  const startedAt = Date.now()
  const results: BenchResults = { meta: metaOf(args) }
  console.log(`# Paddock bench (${args.quick ? 'quick' : 'full'}) — Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  await runSections(args.only, config, results)
  results.meta.loadavgAfter = loadavg()
  results.meta.elapsedSec = (Date.now() - startedAt) / 1000
  const aims = aimRows([results]).filter((row) => args.only.has(row.section))
  if (aims.length > 0) console.log(`\n## Aims\n\n${aimsMarkdown(aims)}`)
  console.log(`\nelapsed ${results.meta.elapsedSec.toFixed(0)} s; load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  if (args.json !== undefined) {
    await writeFile(args.json, resultsJson(results))
    console.log(`results written to ${args.json}`)
  }
  await report(results, args)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

try {
  await main()
} catch (error) {
  console.error(error)
  killAll()
  process.exitCode = 1
}
