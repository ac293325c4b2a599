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
 * disks (every fault works, with near-zero latencies), or with `tcp: true` over loopback TCP
 * through proxies that take the faults (a one-way cut breaks a pair's connections both ways there,
 * as it does to TCP). `clientPorts` give TCP clients a port per member, behind a proxy that can add
 * latency.
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
import { plannedConfigOf } from '../host/reconfig.js'
import type { ConnectOptions, MemberServer, MemberStartOptions, ServerOptions } from '../host/types.js'
import { createMemoryStorage } from '../../storage/index.js'
import { ClientImpl } from '../client/client.js'
import { TcpConnection } from '../client/tcp-connection.js'
import { FaultyLink, type DirectionFaults } from './tcp-link.js'
import { nextSessionEvent } from './wait.js'
import { SimDisk } from './sim/disk.js'
import { driven, KeepAlive, TimeDriver, type PromiseWaiter } from './sim/driver.js'
import { SimNetwork } from './sim/network.js'
import { Prng } from './sim/prng.js'
import { countImmediates, ProcessClock, SimWorld } from './sim/world.js'
import { virtualClockStartMsDefault } from './testing-server.js'

/** Options of {@link TestingCluster.start}. */
export interface TestingClusterOptions extends Omit<ServerOptions, 'storage' | 'dataDir' | 'port' | 'clock'>, Pick<MemberStartOptions, 'initLimit' | 'syncLimit' | 'quorumGroups' | 'quorumWeights' | 'leaderServes'> {
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
 * The simulated disks of the members and their network — simulated, or TCP through faulty links —
 * on the virtual clock (with the driver that moves it) or on the system clock.
 */
interface Sim {
  readonly clock: Clock
  /** The simulated network, unless the members talk over TCP. */
  readonly net: SimNetwork | undefined
  /** Over TCP: the proxy from member a to member b's port of a channel, by `a>b/channel`. */
  readonly links: Map<string, FaultyLink>
  /** The proxy in front of each member's client port. */
  readonly clientLinks: Map<number, FaultyLink>
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
  /** Pauses in progress, whose end thaws a TCP member's links. */
  private readonly pauses = new Set<ReturnType<typeof setTimeout>>()
  private closed = false

  private constructor(
    servers: readonly ServerSpec[],
    private readonly options: TestingClusterOptions,
    private readonly sim: Sim,
  ) {
    this.#servers = servers
  }

  #servers: readonly ServerSpec[]

  /** Every member's spec, observers included (members added or removed with reconfig too). */
  get servers(): readonly ServerSpec[] {
    return this.#servers
  }

  /** Starts the members and resolves once every one of them serves. */
  static async start(options: TestingClusterOptions = {}): Promise<TestingCluster> {
    const virtual = clockKind(options) === 'virtual'
    const ids = Array.from({ length: (options.size ?? clusterSizeDefault) + (options.observers ?? 0) }, (_, i) => i + 1)
    const sim = newSim(options, ids, virtual)
    // The proxies listen first, so the members' ports, chosen next, cannot be theirs.
    await startLinks(sim, ids, options)
    const servers = await specs(options, virtual)
    connectLinks(sim, servers)
    const cluster = new TestingCluster(servers, options, sim)
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
    return this.sim.driver !== undefined
  }

  /** The current time of the cluster's clock, in ms since the epoch. */
  now(): number {
    return this.sim.clock.now()
  }

