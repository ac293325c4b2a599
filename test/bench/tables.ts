// Method: each section's numbers as titled tables with their explanations, built once from the
// results and then printed as markdown (the console) or HTML (the report), so both say the same.
import { bigRecoveryAimMs, bigRecoveryAimRssRatio, type BigRecoveryBenchResult, type BigRecoveryServer, type DataStep, type ServeTry } from './big-recovery.js'
import type { CuratorTestingResult } from './curator-testing.js'
import type { EnsembleBenchResult } from './ensemble.js'
import type { FailoverBenchResult } from './failover.js'
import type { FollowerReadsBenchResult } from './follower-reads.js'
import type { InProcessResult } from './in-process.js'
import type { MemoryBenchResult } from './memory.js'
import type { RecoveryBenchResult } from './recovery.js'
import { fmtInt, fmtMiB, fmtNum, fmtRatio, fmtSpread, markdownTable, ratio, summarize, type Summary } from './report.js'
import type { BenchResults, DurableResult, RecipesResult } from './results.js'
import type { ServerKind } from './servers.js'
import type { ScaleBenchResult } from './scale.js'
import type { SnapshotLoadResult } from './snapshot-load.js'
import type { StartupBenchResult, StartupMeasure } from './startup.js'
import type { TestingBenchResult } from './testing.js'
import type { TlsBenchResult } from './tls.js'
import type { WireBenchResult } from './wire.js'

/** One piece of a {@link SectionReport}. */
export type ReportBlock =
  /** A paragraph. */
  | { kind: 'text'; text: string }
  /** A warning or note on what came just before it. */
  | { kind: 'note'; text: string }
  /** A table: the first column names the row, the others are numbers. */
  | { kind: 'table'; header: string[]; rows: string[][] }

/** One section's numbers: a title, then paragraphs, notes and tables in order. */
export interface SectionReport {
  /** The section heading. */
  title: string
  /** What follows it. */
  blocks: ReportBlock[]
}

const text = (value: string): ReportBlock => ({ kind: 'text', text: value })
const note = (value: string): ReportBlock => ({ kind: 'note', text: value })
const table = (header: string[], rows: string[][]): ReportBlock => ({ kind: 'table', header, rows })

/** A median in ms: two decimals below 10, none above. */
function ms(s: Summary): string {
  return fmtNum(s.median, s.median < 10 ? 2 : 0)
}

/** Every run of `s`, whole numbers, comma-separated. */
const runsOf = (s: Summary): string => s.runs.map((v) => fmtNum(v, 0)).join(', ')

/** The section as markdown: a `###` heading, paragraphs and tables after blank lines, notes indented under them. */
export function markdownOf(section: SectionReport): string {
  const lines = [`\n### ${section.title}`]
  section.blocks.forEach((block, i) => {
    if (block.kind === 'note') lines.push(`  ${block.text}`)
    else if (block.kind === 'text') lines.push(i === 0 ? block.text : `\n${block.text}`)
    else lines.push(`\n${markdownTable(block.header, block.rows)}`)
  })
  return lines.join('\n')
}

/** In-process throughput. */
export function inProcessSection(rows: readonly InProcessResult[]): SectionReport {
  return {
    title: 'In-process client, in-memory server, 100-byte values (median of 5 rounds)',
    blocks: [
      table(['op', 'ops/s', "bench loop's floor ops/s"], rows.map((r) => [r.op, fmtInt(r.opsPerSec), r.floorOpsPerSec === undefined ? '—' : fmtInt(r.floorOpsPerSec)])),
      text("the floor: the same loop around a bare Map lookup, a new Stat and (getData) a slab copy of the value, with no server"),
    ],
  }
}

/** Wire or durable: Paddock against Apache per op and in-flight level, then start-up and memory. */
export function wireSection(title: string, result: WireBenchResult): SectionReport {
  const blocks: ReportBlock[] = [
    text(`medians of ${result.options.runs} run(s); each phase ≤ ${result.options.durationMs} ms or ≤ ${fmtInt(result.options.countMax)} requests; ratios are Paddock / Apache; ± is half the range over the median`),
    table(
      ['op', 'in flight', 'Paddock ops/s', 'Apache ops/s', 'P/A ops/s', 'Paddock p50 / p99 ms', 'Apache p50 / p99 ms', 'P/A p50', 'P/A p99', 'spread P / A'],
      result.rows.map((r) => [
        r.op, String(r.inFlight),
        fmtInt(r.paddock.opsPerSec.median), fmtInt(r.apache.opsPerSec.median), fmtRatio(r.opsRatio),
        `${ms(r.paddock.p50Ms)} / ${ms(r.paddock.p99Ms)}`, `${ms(r.apache.p50Ms)} / ${ms(r.apache.p99Ms)}`,
        fmtRatio(r.p50Ratio), fmtRatio(r.p99Ratio),
        `${fmtSpread(r.paddock.opsPerSec)} / ${fmtSpread(r.apache.opsPerSec)}`,
      ]),
    ),
  ]
  for (const r of result.rows.filter((row) => row.paddock.errors + row.apache.errors > 0)) {
    blocks.push(note(`warning: ${r.op}@${r.inFlight}: ${r.paddock.errors} Paddock / ${r.apache.errors} Apache replies had errors`))
  }
  blocks.push(serverFacts(result))
  return { title, blocks }
}

function serverFacts(result: WireBenchResult): ReportBlock {
  const row = (label: string, f: (v: number) => string, c: { paddock: Summary; apache: Summary; ratio: number }): string[] =>
    [label, f(c.paddock.median), f(c.apache.median), fmtRatio(c.ratio), `${fmtSpread(c.paddock)} / ${fmtSpread(c.apache)}`]
  return table(['measure', 'Paddock', 'Apache', 'P/A', 'spread P / A'], [
    row('start-up: spawn → first create reply (ms)', (v) => fmtNum(v, v < 10 ? 2 : 0), result.startupMs),
    row('server RSS after the phases', fmtMiB, result.rssBytes),
    row('server peak RSS (VmHWM)', fmtMiB, result.peakRssBytes),
  ])
}

