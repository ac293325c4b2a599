/**
 * Runs a range of seeds of the whole-system simulation and lists the failures, each with the
 * command that replays it.
 * @module
 */
import { runWholeSeed, type WholeOptions } from './simulator.js'

/** Seeds `first` .. `first + count - 1` with `options`: one line per failing seed, with how to replay it. */
export async function failingSeeds(first: number, count: number, options: WholeOptions): Promise<string[]> {
  const flags = [`--members ${options.members ?? 3}`, ...(options.reconfig === true ? ['--reconfig'] : []), ...(options.restore === true ? ['--restore'] : [])].join(' ')
  const failures: string[] = []
  for (let seed = first; seed < first + count; seed++) {
    const outcome = await runWholeSeed(seed, options)
    if (!outcome.ok) failures.push(`SIM_SEED=${seed}: ${outcome.error} — replay: npm run sim -- --seed ${seed} ${flags} --trace`)
  }
  return failures
}
