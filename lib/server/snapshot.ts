/**
 * Snapshots of a member's state (tree and sessions) as a stream of chunks, and their restore.
 * A snapshot is fuzzy, as ZooKeeper's: it is taken while writes go on, between chunks, and the
 * log replayed after its zxid brings the restored state to exactly what was live.
 * @module
 */
import { snapshotChunkDataBytesMax, snapshotChunkNodesMax } from '../limits.js'
import type { ACL } from '../protocol/data.js'
import { decodeValue, encodeValue } from '../txn/codec.js'
import type { NodeKind } from '../txn/types.js'
import { internACL } from '../tree/acl.js'
import { ZNode, type DataTree } from '../tree/data-tree.js'
import type { Pipeline } from './pipeline.js'
import { ChunkWriter, kindCodes, noOwner, readChunk } from './snapshot-chunk.js'

/** One session as a snapshot holds it. */
export interface SnapshotSession {
  /** The 64-bit session id. */
  readonly id: bigint
  /** The negotiated timeout, in ms. */
  readonly timeoutMs: number
  /** The 16-byte session password. */
  readonly passwd: Uint8Array
}

/**
 * What a snapshot captures, apart from any running member: the tree, the sessions and the zxid.
 * The offline tools (lib/migrate) build one from other formats and read one back.
 */
export interface SnapshotState {
  /** The zxid the snapshot is taken at. */
  readonly zxid: number
  /** The tree to write (or to restore into). */
  readonly tree: DataTree
  /** The open sessions. */
  readonly sessions: Iterable<SnapshotSession>
}

/**
 * The snapshot format written: its header chunk is a msgpack record in every format, its node
 * chunks differ. Format 1 (still read) holds each node as a record
 * `[path, data, acl, stat[8], ephemeralOwner, kind, ttlMs]`. Format 2 (still read) holds a chunk as
 * `[aclTable, fields, dataBytes]`: the distinct ACLs of the chunk once, every node as
 * {@link nodeFieldCount} plain values in one flat list (its ACL an index into the table), and the
 * data of all nodes concatenated. Format 3 writes the same fields as bytes, without msgpack (see
 * snapshot-chunk.ts), so that writing a snapshot allocates next to nothing per node.
 */
const formatVersion = 3
const formatVersionsRead: readonly number[] = [1, 2, 3]

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

/**
 * The values of one node in a format 2 chunk, in this order: path, data length, ACL index, czxid,
 * mzxid, pzxid, ctime, mtime, version, cversion, aversion, kind code, ephemeralOwner (a bigint for
 * ephemerals, else 0), ttlMs.
 */
const nodeFieldCount = 14

function headerChunk(state: SnapshotState): Uint8Array {
  const sessions: SessionRecord[] = [...state.sessions].map((s) => [s.id, s.timeoutMs, s.passwd])
  const header: HeaderChunk = { format: formatVersion, zxid: state.zxid, sessions }
  return encodeValue(header)
}

function stateOf(member: Pipeline): SnapshotState {
  return { zxid: member.lastProcessedZxid, tree: member.tree, sessions: member.sessions.all() }
}

/**
 * Yields the snapshot chunks of `member` at its current zxid: a header with the sessions, then the
 * nodes, parents before children (the tree's insertion order), yielding to the event loop between
 * chunks so writes go on.
 */
export async function* snapshotChunks(member: Pipeline): AsyncGenerator<Uint8Array> {
  let first = true
  for (const chunk of snapshotStateChunks(stateOf(member))) {
    if (!first) await new Promise<void>((resolve) => setImmediate(resolve))
    first = false
    yield chunk
  }
}

/**
 * The header, then the nodes in chunks of at most {@link snapshotChunkNodesMax} nodes and
 * {@link snapshotChunkDataBytesMax} bytes of data. A chunk is encoded when the next one starts,
 * so a caller that yields between chunks lets writes in between (the fuzzy snapshot).
 */
export function* snapshotStateChunks(state: SnapshotState): Generator<Uint8Array> {
  yield headerChunk(state)
  const writer = new ChunkWriter()
  for (const [path, node] of state.tree.entries()) {
    if (writer.count >= snapshotChunkNodesMax || (writer.count > 0 && writer.dataBytes + node.dataLength > snapshotChunkDataBytesMax)) {
      yield writer.take()
    }
    writer.add(path, node)
  }
  if (writer.count > 0) yield writer.take()
}

/** Restores a member from snapshot chunks; returns the snapshot's zxid. Throws on a malformed snapshot. */
export async function restoreSnapshot(member: Pipeline, chunks: AsyncIterable<Uint8Array>): Promise<number> {
  const now = member.clock.now()
  // Restored sessions get a full timeout from now, as ZooKeeper does after a restart.
  return restoreSnapshotState(member.tree, (s) => member.sessions.add(s.id, s.timeoutMs, s.passwd, now), chunks)
}

/**
 * Restores snapshot chunks into `tree`, handing each session to `addSession`; returns the
 * snapshot's zxid. Throws on a malformed snapshot. {@link restoreSnapshot} and the offline tools
 * share it.
 */
