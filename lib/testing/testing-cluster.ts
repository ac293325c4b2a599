/**
 * TestingCluster: an ensemble of N Paddock members in this process, each with its own storage,
 * for tests of failover.
 *
 * By default it runs on a virtual clock over a simulated network and simulated disks — the ones
 * Paddock's whole-system simulation runs on — and is deterministic for a given `seed`: the same
 * test sees the same elections and the same order of events. Time moves only while the test waits
 * on the cluster (a client call, a wait, {@link TestingCluster.advance}), one due instant at a
 * time, so a test of a failover runs in milliseconds of wall time. Faults: crash (power loss:
 * unsynced writes are lost), kill, partitions (also one-way), isolation, pauses, slow and lossy
 * links, session expiry.
 *
 * With `clock: 'real'` the members run on the system clock over the same simulated network and
 * disks (every fault works, with near-zero latencies), or over loopback TCP with `tcp: true`
 * (needed for `clientPorts`), where only kill and restart exist.
 * @module
 */
import { createServer as createNetServer } from 'node:net'
import { connect } from '../client/tcp.js'
import type { TcpClientOptions, ZooKeeperClient } from '../client/types.js'
import { systemClock, type Clock } from '../clock.js'
import type { ServerSpec } from '../config/zoo-cfg.js'
import { ZooKeeperError } from '../errors.js'
import { clusterSizeDefault, clusterTickTimeMsDefault, clusterTimeoutMsDefault } from '../limits.js'
import { startMember } from '../host/server.js'
import type { RunningMember } from '../host/running-member.js'
import type { ConnectOptions, MemberServer, MemberStartOptions, ServerOptions } from '../host/types.js'
import { createMemoryDb, createMemoryStorage } from '../../storage/index.js'
import { SimDisk } from './sim/disk.js'
import { driven, KeepAlive, TimeDriver, type PromiseWaiter } from './sim/driver.js'
import { SimNetwork } from './sim/network.js'
import { Prng } from './sim/prng.js'
import { countImmediates, ProcessClock, SimWorld } from './sim/world.js'
import { virtualClockStartMsDefault } from './testing-server.js'

/** Options of {@link TestingCluster.start}. */
export interface TestingClusterOptions extends Omit<ServerOptions, 'storage' | 'dataDir' | 'port' | 'clock'>, Pick<MemberStartOptions, 'initLimit' | 'syncLimit'> {
  /** Number of voting members. @defaultValue 3 */
  size?: number
  /** Number of observers, added after the voters. @defaultValue 0 */
  observers?: number
  /**
   * `'virtual'`: simulated time, network and disks, deterministic for a `seed`; `'real'`: the
   * system clock. @defaultValue `'virtual'`, or `'real'` with `tcp` or `clientPorts`
   */
  clock?: 'virtual' | 'real'
  /** Seeds every random choice of a virtual-clock cluster (elections, latencies, disk times). @defaultValue 1 */
  seed?: number
  /** Give each member a client port on 127.0.0.1 (for TCP clients and `connectString`; real clock). @defaultValue false */
  clientPorts?: boolean
  /** Members talk over loopback TCP instead of the in-process simulated network (real clock; only kill and restart as faults). @defaultValue false */
  tcp?: boolean
  /**
   * How long {@link TestingCluster.start} and the waits allow, ms (of virtual time on the virtual
   * clock, of real time on the real one). @defaultValue 30000
   */
  timeoutMs?: number
}

const quiet = { info() {}, error() {}, debug() {}, warn() {} }

async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

/**
 * The simulated network and disks of an in-process cluster, on the virtual clock (with the driver
 * that moves it) or on the system clock.
 */
interface Sim {
  readonly clock: Clock
  readonly net: SimNetwork
  readonly prng: Prng
  readonly disks: Map<number, SimDisk>
  readonly clocks: Map<number, ProcessClock>
  /** Waits for promises on a test's behalf: moving virtual time, or keeping the process alive. */
  readonly waiter: PromiseWaiter
  /** On the virtual clock: what moves it. */
  readonly driver: TimeDriver | undefined
  readonly stop: () => void
}

/** N in-process members with fault injection; see the module comment. */
export class TestingCluster implements AsyncDisposable {
  private readonly members = new Map<number, MemberServer>()
  private readonly dbs = new Map<number, ReturnType<typeof createMemoryDb>>()
  /** Over TCP: keeps a plain Node process alive while a test waits on the cluster. */
  private readonly keepAlive = new KeepAlive()
  private closed = false

