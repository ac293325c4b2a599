/**
 * The reconfig request a {@link ReconfigChange} stands for (ZooKeeper's `ReconfigRequest`: comma
 * lists, null where a part is not given).
 * @module
 */
import { ZooKeeperError } from '../errors.js'
import type { ReconfigRequest } from '../protocol/requests.js'
import type { ReconfigChange } from './types.js'

/** The request for `change`; BADARGUMENTS when it mixes `members` with `joining` or `leaving`. */
export function reconfigRequestOf(change: ReconfigChange): ReconfigRequest {
  const incremental = change.joining !== undefined || change.leaving !== undefined
  if (incremental && change.members !== undefined) throw new ZooKeeperError('BADARGUMENTS', { message: 'reconfig: members replaces the configuration; it cannot be given with joining or leaving' })
  const list = (items: readonly (string | number)[] | undefined): string | null => (items === undefined ? null : items.join(','))
  return { op: 'reconfig', joiningServers: list(change.joining), leavingServers: list(change.leaving), newMembers: list(change.members), curConfigId: change.fromConfig ?? -1 }
}
