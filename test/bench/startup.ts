// Method: start-up as a user meets it: the wall time from spawning a server process (the `paddock`
// command as installed, dist/lib/bin/paddock.cjs) to the reply of the first create a client in
// the bench process sends (a new probe every 5 ms: connect, handshake, create; refused
// connections are simply retried), for `paddock --port P` (the quick start, in
// memory), `paddock server start-foreground zoo.cfg` (a fresh LevelDB dataDir) and Apache
// ZooKeeper's ZooKeeperServerMain on the same zoo.cfg; plus `node -e ''` from spawn to exit, the
// floor no Node program starts under. Every process goes through the same kill-on-exit sh wrapper,
// the order of the kinds rotates from run to run, and one discarded warm-up start of each puts
// the files in the page cache for all (and, for Paddock, runs until the command has written its
// V8 code cache, in a folder of the run's own, so that the timed starts are a user's later
// ones). The CPU time the server used by its first reply comes from /proc and is less sensitive
// than wall time to other load on the machine. Medians of the runs.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { freePort } from '../interop/harness/ports.js'
import { pollUntil } from '../interop/harness/wait.js'
import { ratio, summarize, type Summary } from './report.js'
import { apacheJavaArgs, apacheUnavailableReason, javaBinary, readCpuMs, readRss, spawnWrapped, timeToFirstReply, zooCfg, type BenchServer, type WrappedProcess } from './servers.js'
import { openAclUnsafe } from './wire-client.js'

/** Bounds of the start-up benchmark. */
export interface StartupBenchOptions {
  /** Timed starts of each kind (after one warm-up start of each, not counted). */
  runs: number
  /** Apache ZooKeeper's `-Xmx`, in MiB (zkServer.sh's default heap is 1000). */
  apacheHeapMb: number
}

/**
 * What is started: `node -e ''` (the floor), `paddock` (the quick start, in memory), `paddock
 * server start-foreground` on a zoo.cfg (durable), Apache ZooKeeper's ZooKeeperServerMain on the same zoo.cfg.
 */
export type StartupKind = 'node' | 'quick' | 'foreground' | 'apache'

/** One kind over the runs. */
export interface StartupMeasure {
  /** Spawn to the first create's reply (for `node`: to its exit), in ms. */
  ms: Summary
  /** CPU time (user + system) of the process by its first create's reply, in ms, 10 ms resolution (NaN for `node`). */
  cpuMs: Summary
}

/** What {@link benchStartup} measured. */
export interface StartupBenchResult {
  /** The options it ran with. */
  options: StartupBenchOptions
  /** `node -e ''`, spawn to exit: the floor. */
  node: StartupMeasure
  /** `paddock --port P`: the quick start, in memory. */
  quick: StartupMeasure
  /** `paddock server start-foreground zoo.cfg`: durable, on a fresh dataDir. */
  foreground: StartupMeasure
  /** Apache ZooKeeper's ZooKeeperServerMain on the same zoo.cfg (NaN where it cannot run here). */
  apache: StartupMeasure
  /** Quick start / Apache of the median wall times (below 1: Paddock serves sooner). */
  quickRatio: number
  /** `paddock server start-foreground` / Apache of the median wall times: both durable, on the same zoo.cfg. */
  foregroundRatio: number
  /** The 1-minute load average at the start of each run. */
  load1: number[]
  /** Why something was not measured, if anything was not. */
  notes: string[]
}

/** How long a server may take to serve its first create after spawn, in ms. */
const startTimeoutMs = 60_000
/** A new probe starts this often while a server starts, in ms: the resolution of the measurement. */
const startupProbeIntervalMs = 5
const allKinds: readonly StartupKind[] = ['node', 'quick', 'foreground', 'apache']

/** One start: wall and CPU time. */
interface Sample {
  ms: number
  cpuMs: number
}

/** The `paddock` command as installed: package.json's bin, the CLI bundled by `npm run build`. */
const cliMain = (): string => fileURLToPath(new URL('../../lib/bin/paddock.cjs', import.meta.url))

/** The command and arguments that start `kind` on `port` with `cfg` (a zoo.cfg) in `workDir`. */
function commandOf(kind: StartupKind, port: number, cfg: string, workDir: string, options: StartupBenchOptions): [string, string[]] {
  switch (kind) {
    case 'node': return [process.execPath, ['-e', '']]
    case 'quick': return [process.execPath, [cliMain(), '--port', String(port)]]
    case 'foreground': return [process.execPath, [cliMain(), 'server', 'start-foreground', cfg]]
    case 'apache': return [javaBinary, apacheJavaArgs('org.apache.zookeeper.server.ZooKeeperServerMain', cfg, workDir, options.apacheHeapMb)]
  }
}

/** `child` as the probes of {@link timeToFirstReply} see a server. */
function asBenchServer(kind: StartupKind, port: number, spawnedAt: number, child: WrappedProcess): BenchServer {
  return {
    kind: kind === 'apache' ? 'apache' : 'paddock',
    port,
    spawnedAt,
    pid: () => child.pid,
    rss: async () => readRss(await child.pid),
    exited: () => !child.running(),
    output: () => child.output(),
    stop: () => child.stop(),
  }
}

