/**
 * Sessions and auth on the member (apache/zookeeper's SessionTracker negotiation in
 * ZooKeeperServer and its AuthenticationProviders): a member's options with their defaults,
 * session timeout negotiation, the session password check, addauth for the digest scheme (and the
 * super user), and whoAmI. Pure functions the Pipeline calls; the session table itself is
 * `lib/session/session-tracker.ts`.
 * @module
 */
import { digestId } from '../digest.js'
import { ErrorCode } from '../errors.js'
import { containerCheckIntervalMsDefault, juteMaxBufferBytes, maxSessionTimeoutTicks, minSessionTimeoutTicks, tickTimeMsDefault } from '../limits.js'
import { SUPER_ID, type Id } from '../protocol/data.js'
import { createModeInfo } from '../protocol/create-mode.js'
import type { Response, WriteRequest } from '../protocol/requests.js'
import type { MemberOptions, ResolvedMemberOptions } from './pipeline-types.js'

/**
 * Fills in ZooKeeper's default for every option a member was not given.
 * @throws RangeError when tickTimeMs is not a positive integer, or minSessionTimeoutMs is over maxSessionTimeoutMs.
 */
export function resolveOptions(options: MemberOptions): ResolvedMemberOptions {
  const tickTimeMs = options.tickTimeMs ?? tickTimeMsDefault
  if (!(Number.isInteger(tickTimeMs) && tickTimeMs > 0)) throw new RangeError(`tickTimeMs must be a positive integer, got ${tickTimeMs}`)
  const minSessionTimeoutMs = options.minSessionTimeoutMs ?? minSessionTimeoutTicks * tickTimeMs
  const maxSessionTimeoutMs = options.maxSessionTimeoutMs ?? maxSessionTimeoutTicks * tickTimeMs
  if (minSessionTimeoutMs > maxSessionTimeoutMs) {
    throw new RangeError(`minSessionTimeoutMs (${minSessionTimeoutMs}) is over maxSessionTimeoutMs (${maxSessionTimeoutMs})`)
  }
  return {
    tickTimeMs,
    minSessionTimeoutMs,
    maxSessionTimeoutMs,
    maxDataBytes: options.maxDataBytes ?? juteMaxBufferBytes,
    superDigest: options.superDigest,
    skipACL: options.skipACL ?? false,
    extendedTypesEnabled: options.extendedTypesEnabled ?? true,
    enforceQuota: options.enforceQuota ?? false,
    containerCheckIntervalMs: options.containerCheckIntervalMs ?? containerCheckIntervalMsDefault,
    reconfigEnabled: options.reconfigEnabled ?? false,
    myid: options.myid ?? options.serverId ?? 0,
    localSessionsEnabled: options.localSessionsEnabled ?? false,
    localSessionsUpgradingEnabled: options.localSessionsUpgradingEnabled ?? false,
  }
}

/** The session timeout granted for `requestedMs`: clamped to [minSessionTimeoutMs, maxSessionTimeoutMs], in ms. */
export function negotiateTimeout(options: ResolvedMemberOptions, requestedMs: number): number {
  const { minSessionTimeoutMs: min, maxSessionTimeoutMs: max } = options
  return Math.min(Math.max(requestedMs, min), max)
}

/**
 * Whether `request` needs a global session: a create of an ephemeral node, alone or in a multi
 * (ZooKeeper's checkUpgradeSession looks at create, create2 and multi, not TTL or container creates).
 */
export function needsGlobalSession(request: WriteRequest): boolean {
  if (request.op === 'create') return isEphemeral(request.mode)
  if (request.op === 'multi') return request.ops.some((op) => op.op === 'create' && isEphemeral(op.mode))
  return false
}

function isEphemeral(mode: number): boolean {
  return createModeInfo(mode)?.ephemeral === true
}

/** Whether a resuming client gave the session's password; a missing one never matches. */
export function samePasswd(expected: Uint8Array, given: Uint8Array | undefined): boolean {
  if (given === undefined || given.length !== expected.length) return false
  return expected.every((b, i) => b === given[i])
}

/**
 * addauth: adds the digest identity of `auth` (`user:password`) to the connection's `authInfo`,
 * and the super identity when it matches `superDigest`. Any other scheme, or a credential
 * without a colon, gets AUTHFAILED.
 */
export function setAuth(authInfo: Id[], superDigest: string | undefined, scheme: string, auth: Uint8Array): Response {
  if (scheme !== 'digest') return { err: ErrorCode.AUTHFAILED }
  const credential = new TextDecoder().decode(auth)
  if (!credential.includes(':')) return { err: ErrorCode.AUTHFAILED }
  const id = digestId(credential)
  addId(authInfo, { scheme: 'digest', id })
  if (superDigest !== undefined && id === superDigest) addId(authInfo, SUPER_ID)
  return { err: 0 }
}

/** whoAmI: the identities a connection holds, as ZooKeeper's ClientInfo records. */
export function whoAmI(authInfo: readonly Id[]): Response {
  return { err: 0, clientInfo: authInfo.map((id) => ({ authScheme: id.scheme, user: userOf(id) })) }
}

/** Adds a copy of `id` to `list` unless an equal identity is there already. */
export function addId(list: Id[], id: Id): void {
  if (!list.some((x) => x.scheme === id.scheme && x.id === id.id)) list.push({ scheme: id.scheme, id: id.id })
}

/** The user an identity names, as whoAmI reports it: the digest's user name, else the id itself. */
export function userOf(id: Id): string {
  return id.scheme === 'digest' ? (id.id.split(':')[0] ?? '') : id.id
}
