/**
 * The data tools: dump a snapshot or a log (Paddock's own, or ZooKeeper's) as text or JSON lines,
 * and verify a Paddock dataDir (every checksum, and that snapshot plus log reach the last zxid).
 * @module
 */
import { readFile } from 'node:fs/promises'
import type { Stat } from '../protocol/data.js'
import { formatZxid } from '../protocol/zxid.js'
import type { TxnEntry } from '../txn/types.js'
import { createLevelStorage } from '../../storage/index.js'
import { MigrationError } from './errors.js'
import type { OfflineState } from './offline-state.js'
import { quietLogger, readPaddockState, type PaddockStateInfo } from './paddock-dir.js'
import { decodeZkLog } from './zk-txnlog.js'
import { readSnapshotBytes, stateOfZkSnapshot } from './zookeeper-dir.js'
import { decodeZkSnapshot } from './zk-snapshot.js'


/** One znode as the dump prints it. */
export interface DumpedNode {
  /** The node's path. */
  path: string
  /** The data as UTF-8 text when it is valid UTF-8, else base64 prefixed with `base64:`. */
  data: string
  /** The node's ACL. */
  acl: DumpedACL[]
  /** The Stat a client reads. */
  stat: Stat
  /** The node's kind: persistent, ephemeral, container or ttl. */
  kind: string
  /** The TTL of a TTL node in ms, else 0. */
  ttlMs: number
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function printable(data: Uint8Array): string {
  try {
    return utf8.decode(data)
  } catch {
    return `base64:${Buffer.from(data).toString('base64')}`
  }
}

/** One ACL entry as the dump prints it. */
export interface DumpedACL {
  /** The permission bits (READ 1, WRITE 2, CREATE 4, DELETE 8, ADMIN 16). */
  perms: number
  /** The scheme: world, digest, ip, x509, sasl, auth... */
  scheme: string
  /** The id within the scheme. */
  id: string
}

/** One open session as the dump shows it. */
export interface DumpedSession {
  /** The 64-bit session id. */
  id: bigint
  /** Its timeout in ms. */
  timeoutMs: number
}

/** A snapshot's content as the dump shows it. */
export interface DumpedSnapshot {
  /** The zxid of the state. */
  zxid: number
  /** Open sessions. */
  sessions: DumpedSession[]
  /** Every znode, sorted by path. */
  nodes: DumpedNode[]
}

/** The state of a Paddock dataDir (snapshot plus log) as plain values; the dataDir must not be in use. */
export async function dumpPaddockDataDir(dataDir: string): Promise<DumpedSnapshot> {
  return dumpedSnapshotOf(await readPaddockDataDir(dataDir))
}

/** The content of one ZooKeeper snapshot file (`.gz` too) as plain values. */
export async function dumpZooKeeperSnapshot(file: string): Promise<DumpedSnapshot> {
  return dumpedSnapshotOf(await readZooKeeperSnapshotFile(file))
}

function dumpedSnapshotOf(state: OfflineState): DumpedSnapshot {
  return { zxid: state.zxid, sessions: [...state.sessions.values()].map((s) => ({ id: s.id, timeoutMs: s.timeoutMs })), nodes: dumpNodes(state) }
}

/** Every znode of a state, sorted by path, as plain values. */
export function dumpNodes(state: OfflineState): DumpedNode[] {
  const out: DumpedNode[] = []
  for (const path of [...state.tree.paths()].sort()) {
    const n = state.tree.get(path)
    if (n === undefined) continue
    const acl = n.acl.map((a) => ({ perms: a.perms, scheme: a.id.scheme, id: a.id.id }))
    out.push({ path, data: printable(n.data), acl, stat: n.stat(), kind: n.kind, ttlMs: n.ttlMs })
  }
  return out
}

/** The lines of `dump-snapshot`: a header, the sessions, then one line per znode (JSON lines with `json`). */
export function* snapshotDumpLines(state: OfflineState, json: boolean): Generator<string> {
  const sessions = [...state.sessions.values()]
  if (json) {
    yield JSON.stringify({ zxid: formatZxid(state.zxid), znodes: state.tree.size, sessions: sessions.map((s) => ({ id: `0x${s.id.toString(16)}`, timeoutMs: s.timeoutMs })) })
    for (const node of dumpNodes(state)) yield JSON.stringify(node, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))
    return
  }
  yield `zxid ${formatZxid(state.zxid)}, ${state.tree.size} znodes, ${sessions.length} sessions`
  for (const s of sessions) yield `session 0x${s.id.toString(16)} timeout ${s.timeoutMs} ms`
  for (const n of dumpNodes(state)) {
    const s = n.stat
    yield `${n.path}\n  cZxid = ${formatZxid(s.czxid)}  mZxid = ${formatZxid(s.mzxid)}  pZxid = ${formatZxid(s.pzxid)}  ctime = ${s.ctime}  mtime = ${s.mtime}\n  version = ${s.version}  cversion = ${s.cversion}  aclVersion = ${s.aversion}  ephemeralOwner = 0x${s.ephemeralOwner.toString(16)}  dataLength = ${s.dataLength}  numChildren = ${s.numChildren}  kind = ${n.kind}${n.ttlMs > 0 ? ` ttl = ${n.ttlMs}` : ''}\n  acl = ${n.acl.map((a) => `${a.scheme}:${a.id}:${a.perms}`).join(', ')}\n  data = ${JSON.stringify(n.data.slice(0, 200))}`
  }
}

