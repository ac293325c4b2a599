/**
 * The prep stage (apache/zookeeper PrepRequestProcessor): validates a write against the tree
 * plus the changes still in flight, checks ACLs and (when enforced) quotas, resolves sequential
 * names, and turns the request into an idempotent transaction — or an error transaction, which is
 * still ordered and applied so the client gets its reply in order. Checks run in ZooKeeper's
 * order so error codes match.
 * @module
 */
import { ErrorCode, type ErrorCodeName } from '../errors.js'
import { parentPath, pathProblem } from '../path.js'
import { fixupACL, hasPermission } from '../tree/acl.js'
import { configNodePath, systemPaths, type DataTree } from '../tree/data-tree.js'
import { ttlMsMax, znodesMax } from '../limits.js'
import { Perms, type ACL, type Id } from '../protocol/data.js'
import type { CheckRequest, CreateRequest, DeleteRequest, MultiOp, ReconfigRequest, SetACLRequest, SetDataRequest, WriteRequest } from '../protocol/requests.js'
import type { NodeKind, TreeTxn } from '../txn/types.js'
import { prepareReconfig, type ReconfigSupport } from './reconfig.js'
import { limitPathOf, parseStats, PendingUsage, QuotaLog, quotaExcessLine, quotaExcesses, statPathOf, type QuotaStats, type UsageChange } from '../tree/quota.js'

/**
 * What prep needs to know of a node, as the tree will have it once in-flight changes apply: the
 * tree's own node when no change of it is in flight (read at once, never kept), else the newest
 * change's {@link NodeState}.
 */
interface NodeRecord {
  readonly version: number
  readonly aversion: number
  /** Stored child-create counter (not the client-visible cversion). */
  readonly cversion: number
  readonly numChildren: number
  readonly ephemeralOwner: bigint
  readonly kind: NodeKind
  readonly acl: readonly ACL[]
  readonly mtime: number
  /** Length of the node's data (a setData's quota check needs the old length). */
  readonly dataLength: number
}

/** A node's state after a change in flight: prep's own record, never the tree's node. */
class NodeState implements NodeRecord {
  constructor(
    readonly version: number,
    readonly aversion: number,
    readonly cversion: number,
    readonly numChildren: number,
    readonly ephemeralOwner: bigint,
    readonly kind: NodeKind,
    readonly acl: readonly ACL[],
    readonly mtime: number,
    readonly dataLength: number,
  ) {}
}

/** `node` (the tree's or a change's) with `changes`, as a state of its own. */
function changed(node: NodeRecord, changes: Partial<NodeRecord>): NodeState {
  return new NodeState(
    changes.version ?? node.version,
    changes.aversion ?? node.aversion,
    changes.cversion ?? node.cversion,
    changes.numChildren ?? node.numChildren,
    node.ephemeralOwner,
    node.kind,
    changes.acl ?? node.acl,
    changes.mtime ?? node.mtime,
    changes.dataLength ?? node.dataLength,
  )
}

/** A change in flight: the node's state after transaction `zxid`, or null once deleted. */
interface ChangeRecord {
  zxid: number
  path: string
  node: NodeState | null
  /** What the change adds to its quota root's usage, while quotas are enforced and it has a root. */
  quota: UsageChange | undefined
}

/** The session a request comes from. */
export interface PrepContext {
  sessionId: bigint
  authInfo: readonly Id[]
  zxid: number
  time: number
}

/** Limits and switches that decide what prep accepts. */
export interface PrepOptions {
  /** Largest data in bytes (jute.maxbuffer). */
  maxDataBytes: number
  /** Whether TTL nodes may be created (ZooKeeper: zookeeper.extendedTypesEnabled). */
  extendedTypesEnabled: boolean
  /** Skip every ACL check (ZooKeeper: skipACL). */
  skipACL: boolean
  /** Refuse creates and setData past a hard quota, and log those past a soft one (ZooKeeper: zookeeper.enforceQuota). */
  enforceQuota: boolean
  /** Where quota lines go (rate-limited). @defaultValue console.warn with a `paddock: ` prefix */
  quotaWarn?: (line: string) => void
  /** Called with the quota root of each write refused for a hard quota (the per-namespace counter). */
  quotaRefused?: (root: string) => void
  /** Whether clients may reconfig (ZooKeeper's reconfigEnabled). */
  reconfigEnabled: boolean
  /** Most znodes the tree may hold; a create that could take it past is QUOTAEXCEEDED. @defaultValue {@link znodesMax} */
  znodesMax?: number
}

