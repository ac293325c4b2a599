/**
 * Dynamic reconfiguration in the ZAB core: a reconfig entry's configuration is pending while
 * logged, commits only with a quorum of the old configuration and one of the new, then becomes
 * active; members it leaves out stop, a leader it leaves out hands over through an election, and
 * a member that restarts comes back in the newest configuration it committed.
 */
import { describe, expect, it } from 'vitest'
import { type Envelope, type LogEntry, type MemberConfig, type ZabRestoredState, ZabPeer, majorityQuorum } from '../../../lib/zab/index.js'
import { testLimits } from './harness.js'

interface Disk {
  acceptedEpoch: number
  currentEpoch: number
  log: LogEntry[]
  applied: number
  config: MemberConfig | undefined
}

/** Members of one process, messages through one FIFO queue, disks durable at once. */
class Cluster {
  readonly peers = new Map<number, ZabPeer>()
  readonly disks = new Map<number, Disk>()
  readonly views = new Map<number, { voters: number[]; observers: number[] }>()
  readonly applied = new Map<number, string[]>()
  #queue: { from: number; envelope: Envelope }[] = []

  start(id: number, voters: number[], observers: number[] = []): void {
    this.views.set(id, { voters, observers })
    if (!this.disks.has(id)) this.disks.set(id, { acceptedEpoch: 0, currentEpoch: 0, log: [], applied: 0, config: undefined })
    this.applied.set(id, [])
    const disk = this.disks.get(id) as Disk
    const restored: ZabRestoredState = {
      acceptedEpoch: disk.acceptedEpoch, currentEpoch: disk.currentEpoch, snapshotZxid: 0, entries: disk.log.slice(),
      committedZxid: 0, ...(disk.config === undefined ? {} : { config: disk.config }),
    }
    const peer = new ZabPeer({ id, quorum: majorityQuorum(voters, observers), random: () => 0, limits: { ...testLimits, finalizeWaitTicks: 1 } }, restored)
    this.peers.set(id, peer)
    this.#handle(id)
  }

  crash(id: number): void {
    this.peers.delete(id)
    this.#queue = this.#queue.filter((m) => m.from !== id && m.envelope.to !== id)
    for (const other of [...this.peers.keys()]) this.#input(other, (p) => p.disconnected(id))
  }

  /** Ticks everyone and delivers until quiet, `rounds` times. */
  run(rounds: number): void {
    for (let i = 0; i < rounds; i++) {
      for (const id of [...this.peers.keys()]) this.#input(id, (p) => p.tick())
      this.stabilize()
    }
  }

  /** Runs until `done` holds, for at most `rounds` rounds. */
  runUntil(done: () => boolean, rounds = 200): void {
    for (let i = 0; i < rounds && !done(); i++) this.run(1)
    expect(done()).toBe(true)
  }

  stabilize(): void {
    for (let delivered = 0; this.#queue.length > 0; delivered++) {
      if (delivered > 100_000) throw new Error('does not stabilize')
      const next = this.#queue.shift()
      if (next === undefined) return
      if (!this.peers.has(next.envelope.to)) continue
      this.#input(next.envelope.to, (p) => p.step(next.from, next.envelope.message))
    }
  }

  /** Delivers only the queued messages addressed to `to`. */
  deliverTo(to: number): void {
    const mine = this.#queue.filter((m) => m.envelope.to === to)
    this.#queue = this.#queue.filter((m) => m.envelope.to !== to)
    for (const next of mine) this.#input(to, (p) => p.step(next.from, next.envelope.message))
  }

  leader(): number | undefined {
    for (const [id, peer] of this.peers) {
      const s = peer.status()
      if (s.role === 'LEADING' && s.established) return id
    }
    return undefined
  }

  /** Every running member of `ids` serves (established leader, or learner in broadcast). */
  serving(ids: readonly number[]): boolean {
    return ids.every((id) => this.peers.get(id)?.status().zabState === 'broadcast')
  }

