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
import { PathIndex } from './path-index.js'
import { restoredMemory, RowStore } from './rows.js'
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

/**
 * The numbers of a node kept in a stat block, as 32-bit integers: czxid, mzxid, pzxid, ctime and
 * mtime as two halves each (low, then high), then version, cversion, aversion and the value's span
 * (start, end) in its buffer.
 */
const statFields = 15
/** Where each number sits in a node's slots of its block. */
const enum Slot {
  Czxid = 0,
  Mzxid = 2,
  Pzxid = 4,
  Ctime = 6,
  Mtime = 8,
  Version = 10,
  Cversion = 11,
  Aversion = 12,
  DataStart = 13,
  DataEnd = 14,
}
/** Nodes whose numbers share one block. */
const nodesPerStatBlock = 16
/** 2^32: the weight of a long's high half. */
const highWeight = 4_294_967_296
/** The block new nodes take their numbers' slots from, and how much of it is taken. */
let statBlock: Int32Array = new Int32Array(statFields * nodesPerStatBlock)
let statBlockUsed = 0

/**
 * Makes the next `count` nodes share one stat block of their own, as a restore makes a chunk's
 * nodes at once: one Int32Array a chunk instead of one every 16 nodes (making them took 5% of
 * a recovery of 1M znodes). The same bound holds as for any block, scaled: a block lives while
 * one of its nodes does, so the blocks a restore made never take more memory than they did at
 * the restore. `count` is capped at 4,096 nodes.
 */
export function reserveStatSlots(count: number): void {
  const nodes = Math.min(Math.max(count, 0), statBlockNodesMax)
  if (statBlock.length - statBlockUsed >= statFields * nodes) return
  statBlock = new Int32Array(restoredMemory(Int32Array.BYTES_PER_ELEMENT * statFields * Math.max(nodes, nodesPerStatBlock)))
  statBlockUsed = 0
}

export { restoredMemory } from './rows.js'

/** The most nodes {@link reserveStatSlots} makes one block for (a snapshot chunk holds at most 1,000). */
const statBlockNodesMax = 4_096

/**
 * The current stat block, replaced by a fresh one when full. A znode's numbers would each be a
 * field of 8 bytes if they were its own (and the five above 2^31, zxids and times, a heap number
 * of 16 bytes more); kept in an Int32Array shared by 16 consecutive nodes they take 60 bytes
 * together, cost the garbage collector nothing to trace and make no garbage when they change. A
 * slot is never reused: a block lives as long as any node that took a slot from it, so at worst
 * one surviving node keeps 16 slots (960 bytes).
 */
function statBlockWithRoom(): Int32Array {
  if (statBlockUsed === statBlock.length) {
    statBlock = new Int32Array(statFields * nodesPerStatBlock)
    statBlockUsed = 0
  }
  return statBlock
}

/** The long (an integer of magnitude below 2^63) kept as two halves at `at` of `block`. */
function readLong(block: Int32Array, at: number): number {
  return block[at + 1]! * highWeight + (block[at]! >>> 0)
}

/** Whether the longs at `a` and `b` of `block` are equal. */
function sameLong(block: Int32Array, a: number, b: number): boolean {
  return block[a] === block[b] && block[a + 1] === block[b + 1]
}

/** Keeps `value` (an integer of magnitude below 2^63) as two halves at `at` of `block`. */
function writeLong(block: Int32Array, at: number, value: number): void {
  // Storing into an Int32Array keeps the low 32 bits of an integer, negative ones included.
  block[at] = value
  block[at + 1] = Math.floor(value / highWeight)
}

/** A node's children: their paths in a list while only ever added to, a Set from the first removal on. */
type ChildPaths = string[] | Set<string>

/**
 * A node's children once they were listed: the paths, their order as of the last
 * {@link ZNode.sortedChildren}, and what changed since. Made only for a node whose children were
 * listed, so that the many nodes never listed do not carry its fields.
 */
class ChildOrder {
  /** Paths added since `sorted` was made, in no order; null when none. */
  added: string[] | null = null
  /** Whether a child was removed since `sorted` was made. */
  removed = false
  constructor(
    /** The children's paths. */
    public paths: ChildPaths,
    /** The children's paths in order. */
    public sorted: string[],
    /** Their names, in the same order: what {@link ZNode.sortedChildren} returns. */
    public names: string[],
  ) {}
}

