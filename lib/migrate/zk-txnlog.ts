/**
 * The codec of Apache ZooKeeper's transaction log (`version-2/log.<zxid>`), as FileTxnLog writes
 * it: FileHeader (magic "ZKLG", version 2, dbid), then records, each the Adler-32 of its entry as a
 * long, the entry as a jute buffer (TxnHeader, the txn record, and from 3.6 a TxnDigest), and the
 * byte 'B'. Files are preallocated with zeros, so a record length of 0 ends the log.
 * Txn records are turned into Paddock's {@link Txn} records here. Pure: bytes in, records out.
 * @module
 */
import type { ACL } from '../protocol/data.js'
import { OpCode } from '../protocol/opcodes.js'
import type { CreateTxn, TreeTxn, Txn, TxnHeader } from '../txn/types.js'
import { JuteReader, JuteWriter } from '../wire/jute.js'
import { readACLs, writeACLs } from '../wire/records.js'
import { MigrationError } from './errors.js'
import { adler32, endOfRecord, fileFormatVersion, txnLogMagic, zooKeeperSessionPasswd } from './zk-format.js'

/**
 * A closeSession from a log written before ZooKeeper 3.6 (or with closeSessionTxn disabled) names
 * no paths: the ephemerals of the session at replay time are deleted, as DataTree.killSession does.
 */
export type ZkTxn = TreeTxn | { type: 'closeSession'; paths2Delete: null }

/** One record of a log. */
export interface ZkLogRecord {
  header: TxnHeader
  /** The ZooKeeper opcode of the record (create2, createTTL, reconfig... keep their own). */
  opCode: number
  txn: ZkTxn
  /** Where the record starts in its file. */
  offset: number
}

/** What one log file holds. */
export interface ZkLogFile {
  dbid: bigint
  records: ZkLogRecord[]
  /**
   * Why reading stopped before the end of the file, when it did: a partial last record, which
   * ZooKeeper's reader also takes as the end of the log ("Last transaction was partial").
   */
  partialTail: { offset: number; reason: string } | undefined
}

const headerBytes = 16
/** Checksum (8) + length (4): the bytes before a record's entry. */
const recordPrefixBytes = 12
const fileLengthMax = 0x7fffffff

/** Decodes one log file; throws {@link MigrationError} `CORRUPT` naming `file` and the byte offset. */
export function decodeZkLog(bytes: Uint8Array, file: string): ZkLogFile {
  if (bytes.length < headerBytes) throw new MigrationError('CORRUPT', `truncated log header (${bytes.length} bytes)`, { file, offset: bytes.length })
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const magic = view.getInt32(0)
  if (magic !== txnLogMagic) throw new MigrationError('CORRUPT', `bad magic 0x${(magic >>> 0).toString(16)}, expected 0x${txnLogMagic.toString(16)} ("ZKLG")`, { file, offset: 0 })
  const version = view.getInt32(4)
  if (version !== fileFormatVersion) throw new MigrationError('UNSUPPORTED', `log format version ${version}, only ${fileFormatVersion} is read`, { file, offset: 4 })
  const dbid = view.getBigInt64(8)
  const records: ZkLogRecord[] = []
  let offset = headerBytes
  for (;;) {
    const remaining = bytes.length - offset
    if (remaining < recordPrefixBytes) return { dbid, records, partialTail: tail(bytes, offset, 'the file ends inside a record prefix') }
    const checksum = Number(BigInt.asUintN(32, view.getBigInt64(offset)))
    const length = view.getInt32(offset + 8)
    // Preallocated zeros: a length of 0 is where the log ends (Util.readTxnBytes).
    if (length === 0) return { dbid, records, partialTail: undefined }
    if (length < 0) throw new MigrationError('CORRUPT', `negative record length ${length}`, { file, offset: offset + 8 })
    if (remaining < recordPrefixBytes + length + 1) {
      return { dbid, records, partialTail: { offset, reason: `the record claims ${length} bytes, the file ends first` } }
    }
    const start = offset + recordPrefixBytes
    const entry = bytes.subarray(start, start + length)
    const computed = adler32(entry)
    if (computed !== checksum) {
      throw new MigrationError('CORRUPT', `record checksum mismatch: stored Adler-32 0x${checksum.toString(16)}, computed 0x${computed.toString(16)}`, { file, offset })
    }
    const eor = bytes[start + length]
    if (eor !== endOfRecord) throw new MigrationError('CORRUPT', `record does not end with 'B' (0x42) but 0x${(eor ?? 0).toString(16)}`, { file, offset: start + length })
    records.push(decodeEntry(entry, file, start, offset))
    offset = start + length + 1
  }
}

function tail(bytes: Uint8Array, offset: number, reason: string): ZkLogFile['partialTail'] {
  // Zeros short of a full record prefix are padding, not a partial record.
  for (let i = offset; i < bytes.length; i++) if (bytes[i] !== 0) return { offset, reason }
  return undefined
}

