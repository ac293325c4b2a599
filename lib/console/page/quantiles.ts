/**
 * Figures over the interval between two readings of a member's cumulative counters: the
 * percentiles of a histogram (as Prometheus's `histogram_quantile` of a rate), and an average from
 * a sum and a count. Pure, with neither the DOM nor Node in it, so the page and the unit tests
 * share it.
 * @module
 */
import type { HistogramJson } from '../api-types.js'

/**
 * The `q`-quantile (0 < q ≤ 1) of the observations made between readings `before` and `now`,
 * interpolated linearly within its bucket; the last bound when it lies above every bound (the
 * histogram tells no more). Null without an earlier reading or when nothing was observed between
 * the two. A histogram that went backwards (its member restarted) counts from zero.
 */
export function windowQuantile(now: HistogramJson, before: HistogramJson | undefined, q: number): number | null {
  if (before === undefined) return null
  const base = now.count < before.count || before.boundsMs.length !== now.boundsMs.length ? undefined : before
  const total = now.count - (base?.count ?? 0)
  if (total <= 0) return null
  const rank = q * total
  let below = 0
  for (let i = 0; i < now.boundsMs.length; i++) {
    const upTo = (now.counts[i] ?? 0) - (base?.counts[i] ?? 0)
    if (upTo >= rank && upTo > below) return interpolate(now.boundsMs[i - 1] ?? 0, now.boundsMs[i] ?? 0, (rank - below) / (upTo - below))
    below = upTo
  }
  return now.boundsMs[now.boundsMs.length - 1] ?? null
}

/** The point `fraction` of the way from `lower` to `upper`. */
function interpolate(lower: number, upper: number, fraction: number): number {
  return lower + (upper - lower) * Math.min(1, Math.max(0, fraction))
}

/** A sum and a count as a member reports them at one reading. */
export interface SumAndCount {
  /** The sum of the observations. */
  sum: number | undefined
  /** How many there were. */
  count: number | undefined
}

/** The average of the observations made between two readings; null without both or when none was made. */
export function windowAverage(now: SumAndCount, before: SumAndCount | undefined): number | null {
  if (now.sum === undefined || now.count === undefined || before?.sum === undefined || before.count === undefined) return null
  const count = now.count - before.count
  return count > 0 ? (now.sum - before.sum) / count : null
}
