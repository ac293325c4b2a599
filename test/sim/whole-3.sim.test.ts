// Method: the whole-system simulation (test/sim/whole): production members on a simulated clock,
// network and disk, with seeded faults and clients; every seed's checks must hold. This file runs
// the 3-member seeds; whole-5.sim.test.ts the 5-member ones and the planted bugs.
import { describe, expect, it } from 'vitest'
import { runWholeSeed } from './whole/simulator.js'
import { failingSeeds } from './whole/seeds.js'

/** 3-member seeds per CI run; with the 5-member ones, 2,000 seeds in all. */
const SEEDS = 1_600
const CHUNK = 200


describe('the whole system under simulated faults, 3 members', () => {
  for (let first = 1; first <= SEEDS; first += CHUNK) {
    it(`keeps every check and makes progress once healed, seeds ${first}..${first + CHUNK - 1}`, async () => {
      expect(await failingSeeds(first, CHUNK, { members: 3 })).toEqual([])
    }, 300_000)
  }

  // Found with this seed: a bit flipped in the last log record of a member that had acknowledged
  // it used to be taken for a torn tail and cut at restart, which lost a committed write (the old
  // leader fail-stopped on TRUNC below its commit point). Start-up now refuses any record that
  // fails its checksum, so the member waits for a new disk and resyncs.
  it('keeps a write a member acknowledged before its last log record was damaged (seed 2600663)', async () => {
    const outcome = await runWholeSeed(2_600_663, { members: 3 })
    expect(outcome.ok, outcome.error).toBe(true)
  }, 60_000)

  it('replays a seed exactly: the same seed gives the same run', async () => {
    const a = await runWholeSeed(4242, { trace: true })
    const b = await runWholeSeed(4242, { trace: true })
    expect(a.trace).toEqual(b.trace)
    expect(a.acked).toBeGreaterThan(100)
    expect(Object.keys(a.faults).length).toBeGreaterThan(2)
  }, 60_000)
})
