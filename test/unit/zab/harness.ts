/**
 * Helpers for hand-written ZAB interaction tests (etcd raft's interaction tests in spirit): drive
 * one ZabPeer with messages we write, read back what it asked for in text form.
 * @module
 */
import {
  type LogEntry, type Ready, type SyncCompleted, type ZabLimits, type ZabMessage, type ZabRestoredState, ZabPeer,
  describeMessage, emptyRestoredState, majorityQuorum,
} from '../../../lib/zab/index.js'

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
export const text = (data: Uint8Array): string => new TextDecoder().decode(data)

export interface PeerOptions {
  readonly voters?: readonly number[]
  readonly observers?: readonly number[]
  readonly restored?: Partial<ZabRestoredState>
  readonly limits?: Partial<ZabLimits>
}

/** Limits that make hand-written sequences short: decide at once, generous timeouts. */
export const testLimits: Partial<ZabLimits> = { finalizeWaitTicks: 0, electionTimeoutTicks: 4, initLimitTicks: 20, syncLimitTicks: 10 }

export function makePeer(id: number, options: PeerOptions = {}): ZabPeer {
  const quorum = majorityQuorum(options.voters ?? [1, 2, 3], options.observers ?? [])
  const restored = { ...emptyRestoredState, ...options.restored }
  return new ZabPeer({ id, quorum, random: () => 0, limits: { ...testLimits, ...options.limits } }, restored)
}

/** Everything the peer asked for since the last drain, merged (the tests look at one batch). */
export function drain(peer: ZabPeer): Ready {
  const merged = {
    snapshot: undefined as Ready['snapshot'], truncate: undefined as number | undefined, hardState: undefined as Ready['hardState'], config: undefined as Ready['config'],
    entries: [] as LogEntry[], messages: [] as Ready['messages'][number][], committed: [] as LogEntry[],
    snapshotRequested: false, requests: [] as Ready['requests'][number][], syncsCompleted: [] as SyncCompleted[], state: undefined as Ready['state'],
  }
  while (peer.hasReady()) {
    const ready = peer.ready()
    merged.snapshot = ready.snapshot ?? merged.snapshot
    merged.truncate = ready.truncate ?? merged.truncate
    merged.hardState = ready.hardState ?? merged.hardState
    merged.config = ready.config ?? merged.config
    merged.entries.push(...ready.entries)
    merged.messages.push(...ready.messages)
    merged.committed.push(...ready.committed)
    merged.snapshotRequested ||= ready.snapshotRequested
    merged.requests.push(...ready.requests)
    merged.syncsCompleted.push(...ready.syncsCompleted)
    merged.state = ready.state ?? merged.state
    peer.advance()
  }
  return merged
}

/** Messages of a Ready as `to: DESCRIPTION` lines. */
export function sent(ready: Ready): string[] {
  return ready.messages.map((e) => `${e.to}: ${describeMessage(e.message)}`)
}

/** The session of the first message in `ready` that has one (to answer within it). */
export function sessionOf(ready: Ready, to?: number): number {
  for (const { to: dest, message } of ready.messages) {
    if ('session' in message && (to === undefined || dest === to)) return message.session
  }
  throw new Error('no session message')
}

/** A notification from `from` in the given state. */
export function vote(state: 'LOOKING' | 'FOLLOWING' | 'LEADING' | 'OBSERVING', leader: number, zxid: number, electionEpoch: number, peerEpoch: number): ZabMessage {
  return { type: 'NOTIFICATION', state, leader, zxid, electionEpoch, peerEpoch }
}

/** Steps `peer` through an election that makes `leader` win, as seen by `peer` (round 1). */
export function electLeader(peer: ZabPeer, leader: number, voters: readonly number[] = [1, 2, 3]): Ready {
  drain(peer)
  for (const sid of voters) {
    if (sid !== peer.status().id) peer.step(sid, vote(sid === leader ? 'LEADING' : 'LOOKING', leader, 0, 1, 0))
  }
  return drain(peer)
}

/** Peer 1 of voters [1,2,3] (+ observers) elected LEADING, discovery not yet started. */
export function leaderOf3(options: PeerOptions = {}): ZabPeer {
  const peer = makePeer(1, options)
  drain(peer)
  peer.step(2, vote('LOOKING', 1, peer.status().lastLoggedZxid, 1, peer.status().currentEpoch))
  const ready = drain(peer)
  if (ready.state?.role !== 'LEADING') throw new Error('peer 1 did not become leader')
  return peer
}

/** Peer `id` FOLLOWING (or OBSERVING) leader 1, with the session it opened. */
export function learnerOf1(id = 2, options: PeerOptions = {}): { peer: ZabPeer; session: number } {
  const peer = makePeer(id, options)
  drain(peer)
  if (options.observers?.includes(id) === true) peer.step(1, vote('LEADING', 1, 0, 1, 99))
  peer.step(options.observers?.includes(id) === true ? 2 : 1, vote(options.observers?.includes(id) === true ? 'FOLLOWING' : 'LOOKING', 1, 0, 1, 99))
  const ready = drain(peer)
  return { peer, session: sessionOf(ready, 1) }
}

/** Leader 1 established in epoch 1 with follower 2 (session 7) up to date. */
export function establishedLeader(options: PeerOptions = {}): ZabPeer {
  const leader = leaderOf3(options)
  leader.step(2, { type: 'FOLLOWERINFO', session: 7, acceptedEpoch: 0 })
  leader.step(2, { type: 'ACKEPOCH', session: 7, epoch: 1, currentEpoch: 0, lastZxid: 0 })
  leader.step(2, { type: 'ACK', session: 7, zxid: 2 ** 32 })
  drain(leader)
  if (!leader.status().established) throw new Error('leader not established')
  return leader
}

/** Follower 2 up to date with leader 1 in epoch 1; returns its session. */
export function establishedFollower(options: PeerOptions = {}): { peer: ZabPeer; session: number } {
  const { peer, session } = learnerOf1(2, options)
  peer.step(1, { type: 'LEADERINFO', session, newEpoch: 1 })
  peer.step(1, { type: 'DIFF', session, zxid: 0 })
  peer.step(1, { type: 'NEWLEADER', session, zxid: 2 ** 32 })
  peer.step(1, { type: 'UPTODATE', session, zxid: 0 })
  drain(peer)
  if (!peer.status().established) throw new Error('follower not established')
  return { peer, session }
}
