/**
 * The wire layer of `peerProtocol=zookeeper`: Apache ZooKeeper's own member-to-member protocol,
 * so that a Paddock member can take a seat in a ZooKeeper 3.8 ensemble. Pure encoders and
 * decoders, no sockets; msgpackr frames (lib/peer/tcp.ts) stay the protocol among Paddock members.
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
 *
 * Every decoder bounds what it reads (lib/limits.ts: `zkInitialMessageAddressBytesMax`,
 * `zkElectionFrameBytesMax`, `zkQuorumPacketBufferBytesMax`, `zkQuorumPacketBytesMax`) and fails
 * with a {@link JuteDecodeError}, the jute codec's one error for bad input; {@link ZkStreamBuffer}
 * turns a socket's chunks into records. The jute primitives are lib/wire's, shared with the client
 * protocol and with lib/migrate's snapshot and txn-log codecs.
 *
 * ## How later slices map them onto lib/zab (lib/zab/messages.ts)
 *
 * The mapping lives in the transport; lib/zab stays as it is.
 * - ZkNotification ↔ `Notification`: the longs become numbers (a non-voter's Long.MIN_VALUE vote
 *   is dropped, as a vote for nobody), the config text ↔ `MemberConfig` (lib/config's `server.N`
 *   lines and `version=`).
 * - FOLLOWERINFO / OBSERVERINFO ↔ `FollowerInfo` / `ObserverInfo`: acceptedEpoch is the packet's
 *   zxid epoch, the sid comes from LearnerInfo. lib/zab's `session` has no field on the wire: one
 *   TCP connection is one session, as in ZooKeeper's LearnerHandler, so the transport numbers them.
 * - LEADERINFO ↔ `LeaderInfo` (newEpoch = zxid >> 32), ACKEPOCH ↔ `AckEpoch` (lastZxid = zxid,
 *   currentEpoch = data; the epoch it answers is the connection's last LEADERINFO).
 * - DIFF, TRUNC, NEWLEADER, UPTODATE, ACK, COMMIT, PING, SYNC ↔ their namesakes (zxid only;
 *   NEWLEADER's data is the leader's config text, PING's data the learner's session touches).
 * - PROPOSAL / INFORM: data = jute TxnHeader + txn record (+ TxnDigest) as
 *   `Util.marshallTxnEntry` writes it ↔ Paddock's txn encoding (lib/txn), through lib/migrate's
 *   zk-txnlog.ts record codec, which reads and writes exactly that entry.
 * - SNAP: the packet is followed on the stream by `SerializeUtils.serializeSnapshot` (sessions and
 *   DataTree, no file header) and the string "BenWasHere" ↔ the runtime's snapshot install,
 *   through lib/migrate's `readSerializedSnapshot` (zk-snapshot.ts), which the interop test already
 *   reads a 3.8 leader's SNAP with. A big tree wants an incremental reader there: a
 *   {@link ZkStreamBuffer} re-reads a record from its start on every chunk, which suits packets of
 *   a few MiB, not snapshots of hundreds.
 * - REQUEST ↔ `Request` (data = sessionId, cxid, type, request record; authinfo = the client's ids),
 *   REVALIDATE and COMMITANDACTIVATE / INFORMANDACTIVATE ↔ session revalidation and reconfig.
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
export { readFromStream, ZkStreamBuffer, type StreamDecoder, type StreamRecord } from './stream.js'
export { JuteDecodeError } from '../../wire/jute.js'