/** The durable section: the wire tables on dataDirs, then the disk's raw fsync rates. */
export function durableSection(result: DurableResult): SectionReport {
  const section = wireSection('Durable: Paddock on LevelDB (dataDir) vs Apache ZooKeeper 3.8 (forceSync=yes), 100-byte values', result)
  const { fsyncPerSec, fsyncPreallocatedPerSec } = result
  const rate = (s: Summary): string => `${fmtInt(s.median)} /s (${fmtSpread(s)}; runs ${s.runs.map(fmtInt).join(', ')})`
  section.blocks.push(
    text(`raw write(64 B)+fdatasync on ${result.fsyncDir} (the ceiling for one-at-a-time durable writes; ${fsyncPerSec.runs.length} × ${result.fsyncMs ?? '?'} ms each):`),
    note(`appending to a file:             ${rate(fsyncPerSec)}`),
    note(`in place over a preallocated one: ${rate(fsyncPreallocatedPerSec)}`),
  )
  return section
}

/** TLS against plain text on Paddock. */
export function tlsSection(result: TlsBenchResult): SectionReport {
  const blocks: ReportBlock[] = [
    text(`medians of ${result.options.runs} run(s) of each; each phase ≤ ${result.options.durationMs} ms or ≤ ${fmtInt(result.options.countMax)} requests; ratios are TLS / plain; ± is half the range over the median`),
    table(
      ['op', 'in flight', 'plain ops/s', 'TLS ops/s', 'TLS/plain ops/s', 'plain p50 / p99 ms', 'TLS p50 / p99 ms', 'TLS/plain p50', 'spread plain / TLS'],
      result.rows.map((r) => [
        r.op, String(r.inFlight),
        fmtInt(r.plain.opsPerSec.median), fmtInt(r.tls.opsPerSec.median), fmtRatio(r.opsRatio),
        `${ms(r.plain.p50Ms)} / ${ms(r.plain.p99Ms)}`, `${ms(r.tls.p50Ms)} / ${ms(r.tls.p99Ms)}`, fmtRatio(r.p50Ratio),
        `${fmtSpread(r.plain.opsPerSec)} / ${fmtSpread(r.tls.opsPerSec)}`,
      ]),
    ),
    text(`start-up, spawn → first create reply: plain ${ms(result.startupMs.plain)} ms, TLS ${ms(result.startupMs.tls)} ms (handshake included)`),
  ]
  for (const r of result.rows.filter((row) => row.plain.errors + row.tls.errors > 0)) {
    blocks.push(note(`warning: ${r.op}@${r.inFlight}: ${r.plain.errors} plain / ${r.tls.errors} TLS replies had errors`))
  }
  return { title: 'TLS on the client port: Paddock in memory over plain text vs over TLS (TLSv1.3, ssl.clientAuth=need, EC P-256), 100-byte values', blocks }
}

/** Recovery per count and server, and Paddock / Apache where both ran. */
export function recoverySection(result: RecoveryBenchResult): SectionReport {
  const blocks: ReportBlock[] = [
    text(`recovery = spawn → first successful getData of the last znode, median of ${result.options.restarts} restart(s); disk = du of the dataDir (allocated / apparent)`),
    table(
      ['znodes', 'server', 'created', 'load creates/s', 'recovery ms', 'spread', 'disk allocated', 'disk apparent', 'RSS after recovery', 'note'],
      result.runs.map((r) => [
        fmtInt(r.count), r.kind, fmtInt(r.created), fmtInt(r.loadOpsPerSec), ms(r.recoveryMs), fmtSpread(r.recoveryMs),
        fmtMiB(r.disk.allocatedBytes), fmtMiB(r.disk.apparentBytes), fmtMiB(r.rss.rssBytes), r.note ?? '',
      ]),
    ),
  ]
  const ratios: string[][] = []
  for (const count of result.options.counts) {
    const p = result.runs.find((r) => r.kind === 'paddock' && r.count === count)
    const a = result.runs.find((r) => r.kind === 'apache' && r.count === count)
    if (p === undefined || a === undefined) continue
    ratios.push([fmtInt(count), fmtRatio(ratio(p.recoveryMs.median, a.recoveryMs.median)), fmtRatio(ratio(p.disk.allocatedBytes, a.disk.allocatedBytes)),
      fmtRatio(ratio(p.loadOpsPerSec, a.loadOpsPerSec))])
  }
  if (ratios.length > 0) blocks.push(table(['znodes', 'P/A recovery time', 'P/A disk allocated', 'P/A load creates/s'], ratios))
  return { title: 'Recovery: N znodes of 100 bytes, clean stop, restart on the same dataDir', blocks }
}

/** Memory of the in-process tree at each count, and per znode over the start. */
export function memorySection(result: MemoryBenchResult): SectionReport {
  const { baseline } = result
  const perZnode = (bytes: number, base: number, znodes: number): string => (znodes === 0 ? '–' : fmtInt((bytes - base) / znodes))
  const blocks: ReportBlock[] = [
    text(`a fresh Node process with an in-memory server and its in-process client; znodes of 100 bytes under one parent, created in batches of 1,000; ` +
      `measured after two full GCs; per znode = growth over the start divided by the count; growing stops after ${fmtInt(result.options.timeMaxMs / 1000)} s`),
    table(
      ['znodes', 'heap used', 'external', 'RSS', 'heap + external bytes / znode', 'RSS bytes / znode', 'time to create (ms)'],
      [baseline, ...result.samples].map((s) => [
        fmtInt(s.znodes), fmtMiB(s.heapUsedBytes), fmtMiB(s.externalBytes), fmtMiB(s.rssBytes),
        perZnode(s.heapUsedBytes + s.externalBytes, baseline.heapUsedBytes + baseline.externalBytes, s.znodes), perZnode(s.rssBytes, baseline.rssBytes, s.znodes), fmtInt(s.elapsedMs),
      ]),
    ),
  ]
  if (result.note !== undefined) blocks.push(note(`note: ${result.note}`))
  return { title: 'Memory: an in-memory Paddock tree in a process of its own, by znode count', blocks }
}

