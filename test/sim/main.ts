/**
 * `npm run sim -- --seeds N [--seed S] [--trace] [--coverage]`: runs seeds S..S+N-1 (S defaults to
 * 1; `--seed` alone runs one seed); prints SIM_SEED=… with a replayable trace for each failure, then
 * the count and the wall time. `--coverage` totals which messages and step-downs the runs exercised.
 * @module
 */
import { runSeed } from './simulator.js'

interface Args {
  seeds: number
  first: number
  trace: boolean
  coverage: boolean
}

/** A progress line every so many seeds, so a long bounded run still reports how far it got. */
const PROGRESS_EVERY_SEEDS = 10_000

function elapsed(started: number): string {
  return ((performance.now() - started) / 1000).toFixed(1)
}

const usage = 'usage: npm run sim -- --seeds N [--seed S] [--trace] [--coverage]'

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seeds: 100, first: 1, trace: false, coverage: false }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    if (flag === '--trace') args.trace = true
    else if (flag === '--coverage') args.coverage = true
    else if (flag === '--seeds') args.seeds = positiveInteger(argv[++i])
    else if (flag === '--seed') args.first = positiveInteger(argv[++i])
    else throw new TypeError(`unknown argument ${flag}; ${usage}`)
  }
  // `--seed S` alone replays that one seed.
  if (argv.includes('--seed') && !argv.includes('--seeds')) args.seeds = 1
  return args
}

function positiveInteger(text: string | undefined): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`expected a non-negative integer, got ${text}; ${usage}`)
  return value
}

function main(): number {
  const args = parseArgs(process.argv.slice(2))
  const started = performance.now()
  let failures = 0
  const coverage: Record<string, number> = {}
  for (let seed = args.first; seed < args.first + args.seeds; seed++) {
    const outcome = runSeed(seed, { trace: args.trace })
    for (const [what, count] of Object.entries(outcome.coverage)) coverage[what] = (coverage[what] ?? 0) + count
    const done = seed - args.first + 1
    if (done % PROGRESS_EVERY_SEEDS === 0) console.log(`... ${done} seeds, ${failures} failed, ${elapsed(started)} s`)
    if (outcome.ok && !args.trace) continue
    if (!outcome.ok) failures++
    // Replay with tracing on: the run is deterministic, so the trace shows the same failure.
    const traced = args.trace ? outcome : runSeed(seed, { trace: true })
    // The short form leaves out PINGs, which otherwise fill the tail of a stalled run.
    const lines = args.trace ? traced.trace : traced.trace.filter((line) => !line.endsWith(' PING')).slice(-80)
    console.log(lines.join('\n'))
    if (!outcome.ok) console.log(`SIM_SEED=${seed} ${outcome.ensemble}: ${outcome.error}`)
    console.log(`replay: npm run sim -- --seed ${seed} --trace`)
  }
  if (args.coverage) {
    for (const [what, count] of Object.entries(coverage).sort()) console.log(`  ${what}: ${count}`)
  }
  const seconds = elapsed(started)
  console.log(`${args.seeds} seeds from ${args.first}: ${args.seeds - failures} passed, ${failures} failed in ${seconds} s`)
  return failures === 0 ? 0 : 1
}

process.exitCode = main()
