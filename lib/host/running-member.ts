/**
 * A running member as `createServer` and `startMember` return it: its health, and what keeps it
 * serving through a storage fault.
 *
 * A write the disk refuses (ENOSPC, EIO) leaves the member's log in an unknown state, so the member
 * built on it stops at once: requests in flight fail with CONNECTIONLOSS (their outcome is
 * unknown, as ZooKeeper defines it), sessions' connections are closed, and nothing more is
 * acknowledged. Then, instead of staying down, the member is rebuilt from what its storage holds
 * (reopened, recovered, rejoined), retried with a growing delay until the disk takes writes again.
 * Sessions are part of the durable state, so clients reconnect into the same sessions. Corrupt
 * data or a broken invariant is not retried: the member stays `failed`.
 * @module
 */
import type { Clock, Timer } from '../clock.js'
import type { ZooKeeperClient } from '../client/types.js'
import { ZooKeeperError } from '../errors.js'
import { servingWaitMsDefault, storageRetryMsMax, storageRetryMsMin } from '../limits.js'
import type { PeerTransport } from '../peer/transport.js'
import type { ServerSpec } from '../config/zoo-cfg.js'
import { reconfigRequestOf } from '../client/reconfig.js'
import type { NodeData, ReconfigChange } from '../client/types.js'
import type { Stat } from '../protocol/data.js'
import type { Pipeline } from '../server/pipeline.js'
import type { Replication } from '../server/replication.js'
import type { ClientPort } from '../wire/server.js'
import { StorageError } from '../../storage/errors.js'
import type { Storage } from '../../storage/types.js'
import type { AdminServer } from './admin-server.js'
import type { MemberClientPortBackend } from './client-port.js'
import type { MetricsServer } from './metrics-server.js'
import { connectInProcess } from './in-process.js'
import type { ConnectOptions, MemberServer, MemberStatus, ServerAddress, ServerHealth } from './types.js'

/**
 * The parts of a member built from its storage: the request pipeline, the ZAB core's replication
 * runtime, and the peer transport. A storage fault replaces them all; the ports stay.
 */
export interface Core {
  /** The request pipeline. */
  member: Pipeline
  /** Its storage (the same object across rebuilds: reopened, not replaced). */
  storage: Storage
  /** The ZAB core's runtime. */
  replication: Replication
  /** The connections to the other members; none for a member alone. */
  transport: PeerTransport | undefined
  /** The members of its active configuration (they change with a reconfig); absent in a core still being assembled. */
  servers?: readonly ServerSpec[]
}

/** The member's client port (if any), admin server (if any) and the backend they share. */
export interface Ports {
  /** The client port's backend, moved to each rebuilt core. */
  backend: MemberClientPortBackend
  /** The client port, when the member has one. */
  clientPort: ClientPort | undefined
  /** The admin server, when enabled. */
  admin: AdminServer | undefined
  /** The Prometheus endpoint (`metricsPort`), when enabled. */
  metrics?: MetricsServer | undefined
  /** The watch of the client port's certificate files (client.certReload), when on. */
  certificateWatch?: { close(): void } | undefined
}

/** What the ports read from the member: the core in use now and the health. */
export interface CurrentMember {
  /** The core in use now. */
  readonly core: Core
  /** The member's health now. */
  readonly health: ServerHealth
  /** Tells health listeners if the health changed. */
  healthMayHaveChanged(): void
  /** Replaces the member's state through its storage (see {@link RunningMember.replaceState}). */
  replaceState(install: (storage: Storage) => Promise<void>): Promise<void>
  /**
   * The install of a restore entry this member applied, while it runs: resolves with the restored
   * zxid once the member was rebuilt on the backup.
   */
  readonly restoring: Promise<number> | undefined
}

/** How a {@link RunningMember} builds what it runs on. */
export interface MemberFactory {
  /** Where the member reports rebuilds. */
  logger: { error(line: string): void }
  /** Builds a core from `storage` (opening it if need be). */
  rebuild(storage: Storage): Promise<Core>
  /** Opens the ports over the member. */
  ports(current: CurrentMember): Promise<Ports>
}

/** Stops a core; its storage is closed only when `closeStorage`. */
export async function stopCore(core: Partial<Core> & { member: Pipeline; storage: Storage }, closeStorage: boolean): Promise<void> {
  await core.replication?.stop()
  core.member.close()
  await core.transport?.close()
  if (closeStorage) await core.storage.close()
}