/** The ensemble: throughput and latency per op, then failover, start-up and catch-up. */
export function ensembleSection(result: EnsembleBenchResult): SectionReport {
  const o = result.options
  const blocks: ReportBlock[] = [
    text(`tickTime=${o.tickTimeMs} initLimit=${o.initLimit} syncLimit=${o.syncLimit} for both; ${o.inFlight} in flight over one pipelined client per member; ` +
      `medians of ${o.runs} fresh ensemble(s) per server, alternating; each phase ≤ ${o.durationMs} ms or ≤ ${fmtInt(o.countMax)} requests; ± is half the range over the median`),
    table(
      ['op', 'Paddock ops/s', 'Apache ops/s', 'P/A ops/s', 'Paddock p50 / p99 ms', 'Apache p50 / p99 ms', 'P/A p50', 'P/A p99', 'spread P / A'],
      result.rows.map((r) => [
        r.op, fmtInt(r.opsPerSec.paddock.median), fmtInt(r.opsPerSec.apache.median), fmtRatio(r.opsPerSec.ratio),
        `${ms(r.p50Ms.paddock)} / ${ms(r.p99Ms.paddock)}`, `${ms(r.p50Ms.apache)} / ${ms(r.p99Ms.apache)}`,
        fmtRatio(r.p50Ms.ratio), fmtRatio(r.p99Ms.ratio),
        `${fmtSpread(r.opsPerSec.paddock)} / ${fmtSpread(r.opsPerSec.apache)}`,
      ]),
    ),
  ]
  for (const r of result.rows.filter((row) => row.errors.paddock + row.errors.apache > 0)) {
    blocks.push(note(`warning: ${r.op}: ${r.errors.paddock} Paddock / ${r.errors.apache} Apache replies had errors`))
  }
  blocks.push(
    text('failover = SIGKILL of the leader → reply to the first successful setData sent after it by a client writing one at a time through a follower ' +
      '(new session on a surviving member when the connection drops or a write goes unanswered > 5 s; retries every 20 ms); killed member restarted between trials'),
    ensembleFacts(result),
    text(`1-minute load average at the start of each ensemble run: ${result.raw.map((r) => r.load1.toFixed(1)).join(', ')}`),
    ...result.notes.map((n) => note(`note: ${n}`)),
  )
  return { title: 'Ensemble: 3 members on this machine, Paddock (LevelDB) vs Apache ZooKeeper 3.8 (forceSync=yes), 100-byte values', blocks }
}

function ensembleFacts(result: EnsembleBenchResult): ReportBlock {
  const trials = (kind: ServerKind): string => result.raw.filter((r) => r.kind === kind).flatMap((r) => r.failovers.map((f) => fmtNum(f.ms, 0))).join(', ')
  const row = (label: string, c: EnsembleBenchResult['failoverMs'], runs: string): string[] =>
    [label, ms(c.paddock), ms(c.apache), fmtRatio(c.ratio), `${fmtSpread(c.paddock)} / ${fmtSpread(c.apache)}`, runs]
  return table(['measure', 'Paddock', 'Apache', 'P/A', 'spread P / A', 'runs: Paddock; Apache'], [
    row('failover (ms, median)', result.failoverMs, `${trials('paddock')}; ${trials('apache')}`),
    row('ensemble start-up: spawn → 3 serving (ms)', result.startupMs, `${runsOf(result.startupMs.paddock)}; ${runsOf(result.startupMs.apache)}`),
    row(`catch-up: restart of a follower ${fmtInt(result.options.catchUpZnodes)} znodes behind → following at the leader's zxid (ms)`, result.catchUpMs,
      `${runsOf(result.catchUpMs.paddock)}; ${runsOf(result.catchUpMs.apache)}`),
  ])
}

/** Failover at each tickTime: the median over every leader kill of each server, and each trial. */
export function failoverSection(result: FailoverBenchResult): SectionReport {
  const o = result.options
  const trials = (r: EnsembleBenchResult, kind: ServerKind): string => r.raw.filter((run) => run.kind === kind).flatMap((run) => run.failovers.map((f) => fmtNum(f.ms, 0))).join(', ')
  return {
    title: 'Failover: SIGKILL of the leader of a 3-member ensemble → first acknowledged write, Paddock (LevelDB) vs Apache ZooKeeper 3.8',
    blocks: [
      text(`initLimit=${o.ensemble.initLimit} syncLimit=${o.ensemble.syncLimit} for both; per tickTime ${o.ensembles} fresh ensemble(s) per server, alternating, ` +
        `${o.killsPerEnsemble} leader kill(s) each (the killed member restarted between them); a client writes one setData at a time through a follower ` +
        '(new session on a surviving member when the connection drops or a write goes unanswered > 5 s; retries every 20 ms)'),
      table(['tickTime ms', 'Paddock median ms', 'Apache median ms', 'P/A', 'spread P / A', 'trials P / A', 'Paddock trials', 'Apache trials'],
        result.ticks.map(({ tickTimeMs, result: r }) => [
          String(tickTimeMs), ms(r.failoverMs.paddock), ms(r.failoverMs.apache), fmtRatio(r.failoverMs.ratio),
          `${fmtSpread(r.failoverMs.paddock)} / ${fmtSpread(r.failoverMs.apache)}`,
          `${r.failoverMs.paddock.runs.length} / ${r.failoverMs.apache.runs.length}`, trials(r, 'paddock'), trials(r, 'apache'),
        ])),
      text(`1-minute load average at the start of each ensemble: ${result.ticks.flatMap((t) => t.result.raw.map((r) => r.load1.toFixed(1))).join(', ')}`),
      ...result.ticks.flatMap((t) => t.result.notes.map((n) => note(`note (tickTime ${t.tickTimeMs}): ${n}`))),
    ],
  }
}

