/**
 * ZooKeeper's `CreateMode`: the `flags` of a create request, and what each flag means.
 * Checked against apache/zookeeper@release-3.9.5 `CreateMode.java`.
 * @module
 */

/** ZooKeeper's CreateMode flags, the numbers on the wire. */
export const CreateMode = {
  /** A node that stays until deleted. */
  PERSISTENT: 0,
  /** A node removed when its session ends. */
  EPHEMERAL: 1,
  /** A persistent node with a 10-digit sequence suffix. */
  PERSISTENT_SEQUENTIAL: 2,
  /** An ephemeral node with a 10-digit sequence suffix. */
  EPHEMERAL_SEQUENTIAL: 3,
  /** A node the server removes once its last child is gone. */
  CONTAINER: 4,
  /** A node removed when unmodified and childless for its TTL. */
  PERSISTENT_WITH_TTL: 5,
  /** A sequential TTL node. */
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const

/** One of the {@link CreateMode} numbers. */
export type CreateModeValue = (typeof CreateMode)[keyof typeof CreateMode]

/** The name of a create mode, for example `'EPHEMERAL_SEQUENTIAL'`. */
export type CreateModeName = keyof typeof CreateMode

/** What a create mode flag means, as the booleans of `CreateMode`'s constructor. */
export interface CreateModeInfo {
  /** The mode's name. */
  name: CreateModeName
  /** The node goes when its session ends. */
  ephemeral: boolean
  /** A 10-digit sequence suffix is appended to the name. */
  sequential: boolean
  /** The node goes once its last child is removed. */
  container: boolean
  /** The node goes when unmodified and childless for its TTL. */
  ttl: boolean
}

const createModes: readonly CreateModeInfo[] = [
  { name: 'PERSISTENT', ephemeral: false, sequential: false, container: false, ttl: false },
  { name: 'EPHEMERAL', ephemeral: true, sequential: false, container: false, ttl: false },
  { name: 'PERSISTENT_SEQUENTIAL', ephemeral: false, sequential: true, container: false, ttl: false },
  { name: 'EPHEMERAL_SEQUENTIAL', ephemeral: true, sequential: true, container: false, ttl: false },
  { name: 'CONTAINER', ephemeral: false, sequential: false, container: true, ttl: false },
  { name: 'PERSISTENT_WITH_TTL', ephemeral: false, sequential: false, container: false, ttl: true },
  { name: 'PERSISTENT_SEQUENTIAL_WITH_TTL', ephemeral: false, sequential: true, container: false, ttl: true },
]

/** Describes a create mode flag, or returns undefined for a flag `CreateMode.fromFlag` rejects. */
export function createModeInfo(flags: number): CreateModeInfo | undefined {
  return Number.isInteger(flags) && flags >= 0 ? createModes[flags] : undefined
}
