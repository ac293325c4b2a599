/**
 * The codec of Apache ZooKeeper's snapshot file (`version-2/snapshot.<zxid>`), as FileSnap writes
 * it: FileHeader (magic "ZKSN", version 2, dbid), the sessions (count, then id and timeout each),
 * the ACL cache (count, then a long key and a vector of ACL each), the nodes depth first (path,
 * data, ACL key, StatPersisted; the root's path is "" and a path "/" ends the list), then a seal:
 * the Adler-32 of every byte so far as a long and the string "/". ZooKeeper 3.6+ appends a
 * ZxidDigest (zxid, digest version, digest) and a second seal over everything before it; 3.9+
 * may append the last processed zxid and a third seal.
 * Pure: bytes in, records out.
 * @module
 */
import type { ACL } from '../protocol/data.js'
import { JuteReader, JuteWriter, type JuteDecodeError } from '../wire/jute.js'
import { readACLs, writeACLs } from '../wire/records.js'
import { MigrationError } from './errors.js'
import { adler32, digestVersion, encodeEphemeralOwner, fileFormatVersion, snapshotDbId, snapshotMagic } from './zk-format.js'
import type { OfflineState } from './offline-state.js'

/** ZooKeeper's StatPersisted: what a snapshot stores of a node's Stat. */
export interface StatPersisted {
  czxid: number
  mzxid: number
  ctime: number
  mtime: number
  version: number
  /** The count of child creates (the client sees `cversion * 2 - numChildren`). */
  cversion: number
  aversion: number
  /** 0, a session id, or a container/TTL marker (see zk-format.ts). */
  ephemeralOwner: bigint
  pzxid: number
}

/** One node of a snapshot. */
export interface ZkSnapshotNode {
  /** The node's path ("/" for the root, which the file spells ""). */
  path: string
  data: Uint8Array
  /** The node's key in {@link ZkSnapshot.acls}; -1 is OPEN_ACL_UNSAFE without an entry. */
  aclRef: bigint
  stat: StatPersisted
}

/** The digest trailer of ZooKeeper 3.6+ (DataTree.ZxidDigest); zxid 0 means none was known. */
export interface ZkSnapshotDigest {
  zxid: number
  digestVersion: number
  digest: bigint
}

/** A decoded snapshot. */
export interface ZkSnapshot {
  dbid: bigint
  /** Session id to timeout in ms. */
  sessions: Map<bigint, number>
  /** The ACL cache: key to ACL list. */
  acls: Map<bigint, ACL[]>
  /** Parents before children. */
  nodes: ZkSnapshotNode[]
  /** The 3.6+ digest trailer, when present. */
  digest: ZkSnapshotDigest | undefined
  /**
   * The 3.9+ trailer after the digest (DataTree.serializeLastProcessedZxid), when present: the
   * tree's last processed zxid when the snapshot ended. Replay still starts after the zxid in the
   * file's name, as for any fuzzy snapshot.
   */
  lastProcessedZxid?: number | undefined
}

/** The largest length any field of a trusted local file may claim (int32's maximum). */
const fileLengthMax = 0x7fffffff

/** Decodes a whole (uncompressed) snapshot; throws {@link MigrationError} `CORRUPT` naming `file` and the byte offset. */
export function decodeZkSnapshot(bytes: Uint8Array, file: string): ZkSnapshot {
  const r = new JuteReader(bytes, { maxBufferBytes: fileLengthMax })
  try {
    return readSnapshot(r, bytes, file)
  } catch (error) {
    if (error instanceof MigrationError) throw error
    throw new MigrationError('CORRUPT', `not a readable ZooKeeper snapshot: ${(error as Error).message}`, { file, offset: r.offset, cause: error })
  }
}

function readSnapshot(r: JuteReader, bytes: Uint8Array, file: string): ZkSnapshot {
  const magic = r.readInt('magic')
  if (magic !== snapshotMagic) throw new MigrationError('CORRUPT', `bad magic 0x${(magic >>> 0).toString(16)}, expected 0x${snapshotMagic.toString(16)} ("ZKSN")`, { file, offset: 0 })
  const version = r.readInt('version')
  if (version !== fileFormatVersion) throw new MigrationError('UNSUPPORTED', `snapshot format version ${version}, only ${fileFormatVersion} is read`, { file, offset: 4 })
  const dbid = r.readLong('dbid')
  const { sessions, acls, nodes } = readSerializedSnapshot(r)
  checkSeal(r, bytes, file)
  const digest = readDigest(r, bytes, file)
  const lastProcessedZxid = readLastProcessedZxid(r, bytes, file)
  return { dbid, sessions, acls, nodes, digest, ...(lastProcessedZxid === undefined ? {} : { lastProcessedZxid }) }
}

