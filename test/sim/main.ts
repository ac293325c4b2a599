/**
 * `npm run sim -- --seeds N [--from S] [--stride K] [--members 3|5] [--bug NAME] [--reconfig] [--restore] [--trace] [--tier whole|zab]`
 *
 * The whole-system tier (the default) runs production members on the simulated clock, network and
 * disk (./whole/simulator.ts); `--tier zab` runs the faster ZAB-core simulation (./simulator.ts).
 * Seeds S..S+N-1 run (S defaults to 1; `--seed S` alone replays that one seed); `--stride K` runs
 * N seeds S, S+K, S+2K, … instead (e.g. `--from 3 --stride 3` for the seeds with an observer). Each failure
 * prints SIM_SEED=… with the tail of its trace and the command that replays it; the last line is
 * `N seeds: P passed, F failed` with the tier, the bug planted if any, and the wall time.
 * `--reconfig` adds reconfigs to the whole tier's workload (members turned observer and back).
 * `--restore` adds backups and ensemble restores through the leader to it.
 * `--bug NAME` plants a bug in the runtime (lib/planted-bugs.ts); the run exits 0 only if some
 * seed caught it, naming it.
 * @module
 */
import { plantedBugNames, type PlantedBug } from '../../lib/planted-bugs.js'
import { runSeed } from './simulator.js'
import { runWholeSeed } from './whole/simulator.js'

interface Args {
  seeds: number
  first: number
  stride: number
  trace: boolean
  coverage: boolean
  tier: 'whole' | 'zab'
  members: 3 | 5
  bug: PlantedBug | undefined
  reconfig: boolean
  restore: boolean
}

/** A progress line every so many seeds, so a long bounded run still reports how far it got. */
const PROGRESS_EVERY_SEEDS = 1_000

function elapsed(started: number): string {
  return ((performance.now() - started) / 1000).toFixed(1)
}

const usage = 'usage: npm run sim -- --seeds N [--from S] [--stride K] [--seed S] [--members 3|5] [--bug NAME] [--reconfig] [--restore] [--trace] [--tier whole|zab] [--coverage]'

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seeds: 100, first: 1, stride: 1, trace: false, coverage: false, tier: 'whole', members: 3, bug: undefined, reconfig: false, restore: false }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--trace') args.trace = true
    else if (flag === '--coverage') args.coverage = true
    else if (flag === '--reconfig') args.reconfig = true
    else if (flag === '--restore') args.restore = true
    else if (flag === '--seeds') args.seeds = positiveInteger(argv[++i])
    else if (flag === '--seed' || flag === '--from') args.first = positiveInteger(argv[++i])
    else if (flag === '--stride') args.stride = Math.max(1, positiveInteger(argv[++i]))
    else if (flag === '--tier') args.tier = oneOf(argv[++i], ['whole', 'zab'] as const)
    else if (flag === '--members') args.members = Number(oneOf(argv[++i], ['3', '5'] as const)) as 3 | 5
    else if (flag === '--bug') args.bug = oneOf(argv[++i], plantedBugNames)
    else throw new TypeError(`unknown argument ${flag}; ${usage}`)
  }
  // `--seed S` alone replays that one seed.
  if (argv.includes('--seed') && !argv.includes('--seeds')) args.seeds = 1
  if (args.bug !== undefined && args.tier === 'zab') throw new TypeError(`--bug plants a bug in the runtime, which only the whole tier runs; ${usage}`)
  return args
}

function positiveInteger(text: string | undefined): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`expected a non-negative integer, got ${text}; ${usage}`)
  return value
}

function oneOf<T extends string>(text: string | undefined, values: readonly T[]): T {
  if (values.includes(text as T)) return text as T
  throw new TypeError(`expected one of ${values.join(', ')}, got ${text}; ${usage}`)
}

/** One seed's verdict, whichever tier ran it. */
interface Verdict {
  ok: boolean
  error?: string
  trace: string[]
  coverage?: Record<string, number>
}

async function runOne(args: Args, seed: number, trace: boolean): Promise<Verdict> {
  if (args.tier === 'zab') {
    const outcome = runSeed(seed, { trace })
    return { ok: outcome.ok, ...(outcome.ok ? {} : { error: `${outcome.ensemble}: ${outcome.error}` }), trace: [...outcome.trace], coverage: outcome.coverage }
  }
  const outcome = await runWholeSeed(seed, { trace, members: args.members, ...(args.reconfig ? { reconfig: true } : {}), ...(args.restore ? { restore: true } : {}), ...(args.bug === undefined ? {} : { bug: args.bug }) })
  return { ok: outcome.ok, ...(outcome.error === undefined ? {} : { error: outcome.error }), trace: outcome.trace }
}

function replayCommand(args: Args, seed: number): string {
  const tier = args.tier === 'zab' ? ' --tier zab' : ''
  const members = args.tier === 'whole' && args.members === 5 ? ' --members 5' : ''
  const bug = args.bug === undefined ? '' : ` --bug ${args.bug}`
  return `npm run sim -- --seed ${seed}${tier}${members}${bug} --trace`
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2))
  const started = performance.now()
  let failures = 0
  const coverage: Record<string, number> = {}
  const last = args.first + (args.seeds - 1) * args.stride
  for (let seed = args.first; seed <= last; seed += args.stride) {
    const outcome = await runOne(args, seed, args.trace)
    for (const [what, count] of Object.entries(outcome.coverage ?? {})) coverage[what] = (coverage[what] ?? 0) + count
    const done = (seed - args.first) / args.stride + 1
    if (done % PROGRESS_EVERY_SEEDS === 0) console.log(`... ${done} seeds, ${failures} failed, ${elapsed(started)} s`)
    if (outcome.ok && !args.trace) continue
    if (!outcome.ok) failures++
    // Replay with tracing on: the run is deterministic, so the trace shows the same failure.
    const traced = args.trace ? outcome : await runOne(args, seed, true)
    const lines = args.trace ? traced.trace : traced.trace.filter((line) => !line.endsWith(' PING')).slice(-60)
    console.log(lines.join('\n'))
    if (!outcome.ok) console.log(`SIM_SEED=${seed}${args.bug === undefined ? '' : ` (bug ${args.bug} planted)`}: ${outcome.error}`)
    console.log(`replay: ${replayCommand(args, seed)}`)
  }
  if (args.coverage) {
    for (const [what, count] of Object.entries(coverage).sort()) console.log(`  ${what}: ${count}`)
  }
  const tier = args.tier === 'whole' ? `whole-system simulation, ${args.members} members` : 'ZAB-core simulation'
  const planted = args.bug === undefined ? '' : `, bug ${args.bug} planted`
  console.log(`${args.seeds} seeds: ${args.seeds - failures} passed, ${failures} failed (${tier}${planted}; seeds ${args.first}..${last}${args.stride === 1 ? '' : ` every ${args.stride}`}, ${elapsed(started)} s)`)
  if (args.bug !== undefined) {
    console.log(failures > 0 ? `bug ${args.bug} caught` : `bug ${args.bug} NOT caught in ${args.seeds} seeds`)
    return failures > 0 ? 0 : 1
  }
  return failures === 0 ? 0 : 1
}

process.exitCode = await main()