// Not an Error: it is thrown only inside Prep and always caught there, and a refused write
// (NODEEXISTS, BADVERSION, ...) is common enough that capturing a stack would cost more than the
// rest of preparing it.
class PrepError {
  constructor(readonly err: number) {}
}

function fail(code: ErrorCodeName): never {
  throw new PrepError(ErrorCode[code])
}

/**
 * Fewest changes in flight for which prep keeps them indexed by path. With fewer, as on a member
 * that commits each write as it is proposed, a lookup scans them: cheaper than a `Map` that fills
 * and empties (and so reallocates its table) on every write.
 */
const indexFrom = 16

/** Turns write requests into transactions against the tree plus outstanding changes. */
export class Prep {
  /** The newest change in flight of each path, while {@link indexed}. */
  private readonly outstanding = new Map<string, ChangeRecord>()
  /** Whether `outstanding` indexes the changes in flight (from {@link indexFrom} of them until none is left). */
  private indexed = false
  /** Changes not yet in the tree, oldest first, from `inFlightHead` on (committed ones are skipped, not spliced, per commit). */
  private readonly inFlight: ChangeRecord[] = []
  private inFlightHead = 0
  /** While a multi is being prepared: what each addChange replaced, to roll back on failure. */
  private undoLog: [string, ChangeRecord | undefined][] | null = null
  /** The quota usage the changes in flight will add, by quota root (kept only while quotas are enforced). */
  private readonly pendingUsage = new PendingUsage()
  private readonly quotaLog: QuotaLog
  /** What a reconfig needs: the ensemble's state and the configuration format (absent: standalone). */
  reconfig: ReconfigSupport | undefined

  constructor(
    private readonly tree: DataTree,
    private readonly options: PrepOptions,
  ) {
    this.quotaLog = new QuotaLog(options.quotaWarn ?? ((line) => console.warn(`paddock: ${line}`)))
  }

  /** Builds the transaction for `request`; failures become an error transaction. */
  prepare(request: WriteRequest, ctx: PrepContext): TreeTxn {
    try {
      return request.op === 'multi' ? this.prepareMulti(request.ops, ctx) : this.prepareOne(request, ctx)
    } catch (e) {
      if (e instanceof PrepError) return { type: 'error', err: e.err }
      throw e
    }
  }

  /** Forgets in-flight changes up to and including `zxid`, now that the tree has them. */
  committed(zxid: number): void {
    let head = this.inFlightHead
    while (head < this.inFlight.length && (this.inFlight[head]?.zxid ?? Infinity) <= zxid) {
      const change = this.inFlight[head]!
      if (this.indexed && this.outstanding.get(change.path) === change) this.outstanding.delete(change.path)
      if (change.quota !== undefined) this.pendingUsage.remove(change.quota)
      head++
    }
    // Usually every change in flight is now in the tree: empty the list without splice's copy, by
    // popping, which keeps its room (setting its length to 0 would drop it, and the next write's
    // push allocate it again). Otherwise move the head, and compact only once the skipped part is
    // most of the list.
    if (head === this.inFlight.length) {
      while (this.inFlight.length > 0) this.inFlight.pop()
      this.inFlightHead = 0
      this.unindex()
    } else if (head > 64 && head * 2 > this.inFlight.length) {
      this.inFlight.splice(0, head)
      this.inFlightHead = 0
    } else this.inFlightHead = head
  }

