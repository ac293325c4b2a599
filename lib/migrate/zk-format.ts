/**
 * Facts of Apache ZooKeeper's on-disk format shared by the snapshot and txn-log codecs: file
 * magics, the Adler-32 checksum its `CheckedOutputStream`s use, how `StatPersisted.ephemeralOwner`
 * marks containers and TTL nodes (`EphemeralType`), and the session password it derives from a
 * session id (`ZooKeeperServer.generatePasswd`).
 * @module
 */
import type { NodeKind } from '../txn/types.js'

/** `FileHeader.magic` of a snapshot: the bytes "ZKSN". */
export const snapshotMagic = 0x5a4b534e
/** `FileHeader.magic` of a transaction log: the bytes "ZKLG". */
export const txnLogMagic = 0x5a4b4c47
/** `FileHeader.version` of both files (FileSnap.VERSION, FileTxnLog.VERSION). */
export const fileFormatVersion = 2
/** The dbid ZooKeeper writes into a snapshot header (FileSnap.dbId). */
export const snapshotDbId = -1n
/** The byte after every log record (Util.writeTxnBytes, "EOR"). */
export const endOfRecord = 0x42
/** DigestCalculator's version in 3.6 to 3.9: a digest written as a long, not a hex string. */
export const digestVersion = 2

/** Adler-32 over `bytes`, continuing from `start` (1 for a fresh checksum), as java.util.zip.Adler32. */
export function adler32(bytes: Uint8Array, start = 1): number {
  let a = start & 0xffff
  let b = (start >>> 16) & 0xffff
  const n = bytes.length
  let i = 0
  while (i < n) {
    // 3800 bytes keep both sums below 2^31 before the modulo (zlib's NMAX is 5552 for unsigned).
    const end = Math.min(n, i + 3800)
    for (; i < end; i++) {
      a += bytes[i]!
      b += a
    }
    a %= 65521
    b %= 65521
  }
  return ((b << 16) | a) >>> 0
}

/** ephemeralOwner of a container node (EphemeralType.CONTAINER_EPHEMERAL_OWNER, Long.MIN_VALUE). */
export const containerEphemeralOwner = -0x8000000000000000n
const extendedMask = -0x0100000000000000n // 0xff00000000000000 as a signed long
const extendedValueMask = 0x000000ffffffffffn
const reservedBitsMask = 0x00ffff0000000000n

/** A node's kind, owner and TTL as Paddock keeps them, decoded from ZooKeeper's ephemeralOwner. */
export interface OwnerFields {
  /** The node's kind. */
  readonly kind: NodeKind
  /** The owning session of an ephemeral, else 0n. */
  readonly ephemeralOwner: bigint
  /** The TTL in ms of a TTL node, else 0. */
  readonly ttlMs: number
}

/**
 * Decodes `StatPersisted.ephemeralOwner`: 0 is persistent, Long.MIN_VALUE a container, a high byte
 * of 0xff with extended-type bits 0 a TTL node (the TTL in the low 40 bits), anything else an
 * ephemeral owned by that session.
 */
export function decodeEphemeralOwner(owner: bigint): OwnerFields {
  if (owner === 0n) return { kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0 }
  if (owner === containerEphemeralOwner) return { kind: 'container', ephemeralOwner: 0n, ttlMs: 0 }
  if ((owner & extendedMask) === extendedMask && (owner & reservedBitsMask) === 0n) {
    return { kind: 'ttl', ephemeralOwner: 0n, ttlMs: Number(owner & extendedValueMask) }
  }
  return { kind: 'ephemeral', ephemeralOwner: owner, ttlMs: 0 }
}

/** Encodes a node's kind back into ZooKeeper's `StatPersisted.ephemeralOwner`. */
export function encodeEphemeralOwner(kind: NodeKind, ephemeralOwner: bigint, ttlMs: number): bigint {
  switch (kind) {
    case 'persistent':
      return 0n
    case 'container':
      return containerEphemeralOwner
    case 'ttl':
      return extendedMask | (BigInt(ttlMs) & extendedValueMask)
    case 'ephemeral':
      return ephemeralOwner
  }
}

/** ZooKeeperServer.superSecret, mixed into the seed of a session's password. */
const superSecret = 0xb3415c00n
const javaRandomMultiplier = 0x5deece66dn
const javaRandomMask = (1n << 48n) - 1n

/**
 * The password ZooKeeper gives session `id`: 16 bytes of `new java.util.Random(id ^ superSecret)`.
 * ZooKeeper keeps no passwords on disk, so an imported session gets this one and its client can
 * reconnect to Paddock with the password it already holds.
 */
export function zooKeeperSessionPasswd(id: bigint): Uint8Array {
  let seed = (BigInt.asUintN(64, id ^ superSecret) ^ javaRandomMultiplier) & javaRandomMask
  const out = new Uint8Array(16)
  for (let i = 0; i < 16; ) {
    seed = (seed * javaRandomMultiplier + 0xbn) & javaRandomMask
    let rnd = Number(BigInt.asIntN(32, seed >> 16n))
    for (let n = Math.min(16 - i, 4); n-- > 0; rnd >>= 8) out[i++] = rnd & 0xff
  }
  return out
}
