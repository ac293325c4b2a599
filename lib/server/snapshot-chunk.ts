/**
 * Format 3 node chunks of a snapshot: the nodes written field by field into one reusable byte
 * buffer, so that taking a snapshot of a large tree makes almost no garbage (format 2 built a list
 * of values per chunk and encoded it with msgpackr, and under write load the collector's pauses
 * that garbage caused were most of the requests' delay during a snapshot).
 *
 * A chunk, little-endian throughout:
 *
 * - `u32` the byte offset of the ACL table;
 * - `u32` the number of nodes, then each node:
 *   `u32` path length, the path in UTF-8; `u32` data length, the data; `u32` ACL index;
 *   `f64` czxid, mzxid, pzxid, ctime, mtime; `i32` version, cversion, aversion; `u8` kind
 *   (0 persistent, 1 ephemeral, 2 container, 3 TTL); for an ephemeral an `i64` owner session;
 *   for a TTL node an `f64` ttlMs;
 * - the ACL table: `u32` count, then each distinct ACL as `u32` length and UTF-8 JSON
 *   `[[perms, scheme, id], …]`.
 * @module
 */
import { Buffer } from 'node:buffer'
import type { ACL } from '../protocol/data.js'
import type { NodeKind } from '../txn/types.js'
import { internACL } from '../tree/acl.js'
import { reserveStatSlots, restoredMemory, ZNode } from '../tree/data-tree.js'

/** A node's kind by its code in format 2 and 3 chunks. */
export const kindCodes: readonly NodeKind[] = ['persistent', 'ephemeral', 'container', 'ttl']
const kindCode: Readonly<Record<NodeKind, number>> = { persistent: 0, ephemeral: 1, container: 2, ttl: 3 }
const ephemeralCode = 1
const ttlCode = 3
/** The owner of a node that is not ephemeral. */
export const noOwner = 0n

/** The value of a node read from a chunk until its bytes are copied in. */
const noData = new Uint8Array(0)

/** Bytes of a node besides its path and data, at most (the owner and ttlMs included). */
const nodeFixedBytesMax = 4 + 4 + 4 + 5 * 8 + 3 * 4 + 1 + 8 + 8
const initialBytes = 64 * 1024
const utf8 = new TextEncoder()

/** Builds format 3 chunks into one buffer that grows as needed and is reused from chunk to chunk. */
export class ChunkWriter {
  private bytes = new Uint8Array(initialBytes)
  private view = new DataView(this.bytes.buffer)
  private at = 8
  private aclTable: (readonly ACL[])[] = []
  private aclIndex = new Map<readonly ACL[], number>()
  private aclIndexByContent = new Map<string, number>()
  /** Nodes in the chunk being built. */
  count = 0
  /** Data bytes in the chunk being built. */
  dataBytes = 0

  /** Appends a node. */
  add(path: string, n: ZNode): void {
    this.reserve(nodeFixedBytesMax + path.length * 3 + n.dataLength)
    this.string(path)
    const view = this.view
    view.setUint32(this.at, n.dataLength, true)
    n.copyDataTo(this.bytes, this.at + 4)
    let at = this.at + 4 + n.dataLength
    view.setUint32(at, this.aclIndexOf(n.acl), true)
    view.setFloat64(at + 4, n.czxid, true)
    view.setFloat64(at + 12, n.mzxid, true)
    view.setFloat64(at + 20, n.pzxid, true)
    view.setFloat64(at + 28, n.ctime, true)
    view.setFloat64(at + 36, n.mtime, true)
    view.setInt32(at + 44, n.version, true)
    view.setInt32(at + 48, n.cversion, true)
    view.setInt32(at + 52, n.aversion, true)
    const kind = kindCode[n.kind]
    view.setUint8(at + 56, kind)
    at += 57
    if (kind === ephemeralCode) {
      view.setBigInt64(at, n.ephemeralOwner, true)
      at += 8
    } else if (kind === ttlCode) {
      view.setFloat64(at, n.ttlMs, true)
      at += 8
    }
    this.at = at
    this.count++
    this.dataBytes += n.dataLength
  }

  /** The chunk built so far, as a copy of its own; the writer starts the next one. */
  take(): Uint8Array {
    const aclTableAt = this.at
    this.reserve(4)
    this.view.setUint32(this.at, this.aclTable.length, true)
    this.at += 4
    for (const acl of this.aclTable) this.string(aclJson(acl))
    this.view.setUint32(0, aclTableAt, true)
    this.view.setUint32(4, this.count, true)
    const chunk = this.bytes.slice(0, this.at)
    this.at = 8
    this.count = 0
    this.dataBytes = 0
    this.aclTable = []
    this.aclIndex = new Map()
    this.aclIndexByContent = new Map()
    return chunk
  }

  private aclIndexOf(acl: readonly ACL[]): number {
    let index = this.aclIndex.get(acl)
    if (index !== undefined) return index
    const content = aclJson(acl)
    index = this.aclIndexByContent.get(content)
    if (index === undefined) {
      index = this.aclTable.length
      this.aclTable.push(acl)
      this.aclIndexByContent.set(content, index)
    }
    this.aclIndex.set(acl, index)
    return index
  }

