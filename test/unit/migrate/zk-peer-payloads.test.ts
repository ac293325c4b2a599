// Method: ZooKeeper's quorum payloads built with the migration codecs (a txn entry as
// Util.marshallTxnEntry writes it, a database as SerializeUtils.serializeSnapshot writes it) and
// mapped into Paddock's txn entries and snapshot bytes, then read back with Paddock's own decoders;
// the runtime's REQUEST bytes mapped into ZooKeeper's request records and read back with the wire
// codec. Bad bytes must fail with a typed error.
import { describe, expect, it } from 'vitest'
import { MigrationError } from '../../../lib/migrate/errors.js'
import { zooKeeperSessionPasswd } from '../../../lib/migrate/zk-format.js'
import { learnerRequestOf, readZkSnapStream, zkLearnerRequest, zkPeerPayloads, zkProposalData, zkProposalEntry, zkSnapStream } from '../../../lib/migrate/zk-peer-payloads.js'
import { encodeZkSnapshot } from '../../../lib/migrate/zk-snapshot.js'
import { encodeZkLogRecord, type ZkTxn } from '../../../lib/migrate/zk-txnlog.js'
import { OpCode } from '../../../lib/protocol/opcodes.js'
import { restoreSnapshotState, snapshotBytesChunks, type SnapshotSession } from '../../../lib/server/snapshot.js'
import { DataTree } from '../../../lib/tree/data-tree.js'
import { decodeTxnEntry, encodeRestoreEntry, encodeValue } from '../../../lib/txn/codec.js'
import type { TxnHeader } from '../../../lib/txn/types.js'
import { JuteDecodeError, JuteReader, JuteWriter } from '../../../lib/wire/jute.js'
import { readRequest } from '../../../lib/wire/requests.js'

const open = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const session = 0x0200_0000_0000_0007n

/** `value` with every Buffer (msgpackr decodes bytes as Buffers) as a plain Uint8Array, for toEqual. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return Uint8Array.from(value)
  if (Array.isArray(value)) return value.map(plain)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
  return value
}

/** The entry inside a log record (checksum 8, length 4, entry, 'B'): what a PROPOSAL carries. */
function txnEntry(header: TxnHeader, txn: ZkTxn): Uint8Array {
  const record = encodeZkLogRecord(header, txn)
  return record.subarray(12, record.length - 1)
}

const leafStat = { czxid: 0x1_0000_0002, mzxid: 0x1_0000_0002, ctime: 5, mtime: 5, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0x1_0000_0002 }

/** A 3.8 leader's SNAP stream: the database as serializeSnapshot writes it, then "BenWasHere"; `extra` nodes follow the two it holds. */
function snapStream(signature = 'BenWasHere', extra: readonly string[] = []): Uint8Array {
  const file = encodeZkSnapshot({
    dbid: 0n,
    sessions: new Map([[session, 4_000]]),
    acls: new Map([[1n, open]]),
    nodes: [
      { path: '/', data: new Uint8Array(0), aclRef: 1n, stat: { czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 1, aversion: 0, ephemeralOwner: 0n, pzxid: 0x1_0000_0002 } },
      { path: '/e', data: Uint8Array.from([1, 2]), aclRef: 1n, stat: { ...leafStat, ephemeralOwner: session } },
      ...extra.map((path) => ({ path, data: new Uint8Array(0), aclRef: 1n, stat: leafStat })),
    ],
    digest: undefined,
  })
  // The file is a 16-byte header, the database, then an 8-byte checksum and the string "/".
  const database = file.subarray(16, file.length - 13)
  const tail = Uint8Array.from(new JuteWriter().writeUString(signature).finish())
  return Uint8Array.from([...database, ...tail])
}

describe('PROPOSAL data to Paddock txn entries', () => {
  it('maps a create with its TxnHeader exactly', () => {
    const header: TxnHeader = { sessionId: session, cxid: 3, zxid: 0x1_0000_0005, time: 1_700_000_000_000 }
    const txn: ZkTxn = { type: 'create', path: '/a', data: Uint8Array.from([7]), acl: open, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 2 }
    expect(plain(decodeTxnEntry(zkProposalEntry(header.zxid, txnEntry(header, txn))))).toEqual({ header, txn })
  })

  it('gives a createSession ZooKeeper\'s derived password, and a closeSession without paths the session\'s ephemerals now', () => {
    const header: TxnHeader = { sessionId: session, cxid: 0, zxid: 0x1_0000_0001, time: 1 }
    const created = decodeTxnEntry(zkProposalEntry(header.zxid, txnEntry(header, { type: 'createSession', timeoutMs: 4_000, passwd: new Uint8Array(16) })))
    expect(plain(created.txn)).toEqual({ type: 'createSession', timeoutMs: 4_000, passwd: zooKeeperSessionPasswd(session) })
    const closed = decodeTxnEntry(zkProposalEntry(0x1_0000_0002, txnEntry({ ...header, zxid: 0x1_0000_0002 }, { type: 'closeSession', paths2Delete: null }), () => ['/e']))
    expect(closed.txn).toEqual({ type: 'closeSession', paths2Delete: ['/e'] })
  })

  it('refuses a header whose zxid is not the packet\'s, and bytes that are no transaction', () => {
    const header: TxnHeader = { sessionId: 1n, cxid: 1, zxid: 0x1_0000_0005, time: 1 }
    expect(() => zkProposalEntry(0x1_0000_0006, txnEntry(header, { type: 'delete', path: '/a' }))).toThrow(MigrationError)
    expect(() => zkProposalEntry(1, Uint8Array.from([1, 2, 3]))).toThrow(MigrationError)
  })
})

