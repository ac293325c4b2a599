// Method: `npm run bench` entry point: runs the selected benchmarks in turn, prints markdown tables,
// and with `--json out.json` writes every number; `--only wire|durable|recovery|inprocess|ensemble|recipes|followerreads|testing|tls`, `--quick`.
import { writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { parseArgs } from 'node:util'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { benchEnsemble, type EnsembleBenchOptions, type EnsembleBenchResult } from './ensemble.js'
import { benchFollowerReads, type FollowerReadsBenchOptions, type FollowerReadsBenchResult } from './follower-reads.js'
import { benchInProcess, type InProcessResult } from './in-process.js'
import { benchKazooLock, benchLock, type LockBenchResult } from './recipes.js'
import { benchTestingCluster, type TestingBenchResult } from './testing.js'
import { benchRecovery, type RecoveryBenchOptions, type RecoveryBenchResult } from './recovery.js'
import { fmtInt, fmtMiB, fmtNum, fmtRatio, fmtSpread, markdownTable, ratio, summarize, type Summary } from './report.js'
import { apacheUnavailableReason, killAll, startServer, timeToFirstReply, type ServerKind } from './servers.js'
import { measurePreallocatedFsyncPerSec } from './fsync.js'
import { measureFsyncPerSec } from './storage.js'
import { benchTls, type TlsBenchResult } from './tls.js'
import { benchWire, type WireBenchOptions, type WireBenchResult } from './wire.js'

const sections = ['inprocess', 'wire', 'durable', 'recovery', 'ensemble', 'recipes', 'followerreads', 'testing', 'tls'] as const
type Section = (typeof sections)[number]

interface Config {
  wire: WireBenchOptions
  durable: WireBenchOptions
  fsyncMs: number
  fsyncRuns: number
  recovery: RecoveryBenchOptions
  ensemble: EnsembleBenchOptions
  /** Rounds of benchLock() in process, and of the Lock benches over TCP (Paddock's client and kazoo). */
  lockRounds: { inProcess: number; tcp: number }
  followerReads: FollowerReadsBenchOptions
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
  lockRounds: { inProcess: 5, tcp: 3 },
  followerReads: {
    runs: 5, durationMs: 2_000, readsMax: 100_000, warmupMs: 1_000, writesInFlight: 100, writesMax: 200_000, writeNodes: 4,
    tickTimeMs: 2_000, initLimit: 10, syncLimit: 5, apacheHeapMb: 512, budgetMs: 120_000,
  },
}
const quickConfig: Config = {
  wire: { ...fullConfig.wire, runs: 1, durationMs: 300, countMax: 2_000, warmupMs: 200 },
  durable: { ...fullConfig.durable, runs: 1, durationMs: 300, countMax: 2_000, warmupMs: 100 },
  fsyncMs: 300,
  fsyncRuns: 1,
  recovery: { ...fullConfig.recovery, counts: [2_000, 10_000], restarts: 1, loadTimeMaxMs: 30_000, apacheHeapMb: 1_000 },
  ensemble: { ...fullConfig.ensemble, runs: 1, failoversPerRun: 1, durationMs: 500, countMax: 5_000, warmupMs: 200, budgetMs: 60_000, catchUpZnodes: 5_000 },
  lockRounds: { inProcess: 1, tcp: 1 },
  followerReads: { ...fullConfig.followerReads, runs: 1, durationMs: 500, readsMax: 20_000, warmupMs: 200, writesMax: 50_000, budgetMs: 30_000 },
}

interface Results {
  meta: Record<string, unknown>
  inprocess?: InProcessResult[]
  wire?: WireBenchResult
  durable?: WireBenchResult & { fsyncPerSec: Summary; fsyncPreallocatedPerSec: Summary; fsyncDir: string }
  recovery?: RecoveryBenchResult
  ensemble?: EnsembleBenchResult
  recipes?: RecipesResult
  followerreads?: FollowerReadsBenchResult
  testing?: TestingBenchResult
  tls?: TlsBenchResult
}

interface RecipesResult {
  /** Lock measures by row label (client, server); an error message where one could not run. */
  rows: { label: string; result: LockBenchResult | undefined; error?: string }[]
}

function parse(): { only: Set<Section>; quick: boolean; json: string | undefined } {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
    },
  })
  const picked = (values.only ?? []).flatMap((v) => v.split(/[,|]/)).filter((v) => v !== '')
  for (const name of picked) {
    if (!(sections as readonly string[]).includes(name)) throw new TypeError(`--only ${name}: expected one of ${sections.join(', ')}`)
  }
  return { only: new Set((picked.length === 0 ? sections : picked) as Section[]), quick: values.quick, json: values.json }
}

