// Method: deterministic simulation — real ZabPeers on a seeded network and disk with faults; every seed's safety and liveness checks must hold.
import { describe, expect, it } from 'vitest'
import { ensembles, runSeed } from './simulator.js'

/** Seeds CI runs: at least 2,000 (issue 5). Seeds rotate through the ensembles by seed % 3. */
const SEEDS = 2_400
const CHUNK = 300

function failuresIn(first: number, count: number): string[] {
  const failures: string[] = []
  for (let seed = first; seed < first + count; seed++) {
    const outcome = runSeed(seed)
    if (!outcome.ok) failures.push(`SIM_SEED=${seed} (${outcome.ensemble}): ${outcome.error} — replay: npm run sim -- --seed ${seed} --trace`)
  }
  return failures
}

describe('ZAB under simulated faults (ZAB paper: agreement, total order, primary order, primary integrity; liveness after healing)', () => {
  it('covers 3 voters, 5 voters and 3 voters + 2 observers', () => {
    expect(ensembles.map((e) => `${e.voters}+${e.observers}`)).toEqual(['3+0', '5+0', '3+2'])
  })

  for (let first = 1; first <= SEEDS; first += CHUNK) {
    const last = first + CHUNK - 1
    it(`keeps every safety property and makes progress once healed, seeds ${first}..${last}`, () => {
      expect(failuresIn(first, CHUNK)).toEqual([])
    }, 120_000)
  }

  it('replays a seed exactly: the same seed gives the same run', () => {
    const a = runSeed(4242, { trace: true })
    const b = runSeed(4242, { trace: true })
    expect(a.trace).toEqual(b.trace)
    expect(a.committed).toBeGreaterThan(0)
  })
})