  private constructor(
    /** Every member's spec, observers included. */
    readonly servers: readonly ServerSpec[],
    private readonly options: TestingClusterOptions,
    private readonly sim: Sim | undefined,
  ) {}

  /** Starts the members and resolves once every one of them serves. */
  static async start(options: TestingClusterOptions = {}): Promise<TestingCluster> {
    const virtual = clockKind(options) === 'virtual'
    const servers = await specs(options, virtual)
    const cluster = new TestingCluster(servers, options, options.tcp === true ? undefined : newSim(options, servers, virtual))
    try {
      await cluster.within(Promise.all(servers.map((s) => cluster.startMember(s.id))), 'the members to start')
      await cluster.waitUntilServing()
    } catch (error) {
      await cluster.close()
      throw error
    }
    return cluster
  }

  /** Whether the cluster runs on the virtual clock. */
  get virtual(): boolean {
    return this.sim?.driver !== undefined
  }

  /** The current time of the cluster's clock, in ms since the epoch. */
  now(): number {
    return (this.sim?.clock ?? systemClock).now()
  }

  private async startMember(id: number): Promise<MemberServer> {
    const { size: _s, observers: _o, clientPorts: _c, tcp, timeoutMs: _t, clock: _k, seed: _seed, ...serverOptions } = this.options
    const base = { tickTimeMs: clusterTickTimeMsDefault, fourLetterWordsWhitelist: '*', ...serverOptions, myid: id, servers: this.servers, logger: quiet }
    const sim = this.sim
    let member: MemberServer
    if (sim === undefined) {
      let db = this.dbs.get(id)
      if (db === undefined) this.dbs.set(id, (db = createMemoryDb()))
      member = await startMember({ ...base, storage: createMemoryStorage({ db, logger: quiet }), seed: id })
    } else {
      const clock = new ProcessClock(sim.clock)
      const run = (work: () => void): void => clock.run(work)
      sim.clocks.set(id, clock)
      sim.net.runners.set(id, run)
      const db = sim.disks.get(id)!.open(run)
      member = await startMember({ ...base, storage: createMemoryStorage({ db, logger: quiet }), seed: sim.prng.int(1, 2 ** 30), hub: sim.net, clock })
    }
    this.members.set(id, member)
    return member
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? clusterTimeoutMsDefault
  }

  /**
   * Waits for `promise`: on the virtual clock, time moves until it settles, bounded by the
   * cluster's timeout; on the real clock it is awaited as is.
   */
  private within<T>(promise: Promise<T>, what: string): Promise<T> {
    return (this.sim?.waiter ?? this.keepAlive).wait(promise, what)
  }