/** Latency while snapshots are written under write load, against latency between them. */
export function snapshotSection(result: SnapshotLoadResult): SectionReport {
  const o = result.options
  const p = (n: number): string => fmtNum(n, n < 10 ? 2 : 0)
  return {
    title: 'Snapshots under write load: Paddock standalone (LevelDB), setData latency while a snapshot is written vs between snapshots',
    blocks: [
      text(`${fmtInt(o.znodes)} znodes of 100 bytes, snapCount=${fmtInt(o.snapCount)}; setData with ${o.inFlight} in flight for ≤ ${o.durationMs} ms or ≤ ${fmtInt(o.countMax)} requests; ` +
        'a reply counts as "during" when its request was outstanding while a snapshot was being written'),
      table(['run', 'snapshots in the phase (ms each)', 'setData/s', 'steady p50 / p99 ms (replies)', 'during p50 / p99 / max ms (replies)', 'p99 during / steady'],
        result.runs.map((r, i) => [
          String(i + 1), r.snapshotMs.map((v) => fmtNum(v, 0)).join(', '), fmtInt(r.opsPerSec),
          `${p(r.steady.p50Ms)} / ${p(r.steady.p99Ms)} (${fmtInt(r.steady.count)})`,
          `${p(r.during.p50Ms)} / ${p(r.during.p99Ms)} / ${p(r.during.maxMs)} (${fmtInt(r.during.count)})`,
          fmtRatio(r.during.p99Ms / r.steady.p99Ms),
        ])),
      text(`median p99 during / steady over the runs: ${fmtRatio(result.p99Ratio.median)} (${fmtSpread(result.p99Ratio)})`),
      ...result.notes.map((n) => note(`note: ${n}`)),
    ],
  }
}

/** Follower reads, alone and beside another session's writes. */
export function followerReadsSection(result: FollowerReadsBenchResult): SectionReport {
  const o = result.options
  const { idle, loaded } = result
  const cell = (s: Summary): string => fmtNum(s.median, 2)
  const blocks: ReportBlock[] = [
    text(`3 Paddock members (LevelDB) on this machine, tickTime=${o.tickTimeMs}; both sessions on the same follower over Paddock's TCP client; ` +
      `reader: one getData of a 100-byte znode at a time for ${o.durationMs} ms (≤ ${fmtInt(o.readsMax)}); writer: ${o.writesInFlight} setData of 100 bytes in flight over ${o.writeNodes} znodes; ` +
      `medians of ${o.runs} fresh ensemble(s), phase order alternating; ± is half the range over the median`),
    table(
      ['reader', 'p50 ms', 'p99 ms', 'max ms', 'reads/s', 'writes/s (other session)', 'write p50 ms', 'spread p50 / p99'],
      [
        ['no write load', cell(idle.p50Ms), cell(idle.p99Ms), cell(idle.maxMs), fmtInt(idle.readsPerSec.median), '0', '–', `${fmtSpread(idle.p50Ms)} / ${fmtSpread(idle.p99Ms)}`],
        [`${o.writesInFlight} writes in flight`, cell(loaded.p50Ms), cell(loaded.p99Ms), cell(loaded.maxMs), fmtInt(loaded.readsPerSec.median),
          fmtInt(loaded.writesPerSec.median), cell(loaded.writeP50Ms), `${fmtSpread(loaded.p50Ms)} / ${fmtSpread(loaded.p99Ms)}`],
        ['loaded / idle', fmtRatio(ratio(loaded.p50Ms.median, idle.p50Ms.median)), fmtRatio(ratio(loaded.p99Ms.median, idle.p99Ms.median)),
          fmtRatio(ratio(loaded.maxMs.median, idle.maxMs.median)), fmtRatio(ratio(loaded.readsPerSec.median, idle.readsPerSec.median)), '', '', ''],
      ],
    ),
  ]
  if (loaded.writeErrors > 0) blocks.push(note(`warning: ${loaded.writeErrors} writes failed or went unanswered`))
  blocks.push(text(`1-minute load average at the start of each run: ${result.raw.map((r) => r.load1.toFixed(1)).join(', ')}`), ...result.notes.map((n) => note(`note: ${n}`)))
  return { title: 'Follower reads: one session\'s getData on a follower, alone and beside another session\'s writes', blocks }
}

/** The Lock recipe, in process and over TCP. */
export function recipesSection(result: RecipesResult): SectionReport {
  const rounds = result.rounds === undefined ? 'medians over the rounds' : `medians over ${result.rounds.inProcess} round(s) in process, ${result.rounds.tcp} over TCP`
  return {
    title: 'Lock recipe: uncontended acquire+release, and hand-off among contending sessions',
    blocks: [
      text(`benchLock() (test/bench/recipes.ts): ${rounds}; kazoo: test/bench/python/kazoo_lock_bench.py, measured the same way`),
      table(
        ['client → server', 'acquire+release /s', 'hand-off p50 ms', 'hand-off p99 ms', 'contenders'],
        result.rows.map((r) => r.result === undefined
          ? [r.label, `failed: ${r.error ?? ''}`, '', '', '']
          : [r.label, fmtInt(r.result.uncontendedPerSec), fmtNum(r.result.handoffMedianMs, 2), fmtNum(r.result.handoffP99Ms, 2), String(r.result.contenders)]),
      ),
    ],
  }
}