const log = (line: string): void => console.error(line)

function ms(s: Summary): string {
  return fmtNum(s.median, s.median < 10 ? 2 : 0)
}

function printWire(title: string, result: WireBenchResult): void {
  console.log(`\n### ${title}`)
  console.log(`medians of ${result.options.runs} run(s); each phase ≤ ${result.options.durationMs} ms or ≤ ${fmtInt(result.options.countMax)} requests; ratios are Paddock / Apache; ± is half the range over the median\n`)
  console.log(markdownTable(
    ['op', 'in flight', 'Paddock ops/s', 'Apache ops/s', 'P/A ops/s', 'Paddock p50 / p99 ms', 'Apache p50 / p99 ms', 'P/A p50', 'P/A p99', 'spread P / A'],
    result.rows.map((r) => [
      r.op, String(r.inFlight),
      fmtInt(r.paddock.opsPerSec.median), fmtInt(r.apache.opsPerSec.median), fmtRatio(r.opsRatio),
      `${ms(r.paddock.p50Ms)} / ${ms(r.paddock.p99Ms)}`, `${ms(r.apache.p50Ms)} / ${ms(r.apache.p99Ms)}`,
      fmtRatio(r.p50Ratio), fmtRatio(r.p99Ratio),
      `${fmtSpread(r.paddock.opsPerSec)} / ${fmtSpread(r.apache.opsPerSec)}`,
    ]),
  ))
  const errors = result.rows.filter((r) => r.paddock.errors + r.apache.errors > 0)
  for (const r of errors) console.log(`  warning: ${r.op}@${r.inFlight}: ${r.paddock.errors} Paddock / ${r.apache.errors} Apache replies had errors`)
}

function printTls(result: TlsBenchResult): void {
  console.log('\n### TLS on the client port: Paddock in memory over plain text vs over TLS (TLSv1.3, ssl.clientAuth=need, EC P-256), 100-byte values')
  console.log(`medians of ${result.options.runs} run(s) of each; each phase ≤ ${result.options.durationMs} ms or ≤ ${fmtInt(result.options.countMax)} requests; ratios are TLS / plain; ± is half the range over the median\n`)
  console.log(markdownTable(
    ['op', 'in flight', 'plain ops/s', 'TLS ops/s', 'TLS/plain ops/s', 'plain p50 / p99 ms', 'TLS p50 / p99 ms', 'TLS/plain p50', 'spread plain / TLS'],
    result.rows.map((r) => [
      r.op, String(r.inFlight),
      fmtInt(r.plain.opsPerSec.median), fmtInt(r.tls.opsPerSec.median), fmtRatio(r.opsRatio),
      `${ms(r.plain.p50Ms)} / ${ms(r.plain.p99Ms)}`, `${ms(r.tls.p50Ms)} / ${ms(r.tls.p99Ms)}`, fmtRatio(r.p50Ratio),
      `${fmtSpread(r.plain.opsPerSec)} / ${fmtSpread(r.tls.opsPerSec)}`,
    ]),
  ))
  console.log(`\nstart-up, spawn → first create reply: plain ${ms(result.startupMs.plain)} ms, TLS ${ms(result.startupMs.tls)} ms (handshake included)`)
  for (const r of result.rows.filter((row) => row.plain.errors + row.tls.errors > 0)) console.log(`  warning: ${r.op}@${r.inFlight}: ${r.plain.errors} plain / ${r.tls.errors} TLS replies had errors`)
}