/**
 * What only some nodes have: the kind when not persistent, the owning session and the time to
 * live. Kept apart so that a persistent node (most of a big tree) carries one null field for them.
 */
class NodeKindInfo {
  constructor(
    readonly kind: NodeKind,
    readonly ephemeralOwner: bigint,
    readonly ttlMs: number,
  ) {}
}

/**
 * The numbers' block and slot of the next node made by {@link ZNode.view}: set just before its
 * constructor runs, so that a view has the same fields, set in the same order, as any node.
 */
let viewStats: Int32Array | null = null
let viewStatAt = 0

/** The kind info every container shares. */
const containerInfo = new NodeKindInfo('container', 0n, 0)

/** The kind info of a node, or null for a persistent one that has neither owner nor time to live. */
function kindInfo(kind: NodeKind, ephemeralOwner: bigint, ttlMs: number): NodeKindInfo | null {
  if (ephemeralOwner === 0n && ttlMs === 0) {
    if (kind === 'persistent') return null
    if (kind === 'container') return containerInfo
  }
  return new NodeKindInfo(kind, ephemeralOwner, ttlMs)
}

/**
 * One znode. Fields mirror ZooKeeper's StatPersisted; `cversion` stores the count of child creates.
 * A node holds six fields; its numbers live in a shared stat block (see statBlockWithRoom). Its
 * value is held as a span of a buffer: a node restored from a snapshot points into the buffer its
 * chunk's values were copied into instead of holding a view object of its own (a view costs about
 * 96 bytes of heap, as much as a 100-byte value); {@link ZNode.data} makes the view when asked.
 */
/** Nodes handed to {@link DataTree.restoreNodes} that do not form a tree: one before its parent, or one twice. */
export class NotATreeError extends TypeError {
  override readonly name = 'NotATreeError'
}

export class ZNode {
  /**
   * The children's paths: the very strings the tree's index holds, so that a child's name is not
   * kept as a string of its own. A list while children were only ever added (a restore adds a
   * parent's children in bulk, and appending to a list is several times cheaper than adding to a
   * Set, and smaller), a Set from the first removal on, so that removing stays constant time.
   * Wrapped in a {@link ChildOrder} once they were listed. Each path is in it once: the tree adds
   * a child only when it makes it. Changed only through {@link ZNode.addChild} and
   * {@link ZNode.removeChild}.
   */
  private children: ChildPaths | ChildOrder | null = null
  /** The buffer holding the value, at the span kept in the stat block. */
  private dataBytes: Uint8Array
  /** The block holding this node's numbers, at `statAt` (see statBlockWithRoom). */
  private readonly stats: Int32Array
  private readonly statAt: number
  /** The kind, owner and time to live, or null for a plain persistent node. */
  private readonly info: NodeKindInfo | null
  constructor(
    data: Uint8Array,
    public acl: readonly ACL[],
    czxid: number,
    mzxid: number,
    pzxid: number,
    ctime: number,
    mtime: number,
    version: number,
    cversion: number,
    aversion: number,
    ephemeralOwner: bigint,
    kind: NodeKind,
    ttlMs: number,
  ) {
    this.dataBytes = data
    if (viewStats !== null) {
      this.info = null
      this.stats = viewStats
      this.statAt = viewStatAt
      viewStats = null
      return
    }
    this.info = kindInfo(kind, ephemeralOwner, ttlMs)
    const stats = (this.stats = statBlockWithRoom())
    const at = (this.statAt = statBlockUsed)
    statBlockUsed += statFields
    writeLong(stats, at + Slot.Czxid, czxid)
    writeLong(stats, at + Slot.Mzxid, mzxid)
    writeLong(stats, at + Slot.Pzxid, pzxid)
    writeLong(stats, at + Slot.Ctime, ctime)
    writeLong(stats, at + Slot.Mtime, mtime)
    stats[at + Slot.Version] = version
    stats[at + Slot.Cversion] = cversion
    stats[at + Slot.Aversion] = aversion
    stats[at + Slot.DataEnd] = data.length
  }