  propose(text: string, config?: { voters: number[]; observers?: number[] }): ReturnType<ZabPeer['propose']> {
    const leader = this.leader()
    if (leader === undefined) throw new Error('no leader')
    let result: ReturnType<ZabPeer['propose']> | undefined
    this.#input(leader, (p) => {
      result = p.propose(new TextEncoder().encode(text), config === undefined ? undefined : { voters: config.voters, observers: config.observers ?? [], text: `members ${config.voters.join(',')}` })
    })
    return result as ReturnType<ZabPeer['propose']>
  }

  config(id: number): MemberConfig {
    return (this.peers.get(id) as ZabPeer).status().config.active
  }

  #input(id: number, apply: (peer: ZabPeer) => void): void {
    const peer = this.peers.get(id)
    if (peer === undefined) return
    apply(peer)
    this.#handle(id)
  }

  #handle(id: number): void {
    const peer = this.peers.get(id)
    const disk = this.disks.get(id)
    while (peer !== undefined && disk !== undefined && peer.hasReady()) {
      const ready = peer.ready()
      if (ready.truncate !== undefined) disk.log = disk.log.filter((e) => e.zxid <= (ready.truncate ?? 0))
      if (ready.hardState !== undefined) Object.assign(disk, ready.hardState)
      if (ready.config !== undefined) disk.config = ready.config
      disk.log.push(...ready.entries)
      for (const envelope of ready.messages) this.#queue.push({ from: id, envelope })
      for (const entry of ready.committed) this.applied.get(id)?.push(new TextDecoder().decode(entry.data))
      const last = ready.entries.at(-1)
      peer.advance()
      if (last !== undefined) peer.persisted(last.zxid)
    }
  }
}

function started(voters: number[]): Cluster {
  const cluster = new Cluster()
  for (const id of voters) cluster.start(id, voters)
  cluster.runUntil(() => cluster.leader() !== undefined && cluster.serving(voters))
  return cluster
}

