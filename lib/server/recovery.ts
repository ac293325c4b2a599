/**
 * Start-up recovery, the one implementation for every member (a standalone server is an ensemble
 * of one): the newest valid snapshot goes into the pipeline's tree, and the log after it is handed
 * to the ZAB core, which emits it as committed once the member's leadership is established.
 *
 * A snapshot that turns out corrupt while it is read is skipped for the next older one, as
 * ZooKeeper's FileSnap does, provided the log still reaches back to it without a gap; start-up
 * fails only when no valid snapshot plus contiguous log reaches the last durable zxid.
 * @module
 */
import { epochOf, formatZxid, isNextZxid } from '../protocol/zxid.js'
import type { LogEntry, ZabRestoredState } from '../zab/index.js'
import type { Storage } from '../../storage/index.js'
import type { Pipeline } from './pipeline.js'
import { restoreSnapshot } from './snapshot.js'
import { decodeMemberConfig, restoredEntry } from './member-config.js'

/**
 * Bytes of snapshot read between two calls of `releaseReadMemory`: LevelDB's mapped table files
 * add at most about this much to the process's peak memory during a recovery, instead of the
 * up to 64 files it keeps open (about 190 MiB on a recovery of 10 million znodes).
 */
const snapshotReadStretchBytes = 64 * 1024 * 1024

/** What recovery found: the core's restored state and where the snapshot came from. */
export interface Recovered extends ZabRestoredState {
  /** Whether a snapshot was restored (false: the tree was rebuilt from the log alone). */
  readonly fromSnapshot: boolean
}

/** Where recovery reports a snapshot it had to skip. */
export type RecoveryWarn = (line: string) => void

/**
 * Opens `storage` if needed, restores the newest usable snapshot into `pipeline`, and reads the
 * log after it. Log entries are not applied here: the core emits them as committed, and the
 * pipeline applies them exactly as it applies live commits.
 */
export async function recover(pipeline: Pipeline, storage: Storage, warn: RecoveryWarn): Promise<Recovered> {
  if (storage.state !== 'open') await storage.open()
  for (const info of await storage.listSnapshots()) {
    const restored = await tryRestore(pipeline, storage, info.zxid, warn)
    if (restored === undefined) continue
    // Reading it may have left memory behind (LevelDB's mapped table files), let go before serving.
    await storage.releaseReadMemory?.()
    return recovered(storage, restored, true)
  }
  // The log alone rebuilds the state only while nothing of its beginning was ever removed.
  const entries = storage.logRemovedThrough > 0 ? undefined : await logAfter(storage, 0)
  if (entries === undefined) {
    const why = storage.logRemovedThrough > 0 ? `the log was removed through ${formatZxid(storage.logRemovedThrough)}` : 'the log does not reach back to the first transaction'
    throw new Error(`no usable snapshot, and ${why}: ${storage.lastLoggedZxid > 0 ? `cannot rebuild state up to ${formatZxid(storage.lastLoggedZxid)}` : 'nothing to restore'}`)
  }
  return recovered(storage, { snapshotZxid: 0, entries }, false)
}

/**
 * The snapshot at `zxid` and the contiguous log after it, or undefined (with a warning) when
 * unusable. A damaged log record is not a reason to try an older snapshot, whose log runs through
 * the same record: the storage's `CORRUPTION` error refuses the start-up.
 */
async function tryRestore(pipeline: Pipeline, storage: Storage, zxid: number, warn: RecoveryWarn) {
  const reader = await storage.readSnapshot(zxid)
  if (reader === undefined) return undefined
  let snapshotZxid: number
  try {
    snapshotZxid = await restoreSnapshot(pipeline, reader.chunks({ releaseMemoryEveryBytes: snapshotReadStretchBytes }))
  } catch (error) {
    warn(`snapshot ${formatZxid(zxid)} is corrupt, trying an older one: ${error instanceof Error ? error.message : String(error)}`)
    pipeline.resetState()
    return undefined
  }
  const entries = await logAfter(storage, snapshotZxid)
  if (entries !== undefined) return { snapshotZxid, entries }
  warn(`snapshot ${formatZxid(zxid)} is usable but the log after it has a gap (purged); trying an older snapshot`)
  pipeline.resetState()
  return undefined
}

/** The log after `snapshotZxid`, or undefined when its first entry does not directly follow it. */
async function logAfter(storage: Storage, snapshotZxid: number): Promise<LogEntry[] | undefined> {
  const entries: LogEntry[] = []
  for await (const entry of storage.readLog(snapshotZxid + 1)) {
    const previous = entries[entries.length - 1]?.zxid ?? snapshotZxid
    // Each entry follows the one before it, the first the snapshot: a gap means entries were
    // removed (purged, or a replaced history cut), and what follows it rebuilds nothing true.
    if (!isNextZxid(previous, entry.zxid)) return undefined
    entries.push(restoredEntry(entry.zxid, entry.data))
  }
  return entries
}

function recovered(storage: Storage, state: { snapshotZxid: number; entries: LogEntry[] }, fromSnapshot: boolean): Recovered {
  const { snapshotZxid, entries } = state
  // Without the epoch files ZooKeeper takes them from the last logged zxid.
  const lastEpoch = epochOf(entries[entries.length - 1]?.zxid ?? snapshotZxid)
  const config = storage.memberConfig === undefined ? undefined : decodeMemberConfig(storage.memberConfig)
  return {
    acceptedEpoch: storage.acceptedEpoch ?? lastEpoch,
    currentEpoch: storage.currentEpoch ?? lastEpoch,
    snapshotZxid,
    fromSnapshot,
    entries,
    committedZxid: snapshotZxid,
    ...(config === undefined ? {} : { config }),
  }
}