  /**
   * A plain persistent leaf over numbers kept elsewhere: the view of a row (lib/tree/rows.ts).
   * Its numbers are the row's own slot, so the tree never changes a view; it changes a
   * {@link ZNode.detach}ed copy instead.
   */
  static view(bytes: Uint8Array, stats: Int32Array, statAt: number, acl: readonly ACL[]): ZNode {
    viewStats = stats
    viewStatAt = statAt
    return new ZNode(bytes, acl, 0, 0, 0, 0, 0, 0, 0, 0, 0n, 'persistent', 0)
  }

  /** A node of its own with this one's fields and children, its numbers in a fresh slot. */
  detach(): ZNode {
    const stats = this.stats
    const at = this.statAt
    const node = new ZNode(this.dataBytes, this.acl, this.czxid, this.mzxid, this.pzxid, this.ctime, this.mtime, this.version, this.cversion, this.aversion, this.ephemeralOwner, this.kind, this.ttlMs)
    node.stats[node.statAt + Slot.DataStart] = stats[at + Slot.DataStart]!
    node.stats[node.statAt + Slot.DataEnd] = stats[at + Slot.DataEnd]!
    node.children = this.children
    return node
  }

  /** Whether this node is a persistent node with neither owner, time to live nor children: what a row can hold. */
  get plainLeaf(): boolean {
    return this.info === null && this.children === null
  }

  /**
   * A pristine row's view: a node with numbers of its own, never changed since it was made at
   * `czxid` and `ctime`, its value the span `start`..`end` of `bytes` (lib/tree/rows.ts).
   */
  static fromPristine(bytes: Uint8Array, start: number, end: number, czxid: number, ctime: number, acl: readonly ACL[]): ZNode {
    const node = new ZNode(bytes, acl, czxid, czxid, czxid, ctime, ctime, 0, 0, 0, 0n, 'persistent', 0)
    node.stats[node.statAt + Slot.DataStart] = start
    node.stats[node.statAt + Slot.DataEnd] = end
    return node
  }

  /**
   * Whether the node was never changed since it was made: versions 0, mzxid and pzxid its czxid,
   * mtime its ctime (what a pristine row keeps the rest from).
   */
  private get pristine(): boolean {
    const stats = this.stats
    const at = this.statAt
    return (
      stats[at + Slot.Version] === 0 &&
      stats[at + Slot.Cversion] === 0 &&
      stats[at + Slot.Aversion] === 0 &&
      sameLong(stats, at + Slot.Mzxid, at + Slot.Czxid) &&
      sameLong(stats, at + Slot.Pzxid, at + Slot.Czxid) &&
      sameLong(stats, at + Slot.Mtime, at + Slot.Ctime)
    )
  }

  /**
   * Whether this node's row would continue `previous`'s run: the same buffer of values, and
   * either both pristine with this value right after `previous`'s and the same high halves of
   * czxid and ctime, or both over one block of numbers at consecutive slots.
   */
  continues(previous: ZNode): boolean {
    if (this.dataBytes !== previous.dataBytes) return false
    const pristine = this.pristine
    if (pristine !== previous.pristine) return false
    const stats = this.stats
    const at = this.statAt
    const before = previous.stats
    const beforeAt = previous.statAt
    if (!pristine) return stats === before && at === beforeAt + statFields
    // A pristine run keeps one epoch and one high half of the time for all its rows (lib/tree/rows.ts).
    return stats[at + Slot.DataStart] === before[beforeAt + Slot.DataEnd] && stats[at + Slot.Czxid + 1] === before[beforeAt + Slot.Czxid + 1] && stats[at + Slot.Ctime + 1] === before[beforeAt + Slot.Ctime + 1]
  }

  /** This node as a row of `rows` (see {@link RowStore.append}), or -1. */
  appendTo(rows: RowStore<ZNode>, mayStart: boolean): number {
    if (!this.pristine) return rows.append(this.dataBytes, this.stats, this.statAt, this.acl, mayStart)
    const stats = this.stats
    const at = this.statAt
    return rows.appendPristine(this.dataBytes, stats[at + Slot.DataStart]!, stats[at + Slot.DataEnd]!, this.czxid, this.ctime, this.acl, mayStart)
  }

  /** The zxid of the transaction that created the node. */
  get czxid(): number {
    return readLong(this.stats, this.statAt + Slot.Czxid)
  }

  set czxid(value: number) {
    writeLong(this.stats, this.statAt + Slot.Czxid, value)
  }

  /** The zxid of the transaction that last changed the node's data. */
  get mzxid(): number {
    return readLong(this.stats, this.statAt + Slot.Mzxid)
  }

