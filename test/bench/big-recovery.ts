// Method: recovery at a count too large to load over TCP. A child process builds N znodes offline
// (a DataTree written as a snapshot through the storage API `paddock data import` uses) into a
// Paddock dataDir, and a second one exports it with `paddock data export --to-zookeeper`'s code to
// an Apache dataDir, so both servers recover the same tree. Each server is then started on its
// dataDir and timed from spawn to the first successful getData of the last znode, with its RSS
// then and its peak (VmHWM). Apache runs at the smallest -Xmx it recovers with, found by trying
// heaps (test/bench/heap-search.ts); Paddock at Node's default heap limit when that suffices, else
// at the smallest --max-old-space-size found the same way. Every try at a heap is reported.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { getHeapStatistics } from 'node:v8'
import { summarizeProfile, type CpuProfile, type ProfileSummary } from './cpu-profile.js'
import { bigRecoveryLayout } from './big-recovery-layout.js'
import { findSmallestHeap, type HeapSearchOptions, type HeapSearchResult } from './heap-search.js'
import { ratio, summarize, type Summary } from './report.js'
import { apacheUnavailableReason, diskBytes, spawnWrapped, startServer, timeToFirstReply, type Rss, type ServerKind } from './servers.js'

/** How the heap limit of one server is searched for. */
export type HeapSearchBounds = Omit<HeapSearchOptions, 'stop'>

/** What the Paddock profile is taken for. */
export type ProfileWhen = 'always' | 'if-aim-missed' | 'never'

/** Bounds of the bigrecovery benchmark. */
export interface BigRecoveryBenchOptions {
  /** Leaf znodes (the buckets and /r come on top). */
  count: number
  /** Bytes of every leaf's value. */
  valueBytes: number
  /** Timed recoveries of Paddock at its heap (the try that settled the heap counts as the first). */
  paddockRestarts: number
  /** Timed recoveries of Apache at its smallest -Xmx (the search's success at that heap counts as the first). */
  apacheRestarts: number
  /** --max-old-space-size of the processes that build and export the data, MiB. */
  dataHeapMb: number
  /** The -Xmx search for Apache. */
  apacheHeap: HeapSearchBounds
  /** The --max-old-space-size search for Paddock, made only when Node's default limit is not enough. */
  paddockHeap: HeapSearchBounds
  /** A try counts as failed when it has not served after max(this, {@link BigRecoveryBenchOptions.serveTimeoutFactor} × the fastest success so far), ms. */
  serveTimeoutMinMs: number
  /** See {@link BigRecoveryBenchOptions.serveTimeoutMinMs}. */
  serveTimeoutFactor: number
  /** The longest any try may take to serve, ms (and the limit before any success). */
  serveTimeoutMaxMs: number
  /** The build and the export may each take this long, ms. */
  dataTimeoutMs: number
  /** Wall-clock budget of the section, ms: no heap search try or extra restart starts after it. */
  budgetMs: number
  /** When to take a CPU profile of one more Paddock recovery (`--cpu-prof`); not one of the timed runs. */
  profile: ProfileWhen
  /** Whether to restore the snapshot once more in a child process and report its heap after full GCs. */
  heapBreakdown: boolean
  /** Where the data directories go. @defaultValue os.tmpdir() */
  dir?: string
  /**
   * A Paddock dataDir an earlier run built with the same count and layout (e.g. kept from a run
   * that was stopped): the build is skipped and the directory is left in place. @defaultValue none: build one
   */
  reuseDataDir?: string
  /**
   * Start Paddock's --max-old-space-size search at once instead of trying Node's default limit
   * first (for a count at which an earlier run saw the default run out of heap); the search still
   * bisects down to the default limit. @defaultValue false
   */
  paddockSkipDefault?: boolean
  /** An Apache dataDir an earlier run exported from the same data: the export is skipped and the directory left in place. @defaultValue none: export */
  reuseExportDir?: string
  /** The servers to recover (one at a time, Apache first). @defaultValue both */
  servers?: readonly ServerKind[]
}

/** One start of a server on its dataDir. */
export interface ServeTry {
  /** Whether it served the last znode within the time limit. */
  ok: boolean
  /** Spawn → first successful getData of the last znode, ms (or how long it was given when it failed). */
  ms: number
  /** Its RSS right after it served (or when it was given up). */
  rss: Rss
  /** The time limit of this try, ms. */
  timeoutMs: number
  /** 1-minute load average when it started. */
  load1: number
  /** Why it failed (OutOfMemoryError, exit, timeout), when it did. */
  detail?: string
}

