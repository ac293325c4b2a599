/**
 * Start-up recovery, the one implementation for every member (a standalone server is an ensemble
 * of one): the newest valid snapshot goes into the pipeline's tree, and the log after it is handed
 * to the ZAB core, which emits it as committed once the member's leadership is established.
 * @module
 */
import { epochOf } from '../protocol/zxid.js'
import type { ZabRestoredState } from '../zab/index.js'
import type { Storage } from '../../storage/index.js'
import type { Pipeline } from './pipeline.js'
import { restoreSnapshot } from './snapshot.js'

/** What recovery found: the core's restored state and where the snapshot came from. */
export interface Recovered extends ZabRestoredState {
  /** Whether a snapshot was restored (false: the tree was rebuilt from the log alone). */
  readonly fromSnapshot: boolean
}

/**
 * Opens `storage` if needed, restores the newest snapshot into `member`, and reads the log after
 * it. Log entries are not applied here: the core emits them as committed, and the pipeline applies
 * them exactly as it applies live commits.
 */
export async function recover(member: Pipeline, storage: Storage): Promise<Recovered> {
  if (storage.state !== 'open') await storage.open()
  const snapshot = await storage.latestSnapshot()
  const snapshotZxid = snapshot === undefined ? 0 : await restoreSnapshot(member, snapshot.chunks())
  const entries: { zxid: number; data: Uint8Array }[] = []
  for await (const entry of storage.readLog(snapshotZxid + 1)) entries.push({ zxid: entry.zxid, data: entry.data })
  // Without the epoch files ZooKeeper takes them from the last logged zxid.
  const lastEpoch = epochOf(entries[entries.length - 1]?.zxid ?? snapshotZxid)
  return {
    acceptedEpoch: storage.acceptedEpoch ?? lastEpoch,
    currentEpoch: storage.currentEpoch ?? lastEpoch,
    snapshotZxid,
    fromSnapshot: snapshot !== undefined,
    entries,
    committedZxid: snapshotZxid,
  }
}
