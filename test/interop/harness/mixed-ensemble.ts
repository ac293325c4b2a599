// What the tests of Paddock members among Apache ZooKeeper members share: the ports of an
// ensemble, the members started (cleaned up after each test), the Paddock members' log, steps that
// say what they waited for with every member's log, clients, srvr's Mode, and nodes and whole
// trees read with their whole Stat.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { connect, memberOptionsFor, parseZooCfg, startMember, type MemberServer, type Stat, type ZooKeeperClient } from '../../../lib/index.js'
import { quorumServerLineText, startApacheQuorumPeer, type ApacheQuorumPeerOptions, type QuorumServerLine, type RunningQuorumPeer } from './apache.js'
import { fourLetterWord } from './four-letter.js'
import { freePorts } from './ports.js'
import { defaultSettings } from './targets.js'
import { pollUntil } from './wait.js'

/** JVMs starting on a loaded 2-core machine until the ensemble elects a leader and serves. */
export const electionMs = 120_000

/** What a client compares of a node: its data and every Stat field. */
export interface NodeView {
  readonly data: string
  readonly stat: Stat
}

/** What a client compares of a node: its data and every Stat field. */
export async function nodeOf(zk: ZooKeeperClient, path: string): Promise<NodeView> {
  const { data, stat } = await zk.getData(path)
  return { data: new TextDecoder().decode(data), stat }
}

/** srvr's Mode line of the member on `port`, or undefined while it does not serve. */
export async function modeOf(port: number): Promise<string | undefined> {
  const answer = await fourLetterWord('127.0.0.1', port, 'srvr', 1_000).catch(() => '')
  return /^Mode: (\w+)$/m.exec(answer)?.[1]
}

/** srvr's `Zxid` line of the member on `port` (the last zxid it processed), or undefined while it does not serve. */
export async function zxidOf(port: number): Promise<number | undefined> {
  const answer = await fourLetterWord('127.0.0.1', port, 'srvr', 1_000).catch(() => '')
  const hex = /^Zxid: 0x([0-9a-f]+)$/m.exec(answer)?.[1]
  return hex === undefined ? undefined : Number.parseInt(hex, 16)
}

/** The value of one `mntr` key (`zk_synced_followers`, say) of the member on `port`, if it answers it. */
export async function mntrValue(port: number, key: string): Promise<string | undefined> {
  const answer = await fourLetterWord('127.0.0.1', port, 'mntr', 1_000).catch(() => '')
  return new RegExp(`^${key}\\t(.*)$`, 'm').exec(answer)?.[1]
}

/**
 * Every node of a member's tree but ZooKeeper's own `/zookeeper` subtree (each member keeps its
 * own there: config and quota roots), by path, with data and whole Stat. Reads after a sync, so a
 * follower shows at least what the leader had committed when the walk began.
 */
export async function treeOf(zk: ZooKeeperClient): Promise<Map<string, NodeView>> {
  await zk.sync('/')
  const tree = new Map<string, NodeView>()
  let level = ['/']
  while (level.length > 0) {
    const read = await Promise.all(level.map(async (path) => ({ path, node: await nodeOf(zk, path), children: await zk.getChildren(path) })))
    level = []
    for (const { path, node, children } of read) {
      tree.set(path, node)
      for (const child of children.sort()) {
        const full = path === '/' ? `/${child}` : `${path}/${child}`
        if (full !== '/zookeeper') level.push(full)
      }
    }
  }
  return tree
}

/** Up to `max` differences between two trees of {@link treeOf}, described; empty when they are equal. */
export function treeDifferences(a: ReadonlyMap<string, NodeView>, b: ReadonlyMap<string, NodeView>, max = 10): string[] {
  const differences: string[] = []
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const left = a.get(path)
    const right = b.get(path)
    if (shown(left) !== shown(right)) {
      differences.push(`${path}: ${shown(left)} != ${shown(right)}`)
      if (differences.length >= max) break
    }
  }
  return differences
}

function shown(node: NodeView | undefined): string {
  return node === undefined ? 'missing' : JSON.stringify(node, (_, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value))
}