/** One log line: zxid, time, session, cxid and the txn (data as its length). */
export function logEntryLine(entry: TxnEntry, json: boolean): string {
  const { header, txn } = entry
  const brief = JSON.stringify(txn, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v instanceof Uint8Array ? `<${v.length} bytes>` : v))
  if (json) return JSON.stringify({ zxid: formatZxid(header.zxid), time: header.time, session: `0x${header.sessionId.toString(16)}`, cxid: header.cxid, txn: JSON.parse(brief) as unknown })
  return `${new Date(header.time).toISOString()} session 0x${header.sessionId.toString(16)} cxid 0x${header.cxid.toString(16)} zxid ${formatZxid(header.zxid)} ${txn.type} ${brief}`
}

/** Reads a Paddock dataDir (newest snapshot and the log after it) without starting a member. */
export async function readPaddockDataDir(dataDir: string, onEntry?: (entry: TxnEntry) => void): Promise<OfflineState & PaddockStateInfo> {
  const storage = createLevelStorage({ dataDir, logger: quietLogger(() => undefined) })
  try {
    return await readPaddockState(storage, onEntry)
  } finally {
    await storage.close()
  }
}

/** Reads one ZooKeeper snapshot file (`.gz` too) into a state at the zxid of its name. */
export async function readZooKeeperSnapshotFile(file: string): Promise<OfflineState> {
  const zxid = Number.parseInt(/snapshot\.([0-9a-f]+)/.exec(file)?.[1] ?? '0', 16)
  return stateOfZkSnapshot(decodeZkSnapshot(await readSnapshotBytes(file), file), zxid, file)
}

/** Reads one ZooKeeper log file as entries (a closeSession without paths shows an empty list). */
export async function readZooKeeperLogFile(file: string): Promise<TxnEntry[]> {
  const decoded = decodeZkLog(await readFile(file), file)
  return decoded.records.map((r) => ({ header: r.header, txn: r.txn.type === 'closeSession' && r.txn.paths2Delete === null ? { type: 'closeSession', paths2Delete: [] } : (r.txn as TxnEntry['txn']) }))
}

/** What {@link verifyDataDir} found in a sound dataDir. */
export interface VerifyReport {
  /** The snapshot restored, if any. */
  snapshotZxid: number | undefined
  /** Log entries replayed after it. */
  logEntries: number
  /** The zxid reached. */
  zxid: number
  /** The last durable zxid the storage reports. */
  lastLoggedZxid: number
  /** Znodes in the tree reached. */
  znodes: number
  /** Snapshots whose every chunk was read and matched its checksum (older ones included). */
  snapshotsChecked: number
  /** Log records read and checked, every one the dataDir keeps (those before the snapshot too). */
  logRecordsChecked: number
}

/**
 * Verifies a Paddock dataDir: the checksums of every log record and every snapshot's chunks it
 * keeps (the storage checks them as they are read), the log following the newest snapshot without
 * a gap, and the state reaching the last durable zxid. Rejects with the problem otherwise.
 */
export async function verifyDataDir(dataDir: string): Promise<VerifyReport> {
  const storage = createLevelStorage({ dataDir, logger: quietLogger(() => undefined) })
  try {
    const state = await readPaddockState(storage)
    const lastLoggedZxid = storage.lastLoggedZxid
    if (state.zxid !== lastLoggedZxid) {
      throw new MigrationError('INCOMPLETE', `the snapshot and log reach ${formatZxid(state.zxid)}, but the last durable zxid is ${formatZxid(lastLoggedZxid)}`)
    }
    // Start-up reads only the newest snapshot and the log after it (readPaddockState did); a
    // verify reads the rest too.
    const newest = state.snapshotZxid
    let snapshotsChecked = newest === undefined ? 0 : 1
    for (const info of await storage.listSnapshots()) {
      const reader = info.zxid === newest ? undefined : await storage.readSnapshot(info.zxid)
      if (reader === undefined) continue
      for await (const chunk of reader.chunks()) void chunk
      snapshotsChecked++
    }
    let logRecordsChecked = state.logEntries
    for await (const entry of storage.readLog(0)) {
      if (entry.zxid > (newest ?? 0)) break
      logRecordsChecked++
    }
    return { snapshotZxid: state.snapshotZxid, logEntries: state.logEntries, zxid: state.zxid, lastLoggedZxid, znodes: state.tree.size, snapshotsChecked, logRecordsChecked }
  } finally {
    await storage.close()
  }
}