describe('the SNAP stream to snapshot bytes', () => {
  it('reads the database and the signature, and the snapshot restores the tree and the sessions with ZooKeeper\'s passwords', async () => {
    const bytes = readZkSnapStream(new JuteReader(snapStream()), 0x1_0000_0002)
    const tree = new DataTree()
    const sessions: SnapshotSession[] = []
    expect(await restoreSnapshotState(tree, (s) => sessions.push(s), snapshotBytesChunks(bytes))).toBe(0x1_0000_0002)
    expect(tree.get('/e')?.ephemeralOwner).toBe(session)
    expect(tree.ephemerals.get(session)).toEqual(new Set(['/e']))
    expect(plain(sessions)).toEqual([{ id: session, timeoutMs: 4_000, passwd: zooKeeperSessionPasswd(session) }])
  })

  it('asks for more bytes (truncated) on every prefix, and refuses a wrong signature', () => {
    const stream = snapStream()
    for (let n = 0; n < stream.length; n += 7) {
      expect(() => readZkSnapStream(new JuteReader(stream.subarray(0, n)), 1)).toThrow(expect.objectContaining({ reason: 'truncated' }))
    }
    expect(() => readZkSnapStream(new JuteReader(snapStream('BenWasThere')), 1)).toThrow(expect.objectContaining({ name: 'JuteDecodeError', reason: 'invalid' }))
  })

  it('refuses, as CORRUPT, a database whose nodes do not form a tree: an invalid path, a node before its parent, a node twice', () => {
    const refusal = (extra: string[]): unknown => {
      try {
        readZkSnapStream(new JuteReader(snapStream('BenWasHere', extra)), 1)
      } catch (error) {
        return error
      }
      return undefined
    }
    expect(refusal(['/a/'])).toMatchObject({ name: 'MigrationError', code: 'CORRUPT', message: expect.stringContaining('node path "/a/" is invalid: path must not end with / character') })
    expect(refusal(['relative'])).toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('path must start with / character') })
    expect(refusal(['/p/c', '/p'])).toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('the snapshot holds /p/c without its parent before it') })
    expect(refusal(['/p', '/p'])).toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('the snapshot holds /p twice') })
    expect(refusal(['/p', '/p/c'])).toBeUndefined()
  })
})

describe("the runtime's REQUEST bytes to ZooKeeper's", () => {
  const timeouts = new Map([[session, 4_000]])
  const timeoutOf = (id: bigint) => timeouts.get(id)

  it('writes a forwarded create as the client sent it (create2), with its identities', () => {
    const write = { sessionId: session, cxid: 4, authInfo: [{ scheme: 'digest', id: 'u:h' }], request: { op: 'create', path: '/x', data: Uint8Array.from([1]), acl: open, mode: 0 } }
    const mapped = zkLearnerRequest(encodeValue({ kind: 'write', write }), timeoutOf)
    expect(mapped).toMatchObject({ kind: 'request', sessionId: session, cxid: 4, type: OpCode.create2, authinfo: [{ scheme: 'digest', id: 'u:h' }] })
    const record = readRequest(OpCode.create2, new JuteReader((mapped as { record: Uint8Array }).record))
    expect(record).toMatchObject({ path: '/x', data: Uint8Array.from([1]), flags: 0 })
  })

  it('writes a createSession as ZooKeeperServer.createSession does: the timeout alone; closeSession with no record', () => {
    const create = zkLearnerRequest(encodeValue({ kind: 'write', write: { sessionId: session, cxid: 0, authInfo: [], request: { op: 'createSession', timeoutMs: 6_000, passwd: new Uint8Array(16) } } }), timeoutOf)
    expect(create).toEqual({ kind: 'request', sessionId: session, cxid: 0, type: OpCode.createSession, record: Uint8Array.from([0, 0, 0x17, 0x70]), authinfo: [] })
    const close = zkLearnerRequest(encodeValue({ kind: 'write', write: { sessionId: session, cxid: 9, authInfo: [], request: { op: 'closeSession' } } }), timeoutOf)
    expect(close).toEqual({ kind: 'request', sessionId: session, cxid: 9, type: OpCode.closeSession, record: new Uint8Array(0), authinfo: [] })
  })

  it('gives touches and revalidations their timeouts, and leaves out sessions the member does not know', () => {
    expect(zkLearnerRequest(encodeValue({ kind: 'touch', sessions: [session, 5n] }), timeoutOf)).toEqual({ kind: 'touch', sessions: [{ sessionId: session, timeoutMs: 4_000 }] })
    expect(zkLearnerRequest(encodeValue({ kind: 'revalidate', sessionId: session }), timeoutOf)).toEqual({ kind: 'revalidate', session: { sessionId: session, timeoutMs: 4_000 } })
    expect(zkLearnerRequest(encodeValue({ kind: 'revalidate', sessionId: 5n }), timeoutOf)).toBeUndefined()
    expect(zkLearnerRequest(encodeValue({ kind: 'something else' }), timeoutOf)).toBeUndefined()
    expect(zkLearnerRequest(encodeValue(null), timeoutOf)).toBeUndefined()
  })

  it('is offered as one codec', () => {
    const codec = zkPeerPayloads({ sessionTimeoutMs: timeoutOf })
    expect(codec.request(encodeValue({ kind: 'touch', sessions: [session] }))).toEqual({ kind: 'touch', sessions: [{ sessionId: session, timeoutMs: 4_000 }] })
    expect(() => codec.readSnapshot(new JuteReader(new Uint8Array(3)), 1)).toThrow(JuteDecodeError)
  })
})