/** Where the members of an ensemble on 127.0.0.1 listen: `server.N` ports and client ports. */
export interface EnsembleLayout {
  /** The `server.N` line of each member, sids 1, 2, ...: the voters first, then the observers. */
  readonly servers: readonly QuorumServerLine[]
  /** Each member's client port: that of sid N at index N - 1. */
  readonly clientPorts: readonly number[]
}

/** Options of {@link ensembleLayout}. */
export interface EnsembleShape {
  /** Voting members, sids 1 to `voters`. @defaultValue 3 */
  readonly voters?: number
  /** Observers, the sids after the voters' (`:observer` on their `server.N` lines). @defaultValue 0 */
  readonly observers?: number
}

/** Free ports for an ensemble of `voters` voters (sids 1 to 3 by default) and `observers` observers after them. */
export async function ensembleLayout(shape: EnsembleShape = {}): Promise<EnsembleLayout> {
  const voters = shape.voters ?? 3
  const count = voters + (shape.observers ?? 0)
  const ports = await freePorts(3 * count)
  const at = (i: number): number => ports[i] as number
  const servers = Array.from({ length: count }, (_, i): QuorumServerLine => ({
    id: i + 1, quorumPort: at(2 * i), electionPort: at(2 * i + 1), ...(i < voters ? {} : { role: 'observer' as const }),
  }))
  return { servers, clientPorts: ports.slice(2 * count) }
}

/** The client port of member `sid` of `layout`. */
export function clientPortOf(layout: EnsembleLayout, sid: number): number {
  const port = layout.clientPorts[sid - 1]
  if (port === undefined) throw new Error(`no member ${sid} in the layout`)
  return port
}

/** A connect string naming every member of `layout`. */
export function connectStringOf(layout: EnsembleLayout): string {
  return layout.clientPorts.map((port) => `127.0.0.1:${port}`).join(',')
}

/**
 * A Paddock member's zoo.cfg in `layout`: ZooKeeper's tick and limits of the Apache members,
 * `peerProtocol=zookeeper`, `peerType=observer` when `layout` makes it an observer, and `extra` lines.
 */
export function paddockZooCfg(layout: EnsembleLayout, myid: number, dataDir: string, extra: readonly string[] = []): string {
  const observer = layout.servers.some((s) => s.id === myid && s.role === 'observer')
  return [
    'tickTime=1000', 'initLimit=30', 'syncLimit=5', `dataDir=${dataDir}`, `clientPort=${clientPortOf(layout, myid)}`, 'clientPortAddress=127.0.0.1',
    'peerProtocol=zookeeper', '4lw.commands.whitelist=*', ...(observer ? ['peerType=observer'] : []), ...layout.servers.map(quorumServerLineText), ...extra,
  ].join('\n')
}

/** Options of {@link MixedEnsembleKit.startApache}: more zoo.cfg lines, jars and JVM flags. */
export type ApacheMemberStart = Pick<ApacheQuorumPeerOptions, 'extraConfig' | 'extraClasspath' | 'extraJvmFlags'>

/** Options of {@link MixedEnsembleKit.startPaddock}. */
export interface PaddockMemberStart {
  /** Put before each of its log lines in {@link MixedEnsembleKit.paddockLog} (`[3] `, say). @defaultValue '' */
  readonly logPrefix?: string
  /** Serve the admin API on a free port, with `restore` enabled (which peerProtocol=zookeeper refuses). @defaultValue false */
  readonly admin?: boolean
  /** More zoo.cfg lines (sslQuorum and the ssl.quorum.* keys, the `quorum.auth.*` keys and the JAAS file, or `maxSessionTimeout=60000`, say). @defaultValue none */
  readonly extraConfig?: readonly string[]
}

/** A Paddock member leading two Apache followers, from {@link MixedEnsembleKit.startLedEnsemble}. */
export interface LedEnsemble {
  /** The ports: Apache members 1 and 2, the Paddock member 3. */
  readonly layout: EnsembleLayout
  /** The client ports of members 1, 2 and 3. */
  readonly ports: readonly [number, number, number]
  /** The Paddock member. */
  readonly member: MemberServer
  /** The Paddock member's dataDir. */
  readonly dataDir: string
}

