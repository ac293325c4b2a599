/**
 * What must hold of a whole-system run, checked against the members' real trees and the clients'
 * history:
 * - members at the same zxid have the same tree (their digests agree);
 * - an acknowledged write is never lost, and no node holds data nobody wrote;
 * - a session never sees zxids go backwards (replies and events), across reconnects too;
 * - a session reads its own acknowledged writes; a read after `sync` sees every write acknowledged
 *   before the sync was sent;
 * - an ephemeral exists only while its session lives: none is left for a session that was closed
 *   or expired;
 * - at most one leader per epoch.
 * @module
 */
import type { Stat } from '../../../lib/protocol/data.js'
import type { Pipeline } from '../../../lib/server/pipeline.js'
import { answerOrder, sendOrder, type Delivered, type Op } from './client.js'

/** A digest of a member's tree: every node's path, data and Stat, in path order. */
export function treeDigest(pipeline: Pipeline): string {
  const tree = pipeline.tree
  const paths = [...tree.paths()].sort()
  let out = ''
  for (const path of paths) {
    const n = tree.get(path)
    if (n === undefined) continue
    out += `${path}|${Buffer.from(n.data).toString('hex')}|${n.czxid}|${n.mzxid}|${n.pzxid}|${n.version}|${n.cversion}|${n.ephemeralOwner}|${n.numChildren}\n`
  }
  return out
}

/** A node of the final tree, as the checks read it. */
export interface FinalNode {
  data: string
  czxid: number
  mzxid: number
  ephemeralOwner: bigint
}

const text = (data: Uint8Array | undefined): string => (data === undefined ? '' : Buffer.from(data).toString('utf8'))

/** The path a write touches, for single-path writes. */
function pathOf(op: Op): string | undefined {
  const r = op.request
  return r.op === 'create' || r.op === 'setData' || r.op === 'delete' ? r.path : undefined
}

/** The path a create made (with its sequence suffix), when acknowledged. */
function createdPath(op: Op): string | undefined {
  if (op.request.op !== 'create') return undefined
  if (op.outcome === 'ok' && op.response !== undefined && 'path' in op.response) return op.response.path
  return op.request.path
}

/**
 * Acknowledged writes against the final tree, the data of every node against what was written,
 * and the ephemerals against the sessions that ended. Returns the first violation.
 */
export function checkFinalState(history: readonly Op[], final: ReadonlyMap<string, FinalNode>, endedSessions: ReadonlySet<bigint>, liveSessions: ReadonlySet<bigint>): string | undefined {
  const byPath = new Map<string, Op[]>()
  for (const op of flatten(history)) {
    const path = op.request.op === 'create' ? createdPath(op) : pathOf(op)
    if (path === undefined) continue
    let ops = byPath.get(path)
    if (ops === undefined) byPath.set(path, (ops = []))
    ops.push(op)
  }
  for (const [path, ops] of byPath) {
    const node = final.get(path)
    for (const op of ops) {
      if (op.outcome !== 'ok' || op.zxid === undefined) continue
      const kind = op.request.op
      if (kind === 'create' || kind === 'setData') {
        if (node === undefined) {
          const deleted = ops.some((d) => d.request.op === 'delete' && d.outcome !== 'failed' && (d.outcome === 'unknown' || (d.zxid ?? 0) > op.zxid!))
          const ephemeralGone = kind === 'create' && isEphemeral(op) && !liveSessions.has(op.session)
          // Containers and TTL nodes are removed by the member itself (an empty container, an expired TTL).
          const removedByMember = ops.some((c) => c.request.op === 'create' && c.outcome !== 'failed' && c.request.mode >= 4)
          const ownerGone = kind === 'setData' && ops.some((c) => c.request.op === 'create' && isEphemeral(c) && c.outcome !== 'failed' && !liveSessions.has(c.session))
          if (!deleted && !ephemeralGone && !ownerGone && !removedByMember) return `acknowledged ${kind} of ${path} at zxid 0x${op.zxid.toString(16)} is lost: the node is gone and nothing deleted it`
        } else if (node.czxid <= op.zxid && node.mzxid < op.zxid) {
          return `acknowledged ${kind} of ${path} at zxid 0x${op.zxid.toString(16)} is lost: the node's mzxid is 0x${node.mzxid.toString(16)}`
        }
      }
      if (kind === 'delete' && node !== undefined && node.czxid <= op.zxid) {
        return `acknowledged delete of ${path} at zxid 0x${op.zxid.toString(16)} is lost: the node (czxid 0x${node.czxid.toString(16)}) still exists`
      }
    }
    if (node !== undefined && !ops.some((w) => writes(w, node.data))) {
      return `${path} holds "${node.data}", which no create or setData that may have happened wrote`
    }
  }
  for (const [path, node] of final) {
    if (node.ephemeralOwner !== 0n && endedSessions.has(node.ephemeralOwner)) {
      return `ephemeral ${path} outlives its session 0x${node.ephemeralOwner.toString(16)}, which ended`
    }
  }
  return undefined
}

