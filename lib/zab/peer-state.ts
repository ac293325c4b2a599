/**
 * The state every role shares: history, epochs, commit and persistence points, the outbox, and the
 * helpers that change them while keeping the invariants (zxids strictly increase, committed <=
 * logged, nothing committed is ever truncated).
 * @module
 */
import { assert, invariantBroken } from './assert.js'
import type { ZabLimits } from './limits.js'
import { type LogEntry, ZabLog } from './log.js'
import type { SessionMessage, ZabMessage } from './messages.js'
import type { ConfigState, MemberConfig } from './config.js'
import type { QuorumVerifier } from './quorum.js'
import { Outbox, type RoleState } from './ready.js'
import { formatZxid } from '../protocol/zxid.js'

/** How the runtime restores a member from its storage on start. */
export interface ZabRestoredState {
  /** Durable acceptedEpoch (ZooKeeper file `acceptedEpoch`). */
  readonly acceptedEpoch: number
  /** Durable currentEpoch (ZooKeeper file `currentEpoch`). */
  readonly currentEpoch: number
  /** zxid of the snapshot the state machine was loaded from; the log restarts after it (0 = none). */
  readonly snapshotZxid: number
  /** Durable log entries after `snapshotZxid`, in zxid order (the last ones suffice for DIFF). */
  readonly entries: readonly LogEntry[]
  /**
   * The zxid up to which the state machine already applied committed entries; at least
   * `snapshotZxid`. Entries after it are emitted as `committed` once the core learns they are.
   */
  readonly committedZxid: number
  /**
   * The active configuration the runtime last persisted (`Ready.config`), when it has one; else
   * the start-up configuration of {@link ZabConfig} is active. Reconfig entries among `entries`
   * (those with a `config`) are taken into account after it.
   */
  readonly config?: MemberConfig
}

/** The empty history of a brand-new member. */
export const emptyRestoredState: ZabRestoredState = {
  acceptedEpoch: 0,
  currentEpoch: 0,
  snapshotZxid: 0,
  entries: [],
  committedZxid: 0,
}

/** Shared mutable state of one member; roles change it only through these methods. */
export class PeerState {
  now = 0
  acceptedEpoch: number
  currentEpoch: number
  committedZxid: number
  /** Highest zxid known durable locally (via `persisted`, restore, or snapshot install). */
  persistedZxid: number
  readonly log: ZabLog
  out = new Outbox()
  /** A configuration change that took effect since the roles last looked (they react after each input). */
  activated: { readonly previous: MemberConfig; readonly next: MemberConfig } | undefined
  #sessionCounter: number

  constructor(
    readonly id: number,
    readonly configs: ConfigState,
    readonly limits: ZabLimits,
    readonly random: () => number,
    restored: ZabRestoredState,
  ) {
    assert(restored.committedZxid >= restored.snapshotZxid, 'restored committedZxid below snapshotZxid')
    assert(restored.acceptedEpoch >= restored.currentEpoch, 'restored acceptedEpoch below currentEpoch')
    this.log = new ZabLog(restored.snapshotZxid, restored.entries)
    assert(restored.committedZxid <= this.log.lastZxid, 'restored committedZxid above the last logged zxid')
    this.acceptedEpoch = restored.acceptedEpoch
    this.currentEpoch = restored.currentEpoch
    this.committedZxid = restored.committedZxid
    this.persistedZxid = this.log.lastZxid
    this.#restoreConfigs(restored)
    // Sessions start at a random point so a restarted member never reuses one still in flight.
    this.#sessionCounter = Math.floor(random() * 2 ** 40)
  }

  /** The quorum in force: the active configuration's, or the joint one while a change is pending. */
  get quorum(): QuorumVerifier {
    return this.configs.quorum
  }

  get isObserver(): boolean {
    return !this.quorum.isVoter(this.id)
  }

  nextSession(): number {
    return ++this.#sessionCounter
  }

  send(to: number, message: ZabMessage): void {
    if (!(to !== this.id)) invariantBroken(`member ${this.id} sending ${message.type} to itself`)
    this.out.addMessage({ to, message })
  }

  sendInSession(to: number, session: number, message: DistributiveOmit<SessionMessage, 'session'>): void {
    this.send(to, { ...message, session } as SessionMessage)
  }

