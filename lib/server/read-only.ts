/**
 * ZooKeeper's read-only mode (`readonlymode.enabled`), the decisions as pure functions: when a
 * member that lost its quorum starts serving read-only clients, and which requests it refuses.
 *
 * What apache/zookeeper@release-3.9 does, and Paddock with it:
 * - `QuorumPeer.run`: each time the peer turns LOOKING it starts a ReadOnlyZooKeeperServer after
 *   `max(2000 ms, tickTime)`, if it is still LOOKING then; the election's end shuts it down.
 * - `ReadOnlyRequestProcessor`: sync, create (all kinds), delete, deleteContainer, setData,
 *   reconfig, setACL, multi and check are answered NOTREADONLY; everything else is served from the
 *   member's last applied tree (reads, watches, auth).
 * - `ReadOnlyZooKeeperServer.validateSession`: a global (replicated) session may not reconnect to a
 *   read-only server: its connection is closed unanswered, so the client tries another server.
 * - Sessions opened there live only on that member (they are never logged nor sent to a leader),
 *   and `ReadOnlyZooKeeperServer.shutdown` closes every connection when the peer rejoins a quorum.
 * @module
 */
import type { Request } from '../protocol/requests.js'

/** ZooKeeper's lower bound on the grace period before a LOOKING peer serves read-only clients, ms. */
export const readOnlyGraceMsMin = 2000

/** How long a member looks for a leader before it serves read-only clients: `max(2000, tickTime)` ms. */
export function readOnlyStartDelayMs(tickTimeMs: number): number {
  return Math.max(readOnlyGraceMsMin, tickTimeMs)
}

/**
 * Whether a read-only member answers `request` with NOTREADONLY (ReadOnlyRequestProcessor's list,
 * sync included). closeSession is not on it: a read-only session closes on its own member.
 */
export function refusedReadOnly(request: Request): boolean {
  switch (request.op) {
    case 'create':
    case 'delete':
    case 'deleteContainer':
    case 'setData':
    case 'setACL':
    case 'multi':
    case 'check':
    case 'sync':
      return true
    default:
      return false
  }
}