/**
 * Whether `error`, which stopped a member, is a storage fault it may recover from by reopening its
 * storage: a write the disk refused (`IO_ERROR`: ENOSPC, EIO), not corrupt data and not a broken
 * invariant.
 */
export function isStorageFault(error: Error): boolean {
  return error instanceof StorageError && (error.code === 'IO_ERROR' || error.code === 'APPEND_QUEUE_FULL')
}

/** The delay before rebuild attempt `attempt` (0-based): doubling from the minimum up to the maximum. */
export function storageRetryDelayMs(attempt: number): number {
  return Math.min(storageRetryMsMax, storageRetryMsMin * 2 ** Math.min(attempt, 20))
}

/** A member being rebuilt after a storage fault. */
interface Recovering {
  /** The fault that stopped it, or the last rebuild attempt's. */
  readonly error: Error
  /** The attempt under way, counted since the member last served (1 for the first). */
  readonly attempt: number
}

/** A running member: what `createServer` and `startMember` return. */
export class RunningMember implements MemberServer, CurrentMember {
  private closing: Promise<void> | undefined
  private closed = false
  private ports: Ports | undefined
  private readonly healthListeners = new Set<(health: ServerHealth) => void>()
  private lastHealth: ServerHealth
  private recovering: Recovering | undefined
  private rebuilding: Promise<void> | undefined
  private retryTimer: { timer: Timer; wake: () => void } | undefined
  /** The error that stopped the member for good, when a rebuild met one that is not a storage fault. */
  private finalFailure: Error | undefined
  /** Consecutive rebuilds that did not reach serving, for the retry delay. */
  private failedRebuilds = 0
  private restoreInstall: Promise<number> | undefined

  constructor(
    readonly myid: number,
    private current: Core,
    private readonly factory: MemberFactory,
  ) {
    this.watch(current)
    this.lastHealth = this.health
  }

  /** Opens the client port and the admin server. */
  async start(): Promise<void> {
    this.ports = await this.factory.ports(this)
  }

  /** The core in use now (it changes when a storage fault rebuilds the member). */
  get core(): Core {
    return this.current
  }

  get health(): ServerHealth {
    if (this.finalFailure !== undefined) return { state: 'failed', reason: this.finalFailure.message }
    const failure = this.current.replication.failed
    if (this.recovering !== undefined || (failure !== undefined && isStorageFault(failure) && !this.closed)) {
      const error = this.recovering?.error ?? failure!
      return { state: 'recovering', reason: `storage failed (${error.message}); reopening it and recovering (attempt ${this.recovering?.attempt ?? this.failedRebuilds + 1})` }
    }
    if (failure !== undefined) return { state: 'failed', reason: failure.message }
    if (this.current.member.serving) {
      if (this.ports?.clientPort?.throttled !== true) return { state: 'serving' }
      return { state: 'throttled', reason: 'more requests in flight than globalOutstandingLimit: the client port reads no more until half are answered' }
    }
    const reason = this.current.replication.state.reason
    return { state: 'looking', reason: reason === undefined ? 'no established leader' : `no established leader: ${reason}` }
  }

  onHealthChange(listener: (health: ServerHealth) => void): () => void {
    this.healthListeners.add(listener)
    return () => this.healthListeners.delete(listener)
  }

  /** Tells the health listeners if the health changed. A listener's fault is the embedder's: it must not stop the member or the other listeners. */
  healthMayHaveChanged(): void {
    const health = this.health
    if (health.state === this.lastHealth.state && health.reason === this.lastHealth.reason) return
    this.lastHealth = health
    for (const listener of this.healthListeners) {
      try {
        listener(health)
      } catch (error) {
        console.error(`paddock: a health listener threw: ${String(error)}`)
      }
    }
  }

  // Every change of the core's role or failure: a health event, and a rebuild after a storage fault.
  private watch(core: Core): void {
    core.replication.onChange = () => {
      if (core !== this.current) return
      if (core.member.serving) this.failedRebuilds = 0
      const failure = core.replication.failed
      if (failure !== undefined && isStorageFault(failure) && !this.closed) this.rebuilding ??= this.rebuild(failure).catch((error: unknown) => this.rebuildBroke(error))
      const restore = core.replication.restoreApplied
      if (restore !== undefined && !this.closed && this.restoreInstall === undefined) this.restoreInstall = this.installRestore(restore)
      this.healthMayHaveChanged()
    }
  }