/** One test's members, clients and logs; `reset` (from afterEach) stops and forgets them. */
export class MixedEnsembleKit {
  /** Undone in reverse order by {@link MixedEnsembleKit.reset}. */
  readonly cleanup: (() => Promise<void>)[] = []
  /** The Apache members running (or killed with their directory kept, until started again). */
  readonly peers: RunningQuorumPeer[] = []
  /** The Paddock members' log lines. */
  readonly paddockLog: string[] = []

  /** Closes the clients and the Paddock members, stops the Apache members, clears the log. */
  async reset(): Promise<void> {
    for (const step of this.cleanup.splice(0).reverse()) await step().catch(() => undefined)
    await Promise.all(this.peers.splice(0).map((p) => p.stop()))
    this.paddockLog.length = 0
  }

  /** Runs `run`; on failure adds the Apache members' log tails and the Paddock members' log. */
  async step<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      const logs = this.peers.map((p) => `--- member ${p.myid} ---\n${p.output().slice(-6_000)}`).join('\n')
      throw new Error(`${what}: ${(error as Error).message}\n--- paddock ---\n${this.paddockLog.slice(-60).join('\n')}\n${logs}`, { cause: error })
    }
  }

  /**
   * How the Paddock members were synced as learners, in order, from their transport's log lines
   * (`leader N: TRUNC 0x…`) since {@link MixedEnsembleKit.paddockLog} was last cleared.
   */
  learnerSyncs(): { readonly kind: 'DIFF' | 'TRUNC' | 'SNAP'; readonly zxid: number }[] {
    return this.paddockLog.flatMap((line) => {
      const sync = /\(zookeeper\): leader \d+: (DIFF|TRUNC|SNAP) 0x([0-9a-f]+)$/.exec(line)
      return sync === null ? [] : [{ kind: sync[1] as 'DIFF' | 'TRUNC' | 'SNAP', zxid: Number.parseInt(sync[2] as string, 16) }]
    })
  }

  /** A client of the member on `port`, closed by {@link MixedEnsembleKit.reset}. */
  async client(port: number): Promise<ZooKeeperClient> {
    const zk = await connect(`127.0.0.1:${port}`, { reconnectDelayMs: 100 })
    this.cleanup.push(() => zk.close())
    return zk
  }

  /** A new empty directory, removed by {@link MixedEnsembleKit.reset}. */
  async temporaryDir(prefix = 'paddock-zkpeer-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix))
    this.cleanup.push(() => rm(dir, { recursive: true, force: true }))
    return dir
  }

  /**
   * Starts Apache member `myid` of `layout` (on `dir`, its directory from an earlier run, or on a
   * new empty one; with `more`, more zoo.cfg lines and jars) and returns at once: it serves once a
   * quorum has a leader.
   */
  async startApache(layout: EnsembleLayout, myid: number, dir?: string, more: ApacheMemberStart = {}): Promise<RunningQuorumPeer> {
    const settings = { ...defaultSettings, maxSessionTimeoutMs: 20_000, tickTimeMs: 1_000, initLimitTicks: 30, syncLimitTicks: 5 }
    const peer = await startApacheQuorumPeer({ ...settings, ...more, servers: layout.servers, myid, clientPort: clientPortOf(layout, myid), ...(dir === undefined ? {} : { dir }) })
    this.peers.push(peer)
    return peer
  }

  /** The running Apache member `myid` (to SIGSTOP it, say). */
  apacheMember(myid: number): RunningQuorumPeer {
    const peer = this.peers.find((p) => p.myid === myid)
    if (peer === undefined) throw new Error(`no Apache member ${myid} runs`)
    return peer
  }

  /**
   * Ends Apache member `myid` by SIGKILL. With `keepDir` its directory stays (removed by
   * {@link MixedEnsembleKit.reset}) for {@link MixedEnsembleKit.startApache} on it again; the
   * directory is returned.
   */
  async killApache(myid: number, keepDir = false): Promise<string> {
    const index = this.peers.findIndex((p) => p.myid === myid)
    const [peer] = this.peers.splice(index, 1)
    if (index < 0 || peer === undefined) throw new Error(`no Apache member ${myid} runs`)
    if (!keepDir) await peer.stop()
    else {
      await peer.kill()
      this.cleanup.push(() => peer.stop())
    }
    return peer.dir
  }

  /**
   * Starts a Paddock member of `layout` from its zoo.cfg with `peerProtocol=zookeeper`, on
   * `dataDir` (empty, or from an earlier run), and returns at once, closed by
   * {@link MixedEnsembleKit.reset}; `waitUntilServing` says when it serves.
   */
  async startPaddock(layout: EnsembleLayout, myid: number, dataDir: string, options: PaddockMemberStart = {}): Promise<MemberServer> {
    const config = parseZooCfg(paddockZooCfg(layout, myid, dataDir, options.extraConfig), join(dataDir, 'zoo.cfg'))
    expect(config.peerProtocol).toBe('zookeeper')
    const prefix = options.logPrefix ?? ''
    const member: MemberServer = await startMember({
      ...memberOptionsFor(config, myid),
      zooCfgPath: undefined,
      ...(options.admin === true ? { adminServerPort: 0, adminRestoreEnabled: true, adminRateLimiterIntervalMs: 0 } : {}),
      logger: { info: (line) => this.paddockLog.push(prefix + line), error: (line) => this.paddockLog.push(`${prefix}ERROR ${line}`) },
      // Refused client connections (while it does not serve yet, say); the four-letter words served are left out.
      clientPortLogger: { warn: (line) => this.paddockLog.push(`${prefix}WARN ${line}`), info: () => undefined },
    })
    this.cleanup.push(() => member.close())
    return member
  }

  /**
   * Starts a Paddock member as member 3 and two Apache members (1 and 2) of a fresh ensemble, and
   * waits until the Paddock member leads (with every history empty, Fast Leader Election picks the
   * largest myid) and both Apache members follow it.
   */
  async startLedEnsemble(options: PaddockMemberStart = {}): Promise<LedEnsemble> {
    const layout = await ensembleLayout()
    const dataDir = await this.temporaryDir('paddock-zklead-')
    const member = await this.startPaddock(layout, 3, dataDir, options)
    await Promise.all([this.startApache(layout, 1), this.startApache(layout, 2)])
    const ports = layout.clientPorts as [number, number, number]
    await this.step('the Paddock member leading', () => member.waitUntilServing(electionMs))
    expect(member.status()).toMatchObject({ role: 'LEADING' })
    await this.step('both Apache members following', () => this.waitForModes([ports[0], ports[1]], ['follower', 'follower']))
    expect(await modeOf(ports[2])).toBe('leader')
    return { layout, ports, member, dataDir }
  }

  /**
   * Waits until the members on `ports` serve with the srvr Modes `expected` (in the order of
   * `ports`; an entry `undefined` takes any Mode) and returns the Modes.
   */
  async waitForModes(ports: readonly number[], expected: readonly (string | undefined)[], timeoutMs = electionMs): Promise<(string | undefined)[]> {
    return pollUntil(async () => {
      const modes = await Promise.all(ports.map(modeOf))
      return modes.every((mode, i) => mode !== undefined && (expected[i] === undefined || expected[i] === mode)) ? modes : undefined
    }, { timeoutMs, intervalMs: 200, what: `the members on ${ports.join(', ')} to serve as ${expected.map((m) => m ?? 'any').join(', ')} (srvr Mode)` })
  }

  /**
   * Reads the tree of every member on `ports` with a client of the kit and checks them equal node
   * by node with the whole Stat; returns the first member's tree.
   */
  async expectSameTrees(ports: readonly number[]): Promise<Map<string, NodeView>> {
    const trees: Map<string, NodeView>[] = []
    for (const port of ports) trees.push(await this.step(`the tree of the member on ${port}`, async () => treeOf(await this.client(port))))
    const [first] = trees
    if (first === undefined) throw new Error('no member to compare')
    for (const [i, tree] of trees.entries()) {
      expect(treeDifferences(first, tree), `the member on ${ports[i]} against the member on ${ports[0]}`).toEqual([])
    }
    return first
  }
}
