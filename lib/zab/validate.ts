/**
 * The strict schema of every ZAB message, checked on what arrives from another member before it
 * reaches the core. The core trusts its inputs' shapes and asserts its invariants; a peer is an
 * input like a socket, so a message that is not exactly one of {@link ZabMessage} is refused here,
 * never asserted there. Pure: no I/O, no clock.
 *
 * Every field of every message type is checked: types, integer-ness and ranges. Fields the type
 * does not have are refused too: the hello's protocol tag versions the schema, so a member never
 * needs to skip a field it does not know.
 *
 * Why epochs stop one short of {@link EPOCH_LIMIT}: every epoch a member reports (acceptedEpoch,
 * currentEpoch, a vote's peerEpoch) feeds a leader's next epoch, one above the largest it hears
 * (ZooKeeper: `Leader.getEpochToPropose`). A report of 2^21 - 1 would make that 2^21, which no zxid
 * can carry: one message would make the leader step down and the next one persist an
 * acceptedEpoch from which no election can finish. So no message may carry an epoch of 2^21 - 1
 * or above, nor a zxid in such an epoch ({@link MESSAGE_EPOCH_LIMIT}); the next epoch is then
 * always valid. The check sits here, where every message passes, rather than in the leader, so the
 * learner side (LEADERINFO, whose newEpoch a follower persists) is covered by the same rule. The
 * cost is one epoch out of 2^21, which no ensemble reaches by elections.
 *
 * What the schema cannot do: tell a member from an impostor. A connection that claims a member's
 * id in its hello can still send well-formed messages with plausible values; that needs peer
 * authentication (ZooKeeper: quorum SASL), not a schema.
 * @module
 */
import { EPOCH_LIMIT, epochOf } from '../protocol/zxid.js'
import type { ServerState, ZabMessage } from './messages.js'

/**
 * Epochs a message may carry are below this: one less than {@link EPOCH_LIMIT}, so that the next
 * epoch a leader derives from any of them (the largest plus one) is still a valid epoch.
 */
export const MESSAGE_EPOCH_LIMIT = EPOCH_LIMIT - 1

/** Checks one field's value; returns what is wrong with it, or undefined when it is valid. */
type FieldCheck = (value: unknown) => string | undefined

/** The fields of message type `T` other than `type`, each with its check: exactly those, no more. */
type Schema<T extends ZabMessage['type']> = Record<Exclude<keyof Extract<ZabMessage, { type: T }>, 'type'>, FieldCheck>

const serverStates: readonly ServerState[] = ['LOOKING', 'FOLLOWING', 'LEADING', 'OBSERVING']

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/** A learner session, a SYNC token or an election round: a non-negative safe integer. */
const count: FieldCheck = (value) => (isCount(value) ? undefined : `${show(value)} is not a non-negative safe integer`)

const epoch: FieldCheck = (value) =>
  isCount(value) && value < MESSAGE_EPOCH_LIMIT ? undefined : `${show(value)} is not an epoch in [0, ${MESSAGE_EPOCH_LIMIT})`

const zxid: FieldCheck = (value) =>
  isCount(value) && epochOf(value) < MESSAGE_EPOCH_LIMIT
    ? undefined
    : `${show(value)} is not a zxid (a non-negative safe integer whose epoch is below ${MESSAGE_EPOCH_LIMIT})`

/**
 * The getter behind every typed array's `Symbol.toStringTag`: it reads the internal type name, so
 * unlike `instanceof` it cannot be fooled by an object whose prototype is `Uint8Array.prototype`,
 * and for anything but a typed array it returns undefined instead of throwing.
 */
const typedArrayName = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype) as object, Symbol.toStringTag)?.get

function typedArrayNameOf(value: unknown): string | undefined {
  const name: unknown = typedArrayName?.call(value)
  return typeof name === 'string' ? name : undefined
}

/** Bytes: a Uint8Array, or a Buffer (msgpackr decodes binary as one). */
const bytes: FieldCheck = (value) => (typedArrayNameOf(value) === 'Uint8Array' ? undefined : `${show(value)} is not a Uint8Array`)

const serverState: FieldCheck = (value) =>
  serverStates.includes(value as ServerState) ? undefined : `${show(value)} is not one of ${serverStates.join(', ')}`

/** A field that is -1 in an observer's empty vote (NO_VOTE) and `check` otherwise. */
function orNoVote(check: FieldCheck): FieldCheck {
  return (value) => (value === -1 ? undefined : check(value))
}

/** ACKEPOCH's currentEpoch is -1 when the learner had already accepted the epoch. */
const epochOrUnset: FieldCheck = (value) => (value === -1 ? undefined : epoch(value))

const sessionZxid = { session: count, zxid }

/** Longest configuration text a message may carry (a few thousand servers' lines). */
export const CONFIG_TEXT_CHARS_MAX = 1 << 20

/** Most server ids a configuration may list (voters and observers together). */
export const CONFIG_MEMBERS_MAX = 4096

/** A field a message may leave out. */
function optional(check: FieldCheck): FieldCheck {
  return (value) => (value === undefined ? undefined : check(value))
}

// Server ids ascending, each once, in one list or the other (checked together in memberConfig).
function idList(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `${show(value)} is not an array`
  if (value.length > CONFIG_MEMBERS_MAX) return `${value.length} server ids, more than ${CONFIG_MEMBERS_MAX}`
  for (let i = 0; i < value.length; i++) {
    const sid: unknown = value[i]
    if (!isCount(sid) || sid === 0) return `${show(sid)} is not a server id (a positive safe integer)`
    if (i > 0 && (value[i - 1] as number) >= sid) return 'server ids are not ascending and distinct'
  }
  return undefined
}