/** One row of the testing section: a measure's median and spread, in ms. */
function testingRow(label: string, values: readonly number[]): string[] {
  const s = summarize(values)
  return [label, `${fmtNum(s.median, 1)} ms`, fmtSpread(s)]
}

/** Paddock's TestingCluster on the virtual clock, in wall time; Curator's beside it, when it was measured. */
export function testingSection(r: TestingBenchResult): SectionReport {
  const rows = [
    testingRow('Paddock: start → first acknowledged write', r.startToWriteMs),
    testingRow('Paddock: crash(leader) → next acknowledged write', r.crashToWriteMs),
    testingRow('Paddock: kill(leader) → next acknowledged write', r.killToWriteMs),
    testingRow('Paddock: crash failover, virtual time', r.crashVirtualMs),
  ]
  const curator = r.curator?.skipped === undefined ? r.curator : undefined
  if (curator !== undefined) rows.push(...curatorRows(curator))
  const blocks: ReportBlock[] = [table(['measure', 'median', 'spread'], rows)]
  if (r.curator?.skipped !== undefined) blocks.push(note(`note: Curator's TestingCluster not measured: ${r.curator.skipped}`))
  if (curator !== undefined) blocks.push(...curatorBlocks(r, curator))
  return {
    title: `TestingCluster(3), wall time: Paddock's on the virtual clock (${r.rounds} warm rounds; first, cold round: start → first write ${fmtNum(r.coldStartToWriteMs, 1)} ms)` +
      (curator === undefined ? '' : ", Curator's in fresh JVMs"),
    blocks,
  }
}

/** Curator's rows of the testing section's table. */
function curatorRows(curator: CuratorTestingResult): string[][] {
  const name = `Curator ${curator.version ?? ''}`.trim()
  return [
    testingRow(`${name}: spawn of a fresh JVM → first acknowledged create`, curator.spawnToWriteMs),
    testingRow(`${name}: first round in the JVM, start → first acknowledged create`, curator.coldStartToWriteMs),
    testingRow(`${name}: start → first acknowledged create`, curator.startToWriteMs),
    testingRow(`${name}: killServer(leader) → next acknowledged create`, curator.killToWriteMs),
    testingRow(`${name}: the killServer(leader) call itself`, curator.killMs),
  ]
}

/** What Curator's rows measured, the ratios of Paddock's medians to Curator's, the load, and any failed JVM. */
function curatorBlocks(r: TestingBenchResult, curator: CuratorTestingResult): ReportBlock[] {
  const { jvms, roundsPerJvm } = curator.options
  const median = (values: readonly number[]): number => summarize(values).median
  // Paddock's medians are a small fraction of Curator's: three decimals, and the fraction's reciprocal.
  const cell = (paddock: number, other: number): string => {
    const value = ratio(paddock, other)
    return Number.isFinite(value) && value > 0 ? `${fmtNum(value, 3)}x (1/${fmtNum(1 / value, 0)})` : fmtRatio(value)
  }
  return [
    text(`Curator: Apache Curator's TestingCluster(3) (Debian libcurator-test-java${curator.javaVersion === undefined ? '' : `, ${curator.javaVersion}`}), ` +
      `${jvms} fresh JVM(s) one after another, ${roundsPerJvm} round(s) each, a new cluster every round on 127.0.0.1 with Curator's defaults otherwise; ` +
      'the first round of each JVM is cold (class loading, JIT) and reported apart, the other rows are its warm rounds; ' +
      'the next create goes through the same CuratorFramework, which reconnects to a survivor (Paddock\'s through a new session on a survivor)'),
    table(['Paddock / Curator (median wall time)', 'ratio'], [
      ['start → first acknowledged write (warm rounds)', cell(median(r.startToWriteMs), median(curator.startToWriteMs))],
      ['first round in a process (module or class loading, cold JIT)', cell(r.coldStartToWriteMs, median(curator.coldStartToWriteMs))],
      ['kill(leader) → next acknowledged write (warm rounds)', cell(median(r.killToWriteMs), median(curator.killToWriteMs))],
    ]),
    text(`1-minute load average as each Curator JVM was spawned: ${curator.load1.map((l) => l.toFixed(1)).join(', ')}`),
    ...curator.errors.map((e) => note(`warning: Curator ${e}`)),
  ]
}

/** Start-up of each process: wall time to the first create's reply, its spread and runs, and CPU time; then the ratios to Apache. */
export function startupSection(result: StartupBenchResult): SectionReport {
  const row = (label: string, m: StartupMeasure): string[] =>
    [label, ms(m.ms), `${fmtNum(m.ms.min, 0)} – ${fmtNum(m.ms.max, 0)}`, fmtSpread(m.ms), ms(m.cpuMs), runsOf(m.ms)]
  const heap = result.options.apacheHeapMb
  const blocks: ReportBlock[] = [
    text(`wall time from spawn to the reply of the first create sent by a client in the bench process (a new probe every 5 ms), median of ${result.options.runs} start(s) of each ` +
      `after one warm-up start of each, the order rotating; CPU = user + system time of the server process by that reply (10 ms resolution); ± is half the range over the median`),
    table(['process', 'median ms', 'min – max ms', 'spread', 'CPU ms', 'runs ms'], [
      row("node -e '' (spawn → exit: the floor)", result.node),
      row('paddock --port P (quick start, in memory)', result.quick),
      row('paddock server start-foreground zoo.cfg (LevelDB dataDir)', result.foreground),
      row(`Apache ZooKeeper 3.8 ZooKeeperServerMain zoo.cfg (-Xmx${heap}m)`, result.apache),
    ]),
    table(['Paddock / Apache (median wall time)', 'ratio'], [
      ['quick start (in memory)', fmtRatio(result.quickRatio)],
      ['server start-foreground (both durable, same zoo.cfg)', fmtRatio(result.foregroundRatio)],
    ]),
    text(`1-minute load average at the start of each run: ${result.load1.map((l) => l.toFixed(1)).join(', ')}`),
    ...result.notes.map((n) => note(`note: ${n}`)),
  ]
  return { title: 'Start-up: spawn → first acknowledged create, Paddock\'s command vs Apache ZooKeeper 3.8 standalone', blocks }
}

