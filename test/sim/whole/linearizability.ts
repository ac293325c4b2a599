/**
 * An independent linearizability checker for the whole-system simulation's client history. It
 * trusts nothing the members report about order — no zxid, no Stat — only what the clients saw:
 * when each request was sent, when (and whether) it was answered, and what it returned. It is a
 * second opinion on ./checks.ts, whose checks read the order off the zxids.
 *
 * **Registers (Wing & Gong / Lowe's WGL search).** Each top-level path that is only ever created
 * persistent (mode 0) — `/k0`…`/k3` and `/seq` in the workload — is a register, checked on its own
 * (linearizability is compositional: the history is linearizable iff each object's is). The state
 * is "no node" or the node's data (as utf8); the history starts with no node. Each operation is an
 * interval from its send to its answer and must take effect at one point inside it:
 * - create (ok): needs no node, sets the data; setData (ok): needs a node, sets the data; delete
 *   (ok): needs a node, removes it.
 * - A write whose outcome the client never learned (connection lost, or still pending) may have
 *   taken effect at any time after it was sent, or not at all: its interval is open to infinity
 *   and the search may leave it out. A write that failed with an error saying why (NODEEXISTS,
 *   NONODE, BADVERSION, NOTEMPTY) took no effect but saw the state: it must fit at a point of its
 *   interval as a read of existence (ZooKeeper orders error transactions with the writes). Other
 *   definite errors (SESSIONEXPIRED, …) took no effect and saw nothing.
 * - A multi is split into its operations, each with the multi's interval and outcome; the one
 *   that failed a failed multi is an observation as above, unless an earlier operation of the
 *   same multi touched its path. That the operations of a multi happen together, across paths,
 *   is not checked here (the zxid checks see a multi as one transaction).
 * - A getData is in the search only when it follows a successful `sync` of its session: the
 *   session's most recent sync sent before the read answered ok. ZooKeeper then guarantees the
 *   read sees every write committed before the sync reached the leader, so its interval is
 *   widened to start when the sync was sent (an earlier start is the weaker claim: the read may
 *   reflect any state from the sync's send to its own answer). The sync need not be answered
 *   before the read is sent: a session's requests are served in order, so a read pipelined behind
 *   a sync (as the workload sends them) waits for it, and a sync answered ok was answered before
 *   the session's connection changed. A getData answered NONODE reads "no node".
 * - Time ties: an operation answered at t precedes one sent at t' only if t < t'; at t = t' the
 *   two are concurrent (the weaker claim).
 * The search is WGL with memoisation of (set of placed operations as a bitset, register state),
 * so each configuration is explored once. A read (or a failed write's observation) that fits the
 * current state is placed at once without trying the alternatives: it changes nothing, and every
 * operation that must precede it is already placed, so any order that places it later can place
 * it now. A key whose search exceeds the state limit is reported inconclusive, not a violation.
 *
 * **Plain reads (sequential consistency per session).** A getData without a preceding sync may
 * be stale in ZooKeeper, so it is not in the search. It is checked, as every read is, against
 * what its own session had already seen. Every write is unique by its data in the workload, so a
 * read returning data names the write that produced it. The writes of a key are in one commit
 * order, which every session sees a growing prefix of, and which surely puts write `a` before
 * write `b` when both took effect and `a` was answered before `b` was sent (writes are
 * linearizable), or when `a` and `b` were acknowledged to the same session and `a` was sent first
 * (FIFO client order); the transitive closure of those pairs is "forced before". In its send
 * order, a session has seen its own acknowledged writes and the writes its reads returned. A read
 * fails the check when:
 * - it returns data that no create or setData of the key sent before the read was answered wrote
 *   (unless that write surely failed);
 * - it returns data whose write is forced before a write the session had already seen (the state
 *   after that write can never again hold the older data);
 * - it finds no node although the session had seen a write of the key and every delete of the key
 *   sent before the read was answered is forced before a write the session had seen.
 * Data written by several writes (the probe's retried "alive") names no single write: such reads
 * are neither checked nor remembered, and reads that found no node are not remembered either.
 * All of this only narrows what is forced, so a ZooKeeper history never fails it.
 *
 * **Sequential names.** The suffixes acknowledged sequential creates under one parent were given
 * come from one counter that only goes up (model: counter c; an acknowledged create named s needs
 * c <= s and sets c = s + 1; a create of unknown outcome may take numbers, so it is left out). So
 * the names are unique, a create answered before another was sent has the smaller suffix, and so
 * does the earlier of two creates of one session. Parents that may have been deleted are skipped.
 *
 * **Not checked:** ephemeral, container and TTL paths, and anything below the top level (nodes the
 * member itself removes, or whose parent goes); children lists; Stat fields, versions and watch
 * events; exists and other reads besides getData; the atomicity of multi across paths.
 * @module
 */
