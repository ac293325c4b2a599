/**
 * The leader's maintenance sweeps (apache/zookeeper's SessionTracker expiry and ContainerManager):
 * closing sessions whose timeout passed, and deleting empty containers and expired TTL nodes.
 * Each runs only on the established leader; the Pipeline checks that before calling, and re-arms
 * the timers that call these.
 * @module
 */
import type { Txn } from '../txn/types.js'
import type { MaintenanceHost } from './pipeline-types.js'

/** Proposes closeSession for every session whose timeout passed by `now` (ms). */
export function expireSessions(host: MaintenanceHost, now: number): void {
  for (const session of host.sessions.expire(now)) {
    host.proposeInternal(session.id, () => closeSessionTxn(host, session.id), () => {})
  }
}

/**
 * Expires one session now: `'expiring'`, and `done` is called once the closeSession is applied,
 * or `'no-session'` when the session is not open.
 */
export function expireSession(host: MaintenanceHost, sessionId: bigint, done: () => void): 'expiring' | 'no-session' {
  const session = host.sessions.get(sessionId)
  if (session === undefined || session.closing) return 'no-session'
  host.sessions.setClosing(sessionId)
  host.proposeInternal(sessionId, () => closeSessionTxn(host, sessionId), () => done())
  return 'expiring'
}

/** Proposes deleteContainer for every empty container and expired TTL node at `now` (ms). */
export function removeExpiredContainers(host: MaintenanceHost, now: number): void {
  // While writes wait for room, the sweep waits too: the next one finds the same nodes.
  if (host.writesWaiting()) return
  for (const path of host.tree.expiredContainers(now)) {
    if (host.writesWaiting()) return
    const request = { op: 'deleteContainer', path } as const
    // Prepared now to skip a node that cannot go; prepared again should it have to wait.
    let prepared: Txn | undefined = host.prepareInternal(request)
    if (prepared.type === 'error') continue
    host.proposeInternal(0n, () => {
      const txn = prepared ?? host.prepareInternal(request)
      prepared = undefined
      return txn
    }, () => {})
  }
}

// The session's ephemerals are listed when the closeSession is proposed, so it sees every change before it.
function closeSessionTxn(host: MaintenanceHost, sessionId: bigint): Txn {
  return { type: 'closeSession', paths2Delete: host.ephemeralsOf(sessionId), expired: true }
}
