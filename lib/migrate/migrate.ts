/**
 * The two migrations: a ZooKeeper dataDir into a new Paddock dataDir, and a Paddock dataDir into a
 * ZooKeeper dataDir that ZooKeeper 3.8 starts from. Each writes into a temporary directory beside
 * the target and renames it into place at the end, so a failure leaves no half-written target.
 * @module
 */
import { mkdir, open, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { epochOf } from '../protocol/zxid.js'
import { createLevelStorage } from '../../storage/index.js'
import { MigrationError } from './errors.js'
import type { OfflineState } from './offline-state.js'
import { quietLogger, readPaddockState, writePaddockState } from './paddock-dir.js'
import type { MigrationProgress } from './progress.js'
import { encodeZkSnapshotParts, zkSnapshotOf } from './zk-snapshot.js'
import { loadZooKeeperState, readZooKeeperEpochs } from './zookeeper-dir.js'

/** Options shared by {@link importZooKeeperDataDir} and {@link exportToZooKeeper}. */
export interface MigrationOptions {
  /** Told of progress (the CLI draws a progress line from it). */
  onProgress?: (progress: MigrationProgress) => void
  /** Told of input skipped or repaired as ZooKeeper would (an incomplete snapshot, a partial last record). */
  warn?: (line: string) => void
}

/** Options of {@link importZooKeeperDataDir}. */
export interface ImportOptions extends MigrationOptions {
  /** ZooKeeper's dataLogDir, when its logs are not in the dataDir. @defaultValue the dataDir */
  dataLogDir?: string
}

/** What a migration did. */
export interface MigrationSummary {
  /** The zxid of the state written (the last transaction applied). */
  zxid: number
  /** Znodes written, the root and the /zookeeper nodes included. */
  znodes: number
  /** Sessions carried over. */
  sessions: number
  /** Input bytes read. */
  bytesRead: number
  /** Bytes written. */
  bytesWritten: number
  /** Wall time in ms. */
  elapsedMs: number
  /** For an import: the ZooKeeper snapshot used and the log records replayed after it. */
  source?: ImportSource
}

/** What an import read from ZooKeeper's dataDir. */
export interface ImportSource {
  /** The snapshot file restored. */
  snapshotFile: string
  /** Its zxid (from its name). */
  snapshotZxid: number
  /** Log records replayed after it. */
  logRecords: number
}

/** Throws `TARGET_NOT_EMPTY` unless `dir` is missing or empty. */
async function assertEmptyTarget(dir: string): Promise<void> {
  let entries: string[]
  try {
    entries = await readdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  if (entries.length > 0) throw new MigrationError('TARGET_NOT_EMPTY', `the target ${dir} is not empty (${entries.length} entries); give an empty or new directory`)
}

/** Runs `fill(tmp)` on a fresh temporary directory beside `target`, then renames it to `target`. */
async function writeAtomically<T>(target: string, fill: (tmp: string) => Promise<T>): Promise<T> {
  const absolute = resolve(target)
  await assertEmptyTarget(absolute)
  const tmp = join(dirname(absolute), `.${basename(absolute)}.paddock-tmp-${process.pid}`)
  await rm(tmp, { recursive: true, force: true })
  await mkdir(tmp, { recursive: true })
  try {
    const result = await fill(tmp)
    await rmdir(absolute).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error
    })
    await rename(tmp, absolute)
    return result
  } catch (error) {
    await rm(tmp, { recursive: true, force: true })
    throw error
  }
}

/**
 * Imports Apache ZooKeeper's data into a new Paddock dataDir: reads the newest complete
 * `version-2/snapshot.<zxid>` of `zkDataDir` and replays the `log.<zxid>` files after it, then
 * writes `paddockDataDir` at the same last zxid with every znode's data, Stat, ACL and kind,
 * every open session (its password as ZooKeeper derives it, so clients can reconnect), and a
 * quorum member's acceptedEpoch and currentEpoch.
 * Rejects with {@link MigrationError} for corrupt input (naming file and offset) or a non-empty
 * target; nothing is left in the target then.
 */