export async function restoreSnapshotState(
  tree: DataTree,
  addSession: (session: SnapshotSession) => void,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<number> {
  let header: { zxid: number; format: number } | undefined
  for await (const chunk of chunks) header = restoreChunk(tree, addSession, header, chunk)
  return finishRestore(tree, header)
}

/**
 * {@link restoreSnapshotState} for a snapshot held whole in memory, without yielding: the
 * runtime's snapshot bytes (what {@link snapshotBytes} returns), read chunk by chunk.
 */
export function restoreSnapshotBytes(tree: DataTree, addSession: (session: SnapshotSession) => void, bytes: Uint8Array): number {
  let header: { zxid: number; format: number } | undefined
  for (const chunk of snapshotBytesChunks(bytes)) header = restoreChunk(tree, addSession, header, chunk)
  return finishRestore(tree, header)
}

function restoreChunk(
  tree: DataTree,
  addSession: (session: SnapshotSession) => void,
  header: { zxid: number; format: number } | undefined,
  chunk: Uint8Array,
): { zxid: number; format: number } {
  if (header === undefined) return restoreHeader(addSession, decodeValue(chunk))
  if (header.format === 3) {
    const { paths, nodes } = readChunk(chunk)
    tree.restoreNodes(paths, nodes)
  } else if (header.format === 2) restoreChunkV2(tree, decodeValue(chunk))
  else restoreChunkV1(tree, decodeValue(chunk))
  return header
}

function finishRestore(tree: DataTree, header: { zxid: number; format: number } | undefined): number {
  if (header === undefined) throw new TypeError('snapshot has no header chunk')
  tree.restoreQuotas()
  tree.lastProcessedZxid = Math.max(tree.lastProcessedZxid, header.zxid)
  return header.zxid
}

function restoreHeader(addSession: (session: SnapshotSession) => void, value: unknown): { zxid: number; format: number } {
  const header = value as Partial<HeaderChunk>
  const format = header.format
  if (typeof format !== 'number' || !formatVersionsRead.includes(format) || typeof header.zxid !== 'number' || !Array.isArray(header.sessions)) {
    throw new TypeError(`snapshot header is not format ${formatVersionsRead.join(' or ')}`)
  }
  for (const [id, timeoutMs, passwd] of header.sessions) addSession({ id, timeoutMs, passwd })
  return { zxid: header.zxid, format }
}

function restoreChunkV1(tree: DataTree, value: unknown): void {
  if (!Array.isArray(value)) throw new TypeError('snapshot chunk is not a list of nodes')
  const paths: string[] = []
  const nodes: ZNode[] = []
  for (const record of value as NodeRecord[]) {
    const [path, data, acl, stat, ephemeralOwner, kind, ttlMs] = record
    const [czxid = 0, mzxid = 0, pzxid = 0, ctime = 0, mtime = 0, version = 0, cversion = 0, aversion = 0] = stat
    paths.push(path)
    nodes.push(new ZNode(data, acl, czxid, mzxid, pzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, kind, ttlMs))
  }
  tree.restoreNodes(paths, nodes)
}

function restoreChunkV2(tree: DataTree, value: unknown): void {
  if (!Array.isArray(value) || value.length !== 3) throw new TypeError('snapshot chunk is not a format 2 node chunk')
  const [aclTable, fields, bytes] = value as [unknown, unknown, unknown]
  if (!Array.isArray(aclTable) || !Array.isArray(fields) || !(bytes instanceof Uint8Array) || fields.length % nodeFieldCount !== 0) {
    throw new TypeError('snapshot chunk is not a format 2 node chunk')
  }
  const acls = (aclTable as ACL[][]).map((acl) => internACL(acl))
  const paths: string[] = []
  const nodes: ZNode[] = []
  let offset = 0
  for (let i = 0; i < fields.length; i += nodeFieldCount) {
    const path = fields[i] as string
    const dataLength = fields[i + 1] as number
    const acl = acls[fields[i + 2] as number]
    const kind = kindCodes[fields[i + 11] as number]
    if (typeof path !== 'string' || acl === undefined || kind === undefined || offset + dataLength > bytes.length) {
      throw new TypeError(`snapshot chunk node ${i / nodeFieldCount} is malformed`)
    }
    const data = bytes.subarray(offset, offset + dataLength)
    offset += dataLength
    const owner = fields[i + 12]
    nodes.push(
      new ZNode(
        data,
        acl,
        fields[i + 3] as number,
        fields[i + 4] as number,
        fields[i + 5] as number,
        fields[i + 6] as number,
        fields[i + 7] as number,
        fields[i + 8] as number,
        fields[i + 9] as number,
        fields[i + 10] as number,
        typeof owner === 'bigint' ? owner : noOwner,
        kind,
        fields[i + 13] as number,
      ),
    )
    paths.push(path)
  }
  if (offset !== bytes.length) throw new TypeError('snapshot chunk data does not match its nodes')
  tree.restoreNodes(paths, nodes)
}

/**
 * The whole snapshot as one value, synchronously, at the member's current zxid: what a leader
 * sends in SNAP. Not fuzzy: nothing changes while it is built.
 */
export function snapshotBytes(member: Pipeline): Uint8Array {
  return encodeValue([...snapshotStateChunks(stateOf(member))])
}

/** Splits bytes made by {@link snapshotBytes} back into the chunks {@link restoreSnapshot} reads. */
export function snapshotBytesChunks(bytes: Uint8Array): Uint8Array[] {
  const chunks = decodeValue(bytes)
  if (!Array.isArray(chunks) || !chunks.every((c) => c instanceof Uint8Array)) throw new TypeError('not a snapshot')
  return chunks as Uint8Array[]
}
