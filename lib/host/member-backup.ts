/**
 * The `snapshot` and `restore` admin commands' view of a running member: a capture of its tree
 * and sessions now, and a restore. A standalone member replaces its state through its storage; an
 * ensemble takes a restore through its leader, which proposes it as one log entry that every
 * member installs once it commits (RestoreTxn). Either needs a dataDir: see "Online backup and
 * restore" in the operations guide.
 * @module
 */
import { adminRestoreBytesMax, ensembleRestoreBytesMax } from '../limits.js'
import { installBackup, type RestoredBackup } from '../migrate/backup.js'
import { TreeCapture } from '../tree/capture.js'
import type { AdminBackupSettings, AdminBackupSource } from './admin-backup.js'
import type { CurrentMember } from './running-member.js'

/** Time a restored member has to serve again before the restore is reported failed, in ms. */
const restoreServingWaitMs = 30_000

/** The backup source of `current`, with `settings`; `ensembleRestoreUnavailable` says why an ensemble member takes no restore, when it cannot. */
export function memberBackupSource(current: CurrentMember, settings: AdminBackupSettings, ensembleRestoreUnavailable?: string): AdminBackupSource {
  return {
    ...settings,
    capture: () => {
      const member = current.core.member
      // The sessions at the same turn as the tree: nothing changes between the two reads.
      const sessions = [...member.sessions.all()].map((s) => ({ id: s.id, timeoutMs: s.timeoutMs }))
      return { capture: TreeCapture.take(member.tree), sessions }
    },
    restoreRefusal: () => {
      const { member, storage, replication } = current.core
      if (storage.volatile === true) return 'restore needs a durable dataDir: this server keeps its state in memory only'
      if (member.standalone) return undefined
      if (ensembleRestoreUnavailable !== undefined) return ensembleRestoreUnavailable
      if (current.restoring !== undefined) return 'a restore is being installed on this member'
      if (member.role === 'leader' && member.serving) return undefined
      const leader = replication.state.leader
      return leader === undefined || member.role === 'looking'
        ? 'an ensemble takes a restore through its leader, and this member has none now: try again once the ensemble serves'
        : `an ensemble takes a restore through its leader: send it to member ${leader}'s admin server`
    },
    restoreBytesMax: () => (current.core.member.standalone ? adminRestoreBytesMax : ensembleRestoreBytesMax),
    restore: (backup: RestoredBackup, body: Uint8Array) => (current.core.member.standalone ? restoreStandalone(current, backup) : restoreEnsemble(current, body)),
  }
}

async function restoreStandalone(current: CurrentMember, backup: RestoredBackup): Promise<number> {
  let zxid = 0
  await current.replaceState(async (storage) => {
    zxid = await installBackup(storage, backup, current.core.member.lastProcessedZxid)
  })
  await servingWithin(current, restoreServingWaitMs)
  return zxid
}

/**
 * The leader proposes the restore entry; once it commits, this member (as every other) installs
 * the backup and is rebuilt on it, and the ensemble elects a leader of a new epoch over the
 * restored state. Resolves once this member serves again.
 */
async function restoreEnsemble(current: CurrentMember, body: Uint8Array): Promise<number> {
  await current.core.replication.proposeRestore(body)
  const installing = current.restoring
  if (installing === undefined) throw new Error('the restore entry committed, but this member is not installing it')
  const zxid = await installing
  await servingWithin(current, restoreServingWaitMs)
  return zxid
}

function servingWithin(current: CurrentMember, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the restored member is not serving after ${timeoutMs} ms`)), timeoutMs)
    timer.unref()
    current.core.replication.whenServing().then(
      () => {
        clearTimeout(timer)
        resolve()
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}
