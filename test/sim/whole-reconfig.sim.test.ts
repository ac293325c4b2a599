// Method: the whole-system simulation with reconfigs in the workload (members turned observer and
// back by the leader while the faults go on): every seed's checks must hold, the members must end
// on one configuration, and the runs stay deterministic.
import { describe, expect, it } from 'vitest'
import { runWholeSeed } from './whole/simulator.js'
import { failingSeeds } from './whole/seeds.js'


describe('the whole system under simulated faults and reconfigs', () => {
  it('keeps every check with 3 members, seeds 1..200', async () => {
    expect(await failingSeeds(1, 200, { members: 3, reconfig: true })).toEqual([])
  }, 300_000)

  it('keeps every check with 5 members, seeds 1..40', async () => {
    expect(await failingSeeds(1, 40, { members: 5, reconfig: true })).toEqual([])
  }, 300_000)

  it('reconfigures in a seed, and replays it exactly', async () => {
    const a = await runWholeSeed(27, { trace: true, reconfig: true })
    const b = await runWholeSeed(27, { trace: true, reconfig: true })
    expect(a.trace).toEqual(b.trace)
    expect(a.faults['reconfig']).toBeGreaterThan(0)
    expect(a.trace.some((line) => line.includes('RECONFIG committed'))).toBe(true)
  }, 60_000)
})