  set mzxid(value: number) {
    writeLong(this.stats, this.statAt + Slot.Mzxid, value)
  }

  /** The zxid of the transaction that last changed the node's children. */
  get pzxid(): number {
    return readLong(this.stats, this.statAt + Slot.Pzxid)
  }

  set pzxid(value: number) {
    writeLong(this.stats, this.statAt + Slot.Pzxid, value)
  }

  /** When the node was created, in milliseconds since the epoch. */
  get ctime(): number {
    return readLong(this.stats, this.statAt + Slot.Ctime)
  }

  set ctime(value: number) {
    writeLong(this.stats, this.statAt + Slot.Ctime, value)
  }

  /** When the node's data was last changed, in milliseconds since the epoch. */
  get mtime(): number {
    return readLong(this.stats, this.statAt + Slot.Mtime)
  }

  set mtime(value: number) {
    writeLong(this.stats, this.statAt + Slot.Mtime, value)
  }

  /** The number of changes to the node's data. */
  get version(): number {
    return this.stats[this.statAt + Slot.Version]!
  }

  set version(value: number) {
    this.stats[this.statAt + Slot.Version] = value
  }

  /** The count of child creates (the client-visible cversion is derived from it in {@link ZNode.stat}). */
  get cversion(): number {
    return this.stats[this.statAt + Slot.Cversion]!
  }

  set cversion(value: number) {
    this.stats[this.statAt + Slot.Cversion] = value
  }

  /** The number of changes to the node's ACL. */
  get aversion(): number {
    return this.stats[this.statAt + Slot.Aversion]!
  }

  set aversion(value: number) {
    this.stats[this.statAt + Slot.Aversion] = value
  }

  /** The node's kind. */
  get kind(): NodeKind {
    return this.info === null ? 'persistent' : this.info.kind
  }

  /** The owning session of an ephemeral node, 0n for others. */
  get ephemeralOwner(): bigint {
    return this.info === null ? 0n : this.info.ephemeralOwner
  }

  /** The time to live in ms of a TTL node, 0 for others. */
  get ttlMs(): number {
    return this.info === null ? 0 : this.info.ttlMs
  }

  /** Length of the value in bytes. */
  get dataLength(): number {
    const at = this.statAt
    return this.stats[at + Slot.DataEnd]! - this.stats[at + Slot.DataStart]!
  }

