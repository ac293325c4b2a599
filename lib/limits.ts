/**
 * Every bound Paddock keeps, in one place, with units in the names (TigerBeetle's rule: put a
 * limit on everything). Defaults follow Apache ZooKeeper where it has one.
 * @module
 */

/** Largest znode data and largest frame, in bytes: ZooKeeper's `jute.maxbuffer` default (0xfffff). */
export const juteMaxBufferBytes = 0xfffff

/** ZooKeeper's default tickTime when none is configured, in milliseconds (the zoo.cfg sample's 2000). */
export const tickTimeMsDefault = 2000

/** Lower bound of the negotiated session timeout, in ticks (ZooKeeper: minSessionTimeout = 2 x tickTime). */
export const minSessionTimeoutTicks = 2

/** Upper bound of the negotiated session timeout, in ticks (ZooKeeper: maxSessionTimeout = 20 x tickTime). */
export const maxSessionTimeoutTicks = 20

/** Interval of the container and TTL sweep, in milliseconds (ZooKeeper: znode.container.checkIntervalMs). */
export const containerCheckIntervalMsDefault = 60_000

/** Largest TTL of a TTL node, in milliseconds (ZooKeeper EphemeralType.MAX_TTL = 0xFFFFFFFFFF). */
export const ttlMsMax = 0xff_ffff_ffff

/** Most operations in one multi request. ZooKeeper bounds it only by jute.maxbuffer; we name it. */
export const multiOpsMax = 10_000

/** Most watch events queued for one in-process connection before it is considered stuck. */
export const pendingEventsMax = 1_000_000