  private async startMember(id: number): Promise<MemberServer> {
    const { size: _s, observers: _o, clientPorts: _c, tcp: _tcp, timeoutMs: _t, clock: _k, seed: _seed, ...serverOptions } = this.options
    const sim = this.sim
    const clock = new ProcessClock(sim.clock)
    const run = (work: () => void): void => clock.run(work)
    sim.clocks.set(id, clock)
    sim.net?.runners.set(id, run)
    const db = sim.disks.get(id)!.open(run)
    const member = await startMember({
      tickTimeMs: clusterTickTimeMsDefault, fourLetterWordsWhitelist: '*', ...serverOptions,
      myid: id, servers: viewOf(this.#servers, id, sim), logger: quiet, clock,
      storage: createMemoryStorage({ db, logger: quiet }), seed: sim.prng.int(1, 2 ** 30),
      ...(sim.net === undefined ? {} : { hub: sim.net }),
    })
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
    return this.sim.waiter.wait(promise, what)
  }

  /** Waits until `condition()` holds, bounded by the cluster's timeout; the error names `what`. */
  async until(condition: () => boolean, what: string): Promise<void> {
    if (this.sim.driver !== undefined) return this.sim.driver.until(condition, what)
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
    const driver = this.sim.driver
    if (driver === undefined) throw new TypeError('advance() needs the virtual clock; this cluster runs on the real one')
    await driver.advance(ms)
  }

  /** The running member with `id`. */
  member(id: number): MemberServer {
    return this.drive(this.runningMember(id))
  }

  // The member itself, not the proxy a test gets: the waits test their conditions on it at every
  // step of the virtual clock, where a proxy's trap on each property read costs more than the read.
  private runningMember(id: number): MemberServer {
    const member = this.members.get(id)
    if (member === undefined) throw new RangeError(`member ${id} is not running`)
    return member
  }

  private drive<T>(value: T): T {
    return driven(value, this.sim.waiter)
  }

  /** Ids of the running members. */
  get running(): number[] {
    return [...this.members.keys()]
  }

  /** The current leader among the running members (a one-member cluster's member is standalone), if one is established. */
  leader(): MemberServer | undefined {
    const leader = this.leaderNow()
    return leader === undefined ? undefined : this.drive(leader)
  }

  private leaderNow(): MemberServer | undefined {
    for (const m of this.members.values()) if (m.mode === 'leader' || m.mode === 'standalone') return m
    return undefined
  }

  /** Resolves once every running member (or those listed) serves; rejects after the timeout. */
  async waitUntilServing(ids: readonly number[] = this.running): Promise<void> {
    const members = ids.map((id) => this.runningMember(id))
    const serving = (m: MemberServer): boolean => m.mode !== 'looking' && (m as unknown as RunningMember).health.state === 'serving'
    await this.until(() => members.every(serving), `${ids.length === 1 ? 'member' : 'members'} ${ids.join(', ')} to serve`)
  }

  /** Resolves with the leader once one is established among the running members. */
  async waitForLeader(): Promise<MemberServer> {
    let leader: MemberServer | undefined
    await this.until(() => (leader = this.leaderNow()) !== undefined && leader.status().established, 'a leader to be established')
    return this.drive(leader!)
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

  /** Every member's client address (through its proxy), for a TCP client's connect string (needs `clientPorts`). */
  get connectString(): string {
    const hosts = [...this.sim.clientLinks.values()].map((link) => `127.0.0.1:${link.port}`)
    if (hosts.length === 0) throw new TypeError('start the cluster with { clientPorts: true } for TCP clients')
    return hosts.join(',')
  }

  /** Adds `ms` of latency each way between TCP clients and every member (0 removes it; needs `clientPorts`). */
  clientLatency(ms: number): void {
    if (this.sim.clientLinks.size === 0) throw new TypeError('clientLatency() needs { clientPorts: true }')
    for (const link of this.sim.clientLinks.values()) {
      link.set('forward', { delayMs: ms })
      link.set('back', { delayMs: ms })
    }
  }

  /**
   * Breaks a TCP client's connection, as a network failure would: it sees `disconnected`, then
   * reconnects (to any member) and resumes its session. Resolves once it saw `disconnected`.
   */
  async dropConnection(client: ZooKeeperClient): Promise<void> {
    const transport = client instanceof ClientImpl ? client.transportForTesting : undefined
    if (!(transport instanceof TcpConnection)) throw new TypeError('dropConnection() needs a TCP client (connectTcp); an in-process client has no connection to drop')
    if (client.connectionState !== 'connected') throw new TypeError(`dropConnection() needs a connected client; this one is ${client.connectionState}`)
    const disconnected = nextSessionEvent(client, 'disconnected', this.timeoutMs)
    transport.dropConnection()
    await this.within(disconnected, 'the client to see its connection drop')
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
    this.sim.clocks.get(id)?.kill()
  }

  /**
   * Member `id` loses power: its timers stop, its connections break at the other
   * ends, and of its disk writes only those already synced survive (a seeded prefix of the ones in
   * flight may land too). Its in-process clients lose their connection; their sessions live on in
   * the ensemble until they expire. {@link TestingCluster.restart} recovers it from its disk.
   */
  async crash(id: number): Promise<void> {
    const sim = this.sim
    const member = this.members.get(id)
    if (member === undefined) throw new RangeError(`member ${id} is not running`)
    this.members.delete(id)
    sim.clocks.get(id)?.kill()
    sim.net?.member(id)?.die()
    await this.within(sim.disks.get(id)!.crash(), `the disk of member ${id} to lose power`)
    // The process is gone: its clients' connections end, and nothing of it runs again. Over TCP
    // its sockets close as the kernel closes a dead process's: no message of goodbye.
    ;(member as unknown as RunningMember).member.close()
    if (sim.net === undefined) await this.within(member.close(), `member ${id}'s sockets to close`)
  }

  /** Starts member `id` again on its kept storage (after kill or crash); resolves once it serves. */
  async restart(id: number): Promise<MemberServer> {
    if (this.members.has(id)) await this.kill(id)
    const member = await this.within(this.startMember(id), `member ${id} to start`)
    await this.waitUntilServing([id])
    return this.drive(member)
  }

  /**
   * Grows the ensemble by one member, as an operator does with ZooKeeper's `reconfig`: the new
   * member starts with a view naming the current members and itself, syncs from the leader
   * without a vote, and the leader then commits a configuration that names it (a voter, or an
   * observer with `observer: true`). Resolves with the member once the configuration is
   * committed. Needs a cluster started with `reconfigEnabled: true` on the in-memory network.
   */
  async addMember(options: { observer?: boolean } = {}): Promise<MemberServer> {
    this.checkReconfigurable('addMember')
    const id = Math.max(...this.#servers.map((s) => s.id)) + 1
    const virtual = this.sim.driver !== undefined
    const spec: ServerSpec = { id, host: virtual ? 'sim' : '127.0.0.1', quorumPort: simQuorumPort(id), electionPort: simElectionPort(id), role: options.observer === true ? 'observer' : 'participant', clientAddress: '127.0.0.1', clientPort: undefined }
    this.sim.disks.set(id, virtual ? new SimDisk(this.sim.clock, this.sim.prng.fork()) : new SimDisk(this.sim.clock, this.sim.prng.fork(), { min: 0, max: 0 }, 0))
    this.#servers = [...this.#servers, spec]
    const member = await this.within(this.startMember(id), `member ${id} to start`)
    await this.waitUntilServing([id])
    await this.reconfigTo(this.#servers, `member ${id} to be added`)
    return this.drive(member)
  }

  /**
   * Shrinks the ensemble by member `id` (ZooKeeper's `reconfig -remove`): the leader commits a
   * configuration without it, the member stops, and it is closed. Removing the leader hands
   * leadership to another member by election. Needs `reconfigEnabled: true`.
   */
  async removeMember(id: number): Promise<void> {
    this.checkReconfigurable('removeMember')
    if (!this.#servers.some((s) => s.id === id)) throw new RangeError(`member ${id} is not in the ensemble`)
    const remaining = this.#servers.filter((s) => s.id !== id)
    await this.reconfigTo(remaining, `member ${id} to be removed`)
    this.#servers = remaining
    if (this.members.has(id)) await this.kill(id)
  }

  private checkReconfigurable(what: string): void {
    if (this.options.reconfigEnabled !== true) throw new RangeError(`${what} needs a cluster started with reconfigEnabled: true`)
    if (this.options.tcp === true || this.options.clientPorts === true) throw new RangeError(`${what} works on the in-memory network (without tcp or clientPorts)`)
  }

  // The leader commits the whole new membership (reconfig -members), as the super user.
  private async reconfigTo(servers: readonly ServerSpec[], what: string): Promise<void> {
    const members = plannedConfigOf(servers).text.trim().split('\n')
    const leader = await this.waitForLeader()
    await this.within(leader.reconfig({ members }), what)
  }

  /** Splits the members into groups that cannot reach each other. */
  partition(...groups: number[][]): void {
    const net = this.sim.net
    if (net !== undefined) return net.partition(groups)
    for (const a of this.ids) {
      for (const b of this.ids) if (a !== b && !groups.some((g) => g.includes(a) && g.includes(b))) this.directed(a, b, { blocked: true })
    }
  }

  private get ids(): number[] {
    return this.#servers.map((s) => s.id)
  }

  /** Over TCP: `faults` on the bytes from `from` to `to`, whichever of the two dialled. */
  private directed(from: number, to: number, faults: Partial<DirectionFaults>): void {
    for (const channel of ['election', 'quorum'] as const) {
      this.sim.links.get(`${from}>${to}/${channel}`)?.set('forward', faults)
      this.sim.links.get(`${to}>${from}/${channel}`)?.set('back', faults)
    }
  }

  /** Cuts member `id` off from every other member. */
  isolate(id: number): void {
    this.partition([id], this.#servers.map((s) => s.id).filter((other) => other !== id))
  }

  /**
   * Messages from `from` to `to` are lost, while those the other way still arrive. Over TCP this
   * breaks the pair's connections both ways, as a one-way cut does to TCP (handshakes fail).
   */
  partitionOneWay(from: number, to: number): void {
    const net = this.sim.net
    if (net === undefined) return this.directed(from, to, { blocked: true })
    net.blockOneWay(from, to)
  }

  /** Adds `ms` of latency to every message from `from` to `to`, or both ways with `both` (0 removes it). */
  delay(from: number, to: number, ms: number, both = false): void {
    const pairs: [number, number][] = both ? [[from, to], [to, from]] : [[from, to]]
    for (const [a, b] of pairs) {
      if (this.sim.net === undefined) this.directed(a, b, { delayMs: ms })
      else this.sim.net.delay(a, b, ms)
    }
  }

  /**
   * Loses each message from `from` to `to` with probability `rate` (0 stops it). As
   * on TCP, a lost message breaks the connection, which the members then dial again.
   */
  drop(from: number, to: number, rate: number): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`a drop rate is between 0 and 1, not ${rate}`)
    if (this.sim.net === undefined) this.directed(from, to, { dropRate: rate })
    else this.sim.net.drop(from, to, rate)
  }

  /** Member `id` stops for `ms` (a GC pause, SIGSTOP): no timers, no messages or disk completions until it resumes. */
  pause(id: number, ms: number): void {
    const clock = this.sim.clocks.get(id)
    if (clock === undefined || !this.members.has(id)) throw new RangeError(`member ${id} is not running`)
    clock.pause(ms)
    if (this.sim.net !== undefined) return
    // Over TCP the kernel keeps receiving for a stopped process: its links hold the bytes.
    const touching = [...this.sim.links].filter(([key]) => key.startsWith(`${id}>`) || key.includes(`>${id}/`)).map(([, link]) => link)
    const client = this.sim.clientLinks.get(id)
    if (client !== undefined) touching.push(client)
    for (const link of touching) link.freeze()
    const timer = setTimeout(() => {
      this.pauses.delete(timer)
      for (const link of touching) link.thaw()
    }, ms)
    timer.unref()
    this.pauses.add(timer)
  }

  /** Heals every partition, and removes every delay and loss. */
  heal(): void {
    const net = this.sim.net
    if (net !== undefined) {
      net.heal()
      net.clearFaults()
    }
    for (const link of this.sim.links.values()) link.heal()
  }

  /** Expires `client`'s session now, as its timeout passing would (the leader does it); resolves once the leader applied it. */
  async expireSession(client: ZooKeeperClient): Promise<void> {
    const leader = await this.waitForLeader()
    await leader.expireSession(client.sessionId)
  }


  /** Stops every member; on the virtual clock nothing of the cluster runs afterwards. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const id of this.running) await this.kill(id)
    for (const timer of this.pauses) clearTimeout(timer)
    for (const link of [...this.sim.links.values(), ...this.sim.clientLinks.values()]) await link.close()
    this.sim.stop()
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

/**
 * Ports the server lines of an in-memory member name: the simulated network never opens them,
 * but each member's are its own, as in a real configuration (a reconfig checks they differ).
 */
function simQuorumPort(id: number): number {
  return 10_000 + id
}

function simElectionPort(id: number): number {
  return 20_000 + id
}

async function specs(options: TestingClusterOptions, virtual: boolean): Promise<ServerSpec[]> {
  const size = options.size ?? clusterSizeDefault
  const observers = options.observers ?? 0
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`a cluster has at least one voting member, not ${size}`)
  const servers: ServerSpec[] = []
  for (let id = 1; id <= size + observers; id++) {
    const tcp = options.tcp === true
    servers.push({
      id, host: virtual ? 'sim' : '127.0.0.1', quorumPort: tcp ? await freePort() : simQuorumPort(id), electionPort: tcp ? await freePort() : simElectionPort(id),
      role: id > size ? 'observer' : 'participant', clientAddress: '127.0.0.1',
      clientPort: options.clientPorts === true ? await freePort() : undefined,
    })
  }
  return servers
}

function newSim(options: TestingClusterOptions, ids: readonly number[], virtual: boolean): Sim {
  const prng = new Prng(options.seed ?? 1)
  const world = virtual ? new SimWorld(virtualClockStartMsDefault) : undefined
  const clock = world?.clock ?? systemClock
  // A network faster than the disks, as in one datacenter: a round trip is shorter than an fsync.
  // On the real clock both are as fast as the machine, so tests wait for nothing they do not cause.
  const net = options.tcp === true ? undefined : new SimNetwork(clock, prng.fork(), virtual ? { min: 1, max: 4 } : { min: 0, max: 0 })
  const disks = new Map(ids.map((id) => [id, virtual ? new SimDisk(clock, prng.fork()) : new SimDisk(clock, prng.fork(), { min: 0, max: 0 }, 0)]))
  const base = { clock, net, links: new Map<string, FaultyLink>(), clientLinks: new Map<number, FaultyLink>(), prng, disks, clocks: new Map<number, ProcessClock>() }
  if (world === undefined) return { ...base, waiter: new KeepAlive(), driver: undefined, stop: () => {} }
  const driver = new TimeDriver(world, options.timeoutMs ?? clusterTimeoutMsDefault)
  return { ...base, waiter: driver, driver, stop: countImmediates() }
}

/** Starts the proxies: between every two TCP members on both channels, and before every client port. */
async function startLinks(sim: Sim, ids: readonly number[], options: TestingClusterOptions): Promise<void> {
  for (const id of ids) {
    if (options.clientPorts === true) sim.clientLinks.set(id, await FaultyLink.start(sim.prng.fork()))
    if (options.tcp !== true) continue
    for (const peer of ids) {
      if (peer === id) continue
      for (const channel of ['quorum', 'election']) sim.links.set(`${id}>${peer}/${channel}`, await FaultyLink.start(sim.prng.fork()))
    }
  }
}

/** Points each proxy at the port it stands before. */
function connectLinks(sim: Sim, servers: readonly ServerSpec[]): void {
  const byId = new Map(servers.map((s) => [s.id, s]))
  for (const [id, link] of sim.clientLinks) link.targetPort = byId.get(id)?.clientPort ?? 0
  for (const [key, link] of sim.links) {
    const [, to, channel] = /^\d+>(\d+)\/(\w+)$/.exec(key) ?? []
    const spec = byId.get(Number(to))
    if (spec !== undefined) link.targetPort = channel === 'quorum' ? spec.quorumPort : spec.electionPort
  }
}

/** The server list as member `id` sees it over TCP: every other member's ports are its proxies. */
function viewOf(servers: readonly ServerSpec[], id: number, sim: Sim): readonly ServerSpec[] {
  if (sim.links.size === 0) return servers
  return servers.map((s) => {
    if (s.id === id) return s
    const quorum = sim.links.get(`${id}>${s.id}/quorum`)
    const election = sim.links.get(`${id}>${s.id}/election`)
    return quorum === undefined || election === undefined ? s : { ...s, quorumPort: quorum.port, electionPort: election.port }
  })
}
