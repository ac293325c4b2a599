/**
 * TestingCluster: an ensemble of N Paddock members in this process, talking through an in-memory
 * hub (or loopback TCP), each with its own storage, for tests of failover: kill and restart a
 * member, partition the ensemble, find the leader.
 * @module
 */
import { createServer as createNetServer } from 'node:net'
import { connect } from '../client/tcp.js'
import type { TcpClientOptions, ZooKeeperClient } from '../client/types.js'
import type { ServerSpec } from '../config/zoo-cfg.js'
import { clusterSizeDefault, clusterTickTimeMsDefault, clusterTimeoutMsDefault } from '../limits.js'
import { MemoryHub } from '../peer/memory.js'
import { startMember } from '../host/server.js'
import type { MemberServer } from '../host/types.js'
import type { ConnectOptions, ServerOptions } from '../host/types.js'
import { createMemoryDb, createMemoryStorage } from '../../storage/index.js'

/** Options of {@link TestingCluster.start}. */
export interface TestingClusterOptions extends Omit<ServerOptions, 'storage' | 'dataDir' | 'port'> {
  /** Number of voting members. @defaultValue 3 */
  size?: number
  /** Number of observers, added after the voters. @defaultValue 0 */
  observers?: number
  /** Give each member a client port on 127.0.0.1 (for TCP clients and `connectString`). @defaultValue false */
  clientPorts?: boolean
  /** Members talk over loopback TCP instead of the in-memory hub. @defaultValue false */
  tcp?: boolean
  /** How long {@link TestingCluster.start} and the waits allow, ms. @defaultValue 30000 */
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

/** N in-process members with fault injection; see the module comment. */
export class TestingCluster implements AsyncDisposable {
  private readonly members = new Map<number, MemberServer>()
  private readonly dbs = new Map<number, ReturnType<typeof createMemoryDb>>()
  private readonly hub = new MemoryHub()

  private constructor(
    /** Every member's spec, observers included. */
    readonly servers: readonly ServerSpec[],
    private readonly options: TestingClusterOptions,
  ) {}

  /** Starts the members and resolves once every one of them serves. */
  static async start(options: TestingClusterOptions = {}): Promise<TestingCluster> {
    const size = options.size ?? clusterSizeDefault
    const observers = options.observers ?? 0
    const servers: ServerSpec[] = []
    for (let id = 1; id <= size + observers; id++) {
      const tcp = options.tcp === true
      servers.push({
        id, host: '127.0.0.1', quorumPort: tcp ? await freePort() : 1, electionPort: tcp ? await freePort() : 2,
        role: id > size ? 'observer' : 'participant', clientAddress: '127.0.0.1',
        clientPort: options.clientPorts === true ? await freePort() : undefined,
      })
    }
    const cluster = new TestingCluster(servers, options)
    try {
      await Promise.all(servers.map((s) => cluster.startMember(s.id)))
      await cluster.waitUntilServing()
    } catch (error) {
      await cluster.close()
      throw error
    }
    return cluster
  }

  private async startMember(id: number): Promise<MemberServer> {
    let db = this.dbs.get(id)
    if (db === undefined) this.dbs.set(id, (db = createMemoryDb()))
    const { size: _s, observers: _o, clientPorts: _c, tcp, timeoutMs: _t, ...serverOptions } = this.options
    const member = await startMember({
      tickTimeMs: clusterTickTimeMsDefault,
      fourLetterWordsWhitelist: '*',
      ...serverOptions,
      myid: id,
      servers: this.servers,
      storage: createMemoryStorage({ db, logger: quiet }),
      logger: quiet,
      seed: id,
      ...(tcp === true ? {} : { hub: this.hub }),
    })
    this.members.set(id, member)
    return member
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? clusterTimeoutMsDefault
  }

  /** The running member with `id`. */
  member(id: number): MemberServer {
    const member = this.members.get(id)
    if (member === undefined) throw new RangeError(`member ${id} is not running`)
    return member
  }

  /** Ids of the running members. */
  get running(): number[] {
    return [...this.members.keys()]
  }

  /** The current leader among the running members, if one is established. */
  leader(): MemberServer | undefined {
    return [...this.members.values()].find((m) => m.mode === 'leader')
  }

  /** Resolves once every running member (or those listed) serves; rejects after the timeout. */
  async waitUntilServing(ids: readonly number[] = this.running): Promise<void> {
    await Promise.all(ids.map((id) => this.member(id).waitUntilServing(this.timeoutMs)))
  }

  /** Resolves with the leader once one is established among the running members. */
  async waitForLeader(): Promise<MemberServer> {
    const deadline = Date.now() + this.timeoutMs
    for (;;) {
      const leader = this.leader()
      if (leader !== undefined) return leader
      if (Date.now() > deadline) throw new Error(`no leader within ${this.timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  /** An in-process session on member `id` (the leader when omitted). */
  async connect(id?: number, options: ConnectOptions = {}): Promise<ZooKeeperClient> {
    const member = id === undefined ? await this.waitForLeader() : this.member(id)
    return member.connect(options)
  }

  /** Every member's client address, for a TCP client's connect string (needs `clientPorts`). */
  get connectString(): string {
    const hosts = this.servers.filter((s) => s.clientPort !== undefined).map((s) => `127.0.0.1:${s.clientPort}`)
    if (hosts.length === 0) throw new TypeError('start the cluster with { clientPorts: true } for TCP clients')
    return hosts.join(',')
  }

  /** A TCP client to the whole ensemble (needs `clientPorts`). */
  connectTcp(options: TcpClientOptions = {}): Promise<ZooKeeperClient> {
    return connect(this.connectString, options)
  }

  /** Stops member `id`; its storage is kept for {@link TestingCluster.restart}. */
  async kill(id: number): Promise<void> {
    const member = this.member(id)
    this.members.delete(id)
    await member.close()
  }

  /** Starts member `id` again on its kept storage; resolves once it serves. */
  async restart(id: number): Promise<MemberServer> {
    if (this.members.has(id)) await this.kill(id)
    const member = await this.startMember(id)
    await member.waitUntilServing(this.timeoutMs)
    return member
  }

  /** Splits the members into groups that cannot reach each other (in-memory hub only). */
  partition(...groups: number[][]): void {
    if (this.options.tcp === true) throw new TypeError('partition() needs the in-memory hub; use a TCP proxy for TCP clusters')
    this.hub.partition(groups)
  }

  /** Heals every partition. */
  heal(): void {
    this.hub.heal()
  }

  /** Stops every member. */
  async close(): Promise<void> {
    for (const id of this.running) await this.kill(id)
  }

  /** Same as close(), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
