// Method: round trips of the ZooKeeper snapshot and txn-log codecs on fabricated records, then
// damaged files (truncated, a flipped byte) that must fail naming the file and the byte offset;
// golden values computed by Java (java.util.Random, java.util.zip.Adler32) pin the format facts.
import { deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { MigrationError } from '../../../lib/migrate/errors.js'
import {
  adler32,
  containerEphemeralOwner,
  decodeEphemeralOwner,
  encodeEphemeralOwner,
  zooKeeperSessionPasswd,
} from '../../../lib/migrate/zk-format.js'
import { JuteReader } from '../../../lib/wire/jute.js'
import { decodeZkSnapshot, encodeZkSnapshot, looksComplete, readSerializedSnapshot, type ZkSnapshot } from '../../../lib/migrate/zk-snapshot.js'
import { decodeZkLog, encodeZkLogHeader, encodeZkLogRecord, type ZkTxn } from '../../../lib/migrate/zk-txnlog.js'
import { concat } from '../../../lib/migrate/zk-snapshot.js'
import { terminalProgress } from '../../../lib/migrate/progress.js'
import type { TxnHeader } from '../../../lib/txn/types.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const open = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const digest = [{ perms: 1, id: { scheme: 'digest', id: 'u:h=' } }]

function stat(czxid: number, owner = 0n) {
  return { czxid, mzxid: czxid + 1, ctime: 1_700_000_000_000, mtime: 1_700_000_000_001, version: 1, cversion: 2, aversion: 3, ephemeralOwner: owner, pzxid: czxid + 2 }
}

function fabricatedSnapshot(withDigest: boolean): ZkSnapshot {
  return {
    dbid: -1n,
    sessions: new Map([[0x1000000abcdefn, 30_000], [0x7fffffffffffffffn, 4_000]]),
    acls: new Map([[1n, open], [2n, digest]]),
    nodes: [
      { path: '/', data: new Uint8Array(0), aclRef: 1n, stat: stat(0) },
      { path: '/a', data: text('héllo 🐎'), aclRef: 2n, stat: stat(5) },
      { path: '/a/e', data: new Uint8Array([0, 255]), aclRef: -1n, stat: stat(7, 0x1000000abcdefn) },
      { path: '/c', data: new Uint8Array(0), aclRef: 1n, stat: stat(9, containerEphemeralOwner) },
    ],
    digest: withDigest ? { zxid: 0x10, digestVersion: 2, digest: 0x1234567890n } : undefined,
  }
}

function expectMigrationError(run: () => unknown, file: string, offset: number, code = 'CORRUPT'): MigrationError {
  let caught: unknown
  try {
    run()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(MigrationError)
  const error = caught as MigrationError
  expect({ code: error.code, file: error.file, offset: error.offset }).toEqual({ code, file, offset })
  expect(error.message).toContain(`${file} at byte ${offset}`)
  return error
}

describe('ZooKeeper format facts (zk-format.ts)', () => {
  it('computes Adler-32 as java.util.zip.Adler32 does, also continued over pieces', () => {
    // Adler32 of "Wikipedia" is 0x11E60398 (RFC 1950's example); continuing over pieces gives the same.
    expect(adler32(text('Wikipedia'))).toBe(0x11e60398)
    const big = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff)
    expect(adler32(big.subarray(50_000), adler32(big.subarray(0, 50_000)))).toBe(adler32(big))
    // zlib's deflate stream ends with the big-endian Adler-32 of its input.
    const trailer = deflateSync(big).subarray(-4)
    expect(adler32(big)).toBe(Buffer.from(trailer).readUInt32BE(0))
  })

  it('derives session passwords as ZooKeeperServer.generatePasswd (values printed by Java)', () => {
    expect(hex(zooKeeperSessionPasswd(0x1000000abcdefn))).toBe('f72266553fc5708d7402a3dbe30f0a08')
    expect(hex(zooKeeperSessionPasswd(0x7fffffffffffffffn))).toBe('20f62cb5648dc2d771471c8a2486a9ee')
    expect(hex(zooKeeperSessionPasswd(-5n))).toBe('d47144b5e45e45c49c3b7fdcd66257ba')
  })

  it('decodes and encodes ephemeralOwner markers of containers and TTL nodes (EphemeralType)', () => {
    expect(decodeEphemeralOwner(0n)).toEqual({ kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0 })
    expect(decodeEphemeralOwner(-0x8000000000000000n)).toEqual({ kind: 'container', ephemeralOwner: 0n, ttlMs: 0 })
    // 0xff00000000000001: a TTL of one millisecond (EphemeralType's own example).
    expect(decodeEphemeralOwner(BigInt.asIntN(64, 0xff00000000000001n))).toEqual({ kind: 'ttl', ephemeralOwner: 0n, ttlMs: 1 })
    expect(decodeEphemeralOwner(0x1000000abcdefn)).toEqual({ kind: 'ephemeral', ephemeralOwner: 0x1000000abcdefn, ttlMs: 0 })
    for (const owner of [0n, containerEphemeralOwner, BigInt.asIntN(64, 0xff00000036ee8000n), 0x1000000abcdefn]) {
      const fields = decodeEphemeralOwner(owner)
      expect(encodeEphemeralOwner(fields.kind, fields.ephemeralOwner, fields.ttlMs)).toBe(owner)
    }
  })
})

describe('the snapshot codec (FileSnap)', () => {
  it('round-trips sessions, the ACL cache, nodes with StatPersisted, and the digest trailer', () => {
    for (const withDigest of [false, true]) {
      const snapshot = fabricatedSnapshot(withDigest)
      const bytes = encodeZkSnapshot(snapshot)
      expect(looksComplete(bytes)).toBe(true)
      expect(decodeZkSnapshot(bytes, 'snapshot.10')).toEqual(snapshot)
    }
  })

  it('reads the body after the file header as a SNAP sends it bare (SerializeUtils.serializeSnapshot)', () => {
    const snapshot = fabricatedSnapshot(false)
    // FileHeader: int magic, int version, long dbid; the seal's checksum follows the nodes.
    const r = new JuteReader(encodeZkSnapshot(snapshot).subarray(16), { maxBufferBytes: 0x7fffffff })
    expect(readSerializedSnapshot(r)).toEqual({ sessions: snapshot.sessions, acls: snapshot.acls, nodes: snapshot.nodes })
    expect(r.remaining).toBe(8 + 4 + 1)
  })

  it('reads the last-processed-zxid trailer of ZooKeeper 3.9 and checks its seal', () => {
    const snapshot = { ...fabricatedSnapshot(true), lastProcessedZxid: 0x1234 }
    const bytes = Uint8Array.from(encodeZkSnapshot(snapshot))
    expect(decodeZkSnapshot(bytes, 'snapshot.10')).toEqual(snapshot)
    bytes[bytes.length - 14] = (bytes[bytes.length - 14] ?? 0) ^ 1
    expectMigrationError(() => decodeZkSnapshot(bytes, 'snapshot.10'), 'snapshot.10', bytes.length - 13)
  })

  it('writes the root as the empty path and ends the nodes with "/" then the seal', () => {
    const bytes = encodeZkSnapshot({ ...fabricatedSnapshot(false), sessions: new Map(), acls: new Map(), nodes: [{ path: '/', data: new Uint8Array(0), aclRef: -1n, stat: stat(0) }] })
    // magic, version, dbid, 0 sessions, 0 ACLs, then path "" (length 0).
    expect(hex(bytes.subarray(0, 28))).toBe('5a4b534e' + '00000002' + 'ffffffffffffffff' + '00000000' + '00000000' + '00000000')
    // The seal: the Adler-32 as a long, then the string "/".
    const sealAt = bytes.length - 13
    expect(Number(Buffer.from(bytes).readBigInt64BE(sealAt))).toBe(adler32(bytes.subarray(0, sealAt)))
    expect(hex(bytes.subarray(-5))).toBe('000000012f')
  })

  it('rejects a truncated snapshot naming the file and the offset where it ends', () => {
    const bytes = encodeZkSnapshot(fabricatedSnapshot(true))
    const cut = bytes.subarray(0, 60)
    const error = expectMigrationError(() => decodeZkSnapshot(cut, '/zk/version-2/snapshot.10'), '/zk/version-2/snapshot.10', 60)
    expect(error.message).toMatch(/truncated/)
    expect(looksComplete(cut)).toBe(false)
  })

  it('rejects a flipped byte by its checksum, naming the offset of the seal', () => {
    const snapshot = fabricatedSnapshot(false)
    const bytes = Uint8Array.from(encodeZkSnapshot(snapshot))
    const dataAt = Buffer.from(bytes).indexOf(Buffer.from('héllo'))
    bytes[dataAt] = (bytes[dataAt] ?? 0) ^ 0x01
    const error = expectMigrationError(() => decodeZkSnapshot(bytes, 'snapshot.10'), 'snapshot.10', bytes.length - 13)
    expect(error.message).toMatch(/checksum mismatch/)
  })

  it('rejects a file that is not a snapshot by its magic', () => {
    expectMigrationError(() => decodeZkSnapshot(encodeZkLogHeader(), 'log.1'), 'log.1', 0)
  })
})

const header = (zxid: number, sessionId = 0x1000000abcdefn): TxnHeader => ({ sessionId, cxid: zxid, zxid, time: 1_700_000_000_000 + zxid })

function fabricatedLog(): { header: TxnHeader; txn: ZkTxn }[] {
  return [
    { header: header(1), txn: { type: 'createSession', timeoutMs: 30_000, passwd: zooKeeperSessionPasswd(0x1000000abcdefn) } },
    { header: header(2), txn: { type: 'create', path: '/a', data: text('x'), acl: open, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 1 } },
    { header: header(3), txn: { type: 'create', path: '/a/e', data: text(''), acl: digest, kind: 'ephemeral', ephemeralOwner: 0x1000000abcdefn, ttlMs: 0, parentCVersion: 1 } },
    { header: header(4), txn: { type: 'create', path: '/c', data: text(''), acl: open, kind: 'container', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 2 } },
    { header: header(5), txn: { type: 'create', path: '/t', data: text('t'), acl: open, kind: 'ttl', ephemeralOwner: 0n, ttlMs: 60_000, parentCVersion: 3 } },
    { header: header(6), txn: { type: 'setData', path: '/a', data: text('y'), version: 1 } },
    { header: header(7), txn: { type: 'setACL', path: '/a', acl: digest, version: 1 } },
    { header: header(8), txn: { type: 'multi', txns: [{ type: 'check', path: '/a', version: 1 }, { type: 'delete', path: '/t' }] } },
    { header: header(9), txn: { type: 'multi', txns: [{ type: 'error', err: 0 }, { type: 'error', err: -101 }] } },
    { header: header(10), txn: { type: 'error', err: -110 } },
    { header: header(11), txn: { type: 'closeSession', paths2Delete: ['/a/e'] } },
    { header: header(12, 5n), txn: { type: 'closeSession', paths2Delete: null } },
  ]
}

function fabricatedLogFile(padding: number): Uint8Array {
  return concat([encodeZkLogHeader(7n), ...fabricatedLog().map((r) => encodeZkLogRecord(r.header, r.txn)), new Uint8Array(padding)])
}

describe('the txn-log codec (FileTxnLog)', () => {
  it('round-trips every txn type, and preallocated zero padding ends the log', () => {
    const decoded = decodeZkLog(fabricatedLogFile(4096), 'log.1')
    expect(decoded.dbid).toBe(7n)
    expect(decoded.partialTail).toBeUndefined()
    expect(decoded.records.map((r) => ({ header: r.header, txn: r.txn }))).toEqual(fabricatedLog())
  })

  it('takes a file that ends right after a record, or in padding shorter than a record prefix, as complete', () => {
    expect(decodeZkLog(fabricatedLogFile(0), 'log.1').partialTail).toBeUndefined()
    expect(decodeZkLog(fabricatedLogFile(5), 'log.1').partialTail).toBeUndefined()
  })

  it('turns the real txns of a failed multi into errors, as DataTree.processTxn applies them', () => {
    const ok: ZkTxn = { type: 'create', path: '/m', data: text(''), acl: open, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 1 }
    const failed: ZkTxn = { type: 'multi', txns: [ok as never, { type: 'error', err: -101 }, { type: 'error', err: -2 }] }
    const file = concat([encodeZkLogHeader(), encodeZkLogRecord(header(1), failed)])
    expect(decodeZkLog(file, 'log.1').records[0]?.txn).toEqual({ type: 'multi', txns: [{ type: 'error', err: 0 }, { type: 'error', err: -101 }, { type: 'error', err: -2 }] })
  })

  it('reports a partial last record (a crash mid-append) as the end of the log, as ZooKeeper reads it', () => {
    const whole = fabricatedLogFile(0)
    const last = encodeZkLogRecord(fabricatedLog()[11]!.header, fabricatedLog()[11]!.txn)
    const cut = whole.subarray(0, whole.length - 3)
    const decoded = decodeZkLog(cut, 'log.1')
    expect(decoded.records).toHaveLength(11)
    expect(decoded.partialTail?.offset).toBe(whole.length - last.length)
  })

  it('rejects a flipped byte in a record by its checksum, naming the file and the record offset', () => {
    const bytes = Uint8Array.from(fabricatedLogFile(100))
    const second = 16 + encodeZkLogRecord(fabricatedLog()[0]!.header, fabricatedLog()[0]!.txn).length
    bytes[second + 12 + 30] = (bytes[second + 12 + 30] ?? 0) ^ 0x40
    const error = expectMigrationError(() => decodeZkLog(bytes, '/zk/version-2/log.1'), '/zk/version-2/log.1', second)
    expect(error.message).toMatch(/checksum mismatch/)
  })

  it("rejects a record whose end-of-record byte is not 'B'", () => {
    const bytes = Uint8Array.from(fabricatedLogFile(100))
    const first = encodeZkLogRecord(fabricatedLog()[0]!.header, fabricatedLog()[0]!.txn)
    bytes[16 + first.length - 1] = 0x41
    expectMigrationError(() => decodeZkLog(bytes, 'log.1'), 'log.1', 16 + first.length - 1)
  })

  it('rejects a truncated header and a wrong magic', () => {
    expectMigrationError(() => decodeZkLog(new Uint8Array(10), 'log.1'), 'log.1', 10)
    expectMigrationError(() => decodeZkLog(encodeZkSnapshot(fabricatedSnapshot(false)), 'log.1'), 'log.1', 0)
  })
})

describe('the terminal progress line', () => {
  it('rewrites one line with znodes, bytes, rate and ETA at most every 200 ms, and clears it', () => {
    let now = 0
    const written: string[] = []
    const stream = { columns: 200, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream
    const progress = terminalProgress(stream, () => now)
    now = 1_000
    progress.update({ phase: 'log', file: 'log.1', znodes: 5_000, bytes: 1048576, bytesTotal: 4 * 1048576 })
    now = 1_100
    progress.update({ phase: 'log', file: 'log.1', znodes: 6_000, bytes: 2 * 1048576, bytesTotal: 4 * 1048576 })
    expect(written).toEqual(['\r\x1b[2Klog log.1: 5,000 znodes, 1.0 MiB/4.0 MiB, 5,000 znodes/s, 1.0 MiB/s ETA 3s'])
    progress.clear()
    expect(written[1]).toBe('\r\x1b[2K')
  })
})
