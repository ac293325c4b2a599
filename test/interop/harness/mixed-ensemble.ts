// What the tests of a Paddock member among Apache ZooKeeper members share: the members started
// (cleaned up after each test), the Paddock member's log, steps that say what they waited for with
// every member's log, clients, srvr's Mode, and a node read with its whole Stat.
import { connect, type Stat, type ZooKeeperClient } from '../../../lib/index.js'
import type { RunningQuorumPeer } from './apache.js'
import { fourLetterWord } from './four-letter.js'

/** What a client compares of a node: its data and every Stat field. */
export async function nodeOf(zk: ZooKeeperClient, path: string): Promise<{ data: string; stat: Stat }> {
  const { data, stat } = await zk.getData(path)
  return { data: new TextDecoder().decode(data), stat }
}

/** srvr's Mode line of the member on `port`, or undefined while it does not serve. */
export async function modeOf(port: number): Promise<string | undefined> {
  const answer = await fourLetterWord('127.0.0.1', port, 'srvr', 1_000).catch(() => '')
  return /^Mode: (\w+)$/m.exec(answer)?.[1]
}

/** One test's members, clients and logs; `reset` (from afterEach) stops and forgets them. */
export class MixedEnsembleKit {
  /** Undone in reverse order by {@link MixedEnsembleKit.reset}. */
  readonly cleanup: (() => Promise<void>)[] = []
  /** The Apache members started. */
  readonly peers: RunningQuorumPeer[] = []
  /** The Paddock member's log lines. */
  readonly paddockLog: string[] = []

  /** Closes the clients and the Paddock member, stops the Apache members, clears the log. */
  async reset(): Promise<void> {
    for (const step of this.cleanup.splice(0).reverse()) await step().catch(() => undefined)
    await Promise.all(this.peers.splice(0).map((p) => p.stop()))
    this.paddockLog.length = 0
  }

  /** Runs `run`; on failure adds the Apache members' log tails and the Paddock member's log. */
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
}
