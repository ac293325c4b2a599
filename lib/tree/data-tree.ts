/**
 * The data tree: znodes with data, ACL and Stat, changed only by applying transaction records.
 * Pure and synchronous: no clock, no I/O. Follows apache/zookeeper DataTree and DataNode.
 * @module
 */
import { baseName, childPath, parentPath } from '../path.js'
import type { ACL, Stat } from '../protocol/data.js'
import type { CreateTxn, NodeKind, Txn, TxnHeader } from '../txn/types.js'
import { ErrorCode } from '../errors.js'
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, StatRecord } from '../protocol/data.js'
import { internACL } from './acl.js'
import { planted } from '../planted-bugs.js'
import { formatStats, limitNode, parseStats, QuotaRoots, quotaPathOf, quotaRoot, statNode, statPathOf } from './quota.js'

/**
 * Told before the tree changes a node, and when the whole tree is replaced: what a
 * copy-on-write capture (lib/tree/capture.ts) follows the tree with.
 */
export interface TreeCaptureHook {
  /** The node at `path` is about to change; `node` is undefined when it does not exist yet. */
  beforeChange(path: string, node: ZNode | undefined): void
  /** The tree is being replaced wholesale. */
  invalidate(reason: string): void
}

/** Watch-relevant change kinds the tree reports while applying (Watcher.Event.EventType names). */
export type TreeEventType = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged'

/** Receives every change as it is applied, in zxid order, to trigger watches. */
/**
 * Told of every change. `acl` is the changed node's ACL when the node is gone by the time the
 * listener runs (NodeDeleted) and its parent's for NodeChildrenChanged, for the watch READ checks
 * (ZooKeeper: DataTree passes the ACL to triggerWatch).
 */
export type TreeListener = (type: TreeEventType, path: string, zxid: number, acl?: readonly ACL[]) => void

/** No names: what {@link ZNode.sortedChildren} merges when none were added. */
const noNames: readonly string[] = []

/** The nodes every tree has from the start, with their ACLs. */
const systemNodes: readonly (readonly [string, readonly ACL[]])[] = [
  ['/', OPEN_ACL_UNSAFE],
  ['/zookeeper', OPEN_ACL_UNSAFE],
  ['/zookeeper/quota', OPEN_ACL_UNSAFE],
  ['/zookeeper/config', READ_ACL_UNSAFE],
]

/** The numbers of a node kept in a stat block: czxid, mzxid, pzxid, ctime, mtime. */
const statFields = 5
/** Nodes whose numbers share one block. */
const nodesPerStatBlock = 16
/** The block new nodes take their numbers' slots from, and how much of it is taken. */
let statBlock = new Float64Array(statFields * nodesPerStatBlock)
let statBlockUsed = 0

/**
 * Makes the next `count` nodes share one stat block of their own, as a restore makes a chunk's
 * nodes at once: one Float64Array a chunk instead of one every 16 nodes (making them took 5% of
 * a recovery of 1M znodes). The same bound holds as for any block, scaled: a block lives while
 * one of its nodes does, so the blocks a restore made never take more memory than they did at
 * the restore. `count` is capped at 4,096 nodes.
 */
export function reserveStatSlots(count: number): void {
  const nodes = Math.min(Math.max(count, 0), statBlockNodesMax)
  if (statBlock.length - statBlockUsed >= statFields * nodes) return
  statBlock = new Float64Array(statFields * Math.max(nodes, nodesPerStatBlock))
  statBlockUsed = 0
}

/** The most nodes {@link reserveStatSlots} makes one block for (a snapshot chunk holds at most 1,000). */
const statBlockNodesMax = 4_096

/**
 * The current stat block, replaced by a fresh one when full. A znode's five numbers above 2^31
 * (zxids, times) would each be a heap number of 16 bytes if they were fields of its own; kept in
 * a Float64Array shared by 16 consecutive nodes they take 40 bytes together and make no garbage
 * when they change. A slot is never reused: a block lives as long as any node that took a slot
 * from it, so at worst one surviving node keeps 16 slots (640 bytes).
 */
