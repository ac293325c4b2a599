/**
 * Reads and session-local requests, answered from the member's own tree (apache/zookeeper
 * FinalRequestProcessor's read half). Each function takes the state it needs and returns a response.
 *
 * As in ZooKeeper, reads do not validate their path: no znode has an invalid path, so the lookup
 * answers NONODE (clients, Paddock's among them, refuse invalid paths before sending).
 * @module
 */
import { ErrorCode } from '../errors.js'
import { Perms, type ACL, type Id } from '../protocol/data.js'
import { hasPermission } from '../tree/acl.js'
import type { DataTree } from '../tree/data-tree.js'
import type { Watcher, WatchManager } from '../watch/watch-manager.js'
import type {
  ExistsRequest,
  GetACLRequest,
  GetChildrenRequest,
  GetDataRequest,
  MultiReadRequest,
  MultiReadResult,
  Response,
  ResponseFor,
  SetWatchesRequest,
} from '../protocol/requests.js'

/** What a read needs to know of the connection asking. */
export interface ReadContext {
  tree: DataTree
  watches: WatchManager
  watcher: Watcher
  authInfo: readonly Id[]
  skipACL: boolean
}

const noNode = { err: ErrorCode.NONODE } as const
const noAuth = { err: ErrorCode.NOAUTH } as const

function allowed(ctx: ReadContext, acl: readonly ACL[], perm: number): boolean {
  return ctx.skipACL || hasPermission(acl, perm, ctx.authInfo)
}

/** getData: the data and Stat; a data watch only when the node exists (as ZooKeeper). */
export function getData(ctx: ReadContext, request: GetDataRequest): ResponseFor<'getData'> {
  const node = ctx.tree.get(request.path)
  if (node === undefined) return noNode
  if (!allowed(ctx, node.acl, Perms.READ)) return noAuth
  if (request.watch) ctx.watches.addDataWatch(request.path, ctx.watcher)
  return { err: 0, data: node.data, stat: node.stat() }
}

/** exists: the Stat, or NONODE; the watch is left either way, so it fires on creation. */
export function exists(ctx: ReadContext, request: ExistsRequest): ResponseFor<'exists'> {
  const node = ctx.tree.get(request.path)
  // Since ZooKeeper 3.9.2 exists needs READ on a node that exists (ZOOKEEPER-2590); 3.8 did not check.
  if (node !== undefined && !allowed(ctx, node.acl, Perms.READ)) return noAuth
  if (request.watch) ctx.watches.addDataWatch(request.path, ctx.watcher)
  return node === undefined ? noNode : { err: 0, stat: node.stat() }
}

/** getChildren / getChildren2: the sorted child names and the Stat; a child watch on success. */
export function getChildren(ctx: ReadContext, request: GetChildrenRequest): ResponseFor<'getChildren'> {
  const node = ctx.tree.get(request.path)
  if (node === undefined) return noNode
  if (!allowed(ctx, node.acl, Perms.READ)) return noAuth
  if (request.watch) ctx.watches.addChildWatch(request.path, ctx.watcher)
  const children = node.children === null ? [] : [...node.children].sort()
  return { err: 0, children, stat: node.stat() }
}

/** getACL: needs READ or ADMIN; without ADMIN the digest hashes are masked (ZooKeeper 3.9). */
export function getACL(ctx: ReadContext, request: GetACLRequest): ResponseFor<'getACL'> {
  const node = ctx.tree.get(request.path)
  if (node === undefined) return noNode
  if (!allowed(ctx, node.acl, Perms.READ | Perms.ADMIN)) return noAuth
  const admin = allowed(ctx, node.acl, Perms.ADMIN)
  const acl = node.acl.map((a) => (admin || a.id.scheme !== 'digest' ? copyACL(a) : maskDigest(a)))
  return { err: 0, acl, stat: node.stat() }
}

function copyACL(a: ACL): ACL {
  return { perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } }
}

function maskDigest(a: ACL): ACL {
  const user = a.id.id.split(':')[0] ?? ''
  return { perms: a.perms, id: { scheme: 'digest', id: `${user}:x` } }
}

/** multiRead: each read on its own, no watches (ZooKeeper FinalRequestProcessor multiRead). */
export function multiRead(ctx: ReadContext, request: MultiReadRequest): ResponseFor<'multiRead'> {
  const results: MultiReadResult[] = request.ops.map((op) => {
    if (op.op === 'getData') {
      const r = getData(ctx, { op: 'getData', path: op.path, watch: false })
      return r.err === 0 && 'data' in r ? { op: 'getData', err: 0, data: r.data, stat: r.stat } : { op: 'error', err: r.err }
    }
    const r = getChildren(ctx, { op: 'getChildren', path: op.path, watch: false })
    return r.err === 0 && 'children' in r ? { op: 'getChildren', err: 0, children: r.children } : { op: 'error', err: r.err }
  })
  return { err: 0, results }
}

/** getAllChildrenNumber: every descendant, needs READ. */
export function getAllChildrenNumber(ctx: ReadContext, path: string): ResponseFor<'getAllChildrenNumber'> {
  const node = ctx.tree.get(path)
  if (node === undefined) return noNode
  if (!allowed(ctx, node.acl, Perms.READ)) return noAuth
  return { err: 0, count: ctx.tree.descendantCount(path) }
}

/** getEphemerals: the session's ephemerals whose path starts with `prefix` (`/` or '' = all). */
export function getEphemerals(ctx: ReadContext, sessionId: bigint, prefix: string): ResponseFor<'getEphemerals'> {
  const all = ctx.tree.ephemerals.get(sessionId) ?? new Set<string>()
  const paths = [...all].filter((p) => prefix === '' || prefix === '/' || p.startsWith(prefix)).sort()
  return { err: 0, paths }
}

/**
 * setWatches after a reconnect (DataTree.setWatches): fire what changed after `relativeZxid`
 * and re-register the rest, so a client misses no change while it was away.
 */
export function setWatches(ctx: ReadContext, request: SetWatchesRequest): Response {
  const { tree, watches, watcher } = ctx
  const zxid = tree.lastProcessedZxid
  for (const path of request.dataWatches) {
    const node = tree.get(path)
    if (node === undefined) watcher.process({ type: 'NodeDeleted', path, zxid })
    else if (node.mzxid > request.relativeZxid) watcher.process({ type: 'NodeDataChanged', path, zxid })
    else watches.addDataWatch(path, watcher)
  }
  for (const path of request.existWatches) {
    if (tree.get(path) !== undefined) watcher.process({ type: 'NodeCreated', path, zxid })
    else watches.addDataWatch(path, watcher)
  }
  for (const path of request.childWatches) {
    const node = tree.get(path)
    if (node === undefined) watcher.process({ type: 'NodeDeleted', path, zxid })
    else if (node.pzxid > request.relativeZxid) watcher.process({ type: 'NodeChildrenChanged', path, zxid })
    else watches.addChildWatch(path, watcher)
  }
  for (const path of request.persistentWatches) watches.addPersistentWatch(path, watcher, 'persistent')
  for (const path of request.persistentRecursiveWatches) watches.addPersistentWatch(path, watcher, 'persistentRecursive')
  return { err: 0 }
}