/** One server's side of the result. */
export interface BigRecoveryServer {
  /** Which server. */
  kind: ServerKind
  /** The heap limit the timed runs used, MiB (Paddock: Node's default limit when `heapFlag` is false). */
  heapMb: number | undefined
  /** Whether a heap flag was passed (-Xmx for Apache, always; --max-old-space-size for Paddock only when the default was not enough). */
  heapFlag: boolean
  /** Paddock: the try at Node's default heap limit, when one was made. */
  defaultTry?: ServeTry
  /** The heap search, when one was made. */
  search?: HeapSearchResult<ServeTry>
  /** The timed runs at `heapMb`. */
  runs: ServeTry[]
  /** Recovery time over the successful `runs`, ms. */
  recoveryMs: Summary
  /** RSS right after recovery over the successful `runs`, bytes. */
  rssBytes: Summary
  /** Peak RSS (VmHWM) over the successful `runs`, bytes. */
  peakRssBytes: Summary
}

/** What the offline build or export did. */
export interface DataStep {
  /** Wall time of the child process's work, ms (the build: tree plus snapshot write; the export: read, encode, write). */
  ms: number
  /** Build only: the part spent making the tree in memory, ms. */
  buildTreeMs?: number
  /** Znodes written, the root and the /zookeeper nodes included. */
  znodes: number
  /** Bytes of the snapshot written. */
  snapshotBytes: number
  /** The child process's peak RSS. */
  peakRssBytes: number
  /** du of what it wrote. */
  disk: { allocatedBytes: number; apparentBytes: number }
}

/** What the heap breakdown (a restore in a child process, after full GCs) found. */
export interface TreeHeap {
  /** Znodes restored. */
  znodes: number
  /** Growth of V8's heap used, bytes. */
  heapUsedBytes: number
  /** Growth of external memory (the snapshot chunks' buffers the values point into), bytes. */
  externalBytes: number
  /** Growth of RSS, bytes. */
  rssBytes: number
  /** The restore's own time, ms (not a server start). */
  ms: number
}

/** What {@link benchBigRecovery} measured. */
export interface BigRecoveryBenchResult {
  /** The options it ran with. */
  options: BigRecoveryBenchOptions
  /** The layout of the znodes. */
  layout: string
  /** The path read back. */
  lastPath: string
  /** 1, 5 and 15-minute load averages before the section. */
  loadavgBefore: number[]
  /** The same after it. */
  loadavgAfter: number[]
  /** Node's default heap limit here, MiB (what Paddock gets without --max-old-space-size). */
  nodeDefaultHeapMb: number
  /** The Paddock dataDir's build. */
  build?: DataStep
  /** The export of it to an Apache dataDir. */
  export?: DataStep
  /** Paddock's recoveries. */
  paddock?: BigRecoveryServer
  /** Apache's recoveries. */
  apache?: BigRecoveryServer
  /** Paddock / Apache over the medians. */
  ratios: { recoveryMs: number; rssBytes: number; peakRssBytes: number }
  /** An empty Paddock server's RSS after its first reply: what per-znode figures are over. */
  paddockEmptyRss?: Rss
  /** The heap breakdown, when asked for. */
  treeHeap?: TreeHeap
  /** The CPU profile of one more Paddock recovery, when taken. */
  profile?: ProfileSummary & { recoveryMs: number }
  /** Wall time of the section, ms. */
  elapsedMs: number
  /** What went wrong or was cut short. */
  notes: string[]
}

/** The aim: Paddock recovers N znodes within this, ms. */
export const bigRecoveryAimMs = 30_000
/** The aim: Paddock's RSS at most this fraction of Apache's. */
export const bigRecoveryAimRssRatio = 0.5

const mib = 1024 * 1024
/** How often a starting server is checked for having died or run out of heap, ms. */
const watchIntervalMs = 250
/** What a server prints when it runs out of heap. */
const outOfMemory = /OutOfMemoryError|JavaScript heap out of memory|Reached heap limit/

const dataScript = fileURLToPath(new URL('./big-recovery-data.js', import.meta.url))