function statBlockWithRoom(): Float64Array {
  if (statBlockUsed === statBlock.length) {
    statBlock = new Float64Array(statFields * nodesPerStatBlock)
    statBlockUsed = 0
  }
  return statBlock
}

/**
 * The order of a node's children as of the last {@link ZNode.sortedChildren}, and what changed
 * since: kept apart from the node, and made only for a node whose children were listed, so that
 * the many nodes never listed do not carry its fields.
 */
class ChildOrder {
  /** Paths added since `sorted` was made, in no order; null when none. */
  added: string[] | null = null
  /** Whether a child was removed since `sorted` was made. */
  removed = false
  constructor(
    /** The children's paths in order. */
    public sorted: string[],
    /** Their names, in the same order: what {@link ZNode.sortedChildren} returns. */
    public names: string[],
  ) {}
}

/**
 * One znode. Fields mirror ZooKeeper's StatPersisted; `cversion` stores the count of child creates.
 * Its value is held as a span of a buffer: a node restored from a snapshot points into the buffer
 * its chunk's values were copied into instead of holding a view object of its own (a view costs
 * about 96 bytes of heap, as much as a 100-byte value); {@link ZNode.data} makes the view when
 * asked.
 */
export class ZNode {
  /**
   * The children's paths: the very strings the tree's index holds, so that a child's name is not
   * kept as a string of its own. A list while children were only ever added (a restore adds a
   * parent's children in bulk, and appending to a list is several times cheaper than adding to a
   * Set, and smaller), a Set from the first removal on, so that removing stays constant time.
   * Each path is in it once: the tree adds a child only when it makes it. Changed only through
   * {@link ZNode.addChild} and {@link ZNode.removeChild}.
   */
  private children: string[] | Set<string> | null = null
  /** The sorted children and the changes since, or null before the first {@link ZNode.sortedChildren}. */
  private order: ChildOrder | null = null
  /** The buffer holding the value, at `dataStart` for `dataEnd - dataStart` bytes. */
  private dataBytes: Uint8Array
  private dataStart = 0
  private dataEnd: number
  /** The block holding this node's zxids and times, at `statAt` (see statBlockWithRoom). */
  private stats: Float64Array
  private statAt: number
  constructor(
    data: Uint8Array,
    public acl: readonly ACL[],
    czxid: number,
    mzxid: number,
    pzxid: number,
    ctime: number,
    mtime: number,
    public version: number,
    public cversion: number,
    public aversion: number,
    public ephemeralOwner: bigint,
    public kind: NodeKind,
    public ttlMs: number,
  ) {
    this.dataBytes = data
    this.dataEnd = data.length
    const stats = (this.stats = statBlockWithRoom())
    const at = (this.statAt = statBlockUsed)
    statBlockUsed += statFields
    stats[at] = czxid
    stats[at + 1] = mzxid
    stats[at + 2] = pzxid
    stats[at + 3] = ctime
    stats[at + 4] = mtime
  }

  /** The zxid of the transaction that created the node. */
  get czxid(): number {
    return this.stats[this.statAt]!
  }

  set czxid(value: number) {
    this.stats[this.statAt] = value
  }

  /** The zxid of the transaction that last changed the node's data. */
  get mzxid(): number {
    return this.stats[this.statAt + 1]!
  }

  set mzxid(value: number) {
    this.stats[this.statAt + 1] = value
  }

  /** The zxid of the transaction that last changed the node's children. */
  get pzxid(): number {
    return this.stats[this.statAt + 2]!
  }

  set pzxid(value: number) {
    this.stats[this.statAt + 2] = value
  }

  /** When the node was created, in milliseconds since the epoch. */
  get ctime(): number {
    return this.stats[this.statAt + 3]!
  }

  set ctime(value: number) {
    this.stats[this.statAt + 3] = value
  }

  /** When the node's data was last changed, in milliseconds since the epoch. */
  get mtime(): number {
    return this.stats[this.statAt + 4]!
  }