function printServerFacts(result: WireBenchResult): void {
  console.log('')
  console.log(markdownTable(
    ['measure', 'Paddock', 'Apache', 'P/A', 'spread P / A'],
    [
      ['start-up: spawn → first create reply (ms)', ms(result.startupMs.paddock), ms(result.startupMs.apache), fmtRatio(result.startupMs.ratio),
        `${fmtSpread(result.startupMs.paddock)} / ${fmtSpread(result.startupMs.apache)}`],
      ['server RSS after the phases', fmtMiB(result.rssBytes.paddock.median), fmtMiB(result.rssBytes.apache.median), fmtRatio(result.rssBytes.ratio),
        `${fmtSpread(result.rssBytes.paddock)} / ${fmtSpread(result.rssBytes.apache)}`],
      ['server peak RSS (VmHWM)', fmtMiB(result.peakRssBytes.paddock.median), fmtMiB(result.peakRssBytes.apache.median), fmtRatio(result.peakRssBytes.ratio),
        `${fmtSpread(result.peakRssBytes.paddock)} / ${fmtSpread(result.peakRssBytes.apache)}`],
    ],
  ))
}

function printRecovery(result: RecoveryBenchResult): void {
  console.log('\n### Recovery: N znodes of 100 bytes, clean stop, restart on the same dataDir')
  console.log(`recovery = spawn → first successful getData of the last znode, median of ${result.options.restarts} restart(s); disk = du of the dataDir (allocated / apparent)\n`)
  console.log(markdownTable(
    ['znodes', 'server', 'created', 'load creates/s', 'recovery ms', 'spread', 'disk allocated', 'disk apparent', 'RSS after recovery', 'note'],
    result.runs.map((r) => [
      fmtInt(r.count), r.kind, fmtInt(r.created), fmtInt(r.loadOpsPerSec), ms(r.recoveryMs), fmtSpread(r.recoveryMs),
      fmtMiB(r.disk.allocatedBytes), fmtMiB(r.disk.apparentBytes), fmtMiB(r.rss.rssBytes), r.note ?? '',
    ]),
  ))
  const ratios: string[][] = []
  for (const count of result.options.counts) {
    const p = result.runs.find((r) => r.kind === 'paddock' && r.count === count)
    const a = result.runs.find((r) => r.kind === 'apache' && r.count === count)
    if (p === undefined || a === undefined) continue
    ratios.push([fmtInt(count), fmtRatio(ratio(p.recoveryMs.median, a.recoveryMs.median)), fmtRatio(ratio(p.disk.allocatedBytes, a.disk.allocatedBytes)),
      fmtRatio(ratio(p.loadOpsPerSec, a.loadOpsPerSec))])
  }
  if (ratios.length > 0) {
    console.log('')
    console.log(markdownTable(['znodes', 'P/A recovery time', 'P/A disk allocated', 'P/A load creates/s'], ratios))
  }
}