/**
 * Reads what `SerializeUtils.serializeSnapshot` writes: the sessions with their timeouts, then the
 * DataTree (its ACL cache, then its nodes up to the "/" that ends them). A snapshot file wraps it
 * in a header and seals; a leader's SNAP on the quorum stream sends it bare. Throws the reader's
 * {@link JuteDecodeError} for bad or missing bytes.
 */
export function readSerializedSnapshot(r: JuteReader): Pick<ZkSnapshot, 'sessions' | 'acls' | 'nodes'> {
  const sessions = new Map<bigint, number>()
  for (let count = r.readInt('session count'); count > 0; count--) sessions.set(r.readLong('session id'), r.readInt('session timeout'))
  const acls = readAclCache(r)
  return { sessions, acls, nodes: readNodes(r) }
}

function readAclCache(r: JuteReader): Map<bigint, ACL[]> {
  const acls = new Map<bigint, ACL[]>()
  for (let count = r.readInt('acl cache size'); count > 0; count--) acls.set(r.readLong('acl key'), readACLs(r))
  return acls
}

function readNodes(r: JuteReader): ZkSnapshotNode[] {
  const nodes: ZkSnapshotNode[] = []
  for (let path = r.readUString('path'); path !== '/'; path = r.readUString('path')) {
    const data = r.readBuffer('data')
    const aclRef = r.readLong('acl')
    nodes.push({ path: path === '' ? '/' : path, data, aclRef, stat: readStatPersisted(r) })
  }
  return nodes
}

function readStatPersisted(r: JuteReader): StatPersisted {
  return {
    czxid: r.readLongNumber('czxid'),
    mzxid: r.readLongNumber('mzxid'),
    ctime: r.readLongNumber('ctime'),
    mtime: r.readLongNumber('mtime'),
    version: r.readInt('version'),
    cversion: r.readInt('cversion'),
    aversion: r.readInt('aversion'),
    ephemeralOwner: r.readLong('ephemeralOwner'),
    pzxid: r.readLongNumber('pzxid'),
  }
}

/** Reads a seal (SnapStream.sealStream): the Adler-32 of every byte before it, then "/". */
function checkSeal(r: JuteReader, bytes: Uint8Array, file: string): void {
  const at = r.offset
  const expected = adler32(bytes.subarray(0, at))
  const stored = Number(BigInt.asUintN(32, r.readLong('checksum')))
  if (stored !== expected) {
    throw new MigrationError('CORRUPT', `checksum mismatch: stored Adler-32 0x${stored.toString(16)}, computed 0x${expected.toString(16)}`, { file, offset: at })
  }
  if (r.readUString('seal path') !== '/') throw new MigrationError('CORRUPT', 'the seal after the checksum is not "/"', { file, offset: at + 8 })
}

function readDigest(r: JuteReader, bytes: Uint8Array, file: string): ZkSnapshotDigest | undefined {
  // Snapshots before 3.6 end at the first seal (ZooKeeper reads EOF there as "no digest").
  if (r.remaining === 0) return undefined
  const zxid = r.readLongNumber('digest zxid')
  const version = r.readInt('digest version')
  const digest = version < digestVersion ? BigInt(`0x${r.readUString('digest') || '0'}`) : r.readLong('digest')
  checkSeal(r, bytes, file)
  return { zxid, digestVersion: version, digest }
}

function readLastProcessedZxid(r: JuteReader, bytes: Uint8Array, file: string): number | undefined {
  if (r.remaining === 0) return undefined
  const zxid = r.readLongNumber('lastProcessedZxid')
  checkSeal(r, bytes, file)
  if (r.remaining !== 0) throw new MigrationError('CORRUPT', `${r.remaining} unexpected bytes after the last seal`, { file, offset: r.offset })
  return zxid
}

/**
 * Whether `bytes` end like a complete snapshot (FileSnap/SnapStream.isValidSnapshot: the file ends
 * with the seal's string "/", an int 1 then the byte '/'). A crash while ZooKeeper wrote the
 * snapshot leaves a file without it, which ZooKeeper skips for the next older snapshot.
 */
export function looksComplete(bytes: Uint8Array): boolean {
  const n = bytes.length
  return n >= 5 + 16 && bytes[n - 5] === 0 && bytes[n - 4] === 0 && bytes[n - 3] === 0 && bytes[n - 2] === 1 && bytes[n - 1] === 0x2f
}

/** A snapshot to write: its nodes may be produced as they are written. */
export type ZkSnapshotToWrite = Omit<ZkSnapshot, 'nodes'> & { nodes: Iterable<ZkSnapshotNode> }

/** Encodes a snapshot as FileSnap writes it, with the digest trailer when `snapshot.digest` is set. */
export function encodeZkSnapshot(snapshot: ZkSnapshotToWrite): Uint8Array {
  return concat(encodeZkSnapshotParts(snapshot))
}

/**
 * {@link encodeZkSnapshot}'s bytes in pieces of about a megabyte, not joined: a caller that writes
 * them to a file one after another never holds the snapshot twice.
 */
