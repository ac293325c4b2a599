/**
 * Paddock's side of a migration: a dataDir read into a tree and sessions (newest snapshot plus the
 * log after it), and a tree and sessions written as a new dataDir (one snapshot at the last zxid,
 * the epochs), both through the {@link Storage} API.
 * @module
 */
import { epochOf, formatZxid, isNextZxid, makeZxid } from '../protocol/zxid.js'
import { restoreSnapshotState, snapshotStateChunks } from '../server/snapshot.js'
import { decodeTxnEntry } from '../txn/codec.js'
import type { TxnEntry } from '../txn/types.js'
import { createLevelStorage, type Storage, type StorageLogger } from '../../storage/index.js'
import { decodeBackup, restoredEpoch } from './backup.js'
import { applyOffline, emptyState, type Epochs, type OfflineState } from './offline-state.js'
import { MigrationError } from './errors.js'

/** Log lines of a storage opened by the tools: warnings go to `warn`, the rest nowhere. */
export function quietLogger(warn: (line: string) => void): StorageLogger {
  return { debug: () => undefined, info: () => undefined, warn }
}

/**
 * A restore entry replayed: the whole state becomes its backup, at the zxid a member installs it
 * at (see installCommittedRestore).
 */
function replaceWithBackup(state: OfflineState, zxid: number, backupBytes: Uint8Array): void {
  const backup = decodeBackup(backupBytes, `the restore entry ${formatZxid(zxid)}`)
  state.zxid = makeZxid(restoredEpoch(zxid, backup), 0)
  state.tree = backup.state.tree
  state.tree.lastProcessedZxid = state.zxid
  state.sessions = backup.state.sessions
}

/** What {@link readPaddockState} found besides the state. */
export interface PaddockStateInfo {
  /** The zxid of the snapshot restored, or undefined when the log alone was replayed. */
  snapshotZxid: number | undefined
  /** Log entries replayed after it. */
  logEntries: number
}

/**
 * Reads the dataDir's newest snapshot and replays the log after it, checking every checksum (the
 * storage does) and that the log follows the snapshot without a gap. Throws {@link MigrationError}
 * `INCOMPLETE` on a gap, and the storage's `CORRUPTION` error on a bad checksum.
 */
export async function readPaddockState(storage: Storage, onEntry?: (entry: TxnEntry) => void): Promise<OfflineState & PaddockStateInfo> {
  if (storage.state !== 'open') await storage.open()
  const state = emptyState()
  const snapshot = await storage.latestSnapshot()
  let snapshotZxid: number | undefined
  if (snapshot !== undefined) {
    snapshotZxid = await restoreSnapshotState(state.tree, (s) => state.sessions.set(s.id, s), snapshot.chunks())
    state.zxid = snapshotZxid
  }
  let logEntries = 0
  for await (const logged of storage.readLog(state.zxid + 1)) {
    if (logEntries === 0 && !isNextZxid(state.zxid, logged.zxid)) {
      throw new MigrationError('INCOMPLETE', `the log jumps from ${formatZxid(state.zxid)} to ${formatZxid(logged.zxid)}: entries are missing after the snapshot`)
    }
    const entry = decodeTxnEntry(logged.data)
    onEntry?.(entry)
    if (entry.txn.type === 'restore') replaceWithBackup(state, entry.header.zxid, entry.txn.backup)
    else applyOffline(state, entry)
    logEntries++
  }
  return { ...state, snapshotZxid, logEntries }
}


/**
 * Writes `state` as a new Paddock dataDir at `dataDir` (which must not hold one): one snapshot at
 * `state.zxid`, and both epochs: those given, but never below the epoch of `state.zxid`. Returns
 * the snapshot's size in bytes.
 */
export async function writePaddockState(dataDir: string, state: OfflineState, warn: (line: string) => void, epochs?: Epochs): Promise<number> {
  const storage = createLevelStorage({ dataDir, logger: quietLogger(warn) })
  await storage.open()
  try {
    state.tree.lastProcessedZxid = state.zxid
    const info = await storage.writeSnapshot(state.zxid, snapshotStateChunks({ zxid: state.zxid, tree: state.tree, sessions: state.sessions.values() }))
    const epoch = epochOf(state.zxid)
    await storage.setAcceptedEpoch(Math.max(epoch, epochs?.acceptedEpoch ?? 0))
    await storage.setCurrentEpoch(Math.max(epoch, epochs?.currentEpoch ?? 0))
    return info.byteCount
  } finally {
    await storage.close()
  }
}