  /** The proposal prepared as `predicted` got zxid `actual`: relabel its in-flight changes. */
  renumber(predicted: number, actual: number): void {
    for (let i = this.inFlightHead; i < this.inFlight.length; i++) {
      const change = this.inFlight[i]!
      if (change.zxid === predicted) change.zxid = actual
    }
  }

  /** The proposal prepared as `zxid` was refused: its changes will never apply. */
  forget(zxid: number): void {
    const live = this.inFlight.slice(this.inFlightHead)
    const kept = live.filter((change) => change.zxid !== zxid)
    if (kept.length === live.length) return
    this.inFlight.length = 0
    this.inFlightHead = 0
    this.inFlight.push(...kept)
    this.pendingUsage.clear()
    for (const change of kept) if (change.quota !== undefined) this.pendingUsage.add(change.quota)
    this.reindex()
  }

  /** Forgets every in-flight change (the member stopped leading, or its state was replaced). */
  reset(): void {
    this.pendingUsage.clear()
    this.inFlight.length = 0
    this.inFlightHead = 0
    this.unindex()
  }

  /** Indexes the changes in flight by path afresh, or stops indexing when they are few. */
  private reindex(): void {
    this.unindex()
    if (this.inFlight.length - this.inFlightHead < indexFrom) return
    for (let i = this.inFlightHead; i < this.inFlight.length; i++) this.outstanding.set(this.inFlight[i]!.path, this.inFlight[i]!)
    this.indexed = true
  }

  private unindex(): void {
    if (!this.indexed) return
    this.outstanding.clear()
    this.indexed = false
  }

  /** The newest change in flight of `path`, if any. */
  private inFlightChange(path: string): ChangeRecord | undefined {
    if (this.indexed) return this.outstanding.get(path)
    for (let i = this.inFlight.length - 1; i >= this.inFlightHead; i--) {
      const change = this.inFlight[i]!
      if (change.path === path) return change
    }
    return undefined
  }

  /** Ephemerals of a session, pending changes included (for closeSession's paths2Delete). */
  ephemeralsOf(sessionId: bigint): string[] {
    const paths = new Set(this.tree.ephemerals.get(sessionId) ?? [])
    for (let i = this.inFlightHead; i < this.inFlight.length; i++) {
      const change = this.inFlight[i]!
      if (change.node === null) paths.delete(change.path)
      else if (change.node.kind === 'ephemeral' && change.node.ephemeralOwner === sessionId) paths.add(change.path)
    }
    return [...paths].sort()
  }

  private prepareOne(request: Exclude<WriteRequest, { op: 'multi' }>, ctx: PrepContext): TreeTxn {
    switch (request.op) {
      case 'create':
        return this.prepCreate(request, ctx)
      case 'delete':
        return this.prepDelete(request, ctx)
      case 'setData':
        return this.prepSetData(request, ctx)
      case 'setACL':
        return this.prepSetACL(request, ctx)
      case 'check':
        return this.prepCheck(request, ctx)
      case 'closeSession':
        return this.prepCloseSession(ctx)
      case 'deleteContainer':
        return this.prepDeleteContainer(request.path, ctx)
      case 'reconfig':
        return this.prepReconfig(request, ctx)
    }
  }

  // The ensemble checks first, then WRITE on /zookeeper/config, as ZooKeeper orders them.
  private prepReconfig(request: ReconfigRequest, ctx: PrepContext): TreeTxn {
    const outcome = prepareReconfig(request, this.options.reconfigEnabled, this.reconfig)
    if ('refuse' in outcome) fail(outcome.refuse)
    const node = this.record(configNodePath)
    if (node === null) fail('NONODE')
    this.checkACL(node.acl, Perms.WRITE, ctx)
    return outcome.txn
  }

