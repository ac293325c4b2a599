/**
 * Apache ZooKeeper's dataDir as files: finding `version-2/snapshot.<zxid>` and `log.<zxid>`,
 * reading them (gzip-compressed snapshots too), and turning a snapshot plus the logs after it into
 * an {@link OfflineState} exactly as FileTxnSnapLog.restore does.
 * @module
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { formatZxid, isNextZxid } from '../protocol/zxid.js'
import { pathProblem } from '../path.js'
import { NotATreeError, ZNode } from '../tree/data-tree.js'
import type { ACL } from '../protocol/data.js'
import { OPEN_ACL_UNSAFE } from '../protocol/data.js'
import { MigrationError } from './errors.js'
import { applyOffline, emptyState, type Epochs, type OfflineState } from './offline-state.js'
import type { MigrationProgress } from './progress.js'
import { decodeEphemeralOwner, zooKeeperSessionPasswd } from './zk-format.js'
import { decodeZkSnapshot, looksComplete, type ZkSnapshot } from './zk-snapshot.js'
import { decodeZkLog, type ZkLogRecord } from './zk-txnlog.js'

/** A snapshot or log file and the zxid in its name. */
export interface ZkFile {
  readonly zxid: number
  readonly path: string
}

/** The `version-2` directory under `dir`, or `dir` itself when it is one. */
async function versionDir(dir: string): Promise<string> {
  if (basename(dir) === 'version-2') return dir
  const inner = join(dir, 'version-2')
  try {
    if ((await stat(inner)).isDirectory()) return inner
  } catch {
    // No version-2 below: fall through to the error.
  }
  throw new MigrationError('INCOMPLETE', `no version-2 directory in ${dir} (is it ZooKeeper's dataDir?)`)
}

/** Files named `<prefix>.<hex zxid>[.suffix]` in `dir`, oldest first (FileTxnLog / FileSnap naming). */
async function filesNamed(dir: string, prefix: string): Promise<ZkFile[]> {
  const pattern = new RegExp(`^${prefix}\\.([0-9a-f]+)(\\.[a-z]+)?$`)
  const out: ZkFile[] = []
  for (const name of await readdir(dir)) {
    const match = pattern.exec(name)
    if (match === null) continue
    out.push({ zxid: Number.parseInt(match[1] as string, 16), path: join(dir, name) })
  }
  return out.sort((a, b) => a.zxid - b.zxid)
}

/** The snapshots (oldest first) and logs (oldest first) of a ZooKeeper dataDir and dataLogDir. */
export async function listZooKeeperFiles(dataDir: string, dataLogDir = dataDir): Promise<{ snapshots: ZkFile[]; logs: ZkFile[] }> {
  const snapDir = await versionDir(dataDir)
  const logDir = dataLogDir === dataDir ? snapDir : await versionDir(dataLogDir)
  return { snapshots: await filesNamed(snapDir, 'snapshot'), logs: await filesNamed(logDir, 'log') }
}

/**
 * The `acceptedEpoch` and `currentEpoch` files a ZooKeeper quorum member keeps in its snapshot
 * directory (QuorumPeer: the number as decimal text); undefined where a file is missing, as on a
 * standalone server.
 */
export async function readZooKeeperEpochs(dataDir: string): Promise<Epochs> {
  const dir = await versionDir(dataDir)
  const read = async (name: string): Promise<number | undefined> => {
    let text: string
    try {
      text = (await readFile(join(dir, name), 'utf8')).trim()
    } catch {
      return undefined
    }
    const value = Number(text)
    if (!Number.isSafeInteger(value) || value < 0) throw new MigrationError('CORRUPT', `not an epoch: ${JSON.stringify(text.slice(0, 40))}`, { file: join(dir, name), offset: 0 })
    return value
  }
  return { acceptedEpoch: await read('acceptedEpoch'), currentEpoch: await read('currentEpoch') }
}