/** Runs the data script in a child process; resolves with the JSON line it printed. */
async function runData(args: readonly string[], nodeArgs: readonly string[], timeoutMs: number): Promise<Record<string, number>> {
  let result: Record<string, number> | undefined
  const child = spawnWrapped(process.execPath, [...nodeArgs, dataScript, ...args], (line) => {
    if (line.startsWith('{')) result = JSON.parse(line) as Record<string, number>
  })
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)))
  const outcome = await Promise.race([child.exited.then(() => 'done' as const), late])
  clearTimeout(timer)
  if (outcome === 'late') {
    await child.stop()
    throw new Error(`${args[0]}: not done within ${timeoutMs} ms`)
  }
  if (result === undefined) throw new Error(`${args[0]} failed: ${child.output().trim().split('\n').slice(-6).join(' | ')}`)
  return result
}

/** Copies the exported Apache dataDir afresh (Apache writes a snapshot of its own as it starts). */
async function freshApacheDir(pristine: string, target: string): Promise<void> {
  await rm(target, { recursive: true, force: true })
  await mkdir(join(target, 'version-2'), { recursive: true })
  for (const name of await readdir(join(pristine, 'version-2'))) await copyFile(join(pristine, 'version-2', name), join(target, 'version-2', name))
}

interface ServeOptions {
  kind: ServerKind
  dataDir: string
  workDir: string
  lastPath: string
  /** Apache's -Xmx, or Paddock's --max-old-space-size; undefined: Paddock at Node's default. */
  heapMb: number | undefined
  timeoutMs: number
  /** More Node options for Paddock (the profile). */
  nodeArgs?: readonly string[]
}

/** Starts a server on its dataDir and times it to the first getData of the last znode; stops it again. */
async function serveOnce(o: ServeOptions): Promise<ServeTry> {
  const load1 = loadavg()[0] ?? Number.NaN
  const nodeArgs = [...(o.kind === 'paddock' && o.heapMb !== undefined ? [`--max-old-space-size=${o.heapMb}`] : []), ...(o.nodeArgs ?? [])]
  const server = await startServer({ kind: o.kind, workDir: o.workDir, dataDir: o.dataDir, ...(o.kind === 'apache' ? { heapMb: o.heapMb } : { nodeArgs }) })
  const abort = new AbortController()
  const watcher = setInterval(() => {
    const tail = server.output()
    const oom = outOfMemory.exec(tail)
    if (oom !== null) abort.abort(new Error(`out of memory (${oom[0]})`))
    else if (server.exited()) abort.abort(new Error(`exited before serving: ${tail.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`))
  }, watchIntervalMs)
  try {
    const { client, ms } = await timeToFirstReply(server, { op: 'getData', path: o.lastPath, watch: false }, [0], o.timeoutMs, undefined, abort.signal)
    const rss = await server.rss()
    client.destroy()
    return { ok: true, ms, rss, timeoutMs: o.timeoutMs, load1 }
  } catch (error) {
    const rss = await server.rss()
    const detail = (error as Error).message.split('\n')[0] ?? ''
    return { ok: false, ms: performance.now() - server.spawnedAt, rss, timeoutMs: o.timeoutMs, load1, detail: detail.includes('did not serve') ? `not serving after ${Math.round(o.timeoutMs / 1000)} s` : detail }
  } finally {
    clearInterval(watcher)
    await server.stop()
  }
}

const fmtTry = (kind: ServerKind, heap: string, t: ServeTry): string =>
  `  ${kind} ${heap}: ${t.ok ? `served after ${(t.ms / 1000).toFixed(1)} s, RSS ${(t.rss.rssBytes / mib).toFixed(0)} MiB, peak ${(t.rss.peakBytes / mib).toFixed(0)} MiB` : `FAILED (${t.detail ?? ''}) after ${(t.ms / 1000).toFixed(1)} s`} (load ${t.load1.toFixed(1)})`

function serverResult(kind: ServerKind, heapMb: number | undefined, heapFlag: boolean, runs: ServeTry[], search?: HeapSearchResult<ServeTry>, defaultTry?: ServeTry): BigRecoveryServer {
  const ok = runs.filter((r) => r.ok)
  return {
    kind, heapMb, heapFlag, runs, ...(search === undefined ? {} : { search }), ...(defaultTry === undefined ? {} : { defaultTry }),
    recoveryMs: summarize(ok.map((r) => r.ms)), rssBytes: summarize(ok.map((r) => r.rss.rssBytes)), peakRssBytes: summarize(ok.map((r) => r.rss.peakBytes)),
  }
}