  private prepareMulti(ops: readonly MultiOp[], ctx: PrepContext): TreeTxn {
    const mark = this.inFlight.length
    const indexedBefore = this.indexed
    this.undoLog = []
    const txns: TreeTxn[] = []
    let failedAt = -1
    let failure = 0
    try {
      for (const [i, op] of ops.entries()) {
        try {
          txns.push(this.prepareOne(op, ctx))
        } catch (e) {
          if (!(e instanceof PrepError)) throw e
          failedAt = i
          failure = e.err
          break
        }
      }
      if (failedAt >= 0) this.rollback(mark, indexedBefore ? this.undoLog : undefined)
    } finally {
      this.undoLog = null
    }
    if (failedAt < 0) return { type: 'multi', txns }
    const errors: TreeTxn[] = ops.map((_, i) => ({
      type: 'error',
      err: i < failedAt ? ErrorCode.OK : i === failedAt ? failure : ErrorCode.RUNTIMEINCONSISTENCY,
    }))
    return { type: 'multi', txns: errors }
  }

  // A failed multi changes nothing: undo what its earlier ops put in flight, newest first. Without
  // `undo` (the index was made during the multi, or there is none), the index is made afresh.
  private rollback(mark: number, undo: [string, ChangeRecord | undefined][] | undefined): void {
    for (const change of this.inFlight.splice(mark)) if (change.quota !== undefined) this.pendingUsage.remove(change.quota)
    if (undo === undefined) return this.reindex()
    for (let i = undo.length - 1; i >= 0; i--) {
      const [path, previous] = undo[i]!
      if (previous === undefined) this.outstanding.delete(path)
      else this.outstanding.set(path, previous)
    }
  }

  private record(path: string): NodeRecord | null {
    const change = this.inFlightChange(path)
    if (change !== undefined) return change.node
    return this.tree.get(path) ?? null
  }

  private addChange(zxid: number, path: string, node: NodeState | null, quota?: UsageChange): void {
    const change = { zxid, path, node, quota }
    this.inFlight.push(change)
    if (this.indexed) {
      this.undoLog?.push([path, this.outstanding.get(path)])
      this.outstanding.set(path, change)
    } else if (this.inFlight.length - this.inFlightHead >= indexFrom) this.reindex()
    if (quota !== undefined) this.pendingUsage.add(quota)
  }

  /** The usage change of a write under `path`, when quotas are enforced and a quota root is above it. */
  private usageChange(path: string, count: number, bytes: number): UsageChange | undefined {
    if (!this.options.enforceQuota) return undefined
    const root = this.tree.quotaRootOf(path)
    return root === undefined ? undefined : { root, count, bytes }
  }

  /**
   * ZooKeeperServer.checkQuota: refuses with QUOTAEXCEEDED a create or setData that would take its
   * quota root past a hard limit, and logs one past a soft limit. Usage is the root's stat node
   * plus the changes in flight under it, so writes in flight (a multi's earlier ops included)
   * cannot together pass a hard limit. Returns the change to record with the write.
   */
  private checkQuota(path: string, count: number, bytes: number, ctx: PrepContext): UsageChange | undefined {
    const change = this.usageChange(path, count, bytes)
    if (change === undefined) return undefined
    const limits = this.quotaNode(limitPathOf(change.root))
    const stats = this.quotaNode(statPathOf(change.root))
    // A root without its limit or stat node (written by hand, or half deleted) is not checked, as in ZooKeeper.
    if (limits === undefined || stats === undefined) return change
    const pending = this.pendingUsage.of(change.root)
    const usage = { count: stats.count + pending.count, bytes: stats.bytes + pending.bytes }
    for (const excess of quotaExcesses(limits, usage, count, bytes)) {
      this.quotaLog.log(change.root, quotaExcessLine(change.root, excess), ctx.time)
      if (!excess.hard) continue
      this.options.quotaRefused?.(change.root)
      fail('QUOTAEXCEEDED')
    }
    return change
  }

  /** The figures of a quota node in the tree, or undefined when it is missing or not a quota node's text. */
  private quotaNode(path: string): QuotaStats | undefined {
    const node = this.tree.get(path)
    return node === undefined ? undefined : parseStats(node.data)
  }