import { ErrorCode, errorCodeName } from '../../../lib/errors.js'
import type { MultiOp, Request } from '../../../lib/protocol/requests.js'
import { answerOrder, sendOrder, type Op } from './client.js'

/** States a key's search may explore before it gives up and counts the key inconclusive. */
export const defaultStateLimit = 200_000

/** Tuning of {@link analyseLinearizability}. */
export interface LinearizabilityOptions {
  /** States one key's search may explore. @defaultValue {@link defaultStateLimit} */
  readonly stateLimit?: number
}

/** What {@link analyseLinearizability} found, and what it cost. */
export interface LinearizabilityReport {
  /** The first violation, as a readable sentence; undefined when the history passes. */
  readonly violation: string | undefined
  /** Registers (paths) checked. */
  readonly registers: number
  /** Operations that went into the searches. */
  readonly searchedOps: number
  /** Configurations (placed set, state) the searches explored, over all keys. */
  readonly states: number
  /** The most configurations one key's search explored. */
  readonly maxStates: number
  /** Keys whose search reached the state limit: neither passed nor failed. */
  readonly inconclusive: readonly string[]
}

/**
 * Checks a whole-system history for linearizability of the registers, per-session sequential
 * consistency of plain reads, and real-time order of sequential names (see the module comment).
 * Returns the first violation as a readable sentence, or undefined.
 */
export function checkLinearizable(history: readonly Op[], options: LinearizabilityOptions = {}): string | undefined {
  return analyseLinearizability(history, options).violation
}

/** {@link checkLinearizable}, with how much searching it took and which keys stayed inconclusive. */
export function analyseLinearizability(history: readonly Op[], options: LinearizabilityOptions = {}): LinearizabilityReport {
  const limit = options.stateLimit ?? defaultStateLimit
  const all = steps(history)
  let violation = checkSequentialNames(all)
  const inconclusive: string[] = []
  let searchedOps = 0
  let states = 0
  let maxStates = 0
  const keys = registers(all)
  for (const [key, ops] of keys) {
    if (violation !== undefined) break
    const searched = searchKey(key, ops, limit)
    searchedOps += searched.ops
    states += searched.states
    maxStates = Math.max(maxStates, searched.states)
    if (searched.inconclusive) inconclusive.push(key)
    violation = searched.violation ?? checkSessions(key, ops)
  }
  return { violation, registers: keys.size, searchedOps, states, maxStates, inconclusive }
}

// ---- the history, per operation ------------------------------------------------------------

/** What the client learned of one operation: ok, unknown (or still pending), or the error that failed it (0: failed, and it tells nothing). */
type Result = 'ok' | 'unknown' | number

/** One operation on one path: a request, or one operation of a multi. */
interface Step {
  /** The request as sent (the whole multi, for an operation of one). */
  readonly op: Op
  /** Where it was sent in the client's order: its session's requests go in this order. */
  readonly order: number
  readonly request: Request | MultiOp
  readonly result: Result
  /** The path an acknowledged create made (with its sequence suffix). */
  readonly created: string | undefined
  /** For a getData after a successful sync of its session: when that sync was sent. */
  readonly syncedFrom: number | undefined
  /** When that sync was sent, in simulated ms (for messages). */
  readonly syncSentAt?: number
}