const mib = 1024 * 1024
/** `count` per `ms` milliseconds, per second. */
const perSec = (count: number, ms: number): string => fmtInt(count / (ms / 1000))
/** Bytes growth over `count` things, per thing. */
const perEach = (bytes: number, count: number): string => (count > 0 ? fmtInt(bytes / count) : '–')

function childrenRows(r: NonNullable<ScaleBenchResult['children']>): string[][] {
  const c = `1. getChildren, ${fmtInt(r.created)} children`
  const heap = r.held.heapUsedBytes + r.held.externalBytes - r.baseline.heapUsedBytes - r.baseline.externalBytes
  return [
    [c, 'in process: time of the call (median of 3)', `${ms(r.inProcessMs)} ms (${fmtInt(r.returned)} names)`],
    [c, 'member holding them: heap + external / RSS growth', `${fmtMiB(heap)} / ${fmtMiB(r.held.rssBytes - r.baseline.rssBytes)} (${perEach(heap, r.created)} B / child)`],
    [c, 'member: heap used / RSS / peak RSS after the calls', `${fmtMiB(r.held.heapUsedBytes)} / ${fmtMiB(r.held.rssBytes)} / ${fmtMiB(r.inProcessPeakRssBytes)}`],
    [c, 'reply on the wire / largest the client port sends', `${fmtInt(r.replyBytes)} B / ${fmtInt(r.replyBytesMax)} B`],
    [c, 'over TCP, bench wire client', `${r.wire.outcome} after ${fmtNum(r.wire.ms, 0)} ms`],
    [c, "over TCP, Paddock's client", `${r.tcpClient.outcome} after ${fmtNum(r.tcpClient.ms, 0)} ms`],
    [c, 'member peak RSS after the TCP calls', fmtMiB(r.wirePeakRssBytes)],
    [c, 'time to create the children in process', `${fmtInt(r.createMs)} ms`],
  ]
}

function watchesRows(r: NonNullable<ScaleBenchResult['watches']>): string[][] {
  const c = `2. ${fmtInt(r.watches)} data watches (${r.sessions} sessions x ${fmtInt(r.nodes)} znodes)`
  const heap = r.held.heapUsedBytes + r.held.externalBytes - r.baseline.heapUsedBytes - r.baseline.externalBytes
  return [
    [c, 'watches set per second', `${perSec(r.watches, r.setMs)} /s`],
    [c, 'memory per watch (member + client): heap + external / RSS', `${perEach(heap, r.watches)} B / ${perEach(r.held.rssBytes - r.baseline.rssBytes, r.watches)} B`],
    [c, 'events delivered per second (first setData → last event)', `${perSec(r.events, r.deliverMs)} /s (${fmtInt(r.events)} events)`],
    [c, 'setData per second while firing them', `${perSec(r.writes, r.writeMs)} /s`],
  ]
}

function sessionsRows(r: NonNullable<ScaleBenchResult['sessions']>): string[][] {
  const c = `3. ${fmtInt(r.connected)} idle TCP sessions`
  const busyMs = r.cpuMs - r.cpuIdleMs
  const perSessionUs = r.connected > 0 ? (busyMs * 1000) / r.connected / (r.idleMs / 1000) : Number.NaN
  return [
    [c, 'sessions opened / asked (ulimit -n soft / hard)', `${fmtInt(r.connected)} / ${fmtInt(r.sessions)} (${r.fdLimit.soft} / ${r.fdLimit.hard})`],
    [c, 'member CPU per idle session (over the member with none)', `${fmtNum(perSessionUs, 1)} µs CPU per s (${fmtNum((busyMs / r.idleMs) * 100, 1)}% of a core in all)`],
    [c, 'member CPU with the sessions / without, over the interval', `${fmtInt(r.cpuMs)} / ${fmtInt(r.cpuIdleMs)} ms in ${fmtInt(r.idleMs)} ms; ${fmtInt(r.pings)} pings`],
    [c, 'member memory per session (RSS growth)', `${perEach(r.rssAfterBytes - r.rssBeforeBytes, r.connected)} B (${fmtMiB(r.rssBeforeBytes)} → ${fmtMiB(r.rssAfterBytes)})`],
    [c, 'time to open them (200 at a time)', `${fmtInt(r.connectMs)} ms; ${r.failed} failed while idle`],
  ]
}

function bigValuesRows(r: NonNullable<ScaleBenchResult['bigValues']>): string[][] {
  const c = `4. setData of ${fmtInt(r.valueBytes)}-byte values, ${r.inFlight} in flight, LevelDB`
  const rate = (r.ops * r.valueBytes) / mib / r.seconds
  const disk = r.disk.bytes / mib / r.disk.seconds
  return [
    [c, 'largest value accepted / smallest refused', `${fmtInt(r.valueBytes)} B / ${r.refused === undefined ? '–' : `${fmtInt(r.refused.bytes)} B (${r.refused.outcome})`}`],
    [c, 'setData throughput', `${fmtNum(rate, 1)} MiB/s (${fmtInt(r.ops)} replies, ${r.errors} errors; p50 / p99 ${fmtNum(r.p50Ms, 0)} / ${fmtNum(r.p99Ms, 0)} ms)`],
    [c, `disk: write ${fmtMiB(r.disk.bytes)} in 1 MiB blocks + fsync, ${r.disk.dir}`, `${fmtNum(disk, 1)} MiB/s`],
    [c, 'setData / disk', fmtRatio(ratio(rate, disk))],
  ]
}