  /**
   * Refuses a create once the tree plus every change in flight reaches the tree's bound: each
   * change in flight counts as a create that may be coming, so the bound holds whatever they are.
   */
  private checkRoom(): void {
    if (this.tree.size + (this.inFlight.length - this.inFlightHead) >= (this.options.znodesMax ?? znodesMax)) fail('QUOTAEXCEEDED')
  }

  private checkACL(acl: readonly ACL[], perm: number, ctx: PrepContext): void {
    if (!this.options.skipACL && !hasPermission(acl, perm, ctx.authInfo)) fail('NOAUTH')
  }

  private checkData(data: Uint8Array): void {
    if (data.length > this.options.maxDataBytes) fail('BADARGUMENTS')
  }

  private prepCreate(request: CreateRequest, ctx: PrepContext): TreeTxn {
    const { kind, sequential } = this.validateMode(request)
    if (pathProblem(sequential ? request.path + '1' : request.path) !== undefined) fail('BADARGUMENTS')
    this.checkData(request.data)
    const acl = fixupACL(request.acl, ctx.authInfo)
    if (acl === undefined) fail('INVALIDACL')
    if (request.path === '/') fail('NODEEXISTS')
    const parentName = parentPath(request.path)
    const parent = this.record(parentName)
    if (parent === null) fail('NONODE')
    this.checkACL(parent.acl, Perms.CREATE, ctx)
    const path = sequential ? request.path + sequenceSuffix(parent.cversion) : request.path
    if (this.record(path) !== null) fail('NODEEXISTS')
    if (parent.kind === 'ephemeral') fail('NOCHILDRENFOREPHEMERALS')
    this.checkRoom()
    const quota = this.checkQuota(path, 1, request.data.length, ctx)
    const parentCVersion = (parent.cversion + 1) | 0
    const ephemeralOwner = kind === 'ephemeral' ? ctx.sessionId : 0n
    const ttlMs = kind === 'ttl' ? (request.ttlMs ?? 0) : 0
    this.addChange(ctx.zxid, parentName, changed(parent, { cversion: parentCVersion, numChildren: parent.numChildren + 1 }))
    const node = new NodeState(0, 0, 0, 0, ephemeralOwner, kind, acl, ctx.time, request.data.length)
    this.addChange(ctx.zxid, path, node, quota)
    return { type: 'create', path, data: request.data, acl, kind, ephemeralOwner, ttlMs, parentCVersion }
  }

  private validateMode(request: CreateRequest): CreateModeInfo {
    const mode = request.mode
    const isTTL = mode === 5 || mode === 6
    if (isTTL && !this.options.extendedTypesEnabled) fail('UNIMPLEMENTED')
    if (isTTL) {
      const ttl = request.ttlMs ?? 0
      if (!(Number.isInteger(ttl) && ttl > 0 && ttl <= ttlMsMax)) fail('BADARGUMENTS')
    } else if (request.ttlMs !== undefined && request.ttlMs > 0) {
      fail('BADARGUMENTS')
    }
    return createModes[mode] ?? fail('BADARGUMENTS')
  }

  private prepDelete(request: DeleteRequest, ctx: PrepContext): TreeTxn {
    const path = request.path
    if (pathProblem(path) !== undefined || systemPaths.has(path)) fail('BADARGUMENTS')
    const parentName = parentPath(path)
    const parent = this.record(parentName)
    if (parent === null) fail('NONODE')
    this.checkACL(parent.acl, Perms.DELETE, ctx)
    const node = this.record(path)
    if (node === null) fail('NONODE')
    checkVersion(request.version, node.version)
    if (node.numChildren > 0) fail('NOTEMPTY')
    this.addChange(ctx.zxid, parentName, changed(parent, { numChildren: parent.numChildren - 1 }))
    this.addChange(ctx.zxid, path, null, this.usageChange(path, -1, -node.dataLength))
    return { type: 'delete', path }
  }

