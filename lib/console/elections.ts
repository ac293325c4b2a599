/**
 * The Ensemble view's election history, as the console observes it: from the roles the members
 * report at each reading (every two seconds while a page is open), the role changes, the leaders
 * elected, and how long there was no leader. ZooKeeper reports no election history of its own, so
 * the console keeps what it saw since it started; its times are as fine as its readings.
 * Pure: the caller gives each reading with its time.
 * @module
 */
import type { ElectionJson, ElectionsJson, MemberJson, RoleChangeJson } from './api-types.js'
import { consoleElectionsKept, consoleRoleChangesKept } from './limits.js'

/**
 * A member as the tracker reads it: its name, role, and the epoch of its last zxid (a leader
 * re-elected in a new epoch shows it once it has written in that epoch).
 */
export type MemberRole = Pick<MemberJson, 'name' | 'role' | 'epoch'>

/** The leader the tracker last saw, and when. */
interface SeenLeader {
  readonly name: string
  readonly epoch: number | undefined
  readonly lastSeenMs: number
}

/** Keeps the election history of one ensemble, one reading at a time. */
export class ElectionTracker {
  private readonly roles = new Map<string, string>()
  private readonly elections: ElectionJson[] = []
  private readonly roleChanges: RoleChangeJson[] = []
  private firstReadingMs: number | undefined
  private lastReadingMs = Number.NEGATIVE_INFINITY
  private leader: SeenLeader | undefined
  /** The leader before the leaderless readings now running, if any was seen. */
  private lost: SeenLeader | undefined
  /** The first and last readings without a leader, while there is none. */
  private leaderless: { firstMs: number; lastMs: number } | undefined

  /** Takes one reading of every member at `atMs`; a reading older than the last one is ignored. */
  observe(atMs: number, members: readonly MemberRole[]): void {
    if (atMs < this.lastReadingMs) return
    const first = this.firstReadingMs === undefined
    this.firstReadingMs ??= atMs
    this.lastReadingMs = atMs
    this.noteRoles(atMs, members, first)
    const leader = newestLeader(members)
    if (leader !== undefined) this.sawLeader(atMs, leader, first)
    else if (members.some((m) => m.role === 'follower' || m.role === 'observer')) this.ledByUnread(atMs)
    else this.noLeader(atMs, members)
  }

  /** The history as the page shows it. */
  json(): ElectionsJson {
    const history: ElectionsJson = { observedSinceMs: this.firstReadingMs ?? 0, elections: [...this.elections], roleChanges: [...this.roleChanges] }
    if (this.leader !== undefined) history.leader = this.leader.name
    if (this.leaderless !== undefined) history.leaderlessSinceMs = this.leaderless.firstMs
    return history
  }

  /** Notes each member whose role differs from the last reading's (newest first, in member order within a reading). */
  private noteRoles(atMs: number, members: readonly MemberRole[], first: boolean): void {
    const changes: RoleChangeJson[] = []
    for (const m of members) {
      const before = this.roles.get(m.name)
      this.roles.set(m.name, m.role)
      if (!first && before !== m.role) changes.push({ atMs, member: m.name, from: before ?? 'unknown', to: m.role })
    }
    this.roleChanges.unshift(...changes)
    this.roleChanges.length = Math.min(this.roleChanges.length, consoleRoleChangesKept)
  }

  /** A reading without one leader: a standalone server has none to lose, anything else has lost it. */
  private noLeader(atMs: number, members: readonly MemberRole[]): void {
    if (members.some((m) => m.role === 'standalone')) return
    if (this.leader !== undefined) {
      this.lost = this.leader
      this.leader = undefined
    }
    this.leaderless = { firstMs: this.leaderless?.firstMs ?? atMs, lastMs: atMs }
  }

  /**
   * A reading with a leader: an election when it is a new leader, or the same one with a zxid of a newer epoch.
   * The same leader in the same epoch after readings without it (it did not answer) is no election.
   */
  private sawLeader(atMs: number, member: MemberRole, first: boolean): void {
    const before = this.leader ?? this.lost
    const elected = !first && (before === undefined || before.name !== member.name || (member.epoch ?? 0) > (before.epoch ?? 0))
    if (elected) this.record(atMs, member, before)
    this.leader = { name: member.name, epoch: member.epoch ?? this.leader?.epoch, lastSeenMs: atMs }
    this.lost = undefined
    this.leaderless = undefined
  }

  /**
   * A reading where members follow a leader the console does not read (a follower's own console,
   * or followers that have not yet noticed their leader is gone): who leads is unknown, but after
   * readings without a leader, one was elected.
   */
  private ledByUnread(atMs: number): void {
    if (this.leaderless === undefined) return
    this.record(atMs, undefined, this.lost)
    this.lost = undefined
    this.leaderless = undefined
  }

  private record(atMs: number, member: MemberRole | undefined, before: SeenLeader | undefined): void {
    const election: ElectionJson = { atMs, leaderlessMinMs: this.leaderless === undefined ? 0 : this.leaderless.lastMs - this.leaderless.firstMs }
    if (member !== undefined) election.leader = member.name
    if (before !== undefined) {
      election.previous = before.name
      election.leaderlessMaxMs = atMs - before.lastSeenMs
    }
    this.elections.unshift(election)
    this.elections.length = Math.min(this.elections.length, consoleElectionsKept)
  }
}

/**
 * The leader of a reading: the member reporting `leader` in the newest epoch (an old leader that
 * has not yet noticed it lost its quorum can report `leader` beside the new one).
 */
function newestLeader(members: readonly MemberRole[]): MemberRole | undefined {
  let newest: MemberRole | undefined
  for (const m of members) {
    if (m.role === 'leader' && (newest === undefined || (m.epoch ?? 0) > (newest.epoch ?? 0))) newest = m
  }
  return newest
}