  set mtime(value: number) {
    this.stats[this.statAt + 4] = value
  }

  /** Length of the value in bytes. */
  get dataLength(): number {
    return this.dataEnd - this.dataStart
  }

  /**
   * The value: the tree's own bytes, which the caller must not modify (readers hand out copies).
   * For a node restored from a snapshot this is a new view of the bytes it was read from.
   */
  get data(): Uint8Array {
    const bytes = this.dataBytes
    return this.dataStart === 0 && this.dataEnd === bytes.length ? bytes : bytes.subarray(this.dataStart, this.dataEnd)
  }

  set data(value: Uint8Array) {
    this.dataBytes = value
    this.dataStart = 0
    this.dataEnd = value.length
  }

  /** Makes the value the `length` bytes of `bytes` at `start`, without a view of them (restore). */
  setDataSpan(bytes: Uint8Array, start: number, length: number): void {
    if (start < 0 || length < 0 || start + length > bytes.length) throw new RangeError(`data span ${start}+${length} is outside ${bytes.length} bytes`)
    this.dataBytes = bytes
    this.dataStart = start
    this.dataEnd = start + length
  }

  /** Copies the value into `target` at `offset`, without a view (snapshot writing). */
  copyDataTo(target: Uint8Array, offset: number): void {
    const bytes = this.dataBytes
    if (this.dataStart === 0 && this.dataEnd === bytes.length) target.set(bytes, offset)
    else target.set(bytes.subarray(this.dataStart, this.dataEnd), offset)
  }

  /** Number of children. */
  get numChildren(): number {
    const children = this.children
    return children === null ? 0 : Array.isArray(children) ? children.length : children.size
  }

  /** The children's paths, in no order. */
  childPaths(): Iterable<string> {
    return this.children ?? noNames
  }

  /** Whether the child at `path` exists. */
  hasChild(path: string): boolean {
    const children = this.children
    return children !== null && (Array.isArray(children) ? children.includes(path) : children.has(path))
  }

  /** Takes over the children of `node`, which this node replaces in the tree. */
  adoptChildren(node: ZNode): void {
    this.children = node.children
  }

  /**
   * Adds the child at `path`, which must not be a child already (the tree's bookkeeping; it keeps
   * the ordered list up to date lazily).
   */
  addChild(path: string): void {
    const children = this.children
    if (children === null) this.children = [path]
    else if (Array.isArray(children)) children.push(path)
    else children.add(path)
    if (this.order !== null) (this.order.added ??= []).push(path)
  }

  /**
   * Removes the child at `path`. The first removal turns the list into a Set (once, in time
   * linear in the children).
   */
  removeChild(path: string): void {
    let children = this.children
    if (children === null) return
    if (Array.isArray(children)) children = this.children = new Set(children)
    if (children.delete(path) && this.order !== null) this.order.removed = true
  }

  /**
   * The child names in code-unit order, kept between calls: only the children added or removed
   * since the last call are sorted and merged in, so reading a big node's children again costs no
   * sort (ZooKeeper returns them in no order; Paddock's clients and tests expect them sorted). The
   * list is the node's own: callers copy it before handing it out.
   */
  sortedChildren(): readonly string[] {
    const children = this.children
    if (children === null || this.numChildren === 0) return this.resetSorted([])
    const order = this.order
    // Many changes since the last sort (or none made yet): sorting everything is as cheap.
    const added = order?.added ?? noNames
    if (order === null || added.length * 4 > order.sorted.length) return this.resetSorted([...children].sort())
    if (added.length === 0 && !order.removed) return order.names
    // A list has seen no removal: every path sorted or added is still a child.
    return this.resetSorted(mergeChildren(order.sorted, added, Array.isArray(children) ? null : children))
  }

