/**
 * zxid arithmetic: zxid = epoch * 2^32 + counter, kept in a JS number (safe while epoch < 2^21).
 * @module
 */

const counterSpan = 0x1_0000_0000

/** Largest epoch whose zxids stay safe integers. */
export const epochMax = 2 ** 21 - 1

/** Builds a zxid from an epoch and a counter. */
export function makeZxid(epoch: number, counter: number): number {
  if (!(epoch >= 0 && epoch <= epochMax)) throw new RangeError(`epoch ${epoch} out of range`)
  if (!(counter >= 0 && counter < counterSpan)) throw new RangeError(`zxid counter ${counter} out of range`)
  return epoch * counterSpan + counter
}

/** The epoch half of a zxid. */
export function zxidEpoch(zxid: number): number {
  return Math.floor(zxid / counterSpan)
}

/** The counter half of a zxid. */
export function zxidCounter(zxid: number): number {
  return zxid % counterSpan
}

/** A zxid as ZooKeeper prints it: `0x` and lower-case hex. */
export function zxidHex(zxid: number): string {
  return '0x' + zxid.toString(16)
}