  private prepSetData(request: SetDataRequest, ctx: PrepContext): TreeTxn {
    const path = request.path
    if (pathProblem(path) !== undefined) fail('BADARGUMENTS')
    this.checkData(request.data)
    const node = this.record(path)
    if (node === null) fail('NONODE')
    this.checkACL(node.acl, Perms.WRITE, ctx)
    const quota = this.checkQuota(path, 0, request.data.length - node.dataLength, ctx)
    checkVersion(request.version, node.version)
    const version = (node.version + 1) | 0
    this.addChange(ctx.zxid, path, changed(node, { version, mtime: ctx.time, dataLength: request.data.length }), quota)
    return { type: 'setData', path, data: request.data, version }
  }

  private prepSetACL(request: SetACLRequest, ctx: PrepContext): TreeTxn {
    const path = request.path
    if (pathProblem(path) !== undefined) fail('BADARGUMENTS')
    const acl = fixupACL(request.acl, ctx.authInfo)
    if (acl === undefined) fail('INVALIDACL')
    const node = this.record(path)
    if (node === null) fail('NONODE')
    this.checkACL(node.acl, Perms.ADMIN, ctx)
    checkVersion(request.version, node.aversion)
    const version = (node.aversion + 1) | 0
    this.addChange(ctx.zxid, path, changed(node, { acl, aversion: version }))
    return { type: 'setACL', path, acl, version }
  }

  private prepCheck(request: CheckRequest, ctx: PrepContext): TreeTxn {
    const path = request.path
    if (pathProblem(path) !== undefined) fail('BADARGUMENTS')
    const node = this.record(path)
    if (node === null) fail('NONODE')
    this.checkACL(node.acl, Perms.READ, ctx)
    checkVersion(request.version, node.version)
    return { type: 'check', path, version: request.version }
  }

  private prepCloseSession(ctx: PrepContext): TreeTxn {
    const paths2Delete = this.ephemeralsOf(ctx.sessionId)
    for (const path of paths2Delete) {
      const parentName = parentPath(path)
      const parent = this.record(parentName)
      if (parent !== null) this.addChange(ctx.zxid, parentName, changed(parent, { numChildren: parent.numChildren - 1 }))
      const node = this.options.enforceQuota ? this.record(path) : null
      this.addChange(ctx.zxid, path, null, node === null ? undefined : this.usageChange(path, -1, -node.dataLength))
    }
    return { type: 'closeSession', paths2Delete }
  }

  private prepDeleteContainer(path: string, ctx: PrepContext): TreeTxn {
    const node = this.record(path)
    if (node === null) fail('NONODE')
    if (node.kind !== 'container' && node.kind !== 'ttl') fail('BADARGUMENTS')
    if (node.numChildren > 0) fail('NOTEMPTY')
    const parentName = parentPath(path)
    const parent = this.record(parentName)
    if (parent !== null) this.addChange(ctx.zxid, parentName, changed(parent, { numChildren: parent.numChildren - 1 }))
    this.addChange(ctx.zxid, path, null, this.usageChange(path, -1, -node.dataLength))
    return { type: 'delete', path }
  }
}

/** A create mode's kind of node, and whether its name gets a sequence suffix. */
interface CreateModeInfo {
  readonly kind: NodeKind
  readonly sequential: boolean
}

/** The create modes by their number (CreateMode's flag): shared, so a create allocates none. */
const createModes: readonly CreateModeInfo[] = Object.freeze([
  { kind: 'persistent', sequential: false },
  { kind: 'ephemeral', sequential: false },
  { kind: 'persistent', sequential: true },
  { kind: 'ephemeral', sequential: true },
  { kind: 'container', sequential: false },
  { kind: 'ttl', sequential: false },
  { kind: 'ttl', sequential: true },
])

function checkVersion(expected: number, actual: number): void {
  if (expected !== -1 && expected !== actual) fail('BADVERSION')
}

/** ZooKeeper's sequence suffix: `%010d` of the parent's stored child-create counter. */
export function sequenceSuffix(counter: number): string {
  return counter >= 0 ? String(counter).padStart(10, '0') : '-' + String(-counter).padStart(9, '0')
}
