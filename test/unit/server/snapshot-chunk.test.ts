// Format 3 snapshot chunks: what ChunkWriter writes, readChunk gives back field for field, and a
// damaged chunk is refused with a TypeError instead of becoming a wrong tree.
import { describe, expect, it } from 'vitest'
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from '../../../lib/protocol/data.js'
import { ChunkWriter, readChunk } from '../../../lib/server/snapshot-chunk.js'
import { ZNode } from '../../../lib/tree/data-tree.js'
import type { NodeKind } from '../../../lib/txn/types.js'

const digestAcl = [{ perms: 31, id: { scheme: 'digest', id: 'u:9yH3Y1bCmTbUv2m2cN1+qNmGNpE=' } }]
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

function node(data: Uint8Array, kind: NodeKind, fields: Partial<ZNode> = {}): ZNode {
  // The owner and the time to live are fixed when a node is made; the other fields may change.
  const { ephemeralOwner = 0n, ttlMs = 0, ...changeable } = fields
  const n = new ZNode(data, OPEN_ACL_UNSAFE, 1, 2, 3, 4, 5, 6, 7, 8, ephemeralOwner, kind, ttlMs)
  return Object.assign(n, changeable)
}

/** The fields a snapshot keeps, for comparing a node with its copy. */
function fieldsOf(n: ZNode): unknown[] {
  return [[...n.data], n.acl, n.czxid, n.mzxid, n.pzxid, n.ctime, n.mtime, n.version, n.cversion, n.aversion, n.ephemeralOwner, n.kind, n.ttlMs]
}

