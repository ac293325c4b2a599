// Method: readings of three members' roles at chosen times, as the console takes them every two seconds, fed to the tracker; the history it keeps is compared with what happened.
import { describe, expect, it } from 'vitest'
import { ElectionTracker, type MemberRole } from '../../../lib/console/elections.js'
import { consoleRoleChangesKept } from '../../../lib/console/limits.js'

const t0 = 1_700_000_000_000

function roles(a: string, b: string, c: string, epoch = 1): MemberRole[] {
  return [
    { name: 'a', role: a, ...(a === 'leader' ? { epoch } : {}) },
    { name: 'b', role: b, ...(b === 'leader' ? { epoch } : {}) },
    { name: 'c', role: c, ...(c === 'leader' ? { epoch } : {}) },
  ]
}

describe('the election history the console observes', () => {
  it('records nothing for the first reading: what came before is unknown', () => {
    const tracker = new ElectionTracker()
    tracker.observe(t0, roles('leader', 'follower', 'follower'))
    expect(tracker.json()).toEqual({ observedSinceMs: t0, leader: 'a', elections: [], roleChanges: [] })
  })

  it('records a new leader after a leaderless time, bounded by the readings on either side', () => {
    const tracker = new ElectionTracker()
    tracker.observe(t0, roles('leader', 'follower', 'follower'))
    tracker.observe(t0 + 2000, roles('unreachable', 'looking', 'looking'))
    tracker.observe(t0 + 4000, roles('unreachable', 'looking', 'looking'))
    expect(tracker.json()).toMatchObject({ leaderlessSinceMs: t0 + 2000, elections: [] })
    expect(tracker.json().leader).toBeUndefined()
    tracker.observe(t0 + 6000, roles('unreachable', 'follower', 'leader', 2))
    const history = tracker.json()
    expect(history.leader).toBe('c')
    expect(history.leaderlessSinceMs).toBeUndefined()
    expect(history.elections).toEqual([{ atMs: t0 + 6000, leader: 'c', previous: 'a', leaderlessMinMs: 2000, leaderlessMaxMs: 6000 }])
    expect(history.roleChanges.map((r) => `${r.member}: ${r.from} → ${r.to}`)).toEqual([
      'b: looking → follower',
      'c: looking → leader',
      'a: leader → unreachable',
      'b: follower → looking',
      'c: follower → looking',
    ])
  })

  it('records a change of leader between two readings, with no leaderless reading, as under the time between them', () => {
    const tracker = new ElectionTracker()
    tracker.observe(t0, roles('leader', 'follower', 'follower', 1))
    tracker.observe(t0 + 2000, roles('follower', 'leader', 'follower', 2))
    expect(tracker.json().elections).toEqual([{ atMs: t0 + 2000, leader: 'b', previous: 'a', leaderlessMinMs: 0, leaderlessMaxMs: 2000 }])
  })

  it('counts the same leader with a zxid of a newer epoch as an election, and the same leader seen again after a missed reading as none', () => {
    const tracker = new ElectionTracker()
    tracker.observe(t0, roles('leader', 'follower', 'follower', 1))
    tracker.observe(t0 + 2000, roles('unreachable', 'follower', 'follower'))
    tracker.observe(t0 + 4000, roles('leader', 'follower', 'follower', 1))
    expect(tracker.json().elections).toEqual([])
    tracker.observe(t0 + 6000, roles('leader', 'follower', 'follower', 3))
    expect(tracker.json().elections).toMatchObject([{ atMs: t0 + 6000, leader: 'a', previous: 'a' }])
  })

  it('takes the leader of the newest epoch when an old one still says it leads', () => {
    const tracker = new ElectionTracker()
    tracker.observe(t0, roles('leader', 'follower', 'follower', 1))
    tracker.observe(t0 + 2000, [{ name: 'a', role: 'leader', epoch: 1 }, { name: 'b', role: 'leader', epoch: 2 }, { name: 'c', role: 'follower' }])
    expect(tracker.json()).toMatchObject({ leader: 'b', elections: [{ leader: 'b', previous: 'a' }] })
  })

  it('knows only a lower bound when it started while there was no leader', () => {
    const tracker = new ElectionTracker()
    tracker.observe(t0, roles('looking', 'looking', 'looking'))
    tracker.observe(t0 + 2000, roles('leader', 'follower', 'follower'))
    expect(tracker.json().elections).toEqual([{ atMs: t0 + 2000, leader: 'a', leaderlessMinMs: 0 }])
  })

  it('keeps no leader history for a standalone server, and ignores a reading older than the last', () => {
    const tracker = new ElectionTracker()
    tracker.observe(t0, [{ name: 's', role: 'standalone' }])
    tracker.observe(t0 + 2000, [{ name: 's', role: 'standalone' }])
    expect(tracker.json()).toEqual({ observedSinceMs: t0, elections: [], roleChanges: [] })
    tracker.observe(t0 + 1000, [{ name: 's', role: 'unreachable' }])
    expect(tracker.json().roleChanges).toEqual([])
  })

  it('on a follower\'s own console, which does not read the leader, notes an election without naming the leader', () => {
    const tracker = new ElectionTracker()
    tracker.observe(t0, [{ name: 'f', role: 'follower' }])
    tracker.observe(t0 + 2000, [{ name: 'f', role: 'follower' }])
    expect(tracker.json()).toEqual({ observedSinceMs: t0, elections: [], roleChanges: [] })
    tracker.observe(t0 + 4000, [{ name: 'f', role: 'looking' }])
    expect(tracker.json().leaderlessSinceMs).toBe(t0 + 4000)
    tracker.observe(t0 + 6000, [{ name: 'f', role: 'follower' }])
    const history = tracker.json()
    expect(history.leaderlessSinceMs).toBeUndefined()
    expect(history.elections).toEqual([{ atMs: t0 + 6000, leaderlessMinMs: 0 }])
    expect(history.roleChanges.map((r) => r.to)).toEqual(['follower', 'looking'])
  })

  it('keeps a bounded number of role changes, newest first', () => {
    const tracker = new ElectionTracker()
    for (let i = 0; i <= consoleRoleChangesKept + 5; i++) tracker.observe(t0 + i, roles('leader', i % 2 === 0 ? 'follower' : 'observer', 'follower'))
    const changes = tracker.json().roleChanges
    expect(changes).toHaveLength(consoleRoleChangesKept)
    expect(changes[0]?.atMs).toBe(t0 + consoleRoleChangesKept + 5)
  })
})
