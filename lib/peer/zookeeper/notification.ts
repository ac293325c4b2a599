/**
 * Fast Leader Election's notification, in the layout of 3.8's `FastLeaderElection.buildMsg` (the
 * sender) and `Messenger.WorkerReceiver.run` (the receiver), big-endian:
 *
 * ```
 * int  state           0 LOOKING, 1 FOLLOWING, 2 LEADING, 3 OBSERVING (ServerState's ordinal)
 * long leader          the proposed leader's sid
 * long zxid            the proposed leader's last zxid
 * long electionEpoch   the sender's logical clock (its election round)
 * long peerEpoch       the proposed leader's epoch           (absent in the 28-byte form)
 * int  version         0x2 (Notification.CURRENTVERSION)     (absent in the 28- and 40-byte forms)
 * int  configLength    0..message length                     (only when version > 0x1)
 * byte config[configLength]  the sender's QuorumVerifier as text (QuorumMaj.toString)
 * ```
 *
 * Each notification travels in one election frame ({@link readElectionFrame}). The receiver takes
 * the older forms by the message's length: 28 bytes (peerEpoch is the zxid's epoch) and 40 bytes
 * (no version); anything shorter than 28 is dropped. Sids, zxids and epochs are bigint: a member
 * that cannot vote announces Long.MIN_VALUE for all three (`getInitId`), no JS number.
 * @module
 */
import { zkElectionFrameBytesMax } from '../../limits.js'
import { decodeJavaUtf8, JuteDecodeError, JuteReader, JuteWriter } from '../../wire/jute.js'
import type { ServerState } from '../../zab/messages.js'

/** A member's state as a notification carries it: the ordinals of `QuorumPeer.ServerState`. */
export const serverStateOrdinals: Readonly<Record<ServerState, number>> = { LOOKING: 0, FOLLOWING: 1, LEADING: 2, OBSERVING: 3 }

const stateNames: readonly ServerState[] = ['LOOKING', 'FOLLOWING', 'LEADING', 'OBSERVING']

/** The notification format version 3.8 writes (Notification.CURRENTVERSION): with config data. */
export const NOTIFICATION_CURRENT_VERSION = 2

/** Length of the oldest notification still read: state, leader, zxid, electionEpoch. */
export const notificationBytesMin = 28

/** Length of the form with peerEpoch and no version. */
const notificationBytesWithoutVersion = 40

/** Length of a current notification before its config text. */
export const notificationHeaderBytes = 44

/**
 * One FLE notification as ZooKeeper writes it: a vote and its sender's state. The wire form of
 * lib/zab's `Notification`, with ZooKeeper's exact longs and its config as text.
 */
export interface ZkNotification {
  /** The sender's state. */
  readonly state: ServerState
  /** The sid the sender votes for. */
  readonly leader: bigint
  /** The last zxid of the proposed leader. */
  readonly zxid: bigint
  /** The sender's election round (its logicalclock). */
  readonly electionEpoch: bigint
  /** The epoch of the proposed leader (from the zxid in the 28-byte form). */
  readonly peerEpoch: bigint
  /** The format version: 0 for the 28- and 40-byte forms, 2 for 3.8's. */
  readonly version: number
  /**
   * The sender's configuration as text (`server.1=host:2888:3888:participant\n...version=0`),
   * when the version is over 1; undefined for the older forms.
   */
  readonly config: string | undefined
}

/** What {@link encodeNotification} writes: a 3.8 notification, always with its config text. */
export type NotificationToSend = Omit<ZkNotification, 'version' | 'config'> & { readonly config: string }

/** Encodes a notification in 3.8's layout (version 2, with config); a TypeError past 512 KiB. */
export function encodeNotification(n: NotificationToSend): Uint8Array {
  const config = new TextEncoder().encode(n.config)
  const length = notificationHeaderBytes + config.length
  if (length > zkElectionFrameBytesMax) throw new TypeError(`encodeNotification: ${length} bytes is over ${zkElectionFrameBytesMax}`)
  const w = new JuteWriter({ slabBytes: length })
  w.writeInt(serverStateOrdinals[n.state]).writeLong(n.leader).writeLong(n.zxid).writeLong(n.electionEpoch).writeLong(n.peerEpoch)
  // A jute buffer is an int length and the bytes: exactly configLength and config.
  w.writeInt(NOTIFICATION_CURRENT_VERSION).writeBuffer(config)
  return Uint8Array.from(w.finish())
}

/**
 * Decodes one notification (the body of an election frame). Throws {@link JuteDecodeError}:
 * `truncated` under 28 bytes or when the config is shorter than its length, `badLength` for a
 * config length below 0 or over the message, `invalid` for an unknown state. Bytes after the
 * config are ignored, as ZooKeeper ignores them.
 */
export function decodeNotification(body: Uint8Array): ZkNotification {
  if (body.length < notificationBytesMin) {
    throw new JuteDecodeError('truncated', `a notification of ${body.length} bytes is shorter than ${notificationBytesMin}`)
  }
  const r = new JuteReader(body)
  const stateOrdinal = r.readInt('Notification.state')
  const state = stateNames[stateOrdinal]
  if (state === undefined) throw new JuteDecodeError('invalid', `unknown server state ${stateOrdinal} in a notification`)
  const leader = r.readLong('Notification.leader')
  const zxid = r.readLong('Notification.zxid')
  const electionEpoch = r.readLong('Notification.electionEpoch')
  const vote = { state, leader, zxid, electionEpoch }
  // ZxidUtils.getEpochFromZxid: the high 32 bits, signed.
  if (body.length === notificationBytesMin) return { ...vote, peerEpoch: zxid >> 32n, version: 0, config: undefined }
  const peerEpoch = r.readLong('Notification.peerEpoch')
  if (body.length === notificationBytesWithoutVersion) return { ...vote, peerEpoch, version: 0, config: undefined }
  const version = r.readInt('Notification.version')
  return { ...vote, peerEpoch, version, config: version > 1 ? readConfig(r, body.length) : undefined }
}

function readConfig(r: JuteReader, capacity: number): string {
  const length = r.readInt('Notification.configLength')
  if (length < 0 || length > capacity) {
    throw new JuteDecodeError('badLength', `invalid config length ${length} in a notification of ${capacity} bytes`)
  }
  const bytes = r.readBytes(length, 'Notification.config')
  return decodeJavaUtf8(bytes, 0, bytes.length)
}

/**
 * Reads one election frame from the front of a stream, as QuorumCnxManager's RecvWorker does: an
 * int length, 1..512 KiB, and that many bytes. Throws {@link JuteDecodeError} `frameLength` for a
 * length outside that range, before any of the body is kept.
 */
export function readElectionFrame(r: JuteReader): Uint8Array {
  const length = r.readInt('election frame length')
  if (length <= 0 || length > zkElectionFrameBytesMax) {
    throw new JuteDecodeError('frameLength', `election frame of ${length} bytes is outside 1..${zkElectionFrameBytesMax}`)
  }
  return r.readBytes(length, 'election frame')
}

/** Frames a message for the election port, as SendWorker.send does: int length, then the bytes. */
export function encodeElectionFrame(body: Uint8Array): Uint8Array {
  if (body.length === 0 || body.length > zkElectionFrameBytesMax) {
    throw new TypeError(`encodeElectionFrame: ${body.length} bytes is outside 1..${zkElectionFrameBytesMax}`)
  }
  const w = new JuteWriter({ slabBytes: 4 + body.length })
  return Uint8Array.from(w.writeBuffer(body).finish())
}