  /** Waits until `condition()` holds, bounded by the cluster's timeout; the error names `what`. */
  async until(condition: () => boolean, what: string): Promise<void> {
    if (this.sim?.driver !== undefined) return this.sim.driver.until(condition, what)
    const deadline = Date.now() + this.timeoutMs
    while (!condition()) {
      if (Date.now() > deadline) throw new ZooKeeperError('OPERATIONTIMEOUT', { message: `waited ${this.timeoutMs} ms for ${what}` })
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  /**
   * Waits for any promise that depends on the cluster — a watch firing, a session event, a
   * recipe's callback: on the virtual clock, time moves until it settles (bounded by the
   * cluster's timeout). Calls on the cluster's clients and members wait this way by themselves.
   */
  waitFor<T>(promise: Promise<T>, what = 'a promise'): Promise<T> {
    return this.within(promise, what)
  }

  /** Moves the virtual clock forward by `ms` (timers fire, sessions expire, elections happen). */
  async advance(ms: number): Promise<void> {
    const driver = this.sim?.driver
    if (driver === undefined) throw new TypeError('advance() needs the virtual clock; this cluster runs on the real one')
    await driver.advance(ms)
  }

  /** The running member with `id`. */
  member(id: number): MemberServer {
    const member = this.members.get(id)
    if (member === undefined) throw new RangeError(`member ${id} is not running`)
    return this.drive(member)
  }

  private drive<T>(value: T): T {
    return driven(value, this.sim?.waiter ?? this.keepAlive)
  }

  /** Ids of the running members. */
  get running(): number[] {
    return [...this.members.keys()]
  }

  /** The current leader among the running members (a one-member cluster's member is standalone), if one is established. */
  leader(): MemberServer | undefined {
    const leader = [...this.members.values()].find((m) => m.mode === 'leader' || m.mode === 'standalone')
    return leader === undefined ? undefined : this.drive(leader)
  }

  /** Resolves once every running member (or those listed) serves; rejects after the timeout. */
  async waitUntilServing(ids: readonly number[] = this.running): Promise<void> {
    const members = ids.map((id) => this.member(id))
    const serving = (m: MemberServer): boolean => m.mode !== 'looking' && (m as unknown as RunningMember).health.state === 'serving'
    await this.until(() => members.every(serving), `${ids.length === 1 ? 'member' : 'members'} ${ids.join(', ')} to serve`)
  }

  /** Resolves with the leader once one is established among the running members. */
  async waitForLeader(): Promise<MemberServer> {
    let leader: MemberServer | undefined
    await this.until(() => (leader = this.leader()) !== undefined && leader.status().established, 'a leader to be established')
    return leader!
  }

  /**
   * An in-process session on member `id` (the leader when omitted), once that member serves (a
   * member that is electing or syncing refuses sessions, as ZooKeeper's do).
   */
  async connect(id?: number, options: ConnectOptions = {}): Promise<ZooKeeperClient> {
    const member = id === undefined ? await this.waitForLeader() : this.member(id)
    await this.waitUntilServing([member.myid])
    return member.connect(options)
  }

  /** Every member's client address, for a TCP client's connect string (needs `clientPorts`). */
  get connectString(): string {
    const hosts = this.servers.filter((s) => s.clientPort !== undefined).map((s) => `127.0.0.1:${s.clientPort}`)
    if (hosts.length === 0) throw new TypeError('start the cluster with { clientPorts: true } for TCP clients')
    return hosts.join(',')
  }

  /** A TCP client to the whole ensemble (needs `clientPorts`). */
  async connectTcp(options: TcpClientOptions = {}): Promise<ZooKeeperClient> {
    return this.drive(await this.within(connect(this.connectString, options), 'a TCP session'))
  }

  /** Stops member `id` cleanly (it says goodbye); its storage is kept for {@link TestingCluster.restart}. */
  async kill(id: number): Promise<void> {
    const member = this.members.get(id)
    if (member === undefined) throw new RangeError(`member ${id} is not running`)
    this.members.delete(id)
    await this.within(member.close(), `member ${id} to close`)
    this.sim?.clocks.get(id)?.kill()
  }

  /**
   * Member `id` loses power: its timers stop, its connections break at the other
   * ends, and of its disk writes only those already synced survive (a seeded prefix of the ones in
   * flight may land too). Its in-process clients lose their connection; their sessions live on in
   * the ensemble until they expire. {@link TestingCluster.restart} recovers it from its disk.
   */
  async crash(id: number): Promise<void> {
    const sim = this.inMemoryOnly('crash()')
    const member = this.members.get(id)
    if (member === undefined) throw new RangeError(`member ${id} is not running`)
    this.members.delete(id)
    sim.clocks.get(id)?.kill()
    sim.net.member(id)?.die()
    await this.within(sim.disks.get(id)!.crash(), `the disk of member ${id} to lose power`)
    // The process is gone: its clients' connections end, and nothing of it runs again.
    ;(member as unknown as RunningMember).member.close()
  }

  /** Starts member `id` again on its kept storage (after kill or crash); resolves once it serves. */
  async restart(id: number): Promise<MemberServer> {
    if (this.members.has(id)) await this.kill(id)
    const member = await this.within(this.startMember(id), `member ${id} to start`)
    await this.waitUntilServing([id])
    return this.drive(member)
  }

  /** Splits the members into groups that cannot reach each other. */
  partition(...groups: number[][]): void {
    this.inMemoryOnly('partition()').net.partition(groups)
  }

  /** Cuts member `id` off from every other member. */
  isolate(id: number): void {
    this.partition([id], this.servers.map((s) => s.id).filter((other) => other !== id))
  }

  /** Messages from `from` to `to` are lost, while those the other way still arrive. */
  partitionOneWay(from: number, to: number): void {
    this.inMemoryOnly('partitionOneWay()').net.blockOneWay(from, to)
  }

  /** Adds `ms` of latency to every message from `from` to `to`, or both ways with `both` (0 removes it). */
  delay(from: number, to: number, ms: number, both = false): void {
    const net = this.inMemoryOnly('delay()').net
    net.delay(from, to, ms)
    if (both) net.delay(to, from, ms)
  }

  /**
   * Loses each message from `from` to `to` with probability `rate` (0 stops it). As
   * on TCP, a lost message breaks the connection, which the members then dial again.
   */
  drop(from: number, to: number, rate: number): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`a drop rate is between 0 and 1, not ${rate}`)
    this.inMemoryOnly('drop()').net.drop(from, to, rate)
  }

