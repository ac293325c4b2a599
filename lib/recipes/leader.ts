/**
 * Leader election in the two shapes Curator offers: LeaderLatch (hold leadership until closed)
 * and LeaderSelector, here LeaderElection (run a function while leader, then requeue). Both use
 * Curator's znode layout so Java and Node participants can run in one election.
 * @module
 */
import type { ZooKeeperClient } from '../client/index.js'
import { ZooKeeperError } from '../errors.js'
import { validatePath } from '../path.js'
import type { HeldLease, Lease } from './lease.js'
import { attemptLock, participants, standardDriver, type LockSpec } from './internal/lock-internals.js'
import { aborted, Listeners } from './internal/listeners.js'
import { curatorProtectedPrefix } from './internal/nodes.js'
import { hasCode, sessionEnded } from './internal/session.js'
import { Lock } from './lock.js'

/** Curator's LeaderLatch.LOCK_NAME. */
export const curatorLatchName = 'latch-'

/** This participant became the leader. */
export interface IsLeaderEvent {
  /** The event's kind. */
  type: 'isLeader'
  /** The leadership lease; its signal aborts when leadership is lost. */
  lease: Lease
}

/** This participant stopped being the leader. */
export interface NotLeaderEvent {
  /** The event's kind. */
  type: 'notLeader'
  /** Why: a ZooKeeperError (SESSIONEXPIRED, NONODE) or the close. */
  reason: unknown
}

/** A change of leadership: gained, or lost. */
export type LeadershipEvent = IsLeaderEvent | NotLeaderEvent

/** One contender of an election (Curator's Participant). */
export interface Participant {
  /** The id the contender registered (the node's data). */
  id: string
  /** True for the current leader (the first node). */
  isLeader: boolean
  /** The contender's node. */
  path: string
}

/** Options of {@link LeaderLatch} and {@link LeaderElection}. */
export interface LeaderOptions {
  /** This participant's id, stored in its node as UTF-8 (Curator's participant id). @defaultValue '' */
  id?: string
  /**
   * Treat a lost connection as lost leadership until the client reconnects, as Curator's default
   * StandardConnectionStateErrorPolicy does: while disconnected the session may already have
   * expired and another participant may lead. false keeps leadership until the session is
   * known to be gone (Curator's SessionConnectionStateErrorPolicy). @defaultValue true
   */
  suspendOnDisconnect?: boolean
}

function connectionLost(path: string): ZooKeeperError {
  return new ZooKeeperError('CONNECTIONLOSS', { path, message: `Connection lost while leading ${path}: leadership suspended` })
}

/** Reads the participants of an election at `path`, leader first. */
export async function electionParticipants(client: ZooKeeperClient, path: string): Promise<Participant[]> {
  const found: Participant[] = []
  for (const node of await participants(client, path)) {
    try {
      const { data } = await client.getData(node)
      found.push({ id: new TextDecoder().decode(data), isLeader: found.length === 0, path: node })
    } catch (error) {
      if (!hasCode(error, 'NONODE')) throw error
    }
  }
  return found
}

/** Where a latch is in its life. */
export type LeaderLatchState = 'latent' | 'started' | 'closed'

/**
 * Curator's LeaderLatch: once started, the participant waits in line (watching only its
 * predecessor) and holds leadership until it closes or loses its session. Leadership lost while
 * the session lives (somebody deleted our node) makes it rejoin the line.
 */
export class LeaderLatch {
  private readonly spec: LockSpec
  private readonly closing = new AbortController()
  private readonly listeners = new Listeners<LeadershipEvent>()
  /** Wakes await() callers on every change, including the close. */
  private readonly changed = new Listeners<void>()
  private currentLease: Lease | undefined
  private currentState: LeaderLatchState = 'latent'
  /** Disconnected while leading (see {@link LeaderOptions.suspendOnDisconnect}). */
  private suspended = false
  private loop: Promise<void> = Promise.resolve()
  private failure: unknown