/** The history with each multi replaced by its operations, each with the multi's outcome and zxid. */
export function flatten(history: readonly Op[]): Op[] {
  const out: Op[] = []
  for (const op of history) {
    if (op.request.op !== 'multi') {
      out.push(op)
      continue
    }
    const results = op.outcome === 'ok' && op.response !== undefined && 'results' in op.response ? op.response.results : undefined
    op.request.ops.forEach((sub, i) => {
      const result = results?.[i]
      const response = result !== undefined && result.op === 'create' ? { err: 0 as const, path: result.path, stat: result.stat } : undefined
      out.push({ ...op, request: sub, ...(response === undefined ? {} : { response }) })
    })
  }
  return out
}

function isEphemeral(op: Op): boolean {
  return op.request.op === 'create' && (op.request.mode === 1 || op.request.mode === 3)
}

function writes(op: Op, data: string): boolean {
  if (op.outcome === 'failed') return false
  const r = op.request
  return (r.op === 'create' || r.op === 'setData') && text(r.data) === data
}

/** Per session: the zxids of its answers never go backwards, in the order they were answered. */
export function checkMonotonicSessions(history: readonly Op[]): string | undefined {
  const last = new Map<bigint, { zxid: number; at: number }>()
  const answered = history.filter((op) => op.answeredAt !== undefined && op.zxid !== undefined && op.outcome !== 'unknown')
  answered.sort((a, b) => a.answeredAt! - b.answeredAt!)
  for (const op of answered) {
    if (op.session === 0n) continue
    const seen = last.get(op.session)
    if (seen !== undefined && op.zxid! < seen.zxid) {
      return `session 0x${op.session.toString(16)} saw zxid 0x${op.zxid!.toString(16)} (${op.request.op}) after 0x${seen.zxid.toString(16)}`
    }
    last.set(op.session, { zxid: op.zxid!, at: op.answeredAt! })
  }
  return undefined
}

/**
 * Reads against writes: a session's read of a path sees at least its own earlier acknowledged
 * writes of it; a read issued after a `sync` the session completed sees every write of any session
 * acknowledged before that sync was issued.
 */
export function checkReads(history: readonly Op[]): string | undefined {
  const acked = flatten(history).filter((op) => op.outcome === 'ok' && op.zxid !== undefined && (op.request.op === 'create' || op.request.op === 'setData'))
  const lastSync = new Map<bigint, number>()
  const ordered = [...history].sort((a, b) => sendOrder(a) - sendOrder(b))
  for (const read of ordered) {
    if (read.request.op === 'sync' && read.outcome === 'ok') {
      lastSync.set(read.session, Math.max(lastSync.get(read.session) ?? -1, sendOrder(read)))
      continue
    }
    if (read.request.op !== 'getData' || read.outcome !== 'ok' || read.response === undefined || !('stat' in read.response)) continue
    const stat: Stat = read.response.stat
    const path = read.request.path
    const syncedAt = lastSync.get(read.session)
    for (const w of acked) {
      if (pathOf(w) !== path && createdPath(w) !== path) continue
      const own = w.session === read.session && answerOrder(w) < sendOrder(read)
      const beforeSync = syncedAt !== undefined && answerOrder(w) < syncedAt
      if (!own && !beforeSync) continue
      if (stat.czxid <= w.zxid! && stat.mzxid < w.zxid!) {
        return `session 0x${read.session.toString(16)} read ${path} at mzxid 0x${stat.mzxid.toString(16)} after ${own ? 'its own' : 'a synced'} ${w.request.op} at 0x${w.zxid!.toString(16)}`
      }
    }
  }
  return undefined
}

