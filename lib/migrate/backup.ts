/**
 * Online backup and restore in Apache ZooKeeper's snapshot format: what the admin commands
 * `snapshot` and `restore` send and take. A backup is written from a {@link TreeCapture} (the tree
 * as of one zxid while writes go on), in pieces, with its exact size known before the first byte,
 * so it can be sent with a Content-Length. A restore body is decoded, every checksum and seal
 * checked, and the tree it describes checked node by node before anything is installed.
 * @module
 */
import type { ACL } from '../protocol/data.js'
import { EPOCH_LIMIT, epochOf, formatZxid, makeZxid } from '../protocol/zxid.js'
import { snapshotStateChunks } from '../server/snapshot.js'
import type { Storage } from '../../storage/index.js'
import type { TreeCapture } from '../tree/capture.js'
import { JuteWriter } from '../wire/jute.js'
import { writeACLs } from '../wire/records.js'
import { MigrationError } from './errors.js'
import type { OfflineState } from './offline-state.js'
import { adler32, digestVersion, encodeEphemeralOwner, fileFormatVersion, snapshotDbId, snapshotMagic } from './zk-format.js'
import { decodeZkSnapshot, type ZkSnapshot } from './zk-snapshot.js'
import { stateOfZkSnapshot } from './zookeeper-dir.js'

/** A session as a backup keeps it: ZooKeeper's snapshot has no passwords. */
export interface BackupSession {
  /** The 64-bit session id. */
  readonly id: bigint
  /** The negotiated timeout, in ms. */
  readonly timeoutMs: number
}

/** Bytes a backup part is cut at (a part may run over by one node). */
const partBytes = 1 << 20
/** Nodes {@link ZkBackup.plan} looks at per call before it lets the caller yield. */
const planNodesPerStep = 5_000

/**
 * A backup of a captured tree in ZooKeeper's snapshot format (FileSnap, with the 3.6+ digest
 * trailer and the 3.9 last-processed-zxid trailer). Call {@link ZkBackup.plan} until it returns
 * true (it finds the ACLs and the size; yield to the event loop between calls), then take the
 * bytes from {@link ZkBackup.parts}.
 */
export class ZkBackup {
  private readonly aclRefs = new Map<readonly ACL[], bigint>()
  private readonly aclByContent = new Map<string, bigint>()
  private readonly aclList: (readonly ACL[])[] = []
  private planned = 0
  private bodyBytes = 0

  constructor(
    private readonly capture: TreeCapture,
    private readonly sessions: readonly BackupSession[],
  ) {}

  /** The zxid the backup is of. */
  get zxid(): number {
    return this.capture.zxid
  }

  /** Looks at the next nodes; true once every node was seen and {@link ZkBackup.size} is known. */
  plan(): boolean {
    const paths = this.capture.paths
    const end = Math.min(paths.length, this.planned + planNodesPerStep)
    for (; this.planned < end; this.planned++) {
      const path = paths[this.planned]!
      const node = this.capture.read(path)
      if (node === undefined) continue
      this.refOf(node.acl)
      // path (int + UTF-8), data (int + bytes), ACL ref, StatPersisted (4 longs, 3 ints, 2 longs).
      this.bodyBytes += 4 + utf8Length(path === '/' ? '' : path) + 4 + node.data.length + 8 + 60
    }
    return this.planned === paths.length
  }

  /** The exact size of the backup in bytes, once {@link ZkBackup.plan} is done. */
  get size(): number {
    let bytes = 4 + 4 + 8 + 4 + this.sessions.length * 12 + 4
    for (const acl of this.aclList) bytes += 8 + aclsLength(acl)
    bytes += this.bodyBytes + 5 + 13
    // The digest trailer and its seal, the last processed zxid and its seal.
    return bytes + 20 + 13 + 8 + 13
  }