/**
 * Decodes one transaction entry as `Util.marshallTxnEntry` writes it (TxnHeader, txn record,
 * optional TxnDigest): the data of a leader's PROPOSAL. Throws {@link MigrationError} naming `what`.
 */
export function decodeZkTxnEntry(entry: Uint8Array, what: string): ZkLogRecord {
  return decodeEntry(entry, what, 0, 0)
}

/** Decodes one entry (TxnHeader, txn, optional TxnDigest); `start` is its offset in `file`. */
function decodeEntry(entry: Uint8Array, file: string, start: number, offset: number): ZkLogRecord {
  const r = new JuteReader(entry, { maxBufferBytes: fileLengthMax })
  try {
    const sessionId = r.readLong('TxnHeader.clientId')
    const cxid = r.readInt('TxnHeader.cxid')
    const zxid = r.readLongNumber('TxnHeader.zxid')
    const time = r.readLongNumber('TxnHeader.time')
    const opCode = r.readInt('TxnHeader.type')
    const header: TxnHeader = { sessionId, cxid, zxid, time }
    const txn = readTxn(r, opCode, header, true)
    // What follows, if anything, is the TxnDigest (int version, long treeDigest) of 3.6+.
    return { header, opCode, txn, offset }
  } catch (error) {
    if (error instanceof MigrationError) throw new MigrationError(error.code, error.message, { file, offset: start + r.offset, cause: error })
    throw new MigrationError('CORRUPT', `unreadable transaction: ${(error as Error).message}`, { file, offset: start + r.offset, cause: error })
  }
}

function createFields(r: JuteReader): { path: string; data: Uint8Array; acl: ACL[] } {
  return { path: r.readUString('path'), data: r.readBuffer('data'), acl: readACLs(r) }
}

/** Reads the txn record of `opCode` (SerializeUtils.deserializeTxn's table) as a Paddock txn. */
function readTxn(r: JuteReader, opCode: number, header: TxnHeader, top: boolean): ZkTxn {
  switch (opCode) {
    case OpCode.create:
    case OpCode.create2: {
      const { path, data, acl } = createFields(r)
      const ephemeral = r.readBool('ephemeral')
      const parentCVersion = r.readInt('parentCVersion')
      return created(path, data, acl, ephemeral ? 'ephemeral' : 'persistent', ephemeral ? header.sessionId : 0n, 0, parentCVersion)
    }
    case OpCode.createContainer: {
      const { path, data, acl } = createFields(r)
      return created(path, data, acl, 'container', 0n, 0, r.readInt('parentCVersion'))
    }
    case OpCode.createTTL: {
      const { path, data, acl } = createFields(r)
      const parentCVersion = r.readInt('parentCVersion')
      return created(path, data, acl, 'ttl', 0n, Number(r.readLong('ttl')), parentCVersion)
    }
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { type: 'delete', path: r.readUString('path') }
    case OpCode.setData:
    case OpCode.reconfig:
      return { type: 'setData', path: r.readUString('path'), data: r.readBuffer('data'), version: r.readInt('version') }
    case OpCode.setACL:
      return { type: 'setACL', path: r.readUString('path'), acl: readACLs(r), version: r.readInt('version') }
    case OpCode.check:
      return { type: 'check', path: r.readUString('path'), version: r.readInt('version') }
    case OpCode.error:
      return { type: 'error', err: r.readInt('err') }
    case OpCode.multi:
      if (top) return readMulti(r, header)
      break
    case OpCode.createSession:
      if (top) return { type: 'createSession', timeoutMs: r.readInt('timeOut'), passwd: zooKeeperSessionPasswd(header.sessionId) }
      break
    case OpCode.closeSession:
      if (!top) break
      // Before 3.6 (or with zookeeper.closeSessionTxn.enabled=false) the record is empty.
      return r.remaining === 0 ? { type: 'closeSession', paths2Delete: null } : { type: 'closeSession', paths2Delete: r.readUStringVector('paths2Delete') }
  }
  throw new MigrationError('UNSUPPORTED', `transaction type ${opCode} is not one ZooKeeper logs${top ? '' : ' inside a multi'}`)
}

function created(path: string, data: Uint8Array, acl: ACL[], kind: CreateTxn['kind'], ephemeralOwner: bigint, ttlMs: number, parentCVersion: number): CreateTxn {
  if (parentCVersion === -1) throw new MigrationError('UNSUPPORTED', 'a CreateTxn without parentCVersion (a log from ZooKeeper before 3.3)')
  return { type: 'create', path, data, acl, kind, ephemeralOwner, ttlMs, parentCVersion }
}

function readMulti(r: JuteReader, header: TxnHeader): TreeTxn {
  const count = r.readVectorCount('MultiTxn.txns', 8)
  const txns: TreeTxn[] = []
  for (let i = 0; i < count; i++) {
    const opCode = r.readInt('Txn.type')
    const sub = new JuteReader(r.readBuffer('Txn.data'), { maxBufferBytes: fileLengthMax })
    txns.push(readTxn(sub, opCode, header, false) as TreeTxn)
  }
  return { type: 'multi', txns: asFailedMulti(txns) }
}