/** The uncompressed bytes of a snapshot file; `.gz` is gunzipped, `.snappy` refused. */
export async function readSnapshotBytes(file: string): Promise<Uint8Array> {
  if (file.endsWith('.snappy')) {
    throw new MigrationError('UNSUPPORTED', 'snappy-compressed snapshots are not read: start ZooKeeper once with zookeeper.snapshot.compression.method=gz (or none) to write a snapshot this tool reads', { file })
  }
  const raw = await readFile(file)
  if (!file.endsWith('.gz')) return raw
  try {
    return gunzipSync(raw)
  } catch (error) {
    throw new MigrationError('CORRUPT', `not a gzip stream: ${(error as Error).message}`, { file, cause: error })
  }
}

/** Throws {@link MigrationError} `CORRUPT` unless `path`, a node's path read from `file`, is a valid znode path. */
function checkNodePath(path: string, file: string): void {
  const problem = pathProblem(path)
  if (problem !== undefined) throw new MigrationError('CORRUPT', `node path ${JSON.stringify(path.slice(0, 200))} is invalid: ${problem}`, { file })
}

/**
 * Builds the state a snapshot holds: its nodes with their Stat and ACL, and its sessions. Throws
 * {@link MigrationError} `CORRUPT` for a node whose path is invalid, that comes before its parent
 * or without one, or that comes twice: the snapshot of a disk or of a peer's SNAP that does not
 * form a tree is refused, not restored in part.
 */
export function stateOfZkSnapshot(snapshot: ZkSnapshot, zxid: number, file: string): OfflineState {
  const state = emptyState()
  const acls = new Map<bigint, readonly ACL[]>(snapshot.acls)
  const paths: string[] = []
  const nodes: ZNode[] = []
  for (const n of snapshot.nodes) {
    checkNodePath(n.path, file)
    const acl = n.aclRef === -1n ? OPEN_ACL_UNSAFE : acls.get(n.aclRef)
    if (acl === undefined) throw new MigrationError('CORRUPT', `node ${n.path} refers to ACL ${n.aclRef}, which the ACL cache lacks`, { file })
    const s = n.stat
    const owner = decodeEphemeralOwner(s.ephemeralOwner)
    paths.push(n.path)
    nodes.push(new ZNode(n.data, acl, s.czxid, s.mzxid, s.pzxid, s.ctime, s.mtime, s.version, s.cversion, s.aversion, owner.ephemeralOwner, owner.kind, owner.ttlMs))
  }
  try {
    state.tree.restoreNodes(paths, nodes)
  } catch (error) {
    // A node listed twice, or before its parent: the nodes do not form a tree.
    if (error instanceof NotATreeError) throw new MigrationError('CORRUPT', error.message, { file, cause: error })
    throw error
  }
  state.tree.restoreQuotas()
  state.tree.lastProcessedZxid = zxid
  state.zxid = zxid
  for (const [id, timeoutMs] of snapshot.sessions) state.sessions.set(id, { id, timeoutMs, passwd: zooKeeperSessionPasswd(id) })
  return state
}

/**
 * Applies one ZooKeeper log record as FileTxnSnapLog.processTransaction does: createSession and
 * closeSession open and close the session, everything goes to the tree, and NONODE / NODEEXISTS
 * from a fuzzy snapshot are ignored (the tree's apply never throws for them).
 */
export function replayZkRecord(state: OfflineState, record: ZkLogRecord): void {
  const { header, txn } = record
  if (txn.type === 'closeSession' && txn.paths2Delete === null) {
    const paths = [...(state.tree.ephemerals.get(header.sessionId) ?? [])]
    applyOffline(state, { header, txn: { type: 'closeSession', paths2Delete: paths } })
    return
  }
  applyOffline(state, { header, txn: txn as Exclude<typeof txn, { paths2Delete: null }> })
}

/** Options of {@link loadZooKeeperState}. */
export interface LoadZooKeeperOptions {
  /** ZooKeeper's dataLogDir when the logs are not in the dataDir. */
  dataLogDir?: string
  /** Told of progress. */
  onProgress?: (progress: MigrationProgress) => void
  /** Told of things skipped (an incomplete newest snapshot, a partial last log record). */
  warn?: (line: string) => void
}

