/**
 * The ZAB consensus core: Fast Leader Election, discovery, synchronization (DIFF/TRUNC/SNAP) and
 * broadcast (PROPOSAL/ACK/COMMIT, INFORM for observers) as pure state machines. Only lib/server
 * joins it with the data tree, storage and transports.
 *
 * Driving it (one event loop, every input followed by the same drain):
 * ```ts
 * const peer = new ZabPeer({ id, quorum: majorityQuorum(voters, observers), random: seededPrng }, restoredFromStorage)
 * // inputs: peer.step(from, message) | peer.tick() | peer.persisted(zxid) | peer.propose(txn)
 * //         peer.forward(request) | peer.sync(token) | peer.snapshotTaken(zxid, bytes) | peer.disconnected(sid)
 * while (peer.hasReady()) {
 *   const ready = peer.ready()
 *   // 1. snapshot, truncate, hardState: durable (fsync) before any message goes out
 *   // 2. entries: append after 1; when durable, call peer.persisted(lastZxid) (group commit welcome)
 *   // 3. messages: send per destination in order; drop them if that connection died meanwhile
 *   // 4. committed: apply in order (after 1); answer clients; then syncsCompleted, requests,
 *   //    snapshotRequested (-> peer.snapshotTaken), state (role changes)
 *   peer.advance()
 * }
 * ```
 * @module
 */
export { ZabInvariantError } from './assert.js'
export { ConfigState, isMemberOf, jointQuorum, majorityOf, sameConfig } from './config.js'
export type { MemberConfig, VerifierFactory } from './config.js'
export { Election, NO_VOTE, betterVote } from './election.js'
export type { ElectionContext, Vote } from './election.js'
export type { ProposeRefusal } from './leader.js'
export type { LearnerPhase } from './learner.js'
export { defaultZabLimits, resolveLimits } from './limits.js'
export type { ZabLimits } from './limits.js'
export { ZabLog } from './log.js'
export type { LogEntry } from './log.js'
export { emptyRestoredState } from './peer-state.js'
export type { ZabRestoredState } from './peer-state.js'
export { describe as describeMessage } from './messages.js'
export type { Envelope, Notification, ServerState, SessionMessage, ZabMessage } from './messages.js'
export { ZabPeer } from './peer.js'
export type { ProposeResult, ZabConfig, ZabState, ZabStatus } from './peer.js'
export { hierarchicalQuorum, majorityQuorum } from './quorum.js'
export type { QuorumGroup, QuorumVerifier } from './quorum.js'
export type { ForwardedRequest, HardState, Ready, RoleState, SnapshotInstall, SyncCompleted } from './ready.js'
export { CONFIG_MEMBERS_MAX, CONFIG_TEXT_CHARS_MAX, MESSAGE_EPOCH_LIMIT, memberConfigProblem, validateZabMessage, zabMessageProblem } from './validate.js'
export { EPOCH_LIMIT, counterOf, epochOf, formatZxid, isNextZxid, makeZxid } from '../protocol/zxid.js'