/** Starts `kind` once in a fresh directory and times it; stops it again. */
async function startOnce(kind: StartupKind, options: StartupBenchOptions, beforeStop: () => Promise<void> = async () => undefined): Promise<Sample> {
  const workDir = await mkdtemp(join(tmpdir(), `paddock-bench-startup-${kind}-`))
  try {
    const port = await freePort()
    const cfg = join(workDir, 'zoo.cfg')
    await mkdir(join(workDir, 'data'))
    await writeFile(cfg, zooCfg(port, join(workDir, 'data')))
    const [command, args] = commandOf(kind, port, cfg, workDir, options)
    const spawnedAt = performance.now()
    const child = spawnWrapped(command, args)
    try {
      if (kind === 'node') {
        await child.exited
        return { ms: performance.now() - spawnedAt, cpuMs: Number.NaN }
      }
      const server = asBenchServer(kind, port, spawnedAt, child)
      const create = { op: 'create', path: '/startup', data: new Uint8Array(0), acl: openAclUnsafe, flags: 0 } as const
      const { client, ms } = await timeToFirstReply(server, create, [0], startTimeoutMs, startupProbeIntervalMs)
      const cpuMs = await readCpuMs(await child.pid)
      client.destroy()
      await beforeStop()
      return { ms, cpuMs }
    } finally {
      await child.stop()
    }
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

/** Files under the code cache folder of `cacheHome` (the `paddock` command's, see docs/operations.md). */
async function cacheFileCount(cacheHome: string): Promise<number> {
  const entries = await readdir(join(cacheHome, 'paddock'), { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isFile()).length
}

/**
 * Resolves once the code cache under `cacheHome` holds more than `before` files (a server writes
 * it a second after start); rejects after 10 s, since timed starts without it would be first starts.
 */
async function cacheWritten(cacheHome: string, before: number): Promise<void> {
  await pollUntil(async () => (await cacheFileCount(cacheHome)) > before, { timeoutMs: 10_000, intervalMs: 50, what: `the paddock command's code cache in ${cacheHome}` })
}

function measureOf(samples: readonly Sample[]): StartupMeasure {
  return { ms: summarize(samples.map((s) => s.ms)), cpuMs: summarize(samples.map((s) => s.cpuMs)) }
}

/** `kinds` rotated left by `by`, so that no kind always starts right after the same other one. */
function rotated<T>(kinds: readonly T[], by: number): T[] {
  const at = by % kinds.length
  return [...kinds.slice(at), ...kinds.slice(0, at)]
}

/**
 * Starts every kind once to warm the page cache (and the `paddock` command's code cache, in a
 * folder of the run's own), then `options.runs` times each, the order rotating from run to run;
 * Apache ZooKeeper is left out (NaN) where it cannot run.
 */
export async function benchStartup(options: StartupBenchOptions, log: (line: string) => void = () => undefined): Promise<StartupBenchResult> {
  const notes: string[] = []
  const unavailable = apacheUnavailableReason()
  if (unavailable !== undefined) notes.push(`Apache ZooKeeper not measured: ${unavailable}`)
  const kinds = allKinds.filter((k) => k !== 'apache' || unavailable === undefined)
  // The `paddock` command keeps V8's code for its chunks in the user's cache folder: here a folder
  // of the run's own, which each warm-up start of Paddock fills before it is stopped, so that
  // every timed start finds it, as every start but a user's first does.
  const cacheHome = await mkdtemp(join(tmpdir(), 'paddock-bench-startup-cache-'))
  const userCache = process.env['XDG_CACHE_HOME']
  process.env['XDG_CACHE_HOME'] = cacheHome
  try {
    for (const kind of kinds) {
      const before = await cacheFileCount(cacheHome)
      await startOnce(kind, options, kind === 'quick' || kind === 'foreground' ? () => cacheWritten(cacheHome, before) : undefined)
    }
    return await timedStarts(kinds, options, notes, log)
  } finally {
    if (userCache === undefined) delete process.env['XDG_CACHE_HOME']
    else process.env['XDG_CACHE_HOME'] = userCache
    await rm(cacheHome, { recursive: true, force: true })
  }
}

/** `options.runs` starts of each of `kinds`, the order rotating from run to run. */
async function timedStarts(kinds: readonly StartupKind[], options: StartupBenchOptions, notes: string[], log: (line: string) => void): Promise<StartupBenchResult> {
  const samples = new Map<StartupKind, Sample[]>(allKinds.map((k) => [k, []]))
  const load1: number[] = []
  for (let run = 0; run < options.runs; run++) {
    load1.push(loadavg()[0] ?? Number.NaN)
    const line: string[] = []
    for (const kind of rotated(kinds, run)) {
      const sample = await startOnce(kind, options)
      samples.get(kind)?.push(sample)
      line.push(`${kind} ${sample.ms.toFixed(0)} ms`)
    }
    log(`  run ${run + 1}/${options.runs} (load ${load1[run]?.toFixed(1)}): ${line.join(', ')}`)
  }
  const measure = (kind: StartupKind): StartupMeasure => measureOf(samples.get(kind) ?? [])
  const apache = measure('apache')
  const quick = measure('quick')
  const foreground = measure('foreground')
  return {
    options, node: measure('node'), quick, foreground, apache,
    quickRatio: ratio(quick.ms.median, apache.ms.median),
    foregroundRatio: ratio(foreground.ms.median, apache.ms.median),
    load1, notes,
  }
}