  /** The bytes, in parts of about a MiB; the checksums run over them as they go. */
  *parts(): Generator<Uint8Array> {
    const w = new JuteWriter({ slabBytes: partBytes + (partBytes >> 2) })
    let checksum = 1
    const take = (): Uint8Array => {
      const part = w.finish()
      checksum = adler32(part, checksum)
      return part
    }
    w.writeInt(snapshotMagic).writeInt(fileFormatVersion).writeLong(snapshotDbId)
    w.writeInt(this.sessions.length)
    for (const s of this.sessions) w.writeLong(s.id).writeInt(s.timeoutMs)
    w.writeInt(this.aclList.length)
    this.aclList.forEach((acl, i) => {
      w.writeLong(BigInt(i + 1))
      writeACLs(w, acl)
    })
    for (const path of this.capture.paths) {
      const n = this.capture.read(path)
      if (n === undefined) continue
      w.writeUString(path === '/' ? '' : path).writeBuffer(n.data).writeLong(this.refOf(n.acl))
      w.writeLongNumber(n.czxid).writeLongNumber(n.mzxid).writeLongNumber(n.ctime).writeLongNumber(n.mtime)
      w.writeInt(n.version).writeInt(n.cversion).writeInt(n.aversion).writeLong(encodeEphemeralOwner(n.kind, n.ephemeralOwner, n.ttlMs)).writeLongNumber(n.pzxid)
      if (w.length >= partBytes) yield take()
    }
    w.writeUString('/')
    yield* this.seal(w, take, () => checksum)
    // ZooKeeper 3.6+: the digest trailer (no digest known: zxid 0), sealed again.
    w.writeLongNumber(0).writeInt(digestVersion).writeLong(0n)
    yield* this.seal(w, take, () => checksum)
    // ZooKeeper 3.9: the last processed zxid, which its restore command reads, sealed again.
    w.writeLongNumber(this.capture.zxid)
    yield* this.seal(w, take, () => checksum)
  }

  // A seal covers every byte before it: finish what is written, then write the checksum and "/".
  private *seal(w: JuteWriter, take: () => Uint8Array, checksum: () => number): Generator<Uint8Array> {
    yield take()
    w.writeLong(BigInt(checksum())).writeUString('/')
    yield take()
  }

