/**
 * When to take the next snapshot, randomised as ZooKeeper does it.
 * @module
 */

/**
 * Returns after how many logged transactions the next snapshot should be taken: a number in
 * `snapCount/2 + 1 .. snapCount`, picked by `random`.
 *
 * ZooKeeper (SyncRequestProcessor) snapshots after `snapCount/2 + rand(snapCount/2)` transactions
 * so that the members of an ensemble do not all snapshot at the same moment. The randomness is
 * passed in (a seeded PRNG in simulations) so that the choice is reproducible.
 *
 * @param snapCount ZooKeeper's `snapCount`: the most transactions between two snapshots (>= 2).
 * @param random returns a number in [0, 1), like `Math.random`.
 */
export function nextSnapshotAfter(snapCount: number, random: () => number): number {
  if (!Number.isSafeInteger(snapCount) || snapCount < 2) {
    throw new RangeError(`snapCount must be an integer >= 2, got ${snapCount}`)
  }
  const r = random()
  if (!(r >= 0 && r < 1)) throw new RangeError(`random() must return a number in [0, 1), got ${r}`)
  const half = Math.floor(snapCount / 2)
  const span = snapCount - half
  return half + 1 + Math.floor(r * span)
}