  /** Writes `s` as a u32 length and its UTF-8 bytes; room for 4 + 3 bytes per code unit is reserved by the caller or here. */
  private string(s: string): void {
    this.reserve(4 + s.length * 3)
    const bytes = this.bytes
    const start = this.at + 4
    let end = start
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i)
      if (c >= 0x80) {
        end = start + utf8.encodeInto(s, bytes.subarray(start)).written
        break
      }
      bytes[end++] = c
    }
    this.view.setUint32(this.at, end - start, true)
    this.at = end
  }

  private reserve(n: number): void {
    if (this.at + n <= this.bytes.length) return
    let size = this.bytes.length * 2
    while (size < this.at + n) size *= 2
    const bytes = new Uint8Array(size)
    bytes.set(this.bytes.subarray(0, this.at))
    this.bytes = bytes
    this.view = new DataView(bytes.buffer)
  }
}

/** An ACL as the JSON a chunk holds it in: `[[perms, scheme, id], …]`. */
function aclJson(acl: readonly ACL[]): string {
  return JSON.stringify(acl.map((a) => [a.perms, a.id.scheme, a.id.id]))
}

/** Thrown for a chunk that does not parse; callers report it as a malformed snapshot. */
function malformed(what: string): TypeError {
  return new TypeError(`snapshot chunk is not a format 3 node chunk: ${what}`)
}

/**
 * Reads a format 3 chunk into parallel lists of paths and nodes. Throws a TypeError when it is
 * malformed. The nodes' values are copied together into one buffer of their own, so that the
 * chunk (paths, stats, ACLs) is not kept alive by them.
 */
export function readChunk(chunk: Uint8Array): { paths: string[]; nodes: ZNode[] } {
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  const end = chunk.byteLength
  if (end < 12) throw malformed('too short')
  const aclTableAt = view.getUint32(0, true)
  const count = view.getUint32(4, true)
  if (aclTableAt < 8 || aclTableAt > end - 4) throw malformed('ACL table offset out of range')
  const acls = readAclTable(text, view, aclTableAt, end)
  // A node takes at least 65 bytes, so a count the bytes cannot hold reserves no more than they can.
  reserveStatSlots(Math.min(count, Math.floor((aclTableAt - 8) / 65)))
  const paths: string[] = []
  const nodes: ZNode[] = []
  const dataStarts: number[] = []
  let dataBytes = 0
  let at = 8
  for (let i = 0; i < count; i++) {
    if (at + 4 > aclTableAt) throw malformed(`node ${i} runs past the nodes`)
    const pathLength = view.getUint32(at, true)
    const pathEnd = at + 4 + pathLength
    if (pathEnd + 4 > aclTableAt) throw malformed(`node ${i}'s path runs past the nodes`)
    const path = text.toString('utf8', at + 4, pathEnd)
    const dataLength = view.getUint32(pathEnd, true)
    const dataAt = pathEnd + 4
    at = dataAt + dataLength
    if (at + 57 > aclTableAt) throw malformed(`node ${i}'s data runs past the nodes`)
    const acl = acls[view.getUint32(at, true)]
    const kind = kindCodes[view.getUint8(at + 56)]
    if (acl === undefined || kind === undefined) throw malformed(`node ${i} has an unknown ACL or kind`)
    const extra = kind === 'ephemeral' || kind === 'ttl' ? 8 : 0
    if (at + 57 + extra > aclTableAt) throw malformed(`node ${i} runs past the nodes`)
    dataStarts.push(dataAt)
    dataBytes += dataLength
    nodes.push(
      new ZNode(
        noData,
        acl,
        view.getFloat64(at + 4, true),
        view.getFloat64(at + 12, true),
        view.getFloat64(at + 20, true),
        view.getFloat64(at + 28, true),
        view.getFloat64(at + 36, true),
        view.getInt32(at + 44, true),
        view.getInt32(at + 48, true),
        view.getInt32(at + 52, true),
        kind === 'ephemeral' ? view.getBigInt64(at + 57, true) : noOwner,
        kind,
        kind === 'ttl' ? view.getFloat64(at + 57, true) : 0,
      ),
    )
    paths.push(path)
    at += 57 + extra
  }
  if (at !== aclTableAt) throw malformed('the nodes do not end where the ACL table starts')
  const values = new Uint8Array(restoredMemory(dataBytes))
  let valueAt = 0
  for (let i = 0; i < nodes.length; i++) {
    const start = dataStarts[i]!
    const length = view.getUint32(start - 4, true)
    text.copy(values, valueAt, start, start + length)
    nodes[i]!.setDataSpan(values, valueAt, length)
    valueAt += length
  }
  return { paths, nodes }
}

function readAclTable(text: Buffer, view: DataView, at: number, end: number): (readonly ACL[])[] {
  const count = view.getUint32(at, true)
  at += 4
  const acls: (readonly ACL[])[] = []
  for (let i = 0; i < count; i++) {
    if (at + 4 > end) throw malformed(`ACL ${i} runs past the chunk`)
    const length = view.getUint32(at, true)
    if (at + 4 + length > end) throw malformed(`ACL ${i} runs past the chunk`)
    acls.push(internACL(aclOf(text.toString('utf8', at + 4, at + 4 + length), i)))
    at += 4 + length
  }
  if (at !== end) throw malformed('bytes after the ACL table')
  return acls
}

function aclOf(json: string, index: number): ACL[] {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    throw malformed(`ACL ${index} is not JSON`)
  }
  if (!Array.isArray(value)) throw malformed(`ACL ${index} is not a list`)
  return value.map((entry: unknown) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'number' || typeof entry[1] !== 'string' || typeof entry[2] !== 'string') {
      throw malformed(`ACL ${index} has a malformed entry`)
    }
    return { perms: entry[0], id: { scheme: entry[1], id: entry[2] } }
  })
}
