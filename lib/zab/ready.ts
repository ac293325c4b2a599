/**
 * What the core asks its runtime to do, collected between `ready()` calls (etcd raft: `Ready`).
 * Fields are listed in the order the runtime must carry them out.
 * @module
 */
import type { MemberConfig } from './config.js'
import type { LogEntry } from './log.js'
import type { Envelope, ServerState } from './messages.js'

/** The durable epochs (ZooKeeper files `acceptedEpoch` and `currentEpoch`; paper: f.p and f.a). */
export interface HardState {
  /** The last epoch this member accepted in LEADERINFO (paper: NEWEPOCH). */
  readonly acceptedEpoch: number
  /** The last epoch whose NEWLEADER this member accepted (paper: f.a). */
  readonly currentEpoch: number
}

/** The member's role as the runtime should expose it (ZooKeeper: `QuorumPeer.ServerState`). */
export interface RoleState {
  readonly role: ServerState
  /** The leader followed or led; undefined while LOOKING. */
  readonly leader: number | undefined
  /** The epoch being established or served; 0 while LOOKING. */
  readonly epoch: number
  /**
   * True once the leader has a quorum of NEWLEADER acks (leader), or once UPTODATE arrived
   * (learner): the member may serve clients, and only then does `propose` succeed on a leader.
   */
  readonly established: boolean
  /** Why the member went back to LOOKING, for the runtime's log ("lost connection to leader 2"). */
  readonly reason?: string
}

/** A client request a learner forwarded (REQUEST), surfaced on the leader for its request pipeline. */
export interface ForwardedRequest {
  readonly from: number
  readonly data: Uint8Array
}

/** A snapshot to install in place of the state machine and the whole log (received in SNAP). */
export interface SnapshotInstall {
  readonly zxid: number
  readonly data: Uint8Array
}

/**
 * One batch of work for the runtime, valid until `advance()`: the core then empties it for reuse,
 * so copy out whatever must outlive the batch. Carry it out in field order:
 * `snapshot` → `truncate` → `hardState` (all three durable) → `messages` may go out;
 * `entries` are appended after `snapshot`/`truncate` and their durability reported later with
 * `persisted()`; `committed` are applied after `snapshot`. The core never emits a message whose
 * meaning depends on an entry being durable before `persisted()` said so, which is why the runtime
 * may send `messages` while `entries` are still being written.
 */
/** A completed `sync()`: its token, and the zxid whose commit it waited for. */
export interface SyncCompleted {
  /** The token given to `sync()`. */
  readonly token: number
  /** Apply the committed entries up to this zxid first, and no later one. */
  readonly zxid: number
}

export interface Ready {
  /**
   * Install this snapshot: replace the state machine with it and discard the entire log, which
   * restarts after `snapshot.zxid`. Durable before `messages` are sent. Comes first.
   */
  readonly snapshot: SnapshotInstall | undefined
  /** Discard every logged entry with a zxid above this (TRUNC). Durable before `messages` are sent. */
  readonly truncate: number | undefined
  /**
   * Persist these epochs (fsync) BEFORE sending any of `messages`: ACKEPOCH and the ACK of NEWLEADER
   * promise that the epochs are on disk (ZAB paper phases 1 and 2).
   */
  readonly hardState: HardState | undefined
  /**
   * The active configuration changed (a reconfig entry committed, or the leader's configuration
   * was adopted in sync): persist it with `hardState`, before any of `messages` is sent, restore
   * it as `ZabRestoredState.config`, and reach the members it names.
   */
  readonly config: MemberConfig | undefined
  /**
   * Append these entries to the log, in order, after `snapshot`/`truncate`; report durability with
   * `persisted(lastZxid)` (group commit is welcome). The core sends ACK only after that report
   * (ZAB paper phase 3; ZOOKEEPER-3911 for NEWLEADER).
   */
  readonly entries: readonly LogEntry[]
  /** Send these, per destination in this order, over FIFO connections, after `hardState` is durable. */
  readonly messages: readonly Envelope[]
  /**
   * Apply these committed entries to the state machine in this order (zxids strictly increase),
   * after `snapshot`. They may be applied before they are locally durable: a quorum has them.
   */
  readonly committed: readonly LogEntry[]
  /**
   * The leader needs a snapshot to SNAP a learner: call `snapshotTaken(zxid, bytes)` with the state
   * machine as of a zxid it has applied (after applying `committed`).
   */
  readonly snapshotRequested: boolean
  /** Client requests forwarded to this leader, in arrival order, for the runtime to prepare and `propose`. */
  readonly requests: readonly ForwardedRequest[]
  /**
   * `sync()` calls now complete, in order, each with the zxid it waited for: every write
   * proposed before the call is committed at or before `zxid`. Complete each after applying the
   * `committed` entries up to its zxid and before any later one, so that what a session asked
   * after its sync does not overtake it.
   */
  readonly syncsCompleted: readonly SyncCompleted[]
  /** The new role, when it changed since the last batch. */
  readonly state: RoleState | undefined
}

