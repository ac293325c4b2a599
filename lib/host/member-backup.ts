/**
 * The `snapshot` and `restore` admin commands' view of a running member: a capture of its tree
 * and sessions now, and a restore that replaces its state through its storage (a standalone
 * member with a dataDir only: see "Online backup and restore" in the operations guide).
 * @module
 */
import { installBackup, type RestoredBackup } from '../migrate/backup.js'
import { TreeCapture } from '../tree/capture.js'
import type { AdminBackupSettings, AdminBackupSource } from './admin-backup.js'
import type { CurrentMember } from './running-member.js'

/** Time a restored member has to serve again before the restore is reported failed, in ms. */
const restoreServingWaitMs = 30_000

/** The backup source of `current`, with `settings`. */
export function memberBackupSource(current: CurrentMember, settings: AdminBackupSettings): AdminBackupSource {
  return {
    ...settings,
    capture: () => {
      const member = current.core.member
      // The sessions at the same turn as the tree: nothing changes between the two reads.
      const sessions = [...member.sessions.all()].map((s) => ({ id: s.id, timeoutMs: s.timeoutMs }))
      return { capture: TreeCapture.take(member.tree), sessions }
    },
    restoreRefusal: () => {
      if (!current.core.member.standalone) {
        return 'restore is not supported on an ensemble member yet: every member must end with the same tree at the same zxid, which only a restore replicated by the leader can promise; restore a standalone server instead'
      }
      if (current.core.storage.volatile === true) return 'restore needs a durable dataDir: this server keeps its state in memory only'
      return undefined
    },
    restore: async (backup: RestoredBackup) => {
      let zxid = 0
      await current.replaceState(async (storage) => {
        zxid = await installBackup(storage, backup, current.core.member.lastProcessedZxid)
      })
      await servingWithin(current, restoreServingWaitMs)
      return zxid
    },
  }
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
