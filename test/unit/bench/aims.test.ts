// Method: the aims table over made-up results (fixture.ts): each aim is met or missed by its bound
// on the figure the section holds, a section missing from every saved run is "not measured", the
// last saved file with a section gives its rows, and the table replaces only the text between
// its markers.
import { describe, expect, it } from 'vitest'
import { aimRows, aimsBegin, aimsEnd, aimsMarkdown, withAimsTable, type AimRow } from '../../bench/aims.js'
import { parseBenchArgs } from '../../bench/cli.js'
import { summarize } from '../../bench/report.js'
import type { BenchResults } from '../../bench/results.js'
import type { SnapshotLoadResult } from '../../bench/snapshot-load.js'
import { fixtureResults } from './fixture.js'

const rowOf = (rows: readonly AimRow[], aim: string): AimRow => {
  const row = rows.find((r) => r.aim === aim)
  if (row === undefined) throw new Error(`no aim ${aim}`)
  return row
}

function snapshotRun(p99RatioMedian: number): SnapshotLoadResult {
  const latency = (p99Ms: number) => ({ count: 1_000, p50Ms: 3, p99Ms, maxMs: p99Ms * 2 })
  return {
    options: { znodes: 1_000_000, snapCount: 100_000, inFlight: 100, durationMs: 30_000, countMax: 1_000_000, runs: 1 },
    runs: [{ snapshotMs: [5_000], during: latency(30 * p99RatioMedian), steady: latency(30), opsPerSec: 20_000, errors: 0 }],
    p99Ratio: summarize([p99RatioMedian]),
    notes: [],
  }
}

describe('aims', () => {
  const rows = aimRows([fixtureResults()])

  it('holds each figure to its bound', () => {
    // The fixture's durable rows: Paddock 10x Apache's throughput at 100 in flight, a p50 under Apache's.
    expect(rowOf(rows, 'Standalone durable create, 100 in flight').status).toBe('met')
    expect(rowOf(rows, 'In-process getData')).toMatchObject({ status: 'missed', measured: '190.0k/s' })
    expect(rowOf(rows, '1M watches on one member')).toMatchObject({ status: 'met', measured: '1.00M watches, 125.0k events/s delivered' })
    expect(rowOf(rows, '10,000 idle TCP sessions pinging one member').status).toBe('figure')
  })

  it("shows the bench loop's floor beside an in-process read when the run measured it", () => {
    const results = fixtureResults()
    results.inprocess = results.inprocess!.map((row) => (row.op === 'getData' ? { ...row, floorOpsPerSec: 1_200_000 } : row))
    const withFloor = aimRows([results])
    expect(rowOf(withFloor, 'In-process getData')).toMatchObject({ status: 'missed', measured: "190.0k/s; the bench's loop around a bare lookup, copy and Stat: 1.20M/s" })
    expect(rowOf(withFloor, 'In-process exists').measured).toBe('450.0k/s')
  })

  it('says which run each figure came from, and which aims no saved run measured', () => {
    expect(rowOf(rows, 'In-process create').run).toBe('2026-12-01, load 1.1')
    expect(rowOf(rows, 'Snapshot under write load, 100 in flight')).toMatchObject({ status: 'not measured', measured: 'not in the saved runs' })
    expect(rowOf(rows, 'Snapshot under write load, 100 in flight').run).toBeUndefined()
  })

  it('takes each section from the last saved run that has it', () => {
    const base = fixtureResults()
    const snapshotOnly = (median: number, date: string): BenchResults => ({ meta: { ...base.meta, date, loadavgBefore: [0.5] }, snapshot: snapshotRun(median) })
    const later = aimRows([base, snapshotOnly(11, '2026-12-02T00:00:00Z'), snapshotOnly(1.5, '2026-12-03T00:00:00Z')])
    expect(rowOf(later, 'Snapshot under write load, 100 in flight')).toMatchObject({ status: 'met', run: '2026-12-03, load 0.5' })
    expect(rowOf(later, 'In-process create').run).toBe('2026-12-01, load 1.1')
  })

  it('counts a figure the run failed to measure as not measured, not as met or missed', () => {
    const results = fixtureResults({ apache: false })
    expect(rowOf(aimRows([results]), 'Standalone durable create, 100 in flight').status).toBe('not measured')
  })

  it('draws one table line per aim and replaces only the block between the markers', () => {
    const table = aimsMarkdown(rows)
    expect(table.trim().split('\n')).toHaveLength(rows.length + 2)
    expect(table).toContain('| **missed** |')
    const page = `# Page\n\n${aimsBegin}\nold table\n${aimsEnd}\n\nafter\n`
    expect(withAimsTable(page, table)).toBe(`# Page\n\n${aimsBegin}\n${table}${aimsEnd}\n\nafter\n`)
    expect(() => withAimsTable('# no markers\n', table)).toThrow(RangeError)
  })

  it('reads further --report-from files for the aims', () => {
    const args = parseBenchArgs(['--report-from', 'a.json', '--report-from', 'b.json', '--aims', 'p.md'])
    expect(args).toMatchObject({ reportFrom: 'a.json', reportAlso: ['b.json'], aims: 'p.md' })
  })
})