  /**
   * The value: the tree's own bytes, which the caller must not modify (readers hand out copies).
   * For a node restored from a snapshot this is a new view of the bytes it was read from.
   */
  get data(): Uint8Array {
    const bytes = this.dataBytes
    const start = this.stats[this.statAt + Slot.DataStart]!
    const end = this.stats[this.statAt + Slot.DataEnd]!
    return start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end)
  }

  set data(value: Uint8Array) {
    this.dataBytes = value
    this.stats[this.statAt + Slot.DataStart] = 0
    this.stats[this.statAt + Slot.DataEnd] = value.length
  }

  /** Makes the value the `length` bytes of `bytes` at `start`, without a view of them (restore). */
  setDataSpan(bytes: Uint8Array, start: number, length: number): void {
    if (start < 0 || length < 0 || start + length > bytes.length) throw new RangeError(`data span ${start}+${length} is outside ${bytes.length} bytes`)
    this.dataBytes = bytes
    this.stats[this.statAt + Slot.DataStart] = start
    this.stats[this.statAt + Slot.DataEnd] = start + length
  }

  /** Copies the value into `target` at `offset`, without a view (snapshot writing). */
  copyDataTo(target: Uint8Array, offset: number): void {
    const bytes = this.dataBytes
    const start = this.stats[this.statAt + Slot.DataStart]!
    const end = this.stats[this.statAt + Slot.DataEnd]!
    if (start === 0 && end === bytes.length) target.set(bytes, offset)
    else target.set(bytes.subarray(start, end), offset)
  }

  /** The children's paths, wherever they are kept, or null when none were ever added. */
  private paths(): ChildPaths | null {
    const children = this.children
    return children instanceof ChildOrder ? children.paths : children
  }

  /** Number of children. */
  get numChildren(): number {
    const paths = this.paths()
    return paths === null ? 0 : Array.isArray(paths) ? paths.length : paths.size
  }

  /** The children's paths, in no order. */
  childPaths(): Iterable<string> {
    return this.paths() ?? noNames
  }

  /** Whether the child at `path` exists. */
  hasChild(path: string): boolean {
    const paths = this.paths()
    return paths !== null && (Array.isArray(paths) ? paths.includes(path) : paths.has(path))
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
    else if (children instanceof ChildOrder) {
      addPath(children.paths, path)
      ;(children.added ??= []).push(path)
    } else addPath(children, path)
  }

  /**
   * Removes the child at `path`. The first removal turns the list into a Set (once, in time
   * linear in the children).
   */
  removeChild(path: string): void {
    const children = this.children
    if (children === null) return
    if (children instanceof ChildOrder) {
      if (Array.isArray(children.paths)) children.paths = new Set(children.paths)
      if (children.paths.delete(path)) children.removed = true
    } else {
      const paths = Array.isArray(children) ? (this.children = new Set(children)) : children
      paths.delete(path)
    }
  }

  /**
   * The child names in code-unit order, kept between calls: only the children added or removed
   * since the last call are sorted and merged in, so reading a big node's children again costs no
   * sort (ZooKeeper returns them in no order; Paddock's clients and tests expect them sorted). The
   * list is the node's own: callers copy it before handing it out.
   */
  sortedChildren(): readonly string[] {
    const children = this.children
    if (children === null) return noNames
    if (this.numChildren === 0) {
      // Nothing to keep in order: the names of children gone are let go.
      if (children instanceof ChildOrder) this.children = children.paths
      return noNames
    }
    if (!(children instanceof ChildOrder)) return this.resetSorted(children, [...children].sort())
    // Many changes since the last sort: sorting everything is as cheap.
    const added = children.added ?? noNames
    if (added.length * 4 > children.sorted.length) return this.resetSorted(children.paths, [...children.paths].sort())
    if (added.length === 0 && !children.removed) return children.names
    // A list has seen no removal: every path sorted or added is still a child.
    const paths = children.paths
    return this.resetSorted(paths, mergeChildren(children.sorted, added, Array.isArray(paths) ? null : paths))
  }

  /** Keeps `sorted` (the paths of `paths` in order) and returns the names it makes, which are kept too. */
  private resetSorted(paths: ChildPaths, sorted: string[]): string[] {
    // Every child's path is this node's path and a slash before its name.
    const cut = sorted.length === 0 ? 0 : sorted[0]!.lastIndexOf('/') + 1
    const names = sorted.map((path) => path.slice(cut))
    this.children = new ChildOrder(paths, sorted, names)
    return names
  }

  /** The client-visible Stat (DataNode.copyStat). */
  stat(): Stat {
    const numChildren = this.numChildren
    const stats = this.stats
    const at = this.statAt
    const info = this.info
    return new StatRecord(
      readLong(stats, at + Slot.Czxid),
      readLong(stats, at + Slot.Mzxid),
      readLong(stats, at + Slot.Ctime),
      readLong(stats, at + Slot.Mtime),
      stats[at + Slot.Version]!,
      // Stored is the count of creates; every create has a delete except children still present.
      stats[at + Slot.Cversion]! * 2 - numChildren,
      stats[at + Slot.Aversion]!,
      info !== null && info.kind === 'ephemeral' ? info.ephemeralOwner : 0n,
      stats[at + Slot.DataEnd]! - stats[at + Slot.DataStart]!,
      numChildren,
      readLong(stats, at + Slot.Pzxid),
    )
  }
}

