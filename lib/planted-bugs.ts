/**
 * Bugs the whole-system simulator switches on, one at a time, to prove that its checks catch
 * them (`npm run sim -- --whole --bug NAME`). Every flag is false in production: no option, no
 * zoo.cfg key, no environment variable and no export of the package reaches this object; only the
 * simulator, in its own process, sets one. Each flag guards one line that would be a real bug.
 * @internal
 * @module
 */

/** The bugs that can be planted. */
export type PlantedBug =
  /** A write is acknowledged before its log append is durable. */
  | 'ack-before-durable'
  /** A follower applies a proposal before its COMMIT. */
  | 'apply-before-commit'
  /** A rejoining member does not truncate its log when the leader says TRUNC. */
  | 'skip-truncate'
  /** closeSession (and expiry) leaves the session's ephemeral nodes in place. */
  | 'ephemeral-leak'
  /** A follower answers sync at once, before the leader's commit point reaches it. */
  | 'stale-read-after-sync'

/** Every plantable bug, in a fixed order. */
export const plantedBugNames: readonly PlantedBug[] = ['ack-before-durable', 'apply-before-commit', 'skip-truncate', 'ephemeral-leak', 'stale-read-after-sync']

/** Which bug is switched on: none, outside the simulator. */
export const planted: { bug: PlantedBug | undefined } = { bug: undefined }
