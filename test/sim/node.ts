/**
 * One simulated member: the real ZabPeer plus a model runtime around it — an in-memory disk whose
 * log writes become durable k steps later (lost on crash; epochs, truncation and snapshots are
 * durable at once), and a state machine that is just the list of applied transactions.
 * @module
 */
import { type LogEntry, type QuorumVerifier, type Ready, type RoleState, type ZabLimits, ZabPeer } from '../../lib/zab/index.js'
import { formatZxid } from '../../lib/protocol/zxid.js'
import { type Applied, check } from './checker.js'
import type { Prng } from '../../lib/testing/sim/prng.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeData(text: string): Uint8Array {
  return encoder.encode(text)
}

export function decodeData(bytes: Uint8Array): string {
  return decoder.decode(bytes)
}

/** What survives a crash. */
export interface SimDisk {
  acceptedEpoch: number
  currentEpoch: number
  snapshot: { zxid: number; state: Applied[] }
  /** Durable log entries after the snapshot. */
  log: LogEntry[]
  /** Writes handed to the disk, durable at `doneAt` (a step number), in order. */
  pending: { entries: LogEntry[]; doneAt: number }[]
}

/** Callbacks through which a node reports to the simulation. */
export interface NodeHooks {
  readonly now: () => number
  readonly send: (from: number, ready: Ready) => void
  readonly applied: (node: SimNode, entry: Applied) => void
  readonly installed: (node: SimNode) => void
  readonly roleChanged: (node: SimNode, state: RoleState) => void
  readonly requests: (node: SimNode, data: readonly Uint8Array[]) => void
  readonly syncsCompleted: (node: SimNode, tokens: readonly number[]) => void
  readonly persistDelay: () => number
  /** Steps an fsync of hardState/truncate/snapshot takes; the Ready waits for it, inputs do not. */
  readonly syncDelay: () => number
}

/** Take a durable snapshot of the state machine every so many applied entries. */
const SNAPSHOT_EVERY_ENTRIES = 25

export class SimNode {
  peer: ZabPeer | undefined
  state: Applied[] = []
  role: RoleState = { role: 'LOOKING', leader: undefined, epoch: 0, established: false }
  readonly disk: SimDisk = {
    acceptedEpoch: 0, currentEpoch: 0, snapshot: { zxid: 0, state: [] }, log: [], pending: [],
  }
  #appliedSinceSnapshot = 0
  // A Ready whose durable part is still being fsynced, like an async runtime between ready() and
  // advance(); the core keeps taking inputs meanwhile and batches their output into the next one.
  #inProgress: { ready: Ready; doneAt: number } | undefined

  constructor(
    readonly id: number,
    private readonly quorum: QuorumVerifier,
    private readonly limits: Partial<ZabLimits>,
    private readonly rng: Prng,
    private readonly hooks: NodeHooks,
  ) {}

  get alive(): boolean {
    return this.peer !== undefined
  }

  get appliedZxid(): number {
    return this.state.at(-1)?.zxid ?? 0
  }

  /** Starts (or restarts) from what the disk holds, like a process reading its data directory. */
  start(): void {
    const disk = this.disk
    this.state = disk.snapshot.state.slice()
    this.role = { role: 'LOOKING', leader: undefined, epoch: 0, established: false }
    const jitter = this.rng.fork()
    this.peer = new ZabPeer(
      { id: this.id, quorum: this.quorum, random: () => jitter.next(), limits: this.limits },
      {
        acceptedEpoch: disk.acceptedEpoch,
        currentEpoch: disk.currentEpoch,
        snapshotZxid: disk.snapshot.zxid,
        entries: disk.log.slice(),
        committedZxid: disk.snapshot.zxid,
      },
    )
    this.drain()
  }

  /** Process death: un-durable writes vanish, and so does a Ready still being fsynced. */
  crash(): void {
    this.peer = undefined
    this.#inProgress = undefined
    this.disk.pending = []
    this.role = { role: 'LOOKING', leader: undefined, epoch: 0, established: false }
  }

  /** Completes the disk writes due by `now` and tells the core. */
  completeWrites(now: number): void {
    let durable: number | undefined
    while ((this.disk.pending[0]?.doneAt ?? Infinity) <= now) {
      const write = this.disk.pending.shift()
      for (const entry of write?.entries ?? []) this.#appendDurable(entry)
      durable = write?.entries.at(-1)?.zxid ?? durable
    }
    if (durable !== undefined && this.peer !== undefined) {
      this.peer.persisted(durable)
      this.drain()
    }
  }