  /** Keeps `sorted` (paths in order) and returns the names it makes, which are kept too. */
  private resetSorted(sorted: string[]): string[] {
    // Every child's path is this node's path and a slash before its name.
    const cut = sorted.length === 0 ? 0 : sorted[0]!.lastIndexOf('/') + 1
    const names = sorted.map((path) => path.slice(cut))
    const order = this.order
    if (order === null) {
      if (sorted.length > 0) this.order = new ChildOrder(sorted, names)
      return names
    }
    order.sorted = sorted
    order.names = names
    order.added = null
    order.removed = false
    return names
  }

  /** The client-visible Stat (DataNode.copyStat). */
  stat(): Stat {
    const numChildren = this.numChildren
    return new StatRecord(
      this.czxid,
      this.mzxid,
      this.ctime,
      this.mtime,
      this.version,
      // Stored is the count of creates; every create has a delete except children still present.
      this.cversion * 2 - numChildren,
      this.aversion,
      this.kind === 'ephemeral' ? this.ephemeralOwner : 0n,
      this.dataLength,
      numChildren,
      this.pzxid,
    )
  }
}

/**
 * `sorted` (an earlier ordered list of paths) without those no longer in `children`, merged with the
 * `added` paths still there (`children` null: none was removed). A path removed and added again is
 * in both lists and is kept once.
 */
function mergeChildren(sorted: readonly string[], added: readonly string[], children: ReadonlySet<string> | null): string[] {
  const fresh = new Set(children === null ? added : added.filter((name) => children.has(name)))
  const incoming = [...fresh].sort()
  const out: string[] = []
  let j = 0
  for (const name of sorted) {
    if ((children !== null && !children.has(name)) || fresh.has(name)) continue
    while (j < incoming.length && incoming[j]! < name) out.push(incoming[j++]!)
    out.push(name)
  }
  while (j < incoming.length) out.push(incoming[j++]!)
  return out
}

/** The result of applying one transaction. */
export type TxnResult =
  | { type: 'create'; err: 0; path: string; stat: Stat }
  | { type: 'delete'; err: 0 }
  | { type: 'setData'; err: 0; stat: Stat }
  | { type: 'setACL'; err: 0; stat: Stat }
  | { type: 'check'; err: 0 }
  | { type: 'error'; err: number }
  | { type: 'multi'; err: 0; results: TxnResult[] }
  | { type: 'session'; err: 0 }
  | { type: 'reconfig'; err: 0; data: Uint8Array; stat: Stat }
  | { type: 'restore'; err: 0 }

const empty = new Uint8Array(0)
const errorResult = (err: number): TxnResult => ({ type: 'error', err })

/** The znode holding the ensemble's configuration (ZooKeeper: `ZooDefs.CONFIG_NODE`). */
export const configNodePath = '/zookeeper/config'

/**
 * The data of /zookeeper/config for a configuration: its `server.N` lines, then `version=` and the
 * version in hex (ZooKeeper: `QuorumVerifier.toString`).
 */
export function configNodeData(text: string, version: number): Uint8Array {
  return new TextEncoder().encode(`${text}version=${version.toString(16)}`)
}

/** Paths ZooKeeper creates in every tree, which clients may not delete. */
export const systemPaths: ReadonlySet<string> = new Set(systemNodes.map(([path]) => path))

/** The znode tree with its indexes of ephemerals, containers and TTL nodes. */
export class DataTree {
  private readonly nodes = new Map<string, ZNode>()
  /** Ephemeral paths by owning session. */
  readonly ephemerals = new Map<bigint, Set<string>>()
  /** Paths of container nodes. */
  readonly containers = new Set<string>()
  /** Paths of TTL nodes. */
  readonly ttls = new Set<string>()
  /** Quota roots: paths with a limit node under /zookeeper/quota. */
  private readonly quotas = new QuotaRoots()
  /** The zxid of the last transaction applied. */
  lastProcessedZxid = 0
  /** Called for every change, in order; the server points it at the watch manager. */
  listener: TreeListener | undefined = undefined
  /** Path lengths plus data lengths of every node, kept as nodes change (see {@link DataTree.approximateDataSize}). */
  private dataSize = 0
  /** Backups reading the tree as of an earlier zxid: told before any node changes. */
  private readonly captures = new Set<TreeCaptureHook>()
  /**
   * Whether every node added since {@link DataTree.clear} came from {@link DataTree.restoreNodes}
   * (the case of every restore): a snapshot holds each path once, so a path restored then can
   * already be in the tree only as a system node, and the others need no lookup first.
   */
  private restoredOnly = true