  /** A latch at `path` (created as a container on first use). */
  constructor(
    private readonly client: ZooKeeperClient,
    /** The latch's directory. */
    readonly path: string,
    private readonly options: LeaderOptions = {},
  ) {
    validatePath(path)
    this.spec = { basePath: path, newPrefix: () => `${curatorProtectedPrefix()}${curatorLatchName}`, data: options.id ?? '', driver: standardDriver(1) }
  }

  /** Where the latch is in its life. */
  get state(): LeaderLatchState {
    return this.currentState
  }

  /** True while this participant leads. */
  get hasLeadership(): boolean {
    return this.currentLease?.held === true && !this.suspended
  }

  /** The participant's id. */
  get id(): string {
    return this.options.id ?? ''
  }

  /** Joins the election. */
  start(): void {
    if (this.currentState !== 'latent') throw new Error(`LeaderLatch ${this.path} cannot start: it is ${this.currentState}`)
    this.currentState = 'started'
    this.loop = this.run()
  }

  /** Subscribes to leadership changes; returns the unsubscribe function. */
  on(listener: (event: LeadershipEvent) => void): () => void {
    return this.listeners.on(listener)
  }

  /**
   * Resolves with the leadership lease once this participant leads (at once if it does). Rejects
   * when `signal` aborts, the latch closes, or the session ends.
   */
  async await(signal?: AbortSignal): Promise<Lease> {
    for (;;) {
      signal?.throwIfAborted()
      if (this.hasLeadership && this.currentLease !== undefined) return this.currentLease
      if (this.currentState === 'closed') throw this.failure ?? new Error(`LeaderLatch ${this.path} is closed`)
      await this.nextEvent(signal)
    }
  }

  private nextEvent(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const off = this.changed.on(() => done())
      const abort = (): void => {
        off()
        reject(signal?.reason)
      }
      const done = (): void => {
        off()
        signal?.removeEventListener('abort', abort)
        resolve()
      }
      signal?.addEventListener('abort', abort, { once: true })
    })
  }

  /** The participants, leader first. */
  participants(): Promise<Participant[]> {
    return electionParticipants(this.client, this.path)
  }

  /** Leaves the election (deleting our node); a leader emits notLeader. */
  async close(): Promise<void> {
    if (this.currentState === 'closed') return
    this.currentState = 'closed'
    this.closing.abort(new Error(`LeaderLatch ${this.path} closed`))
    await this.loop
    this.changed.emit()
  }

  private async run(): Promise<void> {
    while (!this.closing.signal.aborted) {
      try {
        const lease = await attemptLock(this.client, this.spec, this.closing.signal)
        if (lease !== undefined) await this.lead(lease)
      } catch (error) {
        if (!this.closing.signal.aborted) this.fail(error)
        return
      }
      if (sessionEnded(this.client.state)) return this.fail(new ZooKeeperError('SESSIONEXPIRED', { path: this.path, message: `LeaderLatch ${this.path}: session ${this.client.state.toLowerCase()}` }))
    }
  }

  private async lead(lease: HeldLease): Promise<void> {
    this.currentLease = lease
    this.suspended = false
    this.setLeader(true, undefined)
    const unsubscribe = this.client.onStateChange((event) => void this.onConnection(event.state, lease))
    await Promise.race([aborted(lease.signal), aborted(this.closing.signal)])
    unsubscribe()
    const reason: unknown = lease.signal.aborted ? lease.signal.reason : this.closing.signal.reason
    await lease.release()
    if (!this.suspended) this.setLeader(false, reason)
    this.currentLease = undefined
    this.suspended = false
  }

  // A disconnected leader steps down until it is connected again and its node is still there;
  // nobody can have passed it in the line while the node exists, so it then leads again.
  private async onConnection(state: string, lease: HeldLease): Promise<void> {
    if (!(this.options.suspendOnDisconnect ?? true)) return
    if (state === 'Disconnected' && !this.suspended) {
      this.suspended = true
      this.setLeader(false, connectionLost(this.path))
    } else if (state === 'SyncConnected' && this.suspended) {
      await lease.watch()
      if (!lease.held || this.client.state !== 'SyncConnected' || !this.suspended) return
      this.suspended = false
      this.setLeader(true, undefined)
    }
  }

  private setLeader(leader: boolean, reason: unknown): void {
    const lease = this.currentLease
    if (leader && lease !== undefined) this.listeners.emit({ type: 'isLeader', lease })
    else this.listeners.emit({ type: 'notLeader', reason })
    this.changed.emit()
  }

  // The session is gone (or an unexpected error): the latch cannot rejoin on this client.
  private fail(error: unknown): void {
    this.failure = error
    this.currentState = 'closed'
    this.changed.emit()
  }
}