  /** Carries out every Ready in the documented order, then advances; one at a time, like a runtime. */
  drain(): void {
    const peer = this.peer
    while (peer !== undefined && this.peer === peer && this.#inProgress === undefined && peer.hasReady()) {
      const ready = peer.ready()
      const needsSync = ready.hardState !== undefined || ready.truncate !== undefined || ready.snapshot !== undefined
      const delay = needsSync ? this.hooks.syncDelay() : 0
      if (delay > 0) {
        this.#inProgress = { ready, doneAt: this.hooks.now() + delay }
        return
      }
      this.#carryOut(peer, ready)
    }
  }

  /** Finishes a Ready whose fsync is done by `now`, then drains what accumulated meanwhile. */
  completeSync(now: number): void {
    const inProgress = this.#inProgress
    if (inProgress === undefined || inProgress.doneAt > now || this.peer === undefined) return
    this.#inProgress = undefined
    this.#carryOut(this.peer, inProgress.ready)
    this.drain()
  }

  #carryOut(peer: ZabPeer, ready: Ready): void {
    this.#store(ready)
    for (const entry of ready.committed) this.#apply(entry)
    this.hooks.send(this.id, ready)
    if (ready.snapshotRequested) peer.snapshotTaken(this.appliedZxid, encodeState(this.state))
    if (ready.requests.length > 0) this.hooks.requests(this, ready.requests.map((r) => r.data))
    if (ready.syncsCompleted.length > 0) this.hooks.syncsCompleted(this, ready.syncsCompleted.map((s) => s.token))
    if (ready.state !== undefined) {
      this.role = ready.state
      this.hooks.roleChanged(this, ready.state)
    }
    peer.advance()
  }

  // snapshot -> truncate -> hardState are durable at once; entries are queued for the disk.
  #store(ready: Ready): void {
    const disk = this.disk
    if (ready.snapshot !== undefined) {
      this.state = decodeState(ready.snapshot.data)
      disk.snapshot = { zxid: ready.snapshot.zxid, state: this.state.slice() }
      disk.log = []
      disk.pending = []
      this.hooks.installed(this)
    }
    if (ready.truncate !== undefined) {
      const cut = ready.truncate
      disk.log = disk.log.filter((entry) => entry.zxid <= cut)
      for (const write of disk.pending) write.entries = write.entries.filter((entry) => entry.zxid <= cut)
    }
    if (ready.hardState !== undefined) {
      disk.acceptedEpoch = ready.hardState.acceptedEpoch
      disk.currentEpoch = ready.hardState.currentEpoch
    }
    if (ready.entries.length > 0) {
      const previous = disk.pending.at(-1)?.doneAt ?? 0
      disk.pending.push({ entries: ready.entries.slice(), doneAt: Math.max(previous, this.hooks.now() + this.hooks.persistDelay()) })
    }
  }

  #apply(entry: LogEntry): void {
    const applied = { zxid: entry.zxid, data: decodeData(entry.data) }
    this.hooks.applied(this, applied)
    this.state.push(applied)
    if (++this.#appliedSinceSnapshot >= SNAPSHOT_EVERY_ENTRIES) this.#maybeSnapshot()
  }

  // A durable snapshot may only cover entries that are durable in the log, like a fuzzy snapshot
  // taken from applied state; the log before it is then compacted away.
  #maybeSnapshot(): void {
    const lastDurable = this.disk.log.at(-1)?.zxid ?? this.disk.snapshot.zxid
    const zxid = this.appliedZxid
    if (zxid > lastDurable || zxid <= this.disk.snapshot.zxid) return
    this.disk.snapshot = { zxid, state: this.state.slice() }
    this.disk.log = this.disk.log.filter((entry) => entry.zxid > zxid)
    this.#appliedSinceSnapshot = 0
  }

  #appendDurable(entry: LogEntry): void {
    const last = this.disk.log.at(-1)?.zxid ?? this.disk.snapshot.zxid
    check(entry.zxid > last, () => `disk of ${this.id}: ${formatZxid(entry.zxid)} appended after ${formatZxid(last)}`)
    this.disk.log.push(entry)
  }
}

export function encodeState(state: readonly Applied[]): Uint8Array {
  return encoder.encode(JSON.stringify(state.map((a) => [a.zxid, a.data])))
}

export function decodeState(bytes: Uint8Array): Applied[] {
  const pairs = JSON.parse(decoder.decode(bytes)) as [number, string][]
  return pairs.map(([zxid, data]) => ({ zxid, data }))
}