const memberConfigSchema: Readonly<Record<string, FieldCheck>> = {
  version: zxid,
  voters: idList,
  observers: idList,
  text: (value) => (typeof value !== 'string' ? `${show(value)} is not a string` : value.length > CONFIG_TEXT_CHARS_MAX ? `text of ${value.length} characters, more than ${CONFIG_TEXT_CHARS_MAX}` : undefined),
}

/** A member configuration: its fields, at least one voter, no server both voter and observer. */
const memberConfig: FieldCheck = (value) => {
  if (!isPlainObject(value)) return `${show(value)} is not a plain object`
  const problem = fieldsProblem('config', value, memberConfigSchema)
  if (problem !== undefined) return problem
  const voters = value['voters'] as number[]
  if (voters.length === 0) return 'config has no voter'
  if ((value['observers'] as number[]).some((sid) => voters.includes(sid))) return 'config lists a server as both voter and observer'
  return undefined
}

/** Every message type with the check of each of its fields. */
const schemas: { readonly [T in ZabMessage['type']]: Schema<T> } = {
  NOTIFICATION: { state: serverState, leader: orNoVote(count), zxid: orNoVote(zxid), electionEpoch: count, peerEpoch: orNoVote(epoch), config: optional(memberConfig) },
  FOLLOWERINFO: { session: count, acceptedEpoch: epoch },
  OBSERVERINFO: { session: count, acceptedEpoch: epoch },
  LEADERINFO: { session: count, newEpoch: epoch },
  ACKEPOCH: { session: count, epoch, currentEpoch: epochOrUnset, lastZxid: zxid },
  DIFF: sessionZxid,
  TRUNC: sessionZxid,
  SNAP: { ...sessionZxid, snapshot: bytes },
  PROPOSAL: { ...sessionZxid, data: bytes, config: optional(memberConfig) },
  ACK: sessionZxid,
  COMMIT: sessionZxid,
  INFORM: { ...sessionZxid, data: bytes, config: optional(memberConfig) },
  NEWLEADER: { ...sessionZxid, config: optional(memberConfig) },
  UPTODATE: sessionZxid,
  PING: { session: count },
  REQUEST: { session: count, data: bytes },
  SYNC: { session: count, token: count },
}

/**
 * What is wrong with `value` as a member configuration (from a peer or a disk), in one line, or
 * undefined when it is one: version, ascending distinct server ids, at least one voter, no server
 * both voter and observer, text within bounds, no other field.
 */
export function memberConfigProblem(value: unknown): string | undefined {
  try {
    return memberConfig(value)
  } catch (error) {
    return `the value could not be read (${error instanceof Error ? error.message : 'unknown error'})`
  }
}

/**
 * What is wrong with `value` as a ZAB message from a peer, in one line for the log, or undefined
 * when it is exactly one of {@link ZabMessage}.
 */
export function zabMessageProblem(value: unknown): string | undefined {
  try {
    return messageProblem(value)
  } catch (error) {
    // Nothing msgpackr decodes gets here; a value with throwing getters or a Proxy might.
    return `the value could not be read (${error instanceof Error ? error.message : 'unknown error'})`
  }
}

function messageProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return `${show(value)} is not a plain object`
  const type = value['type']
  if (typeof type !== 'string' || !Object.hasOwn(schemas, type)) return `type ${show(type)} is not a ZAB message type`
  const schema: Readonly<Record<string, FieldCheck>> = schemas[type as ZabMessage['type']]
  const problem = fieldsProblem(type, value, schema, 'type')
  if (problem !== undefined) return problem
  return type === 'NOTIFICATION' ? voteProblem(value) : undefined
}

// Exactly the schema's fields (`exempt` aside), each valid; an optional one may be absent.
function fieldsProblem(name: string, value: Readonly<Record<string, unknown>>, schema: Readonly<Record<string, FieldCheck>>, exempt?: string): string | undefined {
  for (const key of Object.keys(value)) {
    if (key !== exempt && !Object.hasOwn(schema, key)) return `${name} has no field ${show(key)}`
  }
  for (const [key, check] of Object.entries(schema)) {
    const present = Object.hasOwn(value, key)
    const problem = check(present ? value[key] : undefined)
    if (problem !== undefined) return `${name}.${key}: ${present ? problem : 'missing'}`
  }
  return undefined
}

/**
 * `value` as a ZAB message when it is exactly one (every field of its type present, of the right
 * type and in range, no other field), else undefined. See {@link zabMessageProblem} for why.
 */
export function validateZabMessage(value: unknown): ZabMessage | undefined {
  return zabMessageProblem(value) === undefined ? (value as ZabMessage) : undefined
}

// An observer's empty vote (NO_VOTE) is -1 in all three fields; a real vote in none.
function voteProblem(notification: Readonly<Record<string, unknown>>): string | undefined {
  const empty = [notification['leader'], notification['zxid'], notification['peerEpoch']].filter((v) => v === -1).length
  return empty === 0 || empty === 3 ? undefined : 'NOTIFICATION: leader, zxid and peerEpoch must be -1 together (NO_VOTE) or not at all'
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** A short text form of any value for a log line: never the whole of a big one. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'function') return 'a function'
  const typedArray = typedArrayNameOf(value)
  if (typedArray !== undefined) return `a ${typedArray}`
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (typeof value === 'object' && value !== null) return 'an object'
  return String(value)
}