/** What a leader does; leadership ends when it returns (or throws). */
export type TakeLeadership = (signal: AbortSignal, lease: Lease) => Promise<void>

/** Options of {@link LeaderElection}. */
export interface LeaderElectionOptions extends LeaderOptions {
  /** Rejoin the line after each term (Curator's autoRequeue). @defaultValue true */
  autoRequeue?: boolean
  /** Where errors thrown by takeLeadership go. @defaultValue rethrown in a microtask */
  onError?: (error: unknown) => void
}

/**
 * Curator's LeaderSelector: when this participant is elected, `takeLeadership` runs; leadership
 * is given up when it returns. Its `signal` aborts when leadership is lost (session expired,
 * node deleted) or the election is closed, and the function should then stop promptly.
 */
export class LeaderElection {
  private readonly lock: Lock
  private readonly closing = new AbortController()
  private loop: Promise<void> = Promise.resolve()
  private leading = false
  private started = false

  /** An election at `path` whose leader runs `takeLeadership`. */
  constructor(
    private readonly client: ZooKeeperClient,
    /** The election's directory. */
    readonly path: string,
    private readonly takeLeadership: TakeLeadership,
    private readonly options: LeaderElectionOptions = {},
  ) {
    this.lock = new Lock(client, path, { data: options.id ?? '' })
  }

  /** True while takeLeadership runs. */
  get hasLeadership(): boolean {
    return this.leading
  }

  /** Joins the election. */
  start(): void {
    if (this.started) throw new Error(`LeaderElection ${this.path} was already started`)
    this.started = true
    this.loop = this.run()
  }

  /** The participants, leader first. */
  participants(): Promise<Participant[]> {
    return electionParticipants(this.client, this.path)
  }

  /** Leaves the election: aborts a running term and waits for it to end. */
  async close(): Promise<void> {
    this.closing.abort(new Error(`LeaderElection ${this.path} closed`))
    await this.loop
  }

  private async run(): Promise<void> {
    do {
      let lease: Lease
      try {
        lease = await this.lock.acquire(this.closing.signal)
      } catch {
        return // closed, or the session ended: either way this election is over for us
      }
      await this.term(lease)
      // An in-process server answers without ever leaving the microtask queue; a leader that
      // returns at once would otherwise requeue and win again forever, starving everything else.
      await new Promise<void>((resolve) => setImmediate(resolve))
    } while ((this.options.autoRequeue ?? true) && !this.closing.signal.aborted && !sessionEnded(this.client.state))
  }

  private async term(lease: Lease): Promise<void> {
    this.leading = true
    const disconnected = new AbortController()
    const unsubscribe = this.client.onStateChange((event) => {
      if (event.state === 'Disconnected' && (this.options.suspendOnDisconnect ?? true)) disconnected.abort(connectionLost(this.path))
    })
    try {
      // As Curator's LeaderSelectorListenerAdapter: a lost connection cancels the term.
      await this.takeLeadership(AbortSignal.any([lease.signal, this.closing.signal, disconnected.signal]), lease)
    } catch (error) {
      const report = this.options.onError ?? ((e: unknown) => queueMicrotask(() => { throw e }))
      report(error)
    } finally {
      unsubscribe()
      this.leading = false
      await lease.release()
    }
  }
}