function printEnsemble(result: EnsembleBenchResult): void {
  const o = result.options
  console.log(`\n### Ensemble: 3 members on this machine, Paddock (LevelDB) vs Apache ZooKeeper 3.8 (forceSync=yes), 100-byte values`)
  console.log(`tickTime=${o.tickTimeMs} initLimit=${o.initLimit} syncLimit=${o.syncLimit} for both; ${o.inFlight} in flight over one pipelined client per member; ` +
    `medians of ${o.runs} fresh ensemble(s) per server, alternating; each phase ≤ ${o.durationMs} ms or ≤ ${fmtInt(o.countMax)} requests; ± is half the range over the median\n`)
  console.log(markdownTable(
    ['op', 'Paddock ops/s', 'Apache ops/s', 'P/A ops/s', 'Paddock p50 / p99 ms', 'Apache p50 / p99 ms', 'P/A p50', 'P/A p99', 'spread P / A'],
    result.rows.map((r) => [
      r.op, fmtInt(r.opsPerSec.paddock.median), fmtInt(r.opsPerSec.apache.median), fmtRatio(r.opsPerSec.ratio),
      `${ms(r.p50Ms.paddock)} / ${ms(r.p99Ms.paddock)}`, `${ms(r.p50Ms.apache)} / ${ms(r.p99Ms.apache)}`,
      fmtRatio(r.p50Ms.ratio), fmtRatio(r.p99Ms.ratio),
      `${fmtSpread(r.opsPerSec.paddock)} / ${fmtSpread(r.opsPerSec.apache)}`,
    ]),
  ))
  for (const r of result.rows) {
    if (r.errors.paddock + r.errors.apache > 0) console.log(`  warning: ${r.op}: ${r.errors.paddock} Paddock / ${r.errors.apache} Apache replies had errors`)
  }
  const trials = (kind: ServerKind): string => result.raw.filter((r) => r.kind === kind).flatMap((r) => r.failovers.map((f) => fmtNum(f.ms, 0))).join(', ')
  console.log(`\nfailover = SIGKILL of the leader → reply to the first successful setData sent after it by a client writing one at a time through a follower ` +
    `(new session on a surviving member when the connection drops or a write goes unanswered ${'>'} 5 s; retries every 20 ms); killed member restarted between trials\n`)
  console.log(markdownTable(
    ['measure', 'Paddock', 'Apache', 'P/A', 'spread P / A', 'runs: Paddock; Apache'],
    [
      ['failover (ms, median)', ms(result.failoverMs.paddock), ms(result.failoverMs.apache), fmtRatio(result.failoverMs.ratio),
        `${fmtSpread(result.failoverMs.paddock)} / ${fmtSpread(result.failoverMs.apache)}`, `${trials('paddock')}; ${trials('apache')}`],
      ['ensemble start-up: spawn → 3 serving (ms)', ms(result.startupMs.paddock), ms(result.startupMs.apache), fmtRatio(result.startupMs.ratio),
        `${fmtSpread(result.startupMs.paddock)} / ${fmtSpread(result.startupMs.apache)}`,
        `${result.startupMs.paddock.runs.map((v) => fmtNum(v, 0)).join(', ')}; ${result.startupMs.apache.runs.map((v) => fmtNum(v, 0)).join(', ')}`],
      [`catch-up: restart of a follower ${fmtInt(o.catchUpZnodes)} znodes behind → following at the leader's zxid (ms)`,
        ms(result.catchUpMs.paddock), ms(result.catchUpMs.apache), fmtRatio(result.catchUpMs.ratio),
        `${fmtSpread(result.catchUpMs.paddock)} / ${fmtSpread(result.catchUpMs.apache)}`,
        `${result.catchUpMs.paddock.runs.map((v) => fmtNum(v, 0)).join(', ')}; ${result.catchUpMs.apache.runs.map((v) => fmtNum(v, 0)).join(', ')}`],
    ],
  ))
  const loads = result.raw.map((r) => r.load1.toFixed(1)).join(', ')
  console.log(`\n1-minute load average at the start of each ensemble run: ${loads}`)
  for (const note of result.notes) console.log(`  note: ${note}`)
}