/** The newest .cpuprofile in `dir`, summarized. */
async function readProfile(dir: string): Promise<ProfileSummary> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile')).sort()
  const file = files[files.length - 1]
  if (file === undefined) throw new Error(`no .cpuprofile written in ${dir}`)
  return summarizeProfile(JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile, 15)
}

/** Builds the data, then recovers Paddock and Apache on it; see the file's header. */
export async function benchBigRecovery(options: BigRecoveryBenchOptions, log: (line: string) => void = () => undefined): Promise<BigRecoveryBenchResult> {
  const started = performance.now()
  const overBudget = (): boolean => performance.now() - started > options.budgetMs
  const layout = bigRecoveryLayout
  const lastPath = layout.leafPath(options.count - 1)
  const result: BigRecoveryBenchResult = {
    options, layout: layout.description, lastPath, loadavgBefore: loadavg(), loadavgAfter: [],
    nodeDefaultHeapMb: Math.round(getHeapStatistics().heap_size_limit / mib),
    ratios: { recoveryMs: Number.NaN, rssBytes: Number.NaN, peakRssBytes: Number.NaN }, elapsedMs: 0, notes: [],
  }
  const workDir = await mkdtemp(join(options.dir ?? tmpdir(), 'paddock-bigrecovery-'))
  const paddockDir = options.reuseDataDir ?? join(workDir, 'paddock')
  const exportDir = options.reuseExportDir ?? join(workDir, 'apache-export')
  const dataHeap = [`--max-old-space-size=${options.dataHeapMb}`]
  try {
    if (options.reuseDataDir === undefined) {
      log(`  building ${options.count.toLocaleString('en-US')} znodes offline into ${paddockDir} …`)
      const built = await runData(['build', '--dataDir', paddockDir, '--count', String(options.count), '--valueBytes', String(options.valueBytes)], dataHeap, options.dataTimeoutMs)
      result.build = { ms: built.ms!, buildTreeMs: built.buildTreeMs!, znodes: built.znodes!, snapshotBytes: built.snapshotBytes!, peakRssBytes: built.peakRssBytes!, disk: await diskBytes(paddockDir) }
      log(`  built in ${(built.ms! / 1000).toFixed(1)} s (tree ${(built.buildTreeMs! / 1000).toFixed(1)} s), ${built.znodes} znodes, peak RSS ${(built.peakRssBytes! / mib).toFixed(0)} MiB`)
    } else {
      result.notes.push(`the Paddock dataDir was not built by this run: ${paddockDir}, built earlier with the same count and layout, was reused`)
    }

    // Apache first: its smallest heap is the aim's yardstick, so the time budget goes to it before Paddock's search.
    const servers = options.servers ?? ['paddock', 'apache']
    if (!servers.includes('apache')) {
      result.notes.push('Apache not run in this run (servers: paddock)')
    } else if (apacheUnavailableReason() !== undefined) {
      result.notes.push(`Apache not run: ${apacheUnavailableReason() ?? ''}`)
    } else {
      if (options.reuseExportDir === undefined) {
        log(`  exporting to ZooKeeper's format into ${exportDir} …`)
        const exported = await runData(['export', '--dataDir', paddockDir, '--to', exportDir], dataHeap, options.dataTimeoutMs)
        result.export = { ms: exported.ms!, znodes: exported.znodes!, snapshotBytes: exported.snapshotBytes!, peakRssBytes: exported.peakRssBytes!, disk: await diskBytes(exportDir) }
        log(`  exported in ${(exported.ms! / 1000).toFixed(1)} s, ${(exported.snapshotBytes! / mib).toFixed(0)} MiB, peak RSS ${(exported.peakRssBytes! / mib).toFixed(0)} MiB`)
      } else {
        result.notes.push(`the Apache dataDir was not exported by this run: ${exportDir}, exported earlier from the same data, was reused`)
      }
      await measureApache(options, result, { workDir, exportDir, lastPath, overBudget }, log)
      if (options.reuseExportDir === undefined) await rm(exportDir, { recursive: true, force: true })
    }
    if (servers.includes('paddock')) await measurePaddock(options, result, { workDir, paddockDir, lastPath, overBudget }, log)
    else result.notes.push('Paddock not run in this run (servers: apache)')
    const p = result.paddock
    const a = result.apache
    if (p !== undefined && a !== undefined) {
      result.ratios = {
        recoveryMs: ratio(p.recoveryMs.median, a.recoveryMs.median),
        rssBytes: ratio(p.rssBytes.median, a.rssBytes.median),
        peakRssBytes: ratio(p.peakRssBytes.median, a.peakRssBytes.median),
      }
    }
    await profileIfAsked(options, result, { workDir, paddockDir, lastPath }, started, log)
  } catch (error) {
    result.notes.push(`failed: ${(error as Error).message}`)
    log(`  failed: ${(error as Error).message}`)
  } finally {
    await rm(workDir, { recursive: true, force: true })
    result.loadavgAfter = loadavg()
    result.elapsedMs = performance.now() - started
  }
  return result
}

