// Method: the reference for the testing section: Apache Curator's TestingCluster(3) (Debian's
// libcurator-test-java) timed by java/CuratorTestingClusterBench.java, compiled with javac once
// per run and run in fresh JVMs one after another, each under the kill-on-exit wrapper and a time
// bound. Each JVM builds a new cluster every round, on 127.0.0.1 only; its first round (class
// loading, a cold JIT) is reported apart from the warm ones, and the spawn of the JVM to its first
// acknowledged create is timed with the wall clock both processes share.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { debianPackageVersion, javaVersion } from './machine.js'
import { javaBinary, spawnWrapped } from './servers.js'

const execFileAsync = promisify(execFile)

/** Bounds of {@link benchCuratorTestingCluster}. */
export interface CuratorTestingOptions {
  /** Fresh JVMs, one after another. */
  jvms: number
  /** Rounds in each JVM, a new cluster each; the first of them is the cold one. */
  roundsPerJvm: number
}

/** Curator's TestingCluster(3) timings, in ms of wall time (every list empty when it was not measured). */
export interface CuratorTestingResult {
  /** The bounds it ran with. */
  options: CuratorTestingOptions
  /** Why Curator's TestingCluster was not measured, when it was not. */
  skipped?: string
  /** Debian's libcurator-test-java version, e.g. `5.4.0-3`. */
  version?: string | undefined
  /** What `java -version` says first. */
  javaVersion?: string | undefined
  /** Spawn of a fresh JVM → the first acknowledged create of its first round, one per JVM. */
  spawnToWriteMs: number[]
  /** Each JVM's first (cold) round: constructing the TestingCluster → first acknowledged create. */
  coldStartToWriteMs: number[]
  /** The warm rounds: constructing the TestingCluster → first acknowledged create. */
  startToWriteMs: number[]
  /** The warm rounds: killServer(leader) → the next acknowledged create, through the same client. */
  killToWriteMs: number[]
  /** The warm rounds: the killServer(leader) call itself. */
  killMs: number[]
  /** The 1-minute load average as each JVM was spawned. */
  load1: number[]
  /** What went wrong in the JVMs that did not finish their rounds. */
  errors: string[]
}

/** One line of CuratorTestingClusterBench's output. */
interface CuratorRound {
  round: number
  firstWriteEpochMs: number
  startToWriteMs: number
  killMs: number
  killToWriteMs: number
}

/** Debian's jars: Curator's test kit and framework (their manifests name ZooKeeper, Guava and SLF4J), and SLF4J's no-op logger. */
const curatorJars = ['/usr/share/java/curator-test.jar', '/usr/share/java/curator-framework.jar', '/usr/share/java/slf4j-nop.jar'] as const
const javacPath = '/usr/bin/javac'
const mainClass = 'CuratorTestingClusterBench'
// Next to this file when run from source; from dist/test/bench, back in the source tree.
const program = [new URL(`java/${mainClass}.java`, import.meta.url), new URL(`../../../test/bench/java/${mainClass}.java`, import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((path) => existsSync(path)) ?? `test/bench/java/${mainClass}.java`
/** How long javac may take, ms. */
const javacTimeoutMs = 120_000
/** How long one JVM may take for all its rounds, ms (one round takes a few seconds). */
const jvmTimeoutMs = 300_000
/** How much of a failed JVM's output goes into its error, in characters. */
const errorTailChars = 600

/** Why Curator's TestingCluster cannot run here, or undefined when it can. */
export function curatorUnavailableReason(): string | undefined {
  for (const path of [javaBinary, javacPath]) if (!existsSync(path)) return `${path} is missing (apt-get install openjdk-17-jdk-headless)`
  for (const jar of curatorJars) if (!existsSync(jar)) return `${jar} is missing (apt-get install libcurator-test-java)`
  if (!existsSync(program)) return `${program} is missing`
  return undefined
}

/** Compiles the Java program into a new temporary directory and returns it. */
async function compile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paddock-bench-curator-'))
  try {
    await execFileAsync(javacPath, ['-nowarn', '-d', dir, '-cp', curatorJars.join(delimiter), program], { timeout: javacTimeoutMs })
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return dir
}

/** A round's line as the Java program prints it, or undefined for any other line. */
function roundOf(line: string): CuratorRound | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const parsed = JSON.parse(line) as Partial<CuratorRound>
    const fields = [parsed.round, parsed.firstWriteEpochMs, parsed.startToWriteMs, parsed.killMs, parsed.killToWriteMs]
    return fields.every((f) => typeof f === 'number') ? (parsed as CuratorRound) : undefined
  } catch {
    return undefined
  }
}