  setRole(state: RoleState): void {
    this.out.state = state
  }

  /** Epochs change only upward, and reach the runtime before any message that depends on them. */
  setEpochs(acceptedEpoch: number, currentEpoch: number): void {
    assert(acceptedEpoch >= this.acceptedEpoch, () => `acceptedEpoch going back from ${this.acceptedEpoch} to ${acceptedEpoch}`)
    assert(currentEpoch >= this.currentEpoch, () => `currentEpoch going back from ${this.currentEpoch} to ${currentEpoch}`)
    assert(acceptedEpoch >= currentEpoch, 'currentEpoch above acceptedEpoch')
    this.acceptedEpoch = acceptedEpoch
    this.currentEpoch = currentEpoch
    this.out.hardState = { acceptedEpoch, currentEpoch }
  }

  append(entry: LogEntry): void {
    this.log.append(entry)
    this.out.addEntry(entry)
    if (entry.config !== undefined) this.configs.logged(entry.config)
  }

  /** Adopts the leader's active configuration (NEWLEADER); the runtime persists it before messages go out. */
  adoptConfig(config: MemberConfig): void {
    if (this.configs.adopt(config)) this.out.config = this.configs.active
  }

  /** TRUNC: committed entries are in every later leader's history, so they are never cut. */
  truncateAfter(zxid: number): void {
    assert(zxid >= this.committedZxid, () => `TRUNC to ${formatZxid(zxid)} below committed ${formatZxid(this.committedZxid)}`)
    this.log.truncateAfter(zxid)
    this.out.truncateAfter(zxid)
    this.configs.truncated(zxid)
    this.persistedZxid = Math.min(this.persistedZxid, zxid)
  }

  /** SNAP: the snapshot holds every committed entry up to `zxid`, so it may not go backwards. */
  installSnapshot(zxid: number, data: Uint8Array): void {
    assert(zxid >= this.committedZxid, () => `SNAP at ${formatZxid(zxid)} below committed ${formatZxid(this.committedZxid)}`)
    this.log.reset(zxid)
    this.out.installSnapshot({ zxid, data })
    this.configs.truncated(zxid)
    this.committedZxid = zxid
    this.persistedZxid = zxid
  }

  /** Marks everything up to `zxid` committed, emits it in order, and trims the retained log. */
  commitTo(zxid: number): void {
    if (zxid <= this.committedZxid) return
    if (!(zxid <= this.log.lastZxid)) invariantBroken(`commit ${formatZxid(zxid)} above last logged ${formatZxid(this.log.lastZxid)}`)
    this.log.pushRange(this.committedZxid, zxid, this.out.committedList())
    this.committedZxid = zxid
    this.#activateCommitted(zxid)
    this.#trimCommitted()
  }

  // A committed reconfig entry makes its configuration active (ZooKeeper: processReconfig on
  // COMMITANDACTIVATE); the runtime persists it, and the roles react once the input is done.
  #activateCommitted(zxid: number): void {
    if (this.configs.pending === undefined) return
    const previous = this.activated?.previous ?? this.configs.active
    const next = this.configs.committed(zxid)
    if (next === undefined) return
    this.out.config = next
    this.activated = { previous, next }
  }

  // The persisted active configuration, then the reconfig entries of the restored log: committed
  // ones are active, the last uncommitted one pending.
  #restoreConfigs(restored: ZabRestoredState): void {
    if (restored.config !== undefined) this.configs.adopt(restored.config)
    for (const entry of restored.entries) {
      if (entry.config === undefined) continue
      this.configs.logged(entry.config)
      if (entry.zxid <= restored.committedZxid) this.configs.committed(entry.zxid)
    }
  }

  /** The runtime made entries up to `upTo` durable; stale reports from before a TRUNC/SNAP are clamped. */
  notePersisted(upTo: number): void {
    if (upTo < this.log.base) return
    const durable = this.log.floor(Math.min(upTo, this.log.lastZxid))
    this.persistedZxid = Math.max(this.persistedZxid, durable)
  }

  // Keep at most retainedLogEntriesMax committed entries; uncommitted ones always stay.
  #trimCommitted(): void {
    this.log.trimOldest(this.committedZxid, this.limits.retainedLogEntriesMax)
  }
}

/** Omit that distributes over a union, so each message variant keeps its own fields. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
