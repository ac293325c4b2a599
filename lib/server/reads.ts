/**
 * Reads and session-local requests, answered from the member's own tree (apache/zookeeper
 * FinalRequestProcessor's read half). Each function takes the state it needs and returns a response.
 *
 * As in ZooKeeper, reads do not validate their path: no znode has an invalid path, so the lookup
 * answers NONODE (clients, Paddock's among them, refuse invalid paths before sending).
 * @module
 */
import { ErrorCode } from '../errors.js'
import { juteMaxBufferBytes, responseOverheadBytesMax } from '../limits.js'
import { Perms, type ACL, type Id, type Stat, type StatRecord } from '../protocol/data.js'
import { hasPermission } from '../tree/acl.js'
import type { DataTree } from '../tree/data-tree.js'
import type { ReadCheck, Watcher, WatchManager } from '../watch/watch-manager.js'
import { parentPath, pathProblem } from '../path.js'
import type {
  AddWatchRequest,
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
  /**
   * The member's jute.maxbuffer (its `maxDataBytes`), in bytes: a read whose response would need
   * more (plus {@link responseOverheadBytesMax}) is refused. @defaultValue {@link juteMaxBufferBytes}
   */
  responseBytesMax?: number
}

const noNode = { err: ErrorCode.NONODE } as const
const noAuth = { err: ErrorCode.NOAUTH } as const

/** getData's answer, made by `new` for the reason {@link StatRecord} gives. */
class DataReply {
  readonly err = 0
  constructor(
    readonly data: Uint8Array,
    readonly stat: Stat,
  ) {}
}

/** exists' answer, made by `new` for the reason {@link StatRecord} gives. */
class StatReply {
  readonly err = 0
  constructor(readonly stat: Stat) {}
}

function allowed(ctx: ReadContext, acl: readonly ACL[], perm: number): boolean {
  return ctx.skipACL || hasPermission(acl, perm, ctx.authInfo)
}

/** getData: the data and Stat; a data watch only when the node exists (as ZooKeeper). */
export function getData(ctx: ReadContext, request: GetDataRequest): ResponseFor<'getData'> {
  const node = ctx.tree.get(request.path)
  if (node === undefined) return noNode
  if (!allowed(ctx, node.acl, Perms.READ)) return noAuth
  if (request.watch) ctx.watches.addDataWatch(request.path, ctx.watcher)
  return new DataReply(node.data, node.stat())
}

/** exists: the Stat, or NONODE; the watch is left either way, so it fires on creation. */
export function exists(ctx: ReadContext, request: ExistsRequest): ResponseFor<'exists'> {
  const node = ctx.tree.get(request.path)
  // Since ZooKeeper 3.9.2 exists needs READ on a node that exists (ZOOKEEPER-2590); 3.8 did not check.
  if (node !== undefined && !allowed(ctx, node.acl, Perms.READ)) return noAuth
  if (request.watch) ctx.watches.addDataWatch(request.path, ctx.watcher)
  return node === undefined ? noNode : new StatReply(node.stat())
}

/**
 * getChildren / getChildren2: the sorted child names and the Stat; a child watch on success. The
 * node keeps its children sorted between calls, so this copies the list and sorts nothing.
 */