describe('format 3 snapshot chunks', () => {
  it('gives back every field of every kind of node, across chunks that reuse the buffer', () => {
    const big = new Uint8Array(200_000).map((_, i) => i % 251)
    const cases: [string, ZNode][] = [
      ['/', node(new Uint8Array(0), 'persistent')],
      ['/plain', node(bytes('value'), 'persistent', { czxid: 2 ** 40 + 7, mzxid: 2 ** 52, pzxid: 2 ** 33, ctime: 1_764_000_000_123, mtime: 1_764_000_000_456 })],
      ['/eph', node(bytes('e'), 'ephemeral', { ephemeralOwner: -0x7f00_0000_0000_0001n, acl: READ_ACL_UNSAFE })],
      ['/eph2', node(bytes(''), 'ephemeral', { ephemeralOwner: 0x0100_0000_0000_0042n })],
      ['/box', node(new Uint8Array(0), 'container', { cversion: -2_147_483_648, version: 2_147_483_647, aversion: -1 })],
      ['/ttl', node(bytes('t'), 'ttl', { ttlMs: 1_099_511_627_775, acl: digestAcl })],
      ['/ünïcode/日本/😀', node(bytes('ü'), 'persistent', { acl: digestAcl })],
      ['/big', node(big, 'persistent')],
    ]
    const writer = new ChunkWriter()
    const chunks: Uint8Array[] = []
    for (const [i, [path, n]] of cases.entries()) {
      writer.add(path, n)
      if (i % 3 === 2) chunks.push(writer.take())
    }
    chunks.push(writer.take())
    expect(chunks).toHaveLength(3)
    const read = chunks.map(readChunk)
    expect(read.flatMap((r) => r.paths)).toEqual(cases.map(([path]) => path))
    expect(read.flatMap((r) => r.nodes).map(fieldsOf)).toEqual(cases.map(([, n]) => fieldsOf(n)))
  })

  it('copies the values out of the chunk, so that the nodes keep none of it alive', () => {
    const writer = new ChunkWriter()
    const values = ['first', '', 'third value', 'x'.repeat(5000)]
    values.forEach((v, i) => writer.add(`/n${i}`, node(bytes(v), 'persistent')))
    const chunk = writer.take()
    const { nodes } = readChunk(chunk)
    chunk.fill(0xff)
    expect(nodes.map((n) => new TextDecoder().decode(n.data))).toEqual(values)
    expect(nodes.map((n) => n.dataLength)).toEqual(values.map((v) => v.length))
    expect(nodes.every((n) => n.data.buffer !== chunk.buffer)).toBe(true)
    // One buffer holds them all, exactly the values' bytes.
    expect(new Set(nodes.map((n) => n.data.buffer)).size).toBe(1)
    expect(nodes[0]!.data.buffer.byteLength).toBe(values.join('').length)
  })

  it('writes each distinct ACL once per chunk, equal lists as one', () => {
    const writer = new ChunkWriter()
    for (let i = 0; i < 50; i++) writer.add(`/n${i}`, node(bytes(''), 'persistent', { acl: i % 2 === 0 ? digestAcl : [...digestAcl] }))
    const chunk = writer.take()
    const aclTableAt = new DataView(chunk.buffer, chunk.byteOffset).getUint32(0, true)
    expect(new DataView(chunk.buffer, chunk.byteOffset).getUint32(aclTableAt, true)).toBe(1)
    const { nodes } = readChunk(chunk)
    // Restored ACLs are interned: one list shared by every node that had it.
    expect(new Set(nodes.map((n) => n.acl)).size).toBe(1)
    expect(nodes[0]!.acl).toEqual(digestAcl)
  })

  it('counts what the chunk holds and starts empty after take', () => {
    const writer = new ChunkWriter()
    writer.add('/a', node(bytes('abc'), 'persistent'))
    writer.add('/b', node(bytes('de'), 'persistent'))
    expect([writer.count, writer.dataBytes]).toEqual([2, 5])
    writer.take()
    expect([writer.count, writer.dataBytes]).toEqual([0, 0])
    expect(readChunk(writer.take())).toEqual({ paths: [], nodes: [] })
  })

  it('refuses a chunk that is cut short, overruns or has unknown values, with a TypeError', () => {
    const writer = new ChunkWriter()
    writer.add('/a', node(bytes('abc'), 'ephemeral', { ephemeralOwner: 5n }))
    writer.add('/b', node(bytes('de'), 'ttl', { ttlMs: 10 }))
    const good = writer.take()
    const view = (c: Uint8Array): DataView => new DataView(c.buffer, c.byteOffset, c.byteLength)
    const damaged = (change: (c: Uint8Array) => void): Uint8Array => {
      const copy = good.slice()
      change(copy)
      return copy
    }
    const aclTableAt = view(good).getUint32(0, true)
    const cases: Uint8Array[] = [
      good.subarray(0, 5),
      good.subarray(0, good.length - 1),
      damaged((c) => view(c).setUint32(0, c.length + 10, true)),
      damaged((c) => view(c).setUint32(4, 3, true)),
      damaged((c) => view(c).setUint32(4, 1, true)),
      damaged((c) => view(c).setUint32(8, 0xffff_fff0, true)),
      damaged((c) => view(c).setUint32(8 + 4 + 2, 0xffff_fff0, true)),
      damaged((c) => view(c).setUint32(aclTableAt, 2, true)),
      damaged((c) => c.set(bytes('{'), aclTableAt + 8)),
    ]
    // The first node's ACL index and kind: path (4 + 2), data (4 + 3).
    const fixedAt = 8 + 6 + 7
    cases.push(damaged((c) => view(c).setUint32(fixedAt, 9, true)))
    cases.push(damaged((c) => view(c).setUint8(fixedAt + 56, 7)))
    for (const [i, chunk] of cases.entries()) expect(() => readChunk(chunk), `case ${i}`).toThrow(TypeError)
    expect(readChunk(good).paths).toEqual(['/a', '/b'])
  })

  it('reads any damaged copy of a chunk as nodes or a TypeError, never another error', () => {
    const writer = new ChunkWriter()
    for (let i = 0; i < 20; i++) writer.add(`/n${i}`, node(bytes(`v${i}`), i % 3 === 0 ? 'ephemeral' : i % 3 === 1 ? 'ttl' : 'persistent', { acl: i % 2 === 0 ? digestAcl : OPEN_ACL_UNSAFE, ephemeralOwner: i % 3 === 0 ? BigInt(i) : 0n, ttlMs: i % 3 === 1 ? 5 : 0 }))
    const good = writer.take()
    // xorshift32 from a fixed seed: the same damaged copies in every run.
    let state = 0x9e3779b9
    const random = (n: number): number => {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      return (state >>> 0) % n
    }
    const outcomes = { read: 0, refused: 0 }
    for (let i = 0; i < 3000; i++) {
      const copy = good.slice(0, i % 4 === 0 ? random(good.length + 1) : good.length)
      for (let flips = 1 + random(4); flips > 0 && copy.length > 0; flips--) copy[random(copy.length)] = random(256)
      try {
        const { paths, nodes } = readChunk(copy)
        expect(paths).toHaveLength(nodes.length)
        outcomes.read++
      } catch (error) {
        expect(error, `copy ${i}`).toBeInstanceOf(TypeError)
        outcomes.refused++
      }
    }
    // Both happen: a flip inside a value's data still reads, most others are refused.
    expect(outcomes.read).toBeGreaterThan(0)
    expect(outcomes.refused).toBeGreaterThan(0)
  })
})
