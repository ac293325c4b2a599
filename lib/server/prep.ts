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

/** What prep needs to know of a node, as the tree will have it once in-flight changes apply. */
interface NodeRecord {
  version: number
  aversion: number
  /** Stored child-create counter (not the client-visible cversion). */
  cversion: number
  numChildren: number
  ephemeralOwner: bigint
  kind: NodeKind
  acl: readonly ACL[]
  mtime: number
  /** Length of the node's data (a setData's quota check needs the old length). */
  dataLength: number
}

/** A change in flight: the node's state after transaction `zxid`, or null once deleted. */
interface ChangeRecord {
  zxid: number
  path: string
  node: NodeRecord | null
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

/** Turns write requests into transactions against the tree plus outstanding changes. */
export class Prep {
  private readonly outstanding = new Map<string, ChangeRecord>()
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
      if (this.outstanding.get(change.path) === change) this.outstanding.delete(change.path)
      if (change.quota !== undefined) this.pendingUsage.remove(change.quota)
      head++
    }
    // Usually every change in flight is now in the tree: empty the list without splice's copy.
    // Otherwise move the head, and compact only once the skipped part is most of the list.
    if (head === this.inFlight.length) {
      this.inFlight.length = 0
      this.inFlightHead = 0
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
    this.outstanding.clear()
    this.pendingUsage.clear()
    for (const change of kept) {
      this.outstanding.set(change.path, change)
      if (change.quota !== undefined) this.pendingUsage.add(change.quota)
    }
  }

  /** Forgets every in-flight change (the member stopped leading, or its state was replaced). */
  reset(): void {
    this.outstanding.clear()
    this.pendingUsage.clear()
    this.inFlight.length = 0
    this.inFlightHead = 0
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
      if (failedAt >= 0) this.rollback(mark, this.undoLog)
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

  // A failed multi changes nothing: undo what its earlier ops put in flight, newest first.
  private rollback(mark: number, undo: [string, ChangeRecord | undefined][]): void {
    for (const change of this.inFlight.splice(mark)) if (change.quota !== undefined) this.pendingUsage.remove(change.quota)
    for (let i = undo.length - 1; i >= 0; i--) {
      const [path, previous] = undo[i]!
      if (previous === undefined) this.outstanding.delete(path)
      else this.outstanding.set(path, previous)
    }
  }

  private record(path: string): NodeRecord | null {
    const change = this.outstanding.get(path)
    if (change !== undefined) return change.node
    const node = this.tree.get(path)
    if (node === undefined) return null
    return {
      version: node.version,
      aversion: node.aversion,
      cversion: node.cversion,
      numChildren: node.numChildren,
      ephemeralOwner: node.ephemeralOwner,
      kind: node.kind,
      acl: node.acl,
      mtime: node.mtime,
      dataLength: node.dataLength,
    }
  }

  private addChange(zxid: number, path: string, node: NodeRecord | null, quota?: UsageChange): void {
    const change = { zxid, path, node, quota }
    this.undoLog?.push([path, this.outstanding.get(path)])
    this.outstanding.set(path, change)
    this.inFlight.push(change)
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
    this.addChange(ctx.zxid, parentName, { ...parent, cversion: parentCVersion, numChildren: parent.numChildren + 1 })
    const node = { version: 0, aversion: 0, cversion: 0, numChildren: 0, ephemeralOwner, kind, acl, mtime: ctx.time, dataLength: request.data.length }
    this.addChange(ctx.zxid, path, node, quota)
    return { type: 'create', path, data: request.data, acl, kind, ephemeralOwner, ttlMs, parentCVersion }
  }

  private validateMode(request: CreateRequest): { kind: NodeKind; sequential: boolean } {
    const mode = request.mode
    const isTTL = mode === 5 || mode === 6
    if (isTTL && !this.options.extendedTypesEnabled) fail('UNIMPLEMENTED')
    if (isTTL) {
      const ttl = request.ttlMs ?? 0
      if (!(Number.isInteger(ttl) && ttl > 0 && ttl <= ttlMsMax)) fail('BADARGUMENTS')
    } else if (request.ttlMs !== undefined && request.ttlMs > 0) {
      fail('BADARGUMENTS')
    }
    switch (mode) {
      case 0:
        return { kind: 'persistent', sequential: false }
      case 1:
        return { kind: 'ephemeral', sequential: false }
      case 2:
        return { kind: 'persistent', sequential: true }
      case 3:
        return { kind: 'ephemeral', sequential: true }
      case 4:
        return { kind: 'container', sequential: false }
      case 5:
        return { kind: 'ttl', sequential: false }
      case 6:
        return { kind: 'ttl', sequential: true }
      default:
        return fail('BADARGUMENTS')
    }
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
    this.addChange(ctx.zxid, parentName, { ...parent, numChildren: parent.numChildren - 1 })
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
    this.addChange(ctx.zxid, path, { ...node, version, mtime: ctx.time, dataLength: request.data.length }, quota)
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
    this.addChange(ctx.zxid, path, { ...node, acl, aversion: version })
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
      if (parent !== null) this.addChange(ctx.zxid, parentName, { ...parent, numChildren: parent.numChildren - 1 })
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
    if (parent !== null) this.addChange(ctx.zxid, parentName, { ...parent, numChildren: parent.numChildren - 1 })
    this.addChange(ctx.zxid, path, null, this.usageChange(path, -1, -node.dataLength))
    return { type: 'delete', path }
  }
}

function checkVersion(expected: number, actual: number): void {
  if (expected !== -1 && expected !== actual) fail('BADVERSION')
}

/** ZooKeeper's sequence suffix: `%010d` of the parent's stored child-create counter. */
export function sequenceSuffix(counter: number): string {
  return counter >= 0 ? String(counter).padStart(10, '0') : '-' + String(-counter).padStart(9, '0')
}