export function getChildren(ctx: ReadContext, request: GetChildrenRequest): ResponseFor<'getChildren'> {
  const node = ctx.tree.get(request.path)
  if (node === undefined) return noNode
  if (!allowed(ctx, node.acl, Perms.READ)) return noAuth
  if (request.watch) ctx.watches.addChildWatch(request.path, ctx.watcher)
  return { err: 0, children: node.sortedChildren().slice(), stat: node.stat() }
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

/**
 * multiRead: each read on its own, no watches (ZooKeeper FinalRequestProcessor multiRead). The
 * results stop accumulating once their jute size passes the response bound
 * ({@link responseBytesMaxOf}), and the request is answered BADARGUMENTS: ZooKeeper builds the
 * whole response, however big (4,200 reads of a 1 MiB node make 4.4 GB), and its client then
 * drops the connection ("Packet len … is out of range!"); Paddock refuses before building it.
 */
export function multiRead(ctx: ReadContext, request: MultiReadRequest): ResponseFor<'multiRead'> {
  const bytesMax = responseBytesMaxOf(ctx)
  // ReplyHeader, then the MultiHeader that ends the results.
  let bytes = replyHeaderBytes + multiHeaderBytes
  const results: MultiReadResult[] = []
  for (const op of request.ops) {
    const result = multiReadOne(ctx, op)
    bytes += multiReadResultBytes(result)
    if (bytes > bytesMax) return { err: ErrorCode.BADARGUMENTS }
    results.push(result)
  }
  return { err: 0, results }
}

function multiReadOne(ctx: ReadContext, op: MultiReadRequest['ops'][number]): MultiReadResult {
  if (op.op === 'getData') {
    const r = getData(ctx, { op: 'getData', path: op.path, watch: false })
    return r.err === 0 && 'data' in r ? { op: 'getData', err: 0, data: r.data, stat: r.stat } : { op: 'error', err: r.err }
  }
  const r = getChildren(ctx, { op: 'getChildren', path: op.path, watch: false })
  return r.err === 0 && 'children' in r ? { op: 'getChildren', err: 0, children: r.children } : { op: 'error', err: r.err }
}

/**
 * The largest response a read may build, in bytes of jute: the connection's jute.maxbuffer plus
 * {@link responseOverheadBytesMax}, so that one getData of a node at the data limit still fits.
 */
export function responseBytesMaxOf(ctx: ReadContext): number {
  return (ctx.responseBytesMax ?? juteMaxBufferBytes) + responseOverheadBytesMax
}

// Jute sizes: ReplyHeader (xid, zxid, err), MultiHeader (type, done, err), Stat (6 longs, 5 ints).
const replyHeaderBytes = 4 + 8 + 4
const multiHeaderBytes = 4 + 1 + 4
const statBytes = 8 * 6 + 4 * 5

/** The jute size of one multiRead result with its MultiHeader. */
function multiReadResultBytes(result: MultiReadResult): number {
  switch (result.op) {
    case 'getData':
      return multiHeaderBytes + 4 + result.data.length + statBytes
    case 'getChildren': {
      let bytes = multiHeaderBytes + 4
      for (const name of result.children) bytes += 4 + utf8Bytes(name)
      return bytes
    }
    default:
      return multiHeaderBytes + 4
  }
}

/** UTF-8 length of `text`, without encoding it. */
function utf8Bytes(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    // A surrogate pair is one code point of 4 bytes: 2 for each half.
    else if (c >= 0xd800 && c <= 0xdfff) bytes += 2
    else bytes += 3
  }
  return bytes
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
  // Re-registered persistent watches filter their events by READ, as addWatch's do.
  const canRead = readCheck(ctx)
  for (const path of request.persistentWatches) watches.addPersistentWatch(path, watcher, 'persistent', canRead)
  for (const path of request.persistentRecursiveWatches) watches.addPersistentWatch(path, watcher, 'persistentRecursive', canRead)
  return { err: 0 }
}

/**
 * addWatch: registers a persistent or persistent-recursive watch whose events are filtered by
 * READ on the changed node (ZooKeeper 3.9.2, CVE-2024-23944). As in ZooKeeper the watched path
 * needs no permission, nor to exist: what the watcher may not read it is never told of.
 */
export function addWatch(ctx: ReadContext, request: AddWatchRequest): Response {
  if (pathProblem(request.path) !== undefined) return { err: ErrorCode.BADARGUMENTS }
  ctx.watches.addPersistentWatch(request.path, ctx.watcher, request.mode, readCheck(ctx))
  return { err: 0 }
}

/** No identity holds a permission on this list but `super` (and skipACL). */
const readableByNone: readonly ACL[] = Object.freeze([{ perms: 0, id: { scheme: 'world', id: 'anyone' } }])

/**
 * The connection's READ check for watch events (ZooKeeper's `checkACL(cnxn, znodeAcl, READ,
 * authInfo)` before delivering an event). It reads `ctx.authInfo` when asked, so identities
 * added later by addauth count. Without the changed node's ACL from the caller, a node no longer
 * in the tree (deleted) is judged by READ on its parent, which would have listed its name anyway;
 * with neither, only super and skipACL see the event.
 */
export function readCheck(ctx: ReadContext): ReadCheck {
  return (path, acl) => {
    if (ctx.skipACL) return true
    const known = acl ?? ctx.tree.get(path)?.acl ?? ctx.tree.get(parentPath(path))?.acl
    return hasPermission(known ?? readableByNone, Perms.READ, ctx.authInfo)
  }
}
