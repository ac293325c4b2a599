// Method: two readings of a Paddock LatencyHistogram around known observations, turned into the page's interval percentiles and compared with the bucket each percentile must fall in; averages from sums and counts.
import { describe, expect, it } from 'vitest'
import { histogramJson } from '../../../lib/console/members.js'
import { windowAverage, windowQuantile } from '../../../lib/console/page/quantiles.js'
import { latencyBucketsMs, LatencyHistogram } from '../../../lib/server/metrics.js'

function reading(h: LatencyHistogram) {
  return histogramJson(latencyBucketsMs, [h])
}

describe('percentiles over the interval between two readings', () => {
  it('counts only what was observed in between, interpolating within the bucket', () => {
    const h = new LatencyHistogram()
    for (let i = 0; i < 100; i++) h.observe(800) // before: slow
    const before = reading(h)
    for (let i = 0; i < 90; i++) h.observe(0.3) // (0.1, 0.5]
    for (let i = 0; i < 10; i++) h.observe(7) // (5, 10]
    const now = reading(h)
    expect(windowQuantile(now, before, 0.5)).toBeCloseTo(0.1 + 0.4 * (50 / 90), 6)
    expect(windowQuantile(now, before, 0.9)).toBeCloseTo(0.5, 6)
    const p99 = windowQuantile(now, before, 0.99)
    expect(p99).toBeGreaterThan(5)
    expect(p99).toBeLessThanOrEqual(10)
    // Since the start, the slow ones are the slowest quarter.
    expect(windowQuantile(now, { boundsMs: now.boundsMs, counts: now.counts.map(() => 0), count: 0 }, 0.75)).toBeGreaterThan(500)
  })

  it('is null with no earlier reading or nothing observed, and the last bound above every bound', () => {
    const h = new LatencyHistogram()
    h.observe(1)
    const first = reading(h)
    expect(windowQuantile(first, undefined, 0.5)).toBeNull()
    expect(windowQuantile(first, first, 0.5)).toBeNull()
    h.observe(60_000)
    expect(windowQuantile(reading(h), first, 0.99)).toBe(latencyBucketsMs[latencyBucketsMs.length - 1])
  })

  it('starts from zero when the counts went backwards (the member restarted)', () => {
    const old = new LatencyHistogram()
    for (let i = 0; i < 10; i++) old.observe(800)
    const fresh = new LatencyHistogram()
    fresh.observe(0.05)
    expect(windowQuantile(reading(fresh), reading(old), 0.5)).toBeCloseTo(0.05, 6)
  })

  it('averages a sum over a count between two readings', () => {
    expect(windowAverage({ sum: 30, count: 12 }, { sum: 10, count: 2 })).toBe(2)
    expect(windowAverage({ sum: 30, count: 12 }, { sum: 30, count: 12 })).toBeNull()
    expect(windowAverage({ sum: 30, count: 12 }, undefined)).toBeNull()
    expect(windowAverage({ sum: undefined, count: 12 }, { sum: 1, count: 1 })).toBeNull()
  })
})
