/**
 * The wire layer of `peerProtocol=zookeeper`: Apache ZooKeeper's own member-to-member protocol,
 * so that a Paddock member can take a seat in a ZooKeeper 3.8 ensemble. This barrel exports the
 * pure encoders and decoders, no sockets (transport.ts has those); msgpackr frames
 * (lib/peer/tcp.ts) stay the protocol among Paddock members.
 *
 * ## The records, and the 3.8 versions chosen
 *
 * - Election port, first bytes of a connection ({@link readInitialMessage}): QuorumCnxManager's
 *   initial message, protocol version `PROTOCOL_VERSION_V1` (-65536; what 3.8 sends unless
 *   `multiAddress.enabled`) or `V2` (-65535, `|`-separated addresses), the sid, and the election
 *   address text of at most 2048 bytes. The larger sid's dial is the connection kept
 *   ({@link keepsConnection}).
 * - Election port, after it: frames of an int length (1..512 KiB, `PACKETMAXSIZE`) and a Fast
 *   Leader Election notification ({@link decodeNotification}): state, leader, zxid, electionEpoch,
 *   peerEpoch, version 2 (`Notification.CURRENTVERSION`) and the sender's configuration as text.
 *   The 28- and 40-byte forms of older members are read; only version 2 is written.
 * - Quorum port: a bare stream of jute `QuorumPacket`s ({@link readQuorumPacket}) with the 19 types
 *   of `Leader.java` ({@link QuorumPacketType}); `LearnerInfo` (serverid, protocolVersion 0x10000,
 *   configVersion) in FOLLOWERINFO/OBSERVERINFO; an int protocol version in LEADERINFO and an int
 *   currentEpoch in ACKEPOCH.
 * - Both ports, with quorum SASL (`quorum.auth.enableSasl`): jute `QuorumAuthPacket`s (magic,
 *   status IN_PROGRESS, SUCCESS or ERROR, token) after the initial message and before the first
 *   QuorumPacket ({@link readQuorumAuthPacket}); quorum-auth.ts has the server and learner sides
 *   ({@link QuorumAuthServer}, {@link QuorumAuthLearner}) and where each runs.
 *
 * With quorum TLS (`sslQuorum`) the same records travel inside TLS on both ports; transport.ts sets
 * it up with lib/peer/tls.ts, which Paddock's own transport uses too.
 *
 * Every decoder bounds what it reads (lib/limits.ts: `zkInitialMessageAddressBytesMax`,
 * `zkElectionFrameBytesMax`, `zkQuorumPacketBufferBytesMax`, `zkQuorumPacketBytesMax`,
 * `zkQuorumAuthTokenBytesMax`) and fails
 * with a {@link JuteDecodeError}, the jute codec's one error for bad input; {@link ZkStreamBuffer}
 * turns a socket's chunks into records. The jute primitives are lib/wire's, shared with the client
 * protocol and with lib/migrate's snapshot and txn-log codecs.
 *
 * ## How they map onto lib/zab
 *
 * The mapping lives in the transport; lib/zab stays as it is. mapping.ts maps the election
 * (notifications, longs, configuration text), learner-link.ts one follower connection's packets,
 * payloads.ts names what the transport needs from the formats above it (PROPOSAL data, the
 * database after SNAP, the runtime's REQUEST bytes; lib/migrate/zk-peer-payloads.ts reads them
 * with the migration codecs), and transport.ts is the `PeerTransport` on the sockets
 * (`peerProtocol=zookeeper`). Each module's comment gives the decisions taken where ZooKeeper's
 * model and the core's differ. Mapped: the election; the follower and observer roles under a
 * ZooKeeper leader (learner-link.ts: FOLLOWERINFO or OBSERVERINFO, DIFF, TRUNC and SNAP, PROPOSAL
 * and COMMIT or INFORM); the leader role for ZooKeeper followers and observers
 * (learner-handler-link.ts, INFORM to observers). test/interop/zookeeper-peer-*.test.ts run each
 * role against Apache ZooKeeper 3.8: a Paddock observer of Apache voters, an Apache observer of a
 * Paddock leader, and an Apache leader's TRUNC of a Paddock member's uncommitted proposals among
 * them. Still to map: COMMITANDACTIVATE / INFORMANDACTIVATE as reconfigs (taken as COMMIT and
 * INFORM). A big tree wants an incremental SNAP reader: a {@link ZkStreamBuffer}
 * re-reads a record from its start on every chunk, which suits packets of a few MiB, not
 * snapshots of hundreds.
 * @module
 */
export {
  encodeInitialMessage,
  initialMessageHeaderBytes,
  keepsConnection,
  OBSERVER_ID,
  PROTOCOL_VERSION_V1,
  PROTOCOL_VERSION_V2,
  readInitialMessage,
  type ElectionAddress,
  type InitialMessage,
} from './initial-message.js'
export {
  decodeNotification,
  encodeElectionFrame,
  encodeNotification,
  NOTIFICATION_CURRENT_VERSION,
  notificationBytesMin,
  notificationHeaderBytes,
  readElectionFrame,
  serverStateOrdinals,
  type NotificationToSend,
  type ZkNotification,
} from './notification.js'
export {
  ackEpochPacket,
  decodeIntData,
  decodeLearnerInfo,
  decodeQuorumPacket,
  encodeIntData,
  encodeLearnerInfo,
  encodeQuorumPacket,
  LEARNER_PROTOCOL_VERSION,
  leaderInfoPacket,
  QuorumPacketType,
  quorumPacketTypeName,
  readQuorumPacket,
  writeQuorumPacket,
  type LearnerInfo,
  type QuorumPacket,
  type QuorumPacketTypeName,
} from './quorum-packet.js'
export {
  encodeQuorumAuthPacket,
  QUORUM_AUTH_MAGIC_NUMBER,
  QuorumAuthLearner,
  QuorumAuthServer,
  QuorumAuthStatus,
  readQuorumAuthPacket,
  startsWithQuorumAuth,
  type QuorumAuthOutcome,
  type QuorumAuthPacket,
  type QuorumAuthSide,
  type QuorumAuthStatusCode,
  type QuorumAuthStep,
} from './quorum-auth.js'
export { readFromStream, ZkStreamBuffer, type StreamDecoder, type StreamRecord } from './stream.js'
export { JuteDecodeError } from '../../wire/jute.js'