  /** The install of a restore entry this member applied, while it runs (see {@link CurrentMember.restoring}). */
  get restoring(): Promise<number> | undefined {
    return this.restoreInstall
  }

  /**
   * The member applied the restore entry `restore` and stopped: the backup becomes its whole
   * history, and it is rebuilt on it and rejoins. A failed install leaves the old history, with
   * the entry, to be committed and installed again.
   */
  private installRestore(restore: { readonly zxid: number; readonly backup: Uint8Array }): Promise<number> {
    let zxid = 0
    const install = this.replaceState(async (storage) => {
      // Loaded here: a member that never restores never loads the migration code.
      const { installCommittedRestore } = await import('../migrate/backup.js')
      zxid = await installCommittedRestore(storage, restore.zxid, restore.backup)
    }).then(() => zxid)
    const done = install.finally(() => {
      if (this.restoreInstall === done) this.restoreInstall = undefined
    })
    done.catch((error: unknown) => this.factory.logger.error(`installing the restore entry 0x${restore.zxid.toString(16)} failed: ${error instanceof Error ? error.message : String(error)}`))
    return done
  }

  /** Rebuilds the member from its storage after `fault`, retrying while the storage keeps failing. */
  private async rebuild(fault: Error): Promise<void> {
    const log = this.factory.logger
    this.recovering = { error: fault, attempt: this.failedRebuilds + 1 }
    await stopCore(this.current, true).catch((error: unknown) => log.error(`closing the failed storage: ${String(error)}`))
    for (;;) {
      // Attempts count from the last time the member served, so a disk that keeps failing backs off.
      const attempt = ++this.failedRebuilds
      this.recovering = { error: this.recovering.error, attempt }
      const delayMs = storageRetryDelayMs(attempt - 1)
      log.error(`storage failed (${this.recovering.error.message}); reopening it in ${delayMs} ms (attempt ${attempt})`)
      this.healthMayHaveChanged()
      await this.pause(delayMs)
      if (this.closed) break
      try {
        const core = await this.factory.rebuild(this.current.storage)
        this.watch(core)
        this.current = core
        this.ports?.backend.use(core.member)
        log.error(`storage reopened: the member recovered to zxid 0x${core.member.lastProcessedZxid.toString(16)} and rejoins`)
        break
      } catch (error) {
        const why = error instanceof Error ? error : new Error(String(error))
        if (!isStorageFault(why)) {
          this.finalFailure = why
          log.error(`stopping the member: recovering from storage failed: ${why.stack ?? why.message}`)
          break
        }
        this.recovering = { error: why, attempt }
        await this.current.storage.close().catch(() => undefined)
      }
    }
    this.recovering = undefined
    this.rebuilding = undefined
    this.healthMayHaveChanged()
  }

  // The rebuild's own boundary: whatever escapes it stops the member for good, reported, never thrown into the host.
  private rebuildBroke(error: unknown): void {
    this.finalFailure = error instanceof Error ? error : new Error(String(error))
    this.recovering = undefined
    this.rebuilding = undefined
    try {
      this.factory.logger.error(`stopping the member: rebuilding it failed: ${this.finalFailure.message}`)
    } catch {
      // A logger that throws cannot be told.
    }
    this.healthMayHaveChanged()
  }

