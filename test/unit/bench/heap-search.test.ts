// Method: the bigrecovery section's pure parts with fake inputs: the heap search against a fake
// server that recovers at or above a threshold, and a CPU profile reduced to self time.
import { describe, expect, it } from 'vitest'
import { summarizeProfile, type CpuProfile } from '../../bench/cpu-profile.js'
import { findSmallestHeap, type HeapSearchOptions } from '../../bench/heap-search.js'

const bounds: HeapSearchOptions = { startMb: 8_192, granularityMb: 256, floorMb: 256, ceilingMb: 16_384, triesMax: 10 }

/** A fake server that recovers with `needMb` or more. */
const needs = (needMb: number) => async (heapMb: number) => ({ ok: heapMb >= needMb })

describe('findSmallestHeap', () => {
  it('halves from a success to a failure, then bisects to the granularity', async () => {
    const found = await findSmallestHeap(needs(4_500), bounds)
    expect(found.trials.map((t) => [t.heapMb, t.ok])).toEqual([[8_192, true], [4_096, false], [6_144, true], [5_120, true], [4_608, true], [4_352, false]])
    expect(found.smallestOkMb).toBe(4_608)
    expect(found.largestFailedMb).toBe(4_352)
    expect(found.note).toBeUndefined()
  })

  it('doubles from a failing start, and starts from a heap known to fail', async () => {
    const up = await findSmallestHeap(needs(3_000), { ...bounds, startMb: 1_024 })
    expect(up.trials.map((t) => t.heapMb)).toEqual([1_024, 2_048, 4_096, 3_072, 2_560, 2_816])
    expect(up.smallestOkMb).toBe(3_072)
    const known = await findSmallestHeap(needs(5_000), { ...bounds, failedMb: 4_144 })
    expect(known.trials.map((t) => t.heapMb)).toEqual([8_192, 6_144, 5_120, 4_608, 4_864])
    expect(known.smallestOkMb).toBe(5_120)
  })

  it('stops at its bounds and says why', async () => {
    const never = await findSmallestHeap(needs(100_000), bounds)
    expect(never.smallestOkMb).toBeUndefined()
    expect(never.trials.map((t) => t.heapMb)).toEqual([8_192, 16_384])
    expect(never.note).toMatch(/no heap up to 16384 MiB/)
    const floor = await findSmallestHeap(needs(1), bounds)
    expect(floor.smallestOkMb).toBe(256)
    expect(floor.note).toMatch(/below the floor/)
    const capped = await findSmallestHeap(needs(4_500), { ...bounds, triesMax: 3 })
    expect(capped.trials).toHaveLength(3)
    expect(capped.note).toMatch(/most allowed/)
    let tries = 0
    const timed = await findSmallestHeap(async (mb) => ({ ok: (tries++, mb >= 4_500) }), { ...bounds, stop: () => tries >= 2 })
    expect(timed.trials).toHaveLength(2)
    expect(timed.note).toMatch(/time budget/)
  })
})

describe('summarizeProfile', () => {
  it('adds up self time per function and per file, largest first', () => {
    const frame = (functionName: string, url: string, lineNumber: number) => ({ functionName, url, lineNumber })
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', '', -1) },
        { id: 2, callFrame: frame('restoreNodes', 'file:///w/dist/lib/tree/data-tree.js', 494) },
        { id: 3, callFrame: frame('', 'file:///w/dist/lib/tree/data-tree.js', 9) },
        { id: 4, callFrame: frame('(garbage collector)', '', -1) },
      ],
      // Each sample lasts until the next one: node 2 for 30 + 10 µs, 4 for 40 µs, 3 for 20 µs, 1 (the last) for none.
      samples: [2, 4, 3, 2, 1],
      timeDeltas: [0, 30, 40, 20, 10],
      startTime: 0,
      endTime: 100,
    }
    const s = summarizeProfile(profile, 10)
    expect(s.sampledMs).toBeCloseTo(0.1)
    expect(s.functions.map((f) => [f.name, f.file, f.line, Math.round(f.selfPct)])).toEqual([
      ['restoreNodes', 'dist/lib/tree/data-tree.js', 495, 40],
      ['(garbage collector)', '', 0, 40],
      ['(anonymous)', 'dist/lib/tree/data-tree.js', 10, 20],
      ['(root)', '', 0, 0],
    ])
    expect(s.files.map((f) => [f.file === '' ? f.name : f.file, Math.round(f.selfPct)])).toEqual([
      ['dist/lib/tree/data-tree.js', 60],
      ['(garbage collector)', 40],
      ['(root)', 0],
    ])
    expect(summarizeProfile(profile, 1).functions).toHaveLength(1)
  })
})