/** Adds `path` to a node's children's paths, in whichever form they are. */
function addPath(paths: ChildPaths, path: string): void {
  if (Array.isArray(paths)) paths.push(path)
  else paths.add(path)
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

/**
 * Whether `path` is one of {@link systemPaths}. Looks at the path's start before the set, whose
 * lookup computes V8's hash of the string: a restore asks this of every path it inserts, and for
 * ten million that hash had taken a third of the restore's own time.
 */
function isSystemPath(path: string): boolean {
  return (path.length === 1 || path.startsWith('/zookeeper')) && systemPaths.has(path)
}

/** The znode tree with its indexes of ephemerals, containers and TTL nodes. */
export class DataTree {
  /**
   * Every node by its path (see lib/tree/path-index.ts for why not a `Map`): a node, or the number
   * of a row of {@link DataTree.rows} for a plain leaf restored from a snapshot and not changed since.
   */
  private readonly nodes: PathIndex<ZNode | number>
  /** Restored plain leaves without node objects of their own (lib/tree/rows.ts). */
  private readonly rows = new RowStore<ZNode>(statFields, ZNode.view, ZNode.fromPristine)
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

  /**
   * @param options.hashSeeds - Draws seeds for the hash of the index of paths; a server passes
   *   random ones, so that paths chosen to collide under one seed cannot be known in advance.
   *   Without it the seeds are a fixed sequence (this module takes no ambient input).
   */
  constructor(options: { hashSeeds?: () => number } = {}) {
    this.nodes = new PathIndex<ZNode | number>(options.hashSeeds === undefined ? {} : { seeds: options.hashSeeds })
    this.clear()
  }

  /** Empties the tree back to the system nodes (before a snapshot from the leader is installed). */
  clear(): void {
    this.invalidateCaptures('the tree was replaced')
    this.quotas.clear()
    this.nodes.clear()
    this.rows.clear()
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

  /**
   * The node at `path`, or undefined. The caller must not modify it. A restored leaf comes as a
   * view made now (see lib/tree/rows.ts), so two calls may give two objects; a view taken before a
   * change keeps showing the node as it was.
   */
  get(path: string): ZNode | undefined {
    const entry = this.nodes.get(path)
    return entry === undefined ? undefined : this.nodeOf(entry)
  }

  /** The node an entry of the index stands for: itself, or a view of its row. */
  private nodeOf(entry: ZNode | number): ZNode {
    return typeof entry === 'number' ? this.rows.view(entry) : entry
  }

  /** Number of znodes kept as rows rather than node objects (restored leaves not changed since). */
  get rowCount(): number {
    return this.rows.size
  }

  /** The node at `path` to change: a row becomes a node of its own first. */
  private writable(path: string): ZNode | undefined {
    const entry = this.nodes.get(path)
    if (typeof entry !== 'number') return entry
    const node = this.rows.view(entry).detach()
    this.nodes.set(path, node)
    this.rows.release(entry)
    return node
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
  *entries(): IterableIterator<[string, ZNode]> {
    for (const [path, entry] of this.nodes.entries()) yield [path, this.nodeOf(entry)]
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
      const node = this.get(at)
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
    const current = this.get(configNodePath)
    // Already showing it (the reconfig's commit and its activation both get here): no second event.
    if (current !== undefined && current.mzxid === version && sameBytes(current.data, data)) {
      return { type: 'reconfig', err: 0, data: current.data.slice(), stat: current.stat() }
    }
    const result = this.setData({ sessionId: 0n, cxid: 0, zxid: version, time }, configNodePath, data, -1)
    const node = this.get(configNodePath) as ZNode
    // A copy: the caller hands it to a client, and the tree's bytes stay private.
    return { type: 'reconfig', err: 0, data: node.data.slice(), stat: result.type === 'setData' ? result.stat : node.stat() }
  }

  private createNode(header: TxnHeader, txn: CreateTxn): TxnResult {
    const parentName = parentPath(txn.path)
    const parent = this.writable(parentName)
    if (parent === undefined) return errorResult(ErrorCode.NONODE)
    this.beforeChange(parentName, parent)
    const { zxid, time } = header
    // Replayed txns may be older than the state a fuzzy snapshot captured: never go back. The
    // parent is updated even when the node exists, as ZooKeeper does on replay (ZOOKEEPER-1046).
    if (txn.parentCVersion > parent.cversion) parent.cversion = txn.parentCVersion
    if (zxid > parent.pzxid) parent.pzxid = zxid
    const hash = this.nodes.hashIfAbsent(txn.path)
    if (hash === undefined) return errorResult(ErrorCode.NODEEXISTS)
    this.beforeChange(txn.path, undefined)
    const node = new ZNode(txn.data, internACL(txn.acl), zxid, zxid, zxid, time, time, 0, 0, 0, txn.ephemeralOwner, txn.kind, txn.ttlMs)
    this.nodes.addHashed(txn.path, node, hash)
    this.restoredOnly = false
    this.dataSize += txn.path.length + txn.data.length
    parent.addChild(txn.path)
    this.indexNode(txn.path, node)
    this.quotaNodeCreated(parentName, txn.path)
    this.countUsage(txn.path, txn.data.length, 1)
    this.listener?.('NodeCreated', txn.path, zxid)
    this.listener?.('NodeChildrenChanged', parentName, zxid)
    return { type: 'create', err: 0, path: txn.path, stat: node.stat() }
  }

  private deleteNode(path: string, zxid: number): TxnResult {
    const entry = this.nodes.get(path)
    if (entry === undefined) return errorResult(ErrorCode.NONODE)
    const node = this.nodeOf(entry)
    const parentName = parentPath(path)
    const parent = this.writable(parentName)
    this.beforeChange(path, node)
    if (parent !== undefined) this.beforeChange(parentName, parent)
    this.nodes.delete(path)
    if (typeof entry === 'number') this.rows.release(entry)
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
    const node = this.writable(path)
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
    const node = this.writable(path)
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
  private quotaNodeCreated(parentName: string, path: string): void {
    const quotaPath = quotaPathOf(parentName)
    if (quotaPath === undefined) return
    const name = baseName(path)
    if (name === limitNode) this.quotas.add(quotaPath)
    else if (name === statNode) this.refreshUsage(quotaPath)
  }

  /** Adds a change of `bytes` and `count` nodes under `path` to its quota root's stat node, if any. */
  private countUsage(path: string, bytes: number, count: number): void {
    const root = this.quotas.rootOf(path)
    if (root === undefined) return
    const stats = this.writable(statPathOf(root))
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
    const stats = this.writable(statPathOf(path))
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
    this.writable(parentPath(path))?.addChild(path)
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
      const node = this.get(path)
      if (node !== undefined && node.cversion > 0 && node.numChildren === 0) due.push(path)
    }
    for (const path of this.ttls) {
      const node = this.get(path)
      if (node !== undefined && node.numChildren === 0 && now - node.mtime > node.ttlMs) due.push(path)
    }
    return due
  }

  /**
   * Inserts nodes restored from a snapshot, `nodes[i]` at `paths[i]`; parents must come before
   * their children. A node at a path the tree holds replaces it and keeps its children. Siblings usually follow one another, so
   * the last parent is remembered instead of being looked up by a sliced path for every node.
   * Throws a {@link NotATreeError}, leaving the tree to be cleared, for a node whose parent is not
   * in the tree when it comes, and for a path restored twice into a tree that held only restored
   * nodes (a snapshot holds each path once). Plain leaves whose values and
   * numbers sit side by side (as a snapshot chunk's do) are kept as rows, without the node objects
   * passed in.
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
      const entry = restoredOnly && !isSystemPath(path) ? undefined : this.nodes.get(path)
      const existing = entry === undefined ? undefined : this.nodeOf(entry)
      if (existing !== undefined) node.adoptChildren(existing)
      this.dataSize += node.dataLength - (existing === undefined ? -path.length : existing.dataLength)
      // A plain leaf is kept as a row when it continues a run, or the next one would continue it.
      const row = node.plainLeaf ? node.appendTo(this.rows, continuesAsRow(nodes[i + 1], node)) : -1
      const stored = row < 0 ? node : row
      if (entry !== undefined) {
        this.nodes.set(path, stored)
        if (typeof entry === 'number') this.rows.release(entry)
      } else if (!this.nodes.add(path, stored)) throw new NotATreeError(`the snapshot holds ${path} twice`)
      // A row is not the node the tree holds: its first child looks it up, which detaches it.
      if (path === parentName) parent = row < 0 ? node : undefined
      // A node that existed is its parent's child already.
      if (existing === undefined && path !== '/') {
        const slash = path.lastIndexOf('/')
        const parentLength = slash === 0 ? 1 : slash
        if (parent === undefined || parentName.length !== parentLength || !path.startsWith(parentName)) {
          parentName = parentPath(path)
          parent = this.writable(parentName)
        }
        // A snapshot lists a parent before its children: one that does not is no tree.
        if (parent === undefined) throw new NotATreeError(`the snapshot holds ${path} without its parent before it`)
        parent.addChild(path)
      }
      if (node.kind !== 'persistent') this.indexNode(path, node)
    }
    this.rows.seal()
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

/** Whether `next` would be a row continuing `node`'s run (lib/tree/rows.ts). */
function continuesAsRow(next: ZNode | undefined, node: ZNode): boolean {
  return next !== undefined && next.plainLeaf && next.continues(node)
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