/** Runs one fresh JVM of `rounds` rounds; resolves with its spawn time (epoch ms) and its rounds, or rejects with why it failed. */
async function runJvm(classes: string, rounds: number): Promise<{ spawnedAtEpochMs: number; rounds: CuratorRound[] }> {
  const lines: CuratorRound[] = []
  const spawnedAtEpochMs = Date.now()
  const child = spawnWrapped(javaBinary, ['-cp', [classes, ...curatorJars].join(delimiter), mainClass, String(rounds)], (line) => {
    const round = roundOf(line)
    if (round !== undefined) lines.push(round)
  })
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), jvmTimeoutMs)))
  const outcome = await Promise.race([child.exited.then(() => 'exited' as const), late]).finally(() => clearTimeout(timer))
  await child.stop()
  if (lines.length < rounds) {
    const why = outcome === 'late' ? `no result within ${jvmTimeoutMs} ms` : 'exited early'
    throw new Error(`${why} after ${lines.length} of ${rounds} round(s): ${child.output().trim().slice(-errorTailChars)}`)
  }
  return { spawnedAtEpochMs, rounds: lines }
}

/**
 * Runs `options.jvms` fresh JVMs of `options.roundsPerJvm` rounds each, one after another. Never
 * throws: where Curator cannot run, the result says why (`skipped`); a JVM that fails is recorded
 * in `errors` and the others still count.
 */
export async function benchCuratorTestingCluster(options: CuratorTestingOptions, log: (line: string) => void = () => undefined): Promise<CuratorTestingResult> {
  const result: CuratorTestingResult = {
    options, spawnToWriteMs: [], coldStartToWriteMs: [], startToWriteMs: [], killToWriteMs: [], killMs: [], load1: [], errors: [],
  }
  const unavailable = curatorUnavailableReason()
  if (unavailable !== undefined) return { ...result, skipped: unavailable }
  let classes: string
  try {
    classes = await compile()
  } catch (error) {
    return { ...result, skipped: `javac ${program} failed: ${(error as Error).message.split('\n')[0] ?? ''}` }
  }
  result.version = debianPackageVersion('libcurator-test-java')
  result.javaVersion = javaVersion(javaBinary)
  try {
    for (let jvm = 0; jvm < options.jvms; jvm++) {
      result.load1.push(loadavg()[0] ?? Number.NaN)
      try {
        const run = await runJvm(classes, options.roundsPerJvm)
        record(result, run.spawnedAtEpochMs, run.rounds)
        log(`  Curator JVM ${jvm + 1}/${options.jvms}: ${run.rounds.map((r) => `start ${r.startToWriteMs.toFixed(0)} ms, kill ${r.killToWriteMs.toFixed(0)} ms`).join('; ')}`)
      } catch (error) {
        result.errors.push(`JVM ${jvm + 1}: ${(error as Error).message}`)
        log(`  Curator JVM ${jvm + 1}/${options.jvms} failed: ${(error as Error).message}`)
      }
    }
  } finally {
    await rm(classes, { recursive: true, force: true })
  }
  return result
}

/** Adds one JVM's rounds to `result`: its first round as the cold one, the others as warm ones. */
function record(result: CuratorTestingResult, spawnedAtEpochMs: number, rounds: readonly CuratorRound[]): void {
  const [cold, ...warm] = rounds
  if (cold === undefined) return
  result.spawnToWriteMs.push(cold.firstWriteEpochMs - spawnedAtEpochMs)
  result.coldStartToWriteMs.push(cold.startToWriteMs)
  for (const round of warm) {
    result.startToWriteMs.push(round.startToWriteMs)
    result.killToWriteMs.push(round.killToWriteMs)
    result.killMs.push(round.killMs)
  }
}