  constructor() {
    this.clear()
  }

  /** Empties the tree back to the system nodes (before a snapshot from the leader is installed). */
  clear(): void {
    this.invalidateCaptures('the tree was replaced')
    this.quotas.clear()
    this.nodes.clear()
    this.ephemerals.clear()
    this.containers.clear()
    this.ttls.clear()
    this.lastProcessedZxid = 0
    this.dataSize = 0
    this.restoredOnly = true
    for (const [path, acl] of systemNodes) this.addSystemNode(path, acl)
  }

  private addSystemNode(path: string, acl: readonly ACL[]): void {
    const node = new ZNode(empty, acl, 0, 0, 0, 0, 0, 0, 0, 0, 0n, 'persistent', 0)
    this.nodes.set(path, node)
    this.dataSize += path.length
    if (path !== '/') this.linkChild(path)
  }

  /** The node at `path`, or undefined. The caller must not modify it. */
  get(path: string): ZNode | undefined {
    return this.nodes.get(path)
  }

  /** Number of znodes, the root and the /zookeeper nodes included. */
  get size(): number {
    return this.nodes.size
  }

  /** All paths, in no particular order. */
  paths(): IterableIterator<string> {
    return this.nodes.keys()
  }

  /**
   * Every path with its node, parents before children (insertion order), without a lookup per
   * path. The caller must not modify the nodes. Iterating it across writes is safe: a node added
   * meanwhile comes later, a node removed before it is reached does not come.
   */
  entries(): IterableIterator<[string, ZNode]> {
    return this.nodes.entries()
  }

  /**
   * The sum of every node's path length and data length (ZooKeeper's `approximate_data_size`),
   * kept up to date as nodes change, as ZooKeeper's `DataTree.cachedApproximateDataSize` is, so
   * reading it walks nothing.
   */
  get approximateDataSize(): number {
    return this.dataSize
  }

  /** Number of descendants of `path` (not counting itself), or -1 when it does not exist. */
  descendantCount(path: string): number {
    if (!this.nodes.has(path)) return -1
    let count = -1
    this.forEachInSubtree(path, () => count++)
    return count
  }

  /**
   * Calls `visit` for `path` and every node below it, parents before children. Iterative, with an
   * explicit stack of paths, so a chain of any depth cannot overflow the call stack.
   */
  forEachInSubtree(path: string, visit: (path: string, node: ZNode) => void): void {
    const stack = [path]
    for (let at = stack.pop(); at !== undefined; at = stack.pop()) {
      const node = this.nodes.get(at)
      if (node === undefined) continue
      visit(at, node)
      for (const child of node.childPaths()) stack.push(child)
    }
  }

  /** Applies a committed transaction; the tree changes only here. */
  apply(header: TxnHeader, txn: Txn): TxnResult {
    const result = this.applyTxn(header, txn)
    if (header.zxid > this.lastProcessedZxid) this.lastProcessedZxid = header.zxid
    return result
  }

  private applyTxn(header: TxnHeader, txn: Txn): TxnResult {
    switch (txn.type) {
      case 'create':
        return this.createNode(header, txn)
      case 'delete':
        return this.deleteNode(txn.path, header.zxid)
      case 'setData':
        return this.setData(header, txn.path, txn.data, txn.version)
      case 'setACL':
        return this.setACL(txn.path, txn.acl, txn.version)
      case 'check':
        return this.nodes.has(txn.path) ? { type: 'check', err: 0 } : errorResult(ErrorCode.NONODE)
      case 'error':
        return errorResult(txn.err)
      case 'multi':
        return { type: 'multi', err: 0, results: txn.txns.map((t) => this.applyTxn(header, t)) }
      case 'createSession':
        return { type: 'session', err: 0 }
      case 'closeSession':
        if (planted.bug === 'ephemeral-leak') return { type: 'session', err: 0 }
        for (const path of txn.paths2Delete) this.deleteNode(path, header.zxid)
        return { type: 'session', err: 0 }
      case 'reconfig':
        return this.setConfigNode(txn.text, header.zxid, header.time)
      case 'restore':
        // The member replaces its whole state after this commit (lib/server/replication.ts).
        return { type: 'restore', err: 0 }
    }
  }