/** What {@link loadZooKeeperState} read. */
export interface ZooKeeperLoadInfo {
  /** The snapshot used. */
  snapshotFile: string
  /** Its zxid. */
  snapshotZxid: number
  /** Log records applied after it. */
  logRecords: number
  /** Input bytes read (snapshot uncompressed, logs as on disk). */
  bytes: number
}

/**
 * Restores a ZooKeeper dataDir as ZooKeeper would: the newest complete snapshot, then every log
 * record after its zxid, in order. Throws {@link MigrationError} for corrupt files (naming file and
 * offset), a missing snapshot, or a gap between the snapshot and the logs.
 */
export async function loadZooKeeperState(dataDir: string, options: LoadZooKeeperOptions = {}): Promise<OfflineState & ZooKeeperLoadInfo> {
  const warn = options.warn ?? (() => undefined)
  const { snapshots, logs } = await listZooKeeperFiles(dataDir, options.dataLogDir)
  const bytesTotal = await totalSize([...snapshots.slice(-1), ...logs])
  const { file, zxid, bytes } = await newestSnapshot(snapshots, warn)
  const report = (phase: string, at: string, znodes: number, done: number): void =>
    options.onProgress?.({ phase, file: basename(at), znodes, bytes: done, bytesTotal })
  report('snapshot', file, 0, 0)
  const state = stateOfZkSnapshot(decodeZkSnapshot(bytes, file), zxid, file)
  let done = bytes.length
  report('snapshot', file, state.tree.size, done)
  let logRecords = 0
  for (const log of logsFrom(logs, zxid)) {
    const contents = await readFile(log.path)
    const decoded = decodeZkLog(contents, log.path)
    for (const record of decoded.records) {
      if (record.header.zxid <= state.zxid) continue
      if (!isNextZxid(state.zxid, record.header.zxid)) {
        throw new MigrationError('INCOMPLETE', `transaction ${formatZxid(record.header.zxid)} follows ${formatZxid(state.zxid)}: the transactions between are missing`, { file: log.path, offset: record.offset })
      }
      replayZkRecord(state, record)
      logRecords++
      if ((logRecords & 0x3fff) === 0) report('log', log.path, state.tree.size, done + record.offset)
    }
    if (decoded.partialTail !== undefined) warn(`${log.path} at byte ${decoded.partialTail.offset}: ${decoded.partialTail.reason}; reading stops there, as ZooKeeper's does`)
    done += contents.length
    report('log', log.path, state.tree.size, done)
  }
  return { ...state, snapshotFile: file, snapshotZxid: zxid, logRecords, bytes: done }
}

async function totalSize(files: readonly ZkFile[]): Promise<number> {
  let total = 0
  for (const f of files) total += (await stat(f.path)).size
  return total
}

/** The newest snapshot that is complete (ends with its seal), skipping incomplete ones as FileSnap does. */
async function newestSnapshot(snapshots: readonly ZkFile[], warn: (line: string) => void): Promise<{ file: string; zxid: number; bytes: Uint8Array }> {
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const { path, zxid } = snapshots[i] as ZkFile
    const bytes = await readSnapshotBytes(path)
    if (looksComplete(bytes)) return { file: path, zxid, bytes }
    warn(`${path}: incomplete snapshot (no seal at its end), trying an older one as ZooKeeper does`)
  }
  throw new MigrationError('INCOMPLETE', 'no complete snapshot.<zxid> file found (a dataDir ZooKeeper never snapshotted: start and stop it once)')
}

/** The logs that can hold records after `zxid`: the last one starting at or before it, and all later ones. */
function logsFrom(logs: readonly ZkFile[], zxid: number): ZkFile[] {
  let first = 0
  for (let i = 0; i < logs.length; i++) if ((logs[i] as ZkFile).zxid <= zxid) first = i
  const chosen = logs.slice(first)
  const oldest = chosen[0]
  if (oldest !== undefined && oldest.zxid > zxid && !isNextZxid(zxid, oldest.zxid)) {
    throw new MigrationError('INCOMPLETE', `the oldest log after the snapshot starts at ${formatZxid((chosen[0] as ZkFile).zxid)}, past snapshot ${formatZxid(zxid)} + 1: transactions are missing`)
  }
  return chosen
}