interface Dirs {
  workDir: string
  lastPath: string
  overBudget: () => boolean
}

/** The next try's time limit: a multiple of the fastest success so far, within the bounds. */
function timeoutAfter(options: BigRecoveryBenchOptions, tries: readonly ServeTry[]): number {
  const fastest = Math.min(...tries.filter((t) => t.ok).map((t) => t.ms))
  if (!Number.isFinite(fastest)) return options.serveTimeoutMaxMs
  return Math.min(options.serveTimeoutMaxMs, Math.max(options.serveTimeoutMinMs, options.serveTimeoutFactor * fastest))
}

async function measurePaddock(options: BigRecoveryBenchOptions, result: BigRecoveryBenchResult, dirs: Dirs & { paddockDir: string }, log: (line: string) => void): Promise<void> {
  const serve = (heapMb: number | undefined, timeoutMs: number): Promise<ServeTry> =>
    serveOnce({ kind: 'paddock', dataDir: dirs.paddockDir, workDir: dirs.workDir, lastPath: dirs.lastPath, heapMb, timeoutMs })
  // An empty server first: the RSS every per-znode figure is over.
  const emptyDir = join(dirs.workDir, 'paddock-empty')
  const empty = await startServer({ kind: 'paddock', workDir: dirs.workDir, dataDir: emptyDir })
  try {
    const { client } = await timeToFirstReply(empty, { op: 'exists', path: '/', watch: false }, [0], 60_000)
    result.paddockEmptyRss = await empty.rss()
    client.destroy()
  } finally {
    await empty.stop()
    await rm(emptyDir, { recursive: true, force: true })
  }
  if (options.heapBreakdown) {
    log('  heap breakdown: restoring the snapshot in a child process …')
    try {
      const m = await runData(['measure', '--dataDir', dirs.paddockDir], ['--expose-gc', `--max-old-space-size=${options.dataHeapMb}`], options.dataTimeoutMs)
      result.treeHeap = { znodes: m.znodes!, heapUsedBytes: m.heapUsedBytes!, externalBytes: m.externalBytes!, rssBytes: m.rssBytes!, ms: m.ms! }
    } catch (error) {
      result.notes.push(`heap breakdown failed: ${(error as Error).message}`)
    }
  }
  let first: ServeTry | undefined
  if (options.paddockSkipDefault === true) {
    result.notes.push(`Paddock was not tried at Node's default heap limit (${result.nodeDefaultHeapMb} MiB) in this run: an earlier run at this count saw it run out of heap`)
  } else {
    log(`  paddock at Node's default heap limit (${result.nodeDefaultHeapMb} MiB) …`)
    first = await serve(undefined, options.serveTimeoutMaxMs)
    log(fmtTry('paddock', 'default heap', first))
  }
  let heapMb: number | undefined
  let search: HeapSearchResult<ServeTry> | undefined
  let runs: ServeTry[]
  if (first?.ok === true) {
    runs = [first]
  } else {
    log(`  paddock needs more than the default: searching --max-old-space-size …`)
    const tries: ServeTry[] = first === undefined ? [] : [first]
    search = await findSmallestHeap(async (mb) => {
      const t = await serve(mb, timeoutAfter(options, tries))
      tries.push(t)
      log(fmtTry('paddock', `--max-old-space-size=${mb}`, t))
      return t
    }, { ...options.paddockHeap, stop: dirs.overBudget, failedMb: result.nodeDefaultHeapMb })
    heapMb = search.smallestOkMb
    const at = search.trials.find((t) => t.ok && t.heapMb === heapMb)
    runs = at === undefined ? [] : [at]
    if (heapMb === undefined) {
      result.notes.push(`Paddock did not recover at any heap tried${search.note === undefined ? '' : `: ${search.note}`}`)
      result.paddock = serverResult('paddock', undefined, true, [], search, first)
      return
    }
  }
  while (runs.length < options.paddockRestarts && !dirs.overBudget()) {
    const t = await serve(heapMb, options.serveTimeoutMaxMs)
    log(fmtTry('paddock', heapMb === undefined ? 'default heap' : `--max-old-space-size=${heapMb}`, t))
    runs.push(t)
  }
  if (runs.length < options.paddockRestarts) result.notes.push(`Paddock: ${runs.length} of ${options.paddockRestarts} restarts (time budget spent)`)
  result.paddock = serverResult('paddock', heapMb ?? result.nodeDefaultHeapMb, heapMb !== undefined, runs, search, first)
}