function printFollowerReads(result: FollowerReadsBenchResult): void {
  const o = result.options
  console.log(`\n### Follower reads: one session's getData on a follower, alone and beside another session's writes there`)
  console.log(`3 Paddock members (LevelDB) on this machine, tickTime=${o.tickTimeMs}; both sessions on the same follower over Paddock's TCP client; ` +
    `reader: one getData of a 100-byte znode at a time for ${o.durationMs} ms (≤ ${fmtInt(o.readsMax)}); writer: ${o.writesInFlight} setData of 100 bytes in flight over ${o.writeNodes} znodes; ` +
    `medians of ${o.runs} fresh ensemble(s), phase order alternating; ± is half the range over the median\n`)
  const { idle, loaded } = result
  const cell = (s: Summary): string => fmtNum(s.median, 2)
  console.log(markdownTable(
    ['reader', 'p50 ms', 'p99 ms', 'max ms', 'reads/s', 'writes/s (other session)', 'write p50 ms', 'spread p50 / p99'],
    [
      ['no write load', cell(idle.p50Ms), cell(idle.p99Ms), cell(idle.maxMs), fmtInt(idle.readsPerSec.median), '0', '–', `${fmtSpread(idle.p50Ms)} / ${fmtSpread(idle.p99Ms)}`],
      [`${o.writesInFlight} writes in flight`, cell(loaded.p50Ms), cell(loaded.p99Ms), cell(loaded.maxMs), fmtInt(loaded.readsPerSec.median),
        fmtInt(loaded.writesPerSec.median), cell(loaded.writeP50Ms), `${fmtSpread(loaded.p50Ms)} / ${fmtSpread(loaded.p99Ms)}`],
      ['loaded / idle', fmtRatio(ratio(loaded.p50Ms.median, idle.p50Ms.median)), fmtRatio(ratio(loaded.p99Ms.median, idle.p99Ms.median)),
        fmtRatio(ratio(loaded.maxMs.median, idle.maxMs.median)), fmtRatio(ratio(loaded.readsPerSec.median, idle.readsPerSec.median)), '', '', ''],
    ],
  ))
  if (loaded.writeErrors > 0) console.log(`  warning: ${loaded.writeErrors} writes failed or went unanswered`)
  const loads = result.raw.map((r) => r.load1.toFixed(1)).join(', ')
  console.log(`\n1-minute load average at the start of each run: ${loads}`)
  for (const note of result.notes) console.log(`  note: ${note}`)
}

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
  return { rows }
}

function printRecipes(result: RecipesResult, rounds: Config['lockRounds']): void {
  console.log(`\n### Lock recipe: uncontended acquire+release, and hand-off among contending sessions`)
  console.log(`benchLock() (test/bench/recipes.ts): medians over ${rounds.inProcess} round(s) in process, ${rounds.tcp} over TCP; kazoo: test/bench/python/kazoo_lock_bench.py, measured the same way\n`)
  console.log(markdownTable(
    ['client → server', 'acquire+release /s', 'hand-off p50 ms', 'hand-off p99 ms', 'contenders'],
    result.rows.map((r) => r.result === undefined
      ? [r.label, `failed: ${r.error ?? ''}`, '', '', '']
      : [r.label, fmtInt(r.result.uncontendedPerSec), fmtNum(r.result.handoffMedianMs, 2), fmtNum(r.result.handoffP99Ms, 2), String(r.result.contenders)]),
  ))
}

