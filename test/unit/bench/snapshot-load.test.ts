import { describe, expect, it } from 'vitest'
import { classifyReplies, latencyClass } from '../../bench/snapshot-load.js'

describe('the snapshot-under-load bench', () => {
  it('counts a reply as during a snapshot when its request was outstanding at some moment of one', () => {
    // [arrival, latency]: sent at arrival - latency.
    const replies = [[10, 5], [25, 2], [31, 3], [50, 30], [70, 1]] as const
    const { during, steady } = classifyReplies(replies, [[20, 30], [60, 65]])
    // 5..10 before; 23..25 inside; 28..31 overlaps the end; 20..50 spans it; 69..70 after the second.
    expect(during).toEqual([2, 3, 30])
    expect(steady).toEqual([5, 1])
  })

  it('takes percentiles as the wire client does (index floor(q·n) of the sorted latencies) and NaN for an empty class', () => {
    const latencies = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(latencyClass(latencies)).toEqual({ count: 100, p50Ms: 51, p99Ms: 100, maxMs: 100 })
    expect(latencyClass([]).p99Ms).toBeNaN()
  })
})
