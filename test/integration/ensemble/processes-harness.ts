// Harness for ensembles of real processes: zoo.cfg + myid files on free loopback ports, members
// run as `paddock server start-foreground` children of a transpiled build, four-letter-word polls
// with bounds, and TCP proxies on the member-to-member links so a test can partition them.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { askFourLetterWord, srvrZxidOf } from '../../../lib/cli/four-letter.js'
import { freePorts } from '../../interop/harness/ports.js'
import { TcpProxy } from '../../interop/harness/proxy.js'

export { freePorts }

/** Loopback, where every member and proxy of these tests listens. */
export const host = '127.0.0.1'
/** Time a member process may take to print its first line, ms. */
export const memberStartMsMax = 20_000
/** Time an ensemble may take to elect and establish a leader, ms. */
export const electionMsMax = 20_000

/** Waits `ms` (only ever between polls of a condition, never as synchronisation itself). */
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Polls `probe` until it returns something other than undefined, for at most `timeoutMs`; the
 * error names `what` and the last value seen, so a timeout says which condition failed.
 */
export async function until<T>(what: string | (() => string), probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${last === undefined ? '' : ` (last error: ${String(last)})`}`)
    await pause(intervalMs)
  }
}

/** Resolves as `promise` does, or rejects naming `what` when it takes over `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}


/** What `srvr` says about a client port: its Mode, not serving (no quorum), or nothing listening. */
export type SrvrMode = 'leader' | 'follower' | 'observer' | 'standalone' | 'read-only' | 'not serving' | 'down'

/** Asks `srvr` on host:port and reduces the answer to a {@link SrvrMode}. */
export async function srvrMode(port: number): Promise<SrvrMode> {
  let answer: string
  try {
    answer = await askFourLetterWord(host, port, 'srvr', 2_000)
  } catch {
    return 'down'
  }
  if (answer.includes('not currently serving')) return 'not serving'
  const mode = /^Mode: (\S+)$/m.exec(answer)?.[1]
  if (mode === 'leader' || mode === 'follower' || mode === 'observer' || mode === 'standalone' || mode === 'read-only') return mode
  return 'down'
}

/** The zxid `srvr` reports (the last applied transaction), or undefined when not serving. */
export async function srvrZxid(port: number): Promise<number | undefined> {
  const answer = await askFourLetterWord(host, port, 'srvr', 2_000).catch(() => '')
  return srvrZxidOf(answer)
}

/** One member's ports and files. */
export interface MemberLayout {
  id: number
  role: 'participant' | 'observer'
  clientPort: number
  quorumPort: number
  electionPort: number
  /** Its zoo.cfg. */
  cfg: string
  /** Its dataDir (holds myid, paddock.log, the LevelDB). */
  dataDir: string
}

/** Options of {@link writeEnsemble}. */
export interface EnsembleLayoutOptions {
  /** Voting members. */
  voters: number
  /** Observers, numbered after the voters. @defaultValue 0 */
  observers?: number
  /** zoo.cfg tickTime, ms. @defaultValue 200 */
  tickTimeMs?: number
  /** Route every member-to-member link through a {@link TcpProxy} the test can freeze. @defaultValue false */
  proxied?: boolean
  /** Extra zoo.cfg lines for every member. */
  extraLines?: string[]
}

/** The link between two members over one channel, through a proxy. */
export interface Link {
  /** The two members, smaller id first (the larger one dials, as in ZooKeeper). */
  between: [number, number]
  channel: 'quorum' | 'election'
  proxy: TcpProxy
}

/**
 * A proxy to `port` on a port none of `members` was given: the members' ports were free when
 * chosen and are not held meanwhile, so the kernel may hand one of them to a proxy (which then
 * stands where a member must listen). Such a proxy is closed and another one started.
 */
async function proxyTo(port: number, members: readonly MemberLayout[]): Promise<TcpProxy> {
  const taken = new Set(members.flatMap((m) => [m.clientPort, m.quorumPort, m.electionPort]))
  const refused: TcpProxy[] = []
  try {
    for (;;) {
      const proxy = await TcpProxy.start(port)
      if (!taken.has(proxy.port)) return proxy
      refused.push(proxy)
    }
  } finally {
    await Promise.all(refused.map((p) => p.close()))
  }
}