/** Multi operations are numbered within their request's slot of the order. */
const partsPerOp = 1_024

const decoder = new TextDecoder()
const text = (data: Uint8Array): string => decoder.decode(data)

/** The history as single-path steps, in send order, each getData marked with its sync. */
function steps(history: readonly Op[]): Step[] {
  const out: Step[] = []
  const lastSync = new Map<bigint, Op>()
  history.forEach((op, index) => {
    const request = op.request
    if (request.op === 'sync') return void lastSync.set(op.session, op)
    if (request.op === 'multi') return void out.push(...multiSteps(op, request.ops, index))
    const sync = request.op === 'getData' ? lastSync.get(op.session) : undefined
    const created = op.outcome === 'ok' && op.response !== undefined && 'path' in op.response ? op.response.path : undefined
    out.push({ op, order: index * partsPerOp, request, result: resultOf(op), created, syncedFrom: sync?.outcome === 'ok' ? sendOrder(sync) : undefined, ...(sync?.outcome === 'ok' ? { syncSentAt: sync.issuedAt } : {}) })
  })
  return out
}

function resultOf(op: Op): Result {
  if (op.outcome === 'ok') return op.answeredAt === undefined ? 'unknown' : 'ok'
  return op.outcome === 'failed' ? (op.err ?? 0) : 'unknown'
}

/** A multi's operations, each with the multi's outcome; in a failed multi, the one that failed keeps its error. */
function multiSteps(op: Op, ops: readonly MultiOp[], index: number): Step[] {
  const results = op.response !== undefined && 'results' in op.response ? op.response.results : undefined
  const touched = new Set<string>()
  return ops.map((request, part) => {
    const r = results?.[part]
    let result: Result = op.outcome === 'failed' ? 0 : resultOf(op)
    // What the failing operation saw is the state before the multi, unless the multi changed it first.
    if (op.outcome === 'failed' && r?.op === 'error' && r.err !== 0 && r.err !== ErrorCode.RUNTIMEINCONSISTENCY && !touched.has(request.path)) result = r.err
    touched.add(request.path)
    const created = result === 'ok' && r?.op === 'create' ? r.path : undefined
    return { op, order: index * partsPerOp + part, request, result, created, syncedFrom: undefined }
  })
}

function pathOf(request: Request | MultiOp): string | undefined {
  const kind = request.op
  return kind === 'create' || kind === 'setData' || kind === 'delete' || kind === 'getData' || kind === 'check' ? request.path : undefined
}

// ---- registers -------------------------------------------------------------------------------

/** What an operation does to, or saw of, a register. */
type Kind = 'create' | 'set' | 'delete' | 'read' | 'present'

/** One operation of one register. */
interface KeyOp {
  readonly kind: Kind
  /** The data written or read; undefined for "no node" (a delete's result, or a read that found none). */
  readonly value: string | undefined
  /** The outcome is known: it must be in the order. Otherwise it may or may not have happened. */
  readonly required: boolean
  /** Its interval: sent (for a synced read, when the sync was sent) and answered (Infinity: never known). */
  readonly call: number
  readonly ret: number
  readonly step: Step
}

const isWrite = (k: KeyOp): boolean => k.kind === 'create' || k.kind === 'set' || k.kind === 'delete'
const readOnly = (k: KeyOp): boolean => !isWrite(k)

