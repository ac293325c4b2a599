// Method: a DataTree driven by transactions directly; a capture taken mid-way is checked against
// a copy of the tree made at the same moment, then encoded as a ZooKeeper snapshot, decoded with
// the codec and compared; hostile restore bodies are built by hand.
import { describe, expect, it } from 'vitest'
import { OPEN_ACL_UNSAFE } from '../../../lib/protocol/data.js'
import { DataTree } from '../../../lib/tree/data-tree.js'
import { TreeCapture, imageOf } from '../../../lib/tree/capture.js'
import type { Txn } from '../../../lib/txn/types.js'
import { decodeBackup, ZkBackup } from '../../../lib/migrate/backup.js'
import { MigrationError } from '../../../lib/migrate/errors.js'
import { decodeZkSnapshot, encodeZkSnapshot } from '../../../lib/migrate/zk-snapshot.js'

let zxid = 0
function apply(tree: DataTree, txn: Txn): void {
  zxid++
  tree.apply({ sessionId: 1n, cxid: zxid, zxid, time: 1000 + zxid, type: 0 } as never, txn)
}
const bytes = (s: string) => new TextEncoder().encode(s)
function create(tree: DataTree, path: string, data: string, parentCVersion: number): void {
  apply(tree, { type: 'create', path, data: bytes(data), acl: OPEN_ACL_UNSAFE, ephemeralOwner: 0n, kind: 'persistent', ttlMs: 0, parentCVersion } as never)
}

function copyOf(tree: DataTree): Map<string, ReturnType<typeof imageOf>> {
  return new Map([...tree.paths()].map((p) => [p, imageOf(tree.get(p)!)]))
}

function drain(backup: ZkBackup): Uint8Array {
  while (!backup.plan()) {
    // plan in steps
  }
  return Buffer.concat([...backup.parts()])
}

describe('TreeCapture and ZkBackup', () => {
  it('reads the tree as of the capture while creates, deletes, setData and setACL go on', () => {
    const tree = new DataTree()
    create(tree, '/a', 'a0', 1)
    create(tree, '/a/b', 'b0', 1)
    create(tree, '/c', 'c0', 2)
    const before = copyOf(tree)
    const capture = TreeCapture.take(tree)
    apply(tree, { type: 'setData', path: '/a', data: bytes('a1'), version: 1 } as never)
    apply(tree, { type: 'delete', path: '/a/b' } as never)
    create(tree, '/a/new', 'n', 2)
    apply(tree, { type: 'setACL', path: '/c', acl: [], version: 1 } as never)
    for (const path of capture.paths) expect(capture.read(path)).toEqual(before.get(path))
    expect(capture.paths).not.toContain('/a/new')
    expect(capture.read('/a/new')).toBeUndefined()
    capture.release()
  })

  it('is broken when the tree is replaced under it', () => {
    const tree = new DataTree()
    const capture = TreeCapture.take(tree)
    tree.clear()
    expect(capture.broken).toMatch(/replaced/)
  })

  it('writes exactly the size it announces, in the format the ZooKeeper codec reads, and decodes back', () => {
    const tree = new DataTree()
    create(tree, '/x', 'héllo wörld', 1)
    create(tree, '/x/ü', '', 1)
    for (let i = 0; i < 30; i++) create(tree, `/x/n${i}`, 'd'.repeat(i * 100), i + 2)
    const capture = TreeCapture.take(tree)
    const backup = new ZkBackup(capture, [{ id: 5n, timeoutMs: 30000 }])
    const out = drain(backup)
    capture.release()
    expect(out.length).toBe(backup.size)
    const snapshot = decodeZkSnapshot(out, 'backup')
    expect(snapshot.lastProcessedZxid).toBe(capture.zxid)
    expect(snapshot.sessions.get(5n)).toBe(30000)
    const restored = decodeBackup(out, 'backup')
    for (const path of tree.paths()) expect(restored.state.tree.get(path)?.stat()).toEqual(tree.get(path)!.stat())
  })

  it('refuses a snapshot whose nodes do not form a tree', () => {
    const stat = { czxid: 1, mzxid: 1, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 1 }
    const encode = (paths: string[]) => encodeZkSnapshot({ dbid: -1n, sessions: new Map(), acls: new Map(), nodes: paths.map((path) => ({ path, data: new Uint8Array(), aclRef: -1n, stat })), digest: undefined })
    expect(() => decodeBackup(encode(['/', '/a/b']), 'body')).toThrow(MigrationError)
    expect(() => decodeBackup(encode(['/', '/a', '/a']), 'body')).toThrow(/twice/)
    expect(() => decodeBackup(encode(['/a']), 'body')).toThrow(MigrationError)
    expect(() => decodeBackup(encode(['/', 'rel']), 'body')).toThrow(/invalid/)
    expect(decodeBackup(encode(['/', '/a', '/a/b']), 'body').state.tree.get('/a/b')).toBeDefined()
  })
})