  /**
   * Sets /zookeeper/config to a configuration (a reconfig, or a member taking up a configuration
   * it learned otherwise, as ZooKeeper's `ZKDatabase.initConfigInZKDatabase`): data version -1
   * and mzxid the configuration's version, as ZooKeeper leaves them.
   */
  setConfigNode(text: string, version: number, time: number): { type: 'reconfig'; err: 0; data: Uint8Array; stat: Stat } {
    const data = configNodeData(text, version)
    const current = this.nodes.get(configNodePath)
    // Already showing it (the reconfig's commit and its activation both get here): no second event.
    if (current !== undefined && current.mzxid === version && sameBytes(current.data, data)) {
      return { type: 'reconfig', err: 0, data: current.data.slice(), stat: current.stat() }
    }
    const result = this.setData({ sessionId: 0n, cxid: 0, zxid: version, time }, configNodePath, data, -1)
    const node = this.nodes.get(configNodePath) as ZNode
    // A copy: the caller hands it to a client, and the tree's bytes stay private.
    return { type: 'reconfig', err: 0, data: node.data.slice(), stat: result.type === 'setData' ? result.stat : node.stat() }
  }

  private createNode(header: TxnHeader, txn: CreateTxn): TxnResult {
    const parentName = parentPath(txn.path)
    const parent = this.nodes.get(parentName)
    if (parent === undefined) return errorResult(ErrorCode.NONODE)
    this.beforeChange(parentName, parent)
    const { zxid, time } = header
    // Replayed txns may be older than the state a fuzzy snapshot captured: never go back. The
    // parent is updated even when the node exists, as ZooKeeper does on replay (ZOOKEEPER-1046).
    if (txn.parentCVersion > parent.cversion) parent.cversion = txn.parentCVersion
    if (zxid > parent.pzxid) parent.pzxid = zxid
    if (this.nodes.has(txn.path)) return errorResult(ErrorCode.NODEEXISTS)
    this.beforeChange(txn.path, undefined)
    const node = new ZNode(txn.data, internACL(txn.acl), zxid, zxid, zxid, time, time, 0, 0, 0, txn.ephemeralOwner, txn.kind, txn.ttlMs)
    this.nodes.set(txn.path, node)
    this.restoredOnly = false
    this.dataSize += txn.path.length + txn.data.length
    parent.addChild(txn.path)
    this.indexNode(txn.path, node)
    this.quotaNodeCreated(parentName, baseName(txn.path))
    this.countUsage(txn.path, txn.data.length, 1)
    this.listener?.('NodeCreated', txn.path, zxid)
    this.listener?.('NodeChildrenChanged', parentName, zxid)
    return { type: 'create', err: 0, path: txn.path, stat: node.stat() }
  }

  private deleteNode(path: string, zxid: number): TxnResult {
    const node = this.nodes.get(path)
    if (node === undefined) return errorResult(ErrorCode.NONODE)
    const parentName = parentPath(path)
    const parent = this.nodes.get(parentName)
    this.beforeChange(path, node)
    if (parent !== undefined) this.beforeChange(parentName, parent)
    this.nodes.delete(path)
    this.dataSize -= path.length + node.dataLength
    this.unindexNode(path, node)
    if (parent !== undefined) {
      parent.removeChild(path)
      if (zxid > parent.pzxid) parent.pzxid = zxid
    }
    const quotaPath = quotaPathOf(parentName)
    if (quotaPath !== undefined && baseName(path) === limitNode) this.quotas.delete(quotaPath)
    this.countUsage(path, -node.dataLength, -1)
    this.listener?.('NodeDeleted', path, zxid, node.acl)
    this.listener?.('NodeChildrenChanged', parentName, zxid, parent?.acl)
    return { type: 'delete', err: 0 }
  }

