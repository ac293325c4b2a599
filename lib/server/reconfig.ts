/**
 * Preparing a reconfig on the leader (ZooKeeper 3.5+ PrepRequestProcessor, `OpCode.reconfig`):
 * the checks in ZooKeeper's order, each with its error code, and the transaction that carries the
 * new configuration. The ensemble's state comes from the ZAB core, and the configuration's text
 * format from the composition root, which knows `server.N` lines.
 * @module
 */
import type { ReconfigRequest } from '../protocol/requests.js'
import type { ErrorCodeName } from '../errors.js'
import type { ReconfigTxn } from '../txn/types.js'

/** A configuration as prep sees it: its version and `server.N` lines. */
export interface ConfigView {
  /** The version (the zxid of the reconfig that made it, or the start-up file's). */
  readonly version: number
  /** Its `server.N=...` lines, each ending in a newline. */
  readonly text: string
}

/** What a leader knows of its ensemble's configuration (from the ZAB core). */
export interface EnsembleState {
  /** The active configuration, and the pending one while a reconfig is logged but not committed. */
  config(): { readonly active: ConfigView; readonly pending: ConfigView | undefined }
  /**
   * Whether this leader and the learners in broadcast with it hold a quorum of a configuration
   * with these voters (ZooKeeper: `Leader.isQuorumSynced`).
   */
  quorumSynced(voters: readonly number[], observers: readonly number[]): boolean
}

/** A configuration a reconfig asks for, worked out from the current one. */
export interface PlannedConfig {
  /** Its `server.N=...` lines, each ending in a newline. */
  readonly text: string
  /** Its voters, ascending. */
  readonly voters: readonly number[]
  /** Its observers, ascending. */
  readonly observers: readonly number[]
}

/** Works out the configuration a reconfig request asks for (the host knows the line format). */
export interface ReconfigPlanner {
  /** The new configuration, or why the request's servers cannot be read (answered BADARGUMENTS). */
  plan(current: string, request: ReconfigRequest): PlannedConfig | { readonly error: string }
}

/** What prep needs to prepare reconfigs: set on a member of an ensemble, absent on a standalone one. */
export interface ReconfigSupport {
  readonly ensemble: EnsembleState
  readonly planner: ReconfigPlanner
  /** Whether a configuration may be left with one voter (false: standaloneEnabled=false). */
  readonly standaloneEnabled: boolean
  /** Reports why a reconfig was refused, as ZooKeeper logs it. */
  readonly warn?: (line: string) => void
}

/** The outcome of the ensemble checks: the transaction, or the error code to answer. */
export type ReconfigOutcome = { readonly txn: ReconfigTxn } | { readonly refuse: ErrorCodeName }

/**
 * The checks of ZooKeeper's PrepRequestProcessor before the ACL check, in its order: disabled,
 * standalone, another change in flight, `curConfigId`, the servers asked for, the voters left,
 * and a synced quorum of the new configuration.
 */
export function prepareReconfig(request: ReconfigRequest, enabled: boolean, support: ReconfigSupport | undefined): ReconfigOutcome {
  if (!enabled) return { refuse: 'RECONFIGDISABLED' }
  if (support === undefined) return { refuse: 'UNIMPLEMENTED' }
  const { active, pending } = support.ensemble.config()
  if (pending !== undefined) return { refuse: 'RECONFIGINPROGRESS' }
  if (request.curConfigId !== -1 && request.curConfigId !== active.version) {
    support.warn?.(`Reconfiguration from version ${request.curConfigId.toString(16)} failed -- last seen version is ${active.version.toString(16)}`)
    return { refuse: 'BADVERSION' }
  }
  const planned = support.planner.plan(active.text, request)
  if ('error' in planned) {
    support.warn?.(`Reconfiguration failed: ${planned.error}`)
    return { refuse: 'BADARGUMENTS' }
  }
  const fewest = support.standaloneEnabled ? 2 : 1
  if (planned.voters.length < fewest) {
    support.warn?.(`Reconfig failed - new configuration must include at least ${fewest} follower${fewest === 1 ? '' : 's'}`)
    return { refuse: 'BADARGUMENTS' }
  }
  if (!support.ensemble.quorumSynced(planned.voters, planned.observers)) {
    support.warn?.('Reconfig failed - there must be a connected and synced quorum in new configuration')
    return { refuse: 'NEWCONFIGNOQUORUM' }
  }
  return { txn: { type: 'reconfig', text: planned.text, voters: [...planned.voters], observers: [...planned.observers] } }
}