/** The scale checks of issue 19: one row per figure, grouped by check. */
export function scaleSection(result: ScaleBenchResult): SectionReport {
  const o = result.options
  const rows = [
    ...(result.children === undefined ? [] : childrenRows(result.children)),
    ...(result.watches === undefined ? [] : watchesRows(result.watches)),
    ...(result.sessions === undefined ? [] : sessionsRows(result.sessions)),
    ...(result.bigValues === undefined ? [] : bigValuesRows(result.bigValues)),
  ]
  return {
    title: 'Scale: one Paddock member with many children, watches, sessions and large values',
    blocks: [
      text('checks 1 and 2 in a fresh Node process each (an in-memory member and in-process clients; memory after two full GCs); ' +
        `check 3: the member in a child process, sessions from the bench process over 127.0.0.1 pinging every ${fmtInt(o.pingIntervalMs)} ms, ` +
        `CPU from /proc over ${fmtInt(o.idleMs)} ms with none and then with all; check 4: a standalone member on LevelDB, the disk measured in the same run; ` +
        `every loop stops after ${fmtInt(o.timeMaxMs / 1000)} s`),
      table(['check', 'measure', 'value'], rows),
      text(`1-minute load average at the start of each check: ${result.load1.map((l) => fmtNum(l, 1)).join(', ')}`),
      ...result.notes.map((n) => note(`note: ${n}`)),
    ],
  }
}

const seconds = (valueMs: number): string => fmtNum(valueMs / 1000, 1)

function dataRow(label: string, d: DataStep | undefined): string[] {
  if (d === undefined) return [label, '–', '–', '–', '–', '–', '–']
  return [label, `${seconds(d.ms)}${d.buildTreeMs === undefined ? '' : ` (tree ${seconds(d.buildTreeMs)})`}`, fmtInt(d.znodes), fmtMiB(d.snapshotBytes),
    fmtMiB(d.disk.allocatedBytes), fmtMiB(d.disk.apparentBytes), fmtMiB(d.peakRssBytes)]
}

function heapOf(s: BigRecoveryServer, defaultMb: number): string {
  if (s.kind === 'apache') return s.heapMb === undefined ? 'none found' : `-Xmx${s.heapMb}m`
  if (!s.heapFlag) return `default (${defaultMb} MiB limit)`
  return s.heapMb === undefined ? 'none found' : `--max-old-space-size=${s.heapMb}`
}

function serverRow(s: BigRecoveryServer | undefined, name: string, defaultMb: number): string[] {
  if (s === undefined) return [name, '–', '0', '–', '–', '–', '–', '–']
  return [name, heapOf(s, defaultMb), String(s.runs.length), seconds(s.recoveryMs.median), s.recoveryMs.runs.map((v) => seconds(v)).join(', '),
    fmtMiB(s.rssBytes.median), fmtMiB(s.peakRssBytes.median), fmtSpread(s.recoveryMs)]
}

function tryRow(kind: ServerKind, heap: string, t: ServeTry): string[] {
  return [kind, heap, t.ok ? 'ok' : 'not enough', seconds(t.ms), seconds(t.timeoutMs), fmtMiB(t.rss.rssBytes), fmtMiB(t.rss.peakBytes), fmtNum(t.load1, 1), t.detail ?? '']
}

