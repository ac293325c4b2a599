// What the tests of Paddock members among Apache ZooKeeper members share: the ports of an
// ensemble, the members started (cleaned up after each test), the Paddock members' log, steps that
// say what they waited for with every member's log, clients, srvr's Mode, and nodes and whole
// trees read with their whole Stat.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { connect, memberOptionsFor, parseZooCfg, startMember, type MemberServer, type Stat, type ZooKeeperClient } from '../../../lib/index.js'
import { startApacheQuorumPeer, type ApacheQuorumPeerOptions, type QuorumServerLine, type RunningQuorumPeer } from './apache.js'
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

/** Where the members of a 3-member ensemble on 127.0.0.1 listen: `server.N` ports and client ports. */
export interface EnsembleLayout {
  /** The `server.N` line of each member, sids 1 to 3. */
  readonly servers: readonly QuorumServerLine[]
  /** Each member's client port: that of sid N at index N - 1. */
  readonly clientPorts: readonly number[]
}

/** Free ports for a 3-member ensemble, sids 1 to 3. */
export async function ensembleLayout(): Promise<EnsembleLayout> {
  const [q1, e1, q2, e2, q3, e3, c1, c2, c3] = (await freePorts(9)) as [number, number, number, number, number, number, number, number, number]
  return {
    servers: [
      { id: 1, quorumPort: q1, electionPort: e1 },
      { id: 2, quorumPort: q2, electionPort: e2 },
      { id: 3, quorumPort: q3, electionPort: e3 },
    ],
    clientPorts: [c1, c2, c3],
  }
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
 * `peerProtocol=zookeeper`, and the `extraConfig` lines.
 */
export function paddockZooCfg(layout: EnsembleLayout, myid: number, dataDir: string, extraConfig: readonly string[] = []): string {
  return [
    'tickTime=1000', 'initLimit=30', 'syncLimit=5', `dataDir=${dataDir}`, `clientPort=${clientPortOf(layout, myid)}`, 'clientPortAddress=127.0.0.1',
    'peerProtocol=zookeeper', '4lw.commands.whitelist=*', ...layout.servers.map((s) => `server.${s.id}=127.0.0.1:${s.quorumPort}:${s.electionPort}`),
    ...extraConfig,
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
  /** More zoo.cfg lines (sslQuorum and the ssl.quorum.* keys, or the `quorum.auth.*` keys and the JAAS file, say). @defaultValue none */
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
