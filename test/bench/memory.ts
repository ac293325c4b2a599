// Method: the memory an in-memory Paddock tree takes at several znode counts, measured in a fresh
// Node process of its own (memory-probe.ts) so nothing else the bench did is counted: heap used,
// external memory and RSS after two full GCs, at start and after growing the tree to each count.
// Bounded by the counts and by a time limit on the growing.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnWrapped } from './servers.js'

/** Bounds of {@link benchMemory}. */
export interface MemoryBenchOptions {
  /** Znode counts to measure at, ascending; the tree grows from one to the next. */
  counts: readonly number[]
  /** No znode is created after this long, in milliseconds (later counts are then missing). */
  timeMaxMs: number
  /** The probe process's V8 old-space limit, in MiB. */
  heapMb: number
}

/** The probe process's memory at one znode count. */
export interface MemorySample {
  /** Znodes under /m (0: the server and client only). */
  znodes: number
  /** V8 heap in use after full GCs, bytes. */
  heapUsedBytes: number
  /** Memory of objects outside the V8 heap (buffers), bytes. */
  externalBytes: number
  /** Resident set of the whole process, bytes. */
  rssBytes: number
  /** Time spent creating znodes up to this count, ms. */
  elapsedMs: number
}

/** What the probe process writes. */
export interface MemoryProbeOutput {
  /** Before any znode was created. */
  baseline: MemorySample
  /** One per count reached. */
  samples: MemorySample[]
  /** Why counts are missing, if they are. */
  note?: string
}

/** What {@link benchMemory} measured. */
export interface MemoryBenchResult extends MemoryProbeOutput {
  /** The options it ran with. */
  options: MemoryBenchOptions
}

/** Time the probe may take beyond `timeMaxMs` (start, the last GCs, writing its file), ms. */
const marginMs = 60_000

/** Resolves true when `exited` settles within `ms`, false otherwise. */
async function exitsWithin(exited: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  const done = await Promise.race([exited.then(() => true as const), late])
  clearTimeout(timer)
  return done
}

/** Runs memory-probe.js in a process of its own and returns what it measured. */
export async function benchMemory(options: MemoryBenchOptions, log: (line: string) => void = () => undefined): Promise<MemoryBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'paddock-bench-memory-'))
  const out = join(dir, 'memory.json')
  const script = fileURLToPath(new URL('./memory-probe.js', import.meta.url))
  const args = ['--expose-gc', `--max-old-space-size=${options.heapMb}`, script, '--counts', options.counts.join(','), '--time-max-ms', String(options.timeMaxMs), '--out', out]
  const child = spawnWrapped(process.execPath, args)
  try {
    if (!(await exitsWithin(child.exited, options.timeMaxMs + marginMs))) throw new Error(`the memory probe still ran after ${options.timeMaxMs + marginMs} ms`)
    const text = await readFile(out, 'utf8').catch(() => {
      throw new Error(`the memory probe wrote no result:\n${child.output().slice(-2_000)}`)
    })
    const measured = JSON.parse(text) as MemoryProbeOutput
    for (const s of measured.samples) log(`  ${s.znodes} znodes: heap used ${(s.heapUsedBytes / 1048576).toFixed(1)} MiB, RSS ${(s.rssBytes / 1048576).toFixed(1)} MiB after ${s.elapsedMs.toFixed(0)} ms`)
    return { options, ...measured }
  } finally {
    await child.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