  private setData(header: TxnHeader, path: string, data: Uint8Array, version: number): TxnResult {
    const node = this.nodes.get(path)
    if (node === undefined) return errorResult(ErrorCode.NONODE)
    this.beforeChange(path, node)
    this.countUsage(path, data.length - node.dataLength, 0)
    this.replaceData(node, data)
    node.version = version
    node.mzxid = header.zxid
    node.mtime = header.time
    this.listener?.('NodeDataChanged', path, header.zxid)
    return { type: 'setData', err: 0, stat: node.stat() }
  }

  private setACL(path: string, acl: readonly ACL[], version: number): TxnResult {
    const node = this.nodes.get(path)
    if (node === undefined) return errorResult(ErrorCode.NONODE)
    this.beforeChange(path, node)
    node.acl = internACL(acl)
    node.aversion = version
    return { type: 'setACL', err: 0, stat: node.stat() }
  }

  /**
   * Quota bookkeeping of a new node under /zookeeper/quota: a limit node makes its path a quota
   * root, a stat node is filled with the subtree's current usage (DataTree.createNode).
   */
  private quotaNodeCreated(parentName: string, name: string): void {
    const quotaPath = quotaPathOf(parentName)
    if (quotaPath === undefined) return
    if (name === limitNode) this.quotas.add(quotaPath)
    else if (name === statNode) this.refreshUsage(quotaPath)
  }

  /** Adds a change of `bytes` and `count` nodes under `path` to its quota root's stat node, if any. */
  private countUsage(path: string, bytes: number, count: number): void {
    const root = this.quotas.rootOf(path)
    if (root === undefined) return
    const stats = this.nodes.get(statPathOf(root))
    if (stats === undefined) return
    const usage = parseStats(stats.data)
    // A stat node someone overwrote with something else is counted again from the tree.
    if (usage === undefined) return this.refreshUsage(root)
    // Updated in place, as ZooKeeper does: the stat node's version and mzxid stay.
    this.beforeChange(statPathOf(root), stats)
    this.replaceData(stats, formatStats({ ...usage, count: usage.count + count, bytes: usage.bytes + bytes }))
  }

  /** Sets quota root `path`'s stat node to the subtree's usage, counted from the tree (updateQuotaForPath). */
  private refreshUsage(path: string): void {
    const stats = this.nodes.get(statPathOf(path))
    if (stats === undefined) return
    let count = 0
    let bytes = 0
    this.forEachInSubtree(path, (_, node) => {
      count++
      bytes += node.dataLength
    })
    this.beforeChange(statPathOf(path), stats)
    this.replaceData(stats, formatStats({ count, bytes }))
  }

  /** The deepest quota root at or above `path` (DataTree.getMaxPrefixWithQuota), or undefined: the root prep checks a write against. */
  quotaRootOf(path: string): string | undefined {
    return this.quotas.rootOf(path)
  }

  /** After a snapshot is restored: the quota roots from the limit nodes, and their usage counted again (setupQuota). */
  restoreQuotas(): void {
    this.quotas.clear()
    const roots: string[] = []
    this.forEachInSubtree(quotaRoot, (at, node) => {
      const quotaPath = quotaPathOf(at)
      if (quotaPath !== undefined && node.hasChild(childPath(at, limitNode))) roots.push(quotaPath)
    })
    for (const quotaPath of roots) this.quotas.add(quotaPath)
    for (const quotaPath of roots) this.refreshUsage(quotaPath)
  }

  /** Replaces a node's data, keeping {@link DataTree.approximateDataSize} in step. */
  private replaceData(node: ZNode, data: Uint8Array): void {
    this.dataSize += data.length - node.dataLength
    node.data = data
  }

  private linkChild(path: string): void {
    this.nodes.get(parentPath(path))?.addChild(path)
  }