/**
 * What two acknowledged writes can never share, since each made its own transaction in the one
 * committed history: the name a sequential create was given, and the (node, version) a setData
 * produced. A write acknowledged and then lost (rolled back by a crash or an election) frees its
 * name or version for a later write, which then collides with it.
 */
export function checkUniqueResults(history: readonly Op[]): string | undefined {
  const given = new Map<string, Op>()
  for (const op of flatten(history)) {
    if (op.outcome !== 'ok' || op.zxid === undefined || op.response === undefined) continue
    let key: string | undefined
    const r = op.request
    if (r.op === 'create' && (r.mode === 2 || r.mode === 3) && 'path' in op.response) key = `sequential ${op.response.path}`
    if (r.op === 'setData' && 'stat' in op.response) key = `${r.path} (czxid 0x${op.response.stat.czxid.toString(16)}) version ${op.response.stat.version}`
    if (key === undefined) continue
    const earlier = given.get(key)
    if (earlier !== undefined && earlier.zxid !== op.zxid) {
      return `two acknowledged writes got ${key}: zxids 0x${earlier.zxid!.toString(16)} and 0x${op.zxid.toString(16)} — one of them was lost after it was acknowledged`
    }
    given.set(key, op)
  }
  return undefined
}

/**
 * Records who led which epoch, and the history each leader started from: the first epoch with two
 * leaders is a violation, and so is an acknowledged write of an earlier epoch that is not in a
 * later leader's history (ZAB: a committed transaction is in the history of every later leader).
 */
export class LeaderLog {
  private readonly leaders = new Map<number, number>()
  /** The last zxid of the earlier epochs in each leader's history, when it took the lead. */
  private readonly tails = new Map<number, number>()
  violation: string | undefined

  /** Member `id` reports itself established leader of `epoch`. */
  saw(id: number, epoch: number): void {
    const known = this.leaders.get(epoch)
    if (known === undefined) this.leaders.set(epoch, id)
    else if (known !== id) this.violation ??= `two leaders in epoch ${epoch}: members ${known} and ${id}`
  }

  /**
   * The established leader of `epoch`, whose log ends at `lastLogged`: when it has logged nothing
   * of its own epoch yet, that is where the earlier epochs end in its history.
   */
  historyOf(epoch: number, lastLogged: number): void {
    if (epochOf(lastLogged) < epoch && !this.tails.has(epoch)) this.tails.set(epoch, lastLogged)
  }

  /** Every acknowledged write must be in the history of every leader of a later epoch. */
  checkDurable(history: readonly Op[]): string | undefined {
    for (const op of history) {
      if (op.outcome !== 'ok' || op.zxid === undefined || !isWriteOp(op)) continue
      const lost = this.lostZxid(op.zxid)
      if (lost !== undefined) return `acknowledged ${op.request.op} at zxid 0x${op.zxid.toString(16)} ${lost}`
    }
    return undefined
  }

  /** Why the committed entry at `zxid` is not in some later leader's history, or undefined. */
  lostZxid(zxid: number): string | undefined {
    for (const [epoch, tail] of this.tails) {
      if (epochOf(zxid) < epoch && zxid > tail) return `is not in the history of the leader of epoch ${epoch}, which ends at 0x${tail.toString(16)}: it was lost`
    }
    return undefined
  }
}

const epochOf = (zxid: number): number => Math.floor(zxid / 2 ** 32)

function isWriteOp(op: Op): boolean {
  const kind = op.request.op
  return kind === 'create' || kind === 'setData' || kind === 'delete' || kind === 'multi'
}

/**
 * Watch notifications against what the session saw: per session they arrive in zxid order, and a
 * NodeDataChanged arrives before any read that returns the data it announces (ZooKeeper: a client
 * sees the event for a watched znode before the new data).
 */