async function main(): Promise<void> {
  const { only, quick, json } = parse()
  const config = quick ? quickConfig : fullConfig
  const startedAt = Date.now()
  const results: Results = {
    meta: {
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), date: new Date().toISOString(), node: process.version,
      cpus: cpus().length, cpuModel: cpus()[0]?.model, loadavgBefore: loadavg(), quick, sections: [...only],
      apache: 'Debian zookeeper 3.8 (ZooKeeperServerMain, forceSync=yes default, -Xmx1000m; recovery -Xmx as in options; ensemble: 3 QuorumPeerMain JVMs, -Xmx as in options)',
    },
  }
  console.log(`# Paddock bench (${quick ? 'quick' : 'full'}) — Node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  if (only.has('inprocess')) {
    log('in-process …')
    results.inprocess = await benchInProcess()
    console.log('\n### In-process client, in-memory server, 100-byte values (median of 5 rounds)\n')
    console.log(markdownTable(['op', 'ops/s'], results.inprocess.map((r) => [r.op, fmtInt(r.opsPerSec)])))
  }
  if (only.has('wire')) {
    log('wire: Paddock in memory vs Apache ZooKeeper …')
    results.wire = await benchWire(config.wire, log)
    printWire('Wire: Paddock standalone in memory vs Apache ZooKeeper 3.8 standalone (forceSync=yes), 100-byte values', results.wire)
    printServerFacts(results.wire)
  }
  if (only.has('tls')) {
    log('tls: Paddock in memory over plain text vs TLS …')
    results.tls = await benchTls(config.wire, log)
    printTls(results.tls)
  }
  if (only.has('durable')) {
    log('durable: raw fsync, then Paddock on LevelDB vs Apache ZooKeeper …')
    const fsyncDir = tmpdir()
    const fsync: number[] = []
    const fsyncPreallocated: number[] = []
    for (let i = 0; i < config.fsyncRuns; i++) {
      fsync.push(await measureFsyncPerSec(fsyncDir, config.fsyncMs))
      fsyncPreallocated.push(await measurePreallocatedFsyncPerSec(fsyncDir, config.fsyncMs))
    }
    const durable = await benchWire(config.durable, log)
    results.durable = { ...durable, fsyncPerSec: summarize(fsync), fsyncPreallocatedPerSec: summarize(fsyncPreallocated), fsyncDir }
    printWire('Durable: Paddock on LevelDB (dataDir) vs Apache ZooKeeper 3.8 (forceSync=yes), 100-byte values', durable)
    const { fsyncPerSec, fsyncPreallocatedPerSec } = results.durable
    console.log(`\nraw write(64 B)+fdatasync on ${fsyncDir} (the ceiling for one-at-a-time durable writes; ${config.fsyncRuns} × ${config.fsyncMs} ms each):`)
    console.log(`  appending to a file:             ${fmtInt(fsyncPerSec.median)} /s (${fmtSpread(fsyncPerSec)}; runs ${fsyncPerSec.runs.map(fmtInt).join(', ')})`)
    console.log(`  in place over a preallocated one: ${fmtInt(fsyncPreallocatedPerSec.median)} /s (${fmtSpread(fsyncPreallocatedPerSec)}; runs ${fsyncPreallocatedPerSec.runs.map(fmtInt).join(', ')})`)
  }
  if (only.has('recovery')) {
    log('recovery …')
    results.recovery = await benchRecovery(config.recovery, log)
    printRecovery(results.recovery)
  }
  if (only.has('ensemble')) {
    log('ensemble: 3-member Paddock vs Apache ZooKeeper ensembles …')
    results.ensemble = await benchEnsemble(config.ensemble, log)
    printEnsemble(results.ensemble)
  }
  if (only.has('recipes')) {
    log('recipes: Lock …')
    results.recipes = await benchRecipes(config.lockRounds)
    printRecipes(results.recipes, config.lockRounds)
  }
  if (only.has('followerreads')) {
    log('followerreads: getData latency on a follower with and without another session\'s writes …')
    results.followerreads = await benchFollowerReads(config.followerReads, log)
    printFollowerReads(results.followerreads)
  }
  if (only.has('testing')) {
    log('testing: TestingCluster(3) on the virtual clock …')
    results.testing = await benchTestingCluster(quick ? 3 : 15)
    printTesting(results.testing)
  }
  results.meta['loadavgAfter'] = loadavg()
  results.meta['elapsedSec'] = (Date.now() - startedAt) / 1000
  console.log(`\nelapsed ${((Date.now() - startedAt) / 1000).toFixed(0)} s; load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  if (json !== undefined) {
    await writeFile(json, `${JSON.stringify(results, null, 2)}\n`)
    console.log(`results written to ${json}`)
  }
}

function printTesting(r: TestingBenchResult): void {
  const row = (label: string, values: number[]) => {
    const s = summarize(values)
    return [label, `${fmtNum(s.median, 1)} ms`, fmtSpread(s)]
  }
  console.log(`\n### TestingCluster(3), virtual clock, wall time (${r.rounds} warm rounds; first, cold round: start → first write ${fmtNum(r.coldStartToWriteMs, 1)} ms)\n`)
  console.log(markdownTable(['measure', 'median', 'spread'], [
    row('start → first acknowledged write', r.startToWriteMs),
    row('crash(leader) → next acknowledged write', r.crashToWriteMs),
    row('kill(leader) → next acknowledged write', r.killToWriteMs),
    row('crash failover, virtual time', r.crashVirtualMs),
  ]))
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
