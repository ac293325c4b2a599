// Harness for ensembles partitioned by the kernel: network namespaces this file creates (one per
// member, plus a hub holding a bridge), veth pairs whose both ends live in those namespaces (the
// host's own interfaces are never touched), member processes and probe agents run with
// `ip netns exec`, and teardown that removes all of it — on success, failure, and process exit.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AgentReply, AgentRequest } from './netns-agent.js'
import { until, within, type SrvrMode } from './processes-harness.js'

/** Where iproute2's `ip` is (root's PATH has /usr/sbin, a test runner's may not). */
const ipBinary = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip'
/** Bound on one `ip` command, ms. */
const ipTimeoutMs = 5_000
/** Leftovers of a run whose process is gone are swept once they are this old, ms (a run takes under one). */
const staleAfterMs = 120_000
/** Every namespace of these tests is named `pdk-<owner pid>-<random hex>-<role>`. */
const namePattern = /^pdk-(\d+)-[0-9a-f]+-\w+$/
/** The client port, quorum and election ports: each member has a namespace, so all use the same. */
export const ports = { client: 2181, quorum: 2888, election: 3888 }

function ip(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ipBinary, args, { timeout: ipTimeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || error.message}`))
      else resolve(stdout)
    })
  })
}

/** For teardown on exit, where nothing asynchronous runs: errors are ignored. */
function ipSync(args: string[]): string {
  const result = spawnSync(ipBinary, args, { timeout: ipTimeoutMs, encoding: 'utf8' })
  return result.stdout ?? ''
}

const isRoot = () => process.getuid?.() === 0

/**
 * Why namespaces cannot be used here (not root, no iproute2, `ip netns add` refused), or
 * undefined when they can; it adds and removes one namespace to find out.
 */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (!isRoot()) return 'not root (ip netns add needs CAP_SYS_ADMIN)'
  const name = `pdk-${process.pid}-${randomBytes(3).toString('hex')}-probe`
  try {
    await ip(['netns', 'add', name])
  } catch (error) {
    return `ip netns add failed: ${error instanceof Error ? error.message : String(error)}`
  }
  await ip(['netns', 'del', name]).catch(() => undefined)
  return undefined
}

/** Whether CI (which runs as root on machines that allow namespaces) must run these tests rather than skip. */
export function mustRunNetns(): boolean {
  return process.env.CI === 'true' && isRoot()
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

function pidsIn(ns: string): number[] {
  return ipSync(['netns', 'pids', ns]).split(/\s+/).filter(Boolean).map(Number)
}

/** SIGKILLs every process inside `namespaces` and deletes them (their veths and bridge go with them). */
function destroyNamespacesSync(namespaces: string[]): void {
  for (const ns of namespaces) for (const pid of pidsIn(ns)) killQuietly(pid)
  for (const ns of namespaces) ipSync(['netns', 'del', ns])
}

/**
 * Removes what an earlier run left behind when it was killed before its teardown (SIGKILL skips
 * every exit handler): namespaces of this naming whose owner process is gone and which are older
 * than any run, with any member still running in them.
 */
export function sweepStaleNamespaces(): void {
  const stale = ipSync(['netns', 'list'])
    .split('\n')
    .map((line) => line.split(/\s+/)[0] ?? '')
    .filter((name) => {
      const owner = namePattern.exec(name)?.[1]
      if (owner === undefined || Number(owner) === process.pid || alive(Number(owner))) return false
      try {
        return Date.now() - statSync(join('/run/netns', name)).mtimeMs > staleAfterMs
      } catch {
        return false
      }
    })
  destroyNamespacesSync(stale)
}

const labs = new Set<NetnsLab>()
// Should the test process end without its teardown (a timeout, a crash, an interrupt), no
// namespace, link or member outlives it.
process.once('exit', () => {
  for (const lab of labs) lab.destroySync()
})
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    for (const lab of labs) lab.destroySync()
    // Then die of the signal as if this handler were not here (unless someone else handles it).
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  })
}

/**
 * `size` member namespaces, each with one veth (`eth0`, 10.213.S.<id>/24) whose peer `m<id>` is a
 * port of bridge `br0` (10.213.S.254) in a hub namespace. A member is partitioned by setting its
 * bridge port down: its packets are dropped silently, as a pulled cable would drop them, while its
 * own address stays up inside its namespace (so a probe there still reaches it).
 */
export class NetnsLab {
  /** Every process started in the lab, for teardown. */
  private readonly processes = new Set<ChildProcess>()

  private constructor(
    readonly prefix: string,
    /** The third octet of the lab's 10.213.S.0/24. */
    readonly subnet: number,
    readonly size: number,
  ) {}

  get hub(): string {
    return `${this.prefix}-hub`
  }

  ns(id: number): string {
    return `${this.prefix}-${id}`
  }

  address(id: number): string {
    return `10.213.${this.subnet}.${id}`
  }

  get namespaces(): string[] {
    return [this.hub, ...Array.from({ length: this.size }, (_, i) => this.ns(i + 1))]
  }

  static async create(size: number): Promise<NetnsLab> {
    const lab = new NetnsLab(`pdk-${process.pid}-${randomBytes(3).toString('hex')}`, 1 + randomBytes(1)[0]! % 250, size)
    labs.add(lab)
    try {
      for (const ns of lab.namespaces) {
        await ip(['netns', 'add', ns])
        await ip(['-n', ns, 'link', 'set', 'lo', 'up'])
      }
      const hub = ['-n', lab.hub]
      await ip([...hub, 'link', 'add', 'br0', 'type', 'bridge'])
      await ip([...hub, 'addr', 'add', `${lab.address(254)}/24`, 'dev', 'br0'])
      await ip([...hub, 'link', 'set', 'br0', 'up'])
      for (let id = 1; id <= size; id++) {
        // Created inside the hub with its peer moved straight into the member's namespace: no
        // interface of the lab ever exists in the root namespace, not even for a moment.
        await ip([...hub, 'link', 'add', `m${id}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', lab.ns(id)])
        await ip([...hub, 'link', 'set', `m${id}`, 'master', 'br0'])
        await ip([...hub, 'link', 'set', `m${id}`, 'up'])
        await ip(['-n', lab.ns(id), 'addr', 'add', `${lab.address(id)}/24`, 'dev', 'eth0'])
        await ip(['-n', lab.ns(id), 'link', 'set', 'eth0', 'up'])
      }
    } catch (error) {
      await lab.destroy()
      throw error
    }
    return lab
  }

  /** Cuts member `id` off: its bridge port goes down. */
  async isolate(id: number): Promise<void> {
    await ip(['-n', this.hub, 'link', 'set', `m${id}`, 'down'])
  }

  /** Reconnects member `id`: its bridge port comes up again. */
  async heal(id: number): Promise<void> {
    await ip(['-n', this.hub, 'link', 'set', `m${id}`, 'up'])
  }

  /** Spawns `node ...args` inside namespace `ns` (`ip netns exec` execs node itself: same pid). */
  spawnNode(ns: string, args: string[]): ChildProcess {
    const proc = spawn(ipBinary, ['netns', 'exec', ns, process.execPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.processes.add(proc)
    proc.once('exit', () => this.processes.delete(proc))
    return proc
  }

  /** The lab's namespaces that still exist. */
  async remaining(): Promise<string[]> {
    const listed = (await ip(['netns', 'list'])).split('\n').map((line) => line.split(/\s+/)[0])
    return this.namespaces.filter((ns) => listed.includes(ns))
  }

  /** Kills every process in the lab, waits (bounded) until they are gone, and deletes the namespaces. */
  async destroy(): Promise<void> {
    for (const proc of this.processes) proc.kill('SIGKILL')
    for (const ns of this.namespaces) for (const pid of pidsIn(ns)) killQuietly(pid)
    await until('the lab\'s processes to exit', () => (this.namespaces.every((ns) => pidsIn(ns).length === 0) ? true : undefined), 5_000).catch(() => undefined)
    for (const ns of this.namespaces) await ip(['netns', 'del', ns]).catch(() => undefined)
    labs.delete(this)
  }

  destroySync(): void {
    for (const proc of this.processes) proc.kill('SIGKILL')
    destroyNamespacesSync(this.namespaces)
    labs.delete(this)
  }
}

/** Writes member `id`'s zoo.cfg and myid under `dir/m<id>`; returns the zoo.cfg path. */
export async function writeMemberConfig(lab: NetnsLab, dir: string, id: number, extraLines: readonly string[] = []): Promise<string> {
  const dataDir = join(dir, `m${id}`, 'data')
  await mkdir(dataDir, { recursive: true })
  await writeFile(join(dataDir, 'myid'), `${id}\n`)
  const lines = [
    'tickTime=200',
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${dataDir}`,
    `clientPort=${ports.client}`,
    `clientPortAddress=${lab.address(id)}`,
    '4lw.commands.whitelist=*',
    'admin.enableServer=false',
    ...extraLines,
    ...Array.from({ length: lab.size }, (_, i) => `server.${i + 1}=${lab.address(i + 1)}:${ports.quorum}:${ports.election}`),
  ]
  const cfg = join(dir, `m${id}`, 'zoo.cfg')
  await writeFile(cfg, `${lines.join('\n')}\n`)
  return cfg
}

/** A `paddock server start-foreground` child inside its member's namespace, output captured. */
export class NetnsMember {
  output = ''
  private exitCode: number | null | undefined
  readonly exited: Promise<number | null>

  constructor(
    readonly id: number,
    readonly proc: ChildProcess,
  ) {
    proc.stdin?.end()
    proc.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()))
    proc.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()))
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve((this.exitCode = code))))
  }

  static async start(lab: NetnsLab, mainJs: string, id: number, cfg: string, timeoutMs: number): Promise<NetnsMember> {
    const member = new NetnsMember(id, lab.spawnNode(lab.ns(id), [mainJs, 'server', 'start-foreground', cfg]))
    await until(`member ${id} to bind its client port`, () => {
      if (/serving ZooKeeper clients at/.test(member.output)) return true
      if (member.exitCode !== undefined) throw new Error(`member ${id} exited (${member.exitCode}):\n${member.output}`)
      return undefined
    }, timeoutMs, 20)
    return member
  }
}

/** Time one agent request may take, ms. */
const agentRequestMsMax = 15_000

/** A probe process ({@link ./netns-agent.ts}) inside one namespace; see there for the requests. */
export class Agent {
  private seq = 0
  private readonly pending = new Map<number, (reply: AgentReply) => void>()
  private stderr = ''
  private readonly ready: Promise<void>

  constructor(
    readonly ns: string,
    private readonly proc: ChildProcess,
  ) {
    let buffered = ''
    proc.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()))
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const reply = JSON.parse(buffered.slice(0, nl)) as AgentReply
        buffered = buffered.slice(nl + 1)
        this.pending.get(reply.seq)?.(reply)
        this.pending.delete(reply.seq)
      }
    })
    this.ready = new Promise((resolve, reject) => {
      this.pending.set(0, () => resolve())
      proc.once('exit', (code) => reject(new Error(`agent in ${ns} exited (${code}): ${this.stderr}`)))
    })
    this.ready.catch(() => undefined)
  }

  static async start(lab: NetnsLab, agentJs: string, ns: string): Promise<Agent> {
    const agent = new Agent(ns, lab.spawnNode(ns, [agentJs]))
    await within(agent.ready, 20_000, `the agent in ${ns} to start`)
    return agent
  }

  /** Sends one request; resolves with its value, rejects with its error (a ZooKeeper code name, mostly). */
  async request<T>(request: DistributiveOmit<AgentRequest, 'seq'>, timeoutMs = agentRequestMsMax): Promise<T> {
    const seq = ++this.seq
    const reply = new Promise<AgentReply>((resolve) => this.pending.set(seq, resolve))
    this.proc.stdin?.write(`${JSON.stringify({ ...request, seq })}\n`)
    const answer = await within(reply, timeoutMs, `the agent in ${this.ns} to answer ${request.op}`).finally(() => this.pending.delete(seq))
    if (!answer.ok) throw new Error(answer.error)
    return answer.value as T
  }

  /** What `srvr` on address:port says, reduced to a mode ('down' when nothing answers). */
  async srvrMode(address: string): Promise<SrvrMode> {
    let answer: string
    try {
      answer = await this.request<string>({ op: 'srvr', host: address, port: ports.client, timeoutMs: 1_000 })
    } catch {
      return 'down'
    }
    if (answer.includes('This ZooKeeper instance is not currently serving requests')) return 'not serving'
    const mode = /^Mode: (\S+)$/m.exec(answer)?.[1]
    return mode === 'leader' || mode === 'follower' || mode === 'observer' || mode === 'standalone' || mode === 'read-only' ? mode : 'down'
  }

  /** The zxid `srvr` on address:port reports. */
  async srvrZxid(address: string): Promise<string | undefined> {
    const answer = await this.request<string>({ op: 'srvr', host: address, port: ports.client, timeoutMs: 1_000 })
    return /^Zxid: (0x[0-9a-f]+)$/m.exec(answer)?.[1]
  }

  /** Opens a session on `connectString` (from this namespace); returns its handle. */
  open(connectString: string, options: { canBeReadOnly?: boolean } = {}): Promise<number> {
    return this.request<number>({ op: 'open', connectString, sessionTimeoutMs: 4_000, initialConnectTimeoutMs: 10_000, ...(options.canBeReadOnly === true ? { canBeReadOnly: true } : {}) })
  }

  create(session: number, path: string, data = ''): Promise<string> {
    return this.request<string>({ op: 'create', session, path, data })
  }

  /** Child names to data under `path`, after a sync, as the session's member holds them. */
  async contents(session: number, path: string): Promise<Map<string, string>> {
    return new Map(await this.request<Array<[string, string]>>({ op: 'contents', session, path }))
  }

  /** A node's data as `session`'s member has it, without a sync (a read-only member refuses sync). */
  read(session: number, path: string): Promise<string> {
    return this.request<string>({ op: 'read', session, path })
  }

  disconnects(session: number): Promise<number> {
    return this.request<number>({ op: 'disconnects', session })
  }

  async close(session: number): Promise<void> {
    await this.request({ op: 'close', session })
  }

  /** Ends the agent (it exits when its stdin closes). */
  stop(): void {
    this.proc.stdin?.end()
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
