// Method: a storage holding an old history (a snapshot, then a log that ends with a committed
// restore entry) has the entry installed (installCommittedRestore), with every database write
// recorded; a crash after each prefix of those writes is replayed, and the storage left is read
// back with the migration tools' reader (newest snapshot, then the log after it, restore entries
// applied). Every crash point must leave the old history whole or the backup alone, never a mix.
import { describe, expect, it } from 'vitest'
import { OPEN_ACL_UNSAFE } from '../../../lib/protocol/data.js'
import { epochOf, makeZxid } from '../../../lib/protocol/zxid.js'
import { DataTree } from '../../../lib/tree/data-tree.js'
import { TreeCapture } from '../../../lib/tree/capture.js'
import { encodeTxnEntry, isRestoreEntry } from '../../../lib/txn/codec.js'
import type { TreeTxn, TxnEntry } from '../../../lib/txn/types.js'
import { decodeBackup, installCommittedRestore, restoredEpoch, ZkBackup } from '../../../lib/migrate/backup.js'
import { readPaddockState } from '../../../lib/migrate/paddock-dir.js'
import { snapshotStateChunks } from '../../../lib/server/snapshot.js'
import { createMemoryDb, createMemoryStorage } from '../../../storage/index.js'
import { collect, eachCrashPoint, RecordingLogger } from '../storage/harness.js'

const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)
const z = (epoch: number, counter: number) => makeZxid(epoch, counter)

function entry(zxid: number, txn: TxnEntry['txn']): TxnEntry {
  return { header: { sessionId: 0n, cxid: 0, zxid, time: 1_000 }, txn }
}
function create(path: string, data: string, parentCVersion: number): TreeTxn {
  return { type: 'create', path, data: bytes(data), acl: OPEN_ACL_UNSAFE, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion }
}

/** A backup of a tree holding /backup (and /zookeeper), taken at zxid (7, 3): an epoch ahead of the log's. */
function backupBytes(): Uint8Array {
  const tree = new DataTree()
  tree.apply(entry(z(7, 3), create('/backup', 'restored', 1)).header, create('/backup', 'restored', 1))
  const capture = TreeCapture.take(tree)
  const backup = new ZkBackup(capture, [])
  while (!backup.plan());
  const out = Buffer.concat([...backup.parts()])
  capture.release()
  return out
}

describe('installCommittedRestore', () => {
  it('encodes the restore entry so it is known by its first bytes, and no other entry is', () => {
    const restore = encodeTxnEntry({ ...entry(z(2, 5), { type: 'restore', backup: new Uint8Array([1, 2, 3]) }), origin: 1 })
    expect(isRestoreEntry(restore)).toBe(true)
    expect(isRestoreEntry(encodeTxnEntry(entry(z(2, 5), { type: 'restore', backup: new Uint8Array(0) })))).toBe(true)
    // A create whose data spells the same bytes is not one: other entries start with their header.
    const lookalike = encodeTxnEntry(entry(z(2, 6), create('/x', '\u00a3txn\u0082\u00a4type\u00a7restore', 1)))
    expect(isRestoreEntry(lookalike)).toBe(false)
    expect(isRestoreEntry(new Uint8Array(0))).toBe(false)
  })

  it('leaves the old history whole or the backup alone after a crash at any point', async () => {
    const backup = backupBytes()
    const restoreZxid = z(2, 4)
    const epoch = restoredEpoch(restoreZxid, decodeBackup(backup, 'test'))
    expect(epoch).toBe(8)
    const restored = z(epoch, 0)
    const backupPaths = [...decodeBackup(backup, 'test').state.tree.paths()].sort()
    expect(backupPaths).toContain('/backup')

    // The old history: a snapshot at (2, 1) holding /old, then /later and the restore entry.
    const setup = createMemoryDb()
    const storage = createMemoryStorage({ db: setup, logger: new RecordingLogger() })
    await storage.open()
    const old = new DataTree()
    old.apply(entry(z(2, 1), create('/old', 'o', 1)).header, create('/old', 'o', 1))
    await storage.append([{ zxid: z(2, 1), data: encodeTxnEntry(entry(z(2, 1), create('/old', 'o', 1))) }])
    await storage.writeSnapshot(z(2, 1), snapshotStateChunks({ zxid: z(2, 1), tree: old, sessions: [] }))
    await storage.append([
      { zxid: z(2, 2), data: encodeTxnEntry(entry(z(2, 2), create('/later', 'l', 2))) },
      { zxid: z(2, 3), data: encodeTxnEntry(entry(z(2, 3), { type: 'setData', path: '/later', data: bytes('l2'), version: -1 } as TreeTxn)) },
      { zxid: restoreZxid, data: encodeTxnEntry(entry(restoreZxid, { type: 'restore', backup })) },
    ])
    await storage.setAcceptedEpoch(2)
    await storage.setCurrentEpoch(2)
    await storage.close()
    await setup.open()
    const before = await collect(setup.iterator())
    await setup.close()

    const outcomes = new Set<string>()
    const writes = await eachCrashPoint(
      before,
      (s) => installCommittedRestore(s, restoreZxid, backup),
      async (after, kept) => {
        const snapshot = await after.latestSnapshot()
        const log = (await collect(after.readLog(0))).map((e) => e.zxid)
        if (snapshot?.zxid === restored) {
          // The backup's history: its epochs first, and no log the old history could replay from.
          expect({ kept, accepted: after.acceptedEpoch, current: after.currentEpoch }).toEqual({ kept, accepted: epoch, current: epoch })
          expect({ kept, logAfter: log.filter((x) => x > restored) }).toEqual({ kept, logAfter: [] })
          outcomes.add('backup')
        } else {
          // The old history, whole: its snapshot and every entry after it, the restore entry last.
          expect({ kept, snapshot: snapshot?.zxid, log }).toEqual({ kept, snapshot: z(2, 1), log: [z(2, 1), z(2, 2), z(2, 3), restoreZxid] })
          outcomes.add('old')
        }
        // Either way it reads back as the backup (the committed entry replays as the restore) at the restored zxid.
        const state = await readPaddockState(after)
        expect({ kept, zxid: state.zxid, paths: [...state.tree.paths()].sort() }).toEqual({ kept, zxid: restored, paths: backupPaths })
        expect(text(state.tree.get('/backup')!.data)).toBe('restored')
        expect(state.tree.get('/old')).toBeUndefined()
        expect(epochOf(state.tree.get('/backup')!.mzxid)).toBe(7)
      },
    )
    expect(writes).toBeGreaterThan(3)
    expect([...outcomes].sort()).toEqual(['backup', 'old'])
  })
})