/** ZooKeeper's RUNTIMEINCONSISTENCY, the error of the ops after the one that failed. */
const runtimeInconsistency = -2

/**
 * A failed multi as ZooKeeper applies it. PrepRequestProcessor logs the ops before the failing one
 * as their real txns, and DataTree.processTxn turns them into errors (0 before the failure,
 * RUNTIMEINCONSISTENCY after it) when any op of the multi is an error; Paddock's log holds them
 * as errors already.
 */
function asFailedMulti(txns: TreeTxn[]): TreeTxn[] {
  if (!txns.some((t) => t.type === 'error')) return txns
  let failed = false
  return txns.map((t) => {
    if (t.type === 'error') {
      failed = true
      return t
    }
    return { type: 'error', err: failed ? runtimeInconsistency : 0 }
  })
}

/** The ZooKeeper log file header. */
export function encodeZkLogHeader(dbid = 0n): Uint8Array {
  const w = new JuteWriter()
  w.writeInt(txnLogMagic).writeInt(fileFormatVersion).writeLong(dbid)
  return Uint8Array.from(w.finish())
}

/** One record as FileTxnLog.append writes it: checksum, length, entry, 'B'. `opCode` defaults from the txn. */
export function encodeZkLogRecord(header: TxnHeader, txn: ZkTxn, opCode = opCodeOf(txn)): Uint8Array {
  const entry = encodeZkTxnEntry(header, txn, opCode)
  const w = new JuteWriter()
  w.writeLong(BigInt(adler32(entry))).writeBuffer(entry)
  const out = new Uint8Array(w.length + 1)
  out.set(w.finish())
  out[out.length - 1] = endOfRecord
  return out
}

/**
 * One transaction as `Util.marshallTxnEntry` writes it without a digest: TxnHeader, then the txn
 * record. A log record holds it; so does the data of a leader's PROPOSAL and INFORM.
 */
export function encodeZkTxnEntry(header: TxnHeader, txn: ZkTxn, opCode = opCodeOf(txn)): Uint8Array {
  const w = new JuteWriter()
  w.writeLong(header.sessionId).writeInt(header.cxid).writeLongNumber(header.zxid).writeLongNumber(header.time).writeInt(opCode)
  writeTxn(w, txn, opCode)
  return Uint8Array.from(w.finish())
}

/** The opcode ZooKeeper logs a txn under. */
export function opCodeOf(txn: ZkTxn): number {
  switch (txn.type) {
    case 'create':
      return txn.kind === 'container' ? OpCode.createContainer : txn.kind === 'ttl' ? OpCode.createTTL : OpCode.create2
    case 'delete':
      return OpCode.delete
    case 'setData':
      return OpCode.setData
    case 'setACL':
      return OpCode.setACL
    case 'check':
      return OpCode.check
    case 'error':
      return OpCode.error
    case 'multi':
      return OpCode.multi
    case 'createSession':
      return OpCode.createSession
    case 'closeSession':
      return OpCode.closeSession
    case 'reconfig':
      return OpCode.reconfig
  }
}

function writeTxn(w: JuteWriter, txn: ZkTxn, opCode: number): void {
  switch (txn.type) {
    case 'create':
      w.writeUString(txn.path).writeBuffer(txn.data)
      writeACLs(w, txn.acl)
      if (opCode === OpCode.create || opCode === OpCode.create2) w.writeBool(txn.kind === 'ephemeral').writeInt(txn.parentCVersion)
      else if (opCode === OpCode.createTTL) w.writeInt(txn.parentCVersion).writeLongNumber(txn.ttlMs)
      else w.writeInt(txn.parentCVersion)
      return
    case 'delete':
      w.writeUString(txn.path)
      return
    case 'setData':
      w.writeUString(txn.path).writeBuffer(txn.data).writeInt(txn.version)
      return
    case 'reconfig':
      // ZooKeeper logs a reconfig as a SetDataTxn of /zookeeper/config with version -1.
      w.writeUString('/zookeeper/config').writeBuffer(new TextEncoder().encode(txn.text)).writeInt(-1)
      return
    case 'setACL':
      w.writeUString(txn.path)
      writeACLs(w, txn.acl)
      w.writeInt(txn.version)
      return
    case 'check':
      w.writeUString(txn.path).writeInt(txn.version)
      return
    case 'error':
      w.writeInt(txn.err)
      return
    case 'multi':
      w.writeVectorCount(txn.txns.length)
      for (const sub of txn.txns) {
        const inner = new JuteWriter()
        const subOp = opCodeOf(sub)
        writeTxn(inner, sub, subOp)
        w.writeInt(subOp).writeBuffer(Uint8Array.from(inner.finish()))
      }
      return
    case 'createSession':
      w.writeInt(txn.timeoutMs)
      return
    case 'closeSession':
      if (txn.paths2Delete !== null) w.writeUStringVector(txn.paths2Delete)
      return
  }
}