/** Top-level paths only ever created persistent, in path order, each with its operations. */
function registers(all: readonly Step[]): Map<string, KeyOp[]> {
  const excluded = new Set<string>()
  for (const s of all) if (s.request.op === 'create' && s.request.mode !== 0) excluded.add(s.request.path)
  const byKey = new Map<string, KeyOp[]>()
  for (const s of all) {
    const path = pathOf(s.request)
    if (path === undefined || !/^\/[^/]+$/.test(path) || path === '/zookeeper' || excluded.has(path)) continue
    const k = registerOp(s)
    if (k === undefined) continue
    let ops = byKey.get(path)
    if (ops === undefined) byKey.set(path, (ops = []))
    ops.push(k)
  }
  return new Map([...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** The step as a register operation, or undefined when it neither did nor saw anything. */
function registerOp(step: Step): KeyOp | undefined {
  const { request: r, result, op } = step
  const make = (kind: Kind, value: string | undefined, required: boolean): KeyOp => ({ kind, value, required, call: sendOrder(op), ret: required ? answerOrder(op) : Infinity, step })
  const maybe = result === 'ok' || result === 'unknown'
  switch (r.op) {
    case 'create':
      if (maybe) return make('create', text(r.data), result === 'ok')
      return result === ErrorCode.NODEEXISTS ? make('present', undefined, true) : undefined
    case 'setData':
      if (maybe) return make('set', text(r.data), result === 'ok')
      return observation(result, make)
    case 'delete':
      if (maybe) return make('delete', undefined, result === 'ok')
      return result === ErrorCode.NOTEMPTY ? make('present', undefined, true) : observation(result, make)
    case 'getData':
      if (result === 'ok' && op.response !== undefined && 'data' in op.response) return make('read', text(op.response.data), true)
      return result === ErrorCode.NONODE ? make('read', undefined, true) : undefined
    default:
      return undefined
  }
}

/** A setData or delete that failed saying whether the node was there. */
function observation(result: Result, make: (kind: Kind, value: string | undefined, required: boolean) => KeyOp): KeyOp | undefined {
  if (result === ErrorCode.NONODE) return make('read', undefined, true)
  return result === ErrorCode.BADVERSION ? make('present', undefined, true) : undefined
}

/** The operations of a key the search orders: every write and observation, and the synced reads with their widened start. */
function searchable(ops: readonly KeyOp[]): KeyOp[] {
  const out: KeyOp[] = []
  for (const k of ops) {
    if (k.step.request.op !== 'getData') out.push(k)
    else if (k.step.syncedFrom !== undefined) out.push({ ...k, call: k.step.syncedFrom })
  }
  return out
}

interface KeyVerdict {
  readonly violation: string | undefined
  readonly ops: number
  readonly states: number
  readonly inconclusive: boolean
}

function searchKey(key: string, all: readonly KeyOp[], limit: number): KeyVerdict {
  const ops = searchable(all)
  const unwritten = readOfNothingWritten(key, ops)
  if (unwritten !== undefined) return { violation: unwritten, ops: ops.length, states: 0, inconclusive: false }
  const found = search(ops, limit)
  const violation = found.verdict === 'fail' ? describeFailure(key, ops, found.stuck) : undefined
  return { violation, ops: ops.length, states: found.states, inconclusive: found.verdict === 'inconclusive' }
}

/** A synced read of data that no write that may have happened, sent before the read was answered, wrote (a quick answer the search would reach slowly). */
function readOfNothingWritten(key: string, ops: readonly KeyOp[]): string | undefined {
  for (const read of ops) {
    if (read.kind !== 'read' || read.value === undefined) continue
    if (ops.some((w) => (w.kind === 'create' || w.kind === 'set') && w.value === read.value && w.call <= read.ret)) continue
    return `${key} is not linearizable: ${describe(read)} returned data that no write of ${key} sent before it was answered wrote`
  }
  return undefined
}

// ---- the WGL search --------------------------------------------------------------------------

const noNode = 0

/** The register: the state after `kind` of `value` from `state`, or -1 when it cannot happen there. */
function apply(kind: Kind, value: number, state: number): number {
  switch (kind) {
    case 'create':
      return state === noNode ? value : -1
    case 'set':
      return state === noNode ? -1 : value
    case 'delete':
      return state === noNode ? -1 : noNode
    case 'read':
      return state === value ? state : -1
    case 'present':
      return state === noNode ? -1 : state
  }
}

/** Where the deepest attempt stopped: the operations placed, in order, and the one that could not be placed before its answer. */
interface Stuck {
  readonly placed: readonly number[]
  readonly blocked: number
  readonly state: number
}

interface SearchResult {
  readonly verdict: 'pass' | 'fail' | 'inconclusive'
  readonly states: number
  readonly stuck: Stuck | undefined
}

/** Data as small numbers, "no node" as 0. */
function intern(ops: readonly KeyOp[]): { ids: Int32Array; names: (string | undefined)[] } {
  const byValue = new Map<string, number>()
  const names: (string | undefined)[] = [undefined]
  const ids = new Int32Array(ops.length)
  ops.forEach((k, i) => {
    if (k.value === undefined) return
    let id = byValue.get(k.value)
    if (id === undefined) {
      byValue.set(k.value, (id = names.length))
      names.push(k.value)
    }
    ids[i] = id
  })
  return { ids, names }
}

/**
 * The calls and answers of the operations as a doubly linked list in time order (entry 2i is op
 * i's call, 2i+1 its answer; an answer at time t comes after every call at t), with a head.
 */
function timeline(ops: readonly KeyOp[]): { next: Int32Array; prev: Int32Array; head: number } {
  const n = ops.length
  const entries = Array.from({ length: 2 * n }, (_, e) => e)
  const at = (e: number): number => (e & 1 ? ops[e >> 1]!.ret : ops[e >> 1]!.call)
  // Infinity - Infinity is NaN: compare, do not subtract.
  entries.sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : (a & 1) - (b & 1) || a - b))
  const head = 2 * n
  const next = new Int32Array(2 * n + 2)
  const prev = new Int32Array(2 * n + 2)
  let last = head
  for (const e of entries) {
    next[last] = e
    prev[e] = last
    last = e
  }
  const tail = 2 * n + 1
  next[last] = tail
  prev[tail] = last
  return { next, prev, head }
}

/** Random 32-bit words per operation, from a fixed seed (splitmix32), for the incremental hash of the placed set. */
function hashWords(count: number): Uint32Array {
  const out = new Uint32Array(count)
  let s = 0x9e3779b9
  for (let i = 0; i < count; i++) {
    s = (s + 0x9e3779b9) | 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    out[i] = (z ^ (z >>> 16)) >>> 0
  }
  return out
}

/** Configurations already explored: (placed set, state), bucketed by hash and compared exactly. */
function memo(words: number): (bits: Uint32Array, hash1: number, hash2: number, state: number) => boolean {
  const seen = new Map<number, Uint32Array[]>()
  return (bits, hash1, hash2, state) => {
    const mixed = Math.imul(state + 1, 0x9e3779b1)
    const key = ((hash1 ^ mixed) >>> 0) * 0x200000 + ((hash2 ^ (mixed >>> 11)) & 0x1fffff)
    let bucket = seen.get(key)
    if (bucket === undefined) seen.set(key, (bucket = []))
    for (const saved of bucket) {
      if (saved[words] !== state) continue
      let same = true
      for (let w = 0; w < words && same; w++) same = saved[w] === bits[w]
      if (same) return false
    }
    const copy = new Uint32Array(words + 1)
    copy.set(bits)
    copy[words] = state
    bucket.push(copy)
    return true
  }
}

/**
 * Lowe's WGL search: walk the timeline, place any call that fits the register in a configuration
 * not seen before, and backtrack when an answer comes for an operation not placed yet. An answer
 * of an operation of unknown outcome lies beyond every other, so reaching one means every
 * operation with a known outcome is placed: the rest need not have happened.
 */
function search(ops: readonly KeyOp[], limit: number): SearchResult {
  const n = ops.length
  const { ids } = intern(ops)
  const { next, prev, head } = timeline(ops)
  const tail = 2 * n + 1
  const words = (n + 31) >>> 5
  const bits = new Uint32Array(words)
  const hashes = hashWords(2 * n)
  const fresh = memo(words)
  const stack: number[] = []
  const saved: number[] = []
  let state = noNode
  let hash1 = 0
  let hash2 = 0
  let states = 0
  let stuck: Stuck | undefined

  const flip = (i: number): void => {
    bits[i >>> 5]! ^= 1 << (i & 31)
    hash1 ^= hashes[2 * i]!
    hash2 ^= hashes[2 * i + 1]!
  }
  const unlink = (e: number): void => {
    next[prev[e]!] = next[e]!
    prev[next[e]!] = prev[e]!
  }
  const relink = (e: number): void => {
    next[prev[e]!] = e
    prev[next[e]!] = e
  }
  /** Undoes placements until one that has alternatives; returns the entry to go on from, or -1. */
  const backtrack = (): number => {
    while (stack.length > 0) {
      const i = stack.pop()!
      state = saved.pop()!
      flip(i)
      relink(2 * i + 1)
      relink(2 * i)
      // A read placed the moment it fitted: placing it later cannot do better (see the module comment).
      if (!readOnly(ops[i]!)) return next[2 * i]!
    }
    return -1
  }

  let entry = next[head]!
  for (;;) {
    if (entry === tail) return { verdict: 'pass', states, stuck }
    const i = entry >> 1
    const op = ops[i]!
    if (entry & 1) {
      if (!op.required) return { verdict: 'pass', states, stuck }
      if (stuck === undefined || stack.length > stuck.placed.length) stuck = { placed: [...stack], blocked: i, state }
      entry = backtrack()
      if (entry < 0) return { verdict: 'fail', states, stuck }
      continue
    }
    const after = apply(op.kind, ids[i]!, state)
    if (after >= 0) {
      flip(i)
      if (fresh(bits, hash1, hash2, after)) {
        if (++states > limit) return { verdict: 'inconclusive', states, stuck }
        stack.push(i)
        saved.push(state)
        state = after
        unlink(2 * i)
        unlink(2 * i + 1)
        entry = next[head]!
        continue
      }
      flip(i)
      // A read that fits leads to a configuration explored already, which failed: so does this one.
      if (readOnly(op)) {
        entry = backtrack()
        if (entry < 0) return { verdict: 'fail', states, stuck }
        continue
      }
    }
    entry = next[entry]!
  }
}

// ---- messages ----------------------------------------------------------------------------------

const show = (value: string | undefined): string => (value === undefined ? 'no node' : JSON.stringify(value))
const sessionName = (op: Op): string => `session 0x${op.session.toString(16)}`

/** One operation, readably: what it did or saw, whose it was, and its interval. */
function describe(k: KeyOp): string {
  const { op, request, result, syncedFrom, syncSentAt } = k.step
  let what: string
  if (request.op === 'getData') what = `getData${syncedFrom === undefined ? '' : ' after sync'} → ${show(k.value)}`
  else if (typeof result === 'number') what = `${request.op} → ${errorCodeName(result) ?? result}`
  else what = k.kind === 'delete' ? 'delete' : `${request.op} ${show(k.value)}`
  const multi = op.request.op === 'multi' ? ' (in a multi)' : ''
  const sent = syncedFrom === undefined ? `sent at ${op.issuedAt}` : `sync sent at ${syncSentAt}, read sent at ${op.issuedAt}`
  const answered = k.required ? `answered at ${op.answeredAt}` : 'outcome unknown'
  return `${what}${multi} by ${sessionName(op)} (${sent}, ${answered})`
}

function describeFailure(key: string, ops: readonly KeyOp[], stuck: Stuck | undefined): string {
  const required = ops.filter((k) => k.required).length
  const head = `${key} is not linearizable: no order of its ${ops.length} operations (${required} with a known outcome) that respects real time fits a register`
  if (stuck === undefined) return head
  const { names } = intern(ops)
  const last = stuck.placed.slice(-3).map((i) => describe(ops[i]!))
  const blocked = ops[stuck.blocked]!
  return `${head}. The longest order found places ${stuck.placed.length} (ending ${last.length === 0 ? 'nowhere' : last.join('; ')}), with ${key} then ${show(names[stuck.state])}, and cannot place ${describe(blocked)} before its answer`
}

// ---- sessions: sequential consistency ----------------------------------------------------------

/** Per write of a key (topological order), the writes surely committed before it, as bitsets. */
function forcedBefore(writes: readonly KeyOp[]): Uint32Array[] {
  const words = (writes.length + 31) >>> 5
  const before = writes.map(() => new Uint32Array(words))
  writes.forEach((b, j) => {
    const into = before[j]!
    for (let i = 0; i < j; i++) {
      const a = writes[i]!
      const realTime = a.required && a.ret < b.call
      const fifo = a.required && b.required && a.step.op.session === b.step.op.session && a.step.order < b.step.order
      if (!realTime && !fifo) continue
      into[i >>> 5]! |= 1 << (i & 31)
      const earlier = before[i]!
      for (let w = 0; w < words; w++) into[w]! |= earlier[w]!
    }
  })
  return before
}

const has = (bits: Uint32Array, i: number): boolean => (bits[i >>> 5]! & (1 << (i & 31))) !== 0

/** What one session has seen of a key: writes, and the union of the writes forced before them. */
interface Seen {
  readonly writes: number[]
  readonly behind: Uint32Array
}

/**
 * Every read of `key` (synced or not) against what its session had already seen of the key, in
 * the session's send order: it may be stale, never older than that (see the module comment).
 */
function checkSessions(key: string, ops: readonly KeyOp[]): string | undefined {
  const writes = ops.filter(isWrite).sort((a, b) => a.call - b.call || a.step.order - b.step.order)
  const before = forcedBefore(writes)
  const index = new Map(writes.map((w, i) => [w, i]))
  const words = (writes.length + 31) >>> 5
  const sessions = new Map<bigint, Seen>()
  const walk = ops.filter((k) => k.kind === 'read' || (isWrite(k) && k.required)).sort((a, b) => a.step.order - b.step.order)
  for (const k of walk) {
    let seen = sessions.get(k.step.op.session)
    if (seen === undefined) sessions.set(k.step.op.session, (seen = { writes: [], behind: new Uint32Array(words) }))
    let made = index.get(k)
    if (k.kind === 'read') {
      const verdict = k.value === undefined ? checkNoNode(key, k, seen, writes) : checkData(key, k, seen, writes, before)
      if (typeof verdict === 'string') return verdict
      made = verdict
    }
    if (made === undefined) continue
    seen.writes.push(made)
    const behind = before[made]!
    for (let w = 0; w < words; w++) seen.behind[w]! |= behind[w]!
  }
  return undefined
}

/** A read that returned data: a violation, or the write it names (undefined when ambiguous). */
function checkData(key: string, read: KeyOp, seen: Seen, writes: readonly KeyOp[], before: readonly Uint32Array[]): string | number | undefined {
  const makers: number[] = []
  writes.forEach((w, i) => {
    if (w.kind !== 'delete' && w.value === read.value && w.call <= read.ret) makers.push(i)
  })
  if (makers.length === 0) return `${describe(read)} returned data of ${key} that no write sent before it was answered wrote`
  if (makers.length > 1) return undefined
  const made = makers[0]!
  if (!has(seen.behind, made)) return made
  const later = seen.writes.find((s) => has(before[s]!, made))!
  return `${sessionName(read.step.op)} went back in time on ${key}: ${describe(read)} after it had seen ${describe(writes[later]!)}, but the data it read was written by ${describe(writes[made]!)}, which every commit order puts before that`
}

/** A read that found no node: a violation, or undefined (it names no write). */
function checkNoNode(key: string, read: KeyOp, seen: Seen, writes: readonly KeyOp[]): string | undefined {
  const written = seen.writes.filter((s) => writes[s]!.kind !== 'delete')
  if (written.length === 0) return undefined
  if (writes.some((w, i) => w.kind === 'delete' && w.call <= read.ret && !has(seen.behind, i))) return undefined
  return `${sessionName(read.step.op)} went back in time on ${key}: ${describe(read)} after it had seen ${describe(writes[written[written.length - 1]!]!)}, and every delete of ${key} sent before the read was answered is committed, in every commit order, before a write the session had seen`
}

// ---- sequential names --------------------------------------------------------------------------

/** An acknowledged sequential create and the number in its name. */
interface Named {
  readonly step: Step
  readonly suffix: number
}

const parentOf = (path: string): string => path.slice(0, path.lastIndexOf('/')) || '/'

/** The suffixes of acknowledged sequential creates, per parent, against the counter model. */
function checkSequentialNames(all: readonly Step[]): string | undefined {
  const deleted = new Set<string>()
  for (const s of all) if (s.request.op === 'delete' && (s.result === 'ok' || s.result === 'unknown')) deleted.add(s.request.path)
  const byParent = new Map<string, Named[]>()
  for (const s of all) {
    const r = s.request
    if (r.op !== 'create' || (r.mode !== 2 && r.mode !== 3) || s.result !== 'ok' || s.created === undefined) continue
    const digits = s.created.slice(-10)
    if (!/^\d{10}$/.test(digits)) continue
    const parent = parentOf(r.path)
    let named = byParent.get(parent)
    if (named === undefined) byParent.set(parent, (named = []))
    named.push({ step: s, suffix: Number(digits) })
  }
  for (const [parent, named] of byParent) {
    if (deleted.has(parent)) continue
    const violation = uniqueNames(named) ?? namesInRealTime(named) ?? namesInSessionOrder(named)
    if (violation !== undefined) return violation
  }
  return undefined
}

function describeNamed(n: Named): string {
  const op = n.step.op
  return `${n.step.created} (created by ${sessionName(op)}, sent at ${op.issuedAt}, answered at ${op.answeredAt})`
}

function uniqueNames(named: readonly Named[]): string | undefined {
  const given = new Map<number, Named>()
  for (const n of named) {
    const earlier = given.get(n.suffix)
    if (earlier !== undefined) return `two acknowledged sequential creates got one name: ${describeNamed(earlier)} and ${describeNamed(n)}`
    given.set(n.suffix, n)
  }
  return undefined
}

/** A create answered before another was sent has the smaller number. */
function namesInRealTime(named: readonly Named[]): string | undefined {
  const bySend = [...named].sort((a, b) => sendOrder(a.step.op) - sendOrder(b.step.op))
  const byAnswer = [...named].sort((a, b) => answerOrder(a.step.op) - answerOrder(b.step.op))
  let answered = 0
  let highest: Named | undefined
  for (const n of bySend) {
    while (answered < byAnswer.length && answerOrder(byAnswer[answered]!.step.op) < sendOrder(n.step.op)) {
      const done = byAnswer[answered++]!
      if (highest === undefined || done.suffix > highest.suffix) highest = done
    }
    if (highest !== undefined && n.suffix <= highest.suffix) return `sequential names contradict real time: ${describeNamed(n)} was sent after ${describeNamed(highest)} was answered, yet has the smaller number`
  }
  return undefined
}

/** The creates of one session are named in the order it sent them. */
function namesInSessionOrder(named: readonly Named[]): string | undefined {
  const last = new Map<bigint, Named>()
  for (const n of [...named].sort((a, b) => a.step.order - b.step.order)) {
    const earlier = last.get(n.step.op.session)
    if (earlier !== undefined && n.suffix <= earlier.suffix) return `sequential names contradict the session's order: ${describeNamed(n)} was sent after ${describeNamed(earlier)}, yet has the smaller number`
    last.set(n.step.op.session, n)
  }
  return undefined
}