  // The member's clock paces the retries (a virtual clock in tests); close() cuts the wait short.
  private pause(delayMs: number): Promise<void> {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = () => {
        this.retryTimer = undefined
        resolve()
      }
      this.retryTimer = { timer: this.current.member.clock.setTimer(delayMs, wake), wake }
    })
  }

  /**
   * Replaces the member's state (an admin `restore`): stops the core in use (requests in flight
   * fail with CONNECTIONLOSS and connections close, as after a storage fault), lets `install`
   * write the new state into the storage, then rebuilds the member from the storage, which it
   * recovers from as after a restart. Refused while the member is rebuilding or closing.
   * @internal
   */
  async replaceState(install: (storage: Storage) => Promise<void>): Promise<void> {
    if (this.closed || this.rebuilding !== undefined || this.finalFailure !== undefined) throw new Error(`member ${this.myid} is ${this.health.state}: it cannot take a restore now`)
    let done!: () => void
    this.rebuilding = new Promise<void>((resolve) => (done = resolve))
    let rebuilt = false
    try {
      await stopCore(this.current, false)
      let failure: unknown
      await install(this.current.storage).catch((error: unknown) => (failure = error))
      // Whatever install left (the new state, or the old one when it failed first) is served again.
      const core = await this.factory.rebuild(this.current.storage)
      this.watch(core)
      this.current = core
      this.ports?.backend.use(core.member)
      rebuilt = true
      if (failure !== undefined) throw failure
    } catch (error) {
      if (!rebuilt) this.finalFailure = error instanceof Error ? error : new Error(String(error))
      throw error
    } finally {
      this.rebuilding = undefined
      done()
      this.healthMayHaveChanged()
    }
  }

  /** The request pipeline (for the testing kit and the CLI in this package). @internal */
  get member(): Pipeline {
    return this.current.member
  }

  get address(): ServerAddress | undefined {
    return this.ports?.clientPort?.address
  }

  get secureAddress(): ServerAddress | undefined {
    return this.ports?.clientPort?.secureAddress
  }

  get adminAddress(): ServerAddress | undefined {
    return this.ports?.admin?.address
  }

  get metricsAddress(): ServerAddress | undefined {
    return this.ports?.metrics?.address
  }

  get connectString(): string | undefined {
    const address = this.ports?.clientPort?.address
    return address === undefined ? undefined : `${address.host}:${address.port}`
  }

  get clock(): Clock {
    return this.current.member.clock
  }

  get znodeCount(): number {
    return this.current.member.tree.size
  }

  get sessionCount(): number {
    return this.current.member.sessions.size
  }

  get lastZxid(): number {
    return this.current.member.lastProcessedZxid
  }

  get mode(): string {
    return this.current.member.mode
  }

  status(): MemberStatus {
    return this.current.replication.zab.status()
  }

  connect(options: ConnectOptions = {}): Promise<ZooKeeperClient> {
    return connectInProcess(this.current.member, options)
  }

  runMaintenance(): void {
    this.current.member.expireSessions()
    this.current.member.removeExpiredContainers()
  }

  waitUntilServing(timeoutMs = servingWaitMsDefault): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`member ${this.myid} is not serving after ${timeoutMs} ms (mode ${this.mode})`)), timeoutMs)
      timer.unref()
      this.current.replication.whenServing().then(
        () => {
          clearTimeout(timer)
          resolve()
        },
        (error: unknown) => {
          clearTimeout(timer)
          reject(error)
        },
      )
    })
  }

  async reconfig(change: ReconfigChange): Promise<NodeData> {
    const response = await this.core.member.reconfigAsSuper(reconfigRequestOf(change))
    if (response.err !== 0) throw ZooKeeperError.fromErrno(response.err, '/zookeeper/config')
    const body = response as { data: Uint8Array; stat: Stat }
    return { data: body.data.slice(), stat: body.stat }
  }

  snapshot(): Promise<void> {
    return this.current.replication.takeSnapshot()
  }

  expireSession(sessionId: bigint): Promise<void> {
    return new Promise((resolve, reject) => {
      const outcome = this.current.member.expireSession(sessionId, () => resolve())
      const id = `0x${BigInt.asUintN(64, sessionId).toString(16)}`
      if (outcome === 'no-session') reject(new ZooKeeperError('SESSIONEXPIRED', { message: `no open session ${id}` }))
      else if (outcome === 'not-leader') reject(new ZooKeeperError('APIERROR', { message: `member ${this.myid} is ${this.mode}: only the leader expires sessions` }))
    })
  }

  close(): Promise<void> {
    this.closed = true
    this.closing ??= this.stop()
    return this.closing
  }

  // Ports first (no new work), then a rebuild in progress, then the core in use.
  private async stop(): Promise<void> {
    await this.ports?.admin?.close()
    await this.ports?.metrics?.close()
    this.ports?.certificateWatch?.close()
    await this.ports?.clientPort?.close()
    if (this.retryTimer !== undefined) {
      this.retryTimer.timer.cancel()
      this.retryTimer.wake()
    }
    await this.rebuilding
    await stopCore(this.current, true)
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
