// Method: a tree with nodes of several ACLs goes through zkSnapshotOf and the file codec; the
// decoded file must number every ACL before the nodes that refer to it, and give each node its own.
import { describe, expect, it } from 'vitest'
import { emptyState } from '../../../lib/migrate/offline-state.js'
import { concat, decodeZkSnapshot, encodeZkSnapshot, encodeZkSnapshotParts, zkSnapshotOf } from '../../../lib/migrate/zk-snapshot.js'
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, type ACL } from '../../../lib/protocol/data.js'

const digestAcl: ACL[] = [{ perms: 31, id: { scheme: 'digest', id: 'alice:0nXmf7ntXvDbe2lSlHG4Nk3ZeMM=' } }]

function stateWith(nodes: [string, readonly ACL[]][]) {
  const state = emptyState()
  let zxid = 0
  for (const [path, acl] of nodes) {
    zxid++
    state.tree.apply(
      { sessionId: 1n, cxid: zxid, zxid, time: zxid },
      { type: 'create', path, data: new TextEncoder().encode(path), acl, kind: 'persistent', ephemeralOwner: 0n, ttlMs: 0, parentCVersion: 1 },
    )
  }
  return state
}

describe('zkSnapshotOf', () => {
  it('numbers every ACL before the nodes, though it makes the nodes as they are written', () => {
    const state = stateWith([['/a', OPEN_ACL_UNSAFE], ['/a/b', digestAcl], ['/c', READ_ACL_UNSAFE], ['/c/d', digestAcl]])
    const decoded = decodeZkSnapshot(encodeZkSnapshot(zkSnapshotOf(state)), 'test')
    expect(new Set([...decoded.acls.values()].map((acl) => JSON.stringify(acl)))).toEqual(new Set([OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, digestAcl].map((acl) => JSON.stringify(acl))))
    const aclOf = (path: string) => decoded.acls.get(decoded.nodes.find((n) => n.path === path)!.aclRef)
    expect(aclOf('/a/b')).toEqual(digestAcl)
    expect(aclOf('/c')).toEqual(READ_ACL_UNSAFE)
    expect(aclOf('/c/d')).toEqual(digestAcl)
    expect(new TextDecoder().decode(decoded.nodes.find((n) => n.path === '/c/d')!.data)).toBe('/c/d')
  })

  it('writes the same bytes in parts as in one piece', () => {
    const many: [string, readonly ACL[]][] = [['/p', OPEN_ACL_UNSAFE]]
    for (let i = 0; i < 20_000; i++) many.push([`/p/node-${i}`, i % 3 === 0 ? digestAcl : OPEN_ACL_UNSAFE])
    const parts = encodeZkSnapshotParts(zkSnapshotOf(stateWith(many)))
    expect(parts.length).toBeGreaterThan(1)
    const whole = encodeZkSnapshot(zkSnapshotOf(stateWith(many)))
    expect(Buffer.compare(concat(parts), whole)).toBe(0)
    expect(decodeZkSnapshot(whole, 'test').nodes).toHaveLength(many.length + 4)
  })
})
