/**
 * Snapshots of a member's state (tree and sessions) as a stream of chunks, and their restore.
 * A snapshot is fuzzy, as ZooKeeper's: it is taken while writes go on, between chunks, and the
 * log replayed after its zxid brings the restored state to exactly what was live.
 * @module
 */
import { decodeValue, encodeValue } from '../txn/codec.js'
import type { ACL, NodeKind } from '../txn/types.js'
import { ZNode } from '../tree/data-tree.js'
import type { Member } from './member.js'

/** Nodes per snapshot chunk: small enough to yield to writes often, big enough to pack well. */
export const snapshotChunkNodesMax = 5_000

const formatVersion = 1

type SessionRecord = [id: bigint, timeoutMs: number, passwd: Uint8Array]
type NodeRecord = [
  path: string,
  data: Uint8Array,
  acl: readonly ACL[],
  stat: number[],
  ephemeralOwner: bigint,
  kind: NodeKind,
  ttlMs: number,
]

interface HeaderChunk {
  format: number
  zxid: number
  sessions: SessionRecord[]
}

function nodeRecord(path: string, n: ZNode): NodeRecord {
  const stat = [n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.version, n.cversion, n.aversion]
  return [path, n.data, n.acl, stat, n.ephemeralOwner, n.kind, n.ttlMs]
}

/**
 * Yields the snapshot chunks of `member` at its current zxid: a header with the sessions, then the
 * nodes, parents before children (the tree's insertion order), yielding to the event loop between
 * chunks so writes go on.
 */
export async function* snapshotChunks(member: Member): AsyncGenerator<Uint8Array> {
  const sessions: SessionRecord[] = [...member.sessions.all()].map((s) => [s.id, s.timeoutMs, s.passwd])
  const header: HeaderChunk = { format: formatVersion, zxid: member.lastProcessedZxid, sessions }
  yield encodeValue(header)
  let batch: NodeRecord[] = []
  for (const path of member.tree.paths()) {
    const node = member.tree.get(path)
    if (node === undefined) continue
    batch.push(nodeRecord(path, node))
    if (batch.length < snapshotChunkNodesMax) continue
    yield encodeValue(batch)
    batch = []
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  if (batch.length > 0) yield encodeValue(batch)
}

/** Restores a member from snapshot chunks; returns the snapshot's zxid. Throws on a malformed snapshot. */
export async function restoreSnapshot(member: Member, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  let zxid: number | undefined
  const now = member.clock.now()
  for await (const chunk of chunks) {
    const value = decodeValue(chunk)
    if (zxid === undefined) {
      zxid = restoreHeader(member, value, now)
      continue
    }
    if (!Array.isArray(value)) throw new TypeError('snapshot chunk is not a list of nodes')
    for (const record of value as NodeRecord[]) restoreNode(member, record)
  }
  if (zxid === undefined) throw new TypeError('snapshot has no header chunk')
  member.tree.lastProcessedZxid = Math.max(member.tree.lastProcessedZxid, zxid)
  return zxid
}

function restoreHeader(member: Member, value: unknown, now: number): number {
  const header = value as Partial<HeaderChunk>
  if (header.format !== formatVersion || typeof header.zxid !== 'number' || !Array.isArray(header.sessions)) {
    throw new TypeError(`snapshot header is not format ${formatVersion}`)
  }
  // Restored sessions get a full timeout from now, as ZooKeeper does after a restart.
  for (const [id, timeoutMs, passwd] of header.sessions) member.sessions.add(id, timeoutMs, passwd, now)
  return header.zxid
}

function restoreNode(member: Member, record: NodeRecord): void {
  const [path, data, acl, stat, ephemeralOwner, kind, ttlMs] = record
  const [czxid = 0, mzxid = 0, pzxid = 0, ctime = 0, mtime = 0, version = 0, cversion = 0, aversion = 0] = stat
  const node = new ZNode(data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, kind, ttlMs)
  member.tree.restoreNode(path, node)
}

/**
 * The whole snapshot as one value, synchronously, at the member's current zxid: what a leader
 * sends in SNAP. Not fuzzy: nothing changes while it is built.
 */
export function snapshotBytes(member: Member): Uint8Array {
  const sessions: SessionRecord[] = [...member.sessions.all()].map((s) => [s.id, s.timeoutMs, s.passwd])
  const header: HeaderChunk = { format: formatVersion, zxid: member.lastProcessedZxid, sessions }
  const nodes: NodeRecord[] = []
  for (const path of member.tree.paths()) {
    const node = member.tree.get(path)
    if (node !== undefined) nodes.push(nodeRecord(path, node))
  }
  return encodeValue([encodeValue(header), encodeValue(nodes)])
}

/** Splits bytes made by {@link snapshotBytes} back into the chunks {@link restoreSnapshot} reads. */
export function snapshotBytesChunks(bytes: Uint8Array): Uint8Array[] {
  const chunks = decodeValue(bytes)
  if (!Array.isArray(chunks) || !chunks.every((c) => c instanceof Uint8Array)) throw new TypeError('not a snapshot')
  return chunks as Uint8Array[]
}