export async function importZooKeeperDataDir(zkDataDir: string, paddockDataDir: string, options: ImportOptions = {}): Promise<MigrationSummary> {
  const started = Date.now()
  const warn = options.warn ?? (() => undefined)
  await assertEmptyTarget(resolve(paddockDataDir))
  const loaded = await loadZooKeeperState(zkDataDir, { ...options, warn, ...(options.dataLogDir === undefined ? {} : { dataLogDir: options.dataLogDir }) })
  options.onProgress?.({ phase: 'write', file: undefined, znodes: loaded.tree.size, bytes: loaded.bytes, bytesTotal: loaded.bytes })
  const epochs = await readZooKeeperEpochs(zkDataDir)
  const bytesWritten = await writeAtomically(paddockDataDir, (tmp) => writePaddockState(tmp, loaded, warn, epochs))
  return {
    zxid: loaded.zxid,
    znodes: loaded.tree.size,
    sessions: loaded.sessions.size,
    bytesRead: loaded.bytes,
    bytesWritten,
    elapsedMs: Date.now() - started,
    source: { snapshotFile: loaded.snapshotFile, snapshotZxid: loaded.snapshotZxid, logRecords: loaded.logRecords },
  }
}

/** Options of {@link exportToZooKeeper}. */
export type ExportOptions = MigrationOptions

/**
 * Exports a Paddock dataDir (not in use: stop the member first) as an Apache ZooKeeper dataDir:
 * `version-2/snapshot.<zxid>` at the last zxid, with the (empty) digest trailer ZooKeeper 3.6+
 * writes, and `version-2/acceptedEpoch` / `currentEpoch` for a quorum member. ZooKeeper 3.5 to
 * 3.9 start from it with every znode, Stat and ACL as Paddock served them.
 */
export async function exportToZooKeeper(paddockDataDir: string, zkDataDir: string, options: ExportOptions = {}): Promise<MigrationSummary> {
  const started = Date.now()
  const warn = options.warn ?? (() => undefined)
  await assertEmptyTarget(resolve(zkDataDir))
  const storage = createLevelStorage({ dataDir: paddockDataDir, logger: quietLogger(warn) })
  let state: OfflineState
  try {
    state = await readPaddockState(storage)
  } finally {
    await storage.close()
  }
  const parts = encodeZkSnapshotParts(zkSnapshotOf(state))
  const length = parts.reduce((sum, part) => sum + part.length, 0)
  options.onProgress?.({ phase: 'write', file: undefined, znodes: state.tree.size, bytes: 0, bytesTotal: length })
  await writeAtomically(zkDataDir, async (tmp) => {
    const dir = join(tmp, 'version-2')
    await mkdir(dir)
    await writeParts(join(dir, `snapshot.${state.zxid.toString(16)}`), parts)
    const epoch = String(epochOf(state.zxid))
    await writeFile(join(dir, 'acceptedEpoch'), epoch, { flush: true })
    await writeFile(join(dir, 'currentEpoch'), epoch, { flush: true })
  })
  options.onProgress?.({ phase: 'write', file: undefined, znodes: state.tree.size, bytes: length, bytesTotal: length })
  return { zxid: state.zxid, znodes: state.tree.size, sessions: state.sessions.size, bytesRead: 0, bytesWritten: length, elapsedMs: Date.now() - started }
}

/** Writes `parts` to a new file at `path`, one after another, and flushes it to disk. */
async function writeParts(path: string, parts: readonly Uint8Array[]): Promise<void> {
  const file = await open(path, 'wx')
  try {
    for (const part of parts) {
      // A write may take fewer bytes than it was given; go on from where it stopped.
      for (let at = 0; at < part.length; ) at += (await file.write(part, at, part.length - at)).bytesWritten
    }
    await file.sync()
  } finally {
    await file.close()
  }
}

