/**
 * zxid arithmetic. A zxid is `epoch * 2^32 + counter` (ZooKeeper: `ZxidUtils`), kept as a JS number,
 * so the epoch must stay below 2^21 for the value to remain a safe integer. Pure: the ZAB core,
 * the server and the tools share these functions.
 * @module
 */

/** 2^32: the counter occupies the low 32 bits of a zxid. */
export const ZXID_COUNTER_SPAN = 2 ** 32

/** Epochs are kept below 2^21 so `epoch * 2^32 + counter` stays within Number.MAX_SAFE_INTEGER. */
export const EPOCH_LIMIT = 2 ** 21

/**
 * Builds the zxid for `counter` within `epoch`. Throws a RangeError for an epoch outside
 * [0, 2^21) or a counter outside [0, 2^32): either is a caller's bug, never an input to handle.
 */
export function makeZxid(epoch: number, counter: number): number {
  if (!(Number.isInteger(epoch) && epoch >= 0 && epoch < EPOCH_LIMIT)) throw new RangeError(`epoch ${epoch} outside [0, 2^21)`)
  if (!(Number.isInteger(counter) && counter >= 0 && counter < ZXID_COUNTER_SPAN)) throw new RangeError(`zxid counter ${counter} outside [0, 2^32)`)
  return epoch * ZXID_COUNTER_SPAN + counter
}

/** The epoch (high 32 bits) of a zxid. */
export function epochOf(zxid: number): number {
  return Math.floor(zxid / ZXID_COUNTER_SPAN)
}

/** The counter (low 32 bits) of a zxid. */
export function counterOf(zxid: number): number {
  return zxid % ZXID_COUNTER_SPAN
}

/**
 * Whether `next` may directly follow `previous` in a history. A leader numbers its proposals
 * 1, 2, 3... within its epoch, so a history without holes either continues the same epoch by one or
 * starts a later epoch at counter 1. This is how a learner notices a lost PROPOSAL.
 */
export function isNextZxid(previous: number, next: number): boolean {
  const previousEpoch = epochOf(previous)
  const nextEpoch = epochOf(next)
  if (nextEpoch === previousEpoch) return counterOf(next) === counterOf(previous) + 1
  return nextEpoch > previousEpoch && counterOf(next) === 1
}

/** ZooKeeper's text form of a zxid: `0x` + lower-case hex, e.g. `0x100000003` for epoch 1, counter 3. */
export function formatZxid(zxid: number): string {
  if (zxid < 0) return String(zxid)
  const counter = counterOf(zxid).toString(16)
  const epoch = epochOf(zxid)
  return epoch === 0 ? `0x${counter}` : `0x${epoch.toString(16)}${counter.padStart(8, '0')}`
}