export function checkWatchEvents(history: readonly Op[], events: readonly Delivered[]): string | undefined {
  const last = new Map<bigint, number>()
  for (const d of events) {
    const seen = last.get(d.session) ?? 0
    if (d.event.zxid < seen) return `session 0x${d.session.toString(16)} got ${d.event.type} of ${d.event.path} at zxid 0x${d.event.zxid.toString(16)} after an event at 0x${seen.toString(16)}`
    last.set(d.session, d.event.zxid)
  }
  for (const d of events) {
    if (d.event.type !== 'NodeDataChanged') continue
    for (const read of history) {
      if (read.session !== d.session || read.request.op !== 'getData' || read.request.path !== d.event.path) continue
      if (read.outcome !== 'ok' || read.answeredSeq === undefined || read.answeredSeq > d.seq) continue
      const stat = read.response !== undefined && 'stat' in read.response ? read.response.stat : undefined
      if (stat !== undefined && stat.mzxid >= d.event.zxid && read.issuedAt >= 0) {
        return `session 0x${d.session.toString(16)} read ${d.event.path} at mzxid 0x${stat.mzxid.toString(16)} before the NodeDataChanged of 0x${d.event.zxid.toString(16)} arrived`
      }
    }
  }
  return undefined
}

/**
 * Writes are linearizable: the committed order (zxids) agrees with real time. A write acknowledged
 * before another was sent has the smaller zxid; and a read answered after a `sync` reflects a
 * state no older than any write acknowledged before the sync was sent (checked by {@link checkReads}).
 */
export function checkWriteOrder(history: readonly Op[]): string | undefined {
  const writes = history.filter((op) => op.outcome === 'ok' && op.zxid !== undefined && op.answeredAt !== undefined && isWriteOp(op))
  const byAnswer = [...writes].sort((a, b) => answerOrder(a) - answerOrder(b))
  const byIssue = [...writes].sort((a, b) => sendOrder(a) - sendOrder(b))
  let answered = 0
  let newest: Op | undefined
  for (const op of byIssue) {
    // Every write answered strictly before this one was sent.
    while (answered < byAnswer.length && answerOrder(byAnswer[answered]!) < sendOrder(op)) {
      const done = byAnswer[answered++]!
      if (newest === undefined || done.zxid! > newest.zxid!) newest = done
    }
    if (newest !== undefined && op.zxid! < newest.zxid!) {
      return `${op.request.op} sent at ${op.issuedAt} got zxid 0x${op.zxid!.toString(16)}, before 0x${newest.zxid!.toString(16)} of a ${newest.request.op} acknowledged at ${newest.answeredAt}: the commit order contradicts real time`
    }
  }
  return undefined
}

/**
 * A read returns a value that was written: the data of a node read with mzxid Z is the data of the
 * write that made Z (a create or setData of that path, acknowledged with zxid Z, or one whose
 * outcome the client never learned).
 */
export function checkReadValues(history: readonly Op[]): string | undefined {
  const writesByPath = new Map<string, Op[]>()
  for (const op of flatten(history)) {
    const r = op.request
    if (r.op !== 'create' && r.op !== 'setData') continue
    const path = r.op === 'create' ? createdPath(op) : r.path
    if (path === undefined) continue
    let list = writesByPath.get(path)
    if (list === undefined) writesByPath.set(path, (list = []))
    list.push(op)
  }
  for (const read of history) {
    if (read.request.op !== 'getData' || read.outcome !== 'ok' || read.response === undefined || !('data' in read.response)) continue
    const { data, stat } = read.response
    const value = text(data)
    const writes = writesByPath.get(read.request.path) ?? []
    const maker = writes.find((w) => w.outcome === 'ok' && w.zxid === stat.mzxid)
    if (maker !== undefined) {
      const written = maker.request.op === 'create' || maker.request.op === 'setData' ? text(maker.request.data) : ''
      if (written !== value) return `read of ${read.request.path} at mzxid 0x${stat.mzxid.toString(16)} returned "${value}", but the write of that zxid wrote "${written}"`
      continue
    }
    if (read.request.path === '/seq' && value === '') continue
    if (!writes.some((w) => w.outcome !== 'failed' && (w.request.op === 'create' || w.request.op === 'setData') && text(w.request.data) === value)) {
      return `read of ${read.request.path} returned "${value}", which no write that may have happened wrote`
    }
  }
  return undefined
}