  /** Member `id` stops for `ms` (a GC pause, SIGSTOP): no timers, no messages or disk completions until it resumes. */
  pause(id: number, ms: number): void {
    const clock = this.inMemoryOnly('pause()').clocks.get(id)
    if (clock === undefined || !this.members.has(id)) throw new RangeError(`member ${id} is not running`)
    clock.pause(ms)
  }

  /** Heals every partition, and removes every delay and loss. */
  heal(): void {
    const net = this.inMemoryOnly('heal()').net
    net.heal()
    net.clearFaults()
  }

  /** Expires `client`'s session now, as its timeout passing would (the leader does it); resolves once the leader applied it. */
  async expireSession(client: ZooKeeperClient): Promise<void> {
    const leader = await this.waitForLeader()
    await leader.expireSession(client.sessionId)
  }

  private inMemoryOnly(what: string): Sim {
    if (this.sim === undefined) throw new TypeError(`${what} needs the in-process network; this cluster's members talk over TCP (tcp: true), where only kill() and restart() exist`)
    return this.sim
  }

  /** Stops every member; on the virtual clock nothing of the cluster runs afterwards. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const id of this.running) await this.kill(id)
    this.sim?.stop()
  }

  /** Same as close(), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

function clockKind(options: TestingClusterOptions): 'virtual' | 'real' {
  const needsReal = options.tcp === true || options.clientPorts === true
  if (options.clock === 'virtual' && needsReal) throw new TypeError('tcp and clientPorts need { clock: \'real\' }: sockets do not run on the virtual clock')
  return options.clock ?? (needsReal ? 'real' : 'virtual')
}

async function specs(options: TestingClusterOptions, virtual: boolean): Promise<ServerSpec[]> {
  const size = options.size ?? clusterSizeDefault
  const observers = options.observers ?? 0
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`a cluster has at least one voting member, not ${size}`)
  const servers: ServerSpec[] = []
  for (let id = 1; id <= size + observers; id++) {
    const tcp = options.tcp === true
    servers.push({
      id, host: virtual ? 'sim' : '127.0.0.1', quorumPort: tcp ? await freePort() : 1, electionPort: tcp ? await freePort() : 2,
      role: id > size ? 'observer' : 'participant', clientAddress: '127.0.0.1',
      clientPort: options.clientPorts === true ? await freePort() : undefined,
    })
  }
  return servers
}

function newSim(options: TestingClusterOptions, servers: readonly ServerSpec[], virtual: boolean): Sim {
  const prng = new Prng(options.seed ?? 1)
  const world = virtual ? new SimWorld(virtualClockStartMsDefault) : undefined
  const clock = world?.clock ?? systemClock
  // A network faster than the disks, as in one datacenter: a round trip is shorter than an fsync.
  // On the real clock both are as fast as the machine, so tests wait for nothing they do not cause.
  const net = new SimNetwork(clock, prng.fork(), virtual ? { min: 1, max: 4 } : { min: 0, max: 0 })
  const disks = new Map(servers.map((s) => [s.id, virtual ? new SimDisk(clock, prng.fork()) : new SimDisk(clock, prng.fork(), { min: 0, max: 0 }, 0)]))
  const base = { clock, net, prng, disks, clocks: new Map<number, ProcessClock>() }
  if (world === undefined) return { ...base, waiter: new KeepAlive(), driver: undefined, stop: () => {} }
  const driver = new TimeDriver(world, options.timeoutMs ?? clusterTimeoutMsDefault)
  return { ...base, waiter: driver, driver, stop: countImmediates() }
}