/** Writes zoo.cfg + myid for each member under `dir/m<N>`; returns the layout and the link proxies. */
export async function writeEnsemble(dir: string, options: EnsembleLayoutOptions): Promise<{ members: MemberLayout[]; links: Link[] }> {
  const size = options.voters + (options.observers ?? 0)
  const ports = await freePorts(size * 3)
  const members: MemberLayout[] = Array.from({ length: size }, (_, i) => ({
    id: i + 1,
    role: i < options.voters ? 'participant' : 'observer',
    clientPort: ports[3 * i] ?? 0,
    quorumPort: ports[3 * i + 1] ?? 0,
    electionPort: ports[3 * i + 2] ?? 0,
    cfg: join(dir, `m${i + 1}`, 'zoo.cfg'),
    dataDir: join(dir, `m${i + 1}`, 'data'),
  }))
  const links: Link[] = []
  if (options.proxied === true) {
    for (const low of members) {
      for (const high of members) {
        if (high.id <= low.id) continue
        links.push({ between: [low.id, high.id], channel: 'quorum', proxy: await proxyTo(low.quorumPort, members) })
        links.push({ between: [low.id, high.id], channel: 'election', proxy: await proxyTo(low.electionPort, members) })
      }
    }
  }
  for (const m of members) {
    await mkdir(m.dataDir, { recursive: true })
    await writeFile(join(m.dataDir, 'myid'), `${m.id}\n`)
    const lines = [
      `tickTime=${options.tickTimeMs ?? 200}`,
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${m.dataDir}`,
      `clientPort=${m.clientPort}`,
      `clientPortAddress=${host}`,
      '4lw.commands.whitelist=*',
      ...(options.extraLines ?? []),
      ...members.map((peer) => `server.${peer.id}=${serverAddress(m, peer, links)}${peer.role === 'observer' ? ':observer' : ''}`),
    ]
    await writeFile(m.cfg, `${lines.join('\n')}\n`)
  }
  return { members, links }
}

// Only the larger id dials (ZooKeeper's rule, kept by lib/peer/tcp.ts), so the dialler's config
// is the one whose server line for the smaller id must lead through the pair's proxies.
function serverAddress(self: MemberLayout, peer: MemberLayout, links: Link[]): string {
  const via = (channel: Link['channel']) => links.find((l) => l.between[0] === peer.id && l.between[1] === self.id && l.channel === channel)?.proxy.port
  const quorum = via('quorum')
  const election = via('election')
  return `${host}:${quorum ?? peer.quorumPort}:${election ?? peer.electionPort}`
}

/** A `paddock server start-foreground` child with its output captured. */
export class MemberProcess {
  output = ''
  readonly exited: Promise<number | null>
  private exitCode: number | null | undefined

  private constructor(
    readonly id: number,
    readonly proc: ChildProcess,
  ) {
    proc.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()))
    proc.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()))
    this.exited = new Promise((resolve) => proc.once('exit', (code) => resolve((this.exitCode = code))))
  }

  /** Spawns `node main.js server start-foreground cfg`. */
  static start(mainJs: string, id: number, cfg: string): MemberProcess {
    const proc = spawn(process.execPath, [mainJs, 'server', 'start-foreground', cfg], { stdio: ['ignore', 'pipe', 'pipe'] })
    const member = new MemberProcess(id, proc)
    running.add(member)
    void member.exited.then(() => running.delete(member))
    return member
  }

  get alive(): boolean {
    return this.exitCode === undefined
  }

  /** Waits until the output matches `pattern` (or the process exits, which fails). */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    await until(`member ${this.id} to print ${String(pattern)}`, () => {
      if (pattern.test(this.output)) return true
      if (!this.alive) throw new Error(`member ${this.id} exited (${this.exitCode}):\n${this.output}`)
      return undefined
    }, timeoutMs, 20)
  }

  /** Sends `signal` and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.alive) this.proc.kill(signal)
    return this.exited
  }
}

const running = new Set<MemberProcess>()
// Should the test process end without its teardown (a timeout, a crash), no member outlives it.
process.once('exit', () => {
  for (const m of running) m.proc.kill('SIGKILL')
})

/** SIGKILLs every member process still running (test teardown, also after a failure). */
export async function killAllMembers(): Promise<void> {
  await Promise.all([...running].map((m) => m.kill('SIGKILL')))
}

/** An ensemble of member processes, started from the files {@link writeEnsemble} wrote. */
export class ProcessEnsemble {
  readonly processes = new Map<number, MemberProcess>()

  constructor(
    private readonly mainJs: string,
    readonly members: MemberLayout[],
    readonly links: Link[],
  ) {}

  static async create(mainJs: string, dir: string, options: EnsembleLayoutOptions): Promise<ProcessEnsemble> {
    const { members, links } = await writeEnsemble(dir, options)
    return new ProcessEnsemble(mainJs, members, links)
  }

  member(id: number): MemberLayout {
    const m = this.members.find((x) => x.id === id)
    if (m === undefined) throw new RangeError(`no member ${id}`)
    return m
  }

  /** Starts member `id` and waits until its client port is bound (not until it serves). */
  async start(id: number): Promise<MemberProcess> {
    const proc = MemberProcess.start(this.mainJs, id, this.member(id).cfg)
    this.processes.set(id, proc)
    await proc.waitForOutput(/serving ZooKeeper clients at/, memberStartMsMax)
    return proc
  }

  async startAll(): Promise<void> {
    await Promise.all(this.members.map((m) => this.start(m.id)))
  }

  /** Kills member `id` with `signal` and waits for its exit. */
  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.processes.get(id)?.kill(signal)
  }

  output(id: number): string {
    return this.processes.get(id)?.output ?? ''
  }

  mode(id: number): Promise<SrvrMode> {
    return srvrMode(this.member(id).clientPort)
  }

  async modes(ids = this.members.map((m) => m.id)): Promise<Map<number, SrvrMode>> {
    return new Map(await Promise.all(ids.map(async (id) => [id, await this.mode(id)] as const)))
  }

  /**
   * Waits until the members `ids` all serve with exactly one leader among them; returns its id.
   * Voters must say leader or follower, observers observer.
   */
  async established(ids = this.members.map((m) => m.id), timeoutMs = electionMsMax): Promise<number> {
    let seen = ''
    return until(() => `one leader among members ${ids.join(',')} (srvr said ${seen})`, async () => {
      const modes = await this.modes(ids)
      seen = [...modes].map(([id, mode]) => `${id}: ${mode}`).join(', ')
      const leaders = [...modes].filter(([, mode]) => mode === 'leader').map(([id]) => id)
      const settled = [...modes].every(([id, mode]) => (this.member(id).role === 'observer' ? mode === 'observer' : mode === 'leader' || mode === 'follower'))
      return settled && leaders.length === 1 ? leaders[0] : undefined
    }, timeoutMs)
  }

  /** Waits until `srvr` on member `id` gives `mode`. */
  async waitForMode(id: number, mode: SrvrMode, timeoutMs = electionMsMax): Promise<void> {
    await until(`member ${id} in mode ${mode}`, async () => ((await this.mode(id)) === mode ? true : undefined), timeoutMs)
  }

  connectString(ids = this.members.map((m) => m.id)): string {
    return ids.map((id) => `${host}:${this.member(id).clientPort}`).join(',')
  }

  /** Freezes every link of member `id`: its peers neither hear from it nor see a connection drop. */
  isolate(id: number): void {
    for (const link of this.links) if (link.between.includes(id)) link.proxy.freeze()
  }

  /** Thaws every link: frozen connections are dropped and the members dial again. */
  heal(): void {
    for (const link of this.links) link.proxy.thaw()
  }

  async close(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.kill('SIGKILL')))
    await Promise.all(this.links.map((l) => l.proxy.close()))
  }
}