/** Recovery of N znodes built offline: the data, both servers at their heaps, the aim, the heap searches and Paddock's profile. */
export function bigRecoverySection(result: BigRecoveryBenchResult): SectionReport {
  const o = result.options
  const p = result.paddock
  const a = result.apache
  const defaultMb = result.nodeDefaultHeapMb
  const blocks: ReportBlock[] = [
    text(`${fmtInt(o.count)} znodes of ${o.valueBytes} bytes (1,009 distinct pseudo-random values in turn) laid out as ${result.layout}; ` +
      'the Paddock dataDir is built offline (a DataTree written as one snapshot through the storage API `paddock data import` uses) and exported with ' +
      '`paddock data export --to-zookeeper`\'s code; recovery = spawn → first successful getData of ' + result.lastPath + '; RSS right after it, peak = VmHWM; ' +
      'Apache at the smallest -Xmx found (a fresh copy of the exported dataDir for every start; Apache writes a snapshot of its own before serving), ' +
      'Paddock at Node\'s default heap limit unless it needs more'),
    table(['data step', 'time s', 'znodes', 'snapshot', 'disk allocated', 'disk apparent', 'peak RSS of the step'],
      [dataRow('build the Paddock dataDir (offline)', result.build), dataRow('export to an Apache dataDir', result.export)]),
    table(['server', 'heap', 'runs', 'recovery s (median)', 'runs s', 'RSS after recovery', 'peak RSS', 'spread'],
      [serverRow(p, 'Paddock (LevelDB)', defaultMb), serverRow(a, 'Apache ZooKeeper 3.8', defaultMb)]),
  ]
  const met = (yes: boolean, value: number): string => (Number.isFinite(value) ? (yes ? 'met' : 'missed') : '–')
  const recovery = p?.recoveryMs.median ?? Number.NaN
  blocks.push(table(['measure', 'Paddock', 'Apache', 'P/A', 'aim', 'aim met?'], [
    ['recovery s', seconds(recovery), seconds(a?.recoveryMs.median ?? Number.NaN), fmtRatio(result.ratios.recoveryMs), `Paddock < ${bigRecoveryAimMs / 1000} s`, met(recovery < bigRecoveryAimMs, recovery)],
    ['RSS after recovery', fmtMiB(p?.rssBytes.median ?? Number.NaN), fmtMiB(a?.rssBytes.median ?? Number.NaN), fmtRatio(result.ratios.rssBytes), `P/A ≤ ${bigRecoveryAimRssRatio}x`,
      met(result.ratios.rssBytes <= bigRecoveryAimRssRatio, result.ratios.rssBytes)],
    ['peak RSS (VmHWM)', fmtMiB(p?.peakRssBytes.median ?? Number.NaN), fmtMiB(a?.peakRssBytes.median ?? Number.NaN), fmtRatio(result.ratios.peakRssBytes), `P/A ≤ ${bigRecoveryAimRssRatio}x`,
      met(result.ratios.peakRssBytes <= bigRecoveryAimRssRatio, result.ratios.peakRssBytes)],
  ]))
  const tries: string[][] = []
  for (const s of [p, a]) {
    if (s === undefined) continue
    if (s.defaultTry !== undefined) tries.push(tryRow('paddock', `default (${defaultMb} MiB)`, s.defaultTry))
    for (const t of s.search?.trials ?? []) tries.push(tryRow(s.kind, s.kind === 'apache' ? `-Xmx${t.heapMb}m` : `--max-old-space-size=${t.heapMb}`, t))
  }
  if (tries.length > 0) {
    blocks.push(text('heap search, in order (a try is "not enough" when the server ran out of heap, exited, or had not served by its time limit):'),
      table(['server', 'heap', 'outcome', 'time s', 'limit s', 'RSS', 'peak RSS', 'load 1m', 'detail'], tries))
  }
  const perZnode: string[][] = []
  const n = result.build?.znodes ?? o.count
  const empty = result.paddockEmptyRss
  if (p !== undefined && empty !== undefined) {
    perZnode.push(['Paddock: (RSS after recovery − RSS of an empty server) / znode', fmtInt((p.rssBytes.median - empty.rssBytes) / n)])
    perZnode.push(['Paddock: (peak RSS − RSS of an empty server) / znode', fmtInt((p.peakRssBytes.median - empty.peakBytes) / n)])
  }
  if (result.treeHeap !== undefined) {
    const h = result.treeHeap
    perZnode.push(['restored tree alone, after full GCs: V8 heap used / znode', fmtInt(h.heapUsedBytes / h.znodes)])
    perZnode.push(['restored tree alone: external (snapshot chunk buffers the values point into) / znode', fmtInt(h.externalBytes / h.znodes)])
    perZnode.push(['restored tree alone: RSS growth / znode', fmtInt(h.rssBytes / h.znodes)])
  }
  if (a !== undefined) perZnode.push(['Apache: RSS after recovery / znode', fmtInt(a.rssBytes.median / n)])
  if (perZnode.length > 0) blocks.push(table(['memory', 'bytes'], perZnode))
  if (result.profile !== undefined) {
    const pr = result.profile
    blocks.push(text(`CPU profile of one more Paddock recovery under --cpu-prof (served after ${seconds(pr.recoveryMs)} s; ${seconds(pr.sampledMs)} s sampled, main thread): top functions by self time`),
      table(['function', 'file:line', 'self ms', 'self %'], pr.functions.map((f) => [f.name, f.file === '' ? '' : `${f.file}:${f.line}`, fmtInt(f.selfMs), fmtNum(f.selfPct, 1)])),
      table(['file (or V8 entry)', 'self ms', 'self %'], pr.files.map((f) => [f.file === '' ? f.name : f.file, fmtInt(f.selfMs), fmtNum(f.selfPct, 1)])))
  }
  blocks.push(text(`load average before ${result.loadavgBefore.map((l) => fmtNum(l, 2)).join(' ')}, after ${result.loadavgAfter.map((l) => fmtNum(l, 2)).join(' ')}; ` +
    `section ${seconds(result.elapsedMs)} s`), ...result.notes.map((x) => note(`note: ${x}`)))
  return { title: `Big recovery: ${fmtInt(o.count)} znodes built offline, Paddock (LevelDB) vs Apache ZooKeeper 3.8 at its smallest -Xmx`, blocks }
}

/** The wire section's title. */
export const wireTitle = 'Wire: Paddock standalone in memory vs Apache ZooKeeper 3.8 standalone (forceSync=yes), 100-byte values'

/** Every section the results hold, in the order the bench runs them. */
export function sectionsOf(results: BenchResults): SectionReport[] {
  const out: SectionReport[] = []
  if (results.inprocess !== undefined) out.push(inProcessSection(results.inprocess))
  if (results.wire !== undefined) out.push(wireSection(wireTitle, results.wire))
  if (results.tls !== undefined) out.push(tlsSection(results.tls))
  if (results.durable !== undefined) out.push(durableSection(results.durable))
  if (results.recovery !== undefined) out.push(recoverySection(results.recovery))
  if (results.memory !== undefined) out.push(memorySection(results.memory))
  if (results.ensemble !== undefined) out.push(ensembleSection(results.ensemble))
  if (results.failover !== undefined) out.push(failoverSection(results.failover))
  if (results.snapshot !== undefined) out.push(snapshotSection(results.snapshot))
  if (results.recipes !== undefined) out.push(recipesSection(results.recipes))
  if (results.followerreads !== undefined) out.push(followerReadsSection(results.followerreads))
  if (results.testing !== undefined) out.push(testingSection(results.testing))
  if (results.startup !== undefined) out.push(startupSection(results.startup))
  if (results.scale !== undefined) out.push(scaleSection(results.scale))
  if (results.bigrecovery !== undefined) out.push(bigRecoverySection(results.bigrecovery))
  return out
}