  private indexNode(path: string, node: ZNode): void {
    if (node.kind === 'ephemeral') {
      let paths = this.ephemerals.get(node.ephemeralOwner)
      if (paths === undefined) this.ephemerals.set(node.ephemeralOwner, (paths = new Set()))
      paths.add(path)
    } else if (node.kind === 'container') {
      this.containers.add(path)
    } else if (node.kind === 'ttl') {
      this.ttls.add(path)
    }
  }

  private unindexNode(path: string, node: ZNode): void {
    if (node.kind === 'ephemeral') {
      const paths = this.ephemerals.get(node.ephemeralOwner)
      paths?.delete(path)
      if (paths?.size === 0) this.ephemerals.delete(node.ephemeralOwner)
    } else if (node.kind === 'container') {
      this.containers.delete(path)
    } else if (node.kind === 'ttl') {
      this.ttls.delete(path)
    }
  }

  /**
   * Container and TTL nodes due for removal at `now` (ContainerManager.getCandidates): containers
   * that once had children and have none now, and childless TTL nodes unmodified for their TTL.
   */
  expiredContainers(now: number): string[] {
    const due: string[] = []
    for (const path of this.containers) {
      const node = this.nodes.get(path)
      if (node !== undefined && node.cversion > 0 && node.numChildren === 0) due.push(path)
    }
    for (const path of this.ttls) {
      const node = this.nodes.get(path)
      if (node !== undefined && node.numChildren === 0 && now - node.mtime > node.ttlMs) due.push(path)
    }
    return due
  }

  /**
   * Inserts nodes restored from a snapshot, `nodes[i]` at `paths[i]`; parents must come before
   * their children. A node at a path the tree holds replaces it and keeps its children. Siblings usually follow one another, so
   * the last parent is remembered instead of being looked up by a sliced path for every node.
   * Throws a TypeError, leaving the tree to be cleared, for a path restored twice into a tree
   * that held only restored nodes (a snapshot holds each path once).
   */
  restoreNodes(paths: readonly string[], nodes: readonly ZNode[]): void {
    this.invalidateCaptures('the tree was restored from a snapshot')
    const restoredOnly = this.restoredOnly
    let parentName = ''
    let parent: ZNode | undefined
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i]!
      const node = nodes[i]!
      node.acl = internACL(node.acl)
      const existing = restoredOnly && !systemPaths.has(path) ? undefined : this.nodes.get(path)
      if (existing !== undefined) node.adoptChildren(existing)
      this.dataSize += node.dataLength - (existing === undefined ? -path.length : existing.dataLength)
      const size = this.nodes.size
      this.nodes.set(path, node)
      if (existing === undefined && this.nodes.size === size) throw new TypeError(`the snapshot holds ${path} twice`)
      if (path === parentName) parent = node
      // A node that existed is its parent's child already.
      if (existing === undefined && path !== '/') {
        const slash = path.lastIndexOf('/')
        const parentLength = slash === 0 ? 1 : slash
        if (parent === undefined || parentName.length !== parentLength || !path.startsWith(parentName)) {
          parentName = parentPath(path)
          parent = this.nodes.get(parentName)
        }
        parent?.addChild(path)
      }
      if (node.kind !== 'persistent') this.indexNode(path, node)
    }
  }

  /** Starts telling `capture` of changes (lib/tree/capture.ts). */
  addCapture(capture: TreeCaptureHook): void {
    this.captures.add(capture)
  }

  /** Stops telling `capture` of changes. */
  removeCapture(capture: TreeCaptureHook): void {
    this.captures.delete(capture)
  }

  /** Hands every capture the node at `path` as it is before a change (undefined: none yet). */
  private beforeChange(path: string, node: ZNode | undefined): void {
    if (this.captures.size === 0) return
    for (const capture of this.captures) capture.beforeChange(path, node)
  }

  private invalidateCaptures(reason: string): void {
    if (this.captures.size === 0) return
    for (const capture of [...this.captures]) capture.invalidate(reason)
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