  private refOf(acl: readonly ACL[]): bigint {
    let ref = this.aclRefs.get(acl)
    if (ref !== undefined) return ref
    const content = JSON.stringify(acl.map((a) => [a.perms, a.id.scheme, a.id.id]))
    ref = this.aclByContent.get(content)
    if (ref === undefined) {
      this.aclList.push(acl)
      ref = BigInt(this.aclList.length)
      this.aclByContent.set(content, ref)
    }
    this.aclRefs.set(acl, ref)
    return ref
  }
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** The jute size of an ACL vector: its count, then perms, scheme and id of each. */
function aclsLength(acl: readonly ACL[]): number {
  let bytes = 4
  for (const a of acl) bytes += 4 + 4 + utf8Length(a.id.scheme) + 4 + utf8Length(a.id.id)
  return bytes
}

/** A restore body, decoded and checked: the state to install and the zxid the snapshot was of. */
export interface RestoredBackup {
  /** The tree and sessions the snapshot holds (`zxid` is the snapshot's). */
  readonly state: OfflineState
  /** The snapshot's last processed zxid (3.9 trailer), else the largest zxid any node carries. */
  readonly zxid: number
  /** The largest zxid anywhere in the snapshot: a restore must continue past it. */
  readonly maxZxid: number
}

/**
 * Decodes a restore body (a ZooKeeper snapshot, as the `snapshot` command or ZooKeeper writes it)
 * and checks the tree in it: every path valid and unique, every parent before its children, the
 * root present and first. Throws {@link MigrationError} (`CORRUPT`, `UNSUPPORTED`) naming what is wrong.
 */
export function decodeBackup(bytes: Uint8Array, source: string): RestoredBackup {
  const snapshot = decodeZkSnapshot(bytes, source)
  const maxZxid = checkRootAndUnique(snapshot, source)
  const zxid = snapshot.lastProcessedZxid ?? maxZxid
  // Paths, parents and ACL references are checked as the nodes are restored.
  return { state: stateOfZkSnapshot(snapshot, zxid, source), zxid, maxZxid: Math.max(maxZxid, zxid) }
}

/**
 * Checks what restoring the nodes cannot tell: the root comes first, and no path comes twice (the
 * root and the system nodes a fresh tree holds are replaced in place by the restore). Returns the
 * largest zxid any node carries.
 */
function checkRootAndUnique(snapshot: ZkSnapshot, source: string): number {
  const seen = new Set<string>()
  let maxZxid = 0
  for (const n of snapshot.nodes) {
    if ((seen.size === 0) !== (n.path === '/')) throw new MigrationError('CORRUPT', 'the root node is not the first node', { file: source })
    if (seen.has(n.path)) throw new MigrationError('CORRUPT', `node ${n.path} appears twice`, { file: source })
    seen.add(n.path)
    maxZxid = Math.max(maxZxid, n.stat.czxid, n.stat.mzxid, n.stat.pzxid)
  }
  if (!seen.has('/')) throw new MigrationError('CORRUPT', 'the snapshot has no root node', { file: source })
  return maxZxid
}

/**
 * Writes `backup` into a standalone member's (stopped) storage as its new history: one snapshot in
 * an epoch of its own, past every zxid the storage logged, the member applied (`appliedZxid`) or
 * the snapshot carries (see {@link installBackupAt}). Returns the snapshot's zxid.
 */
export async function installBackup(storage: Storage, backup: RestoredBackup, appliedZxid: number): Promise<number> {
  const epoch = 1 + Math.max(epochOf(storage.lastLoggedZxid), epochOf(appliedZxid), epochOf(backup.maxZxid), storage.acceptedEpoch ?? 0, storage.currentEpoch ?? 0)
  return installBackupAt(storage, backup, epoch)
}

/**
 * The epoch an ensemble's restore entry at `restoreZxid` installs its backup in: past the entry's
 * own epoch and every zxid the backup carries. Every member computes the same one from the entry,
 * so every member that applies it ends at the same zxid.
 */
export function restoredEpoch(restoreZxid: number, backup: RestoredBackup): number {
  return 1 + Math.max(epochOf(restoreZxid), epochOf(backup.maxZxid))
}

/**
 * Carries out a committed restore entry in an ensemble member's (stopped) storage: the backup
 * becomes the member's whole history, at zxid ({@link restoredEpoch}, 0). Nothing the member
 * logged after the entry survives (no leader proposes after a restore entry, so nothing there was
 * committed). Returns the restored zxid.
 */
export async function installCommittedRestore(storage: Storage, restoreZxid: number, backupBytes: Uint8Array): Promise<number> {
  const backup = decodeBackup(backupBytes, `the restore entry ${formatZxid(restoreZxid)}`)
  await storage.truncateAfter(restoreZxid)
  return installBackupAt(storage, backup, restoredEpoch(restoreZxid, backup))
}

/**
 * Installs `backup` as the storage's whole history at zxid (`epoch`, 0). The order makes a crash
 * at any point restart the member either on its old history or on the backup, never a mix:
 * 1. both epochs are raised to at least `epoch` (the restored zxid never runs ahead of them);
 * 2. the snapshot is written, and from its completion marker on, recovery starts from it;
 * 3. the older snapshots and the log up to it are discarded, so a damaged new snapshot can never
 *    fall back to the history it replaced.
 */
export async function installBackupAt(storage: Storage, backup: RestoredBackup, epoch: number): Promise<number> {
  if (epoch >= EPOCH_LIMIT) throw new MigrationError('UNSUPPORTED', `the restore would need epoch ${epoch}, past the largest (${EPOCH_LIMIT - 1})`)
  const zxid = makeZxid(epoch, 0)
  const { tree, sessions } = backup.state
  tree.lastProcessedZxid = zxid
  await storage.setAcceptedEpoch(Math.max(epoch, storage.acceptedEpoch ?? 0))
  await storage.setCurrentEpoch(Math.max(epoch, storage.currentEpoch ?? 0))
  await storage.writeSnapshot(zxid, snapshotStateChunks({ zxid, tree, sessions: sessions.values() }))
  await storage.discardHistoryThrough(zxid)
  return zxid
}