describe('a Paddock leader\'s payloads for ZooKeeper learners', () => {
  it('writes a txn entry as PROPOSAL data that a learner reads back as the same transaction (Util.marshallTxnEntry)', () => {
    const header: TxnHeader = { sessionId: session, cxid: 3, zxid: 0x1_0000_0005, time: 1_700_000_000_000 }
    const txn: ZkTxn = { type: 'create', path: '/a', data: Uint8Array.from([7]), acl: open, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 2 }
    const data = zkProposalData(zkProposalEntry(header.zxid, txnEntry(header, txn)))
    expect(data).toEqual(txnEntry(header, txn))
  })

  it('writes the runtime\'s snapshot as the serialized database and "BenWasHere", which reads back as the same snapshot', () => {
    const bytes = readZkSnapStream(new JuteReader(snapStream()), 0x1_0000_0002)
    const stream = zkSnapStream(bytes)
    const r = new JuteReader(stream)
    expect(plain(snapshotBytesChunks(readZkSnapStream(r, 0x1_0000_0002)))).toEqual(plain(snapshotBytesChunks(bytes)))
    expect(r.remaining).toBe(0)
  })

  it('maps a learner\'s createSession, closeSession, write, touches and revalidation to the runtime\'s requests, and drops a read', () => {
    const int = (n: number) => Uint8Array.from(new JuteWriter().writeInt(n).finish())
    expect(plain(learnerRequestOf({ kind: 'request', sessionId: session, cxid: 0, type: OpCode.createSession, record: int(4_000), authinfo: [] }))).toEqual({
      kind: 'write', write: { sessionId: session, cxid: 0, authInfo: [], request: { op: 'createSession', timeoutMs: 4_000, passwd: zooKeeperSessionPasswd(session) } },
    })
    expect(learnerRequestOf({ kind: 'request', sessionId: session, cxid: 5, type: OpCode.closeSession, record: new Uint8Array(0), authinfo: [] })).toMatchObject({ write: { request: { op: 'closeSession' } } })
    const del = Uint8Array.from(new JuteWriter().writeUString('/a').writeInt(-1).finish())
    expect(learnerRequestOf({ kind: 'request', sessionId: session, cxid: 6, type: OpCode.delete, record: del, authinfo: [{ scheme: 'digest', id: 'u:p' }] })).toEqual({
      kind: 'write', write: { sessionId: session, cxid: 6, authInfo: [{ scheme: 'digest', id: 'u:p' }], request: { op: 'delete', path: '/a', version: -1 } },
    })
    const get = Uint8Array.from(new JuteWriter().writeUString('/a').writeBool(false).finish())
    expect(learnerRequestOf({ kind: 'request', sessionId: session, cxid: 7, type: OpCode.getData, record: get, authinfo: [] })).toBeUndefined()
    expect(learnerRequestOf({ kind: 'request', sessionId: session, cxid: 8, type: OpCode.setData, record: Uint8Array.of(1), authinfo: [] })).toBeUndefined()
    expect(learnerRequestOf({ kind: 'touch', sessions: [{ sessionId: session, timeoutMs: 1 }] })).toEqual({ kind: 'touch', sessions: [session] })
    expect(learnerRequestOf({ kind: 'revalidate', session: { sessionId: session, timeoutMs: 1 } })).toEqual({ kind: 'revalidate', sessionId: session })
  })

  it('refuses to write a restore entry, which ZooKeeper has no transaction for', () => {
    expect(() => zkProposalData(encodeRestoreEntry({ header: { sessionId: 0n, cxid: 0, zxid: 1, time: 0 }, txn: { type: 'restore', backup: new Uint8Array(0) } }))).toThrow(MigrationError)
  })
})