describe('reconfig in the ZAB core', () => {
  it('grows 3 to 5: joiners learn without a vote, then the committed configuration counts them', () => {
    const cluster = started([1, 2, 3])
    // Joiners start with a view that names them (as ZooKeeper's joining servers do) and follow.
    cluster.start(4, [1, 2, 3, 4, 5])
    cluster.start(5, [1, 2, 3, 4, 5])
    cluster.runUntil(() => cluster.serving([1, 2, 3, 4, 5]))
    // Adopted the leader's configuration at sync: they are not members of it yet.
    expect(cluster.config(4).voters).toEqual([1, 2, 3])
    const result = cluster.propose('grow', { voters: [1, 2, 3, 4, 5] })
    expect(result.ok).toBe(true)
    cluster.run(2)
    const version = result.ok ? result.zxid : -1
    for (const id of [1, 2, 3, 4, 5]) expect(cluster.config(id)).toMatchObject({ version, voters: [1, 2, 3, 4, 5] })
    // Two of the original three gone: 1, 4 and 5 are a quorum of the five.
    cluster.crash(2)
    cluster.crash(3)
    cluster.runUntil(() => cluster.leader() !== undefined && cluster.serving([1, 4, 5]), 400)
    expect(cluster.propose('after').ok).toBe(true)
    cluster.run(2)
    expect(cluster.applied.get(4)).toContain('after')
    expect(cluster.applied.get(1)).toContain('after')
  })

  it('commits a change and what follows it only with a quorum of the old and of the new configuration', () => {
    const cluster = started([1, 2, 3])
    const leader = cluster.leader() as number
    const stays = [1, 2, 3].find((id) => id !== leader) as number
    // The new configuration is the leader, a follower and 4, which is not running.
    const result = cluster.propose('move', { voters: [leader, stays, 4].sort() })
    expect(result.ok).toBe(true)
    expect(cluster.propose('second', { voters: [1, 2, 3] })).toMatchObject({ ok: false, reason: 'RECONFIG_IN_PROGRESS' })
    cluster.run(1)
    // leader + stays are a quorum of both {1,2,3} and {leader, stays, 4}: it commits.
    expect(cluster.config(leader).voters).toEqual([leader, stays, 4].sort())
    // Now move to {leader, 4, 5} with 4 and 5 down: the old configuration's quorum acks, the new one cannot.
    const second = cluster.propose('away', { voters: [leader, 4, 5].sort() })
    expect(second.ok).toBe(true)
    expect(cluster.propose('blocked').ok).toBe(true)
    cluster.stabilize()
    expect(cluster.applied.get(leader)).not.toContain('away')
    expect(cluster.applied.get(leader)).not.toContain('blocked')
    // Member 4 joins with a view that names it; its ACKs complete the new quorum.
    cluster.start(4, [leader, stays, 4, 5].sort())
    cluster.runUntil(() => cluster.applied.get(leader)?.includes('blocked') === true)
    expect(cluster.config(leader).voters).toEqual([leader, 4, 5].sort())
    // The COMMIT reaches the member the new configuration leaves out, which stops.
    cluster.runUntil(() => cluster.peers.get(stays)?.status().removed === true)
  })

  it('removing the leader hands leadership to a member of the new configuration', () => {
    const cluster = started([1, 2, 3])
    const leader = cluster.leader() as number
    const rest = [1, 2, 3].filter((id) => id !== leader)
    expect(cluster.propose('drop leader', { voters: rest }).ok).toBe(true)
    cluster.runUntil(() => cluster.leader() !== undefined && cluster.leader() !== leader && cluster.serving(rest))
    const old = cluster.peers.get(leader)?.status()
    expect(old?.removed).toBe(true)
    expect(old?.role).toBe('LOOKING')
    expect(cluster.propose('after handover').ok).toBe(true)
    cluster.run(2)
    for (const id of rest) expect(cluster.applied.get(id)).toContain('after handover')
    expect(cluster.applied.get(leader)).not.toContain('after handover')
  })

  it('a change logged before the leader crashed is completed or dropped by every member alike', () => {
    for (const keep of [true, false]) {
      const cluster = started([1, 2, 3])
      const leader = cluster.leader() as number
      const [a, b] = [1, 2, 3].filter((id) => id !== leader) as [number, number]
      // Deliver the PROPOSAL only to `a` (keep) or to nobody (drop), then crash the leader.
      const result = cluster.propose('change', { voters: [1, 2, 3], observers: [] })
      expect(result.ok).toBe(true)
      if (keep) cluster.deliverTo(a)
      cluster.crash(leader)
      cluster.runUntil(() => cluster.serving([a, b]), 400)
      const versions = [a, b].map((id) => cluster.config(id).version)
      expect(new Set(versions).size).toBe(1)
      expect(versions[0] === (result.ok ? result.zxid : -1)).toBe(keep)
      for (const id of [a, b]) expect(cluster.peers.get(id)?.status().config.pending).toBeUndefined()
    }
  })

  it('a member that restarts comes back in the configuration it last committed', () => {
    const cluster = started([1, 2, 3])
    cluster.start(4, [1, 2, 3, 4])
    cluster.runUntil(() => cluster.serving([1, 2, 3, 4]))
    const result = cluster.propose('add 4', { voters: [1, 2, 3, 4] })
    cluster.run(2)
    const follower = [1, 2, 3].find((id) => id !== cluster.leader()) as number
    cluster.crash(follower)
    // Restarted with its old start-up view; the persisted configuration wins.
    cluster.start(follower, [1, 2, 3])
    expect(cluster.config(follower)).toMatchObject({ version: result.ok ? result.zxid : -1, voters: [1, 2, 3, 4] })
    cluster.runUntil(() => cluster.serving([1, 2, 3, 4]))
  })

  it('an observer made a voter rejoins as a follower and its ACKs count', () => {
    const cluster = new Cluster()
    for (const id of [1, 2, 3]) cluster.start(id, [1, 2, 3], [4])
    cluster.start(4, [1, 2, 3], [4])
    cluster.runUntil(() => cluster.leader() !== undefined && cluster.serving([1, 2, 3, 4]))
    expect(cluster.peers.get(4)?.status().role).toBe('OBSERVING')
    expect(cluster.propose('promote', { voters: [1, 2, 3, 4] }).ok).toBe(true)
    cluster.runUntil(() => cluster.peers.get(4)?.status().role === 'FOLLOWING' && cluster.serving([1, 2, 3, 4]))
    // With 4 voting, 1 of the old voters down still leaves 3 of 4.
    const down = [1, 2, 3].find((id) => id !== cluster.leader()) as number
    cluster.crash(down)
    cluster.run(1)
    expect(cluster.propose('with 4').ok).toBe(true)
    cluster.run(2)
    expect(cluster.applied.get(4)).toContain('with 4')
  })

  it('a member that was down during a reconfig learns the configuration from election notifications', () => {
    const cluster = started([1, 2, 3])
    const leader = cluster.leader() as number
    const absent = [1, 2, 3].find((id) => id !== leader) as number
    const stays = [1, 2, 3].find((id) => id !== leader && id !== absent) as number
    cluster.crash(absent)
    cluster.run(1)
    // Removed while down: the two others are a quorum of both configurations.
    expect(cluster.propose('drop', { voters: [leader, stays].sort() }).ok).toBe(true)
    cluster.run(2)
    expect(cluster.config(leader).voters).toEqual([leader, stays].sort())
    // It comes back with its own disk, which names it a voter of the old configuration.
    cluster.start(absent, [1, 2, 3])
    cluster.runUntil(() => cluster.peers.get(absent)?.status().removed === true)
    expect(cluster.config(absent).voters).toEqual([leader, stays].sort())
    expect(cluster.propose('after').ok).toBe(true)
  })
})