async function measureApache(options: BigRecoveryBenchOptions, result: BigRecoveryBenchResult, dirs: Dirs & { exportDir: string }, log: (line: string) => void): Promise<void> {
  const runDir = join(dirs.workDir, 'apache-run')
  const tries: ServeTry[] = []
  const serve = async (heapMb: number, timeoutMs: number): Promise<ServeTry> => {
    await freshApacheDir(dirs.exportDir, runDir)
    try {
      return await serveOnce({ kind: 'apache', dataDir: runDir, workDir: dirs.workDir, lastPath: dirs.lastPath, heapMb, timeoutMs })
    } finally {
      await rm(runDir, { recursive: true, force: true })
    }
  }
  log(`  apache: searching the smallest -Xmx from ${options.apacheHeap.startMb} MiB to within ${options.apacheHeap.granularityMb} MiB …`)
  const search = await findSmallestHeap(async (mb) => {
    const t = await serve(mb, timeoutAfter(options, tries))
    tries.push(t)
    log(fmtTry('apache', `-Xmx${mb}m`, t))
    return t
  }, { ...options.apacheHeap, stop: dirs.overBudget })
  if (search.note !== undefined) result.notes.push(`Apache heap search: ${search.note}`)
  const heapMb = search.smallestOkMb
  if (heapMb === undefined) {
    result.apache = serverResult('apache', undefined, true, [], search)
    return
  }
  const runs = search.trials.filter((t) => t.ok && t.heapMb === heapMb).map(({ heapMb: _, ...t }) => t)
  while (runs.length < options.apacheRestarts && !dirs.overBudget()) {
    const t = await serve(heapMb, options.serveTimeoutMaxMs)
    log(fmtTry('apache', `-Xmx${heapMb}m`, t))
    runs.push(t)
  }
  if (runs.length < options.apacheRestarts) result.notes.push(`Apache: ${runs.length} of ${options.apacheRestarts} restarts at -Xmx${heapMb}m (time budget spent)`)
  result.apache = serverResult('apache', heapMb, true, runs, search)
}

async function profileIfAsked(
  options: BigRecoveryBenchOptions,
  result: BigRecoveryBenchResult,
  dirs: { workDir: string; paddockDir: string; lastPath: string },
  started: number,
  log: (line: string) => void,
): Promise<void> {
  const p = result.paddock
  if (p === undefined || options.profile === 'never') return
  const missed = !(p.recoveryMs.median <= bigRecoveryAimMs) || !(result.ratios.rssBytes <= bigRecoveryAimRssRatio && result.ratios.peakRssBytes <= bigRecoveryAimRssRatio)
  if (options.profile === 'if-aim-missed' && !missed) return
  if (performance.now() - started > options.budgetMs) {
    result.notes.push('no CPU profile taken: the time budget was spent')
    return
  }
  const profileDir = join(dirs.workDir, 'cpu-profile')
  await mkdir(profileDir, { recursive: true })
  log('  paddock once more under --cpu-prof …')
  const t = await serveOnce({
    kind: 'paddock', dataDir: dirs.paddockDir, workDir: dirs.workDir, lastPath: dirs.lastPath,
    heapMb: p.heapFlag ? p.heapMb : undefined, timeoutMs: options.serveTimeoutMaxMs, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  })
  log(fmtTry('paddock', 'profiled', t))
  try {
    result.profile = { ...(await readProfile(profileDir)), recoveryMs: t.ms }
  } catch (error) {
    result.notes.push(`profile: ${(error as Error).message}`)
  }
}