/**
 * The empty list every field of a new Outbox starts as: frozen, so the first item goes through
 * an `add…` method that swaps in a list of its own. A batch allocates only the lists it uses.
 */
const none = Object.freeze([]) as unknown as never[]

/**
 * Accumulates one Ready, and is handed out as it. Two outboxes take turns: while one is handed
 * out the other takes the next inputs, and `advance()` empties the first for reuse, so a busy
 * member allocates no batch per write. Storage instructions are coalesced so the fixed field order stays correct
 * even when several steps happen between two `ready()` calls (a SNAP supersedes everything before
 * it; a TRUNC removes the not-yet-handed-out entries it cuts off).
 */
export class Outbox implements Ready {
  snapshot: SnapshotInstall | undefined
  truncate: number | undefined
  hardState: HardState | undefined
  config: MemberConfig | undefined
  entries: LogEntry[] = none
  messages: Envelope[] = none
  committed: LogEntry[] = none
  snapshotRequested = false
  requests: ForwardedRequest[] = none
  syncsCompleted: SyncCompleted[] = none
  state: RoleState | undefined

  /** Whether there is anything for the runtime to do. */
  get isEmpty(): boolean {
    return this.snapshot === undefined && this.truncate === undefined && this.hardState === undefined && this.config === undefined &&
      this.entries.length === 0 && this.messages.length === 0 && this.committed.length === 0 &&
      !this.snapshotRequested && this.requests.length === 0 && this.syncsCompleted.length === 0 &&
      this.state === undefined
  }

  /** Queues an entry to append. */
  addEntry(entry: LogEntry): void {
    if (this.entries === none) this.entries = []
    this.entries.push(entry)
  }

  /** Queues a message to send. */
  addMessage(envelope: Envelope): void {
    if (this.messages === none) this.messages = []
    this.messages.push(envelope)
  }

  /** The list committed entries are added to, in zxid order. */
  committedList(): LogEntry[] {
    if (this.committed === none) this.committed = []
    return this.committed
  }

  /** Queues a forwarded client request for the leader's pipeline. */
  addRequest(request: ForwardedRequest): void {
    if (this.requests === none) this.requests = []
    this.requests.push(request)
  }

  /** Reports a completed sync, which waited for the commits up to `zxid`. */
  addSyncCompleted(token: number, zxid: number): void {
    if (this.syncsCompleted === none) this.syncsCompleted = []
    this.syncsCompleted.push({ token, zxid })
  }

  installSnapshot(install: SnapshotInstall): void {
    this.snapshot = install
    this.truncate = undefined
    this.entries = none
    this.committed = none
  }

  truncateAfter(zxid: number): void {
    this.entries = this.entries.filter((entry) => entry.zxid <= zxid)
    this.committed = this.committed.filter((entry) => entry.zxid <= zxid)
    if (this.snapshot !== undefined && zxid >= this.snapshot.zxid) return
    this.truncate = Math.min(this.truncate ?? Infinity, zxid)
  }

  toReady(): Ready {
    return this
  }

  /** Empties the outbox once the runtime has carried it out (lists it used are kept, cut to 0). */
  clear(): void {
    this.snapshot = undefined
    this.truncate = undefined
    this.hardState = undefined
    this.config = undefined
    emptyKeepingRoom(this.entries)
    emptyKeepingRoom(this.messages)
    emptyKeepingRoom(this.committed)
    this.snapshotRequested = false
    emptyKeepingRoom(this.requests)
    emptyKeepingRoom(this.syncsCompleted)
    this.state = undefined
  }
}

/**
 * Empties `list` by popping its items, which keeps (most of) the room it had: setting its length
 * to 0 would drop its backing store, and the batch's first push allocate a new one. On a member
 * that commits each write alone that was several allocations per write.
 */
function emptyKeepingRoom(list: unknown[]): void {
  while (list.length > 0) list.pop()
}
