/**
 * The pure mapping between ZooKeeper's election records and the ZAB core's (lib/zab/messages.ts):
 * longs to numbers, Fast Leader Election notifications to `Notification`s and back, and
 * ZooKeeper's configuration text (`QuorumMaj.toString`) to `MemberConfig` and back. No socket,
 * no state: lib/peer/zookeeper/transport.ts calls these on every notification.
 *
 * Decisions where the two models differ:
 * - Numbers. ZooKeeper's sids, zxids and epochs are longs; the core's are safe integers (epochs
 *   below 2^21). A value no safe integer holds is refused ({@link JuteDecodeError} `unsafeInteger`),
 *   which closes the connection it came on. A negative vote field is a vote for nobody: a
 *   non-voter announces Long.MIN_VALUE for its leader, zxid and peerEpoch (`getInitId`), the core
 *   -1 ({@link NO_VOTE}).
 * - electionEpoch is the same notion on both sides (ZooKeeper's `logicalclock`, the core's
 *   `Election.logicalclock`), so it passes unchanged.
 * - Configuration. ZooKeeper sends its configuration in every notification, version 0 included;
 *   the core only when a reconfig made one (version above 0). A received text is passed to the core
 *   only when its version is above 0, so a static ensemble never looks like a reconfig; the core
 *   adopts it only when it is newer than its own (as ZooKeeper's WorkerReceiver does). When the
 *   core sends none, the member's start-up configuration goes out with version 0, which ZooKeeper
 *   never takes over its own.
 * @module
 */
import { dynamicConfigText, serversOfText } from '../../config/dynamic-config.js'
import { JuteDecodeError } from '../../wire/jute.js'
import type { MemberConfig } from '../../zab/config.js'
import type { Notification } from '../../zab/messages.js'
import type { NotificationToSend, ZkNotification } from './notification.js'

/** The core's "no vote" value of a vote field (lib/zab/election.ts `NO_VOTE`). */
export const NO_VOTE_FIELD = -1

/**
 * A jute long as a non-negative safe integer; throws {@link JuteDecodeError} `unsafeInteger` for a
 * negative value or one past 2^53 - 1.
 */
export function numberOfLong(value: bigint, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new JuteDecodeError('unsafeInteger', `${what} ${value} is not a non-negative safe integer`)
  }
  return Number(value)
}

/** A vote field: negative (a non-voter's Long.MIN_VALUE) is the core's -1, anything else as {@link numberOfLong}. */
function voteField(value: bigint, what: string): number {
  return value < 0n ? NO_VOTE_FIELD : numberOfLong(value, what)
}

/**
 * A ZooKeeper notification as the core's `Notification`. Throws {@link JuteDecodeError} for a
 * number no safe integer holds.
 */
export function zabNotificationOf(n: ZkNotification): Notification {
  const config = n.config === undefined ? undefined : memberConfigOfZkText(n.config)
  return {
    type: 'NOTIFICATION',
    state: n.state,
    leader: voteField(n.leader, 'vote leader'),
    zxid: voteField(n.zxid, 'vote zxid'),
    electionEpoch: numberOfLong(n.electionEpoch, 'electionEpoch'),
    peerEpoch: voteField(n.peerEpoch, 'vote peerEpoch'),
    ...(config === undefined || config.version === 0 ? {} : { config }),
  }
}

/**
 * The core's `Notification` in ZooKeeper's layout: its configuration's text when it carries one,
 * else `startupConfigText` (the member's own, see {@link zkConfigText}).
 */
export function zkNotificationOf(n: Notification, startupConfigText: string): NotificationToSend {
  return {
    state: n.state,
    leader: BigInt(n.leader),
    zxid: BigInt(n.zxid),
    electionEpoch: BigInt(n.electionEpoch),
    peerEpoch: BigInt(n.peerEpoch),
    config: n.config === undefined ? startupConfigText : zkConfigText(n.config),
  }
}

/**
 * A configuration as ZooKeeper writes it (`QuorumMaj.toString`): its `server.N=` lines, each
 * ending in a newline, then `version=` and the version in hex without a newline.
 */
export function zkConfigText(config: Pick<MemberConfig, 'text' | 'version'>): string {
  const lines = config.text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('version='))
  return `${lines.map((line) => `${line}\n`).join('')}version=${config.version.toString(16)}`
}

/** Longest configuration text read from a ZooKeeper member, in characters (a notification's text is bounded by its frame). */
const configTextCharsMax = 512 * 1024

/**
 * ZooKeeper's configuration text as a `MemberConfig` (voters are its participants, observers its
 * observers, the text its `server.N` lines in Paddock's form), or undefined when it does not read:
 * no `version=` line, a bad server line, no participant. ZooKeeper logs and ignores such a text
 * too (FastLeaderElection's WorkerReceiver).
 */
export function memberConfigOfZkText(text: string): MemberConfig | undefined {
  if (text.length > configTextCharsMax) return undefined
  const match = /^version=([0-9a-fA-F]{1,14})\s*$/m.exec(text)
  if (match === null) return undefined
  const version = Number.parseInt(match[1] as string, 16)
  if (!Number.isSafeInteger(version)) return undefined
  try {
    const servers = serversOfText(text)
    const voters = servers.filter((s) => s.role === 'participant').map((s) => s.id).sort((a, b) => a - b)
    const observers = servers.filter((s) => s.role === 'observer').map((s) => s.id).sort((a, b) => a - b)
    if (voters.length === 0) return undefined
    return { version, voters, observers, text: dynamicConfigText(servers) }
  } catch {
    return undefined
  }
}
