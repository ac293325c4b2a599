/**
 * Counters and latency figures of one member, for `mntr`, the admin server and `/metrics`:
 * requests by operation, outstanding requests, log sync time and leader elections.
 * @module
 */

/** Upper bounds of the latency histogram buckets, ms (Prometheus-style, cumulative). */
export const latencyBucketsMs: readonly number[] = [0.1, 0.5, 1, 5, 10, 50, 100, 500, 1000, 5000]

/** A latency summary with a cumulative histogram. */
export class LatencyHistogram {
  /** Observations so far. */
  count = 0
  /** Sum of the observations, ms. */
  sumMs = 0
  /** Largest observation, ms. */
  maxMs = 0
  /** Smallest observation, ms (0 before the first). */
  minMs = 0
  /** Observations in each bucket alone (above the previous bound); the last slot is above every bound. */
  private readonly counts: number[] = [...latencyBucketsMs.map(() => 0), 0]

  /** Observations at or below each of {@link latencyBucketsMs} (cumulative, as Prometheus reports). */
  get buckets(): number[] {
    let total = 0
    return latencyBucketsMs.map((_, i) => (total += this.counts[i] ?? 0))
  }

  /** Records one observation: one bucket counted, so a request pays for a short search only. */
  observe(ms: number): void {
    this.minMs = this.count === 0 ? ms : Math.min(this.minMs, ms)
    this.count++
    this.sumMs += ms
    if (ms > this.maxMs) this.maxMs = ms
    let i = 0
    while (i < latencyBucketsMs.length && ms > (latencyBucketsMs[i] ?? Infinity)) i++
    this.counts[i] = (this.counts[i] ?? 0) + 1
  }
}

/** Everything a member counts. */
export class MemberMetrics {
  /** Requests answered, by operation name. */
  readonly requests = new Map<string, LatencyHistogram>()
  /** Requests received and not yet answered. */
  outstanding = 0
  /** Time from log append to durable (group commit fsync), ms. */
  readonly logSync = new LatencyHistogram()
  /** Leader elections this member took part in (times it went looking). */
  elections = 0
  /** Voting members of the ensemble (1 standalone). */
  quorumSize = 1
  /** Writes refused for a hard quota, by namespace (ZooKeeper's quota_exceeded_error_per_namespace). */
  readonly quotaExceeded = new Map<string, number>()

  /** Records one answered request of `op` that took `ms`. */
  request(op: string, ms: number): void {
    let histogram = this.requests.get(op)
    if (histogram === undefined) this.requests.set(op, (histogram = new LatencyHistogram()))
    histogram.observe(ms)
  }
}