export function encodeZkSnapshotParts(snapshot: ZkSnapshotToWrite): Uint8Array[] {
  const w = new JuteWriter({ slabBytes: 1 << 20 })
  const parts: Uint8Array[] = []
  let checksum = 1
  // The writer hands out finished bytes in pieces; the checksum runs over them as they go.
  const flush = (): void => {
    const part = w.finish()
    if (part.length === 0) return
    checksum = adler32(part, checksum)
    parts.push(part)
  }
  w.writeInt(snapshotMagic).writeInt(fileFormatVersion).writeLong(snapshot.dbid)
  writeSerializedSnapshot(w, snapshot, flush)
  flush()
  w.writeLong(BigInt(checksum)).writeUString('/')
  if (snapshot.digest !== undefined) {
    flush()
    const d = snapshot.digest
    w.writeLongNumber(d.zxid).writeInt(d.digestVersion).writeLong(d.digest)
    flush()
    w.writeLong(BigInt(checksum)).writeUString('/')
    if (snapshot.lastProcessedZxid !== undefined) {
      w.writeLongNumber(snapshot.lastProcessedZxid)
      flush()
      w.writeLong(BigInt(checksum)).writeUString('/')
    }
  }
  flush()
  return parts
}

/**
 * Writes the database as `SerializeUtils.serializeSnapshot` does (what {@link readSerializedSnapshot}
 * reads): the sessions, the ACL cache, the nodes, and the path "/" that ends them. `flush` is
 * called whenever a megabyte or more is buffered.
 */
export function writeSerializedSnapshot(w: JuteWriter, snapshot: Pick<ZkSnapshot, 'sessions' | 'acls'> & { nodes: Iterable<ZkSnapshotNode> }, flush: () => void): void {
  w.writeInt(snapshot.sessions.size)
  for (const [id, timeoutMs] of snapshot.sessions) w.writeLong(id).writeInt(timeoutMs)
  w.writeInt(snapshot.acls.size)
  for (const [key, acl] of snapshot.acls) {
    w.writeLong(key)
    writeACLs(w, acl)
  }
  for (const node of snapshot.nodes) {
    writeNode(w, node)
    if (w.length >= 1 << 20) flush()
  }
  w.writeUString('/')
}

function writeNode(w: JuteWriter, node: ZkSnapshotNode): void {
  const s = node.stat
  w.writeUString(node.path === '/' ? '' : node.path).writeBuffer(node.data).writeLong(node.aclRef)
  w.writeLongNumber(s.czxid).writeLongNumber(s.mzxid).writeLongNumber(s.ctime).writeLongNumber(s.mtime)
  w.writeInt(s.version).writeInt(s.cversion).writeInt(s.aversion).writeLong(s.ephemeralOwner).writeLongNumber(s.pzxid)
}

/** Concatenates byte arrays into one. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/**
 * The ZooKeeper snapshot of a state: the ACL cache numbered from 1, nodes parents first. The
 * nodes are made as they are iterated, one at a time (a list of them all took gigabytes at ten
 * million znodes), so the tree must not change while they are: write them in one synchronous go.
 */
export function zkSnapshotOf(state: Pick<OfflineState, 'tree' | 'sessions'>): ZkSnapshotToWrite {
  const acls = new Map<bigint, ACL[]>()
  const refs = new Map<readonly ACL[], bigint>()
  const byContent = new Map<string, bigint>()
  const refOf = (acl: readonly ACL[]): bigint => {
    let ref = refs.get(acl)
    if (ref !== undefined) return ref
    const key = JSON.stringify(acl.map((a) => [a.perms, a.id.scheme, a.id.id]))
    ref = byContent.get(key)
    if (ref === undefined) {
      ref = BigInt(acls.size + 1)
      acls.set(ref, [...acl])
      byContent.set(key, ref)
    }
    refs.set(acl, ref)
    return ref
  }
  const tree = state.tree
  // The ACL cache is written before the nodes, so every ACL is numbered first.
  for (const path of tree.paths()) {
    const n = tree.get(path)
    if (n !== undefined) refOf(n.acl)
  }
  function* nodes(): Generator<ZkSnapshotNode> {
    for (const path of tree.paths()) {
      const n = tree.get(path)
      if (n === undefined) continue
      const stat = { czxid: n.czxid, mzxid: n.mzxid, ctime: n.ctime, mtime: n.mtime, version: n.version, cversion: n.cversion, aversion: n.aversion, ephemeralOwner: encodeEphemeralOwner(n.kind, n.ephemeralOwner, n.ttlMs), pzxid: n.pzxid }
      yield { path, data: n.data, aclRef: refOf(n.acl), stat }
    }
  }
  const sessions = new Map<bigint, number>()
  for (const s of state.sessions.values()) sessions.set(s.id, s.timeoutMs)
  return { dbid: snapshotDbId, sessions, acls, nodes: nodes(), digest: { zxid: 0, digestVersion, digest: 0n } }
}
